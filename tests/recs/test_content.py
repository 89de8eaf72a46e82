"""TF-IDF content recommendations, near-duplicates, recency popularity and the hybrid."""

import os

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from xplab.recs import HybridRecommender, TfidfRecommender, recency_popularity


@pytest.fixture
def rec(articles):
    return TfidfRecommender(min_df=1).fit(articles)


def reference_cosine(articles):
    # the same vectors built directly with scikit-learn
    text = articles["title"] + "\n" + articles["body"]
    X = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit_transform(text)
    return cosine_similarity(X)


def test_similar_matches_sklearn_and_skips_duplicates(rec, articles):
    out = rec.similar("s1", k=3)
    assert list(out.columns) == ["article_id", "rank", "score"]
    assert out["rank"].tolist() == [1, 2, 3]
    assert "s1" not in out["article_id"].tolist() and "s2" not in out["article_id"].tolist()
    ref = pd.Series(reference_cosine(articles)[0], index=articles["article_id"])
    expected = ref.drop(["s1", "s2"]).sort_values(ascending=False, kind="stable")[:3]
    assert out["article_id"].tolist() == expected.index.tolist()
    np.testing.assert_allclose(out["score"], expected.to_numpy())
    assert ref["s2"] >= rec.duplicate_threshold  # s2 was left out as a near-duplicate


def test_duplicates_never_appear_together(rec):
    # from a tech article, s1 and s2 are equally (un)related: only one may be listed
    out = rec.similar("t1", k=8)
    assert not {"s1", "s2"} <= set(out["article_id"])
    assert len(out) == 7  # 9 articles − itself − one of the duplicate pair


@pytest.mark.parametrize("pairs_from", [1, 10_000])
def test_batched_similar_equals_one_at_a_time(rec, articles, monkeypatch, pairs_from):
    # both ways of finding near-duplicates in a batch: the catalog's pair list, and a
    # small product per article (the one-at-a-time path)
    import xplab.recs.content as content

    monkeypatch.setattr(content, "_BATCH_PAIRS", pairs_from)
    ids = articles["article_id"].tolist()
    batch = TfidfRecommender(min_df=1).fit(articles).similar(ids, k=4)
    assert list(batch.columns) == ["query_id", "article_id", "rank", "score"]
    one = pd.concat([rec.similar(a, k=4).assign(query_id=a) for a in ids], ignore_index=True)
    pd.testing.assert_frame_equal(batch, one[batch.columns])
    # the batch keeps the order given, repeats included
    again = rec.similar(["t1", "s1", "t1"], k=2)
    assert again["query_id"].tolist() == ["t1", "t1", "s1", "s1", "t1", "t1"]


def test_duplicate_threshold_none_switches_the_filter_off(articles):
    # before: duplicate_threshold=1.01 (or None) was refused, so the filter could not be off
    off = TfidfRecommender(min_df=1, duplicate_threshold=None).fit(articles)
    out = off.similar("s1", k=3)
    assert out["article_id"].iloc[0] == "s2"  # its duplicate, cosine 1, now listed first
    assert out["score"].iloc[0] == pytest.approx(1.0)
    ref = pd.Series(reference_cosine(articles)[0], index=articles["article_id"])
    expected = ref.drop("s1").sort_values(ascending=False, kind="stable")[:3]
    assert out["article_id"].tolist() == expected.index.tolist()
    assert {"s1", "s2"} <= set(off.similar("t1", k=8)["article_id"])
    assert set(off.recommend(["b1"], k=8)["article_id"]) >= {"s1", "s2"}
    assert off.similar(["s1", "t1"], k=2)["article_id"].tolist()[:1] == ["s2"]
    assert "duplicate_threshold=None" in repr(off)
    with pytest.raises(ValueError, match=r"duplicate_threshold must be in \[0, 1\], got 1.01"):
        TfidfRecommender(duplicate_threshold=1.01)


def test_recommend_uses_the_mean_profile(rec, articles):
    history = ["b1", "b2"]
    out = rec.recommend(history, k=3)
    text = articles["title"] + "\n" + articles["body"]
    X = TfidfVectorizer(stop_words="english", sublinear_tf=True, min_df=1).fit_transform(text)
    profile = np.asarray(X[[4, 5]].mean(axis=0))
    ref = pd.Series(cosine_similarity(profile, X).ravel(), index=articles["article_id"])
    # s2 repeats s1, so it cannot follow s1 in the same list
    expected = ref.drop([*history, "s2"]).sort_values(ascending=False, kind="stable")[:3]
    assert out["article_id"].tolist() == expected.index.tolist()
    np.testing.assert_allclose(out["score"], expected.to_numpy())
    assert out["article_id"].iloc[0] == "b3"


def test_reading_one_duplicate_hides_the_other(rec):
    out = rec.recommend(["s1"], k=8)
    assert "s2" not in out["article_id"].tolist()


def test_similarity_matrix(rec, articles):
    np.testing.assert_allclose(rec.similarity(articles["article_id"]), reference_cosine(articles))


