"""The control panels: starting values checked, updates recompute, widgets wired,
and the notebook outputs (controls, figure, table) in that order."""

import pytest

from xplab.calculators import (
    Calculator,
    bandit_playground,
    peeking_simulator,
    power_calculator,
    power_plan,
)

ipywidgets = pytest.importorskip("ipywidgets")


def test_bad_starting_values_raise_before_anything_is_shown():
    with pytest.raises(ValueError, match="baseline_rate"):
        power_calculator(1.5)
    with pytest.raises(ValueError, match="n_looks"):
        peeking_simulator(0)
    with pytest.raises(ValueError, match="means"):
        bandit_playground(means=(0.1,))


def test_update_recomputes_and_keeps_the_last_good_result_on_refusal():
    calc = power_calculator(0.10, 0.05)
    first = calc.result
    assert calc.update(treatment_share=0.8).n_total > first.n_total
    good = calc.result
    kept = calc.update(mde=10.0)  # +1,000 % of 10 % is not a rate
    assert kept is good and calc.values["mde"] == 0.05
    assert "mde" in calc.error
    calc.update(mde=0.1)
    assert calc.error is None
    with pytest.raises(ValueError, match="unknown setting"):
        calc.update(baseline=0.2)


def test_the_share_becomes_the_ratio():
    calc = power_calculator(0.10, 0.05, treatment_share=0.2)
    assert calc.result.n_control == power_plan(0.10, 0.05, relative=True, ratio=0.25).n_control


def test_widgets_are_wired_to_update():
    calc = peeking_simulator(5, n_experiments=500)
    box = calc.widgets()
    controls = {w.description: w for w in box.children[1:]}
    assert set(controls) == {"number of looks", "α", "method", "true effect (sd)"}
    controls["method"].value = "pocock"
    assert calc.result.method == "pocock"
    controls["number of looks"].value = 8
    assert calc.result.n_looks == 8


def test_numbers_box_parses_and_refuses_clearly():
    calc = bandit_playground(n_rounds=100, n_runs=1)
    box = calc.widgets()
    rates = next(w for w in box.children if w.description == "arm click rates")
    rates.value = "0.1, 0.3; 0.2"
    assert calc.result.means == (0.1, 0.3, 0.2)
    rates.value = "0.1, lots"
    assert "means must be numbers" in calc.error
    assert calc.result.means == (0.1, 0.3, 0.2)


def test_starting_values_outside_a_slider_widen_it():
    calc = power_calculator(0.7, 0.01, relative=False)
    slider = calc.widgets().children[1]
    assert slider.description == "baseline rate" and slider.max >= 0.7


class _Handle:
    def __init__(self, log, obj):
        self.log, self.shown = log, obj

    def update(self, obj):
        self.log.append(("update", obj))
        self.shown = obj


def test_display_order_and_in_place_updates(monkeypatch):
    import IPython.display
    from matplotlib.figure import Figure

    log = []

    def display(obj, display_id=False):
        log.append(("display", obj))
        return _Handle(log, obj) if display_id else None

    monkeypatch.setattr(IPython.display, "display", display)
    calc = power_calculator(0.17, 0.05, n_per_group=30_000)
    calc._ipython_display_()
    kinds = [type(obj).__name__ for _, obj in log]
    assert kinds == ["VBox", "Figure", "PowerPlan"]
    log.clear()
    calc.update(alpha=0.01)
    assert [(what, type(obj).__name__) for what, obj in log] == [
        ("update", "Figure"),
        ("update", "PowerPlan"),
    ]
    assert isinstance(log[0][1], Figure) and log[1][1].alpha == 0.01
    log.clear()
    calc.update(power=0.001)  # refused: the figure stays, the table becomes the message
    assert len(log) == 1 and "power" in repr(log[0][1]) and repr(log[0][1]).startswith("⚠️")
    assert "power" in log[0][1]._repr_html_()


def test_outside_ipython_the_outputs_are_printed(capsys):
    power_calculator(0.17, 0.05)._ipython_display_()
    out = capsys.readouterr().out
    assert out.index("VBox(") < out.index("Figure(") < out.index("PowerPlan(")


def test_repr_names_the_settings():
    calc = bandit_playground("ucb1", n_rounds=100, n_runs=1)
    assert repr(calc).startswith("Calculator('Bandit playground', policy='ucb1'")
    assert isinstance(calc, Calculator)
