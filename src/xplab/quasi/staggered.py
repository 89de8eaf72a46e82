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
    NEVER_TREATED_HINT,
    check_constant_within_unit,
    check_frame,
    check_unique_cells,
    first_treated_column,
    key_column,
    numeric_column,
)

ControlGroup = Literal["never-treated", "not-yet-treated"]
BasePeriod = Literal["varying", "universal"]
Alternative = Literal["two-sided", "larger", "smaller"]


@dataclass(frozen=True, repr=False)
class CallawaySantAnnaResult(ResultMixin):
    """Group-time ATTs and their aggregations (R ``did``'s ``att_gt`` and ``aggte``).

    ``estimate`` is the overall ATT (``aggte(type="simple")``): the average of
    ATT(g, t) over post-adoption cells (t ≥ g) weighted by cohort size — the
    average effect over all treated unit-periods of a balanced panel.
    ``att_gt`` has one row per cohort and period (``cohort, time, rel_time,
    base_time, estimate, se, ci_low, ci_high, n_treated, n_control``).
    Three aggregations, each a table with ``estimate, se, ci_low, ci_high``:
    ``event`` by time since adoption (``rel_time``; ``type="dynamic"``),
    ``group`` by cohort (``cohort``: the cohort's average effect over its
    post-adoption periods) and ``calendar`` by period (``time``: the
    average effect among the cohorts treated by then). ``overall`` has one row
    per aggregation type (``simple``, ``group``, ``calendar``, ``dynamic``)
    with R's overall summary of each. Intervals are pointwise normal, with
    SEs from the influence function (clustered by unit) that include the
    estimation of the cohort-size weights.
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
    base_period: str
    alpha: float
    alternative: str
    att_gt: pd.DataFrame = field(repr=False)
    event: pd.DataFrame = field(repr=False)
    group: pd.DataFrame = field(repr=False)
    calendar: pd.DataFrame = field(repr=False)
    overall: pd.DataFrame = field(repr=False)

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


class _Aggregator:
    """Weighted averages of ATT(g, t) cells and their influence functions.

    ``psi`` (units × cells) is each cell's influence function on the scale
    where SE = √(Σ_i ψ_i²). A weighted average with weights proportional to
    the cohort shares p_g (estimated as n_g/n) also moves with the estimated
    shares; its influence function adds that term (Callaway & Sant'Anna
    2021, the ``wif`` of R ``did``'s ``aggte``).
    """

    def __init__(
        self, att: np.ndarray, psi: np.ndarray, cell_cohort: np.ndarray, unit_cohort: np.ndarray
    ):
        self.att, self.psi = att, psi
        self.n = psi.shape[0]
        # for each cell, which units belong to its cohort (NaN never matches)
        self.member = unit_cohort[:, None] == cell_cohort[None, :]
        self.share = self.member.mean(axis=0)  # p_g of each cell's cohort

    def by_share(self, keep: np.ndarray) -> tuple[float, np.ndarray]:
        """Σ p_g ATT(g, t) / Σ p_g over the kept cells, with the weights' own
        influence: ψ_i += (1/n) Σ_k ATT_k [(1{G_i = g_k} − p_k)/S
        − p_k Σ_j (1{G_i = g_j} − p_j)/S²], S = Σ_k p_k."""
        p = self.share[keep]
        total = p.sum()
        att = self.att[keep]
        centred = self.member[:, keep] - p[None, :]
        wif = centred / total - np.outer(centred.sum(axis=1), p / total**2)
        psi = self.psi[:, keep] @ (p / total) + wif @ att / self.n
        return float(att @ p / total), psi


def _summary(estimate: float, psi: np.ndarray, q: float) -> tuple[float, float, float, float]:
    se = float(np.sqrt(np.sum(psi**2)))
    return estimate, se, estimate - q * se, estimate + q * se


def callaway_santanna(
    df: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    control_group: ControlGroup = "never-treated",
    base_period: BasePeriod = "varying",
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> CallawaySantAnnaResult:
    """Callaway & Sant'Anna (2021) group-time ATTs, without covariates.

    For each adoption cohort g (units first treated in period g) and period t,

        ATT(g, t) = [Ȳ_g(t) − Ȳ_g(b)] − [Ȳ_C(t) − Ȳ_C(b)],

    a 2×2 DiD against the comparison group C: never-treated units
    (``control_group='never-treated'``), or units not treated by period
    max(t, b) and not in cohort g (``'not-yet-treated'``). Already-treated
    units are never used as controls. For t ≥ g the base period b is g − 1,
    the last period before adoption. Before adoption (placebo checks of
    parallel trends) it depends on ``base_period``:

    * ``'varying'`` (R ``did``'s default): b = t − 1, so each pre-period cell
      is the change from one period to the next, a short-run placebo;
    * ``'universal'``: b = g − 1 for every t, as in an event-study
      regression; ATT(g, g − 1) = 0 by construction and is not reported.

    Post-adoption cells, and so the overall ATT, are the same under both.
    With never-treated controls, a universal base and a balanced panel,
    ATT(g, t) equals the cohort × relative-period coefficient of the fully
    saturated (Sun & Abraham 2021) event-study regression.

    Without covariates, the outcome-regression, inverse-probability-weighting
    and doubly robust estimators of R ``did`` (``est_method``) coincide: the
    propensity score and the outcome model are both constants, so each is the
    difference of the cohort's and the comparison group's mean changes above.

    Aggregations (``aggte``), with p_g the share of units in cohort g:

        overall θ = Σ_{t ≥ g} p_g·ATT(g, t) / Σ_{t ≥ g} p_g       (type "simple"),
        θ(e) = Σ_g p_g·ATT(g, g + e) / Σ_g p_g                   (``event``),
        θ(g) = mean over t ≥ g of ATT(g, t)                      (``group``),
        θ(t) = Σ_{g ≤ t} p_g·ATT(g, t) / Σ_{g ≤ t} p_g           (``calendar``),

    and ``overall`` summarises each as R does: the simple θ; Σ_g p_g θ(g) /
    Σ_g p_g; the mean of θ(t) over periods; the mean of θ(e) over e ≥ 0.

    Standard errors come from each unit's influence function,
    ψ_i = [1{i ∈ g}(ΔY_i − ΔȲ_g)/n_g − 1{i ∈ C}(ΔY_i − ΔȲ_C)/n_C] per cell,
    combined with the aggregation weights, SE = √(Σ_i ψ_i²): robust to any
    correlation within a unit over time. Because the weights p_g are
    estimated from the sample, the influence function of every p_g-weighted
    average also includes the weights' own term (R's ``wif``), as in
    ``aggte``: on R's ``mpdta`` example the overall SE is 0.012034 with it
    (R ``did`` and moderndid with ``bstrap=FALSE``) and 0.011747 without.
    H0: θ = 0, with a normal reference distribution. The SEs are asymptotic:
    with few units per cohort they understate the noise.

    Parameters
    ----------
    df : DataFrame
        A balanced panel, one row per unit and period.
    outcome, unit, time : str
        Columns: outcome, unit id, period (numeric; periods are ordered;
        dates are refused with the conversion to use).
    first_treated : str
        Adoption period of each unit (one of the periods); NaN for never
        treated, or 0 when 0 is not a period of the panel (R ``did``'s
        coding). Units adopting after the last period count as never treated
        within the panel; units treated from the first period have no
        pre-period and are rejected.
    control_group : {'never-treated', 'not-yet-treated'}
        The comparison units.
    base_period : {'varying', 'universal'}
        The base period of the pre-adoption cells (see above).
    alpha : float
        1 − confidence level.
    alternative : {'two-sided', 'larger', 'smaller'}
        For the overall ATT's p-value and interval.

    Returns
    -------
    CallawaySantAnnaResult

    Examples
    --------
    Units 2 and 3 are never treated, coded 0 as in R ``did`` (0 is not a period):

    >>> df = pd.DataFrame({"u": [1, 1, 2, 2, 3, 3], "t": [1, 2] * 3,
    ...                    "y": [1.0, 3.0, 1.0, 1.5, 2.0, 3.5], "g": [2, 2, 0, 0, 0, 0]})
    >>> callaway_santanna(df, outcome="y", unit="u", time="t", first_treated="g").estimate
    1.0
    """
    check_frame(
        df, {"outcome": outcome, "unit": unit, "time": time, "first_treated": first_treated}
    )
    control_group = check_choice(
        control_group, ("never-treated", "not-yet-treated"), name="control_group"
    )
    base_period = check_choice(base_period, ("varying", "universal"), name="base_period")
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    y = numeric_column(df, outcome, name="outcome")
    t = numeric_column(df, time, name="time")
    g = first_treated_column(df, first_treated, np.unique(t))
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
            f"first_treated values must be periods of the panel, got "
            f"{np.unique(g_unit[off_grid])}; {NEVER_TREATED_HINT}"
        )
    if np.any(g_unit[adopters] <= periods[0]):
        raise ValueError(
            "some units are treated from the first period (no pre-period to compare with); "
            f"drop them. If they are in fact never treated, {NEVER_TREATED_HINT}"
        )
    never = ~adopters
    cohorts = np.unique(g_unit[adopters])

    cells: list[tuple[float, float, float, float, int, int]] = []
    psi_cols: list[np.ndarray] = []
    for cohort in cohorts:
        members = g_unit == cohort
        first = int(np.searchsorted(periods, cohort))
        for j in range(n_periods):
            if j >= first or base_period == "universal":
                b = first - 1
            else:
                b = j - 1
            if j == b or b < 0:
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
            cells.append((cohort, periods[j], periods[b], mu_t - mu_c, n_t, n_c))
            psi_cols.append(psi)
    if not cells:
        raise ValueError("no cohort has comparison units: add never-treated units")
    psi_mat = np.column_stack(psi_cols)
    att = pd.DataFrame(
        cells, columns=["cohort", "time", "base_time", "estimate", "n_treated", "n_control"]
    )
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
            "base_time",
            "estimate",
            "se",
            "ci_low",
            "ci_high",
            "n_treated",
            "n_control",
        ]
    ]

    cell_att = att["estimate"].to_numpy()
    cell_cohort = att["cohort"].to_numpy(dtype=float)
    cell_time = att["time"].to_numpy(dtype=float)
    rel = att["rel_time"].to_numpy()
    post = rel >= 0
    if not post.any():
        raise ValueError("no post-adoption cell has comparison units")
    agg = _Aggregator(cell_att, psi_mat, cell_cohort, g_unit)
    estimate, psi_simple = agg.by_share(post)
    se = float(np.sqrt(np.sum(psi_simple**2)))

    def table(key: str, values: np.ndarray, parts: list[tuple[float, np.ndarray]]) -> pd.DataFrame:
        rows = [(v, *_summary(est, psi, q)) for v, (est, psi) in zip(values, parts, strict=True)]
        return pd.DataFrame(rows, columns=[key, "estimate", "se", "ci_low", "ci_high"])

    event_times = np.unique(rel)
    event_parts = [agg.by_share(rel == e) for e in event_times]
    event = table("rel_time", event_times.astype(int), event_parts)

    group_cohorts = [c for c in cohorts if np.any(post & (cell_cohort == c))]
    group_parts = []
    for c in group_cohorts:
        keep = post & (cell_cohort == c)
        group_parts.append((float(cell_att[keep].mean()), psi_mat[:, keep].mean(axis=1)))
    group = table("cohort", np.array(group_cohorts), group_parts)

    calendar_times = [tt for tt in periods if np.any(post & (cell_time == tt))]
    calendar_parts = [agg.by_share(post & (cell_time == tt)) for tt in calendar_times]
    calendar = table("time", np.array(calendar_times), calendar_parts)

    # R's overall summary of each aggregation
    shares = np.array([np.mean(g_unit == c) for c in group_cohorts])
    group_agg = _Aggregator(
        np.array([est for est, _ in group_parts]),
        np.column_stack([psi for _, psi in group_parts]),
        np.array(group_cohorts, dtype=float),
        g_unit,
    )
    assert np.allclose(group_agg.share, shares)
    group_overall = group_agg.by_share(np.ones(len(group_cohorts), dtype=bool))
    calendar_overall = (
        float(np.mean([est for est, _ in calendar_parts])),
        np.mean([psi for _, psi in calendar_parts], axis=0),
    )
    nonneg = [k for k, e in enumerate(event_times) if e >= 0]
    dynamic_overall = (
        float(np.mean([event_parts[k][0] for k in nonneg])),
        np.mean([event_parts[k][1] for k in nonneg], axis=0),
    )
    overall = table(
        "type",
        np.array(["simple", "group", "calendar", "dynamic"]),
        [(estimate, psi_simple), group_overall, calendar_overall, dynamic_overall],
    )
    # rounding leaves ~1e-17 of the weights' term when nothing varies: compare to the scale
    if not se > 1e-10 * float(np.max(np.abs(cell_att), initial=0.0)):
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
        base_period=base_period,
        alpha=alpha,
        alternative=alternative,
        att_gt=att.reset_index(drop=True),
        event=event,
        group=group,
        calendar=calendar,
        overall=overall,
    )
