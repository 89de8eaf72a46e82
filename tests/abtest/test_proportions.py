import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from xplab.abtest import proportion_test
from xplab.abtest.proportions import z_test_counts

CASES = [
    (1000, 10_000, 1100, 10_000),
    (37, 480, 52, 510),
    (5, 50, 1, 45),
    (4812, 50_121, 4990, 49_877),
]


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), CASES)
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_matches_statsmodels(xc, nc, xt, nt, alternative):
    r = proportion_test(xc, nc, xt, nt, alternative=alternative)
    # proportions_ztest([x_t, x_c], [n_t, n_c], alternative=...) — pooled z, treatment first
    z, p = proportions_ztest([xt, xc], [nt, nc], alternative=alternative)
    assert r.statistic == pytest.approx(z, abs=1e-10)
    assert r.p_value == pytest.approx(p, abs=1e-10)
    assert r.estimate == pytest.approx(xt / nt - xc / nc, abs=1e-12)


@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), CASES)
def test_ci_matches_statsmodels_wald(xc, nc, xt, nt):
    r = proportion_test(xc, nc, xt, nt, alpha=0.1)
    # confint_proportions_2indep(x_t, n_t, x_c, n_c, method="wald", compare="diff", alpha=0.1)
    lo, hi = confint_proportions_2indep(xt, nt, xc, nc, method="wald", compare="diff", alpha=0.1)
    assert r.ci == pytest.approx((lo, hi), abs=1e-10)


def test_one_sided_ci_has_infinite_bound():
    larger = proportion_test(100, 1000, 130, 1000, alternative="larger")
    smaller = proportion_test(100, 1000, 130, 1000, alternative="smaller")
    assert larger.ci[1] == math.inf and smaller.ci[0] == -math.inf
    assert larger.ci[0] > proportion_test(100, 1000, 130, 1000).ci[0]


def test_fields_and_repr():
    r = proportion_test(1000, 10_000, 1100, 10_000)
    assert r.control_rate == 0.1 and r.treatment_rate == 0.11
    assert r.relative_lift == pytest.approx(0.1)
    assert r.significant
    assert repr(r).startswith("ProportionTestResult(estimate=0.01, ci=(")
    assert "p_value" in r.summary() and "<table>" in r._repr_html_()


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((-1, 10, 1, 10), {}, r"successes_c must be >= 0, got -1"),
        ((11, 10, 1, 10), {}, r"successes_c \(11\) exceeds n_c \(10\)"),
        ((1, 10, 1, 0), {}, r"n_t must be >= 1"),
        ((1.5, 10, 1, 10), {}, r"successes_c must be a whole number"),
        ((1, 10, 1, 10), {"alpha": 1.2}, r"alpha must be strictly between 0 and 1"),
        ((1, 10, 1, 10), {"alternative": "greater"}, r"alternative must be one of"),
        ((0, 10, 0, 10), {}, r"no variation to test"),
        ((10, 10, 20, 20), {}, r"no variation to test"),
    ],
)
def test_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        proportion_test(*args, **kwargs)


def test_zero_control_rate_gives_infinite_not_nan_lift():
    r = proportion_test(0, 100, 5, 100)
    assert r.relative_lift == math.inf and not math.isnan(r.p_value)


counts = st.integers(min_value=2, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(0, n), st.just(n))
)


@settings(deadline=None, max_examples=60)
@given(counts, counts)
def test_properties(c, t):
    (xc, nc), (xt, nt) = c, t
    if (xc + xt) in (0, nc + nt):
        return  # degenerate, rejected above
    r = proportion_test(xc, nc, xt, nt)
    s = proportion_test(xt, nt, xc, nc)
    assert 0 <= r.p_value <= 1
    assert r.ci[0] <= r.estimate <= r.ci[1]
    assert s.estimate == pytest.approx(-r.estimate, abs=1e-12)
    assert s.p_value == pytest.approx(r.p_value, abs=1e-12)
    assert np.isfinite(r.statistic)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_vectorized_core_equals_the_public_function(alternative):
    # the benchmark runs thousands of experiments through z_test_counts at once
    x_c, n_c, x_t, n_t = (np.array(col) for col in zip(*CASES, strict=True))
    _, _, diff, se, res = z_test_counts(x_c, n_c, x_t, n_t, 0.05, alternative)
    for i, case in enumerate(CASES):
        r = proportion_test(*case, alternative=alternative)
        got = (diff[i], se[i], res.statistic[i], res.p_value[i], res.ci_low[i], res.ci_high[i])
        assert got == pytest.approx((r.estimate, r.se, r.statistic, r.p_value, *r.ci), rel=1e-13)
