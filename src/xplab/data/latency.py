"""Simulated staggered rollout of a latency improvement, region by region.

The course scenario: a change that cuts recommendation-API latency by 50 ms
cannot be toggled per user, so it ships data centre by data centre. The
simulator knows the true effect, so the DiD estimators can be checked.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .._rng import SeedLike, as_generator
from .._validate import check_count, check_positive, check_probability, check_real


def simulate_latency_rollout(
    *,
    n_regions: int = 40,
    n_days: int = 56,
    rollout_days: Sequence[int] = (21, 28, 35),
    n_never_treated: int = 10,
    baseline_conversion: float = 0.03,
    effect: float = 0.002,
    effect_growth: float = 0.0,
    region_sd: float = 0.004,
    day_sd: float = 0.001,
    weekly_amplitude: float = 0.002,
    noise_sd: float = 0.001,
    noise_autocorrelation: float = 0.7,
    improving_region_trend: float = 0.0,
    sessions_per_day: float = 20_000,
    order_value: float = 50.0,
    seed: SeedLike = None,
) -> pd.DataFrame:
    """Simulate daily conversion by region under a staggered rollout.

    The generative model, for region r and day d = 0, …, n_days − 1:

    1. Rollout: ``n_never_treated`` regions never get the change; the others
       are dealt at random, in equal shares, to the adoption days in
       ``rollout_days`` (``first_treated`` = the day region r adopts, NaN if
       never). The order is random — what you would ask engineering for.
    2. Conversion probability

           p_rd = baseline + α_r + γ_d + s(d) + u_rd + τ_rd + v_rd,

       with region effects α_r ~ N(0, region_sd²), day shocks shared by all
       regions γ_d ~ N(0, day_sd²), weekly seasonality
       s(d) = weekly_amplitude · sin(2π d / 7), and a region-level AR(1)
       disturbance u_rd = ρ u_r,d−1 + η_rd (ρ = ``noise_autocorrelation``,
       stationary sd ``noise_sd``) — the serial correlation that makes
       unclustered standard errors too small.
    3. Treatment effect, in conversion points, from the adoption day on:
       τ_rd = effect + effect_growth · (weeks since adoption), with
       weeks since adoption = (d − first_treated) / 7.
    4. Parallel-trends violation: if ``improving_region_trend`` ≠ 0, one
       region of the *first* rollout cohort — chosen because it was already
       improving — carries v_rd = improving_region_trend · (d − first_treated)
       on every day, before and after adoption; v = 0 elsewhere.
    5. Counts: sessions_rd ~ Poisson(sessions_per_day · m_r · (1 + 0.15 s̃(d))),
       with a region size m_r ~ LogNormal(0, 0.5²) and s̃ the weekly pattern
       scaled to ±1; orders_rd ~ Binomial(sessions_rd, p_rd); revenue_rd ~
       Gamma(shape = 4 · orders, scale = order_value / 4), i.e. the sum of
       per-order values with mean ``order_value`` and CV 0.5.

    Parameters
    ----------
    n_regions : int
        Number of regions (data centres), the clusters.
    n_days : int
        Days observed.
    rollout_days : sequence of int
        Adoption days of the cohorts, each in 1 … n_days − 1.
    n_never_treated : int
        Regions that never adopt (0 = all adopt).
    baseline_conversion : float
        Mean conversion probability before the change.
    effect : float
        Effect on the conversion probability on the adoption day (0.002 =
        +0.2 points).
    effect_growth : float
        Additional effect per week since adoption (growing effects).
    region_sd, day_sd, weekly_amplitude, noise_sd : float
        Scales of the components of p (see above), >= 0.
    noise_autocorrelation : float
        ρ of the AR(1) region disturbance, in [0, 1).
    improving_region_trend : float
        Daily trend of the one already-improving region (0 = parallel trends).
    sessions_per_day : float
        Mean daily sessions of a typical region.
    order_value : float
        Mean revenue per order.
    seed : int, Generator or None
        See :func:`xplab._rng.as_generator`.

    Returns
    -------
    DataFrame
        One row per region and day: ``region, day, weekday, first_treated,
        treated, sessions, orders, conversion (= orders / sessions), revenue,
        true_effect`` (τ_rd, 0 before adoption), ``p`` (the true probability).

    Examples
    --------
    >>> df = simulate_latency_rollout(seed=1)
    >>> df.shape
    (2240, 11)
    >>> int(df.groupby("region")["first_treated"].first().isna().sum())
    10
    """
    n_regions = check_count(n_regions, name="n_regions", minimum=2)
    n_days = check_count(n_days, name="n_days", minimum=2)
    n_never = check_count(n_never_treated, name="n_never_treated")
    if isinstance(rollout_days, str | bytes) or not isinstance(rollout_days, Sequence):
        raise ValueError(f"rollout_days must be a sequence of ints, got {rollout_days!r}")
    days_in = [check_count(x, name="rollout_days", minimum=1) for x in rollout_days]
    if not days_in:
        raise ValueError("rollout_days must name at least one adoption day")
    if max(days_in) >= n_days:
        raise ValueError(f"rollout_days must be < n_days ({n_days}), got {max(days_in)}")
    if n_never >= n_regions:
        raise ValueError(f"n_never_treated ({n_never}) must be < n_regions ({n_regions})")
    if n_regions - n_never < len(days_in):
        raise ValueError(
            f"{n_regions - n_never} adopting regions cannot fill {len(days_in)} rollout days"
        )
    base = check_probability(baseline_conversion, name="baseline_conversion")
    effect = check_real(effect, name="effect")
    growth = check_real(effect_growth, name="effect_growth")
    scales = {}
    for name, value in (
        ("region_sd", region_sd),
        ("day_sd", day_sd),
        ("weekly_amplitude", weekly_amplitude),
        ("noise_sd", noise_sd),
    ):
        scales[name] = check_real(value, name=name)
        if scales[name] < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    rho = check_probability(noise_autocorrelation, name="noise_autocorrelation", closed=True)
    if rho == 1:
        raise ValueError("noise_autocorrelation must be < 1 (a stationary disturbance)")
    trend = check_real(improving_region_trend, name="improving_region_trend")
    sessions_mean = check_positive(sessions_per_day, name="sessions_per_day")
    value = check_positive(order_value, name="order_value")
    rng = as_generator(seed)

    cohort_of = np.full(n_regions, np.nan)
    adopters = rng.permutation(n_regions)[: n_regions - n_never]
    cohort_of[adopters] = np.array(sorted(days_in))[np.arange(len(adopters)) % len(days_in)]
    days = np.arange(n_days)

    alpha = rng.normal(0.0, scales["region_sd"], n_regions)
    gamma = rng.normal(0.0, scales["day_sd"], n_days)
    wave = np.sin(2 * np.pi * days / 7)
    shocks = rng.normal(0.0, scales["noise_sd"] * np.sqrt(1 - rho**2), (n_regions, n_days))
    u = np.empty((n_regions, n_days))
    u[:, 0] = rng.normal(0.0, scales["noise_sd"], n_regions)
    for d in range(1, n_days):
        u[:, d] = rho * u[:, d - 1] + shocks[:, d]

    since = days[None, :] - cohort_of[:, None]
    with np.errstate(invalid="ignore"):
        treated = since >= 0  # NaN (never treated) compares False
    tau = np.where(treated, effect + growth * np.where(treated, since, 0) / 7, 0.0)
    violation = np.zeros((n_regions, n_days))
    if trend != 0:
        first_cohort = np.flatnonzero(cohort_of == min(days_in))
        chosen = rng.choice(first_cohort)
        violation[chosen] = trend * (days - cohort_of[chosen])
    p = (
        base
        + alpha[:, None]
        + gamma[None, :]
        + scales["weekly_amplitude"] * wave[None, :]
        + u
        + tau
        + violation
    )
    if p.min() <= 0 or p.max() >= 1:
        raise ValueError(
            f"the parameters put conversion probabilities outside (0, 1) (range {p.min():.4g} to "
            f"{p.max():.4g}); lower the scales or the effect"
        )
    size = rng.lognormal(0.0, 0.5, n_regions)
    sessions = rng.poisson(sessions_mean * size[:, None] * (1 + 0.15 * wave[None, :]))
    orders = rng.binomial(sessions, p)
    revenue = np.where(orders > 0, rng.gamma(np.maximum(4.0 * orders, 1e-12), value / 4.0), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        conversion = np.where(sessions > 0, orders / np.maximum(sessions, 1), 0.0)
    width = len(str(n_regions - 1))
    names = np.array([f"R{i:0{width}d}" for i in range(n_regions)], dtype=object)
    return pd.DataFrame(
        {
            "region": np.repeat(names, n_days),
            "day": np.tile(days, n_regions),
            "weekday": np.tile(days % 7, n_regions),
            "first_treated": np.repeat(cohort_of, n_days),
            "treated": treated.ravel().astype(int),
            "sessions": sessions.ravel(),
            "orders": orders.ravel(),
            "conversion": conversion.ravel(),
            "revenue": revenue.ravel(),
            "true_effect": tau.ravel(),
            "p": p.ravel(),
        }
    )
