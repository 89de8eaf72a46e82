r"""A seeded event log of an experiment, written as Parquet by DuckDB (notebook 07).

The log is generated *inside* DuckDB by one SQL query and streamed to Parquet
files partitioned by day, so 10⁸ rows never pass through Python or pandas.
Every random draw is a hash of (seed, user, impression, stream) — not a
stateful generator — so the same seed gives the same log whatever the number
of threads, and one user's events do not depend on how many other users
there are. (The hash is DuckDB's ``hash()``; a DuckDB version that changed it
would draw other numbers from the same seed: the lock pins the version.)

The generative model, user by user (all draws independent unless stated):

1. **Arm**: treatment with probability ``treatment_share``.
2. **Platform**: web 50 %, iOS 30 %, Android 20 % (``users.parquet``).
3. Three latent standard normals: *habit* z (how much the user browses and
   buys), *click propensity* w, *basket size* b.
4. **Entry**: the first exposure at a time uniform over the ``days`` of the
   experiment.
5. **Impressions** (``exposure`` events): 1 + ⌊E⌋ with E exponential of
   mean (``impressions_per_user`` − ½)·exp(0.5z − 0.125), so about
   ``impressions_per_user`` on average (at most 1,000); the first at entry,
   the others uniform over the following 24 hours. Treatment does not change
   how many impressions a user gets.
6. **Clicks**: each impression is clicked with probability
   ``ctr``·exp(0.5w − 0.125)·(1 + ``ctr_effect`` in treatment) (capped at
   0.95), 5–65 s after it. Users differ in how much they click, so
   impressions of one user are not independent.
7. **Orders**: each click leads to an order with probability
   ``orders_per_click``·exp(0.3z − 0.045)·(1 + ``conversion_effect`` in
   treatment) (capped at 0.95), 1–31 min after it. Its revenue is
   ``aov``·exp(0.4b − 0.08)·exp(0.3ε − 0.045)·(1 + ``aov_effect`` in
   treatment), ε a fresh normal, rounded to cents: mean ``aov`` in control.
8. **Pre-period revenue** (28 days before the experiment, ``users.parquet``):
   ⌊E'⌋ orders with E' exponential of mean 0.8·exp(0.8z − 0.32), each worth
   ``aov``·exp(0.4b − 0.08)·exp(0.3ε' − 0.045): correlated with revenue during
   the experiment through habit and basket size (for CUPED).

So revenue per user = impressions × CTR × orders per click × AOV, and the
three effects multiply: (1 + ``ctr_effect``)(1 + ``conversion_effect``)(1 +
``aov_effect``) − 1 is the relative effect on revenue per user (up to the
caps, which almost never bind).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import check_count, check_positive, check_probability, check_real

#: Impressions, clicks and orders per user with the default parameters (≈ 9 · 1.055).
EVENTS_PER_USER = 9.5
_MAX_IMPRESSIONS = 1000
_IMPRESSION_KEYS = 1 << 50  # impression-level draws use keys from here on, user-level below


@dataclass(frozen=True, repr=False)
class EventLog(ResultMixin):
    """What :func:`simulate_event_log` returns: where the files are and what is in them.

    ``path/events/day=D/*.parquet`` holds the events of day D (columns
    ``user_id, arm, event, ts, revenue``; ``day`` comes from the folder
    name); ``path/users.parquet`` one row per user (``user_id, platform,
    pre_revenue``). ``truth`` holds the relative effects the log was drawn
    with.
    """

    _title: ClassVar[str] = "Simulated event log (Parquet, partitioned by day)"
    path: str
    n_users: int
    n_events: int
    days: int
    truth: dict[str, float] = field(repr=False)

    @property
    def events_glob(self) -> str:
        """The glob of the events' Parquet files (for ``duckdb.read_parquet``)."""
        return str(Path(self.path, "events", "*", "*.parquet"))

    @property
    def users_path(self) -> str:
        """The users' Parquet file."""
        return str(Path(self.path, "users.parquet"))

    def events(self, con: Any = None) -> Any:
        """The events as a DuckDB relation (``con``: a DuckDB connection; default
        the module's default connection), with ``day`` from the folder names."""
        import duckdb

        c = duckdb if con is None else con
        return c.read_parquet(self.events_glob, hive_partitioning=True)

    def users(self, con: Any = None) -> Any:
        """The users as a DuckDB relation."""
        import duckdb

        c = duckdb if con is None else con
        return c.read_parquet(self.users_path)

    def spark_events(self, spark: Any) -> Any:
        """The events as a Spark DataFrame (Spark reads ``day`` from the folder names)."""
        return spark.read.parquet(str(Path(self.path, "events")))

    def spark_users(self, spark: Any) -> Any:
        """The users as a Spark DataFrame."""
        return spark.read.parquet(self.users_path)


def _uniform(key: str, mix: int) -> str:
    """SQL for a uniform draw in (0, 1) from an integer key: the top 53 bits of a
    double hash, shifted by half a step so that ln() never sees 0."""
    return f"((hash(xor(hash({key}), {mix}::UBIGINT)) >> 11)::DOUBLE + 0.5) / 9007199254740992.0"


def _normal(u1: str, u2: str) -> str:
    return f"sqrt(-2 * ln({u1})) * cos(2 * pi() * {u2})"


def event_log_sql(
    n_users: int,
    *,
    days: int,
    treatment_share: float,
    impressions_per_user: float,
    ctr: float,
    orders_per_click: float,
    aov: float,
    ctr_effect: float,
    conversion_effect: float,
    aov_effect: float,
    start: str,
    mix: int,
) -> tuple[str, str]:
    """``(users query, events query)``: the SQL of :func:`simulate_event_log`'s model."""

    def u(stream: int) -> str:
        return _uniform(f"user_id * 16 + {stream}", mix)

    def v(stream: int) -> str:
        return _uniform(f"{_IMPRESSION_KEYS} + (user_id * 1024 + j) * 16 + {stream}", mix)

    users = f"""
    SELECT user_id,
        CASE WHEN {u(0)} < {treatment_share!r} THEN 'treatment' ELSE 'control' END AS arm,
        CASE WHEN {u(1)} < 0.5 THEN 'web' WHEN {u(1)} < 0.8 THEN 'ios' ELSE 'android' END
            AS platform,
        {_normal(u(2), u(3))} AS z,
        {_normal(u(4), u(5))} AS w,
        {_normal(u(6), u(7))} AS b,
        {u(8)} * {days} AS t0,
        {u(9)} AS u_k,
        {u(10)} AS u_pre,
        {_normal(u(11), u(12))} AS e_pre
    FROM range(1, {n_users} + 1) r(user_id)"""
    users_table = f"""
    SELECT user_id, platform,
        round(floor(-ln(u_pre) * 0.8 * exp(0.8 * z - 0.32))
              * {aov!r} * exp(0.4 * b - 0.08) * exp(0.3 * e_pre - 0.045), 2) AS pre_revenue
    FROM ({users})"""
    treated = "(arm = 'treatment')::INT"
    events = f"""
    WITH u AS ({users}),
    imp AS (
        SELECT user_id, arm, z, w, b, t0, {treated} AS treated,
            unnest(range(least({_MAX_IMPRESSIONS}, 1 + floor(-ln(u_k)
                * {impressions_per_user - 0.5!r} * exp(0.5 * z - 0.125))::BIGINT))) AS j
        FROM u
    ),
    draws AS (
        SELECT user_id, arm,
            CASE WHEN j = 0 THEN t0 ELSE t0 + {v(0)} END AS t_imp,
            {v(1)} < least(0.95, {ctr!r} * exp(0.5 * w - 0.125) * (1 + {ctr_effect!r} * treated))
                AS clicked,
            {v(2)} < least(0.95, {orders_per_click!r} * exp(0.3 * z - 0.045)
                * (1 + {conversion_effect!r} * treated)) AS ordered,
            5 + 60 * {v(3)} AS click_delay_s,
            60 + 1800 * {v(4)} AS order_delay_s,
            round({aov!r} * exp(0.4 * b - 0.08) * exp(0.3 * {_normal(v(5), v(6))} - 0.045)
                * (1 + {aov_effect!r} * treated), 2) AS amount
        FROM imp
    ),
    ev AS (
        SELECT *, unnest(CASE WHEN clicked AND ordered THEN [0, 1, 2]
                              WHEN clicked THEN [0, 1] ELSE [0] END) AS e
        FROM draws
    ),
    timed AS (
        SELECT *, t_imp * 86400
            + CASE e WHEN 0 THEN 0 WHEN 1 THEN click_delay_s
                     ELSE click_delay_s + order_delay_s END AS seconds
        FROM ev
    )
    SELECT user_id, arm, ['exposure', 'click', 'order'][e + 1] AS event,
        TIMESTAMP '{start}' + to_microseconds(round(seconds * 1e6)::BIGINT) AS ts,
        CASE WHEN e = 2 THEN amount END AS revenue,
        floor(seconds / 86400)::INTEGER AS day
    FROM timed"""
    return users_table, events


def simulate_event_log(
    path: Any,
    n_users: int,
    *,
    days: int = 14,
    treatment_share: float = 0.5,
    impressions_per_user: float = 9.0,
    ctr: float = 0.05,
    orders_per_click: float = 0.10,
    aov: float = 40.0,
    ctr_effect: float = 0.0,
    conversion_effect: float = 0.0,
    aov_effect: float = 0.0,
    start: str = "2026-03-02",
    seed: SeedLike = None,
    overwrite: bool = False,
) -> EventLog:
    """Simulate an experiment's event log and write it as Parquet with DuckDB.

    The model is in the module docstring: exposures (impressions) with the
    user's arm and a timestamp, clicks, orders with revenue, and a
    pre-period revenue covariate per user. About ``EVENTS_PER_USER`` (9.5)
    events per user with the defaults: 10⁵ users make ≈ 10⁶ rows, 10⁷ users
    ≈ 10⁸. DuckDB streams the rows to ``path/events/day=D/`` (one folder per
    day of the event) and the users to ``path/users.parquet``; nothing is
    materialised in Python. Rows are written in no particular order.

    Parameters
    ----------
    path : str or Path
        A folder, created if needed; it must not hold ``events/`` or
        ``users.parquet`` already unless ``overwrite``.
    n_users : int
        Users exposed to the experiment, >= 1.
    days : int
        Days of entry; events run until 24 hours after the last entry.
    treatment_share : float
        Probability of treatment, in (0, 1).
    impressions_per_user : float
        Mean impressions per user, > 1.
    ctr, orders_per_click : float
        Control's click probability per impression (its mean over users), and
        order probability per click of a user of average habit, in (0, 1).
        Users who browse more also buy more, so the log's orders per click
        come out about exp(0.15) ≈ 1.16 times higher.
    aov : float
        Control's mean order value, > 0.
    ctr_effect, conversion_effect, aov_effect : float
        Relative effects of treatment on CTR, orders per click and order
        value (e.g. 0.05 = +5 %), each > −1.
    start : str
        The first day, 'YYYY-MM-DD'.
    seed : int, Generator or None
        The log is a function of the seed (drawn from the Generator).
    overwrite : bool
        Replace a log already at ``path``.

    Returns
    -------
    EventLog
        ``path``, ``n_users``, ``n_events``, ``days``, ``truth`` and readers
        for DuckDB (``events()``, ``users()``) and Spark (``spark_events``,
        ``spark_users``).

    Examples
    --------
    >>> import tempfile
    >>> log = simulate_event_log(tempfile.mkdtemp(), 1000, seed=7)
    >>> log.n_users, log.n_events
    (1000, 9558)
    >>> log.events().aggregate("event, count(*) AS n", "event").order("event").fetchall()
    [('click', 463), ('exposure', 9037), ('order', 58)]
    """
    n = check_count(n_users, name="n_users", minimum=1)
    days = check_count(days, name="days", minimum=1)
    share = check_probability(treatment_share, name="treatment_share")
    per_user = check_real(impressions_per_user, name="impressions_per_user")
    if per_user <= 1:
        raise ValueError(f"impressions_per_user must be > 1, got {per_user}")
    ctr = check_probability(ctr, name="ctr")
    opc = check_probability(orders_per_click, name="orders_per_click")
    aov = check_positive(aov, name="aov")
    effects = {}
    for name, value in (
        ("ctr_effect", ctr_effect),
        ("conversion_effect", conversion_effect),
        ("aov_effect", aov_effect),
    ):
        effects[name] = check_real(value, name=name)
        if effects[name] <= -1:
            raise ValueError(f"{name} must be > -1 (a relative change), got {value}")
    if not isinstance(start, str):
        raise TypeError(f"start must be a date string 'YYYY-MM-DD', got {start!r}")
    import datetime

    try:
        datetime.date.fromisoformat(start)
    except ValueError:
        raise ValueError(f"start must be a date 'YYYY-MM-DD', got {start!r}") from None
    if not isinstance(overwrite, bool):
        raise ValueError(f"overwrite must be True or False, got {overwrite!r}")
    if isinstance(path, bytes) or not isinstance(path, str | Path):
        raise TypeError(f"path must be a folder (str or Path), got {type(path).__name__}")
    mix = int(as_generator(seed).integers(0, 2**63))
    folder = Path(path)
    events_dir, users_file = folder / "events", folder / "users.parquet"
    if (events_dir.exists() or users_file.exists()) and not overwrite:
        raise ValueError(
            f"path {str(folder)!r} already holds an event log; pass overwrite=True to replace it"
        )
    folder.mkdir(parents=True, exist_ok=True)
    if events_dir.exists():
        import shutil

        shutil.rmtree(events_dir)
    users_sql, events_sql = event_log_sql(
        n,
        days=days,
        treatment_share=share,
        impressions_per_user=per_user,
        ctr=ctr,
        orders_per_click=opc,
        aov=aov,
        start=start,
        mix=mix,
        **effects,
    )
    import duckdb

    # no progress bar: in a notebook it would be a widget in the stored outputs
    con = duckdb.connect()
    try:
        con.execute("SET enable_progress_bar = false")
        con.execute("SET preserve_insertion_order = false")
        con.execute(f"COPY ({users_sql}) TO '{_sql_path(users_file)}' (FORMAT PARQUET)")
        con.execute(
            f"COPY ({events_sql}) TO '{_sql_path(events_dir)}' (FORMAT PARQUET, PARTITION_BY (day))"
        )
        glob = _sql_path(events_dir / "*" / "*.parquet")
        row = con.execute(f"SELECT count(*) FROM read_parquet('{glob}')").fetchone()
    finally:
        con.close()
    assert row is not None
    lift = math.prod(1 + e for e in effects.values()) - 1
    truth = {**effects, "revenue_per_user_effect": lift}
    return EventLog(path=str(folder), n_users=n, n_events=int(row[0]), days=days, truth=truth)


def _sql_path(path: Path) -> str:
    text = str(path)
    if "'" in text:
        raise ValueError(f"path must not contain a quote character, got {text!r}")
    return text
