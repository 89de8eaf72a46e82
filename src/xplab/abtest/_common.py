"""Pieces shared by the frequentist tests: the result fields, and p-values and
confidence intervals from a normal or t reference distribution for each
``alternative``.

The helpers accept scalars or NumPy arrays, so ``benchmarks/bench_abtest.py``
can run thousands of simulated experiments through the very code that the
public functions use.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from .._results import ResultMixin
from .._validate import Alternative
from .groupstats import GroupStats


@dataclass(frozen=True, repr=False)
class TestResult(ResultMixin):
    """Fields every frequentist two-group test reports; ``estimate`` is
    treatment − control and ``ci`` matches ``alternative``."""

    __test__ = False  # not a pytest test class

    estimate: float
    ci: tuple[float, float]
    p_value: float
    statistic: float
    se: float
    relative_lift: float
    n_c: int
    n_t: int
    alpha: float
    alternative: Alternative

    @property
    def significant(self) -> bool:
        """Whether H0 is rejected at ``alpha``."""
        return self.p_value < self.alpha


class Inference(NamedTuple):
    """The output of :func:`infer`: floats, or arrays for many experiments at once."""

    statistic: Any
    p_value: Any
    ci_low: Any
    ci_high: Any


def _scalar(x: Any) -> Any:
    return float(x) if np.ndim(x) == 0 else x


def p_value(statistic: Any, alternative: str, dist: Any = stats.norm) -> Any:
    """P-value of ``statistic`` under ``dist`` (a frozen or standard distribution).

    'two-sided': 2·P(T ≥ |t|); 'larger': P(T ≥ t); 'smaller': P(T ≤ t).
    """
    if alternative == "two-sided":
        p = np.minimum(1.0, 2.0 * dist.sf(np.abs(statistic)))
    elif alternative == "larger":
        p = dist.sf(statistic)
    else:
        p = dist.cdf(statistic)
    return _scalar(p)


def confidence_interval(
    estimate: Any, se: Any, alpha: float, alternative: str, dist: Any = stats.norm
) -> tuple[Any, Any]:
    """The interval that matches the test: two-sided, or one-sided with an infinite bound."""
    if alternative == "two-sided":
        q = dist.ppf(1 - alpha / 2)
        return _scalar(estimate - q * se), _scalar(estimate + q * se)
    q = dist.ppf(1 - alpha)
    inf = np.full(np.shape(estimate), math.inf)
    if alternative == "larger":
        return _scalar(estimate - q * se), _scalar(inf)
    return _scalar(-inf), _scalar(estimate + q * se)


def infer(
    estimate: Any,
    se: Any,
    alpha: float,
    alternative: str,
    *,
    se_test: Any = None,
    dist: Any = stats.norm,
) -> Inference:
    """Statistic estimate/se_test, its p-value and the interval estimate ± q·se.

    ``se_test`` is the standard error under H0 (the pooled one of the
    proportion test); by default the same as ``se``. Callers make sure it is > 0.
    """
    statistic = _scalar(np.divide(estimate, se if se_test is None else se_test))
    low, high = confidence_interval(estimate, se, alpha, alternative, dist)
    return Inference(statistic, p_value(statistic, alternative, dist), low, high)


def relative(estimate: float, base: float) -> float:
    """estimate / |base|: the change as a share of the control's level.

    Dividing by the absolute value keeps the sign of the lift equal to the sign
    of the estimate when the control level is negative (a mean profit below
    zero): an improvement from −10 to −5 is +50 %, not −50 %. Infinite (not
    NaN) when the control level is zero.
    """
    if base == 0:
        return math.copysign(math.inf, estimate) if estimate != 0 else 0.0
    return estimate / abs(base)


class SmallSampleWarning(UserWarning):
    """A large-sample approximation (normal or chi-square) is unreliable here:
    too few expected events. The message names the exact test to use."""


def split_arms(
    values: Sequence[Any], names: Sequence[str], per_arm: int, function: str
) -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any], ...]]:
    """Split positional arguments into a control and a treatment arm.

    Each arm is either one :class:`GroupStats` or ``per_arm`` raw values
    (e.g. successes and n). Returns, per arm, its ``(name, value)`` pairs; a
    GroupStats arm is named 'control' or 'treatment'. Leftover arguments must be
    None (the defaults), or the call is ambiguous.
    """
    items = list(zip(names, values, strict=True))
    arms: list[tuple[tuple[str, Any], ...]] = []
    i = 0
    for label in ("control", "treatment"):
        if i < len(items) and isinstance(items[i][1], GroupStats):
            arms.append(((label, items[i][1]),))
            i += 1
        else:
            arms.append(tuple(items[i : i + per_arm]))
            i += per_arm
    extra = [name for name, value in items[i:] if value is not None]
    if extra:
        raise ValueError(
            f"{function} got {extra[0]}={dict(items)[extra[0]]!r} after both arms were "
            f"complete; pass either {per_arm} values or one GroupStats per arm, e.g. "
            f"{function}(stats_c, stats_t)"
        )
    return arms[0], arms[1]
