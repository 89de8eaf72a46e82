"""Ramp plans and traffic plans: their rules, and assignment that follows them."""

import itertools

import numpy as np
import pytest

from xplab.abtest import srm_test
from xplab.assign import Layer, assign
from xplab.rollout import RampPlan, RampStep, TrafficPlan

USERS = [f"user_{i}" for i in range(8_000)]
GOOD = [
    RampStep(0.02, days=1, guardrails=("errors",)),
    RampStep(0.10, days=1, guardrails=("errors",)),
    RampStep(0.40, days=2, guardrails=("errors", "latency")),
    RampStep(1.00, days=7, guardrails=("errors", "latency")),
]


def test_a_good_ramp_passes_and_assigns_like_assign():
    plan = RampPlan("new_checkout", GOOD, stop_rule="SRM p < 0.001 or errors up")
    assert plan.problems() == []
    assert plan.days == 11
    arms = [plan.assign(USERS, i) for i in range(4)]
    for i, a in enumerate(arms):
        np.testing.assert_array_equal(
            a, assign(USERS, "new_checkout", weights=[0.5, 0.5], coverage=GOOD[i].coverage)
        )
    # raising coverage only adds users; nobody changes arm
    for before, after in itertools.pairwise(arms):
        enrolled = before != None  # noqa: E711 (object arrays)
        assert (after[enrolled] == before[enrolled]).all()
    share = np.mean(arms[1] != None)  # noqa: E711
    assert share == pytest.approx(0.10, abs=0.015)
    counts = [int(np.sum(arms[3] == a)) for a in ("control", "treatment")]
    assert not srm_test(counts, [0.5, 0.5]).srm_detected
    assert "new_checkout" in repr(plan) and "<table" in plan._repr_html_()


@pytest.mark.parametrize(
    ("steps", "stop_rule", "message"),
    [
        ([RampStep(0.1, days=7, guardrails=("e",))], "stop", "at least two steps"),
        ([RampStep(0.2, guardrails=("e",)), *GOOD[2:]], "stop", "first step exposes 10%"),
        ([*GOOD[:2], RampStep(0.05, guardrails=("e",)), GOOD[3]], "stop", "coverage must grow"),
        ([GOOD[0], RampStep(0.1, srm_check=False, guardrails=("e",)), *GOOD[2:]], "s", "no SRM"),
        ([GOOD[0], RampStep(0.1), *GOOD[2:]], "stop", "step 2 (10%) looks at no guardrail"),
        (GOOD, " ", "no stop rule"),
        ([*GOOD[:3], RampStep(1.0, days=3, guardrails=("e",))], "stop", "runs 3 day"),
    ],
)
def test_each_ramp_rule(steps, stop_rule, message):
    problems = RampPlan("x", steps, stop_rule=stop_rule).problems()
    assert len(problems) == 1 and message in problems[0]


def test_ramp_input_is_checked():
    with pytest.raises(ValueError, match="coverage must be > 0"):
        RampStep(0.0)
    with pytest.raises(TypeError, match="guardrails must be a list"):
        RampStep(0.1, guardrails="errors")
    with pytest.raises(TypeError, match="steps must be a non-empty list"):
        RampPlan("x", [])
    with pytest.raises(ValueError, match="step must be a step index 0 … 3"):
        RampPlan("x", GOOD).assign(USERS, 4)


def _plan(button=0.45, copy=0.35, same_layer=True, pricing_alone=True):
    checkout = Layer("checkout")
    checkout.add("checkout_button", share=button)
    other = checkout if same_layer else Layer("checkout_text")
    other.add("checkout_copy", share=copy)
    search = Layer("search")
    search.add("search_ranking", share=0.75)
    home = Layer("home")
    home.add("home_carousel", share=0.5)
    solo = Layer("global")
    layers = [checkout, search, home] + ([] if same_layer else [other])
    if pricing_alone:
        solo.add("pricing", share=0.1)
    else:
        home.add("pricing", share=0.12)
    return TrafficPlan(layers, exclusive=solo)


NEEDS = {
    "checkout_button": 1_000_000,
    "checkout_copy": 800_000,
    "search_ranking": 1_800_000,
    "home_carousel": 1_200_000,
    "pricing": 280_000,
}
RULES = {
    "daily_users": 200_000,
    "days": 14,
    "conflicts": [("checkout_button", "checkout_copy")],
    "isolated": ["pricing"],
}


def test_a_good_traffic_plan_passes_and_its_shares_are_real():
    plan = _plan()
    assert plan.problems(NEEDS, **RULES) == []
    assert plan.share("checkout_button") == pytest.approx(0.9 * 0.45)
    assert plan.share("pricing") == pytest.approx(0.1)
    assert plan.share("nothing") == 0.0
    got = plan.assign(USERS)
    in_pricing = got["global"].notna()
    assert in_pricing.mean() == pytest.approx(0.1, abs=0.015)
    # the exclusive experiment overlaps nothing; the layers overlap each other
    assert got.loc[in_pricing, ["checkout", "search", "home"]].isna().all().all()
    button = got["checkout"] == "checkout_button"
    assert button.mean() == pytest.approx(0.9 * 0.45, abs=0.025)
    assert not (button & (got["checkout"] == "checkout_copy")).any()
    both = button & (got["search"] == "search_ranking")
    assert both.mean() == pytest.approx(0.9 * 0.45 * 0.75, abs=0.025)
    frame = plan.to_frame()
    assert list(frame["experiment"]) == [
        "pricing",
        "checkout_button",
        "checkout_copy",
        "search_ranking",
        "home_carousel",
    ]


def test_each_traffic_rule():
    assert _plan(button=0.35).problems(NEEDS, **RULES) == [
        "checkout_button gets 32% of traffic, 882,000 users in 14 days; it needs 1,000,000 (36%)"
    ]
    problems = _plan(same_layer=False).problems(NEEDS, **RULES)
    assert problems == [
        "checkout_button and checkout_copy change the same thing and must be mutually "
        "exclusive: put them in one layer"
    ]
    problems = _plan(pricing_alone=False).problems(NEEDS, **RULES)
    assert problems[-1].startswith("pricing must not overlap any other experiment")
    assert "pricing is not in any layer" in _plan().problems({**NEEDS, "pricing_v2": 1}, **RULES)[
        -1
    ].replace("pricing_v2", "pricing")
    extra = _plan().problems({k: v for k, v in NEEDS.items() if k != "home_carousel"}, **RULES)
    assert extra == ["home_carousel is in the plan but not among the experiments to run"]
    with pytest.raises(ValueError, match="unique names"):
        TrafficPlan([Layer("a"), Layer("a")])
    with pytest.raises(ValueError, match="conflicts must be pairs"):
        _plan().problems(NEEDS, daily_users=1, days=1, conflicts=[("a", "b", "c")])
