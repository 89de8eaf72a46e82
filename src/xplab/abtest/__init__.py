"""A/B testing: tests, power, sample ratio checks and the Bayesian view.

Everywhere: control first, treatment second; ``estimate`` is treatment −
control; ``alpha=0.05`` and ``alternative`` ('two-sided', 'larger' for
treatment > control, 'smaller') are spelled the same; results are frozen
dataclasses with ``summary()`` and notebook rendering.
"""

from .arms import ArmCounts, arm_counts, segment_proportion_tests
from .bayes import BayesResult, bayes_proportions
from .groupstats import GroupStats
from .means import MeanTestResult, mean_test
from .multiple import AdjustedPValues, adjust_pvalues
from .power import mde_proportions, power_proportions, sample_size_proportions
from .proportions import ProportionTestResult, proportion_test
from .ratio import RatioTestResult, ratio_test
from .srm import SRMResult, srm_test

__all__ = [
    "AdjustedPValues",
    "ArmCounts",
    "BayesResult",
    "GroupStats",
    "MeanTestResult",
    "ProportionTestResult",
    "RatioTestResult",
    "SRMResult",
    "adjust_pvalues",
    "arm_counts",
    "bayes_proportions",
    "mde_proportions",
    "mean_test",
    "power_proportions",
    "proportion_test",
    "ratio_test",
    "sample_size_proportions",
    "segment_proportion_tests",
    "srm_test",
]
