"""Exercises for notebook 00 — Start here."""

from __future__ import annotations

import numpy as np

from .. import abtest
from ..workbook import Decision, Exercise, MultipleChoice

#: The warm-up data: one row per visitor, 1 if they clicked "Buy Now".
CLICKS = np.array([0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1])


def _relative_lift(rate_c: float, rate_t: float) -> float:
    return (rate_t - rate_c) / rate_c


q1 = Exercise(
    "Q1 · click-through rate",
    expected=lambda: float(CLICKS.mean()),
    hints=[
        "The click-through rate is the share of visitors who clicked: clicks ÷ visitors.",
        "With a 0/1 array, the mean *is* the share of ones: `CLICKS.mean()`.",
    ],
)

q2 = Exercise(
    "Q2 · relative lift",
    expected=_relative_lift,
    cases=[(0.10, 0.11), (0.25, 0.20), (0.031, 0.031)],
    mistakes={
        "that is the absolute change (treatment − control); the relative lift divides it by "
        "the control's rate": lambda rate_c, rate_t: rate_t - rate_c,
        "that divides by the treatment's rate; the lift is relative to the control's rate": (
            lambda rate_c, rate_t: (rate_t - rate_c) / rate_t
        ),
        "that is the ratio treatment ÷ control; the lift is the change, so subtract 1": (
            lambda rate_c, rate_t: rate_t / rate_c
        ),
    },
    hints=[
        "Lift is the change relative to the control: (treatment − control) ÷ control.",
        "A rate going from 0.10 to 0.11 is a lift of 0.10, i.e. +10 %.",
    ],
)

q3 = MultipleChoice(
    "Q3 · a lift in words",
    question=(
        "An experiment's click-through rate went from 10 % in control to 11 % in "
        "treatment. Which sentence describes the change correctly?"
    ),
    options={
        "A 1 % lift.": (
            "Ambiguous at best: the rate rose by 1 percentage **point**, which is a "
            "10 % **relative** lift. Dashboards mix the two up; always say which one."
        ),
        "+1 percentage point, a 10 % relative lift.": (
            "Yes: the absolute change is 0.11 − 0.10 = 0.01 (one point), and "
            "relative to the control's 0.10 that is +10 %."
        ),
        "An 11 % lift.": "No: 11 % is the treatment's rate, not the change.",
        "A 10 % relative lift, which is large enough to be significant.": (
            "The arithmetic is right, but the size of a lift says nothing about "
            "whether it is larger than the noise: that needs the sample sizes and a test."
        ),
    },
    answer="B",
    hints=["Compute the difference of the rates, then divide it by the control's rate."],
)


def _srm_p() -> float:
    return abtest.srm_test([9_690, 10_310], [0.5, 0.5]).p_value


q4 = Decision(
    "Q4 · before reading the result",
    question=(
        "A 50/50 test ends with 10,310 users in treatment and 9,690 in control. "
        "Treatment's click rate is higher. What do you do first?"
    ),
    options={
        "read the result: 10,310 against 9,690 is within the noise": (
            "It is not: with a fair 50/50 split a gap of 620 users or more in 20,000 happens "
            f"about once in {round(1 / _srm_p(), -3):,.0f} tests (p ≈ {_srm_p():.1e}). Something "
            "added or removed users in one arm."
        ),
        "drop 620 random treatment users so that the arms match, then read it": (
            "Equal counts do not make comparable groups: whatever moved those users was not "
            "random, so the users left in the arms still differ. Notebook 01 shows such a "
            "bug making a good change look harmful."
        ),
        "find out why the arms differ in size before reading any metric": (
            "Yes: a *sample ratio mismatch*. Until you know why users are missing or extra "
            "in one arm, any difference between the arms may come from that, not from the "
            "treatment (notebook 01, section 4)."
        ),
    },
    answer="C",
    hints=["On a fair coin, how surprising are 10,310 heads in 20,000 tosses?"],
)

q5 = MultipleChoice(
    "Q5 · written down before the data",
    question="Which of these must be written down *before* the data of a test arrive?",
    options={
        "the primary metric that decides": "Chosen after the data, it can be picked among many to fit the result.",
        "the smallest effect worth shipping": "It sets the sample size, and fixed in advance it cannot drift towards what the test happened to find.",
        "the segment in which the treatment works best": "Nobody can know that before the data; a segment picked after looking is a hypothesis for the next test.",
        "the sample size, and when the analysis happens": "Stopping when the result looks good inflates false positives (notebook 02).",
        "the p-value threshold, chosen once you see how close the result is": "A threshold chosen after seeing the result is no threshold at all.",
        "the guardrail metrics that must not get worse": "Named afterwards, a guardrail can be dropped when it is inconvenient.",
    },
    answer=["A", "B", "D", "F"],
    hints=[
        "Ask of each: could knowing the result change the choice?",
    ],
)

q6 = Exercise(
    "Q6 · users per arm, in your head",
    expected=lambda: abtest.sample_size_proportions(0.10, 0.01),
    estimate=0.5,
    kind="judgment",
    hints=[
        "The rule of thumb: n ≈ 16·σ²/δ² per arm, with σ² = p(1 − p) for a rate.",
        "p = 0.10 and δ = 0.01: 16 × 0.09 / 0.0001.",
        "The rule of thumb n ≈ 16·p(1 − p)/δ² per arm (two-sided α = 0.05, 80 % power) gives 16 × 0.1 × 0.9 / 0.01² = 14,400; `abtest.sample_size_proportions(0.10, 0.01)` gives the exact figure.",
    ],
)


def _pp(x: float) -> str:
    """A difference in percentage points, signed, with a true minus sign."""
    return f"{100 * x:+.1f}".replace("-", "−")


def _colleague() -> abtest.ProportionTestResult:
    return abtest.proportion_test(50, 500, 63, 500)


q7 = MultipleChoice(
    "Q7 · p = 0.19",
    question=(
        "A colleague's test of a new button, 500 users per arm, finds click rates of 10.0 % "
        f"and 12.6 % (p = {_colleague().p_value:.2f}, 95 % CI {_pp(_colleague().ci[0])} to "
        f"{_pp(_colleague().ci[1])} pp). They write: *'the button has no effect'*. "
        "What do you reply?"
    ),
    options={
        "The test cannot tell: its interval still holds lifts of several points.": (
            "Yes. A large p-value means the data are compatible with no effect — and with "
            "useful ones: 500 users per arm detect a true +2 pp on a 10 % rate with power "
            f"{abtest.power_proportions(0.10, 0.02, 500):.2f}. Absence of evidence is not "
            "evidence of absence; the interval shows which effects remain possible."
        ),
        "Agreed: p is above 0.05, so the data show that the button does nothing.": (
            "p > 0.05 only says the data do not rule out 'no effect'; here they do not rule "
            "out a lift of 6 points either. Look at the confidence interval."
        ),
        "p = 0.19 means an 81 % chance that the button works, so it is probably good.": (
            "A p-value is not the probability of any hypothesis; 1 − p is not the chance "
            "that the button works."
        ),
        "Run it again with a fresh sample and ship if that run reaches p < 0.05: a "
        "replication settles it.": (
            "Two tries at 5 % each give nearly a 10 % chance of a false 'win', and a second "
            "test this small is as unlikely to detect a real effect as the first. Size one "
            "test for the effect that matters."
        ),
    },
    answer="A",
    hints=["What does the confidence interval say about the lifts the data still allow?"],
)
