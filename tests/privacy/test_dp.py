"""The Laplace mechanism and the segment report against OpenDP and the closed forms.

References: OpenDP 0.16 (``opendp.prelude``), whose privacy maps give the ε of a
mechanism for a sensitivity, and whose samplers give the noise distribution;
Dwork & Roth (2014), Laplace(b) has mean 0 and variance 2b².
"""

import numpy as np
import opendp.prelude as dp
import pandas as pd
import pytest
from scipy import stats

from xplab.privacy import (
    BudgetExceededError,
    PrivacyBudget,
    dp_count,
    dp_mean,
    dp_sum,
    laplace_mechanism,
    segment_report,
)
from xplab.privacy.dp import _laplace_sum_quantile

dp.enable_features("contrib")


@pytest.mark.parametrize(("sensitivity", "epsilon"), [(1.0, 0.1), (1.0, 1.0), (250.0, 0.5)])
def test_epsilon_equals_opendps_privacy_map(sensitivity, epsilon):
    scale = sensitivity / epsilon  # what laplace_mechanism uses
    meas = dp.m.make_laplace(
        dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale=scale
    )
    assert meas.map(sensitivity) == pytest.approx(epsilon, rel=1e-12)


def test_count_and_clipped_sum_cost_what_opendps_pipelines_say():
    eps = 0.8
    count = dp_count(100, epsilon=eps, seed=0)
    rows = dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance()
    od_count = rows >> dp.t.then_count() >> dp.m.then_laplace(scale=count.sensitivity / eps)
    assert od_count.map(1) == pytest.approx(eps, rel=1e-12)  # one person added or removed

    total = dp_sum([5.0, 50.0], lower=0, upper=100, epsilon=eps, seed=0)
    reals = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
    od_sum = (
        reals
        >> dp.t.then_clamp(bounds=(0.0, 100.0))
        >> dp.t.then_sum()
        >> dp.m.then_laplace(scale=total.sensitivity / eps)
    )
    # OpenDP adds a bound on floating-point summation error: equal to 1e-6
    assert od_sum.map(1) == pytest.approx(eps, rel=1e-6)


def test_noise_has_opendps_distribution():
    scale = 2.5
    ours = laplace_mechanism(np.zeros(20_000), sensitivity=scale, epsilon=1.0, seed=3)
    od = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float), scale=scale
    )
    theirs = np.asarray(od([0.0] * 20_000))
    assert stats.ks_2samp(ours, theirs).pvalue > 0.001
    assert stats.kstest(ours, stats.laplace(scale=scale).cdf).pvalue > 0.001


def test_unbiased_with_variance_two_b_squared():
    delta, eps, n = 3.0, 0.5, 400_000
    noise = laplace_mechanism(np.full(n, 10.0), sensitivity=delta, epsilon=eps, seed=7) - 10.0
    b = delta / eps
    se_mean = np.sqrt(2 * b**2 / n)
    assert abs(noise.mean()) < 4 * se_mean
    # Var of the sample variance of Laplace: (mu4 - sigma^4)/n with mu4 = 24 b^4
    se_var = np.sqrt((24 * b**4 - (2 * b**2) ** 2) / n)
    assert abs(noise.var() - 2 * b**2) < 4 * se_var
    assert dp_count(5, epsilon=eps, seed=0).sd == pytest.approx(np.sqrt(2 * (1 / eps) ** 2))


def test_clipping_bias_is_what_clipping_removes():
    rng = np.random.default_rng(0)
    revenue = rng.lognormal(4.0, 1.2, 5_000)
    upper = 200.0
    releases = [
        dp_sum(revenue, lower=0, upper=upper, epsilon=1.0, seed=s).value for s in range(400)
    ]
    bias = np.mean(releases) - revenue.sum()
    expected_bias = -np.clip(revenue - upper, 0, None).sum()
    se = np.sqrt(2) * upper / 1.0 / np.sqrt(400)
    assert abs(bias - expected_bias) < 4 * se
    assert expected_bias < -0.1 * revenue.sum()  # a real bias: more than 10 % of revenue


def test_mean_splits_its_budget_and_the_budget_refuses_overspending():
    budget = PrivacyBudget(1.0)
    dp_mean(np.full(1000, 20.0), lower=0, upper=100, epsilon=0.6, seed=0, budget=budget)
    assert budget.ledger == [("mean", 0.6)]
    with pytest.raises(BudgetExceededError, match=r"remaining budget 0\.4"):
        dp_count(10, epsilon=0.5, budget=budget)
    assert budget.spent == 0.6  # the refused release spent nothing


