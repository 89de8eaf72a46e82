"""Sample size, power and MDE for a conversion test, with its power curve (notebook 01).

:func:`power_plan` puts the three numbers of :mod:`xplab.abtest.power` side by
side for one design: the users needed to detect ``mde`` with ``power``, and,
for a planned size, the power it reaches and the smallest effect it detects.
:func:`power_calculator` is its control panel for JupyterLab.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from .._results import ResultMixin
from .._validate import Alternative, check_alpha, check_bool, check_positive, check_probability
from ..abtest import mde_proportions, power_proportions, sample_size_proportions
from ._live import Calculator, Control, new_figure


@dataclass(frozen=True, repr=False)
class PowerPlan(ResultMixin):
    """Result of :func:`power_plan`: the sizes for one design, and for a
    planned size its power and MDE (None when no size was planned).
    ``curve_total``/``curve_power`` trace power against total users."""

    _title: ClassVar[str] = "Sample size, power and MDE (two proportions)"
    baseline_rate: float
    treatment_rate: float
    mde: float
    relative: bool
    alpha: float
    power: float
    ratio: float
    n_control: int
    n_treatment: int
    n_total: int
    planned_control: float | int | None
    planned_power: float | None
    planned_mde: float | None
    alternative: str
    curve_total: np.ndarray = field(repr=False)
    curve_power: np.ndarray = field(repr=False)

    def plot(self) -> Any:
        """Power against total users (a matplotlib Figure), the target power
        and the required size marked, and the planned size if there is one."""
        from matplotlib.ticker import StrMethodFormatter

        fig = new_figure(figsize=(7.5, 4.2), layout="constrained")
        ax = fig.subplots()
        lift = (
            f"+{self.mde:.1%} relative lift" if self.relative else f"+{100 * self.mde:.2f} pp lift"
        )
        ax.plot(self.curve_total, self.curve_power, color="#4c72b0", lw=2, label=lift)
        ax.axhline(self.power, color="grey", ls="--", lw=1, label=f"target power {self.power:.0%}")
        ax.axvline(self.n_total, color="#4c72b0", ls=":", lw=1)
        ax.plot([self.n_total], [self.power], "o", color="#4c72b0")
        ax.annotate(
            f"  needs {self.n_total:,} users",
            (self.n_total, self.power),
            va="top",
            textcoords="offset points",
            xytext=(2, -6),
        )
        if self.planned_control is not None and self.planned_power is not None:
            planned_total = self.planned_control * (1 + self.ratio)
            ax.plot([planned_total], [self.planned_power], "s", color="#dd8452")
            high = self.planned_power > 0.85
            shown = "> 99%" if self.planned_power > 0.995 else f"{self.planned_power:.0%}"
            ax.annotate(
                f"planned {planned_total:,.0f}: power {shown}  ",
                (planned_total, self.planned_power),
                ha="right",
                va="top" if high else "bottom",
                color="#dd8452",
                textcoords="offset points",
                xytext=(-4, -8 if high else 6),
            )
        share = self.ratio / (1 + self.ratio)
        ax.set(
            title=(
                f"Power of the test: baseline {self.baseline_rate:.1%}, α = {self.alpha:g}, "
                f"{1 - share:.0%} / {share:.0%} split"
            ),
            xlabel="users in the test (control + treatment)",
            ylabel="power",
            ylim=(0, 1.02),
            xlim=(0, float(self.curve_total[-1])),
        )
        ax.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
        ax.legend(loc="lower right")
        return fig


def power_plan(
    baseline_rate: float,
    mde: float,
    *,
    alpha: float = 0.05,
    power: float = 0.8,
    ratio: float = 1.0,
    relative: bool = False,
    n_per_group: float | None = None,
    alternative: Alternative = "two-sided",
) -> PowerPlan:
    r"""Users needed to detect ``mde``, and what a planned size buys.

    H0: p_t − p_c = 0, tested with the pooled two-proportion z-test at
    ``alpha``. The control group needs n_c =
    :func:`~xplab.abtest.sample_size_proportions` users and the treatment
    group ⌈r·n_c⌉ (r = ``ratio`` = n_t/n_c: a 50/50 split is r = 1, 80/20 in
    favour of treatment r = 4). The curve is
    :func:`~xplab.abtest.power_proportions` at total sizes N = n_c(1 + r) up
    to 2.5 times the larger of the required and the planned size. With
    ``n_per_group`` (a planned control-group size) it also gives that size's
    power and its MDE (:func:`~xplab.abtest.mde_proportions`, at ``power``).

    Conditions: independent users, each counted once; the normal
    approximation, good when every arm expects at least ~10 conversions and
    ~10 non-conversions; a test analysed once, at the planned size (looking
    earlier inflates α: see :func:`~xplab.calculators.peeking_simulation`).

    Parameters
    ----------
    baseline_rate : float
        The control group's rate p₁, in (0, 1).
    mde : float
        The smallest effect worth detecting, > 0: absolute (0.01 = one
        percentage point) or, with ``relative=True``, a share of the baseline.
    alpha, power : float
        Significance level and target power, in (0, 1), power above alpha.
    ratio : float
        n_t / n_c, > 0.
    relative : bool
        Whether ``mde`` is relative to ``baseline_rate``.
    n_per_group : float, optional
        A planned number of control users, > 0.
    alternative : {'two-sided', 'larger', 'smaller'}

    Returns
    -------
    PowerPlan
        ``n_control``, ``n_treatment``, ``n_total``; ``planned_power`` and
        ``planned_mde`` (in the units of ``mde``) for ``n_per_group``; the
        curve; ``plot()`` draws it.

    Raises
    ------
    ValueError
        As :func:`~xplab.abtest.sample_size_proportions` does (naming the
        argument), and when ``n_per_group`` is too small to reach ``power``
        for any effect.

    Examples
    --------
    >>> plan = power_plan(0.17, 0.05, relative=True, n_per_group=30_000)
    >>> plan.n_control, plan.n_total
    (31262, 62524)
    >>> round(plan.planned_power, 3), round(plan.planned_mde, 4)
    (0.784, 0.0511)
    """
    relative = check_bool(relative, name="relative")
    alpha = check_alpha(alpha)
    power = check_probability(power, name="power")
    ratio = check_positive(ratio, name="ratio")
    common: dict[str, Any] = {
        "alpha": alpha,
        "ratio": ratio,
        "relative": relative,
        "alternative": alternative,
    }
    n_c = sample_size_proportions(baseline_rate, mde, power=power, **common)
    p1 = float(baseline_rate)
    delta = float(mde) * p1 if relative else float(mde)
    p2 = p1 - delta if alternative == "smaller" else p1 + delta
    planned_power = planned_mde = planned = None
    if n_per_group is not None:
        planned = check_positive(n_per_group, name="n_per_group")
        planned = int(planned) if planned.is_integer() else planned
        planned_power = float(power_proportions(baseline_rate, mde, planned, **common))
        planned_mde = mde_proportions(baseline_rate, planned, power=power, **common)
    largest = max(n_c, planned or 0.0) * (1 + ratio)
    total = np.linspace(largest / 200, 2.5 * largest, 300)
    curve = power_proportions(baseline_rate, mde, total / (1 + ratio), **common)
    n_t = math.ceil(ratio * n_c - 1e-9)
    return PowerPlan(
        baseline_rate=p1,
        treatment_rate=p2,
        mde=float(mde),
        relative=relative,
        alpha=alpha,
        power=power,
        ratio=ratio,
        n_control=n_c,
        n_treatment=n_t,
        n_total=n_c + n_t,
        planned_control=planned,
        planned_power=planned_power,
        planned_mde=planned_mde,
        alternative=alternative,
        curve_total=total,
        curve_power=np.asarray(curve),
    )


def _plan_by_share(
    baseline_rate: float,
    mde: float,
    relative: bool,
    alpha: float,
    power: float,
    treatment_share: float,
    n_per_group: float | None,
) -> PowerPlan:
    share = check_probability(treatment_share, name="treatment_share")
    return power_plan(
        baseline_rate,
        mde,
        alpha=alpha,
        power=power,
        ratio=share / (1 - share),
        relative=relative,
        n_per_group=n_per_group,
    )


def power_calculator(
    baseline_rate: float = 0.10,
    mde: float = 0.05,
    *,
    relative: bool = True,
    alpha: float = 0.05,
    power: float = 0.8,
    treatment_share: float = 0.5,
    n_per_group: float | None = None,
) -> Calculator:
    """Controls for :func:`power_plan`: baseline, MDE, α, power and the split.

    Displayed in a notebook: the controls (JupyterLab, ipywidgets), the power
    curve for the current settings and the plan's table; moving a control
    redraws both. ``treatment_share`` is the share of users in treatment
    (0.5 = 50/50; ratio = share/(1 − share)). ``n_per_group`` (a planned
    control-group size, slider from 1,000 to 500,000) adds that size's power
    and MDE. Stored outputs and the course site show the figure for the
    starting values.

    Raises
    ------
    ValueError
        For starting values :func:`power_plan` refuses, naming the argument.

    Examples
    --------
    >>> calc = power_calculator(0.17, 0.05, n_per_group=30_000)
    >>> calc.result.n_total
    62524
    >>> calc.update(treatment_share=0.8).n_total  # a 20/80 split needs more users in all
    98140
    """
    values: dict[str, Any] = {
        "baseline_rate": baseline_rate,
        "mde": mde,
        "relative": relative,
        "alpha": alpha,
        "power": power,
        "treatment_share": treatment_share,
        "n_per_group": n_per_group,
    }
    mde_step, mde_high = (0.005, 0.5) if relative else (0.0005, 0.1)
    controls = [
        Control("baseline_rate", "baseline rate", "float", 0.005, 0.5, 0.005, readout=".1%"),
        Control("relative", "MDE is", "choice", options=(("relative", True), ("absolute", False))),
        Control("mde", "MDE", "float", mde_step, mde_high, mde_step, readout=".2%"),
        Control("alpha", "α (false positives)", "float", 0.005, 0.2, 0.005, readout=".3f"),
        Control("power", "power", "float", 0.5, 0.99, 0.01, readout=".0%"),
        Control("treatment_share", "share in treatment", "float", 0.05, 0.95, 0.05, readout=".0%"),
    ]
    if n_per_group is not None:
        controls.append(
            Control(
                "n_per_group", "planned control users", "int", 1_000, 500_000, 1_000, readout=","
            )
        )
    return Calculator(_plan_by_share, values, controls, "Sample size, power and MDE")
