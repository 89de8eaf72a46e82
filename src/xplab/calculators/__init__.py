"""Interactive calculators for the notebooks: a tested function computes, a thin
control panel redraws.

* :func:`power_plan` (notebook 01): users needed, and a planned size's power
  and MDE, for a conversion test, with the power curve
  (:mod:`xplab.abtest`'s power functions); :func:`power_calculator` controls
  baseline, MDE, α, power and the split.
* :func:`peeking_simulation` (notebook 02): how often a test checked at every
  look rejects, for the naive fixed-horizon test and the sequential methods
  of :mod:`xplab.abtest.sequential`, with p-value paths;
  :func:`peeking_simulator` controls the looks, α, the method and the effect.
* :func:`bandit_regret` (notebook 06): a policy of :mod:`xplab.bandits` on
  arms you choose, regret curves over several runs; :func:`bandit_playground`
  controls the policy, ε or c and the arms' click rates.

Each control panel is a :class:`Calculator`: shown as a cell's result it
displays the controls (ipywidgets, in JupyterLab), then the figure and table
for the current settings, which every control change recomputes and replaces
in place. A saved notebook keeps the figure and table of the starting
values: that is what GitHub, nbval and the course site show. Every
computation is an ordinary function, tested and usable without widgets.
"""

from ._live import Calculator
from .peeking import PeekingSimulation, peeking_simulation, peeking_simulator
from .power import PowerPlan, power_calculator, power_plan
from .regret import BanditRegret, bandit_playground, bandit_regret

__all__ = [
    "BanditRegret",
    "Calculator",
    "PeekingSimulation",
    "PowerPlan",
    "bandit_playground",
    "bandit_regret",
    "peeking_simulation",
    "peeking_simulator",
    "power_calculator",
    "power_plan",
]
