"""power_plan puts abtest's sample size, power and MDE side by side for one design."""

import math

import numpy as np
import pytest

from xplab import abtest
from xplab.calculators import power_plan

DESIGNS = [
    ({"baseline_rate": 0.17, "mde": 0.05, "relative": True}, 30_000),
    ({"baseline_rate": 0.10, "mde": 0.01}, 10_000),
    ({"baseline_rate": 0.10, "mde": 0.01, "ratio": 4.0, "alpha": 0.01, "power": 0.9}, 20_000),
    ({"baseline_rate": 0.30, "mde": 0.02, "alternative": "smaller"}, 5_000),
    ({"baseline_rate": 0.05, "mde": 0.20, "relative": True, "alternative": "larger"}, 8_000),
]


@pytest.mark.parametrize(("design", "planned"), DESIGNS)
def test_the_numbers_are_abtests(design, planned):
    plan = power_plan(**design, n_per_group=planned)
    kwargs = {k: v for k, v in design.items() if k not in ("baseline_rate", "mde", "power")}
    base, mde, power = design["baseline_rate"], design["mde"], design.get("power", 0.8)
    assert plan.n_control == abtest.sample_size_proportions(base, mde, power=power, **kwargs)
    assert plan.n_treatment == math.ceil(plan.ratio * plan.n_control - 1e-9)
    assert plan.n_total == plan.n_control + plan.n_treatment
    assert plan.planned_power == pytest.approx(
        abtest.power_proportions(base, mde, planned, **kwargs), rel=1e-12
    )
    assert plan.planned_mde == pytest.approx(
        abtest.mde_proportions(base, planned, power=power, **kwargs), rel=1e-12
    )
    # the planned MDE is the effect the planned size detects with the target power
    again = power_plan(base, plan.planned_mde, power=power, n_per_group=planned, **kwargs)
    assert again.planned_power == pytest.approx(power, abs=1e-9)


def test_the_curve_is_power_against_total_users():
    plan = power_plan(0.17, 0.05, relative=True, ratio=3.0)
    assert np.all(np.diff(plan.curve_power) > 0)
    assert plan.curve_total[-1] == pytest.approx(2.5 * plan.n_control * 4)
    at_required = np.interp(plan.n_control * 4, plan.curve_total, plan.curve_power)
    assert at_required == pytest.approx(plan.power, abs=1e-3)
    assert plan.planned_control is None and plan.planned_power is None and plan.planned_mde is None


def test_unequal_splits_need_more_users_in_all():
    even = power_plan(0.10, 0.01)
    skewed = power_plan(0.10, 0.01, ratio=4.0)
    assert skewed.n_total > even.n_total
    assert skewed.n_control < even.n_control


def test_treatment_rate_follows_the_direction():
    assert power_plan(0.2, 0.1, relative=True).treatment_rate == pytest.approx(0.22)
    assert power_plan(0.2, 0.01, alternative="smaller").treatment_rate == pytest.approx(0.19)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"baseline_rate": 0.95, "mde": 0.1}, "mde"),
        ({"baseline_rate": 1.5, "mde": 0.1}, "baseline_rate"),
        ({"baseline_rate": 0.1, "mde": -0.01}, "mde"),
        ({"baseline_rate": 0.1, "mde": 0.01, "power": 0.04}, "power"),
        ({"baseline_rate": 0.1, "mde": 0.01, "ratio": 0.0}, "ratio"),
        ({"baseline_rate": 0.1, "mde": 0.01, "relative": 1}, "relative"),
        ({"baseline_rate": 0.1, "mde": 0.01, "n_per_group": 0}, "n_per_group"),
        ({"baseline_rate": 0.1, "mde": 0.01, "n_per_group": 1.0}, "n_per_group"),  # too small
        ({"baseline_rate": 0.1, "mde": 0.01, "alternative": "greater"}, "alternative"),
    ],
)
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        power_plan(**kwargs)


def test_plot_has_titles_and_labels():
    fig = power_plan(0.17, 0.05, relative=True, n_per_group=30_000).plot()
    ax = fig.axes[0]
    assert "baseline 17.0%" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel() == "power"
    assert any("planned 60,000" in t.get_text() for t in ax.texts)
