"""Exercises for notebook 02 — trustworthy experiments at a media company.

The scenario's data are simulated from the parameters below; the notebook
passes the same dictionaries to :func:`xplab.data.simulate_media_experiment`
and :func:`xplab.data.simulate_experiment_portfolio`, and each expected
answer is computed here from the same data with the package's tested
functions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .. import abtest
from ..abtest import GroupStats
from ..data import simulate_experiment_portfolio, simulate_media_experiment
from ..workbook import Decision, Exercise, MultipleChoice
from ._plans import review_mean_plan

#: An A/A test of the new assignment service: both arms get the same product.
AA_CLEAN: dict[str, Any] = {"n_users": 100_000, "seed": 2026_0201}
#: The same A/A test on the day a stale cache served treatment to some control users.
AA_BUGGY: dict[str, Any] = {
    "n_users": 100_000,
    "bug": "cache",
    "bug_share": 0.05,
    "seed": 2026_0202,
}
#: The real experiment: personalised headlines, 14 days, 40,000 users.
EXPERIMENT: dict[str, Any] = {
    "n_users": 40_000,
    "days": 14,
    "rho": 0.7,
    "engagement_effect": 0.4,
    "mau_rate": 0.8,
    "mau_effect": 0.002,
    "seed": 2026_0402,
}
#: Last year's 200 experiments: small true effects (relative lifts), varied precision.
PORTFOLIO: dict[str, Any] = {
    "n_experiments": 200,
    "effect_mean": 0.0,
    "effect_sd": 0.01,
    "standard_error": np.linspace(0.005, 0.02, 200),
    "seed": 2026_0601,
}

ENGAGEMENT_SD = 20.0  # per-user sd of the engagement index, from past data
RHO = 0.7  # correlation of pre-period and in-experiment engagement, from past data
MDE = 0.4  # smallest engagement lift (index points) worth shipping
MAU_BASELINE = 0.8
MAU_MDE = 0.002  # what the team hoped for on MAU: +0.2 pp
PER_ARM = 20_000  # planned users per arm
TAU = 0.4  # mSPRT mixing sd = the MDE, chosen before the data
LOOK_EVERY = 500  # users per arm between looks on the dashboard
GS_LOOKS = 5
PEEK_LOOKS = 10  # Exercise 3: looks of the naive dashboard to estimate
#: The next experiment (Exercise 14): users the portal can route into it per day, and days available.
NEXT_DAILY_USERS = 2_000
NEXT_MAX_DAYS = 28


@cache
def _data(which: str) -> pd.DataFrame:
    params = {"aa_clean": AA_CLEAN, "aa_buggy": AA_BUGGY, "experiment": EXPERIMENT}[which]
    return simulate_media_experiment(**params)


def arms(which: str = "experiment") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The control and treatment rows of one of the scenario's data sets."""
    df = _data(which)
    return df[df["variant"] == "control"], df[df["variant"] == "treatment"]


def looks() -> np.ndarray:
    """Per-arm sample sizes at which the dashboard refreshes (every LOOK_EVERY users)."""
    c, t = arms()
    return np.arange(LOOK_EVERY, min(len(c), len(t)) + 1, LOOK_EVERY)


@cache
def _portfolio() -> pd.DataFrame:
    return simulate_experiment_portfolio(**PORTFOLIO)


def _cuped_reference(y_c: Any, x_c: Any, y_t: Any, x_t: Any) -> float:
    # the first case's covariate is unbalanced on purpose (pooling θ within arms must
    # matter), so the balance check that guards real experiments is off here
    return abtest.cuped_test(
        GroupStats.from_arrays(y_c, covariate=x_c),
        GroupStats.from_arrays(y_t, covariate=x_t),
        balance_alpha=None,
    ).estimate