def test_content_errors(rec, articles):
    with pytest.raises(ValueError, match="not fitted"):
        TfidfRecommender().similar("s1")
    with pytest.raises(ValueError, match="duplicate_threshold"):
        TfidfRecommender(duplicate_threshold=1.5)
    with pytest.raises(ValueError, match="articles is missing"):
        TfidfRecommender().fit(articles.drop(columns="body"))
    with pytest.raises(ValueError, match="duplicate article_id"):
        TfidfRecommender(min_df=1).fit(pd.concat([articles, articles]))
    with pytest.raises(ValueError, match="article_ids has ids that were not fitted"):
        rec.similar("zzz")
    with pytest.raises(ValueError, match="history is empty"):
        rec.recommend([])
    with pytest.raises(ValueError, match="history has ids"):
        rec.recommend(["zzz"])
    with pytest.raises(ValueError, match="k must be"):
        rec.similar("s1", k=0)
    with pytest.raises(ValueError, match="article_ids is empty"):
        rec.similar([])
    with pytest.raises(ValueError, match="article_ids has ids that were not fitted"):
        rec.similar(["s1", "zzz"])
    with pytest.raises(ValueError, match="unknown topic"):
        rec.profile([], topics=["weather"])
    with pytest.raises(ValueError, match="scores must have one value"):
        rec.rank(np.zeros(3))


def test_recency_popularity():
    clicks = pd.DataFrame({"article_id": ["a", "a", "b", "c"], "timestamp": [0.0, 6.0, 6.0, 3.0]})
    pop = recency_popularity(clicks, half_life=3.0, now=6.0)
    assert pop.to_dict() == pytest.approx({"a": 1.25, "b": 1.0, "c": 0.5})
    assert pop.index.tolist() == ["a", "b", "c"]
    with pytest.raises(ValueError, match="after now"):
        recency_popularity(clicks, half_life=3.0, now=5.0)
    with pytest.raises(ValueError, match="half_life"):
        recency_popularity(clicks, half_life=0)
    with pytest.raises(ValueError, match="clicks is missing"):
        recency_popularity(clicks.drop(columns="timestamp"), half_life=1)


def test_hybrid_tiers(rec):
    pop = pd.Series({"t1": 10.0, "b3": 6.0, "s4": 3.0})
    hybrid = HybridRecommender(rec, pop, pivot=1.0, onboarding_weight=1.0)
    # tier 1, nothing known: the popularity order
    assert hybrid.recommend(k=3)["article_id"].tolist() == ["t1", "b3", "s4"]
    # tier 2, onboarding picks: w = 1/2, a sport article beats the popular tech one
    picks = hybrid.recommend(topics=["sport"], k=1)["article_id"].tolist()
    assert picks[0].startswith("s")
    # tier 3, clicks: the session profile dominates after three business clicks (w = 3/4)
    clicks = hybrid.recommend(["b1", "b2"], k=1)["article_id"].tolist()
    assert clicks == ["b3"]
    assert [hybrid.weight(n) for n in (0, 1, 3, 9)] == [0.0, 0.5, 0.75, 0.9]
    assert hybrid.weight(1, topics=True) == pytest.approx(2 / 3)


def test_hybrid_score_is_the_documented_blend(rec):
    pop = pd.Series({"t1": 10.0, "b3": 5.0})
    hybrid = HybridRecommender(rec, pop, pivot=2.0)
    out = hybrid.recommend(["b1"], k=8)
    w = 1 / 3
    content = rec.scores(rec.profile(["b1"]))
    unread = np.delete(content, rec.positions(["b1"]))
    pop_norm = pop.reindex(rec.article_ids_).fillna(0).to_numpy() / 10.0
    expected = w * content / unread.max() + (1 - w) * pop_norm
    np.testing.assert_allclose(out["score"], expected[rec.positions(out["article_id"])])


def test_hybrid_errors(rec):
    with pytest.raises(ValueError, match="content must be"):
        HybridRecommender("rec", pd.Series(dtype=float))
    with pytest.raises(ValueError, match="popularity must be a Series"):
        HybridRecommender(rec, {"a": 1})
    with pytest.raises(ValueError, match="popularity must be finite"):
        HybridRecommender(rec, pd.Series({"s1": -1.0}))
    with pytest.raises(ValueError, match="pivot"):
        HybridRecommender(rec, pd.Series({"s1": 1.0}), pivot=0)
    with pytest.raises(TypeError):
        HybridRecommender(rec, pd.Series({"s1": 1.0}), 1.0)


@pytest.mark.data
@pytest.mark.skipif(not os.environ.get("XPLAB_DATA_DIR"), reason="XPLAB_DATA_DIR is not set")
def test_bbc_duplicates_are_not_similar():
    from xplab.data import load_bbc_news

    news = load_bbc_news(download=False)
    rec = TfidfRecommender().fit(news)
    # tech/048 and tech/342 are the same story ("'No re-draft' for EU patent law")
    out = rec.similar("tech/048", k=10)
    assert "tech/342" not in out["article_id"].tolist()
    assert (out["article_id"].str.startswith("tech/")).mean() >= 0.6
    assert rec.similarity(["tech/048", "tech/342"])[0, 1] > 0.99
