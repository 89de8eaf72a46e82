import numpy as np
import pytest
from statsmodels.regression.linear_model import OLS

from xplab.abtest import mean_test, poststratified_test


def _data(seed=1, n=600):
    rng = np.random.default_rng(seed)
    s = rng.choice(np.array(["a", "b", "c"]), size=n, p=[0.6, 0.3, 0.1])
    t = rng.integers(0, 2, n)
    base = np.select([s == "a", s == "b"], [1.0, 3.0], 10.0)
    y = base + 2.0 * t * (s == "c") + rng.normal(0, 1 + 3 * (s == "c"), n)
    return y, t, s


@pytest.mark.parametrize("seed", [1, 2])
def test_matches_interacted_regression_with_hc2(seed):
    y, t, s = _data(seed)
    r = poststratified_test(y[t == 0], y[t == 1], s[t == 0], s[t == 1])
    # reference: statsmodels OLS of y on [1, T, b, c, T·b, T·c]  with stratum dummies centred at their
    # pooled shares (Lin 2013), cov_type="HC2"; the T coefficient is the post-stratified
    # estimate and its HC2 SE equals Σ w_k² (s²_tk/n_tk + s²_ck/n_ck)
    dummies = np.column_stack([(s == level).astype(float) for level in ("b", "c")])
    dummies -= dummies.mean(axis=0)
    design = np.column_stack([np.ones_like(y), t, dummies, t[:, None] * dummies])
    fit = OLS(y, design).fit(cov_type="HC2")
    assert r.estimate == pytest.approx(fit.params[1], abs=1e-12)
    assert r.se == pytest.approx(fit.bse[1], rel=1e-10)
    assert r.p_value == pytest.approx(fit.pvalues[1], rel=1e-8)  # z-test in both
    assert r.ci == pytest.approx(tuple(fit.conf_int()[1]), rel=1e-10)
    assert r.strata == ("a", "b", "c")
    assert sum(r.weights) == pytest.approx(1.0)


def test_hand_computed_two_strata():
    y_c = [1.0, 2.0, 1.5, 10.0, 12.0]
    y_t = [2.0, 2.5, 11.0, 13.0, 12.5, 3.0]
    s_c = [0, 0, 0, 1, 1]
    s_t = [0, 0, 1, 1, 1, 0]
    r = poststratified_test(y_c, y_t, s_c, s_t)
    # by hand: stratum 0: ȳ_t = 2.5, ȳ_c = 1.5, w = 6/11; stratum 1: ȳ_t = 12.1667, ȳ_c = 11,
    # w = 5/11; τ = 6/11·1 + 5/11·1.16667 = 1.07576
    # var = (6/11)²(0.25/3 + 0.25/3) + (5/11)²(1.08333/3 + 2/2) = 0.33085
    assert r.estimate == pytest.approx(6 / 11 * 1.0 + 5 / 11 * (36.5 / 3 - 11.0), rel=1e-12)
    assert r.se**2 == pytest.approx(
        (6 / 11) ** 2 * (0.25 / 3 + 0.25 / 3) + (5 / 11) ** 2 * ((13 / 12) / 3 + 2 / 2),
        rel=1e-12,
    )
    assert r.strata == (0, 1)


def test_one_stratum_is_the_unadjusted_z_test():
    rng = np.random.default_rng(5)
    c, t = rng.normal(0, 1, 50), rng.normal(0.3, 2, 70)
    r = poststratified_test(c, t, np.zeros(50), np.zeros(70), alternative="larger")
    w = mean_test(c, t, alternative="larger")
    assert r.estimate == pytest.approx(w.estimate)
    assert r.se == pytest.approx(w.se)
    assert r.unadjusted_se == pytest.approx(w.se)
    assert r.ci[1] == np.inf


def test_removes_between_strata_noise():
    y, t, s = _data(3, n=4_000)
    r = poststratified_test(y[t == 0], y[t == 1], s[t == 0], s[t == 1])
    assert r.se < 0.8 * r.unadjusted_se


def test_bad_input():
    y = [1.0, 2.0, 3.0, 4.0]
    s = [0, 0, 1, 1]
    with pytest.raises(ValueError, match="strata_c must be one-dimensional with one label"):
        poststratified_test(y, y, [0, 1], s)
    with pytest.raises(ValueError, match="strata_t contains NaN"):
        poststratified_test(y, y, s, [0.0, 0.0, 1.0, np.nan])
    with pytest.raises(ValueError, match=r"at least 2 units in each arm.*\(2, 0, 1\)"):
        poststratified_test(y, [1.0, 2.0, 3.0, 4.0, 5.0], s, [0, 0, 1, 1, 2])
    with pytest.raises(ValueError, match="alternative"):
        poststratified_test(y, y, s, s, alternative="greater")
    with pytest.raises(ValueError, match="y_t contains 1 NaN"):
        poststratified_test(y, [1.0, np.nan, 3.0, 4.0], s, s)
    with pytest.raises(ValueError, match="constant within every stratum"):
        poststratified_test([1.0, 1.0, 2.0, 2.0], [3.0, 3.0, 5.0, 5.0], s, s)
