"""Quasi-experiments: difference-in-differences when nothing is randomised.

``did_2x2`` (the four means), ``twfe`` (two-way fixed effects with clustered
SEs, via pyfixest), ``event_study`` (leads and lags), ``placebo`` (fake
adoption dates and fake treated units) and ``callaway_santanna`` (group-time
ATTs, robust to staggered adoption with effects that vary).
"""

from .did import DiD2x2Result, TWFEResult, did_2x2, twfe
from .event_study import EventStudyResult, event_study
from .placebo import PlaceboResult, placebo
from .staggered import CallawaySantAnnaResult, callaway_santanna

__all__ = [
    "CallawaySantAnnaResult",
    "DiD2x2Result",
    "EventStudyResult",
    "PlaceboResult",
    "TWFEResult",
    "callaway_santanna",
    "did_2x2",
    "event_study",
    "placebo",
    "twfe",
]
