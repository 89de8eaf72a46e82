import pytest

from xplab.abtest import ExperimentPlan, power_means, power_proportions, sample_size_means
from xplab.abtest.power import sample_size_proportions

BASE = {
    "hypothesis": "Personalised headlines raise reading time",
    "primary_metric": "engagement index per user (14 days)",
    "baseline": 100.0,
    "mde": 1.0,
    "standard_deviation": 20.0,
    "metric_type": "mean",
    "sample_size_per_arm": 6280,
    "daily_traffic": 1000,
    "duration_days": 14,
    "stopping_rule": "fixed horizon: one analysis on day 14",
    "decision_rule": "ship if the CUPED estimate is significant and > 0",
    "guardrails": ("MAU", "unsubscribe rate"),
}


def test_mean_power_formula():
    # 2 * (20 * (z_0.975 + z_0.8) / 1)^2 = 6279.1, rounded up
    assert sample_size_means(1.0, 20.0) == 6280
    assert power_means(1.0, 20.0, 6280) == pytest.approx(0.8, abs=2e-4)
    assert power_means(1.0, 20.0, 6279) < 0.8
    # statsmodels.stats.power.NormalIndPower().solve_power(effect_size=0.05, alpha=0.05,
    # power=0.8, ratio=1) = 6279.1
    from statsmodels.stats.power import NormalIndPower

    ref = NormalIndPower().solve_power(effect_size=1 / 20, alpha=0.05, power=0.8, ratio=1)
    assert sample_size_means(1.0, 20.0) == int(ref) + 1


def test_valid_plan_renders_as_a_card():
    plan = ExperimentPlan(**BASE)
    assert plan.achieved_power >= 0.8
    assert plan.required_sample_size == 6280
    text = plan.summary()
    for piece in ("Hypothesis", "Guardrails", "MAU, unsubscribe rate", "Stopping rule", "6,280"):
        assert piece in text
    html = plan._repr_html_()
    assert html.startswith("<div") and "Decision rule" in html
    assert "ExperimentPlan(" in repr(plan)


def test_proportion_plan_uses_power_proportions():
    n = sample_size_proportions(0.10, 0.01)
    plan = ExperimentPlan(
        **{
            **BASE,
            "metric_type": "proportion",
            "baseline": 0.10,
            "mde": 0.01,
            "standard_deviation": None,
            "sample_size_per_arm": n,
            "daily_traffic": 3000,
        }
    )
    assert plan.achieved_power == pytest.approx(power_proportions(0.10, 0.01, n))


def test_underpowered_plan_is_rejected_with_the_size_needed():
    with pytest.raises(
        ValueError, match=r"reaches power 0\.\d{3}, below the claimed 0\.800.*6,280 per arm"
    ):
        ExperimentPlan(**{**BASE, "sample_size_per_arm": 3000})
    # one user short: both powers with the digits that tell them apart (before: "reaches
    # power 0.800, not the claimed 0.8"); power_means(1.0, 20.0, 6279) = 0.799988...
    with pytest.raises(ValueError, match=r"reaches power 0\.79999, below the claimed 0\.80000"):
        ExperimentPlan(**{**BASE, "sample_size_per_arm": 6279})


@pytest.mark.parametrize("power", [0.05, 0.03])
def test_power_at_or_below_alpha_is_refused_at_construction(power):
    # before: ExperimentPlan(..., power=0.03) was built, and failed only when displayed
    with pytest.raises(ValueError, match=r"power=0\.0\d is too low to plan for.*above alpha"):
        ExperimentPlan(**{**BASE, "power": power})


def test_traffic_must_deliver_the_sample():
    with pytest.raises(ValueError, match=r"brings 10,500 users.*run 17 days"):
        ExperimentPlan(**{**BASE, "daily_traffic": 750})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"hypothesis": " "}, "hypothesis must be a non-empty string"),
        ({"guardrails": "MAU"}, "guardrails must be a tuple"),
        ({"metric_type": "ratio"}, "metric_type must be one of"),
        ({"standard_deviation": None}, "needs standard_deviation"),
        ({"metric_type": "proportion", "baseline": 0.1}, "standard_deviation applies"),
        (
            {"metric_type": "proportion", "baseline": 2.0, "standard_deviation": None},
            "baseline must be in",
        ),
        ({"mde": -1.0}, "mde must be > 0"),
        ({"duration_days": 5}, "duration_days must be >= 7"),
        ({"sample_size_per_arm": 1.5}, "sample_size_per_arm must be a whole number"),
        ({"power": 1.0}, "power must be in"),
        ({"alternative": "greater"}, "alternative must be one of"),
    ],
)
def test_plan_bad_input(change, message):
    with pytest.raises(ValueError, match=message):
        ExperimentPlan(**{**BASE, **change})


def test_review_names_the_first_checklist_item_that_fails():
    plan = ExperimentPlan(**{**BASE, "duration_days": 13, "daily_traffic": 1000})
    assert plan.review(guardrails=("mau", "unsubscribe rate")) is not None  # weeks fail
    assert plan.review(guardrails=("page load time",)) == (
        "the guardrails do not include 'page load time'"
    )
    assert plan.review(min_standard_deviation=25.0).startswith("the plan assumes σ = 20, below 25")
    assert plan.review(max_mde=0.5).startswith("the plan detects mde = 1, larger than the 0.5")
    assert plan.review().startswith("the plan runs 13 days: make it a whole number of weeks (14)")
    assert plan.review(whole_weeks=False) is None
    two_weeks = ExperimentPlan(**BASE)
    assert two_weeks.review(guardrails=("MAU",), max_mde=1.0, min_standard_deviation=20.0) is None
    assert two_weeks.review(max_days=10) == "the plan runs 14 days, longer than the 10 available"


def test_review_ignores_the_spread_floor_for_proportions():
    plan = ExperimentPlan(
        **{
            **{k: v for k, v in BASE.items() if k != "standard_deviation"},
            "metric_type": "proportion",
            "baseline": 0.2,
            "mde": 0.02,
            "sample_size_per_arm": sample_size_proportions(0.2, 0.02),
            "daily_traffic": 1000,
        }
    )
    assert plan.review(min_standard_deviation=1.0) is None


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"guardrails": "MAU"}, TypeError, "guardrails must be a list"),
        ({"guardrails": [3]}, TypeError, "guardrails must hold metric names"),
        ({"min_standard_deviation": -1.0}, ValueError, "min_standard_deviation"),
        ({"max_mde": 0.0}, ValueError, "max_mde"),
        ({"whole_weeks": 1}, TypeError, "whole_weeks"),
        ({"max_days": 0}, ValueError, "max_days"),
    ],
)
def test_review_bad_input(kwargs, error, message):
    with pytest.raises(error, match=message):
        ExperimentPlan(**BASE).review(**kwargs)