def _cuped_cases() -> list[tuple[Any, ...]]:
    rng = np.random.default_rng(2026)
    # first, arms whose pre-period means and slopes differ: pooling θ within arms matters
    x_c, x_t = rng.normal(9, 3, 30), rng.normal(11, 1, 30)
    cases: list[tuple[Any, ...]] = [
        (2 * x_c + rng.normal(0, 1, 30), x_c, x_t + rng.normal(0, 1, 30), x_t)
    ]
    for n_c, n_t, rho, effect in ((8, 10, 0.9, 1.0), (50, 40, 0.5, 0.0), (200, 200, 0.7, -2.0)):
        x_c, x_t = rng.normal(10, 2, n_c), rng.normal(10, 2, n_t)
        y_c = rho * x_c + rng.normal(0, 1, n_c)
        y_t = rho * x_t + effect + rng.normal(0, 1, n_t)
        cases.append((y_c, x_c, y_t, x_t))
    return cases


def _cuped_unadjusted(y_c: Any, x_c: Any, y_t: Any, x_t: Any) -> float:
    return float(np.mean(y_t) - np.mean(y_c))


def _cuped_control_theta(y_c: Any, x_c: Any, y_t: Any, x_t: Any) -> float:
    theta = np.cov(x_c, y_c)[0, 1] / np.var(x_c, ddof=1)
    return float((np.mean(y_t) - np.mean(y_c)) - theta * (np.mean(x_t) - np.mean(x_c)))


def _cuped_plus(y_c: Any, x_c: Any, y_t: Any, x_t: Any) -> float:
    c, t = GroupStats.from_arrays(y_c, covariate=x_c), GroupStats.from_arrays(y_t, covariate=x_t)
    adjusted = abtest.cuped_test(c, t, balance_alpha=None).estimate  # as _cuped_reference
    plain = float(np.mean(y_t) - np.mean(y_c))
    return plain + (plain - adjusted)  # + θ·(x̄_t − x̄_c) instead of −


def _cuped_correlation(y_c: Any, x_c: Any, y_t: Any, x_t: Any) -> float:
    def centred(a: Any) -> np.ndarray:
        return np.asarray(a, dtype=float) - np.mean(a)

    x = np.concatenate([centred(x_c), centred(x_t)])
    y = np.concatenate([centred(y_c), centred(y_t)])
    rho = (x @ y) / np.sqrt((x @ x) * (y @ y))
    return float((np.mean(y_t) - np.mean(y_c)) - rho * (np.mean(x_t) - np.mean(x_c)))


def _srm_p() -> float:
    counts = _data("aa_buggy")["variant"].value_counts()[["control", "treatment"]].to_numpy()
    return abtest.srm_test(counts, [0.5, 0.5]).p_value


def _msprt_last() -> float:
    c, t = arms()
    r = abtest.msprt_test(
        c["engagement"].to_numpy(), t["engagement"].to_numpy(), tau=TAU, looks=looks()
    )
    return float(r.p_values[-1])


def _exaggeration() -> float:
    won = _portfolio()[_portfolio()["shipped"]]
    return float(won["estimate"].mean() / won["true_effect"].mean())


q1 = Exercise(
    "Q1 · SRM p-value of the A/A test",
    expected=_srm_p,
    rtol=1e-6,
    atol=0,
    hints=[
        "Count users per variant (control first), then `abtest.srm_test(counts, [0.5, 0.5])`.",
        "`aa_buggy['variant'].value_counts()[['control', 'treatment']].to_numpy()` "
        "puts the counts in order.",
    ],
)


q2 = Decision(
    "Q2 · the A/A test fails",
    question=(
        "The A/A test of the new assignment service shows a sample ratio mismatch "
        "(p < 10⁻¹⁰), and the 'treatment' users were already more engaged *before* the "
        "test. The platform team wants to start next week's experiments on it anyway. "
        "What do you recommend?"
    ),
    options={
        "stop: find and fix the cause, then repeat the A/A test": (
            "Yes. An A/A test exists to catch exactly this; every experiment on a broken "
            "assignment would be biased in the same direction. Slice the mismatch (new vs "
            "returning users, day, platform) to find the cause, fix it, and repeat the A/A "
            "before any experiment runs on the service."
        ),
        "go ahead, and analyse every experiment with CUPED on the pre-period, which "
        "corrects the imbalance": (
            "CUPED adjusts for chance imbalance in a *randomised* experiment. Here the split "
            "itself is broken: users are moved between arms by something related to their "
            "habits, and no covariate adjustment can promise to undo an unknown selection."
        ),
        "go ahead: with 100,000 users an A/A test flags differences too small to matter": (
            "A correct A/A test rejects only 5 % of the time at α = 0.05, at any sample size, "
            "and an SRM check 0.1 % of the time at its threshold; p < 10⁻¹⁰ is not chance, "
            "and a broken split biases every experiment, however small the gap looks."
        ),
    },
    answer="A",
    hints=[
        "What does a sample ratio mismatch say about how users reached each arm?",
    ],
)


