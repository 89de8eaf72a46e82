import math

import numpy as np
import pytest
from scipy import stats
from statsmodels.stats import proportion as smp

from xplab.abtest import GroupStats, noninferiority_test
from xplab.abtest.ratio import ratio_variance

COUNTS = [
    (9_000, 10_000, 8_950, 10_000, 0.01),
    (300, 20_000, 330, 20_000, 0.002),
    (120, 400, 95, 300, 0.05),
    (49_500, 50_000, 49_480, 50_000, 0.002),
]


@pytest.mark.parametrize("higher", [True, False])
@pytest.mark.parametrize(("x_c", "n_c", "x_t", "n_t", "margin"), COUNTS)
def test_proportions_match_statsmodels_wald(x_c, n_c, x_t, n_t, margin, higher):
    r = noninferiority_test(
        GroupStats.from_counts(x_c, n_c),
        GroupStats.from_counts(x_t, n_t),
        margin=margin,
        higher_is_better=higher,
    )
    # reference: statsmodels 0.15 test_proportions_2indep, treatment first so diff = p_t − p_c
    ref = smp.test_proportions_2indep(
        x_t,
        n_t,
        x_c,
        n_c,
        value=-margin if higher else margin,
        compare="diff",
        method="wald",
        alternative="larger" if higher else "smaller",
    )
    assert r.metric == "proportion"
    assert r.p_value == pytest.approx(ref.pvalue, abs=1e-10)
    assert r.statistic == pytest.approx(ref.statistic, abs=1e-10)
    assert r.estimate == pytest.approx(x_t / n_t - x_c / n_c, abs=1e-15)
    q = stats.norm.ppf(0.95)
    if higher:
        assert r.ci == pytest.approx((r.estimate - q * r.se, math.inf))
    else:
        assert r.ci == pytest.approx((-math.inf, r.estimate + q * r.se))
    # the test and the interval agree
    assert (r.p_value < 0.05) == (r.ci[0] > -margin if higher else r.ci[1] < margin)


def test_published_style_reference_value():
    # hand computation: p_c = .99, p_t = .9896, se = sqrt(.99*.01/5e4 + .9896*.0104/5e4)
    # z = (−0.0004 + 0.002)/se = 2.51778, p = scipy.stats.norm.sf(2.51778) = 0.0059049
    r = noninferiority_test(
        GroupStats.from_counts(49_500, 50_000),
        GroupStats.from_counts(49_480, 50_000),
        margin=0.002,
    )
    se = math.sqrt(0.99 * 0.01 / 5e4 + 0.9896 * 0.0104 / 5e4)
    assert r.se == pytest.approx(se, rel=1e-12)
    assert r.p_value == pytest.approx(0.0059049, abs=1e-6)
    assert r.verdict == "non-inferior"


@pytest.mark.parametrize("higher", [True, False])
def test_means_match_scipy_welch_on_shifted_data(higher):
    rng = np.random.default_rng(7)
    c = rng.poisson(0.3, size=400).astype(float)  # support tickets per user
    t = rng.poisson(0.33, size=350).astype(float)
    margin = 0.05
    r = noninferiority_test(c, t, margin=margin, higher_is_better=higher)
    # reference: shifting treatment by ±margin turns H0: Δ = ∓m into H0: Δ = 0,
    # scipy.stats.ttest_ind(t ± m, c, equal_var=False, alternative=...)
    shift = margin if higher else -margin
    ref = stats.ttest_ind(
        t + shift, c, equal_var=False, alternative="greater" if higher else "less"
    )
    assert r.metric == "mean"
    assert r.p_value == pytest.approx(ref.pvalue, abs=1e-12)
    assert r.statistic == pytest.approx(ref.statistic, abs=1e-10)
    assert r.df == pytest.approx(ref.df, rel=1e-12)
    ci = ref.confidence_interval(0.95)
    if higher:
        assert r.ci[0] == pytest.approx(ci.low - shift, abs=1e-12)
    else:
        assert r.ci[1] == pytest.approx(ci.high - shift, abs=1e-12)
    # arrays and GroupStats.from_arrays are the same input
    g = noninferiority_test(
        GroupStats.from_arrays(c),
        GroupStats.from_arrays(t),
        margin=margin,
        higher_is_better=higher,
    )
    assert g.p_value == pytest.approx(r.p_value, rel=1e-12)


