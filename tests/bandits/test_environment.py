"""Environments and simulate(): the regret bookkeeping against the oracle."""

import numpy as np
import pandas as pd
import pytest

from xplab.bandits import (
    BernoulliBandit,
    EpsilonGreedy,
    LinUCB,
    NewsTopicBandit,
    RandomPolicy,
    SimulationResult,
    ThompsonSampling,
    simulate,
)
from xplab.data.news import NewsReaders


@pytest.fixture
def catalog():
    topics = ["business", "sport", "tech"]
    return pd.DataFrame(
        {"article_id": [f"a{i}" for i in range(30)], "category": [topics[i % 3] for i in range(30)]}
    )


def test_regret_bookkeeping():
    env = BernoulliBandit([0.2, 0.5])
    result = simulate(RandomPolicy(2, seed=0), env, 500, seed=1)
    assert isinstance(result, SimulationResult)
    lost = np.where(result.arms == 0, 0.3, 0.0)
    np.testing.assert_allclose(result.cumulative_regret, np.cumsum(lost))
    assert result.regret == pytest.approx(lost.sum())
    assert result.oracle_ctr == pytest.approx(0.5)
    assert result.ctr == pytest.approx(result.rewards.mean())
    assert "regret=" in repr(result) and "rewards" not in repr(result)


def test_simulate_is_reproducible_and_checks_inputs():
    env = BernoulliBandit([0.2, 0.5])
    a = simulate(ThompsonSampling(2, seed=3), env, 300, seed=4)
    b = simulate(ThompsonSampling(2, seed=3), env, 300, seed=4)
    np.testing.assert_array_equal(a.rewards, b.rewards)
    with pytest.raises(ValueError, match="3 arms but env has 2"):
        simulate(RandomPolicy(3), env, 10, seed=0)
    with pytest.raises(ValueError, match="n_rounds"):
        simulate(RandomPolicy(2), env, 0, seed=0)
    with pytest.raises(ValueError, match="policy must have"):
        simulate(object(), env, 10, seed=0)
    with pytest.raises(ValueError, match="means"):
        BernoulliBandit([0.5, 1.5])


def test_news_environment_truth(catalog):
    readers = NewsReaders(catalog, n_users=50, seed=2)
    env = NewsTopicBandit(readers)
    assert (env.n_arms, env.n_features) == (3, 4)
    contexts, probs = env.draw(100, np.random.default_rng(0))
    assert contexts.shape == (100, 4) and probs.shape == (100, 3)
    # the truth of a topic arm is the mean click probability over that topic's articles
    u = 7
    ids = catalog.loc[catalog["category"] == "sport", "article_id"]
    assert env.ctr[u, 1] == pytest.approx(
        readers.click_probability(np.full(len(ids), u), ids).mean()
    )
    with pytest.raises(ValueError, match="readers"):
        NewsTopicBandit("readers")


def test_linucb_beats_context_free_on_news(catalog):
    env = NewsTopicBandit(NewsReaders(catalog, n_users=200, concentration=0.3, seed=1))
    lin = simulate(LinUCB(3, 4, alpha=0.5, seed=0), env, 3000, seed=9)
    eps = simulate(EpsilonGreedy(3, seed=0), env, 3000, seed=9)
    assert lin.regret < 0.5 * eps.regret
