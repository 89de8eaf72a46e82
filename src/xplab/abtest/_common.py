"""Pieces shared by the frequentist tests: p-values and confidence intervals
from a normal or t reference distribution, for each ``alternative``."""

from __future__ import annotations

import math
from dataclasses import dataclass

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


def p_value(statistic: float, alternative: str, dist=stats.norm) -> float:
    """P-value of ``statistic`` under ``dist`` (a frozen or standard distribution).

    'two-sided': 2·P(T ≥ |t|); 'larger': P(T ≥ t); 'smaller': P(T ≤ t).
    """
    if alternative == "two-sided":
        return float(min(1.0, 2.0 * dist.sf(abs(statistic))))
    if alternative == "larger":
        return float(dist.sf(statistic))
    return float(dist.cdf(statistic))


def confidence_interval(
    estimate: float, se: float, alpha: float, alternative: str, dist=stats.norm
) -> tuple[float, float]:
    """The interval that matches the test: two-sided, or one-sided with an infinite bound."""
    if alternative == "two-sided":
        q = float(dist.ppf(1 - alpha / 2))
        return (estimate - q * se, estimate + q * se)
    q = float(dist.ppf(1 - alpha))
    if alternative == "larger":
        return (estimate - q * se, math.inf)
    return (-math.inf, estimate + q * se)


def relative(estimate: float, base: float) -> float:
    """estimate / base; infinite (not NaN) when the control level is zero."""
    if base == 0:
        return math.copysign(math.inf, estimate) if estimate != 0 else 0.0
    return estimate / base
