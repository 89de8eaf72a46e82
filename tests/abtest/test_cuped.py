import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats

from xplab.abtest import GroupStats, cuped_test

RNG = np.random.default_rng(21)
X_C = RNG.gamma(4.0, 5.0, 300)
X_T = RNG.gamma(4.0, 5.0, 420)
Y_C = 3 + 0.8 * X_C + RNG.normal(0, 6, 300)
Y_T = 4 + 0.8 * X_T + RNG.normal(0, 7, 420)
ARMS = (GroupStats.from_arrays(Y_C, covariate=X_C), GroupStats.from_arrays(Y_T, covariate=X_T))


def _ols(formula_x=True):
    # statsmodels.api.OLS(y, [1, treatment, x - mean(x)]).fit(): the ANCOVA regression
    y = np.r_[Y_C, Y_T]
    x = np.r_[X_C, X_T]
    d = np.r_[np.zeros(X_C.size), np.ones(X_T.size)]
    cols = [d, x - x.mean()] if formula_x else [d]
    return sm.OLS(y, sm.add_constant(np.column_stack(cols))).fit()


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
def test_cuped_equals_ancova_ols(alternative):
    fit = _ols()
    r = cuped_test(*ARMS, alpha=0.1, alternative=alternative)
    assert r.estimate == pytest.approx(fit.params[1], abs=1e-8)
    assert r.se == pytest.approx(fit.bse[1], abs=1e-8)
    assert r.statistic == pytest.approx(fit.tvalues[1], abs=1e-8)
    assert r.df == fit.df_resid
    assert r.theta == pytest.approx(fit.params[2], abs=1e-8)
    if alternative == "two-sided":
        assert r.p_value == pytest.approx(fit.pvalues[1], abs=1e-10)
        assert r.ci == pytest.approx(tuple(fit.conf_int(alpha=0.1)[1]), abs=1e-8)
    else:
        # statsmodels: fit.t_test("x1 = 0") one-sided p is half the two-sided in the right direction
        half = fit.pvalues[1] / 2
        right_way = (r.statistic > 0) == (alternative == "larger")
        assert r.p_value == pytest.approx(half if right_way else 1 - half, abs=1e-10)


def test_unadjusted_se_and_variance_reduction():
    raw = _ols(formula_x=False)
    r = cuped_test(*ARMS)
    assert r.unadjusted_estimate == pytest.approx(raw.params[1], abs=1e-10)
    assert r.unadjusted_se == pytest.approx(raw.bse[1], abs=1e-10)
    assert r.variance_reduction == pytest.approx(1 - (r.se / raw.bse[1]) ** 2)
    # pooled within-arm correlation, the theory's rho
    rc, rt = X_C - X_C.mean(), X_T - X_T.mean()
    yc, yt = Y_C - Y_C.mean(), Y_T - Y_T.mean()
    rho = (rc @ yc + rt @ yt) / np.sqrt((rc @ rc + rt @ rt) * (yc @ yc + yt @ yt))
    assert r.correlation == pytest.approx(rho)
    assert r.expected_reduction == pytest.approx(rho**2)
    # achieved and theoretical differ only by degrees of freedom and the x imbalance
    assert abs(r.variance_reduction - r.expected_reduction) < 0.02


def test_cuped_from_sql_sums_equals_from_arrays():
    def sums(y, x):
        return GroupStats.from_sums(
            y.size,
            y.sum(),
            (y**2).sum(),
            covariate_sum=x.sum(),
            covariate_sum_squares=(x**2).sum(),
            sum_products=(x * y).sum(),
        )

    a = cuped_test(*ARMS)
    b = cuped_test(sums(Y_C, X_C), sums(Y_T, X_T))
    assert b.estimate == pytest.approx(a.estimate, rel=1e-9)
    assert b.se == pytest.approx(a.se, rel=1e-7)


