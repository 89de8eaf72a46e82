"""Event study: leads and lags of adoption in one two-way fixed-effects regression.

The lead coefficients (periods before adoption) are the parallel-trends check:
if treated and control units were on parallel paths before the change, they
are close to zero. The lag coefficients trace the effect as it builds up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from .._validate import check_alpha, check_count
from ._panel import (
    check_constant_within_unit,
    check_frame,
    check_unique_cells,
    first_treated_column,
    key_column,
    numeric_column,
)
from .did import fit_feols


@dataclass(frozen=True, repr=False)
class EventStudyResult(ResultMixin):
    """Event-study coefficients by time relative to adoption.

    ``table`` has one row per relative period (``rel_time``, with the reference
    period at 0 and no SE), with ``estimate, se, ci_low, ci_high, p_value``.
    ``pretrend_p_value`` is the joint Wald test that every lead is zero
    (F with ``n_clusters − 1`` denominator degrees of freedom).
    """

    _title: ClassVar[str] = "Event study (TWFE leads and lags)"

    ref: int
    window: tuple[int, int]
    n_obs: int
    n_clusters: int
    n_treated_units: int
    n_never_treated_units: int
    pretrend_f: float
    pretrend_p_value: float
    alpha: float
    table: pd.DataFrame = field(repr=False)

    def plot(self, ax: Any = None, *, label: str | None = None) -> Any:
        """Coefficients with their confidence intervals against relative time.

        Returns the matplotlib Axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        t = self.table
        level = round(100 * (1 - self.alpha))
        ax.axhline(0, color="grey", lw=1)
        ax.axvline(self.ref + 0.5, color="grey", ls=":", lw=1)
        ax.errorbar(
            t["rel_time"],
            t["estimate"],
            yerr=[t["estimate"] - t["ci_low"], t["ci_high"] - t["estimate"]],
            fmt="o",
            capsize=3,
            label=label or f"estimate with {level}% CI",
        )
        ax.set_xlabel("periods relative to adoption (reference period: estimate 0)")
        ax.set_ylabel("effect on the outcome")
        ax.set_title("Event study: leads test parallel trends, lags trace the effect")
        ax.legend()
        return ax


def _dummy_name(k: int) -> str:
    return f"lead{-k}" if k < 0 else f"lag{k}"


