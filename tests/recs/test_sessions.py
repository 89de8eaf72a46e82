"""Cold-start sessions and the filter-bubble simulation in the news-reader simulator."""

import numpy as np
import pandas as pd
import pytest

from xplab.data import NewsReaders
from xplab.recs import (
    HybridRecommender,
    TfidfRecommender,
    cold_start_sessions,
    filter_bubble,
    topic_entropy,
)
from xplab.recs.sessions import _slate_entropy


@pytest.fixture
def catalog(articles):
    """The shared nine articles plus a third tech story."""
    t3 = ("t3", "tech", "Screen maker", "the screen maker expects phone sales to grow")
    extra = pd.DataFrame([t3], columns=articles.columns)
    return pd.concat([articles, extra], ignore_index=True)


@pytest.fixture
def hybrid(catalog):
    content = TfidfRecommender(min_df=1).fit(catalog)
    return HybridRecommender(content, pd.Series({"b1": 4.0, "s3": 3.0, "t1": 1.0}))


@pytest.fixture
def readers(catalog):
    # strong preferences and a high intercept, so sessions have clicks to learn from
    return NewsReaders(catalog, n_users=40, intercept=-1.0, preference_strength=1.5, seed=0)


@pytest.mark.parametrize("tier", ["session", "onboarding", "popularity"])
def test_each_impression_is_the_hybrids_best_unseen_article(readers, hybrid, tier):
    result = cold_start_sessions(
        readers, hybrid, tier=tier, users=range(40), n_impressions=6, seed=1
    )
    ids = hybrid.content.article_ids_
    sim = hybrid.content.similarity(ids)
    assert result.clicks.sum() > 10  # the replay below covers sessions with clicks
    for i in range(40):
        history: list[str] = []
        topics = list(result.picks[i])
        blocked = np.zeros(len(ids), dtype=bool)
        for step in range(6):
            if tier == "popularity":
                score = hybrid.scores()
            else:
                score = hybrid.scores(history, topics=topics)
            expected = int(np.flatnonzero(~blocked)[np.argmax(score[~blocked])])
            assert result.shown[i, step] == expected
            blocked |= sim[expected] >= hybrid.content.duplicate_threshold
            if result.clicks[i, step] and tier != "popularity":
                history.append(ids[expected])
    assert all(len(p) == 2 for p in result.picks) == (tier == "onboarding")


def test_scores_rank_to_recommend(hybrid):
    for history, topics in [((), ()), (("s1",), ()), (("t1", "t2"), ("sport",)), ((), ("tech",))]:
        top = hybrid.content.rank(hybrid.scores(history, topics=topics), exclude=history, k=3)
        pd.testing.assert_frame_equal(top, hybrid.recommend(history, topics=topics, k=3))


def test_cold_start_outputs_are_consistent(readers, hybrid):
    result = cold_start_sessions(
        readers, hybrid, tier="random", users=np.arange(40), n_impressions=8, seed=2
    )
    assert result.shown.shape == result.clicks.shape == (40, 8)
    # never the same article twice, nor both of the duplicate pair s1/s2 (positions 0, 1)
    for row in result.shown:
        assert len(set(row)) == 8 and not {0, 1} <= set(row)
    p = readers.click_probability(np.arange(40)[:, None], readers.article_ids[result.shown])
    np.testing.assert_allclose(result.expected_ctr, p.mean(axis=0))
    assert result.ctr == pytest.approx(p.mean())
    assert result.click_rate == pytest.approx(result.clicks.mean())
    again = cold_start_sessions(
        readers, hybrid, tier="random", users=np.arange(40), n_impressions=8, seed=2
    )
    np.testing.assert_array_equal(again.shown, result.shown)


