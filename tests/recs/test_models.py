import numpy as np
import pandas as pd
import pytest
from surprise import Dataset, KNNWithMeans, Reader

from xplab.recs import EASE, ItemKNN, Popularity, UserKNN, stratified_split, user_similarity


def surprise_predictions(train, test, **kwargs):
    data = Dataset.load_from_df(
        train[["user_id", "item_id", "rating"]], Reader(rating_scale=(1, 5))
    )
    algo = KNNWithMeans(verbose=False, **kwargs).fit(data.build_full_trainset())
    return np.array(
        [algo.predict(u, i).est for u, i in zip(test["user_id"], test["item_id"], strict=True)]
    )


@pytest.mark.parametrize("similarity", ["pearson", "cosine"])
def test_user_similarity_matches_surprise(ratings, similarity):
    data = Dataset.load_from_df(
        ratings[["user_id", "item_id", "rating"]], Reader(rating_scale=(1, 5))
    )
    trainset = data.build_full_trainset()
    algo = KNNWithMeans(sim_options={"name": similarity, "user_based": True}, verbose=False).fit(
        trainset
    )
    model = UserKNN(similarity=similarity).fit(ratings)
    order = [trainset.to_inner_uid(u) for u in model.users_]
    assert np.allclose(model.sim_, algo.sim[np.ix_(order, order)], atol=1e-10)


@pytest.mark.parametrize("similarity", ["pearson", "cosine"])
def test_user_knn_predictions_equal_knn_with_means(ratings, similarity):
    # k larger than any item's raters: no neighbour selection, so no tie-breaking differences
    train, test = stratified_split(ratings, seed=5)
    opts = {"name": similarity, "user_based": True}
    ref = surprise_predictions(train, test, k=100, min_k=1, sim_options=opts)
    ours = (
        UserKNN(k=100, similarity=similarity).fit(train).predict(test["user_id"], test["item_id"])
    )
    assert np.allclose(ours, ref, atol=1e-9)


def test_user_knn_with_small_k_and_min_k():
    # Dense ratings: many common items per pair, so no two neighbours tie and
    # the top-k choice is the same as Surprise's.
    rng = np.random.default_rng(9)
    users, items = np.nonzero(rng.random((40, 30)) < 0.9)
    ratings = pd.DataFrame(
        {"user_id": users, "item_id": items, "rating": rng.integers(1, 6, users.size)}
    )
    train, test = stratified_split(ratings, seed=6)
    opts = {"name": "pearson", "user_based": True}
    ref = surprise_predictions(train, test, k=5, min_k=3, sim_options=opts)
    model = UserKNN(k=5, min_k=3, similarity="pearson").fit(train)
    assert np.allclose(model.predict(test["user_id"], test["item_id"]), ref, atol=1e-9)


def test_unknown_pairs_get_the_global_mean(ratings):
    model = UserKNN().fit(ratings)
    out = model.predict([100, 999], [99999, 1000])
    assert np.allclose(out, ratings["rating"].mean())


def test_binary_similarity_is_cosine_of_indicator_vectors(ratings):
    model = UserKNN(similarity="binary").fit(ratings)
    B = pd.crosstab(ratings["user_id"], ratings["item_id"]).to_numpy().astype(float)
    unit = B / np.linalg.norm(B, axis=1, keepdims=True)
    assert np.allclose(model.sim_, unit @ unit.T)
    assert np.allclose(user_similarity(model._X, similarity="binary"), model.sim_)


def test_ease_closed_form_is_the_constrained_ridge_solution():
    rng = np.random.default_rng(2)
    X = (rng.random((30, 8)) < 0.4).astype(float)
    users, items = np.nonzero(X)
    model = EASE(l2=3.0).fit(pd.DataFrame({"user_id": users, "item_id": items}))
    B = model.B_
    assert np.allclose(np.diag(B), 0)
    # column j: ridge regression of item j on the other items
    for j in range(8):
        others = [i for i in range(8) if i != j]
        A = X[:, others]
        w = np.linalg.solve(A.T @ A + 3.0 * np.eye(7), A.T @ X[:, j])
        assert np.allclose(B[others, j], w, atol=1e-10)


def test_recommend_shape_ties_and_exclusion():
    train = pd.DataFrame({"user_id": [1, 2, 3, 3], "item_id": [5, 7, 5, 7]})
    recs = Popularity().fit(train).recommend([1, 2], k=3)
    assert list(recs.columns) == ["user_id", "item_id", "rank", "score"]
    # user 1 has seen 5; only 7 is left. user 2: only 5.
    assert recs.to_dict("list") == {
        "user_id": [1, 2],
        "item_id": [7, 5],
        "rank": [1, 1],
        "score": [2.0, 2.0],
    }
    both = Popularity().fit(train).recommend([1], k=2, exclude_seen=False)
    assert both["item_id"].tolist() == [5, 7]  # tie on score: smaller item id first


