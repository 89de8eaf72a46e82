"""The news-reader simulator: its documented generative model, seeds and checks."""

import os

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

from xplab.data import NewsReaders, load_bbc_news


@pytest.fixture
def catalog():
    topics = ["business", "sport", "tech"]
    return pd.DataFrame(
        {"article_id": [f"a{i}" for i in range(60)], "category": [topics[i % 3] for i in range(60)]}
    )


def test_click_model_is_the_documented_formula(catalog):
    r = NewsReaders(catalog, n_users=5, intercept=-3.0, preference_strength=1.2, seed=0)
    assert r.topics == ("business", "sport", "tech")
    np.testing.assert_allclose(r.preferences.sum(axis=1), 1.0)
    p = r.click_probability([4], ["a7"])  # a7 is "sport" (topic 1)
    j = 7
    expected = expit(-3.0 + 1.2 * 3 * r.preferences[4, 1] + r.appeal[j])
    assert p[0] == pytest.approx(expected)
    assert r.article_topic[j] == 1


def test_clicks_follow_the_probabilities(catalog):
    r = NewsReaders(catalog, n_users=1, intercept=-1.0, seed=1)
    users = np.zeros(20_000, dtype=int)
    ids = np.full(20_000, "a0", dtype=object)
    clicks = r.click(users, ids, seed=2)
    p = r.click_probability([0], ["a0"])[0]
    # binomial sd of a share of 20,000 ≤ 0.0036
    assert clicks.mean() == pytest.approx(p, abs=0.015)


def test_seeded_and_concentration(catalog):
    a = NewsReaders(catalog, n_users=300, concentration=0.2, seed=3)
    b = NewsReaders(catalog, n_users=300, concentration=0.2, seed=3)
    np.testing.assert_array_equal(a.preferences, b.preferences)
    flat = NewsReaders(catalog, n_users=300, concentration=50.0, seed=3)
    # small κ: readers focus on a topic; large κ: near-uniform tastes
    assert a.preferences.max(axis=1).mean() > 0.7 > 0.45 > flat.preferences.max(axis=1).mean()


def test_onboarding_picks_follow_preferences(catalog):
    r = NewsReaders(catalog, n_users=200, concentration=0.3, seed=4)
    fav = r.preferences.argmax(axis=1)
    first = [r.onboarding_picks(u, n_picks=1, seed=u)[0] for u in range(200)]
    agree = np.mean([f == r.topics[t] for f, t in zip(first, fav, strict=True)])
    # the first pick is the favourite with probability E[max θ] (≈ 0.8 here)
    assert agree == pytest.approx(r.preferences.max(axis=1).mean(), abs=0.1)
    picks = r.onboarding_picks(0, n_picks=3, seed=0)
    assert sorted(picks) == sorted(r.topics)


def test_topic_ctr_is_the_mean_over_a_topic(catalog):
    r = NewsReaders(catalog, n_users=4, seed=5)
    ctr = r.topic_ctr()
    ids = catalog.loc[catalog["category"] == "tech", "article_id"]
    assert ctr[2, 2] == pytest.approx(r.click_probability(np.full(len(ids), 2), ids).mean())


def test_bad_input(catalog):
    with pytest.raises(ValueError, match="articles is missing"):
        NewsReaders(catalog.drop(columns="category"))
    with pytest.raises(ValueError, match="duplicate article_id"):
        NewsReaders(pd.concat([catalog, catalog]))
    with pytest.raises(ValueError, match="concentration"):
        NewsReaders(catalog, concentration=0)
    with pytest.raises(ValueError, match="appeal_sd"):
        NewsReaders(catalog, appeal_sd=-1)
    r = NewsReaders(catalog, n_users=3, seed=0)
    with pytest.raises(ValueError, match="users must be in"):
        r.click_probability([3], ["a0"])
    with pytest.raises(ValueError, match="not in the catalog"):
        r.click_probability([0], ["zzz"])
    with pytest.raises(ValueError, match="n_picks"):
        r.onboarding_picks(0, n_picks=4)
    assert "n_users=3" in repr(r)


@pytest.mark.data
@pytest.mark.skipif(not os.environ.get("XPLAB_DATA_DIR"), reason="XPLAB_DATA_DIR is not set")
def test_defaults_on_bbc():
    r = NewsReaders(load_bbc_news(download=False), n_users=2000, seed=1)
    ctr = r.topic_ctr()
    share = np.bincount(r.article_topic) / len(r.article_topic)
    # the figures quoted in the module docstring
    assert (ctr @ share).mean() == pytest.approx(0.061, abs=0.002)
    assert ctr.max(axis=1).mean() == pytest.approx(0.170, abs=0.002)
