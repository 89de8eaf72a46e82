"""Callaway & Sant'Anna (2021) group-time average treatment effects for
staggered adoption.

With staggered adoption, two-way fixed effects compares newly treated units
with units treated earlier ("forbidden comparisons"): when the effect grows
with time since adoption, the earlier cohort's growing effect is subtracted
and the TWFE coefficient is biased, possibly of the wrong sign
(Goodman-Bacon 2021). The Callaway & Sant'Anna estimator only ever compares a
cohort with units that are not (yet) treated, one 2×2 DiD per cohort and
period, and then averages those with explicit weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from .._validate import check_alpha, check_alternative, check_choice
from ..abtest._common import infer
from ._panel import (
    check_constant_within_unit,
    check_frame,
    check_unique_cells,
    first_treated_column,
    key_column,
    numeric_column,
)

ControlGroup = Literal["never-treated", "not-yet-treated"]
Alternative = Literal["two-sided", "larger", "smaller"]


@dataclass(frozen=True, repr=False)
class CallawaySantAnnaResult(ResultMixin):
    """Group-time ATTs and their aggregations.

    ``estimate`` is the overall ATT: the average of ATT(g, t) over post-adoption
    cells (t ≥ g) weighted by cohort size — the average effect over all
    treated unit-periods of a balanced panel. ``att_gt`` has one row per cohort
    and period (``cohort, time, rel_time, estimate, se, ci_low, ci_high,
    n_treated, n_control``); ``event`` aggregates by time since adoption
    (``rel_time, estimate, se, ci_low, ci_high``). Intervals are normal, with
    SEs from the influence function clustered by unit.
    """

    _title: ClassVar[str] = "Callaway & Sant'Anna staggered DiD"

    estimate: float
    se: float
    ci: tuple[float, float]
    p_value: float
    n_units: int
    n_cohorts: int
    n_never_treated: int
    control_group: str
    alpha: float
    alternative: str
    att_gt: pd.DataFrame = field(repr=False)
    event: pd.DataFrame = field(repr=False)

    def plot(self, ax: Any = None) -> Any:
        """The event-time aggregation θ(e) with confidence intervals."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        e = self.event
        ax.axhline(0, color="grey", lw=1)
        ax.axvline(-0.5, color="grey", ls=":", lw=1)
        ax.errorbar(
            e["rel_time"],
            e["estimate"],
            yerr=[e["estimate"] - e["ci_low"], e["ci_high"] - e["estimate"]],
            fmt="o",
            capsize=3,
            label=f"θ(e) with {round(100 * (1 - self.alpha))}% CI",
        )
        ax.set_xlabel("periods relative to adoption (e)")
        ax.set_ylabel("average effect on the treated")
        ax.set_title("Callaway & Sant'Anna event-time ATT")
        ax.legend()
        return ax


