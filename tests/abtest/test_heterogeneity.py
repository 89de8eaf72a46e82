import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.meta_analysis import combine_effects

from xplab.abtest import heterogeneity_test, proportion_test


def test_two_segments_equal_the_z_test_of_their_difference():
    new = proportion_test(900, 5000, 990, 5000)
    old = proportion_test(3000, 20_000, 3080, 20_000)
    r = heterogeneity_test([new.estimate, old.estimate], [new.se, old.se])
    z = (new.estimate - old.estimate) / np.hypot(new.se, old.se)
    assert r.p_value == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-12)
    assert r.statistic == pytest.approx(z**2, rel=1e-12) and r.df == 1


def test_q_matches_a_hand_computation_and_statsmodels():
    theta, se = np.array([0.1, 0.3, 0.2, -0.05]), np.array([0.1, 0.12, 0.08, 0.15])
    w = 1 / se**2
    pooled = (w * theta).sum() / w.sum()
    q = (w * (theta - pooled) ** 2).sum()
    r = heterogeneity_test(theta, se)
    assert r.statistic == pytest.approx(q, rel=1e-13)
    assert r.p_value == pytest.approx(stats.chi2.sf(q, 3), rel=1e-12)
    # combine_effects(theta, se**2): Cochran's Q, I² (not clipped at 0) and the fixed-effect mean
    ref = combine_effects(theta, se**2)
    assert r.statistic == pytest.approx(ref.q, rel=1e-12)
    assert r.i_squared == pytest.approx(max(0.0, ref.i2), rel=1e-12)
    assert r.pooled_estimate == pytest.approx(ref.mean_effect_fe, rel=1e-12)
    assert r.pooled_se == pytest.approx(ref.sd_eff_w_fe, rel=1e-12)


def test_i_squared_is_zero_when_estimates_agree_better_than_chance():
    r = heterogeneity_test([0.01, 0.011], [0.01, 0.01])
    assert r.i_squared == 0.0 and not r.significant


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([0.1], [0.1]), r"estimates must have at least 2 values"),
        (([0.1, 0.2, 0.3], [0.1, 0.2]), r"standard_errors must have one value per estimate"),
        (([0.1, 0.2], [0.1, 0.0]), r"standard_errors must all be > 0"),
    ],
)
def test_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        heterogeneity_test(*args)
