r"""Sample size, power and minimum detectable effect for two proportions.

One formula underlies all three functions, so they are exact inverses of each
other. With control rate p₁, treatment rate p₂ = p₁ + δ, allocation ratio
r = n_t/n_c and pooled rate p̄ = (p₁ + r·p₂)/(1 + r):

.. math:: n_c = \frac{\left(z_{\alpha}\sqrt{\bar p(1-\bar p)(1 + 1/r)}
          + z_{\beta}\sqrt{p_1(1-p_1) + p_2(1-p_2)/r}\right)^2}{\delta^2}

where z_α = z_{1−α/2} (two-sided) or z_{1−α} (one-sided) and z_β = z_{power}.
The first term is the noise under H0 (the pooled z-test's denominator), the
second under H1. Power ignores the far tail of a two-sided test, which is
negligible at any useful power.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, stats

from .._validate import (
    Alternative,
    as_real_array,
    check_alpha,
    check_alternative,
    check_bool,
    check_positive,
    check_probability,
    check_real,
)


def _z_alpha(alpha: float, alternative: str) -> float:
    return float(stats.norm.ppf(1 - alpha / 2 if alternative == "two-sided" else 1 - alpha))


def _rates(
    baseline_rate: float, mde: float, relative: bool, alternative: str
) -> tuple[float, float]:
    relative = check_bool(relative, name="relative")
    p1 = check_probability(baseline_rate, name="baseline_rate")
    mde = check_real(mde, name="mde")
    if mde <= 0:
        raise ValueError(
            f"mde must be > 0 (its size; the direction comes from alternative), got {mde}"
        )
    delta = mde * p1 if relative else mde
    p2 = p1 - delta if alternative == "smaller" else p1 + delta
    if not 0 < p2 < 1:
        raise ValueError(
            f"baseline_rate {p1} with mde {mde} ({'relative' if relative else 'absolute'}) "
            f"gives a treatment rate of {p2:.6g}, outside (0, 1)"
        )
    return p1, p2


def _too_low(power: float, alpha: float) -> ValueError:
    return ValueError(
        f"power={power} is too low to plan for: a test at alpha={alpha} reaches it "
        "with hardly any users; use a power well above alpha (0.8 is usual)"
    )


def _check_power(power: Any, alpha: float) -> float:
    """A power in (alpha, 1): at or below alpha even a test with no effect at all
    rejects that often, so no sample size is needed and the formula breaks down."""
    value = check_probability(power, name="power")
    if value <= alpha:
        raise ValueError(
            f"power={value} is too low to plan for: it must be above alpha={alpha}, the "
            "rejection rate with no effect at all (0.8 is usual)"
        )
    return value


def _parts(p1: float, p2: float, ratio: float) -> tuple[float, float]:
    pbar = (p1 + ratio * p2) / (1 + ratio)
    s0 = math.sqrt(pbar * (1 - pbar) * (1 + 1 / ratio))
    s1 = math.sqrt(p1 * (1 - p1) + p2 * (1 - p2) / ratio)
    return s0, s1


def _common(alpha: Any, ratio: Any, alternative: Any) -> tuple[float, float, Alternative]:
    return (
        check_alpha(alpha),
        check_positive(ratio, name="ratio"),
        check_alternative(alternative),
    )


def sample_size_proportions(
    baseline_rate: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = False,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
) -> int:
    r"""Users needed in the control group to detect ``mde`` with the given power.

    H0: p_t − p_c = 0, tested with the pooled two-proportion z-test
    (:func:`~xplab.abtest.proportion_test`) at ``alpha``; H1: p_t = p₂, the
    baseline moved by ``mde``. With r = ``ratio``, p̄ = (p₁ + r·p₂)/(1 + r)
    and δ = p₂ − p₁:

    .. math:: n_c = \left\lceil \frac{\left(z_{\alpha}\sqrt{\bar p(1-\bar p)(1 + 1/r)}
              + z_{\beta}\sqrt{p_1(1-p_1) + p_2(1-p_2)/r}\right)^2}{\delta^2}
              \right\rceil

    z_α = z_{1−α/2} (two-sided) or z_{1−α} (one-sided), z_β = z_{power}.
    For r = 1 this is the classic n = (z_{1−α/2}·√(2p̄(1−p̄)) +
    z_{1−β}·√(p₁(1−p₁) + p₂(1−p₂)))² / δ² per group.

    Parameters
    ----------
    baseline_rate : float
        The control group's rate p₁, in (0, 1).
    mde : float
        The smallest effect worth detecting, > 0: absolute (0.01 = one
        percentage point) or, with ``relative=True``, a share of the baseline
        (0.05 = +5 %). With ``alternative='smaller'`` it is a drop.
    alpha, power : float
        Significance level and the probability of detecting a true ``mde``,
        both in (0, 1).
    relative : bool
        Whether ``mde`` is relative to ``baseline_rate``.
    ratio : float
        n_t / n_c. The treatment group needs ``ceil(ratio * n_c)`` users.
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    int
        n_c, rounded up, at least 1. With ``ratio=1`` this is the size of each
        group.

    Raises
    ------
    ValueError
        For a ``power`` at or below ``alpha`` (a test with no effect already
        rejects with probability ``alpha``), rates outside (0, 1), a
        non-positive ``mde`` or ``ratio``, or a ``relative`` that is not a bool.

    Examples
    --------
    >>> sample_size_proportions(0.10, 0.01)
    14751
    """
    alpha, ratio, alternative = _common(alpha, ratio, alternative)
    power = _check_power(power, alpha)
    p1, p2 = _rates(baseline_rate, mde, relative, alternative)
    s0, s1 = _parts(p1, p2, ratio)
    top = _z_alpha(alpha, alternative) * s0 + float(stats.norm.ppf(power)) * s1
    if top <= 0:
        raise _too_low(power, alpha)
    n = (top / (p2 - p1)) ** 2
    # the tolerance guards against 14751.000000000002; a test needs at least 1 user
    return max(1, math.ceil(n - 1e-9))


def power_proportions(
    baseline_rate: float,
    mde: float,
    n_per_group: Any,
    *,
    alpha: float = 0.05,
    relative: bool = False,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
) -> Any:
    r"""Probability of detecting a true effect of ``mde`` with ``n_per_group`` control users.

    H0: p_t − p_c = 0 (pooled z-test at ``alpha``), evaluated when in truth
    p_t = p₂. The formula of :func:`sample_size_proportions` solved for power:

    .. math:: \text{power} = \Phi\left(\frac{|\delta|\sqrt{n_c}
              - z_{\alpha}\sqrt{\bar p(1-\bar p)(1 + 1/r)}}
              {\sqrt{p_1(1-p_1) + p_2(1-p_2)/r}}\right)

    For a two-sided test it leaves out the chance of rejecting in the wrong
    direction, which is negligible at any useful power; this keeps it the
    exact inverse of :func:`sample_size_proportions`.

    Parameters
    ----------
    baseline_rate, mde, alpha, relative, ratio, alternative
        As in :func:`sample_size_proportions`.
    n_per_group : float or array-like
        Users in the control group (the treatment group has ``ratio`` times
        as many). An array (e.g. for a power curve) gives an array of powers.

    Returns
    -------
    float or ndarray

    Examples
    --------
    >>> round(power_proportions(0.10, 0.01, 14751), 3)
    0.8
    """
    alpha, ratio, alternative = _common(alpha, ratio, alternative)
    p1, p2 = _rates(baseline_rate, mde, relative, alternative)
    n = as_real_array(n_per_group, name="n_per_group")
    if n.size == 0 or np.any(n <= 0):
        raise ValueError(f"n_per_group must be positive numbers, got {n_per_group!r}")
    s0, s1 = _parts(p1, p2, ratio)
    z_b = (abs(p2 - p1) * np.sqrt(n) - _z_alpha(alpha, alternative) * s0) / s1
    out = stats.norm.cdf(z_b)
    return float(out) if out.ndim == 0 else out


def mde_proportions(
    baseline_rate: float,
    n_per_group: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    relative: bool = False,
    ratio: float = 1.0,
    alternative: Alternative = "two-sided",
) -> float:
    """The smallest effect detectable with ``power`` given ``n_per_group`` control users.

    H0: p_t − p_c = 0 (pooled z-test at ``alpha``). Solves
    ``power_proportions(baseline_rate, mde, n_per_group, ...) == power`` for
    ``mde`` (numerically: δ appears inside the variances too), so it is the
    inverse of :func:`sample_size_proportions`. For 'two-sided' and 'larger'
    the effect is an increase, for 'smaller' a drop.

    Parameters
    ----------
    baseline_rate, alpha, power, relative, ratio, alternative
        As in :func:`sample_size_proportions`.
    n_per_group : float
        Users in the control group.

    Returns
    -------
    float
        The MDE, > 0: absolute, or with ``relative=True`` a share of the
        baseline.

    Examples
    --------
    >>> round(mde_proportions(0.10, 14751), 4)
    0.01
    """
    alpha, ratio, alternative = _common(alpha, ratio, alternative)
    power = _check_power(power, alpha)
    relative = check_bool(relative, name="relative")
    p1 = check_probability(baseline_rate, name="baseline_rate")
    n = check_positive(n_per_group, name="n_per_group")
    room = (p1 if alternative == "smaller" else 1 - p1) * (1 - 1e-9)
    upper = room / p1 if relative else room

    def gap(m: float) -> float:
        return (
            power_proportions(
                p1, m, n, alpha=alpha, relative=relative, ratio=ratio, alternative=alternative
            )
            - power
        )

    lower = upper * 1e-9
    if gap(lower) >= 0:
        raise _too_low(power, alpha)
    if gap(upper) < 0:
        raise ValueError(
            f"n_per_group={n:g} is too small: even the largest possible effect is detected "
            f"with probability below {power}"
        )
    return float(optimize.brentq(gap, lower, upper, xtol=1e-14, rtol=1e-12))
