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
from scipy import stats

from .. import abtest, assign
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
#: Stage 2 of the crashy build's test: the next 100,000 sign-ups (weeks 3 and 4).
CRASHY_STAGE2: dict[str, Any] = {**TEST_CRASHY, "seed": 3006}

BASELINE = 0.56  # 7-day retention of PAST, rounded
MDE = 0.01  # the smallest effect worth shipping: +1 percentage point of 7-day retention
CRASH_MARGIN = 0.002  # crashes per session may rise by at most 0.002 (10 % of 0.020)
TICKET_MARGIN = 0.01  # support tickets per user in 2 weeks may rise by at most 0.01
#: The surrogates (two-week outcomes) and, last, a pre-treatment covariate of the index.
SURROGATES = ["active_days_14", "retained_7d", "power_user"]
BASELINE_180 = 0.19  # 6-month retention of PAST, rounded
DAILY_USERS = 5_000  # new sign-ups per day
PER_ARM_STAGE1 = 50_000  # two weeks of sign-ups, per arm: stage 1 of the design
STAGES = (0.5, 1.0)  # information fractions: stage 2 doubles the users (four weeks)
#: The ramp-up before the test: the largest first step, the share of treatment users a
#: broken build may lose that each step's SRM check must detect, and the longest ramp.
RAMP_FIRST_MAX = 0.05
RAMP_LOSS = 0.25
RAMP_MAX_DAYS = 7
TEST_DAYS = 14
HOLDOUT_SHARE = 0.20
#: The 6-month effect that would change a decision: extend the redesign's approach to the
#: app's other flows only if it keeps at least +0.5 pp of 6-month retention.
HOLDOUT_MDE = 0.005

_SCENARIOS = {
    "past": PAST,
    "test": TEST,
    "crashy": TEST_CRASHY,
    "crashy_stage2": CRASHY_STAGE2,
    "broken": TEST_BROKEN,
    "novelty": TEST_NOVELTY,
    "late": TEST_LATE,
}


@cache
def data(name: str) -> OnboardingData:
    """The simulated data set ``name``: 'past', 'test', 'crashy', 'crashy_stage2', 'broken',
    'novelty' or 'late'."""
    if name not in _SCENARIOS:
        raise ValueError(f"name must be one of {sorted(_SCENARIOS)}, got {name!r}")
    return simulate_onboarding(**_SCENARIOS[name])


def _arms(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    users = data(name).users
    return users[users["variant"] == "control"], users[users["variant"] == "treatment"]


def _crash_test(name: str, alpha: float = 0.05) -> abtest.NoninferiorityResult:
    c, t = _arms(name)
    return abtest.noninferiority_test(
        GroupStats.from_arrays(c["crashes_14"], denominator=c["sessions_14"]),
        GroupStats.from_arrays(t["crashes_14"], denominator=t["sessions_14"]),
        margin=CRASH_MARGIN,
        higher_is_better=False,
        alpha=alpha,
    )


def guardrail_alphas() -> np.ndarray:
    """One-sided levels of the guardrails' two looks: O'Brien–Fleming spending of 5 %
    on each side, i.e. the two-sided 10 % bounds."""
    bounds = abtest.group_sequential_bounds(STAGES, alpha=0.10).bounds
    return np.asarray(stats.norm.sf(bounds))


def primary_alphas() -> np.ndarray:
    """Two-sided levels of the primary metric's two looks (O'Brien–Fleming, 5 %)."""
    return np.asarray(abtest.group_sequential_bounds(STAGES, alpha=0.05).nominal_p)


def _crash_se(n_per_arm: float) -> float:
    """The crash guardrail's standard error with n users per arm, scaled from an A/A
    split of ``past`` (the SE shrinks as 1/√n)."""
    r = _crash_test("past")
    return float(r.se * np.sqrt((2 / n_per_arm) / (1 / r.n_c + 1 / r.n_t)))


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
        "It is unchanged: the estimate, +0.0001, is half a percent of the baseline rate.": (
            "A point estimate near zero says nothing about how large a harm the data still "
            "allow: with few users its interval can reach far past any margin."
        ),
        "It did not get worse: p = 0.6 is far above 0.05.": (
            "A large p-value means the data are compatible with *no* change — and, with few "
            "users, with a large harm too. Absence of evidence is not evidence of absence."
        ),
        "The test had 80 % power to detect a rise of +0.002, so p = 0.6 shows that no harm "
        "as large as that exists.": (
            "Power is about the test before the data; it does not make a non-significant "
            "result a proof. Concluding 'no harm' this way is wrong up to 20 % of the time "
            "when the harm is exactly +0.002, not 5 %. The interval, or a non-inferiority "
            "test, answers the question directly."
        ),
        "That depends on the harm the data rule out: the interval's upper end must lie "
        "below the pre-set margin.": (
            "Yes. That is what a non-inferiority test asks: harm of at least the margin is H0, "
            "and rejecting it is positive evidence that any harm is smaller."
        ),
    },
    answer="D",
    hints=["What would the same p-value look like in a test with 500 users?"],
)


