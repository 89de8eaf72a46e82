"""bandit_regret averages xplab.bandits.simulate over runs."""

import numpy as np
import pytest

from xplab.bandits import UCB1, BernoulliBandit, EpsilonGreedy, ThompsonSampling, simulate
from xplab.calculators import bandit_regret

MEANS = (0.04, 0.05, 0.06, 0.07, 0.08)


@pytest.mark.parametrize(
    ("name", "make"),
    [
        ("epsilon-greedy", lambda rng: EpsilonGreedy(5, epsilon=0.2, seed=rng)),
        ("ucb1", lambda rng: UCB1(5, c=0.5, seed=rng)),
        ("thompson", lambda rng: ThompsonSampling(5, seed=rng)),
    ],
)
def test_one_run_is_simulate(name, make):
    r = bandit_regret(name, means=MEANS, epsilon=0.2, c=0.5, n_rounds=300, n_runs=1, seed=4)
    rng = np.random.default_rng(4)
    direct = simulate(make(rng), BernoulliBandit(MEANS), 300, seed=rng)
    assert np.allclose(r.curve, direct.cumulative_regret)
    assert r.regret == pytest.approx(direct.regret)
    assert r.ctr == pytest.approx(direct.ctr)


def test_runs_are_averaged():
    r = bandit_regret("ucb1", means=MEANS, n_rounds=200, n_runs=4, seed=0)
    assert r.curve_low[-1] <= r.regret <= r.curve_high[-1]
    assert r.regret_range == (r.curve_low[-1], r.curve_high[-1])
    assert r.plays.sum() == pytest.approx(1.0)
    assert np.all(np.diff(r.curve) >= 0)


def test_random_reference_is_exact_and_random_play_matches_it():
    r = bandit_regret("random", means=MEANS, n_rounds=3_000, n_runs=8, seed=1)
    assert np.allclose(r.random_curve, 0.02 * np.arange(1, 3_001))
    # each round's expected loss is 0.02 with sd 0.0141: the mean of 8 runs of 3,000 rounds
    sd = 0.0141 * np.sqrt(3_000 / 8)
    assert abs(r.regret - r.random_regret) < 4 * sd
    assert np.allclose(r.plays, 0.2, atol=0.02)


def test_learning_policies_beat_random_and_find_the_best_arm():
    for name in ("epsilon-greedy", "thompson"):
        r = bandit_regret(name, means=(0.02, 0.1, 0.2), n_rounds=3_000, n_runs=3, seed=2)
        assert r.regret < r.random_regret / 3
        assert int(np.argmax(r.plays)) == 2


def test_epsilon_one_explores_uniformly_and_zero_is_greedy():
    r = bandit_regret("epsilon-greedy", means=MEANS, epsilon=1.0, n_rounds=3_000, seed=3)
    assert np.allclose(r.plays, 0.2, atol=0.03)
    greedy = bandit_regret("epsilon-greedy", means=MEANS, epsilon=0.0, n_rounds=500, seed=3)
    assert greedy.policy == "ε-greedy (ε = 0)"


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"policy": "softmax"}, "policy"),
        ({"means": [0.1]}, "means"),
        ({"means": [0.1, 1.2]}, "means"),
        ({"means": [0.01] * 51}, "means"),
        ({"means": "0.1, 0.2"}, "means"),
        ({"epsilon": 1.5}, "epsilon"),
        ({"c": 0.0}, "c"),
        ({"n_rounds": 0}, "n_rounds"),
        ({"n_rounds": 10**6}, "n_rounds"),
        ({"n_runs": 0}, "n_runs"),
        ({"n_runs": 101}, "n_runs"),
        ({"seed": 1.5}, "seed"),
    ],
)
def test_bad_input_names_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        bandit_regret(**{"n_rounds": 50, "n_runs": 1, **kwargs})


def test_plot_has_titles_and_labels():
    fig = bandit_regret("thompson", n_rounds=200, n_runs=2, seed=0).plot()
    left, right = fig.axes
    assert left.get_title().startswith("Regret over 200 rounds")
    assert right.get_title().startswith("Share of pulls")
    assert all(ax.get_xlabel() and ax.get_ylabel() for ax in fig.axes)