def callaway_santanna(
    df: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    control_group: ControlGroup = "never-treated",
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> CallawaySantAnnaResult:
    """Callaway & Sant'Anna (2021) group-time ATTs, without covariates.

    For each adoption cohort g (units first treated in period g) and period t,
    with base period b = the period just before g (a "universal" base period),

        ATT(g, t) = [Ȳ_g(t) − Ȳ_g(b)] − [Ȳ_C(t) − Ȳ_C(b)],

    a 2×2 DiD against the comparison group C: never-treated units
    (``control_group='never-treated'``), or units not treated by period
    max(t, b) and not in cohort g (``'not-yet-treated'``). Already-treated
    units are never used as controls. Pre-adoption cells (t < b) are placebo
    checks of parallel trends; ATT(g, b) = 0 by construction and is not
    reported. With never-treated controls on a balanced panel, ATT(g, t)
    equals the cohort × relative-period coefficient of the fully saturated
    (Sun & Abraham 2021) event-study regression.

    Aggregations use cohort sizes n_g as weights:

        overall θ = Σ_{t ≥ g} n_g·ATT(g, t) / Σ_{t ≥ g} n_g,
        θ(e) = Σ_g n_g·ATT(g, g + e) / Σ_g n_g   (cohorts observed at g + e).

    Standard errors come from each unit's influence function,
    ψ_i = Σ_cells w_cell [1{i ∈ g}(ΔY_i − ΔȲ_g)/n_g − 1{i ∈ C}(ΔY_i − ΔȲ_C)/n_C],
    SE = √(Σ_i ψ_i²), which is robust to any correlation within a unit over
    time; the weights are treated as fixed (the rollout plan is known), so
    the SE omits the weight-estimation term of C&S's ``aggte``.
    H0: θ = 0, with a normal reference distribution.

    Parameters
    ----------
    df : DataFrame
        A balanced panel, one row per unit and period.
    outcome, unit, time : str
        Columns: outcome, unit id, period (numeric; periods are ordered).
    first_treated : str
        Adoption period of each unit (one of the periods), NaN for never
        treated. Units adopting after the last period count as never treated
        within the panel; units treated from the first period have no
        pre-period and are rejected.
    control_group : {'never-treated', 'not-yet-treated'}
        The comparison units.
    alpha : float
        1 − confidence level.
    alternative : {'two-sided', 'larger', 'smaller'}
        For the overall ATT's p-value and interval.

    Returns
    -------
    CallawaySantAnnaResult

    Examples
    --------
    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "t": [0, 1] * 3,
    ...                    "y": [1.0, 3.0, 1.0, 1.5, 2.0, 3.5], "g": [1, 1, None, None, None, None]})
    >>> callaway_santanna(df, outcome="y", unit="u", time="t", first_treated="g").estimate
    1.0
    """
    check_frame(
        df, {"outcome": outcome, "unit": unit, "time": time, "first_treated": first_treated}
    )
    control_group = check_choice(
        control_group, ("never-treated", "not-yet-treated"), name="control_group"
    )
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    y = numeric_column(df, outcome, name="outcome")
    t = numeric_column(df, time, name="time")
    g = first_treated_column(df, first_treated)
    units = key_column(df, unit, name="unit")
    check_unique_cells(units, pd.Series(t))
    check_constant_within_unit(units, g, name="first_treated")

    unit_codes, unit_index = np.unique(units.to_numpy(), return_inverse=True)
    periods, period_index = np.unique(t, return_inverse=True)
    n_units, n_periods = len(unit_codes), len(periods)
    if len(y) != n_units * n_periods:
        raise ValueError(
            f"callaway_santanna needs a balanced panel: {n_units} units × {n_periods} periods "
            f"= {n_units * n_periods} rows expected, got {len(y)}"
        )
    grid = np.empty((n_units, n_periods))
    grid[unit_index, period_index] = y
    g_unit = np.empty(n_units)
    g_unit[unit_index] = g
    g_unit[g_unit > periods[-1]] = np.nan  # adopts after the panel ends
    adopters = ~np.isnan(g_unit)
    if not adopters.any():
        raise ValueError(f"first_treated column {first_treated!r} has no unit treated in the panel")
    off_grid = adopters & ~np.isin(g_unit, periods)
    if off_grid.any():
        raise ValueError(
            f"first_treated values must be periods of the panel, got {np.unique(g_unit[off_grid])}"
        )
    if np.any(g_unit[adopters] <= periods[0]):
        raise ValueError(
            "some units are treated from the first period (no pre-period to compare with); drop them"
        )
    never = ~adopters
    cohorts = np.unique(g_unit[adopters])

    cells: list[tuple[float, float, float, int, int]] = []
    psi_cols: list[np.ndarray] = []
    for cohort in cohorts:
        members = g_unit == cohort
        b = int(np.searchsorted(periods, cohort)) - 1
        for j in range(n_periods):
            if j == b:
                continue
            if control_group == "never-treated":
                controls = never
            else:
                horizon = periods[max(j, b)]
                controls = never | ((g_unit > horizon) & ~members)
            n_t, n_c = int(members.sum()), int(controls.sum())
            if n_c == 0:
                continue  # no comparison units for this cell (not-yet-treated at the end)
            delta = grid[:, j] - grid[:, b]
            mu_t, mu_c = delta[members].mean(), delta[controls].mean()
            psi = np.zeros(n_units)
            psi[members] = (delta[members] - mu_t) / n_t
            psi[controls] -= (delta[controls] - mu_c) / n_c
            cells.append((cohort, periods[j], mu_t - mu_c, n_t, n_c))
            psi_cols.append(psi)
    if not cells:
        raise ValueError("no cohort has comparison units: add never-treated units")
    psi_mat = np.column_stack(psi_cols)
    att = pd.DataFrame(cells, columns=["cohort", "time", "estimate", "n_treated", "n_control"])
    rank = {p: k for k, p in enumerate(periods)}
    att["rel_time"] = [rank[tt] - rank[c] for c, tt in zip(att["cohort"], att["time"], strict=True)]
    att["se"] = np.sqrt((psi_mat**2).sum(axis=0))
    q = stats.norm.ppf(1 - alpha / 2)
    att["ci_low"] = att["estimate"] - q * att["se"]
    att["ci_high"] = att["estimate"] + q * att["se"]
    att = att[
        [
            "cohort",
            "time",
            "rel_time",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n_treated",
            "n_control",
        ]
    ]

    def combine(weights: np.ndarray) -> tuple[float, float]:
        weights = weights / weights.sum()
        return float(att["estimate"].to_numpy() @ weights), float(
            np.sqrt(((psi_mat @ weights) ** 2).sum())
        )

    size = att["n_treated"].to_numpy(dtype=float)
    rel = att["rel_time"].to_numpy()
    post = rel >= 0
    if not post.any():
        raise ValueError("no post-adoption cell has comparison units")
    estimate, se = combine(size * post)
    event_rows = []
    for e in np.unique(rel):
        est_e, se_e = combine(size * (rel == e))
        event_rows.append((int(e), est_e, se_e, est_e - q * se_e, est_e + q * se_e))
    event = pd.DataFrame(event_rows, columns=["rel_time", "estimate", "se", "ci_low", "ci_high"])
    if not se > 0:
        raise ValueError(
            "the standard error of the overall ATT is 0: every group's outcome changes are "
            "identical, so there is no variation to measure uncertainty from"
        )
    inf = infer(estimate, se, alpha, alternative)
    return CallawaySantAnnaResult(
        estimate=estimate,
        se=se,
        ci=(float(inf.ci_low), float(inf.ci_high)),
        p_value=float(inf.p_value),
        n_units=n_units,
        n_cohorts=len(cohorts),
        n_never_treated=int(never.sum()),
        control_group=control_group,
        alpha=alpha,
        alternative=alternative,
        att_gt=att.reset_index(drop=True),
        event=event,
    )
