"""Difference-in-differences: the 2×2 table of means and the two-way fixed-effects
regression with cluster-robust standard errors.

Nothing is randomised here: a treatment switched on for some units from some
period on is compared with units that did not get it, and the comparison is
only as good as the parallel-trends assumption — without the treatment, the
treated units' outcome would have moved like the controls'.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from .._validate import check_alpha, check_alternative
from ..abtest._common import infer
from ._panel import check_frame, key_column, numeric_column

Alternative = Literal["two-sided", "larger", "smaller"]


@dataclass(frozen=True, repr=False)
class DiD2x2Result(ResultMixin):
    """The four group means of a 2×2 difference-in-differences.

    ``estimate`` = (treated_post − treated_pre) − (control_post − control_pre).
    """

    _title: ClassVar[str] = "Difference-in-differences (2×2 means)"

    estimate: float
    treated_pre: float
    treated_post: float
    control_pre: float
    control_post: float
    change_treated: float
    change_control: float
    n_obs: dict[str, int] = field(repr=False)

    @property
    def table(self) -> pd.DataFrame:
        """The 2×2 table of means with the differences in the margins."""
        return pd.DataFrame(
            {
                "pre": [self.control_pre, self.treated_pre, self.treated_pre - self.control_pre],
                "post": [
                    self.control_post,
                    self.treated_post,
                    self.treated_post - self.control_post,
                ],
                "post − pre": [self.change_control, self.change_treated, self.estimate],
            },
            index=pd.Index(["control", "treated", "treated − control"], name="group"),
        )


def did_2x2(df: pd.DataFrame, *, outcome: str, treated: str, post: str) -> DiD2x2Result:
    """The difference-in-differences of four group means.

    The teaching derivation: with a treated group T and a control group C, each
    seen before and after the change,

        DiD = (Ȳ_T,post − Ȳ_T,pre) − (Ȳ_C,post − Ȳ_C,pre).

    The control group's change stands in for what would have happened to the
    treated group without treatment (parallel trends). On a balanced panel
    where the treated group is treated in exactly the post period, this equals
    the coefficient of :func:`twfe`; use :func:`twfe` for its standard error.

    Parameters
    ----------
    df : DataFrame
        One row per observation (unit-period, or individual).
    outcome : str
        Column with the outcome.
    treated : str
        Column marking the treated *group* (0/1 or bool), whether or not the
        period is post.
    post : str
        Column marking the post period (0/1 or bool).

    Returns
    -------
    DiD2x2Result
        ``estimate`` and the four means; ``.table`` is the 2×2 table.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 1.5, 4.0], "g": [0, 0, 1, 1], "p": [0, 1, 0, 1]})
    >>> did_2x2(df, outcome="y", treated="g", post="p").estimate  # (4 − 1.5) − (2 − 1)
    1.5
    """
    check_frame(df, {"outcome": outcome, "treated": treated, "post": post})
    y = numeric_column(df, outcome, name="outcome")
    flags = {}
    for arg, column in (("treated", treated), ("post", post)):
        values = numeric_column(df, column, name=arg)
        if not np.isin(values, (0.0, 1.0)).all():
            raise ValueError(f"{arg} column {column!r} must hold only 0/1 (or bool) values")
        flags[arg] = values.astype(bool)
    means: dict[str, float] = {}
    counts: dict[str, int] = {}
    for g_name, g in (("treated", flags["treated"]), ("control", ~flags["treated"])):
        for p_name, p in (("post", flags["post"]), ("pre", ~flags["post"])):
            cell = g & p
            key = f"{g_name}_{p_name}"
            if not cell.any():
                raise ValueError(
                    f"the {g_name} group has no {p_name}-period rows; DiD needs all four cells"
                )
            means[key] = float(y[cell].mean())
            counts[key] = int(cell.sum())
    change_t = means["treated_post"] - means["treated_pre"]
    change_c = means["control_post"] - means["control_pre"]
    return DiD2x2Result(
        estimate=change_t - change_c,
        change_treated=change_t,
        change_control=change_c,
        n_obs=counts,
        **means,
    )


@dataclass(frozen=True, repr=False)
class TWFEResult(ResultMixin):
    """Two-way fixed-effects DiD: the treatment coefficient with a cluster-robust SE.

    ``se`` is CR1 clustered by ``cluster``; ``ci`` and ``p_value`` use a t
    distribution with ``n_clusters − 1`` degrees of freedom (as R ``fixest``
    and Stata do). ``se_iid`` is the naive SE that ignores clustering, shown
    only to see how wrong it is.
    """

    _title: ClassVar[str] = "Two-way fixed-effects DiD"

    estimate: float
    se: float
    ci: tuple[float, float]
    p_value: float
    statistic: float
    n_clusters: int
    n_obs: int
    se_iid: float
    cluster: str
    alpha: float
    alternative: str

    @property
    def significant(self) -> bool:
        """Whether H0 (no effect) is rejected at ``alpha``."""
        return self.p_value < self.alpha


def fit_feols(formula: str, data: pd.DataFrame, *, weights: str | None = None) -> Any:
    """``pyfixest.feols`` with CR1 errors clustered by the ``cluster`` column of ``data``."""
    import pyfixest as pf  # heavy import, done on first use only

    with warnings.catch_warnings():
        # pyfixest 0.60 calls reset_index(inplace=True), deprecated in pandas 3.1;
        # the warning is about pyfixest's code, not about the user's data
        warnings.filterwarnings(
            "ignore", message="The inplace keyword", category=DeprecationWarning
        )
        return pf.feols(formula, data=data, vcov={"CRV1": "cluster"}, weights=weights)


def twfe(
    df: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str,
    cluster: str | None = None,
    weights: str | None = None,
    alpha: float = 0.05,
    alternative: Alternative = "two-sided",
) -> TWFEResult:
    """Two-way fixed-effects difference-in-differences with clustered standard errors.

    The regression, fitted by ``pyfixest.feols`` (the Python port of R ``fixest``):

        Y_it = α_i + λ_t + β·D_it + ε_it,

    with unit effects α_i, period effects λ_t and the treatment indicator D_it.
    H0: β = 0 against H1: β ≠ 0 (``'two-sided'``), β > 0 (``'larger'``) or
    β < 0 (``'smaller'``). The standard error is cluster-robust (CR1),

        V = G/(G − 1) · (n − 1)/(n − k) · (X̃'X̃)⁻¹ Σ_g (X̃_g'e_g)(X̃_g'e_g)' (X̃'X̃)⁻¹,

    with G clusters, X̃ the regressors after removing the fixed effects and k
    the parameters not nested in the clusters; the test statistic β̂/SE is
    compared with t(G − 1). Clustering matters because a unit's errors are
    correlated over time: the naive SE (``se_iid``) treats every unit-period as
    independent and is usually far too small.

    With a single adoption date, β is the DiD; with staggered adoption and
    effects that change over time or across cohorts, β is a weighted average
    that can even have the wrong sign (Goodman-Bacon 2021) — use
    :func:`xplab.quasi.callaway_santanna` then.

    Parameters
    ----------
    df : DataFrame
        A panel, one row per unit and period.
    outcome, unit, time, treatment : str
        Columns: the outcome, the unit id, the period, and the treatment
        indicator D (0/1; numeric doses are accepted too).
    cluster : str, optional
        Column to cluster by; by default ``unit`` (R ``fixest``'s default).
    weights : str, optional
        Column of regression weights (e.g. sessions when the outcome is a rate).
    alpha : float
        1 − confidence level of ``ci``.
    alternative : {'two-sided', 'larger', 'smaller'}
        The alternative hypothesis; 'larger' means β > 0.

    Returns
    -------
    TWFEResult
        ``estimate``, ``se``, ``ci``, ``p_value``, ``n_clusters``, ``n_obs``, ``se_iid``.

    Examples
    --------
    >>> from xplab.data import load_organ_donations
    >>> res = twfe(load_organ_donations(), outcome="rate", unit="state",
    ...            time="quarter_num", treatment="treated")
    >>> round(res.estimate, 5), round(res.se, 5), res.n_clusters
    (-0.02246, 0.00613, 27)
    """
    check_frame(
        df,
        {
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "treatment": treatment,
            "cluster": cluster,
            "weights": weights,
        },
    )
    alpha = check_alpha(alpha)
    alternative = check_alternative(alternative)
    data = pd.DataFrame(
        {
            "y": numeric_column(df, outcome, name="outcome"),
            "d": numeric_column(df, treatment, name="treatment"),
            "unit": key_column(df, unit, name="unit"),
            "time": key_column(df, time, name="time"),
            "cluster": key_column(df, cluster or unit, name="cluster"),
        }
    )
    if weights is not None:
        w = numeric_column(df, weights, name="weights")
        if (w < 0).any():
            raise ValueError(f"weights column {weights!r} must be >= 0")
        data["w"] = w
    _check_identified(data, treatment)
    try:
        fit = fit_feols("y ~ d | unit + time", data, weights="w" if weights is not None else None)
    except ValueError as exc:
        if "collinear" not in str(exc):
            raise
        raise ValueError(_collinear(treatment, "a sum of a unit part and a period part")) from None
    if "d" not in fit.coef().index:
        raise ValueError(_collinear(treatment, "a sum of a unit part and a period part"))
    estimate = float(fit.coef()["d"])
    se = float(fit.se()["d"])
    n_clusters = int(data["cluster"].nunique())
    fit.vcov("iid")
    se_iid = float(fit.se()["d"])
    inf = infer(estimate, se, alpha, alternative, dist=stats.t(n_clusters - 1))
    return TWFEResult(
        estimate=estimate,
        se=se,
        ci=(float(inf.ci_low), float(inf.ci_high)),
        p_value=float(inf.p_value),
        statistic=float(inf.statistic),
        n_clusters=n_clusters,
        n_obs=int(fit._N),
        se_iid=se_iid,
        cluster=cluster or unit,
        alpha=alpha,
        alternative=alternative,
    )


def _collinear(treatment: str, how: str) -> str:
    return (
        f"treatment column {treatment!r} is {how}, so the unit and time fixed effects absorb "
        "it and its effect cannot be estimated. TWFE needs D_it = 1 from the adoption period "
        "on for the treated units (treated × post), 0 before and for the controls"
    )


def _check_identified(data: pd.DataFrame, treatment: str) -> None:
    """Clear errors for panels on which the DiD coefficient cannot be estimated."""
    n_clusters = data["cluster"].nunique()
    if n_clusters < 2:
        raise ValueError(f"cluster needs at least 2 distinct values, got {n_clusters}")
    if data["d"].nunique() < 2:
        raise ValueError(
            "treatment column does not vary: there are no treated (or no untreated) rows"
        )
    if (data.groupby("unit", sort=False)["d"].nunique() < 2).all():
        raise ValueError(
            _collinear(treatment, "constant within every unit (a group marker, not D_it)")
        )
    if (data.groupby("time", sort=False)["d"].nunique() < 2).all():
        raise ValueError(
            _collinear(treatment, "the same for every unit in each period (a period marker)")
        )
    if not math.isfinite(float(data["y"].var())) or data["y"].nunique() < 2:
        raise ValueError("outcome column is constant: there is nothing to explain")
