"""Multiple testing: adjusting p-values when you look at many comparisons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from .._results import ResultMixin
from .._validate import as_1d_array, check_alpha, check_choice

METHODS = ("holm", "bonferroni", "fdr_bh")


@dataclass(frozen=True, repr=False, eq=False)  # arrays: compare fields, not objects
class AdjustedPValues(ResultMixin):
    """Result of :func:`adjust_pvalues`."""

    _title: ClassVar[str] = "Adjusted p-values"
    p_values: np.ndarray
    p_adjusted: np.ndarray
    reject: np.ndarray
    method: str
    alpha: float


def adjust_pvalues(p_values: Any, *, alpha: float = 0.05, method: str = "holm") -> AdjustedPValues:
    r"""Adjust m p-values for multiple comparisons.

    * ``'bonferroni'`` — p̃_i = min(1, m·p_i); controls the family-wise error
      rate (FWER: the chance of any false positive).
    * ``'holm'`` — step-down: sort p_(1) ≤ … ≤ p_(m), p̃_(i) =
      max_{j≤i} min(1, (m − j + 1)·p_(j)); controls the FWER and is never less
      powerful than Bonferroni.
    * ``'fdr_bh'`` — Benjamini–Hochberg step-up: p̃_(i) = min_{j≥i} min(1,
      m·p_(j)/j); controls the false discovery rate (the expected share of
      false positives among the rejections).

    ``reject`` compares each raw p-value with its threshold (step-down for
    Holm, step-up for BH) rather than p̃ with α, so a p-value exactly on its
    threshold is rejected even when rounding puts p̃ a hair above α. Agrees
    with ``statsmodels.stats.multitest.multipletests`` (adjusted p-values and
    rejections).

    Examples
    --------
    >>> adjust_pvalues([0.01, 0.04, 0.03]).p_adjusted.round(2).tolist()
    [0.03, 0.06, 0.06]
    """
    p = as_1d_array(p_values, name="p_values")
    if np.any((p < 0) | (p > 1)):
        raise ValueError("p_values must all be in [0, 1]")
    alpha = check_alpha(alpha)
    method = check_choice(method, METHODS, name="method")
    m = p.size
    order = np.argsort(p, kind="stable")
    ranked = p[order]
    if method == "bonferroni":
        adj_sorted = np.minimum(1.0, m * ranked)
    elif method == "holm":
        adj_sorted = np.maximum.accumulate(np.minimum(1.0, (m - np.arange(m)) * ranked))
    else:
        steps = ranked * m / np.arange(1, m + 1)
        adj_sorted = np.minimum(1.0, np.minimum.accumulate(steps[::-1])[::-1])
    adjusted = np.empty(m)
    adjusted[order] = adj_sorted
    reject = np.empty(m, dtype=bool)
    reject[order] = _reject_sorted(ranked, alpha, method)
    return AdjustedPValues(
        p_values=p, p_adjusted=adjusted, reject=reject, method=method, alpha=alpha
    )


def _reject_sorted(ranked: np.ndarray, alpha: float, method: str) -> np.ndarray:
    """Rejections of sorted p-values, decided by comparing each raw p-value with
    its threshold (α/m, α/(m − i + 1) or α·i/m) as statsmodels does, rather than
    the adjusted p-value with α: m·p/i can land a rounding error above α (0.1 *
    3 / 3 = 0.10000000000000002) when p sits exactly on its threshold."""
    m = ranked.size
    i = np.arange(1, m + 1)
    if method == "bonferroni":
        return ranked <= alpha / m
    if method == "holm":
        # step-down: stop at the first p-value above its threshold
        above = ranked > alpha / (m - i + 1)
        first = int(np.argmax(above)) if above.any() else m
        return i <= first
    # step-up: reject everything up to the last p-value below its threshold
    below = ranked <= i / m * alpha
    last = int(np.nonzero(below)[0].max()) + 1 if below.any() else 0
    return i <= last
