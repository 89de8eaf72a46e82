"""Pieces shared by the frequentist tests: the result fields, and p-values and
confidence intervals from a normal or t reference distribution for each
``alternative``.

The helpers accept scalars or NumPy arrays, so ``benchmarks/bench_abtest.py``
can run thousands of simulated experiments through the very code that the
public functions use.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
from scipy import stats

from .._results import ResultMixin


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
    alternative: str

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
    """estimate / base; infinite (not NaN) when the control level is zero."""
    if base == 0:
        return math.copysign(math.inf, estimate) if estimate != 0 else 0.0
    return estimate / base
