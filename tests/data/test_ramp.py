"""simulate_ramp: enrolment follows the plan's coverage; the bug loses exposures on one platform."""

import pytest

from xplab.abtest import srm_test
from xplab.data import simulate_ramp
from xplab.rollout import RampPlan, RampStep

PLAN = RampPlan(
    "new_checkout",
    [RampStep(0.1, guardrails=("errors",)), RampStep(0.5, days=7, guardrails=("errors",))],
)


def test_enrolment_follows_the_plan_and_is_balanced_without_a_bug():
    log = simulate_ramp(PLAN, daily_users=4_000, seed=1)
    assert list(log.columns) == ["day", "step", "coverage", "user_id", "platform", "arm", "error"]
    per_day = log.groupby("day")["user_id"].count()
    assert per_day[0] == pytest.approx(400, rel=0.2)
    assert per_day[1:].mean() == pytest.approx(2_000, rel=0.05)
    counts = log["arm"].value_counts()
    assert not srm_test([counts["control"], counts["treatment"]], [0.5, 0.5]).srm_detected
    assert log["error"].mean() == pytest.approx(0.01, abs=0.003)
    assert log["platform"].value_counts(normalize=True)["web"] == pytest.approx(0.5, abs=0.02)


def test_the_bug_loses_treatment_exposures_on_its_platform_only():
    log = simulate_ramp(
        PLAN, daily_users=4_000, bug_from_step=1, lost_logging=0.5, error_effect=1.0, seed=2
    )
    later = log[log["step"] == 1]
    for platform, part in later.groupby("platform"):
        counts = part["arm"].value_counts()
        ratio = counts["treatment"] / counts["control"]
        if platform == "android":
            assert ratio == pytest.approx(0.5, abs=0.08)
        else:
            assert ratio == pytest.approx(1.0, abs=0.08)
    first = log[log["step"] == 0]["arm"].value_counts()
    assert first["treatment"] / first["control"] == pytest.approx(1.0, abs=0.25)


def test_arguments_are_checked():
    with pytest.raises(TypeError, match="plan must be a RampPlan"):
        simulate_ramp("plan")
    with pytest.raises(ValueError, match="bug_from_step must be a step index below 2"):
        simulate_ramp(PLAN, bug_from_step=2)
    with pytest.raises(ValueError, match="error_rate × \\(1 \\+ error_effect\\)"):
        simulate_ramp(PLAN, error_rate=0.6, error_effect=1.0)
