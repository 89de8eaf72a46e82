"""Exercises for notebook 01 — the button-color test.

The scenario's data are simulated from the parameters below; the notebook
passes the same dictionaries to :func:`xplab.data.simulate_button_test`, and
each expected answer is computed here from the same data with the package's
tested functions.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from .. import abtest, assign
from ..data import simulate_button_test, suspected_bots
from ..workbook import Decision, Exercise, MultipleChoice

#: Last month's traffic, before the test (everyone saw the blue button).
HISTORY: dict[str, Any] = {"n_users": 30_000, "seed": 2026}
#: The experiment as first logged: the orange button's click logger crashes on
#: some clicks, and a crash loses the user's whole visit (3.5 % of treatment users).
FIRST_PULL: dict[str, Any] = {
    "n_users": 60_000,
    "lift": 0.03,
    "new_user_lift": 0.08,
    "srm_drop": 0.035,
    "srm_mode": "on_click",
    "bot_share": 0.01,
    "seed": 2027,
}
#: The same experiment after the logging bug was fixed and the data re-pulled,
#: with the shop's orders, revenue and page-load times joined in (drawn after
#: everything else, so the click columns are those of the unjoined pull).
FIXED_PULL: dict[str, Any] = {
    **FIRST_PULL,
    "srm_drop": 0.0,
    "purchase_rate": 0.3,
    "order_value": 40.0,
    "order_value_lift": -0.04,
    "page_load_ms": 900.0,
    "page_load_shift_ms": 0.0,
}
#: A hypothetical two-week run of the same test in which orange also has a
#: novelty effect (+30 % on the day of first exposure, half-life 2 days): the
#: log has one row per user and day.
NOVELTY_LOG: dict[str, Any] = {
    "n_users": 60_000,
    "lift": 0.03,
    "new_user_lift": 0.08,
    "days": 14,
    "novelty": 0.3,
    "novelty_half_life": 2.0,
    "daily": True,
    "seed": 2028,
}

BASELINE = 0.17  # user click-through rate, rounded, from HISTORY
PLANNED_PER_ARM = 30_000
BOT_IMPRESSIONS_PER_SESSION = 20  # no human sees the button 20 times a session
USERS_PER_YEAR = 2_000_000
VALUE_PER_CLICKER = 1.50  # dollars of margin per extra user who clicks Buy Now
COST_TO_SHIP = 15_000  # dollars: design, QA, accessibility and brand review
SESSION_BANDS = ("1 session", "2-3 sessions", "4+ sessions")
HOLDOUT_SHARE = 0.05  # users kept on blue for a month after launch
LATENCY_MARGIN_MS = 50.0  # the page-load guardrail: no more than 50 ms slower

#: Next month's experiments (Exercise 7): users arriving in the four weeks they run,
#: and the users per arm each test's power analysis asks for.
NEXT_MONTH_USERS = 150_000
NEXT_MONTH_NEEDS: dict[str, int] = {
    "button_color_v2": 20_000,  # checkout: the button's color again, a new shade
    "button_text": 20_000,  # checkout: "Buy now" vs "Add to basket" — interacts with the color
    "search_ranking": 30_000,  # search results page
    "recommendations_row": 15_000,  # product page
    "price_display": 8_000,  # prices with VAT shown: its revenue readout must stay clean
}
#: Tests that must never share a user, and the test that must share users with no other.
NEXT_MONTH_APART = [("button_color_v2", "button_text")]
NEXT_MONTH_ALONE = ["price_display"]


@cache
def _data(which: str) -> pd.DataFrame:
    params = {"history": HISTORY, "first": FIRST_PULL, "fixed": FIXED_PULL}[which]
    return simulate_button_test(**params)


def break_even_lift() -> float:
    """The lift in users who click, as a fraction, at which orange pays for itself."""
    return COST_TO_SHIP / (USERS_PER_YEAR * VALUE_PER_CLICKER)


def session_band(sessions: pd.Series) -> pd.Series:
    """Label each user by sessions in the test: the slices the growth team asks for."""
    bands = pd.cut(sessions, [0, 1, 3, np.inf], labels=list(SESSION_BANDS))
    return bands.astype(str)


def clean() -> pd.DataFrame:
    """The fixed pull without suspected bots: the data the analysis uses."""
    df = _data("fixed")
    return df[~suspected_bots(df, threshold=BOT_IMPRESSIONS_PER_SESSION)]


def _main_test() -> abtest.ProportionTestResult:
    return abtest.proportion_test(*abtest.arm_counts(clean(), "clicked"))


def _slice_pvalues() -> np.ndarray:
    df = clean()
    by_segment = abtest.segment_proportion_tests(df, "clicked", "segment")
    by_band = abtest.segment_proportion_tests(
        df.assign(band=session_band(df["sessions"])), "clicked", "band"
    )
    return np.r_[
        by_segment.loc[["new", "returning"], "p_value"].to_numpy(),
        by_band.loc[list(SESSION_BANDS), "p_value"].to_numpy(),
    ]


def _arms(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return df[df["variant"] == "control"], df[df["variant"] == "treatment"]


def _ground_truth(answer: Any) -> str | None:
    if isinstance(answer, pd.Series) and answer.name == "is_bot":
        return (
            "that is the simulator's ground truth (`is_bot`), which real logs never have: "
            "flag bots from what you can observe, impressions per session"
        )
    return None


def _z_reference(x_c: int, n_c: int, x_t: int, n_t: int) -> float:
    return abtest.proportion_test(x_c, n_c, x_t, n_t).statistic


def _z_unpooled(x_c: int, n_c: int, x_t: int, n_t: int) -> float:
    p_c, p_t = x_c / n_c, x_t / n_t
    return (p_t - p_c) / np.sqrt(p_c * (1 - p_c) / n_c + p_t * (1 - p_t) / n_t)


def _z_averaged_rates(x_c: int, n_c: int, x_t: int, n_t: int) -> float:
    p_c, p_t = x_c / n_c, x_t / n_t
    pooled = (p_c + p_t) / 2
    return (p_t - p_c) / np.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))


def _z_variance(x_c: int, n_c: int, x_t: int, n_t: int) -> float:
    pooled = (x_c + x_t) / (n_c + n_t)
    return (x_t / n_t - x_c / n_c) / (pooled * (1 - pooled) * (1 / n_c + 1 / n_t))


def _statsmodels_sample_size() -> int:
    # the route many analysts take: Cohen's h and NormalIndPower (statsmodels 0.14)
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    h = proportion_effectsize(BASELINE * 1.05, BASELINE)
    return int(np.ceil(NormalIndPower().solve_power(h, alpha=0.05, power=0.8)))


def _statsmodels_power(lift: float, n_control: float, ratio: float = 1.0) -> float:
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    h = proportion_effectsize(BASELINE + lift, BASELINE)
    return float(NormalIndPower().power(h, nobs1=n_control, alpha=0.05, ratio=ratio))


#: The note for an answer computed with statsmodels' power tools (accepted).
_STATSMODELS = (
    "statsmodels' `NormalIndPower` on Cohen's h (an arcsine transform of the two rates) gives "
    "this: another normal approximation of the same test, so it counts as right."
)


q1 = Exercise(
    "Q1 · per-impression CTR",
    expected=lambda: float(
        _data("history")["clicks"].sum() / _data("history")["impressions"].sum()
    ),
    hints=[
        "Per-impression CTR pools every impression: total clicks ÷ total impressions.",
        "`history['clicks'].sum() / history['impressions'].sum()` — not the mean of per-user ratios.",
    ],
)


q2 = Exercise(
    "Q2 · sample size",
    expected=lambda: abtest.sample_size_proportions(BASELINE, 0.05, relative=True),
    round_up=True,
    unit="user",
    accept={_STATSMODELS: _statsmodels_sample_size},
    mistakes={
        "that is the sample size for an *absolute* lift of 0.05 (5 percentage points); the "
        "question asks for +5 % relative (17 % → 17.85 %): `relative=True`": lambda: (
            abtest.sample_size_proportions(BASELINE, 0.05)
        ),
        "that is both arms together; the question asks for users per arm": lambda: (
            2 * abtest.sample_size_proportions(BASELINE, 0.05, relative=True)
        ),
    },
    hints=[
        "Use `abtest.sample_size_proportions` with the baseline and a *relative* MDE of 5 %.",
        "`relative=True` makes 0.05 mean +5 % of the baseline (0.17 → 0.1785).",
    ],
)


q3 = Exercise(
    "Q3 · minimum detectable effect",
    expected=lambda: abtest.mde_proportions(BASELINE, PLANNED_PER_ARM, relative=True),
    rtol=1e-4,
    hints=["`abtest.mde_proportions(baseline_rate, n_per_group, relative=True)` is the inverse."],
)


q4 = Exercise(
    "Q4 · power at break-even",
    expected=lambda: abtest.power_proportions(BASELINE, break_even_lift(), PLANNED_PER_ARM),
    rtol=1e-4,
    accept={_STATSMODELS: lambda: _statsmodels_power(break_even_lift(), PLANNED_PER_ARM)},
    mistakes={
        "that is the power for a *relative* lift of 0.005 (0.5 % of 17 %); break-even is an "
        "absolute lift of 0.005 (+0.5 percentage points)": lambda: abtest.power_proportions(
            BASELINE, break_even_lift(), PLANNED_PER_ARM, relative=True
        ),
    },
    hints=[
        "`abtest.power_proportions(baseline_rate, mde, n_per_group)` with the break-even lift.",
        "`break_even` is an *absolute* lift (0.005 = +0.5 percentage points): leave "
        "`relative=False`, or pass `break_even / ex.BASELINE` with `relative=True`.",
    ],
)


q5 = Exercise(
    "Q5 · users for break-even, estimated",
    expected=lambda: abtest.sample_size_proportions(BASELINE, break_even_lift()),
    estimate=0.25,
    kind="judgment",
    hints=[
        "How does the sample size change when the MDE shrinks, everything else fixed?",
        "n ∝ 1/δ²: +5 % of 17 % is 0.85 pp; break-even is 0.50 pp.",
        "At a fixed baseline, n grows with 1/MDE²: (0.85 / 0.50)² ≈ 2.9 times the 31,262 users of Q2 is about 90,000. The formula's exact answer is a little smaller because the variance term p(1 − p) is evaluated at a slightly lower treatment rate.",
    ],
)


q6 = Decision(
    "Q6 · the plan",
    question=(
        "Orange pays for itself at a lift of +0.50 pp (+2.9 % relative). Two weeks give "
        "30,000 users per arm: 78 % power at +5 %, but only about 37 % power at break-even; "
        "80 % power at break-even needs about 90,000 per arm (six weeks). The change is cheap "
        "and easy to undo. What do you do before launch?"
    ),
    options={
        "run six weeks, so that the test has 80 % power at break-even": (
            "Defensible when a wrong launch is expensive or hard to undo, but here it triples "
            "the test for little: a lift near break-even is worth almost nothing either way, so "
            "missing it costs little, while six weeks delay a likely gain and block the layer."
        ),
        "plan for an MDE of +8 %: that is what two weeks can detect with 80 % power": (
            "That moves the goalposts: the MDE must come from what matters to the business, "
            "not from the traffic you happen to have. The test would still have 37 % power at "
            "break-even; the plan would only hide it."
        ),
        "run two weeks; judge the estimate and its interval against break-even": (
            "Low power *at* break-even is an acceptable risk because a lift there is worth "
            "almost nothing net; what matters is that lifts well above it (+5 % and more) are "
            "likely detected. Write the decision rule down now: ship if the estimate clears "
            "break-even and the interval rules out harm."
        ),
    },
    answer="C",
    hints=[
        "What does it cost to miss a lift that is exactly at break-even?",
        "Power matters most for the lifts whose loss would hurt: those well above break-even.",
    ],
)


def _check_design(layers: Any) -> str | None:
    return assign.check_layers(
        layers,
        users=NEXT_MONTH_USERS,
        needs=NEXT_MONTH_NEEDS,
        apart=NEXT_MONTH_APART,
        alone=NEXT_MONTH_ALONE,
    )


q7 = Exercise(
    "Q7 · layers for next month",
    checker=_check_design,
    kind="design",
    hints=[
        "Two tests that interact go in one layer (mutually exclusive); tests in different "
        "layers overlap. A test that must meet no other test needs a slice of a top layer, "
        "with every other layer nested `within` the rest of that layer.",
        "Give the price test about 15 % of a top layer and an `'all'`-variant slice of 85 % "
        "to nest the others in; then check each test's users per arm: "
        "150,000 × share × 0.5.",
    ],
)


q8 = Exercise(
    "Q8 · SRM p-value",
    expected=lambda: (
        abtest.srm_test(
            _data("first")["variant"].value_counts()[["control", "treatment"]].to_numpy(),
            [0.5, 0.5],
        ).p_value
    ),
    rtol=1e-6,
    atol=0,
    hints=[
        "Count the users per variant (control first), then `abtest.srm_test(counts, [0.5, 0.5])`.",
        "`first_pull['variant'].value_counts()[['control', 'treatment']]` puts them in order.",
    ],
)


q9 = MultipleChoice(
    "Q9 · reading the first pull",
    question=(
        "On the first pull orange *lowers* the click rate by 2.3 pp (p ≈ 2·10⁻¹⁴), and the "
        "SRM check fails (p ≈ 8·10⁻⁵): treatment has 956 fewer users than control. "
        "What do you do?"
    ),
    options={
        "Read the lift anyway: the gap is under 2 % of 59,000 users, and with that many "
        "users a chi-square test flags imbalances too small to matter.": (
            "The SRM test's false-alarm rate is 1 in 1,000 at any sample size; p ≈ 8·10⁻⁵ "
            "means the gap is real, not that it is small. And what matters is who is missing: "
            "956 users lost for a reason tied to behaviour can bias a 2-pp comparison."
        ),
        "Reweight the treatment users so that both arms count equally, then read the lift.": (
            "Weights fix the counts, not the composition: the users who went missing are not "
            "a random sample of the arm (here, clickers were lost), so the reweighted "
            "treatment arm is still the wrong population."
        ),
        "Check that the arms match on pre-experiment behaviour; if they do, the loss was "
        "random and the lift can be read.": (
            "A good diagnostic, but not a licence: the loss can depend on what users do "
            "*during* the test (here, a crash on click), which pre-period balance cannot see. "
            "Balance on the past does not show the survivors are comparable."
        ),
        "Do not read the lift: find why treatment users are missing, fix it, and analyse "
        "a clean pull.": (
            "Yes. An SRM means something removed users unevenly; if the removal depends on "
            "behaviour (here: clicking), the survivors differ from the arm and any lift is biased."
        ),
    },
    answer="D",
    hints=["What does the p-value of the lift assume about the two groups?"],
)


q10 = MultipleChoice(
    "Q10 · what causes a sample ratio mismatch?",
    question="Which of these can produce a sample ratio mismatch in a 50/50 user-level test?",
    options={
        "The orange page crashes on one old browser, and crashed visits are never logged.": "Users are lost from one arm only, and not at random (one browser).",
        "Orange raises the click rate, so more treatment users click.": "A treatment effect changes what users do, not how many users each arm gets: users are counted when they are assigned.",
        "Users are counted only once they click Buy Now, and orange raises clicks.": "Counting users by an outcome the treatment moves makes the arms' counts differ even when assignment is perfect: count every user who *saw* the button.",
        "Treatment sends users through a redirect, and some leave before the page loads.": "A redirect adds a step only treatment users go through; the ones it loses never reach the logs.",
        "Clicks per user vary more in treatment than in control.": "A different spread of the metric does not change how many users are in each arm.",
        "The test started on a Monday, when more returning users visit.": "The day mix is the same in both arms; it changes who is in the test, not the split.",
    },
    answer=["A", "C", "D"],
    hints=[
        "An SRM is about the *number* of users logged in each arm: what removes or adds users in one arm only?",
    ],
)


q11 = Exercise(
    "Q11 · flag the bots",
    expected=lambda: suspected_bots(_data("fixed"), threshold=BOT_IMPRESSIONS_PER_SESSION),
    forbidden=_ground_truth,
    hints=[
        "Bots load the page far more often than people: compare impressions per session with 20.",
        "`fixed['impressions'] / fixed['sessions'] >= 20` gives one True/False per user.",
    ],
)


q12 = Exercise(
    "Q12 · the z statistic by hand",
    expected=_z_reference,
    cases=[(1000, 10_000, 1100, 10_000), (37, 480, 52, 510), (510, 3000, 480, 3100)],
    rtol=1e-9,
    mistakes={
        "that is the difference in rates, not divided by its standard error": (
            lambda x_c, n_c, x_t, n_t: x_t / n_t - x_c / n_c
        ),
        "that uses the unpooled standard error √(p̂_c(1 − p̂_c)/n_c + p̂_t(1 − p̂_t)/n_t), the "
        "confidence interval's; the test assumes H0, so it pools the two groups": _z_unpooled,
        "that pools by averaging the two rates; pool the counts, p̂ = (x_c + x_t)/(n_c + n_t), "
        "which weights each arm by its size": _z_averaged_rates,
        "that divides by the variance p̂(1 − p̂)(1/n_c + 1/n_t); divide by its square root, the "
        "standard error": _z_variance,
    },
    hints=[
        "Pool the two groups: p̂ = (x_c + x_t) / (n_c + n_t).",
        "SE = √(p̂(1 − p̂)(1/n_c + 1/n_t)); z = (x_t/n_t − x_c/n_c) / SE.",
    ],
)


q13 = MultipleChoice(
    "Q13 · what the p-value and the interval say",
    question=(
        "The test gives a lift of +0.78 pp, p = 0.013, 95 % CI +0.17 to +1.39 pp. "
        "Which statement is true?"
    ),
    options={
        "There is a 1.3 % probability that orange makes no difference, given these data.": (
            "A p-value is computed *assuming* no effect; it is not the probability of that "
            "assumption. It says how often a gap at least this large would occur if there "
            "were no real difference."
        ),
        "Were orange no different, a gap at least this large (either way) would occur in "
        "about 1.3 % of such tests.": (
            "Yes: that is the definition of the two-sided p-value. Rare under 'no effect', "
            "so the data are hard to explain without one."
        ),
        "Given these data, there is a 95 % probability that the true lift lies between "
        "+0.17 and +1.39 pp.": (
            "That is the Bayesian credible-interval reading. The 95 % belongs to the procedure: "
            "intervals built this way cover the true lift in 95 % of repeated experiments; this "
            "one either does or does not. With a flat prior the two readings give almost the "
            "same numbers here (section 8), but they are different statements."
        ),
        "The true lift is at least +0.17 pp: the lower end of the interval rules out every "
        "smaller lift, including zero.": (
            "Lifts below +0.17 pp are less compatible with the data, not impossible: a 99 % "
            "interval would reach lower."
        ),
    },
    answer="B",
    hints=["Which statement assumes 'no effect' rather than giving it a probability?"],
)


q14 = Exercise(
    "Q14 · value at the lower bound",
    expected=lambda: _main_test().ci[0] * USERS_PER_YEAR * VALUE_PER_CLICKER,
    rtol=1e-6,
    mistakes={
        "that is the value at the *upper* end of the interval; the pessimistic case is its "
        "lower end, `result.ci[0]`": lambda: (
            _main_test().ci[1] * USERS_PER_YEAR * VALUE_PER_CLICKER
        ),
    },
    hints=[
        "Take the lower end of the 95 % CI, `result.ci[0]`: not the smallest possible lift, "
        "but the lowest lift the interval keeps as compatible with the data.",
        "Extra clickers per year = lift × USERS_PER_YEAR; each is worth VALUE_PER_CLICKER.",
    ],
)


q15 = Exercise(
    "Q15 · Holm-adjusted slice p-values",
    expected=lambda: abtest.adjust_pvalues(_slice_pvalues(), method="holm").p_adjusted,
    hints=[
        "Put the five p-values in one array (new, returning, then the session bands in "
        "`ex.SESSION_BANDS` order) and call `abtest.adjust_pvalues(..., method='holm')`.",
        "Holm multiplies the smallest p-value by 5, the next by 4, …, keeps them in "
        "increasing order and caps them at 1; take `.p_adjusted`.",
    ],
)


q16 = MultipleChoice(
    "Q16 · do the segments differ?",
    question=(
        "New users: +0.67 pp (p = 0.18); returning users: +0.85 pp (p = 0.034). The test of "
        "the difference between the two lifts gives p = 0.77. What can you conclude?"
    ),
    options={
        "The data cannot tell: the test of the difference is underpowered.": (
            "Yes. Report the overall effect, and treat a segment difference as a hypothesis "
            "for a test sized to detect it."
        ),
        "Orange works for returning users but not for new users.": (
            "One slice below 0.05 and one above is not evidence that they differ: the test of "
            "the difference is what answers that, and it finds nothing."
        ),
        "The effect is the same in both segments: the interaction test found no difference.": (
            "Absence of evidence is not evidence of absence: with these standard errors the "
            "test had only about a one-in-three chance to detect even a real gap of a "
            "percentage point."
        ),
        "Ship orange to returning users only, where the lift is larger and significant.": (
            "Targeting needs evidence that the segments differ, which this test does not give; "
            "new users' estimate is positive too, and the overall effect is the best estimate "
            "for each segment."
        ),
    },
    answer="A",
    hints=["Which test compares the segments with each other, rather than each with zero?"],
)


q17 = Exercise(
    "Q17 · average order value",
    expected=lambda: (
        abtest.ratio_test(
            _arms(clean())[0]["revenue"],
            _arms(clean())[0]["orders"],
            _arms(clean())[1]["revenue"],
            _arms(clean())[1]["orders"],
        ).estimate
    ),
    rtol=1e-6,
    hints=[
        "AOV = Σ revenue / Σ orders per arm: a ratio of two per-user sums, so "
        "`abtest.ratio_test(num_c, den_c, num_t, den_t)` (delta method).",
        "`abtest.ratio_test(c['revenue'], c['orders'], t['revenue'], t['orders']).estimate`",
    ],
)


q18 = Decision(
    "Q18 · the launch decision",
    question=(
        "Clicks: +0.78 pp (95 % CI +0.17 to +1.39 pp, p = 0.013); break-even is +0.50 pp; with "
        "a flat prior the chance that orange pays for itself is about 80 %. Revenue per user "
        "and average order value show no clear change either way; page-load time is within its "
        "guardrail. Shipping is cheap to undo. What do you recommend?"
    ),
    options={
        "ship": (
            "The click lift is positive with 95 % confidence and its estimate clears "
            "break-even; the downside if it sits at the low end is a small loss against a "
            "likely gain, and no guardrail shows harm. Revenue was not powered to move: keep a "
            "holdout and watch it after launch."
        ),
        "don't ship": (
            "The interval excludes zero and the estimate clears break-even; that its lower end "
            "falls short is a reason to weigh the expected value, not to discard a probable "
            "gain. Revenue's wide interval is a reason to monitor, not proof of harm."
        ),
        "run longer": (
            "The test ran its planned sample size and the decision rule set before launch "
            "favours shipping; extending it now because you dislike the answer is peeking."
        ),
    },
    answer="ship",
    hints=[
        "Compare the whole interval with break-even, then ask what each decision risks.",
        "Apply the rule you wrote down in Q6.",
    ],
)


q19 = Exercise(
    "Q19 · power of the holdout",
    expected=lambda: abtest.power_proportions(
        BASELINE,
        _main_test().estimate,
        USERS_PER_YEAR / 12 * HOLDOUT_SHARE,
        ratio=(1 - HOLDOUT_SHARE) / HOLDOUT_SHARE,
    ),
    rtol=1e-4,
    accept={
        _STATSMODELS: lambda: _statsmodels_power(
            _main_test().estimate, USERS_PER_YEAR / 12 * HOLDOUT_SHARE, ratio=19
        )
    },
    mistakes={
        "that is the power with two arms of the holdout's size; the other 95 % of the month's "
        "users see orange, 19 times as many (`ratio=19`)": lambda: abtest.power_proportions(
            BASELINE, _main_test().estimate, USERS_PER_YEAR / 12 * HOLDOUT_SHARE
        ),
        "that makes the treatment group 19 times *smaller* than the holdout; it is 19 times "
        "larger (`ratio=19`, with the holdout as the control)": lambda: abtest.power_proportions(
            BASELINE, _main_test().estimate, USERS_PER_YEAR / 12 * HOLDOUT_SHARE, ratio=1 / 19
        ),
    },
    hints=[
        "The holdout is the control group (n = a month's users × 5 %); the treatment group "
        "is 19 times larger: `ratio=19`.",
        "`abtest.power_proportions(ex.BASELINE, result.estimate, ex.USERS_PER_YEAR / 12 * 0.05, ratio=19)`",
    ],
)
