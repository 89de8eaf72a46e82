r"""Non-inferiority tests: is the treatment *not worse* than the control by more
than a margin? The test behind guardrail metrics (crash rate, support tickets).

A superiority test cannot show that a guardrail did not get worse: "no
significant difference" is absence of evidence. A non-inferiority test puts
the harm in the null hypothesis, so that rejecting it is positive evidence
that any harm is smaller than a margin chosen before the data.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from scipy import stats

from .._validate import Alternative, check_alpha, check_positive
from ._common import TestResult, confidence_interval, p_value, relative
from .groupstats import GroupStats
from .ratio import delta_from_moments

Metric = Literal["proportion", "mean", "ratio"]
Verdict = Literal["non-inferior", "inconclusive", "inferior"]


@dataclass(frozen=True, repr=False)
class NoninferiorityResult(TestResult):
    """Result of :func:`noninferiority_test`; ``estimate`` is treatment − control.

    ``ci`` is the one-sided interval that matches the test, ``statistic`` is
    (estimate ± margin) / se and ``alternative`` is the direction of H1
    ('larger' when higher is better, else 'smaller').
    """

    _title: ClassVar[str] = "Non-inferiority test (treatment − control)"
    margin: float
    higher_is_better: bool
    metric: str
    control_value: float
    treatment_value: float
    df: float | None
    verdict: str


def _as_stats(x: Any, name: str) -> GroupStats:
    if isinstance(x, GroupStats):
        return x
    if isinstance(x, str | bytes | dict) or np.ndim(x) != 1:
        raise ValueError(
            f"{name} must be a GroupStats or a one-dimensional array of per-unit values, "
            f"got {type(x).__name__}"
        )
    try:
        return GroupStats.from_arrays(x)
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from None


def _metric(c: GroupStats, t: GroupStats) -> Metric:
    if c.has_covariate or t.has_covariate:
        # silently dropping the covariate would report an unadjusted test as if adjusted
        raise ValueError(
            "noninferiority_test does not adjust for a covariate: build the arms' GroupStats "
            "without covariate="
        )
    if c.has_denominator != t.has_denominator:
        raise ValueError(
            "control and treatment must both have a denominator (a ratio metric) or neither"
        )
    if c.has_denominator:
        return "ratio"
    return "proportion" if c.binary and t.binary else "mean"


def _moments(g: GroupStats, metric: Metric, arm: str) -> tuple[float, float]:
    """The arm's metric value and the variance of that value."""
    if g.n < 2:
        raise ValueError(f"{arm} needs at least 2 units, got n = {g.n}")
    if metric == "proportion":
        return g.mean, g.mean * (1.0 - g.mean) / g.n
    if metric == "mean":
        return g.mean, g.variance / g.n
    assert g.denominator_mean is not None
    if g.denominator_mean <= 0:
        raise ValueError(
            f"{arm} has a denominator mean of {g.denominator_mean}: the ratio is undefined"
        )
    r, var = delta_from_moments(
        g.mean, g.denominator_mean, g.variance, g.denominator_variance,
        g.denominator_covariance, g.n,
    )  # fmt: skip
    return float(r), float(var)