def _peeking_rate(looks: int, reps: int = 200_000) -> float:
    """False-positive rate of stopping at the first |z| ≥ 1.96 over equally spaced looks."""
    rng = np.random.default_rng(2026)
    z = np.cumsum(rng.standard_normal((reps, looks)), axis=1) / np.sqrt(np.arange(1, looks + 1))
    return float(np.mean(np.any(np.abs(z) >= 1.959963984540054, axis=1)))


q3 = Exercise(
    "Q3 · the cost of ten looks, estimated",
    expected=lambda: _peeking_rate(PEEK_LOOKS),
    estimate=0.5,
    kind="judgment",
    hints=[
        "Two looks already give more than 5 %; ten independent looks would give 1 − 0.95¹⁰ ≈ 40 %. The looks share most of their data: somewhere in between.",
        "Armitage, McPherson & Rowe (1969) computed it: 19.3 % with 10 looks — about four times the 5 % promised. Each look is a 5 % chance, but the looks are strongly correlated (each adds a tenth of the data to the last), so the rate grows far more slowly than 1 − 0.95¹⁰ = 40 %.",
    ],
)


q4 = Decision(
    "Q4 · p = 0.03 on day 4",
    question=(
        "A fixed-horizon test is planned for 14 days. On day 4 the dashboard shows "
        "p = 0.03 for the primary metric — it was below 0.05 on days 2 and 3 as well — and "
        "the product manager wants to ship today. What do you do?"
    ),
    options={
        "ship: p has been below 0.05 three days running, so the effect is stable": (
            "The three p-values share most of their data (day 4 contains days 2 and 3), so "
            "they are not three pieces of evidence. Stopping at the first looks that cross "
            "0.05 is exactly the peeking that turns 5 % into 20 % and more."
        ),
        "switch to an always-valid mSPRT now and ship today if its p-value is below 0.05": (
            "The mSPRT's guarantee holds when it is the plan from the start. Choosing it on "
            "day 4 because the fixed-horizon p looked good is choosing the analysis after "
            "seeing the data — and its p-value on day 4 would be far above 0.03 anyway."
        ),
        "extend the test to 28 days, so that the early result can be confirmed": (
            "Changing the horizon after an interim look is another data-dependent stopping "
            "rule; it also delays the decision for no reason the plan foresaw. Keep the "
            "plan: 14 days, one analysis."
        ),
        "keep running to day 14 and analyse once, as planned": (
            "Yes. A fixed-horizon test is valid when it is analysed once, at the planned size. "
            "If the team needs to stop early, the next experiment should be planned with a "
            "sequential test (mSPRT or group-sequential bounds) from the start."
        ),
    },
    answer="D",
    hints=["Which analysis does the 0.05 in a fixed-horizon test refer to?"],
)


q5 = Exercise(
    "Q5 · the always-valid p-value",
    expected=_msprt_last,
    rtol=1e-6,
    hints=[
        "`abtest.msprt_test(control, treatment, tau=ex.TAU, looks=ex.looks())` with the "
        "engagement arrays of `c` and `t` (in arrival order).",
        "The result's `p_values` has one entry per look; the last one is `p_values[-1]`.",
    ],
)


