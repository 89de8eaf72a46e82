import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportions_ztest

from xplab.abtest import GroupStats, SmallSampleWarning, proportion_test
from xplab.abtest.proportions import z_test_counts

# (5, 50, 1, 45) has an expected cell count of 2.8: the test warns, and still
# computes what statsmodels computes
small_counts = pytest.mark.filterwarnings("ignore::xplab.abtest.SmallSampleWarning")

CASES = [
    (1000, 10_000, 1100, 10_000),
    (37, 480, 52, 510),
    (5, 50, 1, 45),
    (4812, 50_121, 4990, 49_877),
]


@small_counts
@pytest.mark.parametrize(("xc", "nc", "xt", "nt"), CASES)
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_matches_statsmodels(xc, nc, xt, nt, alternative):
    r = proportion_test(xc, nc, xt, nt, alternative=alternative)
    # proportions_ztest([x_t, x_c], [n_t, n_c], alternative=...) — pooled z, treatment first
    z, p = proportions_ztest([xt, xc], [nt, nc], alternative=alternative)
    assert r.statistic == pytest.approx(z, abs=1e-10)
    assert r.p_value == pytest.approx(p, abs=1e-10)
    assert r.estimate == pytest.approx(xt / nt - xc / nc, abs=1e-12)


@small_counts
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


@small_counts
def test_zero_control_rate_gives_infinite_not_nan_lift():
    r = proportion_test(0, 100, 5, 100)
    assert r.relative_lift == math.inf and not math.isnan(r.p_value)


counts = st.integers(min_value=2, max_value=5000).flatmap(
    lambda n: st.tuples(st.integers(0, n), st.just(n))
)


@small_counts
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


@small_counts
@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_vectorized_core_equals_the_public_function(alternative):
    # the benchmark runs thousands of experiments through z_test_counts at once
    x_c, n_c, x_t, n_t = (np.array(col) for col in zip(*CASES, strict=True))
    _, _, diff, se, res = z_test_counts(x_c, n_c, x_t, n_t, 0.05, alternative)
    for i, case in enumerate(CASES):
        r = proportion_test(*case, alternative=alternative)
        got = (diff[i], se[i], res.statistic[i], res.p_value[i], res.ci_low[i], res.ci_high[i])
        assert got == pytest.approx((r.estimate, r.se, r.statistic, r.p_value, *r.ci), rel=1e-13)


@pytest.mark.parametrize(
    ("xc", "nc", "xt", "nt"), [(0, 1, 1, 1), (1, 10, 5, 10**9), (3, 40, 2, 50)]
)
def test_small_expected_counts_warn_and_name_the_exact_test(xc, nc, xt, nt):
    # (0, 1, 1, 1) has a zero-width Wald interval next to p = 0.157; (1, 10, 5, 10**9)
    # gives p = 0 with an interval that contains 0
    with pytest.warns(SmallSampleWarning, match=r"fisher_exact.*boschloo_exact"):
        proportion_test(xc, nc, xt, nt)


def test_zero_width_interval_is_never_silent():
    # expected counts of 500 per cell, yet both rates are 0 % or 100 %
    with pytest.warns(SmallSampleWarning, match=r"zero width"):
        r = proportion_test(0, 1000, 1000, 1000)
    assert r.ci[0] == r.ci[1]


def test_no_warning_with_enough_counts():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        proportion_test(5, 100, 12, 100)  # smallest expected count 8.5


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_groupstats_arms_give_the_same_result(alternative):
    y_c = (np.random.default_rng(3).random(5000) < 0.1).astype(int)
    y_t = (np.random.default_rng(4).random(4000) < 0.12).astype(int)
    counts = proportion_test(
        int(y_c.sum()), y_c.size, int(y_t.sum()), y_t.size, alternative=alternative, alpha=0.1
    )
    kw = {"alternative": alternative, "alpha": 0.1}
    for c in (GroupStats.from_counts(int(y_c.sum()), y_c.size), GroupStats.from_arrays(y_c)):
        for t in (GroupStats.from_counts(int(y_t.sum()), y_t.size), GroupStats.from_arrays(y_t)):
            assert proportion_test(c, t, **kw) == counts
        assert proportion_test(c, int(y_t.sum()), y_t.size, **kw) == counts
    t = GroupStats.from_counts(int(y_t.sum()), y_t.size)
    assert proportion_test(int(y_c.sum()), y_c.size, t, **kw) == counts


def test_groupstats_arm_must_be_binary():
    continuous = GroupStats.from_arrays([0.5, 1.5, 2.0])
    with pytest.raises(ValueError, match=r"control GroupStats must describe a 0/1 metric"):
        proportion_test(continuous, GroupStats.from_counts(3, 10))
    with pytest.raises(ValueError, match=r"after both arms were complete"):
        proportion_test(GroupStats.from_counts(3, 10), GroupStats.from_counts(3, 10), 5)


def test_tuple_reprs_have_no_thousands_separators():
    r = proportion_test(1000, 10_000, 1100, 10_000)
    assert "n_c=10,000" in repr(r)  # a lone number keeps its separator
    from xplab.abtest import srm_test

    assert "observed=(821588, 815482)" in repr(srm_test([821_588, 815_482], [0.5, 0.5]))
