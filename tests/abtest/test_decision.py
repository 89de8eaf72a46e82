import math

import pytest

from xplab.abtest import (
    GroupStats,
    LaunchDecision,
    decide,
    mean_test,
    noninferiority_test,
    proportion_test,
)


def _guard(x_t, margin=0.01, higher_is_better=True):
    # se ≈ .0035 at 40,000 per arm: Δ = 0 → non-inferior, −.005 → inconclusive, −.03 → inferior
    return noninferiority_test(
        GroupStats.from_counts(20_000, 40_000),
        GroupStats.from_counts(x_t, 40_000),
        margin=margin,
        higher_is_better=higher_is_better,
    )


BETTER = proportion_test(4_000, 10_000, 4_200, 10_000)  # p = 0.004
FLAT = proportion_test(4_000, 10_000, 4_050, 10_000)  # p = 0.47
WORSE = proportion_test(4_200, 10_000, 4_000, 10_000)
OK, UNCLEAR, BAD = _guard(20_000), _guard(19_800), _guard(18_800)


def test_guardrail_fixtures_have_the_intended_verdicts():
    assert (OK.verdict, UNCLEAR.verdict, BAD.verdict) == (
        "non-inferior",
        "inconclusive",
        "inferior",
    )
    assert BETTER.p_value < 0.05 < FLAT.p_value


@pytest.mark.parametrize(
    ("primary", "guards", "expected"),
    [
        (BETTER, {"a": OK, "b": OK}, "ship"),
        (BETTER, {}, "ship"),
        (BETTER, {"a": OK, "b": UNCLEAR}, "keep testing"),
        (BETTER, {"a": UNCLEAR, "b": BAD}, "don't ship"),
        (FLAT, {"a": OK}, "don't ship"),
        (FLAT, {"a": UNCLEAR}, "don't ship"),
        (WORSE, {"a": OK}, "don't ship"),
    ],
)
def test_rule_table(primary, guards, expected):
    d = decide(primary, guards)
    assert isinstance(d, LaunchDecision)
    assert d.decision == expected


def test_direction_of_the_primary():
    assert decide(WORSE, {"a": OK}, higher_is_better=False).decision == "ship"
    assert decide(BETTER, {"a": OK}, higher_is_better=False).decision == "don't ship"


def test_reason_names_the_failing_guardrail():
    d = decide(BETTER, {"crash rate": BAD, "tickets": OK})
    assert "crash rate" in d.reason and "tickets" not in d.reason
    d = decide(BETTER, {"crash rate": OK, "tickets": UNCLEAR})
    assert "tickets" in d.reason


def test_table_and_rendering():
    d = decide(BETTER, {"crash rate": OK}, primary_name="D7 retention")
    t = d.table
    assert list(t["metric"]) == ["D7 retention", "crash rate"]
    assert list(t["role"]) == ["primary", "guardrail"]
    assert t["estimate"].iloc[0] == pytest.approx(0.02)
    assert math.isnan(t["margin"].iloc[0]) and t["margin"].iloc[1] == 0.01
    assert t["ci_high"].iloc[1] == math.inf
    assert "SHIP" in d.summary()
    html = d._repr_html_()
    assert "<table" in html and "crash rate" in html
    assert repr(d).startswith("LaunchDecision(decision='ship'")


def test_mean_test_as_primary():
    r = mean_test([1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0])
    assert decide(r).decision == "ship"


def test_a_noninferiority_result_is_not_a_primary():
    ni = noninferiority_test(
        GroupStats.from_counts(4000, 10_000), GroupStats.from_counts(4010, 10_000), margin=0.02
    )
    # its H0 is "worse by 2 points", rejected (p = 0.0012); the superiority test of the same
    # data, proportion_test(4000, 10_000, 4010, 10_000), has p = 0.885: nothing to ship.
    # Before, decide(ni, {}) said "ship".
    assert ni.p_value < 0.05
    assert proportion_test(4000, 10_000, 4010, 10_000).p_value == pytest.approx(0.885, abs=5e-4)
    with pytest.raises(ValueError, match=r"primary must be a superiority test.*p = 0\.00122"):
        decide(ni, {"crash-free": OK})


def test_bad_input():
    with pytest.raises(ValueError, match="primary must be a test result"):
        decide({"estimate": 1.0})
    with pytest.raises(ValueError, match="guardrails must map"):
        decide(BETTER, {"a": BETTER})
    with pytest.raises(ValueError, match="guardrails must map"):
        decide(BETTER, {1: OK})
    with pytest.raises(ValueError, match="higher_is_better"):
        decide(BETTER, higher_is_better=1)
    with pytest.raises(ValueError, match="also a guardrail name"):
        decide(BETTER, {"primary": OK})
    with pytest.raises(ValueError, match="primary_name"):
        decide(BETTER, primary_name="")