q6 = MultipleChoice(
    "Q6 · choosing τ",
    question=(
        "The mSPRT needs a mixing standard deviation τ. Which choice is sound for the "
        "engagement experiment?"
    ),
    options={
        "the effect estimated at the first look, so that the test is tuned to the effect this "
        "experiment actually has": (
            "No: τ chosen from the data of the test itself is no longer fixed in advance, "
            "and the type-I guarantee (Ville's inequality for a fixed mixture) is lost."
        ),
        "as small as possible, so that only real effects are detected": (
            "Any fixed τ > 0 keeps type-I error at or below α; a tiny τ does not make the "
            "test safer, it makes it need enormous samples to detect anything."
        ),
        "the MDE from the plan, or the spread of past experiments' effects, fixed in advance": (
            "Yes. The test is most powerful against effects of about size τ; the MDE or "
            "the prior spread of past effects are the natural scale, and fixing τ in advance "
            "keeps the guarantee."
        ),
    },
    answer="C",
    hints=["τ describes the effects you expect, and it must not depend on this test's data."],
)


q7 = Exercise(
    "Q7 · the last O'Brien–Fleming threshold",
    expected=lambda: float(
        abtest.group_sequential_bounds(np.arange(1, GS_LOOKS + 1) / GS_LOOKS).nominal_p[-1]
    ),
    rtol=1e-4,
    hints=[
        "`abtest.group_sequential_bounds([0.2, 0.4, 0.6, 0.8, 1.0])` — O'Brien–Fleming "
        "spending is the default.",
        "The result's `nominal_p` holds the two-sided p-value threshold of each look.",
    ],
)


q8 = MultipleChoice(
    "Q8 · looking more than once, safely",
    question="A 14-day test is looked at more than once. Which of these plans keep the chance of a false positive at or below 5 %?",
    options={
        "An mSPRT with τ fixed before the data, checked every day, stopping when p ≤ 0.05.": "Always-valid: Ville's inequality holds at every look, whenever you stop (in large samples, since the variance is estimated).",
        "O'Brien–Fleming bounds at 5 looks planned in advance.": "Alpha spending makes the five bounds together spend exactly 5 %.",
        "Checking the fixed-horizon p daily, but stopping only when it is below 0.05 on two days in a row.": "Two consecutive crossings are strongly correlated: with 14 daily looks this rule still rejects about 12 % of A/A tests. Nothing was computed to make it spend 5 %.",
        "Looking at the dashboard every day, but deciding only on day 14's p-value.": "Looking is harmless; acting on it is not. One decision at the planned horizon is the fixed-horizon test.",
        "Halving α to 0.025 at every daily look.": "A fixed stricter bar is not a spending plan: with 14 looks at 0.025 about 12 % of A/A tests cross it at some look.",
    },
    answer=["A", "B", "D"],
    hints=[
        "Which rules were *computed* to spend 5 % over all the looks, or act only once?",
    ],
)


q9 = Exercise(
    "Q9 · power on MAU",
    expected=lambda: float(abtest.power_proportions(MAU_BASELINE, MAU_MDE, PER_ARM)),
    rtol=1e-4,
    hints=[
        "`abtest.power_proportions(baseline_rate, mde, n_per_group)` with an *absolute* MDE.",
        "MAU_BASELINE = 0.8, MAU_MDE = 0.002 (0.2 percentage points), PER_ARM = 20,000.",
    ],
)


def _cuped_all_users(y_c: Any, x_c: Any, y_t: Any, x_t: Any) -> float:
    """Deng et al.'s (2013) form: θ from all users at once, ignoring the arms."""
    x, y = np.concatenate([x_c, x_t]), np.concatenate([y_c, y_t])
    theta = np.cov(x, y)[0, 1] / np.var(x, ddof=1)
    return float((np.mean(y_t) - np.mean(y_c)) - theta * (np.mean(x_t) - np.mean(x_c)))


