"""Exercises for notebook 00 — Start here."""

from __future__ import annotations

import numpy as np

from ..workbook import Exercise

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
    hints=[
        "Lift is the change relative to the control: (treatment − control) ÷ control.",
        "A rate going from 0.10 to 0.11 is a lift of 0.10, i.e. +10 %.",
    ],
)
