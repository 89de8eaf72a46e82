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

from .. import abtest
from ..data import simulate_button_test, suspected_bots
from ..workbook import Decision, Exercise

#: Last month's traffic, before the test (everyone saw the blue button).
HISTORY: dict[str, Any] = {"n_users": 30_000, "seed": 2026}
#: The experiment as first logged: a logging bug loses some treatment users.
FIRST_PULL: dict[str, Any] = {
    "n_users": 60_000,
    "lift": 0.03,
    "new_user_lift": 0.08,
    "srm_drop": 0.05,
    "bot_share": 0.01,
    "seed": 2027,
}
#: The same experiment after the logging bug was fixed and the data re-pulled.
FIXED_PULL: dict[str, Any] = {**FIRST_PULL, "srm_drop": 0.0}

BASELINE = 0.17  # user click-through rate, rounded, from HISTORY
PLANNED_PER_ARM = 30_000
BOT_IMPRESSIONS_PER_SESSION = 20  # no human sees the button 20 times a session
USERS_PER_YEAR = 2_000_000
VALUE_PER_CLICKER = 1.50  # dollars of margin per extra user who clicks Buy Now
COST_TO_SHIP = 15_000  # dollars: design, QA, accessibility and brand review


@cache
def _data(which: str) -> pd.DataFrame:
    params = {"history": HISTORY, "first": FIRST_PULL, "fixed": FIXED_PULL}[which]
    return simulate_button_test(**params)


def clean() -> pd.DataFrame:
    """The fixed pull without suspected bots: the data the analysis uses."""
    df = _data("fixed")
    return df[~suspected_bots(df, threshold=BOT_IMPRESSIONS_PER_SESSION)]


def _main_test() -> abtest.ProportionTestResult:
    return abtest.proportion_test(*abtest.arm_counts(clean(), "clicked"))


def _segment_pvalues() -> np.ndarray:
    tests = abtest.segment_proportion_tests(clean(), "clicked", "segment")
    return tests.loc[["new", "returning"], "p_value"].to_numpy()


def _ground_truth(answer: Any) -> str | None:
    if isinstance(answer, pd.Series) and answer.name == "is_bot":
        return (
            "that is the simulator's ground truth (`is_bot`), which real logs never have: "
            "flag bots from what you can observe, impressions per session"
        )
    return None


def _z_reference(x_c: int, n_c: int, x_t: int, n_t: int) -> float:
    return abtest.proportion_test(x_c, n_c, x_t, n_t).statistic


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
    "Q4 · SRM p-value",
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

q5 = Exercise(
    "Q5 · flag the bots",
    expected=lambda: suspected_bots(_data("fixed"), threshold=BOT_IMPRESSIONS_PER_SESSION),
    forbidden=_ground_truth,
    hints=[
        "Bots load the page far more often than people: compare impressions per session with 20.",
        "`fixed['impressions'] / fixed['sessions'] >= 20` gives one True/False per user.",
    ],
)

q6 = Exercise(
    "Q6 · the z statistic by hand",
    expected=_z_reference,
    cases=[(1000, 10_000, 1100, 10_000), (37, 480, 52, 510), (510, 3000, 480, 3100)],
    rtol=1e-9,
    hints=[
        "Pool the two groups: p̂ = (x_c + x_t) / (n_c + n_t).",
        "SE = √(p̂(1 − p̂)(1/n_c + 1/n_t)); z = (x_t/n_t − x_c/n_c) / SE.",
    ],
)

q7 = Exercise(
    "Q7 · value at the lower bound",
    expected=lambda: _main_test().ci[0] * USERS_PER_YEAR * VALUE_PER_CLICKER,
    rtol=1e-6,
    hints=[
        "The CI's lower end is the smallest lift the data support: `result.ci[0]`.",
        "Extra clickers per year = lift × USERS_PER_YEAR; each is worth VALUE_PER_CLICKER.",
    ],
)

q8 = Exercise(
    "Q8 · Holm-adjusted segment p-values",
    expected=lambda: abtest.adjust_pvalues(_segment_pvalues(), method="holm").p_adjusted,
    hints=[
        "Collect the two segments' p-values (new first), then `abtest.adjust_pvalues`.",
        "Holm multiplies the smallest p-value by 2, the next by 1, and keeps them in order.",
    ],
)

q9 = Decision(
    "Q9 · the launch decision",
    question=(
        "The lift is +0.78 pp (95 % CI +0.17 to +1.39 pp, p = 0.013); break-even is +0.50 pp; "
        "the chance that orange pays for itself is about 80 %, and shipping is cheap to undo. "
        "What do you recommend?"
    ),
    options={
        "ship": (
            "The effect is positive with 95 % confidence, the point estimate clears break-even, "
            "and the downside if the true lift sits at the low end is a small loss against "
            "a likely gain: the expected value favours orange. Watch purchases after launch."
        ),
        "don't ship": (
            "The CI excludes zero, so orange very likely helps; that its lower end falls short "
            "of break-even is a reason to weigh the expected value, not to discard a "
            "probable gain."
        ),
        "run longer": (
            "The test ran its planned sample size; extending it after seeing the result is "
            "peeking, and the decision already favours shipping on the expected value."
        ),
    },
    answer="ship",
    hints=[
        "Compare the whole interval with break-even, then ask what each decision risks.",
        "Significant and positive, estimate above break-even, P(pays for itself) ≈ 0.8.",
    ],
)
