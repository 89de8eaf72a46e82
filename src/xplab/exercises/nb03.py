"""Exercises for notebook 03 — onboarding retention with guardrails.

The scenario's data are simulated from the parameters below with
:func:`xplab.data.simulate_onboarding`; :func:`data` simulates each data set
once (the notebook and the checks share it), and every expected answer is
computed from those data with the package's tested functions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .. import abtest
from ..abtest import GroupStats
from ..data import OnboardingData, simulate_onboarding
from ..longterm import holdout_plan, surrogate_index
from ..workbook import Decision, Exercise, MultipleChoice

#: Last quarter's sign-ups, all on the old onboarding (no effect in either arm):
#: the baseline for planning, and the history the surrogate index learns from.
PAST: dict[str, Any] = {
    "n_users": 60_000,
    "early_effect": 0.0,
    "experiment": "onboarding_v1",
    "seed": 3001,
}
#: The two-week test of the new onboarding flow.
TEST: dict[str, Any] = {"n_users": 100_000, "seed": 3005}
#: The same test if the new flow's build had crashed 8 % more often per session.
TEST_CRASHY: dict[str, Any] = {**TEST, "crash_effect": 0.08}
#: The same test if the new flow's build had crashed 25 % more often per session.
TEST_BROKEN: dict[str, Any] = {**TEST, "crash_effect": 0.25}
#: A flashier redesign: no lasting effect on churn, a novelty boost that fades.
TEST_NOVELTY: dict[str, Any] = {**TEST, "early_effect": 0.0, "novelty": 0.8}
#: The test's redesign, but users miss the skipped tutorial later (churn +10 % from day 14).
TEST_LATE: dict[str, Any] = {**TEST, "late_effect": -0.10}

BASELINE = 0.56  # 7-day retention of PAST, rounded
MDE = 0.01  # the smallest effect worth shipping: +1 percentage point of 7-day retention
CRASH_MARGIN = 0.002  # crashes per session may rise by at most 0.002 (10 % of 0.020)
TICKET_MARGIN = 0.01  # support tickets per user in 2 weeks may rise by at most 0.01
SURROGATES = ["active_days_14", "retained_7d", "power_user"]
BASELINE_180 = 0.19  # 6-month retention of PAST, rounded
DAILY_USERS = 5_000  # new sign-ups per day
HOLDOUT_SHARE = 0.05
HOLDOUT_MDE = 0.005  # the 6-month retention effect the holdout must detect: 0.5 pp

_SCENARIOS = {
    "past": PAST,
    "test": TEST,
    "crashy": TEST_CRASHY,
    "broken": TEST_BROKEN,
    "novelty": TEST_NOVELTY,
    "late": TEST_LATE,
}


@cache
def data(name: str) -> OnboardingData:
    """The simulated data set ``name``: 'past', 'test', 'crashy', 'broken', 'novelty' or 'late'."""
    if name not in _SCENARIOS:
        raise ValueError(f"name must be one of {sorted(_SCENARIOS)}, got {name!r}")
    return simulate_onboarding(**_SCENARIOS[name])


def _arms(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    users = data(name).users
    return users[users["variant"] == "control"], users[users["variant"] == "treatment"]


def _crash_test(name: str, higher_is_better: bool = False) -> abtest.NoninferiorityResult:
    c, t = _arms(name)
    return abtest.noninferiority_test(
        GroupStats.from_arrays(c["crashes_14"], denominator=c["sessions_14"]),
        GroupStats.from_arrays(t["crashes_14"], denominator=t["sessions_14"]),
        margin=CRASH_MARGIN,
        higher_is_better=higher_is_better,
    )


def _within_share(y: pd.Series, strata: pd.Series) -> float:
    """1 − η²: the share of y's variance within strata (population variances)."""
    within = y.groupby(strata).transform(lambda s: s - s.mean())
    return float(np.mean(within**2) / np.var(y))


def _active_days(name: str, first: int, last: int) -> float:
    """Effect on active days in days first…last (inclusive), treatment − control."""
    sim = data(name)
    days = sim.activity[:, first : last + 1].sum(axis=1)
    treated = (sim.users["variant"] == "treatment").to_numpy()
    return float(days[treated].mean() - days[~treated].mean())


def _surrogate(name: str) -> float:
    return surrogate_index(
        data("past").users, data(name).users, surrogates=SURROGATES, outcome="retained_180d"
    ).estimate


