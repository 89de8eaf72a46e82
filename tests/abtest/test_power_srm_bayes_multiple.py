import numpy as np
import pytest
from scipy import stats
from statsmodels.stats.multitest import multipletests

from xplab.abtest import (
    SmallSampleWarning,
    adjust_pvalues,
    bayes_proportions,
    mde_proportions,
    power_proportions,
    sample_size_proportions,
    srm_test,
)


def test_sample_size_textbook_value():
    # Classic formula by hand: p1=0.10, p2=0.11, two-sided α=0.05, power 0.8.
    p1, p2 = 0.10, 0.11
    pbar = (p1 + p2) / 2
    za, zb = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    n = (
        za * np.sqrt(2 * pbar * (1 - pbar)) + zb * np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    ) ** 2 / 0.01**2
    assert sample_size_proportions(0.10, 0.01) == int(np.ceil(n)) == 14751


def test_relative_mde_equals_absolute():
    assert sample_size_proportions(0.2, 0.05, relative=True) == sample_size_proportions(0.2, 0.01)


@pytest.mark.parametrize("alternative", ["two-sided", "larger", "smaller"])
@pytest.mark.parametrize("ratio", [1.0, 2.0, 0.5])
def test_power_sample_size_mde_round_trip(alternative, ratio):
    kw = {"alternative": alternative, "ratio": ratio, "alpha": 0.05}
    n = sample_size_proportions(0.3, 0.02, power=0.9, **kw)
    assert power_proportions(0.3, 0.02, n, **kw) >= 0.9 > power_proportions(0.3, 0.02, n - 1, **kw)
    assert (
        mde_proportions(0.3, n, power=0.9, **kw)
        <= 0.02
        < mde_proportions(0.3, n - 1, power=0.9, **kw)
    )
    assert mde_proportions(0.3, 5000.5, power=0.7, relative=True, **kw) == pytest.approx(
        power_inverse(0.3, 5000.5, 0.7, relative=True, **kw), rel=1e-8
    )


def power_inverse(p, n, target, **kw):
    from scipy.optimize import brentq

    upper = 0.999 if kw["alternative"] == "smaller" else 2.0  # keeps the treatment rate in (0, 1)
    return brentq(lambda m: power_proportions(p, m, n, **kw) - target, 1e-6, upper)


def test_power_is_vectorized_and_increasing():
    n = np.array([1000, 5000, 20_000])
    pw = power_proportions(0.1, 0.01, n)
    assert pw.shape == (3,) and np.all(np.diff(pw) > 0)