def noninferiority_test(
    control: Any,
    treatment: Any,
    *,
    margin: float,
    higher_is_better: bool = True,
    alpha: float = 0.05,
) -> NoninferiorityResult:
    r"""One-sided test that the treatment is not worse than the control by ``margin`` or more.

    With Δ = treatment − control and an absolute margin m > 0:

    * ``higher_is_better=True`` (retention, revenue):
      H0: Δ ≤ −m (worse by at least m) against H1: Δ > −m;
      z = (Δ̂ + m)/SE, p = P(Z ≥ z), CI = [Δ̂ − q₁₋α·SE, ∞).
    * ``higher_is_better=False`` (crash rate, tickets):
      H0: Δ ≥ m against H1: Δ < m;
      z = (Δ̂ − m)/SE, p = P(Z ≤ z), CI = (−∞, Δ̂ + q₁₋α·SE].

    p < α exactly when the one-sided (1 − α) interval excludes the margin.
    The verdict is 'non-inferior' when H0 is rejected, 'inferior' when the
    mirror-image one-sided test at the same α shows the harm exceeds the margin
    (Δ̂ + q·SE < −m, or Δ̂ − q·SE > m), and 'inconclusive' otherwise.

    The kind of metric comes from the arms:

    * binary :class:`GroupStats` (``GroupStats.from_counts``, or 0/1 data):
      **proportions**, Wald with unpooled variance p̂(1 − p̂)/n per arm and a
      normal reference, as ``statsmodels.stats.proportion.
      test_proportions_2indep(x_t, n_t, x_c, n_c, value=∓m, compare="diff",
      method="wald", alternative=...)``;
    * other arrays or ``GroupStats.from_arrays``: **means**, Welch's SE
      √(s²_c/n_c + s²_t/n_t) with a t reference on the Welch–Satterthwaite df;
    * :class:`GroupStats` with a denominator (crashes per session): **ratios**
      ΣN/ΣD, delta-method variance (:func:`~xplab.abtest.ratio.ratio_variance`)
      and a normal reference.

    Parameters
    ----------
    control, treatment : GroupStats or array-like
        Each arm's sufficient statistics, or one value per unit.
    margin : float
        The largest harm that is acceptable, > 0, in the metric's own units
        (0.005 = half a percentage point for a rate, so below 1 for a
        proportion). Fix it before the data.
    higher_is_better : bool
        The direction in which the metric improves.
    alpha : float
        One-sided significance level, in (0, 1).

    Returns
    -------
    NoninferiorityResult
        ``estimate``, ``ci`` (one-sided), ``p_value``, ``statistic``, ``se``,
        ``margin``, ``verdict``, ``metric``, ``control_value``,
        ``treatment_value``, ``df`` (None for normal tests) and the usual
        ``n_c``, ``n_t``, ``alpha``, ``alternative``, ``relative_lift``.

    Raises
    ------
    ValueError
        For a margin ≤ 0 (or ≥ 1 on a proportion), arms of different kinds, arms with a covariate (not
        supported), fewer than 2 units in an arm, or when the standard error
        is 0.

    Examples
    --------
    Users without a crash, 99.00 % vs 98.96 %, margin 0.2 pp:

    >>> r = noninferiority_test(
    ...     GroupStats.from_counts(49_500, 50_000),
    ...     GroupStats.from_counts(49_480, 50_000),
    ...     margin=0.002,
    ... )
    >>> r.verdict, round(r.p_value, 4), round(r.ci[0], 5)
    ('non-inferior', 0.0059, -0.00145)
    """
    m = check_positive(margin, name="margin")
    if not isinstance(higher_is_better, bool | np.bool_):
        raise ValueError(f"higher_is_better must be True or False, got {higher_is_better!r}")
    higher = bool(higher_is_better)
    alpha = check_alpha(alpha)
    c = _as_stats(control, "control")
    t = _as_stats(treatment, "treatment")
    metric = _metric(c, t)
    if metric == "proportion" and m >= 1:
        raise ValueError(
            f"margin={margin:g} is on a proportion (both arms are 0/1), where no difference "
            "reaches 1: the margin is in the metric's units, so 5 percentage points is "
            "margin=0.05"
        )
    value_c, var_c = _moments(c, metric, "control")
    value_t, var_t = _moments(t, metric, "treatment")
    se = math.sqrt(var_c + var_t)
    if se == 0:
        raise ValueError(
            "the standard error is 0 (no variation in either arm): there is nothing to test"
        )
    df: float | None = None
    dist: Any = stats.norm
    if metric == "mean":
        df = (var_c + var_t) ** 2 / (var_c**2 / (c.n - 1) + var_t**2 / (t.n - 1))
        dist = stats.t(df)
    diff = value_t - value_c
    alternative: Alternative = "larger" if higher else "smaller"
    bound = -m if higher else m
    statistic = (diff - bound) / se
    p = float(p_value(statistic, alternative, dist))
    low, high = confidence_interval(diff, se, alpha, alternative, dist)
    # the mirror-image test: is the harm larger than the margin, at the same alpha?
    q = float(dist.ppf(1 - alpha))
    harm_beyond_margin = diff + q * se < -m if higher else diff - q * se > m
    verdict: Verdict
    if p < alpha:
        verdict = "non-inferior"
    elif harm_beyond_margin:
        verdict = "inferior"
    else:
        verdict = "inconclusive"
    return NoninferiorityResult(
        estimate=diff,
        ci=(float(low), float(high)),
        p_value=p,
        statistic=float(statistic),
        se=se,
        relative_lift=relative(diff, value_c),
        n_c=c.n,
        n_t=t.n,
        alpha=alpha,
        alternative=alternative,
        margin=m,
        higher_is_better=higher,
        metric=metric,
        control_value=value_c,
        treatment_value=value_t,
        df=df,
        verdict=verdict,
    )
