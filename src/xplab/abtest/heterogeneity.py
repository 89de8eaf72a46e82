"""Heterogeneity: do segments (new vs returning users, countries, devices) differ
in their treatment effect?

Testing each segment's effect against zero cannot answer this: "significant in
one segment, not in the other" is not a significant difference between them.
Cochran's Q tests the differences directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._results import ResultMixin
from .._validate import as_1d_array, check_alpha


@dataclass(frozen=True, repr=False)
class HeterogeneityResult(ResultMixin):
    """Result of :func:`heterogeneity_test`."""

    _title: ClassVar[str] = "Heterogeneity of segment effects (Cochran's Q)"
    statistic: float
    p_value: float
    df: int
    i_squared: float
    pooled_estimate: float
    pooled_se: float
    alpha: float

    @property
    def significant(self) -> bool:
        """Whether H0 (one common effect) is rejected at ``alpha``."""
        return self.p_value < self.alpha


def heterogeneity_test(
    estimates: Any, standard_errors: Any, *, alpha: float = 0.05
) -> HeterogeneityResult:
    r"""Cochran's Q test: do K ≥ 2 independent effect estimates share one true effect?

    H0: θ_1 = θ_2 = … = θ_K (one common effect) against H1: at least two differ.
    With weights w_i = 1/se_i² and the inverse-variance pooled estimate
    θ̄ = Σ w_i θ_i / Σ w_i,

    .. math:: Q = \sum_i w_i (\hat\theta_i - \bar\theta)^2 \sim \chi^2_{K-1}
              \text{ under H0}, \qquad I^2 = \max\left(0, \frac{Q - (K-1)}{Q}\right)

    I² is the share of the spread between estimates beyond what their standard
    errors explain. For K = 2, Q = (θ_1 − θ_2)²/(se_1² + se_2²), so the
    p-value is that of the two-sided z-test of the difference between the two
    segments. The estimates must come from independent samples (disjoint
    segments), and each should be approximately normal.

    A large p-value means the data cannot detect a difference between
    segments, not that the segments are alike: segment-level tests are often
    underpowered. ``pooled_estimate`` and ``pooled_se`` are the fixed-effect
    (inverse-variance) combination, as ``statsmodels.stats.meta_analysis.
    combine_effects`` reports.

    Parameters
    ----------
    estimates : array-like
        One effect estimate per segment (e.g. each segment's
        ``proportion_test(...).estimate``), at least two.
    standard_errors : array-like
        Their standard errors (``.se``), all > 0, same length.
    alpha : float
        Significance level for ``significant``, in (0, 1).

    Returns
    -------
    HeterogeneityResult
        ``statistic`` (Q), ``p_value``, ``df`` (K − 1), ``i_squared``,
        ``pooled_estimate``, ``pooled_se``, ``alpha``.

    Examples
    --------
    >>> r = heterogeneity_test([0.0067, 0.0085], [0.0050, 0.0040])
    >>> round(r.statistic, 4), round(r.p_value, 3), r.df
    (0.079, 0.779, 1)
    """
    theta = as_1d_array(estimates, name="estimates", min_size=2)
    se = as_1d_array(standard_errors, name="standard_errors", min_size=2)
    alpha = check_alpha(alpha)
    if se.size != theta.size:
        raise ValueError(
            f"standard_errors must have one value per estimate ({theta.size}), got {se.size}"
        )
    if np.any(se <= 0):
        raise ValueError("standard_errors must all be > 0")
    w = 1.0 / se**2
    if not np.all(np.isfinite(w)):
        raise ValueError("standard_errors are too small: 1/se² overflows")
    pooled = float(np.sum(w * theta) / np.sum(w))
    q = float(np.sum(w * (theta - pooled) ** 2))
    df = theta.size - 1
    return HeterogeneityResult(
        statistic=q,
        p_value=float(stats.chi2.sf(q, df)),
        df=df,
        i_squared=max(0.0, (q - df) / q) if q > 0 else 0.0,
        pooled_estimate=pooled,
        pooled_se=math.sqrt(1.0 / float(np.sum(w))),
        alpha=alpha,
    )