def test_cold_start_bad_input(readers, hybrid, catalog):
    with pytest.raises(ValueError, match="tier"):
        cold_start_sessions(readers, hybrid, tier="bandit", users=[0], seed=0)
    with pytest.raises(ValueError, match="users"):
        cold_start_sessions(readers, hybrid, tier="random", users=[40], seed=0)
    with pytest.raises(ValueError, match="users"):
        cold_start_sessions(readers, hybrid, tier="random", users=[0.5], seed=0)
    with pytest.raises(ValueError, match="n_impressions"):
        cold_start_sessions(readers, hybrid, tier="random", users=[0], n_impressions=11, seed=0)
    other = NewsReaders(catalog.iloc[::-1], n_users=5, seed=0)
    with pytest.raises(ValueError, match="same order"):
        cold_start_sessions(other, hybrid, tier="random", users=[0], seed=0)
    with pytest.raises(ValueError, match="hybrid"):
        cold_start_sessions(readers, hybrid.content, tier="random", users=[0], seed=0)


@pytest.fixture
def wide_readers():
    catalog = pd.DataFrame({"article_id": range(100), "category": list("abcde") * 20})
    return NewsReaders(catalog, n_users=120, seed=0)


def test_slate_entropy_matches_topic_entropy():
    topics = np.array([[0, 0, 0, 0], [0, 1, 0, 1], [0, 1, 2, 3], [4, 4, 2, 0]])
    expected = [topic_entropy(row) for row in topics]
    np.testing.assert_allclose(_slate_entropy(topics, 5), expected)


def test_greedy_narrows_and_diversity_counters_it(wide_readers):
    users = np.arange(120)
    greedy = filter_bubble(wide_readers, policy="greedy", users=users, n_rounds=15, seed=1)
    explore = filter_bubble(
        wide_readers, policy="epsilon-greedy", users=users, n_rounds=15, epsilon=0.3, seed=1
    )
    diverse = filter_bubble(wide_readers, policy="mmr", users=users, n_rounds=15, seed=1)
    assert greedy.entropy_last < 0.5 * greedy.entropy_first
    assert explore.entropy_last > greedy.entropy_last + 0.3
    assert diverse.entropy_last > greedy.entropy_last + 0.3
    for r in (greedy, explore, diverse):
        assert r.slates.shape == (120, 15, 5)
        assert all(len(set(s)) == 5 for s in r.slates.reshape(-1, 5))
        topics = wide_readers.article_topic[r.slates[:, -1]]
        assert r.entropy[-1] == pytest.approx(np.mean([topic_entropy(t) for t in topics]))
        p = wide_readers.click_probability(users[:, None], r.slates[:, 0])
        assert r.expected_ctr[0] == pytest.approx(p.mean())


def test_mmr_with_lambda_one_is_greedy(wide_readers):
    users = np.arange(30)
    greedy = filter_bubble(wide_readers, policy="greedy", users=users, n_rounds=5, seed=4)
    mmr1 = filter_bubble(wide_readers, policy="mmr", users=users, n_rounds=5, lambda_=1.0, seed=4)
    np.testing.assert_array_equal(greedy.slates, mmr1.slates)
    eps0 = filter_bubble(
        wide_readers, policy="epsilon-greedy", users=users, n_rounds=1, epsilon=0.0, seed=4
    )
    np.testing.assert_array_equal(eps0.slates[:, 0], greedy.slates[:, 0])


def test_filter_bubble_bad_input(wide_readers):
    with pytest.raises(ValueError, match="policy"):
        filter_bubble(wide_readers, policy="ucb", users=[0], seed=0)
    with pytest.raises(ValueError, match="n_candidates"):
        filter_bubble(wide_readers, policy="greedy", users=[0], n_candidates=3, seed=0)
    with pytest.raises(ValueError, match="prior"):
        filter_bubble(wide_readers, policy="greedy", users=[0], prior=(1.0, 0.0), seed=0)
    with pytest.raises(ValueError, match="lambda_"):
        filter_bubble(wide_readers, policy="mmr", users=[0], lambda_=1.5, seed=0)
    with pytest.raises(ValueError, match="readers"):
        filter_bubble("readers", policy="greedy", users=[0], seed=0)
