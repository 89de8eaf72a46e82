"""Two-proportion z-test: is the treatment's conversion rate different from the control's?"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._validate import Alternative, check_alpha, check_alternative, check_successes
from ._common import Inference, SmallSampleWarning, TestResult, infer, relative, split_arms
from .groupstats import GroupStats

#: Below this expected count in any cell the normal approximation is not trusted.
MIN_EXPECTED = 5


@dataclass(frozen=True, repr=False)
class ProportionTestResult(TestResult):
    """Result of :func:`proportion_test`; ``estimate`` is p_t − p_c."""

    _title: ClassVar[str] = "Two-proportion z-test (treatment − control)"
    control_rate: float
    treatment_rate: float


def proportion_test(
    successes_c: int | GroupStats,
    n_c: int | GroupStats | None = None,
    successes_t: int | GroupStats | None = None,
    n_t: int | None = None,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> ProportionTestResult:
    r"""Compare two conversion rates with a z-test and a Wald confidence interval.

    H0: p_t − p_c = 0 against H1: p_t − p_c ≠ 0 ('two-sided'), > 0 ('larger')
    or < 0 ('smaller').

    The **test statistic** uses the pooled rate p̂ = (x_c + x_t)/(n_c + n_t),
    the best estimate of the common rate if H0 is true:

    .. math:: z = \frac{\hat p_t - \hat p_c}{\sqrt{\hat p(1-\hat p)(1/n_c + 1/n_t)}}

    The **confidence interval** is the unpooled (Wald) interval, which does not
    assume H0:

    .. math:: (\hat p_t - \hat p_c) \pm z_{1-\alpha/2}
              \sqrt{\hat p_c(1-\hat p_c)/n_c + \hat p_t(1-\hat p_t)/n_t}

    These are what ``statsmodels.stats.proportion.proportions_ztest`` and
    ``confint_proportions_2indep(..., method="wald")`` compute. One-sided
    alternatives give a one-sided interval with an infinite bound.

    Both are large-sample approximations. When any expected cell count of the
    2×2 table (n_i·p̂ successes or n_i·(1 − p̂) failures, under H0) is below 5,
    a :class:`SmallSampleWarning` says so and names the exact tests to use
    instead (``scipy.stats.fisher_exact``, ``scipy.stats.boschloo_exact``); it
    also warns when the Wald interval has zero width (both rates 0 % or 100 %).

    Parameters
    ----------
    successes_c, n_c : int
        Conversions and users in the control group.
    successes_t, n_t : int
        Conversions and users in the treatment group.
        Either arm can instead be one :class:`GroupStats` of a 0/1 metric (from
        ``GroupStats.from_counts`` or ``from_arrays`` of 0/1 values) in place of
        its two counts: ``proportion_test(stats_c, stats_t)``. The result is
        the same.
    alpha : float
        Significance level, in (0, 1).
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    ProportionTestResult
        ``estimate`` (p_t − p_c), ``ci``, ``p_value``, ``statistic``, ``se``
        (unpooled, the CI's), ``relative_lift`` ((p_t − p_c)/p_c),
        ``control_rate``, ``treatment_rate``.

    Raises
    ------
    ValueError
        For negative counts, successes above n, an ``alpha`` outside (0, 1),
        an unknown ``alternative``, a GroupStats of a metric that is not 0/1,
        or when both groups have no successes or only successes (the pooled
        SE is 0, so there is nothing to test).

    Examples
    --------
    >>> r = proportion_test(1000, 10_000, 1100, 10_000)
    >>> round(r.estimate, 4), round(r.p_value, 4)
    (0.01, 0.0211)
    >>> r == proportion_test(GroupStats.from_counts(1000, 10_000), GroupStats.from_counts(1100, 10_000))
    True
    """
    arm_c, arm_t = split_arms(
        (successes_c, n_c, successes_t, n_t),
        ("successes_c", "n_c", "successes_t", "n_t"),
        2,
        "proportion_test",
    )
    x_c, n_c = _counts(arm_c, "c")
    x_t, n_t = _counts(arm_t, "t")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    if x_c + x_t in (0, n_c + n_t):
        raise ValueError(
            "the two groups have identical all-or-nothing outcomes "
            f"(successes_c={x_c} of {n_c}, successes_t={x_t} of {n_t}): there is no "
            "variation to test"
        )
    _warn_small_counts(x_c, n_c, x_t, n_t)
    p_c, p_t, diff, se, res = z_test_counts(x_c, n_c, x_t, n_t, alpha, alternative)
    p_c, p_t, diff = float(p_c), float(p_t), float(diff)
    return ProportionTestResult(
        estimate=diff,
        ci=(res.ci_low, res.ci_high),
        p_value=res.p_value,
        statistic=res.statistic,
        se=float(se),
        relative_lift=relative(diff, p_c),
        control_rate=p_c,
        treatment_rate=p_t,
        n_c=n_c,
        n_t=n_t,
        alpha=alpha,
        alternative=alternative,
    )


def _counts(arm: tuple[tuple[str, Any], ...], suffix: str) -> tuple[int, int]:
    """(successes, n) of one arm given as two counts or as one GroupStats."""
    if len(arm) == 1:
        label, stats_ = arm[0]
        if not stats_.binary:
            raise ValueError(
                f"the {label} GroupStats must describe a 0/1 metric (build it with "
                "GroupStats.from_counts, or from_arrays of 0/1 values); for other "
                "metrics use mean_test"
            )
        # a 0/1 mean times n is a whole number up to rounding
        return round(stats_.mean * stats_.n), stats_.n
    (_, successes), (_, n) = arm
    return check_successes(successes, n, arm=suffix)


def _warn_small_counts(x_c: int, n_c: int, x_t: int, n_t: int) -> None:
    pooled = (x_c + x_t) / (n_c + n_t)
    smallest = min(n_c, n_t) * min(pooled, 1 - pooled)
    if smallest < MIN_EXPECTED:
        warnings.warn(
            f"an expected cell count is {smallest:.3g} (< {MIN_EXPECTED}): the z-test's p-value "
            "and the Wald interval are unreliable. Use an exact test on the 2x2 table "
            "[[successes_c, n_c - successes_c], [successes_t, n_t - successes_t]]: "
            "scipy.stats.fisher_exact, or scipy.stats.boschloo_exact / barnard_exact "
            "(more powerful)",
            SmallSampleWarning,
            stacklevel=3,
        )
    elif x_c in (0, n_c) and x_t in (0, n_t):
        warnings.warn(
            "both rates are 0 % or 100 %, so the Wald interval has zero width; use an exact "
            "interval (statsmodels confint_proportions_2indep(..., method='newcomb'))",
            SmallSampleWarning,
            stacklevel=3,
        )


def z_test_counts(
    x_c: Any, n_c: Any, x_t: Any, n_t: Any, alpha: float, alternative: Alternative
) -> tuple[Any, Any, Any, Any, Inference]:
    """The arithmetic of :func:`proportion_test` without the checks, for scalars
    or arrays of many experiments: ``(p_c, p_t, p_t − p_c, Wald SE, inference)``.

    The caller rules out a zero pooled SE (all or no successes in both groups).
    """
    p_c, p_t = np.divide(x_c, n_c), np.divide(x_t, n_t)
    pooled = np.divide(np.add(x_c, x_t), np.add(n_c, n_t))
    se_pooled = np.sqrt(pooled * (1 - pooled) * (np.divide(1, n_c) + np.divide(1, n_t)))
    se = np.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)
    diff = p_t - p_c
    res = infer(diff, se, alpha, alternative, se_test=se_pooled)
    return p_c, p_t, diff, se, res
