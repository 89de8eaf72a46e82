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
from ..data import simulate_button_test
from ..workbook import Exercise

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


def suspected_bots(df: pd.DataFrame) -> pd.Series:
    """The notebook's bot rule: at least 20 impressions per session."""
    return df["impressions"] / df["sessions"] >= BOT_IMPRESSIONS_PER_SESSION


def clean() -> pd.DataFrame:
    """The fixed pull without suspected bots: the data the analysis uses."""
    df = _data("fixed")
    return df[~suspected_bots(df)]


def user_counts(df: pd.DataFrame) -> tuple[int, int, int, int]:
    """(clickers_c, users_c, clickers_t, users_t) of a per-user frame."""
    g = df.groupby("variant")["clicked"].agg(["sum", "count"])
    return (
        int(g.loc["control", "sum"]),
        int(g.loc["control", "count"]),
        int(g.loc["treatment", "sum"]),
        int(g.loc["treatment", "count"]),
    )


def _main_test() -> abtest.ProportionTestResult:
    return abtest.proportion_test(*user_counts(clean()))


def _segment_pvalues() -> np.ndarray:
    df = clean()
    return np.array(
        [
            abtest.proportion_test(*user_counts(df[df["segment"] == s])).p_value
            for s in ("new", "returning")
        ]
    )


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
    solution="```python\nctr_impression = history['clicks'].sum() / history['impressions'].sum()\n```",
)

q2 = Exercise(
    "Q2 · sample size",
    expected=lambda: abtest.sample_size_proportions(BASELINE, 0.05, relative=True),
    hints=[
        "Use `abtest.sample_size_proportions` with the baseline and a *relative* MDE of 5 %.",
        "`relative=True` makes 0.05 mean +5 % of the baseline (0.17 → 0.1785).",
    ],
    solution="```python\nn_per_arm = abtest.sample_size_proportions(BASELINE, 0.05, relative=True)\n```",
)

q3 = Exercise(
    "Q3 · minimum detectable effect",
    expected=lambda: abtest.mde_proportions(BASELINE, PLANNED_PER_ARM, relative=True),
    rtol=1e-4,
    hints=["`abtest.mde_proportions(baseline_rate, n_per_group, relative=True)` is the inverse."],
    solution="```python\nmde_planned = abtest.mde_proportions(BASELINE, PLANNED_PER_ARM, relative=True)\n```",
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
    solution=(
        "```python\ncounts = first_pull['variant'].value_counts()[['control', 'treatment']]\n"
        "srm_p = abtest.srm_test(counts.to_numpy(), [0.5, 0.5]).p_value\n```"
    ),
)

q5 = Exercise(
    "Q5 · flag the bots",
    expected=lambda: suspected_bots(_data("fixed")),
    hints=[
        "Bots load the page far more often than people: compare impressions per session with 20.",
        "`fixed['impressions'] / fixed['sessions'] >= 20` gives one True/False per user.",
    ],
    solution="```python\nis_suspect = fixed['impressions'] / fixed['sessions'] >= 20\n```",
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
    solution=(
        "```python\ndef z_statistic(x_c, n_c, x_t, n_t):\n"
        "    pooled = (x_c + x_t) / (n_c + n_t)\n"
        "    se = np.sqrt(pooled * (1 - pooled) * (1 / n_c + 1 / n_t))\n"
        "    return (x_t / n_t - x_c / n_c) / se\n```"
    ),
)

q7 = Exercise(
    "Q7 · value at the lower bound",
    expected=lambda: _main_test().ci[0] * USERS_PER_YEAR * VALUE_PER_CLICKER,
    rtol=1e-6,
    hints=[
        "The CI's lower end is the smallest lift the data support: `result.ci[0]`.",
        "Extra clickers per year = lift × USERS_PER_YEAR; each is worth VALUE_PER_CLICKER.",
    ],
    solution="```python\nvalue_low = result.ci[0] * USERS_PER_YEAR * VALUE_PER_CLICKER\n```",
)

q8 = Exercise(
    "Q8 · Holm-adjusted segment p-values",
    expected=lambda: abtest.adjust_pvalues(_segment_pvalues(), method="holm").p_adjusted,
    hints=[
        "Collect the two segments' p-values (new first), then `abtest.adjust_pvalues`.",
        "Holm multiplies the smallest p-value by 2, the next by 1, and keeps them in order.",
    ],
    solution=(
        "```python\np_holm = abtest.adjust_pvalues(segment_p, method='holm').p_adjusted\n```"
    ),
)
