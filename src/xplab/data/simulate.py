"""Simulated experiment data with a known truth, for the A/B testing notebooks."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .._rng import SeedLike, as_generator
from .._validate import check_count, check_positive, check_probability, check_real
from ..assign import _check_name


def simulate_button_test(
    n_users: int,
    *,
    ctr_control: float = 0.05,
    lift: float = 0.0,
    new_user_lift: float | None = None,
    mean_sessions: float = 3.0,
    impressions_per_session: float = 2.0,
    concentration: float = 4.0,
    share_new_users: float = 0.4,
    srm_drop: float = 0.0,
    bot_share: float = 0.0,
    experiment: str = "button_color",
    seed: SeedLike = None,
) -> pd.DataFrame:
    """Simulate the "Buy Now" button test: one row per user who was logged.

    The generative model, user by user:

    1. ``user_id`` is ``"u0000001"``, …; the variant is a 50/50 split by the
       hash of version 1 of :mod:`xplab.assign` (position = top 53 bits of
       ``SHA-256(f":{experiment}:{user_id}")`` / 2⁵³, treatment if ≥ 0.5). It
       is frozen here so that the course's simulated data, and every figure
       printed from them, do not move with the assignment module (version 2
       gives other users other arms, an equally random split).
    2. The user is *new* with probability ``share_new_users``, else *returning*.
    3. ``sessions`` = 1 + Poisson(mean_sessions − 1); ``impressions`` (views of
       the button) = sessions + Poisson((impressions_per_session − 1) · sessions).
    4. Each user has a personal click probability per impression,
       p ~ Beta(μ·κ, (1 − μ)·κ) with mean μ and concentration κ =
       ``concentration``. μ = ``ctr_control`` in control and
       ``ctr_control · (1 + lift)`` in treatment (``new_user_lift`` instead of
       ``lift`` for new users, if given). Small κ means users differ a lot, so
       clicks cluster within users — the reason per-impression analyses need
       the delta method.
    5. ``clicks`` ~ Binomial(impressions, p); ``clicked`` is 1 if clicks > 0.
    6. Planted problems: a share ``bot_share`` of users are bots (20–60
       impressions a session, no clicks); a logging bug loses each treatment
       user with probability ``srm_drop`` (a sample ratio mismatch).

    Parameters
    ----------
    n_users : int
        Users who entered the experiment (before any are lost).
    ctr_control : float
        Mean click probability per impression in control.
    lift : float
        True *relative* lift of the per-impression click probability in
        treatment (0.05 = +5 %).
    new_user_lift : float, optional
        A different relative lift for new users (returning users keep ``lift``).
    mean_sessions : float
        Mean sessions per user, >= 1 (every logged user has at least one).
    impressions_per_session : float
        Mean button views per session, >= 1.
    concentration : float
        κ of the Beta distribution of personal click probabilities, > 0;
        the smaller, the more users differ (and the more clicks cluster).
    share_new_users : float
        Share of new users, in [0, 1].
    srm_drop : float
        Share of treatment users lost by the logging bug, in [0, 1).
    bot_share : float
        Share of bots among all users, in [0, 1].
    experiment : str
        The experiment name in the hash of step 1.
    seed : int, Generator or None
        See :func:`xplab._rng.as_generator`.

    Returns
    -------
    DataFrame
        ``user_id, variant, segment, sessions, impressions, clicks, clicked, is_bot``.

    Examples
    --------
    >>> df = simulate_button_test(1000, lift=0.1, seed=1)
    >>> list(df.columns)
    ['user_id', 'variant', 'segment', 'sessions', 'impressions', 'clicks', 'clicked', 'is_bot']
    """
    n = check_count(n_users, name="n_users", minimum=2)
    p0 = check_probability(ctr_control, name="ctr_control")
    lift = check_real(lift, name="lift")
    new_lift = lift if new_user_lift is None else check_real(new_user_lift, name="new_user_lift")
    for name, value in (("lift", lift), ("new_user_lift", new_lift)):
        if not 0 < p0 * (1 + value) < 1:
            raise ValueError(
                f"{name}={value} moves ctr_control={p0} to {p0 * (1 + value):.4g}, outside (0, 1)"
            )
    mean_sessions = check_real(mean_sessions, name="mean_sessions")
    ips = check_real(impressions_per_session, name="impressions_per_session")
    for name, value in (("mean_sessions", mean_sessions), ("impressions_per_session", ips)):
        if value < 1:
            raise ValueError(f"{name} must be >= 1 (every logged user has one), got {value}")
    kappa = check_positive(concentration, name="concentration")
    share_new = check_probability(share_new_users, name="share_new_users", closed=True)
    srm_drop = check_probability(srm_drop, name="srm_drop", closed=True)
    bot_share = check_probability(bot_share, name="bot_share", closed=True)
    if srm_drop == 1:
        raise ValueError("srm_drop must be < 1: some treatment users must remain")
    rng = as_generator(seed)

    user_id = np.char.add("u", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    _check_name(experiment, "experiment")
    variant = _frozen_split(user_id, experiment)
    treated = variant == "treatment"
    is_new = rng.random(n) < share_new
    mu = np.full(n, p0)
    mu[treated & ~is_new] *= 1 + lift
    mu[treated & is_new] *= 1 + new_lift
    sessions, impressions, clicks = draw_activity(rng, mu, mean_sessions, ips, kappa)

    is_bot = rng.random(n) < bot_share
    impressions = np.where(is_bot, sessions * rng.integers(20, 61, n), impressions)
    clicks = np.where(is_bot, 0, clicks)

    kept = ~(treated & (rng.random(n) < srm_drop))
    frame = pd.DataFrame(
        {
            "user_id": user_id,
            "variant": variant,
            "segment": np.where(is_new, "new", "returning"),
            "sessions": sessions,
            "impressions": impressions,
            "clicks": clicks,
            "clicked": (clicks > 0).astype(int),
            "is_bot": is_bot,
        }
    )
    return frame[kept].reset_index(drop=True)


def draw_activity(
    rng: np.random.Generator,
    mu: np.ndarray,
    mean_sessions: float,
    impressions_per_session: float,
    concentration: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Steps 3–5 of :func:`simulate_button_test` for users with mean click
    probabilities ``mu`` (any shape): ``(sessions, impressions, clicks)``.

    No checks: the caller validates. ``benchmarks/bench_abtest.py`` uses it to
    draw thousands of simulated experiments at once from the same model.
    """
    sessions = 1 + rng.poisson(mean_sessions - 1, mu.shape)
    impressions = sessions + rng.poisson((impressions_per_session - 1) * sessions)
    p = rng.beta(mu * concentration, (1 - mu) * concentration)
    return sessions, impressions, rng.binomial(impressions, p)


def _frozen_split(user_id: np.ndarray, experiment: str) -> np.ndarray:
    """Step 1's 50/50 split (version 1 of :mod:`xplab.assign`, without salt)."""
    heads = b"".join([hashlib.sha256(f":{experiment}:{u}".encode()).digest()[:8] for u in user_id])
    position = (np.frombuffer(heads, dtype=">u8") >> np.uint64(11)) / 2.0**53
    return np.where(position < 0.5, "control", "treatment").astype(object)
