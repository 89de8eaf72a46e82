"""Simulated onboarding-redesign experiment: 180 days of activity per new user,
with a known truth for the short- and the long-term effect (notebook 03)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from .._results import fmt
from .._rng import SeedLike, as_generator
from .._validate import check_count, check_positive, check_probability, check_real
from ..assign import assign

DAYS = 180
SHORT = 14  # the test readout: days 0–13 after signup
LONG_WINDOW = (150, 180)  # "6-month retention": active at least once in days 150–179
RETENTION_7D = (7, 14)  # "7-day retention": active at least once in days 7–13

# parameters of the generative model (see simulate_onboarding's docstring)
_ACTIVITY = (-0.6, 1.2, 0.8)  # logit of P(active | not churned): a + b·power + c·η
_HAZARD = (0.012, 0.10, 5.0)  # h0(d) = late + early · exp(−(d − 1)/decay)
_FRAILTY = (0.9, 0.5)  # hazard × exp(−f_p·power − f_η·η)
_SESSIONS = (0.6, 1.5)  # extra sessions per active day: Poisson(s0 + s1·power)
_CRASH_RATE = 0.02  # crashes per session, times a per-user Gamma(2, 1/2) device factor
_TICKETS = (0.01, 0.15)  # tickets: Poisson(t0·active days + t1·crashes)
_BUY = (0.02, 0.06)  # P(purchase | active day) = b0 + b1·power
_ORDER = (2.0, 4.0)  # order value ~ Gamma(shape 2, scale 4): mean 8


@dataclass(frozen=True, repr=False)
class OnboardingData:
    """What :func:`simulate_onboarding` returns.

    Attributes
    ----------
    users : DataFrame
        One row per user (columns in :func:`simulate_onboarding`).
    activity : ndarray of bool, shape (n_users, 180)
        ``activity[i, d]``: user i (row i of ``users``) was active on day d
        after signup; day 0 is the signup day (always active).
    truth : dict of str to float
        The true average treatment effect (treatment − control) on these
        users, from both potential outcomes drawn with common random numbers:
        ``retained_7d``, ``retained_180d``, ``active_days_14``,
        ``active_days_180``, ``revenue_180`` (expected value),
        ``crashes_per_session`` (expected ratio).
    daily_effect : ndarray, shape (180,)
        True effect on P(active on day d), day by day: novelty shows as an
        early bump that fades.
    """

    users: pd.DataFrame
    activity: np.ndarray = field(repr=False)
    truth: dict[str, float]
    daily_effect: np.ndarray = field(repr=False)

    def __repr__(self) -> str:
        n, days = self.activity.shape
        return f"OnboardingData(users={n:,}, days={days}, truth={fmt(self.truth)})"

    def active_days_long(self) -> pd.DataFrame:
        """The activity as a long frame of active days only: ``user_id, variant, day``."""
        rows, days = np.nonzero(self.activity)
        return pd.DataFrame(
            {
                "user_id": self.users["user_id"].to_numpy()[rows],
                "variant": self.users["variant"].to_numpy()[rows],
                "day": days.astype(np.int16),
            }
        )

    def daily_active(self) -> pd.DataFrame:
        """Share of each arm's users active on each day: ``variant, day, n, active, rate``."""
        parts = []
        for name in ("control", "treatment"):
            mask = (self.users["variant"] == name).to_numpy()
            active = self.activity[mask].sum(axis=0)
            n = int(mask.sum())
            parts.append(
                pd.DataFrame(
                    {
                        "variant": name,
                        "day": np.arange(self.activity.shape[1]),
                        "n": n,
                        "active": active,
                        "rate": active / max(n, 1),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)


def simulate_onboarding(
    n_users: int,
    *,
    power_share: float = 0.2,
    early_effect: float = 0.05,
    late_effect: float = 0.0,
    early_days: int = 14,
    novelty: float = 0.0,
    novelty_halflife: float = 3.0,
    crash_effect: float = 0.0,
    ticket_effect: float = 0.0,
    experiment: str = "onboarding_v2",
    seed: SeedLike = None,
) -> OnboardingData:
    r"""Simulate new users in an onboarding experiment, day by day for 180 days.

    The generative model, for user i = 1…n (d = days since signup, 0…179):

    1. ``user_id`` ``"u0000001"``, …; ``variant`` from
       :func:`xplab.assign.assign` (50/50, hashed on the id and ``experiment``):
       plain hashing, not stratified. T_i = 1 in treatment.
    2. Latent engagement η_i ~ N(0, 1). ``power_propensity`` π_i = Φ(c + η_i),
       a score known at signup (c = √2·Φ⁻¹(``power_share``), so E π = share);
       ``power_user`` P_i ~ Bernoulli(π_i).
    3. Churn, proportional hazards: the user is still around on day d with
       probability S_i(d) = exp(−f_i Σ_{k=1}^{d} h0(k)·m_i(k)), frailty
       f_i = exp(−0.9 P_i − 0.5 η_i), baseline daily hazard
       h0(d) = 0.012 + 0.10·exp(−(d − 1)/5) (most churn happens early), and in
       treatment m(d) = 1 − ``early_effect`` for d < ``early_days`` and
       1 − ``late_effect`` afterwards (1 in control). A user who churns never
       comes back.
    4. Activity: not yet churned, the user is active on day d with probability
       σ(−0.6 + 1.2 P_i + 0.8 η_i + ν_i(d)), where σ is the logistic function
       and ν(d) = ``novelty`` · 2^{−(d−1)/halflife} in treatment (0 in
       control): positive for novelty, negative for primacy (change
       aversion), fading either way. Day 0 (signup) is always active.
    5. Per window (days 0–13, 0–179) with A active days: sessions = A +
       Poisson((0.6 + 1.5 P_i)·A); crashes ~ Poisson(sessions · 0.02 · g_i ·
       (1 + ``crash_effect``·T_i)), g_i ~ Gamma(2, 1/2) a device factor;
       tickets ~ Poisson((0.01 A + 0.15 crashes)(1 + ``ticket_effect``·T_i));
       purchases ~ Binomial(A, 0.02 + 0.06 P_i), revenue = sum of purchases'
       Gamma(2, 4) values (mean 8).

    The short-term effect works through early churn (and novelty); the
    long-term one through churn that was avoided early *and* ``late_effect``,
    which can differ from the early one (0: no direct late effect; negative:
    the redesign costs users later, e.g. a skipped tutorial). Both potential
    outcomes are drawn from the same uniforms, so ``truth`` is the exact
    effect on these users.

    Parameters
    ----------
    n_users : int
        Users who sign up during the test, >= 2.
    power_share : float
        Expected share of power users, in (0, 1).
    early_effect, late_effect : float
        Relative reduction of the daily churn hazard in treatment, before and
        from ``early_days`` on; each < 1 (negative raises churn).
    early_days : int
        Days with the early effect, in 1…179.
    novelty : float
        Logit shift of daily activity in treatment on day 1, halving every
        ``novelty_halflife`` days (> 0). Negative for primacy.
    crash_effect, ticket_effect : float
        Relative change of crashes per session and of tickets in treatment,
        each > −1 (guardrails: 0.1 = 10 % more).
    experiment : str
        The experiment name that the assignment hashes.
    seed : int, Generator or None
        See :func:`xplab._rng.as_generator`.

    Returns
    -------
    OnboardingData
        ``users`` with columns ``user_id, variant, power_user,
        power_propensity, active_days_14, sessions_14, crashes_14,
        tickets_14, revenue_14, retained_7d, active_days_180,
        revenue_180, retained_180d``; ``activity`` (bool, n × 180);
        ``truth`` and ``daily_effect``. ``retained_7d`` is 1 if the user was
        active at least once in days 7–13, ``retained_180d`` in days 150–179.

    Examples
    --------
    >>> sim = simulate_onboarding(2_000, seed=1)
    >>> sim.activity.shape, int((sim.users["variant"] == "treatment").sum())
    ((2000, 180), 983)
    >>> round(sim.truth["retained_7d"], 3)
    0.018
    """
    n = check_count(n_users, name="n_users", minimum=2)
    share = check_probability(power_share, name="power_share")
    early = check_real(early_effect, name="early_effect")
    late = check_real(late_effect, name="late_effect")
    for name, value in (("early_effect", early), ("late_effect", late)):
        if value >= 1:
            raise ValueError(f"{name} must be < 1 (a relative reduction of churn), got {value}")
    early_days = check_count(early_days, name="early_days", minimum=1)
    if early_days >= DAYS:
        raise ValueError(f"early_days must be below {DAYS}, got {early_days}")
    novelty = check_real(novelty, name="novelty")
    halflife = check_positive(novelty_halflife, name="novelty_halflife")
    crash_effect = check_real(crash_effect, name="crash_effect")
    ticket_effect = check_real(ticket_effect, name="ticket_effect")
    for name, value in (("crash_effect", crash_effect), ("ticket_effect", ticket_effect)):
        if value <= -1:
            raise ValueError(f"{name} must be > -1 (a relative change), got {value}")
    if not isinstance(experiment, str):
        raise ValueError(f"experiment must be a string, got {type(experiment).__name__}")
    rng = as_generator(seed)

    user_id = np.char.add("u", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    variant = np.asarray(assign(user_id, experiment), dtype=object)
    treated = variant == "treatment"

    eta = rng.standard_normal(n)
    propensity = stats.norm.cdf(math.sqrt(2) * stats.norm.ppf(share) + eta)
    power = rng.random(n) < propensity
    device = rng.gamma(2.0, 0.5, n)

    days = np.arange(1, DAYS)
    h0 = _HAZARD[0] + _HAZARD[1] * np.exp(-(days - 1) / _HAZARD[2])
    frailty = np.exp(-_FRAILTY[0] * power - _FRAILTY[1] * eta)
    # proportional hazards: S_i(d) = exp(−f_i·H(d)) with H(d) = Σ_{k≤d} h0(k)m(k) the same
    # for everyone, so the churn day is where H passes E_i/f_i, E_i ~ Exp(1)
    threshold = rng.exponential(1.0, n) / frailty
    u_active = rng.random((n, DAYS), dtype=np.float32)
    p_active = special.expit(_ACTIVITY[0] + _ACTIVITY[1] * power + _ACTIVITY[2] * eta)
    fade = np.exp2(-(days - 1) / halflife)
    day_index = np.arange(DAYS)

    def potential(t: bool) -> np.ndarray:
        mult = np.where(days < early_days, 1 - early, 1 - late) if t else np.ones(days.size)
        cum_hazard = np.cumsum(h0 * mult)
        # days 1…churn_day − 1 survived; a user with threshold beyond H(179) never churns
        churn_day = 1 + np.searchsorted(cum_hazard, threshold, side="left")
        alive = day_index[None, :] < churn_day[:, None]
        active = alive & (u_active < p_active.astype(np.float32)[:, None])
        if t and novelty != 0:
            # the novelty term only matters while it is above float32 resolution
            k = 1 + int(np.sum(np.abs(novelty) * fade > 1e-7))
            logit = special.logit(p_active)[:, None] + novelty * fade[None, : k - 1]
            p_day = special.expit(logit.astype(np.float32))
            active[:, 1:k] = alive[:, 1:k] & (u_active[:, 1:k] < p_day)
        active[:, 0] = True
        return active

    act0, act1 = potential(False), potential(True)
    activity = np.where(treated[:, None], act1, act0)

    def windows(a: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "a14": a[:, :SHORT].sum(axis=1),
            "a180": a.sum(axis=1),
            "r7": a[:, RETENTION_7D[0] : RETENTION_7D[1]].any(axis=1),
            "r180": a[:, LONG_WINDOW[0] : LONG_WINDOW[1]].any(axis=1),
        }

    w0, w1, w = windows(act0), windows(act1), windows(activity)
    extra = _SESSIONS[0] + _SESSIONS[1] * power
    p_buy = _BUY[0] + _BUY[1] * power
    crash = _CRASH_RATE * device * np.where(treated, 1 + crash_effect, 1.0)
    tickets_mult = np.where(treated, 1 + ticket_effect, 1.0)

    def outcomes(a: np.ndarray) -> dict[str, np.ndarray]:
        sessions = a + rng.poisson(extra * a)
        crashes = rng.poisson(sessions * crash)
        tickets = rng.poisson((_TICKETS[0] * a + _TICKETS[1] * crashes) * tickets_mult)
        buys = rng.binomial(a, p_buy)
        revenue = np.where(buys > 0, rng.gamma(np.maximum(_ORDER[0] * buys, 1e-9), _ORDER[1]), 0.0)
        return {"sessions": sessions, "crashes": crashes, "tickets": tickets, "revenue": revenue}

    short = outcomes(w["a14"])
    # days 14–179 are drawn separately and added, so 180-day totals include the first 14
    later = outcomes(w["a180"] - w["a14"])
    users = pd.DataFrame(
        {
            "user_id": user_id,
            "variant": variant,
            "power_user": power,
            "power_propensity": propensity,
            "active_days_14": w["a14"],
            "sessions_14": short["sessions"],
            "crashes_14": short["crashes"],
            "tickets_14": short["tickets"],
            "revenue_14": short["revenue"],
            "retained_7d": w["r7"].astype(np.int8),
            "active_days_180": w["a180"],
            "revenue_180": short["revenue"] + later["revenue"],
            "retained_180d": w["r180"].astype(np.int8),
        }
    )

    value = _ORDER[0] * _ORDER[1] * p_buy  # expected revenue per active day
    sessions_per_day = 1 + extra

    def crash_ratio(a: np.ndarray, mult: float) -> float:
        s = a * sessions_per_day
        return float(np.sum(s * _CRASH_RATE * device * mult) / np.sum(s))

    truth = {
        "retained_7d": float(np.mean(w1["r7"]) - np.mean(w0["r7"])),
        "retained_180d": float(np.mean(w1["r180"]) - np.mean(w0["r180"])),
        "active_days_14": float(np.mean(w1["a14"] - w0["a14"])),
        "active_days_180": float(np.mean(w1["a180"] - w0["a180"])),
        "revenue_180": float(np.mean((w1["a180"] - w0["a180"]) * value)),
        "crashes_per_session": crash_ratio(w1["a14"], 1 + crash_effect)
        - crash_ratio(w0["a14"], 1.0),
    }
    daily_effect = act1.mean(axis=0) - act0.mean(axis=0)
    return OnboardingData(users=users, activity=activity, truth=truth, daily_effect=daily_effect)
