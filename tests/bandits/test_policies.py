"""Bandit policies: one shape, input checks, and the behaviour each is known for."""

import numpy as np
import pytest

from xplab.bandits import (
    UCB1,
    BernoulliBandit,
    EpsilonGreedy,
    LinUCB,
    RandomPolicy,
    ThompsonSampling,
    simulate,
)

CONTEXT_FREE = [RandomPolicy, EpsilonGreedy, UCB1, ThompsonSampling]


def make(cls, n_arms=3, seed=0):
    return LinUCB(n_arms, 2, seed=seed) if cls is LinUCB else cls(n_arms, seed=seed)


@pytest.mark.parametrize("cls", [*CONTEXT_FREE, LinUCB])
def test_one_shape_and_reproducible(cls):
    x = [1.0, 0.5]
    runs = []
    for _ in range(2):
        policy = make(cls, seed=7)
        arms = []
        for t in range(30):
            a = policy.select(x)
            assert isinstance(a, int) and 0 <= a < 3
            policy.update(a, float(t % 2), x)
            arms.append(a)
        runs.append(arms)
    assert runs[0] == runs[1]
    assert policy.counts.sum() == 30


@pytest.mark.parametrize("cls", [*CONTEXT_FREE, LinUCB])
def test_bad_arguments(cls):
    with pytest.raises(ValueError, match="n_arms"):
        cls(0) if cls is not LinUCB else LinUCB(0, 2)
    policy = make(cls)
    with pytest.raises(ValueError, match="arm"):
        policy.update(3, 1.0, [1.0, 0.0])
    with pytest.raises(ValueError, match="arm"):
        policy.update(True, 1.0, [1.0, 0.0])
    with pytest.raises(ValueError, match="reward"):
        policy.update(0, float("nan"), [1.0, 0.0])
    with pytest.raises(ValueError, match="seed"):
        cls(2, seed="x") if cls is not LinUCB else LinUCB(2, 2, seed="x")
    with pytest.raises(TypeError):
        cls(2, 0.1) if cls is not LinUCB else LinUCB(2, 2, 0.1)  # options are keyword-only


def test_option_checks():
    with pytest.raises(ValueError, match="epsilon"):
        EpsilonGreedy(2, epsilon=1.5)
    with pytest.raises(ValueError, match="c must be > 0"):
        UCB1(2, c=0)
    with pytest.raises(ValueError, match="prior"):
        ThompsonSampling(2, prior=(1.0,))
    with pytest.raises(ValueError, match="prior\\[1\\]"):
        ThompsonSampling(2, prior=(1.0, -1.0))
    with pytest.raises(ValueError, match="reward must be in"):
        ThompsonSampling(2).update(0, 2.0)
    with pytest.raises(ValueError, match="n_features"):
        LinUCB(2, 0)
    with pytest.raises(ValueError, match="alpha"):
        LinUCB(2, 2, alpha=-1)
    policy = LinUCB(2, 2)
    with pytest.raises(ValueError, match="context is required"):
        policy.select()
    with pytest.raises(ValueError, match="shape"):
        policy.select([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="NaN"):
        policy.update(0, 1.0, [np.nan, 1.0])


def test_greedy_locks_in_and_epsilon_explores():
    # Arm 1 pays more, but greedy stops trying it once arm 0 has paid off.
    greedy = EpsilonGreedy(2, epsilon=0.0, seed=0)
    greedy.update(0, 1.0)
    assert all(greedy.select() == 0 for _ in range(50))
    explorer = EpsilonGreedy(2, epsilon=0.5, seed=0)
    explorer.update(0, 1.0)
    picks = [explorer.select() for _ in range(2000)]
    # P(arm 1) = ε/2 = 0.25; 2000 draws give sd ≈ 0.01
    assert np.mean(picks) == pytest.approx(0.25, abs=0.04)


def test_ucb1_tries_every_arm_then_uses_the_formula():
    policy = UCB1(3, seed=0)
    first = []
    for _ in range(3):
        a = policy.select()
        first.append(a)
        policy.update(a, [0.2, 0.5, 0.5][a])
    assert first == [0, 1, 2]
    policy.update(2, 1.0)
    # t = 4 pulls; means (0.2, 0.5, 0.75) over (1, 1, 2) pulls
    ucb = np.array([0.2, 0.5, 0.75]) + np.sqrt(2 * np.log(4) / np.array([1, 1, 2]))
    assert policy.select() == int(np.argmax(ucb)) == 1


def test_thompson_posterior_is_beta():
    policy = ThompsonSampling(2, prior=(2.0, 3.0), seed=0)
    for r in (1, 1, 0):
        policy.update(0, r)
    # Arm 0: Beta(2 + 2, 3 + 1); compare the draw frequency of arm 0 beating arm 1 ~ Beta(2, 3)
    # with the exact probability from a fine grid.
    wins = np.mean([policy.select() == 0 for _ in range(4000)])
    from scipy import stats

    grid = np.linspace(0, 1, 20001)
    exact = np.trapezoid(stats.beta(4, 4).pdf(grid) * stats.beta(2, 3).cdf(grid), grid)
    assert wins == pytest.approx(exact, abs=0.03)  # sd of 4000 draws ≈ 0.008


def test_linucb_matches_closed_form_ridge():
    rng = np.random.default_rng(3)
    policy = LinUCB(2, 3, alpha=0.7, seed=0)
    X = rng.normal(size=(40, 3))
    arms = rng.integers(2, size=40)
    y = rng.random(40)
    for x, a, r in zip(X, arms, y, strict=True):
        policy.update(int(a), float(r), x)
    for a in range(2):
        Xa, ya = X[arms == a], y[arms == a]
        A = np.eye(3) + Xa.T @ Xa
        np.testing.assert_allclose(policy.A_inv[a], np.linalg.inv(A), atol=1e-10)
        np.testing.assert_allclose(policy.theta[a], np.linalg.solve(A, Xa.T @ ya), atol=1e-10)
    x = rng.normal(size=3)
    ucb = [policy.theta[a] @ x + 0.7 * np.sqrt(x @ policy.A_inv[a] @ x) for a in range(2)]
    assert policy.select(x) == int(np.argmax(ucb))
    # per-arm contexts: row a is used for arm a
    per_arm = np.stack([x, -x])
    ucb2 = [
        policy.theta[a] @ per_arm[a] + 0.7 * np.sqrt(per_arm[a] @ policy.A_inv[a] @ per_arm[a])
        for a in range(2)
    ]
    assert policy.select(per_arm) == int(np.argmax(ucb2))


def test_repr():
    assert repr(LinUCB(3, 4, alpha=0.5)) == "LinUCB(n_arms=3, n_features=4, alpha=0.5)"
    assert repr(EpsilonGreedy(2)) == "EpsilonGreedy(n_arms=2, epsilon=0.1)"


def test_learners_beat_random_on_a_clear_problem():
    env = BernoulliBandit([0.1, 0.2, 0.4])
    regret = {
        cls.__name__: simulate(cls(3, seed=1), env, 2000, seed=5).regret for cls in CONTEXT_FREE
    }
    # random loses (0.4 − mean) = 0.167 per round: about 333 in expectation
    assert regret["RandomPolicy"] == pytest.approx(2000 * (0.4 - 0.7 / 3), rel=0.1)
    for name in ("EpsilonGreedy", "UCB1", "ThompsonSampling"):
        assert regret[name] < 0.5 * regret["RandomPolicy"], name
