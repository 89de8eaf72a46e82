"""Sample ratio mismatch: did the split come out as designed?"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._results import ResultMixin
from .._validate import as_1d_array, check_probability
from ._common import SmallSampleWarning

SRM_THRESHOLD = 0.001
#: Below this expected count in a group the chi-square approximation is not trusted.
MIN_EXPECTED = 5


@dataclass(frozen=True, repr=False)
class SRMResult(ResultMixin):
    """Result of :func:`srm_test`."""

    _title: ClassVar[str] = "Sample ratio mismatch (chi-square goodness of fit)"
    statistic: float
    p_value: float
    df: int
    observed: tuple[int, ...]
    expected: tuple[float, ...]
    threshold: float
    srm_detected: bool


def srm_test(
    observed_counts: Any, expected_ratios: Any, *, threshold: float = SRM_THRESHOLD
) -> SRMResult:
    r"""Chi-square goodness-of-fit test of the observed group sizes.

    H0: units were split in ``expected_ratios``. With n the total and E_i =
    n·r_i, the statistic is χ² = Σ (O_i − E_i)²/E_i on k − 1 degrees of
    freedom (as ``scipy.stats.chisquare``).

    Experimentation platforms alert at p < 0.001: with millions of users a
    real mismatch is rarely subtle, and the strict threshold keeps false
    alarms rare. An SRM means the split did not happen as designed: find the
    cause (a logging bug, a redirect, bots) before reading any metric. A large
    p-value is no evidence of SRM, not proof that the split is healthy.

    Parameters
    ----------
    observed_counts : array-like of int
        Units per group, e.g. ``[821_588, 815_482]``.
    expected_ratios : array-like of float
        The designed split, e.g. ``[0.5, 0.5]``. All > 0 and summing to 1
        (within 1e-9); they are not rescaled, so a mistyped design raises a
        ``ValueError`` instead of passing unnoticed.
    threshold : float
        ``srm_detected`` is ``p_value < threshold``.

    Warns
    -----
    SmallSampleWarning
        When an expected count is below 5, where the chi-square approximation
        fails; the message names the exact test to use.

    Examples
    --------
    >>> r = srm_test([821_588, 815_482], [0.5, 0.5])
    >>> r.srm_detected, f"{r.p_value:.1e}"
    (True, '1.8e-06')
    """
    obs = as_1d_array(observed_counts, name="observed_counts", min_size=2)
    ratios = as_1d_array(expected_ratios, name="expected_ratios", min_size=2)
    threshold = check_probability(threshold, name="threshold")
    if obs.size != ratios.size:
        raise ValueError(
            f"observed_counts has {obs.size} groups but expected_ratios has {ratios.size}"
        )
    if np.any(obs < 0) or np.any(obs != np.round(obs)):
        raise ValueError("observed_counts must be non-negative whole numbers")
    if np.any(ratios <= 0):
        raise ValueError("expected_ratios must all be > 0")
    if not np.isclose(ratios.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"expected_ratios must sum to 1, got {ratios.sum():.6g}")
    total = obs.sum()
    if total == 0:
        raise ValueError("observed_counts are all zero")
    expected = total * ratios
    if expected.min() < MIN_EXPECTED:
        warnings.warn(
            f"the smallest expected count is {expected.min():.3g} (< {MIN_EXPECTED}): the "
            "chi-square p-value is unreliable. Use an exact test: scipy.stats.binomtest"
            "(observed_counts[0], sum(observed_counts), expected_ratios[0]) for two groups, "
            "or an exact multinomial test (simulate it) for more",
            SmallSampleWarning,
            stacklevel=2,
        )
    statistic = float(((obs - expected) ** 2 / expected).sum())
    p = float(stats.chi2.sf(statistic, obs.size - 1))
    return SRMResult(
        statistic=statistic,
        p_value=p,
        df=int(obs.size - 1),
        observed=tuple(int(o) for o in obs),
        expected=tuple(float(e) for e in expected),
        threshold=threshold,
        srm_detected=p < threshold,
    )
