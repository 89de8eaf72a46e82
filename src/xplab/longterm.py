r"""Long-term effects from short experiments: the surrogate index, and sizing a
long-term holdout.

A two-week test cannot observe 6-month retention. Two answers:

* **Surrogate index** (Athey, Chetty, Imbens & Kang 2019, "The surrogate
  index: combining short-term proxies to estimate long-term treatment
  effects", NBER w26463): learn E[Y | S] — the long-term outcome Y given
  short-term outcomes S (and pre-treatment covariates) — on *historical* data
  where both were observed, predict Y for every user of the new test, and
  compare the arms' mean predictions. Valid under **surrogacy** (the
  treatment moves Y only through S: Y ⊥ T | S) and **comparability** (E[Y | S]
  is the same in the historical data and in the new test). A novelty effect
  that inflates early activity, or a late effect the first two weeks cannot
  see, breaks surrogacy and the index is biased.
* **Long-term holdout**: keep a small share of users out of the launch for
  months and compare; :func:`holdout_plan` says how many users and how many
  days that takes.

This module is separate from :mod:`xplab.abtest`, which holds tests of two
arms of one experiment: the surrogate index combines a model fitted on other
data with a test, and holdout planning is about the design of a launch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import stats

from ._results import ResultMixin
from ._validate import (
    check_alpha,
    check_alternative,
    check_columns,
    check_count,
    check_positive,
    check_probability,
)
from .abtest._common import infer
from .abtest.power import _check_power, sample_size_proportions

__all__ = ["HoldoutPlan", "SurrogateIndexResult", "holdout_plan", "surrogate_index"]

Alternative = Literal["two-sided", "larger", "smaller"]


@dataclass(frozen=True, repr=False)
class SurrogateIndexResult(ResultMixin):
    """Result of :func:`surrogate_index`; ``estimate`` is the predicted
    long-term effect, treatment − control."""

    _title: ClassVar[str] = "Surrogate index: predicted long-term effect (treatment − control)"
    estimate: float
    ci: tuple[float, float]
    p_value: float
    se: float
    control_index: float
    treatment_index: float
    r_squared: float
    outcome: str
    surrogates: tuple[str, ...]
    coefficients: dict[str, float]
    n_historical: int
    n_c: int
    n_t: int
    alpha: float


def _matrix(frame: pd.DataFrame, columns: list[str], name: str) -> np.ndarray:
    text = [
        c
        for c in columns
        if not (pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]))
    ]
    if text:
        raise ValueError(
            f"surrogates must be numeric columns; in {name}, {text} hold "
            f"{', '.join(str(frame[c].dtype) for c in text)} (encode a category as 0/1 columns)"
        )
    x = frame[columns].to_numpy(dtype=float)
    if not np.all(np.isfinite(x)):
        bad = [c for c in columns if not np.all(np.isfinite(frame[c].to_numpy(dtype=float)))]
        raise ValueError(f"{name} has NaN or infinite values in {bad}")
    return np.column_stack([np.ones(len(frame)), x])


def surrogate_index(
    historical: pd.DataFrame,
    experiment: pd.DataFrame,
    *,
    surrogates: Sequence[str],
    outcome: str,
    variant: str = "variant",
    alpha: float = 0.05,
) -> SurrogateIndexResult:
    r"""Estimate a long-term effect from short-term outcomes with the surrogate index.

    H0: τ_Y = 0, the long-term effect (treatment − control), against a
    two-sided alternative; τ_Y is estimated by the effect on the index.

    1. On ``historical`` (users whose long-term outcome Y is known), fit the
       linear model Y = β₀ + S'β + ε by least squares (a linear probability
       model when Y is 0/1). Put pre-treatment covariates such as
       ``power_user`` into ``surrogates`` too: surrogacy then needs to hold
       only within their levels.
    2. The index of a user in the new test is Ŷ_i = β̂₀ + S_i'β̂.
    3. τ̂ = mean(Ŷ | treatment) − mean(Ŷ | control) = (S̄_t − S̄_c)'β̂.

    The variance, by the delta method, adds the two independent sources of
    noise — the test's sampling and the model's fit:

    .. math:: \widehat{\operatorname{Var}}(\hat\tau) =
              \hat\beta'\left(\frac{\hat\Sigma_t}{n_t} + \frac{\hat\Sigma_c}{n_c}\right)\hat\beta
              + \Delta'\,\widehat{\operatorname{Var}}_{HC1}(\hat\beta)\,\Delta,
              \qquad \Delta = (0, \bar S_t - \bar S_c)

    with Σ̂ the covariance of S within an arm and the heteroskedasticity-
    robust (HC1) covariance of β̂. CI: τ̂ ± z_{1−α/2}·SE.

    This SE covers sampling noise only. The index is *unbiased* only under
    surrogacy (Y ⊥ T | S) and comparability; when the treatment changes Y
    through a path S does not capture (novelty that inflates early activity,
    a late effect), no sample size removes the bias — check it on past tests
    that ran long enough (``benchmarks/bench_onboarding.py`` measures it).

    **The model of E[Y | S] must be right, too.** The index is linear in S:
    it is exact when E[Y | S] is linear (or S takes few values and enters
    as indicators), and otherwise extrapolates the historical fit to the
    treated arm's surrogates. With a 0/1 outcome whose P(Y = 1 | S) is
    logistic in one surrogate (expit(−1 + 2S)), surrogacy holding and the
    treatment shifting S by half an sd, the linear index estimated 0.1402 on
    average for a true effect of 0.1477, and its 95 % interval covered the
    truth in 54.8 % of 400 runs (``bench_onboarding.py``): the error does not
    shrink with more users. Add transformed surrogates (squares,
    indicators of ranges) when E[Y | S] may bend.

    Parameters
    ----------
    historical : DataFrame
        Past users with the ``surrogates`` and the long-term ``outcome``.
    experiment : DataFrame
        The new test's users with the ``surrogates`` and ``variant``
        ('control' or 'treatment').
    surrogates : sequence of str
        Column names of the short-term outcomes (and covariates), at least one.
    outcome : str
        Column name of the long-term outcome in ``historical``.
    variant : str
        Column name of the arm in ``experiment``.
    alpha : float
        Significance level, in (0, 1).

    Returns
    -------
    SurrogateIndexResult
        ``estimate``, ``ci``, ``p_value``, ``se``, ``control_index``,
        ``treatment_index`` (mean predictions per arm), ``r_squared`` of the
        historical fit, ``coefficients``, ``n_historical``, ``n_c``, ``n_t``.

    Examples
    --------
    >>> from xplab.data import simulate_onboarding
    >>> past = simulate_onboarding(10_000, early_effect=0.1, experiment="old", seed=1).users
    >>> new = simulate_onboarding(10_000, early_effect=0.1, seed=2)
    >>> r = surrogate_index(
    ...     past,
    ...     new.users,
    ...     surrogates=["active_days_14", "retained_7d", "power_user"],
    ...     outcome="retained_180d",
    ... )
    >>> round(r.estimate, 4), round(r.se, 4), round(new.truth["retained_180d"], 4)
    (0.0089, 0.0045, 0.0073)
    """
    if isinstance(surrogates, str) or not isinstance(surrogates, Sequence) or not surrogates:
        raise ValueError(f"surrogates must be a non-empty list of column names, got {surrogates!r}")
    cols = list(surrogates)
    if not all(isinstance(c, str) for c in cols):
        raise ValueError(f"surrogates must be column names (strings), got {cols!r}")
    if len(set(cols)) != len(cols):
        raise ValueError(f"surrogates must be unique, got {cols}")
    if not isinstance(outcome, str):
        raise ValueError(f"outcome must be a column name, got {outcome!r}")
    if outcome in cols:
        raise ValueError(f"outcome {outcome!r} cannot also be a surrogate (surrogates={cols})")
    check_columns(historical, cols, name="historical")
    if outcome not in historical.columns:
        raise ValueError(
            f"historical is missing column(s) [{outcome!r}]: outcome={outcome!r} is not a "
            f"column of historical; it has {list(historical.columns)}"
        )
    check_columns(experiment, [*cols, variant], name="experiment")
    alpha = check_alpha(alpha)

    x_h = _matrix(historical, cols, "historical")
    if not pd.api.types.is_numeric_dtype(historical[outcome]):
        raise ValueError(f"outcome column {outcome!r} must hold numbers")
    y = historical[outcome].to_numpy(dtype=float)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"historical has NaN or infinite values in {[outcome]}")
    if np.ptp(y) == 0:
        raise ValueError(
            f"outcome column {outcome!r} is constant in historical ({y[0]:g} for every user): "
            "the index predicts that value for everyone, so there is no effect to estimate"
        )
    n_h, p = x_h.shape
    if n_h <= p:
        raise ValueError(
            f"historical needs more rows ({n_h}) than coefficients ({p}) to fit the index"
        )
    if np.linalg.matrix_rank(x_h) < p:
        raise ValueError(
            f"the surrogates {cols} are collinear (or constant) in historical: drop one"
        )
    beta, *_ = np.linalg.lstsq(x_h, y, rcond=None)
    resid = y - x_h @ beta
    bread = np.linalg.inv(x_h.T @ x_h)
    meat = (x_h * resid[:, None] ** 2).T @ x_h
    cov_beta = bread @ meat @ bread * n_h / (n_h - p)  # HC1
    tss = float(np.sum((y - y.mean()) ** 2))
    r_squared = 1.0 - float(resid @ resid) / tss if tss > 0 else 0.0

    arms = experiment[variant]
    unknown = sorted(set(arms.astype(str)) - {"control", "treatment"})
    if unknown:
        raise ValueError(
            f"experiment[{variant!r}] must hold 'control' and 'treatment' only, got {unknown}"
        )
    x_e = _matrix(experiment, cols, "experiment")
    x_c = x_e[(arms == "control").to_numpy()]
    x_t = x_e[(arms == "treatment").to_numpy()]
    for name, arm in (("control", x_c), ("treatment", x_t)):
        if len(arm) < 2:
            raise ValueError(f"experiment needs at least 2 {name} users, got {len(arm)}")
    delta = x_t.mean(axis=0) - x_c.mean(axis=0)
    index_c, index_t = float(x_c.mean(axis=0) @ beta), float(x_t.mean(axis=0) @ beta)
    estimate = index_t - index_c
    pred_c, pred_t = x_c @ beta, x_t @ beta
    var_sampling = pred_c.var(ddof=1) / len(x_c) + pred_t.var(ddof=1) / len(x_t)
    var_model = float(delta @ cov_beta @ delta)
    se = math.sqrt(var_sampling + var_model)
    # rounding leaves ~1e-17 when the index is constant: compare with the outcome's spread
    if se <= 1e-12 * float(np.std(y)):
        raise ValueError("the index does not vary in the experiment: nothing to estimate")
    res = infer(estimate, se, alpha, "two-sided")
    return SurrogateIndexResult(
        estimate=estimate,
        ci=(res.ci_low, res.ci_high),
        p_value=res.p_value,
        se=se,
        control_index=index_c,
        treatment_index=index_t,
        r_squared=r_squared,
        outcome=outcome,
        surrogates=tuple(cols),
        coefficients=dict(zip(["intercept", *cols], map(float, beta), strict=True)),
        n_historical=n_h,
        n_c=len(x_c),
        n_t=len(x_t),
        alpha=alpha,
    )


@dataclass(frozen=True, repr=False)
class HoldoutPlan(ResultMixin):
    """Result of :func:`holdout_plan`: users and days for a long-term holdout."""

    _title: ClassVar[str] = "Long-term holdout plan"
    n_holdout: int
    n_exposed: int
    n_total: int
    enrollment_days: int
    horizon_days: int
    total_days: int
    holdout_share: float
    mde: float
    alpha: float
    power: float


def holdout_plan(
    mde: float,
    *,
    daily_users: float,
    baseline_rate: float | None = None,
    sd: float | None = None,
    holdout_share: float = 0.05,
    horizon_days: int = 180,
    alpha: float = 0.05,
    power: float = 0.8,
    alternative: Alternative = "two-sided",
) -> HoldoutPlan:
    r"""Users and calendar time a long-term holdout needs to detect ``mde``.

    H0: the long-term metric is the same with and without the launch
    (exposed − holdout = 0). A share h = ``holdout_share`` of new users is held
    out (the control), the rest get the change; r = (1 − h)/h exposed users per
    held-out one. Users are enrolled for ``enrollment_days`` and each is
    followed for ``horizon_days``, so the answer arrives after
    enrollment_days + horizon_days.

    * A rate (``baseline_rate`` p, e.g. 6-month retention): n_holdout from
      :func:`~xplab.abtest.sample_size_proportions` with ``ratio=r``.
    * A mean (``sd`` σ, e.g. 6-month revenue per user):
      n_holdout = ⌈(z_α + z_β)² σ² (1 + 1/r) / δ²⌉, z_α = z_{1−α/2}
      (two-sided) or z_{1−α}.

    n_exposed = ⌈r·n_holdout⌉; enrollment_days = ⌈(n_holdout + n_exposed) /
    daily_users⌉. A small holdout costs little (few users miss the launch) but
    needs many users in total: the variance is dominated by the small arm.

    Parameters
    ----------
    mde : float
        The long-term effect to detect, > 0, in the metric's units (0.01 = one
        percentage point of retention).
    daily_users : float
        New users entering per day, > 0.
    baseline_rate, sd : float
        Exactly one: the holdout's expected rate (a proportion metric) or the
        metric's standard deviation per user (a mean metric).
    holdout_share : float
        Share of users held out, in (0, 1).
    horizon_days : int
        Days each user is followed, >= 1 (180 for a 6-month effect).
    alpha, power : float
        Significance level in (0, 1) and power in (alpha, 1): at or below
        alpha a test with no effect at all rejects that often.
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    HoldoutPlan
        ``n_holdout``, ``n_exposed``, ``n_total``, ``enrollment_days``,
        ``horizon_days``, ``total_days`` and the inputs.

    Examples
    --------
    >>> plan = holdout_plan(0.01, baseline_rate=0.18, daily_users=5_000)
    >>> plan.n_holdout, plan.n_total, plan.total_days
    (12548, 250960, 231)
    """
    delta = check_positive(mde, name="mde")
    daily = check_positive(daily_users, name="daily_users")
    h = check_probability(holdout_share, name="holdout_share")
    horizon = check_count(horizon_days, name="horizon_days", minimum=1)
    alpha = check_alpha(alpha)
    power = _check_power(power, alpha)
    alt = check_alternative(alternative)
    if (baseline_rate is None) == (sd is None):
        raise ValueError("give exactly one of baseline_rate (a rate) or sd (a mean metric)")
    ratio = (1 - h) / h
    if baseline_rate is not None:
        n_c = sample_size_proportions(
            baseline_rate, delta, alpha=alpha, power=power, ratio=ratio, alternative=alt
        )
    else:
        sigma = check_positive(sd, name="sd")
        z_a = stats.norm.ppf(1 - alpha / 2 if alt == "two-sided" else 1 - alpha)
        n = (z_a + stats.norm.ppf(power)) ** 2 * sigma**2 * (1 + 1 / ratio) / delta**2
        n_c = math.ceil(n - 1e-9)
    n_t = math.ceil(ratio * n_c - 1e-9)
    enrollment = math.ceil((n_c + n_t) / daily - 1e-9)
    return HoldoutPlan(
        n_holdout=n_c,
        n_exposed=n_t,
        n_total=n_c + n_t,
        enrollment_days=enrollment,
        horizon_days=horizon,
        total_days=enrollment + horizon,
        holdout_share=h,
        mde=delta,
        alpha=alpha,
        power=power,
    )
