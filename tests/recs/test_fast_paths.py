"""The fast routes give exactly what the plain ones give: top-k selection from
candidates, one user at a time, threads, and the split products of the fits."""

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

import xplab.recs._base as base
from xplab.recs import EASE, ItemKNN, Popularity, UserKNN, ease, knn
from xplab.recs._base import _columns_frame
from xplab.recs._topk import top_k_columns, top_k_dense, top_k_exact, top_k_sparse

MODELS = [
    Popularity(),
    UserKNN(k=10, similarity="binary"),
    UserKNN(k=10),
    UserKNN(k=8, rank_by="rating"),
    ItemKNN(k=10),
    EASE(l2=10.0),
    EASE(l2=30.0, binary=False),
]


def _tied_scores(rng, n_rows, n_cols):
    """Few distinct values (ties everywhere, also at the k-th place), some −inf."""
    scores = rng.integers(0, rng.integers(1, 6) + 1, (n_rows, n_cols)).astype(float)
    scores *= rng.random((n_rows, n_cols)) < rng.random()
    if rng.random() < 0.3:
        scores -= rng.integers(0, 2, scores.shape) * 0.5
    if rng.random() < 0.5:
        scores[rng.random(scores.shape) < 0.1] = -np.inf
    if rng.random() < 0.3:
        scores += rng.random(scores.shape) * 1e-3 * (scores != 0)
    return scores


