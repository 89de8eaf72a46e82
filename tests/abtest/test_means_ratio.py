import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy import stats

from xplab.abtest import GroupStats, mean_test, proportion_test, ratio_test
from xplab.abtest.means import welch_from_moments
from xplab.abtest.ratio import delta_from_moments, ratio_variance

RNG = np.random.default_rng(7)
X_C = RNG.exponential(10, 200)
X_T = RNG.exponential(11, 150)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_mean_test_matches_scipy_welch(alternative):
    r = mean_test(X_C, X_T, alpha=0.1, alternative=alternative)
    alt = {"two-sided": "two-sided", "larger": "greater", "smaller": "less"}[alternative]
    # scipy.stats.ttest_ind(x_t, x_c, equal_var=False, alternative=alt) and its .confidence_interval(0.9)
    ref = stats.ttest_ind(X_T, X_C, equal_var=False, alternative=alt)
    ci = ref.confidence_interval(0.9)
    assert r.statistic == pytest.approx(ref.statistic, abs=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, abs=1e-10)
    assert r.df == pytest.approx(ref.df, abs=1e-8)
    assert r.ci == pytest.approx((ci.low, ci.high), abs=1e-10)
    assert r.estimate == pytest.approx(X_T.mean() - X_C.mean())


@pytest.mark.parametrize(
    ("x_c", "x_t", "message"),
    [
        ([], [1, 2], r"x_c must have at least 2 values, got 0"),
        ([1, 2], [1, np.nan], r"x_t contains 1 NaN or infinite value"),
        ([1, 1], [2, 2], r"both constant"),
        ([[1, 2]], [1, 2], r"x_c must be one-dimensional"),
        (["a", "b"], [1, 2], r"x_c must be an array of numbers"),
    ],
)
def test_mean_test_bad_input(x_c, x_t, message):
    with pytest.raises(ValueError, match=message):
        mean_test(x_c, x_t)


def test_ratio_variance_matches_direct_delta_formula():
    # Var(N̄/D̄) by the gradient g = (1/μ_D, −μ_N/μ_D²) and the covariance of the means.
    num = RNG.poisson(2, 500).astype(float)
    den = num + RNG.poisson(5, 500) + 1
    r, v = ratio_variance(num, den)
    g = np.array([1 / den.mean(), -num.mean() / den.mean() ** 2])
    assert r == pytest.approx(num.sum() / den.sum())
    assert v == pytest.approx(g @ np.cov(num, den) @ g / num.size, rel=1e-12)


def test_ratio_test_with_one_impression_each_is_a_proportion_test():
    # With den = 1 for every user the delta method reduces to the unpooled Wald SE.
    c = (RNG.random(3000) < 0.1).astype(float)
    t = (RNG.random(3000) < 0.12).astype(float)
    r = ratio_test(c, np.ones_like(c), t, np.ones_like(t))
    p = proportion_test(int(c.sum()), c.size, int(t.sum()), t.size)
    # the delta method uses ddof=1 variances, the Wald CI ddof=0
    assert r.estimate == pytest.approx(p.estimate)
    assert r.se == pytest.approx(p.se, rel=1e-3)


def test_ratio_test_is_wider_than_naive_when_clicks_cluster():
    # heavy clickers: a per-impression test understates the noise
    imp_c, imp_t = RNG.integers(1, 30, 2000), RNG.integers(1, 30, 2000)
    p_c, p_t = RNG.beta(0.5, 5, 2000), RNG.beta(0.5, 5, 2000)
    clk_c, clk_t = RNG.binomial(imp_c, p_c), RNG.binomial(imp_t, p_t)
    r = ratio_test(clk_c, imp_c, clk_t, imp_t)
    naive = proportion_test(clk_c.sum(), imp_c.sum(), clk_t.sum(), imp_t.sum())
    assert r.se > 1.5 * naive.se


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ([1, 2], [1, 2, 3], [1, 2], [1, 2]),
            r"num_c and den_c must have one value per unit: 2 != 3",
        ),
        (([1, 2], [1, -2], [1, 2], [1, 2]), r"den_c must be non-negative"),
        (([1, 2], [1, 2], [0, 0], [0, 0]), r"den_t sums to 0"),
        (([1, 2], [1, 2], [1, np.inf], [1, 2]), r"num_t contains 1 NaN"),
    ],
)
def test_ratio_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        ratio_test(*args)


samples = arrays(float, st.integers(3, 40), elements=st.floats(-100, 100, allow_nan=False))