def test_segment_report_noise_matches_its_stated_sd():
    people = pd.DataFrame({"seg": ["a"] * 300 + ["b"] * 100, "revenue": 40.0})
    reps = [
        segment_report(
            people,
            segment="seg",
            value="revenue",
            segments=["a", "b"],
            lower=0,
            upper=100,
            epsilon=1.0,
            seed=s,
        ).table
        for s in range(1000)
    ]
    counts = np.array([t["count"].to_numpy() for t in reps])
    sums = np.array([t["sum"].to_numpy() for t in reps])
    stated = reps[0]
    assert counts.mean(axis=0) == pytest.approx([300, 100], abs=0.5)
    assert counts.std(axis=0) == pytest.approx(
        stated["count_sd"].to_numpy(), rel=0.15
    )  # 1,000 draws: 4 standard errors of an SD of Laplace noise
    assert sums.std(axis=0) == pytest.approx(
        stated["sum_sd"].to_numpy(), rel=0.15
    )  # 1,000 draws: 4 standard errors of an SD of Laplace noise
    assert stated["count_sd"].iloc[0] == pytest.approx(np.sqrt(2) / 0.5)  # half of ε on counts


def test_segment_report_refuses_what_would_break_its_guarantee():
    people = pd.DataFrame({"id": [1, 1, 2], "seg": ["a", "a", "b"], "v": [1.0, 2.0, 3.0]})
    kw = dict(segment="seg", value="v", lower=0, upper=10, epsilon=1.0)
    with pytest.raises(ValueError, match="aggregate to one row per person"):
        segment_report(people, segments=["a", "b"], unit="id", **kw)
    with pytest.raises(ValueError, match="not declared"):
        segment_report(people, segments=["a"], **kw)
    budget = PrivacyBudget(1.5)
    segment_report(people, segments=["a", "b", "c"], budget=budget, **kw)
    assert budget.remaining == 0.5  # all segments for the price of one (parallel composition)


def test_opendp_backend_releases_with_the_same_noise_scale():
    released = laplace_mechanism(np.zeros(5_000), sensitivity=1.0, epsilon=1.0, backend="opendp")
    assert np.std(released) == pytest.approx(np.sqrt(2), rel=0.1)
    report = segment_report(
        pd.DataFrame({"seg": ["a"] * 50, "v": 1.0}),
        segment="seg",
        value="v",
        segments=["a"],
        lower=0,
        upper=5,
        epsilon=1.0,
        backend="opendp",
    )
    assert report.backend == "opendp" and np.isfinite(report.table.to_numpy()).all()


def test_a_mean_never_leaves_its_bounds():
    # 10 people, ε = 0.1: the noisy ratio is far outside [0, 100]; clamping is free post-processing
    values = np.full(10, 50.0)
    means = [dp_mean(values, lower=0, upper=100, epsilon=0.1, seed=s).value for s in range(200)]
    assert min(means) >= 0 and max(means) <= 100
    people = pd.DataFrame({"seg": ["a"] * 3 + ["b"], "v": [1.0, 2.0, 3.0, 4.0]})
    report = segment_report(
        people,
        segment="seg",
        value="v",
        segments=["a", "b", "c"],
        lower=0,
        upper=10,
        epsilon=0.5,
        seed=0,
    )
    assert report.table["mean"].between(0, 10).all()


def test_the_interval_follows_the_kind_of_release_not_its_label():
    # the interval used to be chosen by whether `what` started with "mean"
    count = dp_count(100, epsilon=1.0, seed=0, what="mean number of orders")
    assert count.noise_interval(0.95)[1] - count.value == pytest.approx(np.log(20))  # b ln 20
    mean = dp_mean(np.full(500, 20.0), lower=0, upper=100, epsilon=1.0, seed=0, what="average")
    # error ≈ (Laplace(Δ/(ε/2)) − mean · Laplace(1/(ε/2))) / n: scales 200/500 and 20·2/500
    assert mean.noise_scales == pytest.approx((0.4, 0.08), rel=0.02)
    half = mean.noise_interval(0.95)[1] - mean.value
    assert half == pytest.approx(_laplace_sum_quantile(mean.noise_scales, 0.95))
    assert half > 1.96 * mean.sd  # Laplace tails are heavier than the normal's