def test_ratio_metric_uses_delta_method():
    rng = np.random.default_rng(3)
    sessions_c = rng.poisson(4, size=500) + 1.0
    sessions_t = rng.poisson(4, size=500) + 1.0
    crashes_c = rng.binomial(sessions_c.astype(int), 0.02).astype(float)
    crashes_t = rng.binomial(sessions_t.astype(int), 0.025).astype(float)
    r = noninferiority_test(
        GroupStats.from_arrays(crashes_c, denominator=sessions_c),
        GroupStats.from_arrays(crashes_t, denominator=sessions_t),
        margin=0.01,
        higher_is_better=False,
    )
    # reference: xplab.abtest.ratio.ratio_variance (validated against a hand formula
    # in tests/abtest/test_means_ratio.py) and a normal one-sided p-value
    r_c, v_c = ratio_variance(crashes_c, sessions_c)
    r_t, v_t = ratio_variance(crashes_t, sessions_t)
    se = math.sqrt(v_c + v_t)
    assert r.metric == "ratio"
    assert r.estimate == pytest.approx(r_t - r_c, rel=1e-12)
    assert r.se == pytest.approx(se, rel=1e-9)
    assert r.p_value == pytest.approx(stats.norm.cdf((r_t - r_c - 0.01) / se), rel=1e-9)
    assert r.control_value == pytest.approx(crashes_c.sum() / sessions_c.sum())


def test_verdicts():
    def run(x_t):
        return noninferiority_test(
            GroupStats.from_counts(20_000, 40_000),
            GroupStats.from_counts(x_t, 40_000),
            margin=0.01,
        ).verdict

    # se ≈ √(2·.25/40,000) = .0035, q = 1.645: bounds Δ ∓ .0058
    assert run(20_000) == "non-inferior"  # Δ = 0: lower bound −.0058 > −.01
    assert run(19_800) == "inconclusive"  # Δ = −.005: lower −.0108, upper +.0008
    assert run(18_800) == "inferior"  # Δ = −.03: upper bound −.024 < −.01


def test_summary_and_html_render():
    r = noninferiority_test([1.0, 2.0, 3.0], [2.0, 2.5, 3.5], margin=1.0)
    assert "Non-inferiority" in r.summary()
    assert "verdict" in r._repr_html_()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"margin": 0.0}, "margin must be > 0"),
        ({"margin": -0.1}, "margin must be > 0"),
        ({"margin": float("nan")}, "margin must be finite"),
        ({"margin": 0.1, "alpha": 1.5}, "alpha"),
        ({"margin": 0.1, "higher_is_better": "yes"}, "higher_is_better"),
    ],
)
def test_bad_options(kwargs, match):
    with pytest.raises(ValueError, match=match):
        noninferiority_test([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], **kwargs)


def test_a_margin_on_a_proportion_must_be_below_one():
    # before: margin=5.0 on a rate gave p = 0 and "non-inferior"
    c, t = GroupStats.from_counts(4000, 10_000), GroupStats.from_counts(3000, 10_000)
    with pytest.raises(ValueError, match=r"margin=5 is on a proportion.*margin=0\.05"):
        noninferiority_test(c, t, margin=5.0)
    with pytest.raises(ValueError, match="margin=1 is on a proportion"):
        noninferiority_test(c, t, margin=1.0)
    assert noninferiority_test(c, t, margin=0.05).verdict == "inferior"
    # a mean or a ratio has no such bound
    assert noninferiority_test([1.0, 2.0, 3.0], [1.0, 2.0, 4.0], margin=5.0).margin == 5.0


def test_ratio_arms_with_negative_denominators_are_refused():
    # ratio_test refuses negative denominators in arrays; a GroupStats built from them is
    # refused the same way (before, noninferiority_test took it)
    with pytest.raises(ValueError, match=r"denominator must be non-negative.*1 negative"):
        GroupStats.from_arrays([1.0, 2.0, 3.0], denominator=[4.0, -2.0, 6.0])
    with pytest.raises(ValueError, match="denominator_mean must be >= 0"):
        GroupStats.from_sums(
            3,
            6.0,
            14.0,
            denominator_sum=-6.0,
            denominator_sum_squares=20.0,
            denominator_sum_products=-10.0,
        )


def test_bad_arms():
    with pytest.raises(ValueError, match="control must be a GroupStats"):
        noninferiority_test("abc", [1.0, 2.0], margin=0.1)
    with pytest.raises(ValueError, match="treatment: y contains 1 NaN"):
        noninferiority_test([1.0, 2.0], [1.0, float("nan")], margin=0.1)
    with pytest.raises(ValueError, match="both have a denominator"):
        noninferiority_test(
            GroupStats.from_arrays([1.0, 2.0], denominator=[3.0, 4.0]),
            GroupStats.from_arrays([1.0, 2.0]),
            margin=0.1,
        )
    with pytest.raises(ValueError, match="does not adjust for a covariate"):
        noninferiority_test(
            GroupStats.from_arrays([1.0, 2.0, 3.0], covariate=[1.0, 0.0, 2.0]),
            GroupStats.from_arrays([1.0, 2.0, 4.0], covariate=[1.0, 0.0, 2.0]),
            margin=0.1,
        )
    with pytest.raises(ValueError, match="at least 2 units"):
        noninferiority_test(GroupStats.from_counts(1, 1), GroupStats.from_counts(3, 5), margin=0.1)
    with pytest.raises(ValueError, match="standard error is 0"):
        noninferiority_test([2.0, 2.0], [3.0, 3.0], margin=0.1)
    with pytest.raises(TypeError):
        noninferiority_test([1.0, 2.0], [1.0, 2.0], 0.1)  # margin is keyword-only
