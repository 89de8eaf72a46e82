"""Simulated experiment data with a known truth, for the A/B testing notebooks."""

from __future__ import annotations

import hashlib
from typing import Literal

import numpy as np
import pandas as pd
from scipy import optimize

from .._rng import SeedLike, as_generator
from .._validate import check_choice, check_count, check_positive, check_probability, check_real
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
    srm_mode: Literal["random", "on_click"] = "random",
    days: int | None = None,
    novelty: float = 0.0,
    novelty_half_life: float = 3.0,
    daily: bool = False,
    purchase_rate: float | None = None,
    order_value: float = 50.0,
    order_value_lift: float = 0.0,
    page_load_ms: float | None = None,
    page_load_shift_ms: float = 0.0,
) -> pd.DataFrame:
    """Simulate the "Buy Now" button test: one row per user who was logged.

    The options after ``seed`` are opt-in: left at their defaults, the output
    is bit for bit what it was before they existed.

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
       impressions a session, no clicks); a logging bug loses treatment users
       (a sample ratio mismatch), in expectation a share ``srm_drop`` of them.
       With ``srm_mode="random"`` each treatment user is lost with probability
       ``srm_drop`` whatever they did, so the survivors are still a random
       sample of the arm. With ``srm_mode="on_click"`` the logger crashes on
       a click: each click of a treatment user crashes it with probability
       c, and a crash loses the user, so P(lost) = 1 − (1 − c)^clicks; c is
       solved so that the lost share of treatment users is ``srm_drop``. Only
       clickers are lost, the heaviest most often, so the surviving treatment
       arm under-states clicking and the naive lift is biased down.
    7. Exposure days (only when ``days`` is given): the test runs ``days``
       days; a user's first exposure day ``first_day`` is uniform on
       1, …, ``days``; their first impression falls on that day and each
       other impression on a uniform day from ``first_day`` to ``days``. An
       impression ``a`` days after the first exposure (``days_since_exposure``)
       of a treatment user with lift L has click probability
       p · (1 + L + ν · 2^(−a/h)) / (1 + L), capped at 1, with ν =
       ``novelty`` and h = ``novelty_half_life``: the mean relative lift is
       L + ν on the day of first exposure and decays to L (ν < 0 is a
       primacy or change-aversion effect). Clicks are then drawn impression
       by impression instead of step 5's binomial (the same distribution when
       ν = 0). Users who first see the button late in the test contribute
       only early, novelty-heavy days.
    8. Orders and revenue (only when ``purchase_rate`` is given): each click
       of a human leads to an order with probability ``purchase_rate``, so
       ``orders`` ~ Binomial(clicks, purchase_rate); each order is worth
       Gamma(shape 4, mean m) (coefficient of variation 0.5) with m =
       ``order_value`` in control and ``order_value · (1 + order_value_lift)``
       in treatment, so ``revenue`` ~ Gamma(4 · orders, m / 4), rounded to
       cents (0 without orders). Clicks up with order value down is the
       classic reason to check revenue, not only clicks.
    9. Page-load time (only when ``page_load_ms`` is given): the user's mean
       page-load time in milliseconds, Gamma(shape 4, mean l) (coefficient of
       variation 0.5) with l = ``page_load_ms`` in control and
       ``page_load_ms + page_load_shift_ms`` in treatment, rounded to 0.1 ms
       — a guardrail metric.

    Steps 8 and 9 draw after everything else, so the other columns are the
    same with and without them.

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
    srm_mode : {"random", "on_click"}
        Which treatment users the logging bug loses (step 6).
    days : int, optional
        Length of the test in days, >= 1; adds step 7 and a ``first_day``
        column. Default None: no exposure-day dimension.
    novelty : float
        ν of step 7: the extra relative lift on the day of first exposure
        (0.2 = +20 % on top of ``lift``). Needs ``days``.
    novelty_half_life : float
        h of step 7, in days, > 0.
    daily : bool
        With ``days``, return one row per user and day with impressions
        instead of one row per user.
    purchase_rate : float, optional
        Probability that a click leads to an order, in (0, 1]; adds step 8
        and the columns ``orders`` and ``revenue``. Default None: no orders.
    order_value : float
        Mean value of an order in control (currency units), > 0.
    order_value_lift : float
        Relative change of the mean order value in treatment, > −1
        (−0.05 = orders 5 % smaller).
    page_load_ms : float, optional
        Mean page-load time in control, in milliseconds, > 0; adds step 9
        and the column ``page_load_ms``. Default None: no page-load time.
    page_load_shift_ms : float
        Change of the mean page-load time in treatment, in milliseconds;
        ``page_load_ms + page_load_shift_ms`` must be > 0.

    Returns
    -------
    DataFrame
        ``user_id, variant, segment, sessions, impressions, clicks, clicked,
        is_bot``, then ``first_day`` when ``days`` is given. With ``daily=True``:
        ``user_id, variant, segment, is_bot, first_day, day,
        days_since_exposure, impressions, clicks``, one row per user and day
        on which the user saw the button. Then ``orders, revenue`` (with
        ``purchase_rate``) and ``page_load_ms`` (with ``page_load_ms``), one
        row per user only (not with ``daily=True``).

    Examples
    --------
    >>> df = simulate_button_test(1000, lift=0.1, seed=1)
    >>> list(df.columns)
    ['user_id', 'variant', 'segment', 'sessions', 'impressions', 'clicks', 'clicked', 'is_bot']

    A two-week test with a novelty effect (+50 % on the first day, half-life 2
    days, on top of a lasting +5 %): the lift by days since first exposure.

    >>> log = simulate_button_test(
    ...     50_000, lift=0.05, days=14, novelty=0.5, novelty_half_life=2, daily=True, seed=1
    ... )
    >>> age = pd.cut(log["days_since_exposure"], [0, 2, 7, 14], right=False)
    >>> by_age = log.groupby([age, "variant"], observed=True)[["clicks", "impressions"]].sum()
    >>> ctr = (by_age["clicks"] / by_age["impressions"]).unstack()
    >>> (ctr["treatment"] / ctr["control"] - 1).round(2).tolist()
    [0.5, 0.18, 0.03]

    Orders, revenue and page-load time for a guardrail analysis:

    >>> shop = simulate_button_test(
    ...     1000, purchase_rate=0.3, order_value=40, page_load_ms=800, seed=1
    ... )
    >>> list(shop.columns[-3:])
    ['orders', 'revenue', 'page_load_ms']
    >>> bool((shop["orders"] <= shop["clicks"]).all())
    True
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
    check_choice(srm_mode, ("random", "on_click"), name="srm_mode")
    if days is not None:
        days = check_count(days, name="days", minimum=1)
    novelty = check_real(novelty, name="novelty")
    half_life = check_positive(novelty_half_life, name="novelty_half_life")
    if not isinstance(daily, bool):
        raise TypeError(f"daily must be True or False, got {daily!r}")
    if days is None and (novelty != 0 or daily):
        which = "novelty" if novelty != 0 else "daily"
        raise ValueError(f"{which} needs an exposure-day dimension: give days= as well")
    for name, value in (("lift", lift), ("new_user_lift", new_lift)):
        if not 0 < p0 * (1 + value + novelty) < 1:
            raise ValueError(
                f"novelty={novelty} with {name}={value} moves ctr_control={p0} to "
                f"{p0 * (1 + value + novelty):.4g} on the first day, outside (0, 1)"
            )
    if purchase_rate is not None:
        purchase_rate = check_probability(purchase_rate, name="purchase_rate", closed=True)
        if purchase_rate == 0:
            raise ValueError("purchase_rate must be in (0, 1], got 0 (leave it None for no orders)")
    order_value = check_positive(order_value, name="order_value")
    order_value_lift = check_real(order_value_lift, name="order_value_lift")
    if order_value_lift <= -1:
        raise ValueError(
            f"order_value_lift must be > -1 (a relative change), got {order_value_lift}"
        )
    if page_load_ms is not None:
        page_load_ms = check_positive(page_load_ms, name="page_load_ms")
    page_load_shift_ms = check_real(page_load_shift_ms, name="page_load_shift_ms")
    if page_load_ms is not None and page_load_ms + page_load_shift_ms <= 0:
        raise ValueError(
            f"page_load_ms + page_load_shift_ms must be > 0, got "
            f"{page_load_ms} + {page_load_shift_ms}"
        )
    if daily and (purchase_rate is not None or page_load_ms is not None):
        which = "purchase_rate" if purchase_rate is not None else "page_load_ms"
        raise ValueError(f"{which} adds per-user columns: it cannot be combined with daily=True")
    rng = as_generator(seed)

    user_id = np.char.add("u", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(object)
    _check_name(experiment, "experiment")
    variant = _frozen_split(user_id, experiment)
    treated = variant == "treatment"
    is_new = rng.random(n) < share_new
    mu = np.full(n, p0)
    mu[treated & ~is_new] *= 1 + lift
    mu[treated & is_new] *= 1 + new_lift
    sessions, impressions, p, clicks = _draw_activity(rng, mu, mean_sessions, ips, kappa)

    is_bot = rng.random(n) < bot_share
    impressions = np.where(is_bot, sessions * rng.integers(20, 61, n), impressions)
    clicks = np.where(is_bot, 0, clicks)

    # drawn here, whatever the options, so the default stream never changes
    loss_draw = rng.random(n)
    log = None
    if days is not None:
        lift_of_user = np.where(treated, np.where(is_new, new_lift, lift), 0.0)
        novelty_of_user = np.where(treated & ~is_bot, novelty, 0.0)
        p = np.where(is_bot, 0.0, p)
        first_day, log = _exposure_days(
            rng, impressions, p, lift_of_user, novelty_of_user, days, half_life
        )
        clicks = np.bincount(log["user"], weights=log["clicks"], minlength=n).astype(np.int64)
    kept = ~(treated & (loss_draw < _loss_probability(clicks, treated, srm_drop, srm_mode)))
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
    if days is not None:
        frame["first_day"] = first_day
    # steps 8 and 9 draw last, so every column above is the same without them
    if purchase_rate is not None:
        orders = rng.binomial(clicks, purchase_rate)
        mean_value = np.where(treated, order_value * (1 + order_value_lift), order_value)
        revenue = np.where(
            orders > 0, rng.gamma(np.maximum(4.0 * orders, 1.0), mean_value / 4), 0.0
        )
        frame["orders"] = orders
        frame["revenue"] = np.round(revenue, 2)
    if page_load_ms is not None:
        mean_load = np.where(treated, page_load_ms + page_load_shift_ms, page_load_ms)
        frame["page_load_ms"] = np.round(rng.gamma(4.0, mean_load / 4), 1)
    if not daily:
        return frame[kept].reset_index(drop=True)
    assert log is not None
    logged = kept[log["user"]]
    rows = {column: values[logged] for column, values in log.items()}
    user = rows["user"]
    return pd.DataFrame(
        {
            "user_id": user_id[user],
            "variant": variant[user],
            "segment": frame["segment"].to_numpy()[user],
            "is_bot": is_bot[user],
            "first_day": first_day[user],
            "day": rows["day"],
            "days_since_exposure": rows["day"] - first_day[user],
            "impressions": rows["impressions"],
            "clicks": rows["clicks"],
        }
    )


def _loss_probability(
    clicks: np.ndarray, treated: np.ndarray, srm_drop: float, srm_mode: str
) -> np.ndarray | float:
    """Each user's chance to be lost by the logging bug, if treated (step 6)."""
    if srm_mode == "random" or srm_drop == 0:
        return srm_drop
    k = clicks[treated]
    if np.mean(k > 0) <= srm_drop:
        raise ValueError(
            f"srm_drop={srm_drop} with srm_mode='on_click' needs more than that share of "
            f"treatment users to click; only {np.mean(k > 0):.3g} did"
        )
    counts = np.bincount(k)

    def lost_share(c: float) -> float:
        return float(counts @ (1 - (1 - c) ** np.arange(counts.size))) / k.size - srm_drop

    crash = optimize.brentq(lost_share, 0.0, 1.0, xtol=1e-14)
    return 1 - (1 - crash) ** clicks


