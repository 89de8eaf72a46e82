"""A/B testing: tests, power, sample ratio checks and the Bayesian view.

Everywhere: control first, treatment second; ``estimate`` is treatment −
control; ``alpha=0.05`` and ``alternative`` ('two-sided', 'larger' for
treatment > control, 'smaller') are spelled the same; results are frozen
dataclasses with ``summary()`` and notebook rendering.
"""

from ._common import SmallSampleWarning
from .arms import ArmCounts, arm_counts, segment_proportion_tests
from .bayes import BayesResult, bayes_proportions
from .cuped import CupedTestResult, cuped_test
from .decision import LaunchDecision, decide
from .groupstats import GroupStats
from .heterogeneity import HeterogeneityResult, heterogeneity_test
from .means import MeanTestResult, mean_test
from .multiple import AdjustedPValues, adjust_pvalues
from .noninferiority import NoninferiorityResult, noninferiority_test
from .plan import ExperimentPlan, power_means, sample_size_means
from .poststrat import PoststratifiedResult, poststratified_test
from .power import mde_proportions, power_proportions, sample_size_proportions
from .proportions import ProportionTestResult, proportion_test
from .ratio import RatioTestResult, ratio_test
from .sequential import (
    GroupSequentialBounds,
    SequentialResult,
    confidence_sequence,
    group_sequential_bounds,
    msprt_test,
)
from .shrinkage import ShrinkageResult, shrink
from .srm import SRMResult, srm_test

__all__ = [
    "AdjustedPValues",
    "ArmCounts",
    "BayesResult",
    "CupedTestResult",
    "ExperimentPlan",
    "GroupSequentialBounds",
    "GroupStats",
    "HeterogeneityResult",
    "LaunchDecision",
    "MeanTestResult",
    "NoninferiorityResult",
    "PoststratifiedResult",
    "ProportionTestResult",
    "RatioTestResult",
    "SRMResult",
    "SequentialResult",
    "ShrinkageResult",
    "SmallSampleWarning",
    "adjust_pvalues",
    "arm_counts",
    "bayes_proportions",
    "confidence_sequence",
    "cuped_test",
    "decide",
    "group_sequential_bounds",
    "heterogeneity_test",
    "mde_proportions",
    "mean_test",
    "msprt_test",
    "noninferiority_test",
    "poststratified_test",
    "power_means",
    "power_proportions",
    "proportion_test",
    "ratio_test",
    "sample_size_means",
    "sample_size_proportions",
    "segment_proportion_tests",
    "shrink",
    "srm_test",
]
