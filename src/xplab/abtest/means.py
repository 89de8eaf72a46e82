"""Welch's t-test for the difference of two means."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from scipy import stats

from .._validate import as_1d_array, check_alpha, check_alternative
from ._common import TestResult, confidence_interval, p_value, relative


@dataclass(frozen=True, repr=False)
class MeanTestResult(TestResult):
    """Result of :func:`mean_test`; ``estimate`` is mean_t − mean_c."""

    _title: ClassVar[str] = "Welch t-test (treatment − control)"
    df: float
    control_mean: float
    treatment_mean: float


def mean_test(
    x_c: Any, x_t: Any, *, alpha: float = 0.05, alternative: str = "two-sided"
) -> MeanTestResult:
    r"""Compare two means with Welch's t-test (unequal variances).

    H0: μ_t − μ_c = 0 against 'two-sided', 'larger' (> 0) or 'smaller' (< 0).

    .. math:: t = \frac{\bar x_t - \bar x_c}{\sqrt{s_c^2/n_c + s_t^2/n_t}}

    with Welch–Satterthwaite degrees of freedom
    ν = (s_c²/n_c + s_t²/n_t)² / [(s_c²/n_c)²/(n_c−1) + (s_t²/n_t)²/(n_t−1)].
    The same as ``scipy.stats.ttest_ind(x_t, x_c, equal_var=False)``.

    Parameters
    ----------
    x_c, x_t : array-like
        One value per unit (at least two per group), e.g. revenue per user.
    alpha : float
    alternative : {'two-sided', 'larger', 'smaller'}

    Examples
    --------
    >>> r = mean_test([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
    >>> round(r.estimate, 2)
    1.25
    """
    c = as_1d_array(x_c, name="x_c", min_size=2)
    t = as_1d_array(x_t, name="x_t", min_size=2)
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    v_c, v_t = c.var(ddof=1) / c.size, t.var(ddof=1) / t.size
    se = math.sqrt(v_c + v_t)
    if se == 0:
        raise ValueError("x_c and x_t are both constant: there is no variation to test")
    df = (v_c + v_t) ** 2 / (v_c**2 / (c.size - 1) + v_t**2 / (t.size - 1))
    diff = float(t.mean() - c.mean())
    statistic = diff / se
    dist = stats.t(df)
    return MeanTestResult(
        estimate=diff,
        ci=confidence_interval(diff, se, alpha, alternative, dist),
        p_value=p_value(statistic, alternative, dist),
        statistic=statistic,
        df=float(df),
        se=se,
        relative_lift=relative(diff, float(c.mean())),
        control_mean=float(c.mean()),
        treatment_mean=float(t.mean()),
        n_c=int(c.size),
        n_t=int(t.size),
        alpha=alpha,
        alternative=alternative,
    )