def _users_for_power(harm_share: float, power: float = 0.8) -> int:
    """Users per arm at which the crash guardrail's stage-2 test has ``power`` when the
    true harm is ``harm_share`` of the margin: solve Φ((m − Δ)/SE(n) − b₂) = power."""
    r = _crash_test("past")
    b2 = stats.norm.isf(guardrail_alphas()[1])
    se_needed = (1 - harm_share) * CRASH_MARGIN / (b2 + stats.norm.ppf(power))
    per_user_variance = r.se**2 / (1 / r.n_c + 1 / r.n_t)
    return int(np.ceil(2 * per_user_variance / se_needed**2 - 1e-9))


q4 = Exercise(
    "Q4 · users to clear a build near the margin",
    expected=lambda: _users_for_power(0.8),
    round_up=True,
    unit="user",
    hints=[
        "Solve Φ((m − Δ)/SE − b₂) = 0.8 for SE: SE = (m − Δ) / (b₂ + z₀.₈), with "
        "Δ = 0.8·m, b₂ = `guard.bounds[1]` and z₀.₈ = `stats.norm.ppf(0.8)`.",
        "SE shrinks as 1/√n: n = 2 · σ² / SE² per arm, with σ² = `aa_crash.se**2 / "
        "(1 / aa_crash.n_c + 1 / aa_crash.n_t)` the variance per user. Round up.",
    ],
)


def _check_ramp(steps: Any) -> str | None:
    return assign.check_ramp(
        steps,
        daily_units=DAILY_USERS,
        test_days=TEST_DAYS,
        max_first=RAMP_FIRST_MAX,
        detect_loss=RAMP_LOSS,
        max_ramp_days=RAMP_MAX_DAYS,
    )


q5 = Exercise(
    "Q5 · the ramp-up",
    checker=_check_ramp,
    kind="design",
    hints=[
        "A list of (coverage, days) steps: start at 5 % or less, rise, end at (1.0, 14).",
        "Each step's SRM check counts every user enrolled so far (5,000 a day × coverage × "
        "days, summed); the message tells you how many it needs. Stay a few days at the "
        "first step, then climb quickly.",
    ],
)