def _exposure_days(
    rng: np.random.Generator,
    impressions: np.ndarray,
    p: np.ndarray,
    lift: np.ndarray,
    novelty: np.ndarray,
    days: int,
    half_life: float,
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Step 7: each user's first day, and impressions and clicks per user and day."""
    n = impressions.size
    first_day = rng.integers(1, days + 1, n)
    user = np.repeat(np.arange(n), impressions)
    is_first = np.r_[True, user[1:] != user[:-1]]
    span = days - first_day[user] + 1
    day = first_day[user] + np.where(is_first, 0, np.floor(rng.random(user.size) * span))
    age = day - first_day[user]
    factor = (1 + lift[user] + novelty[user] * 0.5 ** (age / half_life)) / (1 + lift[user])
    click = rng.random(user.size) < np.minimum(1.0, p[user] * factor)
    cell = user * (days + 1) + day.astype(np.int64)
    cells, inverse = np.unique(cell, return_inverse=True)
    return first_day, {
        "user": cells // (days + 1),
        "day": cells % (days + 1),
        "impressions": np.bincount(inverse),
        "clicks": np.bincount(inverse, weights=click).astype(np.int64),
    }


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
    sessions, impressions, _, clicks = _draw_activity(
        rng, mu, mean_sessions, impressions_per_session, concentration
    )
    return sessions, impressions, clicks


def _draw_activity(
    rng: np.random.Generator,
    mu: np.ndarray,
    mean_sessions: float,
    impressions_per_session: float,
    concentration: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`draw_activity` that also returns each user's click probability."""
    sessions = 1 + rng.poisson(mean_sessions - 1, mu.shape)
    impressions = sessions + rng.poisson((impressions_per_session - 1) * sessions)
    p = rng.beta(mu * concentration, (1 - mu) * concentration)
    return sessions, impressions, p, rng.binomial(impressions, p)


def _frozen_split(user_id: np.ndarray, experiment: str) -> np.ndarray:
    """Step 1's 50/50 split (version 1 of :mod:`xplab.assign`, without salt)."""
    heads = b"".join([hashlib.sha256(f":{experiment}:{u}".encode()).digest()[:8] for u in user_id])
    position = (np.frombuffer(heads, dtype=">u8") >> np.uint64(11)) / 2.0**53
    return np.where(position < 0.5, "control", "treatment").astype(object)
