"""Exercises for notebook 04 — a latency change you cannot toggle.

The scenario's panels are simulated from the parameters below; the notebook
passes the same dictionaries to :func:`xplab.data.simulate_latency_rollout`,
and each expected answer is computed here from the same data with the
package's tested functions.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from .. import quasi
from ..data import load_organ_donations, simulate_latency_rollout
from ..workbook import Decision, Exercise, MultipleChoice

#: The latency rollout: 40 regions, 8 weeks, three waves of 10 regions, 10 never treated.
ROLLOUT: dict[str, object] = {
    "n_regions": 40,
    "n_days": 56,
    "rollout_days": (21, 28, 35),
    "n_never_treated": 10,
    "effect": 0.002,
    "seed": 2026,
}
#: The small panels of the clustering simulation (the benchmark's design).
SMALL_PANEL: dict[str, object] = {
    "n_regions": 40,
    "n_days": 28,
    "rollout_days": (10, 14, 18),
    "n_never_treated": 10,
    "effect": 0.002,
}
#: Staggered rollout with an effect that grows by 0.1 points a week from 0.
GROWING: dict[str, object] = {
    "n_regions": 40,
    "n_days": 56,
    "rollout_days": (7, 21, 35),
    "n_never_treated": 10,
    "effect": 0.0,
    "effect_growth": 0.001,
    "seed": 7,
}
#: Daily conversion trend (points per day ÷ 100) of the first wave in section 6.
FIRST_WAVE_TREND = 0.0002
DAYS_PER_YEAR = 365


@cache
def _rollout() -> pd.DataFrame:
    return simulate_latency_rollout(**ROLLOUT)  # type: ignore[arg-type]


@cache
def _growing() -> pd.DataFrame:
    return simulate_latency_rollout(**GROWING)  # type: ignore[arg-type]


@cache
def _organ() -> pd.DataFrame:
    df = load_organ_donations()
    return df.assign(
        california=(df["state"] == "California").astype(int),
        post=(df["quarter_num"] >= 4).astype(int),
    )


def _rollout_twfe() -> quasi.TWFEResult:
    return quasi.twfe(
        _rollout(), outcome="conversion", unit="region", time="day", treatment="treated"
    )


def _yearly_revenue() -> float:
    df = _rollout()
    sessions_per_day = df["sessions"].sum() / df["day"].nunique()
    revenue_per_order = df["revenue"].sum() / df["orders"].sum()
    return float(_rollout_twfe().estimate * sessions_per_day * DAYS_PER_YEAR * revenue_per_order)


def _yearly_revenue_with(sessions_per_day: float, revenue_per_order: float) -> float:
    return float(_rollout_twfe().estimate * sessions_per_day * DAYS_PER_YEAR * revenue_per_order)


def _revenue_row_mean_order() -> float:
    df = _rollout()
    sessions_per_day = df["sessions"].sum() / df["day"].nunique()
    return _yearly_revenue_with(sessions_per_day, float((df["revenue"] / df["orders"]).mean()))


def _revenue_row_mean_sessions() -> float:
    df = _rollout()
    revenue_per_order = df["revenue"].sum() / df["orders"].sum()
    return _yearly_revenue_with(float(df["sessions"].mean()), revenue_per_order)


def _revenue_per_session() -> float:
    df = _rollout()
    sessions_per_day = df["sessions"].sum() / df["day"].nunique()
    return _yearly_revenue_with(sessions_per_day, df["revenue"].sum() / df["sessions"].sum())


def _percent_not_points(answer: object) -> str | None:
    if isinstance(answer, quasi.TWFEResult):
        return "that is the whole result object: store its `.se` field"
    return None


q1 = Exercise(
    "Q1 · DiD by hand",
    expected=lambda: (
        quasi.did_2x2(_organ(), outcome="rate", treated="california", post="post").estimate
    ),
    hints=[
        "Four means: California and the other states, before (quarters 1–3) and after (4–6).",
        "(CA after − CA before) − (others after − others before), each a mean of `rate`.",
    ],
)

q2 = MultipleChoice(
    "Q2 · a naive SE larger than the clustered one",
    question=(
        "On the organ-donation panel the naive iid SE (0.0205) is more than three times "
        "the clustered SE (0.0061). Why?"
    ),
    options={
        "California's errors are negatively correlated over time, and clustering rewards "
        "that with a smaller SE.": (
            "Negative serial correlation can shrink a clustered SE, but it is not what "
            "happens here: California's own residuals never enter the clustered variance "
            "at all, whatever their correlation."
        ),
        "Positive serial correlation within states: the iid SE ignores it.": (
            "Ignoring positive correlation makes the iid SE too *small*, the usual story "
            "(the latency simulation shows it). Here the iid SE is the larger one."
        ),
        "27 clusters give a t distribution with more degrees of freedom, which shrinks the "
        "clustered SE.": (
            "The degrees of freedom change the critical value (t with 26 df), not the "
            "standard error itself."
        ),
        "With one treated state, the clustered SE cannot see California's own noise.": (
            "Yes. The state effect and the treatment dummy fit California's pre and post means "
            "exactly, so California's cluster score is zero and the CR1 variance comes only "
            "from the 26 control states. With a single treated cluster CR1 is unreliable; "
            "randomization inference (the placebo in space) is the honest check."
        ),
    },
    answer="D",
    hints=[
        "Ask which residuals feed each cluster's score Σ_t x̃_it e_it, and what they are "
        "for California.",
    ],
)

q3 = Exercise(
    "Q3 · the clustered standard error",
    expected=lambda: _rollout_twfe().se,
    forbidden=_percent_not_points,
    hints=[
        "`twfe(rollout, outcome='conversion', unit='region', time='day', treatment='treated')`.",
        "Clustering by region is the default; the SE is the `.se` field (not `.se_iid`).",
    ],
)

q4 = Decision(
    "Q4 · one significant lead",
    question=(
        "The weekly event study's four pre-period coefficients are all within ±0.07 points; "
        "one (four weeks before adoption) has p = 0.03, and the joint pre-trend test gives "
        "p = 0.12. The in-time placebos find nothing. What do you conclude?"
    ),
    options={
        "no evidence against parallel trends: report the DiD with the event study": (
            "Yes. Nothing in the pre-period is large or systematic. Report the estimate with "
            "the event-study plot so readers can judge, and say that a pre-trend test can "
            "only fail to find a violation, never prove there is none."
        ),
        "drop that week from the pre-period and re-estimate, so that the leads are clean": (
            "Choosing the sample after seeing which week looks bad is a forking path: the "
            "check would then pass by construction, and the estimate's error rate is no "
            "longer what its interval says."
        ),
        "add a linear trend per region to the TWFE model to absorb the pre-trend": (
            "Region trends are a remedy for a real, systematic drift — and they are fitted on "
            "the post-period too, where they can soak up part of an effect that builds over "
            "time. Nothing here calls for them: the leads show no trend, and one p = 0.03 "
            "among four is what chance produces."
        ),
        "parallel trends fail at the 5 % level: drop the DiD": (
            "Too strong. With four leads, one p < 0.05 is expected by chance about one time in "
            "five even when trends are parallel; the joint test does not reject, the leads are "
            "small next to the 0.2-point effect and have no trend."
        ),
    },
    answer="A",
    hints=[
        "How many leads are there, and how often would one of them reach p < 0.05 by chance?",
        "Compare the size of the leads with the size of the effect, and read the joint test.",
    ],
)

q5 = Exercise(
    "Q5 · the effect in revenue",
    expected=_yearly_revenue,
    rtol=1e-6,
    mistakes={
        "that values an order at the mean of each region-day's revenue ÷ orders, a per-row "
        "mean that counts a quiet region-day as much as a busy one; revenue per order is "
        "Σ revenue ÷ Σ orders": _revenue_row_mean_order,
        "that takes the mean sessions of one region-day; the effect applies to every region's "
        "sessions, Σ sessions ÷ number of days": _revenue_row_mean_sessions,
        "that values each extra order at revenue per *session*; the effect adds orders, so "
        "value them at revenue per order (Σ revenue ÷ Σ orders)": _revenue_per_session,
    },
    hints=[
        "Extra orders per day = effect × sessions per day (all regions together).",
        "Sessions per day = `rollout['sessions'].sum() / 56`; revenue per order = "
        "`rollout['revenue'].sum() / rollout['orders'].sum()`; then × 365.",
    ],
)

q6 = Exercise(
    "Q6 · the robust estimate",
    expected=lambda: (
        quasi.callaway_santanna(
            _growing(),
            outcome="conversion",
            unit="region",
            time="day",
            first_treated="first_treated",
        ).estimate
    ),
    hints=[
        "`callaway_santanna(growing, outcome=..., unit=..., time=..., first_treated=...)`.",
        "Store the overall ATT, its `.estimate` field (never-treated controls, the default).",
    ],
)

q7 = MultipleChoice(
    "Q7 · which number to report",
    question=(
        "The effect of the latency change grows with time since adoption. TWFE says "
        "+0.07 points (its 95 % CI includes 0), Callaway & Sant'Anna's overall ATT +0.26 "
        "points, and its event-time path rises week by week. What do you report?"
    ),
    options={
        "The TWFE coefficient: it is the standard DiD regression, with clustered errors.": (
            "Not here: with staggered adoption and growing effects, TWFE uses already-treated "
            "regions as controls and subtracts their growing effect; the coefficient is a "
            "weighted average with weights that can even be negative."
        ),
        "TWFE again, after dropping the never-treated regions so that only adopting regions "
        "are compared.": (
            "That makes it worse: without never-treated regions every comparison after the "
            "first wave uses regions already treated — the forbidden comparisons — as "
            "controls."
        ),
        "The C&S overall ATT with its event-time path, saying the average depends on how "
        "long regions were treated.": (
            "Yes. The overall ATT is a clean average over treated region-days, and the path "
            "shows that 'the' effect depends on exposure time — the number a planner needs "
            "is the effect after k weeks."
        ),
        "Neither: an effect that keeps growing violates parallel trends, so no DiD estimate "
        "is valid here.": (
            "A growing effect is not a violation: parallel trends is about the untreated "
            "outcomes. DiD estimators that compare each cohort only with not-yet- or "
            "never-treated units handle dynamic effects."
        ),
    },
    answer="C",
    hints=["Which comparisons does TWFE make that C&S never makes?"],
)

q8 = MultipleChoice(
    "Q8 · a clean pre-trend test",
    question=(
        "On the panel with a slowly improving first wave (weak drift), the joint pre-trend "
        "test gives p = 0.28, yet the drift moved the DiD estimate by an eighth of the effect. "
        "What does the large p-value tell you?"
    ),
    options={
        "That the estimate is safe to report: the pre-trend test is the standard check, and "
        "it passed.": (
            "Passing a check with little power is weak reassurance: here the violation is "
            "real and biases the estimate, and the test is simply too weak to see it with "
            "40 regions."
        ),
        "Only that no violation it could detect was found: slow drifts that still bias the "
        "estimate pass it.": (
            "Yes. Pre-trend tests are low-powered, and conditioning on passing them can even "
            "worsen the bias (Roth 2022). Ask how the rollout order was chosen, and bound "
            "the estimate under plausible trend violations."
        ),
        "That the drift is too small to matter: a violation large enough to bias the "
        "estimate would have made the test reject.": (
            "That equates what the test can see with what matters. A drift of 0.005 points "
            "a day is invisible to this test yet moves the estimate by 0.027 points — an "
            "eighth of the effect."
        ),
    },
    answer="B",
    hints=["What does a large p-value mean when the test has low power?"],
)
