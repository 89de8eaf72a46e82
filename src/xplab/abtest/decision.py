"""A decision rule over one primary metric and its guardrails: ship, don't ship,
or keep testing — what experimentation platforms call a decision framework.

Written down before the data, the rule turns a readout into a decision nobody
can argue into a different one afterwards.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import pandas as pd

from .._results import fmt
from ._common import TestResult
from .noninferiority import NoninferiorityResult

Outcome = Literal["ship", "don't ship", "keep testing"]


@dataclass(frozen=True)
class MetricRow:
    """One line of the decision table."""

    metric: str
    role: str
    estimate: float
    ci: tuple[float, float]
    p_value: float
    margin: float | None
    result: str


@dataclass(frozen=True, repr=False)
class LaunchDecision:
    """Result of :func:`decide`: the ``decision``, the ``reason`` and one
    :class:`MetricRow` per metric (``rows``; ``table`` as a DataFrame)."""

    _title: ClassVar[str] = "Decision"
    decision: str
    reason: str
    rows: tuple[MetricRow, ...]

    @property
    def table(self) -> pd.DataFrame:
        """The rows as a DataFrame with one column per field (the CI split in two)."""
        return pd.DataFrame(
            {
                "metric": [r.metric for r in self.rows],
                "role": [r.role for r in self.rows],
                "estimate": [r.estimate for r in self.rows],
                "ci_low": [r.ci[0] for r in self.rows],
                "ci_high": [r.ci[1] for r in self.rows],
                "p_value": [r.p_value for r in self.rows],
                "margin": [math.nan if r.margin is None else r.margin for r in self.rows],
                "result": [r.result for r in self.rows],
            }
        )

    def _display(self) -> pd.DataFrame:
        # rounded strings, so that stored notebook outputs reproduce across machines
        return pd.DataFrame(
            {
                "metric": [r.metric for r in self.rows],
                "role": [r.role for r in self.rows],
                "estimate": [fmt(r.estimate) for r in self.rows],
                "ci": [fmt(r.ci) for r in self.rows],
                "p_value": [fmt(r.p_value) for r in self.rows],
                "margin": ["" if r.margin is None else fmt(r.margin) for r in self.rows],
                "result": [r.result for r in self.rows],
            }
        )

    def __repr__(self) -> str:
        return f"LaunchDecision(decision={self.decision!r}, reason={self.reason!r})"

    def summary(self) -> str:
        """The decision, its reason and the table as plain text."""
        head = f"Decision: {self.decision.upper()} — {self.reason}"
        return head + "\n" + self._display().to_string(index=False)

    def _repr_html_(self) -> str:
        caption = f"<b>Decision: {html.escape(self.decision.upper())}</b> — " + html.escape(
            self.reason
        )
        body = self._display().to_html(index=False, escape=True, border=0)
        return f"<div><p style='text-align:left'>{caption}</p>{body}</div>"


def _primary_result(primary: Any, higher_is_better: bool) -> tuple[str, str]:
    """('better' | 'worse' | 'flat', the row's wording)."""
    if not primary.p_value < primary.alpha:
        return "flat", "no significant change"
    good = primary.estimate > 0 if higher_is_better else primary.estimate < 0
    return ("better", "significant improvement") if good else ("worse", "significant harm")


def decide(
    primary: TestResult,
    guardrails: Mapping[str, NoninferiorityResult] | None = None,
    *,
    primary_name: str = "primary",
    higher_is_better: bool = True,
) -> LaunchDecision:
    """Ship, don't ship or keep testing, from the primary test and the guardrails.

    The rule (fixed before the data):

    ====================  ================  ==============  ==============
    guardrails            primary better    primary flat    primary worse
    ====================  ================  ==============  ==============
    all non-inferior      **ship**          don't ship      don't ship
    any inconclusive      keep testing      don't ship      don't ship
    any inferior          don't ship        don't ship      don't ship
    ====================  ================  ==============  ==============

    "Primary better" means the primary test rejects H0: Δ = 0 at its own
    ``alpha`` with the estimate in the good direction (``higher_is_better``);
    "flat" means it does not reject — no evidence of a benefit at the planned
    sample size, so the change is not shipped. A guardrail is non-inferior,
    inconclusive or inferior as in :func:`~xplab.abtest.noninferiority_test`.
    "Keep testing" means a guardrail could not rule out harm beyond its
    margin: run to the sample size that margin needs (planned in advance, not
    chosen by looking), then decide again.

    **Why the guardrails are not corrected for multiplicity together with the
    primary.** Shipping needs *every* guardrail to show non-inferiority: the
    claim "no guardrail is harmed beyond its margin" is an intersection of
    alternatives, tested by an intersection–union test (Berger 1982). If any
    one guardrail is in truth harmed beyond its margin, the claim is false and
    its own test rejects with probability ≤ α, so the chance of wrongly
    clearing the guardrails stays ≤ α with no adjustment at all. Adding more
    guardrails makes shipping *harder* (each must pass), never easier, so a
    Bonferroni or Holm correction across them — or folding them into the
    primary family — would only lower power without protecting against
    anything. The price of many guardrails is paid in power: each needs
    enough users to pass when nothing is wrong (Schultzberg, Ankargren &
    Frånberg 2024, "Risk-aware product decisions in A/B tests with multiple
    metrics"). Several *primary* metrics, where any one winning would justify
    shipping, are a union and do need a correction
    (:func:`~xplab.abtest.adjust_pvalues`).

    Parameters
    ----------
    primary : TestResult
        The primary metric's superiority test of H0: Δ = 0 (e.g. from
        ``proportion_test``, ``mean_test``, ``cuped_test``), with
        ``estimate``, ``ci``, ``p_value`` and ``alpha``. A
        :func:`~xplab.abtest.noninferiority_test` result is refused: its
        rejection says "not worse by the margin", not "better".
    guardrails : mapping of str to NoninferiorityResult, optional
        Each guardrail's non-inferiority test, by name.
    primary_name : str
        The primary metric's name in the table.
    higher_is_better : bool
        The direction in which the primary metric improves.

    Returns
    -------
    LaunchDecision
        ``decision``, ``reason``, ``rows``; ``table`` (a DataFrame),
        ``summary()`` and an HTML table in notebooks.

    Examples
    --------
    >>> from xplab.abtest import GroupStats, noninferiority_test, proportion_test
    >>> retention = proportion_test(4_000, 10_000, 4_200, 10_000)
    >>> crashes = noninferiority_test(
    ...     GroupStats.from_counts(150, 10_000),
    ...     GroupStats.from_counts(155, 10_000),
    ...     margin=0.005,
    ...     higher_is_better=False,
    ... )
    >>> d = decide(retention, {"crash rate": crashes}, primary_name="D7 retention")
    >>> d.decision
    'ship'
    >>> print(d.summary())  # doctest: +NORMALIZE_WHITESPACE
    Decision: SHIP — primary improved and every guardrail is non-inferior
          metric      role estimate                 ci  p_value margin                  result
    D7 retention   primary     0.02 (0.00637, 0.03363) 0.004035        significant improvement
      crash rate guardrail   0.0005   (-inf, 0.003351) 0.004708  0.005            non-inferior
    """
    if not isinstance(primary, TestResult):
        raise ValueError(
            "primary must be a test result (e.g. from proportion_test or mean_test), "
            f"got {type(primary).__name__}"
        )
    if isinstance(primary, NoninferiorityResult):
        raise ValueError(
            "primary must be a superiority test of H0: Δ = 0 (proportion_test, mean_test, "
            "ratio_test, cuped_test, ...), got a noninferiority_test result: rejecting "
            f"'worse by {primary.margin:g} or more' (p = {primary.p_value:.3g}) is no evidence "
            "of an improvement. Test the primary metric for superiority, and pass "
            "non-inferiority tests as guardrails"
        )
    if not isinstance(higher_is_better, bool):
        raise ValueError(f"higher_is_better must be True or False, got {higher_is_better!r}")
    if not isinstance(primary_name, str) or not primary_name:
        raise ValueError(f"primary_name must be a non-empty string, got {primary_name!r}")
    if guardrails is not None and not isinstance(guardrails, Mapping):
        raise ValueError(
            "guardrails must map metric names (str) to noninferiority_test results, "
            f"got {type(guardrails).__name__}"
        )
    guards = dict(guardrails or {})
    for name, g in guards.items():
        if not isinstance(name, str) or not isinstance(g, NoninferiorityResult):
            raise ValueError(
                "guardrails must map metric names (str) to noninferiority_test results; "
                f"got {name!r}: {type(g).__name__}"
            )
    if primary_name in guards:
        raise ValueError(f"primary_name {primary_name!r} is also a guardrail name")

    state, wording = _primary_result(primary, higher_is_better)
    rows = [
        MetricRow(
            primary_name, "primary", primary.estimate, primary.ci, primary.p_value, None, wording
        )
    ]
    rows += [
        MetricRow(name, "guardrail", g.estimate, g.ci, g.p_value, g.margin, g.verdict)
        for name, g in guards.items()
    ]
    inferior = [n for n, g in guards.items() if g.verdict == "inferior"]
    unclear = [n for n, g in guards.items() if g.verdict == "inconclusive"]

    decision: Outcome
    if inferior:
        decision, reason = (
            "don't ship",
            f"guardrail harmed beyond its margin: {', '.join(inferior)}",
        )
    elif state == "worse":
        decision, reason = "don't ship", "the primary metric got significantly worse"
    elif state == "flat":
        decision, reason = "don't ship", "no evidence that the primary metric improved"
    elif unclear:
        decision = "keep testing"
        reason = (
            f"primary improved, but harm beyond the margin is not ruled out: {', '.join(unclear)}"
        )
    else:
        decision, reason = "ship", "primary improved and every guardrail is non-inferior"
    return LaunchDecision(decision=decision, reason=reason, rows=tuple(rows))
