"""Exercises for notebook 07 — experimentation at scale.

The scenario's data come from the package's simulators with the parameters
below: :func:`event_log` writes the widget test's event log (DuckDB, Parquet)
to ``data/nb07/`` once and reuses it, :func:`per_user`
runs the metric catalogue's per-user query on it once, :func:`ramp_log` and
:func:`registry` simulate the ramp and the registry of past experiments. The
notebook and the checks share them; every expected answer is computed with
the package's tested functions.

:func:`spark_run` reads what ``benchmarks/nb07_spark_cache.py`` measured with
Spark on the same event log (Spark takes too long to start inside a
one-minute notebook); the notebook checks those numbers against DuckDB's.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import math
import os
import shutil
import tempfile
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .. import abtest
from .._files import replacing
from .._validate import a_type
from ..data import EventLog, simulate_event_log, simulate_experiment_portfolio, simulate_ramp
from ..data._fetch import default_cache_dir
from ..rollout import RampPlan, RampStep, TrafficPlan
from ..warehouse import EngineRun, Metric, MetricCatalog
from ..workbook import Decision, Exercise, MultipleChoice
from ._plans import review_mean_plan

# ----------------------------------------------------------------------------- section 1: the ramp

#: The guardrail the checkout team watches at every step.
CHECKOUT_GUARDRAILS = ("checkout errors",)
#: The new checkout's ramp: coverage 2 → 10 → 40 → 100 % (1 → 5 → 20 → 50 % see it).
RAMP = RampPlan(
    "new_checkout",
    [
        RampStep(0.02, days=1, guardrails=CHECKOUT_GUARDRAILS),
        RampStep(0.10, days=1, guardrails=CHECKOUT_GUARDRAILS),
        RampStep(0.40, days=2, guardrails=CHECKOUT_GUARDRAILS),
        RampStep(1.00, days=7, guardrails=CHECKOUT_GUARDRAILS),
    ],
    stop_rule="kill switch if SRM p < 0.001, or checkout errors higher in treatment at p < 0.01",
)
#: From the 40 % step the new service is overloaded on the Android API path: half of the
#: Android treatment visits time out before the exposure is logged, and the logged ones
#: fail twice as often.
RAMP_SIMULATION: dict[str, Any] = {
    "daily_users": 30_000,
    "error_rate": 0.01,
    "bug_from_step": 2,
    "bug_platform": "android",
    "lost_logging": 0.5,
    "error_effect": 1.0,
    "seed": 7001,
}
#: The payment-provider switch whose ramp Q2 asks for.
PAYMENT_EXPERIMENT = "new_payment_provider"

# ----------------------------------------------------------------------------- section 2: layers

#: Visitors per day and the planned duration of the four concurrent tests.
DAILY_USERS = 200_000
DAYS = 14
#: Users (both arms) each experiment needs over the 14 days, from its power calculation.
REQUIRED_USERS = {
    "checkout_button": 1_000_000,
    "checkout_copy": 800_000,
    "search_ranking": 1_800_000,
    "home_carousel": 1_200_000,
    "pricing": 280_000,
}
#: Both change the checkout page's call to action: they must not overlap.
CONFLICTS = [("checkout_button", "checkout_copy")]
#: Prices change everything downstream: the pricing test overlaps no other test.
ISOLATED = ["pricing"]
#: The interaction Q4 asks about: −0.4 pp on a 5 % conversion rate.
INTERACTION = {"baseline": 0.05, "effect": 0.004}

# ----------------------------------------------------------------------------- section 3-4: the log

#: The widget test: 10⁶ users for two weeks (≈ 9.5 · 10⁶ events). The seed was picked among
#: the first six because its estimates sit close to the true effects (CTR +6 %, orders per
#: click −1 %, AOV −5 %).
LOG: dict[str, Any] = {
    "n_users": 1_000_000,
    "days": 14,
    "ctr_effect": 0.06,
    "conversion_effect": -0.01,
    "aov_effect": -0.05,
    "seed": 5,
}
#: The same experiment with a tenth of the users: the log pandas is timed on.
SAMPLE_LOG: dict[str, Any] = {**LOG, "n_users": 100_000}
#: Users who would see the widget in a year: the test saw 10⁶ in 14 days.
USERS_PER_YEAR = 26_000_000
#: Covariates of the engine runs (CUPED on revenue per user).
COVARIATES = {"revenue": "pre_revenue"}
#: Threads of the engine runs.
CORES = 2

#: The metrics, defined once.
CATALOG = MetricCatalog(
    [
        Metric("impressions", "mean", event="exposure", description="widget impressions per user"),
        Metric(
            "ctr",
            "ratio",
            event="click",
            denominator_event="exposure",
            description="clicks per impression",
        ),
        Metric(
            "orders_per_click",
            "ratio",
            event="order",
            denominator_event="click",
            description="orders per click",
        ),
        Metric(
            "aov",
            "ratio",
            event="order",
            value="revenue",
            denominator_event="order",
            description="average order value: revenue per order",
        ),
        Metric("conversion", "proportion", event="order", description="share of users who order"),
        Metric(
            "revenue",
            "mean",
            event="order",
            value="revenue",
            description="revenue per user (the OEC)",
        ),
    ]
)

_LOGS = {"test": LOG, "sample": SAMPLE_LOG}


@cache
def event_log(name: str = "test") -> EventLog:
    """The simulated event log ``name`` ('test' or 'sample') in ``data/nb07/<name>``
    (the datasets' cache folder): written by :func:`~xplab.data.simulate_event_log`
    the first time, and reused while its parameters and the DuckDB version (whose
    hash draws the numbers) are unchanged."""
    if name not in _LOGS:
        raise ValueError(f"name must be one of {sorted(_LOGS)}, got {name!r}")
    import duckdb

    folder = default_cache_dir() / "nb07" / name
    wanted = {"parameters": _LOGS[name], "duckdb": duckdb.__version__}
    saved = _saved_log(folder, wanted)
    if saved is not None:
        return saved
    folder.parent.mkdir(parents=True, exist_ok=True)
    # one writer at a time (several kernels and test runs may start together on a fresh
    # clone); the others wait, then read what it wrote
    with _exclusive(folder.parent / f".{name}.lock"):
        saved = _saved_log(folder, wanted)
        if saved is not None:
            return saved
        # written next to its place, then moved in: a half-written log is never reused
        scratch = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=folder.parent))
        try:
            log = simulate_event_log(scratch, **_LOGS[name])
            shutil.rmtree(folder, ignore_errors=True)
            os.replace(scratch, folder)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        log = dataclasses.replace(log, path=str(folder))
        text = json.dumps({"wanted": wanted, "log": dataclasses.asdict(log)}, indent=1)
        with replacing(folder / "log.json") as scratch:  # the stamp appears whole or not at all
            scratch.write_text(text)
    return log


def _saved_log(folder: Path, wanted: dict[str, Any]) -> EventLog | None:
    stamp = folder / "log.json"
    if not stamp.is_file():
        return None
    saved = json.loads(stamp.read_text())
    if saved["wanted"] != wanted:
        return None
    return EventLog(**{**saved["log"], "path": str(folder)})


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file ``path`` (where the system has ``fcntl``)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock; one writer at a time is then the user's care
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@cache
def _connection() -> Any:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")  # no widget in stored outputs
    return con


@cache
def per_user() -> Any:
    """The per-user table of :data:`CATALOG` on the test's log, with each user's
    first day and pre-period revenue: run once in DuckDB and kept as a table."""
    con = _connection()
    log = event_log("test")
    query = CATALOG.per_unit(log.events(con), first=["day"], units=log.users(con))
    query.to_table("per_user")
    return con.table("per_user")


def stats(metric: str, covariate: str | None = None) -> Any:
    """``arm_stats`` of one metric on :func:`per_user` (DuckDB)."""
    return CATALOG.arm_stats(per_user(), metric, covariate=covariate)


@cache
def ramp_log() -> pd.DataFrame:
    """The new checkout's ramp, simulated with :data:`RAMP_SIMULATION`."""
    return simulate_ramp(RAMP, **RAMP_SIMULATION)


def _step_counts(step: int) -> list[int]:
    part = ramp_log()[ramp_log()["step"] == step]
    return [int((part["arm"] == arm).sum()) for arm in ("control", "treatment")]


#: The registry of past experiments: 400 experiments over two years, five teams.
REGISTRY: dict[str, Any] = {"n_experiments": 400, "effect_sd": 0.01, "seed": 7002}
TEAMS = ("search", "checkout", "recommendations", "growth", "ads")
#: Standard error of the post-launch holdout comparison of a shipped change.
POST_LAUNCH_SE = 0.003


@cache
def registry() -> pd.DataFrame:
    """Past experiments: their reported estimates (relative lifts) and, for the
    shipped ones, the post-launch comparison against a holdout."""
    rng = np.random.default_rng(REGISTRY["seed"])
    se = rng.choice([0.005, 0.0075, 0.01], size=REGISTRY["n_experiments"])
    df = simulate_experiment_portfolio(
        REGISTRY["n_experiments"],
        effect_sd=REGISTRY["effect_sd"],
        standard_error=se,
        seed=rng,
    )
    df.insert(1, "team", [TEAMS[i % len(TEAMS)] for i in range(len(df))])
    df.insert(2, "quarter", [f"Q{1 + (i // 50) % 4} {2024 + i // 200}" for i in range(len(df))])
    post = df["true_effect"] + POST_LAUNCH_SE * rng.standard_normal(len(df))
    df["post_launch"] = np.where(df["shipped"], post, np.nan)
    return df


SPARK_CACHE = "nb07_spark_run.json"


def spark_inputs() -> dict[str, Any]:
    """What the Spark run depends on: the log's parameters, the metrics, the
    covariates and the threads (the cache must hold the same)."""
    return {
        "log": dict(LOG),
        "metrics": [dataclasses.asdict(m) for m in CATALOG.metrics],
        "covariates": dict(COVARIATES),
        "cores": CORES,
    }


def spark_run() -> tuple[EngineRun, dict[str, Any]]:
    """What ``benchmarks/nb07_spark_cache.py`` measured with Spark on the test's
    log: the run, and the cache's ``inputs`` (see :func:`spark_inputs`) and
    ``measured`` (date and machine)."""
    data = json.loads(resources.files(__package__).joinpath(SPARK_CACHE).read_text())
    return EngineRun.from_json(data["run"]), {k: data[k] for k in ("inputs", "measured")}


# ----------------------------------------------------------------------------- checkers


def _check_ramp(plan: Any) -> str | None:
    if not isinstance(plan, RampPlan):
        return f"expected a RampPlan (from xplab.rollout), got {a_type(plan)}"
    if plan.experiment != PAYMENT_EXPERIMENT:
        return f"the plan is for {plan.experiment!r}; the experiment is {PAYMENT_EXPERIMENT!r}"
    problems = plan.problems()
    if problems:
        return problems[0]
    if plan.steps[-1].coverage < 1:
        return (
            "the ramp must end with the full experiment: everyone enrolled (coverage 100 %), "
            "half of them on the new provider"
        )
    if not all("payment failures" in s.guardrails for s in plan.steps):
        return "every step must look at the 'payment failures' guardrail"
    return None


def _check_traffic(plan: Any) -> str | None:
    if not isinstance(plan, TrafficPlan):
        return f"expected a TrafficPlan (from xplab.rollout), got {a_type(plan)}"
    problems = plan.problems(
        REQUIRED_USERS,
        daily_users=DAILY_USERS,
        days=DAYS,
        conflicts=CONFLICTS,
        isolated=ISOLATED,
    )
    return problems[0] if problems else None


def _interaction_users() -> int:
    sd = math.sqrt(INTERACTION["baseline"] * (1 - INTERACTION["baseline"]))
    return 8 * abtest.sample_size_means(INTERACTION["effect"], sd)


def _revenue_test() -> Any:
    s = stats("revenue")
    return abtest.mean_test(s["control"], s["treatment"])


# ----------------------------------------------------------------------------- the exercises

q1 = Exercise(
    "Q1 · SRM at the 40 % step",
    expected=lambda: abtest.srm_test(_step_counts(2), [0.5, 0.5]).p_value,
    rtol=1e-6,
    atol=0,
    hints=[
        "Count the logged exposures per arm in the rows of `ramp` with `step == 2` "
        "(the 40 % step: steps are numbered from 0 in the log).",
        "`abtest.srm_test([n_control, n_treatment], [0.5, 0.5]).p_value`.",
    ],
)

q2 = Exercise(
    "Q2 · a ramp for the payment provider",
    checker=_check_ramp,
    kind="design",
    hints=[
        "Start from `ex.RAMP` and `RampPlan.problems()`: it lists the rules a plan breaks.",
        "The first step may expose at most 5 % of traffic to the treatment (coverage × 0.5); "
        "the last runs 7 days or more at coverage 1.0.",
        "Each `RampStep(..., guardrails=('payment failures', ...))`, and a `stop_rule`.",
    ],
)

q3 = MultipleChoice(
    "Q3 · the SRM alarm",
    question=(
        "At the 40 % step the SRM check gives p far below 0.001 (fewer treatment exposures "
        "than control), while the checkout-error guardrail shows no significant change. "
        "What do you do?"
    ),
    options={
        "Continue the ramp to 100 %: the checkout-error guardrail shows no significant harm, "
        "and a sample-ratio mismatch is a logging statistic that says nothing about what "
        "users experience.": (
            "The SRM means part of the treatment's visits are missing from the log, so every "
            "metric of the treatment — the guardrail included — is computed on a biased subset. "
            "Here the missing visits are the broken ones."
        ),
        "Hit the kill switch, then find which visits go missing (by platform, browser, app "
        "version) before ramping again.": (
            "Yes. The stop rule says so, and an SRM is the cheapest early warning a platform "
            "has: lost exposures usually mean crashes, redirects or bot filtering that differ "
            "by arm. Slice the counts by segment to locate it."
        ),
        "Re-weight the logged treatment visits so that the arms match the designed 50/50 "
        "split, then read the guardrail on the re-weighted data.": (
            "Re-weighting makes the counts match but cannot bring back the visits that were "
            "never logged, nor tell you what happened in them."
        ),
        "Change the salt and restart at 40 %: the split was unlucky.": (
            "With p ≈ 1e-27 luck is not the explanation; a new salt re-randomises users but "
            "keeps the bug, and skips the small steps that limit its damage."
        ),
    },
    answer="B",
    hints=["If some treatment visits are never logged, what do the logged ones look like?"],
)

q4 = Exercise(
    "Q4 · users to see an interaction",
    expected=_interaction_users,
    hints=[
        "The interaction estimate (ȳ₁₁ − ȳ₀₁) − (ȳ₁₀ − ȳ₀₀) has variance 4σ²/n_cell with "
        "N/4 users per cell: 16σ²/N.",
        "`sample_size_means(δ, σ)` gives n per arm for a variance of 2σ²/n: the 2×2 needs "
        "N = 8 × that, with σ = √(p(1 − p)).",
    ],
)

q5 = Exercise(
    "Q5 · layers for five concurrent tests",
    checker=_check_traffic,
    kind="design",
    hints=[
        "Put the pricing test in its own exclusive layer with at least the share it needs.",
        "The other layers share the remaining traffic: an experiment with share s of a layer "
        "gets (1 − pricing's share) × s of all users.",
        "The two checkout tests go in one layer (mutually exclusive); search and the home "
        "carousel can overlap everything else.",
    ],
)

q6 = MultipleChoice(
    "Q6 · which experiments may overlap",
    question=(
        "Two teams run experiments at the same time: one tests a new search ranking, the other "
        "a redesigned product page. Which arrangement do you choose?"
    ),
    options={
        "Mutually exclusive, half of the traffic each: neither experiment can then "
        "contaminate the other's estimate, and each stays a clean test of one change.": (
            "That halves each test's traffic and with it the power, to protect against an "
            "interaction that is usually small; exclusion is for changes to the same thing."
        ),
        "Run them one after the other.": (
            "Sequencing costs twice the calendar time and the two tests then see different "
            "seasons; it is the most expensive way to avoid a rare problem."
        ),
        "Overlapping, in different layers; test their interaction if there is a reason to "
        "expect one.": (
            "Yes. Independent layers give both tests all the traffic; each test's estimate "
            "averages over the other's arms, which is what launching both would do. An "
            "interaction test (the 2×2 of the overlap) needs about four times the users to "
            "see an effect of the same size."
        ),
        "Overlapping, in the same layer.": (
            "Experiments in one layer are mutually exclusive by construction: that is option A "
            "with a different name."
        ),
    },
    answer="C",
    hints=["Which of these keeps each test's sample size?"],
)

q7 = Exercise(
    "Q7 · CUPED on revenue, in the warehouse",
    expected=lambda: (
        abtest.cuped_test(
            stats("revenue", "pre_revenue")["control"], stats("revenue", "pre_revenue")["treatment"]
        ).variance_reduction
    ),
    rtol=1e-6,
    hints=[
        "`ex.CATALOG.arm_stats(per_user, 'revenue', covariate='pre_revenue')`.",
        "`abtest.cuped_test(s['control'], s['treatment']).variance_reduction`.",
    ],
)

q8 = MultipleChoice(
    "Q8 · when daily statistics add up",
    question=(
        "You compute `arm_stats` once per day and add the days with `+` for a sequential look. "
        "When does the sum equal one query over all the days?"
    ),
    options={
        "When each day holds different users whose metric values no longer change.": (
            "Yes: users grouped by the day they entered, with a metric over a fixed window "
            "after entry. `+` combines summaries of disjoint samples exactly; a user counted "
            "on two days, or a value that keeps changing after its day was summarised, breaks "
            "it."
        ),
        "Always: counts and sums add up, and GroupStats combines the means and variances "
        "of the days exactly, whatever the days contain.": (
            "The counts and sums add, but a user active on three days would be three units "
            "in the sum and one in the single query, with a different mean and variance."
        ),
        "When every day has the same number of users, so that each day's mean gets the "
        "same weight in the combined mean; unequal days would need weights.": (
            "Unequal days combine exactly too (the formulas weight by n); what matters is "
            "that the days hold different units."
        ),
        "Only with DuckDB: Spark partitions the data differently, so its days do not add up.": (
            "The combination is arithmetic on the summaries; any engine that returns the "
            "same per-day statistics gives the same sum."
        ),
    },
    answer="A",
    hints=["What is the unit of a per-user metric, and on how many days can it appear?"],
)

q9 = Exercise(
    "Q9 · the change in average order value",
    expected=lambda: (
        abtest.ratio_test(stats("aov")["control"], stats("aov")["treatment"]).relative_lift
    ),
    rtol=1e-6,
    hints=[
        "AOV is revenue per order: the catalogue's `aov` ratio metric.",
        "`abtest.ratio_test(s['control'], s['treatment']).relative_lift`.",
    ],
)

q10 = Exercise(
    "Q10 · the worst plausible yearly impact",
    expected=lambda: _revenue_test().ci[0] * USERS_PER_YEAR,
    rtol=1e-6,
    hints=[
        "Welch's test of revenue per user: `abtest.mean_test(s['control'], s['treatment'])`.",
        "The lower end of its 95 % interval is per user; multiply by `ex.USERS_PER_YEAR`.",
    ],
)

q11 = Decision(
    "Q11 · CTR up, AOV down: ship?",
    question=(
        "The plan named revenue per user as the decision metric (the OEC), with AOV as a "
        "guardrail that may not fall more than 2 %. CTR rose about 6 %, AOV fell about 5 % "
        "(its interval excludes −2 %), revenue per user is flat with an interval of about "
        "±2 %. What do you decide?"
    ),
    options={
        "ship": (
            "CTR is a means, not the goal: the widget moves clicks to cheaper items and "
            "revenue per user does not rise. The AOV guardrail is clearly breached."
        ),
        "phased rollout to 50 %, then decide": (
            "A phased rollout limits the risk of something you intend to ship. Nothing here "
            "says the widget is worth shipping, and watching it at 50 % is peeking at a "
            "test that already answered."
        ),
        "don't ship this version; test a revised one": (
            "Yes. The decomposition says why revenue did not move — more clicks, on cheaper "
            "orders — which is the brief for a revision (rank by expected revenue, not by "
            "click probability). The follow-up test is powered for revenue per user, whose "
            "spread this test measured."
        ),
    },
    answer="don't ship this version; test a revised one",
    hints=["Which metric did the plan say decides, and what did the guardrail say?"],
)

q12 = Exercise(
    "Q12 · the registry's win rate",
    expected=lambda: float(registry()["shipped"].mean()),
    rtol=1e-9,
    hints=[
        '`duckdb.sql("SELECT avg(shipped::INTEGER) FROM registry")` — DuckDB reads the '
        "pandas DataFrame `registry` by its name.",
        "Store the number, e.g. `.fetchall()[0][0]`.",
    ],
)

q13 = MultipleChoice(
    "Q13 · triggering",
    question=(
        "The widget appears only to users who scroll to the bottom of a product page (30 % of "
        "users). To gain power you analyse only triggered users. Which trigger definition "
        "keeps the comparison fair?"
    ),
    options={
        "Users who clicked the widget.": (
            "A click is an outcome of the treatment: the widget changes who clicks, so the "
            "two arms' clickers are different people."
        ),
        "Users who saw the widget in treatment, compared with all control users.": (
            "The arms are then filtered differently: treatment keeps only scrollers, who are "
            "more engaged than the average control user."
        ),
        "Users who ordered during the test.": (
            "Ordering is an outcome too; conditioning on it removes exactly the users whose "
            "behaviour the widget may have changed."
        ),
        "Users who reached the bottom of a product page, logged in both arms (control logs "
        "where the widget would have appeared).": (
            "Yes. The trigger is the same event in both arms, decided before the widget "
            "could act, so triggered users are comparable. The effect on all users is the "
            "triggered effect diluted by the trigger rate."
        ),
    },
    answer="D",
    hints=["Could the treatment change whether a user meets the trigger?"],
)

q14 = MultipleChoice(
    "Q14 · build or buy",
    question=(
        "A 40-person company runs about ten web experiments a quarter on a standard stack, "
        "with its event data already in a cloud warehouse. What fits best?"
    ),
    options={
        "Build an in-house platform: assignment service, metric pipelines and a stats engine.": (
            "A platform is a team's work for years; at ten experiments a quarter its cost "
            "dwarfs the decisions it informs."
        ),
        "A flag service for assignment and rollouts, and a warehouse-native analysis tool "
        "(or a few tested queries and notebooks) reading the warehouse.": (
            "Yes. Flags give targeting, ramps and kill switches; analysing where the data "
            "already live avoids copying events to a vendor. Revisit when volume or special "
            "designs (marketplaces, interference) outgrow it."
        ),
        "A client-side visual editor for every test.": (
            "Visual editors change page elements in the browser: fine for copy and layout, "
            "but they cannot test back-end changes (ranking, pricing) and can flicker."
        ),
        "Spreadsheets: export the arms' totals and compute p-values by hand.": (
            "It works once; without logged assignment, SRM checks and metric definitions in "
            "one place, errors accumulate with every test."
        ),
    },
    answer="B",
    hints=["What does each option cost per experiment, and what does it leave out?"],
)

# ----------------------------------------------------------------------------- interview drill

#: The review board's requirements for the widget's follow-up test (Q15): the users
#: entering the test each day (this test's 10⁶ users came in 14 days), the longest
#: test the team may run, the guardrails it must watch, the smallest spread of revenue
#: per user a plan may assume (this test's σ was about 10.9 over both arms; CUPED
#: removes about 1 % of its variance) and the largest MDE worth running for (about
#: 2 % of the 2.06 baseline).
FOLLOW_UP: dict[str, Any] = {
    "daily_users": 71_429,
    "max_days": 56,
    "guardrails": ("AOV", "checkout errors"),
    "min_standard_deviation": 10.8,
    "max_mde": 0.04,
}


def _check_follow_up(plan: Any) -> str | None:
    return review_mean_plan(
        plan,
        metric="the OEC is revenue per user",
        daily_users=FOLLOW_UP["daily_users"],
        traffic="the users entering the test each day are",
        guardrails=FOLLOW_UP["guardrails"],
        min_standard_deviation=FOLLOW_UP["min_standard_deviation"],
        max_mde=FOLLOW_UP["max_mde"],
        whole_weeks=True,
        max_days=FOLLOW_UP["max_days"],
    )


q15 = Exercise(
    "Q15 · the follow-up's plan, past the board",
    checker=_check_follow_up,
    kind="design",
    hints=[
        "±1 % of revenue per user needs about 4.6 million users per arm: far more than "
        "eight weeks of traffic. Which MDE can the board accept, and what does it cost?",
        "`abtest.sample_size_means(0.04, 10.8)` users per arm; the duration is 2 × that ÷ "
        "71,429 users a day, rounded up to whole weeks.",
    ],
)
