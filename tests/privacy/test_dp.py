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
