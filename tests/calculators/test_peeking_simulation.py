"""peeking_simulation: false positives of a test checked at every look, and the
sequential methods' own functions compute its p-values and bounds."""

import numpy as np
import pytest
from scipy import stats

from xplab.abtest import GroupStats, confidence_sequence, group_sequential_bounds, msprt_test
from xplab.calculators import peeking_simulation
from xplab.calculators.peeking import METHODS, _draw_looks


def within(rate, target, se, k=4):
    return abs(rate - target) <= k * se


def test_one_look_is_the_fixed_horizon_test():
    r = peeking_simulation(1, n_experiments=20_000, seed=3)
    assert r.rejection_rate == r.fixed_horizon_rate
    assert within(r.rejection_rate, 0.05, r.standard_error)


@pytest.mark.parametrize(("looks", "published"), [(2, 0.083), (5, 0.142), (10, 0.193)])
def test_naive_peeking_matches_armitage(looks, published):
    # Armitage, McPherson & Rowe (1969), as in ANCHORS.md and bench_sequential.py
    r = peeking_simulation(looks, n_experiments=40_000, users_per_look=200, seed=looks)
    assert within(r.rejection_rate, published, r.standard_error)
    assert np.all(np.diff(r.rejected_by_look) >= 0)


@pytest.mark.parametrize("method", ["msprt", "confidence-sequence"])
def test_always_valid_methods_keep_alpha(method):
    r = peeking_simulation(50, method=method, n_experiments=10_000, seed=5)
    assert r.rejection_rate <= 0.05
    assert np.all(r.thresholds == 0.05)


@pytest.mark.parametrize("method", ["obrien-fleming", "pocock"])
def test_group_sequential_spends_alpha(method):
    r = peeking_simulation(5, method=method, n_experiments=40_000, seed=6)
    assert within(r.rejection_rate, 0.05, r.standard_error)
    bounds = group_sequential_bounds([0.2, 0.4, 0.6, 0.8, 1.0], spending=method)
    assert np.allclose(r.thresholds, bounds.nominal_p)


def test_a_true_effect_is_found_more_often():
    aa = peeking_simulation(10, method="obrien-fleming", seed=7)
    ab = peeking_simulation(10, method="obrien-fleming", effect=0.15, seed=7)
    assert ab.rejection_rate > 0.8 > 0.1 > aa.rejection_rate


def _arms(seed, looks, per_look, effect=0.0, reps=3):
    n, arms = _draw_looks(np.random.default_rng(seed), reps, looks, per_look, effect)
    out = []
    for mean, var in arms:
        out.append(
            [
                GroupStats(n=int(k), mean=float(m), m2=float(v * (k - 1)))
                for k, m, v in zip(n, mean[0], var[0], strict=True)
            ]
        )
    return out


def test_paths_are_the_public_functions():
    looks, per_look, seed = 8, 150, 11
    control, treatment = _arms(seed, looks, per_look, effect=0.05)
    kw = {"users_per_look": per_look, "n_experiments": 3, "effect": 0.05, "seed": seed}

    r = peeking_simulation(looks, method="msprt", tau=0.1, **kw)
    assert np.allclose(r.p_paths[0], msprt_test(control, treatment, tau=0.1).p_values)

    tuned = 2 * looks * per_look
    r = peeking_simulation(looks, method="confidence-sequence", **kw)
    cs = confidence_sequence(control, treatment, tuning_parameter=tuned)
    assert np.allclose(r.p_paths[0], cs.p_values)

    r = peeking_simulation(looks, method="naive", **kw)
    ms = msprt_test(control, treatment, tau=0.1)
    assert np.allclose(r.p_paths[0], 2 * stats.norm.sf(np.abs(ms.estimate / ms.se)))


def test_default_tau_is_the_fixed_horizon_mde():
    r = peeking_simulation(10, method="msprt", users_per_look=100, n_experiments=10, seed=1)
    z = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
    assert r.tau == pytest.approx(z * np.sqrt(2 / 1000))
    assert peeking_simulation(10, n_experiments=10, seed=1).tau is None


def test_draws_have_the_right_distribution():
    # per-look mean and sample variance of N(0, 1) users: E[mean] = 0, Var = 1/n, E[s^2] = 1
    n, ((mean, var), _) = _draw_looks(np.random.default_rng(0), 40_000, 4, 50, 0.0)
    assert np.allclose(mean.var(axis=0) * n, 1, atol=0.04)
    assert np.allclose(var.mean(axis=0), 1, atol=0.01)


def test_same_seed_same_result():
    a = peeking_simulation(7, method="pocock", seed=2)
    b = peeking_simulation(7, method="pocock", seed=2)
    assert a.rejection_rate == b.rejection_rate and np.array_equal(a.p_paths, b.p_paths)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"n_looks": 0}, "n_looks"),
        ({"n_looks": 201}, "n_looks"),
        ({"n_looks": 2.5}, "n_looks"),
        ({"n_looks": 5, "method": "bonferroni"}, "method"),
        ({"n_looks": 5, "alpha": 0.0}, "alpha"),
        ({"n_looks": 5, "users_per_look": 1}, "users_per_look"),
        ({"n_looks": 5, "n_experiments": 0}, "n_experiments"),
        ({"n_looks": 5, "n_experiments": 10**6}, "n_experiments"),
        ({"n_looks": 5, "tau": 0.0}, "tau"),
        ({"n_looks": 5, "effect": float("nan")}, "effect"),
        ({"n_looks": 5, "seed": -1}, "seed"),
    ],
)
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        peeking_simulation(**kwargs)


@pytest.mark.parametrize("method", METHODS)
def test_plot_has_titles_and_labels(method):
    fig = peeking_simulation(12, method=method, n_experiments=200, seed=0).plot()
    left, right = fig.axes
    assert "cross the threshold" in left.get_title()
    assert "Rejected by each look" in right.get_title()
    assert all(ax.get_xlabel() == "users per arm" and ax.get_ylabel() for ax in fig.axes)
