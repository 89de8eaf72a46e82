"""Replay evaluation: unbiased on uniform logs, biased on non-uniform ones."""

import numpy as np
import pytest

from xplab.bandits import EpsilonGreedy, LinUCB, Policy, RandomPolicy, replay_evaluate


class TopicFan(Policy):
    """A fixed contextual policy: the arm of the largest preference in the context."""

    def select(self, context=None):
        return int(np.argmax(context[1:]))


def world(n, rng, logger="uniform"):
    """Two kinds of reader (context [1, θ₀, θ₁]); arm a pays 0.1 + 0.4·θ_a."""
    theta0 = rng.choice([0.9, 0.1], size=n)
    contexts = np.column_stack([np.ones(n), theta0, 1 - theta0])
    p = 0.1 + 0.4 * contexts[:, 1:]
    if logger == "uniform":
        arms = rng.integers(2, size=n)
    else:  # the logger mostly shows arm 0 to fans of arm 0, and arm 1 to the others
        arms = np.where(
            rng.random(n) < 0.9,
            np.argmax(contexts[:, 1:], axis=1),
            1 - np.argmax(contexts[:, 1:], axis=1),
        )
    rewards = (rng.random(n) < p[np.arange(n), arms]).astype(float)
    return arms, rewards, contexts


def test_unbiased_on_uniform_logs():
    # "always arm 0": truth = 0.1 + 0.4·E[θ₀] = 0.3; the fan policy: 0.1 + 0.4·0.9 = 0.46
    rng = np.random.default_rng(0)
    estimates = []
    for _ in range(20):
        arms, rewards, contexts = world(2000, rng)
        r = replay_evaluate(TopicFan(2), arms, rewards, contexts)
        estimates.append(r.estimate)
        assert r.n_matched == np.sum(arms == np.argmax(contexts[:, 1:], axis=1))
    # mean of 20 estimates, each se ≈ 0.016: sd of the mean ≈ 0.0035
    assert np.mean(estimates) == pytest.approx(0.46, abs=0.01)


def test_biased_on_non_uniform_logs():
    # Target "always arm 0" (truth 0.3); the logger played arm 0 mostly to its fans,
    # so the matched events are 90 % fans: replay reports ≈ 0.1 + 0.4·0.82 = 0.428.
    rng = np.random.default_rng(1)
    always0 = EpsilonGreedy(2, epsilon=0.0, seed=0)
    always0.sums[:] = [1.0, 0.0]
    always0.counts[:] = [1, 1]
    uniform = replay_evaluate(always0, *world(8000, rng), alpha=0.01)
    assert uniform.ci[0] < 0.3 < uniform.ci[1]
    skewed = replay_evaluate(always0, *world(8000, rng, logger="skewed"), alpha=0.01)
    assert skewed.ci[0] > 0.3
    assert skewed.estimate == pytest.approx(
        0.1 + 0.4 * (0.5 * 0.9 * 0.9 + 0.5 * 0.1 * 0.1) / 0.5, abs=0.02
    )


def test_learning_policy_and_copy():
    rng = np.random.default_rng(2)
    arms, rewards, contexts = world(3000, rng)
    policy = LinUCB(2, 3, alpha=0.2, seed=0)
    result = replay_evaluate(policy, arms, rewards, contexts)
    assert policy.counts.sum() == 0  # the caller's policy is not touched
    assert result.n_events == 3000 and 1000 < result.n_matched < 2000
    lo, hi = result.ci
    assert lo < result.estimate < hi
    assert result.estimate > 0.35  # it learns the fan policy (0.46) rather than random (0.3)
    assert "estimate=" in repr(result)


def test_replay_checks_inputs():
    arms = np.array([0, 1, 1, 0])
    rewards = np.array([1.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="arms must be whole numbers in \\[0, 2\\)"):
        replay_evaluate(RandomPolicy(2), [0, 2, 1, 0], rewards)
    with pytest.raises(ValueError, match="rewards has 3"):
        replay_evaluate(RandomPolicy(2), arms, rewards[:3])
    with pytest.raises(ValueError, match="contexts must have shape"):
        replay_evaluate(LinUCB(2, 2), arms, rewards, np.ones((3, 2)))
    with pytest.raises(ValueError, match="NaN"):
        replay_evaluate(RandomPolicy(2), arms, [1.0, np.nan, 0.0, 1.0])
    with pytest.raises(ValueError, match="alpha"):
        replay_evaluate(RandomPolicy(2), arms, rewards, alpha=2)
    with pytest.raises(ValueError, match="matched"):
        replay_evaluate(TopicFan(2), np.zeros(4), rewards, np.tile([1.0, 0.0, 1.0], (4, 1)))
