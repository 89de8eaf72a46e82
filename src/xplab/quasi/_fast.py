"""Two-way fixed effects on balanced panels, vectorised over many panels at once.

On a balanced panel the two-way within transformation is exact in one step,

    ỹ_it = y_it − ȳ_i· − ȳ_·t + ȳ_··,

so β̂ = Σ d̃ỹ / Σ d̃² and the CR1 variance clustered by unit is

    V = G/(G − 1) · (n − 1)/(n − k) · Σ_i (Σ_t d̃_it e_it)² / (Σ d̃²)²,

with k = T + 1 (the coefficient and the T period effects; the unit effects are
nested in the clusters and not counted — pyfixest's and R fixest's default
small-sample correction). The naive iid variance is Σe²/(n − G − T) / Σd̃².
The Monte Carlo benchmarks and the permutation placebo run thousands of panels
through this; ``tests/quasi/test_fast.py`` checks it against pyfixest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def demean_two_way(a: np.ndarray) -> np.ndarray:
    """Remove unit and period means from arrays shaped (..., units, periods)."""
    return (
        a
        - a.mean(axis=-1, keepdims=True)
        - a.mean(axis=-2, keepdims=True)
        + a.mean(axis=(-2, -1), keepdims=True)
    )


@dataclass(frozen=True)
class FastTWFE:
    """Estimates and standard errors, one per panel (arrays over the leading axes)."""

    estimate: np.ndarray
    se: np.ndarray
    se_iid: np.ndarray


def twfe_balanced(y: np.ndarray, d: np.ndarray) -> FastTWFE:
    """TWFE DiD on balanced panels ``y``, ``d`` shaped (..., units, periods).

    ``d`` may have fewer leading axes than ``y`` (broadcast). Standard errors
    are CR1 clustered by unit and iid.
    """
    y = np.asarray(y, dtype=float)
    d = np.asarray(d, dtype=float)
    n_units, n_periods = y.shape[-2:]
    n = n_units * n_periods
    yt = demean_two_way(y)
    dt = demean_two_way(d)
    sxx = (dt * dt).sum(axis=(-2, -1))
    beta = (dt * yt).sum(axis=(-2, -1)) / sxx
    resid = yt - beta[..., None, None] * dt
    scores = (dt * resid).sum(axis=-1)
    k = n_periods + 1
    factor = n_units / (n_units - 1) * (n - 1) / (n - k)
    se = np.sqrt(factor * (scores**2).sum(axis=-1)) / sxx
    sigma2 = (resid**2).sum(axis=(-2, -1)) / (n - n_units - n_periods)
    se_iid = np.sqrt(sigma2 / sxx)
    return FastTWFE(estimate=beta, se=se, se_iid=se_iid)
