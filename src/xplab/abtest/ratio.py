"""Ratio metrics (clicks / impressions) with the delta method."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._validate import Alternative, as_1d_array, check_alpha, check_alternative
from ._common import TestResult, infer, relative, split_arms
from .groupstats import GroupStats, _mean


@dataclass(frozen=True, repr=False)
class RatioTestResult(TestResult):
    """Result of :func:`ratio_test`; ``estimate`` is R_t − R_c."""

    _title: ClassVar[str] = "Ratio-metric z-test, delta method (treatment − control)"
    control_ratio: float
    treatment_ratio: float


def ratio_variance(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    r"""The ratio R = ΣN / ΣD of one group and its delta-method variance.

    Linearised with the per-unit residuals e_i = N_i − R·D_i, which sum to 0:

    .. math:: \operatorname{Var}(\hat R) \approx \frac{\sum_i e_i^2}{(n-1)\, n\, \bar D^2}

    This equals the textbook form (σ_N² − 2Rσ_ND + R²σ_D²)/(n μ_D²), but is
    computed without subtracting nearly equal terms, so a group whose every
    unit has the same ratio gets variance 0, not rounding noise. Residuals
    within rounding error of 0 (256 ulps of |N_i| + |R·D_i|) count as 0.
    """
    mu_n, mu_d = _mean(num, "num"), _mean(den, "den")
    r = mu_n / mu_d
    resid = num - r * den
    noise = _ROUNDING * (np.abs(num) + np.abs(r * den))
    resid = np.where(np.abs(resid) <= noise, 0.0, resid)
    var = float(np.dot(resid, resid)) / (num.size - 1) / (num.size * mu_d**2)
    return float(r), var


def _from_stats(stats_: GroupStats) -> tuple[float, float]:
    """``(R, Var(R))`` from sufficient statistics (no residuals available): the
    same linearisation written with centred sums, Σe² = M2_N − 2R·C_ND + R²·M2_D.
    A result within rounding error of the terms it subtracts counts as 0."""
    m2_n = stats_.m2
    m2_d = stats_.denominator_m2
    c_nd = stats_.denominator_comoment
    assert m2_d is not None and c_nd is not None and stats_.denominator_mean is not None
    mu_d = stats_.denominator_mean
    r = stats_.mean / mu_d
    sum_e2 = m2_n - 2 * r * c_nd + r * r * m2_d
    if sum_e2 <= _ROUNDING * (m2_n + 2 * abs(r * c_nd) + r * r * m2_d):
        sum_e2 = 0.0
    return r, sum_e2 / (stats_.n - 1) / (stats_.n * mu_d**2)


_ROUNDING = 256 * np.finfo(float).eps


def delta_from_moments(
    mu_n: Any, mu_d: Any, var_n: Any, var_d: Any, cov_nd: Any, n: Any
) -> tuple[Any, Any]:
    """``(R, Var(R))`` from per-unit moments, for scalars or arrays of many
    experiments (the benchmark's vectorized core): the linearised variance
    (σ_N² − 2Rσ_ND + R²σ_D²)/(n μ_D²). Rounding can make it a hair below zero
    when R is the same for every unit; it is clipped at 0."""
    r = np.divide(mu_n, mu_d)
    var = (var_n - 2 * r * cov_nd + r * r * var_d) / (n * np.square(mu_d))
    return r, np.maximum(var, 0.0)


def _arm(arm: tuple[tuple[str, Any], ...], suffix: str) -> tuple[float, float, int]:
    """``(R, Var(R), n)`` of one arm given as (num, den) arrays or as GroupStats."""
    if len(arm) == 1:
        label, stats_ = arm[0]
        if not stats_.has_denominator:
            raise ValueError(
                f"the {label} GroupStats has no denominator: build it with "
                "GroupStats.from_arrays(num, denominator=den)"
            )
        if stats_.n < 2:
            raise ValueError(f"the {label} GroupStats must describe at least 2 units, got n = 1")
        assert stats_.denominator_mean is not None
        if stats_.denominator_mean <= 0:
            raise ValueError(
                f"the {label} GroupStats has a denominator mean of {stats_.denominator_mean}: "
                "the ratio needs a positive denominator"
            )
        r, var = _from_stats(stats_)
        return r, var, stats_.n
    (num_name, num), (den_name, den) = arm
    n = as_1d_array(num, name=num_name, min_size=2)
    d = as_1d_array(den, name=den_name, min_size=2)
    if n.size != d.size:
        raise ValueError(
            f"{num_name} and {den_name} must have one value per unit: {n.size} != {d.size}"
        )
    if np.any(d < 0):
        raise ValueError(f"{den_name} must be non-negative")
    if d.sum() == 0:
        raise ValueError(f"{den_name} sums to 0: the ratio is undefined")
    r, var = ratio_variance(n, d)
    return r, var, int(n.size)


def ratio_test(
    num_c: Any,
    den_c: Any = None,
    num_t: Any = None,
    den_t: Any = None,
    *,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> RatioTestResult:
    r"""Test a ratio metric such as CTR = Σclicks / Σimpressions when *users*
    are randomized.

    H0: R_t − R_c = 0, with R = ΣN/ΣD over the users of a group.

    Impressions of one user are not independent (some users click a lot), so
    treating each impression as a trial understates the variance. The delta
    method linearises R̂ around the group means: with per-user residuals
    e_i = N_i − R̂·D_i, Var(R̂) ≈ Σe_i² / ((n − 1)·n·D̄²) (see
    :func:`ratio_variance`); then z = (R̂_t − R̂_c)/√(V_c + V_t) and the
    interval is (R̂_t − R̂_c) ± z_{1−α/2}·√(V_c + V_t) (one-sided for 'larger'
    or 'smaller').

    The naive alternative, ``proportion_test(Σclicks_c, Σimpressions_c,
    Σclicks_t, Σimpressions_t)``, treats every impression as an independent
    trial. When users differ in how much they click, its SE is too small and
    it finds "significant" differences far more often than ``alpha`` in an
    A/A test (``benchmarks/bench_abtest.py`` measures both).

    Parameters
    ----------
    num_c, den_c : array-like
        Per-user numerator (e.g. clicks) and denominator (impressions), control.
    num_t, den_t : array-like
        The same for treatment. Either arm can instead be one
        :class:`GroupStats` with a denominator (``GroupStats.from_arrays(num,
        denominator=den)``, or from warehouse sums) in place of its two
        arrays: ``ratio_test(stats_c, stats_t)``. The result is the same up to
        rounding (1e-12).
    alpha : float
        Significance level, in (0, 1).
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    RatioTestResult
        ``estimate`` (R̂_t − R̂_c), ``ci``, ``p_value``, ``statistic``, ``se``,
        ``relative_lift`` (estimate / |R̂_c|), ``control_ratio``, ``treatment_ratio``.

    Raises
    ------
    ValueError
        For arrays of different lengths, negative or all-zero denominators,
        NaN, infinite, boolean or text values, or when the ratio is the same
        for every unit in both groups (nothing to test).

    Examples
    --------
    >>> r = ratio_test([1, 0, 2, 1], [5, 3, 6, 4], [2, 1, 2, 1], [5, 4, 5, 3])
    >>> round(r.estimate, 3)
    0.131
    >>> c = GroupStats.from_arrays([1, 0, 2, 1], denominator=[5, 3, 6, 4])
    >>> round(ratio_test(c, [2, 1, 2, 1], [5, 4, 5, 3]).estimate, 3)
    0.131
    """
    arm_c, arm_t = split_arms(
        (num_c, den_c, num_t, den_t), ("num_c", "den_c", "num_t", "den_t"), 2, "ratio_test"
    )
    r_c, v_c, n_c = _arm(arm_c, "c")
    r_t, v_t, n_t = _arm(arm_t, "t")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    se = math.sqrt(v_c + v_t)
    if se == 0:
        raise ValueError("the ratio does not vary between units in either group: nothing to test")
    diff = r_t - r_c
    res = infer(diff, se, alpha, alternative)
    return RatioTestResult(
        estimate=diff,
        ci=(res.ci_low, res.ci_high),
        p_value=res.p_value,
        statistic=res.statistic,
        se=se,
        relative_lift=relative(diff, r_c),
        control_ratio=r_c,
        treatment_ratio=r_t,
        n_c=n_c,
        n_t=n_t,
        alpha=alpha,
        alternative=alternative,
    )
