r"""The media-company scenario of notebook 02: "our experiments are inconclusive,
and our winners don't move MAU".

Two simulators with a known truth:

* :func:`simulate_media_experiment` — one two-week experiment, one row per
  user in arrival order: a pre-period engagement covariate correlated ρ with
  in-experiment engagement (for CUPED), a monthly-active flag that barely
  moves in two weeks (an insensitive metric), and optional planted bugs that
  an A/A test should catch.
* :func:`simulate_experiment_portfolio` — many experiments with small true
  effects, each summarised by its estimate and standard error (for the
  winner's curse and shrinkage).
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._rng import SeedLike, as_generator
from .._validate import (
    as_real_array,
    check_choice,
    check_count,
    check_positive,
    check_probability,
    check_real,
)

Bug = Literal["none", "cache", "duplicate_logging"]

ENGAGEMENT_MEAN = 100.0
ENGAGEMENT_SD = 20.0


def simulate_media_experiment(
    n_users: int,
    *,
    days: int = 14,
    rho: float = 0.7,
    engagement_effect: float = 0.0,
    mau_rate: float = 0.8,
    mau_effect: float = 0.0,
    share_returning: float = 0.6,
    bug: Bug = "none",
    bug_share: float = 0.05,
    seed: SeedLike = None,
) -> pd.DataFrame:
    r"""Simulate one experiment at a media company: one row per logged user, in arrival order.

    The generative model, user by user:

    1. Arrival: a time uniform on [0, ``days``) (``arrival_time`` in days,
       ``day`` its integer part); rows are sorted by it, so cumulative sums
       give what an analyst sees at each look.
    2. Variant: a fair coin, independent of everything else.
    3. Latent habit z ~ N(0, 1). ``pre_engagement`` = 100 + 20·z (an
       engagement index over the four weeks before the experiment; mean 100,
       sd 20).
    4. ``engagement`` during the experiment = 100 + 20·(ρz + √(1 − ρ²)·ε) +
       ``engagement_effect`` in treatment, ε ~ N(0, 1) independent, so
       corr(pre_engagement, engagement) = ρ exactly within each arm.
       (Normal, so the correlation is exactly ρ; real engagement is skewed,
       which lowers ρ and what CUPED can remove.)
    5. ``returning`` (a user seen before): P = Φ(Φ⁻¹(share_returning) + z):
       habitual users are more often returning.
    6. ``active`` (monthly active at the end of the month, the MAU metric):
       1{Φ⁻¹(mau_rate) + 0.8z + 0.6η + shift > 0}, η ~ N(0, 1), so
       P(active) = ``mau_rate`` in control and ``mau_rate + mau_effect`` in
       treatment. Most users are active whatever the product does, which is
       why MAU barely moves in two weeks.
    7. Planted bugs (for A/A tests; both break the 50/50 split):

       * ``'cache'``: a stale cache keeps serving the treatment experience
         to a share ``bug_share`` of *returning* control users, and they are
         logged as treatment. Treatment gets more habitual users: a sample
         ratio mismatch and a spurious "effect" on engagement and MAU, and an
         imbalance in pre_engagement.
       * ``'duplicate_logging'``: a share ``bug_share`` of treatment users
         are logged twice (duplicate rows, same ``user_id``): a sample ratio
         mismatch and too-small standard errors.

    Parameters
    ----------
    n_users : int
        Users in the experiment (before duplication), >= 4.
    days : int
        Duration in days, >= 1.
    rho : float
        Correlation of pre-period and in-experiment engagement, in [0, 1).
    engagement_effect : float
        True effect of treatment on engagement (index points; sd is 20).
    mau_rate : float
        Share of control users active in the month, in (0, 1).
    mau_effect : float
        True effect on that share (absolute, e.g. 0.001 = 0.1 pp).
    share_returning : float
        Share of returning users, in (0, 1).
    bug : {'none', 'cache', 'duplicate_logging'}
    bug_share : float
        Share of affected users (see 7), in [0, 1].
    seed : int, Generator or None

    Returns
    -------
    DataFrame
        ``user_id, variant, arrival_time, day, returning, pre_engagement,
        engagement, active``, sorted by ``arrival_time``.

    Examples
    --------
    >>> df = simulate_media_experiment(2000, rho=0.7, seed=1)
    >>> list(df.columns)
    ['user_id', 'variant', 'arrival_time', 'day', 'returning', 'pre_engagement', 'engagement', 'active']
    >>> round(float(df["pre_engagement"].corr(df["engagement"])), 2)
    0.7
    """
    n = check_count(n_users, name="n_users", minimum=4)
    days = check_count(days, name="days", minimum=1)
    rho = check_real(rho, name="rho")
    if not 0 <= rho < 1:
        raise ValueError(f"rho must be in [0, 1), got {rho}")
    effect = check_real(engagement_effect, name="engagement_effect")
    mau_rate = check_probability(mau_rate, name="mau_rate")
    mau_effect = check_real(mau_effect, name="mau_effect")
    if not 0 < mau_rate + mau_effect < 1:
        raise ValueError(f"mau_rate + mau_effect must be in (0, 1), got {mau_rate} + {mau_effect}")
    share_returning = check_probability(share_returning, name="share_returning")
    bug = check_choice(bug, ("none", "cache", "duplicate_logging"), name="bug")
    bug_share = check_probability(bug_share, name="bug_share", closed=True)
    rng = as_generator(seed)

    arrival = rng.uniform(0, days, n)
    treated = rng.random(n) < 0.5
    z = rng.standard_normal(n)
    eps = rng.standard_normal(n)
    eta = rng.standard_normal(n)
    returning = rng.random(n) < stats.norm.cdf(stats.norm.ppf(share_returning) + z)
    if bug == "cache":
        served = ~treated & returning & (rng.random(n) < bug_share)
        treated = treated | served
    pre, engagement = engagement_from_latent(z, eps, rho)
    engagement = engagement + effect * treated
    c0 = stats.norm.ppf(mau_rate)
    shift = stats.norm.ppf(mau_rate + mau_effect) - c0
    active = (c0 + 0.8 * z + 0.6 * eta + shift * treated) > 0

    frame = pd.DataFrame(
        {
            "user_id": np.char.add("u", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
            "variant": np.where(treated, "treatment", "control"),
            "arrival_time": arrival,
            "day": np.floor(arrival).astype(int),
            "returning": returning,
            "pre_engagement": pre,
            "engagement": engagement,
            "active": active.astype(int),
        }
    )
    frame["user_id"] = frame["user_id"].astype(object)
    if bug == "duplicate_logging":
        dup = frame[treated & (rng.random(n) < bug_share)]
        frame = pd.concat([frame, dup], ignore_index=True)
    return frame.sort_values("arrival_time", kind="stable").reset_index(drop=True)


def engagement_from_latent(z: Any, eps: Any, rho: float) -> tuple[Any, Any]:
    """Pre-period and in-experiment engagement (without any treatment effect)
    from the standard-normal habit ``z`` and noise ``eps``, any array shape:
    100 + 20·z and 100 + 20·(ρz + √(1 − ρ²)·ε) — step 3–4 of
    :func:`simulate_media_experiment`, shared with the benchmarks."""
    pre = ENGAGEMENT_MEAN + ENGAGEMENT_SD * np.asarray(z)
    post = ENGAGEMENT_MEAN + ENGAGEMENT_SD * (rho * np.asarray(z) + np.sqrt(1 - rho**2) * eps)
    return pre, post


def simulate_experiment_portfolio(
    n_experiments: int = 200,
    *,
    effect_mean: float = 0.0,
    effect_sd: float = 0.01,
    standard_error: Any = 0.01,
    alpha: float = 0.05,
    seed: SeedLike = None,
) -> pd.DataFrame:
    r"""Simulate the results of many experiments with small true effects.

    Experiment i has a true effect θ_i ~ N(``effect_mean``, ``effect_sd``²)
    and reports an estimate θ̂_i ~ N(θ_i, s_i²) with standard error s_i
    (``standard_error``: one value for all, or one per experiment). The
    two-sided z-test at ``alpha`` decides ``significant``; ``shipped`` is
    significant with θ̂_i > 0 — the "winners". Among the shipped, the
    measured effects exaggerate the true ones (the winner's curse), the more
    so the lower the power s_i allows.

    Parameters
    ----------
    n_experiments : int
        Number of experiments, >= 3.
    effect_mean, effect_sd : float
        Mean and spread of the true effects (``effect_sd`` >= 0).
    standard_error : float or array-like
        s_i > 0 (e.g. in the units of a relative lift).
    alpha : float
        Significance level of each test.
    seed : int, Generator or None

    Returns
    -------
    DataFrame
        ``experiment, true_effect, estimate, standard_error, z, p_value,
        significant, shipped``.

    Examples
    --------
    >>> df = simulate_experiment_portfolio(200, seed=3)
    >>> winners = df[df["shipped"]]
    >>> bool(winners["estimate"].mean() > winners["true_effect"].mean())
    True
    """
    n = check_count(n_experiments, name="n_experiments", minimum=3)
    mean = check_real(effect_mean, name="effect_mean")
    sd = check_real(effect_sd, name="effect_sd")
    if sd < 0:
        raise ValueError(f"effect_sd must be >= 0, got {sd}")
    alpha = check_probability(alpha, name="alpha")
    se = as_real_array(standard_error, name="standard_error")
    if se.ndim == 0:
        se = np.full(n, check_positive(float(se), name="standard_error"))
    elif se.shape != (n,):
        raise ValueError(
            f"standard_error must be one number or one per experiment ({n}), got shape {se.shape}"
        )
    if not np.all(np.isfinite(se)) or np.any(se <= 0):
        raise ValueError("standard_error must be finite and > 0")
    rng = as_generator(seed)
    theta = mean + sd * rng.standard_normal(n)
    estimate = theta + se * rng.standard_normal(n)
    z = estimate / se
    p = 2 * stats.norm.sf(np.abs(z))
    significant = p < alpha
    return pd.DataFrame(
        {
            "experiment": np.arange(1, n + 1),
            "true_effect": theta,
            "estimate": estimate,
            "standard_error": se,
            "z": z,
            "p_value": p,
            "significant": significant,
            "shipped": significant & (estimate > 0),
        }
    )