q6 = Exercise(
    "Q6 · the variance stratification keeps",
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


q7 = MultipleChoice(
    "Q7 · stratifying power users",
    question=(
        "New users sign up all day, and the signup model flags likely power users before "
        "they see onboarding. How do you keep power users balanced between the arms?"
    ),
    options={
        "Assign by plain hashing as users arrive, record the flag, and post-stratify on it.": (
            "Yes. Post-stratification on a pre-treatment flag removes almost all the "
            "variance blocking would (Miratrix, Sekhon & Yu 2013), and it works for "
            "arrivals over time."
        ),
        "Blocked assignment (`assign.stratified`) over all users of the test, computed "
        "once at the start.": (
            "Blocks need the list of units up front; users who sign up later would change the "
            "blocks and move earlier users between arms. Good for a fixed cohort, not here."
        ),
        "Post-stratify on whether users became power users during the test, a sharper flag "
        "than the model's guess.": (
            "That is measured after treatment: if the new onboarding turns users into power "
            "users, the strata differ between arms and the adjustment biases the estimate."
        ),
        "Re-hash with a new salt until the arms hold equal numbers of power users, then "
        "start the test.": (
            "Rerandomization is a sound design for a list known up front, but these users "
            "have not signed up yet: there is nothing to re-draw. Balance them in the "
            "analysis instead."
        ),
    },
    answer="A",
    hints=["Which of these needs the full list of users before the first one arrives?"],
)


q8 = Exercise(
    "Q8 · the crash-rate guardrail",
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


q9 = Exercise(
    "Q9 · the crashy build's worst plausible harm",
    expected=lambda: _crash_test("crashy", alpha=float(guardrail_alphas()[0])).ci[1],
    rtol=1e-6,
    hints=[
        "The same non-inferiority test as in Q8, on the arms of `crashy.users`, at the "
        "stage-1 level: `alpha=guard_alpha[0]`.",
        "With `higher_is_better=False` the one-sided interval is (−∞, upper]: store `ci[1]`.",
    ],
)


q10 = Decision(
    "Q10 · retention up, crash guardrail inconclusive",
    question=(
        "Stage 1 of the crashy build: 7-day retention is up (+1.07 pp, p < 0.001, past its "
        "stage-1 bound), tickets are non-inferior, and crashes per session are up by about "
        "0.0016 with a stage-1 upper bound of 0.0023 against a margin of 0.002: "
        "inconclusive. The two-stage design was written before the test. What do you decide?"
    ),
    options={
        "ship: retention is up, and the crash estimate is below the margin": (
            "The estimate is below the margin, but the bound is not: harm beyond the margin "
            "is not ruled out. Overriding the rule after seeing the data is how guardrails "
            "stop protecting anything."
        ),
        "don't ship: the crash guardrail did not clear its margin": (
            "Not clearing is not failing: nothing shows the harm *exceeds* the margin (the "
            "build is not 'inferior'), and the plan has a second stage for exactly this case. "
            "Walking away now discards a likely win."
        ),
        "continue to stage 2, as planned": (
            "Yes: the pre-registered design runs a second stage when a guardrail is "
            "inconclusive, and tests it at the stage-2 bound on all users. Meanwhile ask "
            "engineering why sessions crash more; a fixed build would be a new test."
        ),
        "keep the test running until the crash guardrail clears its margin": (
            "That is peeking: re-testing after every batch until the bound clears makes "
            "'non-inferior' a matter of time, whatever the truth. Only the planned second "
            "look, at its own bound, keeps the error rate at 5 %."
        ),
    },
    answer="continue to stage 2, as planned",
    hints=[
        "What did the design, written before the test, say happens after an inconclusive "
        "guardrail at stage 1?"
    ],
)


q11 = Exercise(
    "Q11 · the novelty effect two weeks later",
    expected=lambda: _active_days("novelty", 14, 27),
    rtol=1e-6,
    hints=[
        "Count each user's active days in days 14–27: `novelty.activity[:, 14:28].sum(axis=1)`.",
        "Then the treatment mean minus the control mean (`novelty.users['variant']`).",
    ],
)


q12 = Exercise(
    "Q12 · a holdout sized for the decision",
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
        "`xplab.longterm`, with `ex.HOLDOUT_MDE` and `ex.HOLDOUT_SHARE` (20 %).",
        "The question asks for all users, held out *and* exposed: `.n_total`.",
    ],
)


q13 = Exercise(
    "Q13 · the surrogate index",
    expected=lambda: _surrogate("test"),
    rtol=1e-6,
    atol=1e-8,
    hints=[
        "`surrogate_index(past.users, test.users, surrogates=ex.SURROGATES, "
        "outcome='retained_180d')`.",
        "Store the result's `.estimate`, the predicted 6-month effect.",
    ],
)


q14 = MultipleChoice(
    "Q14 · what the surrogate index assumes",
    question="Which of these must hold for the surrogate index's estimate to be unbiased?",
    options={
        "Surrogacy: the redesign changes 6-month retention only through the surrogates.": "Any other path (novelty, a late effect) is invisible to the index.",
        "Comparability: the link between surrogates and 6-month retention learnt from past users holds for the test's users.": "The index borrows E[Y | S] from history; a different population, season or product breaks the borrowing even when surrogacy holds.",
        "The historical model explains most of the variance of 6-month retention (a high R²).": "Individual futures are hard to predict (R² = 0.34 here); the index needs E[Y | S] right on average, not a good fit for each user.",
        "The surrogates are measured before treatment, like the power-user flag.": "The surrogates are outcomes of the test, measured after treatment — that is their point. Only the covariates (the power-user flag) must be pre-treatment.",
        "The new test was randomised, so its arms' surrogates differ only because of the redesign.": "The index turns the effect on the surrogates into an effect on Y; that effect must itself be causal.",
    },
    answer=["A", "B", "E"],
    hints=[
        "Two assumptions are about the link S → Y, one about the experiment itself.",
    ],
)


q15 = MultipleChoice(
    "Q15 · a surrogate index that is too good",
    question=(
        "For the flashy redesign (`ex.TEST_NOVELTY`) the surrogate index predicts a 6-month "
        "retention gain of about +2 pp with a narrow confidence interval. What do you tell "
        "the lead?"
    ),
    options={
        "Trust it: the interval excludes zero and already includes the model's own uncertainty.": (
            "The interval covers the sampling noise of the test and of the model's fit, not "
            "a broken assumption: a novelty boost raises early activity without changing who "
            "stays, so the index is biased and more data will not fix it."
        ),
        "Suspect surrogacy: novelty lifts the early days, a path past data never showed. "
        "Check the effect by day; confirm with a holdout.": (
            "Yes. The index assumes the treatment changes 6-month retention only through the "
            "surrogates, as past changes did. Novelty inflates the surrogates, so the "
            "prediction borrows a relation that does not hold for this change."
        ),
        "Refit the index with more two-week surrogates (sessions, revenue), so that it "
        "captures the novelty path too.": (
            "Every outcome of the first two weeks is inflated by the same novelty; more of "
            "them measure the boost more precisely, not its fading. Surrogacy cannot be "
            "restored from inside the window."
        ),
        "Forecast with the measured 7-day retention effect instead: it is observed, not "
        "modelled, so it cannot be biased this way.": (
            "Observed, but of the wrong thing: 7-day retention is lifted by the same novelty, "
            "and 6-month effects are usually far smaller than 7-day ones (a quarter of it "
            "for the test's redesign)."
        ),
    },
    answer="B",
    hints=["Look at the effect-by-day plot of the novelty test in section 5."],
)
