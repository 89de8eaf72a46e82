"""Ratio metrics (clicks / impressions) with the delta method."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._validate import as_1d_array, check_alpha, check_alternative
from ._common import TestResult, infer, relative


@dataclass(frozen=True, repr=False)
class RatioTestResult(TestResult):
    """Result of :func:`ratio_test`; ``estimate`` is R_t − R_c."""

    _title: ClassVar[str] = "Ratio-metric z-test, delta method (treatment − control)"
    control_ratio: float
    treatment_ratio: float


def ratio_variance(num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
    r"""The ratio R = ΣN / ΣD of one group and its delta-method variance.

    .. math:: \operatorname{Var}(\hat R) \approx \frac{1}{n}\left(
        \frac{\sigma_N^2}{\mu_D^2} - \frac{2\mu_N\sigma_{ND}}{\mu_D^3}
        + \frac{\mu_N^2\sigma_D^2}{\mu_D^4}\right)

    with the sample means, variances and covariance (ddof=1) of the n units.
    """
    cov = np.cov(num, den, ddof=1)
    r, var = delta_from_moments(num.mean(), den.mean(), cov[0, 0], cov[1, 1], cov[0, 1], num.size)
    return float(r), float(var)


def delta_from_moments(
    mu_n: Any, mu_d: Any, var_n: Any, var_d: Any, cov_nd: Any, n: Any
) -> tuple[Any, Any]:
    """``(R, Var(R))`` of :func:`ratio_variance` from per-unit moments, for
    scalars or arrays of many experiments. Rounding can make the variance a
    hair below zero when R is the same for every unit; it is clipped at 0."""
    var = (var_n / mu_d**2 - 2 * mu_n * cov_nd / mu_d**3 + mu_n**2 * var_d / mu_d**4) / n
    return np.divide(mu_n, mu_d), np.maximum(var, 0.0)


def _group(num: Any, den: Any, arm: str) -> tuple[np.ndarray, np.ndarray]:
    n = as_1d_array(num, name=f"num_{arm}", min_size=2)
    d = as_1d_array(den, name=f"den_{arm}", min_size=2)
    if n.size != d.size:
        raise ValueError(
            f"num_{arm} and den_{arm} must have one value per unit: {n.size} != {d.size}"
        )
    if np.any(d < 0):
        raise ValueError(f"den_{arm} must be non-negative")
    if d.sum() == 0:
        raise ValueError(f"den_{arm} sums to 0: the ratio is undefined")
    return n, d


def ratio_test(
    num_c: Any,
    den_c: Any,
    num_t: Any,
    den_t: Any,
    *,
    alpha: float = 0.05,
    alternative: str = "two-sided",
) -> RatioTestResult:
    r"""Test a ratio metric such as CTR = Σclicks / Σimpressions when *users*
    are randomized.

    H0: R_t − R_c = 0, with R = ΣN/ΣD over the users of a group.

    Impressions of one user are not independent (some users click a lot), so
    treating each impression as a trial understates the variance. The delta
    method linearizes R around (μ_N, μ_D) and uses the per-user variation
    (see :func:`ratio_variance`); then z = (R̂_t − R̂_c)/√(V_c + V_t) and the
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
        The same for treatment.
    alpha : float
        Significance level, in (0, 1).
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    RatioTestResult
        ``estimate`` (R̂_t − R̂_c), ``ci``, ``p_value``, ``statistic``, ``se``,
        ``relative_lift`` (estimate / R̂_c), ``control_ratio``, ``treatment_ratio``.

    Examples
    --------
    >>> r = ratio_test([1, 0, 2, 1], [5, 3, 6, 4], [2, 1, 2, 1], [5, 4, 5, 3])
    >>> round(r.estimate, 3)
    0.131
    """
    nc, dc = _group(num_c, den_c, "c")
    nt, dt = _group(num_t, den_t, "t")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    r_c, v_c = ratio_variance(nc, dc)
    r_t, v_t = ratio_variance(nt, dt)
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
        n_c=int(nc.size),
        n_t=int(nt.size),
        alpha=alpha,
        alternative=alternative,
    )