def test_one_sided_needs_fewer_users():
    assert sample_size_proportions(0.1, 0.01, alternative="larger") < sample_size_proportions(
        0.1, 0.01
    )


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: sample_size_proportions(1.2, 0.01), r"baseline_rate must be in \(0, 1\), got 1.2"),
        (lambda: sample_size_proportions(0.1, -0.01), r"mde must be > 0"),
        (lambda: sample_size_proportions(0.95, 0.1), r"outside \(0, 1\)"),
        (lambda: sample_size_proportions(0.1, 0.01, power=1.0), r"power must be in \(0, 1\)"),
        (lambda: sample_size_proportions(0.1, 0.01, alpha=0), r"alpha must be strictly between"),
        (lambda: sample_size_proportions(0.1, 0.01, ratio=0), r"ratio must be > 0"),
        (lambda: power_proportions(0.1, 0.01, [100, -1]), r"n_per_group must be positive"),
        (lambda: mde_proportions(0.1, 3, power=0.99), r"n_per_group=3 is too small"),
        (lambda: sample_size_proportions(0.1, 0.01, power=0.01), r"power=0.01 is too low"),
        (lambda: mde_proportions(0.1, 1000, power=0.01), r"power=0.01 is too low"),
    ],
)
def test_power_bad_input(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_srm_kohavi_example():
    r = srm_test([821_588, 815_482], [0.5, 0.5])
    # scipy.stats.chisquare([821588, 815482])
    ref = stats.chisquare([821_588, 815_482])
    assert r.statistic == pytest.approx(ref.statistic, abs=1e-10)
    assert r.p_value == pytest.approx(ref.pvalue, abs=1e-15)
    assert r.p_value == pytest.approx(1.8e-6, rel=0.05)
    assert r.srm_detected


def test_srm_three_groups_uneven_design():
    obs = [5030, 2490, 2480]
    r = srm_test(obs, [0.5, 0.25, 0.25])
    # scipy.stats.chisquare(obs, f_exp=[5000, 2500, 2500])
    ref = stats.chisquare(obs, f_exp=[5000, 2500, 2500])
    assert r.p_value == pytest.approx(ref.pvalue, abs=1e-12)
    assert r.df == 2 and not r.srm_detected


@pytest.mark.parametrize(
    ("obs", "ratios", "message"),
    [
        ([10, 10], [0.6, 0.6], r"expected_ratios must sum to 1, got 1.2"),
        ([10, 10, 5], [0.5, 0.5], r"observed_counts has 3 groups but expected_ratios has 2"),
        ([10, -1], [0.5, 0.5], r"non-negative whole numbers"),
        ([0, 0], [0.5, 0.5], r"all zero"),
        ([10, 10], [1.0, 0.0], r"expected_ratios must all be > 0"),
    ],
)
def test_srm_bad_input(obs, ratios, message):
    with pytest.raises(ValueError, match=message):
        srm_test(obs, ratios)


def test_bayes_against_exact_probability():
    # P(p_t > p_c) for Beta posteriors by numerical integration.
    a_c, b_c, a_t, b_t = 1 + 100, 1 + 900, 1 + 130, 1 + 870
    grid = np.linspace(0, 1, 200_001)
    exact = np.trapezoid(stats.beta.pdf(grid, a_t, b_t) * stats.beta.cdf(grid, a_c, b_c), grid)
    r = bayes_proportions(100, 1000, 130, 1000, seed=3, draws=400_000)
    assert r.prob_treatment_better == pytest.approx(exact, abs=0.002)
    assert r.posterior_mean_t == pytest.approx(a_t / (a_t + b_t))
    assert r.ci[0] < r.estimate < r.ci[1]
    assert r.expected_loss_treatment < r.expected_loss_control
    assert r.draws.shape == (400_000,)
    assert r.prob_lift_above(0) == r.prob_treatment_better
    assert r.prob_lift_above(0.03) < r.prob_lift_above(0.01)


def test_bayes_is_reproducible_with_a_seed():
    assert bayes_proportions(10, 100, 12, 100, seed=5) == bayes_proportions(
        10, 100, 12, 100, seed=5
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"prior": (0, 1)}, r"prior\[0\] must be > 0"),
        ({"prior": 1}, r"prior must be a pair"),
        ({"draws": 10}, r"draws must be >= 1000"),
        ({"credible_level": 1.5}, r"credible_level must be in"),
        ({"seed": "x"}, r"seed must be an int"),
    ],
)
def test_bayes_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bayes_proportions(10, 100, 12, 100, **kwargs)


@pytest.mark.parametrize("method", ["holm", "bonferroni", "fdr_bh"])
def test_adjust_matches_statsmodels(method):
    p = np.random.default_rng(1).uniform(0, 0.2, 25)
    r = adjust_pvalues(p, method=method, alpha=0.1)
    # multipletests(p, alpha=0.1, method=method)
    reject, p_adj, _, _ = multipletests(p, alpha=0.1, method=method)
    assert np.allclose(r.p_adjusted, p_adj, atol=1e-12, rtol=0)
    assert (r.reject == reject).all()


def test_adjust_bad_input():
    with pytest.raises(ValueError, match=r"method must be one of"):
        adjust_pvalues([0.1], method="sidak")
    with pytest.raises(ValueError, match=r"p_values must all be in \[0, 1\]"):
        adjust_pvalues([0.1, 1.5])