q1 = Exercise(
    "Q1 · 7-day retention, by its definition",
    expected=lambda: float(data("past").activity[:, 7:14].any(axis=1).mean()),
    hints=[
        "A user is retained at 7 days if they were active on at least one of days 7–13.",
        "`past.activity[:, 7:14]` is the users × days 7…13 block; `.any(axis=1)` per user, "
        "then `.mean()`.",
    ],
)

q2 = Exercise(
    "Q2 · sample size for +1 pp",
    expected=lambda: abtest.sample_size_proportions(BASELINE, MDE),
    round_up=True,
    unit="user",
    hints=[
        "`abtest.sample_size_proportions(baseline, mde)` with an *absolute* MDE of 0.01.",
        "+1 pp is absolute (0.56 → 0.57): leave `relative` at its default, False.",
    ],
)

q3 = MultipleChoice(
    "Q3 · no significant difference",
    question=(
        "A two-sided test of crash rate per session finds +0.0001 crashes per session, "
        "p = 0.6. The product manager writes: *'crash rate unchanged'*. What can you say?"
    ),
    options={
        "The crash rate did not get worse: p = 0.6 is far above 0.05.": (
            "A large p-value means the data are compatible with *no* change — and, with few "
            "users, with a large harm too. Absence of evidence is not evidence of absence."
        ),
        "It depends on how large a harm the data rule out: the upper end of the interval "
        "must sit below the margin fixed in advance.": (
            "Yes. That is what a non-inferiority test asks: harm of at least the margin is H0, "
            "and rejecting it is positive evidence that any harm is smaller."
        ),
        "Nothing, unless p < 0.05.": (
            "The data do say something: the interval bounds how large the harm can plausibly "
            "be. Whether that bound is small enough is a question for the margin."
        ),
        "The crash rate got better, since p > 0.5.": (
            "A p-value says nothing about the direction; the estimate is even slightly up."
        ),
    },
    answer="B",
    hints=["What would the same p-value look like in a test with 500 users?"],
)

q4 = Exercise(
    "Q4 · the variance stratification keeps",
    expected=lambda: _within_share(
        data("past").users["active_days_14"].astype(float), data("past").users["power_user"]
    ),
    rtol=1e-4,
    hints=[
        "1 − η² = (mean squared deviation from each user's *stratum* mean) ÷ (variance of "
        "active_days_14).",
        "`y - y.groupby(strata).transform('mean')` gives the within-stratum deviations; "
        "use population variances (`np.var`, `np.mean(d**2)`).",
    ],
)

q5 = MultipleChoice(
    "Q5 · stratifying power users",
    question=(
        "New users sign up all day, and the signup model flags likely power users before "
        "they see onboarding. How do you keep power users balanced between the arms?"
    ),
    options={
        "Blocked assignment (`assign.stratified`) over all users of the test, computed "
        "once at the start.": (
            "Blocks need the list of units up front; users who sign up later would change the "
            "blocks and move earlier users between arms. Good for a fixed cohort, not here."
        ),
        "Assign by plain hashing as users arrive, record the flag, and post-stratify on it "
        "in the analysis.": (
            "Yes. Post-stratification on a pre-treatment flag removes almost all the "
            "variance blocking would (Miratrix, Sekhon & Yu 2013), and it works for "
            "arrivals over time."
        ),
        "Post-stratify on whether users became power users during the test.": (
            "That is measured after treatment: if the new onboarding turns users into power "
            "users, the strata differ between arms and the adjustment biases the estimate."
        ),
        "Run the test on power users only: they matter most.": (
            "Then the result says nothing about the 80 % of sign-ups who are not power users, "
            "and the launch affects everyone."
        ),
    },
    answer="B",
    hints=["Which of these needs the full list of users before the first one arrives?"],
)

q6 = Exercise(
    "Q6 · the crash-rate guardrail",
    expected=lambda: _crash_test("test").p_value,
    rtol=1e-6,
    atol=0,
    hints=[
        "Crashes per session is a ratio metric: `GroupStats.from_arrays(crashes, "
        "denominator=sessions)` for each arm.",
        "`abtest.noninferiority_test(control, treatment, margin=ex.CRASH_MARGIN, "
        "higher_is_better=False)`; store its `.p_value`.",
    ],
)

