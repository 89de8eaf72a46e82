"""Exercises for notebook 00 — Start here."""

from __future__ import annotations

import numpy as np

from ..workbook import Exercise, MultipleChoice

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
        "An 11 % lift.": "No: 11 % is the treatment's rate, not the change.",
        "+1 percentage point, a 10 % relative lift.": (
            "Yes: the absolute change is 0.11 − 0.10 = 0.01 (one point), and "
            "relative to the control's 0.10 that is +10 %."
        ),
        "A 10 % lift, so the result is significant.": (
            "The arithmetic is right, but the size of a lift says nothing about "
            "whether it is larger than the noise: that needs the sample sizes and a test."
        ),
    },
    answer="C",
    hints=["Compute the difference of the rates, then divide it by the control's rate."],
)
