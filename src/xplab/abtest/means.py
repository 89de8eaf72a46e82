"""Welch's t-test for the difference of two means."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._validate import Alternative, as_1d_array, check_alpha, check_alternative
from ._common import Inference, TestResult, infer, relative
from .groupstats import GroupStats


@dataclass(frozen=True, repr=False)
class MeanTestResult(TestResult):
    """Result of :func:`mean_test`; ``estimate`` is mean_t − mean_c."""

    _title: ClassVar[str] = "Welch t-test (treatment − control)"
    df: float
    control_mean: float
    treatment_mean: float


def mean_test(
    x_c: Any,
    x_t: Any,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
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

    Each arm is either its per-unit values or their :class:`GroupStats`
    (n, mean and centred sum of squares, e.g. from a warehouse query); both give
    the same result. Raw values are rescaled by a power of two before squaring
    when they are huge or tiny, so values near the float limits do not overflow.

    Parameters
    ----------
    x_c, x_t : array-like or GroupStats
        One value per unit (at least two per group), e.g. revenue per user;
        or each group's :class:`GroupStats`.
    alpha : float
        Significance level, in (0, 1).
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    MeanTestResult
        ``estimate`` (x̄_t − x̄_c), ``ci``, ``p_value``, ``statistic``, ``se``,
        ``df``, ``relative_lift`` (estimate / |x̄_c|: positive when treatment
        is higher, even for a negative control mean), ``control_mean``,
        ``treatment_mean``.

    Raises
    ------
    ValueError
        For fewer than two values per group, NaN, infinite, boolean or text
        values, when both groups are constant (the SE is 0), or when the
        interval itself exceeds the float range.

    Examples
    --------
    >>> r = mean_test([1.0, 2.0, 3.0, 4.0], [2.0, 3.0, 4.0, 6.0])
    >>> round(r.estimate, 2)
    1.25
    >>> r == mean_test(GroupStats.from_arrays([1.0, 2.0, 3.0, 4.0]), [2.0, 3.0, 4.0, 6.0])
    True
    """
    raw = {
        name: as_1d_array(x, name=name, min_size=2, allow_bool=True)
        for name, x in (("x_c", x_c), ("x_t", x_t))
        if not isinstance(x, GroupStats)
    }
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    scale = _power_of_two_scale(list(raw.values())) if len(raw) == 2 else 1.0
    arms = []
    for name, x in (("x_c", x_c), ("x_t", x_t)):
        if isinstance(x, GroupStats):
            if x.n < 2:
                raise ValueError(
                    f"{name} must describe at least 2 units, got GroupStats with n = 1"
                )
            arms.append(x)
        else:
            arms.append(GroupStats.from_arrays(raw[name] / scale))
    c, t = arms
    if c.m2 == 0 and t.m2 == 0:
        raise ValueError("x_c and x_t are both constant: there is no variation to test")
    diff, se, df, res = welch_from_moments(
        c.mean, c.variance, c.n, t.mean, t.variance, t.n, alpha, alternative
    )
    estimate, se = float(diff) * scale, float(se) * scale
    mean_c, mean_t = c.mean * scale, t.mean * scale
    ci = (res.ci_low * scale, res.ci_high * scale)
    # a one-sided interval is infinite on purpose on one side
    one_sided = {"smaller": 0, "larger": 1}.get(alternative)
    finite_ci = [b for i, b in enumerate(ci) if i != one_sided]
    if not all(math.isfinite(v) for v in (estimate, se, *finite_ci)):
        raise ValueError(
            "x_c and x_t: the difference or its confidence interval exceeds the float "
            "range; rescale the values (e.g. to thousands)"
        )
    return MeanTestResult(
        estimate=estimate,
        ci=ci,
        p_value=res.p_value,
        statistic=res.statistic,
        df=float(df),
        se=se,
        relative_lift=relative(estimate, mean_c),
        control_mean=mean_c,
        treatment_mean=mean_t,
        n_c=c.n,
        n_t=t.n,
        alpha=alpha,
        alternative=alternative,
    )


def _power_of_two_scale(arrays: list[np.ndarray]) -> float:
    """1, or a power of two that brings values near the float limits to about 1.

    Dividing by a power of two is exact, and every quantity of the test scales
    exactly with it, so results are unchanged except that squares no longer
    overflow (or underflow).
    """
    top = max(float(np.max(np.abs(a))) for a in arrays)
    if top == 0 or 2.0**-500 < top < 2.0**500:
        return 1.0
    return math.ldexp(1.0, math.frexp(top)[1] - 1)


def welch_from_moments(
    mean_c: Any,
    var_c: Any,
    n_c: Any,
    mean_t: Any,
    var_t: Any,
    n_t: Any,
    alpha: float,
    alternative: Alternative,
) -> tuple[Any, Any, Any, Inference]:
    """The arithmetic of :func:`mean_test` from each group's mean, variance
    (ddof=1) and size, for scalars or arrays of many experiments:
    ``(mean_t − mean_c, SE, Welch df, inference)``. The caller rules out SE 0."""
    v_c, v_t = np.divide(var_c, n_c), np.divide(var_t, n_t)
    se = np.sqrt(v_c + v_t)
    df = (v_c + v_t) ** 2 / (v_c**2 / np.subtract(n_c, 1) + v_t**2 / np.subtract(n_t, 1))
    diff = np.subtract(mean_t, mean_c)
    return diff, se, df, infer(diff, se, alpha, alternative, dist=stats.t(df))