@pytest.mark.parametrize(("a", "c"), [(1.0, 0.0), (1.0, 1.0), (2.0, 0.5), (1.0, 0.999999)])
@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.99])
def test_quantile_of_two_laplace_errors_against_simulation(a, c, level):
    rng = np.random.default_rng(11)
    n = 2_000_000
    z = rng.laplace(0, a, n) + (rng.laplace(0, c, n) if c else 0.0)
    t = _laplace_sum_quantile((a, c) if c else (a,), level)
    covered = np.mean(np.abs(z) <= t)
    assert covered == pytest.approx(level, abs=4 * np.sqrt(level * (1 - level) / n))


def test_opendp_backend_refuses_a_seed_instead_of_ignoring_it():
    with pytest.raises(ValueError, match="seed: OpenDP's noise cannot be seeded"):
        laplace_mechanism(1.0, sensitivity=1.0, epsilon=1.0, seed=0, backend="opendp")
    with pytest.raises(ValueError, match="seed"):
        dp_mean([1.0], lower=0, upper=1, epsilon=1.0, seed=1, backend="opendp")


@pytest.mark.parametrize(("lower", "upper"), [(0.0, 100.0), (-10.0, 5.0), (100.0, 110.0)])
def test_opendp_backend_sums_cost_what_opendp_says(lower, upper):
    eps = 0.7
    release = dp_sum([1.0, 50.0, -3.0], lower=lower, upper=upper, epsilon=eps, backend="opendp")
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
    summed = space >> dp.t.then_clamp(bounds=(lower, upper)) >> dp.t.then_sum()
    scale = release.sd / np.sqrt(2)
    assert (summed >> dp.m.then_laplace(scale=scale)).map(1) <= eps
    assert release.sensitivity == summed.map(1)
    if lower < 0 < upper:  # OpenDP's float sum charges upper - lower across 0 ...
        assert release.sensitivity == pytest.approx(upper - lower, rel=1e-6)
    else:  # ... and max(|lower|, |upper|), like the NumPy backend, otherwise
        assert release.sensitivity == pytest.approx(max(abs(lower), abs(upper)), rel=1e-6)


def test_mixed_sign_bounds_sensitivity_is_opendps_integer_sum():
    # exact arithmetic: one person moves a sum clipped to [-10, 5] by at most 10
    assert dp_sum([1.0], lower=-10, upper=5, epsilon=1.0, seed=0).sensitivity == 10
    ints = dp.vector_domain(dp.atom_domain(T=int)), dp.symmetric_distance()
    assert (ints >> dp.t.then_clamp(bounds=(-10, 5)) >> dp.t.then_sum()).map(1) == 10


def test_opendp_segment_report_and_mean_run_end_to_end():
    people = pd.DataFrame({"seg": ["a"] * 40 + ["b"] * 10, "v": 3.0})
    report = segment_report(
        people,
        segment="seg",
        value="v",
        segments=["a", "b"],
        lower=0,
        upper=5,
        epsilon=2.0,
        backend="opendp",
    )
    assert report.table["sum_sd"].iloc[0] == pytest.approx(np.sqrt(2) * 5 / 1.0, rel=1e-6)
    mean = dp_mean(np.full(1_000, 3.0), lower=0, upper=5, epsilon=2.0, backend="opendp")
    assert 0 <= mean.value <= 5 and len(mean.noise_scales) == 2


def test_edges_of_epsilon_and_empty_data():
    with pytest.raises(ValueError, match="noise scale overflows"):
        laplace_mechanism(1.0, sensitivity=1e300, epsilon=1e-10, seed=0)
    assert np.isfinite(dp_count(0, epsilon=1e-6, seed=0).value)
    assert dp_count(5, epsilon=1e6, seed=0).value == pytest.approx(5, abs=1e-4)
    empty = dp_sum([], lower=0, upper=10, epsilon=1.0, seed=0)  # a valid, empty dataset
    assert empty.sensitivity == 10 and np.isfinite(empty.value)
    assert 0 <= dp_mean([], lower=0, upper=10, epsilon=1.0, seed=0).value <= 10


def test_budget_never_shows_minus_zero_and_units_must_be_present():
    budget = PrivacyBudget(0.3)
    for _ in range(3):
        budget.spend(0.1, "slice")
    assert str(budget.remaining) == "0.0"
    people = pd.DataFrame({"id": [1.0, np.nan, np.nan], "seg": ["a"] * 3, "v": 1.0})
    with pytest.raises(ValueError, match=r"unit: 2 row\(s\) have no 'id'"):
        segment_report(
            people,
            segment="seg",
            value="v",
            segments=["a"],
            lower=0,
            upper=1,
            epsilon=1.0,
            unit="id",
        )
