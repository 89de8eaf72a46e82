"""Replay evaluation: unbiased on uniform logs, biased on non-uniform ones (which
are refused unless propensities correct them), and any object with the
PolicyProtocol members can be evaluated."""

import numpy as np
import pytest

from xplab.bandits import (
    BernoulliBandit,
    EpsilonGreedy,
    LinUCB,
    Policy,
    PolicyProtocol,
    RandomPolicy,
    replay_evaluate,
    simulate,
)


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
    skewed = replay_evaluate(
        always0, *world(8000, rng, logger="skewed"), alpha=0.01, allow_nonuniform=True
    )
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


class Always0:
    """A learner's own policy class: no xplab base class, only the protocol's members."""

    n_arms = 2

    def select(self, context=None):
        return 0

    def update(self, arm, reward, context=None):
        pass


def skewed_log(n, seed):
    rng = np.random.default_rng(seed)
    arms, rewards, contexts = world(n, rng, logger="skewed")
    # the skewed logger plays the reader's favourite arm with probability 0.9
    propensities = np.where(arms == np.argmax(contexts[:, 1:], axis=1), 0.9, 0.1)
    return arms, rewards, contexts, propensities


def test_a_non_uniform_log_is_refused_without_propensities():
    arms, rewards, contexts, _ = skewed_log(8000, 1)
    # the arm counts are balanced here; the context gives the logger away
    with pytest.raises(ValueError, match=r"arms: the log is not uniformly random \(context"):
        replay_evaluate(Always0(), arms, rewards, contexts)
    counts_only = np.r_[np.zeros(700, int), np.ones(300, int)]
    with pytest.raises(ValueError, match=r"arm counts \[700, 300\]"):
        replay_evaluate(Always0(), counts_only, np.ones(1000))
    # a uniform log passes the check
    uniform = world(8000, np.random.default_rng(2))
    assert replay_evaluate(Always0(), *uniform).estimator == "replay"


def test_propensities_remove_the_bias_of_a_non_uniform_log():
    # truth for "always arm 0": 0.1 + 0.4·E[θ₀] = 0.3. Replay on this log: ≈ 0.428 (+43 %).
    est = {"replay": [], "ipw": [], "self-normalised": []}
    covered = {"ipw": 0, "self-normalised": 0}
    for seed in range(40):
        arms, rewards, contexts, p = skewed_log(4000, 100 + seed)
        est["replay"].append(
            replay_evaluate(Always0(), arms, rewards, contexts, allow_nonuniform=True).estimate
        )
        for name in covered:
            r = replay_evaluate(Always0(), arms, rewards, contexts, propensities=p, estimator=name)
            assert r.estimator == name
            est[name].append(r.estimate)
            covered[name] += r.ci[0] <= 0.3 <= r.ci[1]
    assert np.mean(est["replay"]) == pytest.approx(0.428, abs=0.01)
    # 40 logs, each SE ≈ 0.012-0.015: the mean is within ±0.006 of the truth
    assert np.mean(est["ipw"]) == pytest.approx(0.3, abs=0.006)
    assert np.mean(est["self-normalised"]) == pytest.approx(0.3, abs=0.006)
    assert covered["ipw"] >= 34 and covered["self-normalised"] >= 34


def test_self_normalised_ipw_with_uniform_propensities_is_replay():
    arms, rewards, contexts = world(3000, np.random.default_rng(3))
    plain = replay_evaluate(TopicFan(2), arms, rewards, contexts)
    weighted = replay_evaluate(
        TopicFan(2), arms, rewards, contexts, propensities=np.full(3000, 0.5)
    )
    assert weighted.estimate == pytest.approx(plain.estimate, rel=1e-12)
    assert weighted.n_matched == plain.n_matched
    # the IPW estimate by hand: mean of 1[match]·r/p over all events
    match = arms == np.argmax(contexts[:, 1:], axis=1)
    ipw = replay_evaluate(
        TopicFan(2), arms, rewards, contexts, propensities=np.full(3000, 0.5), estimator="ipw"
    )
    assert ipw.estimate == pytest.approx(np.mean(match * rewards / 0.5))
    assert ipw.se == pytest.approx(np.std(match * rewards / 0.5, ddof=1) / np.sqrt(3000))


def test_any_object_with_the_protocol_members_is_a_policy():
    assert isinstance(Always0(), PolicyProtocol)
    assert isinstance(LinUCB(2, 3), PolicyProtocol)
    result = simulate(Always0(), BernoulliBandit([0.2, 0.5]), 200, seed=0)
    assert (result.arms == 0).all()

    class NoUpdate:
        n_arms = 2

        def select(self, context=None):
            return 0

    with pytest.raises(ValueError, match=r"policy must have \.update.*PolicyProtocol"):
        replay_evaluate(NoUpdate(), [0, 1], [1.0, 0.0])

    class BadArm(Always0):
        def select(self, context=None):
            return "business"

    with pytest.raises(ValueError, match=r"policy.select returned 'business'.*\[0, 2\)"):
        replay_evaluate(BadArm(), [0, 1, 0], [1.0, 0.0, 1.0])
    with pytest.raises(ValueError, match=r"policy\.select returned 'business'"):
        simulate(BadArm(), BernoulliBandit([0.2, 0.5]), 10, seed=0)


def test_replay_checks_the_new_arguments():
    arms, rewards = np.array([0, 1, 1, 0]), np.array([1.0, 0.0, 1.0, 0.0])
    with pytest.raises(ValueError, match="propensities must be logging probabilities"):
        replay_evaluate(Always0(), arms, rewards, propensities=[0.5, 0.0, 0.5, 0.5])
    with pytest.raises(ValueError, match="propensities has 3 values"):
        replay_evaluate(Always0(), arms, rewards, propensities=[0.5, 0.5, 0.5])
    with pytest.raises(ValueError, match="pass propensities="):
        replay_evaluate(Always0(), arms, rewards, estimator="ipw")
    with pytest.raises(ValueError, match="estimator must be one of"):
        replay_evaluate(Always0(), arms, rewards, estimator="dr")
    with pytest.raises(ValueError, match="allow_nonuniform must be"):
        replay_evaluate(Always0(), arms, rewards, allow_nonuniform=1)