@pytest.mark.parametrize("seed", range(4))
def test_top_k_routes_equal_a_stable_sort(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        n_rows, n_cols, k = (
            int(rng.integers(1, 30)),
            int(rng.integers(1, 2500)),
            int(rng.integers(1, 50)),
        )
        scores = _tied_scores(rng, n_rows, n_cols)
        ref = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        assert np.array_equal(top_k_columns(scores, k), ref)
        probe = rng.permutation(n_cols)[: rng.integers(1, n_cols // 4 + 2)]
        for route in (
            top_k_dense(scores, k, probe),
            top_k_dense(scores, k),
            top_k_dense(scores[:1], k, probe),  # one row: its own path
            top_k_exact(scores, k),
        ):
            cols, values = route
            assert np.array_equal(cols, ref[: cols.shape[0]])
            assert np.array_equal(values, np.take_along_axis(scores[: cols.shape[0]], cols, 1))
        # sparse rows: missing entries are 0, stored indices in any order
        dense = np.where(np.isneginf(scores), 0.0, scores)
        ref = np.argsort(-dense, axis=1, kind="stable")[:, :k]
        csr = sparse.csr_matrix(dense)
        for r in range(n_rows):
            a, b = csr.indptr[r], csr.indptr[r + 1]
            shuffle = a + rng.permutation(b - a)
            csr.indices[a:b], csr.data[a:b] = csr.indices[shuffle], csr.data[shuffle]
        cols, values = top_k_sparse(csr.indptr, csr.indices, csr.data, k, n_cols)
        assert np.array_equal(cols, ref)
        assert np.array_equal(values, np.take_along_axis(dense, ref, 1))


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_top_items_is_the_recommend_list(ratings, model):
    model.fit(ratings)
    some = [1001, 1002, 1003, 1010, 1020, 1030, 1031]
    for user in (100, 131, 159, 99999):
        for kwargs in ({}, {"exclude_seen": False}, {"items": some}, {"exclude_items": some}):
            items, scores = model.top_items(user, k=6, **kwargs)
            ref = model.recommend([user], k=6, **kwargs)
            assert items.tolist() == ref["item_id"].tolist()
            assert scores.tolist() == ref["score"].tolist()
    with pytest.raises(ValueError, match="user_id must be a single user id"):
        model.top_items([100, 101])
    with pytest.raises(ValueError, match="user_id: 1 user"):
        model.top_items(99999, on_unknown="error")


@pytest.mark.parametrize("k", [1, 6, 1024, 1030, 5000])
def test_one_user_frame_is_the_batch_frame(k):
    # one user's frame is built by its own shorter route: the same rows, dtypes and
    # ranks as that user's part of a batch, for short and long lists
    rng = np.random.default_rng(3)
    train = pd.DataFrame(
        {"user_id": rng.integers(0, 30, 6000), "item_id": rng.integers(0, 1100, 6000)}
    )
    train = train.drop_duplicates()
    model = Popularity().fit(train)
    batch = model.recommend([4, 7], k=k)
    for user in (4, 7):
        one = model.recommend([user], k=k)
        pd.testing.assert_frame_equal(one, batch[batch["user_id"] == user].reset_index(drop=True))
    one.loc[0, "rank"] = 100  # the frame owns its columns: the next list is unchanged
    assert model.recommend([7], k=k)["rank"].tolist() == list(range(1, len(one) + 1))


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_one_row_scores_are_the_batch_scores(ratings, model):
    # the single-row routes (bincount, row slices) add the same terms in the same order
    model.fit(ratings)
    rows = np.arange(len(model.users_))
    batch = model._scores(rows)
    for r in (0, 7, len(rows) - 1):
        assert np.array_equal(model._scores(np.array([r]))[0], batch[r])


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_threads_and_batches_do_not_change_lists(ratings, model, monkeypatch):
    model.fit(ratings)
    users = [*model.users_[::-1], 5, *model.users_[:20]]  # any order, unknown, repeated
    ref = model.recommend(users, k=7)
    monkeypatch.setattr(base, "_BLOCK_ELEMENTS", 32 * 3 * len(model.items_))  # batches of 1-3
    for threads in (1, 3):
        monkeypatch.setattr(base, "_threads", lambda threads=threads: threads)
        pd.testing.assert_frame_equal(model.recommend(users, k=7), ref)


def test_popular_list_for_users_who_saw_most_popular_items():
    # user 0 has seen 85 of the 90 items: fewer than k unseen among the first k + 64
    rng = np.random.default_rng(3)
    rows = [(0, i) for i in range(85)]
    others = pd.DataFrame(
        {"user_id": rng.integers(1, 60, 900), "item_id": rng.integers(0, 90, 900)}
    )
    train = pd.concat([pd.DataFrame(rows, columns=["user_id", "item_id"]), others])
    train = train.drop_duplicates(ignore_index=True)
    model = Popularity().fit(train)
    scores = np.tile(model._popularity, (len(model.users_), 1))
    model._mask_seen(scores, np.arange(len(model.users_)))
    ref = top_k_columns(scores, 10)
    finite = np.isfinite(np.take_along_axis(scores, ref, 1))
    out = model.recommend(model.users_, k=10)
    assert out["item_id"].tolist() == model._item_ids[ref][finite].tolist()
    assert (out["user_id"] == 0).sum() == 5  # the five items user 0 has not seen
    assert model.top_items(0, k=10)[0].tolist() == model._item_ids[ref[0]][finite[0]].tolist()


def test_split_products_equal_plain_ones(ratings, monkeypatch):
    # ItemKNN's SciPy route (where numba is missing): heavy rows by a sparse × dense
    # product; UserKNN: popular items by a float32 dense product. Whatever the split,
    # the same neighbourhoods.
    plain = {}
    monkeypatch.setattr(knn, "_item_kernel", lambda: None)  # ItemKNN's SciPy route
    for cost, share in ((1e12, 2.0), (0.0, -1.0), (10.0, 0.05)):
        monkeypatch.setattr(knn, "_SPARSE_STEP_COST", cost)
        monkeypatch.setattr(knn, "_DENSE_ITEM_SHARE", share)
        item = ItemKNN(k=7).fit(ratings).sim_
        user = UserKNN(k=7, similarity="binary", min_support=2).fit(ratings)._neighbours
        if not plain:
            plain = {"item": item, "user": user}
        for name, got in (("item", item), ("user", user)):
            assert np.array_equal(got.indptr, plain[name].indptr)
            assert np.array_equal(got.indices, plain[name].indices)
            assert np.array_equal(got.data, plain[name].data)


def _item_knn_reference(train: pd.DataFrame, k: int) -> sparse.csr_matrix:
    """ItemKNN's neighbourhoods by definition: the dense cosine matrix, the item
    itself at −inf, a stable sort of each row, negatives stored as 0."""
    model = Popularity().fit(train)  # the same item index and 0/1 matrix
    B = model._seen.toarray()
    norms = np.sqrt(B.sum(axis=0))
    sim = (B.T @ B) / np.outer(norms, norms)
    n = sim.shape[0]
    sim[np.arange(n), np.arange(n)] = -np.inf
    cols = np.argsort(-sim, axis=1, kind="stable")[:, : min(k, n)]
    values = np.maximum(np.take_along_axis(sim, cols, 1), 0.0)
    rows = np.repeat(np.arange(n), cols.shape[1])
    return sparse.csr_matrix((values.ravel(), (rows, cols.ravel())), shape=(n, n))


@pytest.mark.parametrize("seed", range(6))
def test_item_knn_routes_equal_the_definition(seed, monkeypatch):
    # the compiled kernel and the SciPy route give the definition's neighbourhoods
    # to the last bit: ties (items with the same users), k ≥ the catalogue, items
    # sharing users with fewer than k others (zeros complete the row)
    rng = np.random.default_rng(seed)
    n_users, n_items = int(rng.integers(2, 60)), int(rng.integers(2, 80))
    pairs = rng.random((n_users, n_items)) < rng.uniform(0.02, 0.4)
    pairs[:, 1] = pairs[:, 0]  # two items with the same users: tied similarities
    pairs[0, :] = True  # every item has a user
    users, items = np.nonzero(pairs)
    train = pd.DataFrame({"user_id": users, "item_id": items * 3 + 1})
    for k in (1, 3, n_items - 1, n_items, n_items + 5):
        ref = _item_knn_reference(train, k)
        for route in ("compiled", "numpy"):
            if route == "numpy":
                monkeypatch.setattr(knn, "_item_kernel", lambda: None)
            got = ItemKNN(k=k).fit(train).sim_
            monkeypatch.undo()
            assert np.array_equal(got.indptr, ref.indptr), (route, k)
            assert np.array_equal(got.indices, ref.indices), (route, k)
            assert np.array_equal(got.data, ref.data), (route, k)


def test_item_knn_uses_the_compiled_kernel():
    # numba is a dependency: the fit must not fall back to the SciPy route silently
    assert knn._item_kernel() is not None


def test_item_knn_compiles_where_numba_can_write_no_cache():
    # a read-only install and home: numba finds no cache folder (its decorator raises);
    # the loop is then compiled in the process, uncached, with the same result
    code = (
        "import numba.core.caching as c; c.CacheImpl._locator_classes = []\n"
        "import pandas as pd\n"
        "from xplab.recs import ItemKNN, knn\n"
        "assert knn._item_kernel() is not None\n"
        "t = pd.DataFrame({'user_id': [1, 1, 2, 2, 3], 'item_id': [1, 2, 1, 3, 3]})\n"
        "print(ItemKNN(k=2).fit(t).sim_.toarray().round(6).tolist())\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    train = pd.DataFrame({"user_id": [1, 1, 2, 2, 3], "item_id": [1, 2, 1, 3, 3]})
    assert run.stdout.strip() == str(ItemKNN(k=2).fit(train).sim_.toarray().round(6).tolist())


def test_binary_neighbours_from_candidates_equal_the_dense_rows(ratings):
    model = UserKNN(k=12, similarity="binary").fit(ratings)
    parts = model._parts
    rows = np.arange(len(model.users_))
    sim = parts.rows(rows, "binary", 1)
    sim[rows, rows] = -np.inf
    cols, values = parts.binary_neighbours(rows, 12, 1)
    assert np.array_equal(cols, top_k_columns(sim, 12))
    assert np.array_equal(values, np.take_along_axis(sim, cols, 1))


@pytest.mark.parametrize("binary", [True, False])
def test_ease_float32_candidates_give_the_float64_lists(ratings, monkeypatch, binary):
    # large catalogues rank from a float32 copy of B and re-score the candidates:
    # the lists and scores are the float64 product's, ties included
    users = [*ratings["user_id"].unique(), 5]
    ref = EASE(l2=10.0, binary=binary).fit(ratings)
    monkeypatch.setattr(ease, "_FLOAT32_FROM", 0)
    monkeypatch.setattr(ease, "_FLOAT32_ROWS", 1)  # the float32 route for one user too
    fast = EASE(l2=10.0, binary=binary).fit(ratings)
    assert fast._B32 is not None and ref._B32 is None
    for kwargs in ({}, {"exclude_seen": False}, {"k": 40}, {"items": [1001, 1002, 1030]}):
        pd.testing.assert_frame_equal(
            fast.recommend(users, **kwargs), ref.recommend(users, **kwargs)
        )
    for user in (100, 131):
        assert np.array_equal(fast.top_items(user)[0], ref.top_items(user)[0])
    # near ties: two items with the same users score alike (to the last bits) for everyone
    tied = pd.DataFrame({"user_id": [1, 1, 2, 2, 3, 3, 3, 4], "item_id": [7, 8, 7, 8, 7, 8, 9, 9]})
    fast_tied = EASE(l2=1.0).fit(tied).recommend([4], k=2)
    monkeypatch.setattr(ease, "_FLOAT32_FROM", 10**9)
    pd.testing.assert_frame_equal(fast_tied, EASE(l2=1.0).fit(tied).recommend([4], k=2))


@pytest.mark.parametrize("binary", [True, False])
def test_ease_serving_routes_give_the_float64_lists(ratings, monkeypatch, binary):
    # one user (EASE._rank_one), two or three (the float64 product), four or more (the
    # float32 batch): the float64 product's lists and scores, whatever the batch
    users = [*ratings["user_id"].unique()[:12], 5]
    ref = EASE(l2=10.0, binary=binary).fit(ratings)
    monkeypatch.setattr(ease, "_FLOAT32_FROM", 0)
    model = EASE(l2=10.0, binary=binary).fit(ratings)
    assert model._B32 is not None and ref._B32 is None
    for kwargs in ({}, {"exclude_seen": False}, {"k": 1}, {"k": 40}):
        expected = ref.recommend(users, **kwargs)
        one_by_one = pd.concat([model.recommend([u], **kwargs) for u in users])
        three = pd.concat([model.recommend(users[i : i + 3], **kwargs) for i in range(0, 13, 3)])
        for got in (one_by_one, three, model.recommend(users, **kwargs)):
            pd.testing.assert_frame_equal(got.reset_index(drop=True), expected)
    # and each batch size took its route
    float64_rank, one_rank, calls = base.Recommender._rank, EASE._rank_one, []

    def spy_float64(self, rows, *args):
        calls.append(("float64", rows.size))
        return float64_rank(self, rows, *args)

    def spy_one(self, row, *args):
        calls.append(("one", 1))
        return one_rank(self, row, *args)

    monkeypatch.setattr(base.Recommender, "_rank", spy_float64)
    monkeypatch.setattr(EASE, "_rank_one", spy_one)
    model.top_items(users[0])
    model.recommend(users[:3])
    model.recommend(users[:4])
    assert calls == [("one", 1), ("float64", 3)]


@pytest.mark.parametrize(
    "user, items",
    [
        (np.array([5] * 3), np.array([10, 11, 12])),
        (np.array(["u1"] * 3), np.array(["a", "b", "c"])),
        (np.array(["u1", 2, 3.5], dtype=object), np.array([1, "b", None], dtype=object)),
        (np.array([1.5] * 3), np.array([1.0, 2.0, 3.0])),
        (np.array([5] * 3, dtype=np.int32), np.array([10, 11, 12], dtype=np.uint16)),
        (np.array([True] * 3), np.array([1.5, 2.0, 3.0], dtype=np.float32)),
        (np.array(["2024-01-01"] * 3, dtype="datetime64[ns]"), np.array([True, False, True])),
    ],
)
def test_result_frame_is_the_public_constructors(user, items):
    arrays = [user, items, np.arange(1, 4), np.array([0.5, 0.25, -np.inf])]
    frame = _columns_frame(arrays)
    expected = pd.DataFrame(dict(zip(["user_id", "item_id", "rank", "score"], arrays, strict=True)))
    pd.testing.assert_frame_equal(frame, expected)
    # and it behaves as the constructor's frame: columns selected, rows filtered, a value set
    pd.testing.assert_frame_equal(frame[frame["rank"] > 1], expected[expected["rank"] > 1])
    frame.loc[0, "score"] = 2.0
    expected.loc[0, "score"] = 2.0
    pd.testing.assert_frame_equal(frame, expected)
