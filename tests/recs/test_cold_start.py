"""Unknown users, new-user profiles, similar items, candidate filters, and the
batched/partial computations that make the models scale."""

import numpy as np
import pandas as pd
import pytest

import xplab.recs._base as base
from xplab.recs import EASE, ItemKNN, Popularity, UserKNN, ease, stratified_split
from xplab.recs._topk import top_k_columns
from xplab.recs.ease import gram_matrix, inverse_positive_definite

MODELS = [
    Popularity(),
    UserKNN(k=10, similarity="binary"),
    UserKNN(k=10),
    ItemKNN(k=10),
    EASE(l2=10.0),
]


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_unknown_users_get_the_popular_fallback(ratings, model):
    model.fit(ratings)
    popular = Popularity().fit(ratings).recommend([100], k=5, exclude_seen=False)
    out = model.recommend([99999, 100, -1], k=5)
    assert out["user_id"].drop_duplicates().tolist() == [99999, 100, -1]  # order kept
    for unknown in (99999, -1):
        rows = out[out["user_id"] == unknown]
        assert rows["item_id"].tolist() == popular["item_id"].tolist()
        assert rows["score"].tolist() == popular["score"].tolist()
        assert rows["rank"].tolist() == [1, 2, 3, 4, 5]
    known = model.recommend([100], k=5)
    pd.testing.assert_frame_equal(out[out["user_id"] == 100].reset_index(drop=True), known)
    with pytest.raises(ValueError, match="on_unknown='popular'"):
        model.recommend([99999], on_unknown="error")


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_recommend_for_items_has_the_recommend_shape(ratings, model):
    model.fit(ratings)
    liked = [1000, 1003, 1007]
    out = model.recommend_for_items(liked, k=6, user_id="new")
    assert list(out.columns) == ["user_id", "item_id", "rank", "score"]
    assert out["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert set(out["user_id"]) == {"new"}
    assert not set(out["item_id"]) & set(liked)
    assert out["score"].is_monotonic_decreasing
    # unknown ids are refused, duplicates in the profile do not count twice
    pd.testing.assert_frame_equal(
        model.recommend_for_items([*liked, 1000], k=6, user_id="new"), out
    )


@pytest.mark.parametrize("model", [EASE(l2=10.0), ItemKNN(k=10), Popularity()], ids=repr)
def test_profile_of_a_training_user_reproduces_their_list(ratings, model):
    # EASE (x·B) and ItemKNN (Σ neighbourhoods) score a profile exactly as a
    # training user with those items: the cold-start call needs no refit.
    model.fit(ratings)
    for user in (100, 137, 159):
        liked = ratings.loc[ratings["user_id"] == user, "item_id"]
        theirs = model.recommend([user], k=8).drop(columns="user_id")
        profile = model.recommend_for_items(liked, k=8).drop(columns="user_id")
        pd.testing.assert_frame_equal(profile, theirs)


def test_ease_profile_scores_are_x_times_b(ratings):
    model = EASE(l2=10.0).fit(ratings)
    liked = [1002, 1010]
    x = np.isin(model.items_, liked).astype(float)
    ref = pd.Series(x @ model.B_, index=model.items_).drop(liked)
    out = model.recommend_for_items(liked, k=len(ref))
    assert np.allclose(out["score"], ref.sort_values(ascending=False, kind="stable"))


def test_user_knn_profile_votes_from_binary_cosine_neighbours(ratings):
    model = UserKNN(k=7).fit(ratings)  # pearson for predictions; binary for the profile
    liked = [1000, 1001, 1005, 1020]
    B = pd.crosstab(ratings["user_id"], ratings["item_id"]).reindex(
        index=model.users_, columns=model.items_, fill_value=0
    )
    x = np.isin(model.items_, liked).astype(float)
    sim = B.to_numpy() @ x / np.sqrt(B.sum(axis=1).to_numpy() * x.sum())
    nearest = np.argsort(-sim, kind="stable")[:7]
    votes = pd.Series(sim[nearest] @ B.to_numpy()[nearest], index=model.items_).drop(liked)
    ref = votes.sort_values(ascending=False, kind="stable").iloc[:10]
    out = model.recommend_for_items(liked, k=10)
    assert out["item_id"].tolist() == ref.index.tolist()
    assert np.allclose(out["score"], ref.to_numpy())


def test_similar_items(ratings):
    ease = EASE(l2=10.0).fit(ratings)
    out = ease.similar_items(1004, k=5)
    row = pd.Series(ease.B_[ease.items_.get_loc(1004)], index=ease.items_).drop(1004)
    assert list(out.columns) == ["item_id", "rank", "score"]
    assert out["item_id"].tolist() == row.sort_values(ascending=False).index[:5].tolist()
    knn = ItemKNN(k=5).fit(ratings)
    nb = knn.sim_[knn.items_.get_loc(1004)]
    assert set(knn.similar_items(1004, k=5)["item_id"]) == set(knn.items_[nb.indices])
    with pytest.raises(ValueError, match="item_id must be a single item id"):
        knn.similar_items([1004, 1005])
    with pytest.raises(ValueError, match=r"item_id has 1 item\(s\) not in the training"):
        knn.similar_items(5)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_candidate_filters(ratings, model):
    model.fit(ratings)
    full = model.recommend([100, 99999], k=40)
    allowed = [1001, 1002, 1003, 1010, 1020, 1030]
    only = model.recommend([100, 99999], k=3, items=allowed)
    for user in (100, 99999):
        ref = full[(full["user_id"] == user) & full["item_id"].isin(allowed)].iloc[:3]
        got = only[only["user_id"] == user]
        assert got["item_id"].tolist() == ref["item_id"].tolist()
        assert got["rank"].tolist() == list(range(1, len(got) + 1))
    # exclusions: unknown ids are allowed (nothing to exclude)
    drop = full.loc[full["user_id"] == 100, "item_id"].iloc[:2].tolist()
    out = model.recommend([100], k=5, exclude_items=[*drop, 424242])
    ref = full[(full["user_id"] == 100) & ~full["item_id"].isin(drop)].iloc[:5]
    assert out["item_id"].tolist() == ref["item_id"].tolist()
    new = model.recommend_for_items([1001], k=3, items=allowed)
    assert set(new["item_id"]) <= set(allowed) - {1001}


def test_user_knn_refuses_constant_ratings(ratings):
    implicit = ratings.assign(rating=1)
    for similarity, value in (("pearson", "0"), ("cosine", "1")):
        with pytest.raises(ValueError, match=rf"{similarity} similarity .* is {value} for every"):
            UserKNN(similarity=similarity).fit(implicit)
    out = UserKNN(similarity="binary").fit(implicit).recommend([100], k=3)
    ref = UserKNN(similarity="binary").fit(ratings).recommend([100], k=3)
    pd.testing.assert_frame_equal(out, ref)  # binary ignores the rating values


@pytest.mark.parametrize("seed", range(5))
def test_partial_top_k_equals_a_stable_full_sort(seed):
    rng = np.random.default_rng(seed)
    # few distinct values: many ties, also at the k-th place; and −inf (excluded items)
    scores = rng.integers(0, 4, size=(50, 30)).astype(float)
    scores[rng.random(scores.shape) < 0.2] = -np.inf
    for k in (1, 3, 10, 29, 30):
        ref = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        assert np.array_equal(top_k_columns(scores, k), ref)
    floats = rng.normal(size=(20, 100))
    assert np.array_equal(
        top_k_columns(floats, 7), np.argsort(-floats, axis=1, kind="stable")[:, :7]
    )


def test_batched_fits_equal_one_block(ratings, monkeypatch):
    train, _ = stratified_split(ratings, seed=3)
    users = np.sort(train["user_id"].unique())
    whole = {
        "user": UserKNN(k=5, similarity="binary").fit(train),
        "pearson": UserKNN(k=5).fit(train),
        "item": ItemKNN(k=5).fit(train),
        "ease": EASE(l2=5.0).fit(train),
    }
    monkeypatch.setattr(base, "_BLOCK_ELEMENTS", 7 * 60)  # batches of 7 rows
    batched = {
        "user": UserKNN(k=5, similarity="binary").fit(train),
        "pearson": UserKNN(k=5).fit(train),
        "item": ItemKNN(k=5).fit(train),
        "ease": EASE(l2=5.0).fit(train),
    }
    for name, model in whole.items():
        pd.testing.assert_frame_equal(
            batched[name].recommend(users, k=5), model.recommend(users, k=5), atol=1e-10
        )
    assert (batched["user"]._neighbours != whole["user"]._neighbours).nnz == 0
    assert np.allclose(batched["pearson"].sim_, whole["pearson"].sim_)


def test_blocked_gram_and_inverse(monkeypatch):
    rng = np.random.default_rng(4)
    X = (rng.random((80, 33)) < 0.3).astype(float)
    monkeypatch.setattr(base, "_BLOCK_ELEMENTS", 5 * 33)  # blocks of 5 columns
    gram = gram_matrix(X, l2=2.0)
    ref = X.T @ X + 2.0 * np.eye(33)
    assert np.array_equal(gram, ref)  # small integer sums: exact
    inv = inverse_positive_definite(gram)
    assert np.shares_memory(inv, gram)  # in place: one n × n array
    assert inv.flags.c_contiguous  # row slices and sparse @ dense without copies
    assert np.allclose(inv, np.linalg.inv(ref), atol=1e-12)
    assert np.array_equal(inv, inv.T)
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        inverse_positive_definite(-np.eye(3))


@pytest.mark.skipif(ease._numpy_lapack() is None, reason="NumPy's OpenBLAS routines not found")
def test_threaded_inverse_uses_numpys_lapack(monkeypatch):
    # the route large item sets take: NumPy's own OpenBLAS, multithreaded, in place
    rng = np.random.default_rng(5)
    X = (rng.random((300, 120)) < 0.2).astype(float)
    ref = np.linalg.inv(X.T @ X + 3.0 * np.eye(120))
    monkeypatch.setattr(ease, "_THREADED_FROM", 0)
    gram = gram_matrix(X, l2=3.0)
    inv = inverse_positive_definite(gram)
    assert np.shares_memory(inv, gram) and inv.flags.c_contiguous
    assert np.array_equal(inv, inv.T)
    assert np.allclose(inv, ref, atol=1e-12)
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        inverse_positive_definite(-np.eye(3))


def test_inverse_above_the_threaded_range_takes_the_blocked_route(monkeypatch):
    # NumPy's OpenBLAS crashed in two-thread potrf at 25,000 items: above
    # _THREADED_UP_TO the inverse is computed by blocks (matrix products on every core)
    def refuse():
        raise AssertionError("NumPy's threaded LAPACK called above the threaded range")

    monkeypatch.setattr(ease, "_numpy_lapack", refuse)
    monkeypatch.setattr(ease, "_THREADED_FROM", 0)
    monkeypatch.setattr(ease, "_THREADED_UP_TO", 50)
    calls = []
    blocked = ease._blocked_inverse
    monkeypatch.setattr(ease, "_blocked_inverse", lambda a: calls.append(a.shape) or blocked(a))
    rng = np.random.default_rng(6)
    X = (rng.random((300, 120)) < 0.2).astype(float)
    gram = gram_matrix(X, l2=3.0)
    inv = inverse_positive_definite(gram)
    assert calls == [(120, 120)] and np.shares_memory(inv, gram) and inv.flags.c_contiguous
    assert np.array_equal(inv, inv.T)
    assert np.allclose(inv, np.linalg.inv(X.T @ X + 3.0 * np.eye(120)), atol=1e-12)


@pytest.mark.parametrize("block", [1, 7, 32, 119, 120, 500])
def test_blocked_inverse_is_the_inverse(block):
    # every block size, a last block shorter than the others, one block for the whole
    rng = np.random.default_rng(block)
    X = (rng.random((400, 120)) < 0.15).astype(float)
    gram = X.T @ X + 2.0 * np.eye(120)
    ref = np.linalg.inv(gram)
    inv = ease._blocked_inverse(gram.copy(), block=block)
    assert np.array_equal(inv, inv.T)
    assert np.abs(inv - ref).max() <= 1e-13 * np.abs(ref).max()
    with pytest.raises(np.linalg.LinAlgError, match="not positive definite"):
        ease._blocked_inverse(-np.eye(5), block=2)