def test_power_at_or_below_alpha_is_refused():
    with pytest.raises(ValueError, match=r"power=0.05 is too low.*above alpha=0.05"):
        sample_size_proportions(0.1, 0.01, power=0.05)
    with pytest.raises(ValueError, match=r"power=0.04 is too low"):
        mde_proportions(0.1, 1000, power=0.04)


def test_sample_size_is_at_least_one():
    # one-sided at alpha = 0.9, z_alpha < 0: pick the power where the numerator
    # z_alpha·s0 + z_beta·s1 is 1e-6·s1, so the formula gives ~1e-10 users (it returned 0)
    p1, p2 = 0.3, 0.32
    pbar = (p1 + p2) / 2
    s0, s1 = np.sqrt(2 * pbar * (1 - pbar)), np.sqrt(p1 * (1 - p1) + p2 * (1 - p2))
    power = stats.norm.cdf((1e-6 * s1 - stats.norm.ppf(0.1) * s0) / s1)
    assert power > 0.9
    assert sample_size_proportions(p1, 0.02, alpha=0.9, power=power, alternative="larger") == 1


def test_srm_warns_when_expected_counts_are_tiny():
    with pytest.warns(SmallSampleWarning, match=r"binomtest"):
        srm_test([3, 1], [0.5, 0.5])


def test_bayes_estimate_is_the_exact_posterior_mean_difference():
    r = bayes_proportions(100, 1000, 130, 1000, seed=3, prior=(2, 5))
    # Beta(a + x, b + n − x) has mean (a + x)/(a + b + n)
    assert r.estimate == (2 + 130) / (7 + 1000) - (2 + 100) / (7 + 1000)
    assert r.estimate == r.posterior_mean_t - r.posterior_mean_c


def test_bayes_flat_prior_matches_one_minus_one_sided_p():
    from xplab.abtest import proportion_test

    r = bayes_proportions(1000, 10_000, 1100, 10_000, seed=4)
    p = proportion_test(1000, 10_000, 1100, 10_000, alternative="larger").p_value
    assert r.prob_treatment_better == pytest.approx(1 - p, abs=0.003)


def test_bayes_sceptical_prior_pulls_towards_zero():
    flat = bayes_proportions(1000, 10_000, 1100, 10_000, seed=4)
    sceptical = bayes_proportions(1000, 10_000, 1100, 10_000, prior=(500, 4500), seed=4)
    assert 0 < sceptical.estimate < flat.estimate
    assert sceptical.prob_treatment_better < flat.prob_treatment_better


@pytest.mark.parametrize(
    ("p", "alpha"),
    [
        # m·p/i lands on 0.10000000000000002 for all three; statsmodels rejects them
        ([0.025, 0.05, 0.07500000000000001, 0.9], 0.1),
        ([0.0125, 0.025, 0.037500000000000006, 0.9], 0.05),
        ([0.01, 0.02, 0.03, 0.04, 0.05], 0.05),
        ([0.1 / 3, 0.2 / 3, 0.1], 0.1),
    ],
)
@pytest.mark.parametrize("method", ["holm", "bonferroni", "fdr_bh"])
def test_rejections_on_the_threshold_equal_statsmodels(p, alpha, method):
    r = adjust_pvalues(p, method=method, alpha=alpha)
    # multipletests(p, alpha=alpha, method=method)
    reject, p_adj, _, _ = multipletests(np.array(p), alpha=alpha, method=method)
    assert r.reject.tolist() == reject.tolist()
    assert np.allclose(r.p_adjusted, p_adj, atol=1e-15, rtol=0)


def test_bh_on_the_threshold_rejects_three():
    assert (
        adjust_pvalues(
            [0.025, 0.05, 0.07500000000000001, 0.9], method="fdr_bh", alpha=0.1
        ).reject.sum()
        == 3
    )