q10 = Exercise(
    "Q10 · CUPED by hand",
    expected=_cuped_reference,
    cases=_cuped_cases(),
    rtol=1e-7,
    accept={
        "θ from all users at once is how Deng, Xu, Kohavi & Walker (2013) write it. It differs "
        "from θ pooled within arms (the regression estimate, what `cuped_test` computes) only "
        "through the gap between the arms' means, which randomisation keeps small: on large "
        "arms the two estimates agree to many decimals, on the checker's small, unequal arms "
        "they do not.": _cuped_all_users,
    },
    mistakes={
        "that is the plain difference in means: CUPED subtracts θ·(x̄_t − x̄_c)": _cuped_unadjusted,
        "that takes θ from the control arm alone; pool the two arms' within-arm sums of "
        "squares and cross-products": _cuped_control_theta,
        "that adds θ·(x̄_t − x̄_c); CUPED subtracts it (the pre-period gap is luck to remove)": (
            _cuped_plus
        ),
        "that uses the correlation ρ as θ; θ is the regression slope, "
        "Σ(x − x̄)(y − ȳ) / Σ(x − x̄)²": _cuped_correlation,
    },
    hints=[
        "θ = (Σ_c (y − ȳ_c)(x − x̄_c) + Σ_t (y − ȳ_t)(x − x̄_t)) / "
        "(Σ_c (x − x̄_c)² + Σ_t (x − x̄_t)²): centre each arm at its own means. "
        "(θ from all users at once, as Deng et al. write it, is accepted too.)",
        "Return (ȳ_t − ȳ_c) − θ·(x̄_t − x̄_c).",
    ],
)


q11 = Exercise(
    "Q11 · sample size with CUPED",
    expected=lambda: abtest.sample_size_means(MDE, ENGAGEMENT_SD * np.sqrt(1 - RHO**2)),
    round_up=True,
    unit="user",
    hints=[
        "CUPED leaves the residual standard deviation σ·√(1 − ρ²).",
        "`abtest.sample_size_means(ex.MDE, ex.ENGAGEMENT_SD * np.sqrt(1 - ex.RHO**2))`.",
    ],
)


q12 = Exercise(
    "Q12 · the exaggeration ratio",
    expected=_exaggeration,
    rtol=1e-6,
    hints=[
        "Keep the rows with `shipped`, then divide the mean `estimate` by the mean `true_effect`.",
    ],
)


q13 = Decision(
    "Q13 · the review board",
    question=(
        "The head of product asks: 'our experiments keep coming back inconclusive, and when "
        "we ship a winner MAU does not move. What should we change first?'"
    ),
    options={
        "make engagement the primary metric, since it moves within two weeks, and keep the "
        "rest of the process as it is": (
            "Half the answer: a sensitive metric fixes much of the power problem, but peeking "
            "still inflates false winners and the winners' measured lifts still overstate "
            "their effects, so the MAU forecasts stay too rosy."
        ),
        "pre-register a sensitive metric with CUPED and a stopping rule; shrink winners' lifts": (
            "Yes. A sensitive engagement metric (validated as leading to MAU) plus CUPED "
            "fixes the power problem, a pre-registered stopping rule (or a sequential test) "
            "keeps false positives at α, and shrinkage replaces exaggerated lifts with "
            "honest forecasts."
        ),
        "raise α to 0.10 so that fewer real effects are missed": (
            "More 'winners', but twice the false-positive rate among ideas that do nothing, "
            "and at this power the winners' measured lifts still overstate their true effects: "
            "it treats a symptom, not the low power, and the MAU forecasts stay too rosy."
        ),
        "run every test on MAU for twelve weeks instead of two": (
            "Six times the users is still far from the 625,551 per arm MAU needs for +0.2 pp; "
            "tests would take months and stay underpowered, and nothing is done about peeking "
            "or the winner's curse."
        ),
    },
    answer="B",
    hints=["Two complaints, two causes: low power, and selected (exaggerated) winners."],
)


def _check_plan(plan: Any) -> str | None:
    return review_mean_plan(
        plan,
        metric="the primary metric is engagement",
        daily_users=NEXT_DAILY_USERS,
        traffic="the portal can route",
        guardrails=("MAU",),
        min_standard_deviation=ENGAGEMENT_SD * float(np.sqrt(1 - RHO**2)),
        max_mde=MDE,
        whole_weeks=True,
        max_days=NEXT_MAX_DAYS,
    )


q14 = Exercise(
    "Q14 · a plan that passes review",
    checker=_check_plan,
    kind="design",
    hints=[
        "Without CUPED, 0.4 points on σ = 20 needs 39,245 users per arm: at 2,000 a day that "
        "is more than four weeks. What σ may a CUPED-analysed plan assume?",
        "σ√(1 − ρ²) with ρ = 0.7; `abtest.sample_size_means` gives the users per arm, and "
        "the duration is 2 × that ÷ 2,000, rounded up to whole weeks.",
    ],
)