@pytest.mark.parametrize("model", [Popularity(), UserKNN(k=10), ItemKNN(k=10), EASE(l2=10.0)])
def test_every_model_has_the_same_shape(ratings, model):
    train, _ = stratified_split(ratings, seed=1)
    recs = model.fit(train).recommend(train["user_id"].unique(), k=5)
    assert (recs.groupby("user_id").size() == 5).all()
    assert recs.groupby("user_id")["rank"].apply(list).map(lambda r: r == [1, 2, 3, 4, 5]).all()
    seen = set(zip(train["user_id"], train["item_id"], strict=True))
    assert not any(pair in seen for pair in zip(recs["user_id"], recs["item_id"], strict=True))
    assert recs.groupby("user_id")["score"].apply(lambda s: s.is_monotonic_decreasing).all()


def test_user_knn_rank_by_rating_sorts_predictions(ratings):
    model = UserKNN(k=10, rank_by="rating").fit(ratings)
    recs = model.recommend([100], k=3)
    preds = model.predict(np.full(3, 100), recs["item_id"].to_numpy())
    assert np.allclose(np.clip(recs["score"], 1, 5), preds)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda m, df: m.recommend([100]), r"Popularity is not fitted yet"),
        (
            lambda m, df: m.fit(df).recommend([100, 1, 2], on_unknown="error"),
            r"2 user\(s\) were not in the training data, e.g. \[1, 2\]",
        ),
        (lambda m, df: m.fit(df).recommend([100], k=0), r"k must be >= 1"),
        (lambda m, df: m.fit(df).recommend([]), r"user_ids is empty"),
        (lambda m, df: m.fit(df.drop(columns="item_id")), r"train is missing column"),
        (
            lambda m, df: m.fit(df).recommend([100], on_unknown="skip"),
            r"on_unknown must be one of \('popular', 'error'\)",
        ),
        (
            lambda m, df: m.fit(df).recommend([100], items=[1000, 5]),
            r"items has 1 item\(s\) not in the training data, e.g. \[5\]",
        ),
        (lambda m, df: m.fit(df).recommend([100], items=[]), r"items is empty"),
        (
            lambda m, df: m.fit(df).recommend_for_items([1000, 7, 8]),
            r"item_ids has 2 item\(s\) not in the training data, e.g. \[7, 8\]",
        ),
        (lambda m, df: m.fit(df).recommend_for_items([]), r"item_ids is empty"),
        (lambda m, df: m.recommend_for_items([1000]), r"Popularity is not fitted yet"),
        (lambda m, df: m.fit(df).recommend_for_items([1000], k=0), r"k must be >= 1"),
    ],
)
def test_model_bad_input(ratings, call, message):
    with pytest.raises(ValueError, match=message):
        call(Popularity(), ratings)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: EASE(l2=0), r"l2 must be > 0"),
        (lambda: UserKNN(k=0), r"k must be >= 1"),
        (lambda: UserKNN(similarity="msd"), r"similarity must be one of"),
        (lambda: UserKNN(rank_by="score"), r"rank_by must be one of"),
        (lambda: ItemKNN(k=-1), r"k must be >= 1"),
    ],
)
def test_bad_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_user_knn_needs_ratings(ratings):
    with pytest.raises(ValueError, match=r"train is missing column\(s\) \['rating'\]"):
        UserKNN().fit(ratings.drop(columns="rating"))
    with pytest.raises(ValueError, match=r"train is missing column\(s\) \['rating'\]"):
        UserKNN(similarity="binary", rank_by="rating").fit(ratings.drop(columns="rating"))
    # binary similarity with vote ranking works on implicit data, but cannot predict ratings
    implicit = UserKNN(similarity="binary").fit(ratings.drop(columns="rating"))
    explicit = UserKNN(similarity="binary").fit(ratings)
    pd.testing.assert_frame_equal(implicit.recommend([100, 101]), explicit.recommend([100, 101]))
    with pytest.raises(ValueError, match="predict needs ratings"):
        implicit.predict([100], [1000])


def test_predict_length_mismatch(ratings):
    with pytest.raises(ValueError, match="same length"):
        UserKNN().fit(ratings).predict([100, 101], [1000])


def test_neighbours_are_the_top_k_by_similarity(ratings):
    model = UserKNN(k=5, similarity="binary").fit(ratings)
    nb = model.neighbours(100)
    sims = pd.Series(model.sim_[0], index=model.users_).drop(100).sort_values(ascending=False)
    assert nb["similarity"].tolist() == pytest.approx(sims.iloc[:5].tolist())
    assert 100 not in set(nb["neighbour_id"])
    with pytest.raises(ValueError, match="not in the training data"):
        model.neighbours(1)
