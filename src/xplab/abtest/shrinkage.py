r"""The winner's curse and its fix: empirical-Bayes shrinkage of many experiments.

Ship only the experiments that came out significant and their measured lifts
are biased upwards: at low power, a result clears the bar mostly when noise
pushed it there. Treat the portfolio as draws from one distribution of true
effects, estimate that distribution from all results, and pull each estimate
towards its mean in proportion to its noise (the normal–normal model):

.. math:: \theta_i \sim N(\mu, \tau^2), \qquad
          \hat\theta_i \mid \theta_i \sim N(\theta_i, s_i^2)

.. math:: E[\theta_i \mid \hat\theta_i] = \mu + (1 - B_i)(\hat\theta_i - \mu),
          \qquad B_i = \frac{s_i^2}{s_i^2 + \tau^2}
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from scipy import optimize

from .._results import ResultMixin
from .._validate import as_1d_array, check_choice, check_real

Method = Literal["mle", "moments"]


@dataclass(frozen=True, repr=False)
class ShrinkageResult(ResultMixin):
    """Result of :func:`shrink`: the shrunk estimates (posterior means), their
    posterior standard deviations, the estimated prior and the shrinkage factors
    B_i (0 = estimate kept, 1 = replaced by the prior mean)."""

    _title: ClassVar[str] = "Empirical-Bayes shrinkage (normal–normal)"
    estimates: np.ndarray
    standard_errors: np.ndarray
    shrunk: np.ndarray
    posterior_sd: np.ndarray
    shrinkage_factors: np.ndarray
    prior_mean: float
    prior_sd: float
    method: str


def _weighted_mean(y: np.ndarray, v: np.ndarray, tau2: float) -> float:
    w = 1 / (v + tau2)
    return float(np.sum(w * y) / np.sum(w))


def _neg_profile_loglik(tau2: float, y: np.ndarray, v: np.ndarray, mu: float | None) -> float:
    total = v + tau2
    m = _weighted_mean(y, v, tau2) if mu is None else mu
    return 0.5 * float(np.sum(np.log(total) + (y - m) ** 2 / total))


def _tau2_mle(y: np.ndarray, v: np.ndarray, mu: float | None) -> float:
    # the marginal likelihood is maximised over τ² ≥ 0; the boundary τ² = 0
    # (all true effects equal) is a legitimate answer and is compared explicitly
    upper = max(float(np.var(y)) * 4, float(np.max(v)), 1e-300)
    res = optimize.minimize_scalar(
        _neg_profile_loglik,
        bounds=(0.0, upper),
        args=(y, v, mu),
        method="bounded",
        options={"xatol": upper * 1e-12},
    )
    best = float(res.x)
    if _neg_profile_loglik(0.0, y, v, mu) <= _neg_profile_loglik(best, y, v, mu):
        return 0.0
    return best


def _tau2_moments(y: np.ndarray, v: np.ndarray, mu: float | None) -> float:
    if mu is not None:
        # E[(θ̂ − μ)²] = τ² + s², averaged over experiments
        return max(float(np.mean((y - mu) ** 2 - v)), 0.0)
    # DerSimonian & Laird (1986)
    w = 1 / v
    mean_fixed = np.sum(w * y) / np.sum(w)
    q = float(np.sum(w * (y - mean_fixed) ** 2))
    denom = float(np.sum(w) - np.sum(w**2) / np.sum(w))
    return max((q - (y.size - 1)) / denom, 0.0)


def shrink(
    estimates: Any,
    standard_errors: Any,
    *,
    method: Method = "mle",
    prior_mean: float | None = None,
) -> ShrinkageResult:
    r"""Empirical-Bayes shrinkage of a portfolio of experiment estimates.

    Model: each experiment's true effect θ_i ~ N(μ, τ²) (the prior, shared by
    the portfolio), and its estimate θ̂_i ~ N(θ_i, s_i²) with the reported
    standard error s_i. The prior is estimated from all estimates, then

    .. math:: \tilde\theta_i = \hat\mu + (1 - B_i)(\hat\theta_i - \hat\mu), \quad
              B_i = \frac{s_i^2}{s_i^2 + \hat\tau^2}, \quad
              \mathrm{sd}(\theta_i \mid \hat\theta_i) = \sqrt{(1 - B_i)\, s_i^2}

    ``method='mle'`` (default) maximises the marginal likelihood
    θ̂_i ~ N(μ, τ² + s_i²) over τ² ≥ 0, with μ profiled out as the weighted
    mean Σw_iθ̂_i/Σw_i, w_i = 1/(τ² + s_i²). ``method='moments'`` uses the
    DerSimonian–Laird moment estimator (as in meta-analysis). Both give τ̂² = 0
    (complete pooling) when the estimates vary no more than their noise.
    **The posterior SD ignores the uncertainty in μ̂ and τ̂²**, so intervals
    shrunk ± 1.96·posterior_sd cover less than 95 %. In
    ``benchmarks/bench_cuped.py`` (true effects N(0, 0.01²), SEs uniform on
    0.005–0.02) they covered 64.5 / 79.0 / 91.0 / 94.3 % of the true effects
    with 10 / 20 / 50 / 200 experiments (``'mle'``) and 73.5 / 83.6 / 91.8 /
    94.3 % (``'moments'``). Read them as intervals only with a few hundred
    experiments; with fewer, the shrunk point estimates are the useful
    output (their error is much smaller than the raw estimates').

    Parameters
    ----------
    estimates : array-like
        Estimated effects θ̂_i (treatment − control) of at least 3 experiments.
    standard_errors : array-like
        Their standard errors s_i > 0, one per estimate.
    method : {'mle', 'moments'}
        How to estimate the prior spread τ².
    prior_mean : float, optional
        Fix μ (e.g. 0: "most ideas do nothing") instead of estimating it.

    Returns
    -------
    ShrinkageResult
        ``shrunk``, ``posterior_sd``, ``shrinkage_factors`` (B_i), ``prior_mean``
        (μ̂), ``prior_sd`` (τ̂).

    Examples
    --------
    >>> r = shrink([0.04, -0.01, 0.0, 0.02, 0.01], [0.01, 0.01, 0.01, 0.01, 0.01])
    >>> round(r.prior_mean, 4), round(r.prior_sd, 4)  # equal SEs: τ̂² = var(θ̂) − s²
    (0.012, 0.014)
    >>> np.round(r.shrunk, 4)
    array([ 0.0305, -0.0026,  0.0041,  0.0173,  0.0107])
    """
    y = as_1d_array(estimates, name="estimates", min_size=3)
    s = as_1d_array(standard_errors, name="standard_errors", min_size=3)
    if s.size != y.size:
        raise ValueError(
            f"standard_errors must have one value per estimate ({y.size}), got {s.size}"
        )
    if np.any(s <= 0):
        raise ValueError("standard_errors must all be > 0")
    method = check_choice(method, ("mle", "moments"), name="method")
    mu_fixed = None if prior_mean is None else check_real(prior_mean, name="prior_mean")
    v = s**2
    tau2 = _tau2_mle(y, v, mu_fixed) if method == "mle" else _tau2_moments(y, v, mu_fixed)
    mu = _weighted_mean(y, v, tau2) if mu_fixed is None else mu_fixed
    b = v / (v + tau2)
    shrunk = mu + (1 - b) * (y - mu)
    return ShrinkageResult(
        estimates=y,
        standard_errors=s,
        shrunk=shrunk,
        posterior_sd=np.sqrt((1 - b) * v),
        shrinkage_factors=b,
        prior_mean=float(mu),
        prior_sd=math.sqrt(tau2),
        method=method,
    )
