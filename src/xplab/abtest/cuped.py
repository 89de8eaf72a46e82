r"""CUPED: variance reduction with a pre-period covariate (Deng, Xu, Kohavi & Walker 2013).

A user's engagement before the experiment predicts their engagement during it.
Subtracting the predictable part, y − θ(x − x̄), leaves the treatment effect
unchanged (randomisation makes x̄_t ≈ x̄_c) but removes the share ρ² of the
variance explained by x: the same power with 1 − ρ² as many users.

Everything here runs on per-arm sufficient statistics
(:class:`~xplab.abtest.GroupStats` with a covariate: n, Σy, Σx, Σy², Σx², Σxy),
so CUPED can be computed from one SQL query per arm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from scipy import stats

from .._validate import check_alpha, check_alternative, check_probability
from ._common import Inference, TestResult, infer, relative
from .groupstats import GroupStats

Alternative = Literal["two-sided", "larger", "smaller"]


@dataclass(frozen=True, repr=False)
class CupedTestResult(TestResult):
    """Result of :func:`cuped_test`; ``estimate`` is the covariate-adjusted
    treatment − control difference, ``se`` the classical OLS standard error."""

    _title: ClassVar[str] = "CUPED test (treatment − control, covariate-adjusted)"
    df: int
    theta: float
    unadjusted_estimate: float
    unadjusted_se: float
    variance_reduction: float
    expected_reduction: float
    correlation: float
    balance_p_value: float = field(repr=False)


def _check_arm(g: object, name: str) -> GroupStats:
    if not isinstance(g, GroupStats):
        raise TypeError(
            f"{name} must be a GroupStats with a covariate, got {type(g).__name__}; build it with "
            "GroupStats.from_arrays(y, covariate=x)"
        )
    if not g.has_covariate:
        raise ValueError(
            f"{name} has no covariate: build it with GroupStats.from_arrays(y, covariate=x)"
        )
    return g


def covariate_balance(control: GroupStats, treatment: GroupStats) -> tuple[float, float]:
    """Welch t statistic and two-sided p-value of the covariate's difference in
    means between arms (H0: the same mean, as randomisation guarantees)."""
    mx_c, mx_t = control.covariate_mean, treatment.covariate_mean
    v_c = control.covariate_m2 / max(control.n - 1, 1) / control.n  # type: ignore[operator]
    v_t = treatment.covariate_m2 / max(treatment.n - 1, 1) / treatment.n  # type: ignore[operator]
    diff = mx_t - mx_c  # type: ignore[operator]
    se2 = v_c + v_t
    if se2 == 0:
        return (0.0, 1.0) if diff == 0 else (math.copysign(math.inf, diff), 0.0)
    df = se2**2 / (
        (v_c**2 / (control.n - 1) if control.n > 1 else 0.0)
        + (v_t**2 / (treatment.n - 1) if treatment.n > 1 else 0.0)
    )
    t = diff / math.sqrt(se2)
    return float(t), float(2 * stats.t.sf(abs(t), df))


def _check_balance(c: GroupStats, t: GroupStats, balance_alpha: float | None) -> float:
    """The covariate must look like a randomised pre-period measurement; returns the
    balance p-value."""
    m2 = {"control": c.covariate_m2, "treatment": t.covariate_m2}
    mean = {"control": c.covariate_mean, "treatment": t.covariate_mean}
    n = {"control": c.n, "treatment": t.n}
    for flat, other in (("control", "treatment"), ("treatment", "control")):
        if m2[flat] == 0 and m2[other] > 0:  # type: ignore[operator]
            # P(one value in n draws) ≤ (σ²/(σ² + (value − μ)²))ⁿ for any distribution
            # with the other arm's mean μ and variance σ² (a Chebyshev–Cantelli bound)
            var = m2[other] / max(n[other] - 1, 1)  # type: ignore[operator]
            gap = (mean[flat] - mean[other]) ** 2  # type: ignore[operator]
            log10_bound = n[flat] * math.log10(var / (var + gap)) if gap > 0 else 0.0
            if log10_bound < -3:
                raise ValueError(
                    f"the covariate is constant in {flat} (every value {mean[flat]:.6g}) but "
                    f"varies in {other} (mean {mean[other]:.6g}, sd {math.sqrt(var):.6g}); "
                    "a pre-period metric measured the same way in both arms cannot do that "
                    f"by chance (probability below 1e{math.floor(log10_bound) + 1}). Missing "
                    "values filled with a constant? "
                    "Fix the covariate, or drop those users from both arms"
                )
    stat, p = covariate_balance(c, t)
    if balance_alpha is not None and p < balance_alpha:
        raise ValueError(
            f"the covariate is unbalanced between arms: mean {c.covariate_mean:.6g} in control, "
            f"{t.covariate_mean:.6g} in treatment (Welch t = {stat:.3g}, p = {p:.2g} < "
            f"balance_alpha = {balance_alpha:g}). A pre-period covariate of a randomised "
            "experiment differs between arms only by chance; check that it is measured the "
            "same way in both (units, missing values, the pre-period window) and that it "
            "was recorded before assignment. If it really is chance, pass balance_alpha=None"
        )
    return p


def cuped_test(
    control: GroupStats,
    treatment: GroupStats,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
    balance_alpha: float | None = 1e-6,
) -> CupedTestResult:
    r"""Compare two means adjusted for a pre-period covariate (CUPED).

    H0: μ_t − μ_c = 0 against 'two-sided', 'larger' (> 0) or 'smaller' (< 0).

    One θ for both arms, pooled across them (Deng et al. 2013), from the
    within-arm sums of squares and cross products:

    .. math:: \theta = \frac{\sum_{arms}\sum_i (y_i - \bar y)(x_i - \bar x)}
              {\sum_{arms}\sum_i (x_i - \bar x)^2},
              \qquad \hat\Delta = (\bar y_t - \bar y_c) - \theta(\bar x_t - \bar x_c)

    This is exactly the treatment coefficient of the ANCOVA regression
    ``y ~ treatment + (x − x̄)`` (Frisch–Waugh–Lovell). (Deng et al. write θ
    from the pooled sample ignoring arms; the two differ by a between-arm
    term of order 1/n that vanishes under randomisation.)

    **Standard error: classical OLS.** With RSS = Σ_w(y − ȳ)² − θ·Σ_w(y − ȳ)(x − x̄)
    (within arms), σ̂² = RSS/(n − 3), and RSS_D the residual sum of squares of
    the treatment indicator regressed on x,

    .. math:: SE = \sqrt{\hat\sigma^2 / RSS_D}, \quad
              RSS_D = \frac{n_c n_t}{n} - \frac{(n_c n_t/n)^2 (\bar x_t - \bar x_c)^2}
              {\sum_w (x - \bar x)^2 + \frac{n_c n_t}{n}(\bar x_t - \bar x_c)^2}

    — the same as statsmodels ``OLS(...).fit().bse``, with the t(n − 3)
    reference distribution for the p-value and interval. It assumes one
    residual variance in both arms; with very unequal arms *and* a treatment
    that changes the spread, prefer a heteroskedasticity-robust SE.

    **The covariate must be balanced.** CUPED's estimate is unbiased only if
    the covariate cannot be affected by the treatment and is distributed the
    same way in both arms (a pre-period metric under randomisation). A
    covariate recorded differently in one arm — missing values filled with 0,
    another unit — moves the estimate by θ·(x̄_t − x̄_c) with a tiny SE: a
    confident wrong answer. So the arms' covariate means are compared with a
    Welch t test, and ``ValueError`` is raised (with the numbers) when
    p < ``balance_alpha``, or when the covariate is constant in one arm but
    varies in the other in a way chance cannot explain. The default 10⁻⁶
    (|t| > 4.9) is far stricter than a sample-ratio alert (0.001) because it
    refuses the analysis: chance imbalance, which CUPED is there to correct,
    trips it once in a million experiments, while the recording errors it
    targets give |t| in the tens or hundreds. ``balance_p_value`` holds the
    test's p-value; look at it when it is small but above the threshold.

    The achieved ``variance_reduction`` is 1 − SE²/SE²_unadjusted (the
    unadjusted SE from ``y ~ treatment``, the pooled two-sample t-test);
    ``expected_reduction`` is ρ², the squared pooled within-arm correlation of
    y and x — the theory says Var falls by the factor 1 − ρ².

    Parameters
    ----------
    control, treatment : GroupStats
        Each arm's summary with its covariate:
        ``GroupStats.from_arrays(y, covariate=x)`` or ``GroupStats.from_sums(...)``.
    alpha : float
        Significance level, in (0, 1).
    alternative : {'two-sided', 'larger', 'smaller'}
    balance_alpha : float or None
        Level of the covariate balance check (see above); None skips it.

    Returns
    -------
    CupedTestResult
        ``estimate``, ``ci``, ``p_value``, ``statistic``, ``se``, ``df``,
        ``theta``, ``unadjusted_estimate``/``unadjusted_se``,
        ``variance_reduction`` (achieved), ``expected_reduction`` (ρ²),
        ``correlation`` (ρ), ``relative_lift`` (estimate / ȳ_c),
        ``balance_p_value``.

    Examples
    --------
    >>> import numpy as np
    >>> from xplab.abtest import GroupStats
    >>> rng = np.random.default_rng(0)
    >>> x_c, x_t = rng.normal(10, 2, 500), rng.normal(10, 2, 500)
    >>> y_c = x_c + rng.normal(0, 1, 500)
    >>> y_t = x_t + 0.3 + rng.normal(0, 1, 500)
    >>> r = cuped_test(GroupStats.from_arrays(y_c, covariate=x_c),
    ...                GroupStats.from_arrays(y_t, covariate=x_t))
    >>> round(r.estimate, 3), round(r.variance_reduction, 2), round(r.expected_reduction, 2)
    (0.185, 0.8, 0.8)
    """
    c = _check_arm(control, "control")
    t = _check_arm(treatment, "treatment")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    if balance_alpha is not None:
        balance_alpha = check_probability(balance_alpha, name="balance_alpha")
    n_c, n_t = c.n, t.n
    if n_c + n_t < 4:
        raise ValueError(f"CUPED needs at least 4 units in total (3 parameters), got {n_c + n_t}")
    syy = c.m2 + t.m2
    sxx = c.covariate_m2 + t.covariate_m2  # type: ignore[operator]
    if sxx == 0:
        raise ValueError("the covariate is constant within both arms: there is nothing to adjust")
    if syy == 0:
        raise ValueError("y is constant within both arms: there is no variation to test")
    sxy = c.comoment + t.comoment  # type: ignore[operator]
    # relative tolerance: an exact fit leaves rounding-level residuals
    if syy - sxy**2 / sxx <= 1e-12 * syy:
        raise ValueError("y is an exact linear function of the covariate: the CUPED SE is 0")
    balance_p = _check_balance(c, t, balance_alpha)
    core = cuped_from_moments(
        n_c,
        n_t,
        t.mean - c.mean,
        t.covariate_mean - c.covariate_mean,  # type: ignore[operator]
        syy,
        sxx,
        sxy,
        alpha,
        alternative,
    )
    estimate, se, theta, se_raw, rho, res = core
    df = n_c + n_t - 3
    return CupedTestResult(
        estimate=float(estimate),
        ci=(res.ci_low, res.ci_high),
        p_value=res.p_value,
        statistic=res.statistic,
        se=float(se),
        relative_lift=relative(float(estimate), c.mean),
        n_c=n_c,
        n_t=n_t,
        alpha=alpha,
        alternative=alternative,
        df=df,
        theta=float(theta),
        unadjusted_estimate=float(t.mean - c.mean),
        unadjusted_se=float(se_raw),
        variance_reduction=float(1 - (se / se_raw) ** 2),
        expected_reduction=float(rho**2),
        correlation=float(rho),
        balance_p_value=balance_p,
    )


def cuped_from_moments(
    n_c: Any,
    n_t: Any,
    dy: Any,
    dx: Any,
    syy: Any,
    sxx: Any,
    sxy: Any,
    alpha: float,
    alternative: str,
) -> tuple[Any, Any, Any, Any, Any, Inference]:
    """The arithmetic of :func:`cuped_test` from the arms' sizes, the differences
    of the means of y and x (treatment − control) and the within-arm sums
    Σ(y − ȳ)², Σ(x − x̄)², Σ(y − ȳ)(x − x̄) added over both arms; scalars or
    arrays of many simulated experiments. Returns ``(estimate, se, theta,
    unadjusted_se, rho, inference)``; the caller rules out zero variances."""
    n = np.add(n_c, n_t)
    theta = np.divide(sxy, sxx)
    estimate = dy - theta * dx
    sdd = np.multiply(n_c, n_t) / n  # Σ(D − D̄)² of the treatment indicator
    rss = np.maximum(syy - theta * sxy, 0.0)
    rss_d = sdd - (sdd * dx) ** 2 / (sxx + sdd * np.square(dx))
    df = n - 3
    se = np.sqrt(rss / df / rss_d)
    se_raw = np.sqrt(np.divide(syy, (n - 2) * sdd))
    rho = sxy / np.sqrt(np.multiply(sxx, syy))
    return (
        estimate,
        se,
        theta,
        se_raw,
        rho,
        infer(estimate, se, alpha, alternative, dist=stats.t(df)),
    )
