"""Welch's t-test for the difference of two means."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._validate import as_1d_array, check_alpha, check_alternative
from ._common import Inference, TestResult, infer, relative


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
    The confidence interval is (x̄_t − x̄_c) ± t_{1−α/2, ν}·SE, one-sided with
    an infinite bound for 'larger' or 'smaller'. The same as
    ``scipy.stats.ttest_ind(x_t, x_c, equal_var=False)`` and its
    ``confidence_interval``.

    Parameters
    ----------
    x_c, x_t : array-like
        One value per unit (at least two per group), e.g. revenue per user.
    alpha : float
        Significance level, in (0, 1).
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    MeanTestResult
        ``estimate`` (x̄_t − x̄_c), ``ci``, ``p_value``, ``statistic``, ``se``,
        ``df``, ``relative_lift`` (estimate / x̄_c), ``control_mean``,
        ``treatment_mean``.

    Raises
    ------
    ValueError
        For fewer than two values per group, NaN or infinite values, or when
        both groups are constant (the SE is 0).

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
    if np.ptp(c) == 0 and np.ptp(t) == 0:
        raise ValueError("x_c and x_t are both constant: there is no variation to test")
    mean_c, mean_t = float(c.mean()), float(t.mean())
    diff, se, df, res = welch_from_moments(
        mean_c, c.var(ddof=1), c.size, mean_t, t.var(ddof=1), t.size, alpha, alternative
    )
    diff = float(diff)
    return MeanTestResult(
        estimate=diff,
        ci=(res.ci_low, res.ci_high),
        p_value=res.p_value,
        statistic=res.statistic,
        df=float(df),
        se=float(se),
        relative_lift=relative(diff, mean_c),
        control_mean=mean_c,
        treatment_mean=mean_t,
        n_c=int(c.size),
        n_t=int(t.size),
        alpha=alpha,
        alternative=alternative,
    )


def welch_from_moments(
    mean_c: Any,
    var_c: Any,
    n_c: Any,
    mean_t: Any,
    var_t: Any,
    n_t: Any,
    alpha: float,
    alternative: str,
) -> tuple[Any, Any, Any, Inference]:
    """The arithmetic of :func:`mean_test` from each group's mean, variance
    (ddof=1) and size, for scalars or arrays of many experiments:
    ``(mean_t − mean_c, SE, Welch df, inference)``. The caller rules out SE 0."""
    v_c, v_t = np.divide(var_c, n_c), np.divide(var_t, n_t)
    se = np.sqrt(v_c + v_t)
    df = (v_c + v_t) ** 2 / (v_c**2 / np.subtract(n_c, 1) + v_t**2 / np.subtract(n_t, 1))
    diff = np.subtract(mean_t, mean_c)
    return diff, se, df, infer(diff, se, alpha, alternative, dist=stats.t(df))