def test_useless_covariate_reduces_nothing():
    rng = np.random.default_rng(3)
    y_c, y_t = rng.normal(0, 1, 2000), rng.normal(0, 1, 2000)
    x_c, x_t = rng.normal(0, 1, 2000), rng.normal(0, 1, 2000)
    r = cuped_test(
        GroupStats.from_arrays(y_c, covariate=x_c), GroupStats.from_arrays(y_t, covariate=x_t)
    )
    assert abs(r.variance_reduction) < 0.01
    assert "CUPED" in r.summary()


def _audit_arms(x_c, x_t, seed=0):
    # truth: effect 0.2, y = x + noise, the covariate randomised (same distribution)
    rng = np.random.default_rng(seed)
    n = 2000
    x = rng.normal(10, 2, (2, n))
    y_c, y_t = x[0] + rng.normal(0, 1, n), x[1] + 0.2 + rng.normal(0, 1, n)
    x_c, x_t = x_c(x[0]), x_t(x[1])
    return GroupStats.from_arrays(y_c, covariate=x_c), GroupStats.from_arrays(y_t, covariate=x_t)


def test_a_covariate_constant_in_one_arm_is_refused():
    # missing pre-period values filled with 0 in control: before, the estimate was ~10
    # (truth 0.2) with p ~ 0; no randomised covariate can be constant in one arm only
    c, t = _audit_arms(np.zeros_like, lambda x: x)
    with pytest.raises(ValueError, match=r"constant in control \(every value 0\).*below 1e-"):
        cuped_test(c, t)
    with pytest.raises(ValueError, match="constant in control"):
        cuped_test(c, t, balance_alpha=None)  # not a chance imbalance: always refused
    # a rare 0/1 covariate can be all 0 in a small arm by chance: accepted
    rng = np.random.default_rng(4)
    y = rng.normal(size=(2, 100))
    x_t = np.zeros(100)
    x_t[:2] = 1.0
    r = cuped_test(
        GroupStats.from_arrays(y[0], covariate=np.zeros(100)),
        GroupStats.from_arrays(y[1] + 0.5 * x_t, covariate=x_t),
    )
    assert 0 < r.balance_p_value <= 1


def test_an_unbalanced_covariate_is_refused_with_the_numbers():
    # recorded ×100 in one arm: before, a confident wrong estimate
    c, t = _audit_arms(lambda x: 100 * x, lambda x: x)
    unchecked = cuped_test(c, t, balance_alpha=None)
    assert abs(unchecked.estimate - 0.2) > 5 and unchecked.p_value < 1e-10
    with pytest.raises(ValueError, match=r"unbalanced between arms: mean 99\d\.\d+ in control"):
        cuped_test(c, t)
    # balanced arms pass, and report the balance test (Welch's t test on the covariate)
    c, t = _audit_arms(lambda x: x, lambda x: x)
    r = cuped_test(c, t)
    assert r.estimate == pytest.approx(0.2, abs=0.1)
    x = np.random.default_rng(0).normal(10, 2, (2, 2000))
    assert r.balance_p_value == pytest.approx(stats.ttest_ind(x[1], x[0], equal_var=False).pvalue)
    with pytest.raises(ValueError, match="balance_alpha must be in"):
        cuped_test(c, t, balance_alpha=1.5)


def test_cuped_bad_input():
    plain = GroupStats.from_arrays([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="control has no covariate"):
        cuped_test(plain, ARMS[1])
    with pytest.raises(TypeError, match="treatment must be a GroupStats"):
        cuped_test(ARMS[0], [1.0, 2.0])
    with pytest.raises(ValueError, match="alternative must be one of"):
        cuped_test(*ARMS, alternative="greater")
    with pytest.raises(ValueError, match="alpha must be"):
        cuped_test(*ARMS, alpha=5)
    flat = GroupStats.from_arrays([1.0, 2.0, 3.0], covariate=[1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="covariate is constant"):
        cuped_test(flat, flat)
    exact = GroupStats.from_arrays([1.0, 2.0, 3.0], covariate=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="exact linear function"):
        cuped_test(exact, exact)
    tiny = GroupStats.from_arrays([1.0], covariate=[1.0])
    with pytest.raises(ValueError, match="at least 4 units"):
        cuped_test(tiny, GroupStats.from_arrays([1.0, 2.0], covariate=[0.0, 1.0]))