q7 = Exercise(
    "Q7 · the crashy build's worst plausible harm",
    expected=lambda: _crash_test("crashy").ci[1],
    rtol=1e-6,
    hints=[
        "The same non-inferiority test as in Q6, on the arms of `crashy.users`.",
        "With `higher_is_better=False` the one-sided interval is (−∞, upper]: store `ci[1]`.",
    ],
)

q8 = Decision(
    "Q8 · retention up, crash guardrail inconclusive",
    question=(
        "In the crashy build, 7-day retention is up significantly (the same +1.07 pp, "
        "p < 0.001), tickets are non-inferior, and crashes per session are up by about "
        "0.0016 with a one-sided upper bound of 0.0021 against a margin of 0.002: "
        "inconclusive. The decision rule was written before the test. What do you decide?"
    ),
    options={
        "ship": (
            "The retention gain is real, but the rule requires every guardrail to be "
            "non-inferior, and harm beyond the margin is not ruled out. Overriding the rule "
            "after seeing the data is how guardrails stop protecting anything."
        ),
        "don't ship": (
            "Nothing shows the harm *exceeds* the margin (the test is not 'inferior'), and "
            "the primary gain is real: walking away discards a likely win. Find and fix the "
            "crash, or gather the data that settles the guardrail."
        ),
        "keep testing": (
            "Yes: the rule says keep testing — run to the sample size the crash margin "
            "needs (planned, not chosen by peeking), and meanwhile ask engineering why "
            "sessions crash more; a fixed build would be a new test."
        ),
    },
    answer="keep testing",
    hints=["Look up the row 'any inconclusive, primary better' in the decision rule."],
)

q9 = Exercise(
    "Q9 · the novelty effect two weeks later",
    expected=lambda: _active_days("novelty", 14, 27),
    rtol=1e-6,
    hints=[
        "Count each user's active days in days 14–27: `novelty.activity[:, 14:28].sum(axis=1)`.",
        "Then the treatment mean minus the control mean (`novelty.users['variant']`).",
    ],
)

q10 = Exercise(
    "Q10 · the long-term holdout",
    expected=lambda: (
        holdout_plan(
            HOLDOUT_MDE,
            baseline_rate=BASELINE_180,
            daily_users=DAILY_USERS,
            holdout_share=HOLDOUT_SHARE,
        ).n_total
    ),
    hints=[
        "`holdout_plan(mde, baseline_rate=..., daily_users=..., holdout_share=...)` from "
        "`xplab.longterm`.",
        "The question asks for all users, held out *and* exposed: `.n_total`.",
    ],
)

q11 = Exercise(
    "Q11 · the surrogate index",
    expected=lambda: _surrogate("test"),
    rtol=1e-6,
    atol=1e-8,
    hints=[
        "`surrogate_index(past.users, test.users, surrogates=ex.SURROGATES, "
        "outcome='retained_180d')`.",
        "Store the result's `.estimate`, the predicted 6-month effect.",
    ],
)

q12 = MultipleChoice(
    "Q12 · a surrogate index that is too good",
    question=(
        "For the flashy redesign (`ex.TEST_NOVELTY`) the surrogate index predicts a 6-month "
        "retention gain of about +2 pp with a narrow confidence interval. What do you tell "
        "the lead?"
    ),
    options={
        "Launch: the interval excludes zero, so a 6-month gain is established.": (
            "The interval covers sampling noise only. A novelty boost raises early activity "
            "without changing who stays, so the index is biased and more data will not fix it."
        ),
        "The redesign mainly lifts activity in the first days, a path the historical "
        "model never saw: surrogacy is in doubt. Check the effect by day, and confirm "
        "with a long-term holdout.": (
            "Yes. The index assumes the treatment changes 6-month retention only through the "
            "surrogates, as past changes did. Novelty inflates the surrogates, so the "
            "prediction borrows a relation that does not hold for this change."
        ),
        "Add more historical users to the model: the bias comes from a poor fit.": (
            "The fit is fine; the assumption is what fails. A more precise E[Y | S] predicts "
            "the same wrong number more precisely."
        ),
        "Use 7-day retention instead: it is the same thing.": (
            "7-day retention is lifted by the same novelty; a single surrogate fails the same way."
        ),
    },
    answer="B",
    hints=["Look at the effect-by-day plot of the novelty test in section 5."],
)