def event_study(
    df: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    ref: int = -1,
    window: tuple[int, int] | None = None,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> EventStudyResult:
    """Leads and lags of adoption, estimated jointly by two-way fixed effects.

    The regression (``pyfixest.feols``, CR1 standard errors clustered by
    ``cluster``, default ``unit``):

        Y_it = α_i + λ_t + Σ_{k ≠ ref} β_k · 1[t − G_i = k] + ε_it,

    where G_i is unit i's adoption period (``first_treated``) and k runs over
    the relative periods in ``window``; relative periods beyond the window are
    binned into its end points (``≤ lo`` and ``≥ hi``). Never-treated units
    (``first_treated`` NaN, or 0 when 0 is not a period of the panel, as R
    ``did`` and pyfixest code them) have every indicator 0: they pin down the
    period effects λ_t. Each β_k is the change in the treated-minus-control
    gap from the reference period ``ref`` to period k.

    H0 for each β_k: β_k = 0 (two-sided t test with G − 1 degrees of freedom);
    the joint pre-trend test has H0: β_k = 0 for every k < 0, k ≠ ref. A large
    p-value is weak evidence: pre-trend tests have little power.

    Time must be numeric with a step of 1 between consecutive periods (e.g.
    day or quarter numbers), so that t − G_i counts periods; a column of
    dates is refused with the conversion to use. With staggered
    adoption and heterogeneous effects the lags mix cohorts with odd weights
    (Sun & Abraham 2021); :func:`callaway_santanna` gives clean ones.

    Parameters
    ----------
    df : DataFrame
        A panel, one row per unit and period.
    outcome, unit, time : str
        Columns: outcome, unit id, integer period.
    first_treated : str
        Column with the unit's adoption period, constant within a unit; NaN
        for never-treated units (0 too, when 0 is not a period of the panel).
    ref : int
        The omitted relative period (−1: the last period before adoption).
    window : (int, int), optional
        (lo, hi) relative periods to estimate, lo < 0 ≤ hi; by default every
        relative period in the data.
    cluster : str, optional
        Column to cluster by; default ``unit``.
    alpha : float
        1 − confidence level of the intervals.

    Returns
    -------
    EventStudyResult
        ``table`` of coefficients, the pre-trend test, and ``.plot()``.

    Examples
    --------
    >>> from xplab.data import load_organ_donations
    >>> es = event_study(load_organ_donations(), outcome="rate", unit="state",
    ...                  time="quarter_num", first_treated="first_treated")
    >>> es.table["estimate"].round(4).tolist()
    [-0.0029, 0.0063, 0.0, -0.0216, -0.0203, -0.0222]
    """
    check_frame(
        df,
        {
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "first_treated": first_treated,
            "cluster": cluster,
        },
    )
    alpha = check_alpha(alpha)
    if isinstance(ref, bool) or not isinstance(ref, int | np.integer):
        raise ValueError(f"ref must be an int (a relative period), got {ref!r}")
    ref = int(ref)
    y = numeric_column(df, outcome, name="outcome")
    t = numeric_column(df, time, name="time")
    if not np.all(t == np.round(t)):
        raise ValueError(f"time column {time!r} must hold whole numbers (period counts)")
    g = first_treated_column(df, first_treated, np.unique(t))
    units = key_column(df, unit, name="unit")
    check_unique_cells(units, pd.Series(t))
    check_constant_within_unit(units, g, name="first_treated")
    treated_unit = ~np.isnan(g)
    if not treated_unit.any():
        raise ValueError(f"first_treated column {first_treated!r} has no treated unit (all NaN)")
    rel = np.where(treated_unit, t - np.where(treated_unit, g, 0), np.nan)
    observed = np.unique(rel[treated_unit]).astype(int)
    if window is None:
        lo, hi = int(observed.min()), int(observed.max())
    else:
        if not (isinstance(window, tuple | list) and len(window) == 2):
            raise ValueError(f"window must be a pair (lo, hi) of ints, got {window!r}")
        lo = check_count(window[0], name="window[0]", minimum=-(10**9))
        hi = check_count(window[1], name="window[1]", minimum=-(10**9))
        if not lo < 0 <= hi:
            raise ValueError(f"window must satisfy lo < 0 <= hi, got {window!r}")
    if not lo <= ref <= hi:
        raise ValueError(f"ref={ref} must lie inside the window ({lo}, {hi})")
    binned = np.clip(rel, lo, hi)
    data = pd.DataFrame(
        {
            "y": y,
            "unit": units,
            "time": t,
            "cluster": key_column(df, cluster or unit, name="cluster"),
        }
    )
    ks = [k for k in range(lo, hi + 1) if k != ref]
    present = []
    for k in ks:
        column = (treated_unit & (binned == k)).astype(float)
        if column.any():
            data[_dummy_name(k)] = column
            present.append(k)
    formula = "y ~ " + " + ".join(_dummy_name(k) for k in present) + " | unit + time"
    fit = fit_feols(formula, data)
    coef, se_all = fit.coef(), fit.se()
    n_clusters = int(data["cluster"].nunique())
    dist = stats.t(n_clusters - 1)
    q = dist.ppf(1 - alpha / 2)
    rows = []
    for k in range(lo, hi + 1):
        name = _dummy_name(k)
        if k == ref:
            rows.append((k, 0.0, np.nan, 0.0, 0.0, np.nan))
        elif name in coef.index:
            b, s = float(coef[name]), float(se_all[name])
            rows.append((k, b, s, b - q * s, b + q * s, float(2 * dist.sf(abs(b / s)))))
    table = pd.DataFrame(
        rows, columns=["rel_time", "estimate", "se", "ci_low", "ci_high", "p_value"]
    )
    leads = [_dummy_name(k) for k in present if k < 0 and _dummy_name(k) in coef.index]
    if leads:
        idx = [list(coef.index).index(n) for n in leads]
        b = coef.to_numpy()[idx]
        vcov = np.asarray(fit._vcov)[np.ix_(idx, idx)]
        f_stat = float(b @ np.linalg.solve(vcov, b) / len(idx))
        f_p = float(stats.f.sf(f_stat, len(idx), n_clusters - 1))
    else:
        f_stat, f_p = np.nan, np.nan
    unit_first = pd.Series(g).groupby(units.to_numpy()).first()
    return EventStudyResult(
        ref=ref,
        window=(lo, hi),
        n_obs=int(fit._N),
        n_clusters=n_clusters,
        n_treated_units=int(unit_first.notna().sum()),
        n_never_treated_units=int(unit_first.isna().sum()),
        pretrend_f=f_stat,
        pretrend_p_value=f_p,
        alpha=alpha,
        table=table,
    )
