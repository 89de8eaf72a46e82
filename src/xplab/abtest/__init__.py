"""A/B testing: tests, power, sample ratio checks and the Bayesian view.

Everywhere: control first, treatment second; ``estimate`` is treatment −
control; ``alpha=0.05`` and ``alternative`` ('two-sided', 'larger' for
treatment > control, 'smaller') are spelled the same; results are frozen
dataclasses with ``summary()`` and notebook rendering.
"""

from .bayes import BayesResult, bayes_proportions
from .decision import Decision, decide
from .groupstats import GroupStats
from .means import MeanTestResult, mean_test
from .multiple import AdjustedPValues, adjust_pvalues
from .noninferiority import NoninferiorityResult, noninferiority_test
from .poststrat import PoststratifiedResult, poststratified_test
from .power import mde_proportions, power_proportions, sample_size_proportions
from .proportions import ProportionTestResult, proportion_test
from .ratio import RatioTestResult, ratio_test
from .srm import SRMResult, srm_test

__all__ = [
    "AdjustedPValues",
    "BayesResult",
    "Decision",
    "GroupStats",
    "MeanTestResult",
    "NoninferiorityResult",
    "PoststratifiedResult",
    "ProportionTestResult",
    "RatioTestResult",
    "SRMResult",
    "adjust_pvalues",
    "bayes_proportions",
    "decide",
    "mde_proportions",
    "mean_test",
    "noninferiority_test",
    "poststratified_test",
    "power_proportions",
    "proportion_test",
    "ratio_test",
    "sample_size_proportions",
    "srm_test",
]