@settings(deadline=None, max_examples=60)
@given(samples, samples)
def test_mean_test_properties(c, t):
    if np.ptp(c) < 1e-6 or np.ptp(t) < 1e-6:
        return
    r, s = mean_test(c, t), mean_test(t, c)
    assert 0 <= r.p_value <= 1
    assert r.ci[0] <= r.estimate <= r.ci[1]
    assert s.estimate == pytest.approx(-r.estimate, abs=1e-9)
    assert s.p_value == pytest.approx(r.p_value, abs=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_vectorized_cores_equal_the_public_functions(alternative):
    # the benchmark runs thousands of experiments through these cores at once
    groups = [RNG.gamma(2.0, 3.0, (2, k)) for k in (5, 40, 300)]
    for c, t in groups:
        r = mean_test(c, t, alternative=alternative)
        diff, se, df, res = welch_from_moments(
            np.array([c.mean()]),
            np.array([c.var(ddof=1)]),
            c.size,
            np.array([t.mean()]),
            np.array([t.var(ddof=1)]),
            t.size,
            0.05,
            alternative,
        )
        # equal up to the last bit or two (array and scalar arithmetic may round differently)
        got = (diff[0], se[0], df[0], res.p_value[0], res.ci_low[0], res.ci_high[0])
        assert got == pytest.approx((r.estimate, r.se, r.df, r.p_value, *r.ci), rel=1e-13)
    num = RNG.poisson(2, (3, 100)).astype(float)
    den = num + RNG.poisson(5, (3, 100))
    cov = [np.cov(n, d) for n, d in zip(num, den, strict=True)]
    ratio, var = delta_from_moments(
        num.mean(axis=1),
        den.mean(axis=1),
        np.array([v[0, 0] for v in cov]),
        np.array([v[1, 1] for v in cov]),
        np.array([v[0, 1] for v in cov]),
        100,
    )
    for i in range(3):
        assert (ratio[i], var[i]) == pytest.approx(ratio_variance(num[i], den[i]), rel=1e-13)


ratio_groups = st.integers(3, 30).flatmap(
    lambda n: st.tuples(
        arrays(float, n, elements=st.integers(0, 20).map(float)),
        arrays(float, n, elements=st.integers(1, 40).map(float)),
    )
)


@settings(deadline=None, max_examples=60)
@given(ratio_groups, ratio_groups)
def test_ratio_test_properties(c, t):
    (num_c, den_c), (num_t, den_t) = c, t
    try:
        r = ratio_test(num_c, den_c, num_t, den_t)
    except ValueError as exc:
        assert "does not vary" in str(exc)
        return
    s = ratio_test(num_t, den_t, num_c, den_c)
    assert 0 <= r.p_value <= 1
    assert r.ci[0] <= r.estimate <= r.ci[1]
    assert s.estimate == pytest.approx(-r.estimate, abs=1e-12)
    assert s.p_value == pytest.approx(r.p_value, abs=1e-9)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_mean_test_from_groupstats_is_identical(alternative):
    kw = {"alternative": alternative, "alpha": 0.1}
    arrays = mean_test(X_C, X_T, **kw)
    s_c, s_t = GroupStats.from_arrays(X_C), GroupStats.from_arrays(X_T)
    for c, t in ((s_c, s_t), (s_c, X_T), (X_C, s_t)):
        r = mean_test(c, t, **kw)
        got = (r.estimate, r.se, r.df, r.p_value, r.statistic, *r.ci)
        want = (arrays.estimate, arrays.se, arrays.df, arrays.p_value, arrays.statistic, *arrays.ci)
        assert got == pytest.approx(want, rel=1e-12, abs=0)


def test_mean_test_near_the_float_limit_is_never_nan():
    with pytest.raises(ValueError, match=r"exceeds the float range; rescale"):
        mean_test([1e308, -1e308], [1.0, 2.0])  # its interval really is wider than 1.8e308
    # 1e300² overflows, but the test is scale-free: same statistic as on the data / 1e300
    big = mean_test([1e300, -1e300, 3e300], [1e300, 2e300, 5e300])
    # scipy.stats.ttest_ind([1, 2, 5], [1, -1, 3], equal_var=False)
    ref = stats.ttest_ind([1.0, 2.0, 5.0], [1.0, -1.0, 3.0], equal_var=False)
    assert big.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert big.p_value == pytest.approx(ref.pvalue, rel=1e-12)
    assert big.estimate == pytest.approx(5 / 3 * 1e300, rel=1e-12)


def test_relative_lift_has_the_sign_of_the_change_for_a_negative_control():
    # mean profit rises from -10 to -5: +50 %, not -50 %
    r = mean_test([-10.0, -11.0, -9.0], [-5.0, -6.0, -4.0])
    assert r.relative_lift == pytest.approx(0.5)


def test_ratio_of_exact_multiples_has_no_rounding_variance():
    k = np.arange(1.0, 101.0)
    noisy = 0.1 * k + np.random.default_rng(0).normal(0, 0.01, k.size)
    # every control unit has ratio 0.1 (up to float rounding): only treatment contributes
    r = ratio_test(0.1 * k, k, noisy, k)
    r_t = noisy.sum() / k.sum()
    resid = noisy - r_t * k
    assert r.se == pytest.approx(np.sqrt(resid @ resid / 99 / (100 * k.mean() ** 2)), rel=1e-12)
    with pytest.raises(ValueError, match=r"does not vary between units in either group"):
        ratio_test(0.1 * k, k, 0.2 * k, k)  # was z = 6.8e8


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_ratio_test_from_groupstats_is_identical(alternative):
    imp_c, imp_t = RNG.integers(1, 30, 800), RNG.integers(1, 30, 700)
    clk_c, clk_t = RNG.binomial(imp_c, 0.1), RNG.binomial(imp_t, 0.12)
    kw = {"alternative": alternative, "alpha": 0.1}
    arrays = ratio_test(clk_c, imp_c, clk_t, imp_t, **kw)
    s_c = GroupStats.from_arrays(clk_c, denominator=imp_c)
    s_t = GroupStats.from_arrays(clk_t, denominator=imp_t)
    want = (arrays.estimate, arrays.se, arrays.p_value, arrays.statistic, *arrays.ci)
    for args in ((s_c, s_t), (s_c, clk_t, imp_t), (clk_c, imp_c, s_t)):
        r = ratio_test(*args, **kw)
        got = (r.estimate, r.se, r.p_value, r.statistic, *r.ci)
        assert got == pytest.approx(want, rel=1e-12, abs=0)
        assert (r.n_c, r.n_t) == (800, 700)


def test_ratio_groupstats_needs_a_denominator():
    with pytest.raises(ValueError, match=r"control GroupStats has no denominator"):
        ratio_test(GroupStats.from_arrays([1.0, 2.0]), GroupStats.from_arrays([1.0, 2.0]))
