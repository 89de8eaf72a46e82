import math

import numpy as np
import pandas as pd
import pytest

from xplab.recs import (
    catalog_coverage,
    evaluate,
    intra_list_diversity,
    map_at_k,
    ndcg_at_k,
    novelty,
    precision_at_k,
    recall_at_k,
)


def recs_of(lists):
    rows = [(u, i, r + 1) for u, items in lists.items() for r, i in enumerate(items)]
    return pd.DataFrame(rows, columns=["user_id", "item_id", "rank"])


def test_one_user_by_hand():
    test = pd.DataFrame({"user_id": [1, 1, 1], "item_id": [10, 30, 50]})
    recs = recs_of({1: [10, 20, 30, 40]})  # hits at ranks 1 and 3
    assert precision_at_k(test, recs, k=4) == 0.5
    assert recall_at_k(test, recs, k=4) == pytest.approx(2 / 3)
    dcg = 1 / math.log2(2) + 1 / math.log2(4)
    idcg = 1 / math.log2(2) + 1 / math.log2(3) + 1 / math.log2(4)
    assert ndcg_at_k(test, recs, k=4) == pytest.approx(dcg / idcg)
    assert map_at_k(test, recs, k=4) == pytest.approx((1 / 1 + 2 / 3) / 3)
    # k = 2 cuts the list: one hit, ideal DCG over min(3, 2) items
    assert ndcg_at_k(test, recs, k=2) == pytest.approx(1 / (1 + 1 / math.log2(3)))


def test_user_without_hits_counts_as_zero():
    test = pd.DataFrame({"user_id": [1, 2], "item_id": [10, 99]})
    recs = recs_of({1: [10], 2: [10]})
    assert precision_at_k(test, recs, k=1) == 0.5
    assert evaluate(test, recs, k=1).users == 2


def test_threshold_filters_relevance():
    test = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 20], "rating": [5, 2]})
    recs = recs_of({1: [20, 10]})
    assert precision_at_k(test, recs, k=2) == 1.0
    assert precision_at_k(test, recs, k=2, threshold=4) == 0.5


def naive_metrics(test, recs, k, missing="zero"):
    """A straightforward per-user loop, the reference for the vectorized code:
    every test user counts ("zero": no list = empty list) or only those with a list."""
    rel = test.groupby("user_id")["item_id"].apply(set).to_dict()
    lists = recs.sort_values("rank").groupby("user_id")["item_id"].apply(list).to_dict()
    users = sorted(rel) if missing == "zero" else sorted(set(rel) & set(lists))
    p = r = n = m = 0.0
    for u in users:
        top = lists.get(u, [])[:k]
        hits = [i for i in top if i in rel[u]]
        p += len(hits) / k
        r += len(hits) / len(rel[u])
        dcg = sum(1 / math.log2(pos + 2) for pos, i in enumerate(top) if i in rel[u])
        idcg = sum(1 / math.log2(pos + 2) for pos in range(min(len(rel[u]), k)))
        n += dcg / idcg
        found, ap = 0, 0.0
        for pos, i in enumerate(top):
            if i in rel[u]:
                found += 1
                ap += found / (pos + 1)
        m += ap / len(rel[u])
    return p / len(users), r / len(users), n / len(users), m / len(users)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("missing", ["zero", "drop"])
def test_vectorized_equals_naive_on_random_data(seed, missing):
    rng = np.random.default_rng(seed)
    test = pd.DataFrame(
        {"user_id": rng.integers(0, 50, 600), "item_id": rng.integers(0, 80, 600)}
    ).drop_duplicates()
    # users 0-19 get no list, 50-59 have a list but no test items
    lists = {
        u: rng.choice(80, size=rng.integers(3, 12), replace=False).tolist() for u in range(20, 60)
    }
    recs = recs_of(lists)
    for k in (1, 5, 10):
        ref = naive_metrics(test, recs, k, missing)
        got = (
            precision_at_k(test, recs, k=k, missing=missing),
            recall_at_k(test, recs, k=k, missing=missing),
            ndcg_at_k(test, recs, k=k, missing=missing),
            map_at_k(test, recs, k=k, missing=missing),
        )
        assert got == pytest.approx(ref, abs=1e-12)
        e = evaluate(test, recs, k=k, missing=missing)
        assert (e.precision, e.recall, e.ndcg, e.map) == pytest.approx(ref, abs=1e-12)
        assert e.users_without_list == 20
        assert e.users == (50 if missing == "zero" else 30)


def test_answering_only_easy_users_no_longer_pays():
    # Two users; the model answers only for the one it gets right.
    test = pd.DataFrame({"user_id": [1, 2], "item_id": [10, 20]})
    recs = recs_of({1: [10]})
    assert ndcg_at_k(test, recs, k=1) == 0.5
    assert ndcg_at_k(test, recs, k=1, missing="drop") == 1.0


def test_threshold_users_without_relevant_items_are_not_counted():
    # user 2 has test items but none rated >= 4: no relevant items, not in the average
    test = pd.DataFrame({"user_id": [1, 2], "item_id": [10, 20], "rating": [5, 1]})
    e = evaluate(test, recs_of({1: [10]}), k=1, threshold=4)
    assert (e.users, e.users_without_list, e.precision) == (1, 0, 1.0)


def test_ranks_beyond_k_and_gaps_are_allowed():
    test = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 30]})
    recs = pd.DataFrame({"user_id": [1, 1, 1], "item_id": [10, 30, 20], "rank": [1, 3, 12]})
    # hits at ranks 1 and 3 of k = 3; the rank-12 row is ignored
    assert map_at_k(test, recs, k=3) == pytest.approx((1 + 2 / 3) / 2)
    assert precision_at_k(test, recs.assign(rank=[1.0, 3.0, 12.0]), k=3) == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("ranks", "k", "message"),
    [
        ([0, 1, 2], 10, r"rank'\] must be >= 1 \(rank 1 = best\), got 0; 0-based"),
        ([1, 1, 1], 10, r"unique within each user: 2 repeated \(user_id, rank\) pair\(s\)"),
        ([1, 2, 2], 2, r"unique within each user"),
        ([1, 2.5, 3], 10, r"must be whole numbers, got 2.5"),
        ([1, None, 3], 10, r"recommendations has missing values"),
        (["1", "2", "3"], 10, r"must be whole numbers, got dtype"),
    ],
)
def test_impossible_ranks_are_refused(ranks, k, message):
    # before these checks: 0-based ranks gave nDCG = inf; three items at rank 1,
    # nDCG 1.41 and MAP 2.0; ranks 1, 2, 2 at k = 2, P@2 = 1.5
    test = pd.DataFrame({"user_id": [1, 1, 1], "item_id": [10, 20, 30]})
    recs = pd.DataFrame({"user_id": [1, 1, 1], "item_id": [10, 20, 30], "rank": ranks})
    for metric in (precision_at_k, ndcg_at_k, map_at_k, evaluate):
        with pytest.raises(ValueError, match=message):
            metric(test, recs, k=k)
    with pytest.raises(ValueError, match=message):
        catalog_coverage(recs, n_items=5, k=k)


def test_beyond_accuracy():
    train = pd.DataFrame({"user_id": [1, 2, 3, 4, 1], "item_id": [10, 10, 10, 10, 20]})
    recs = recs_of({5: [10, 20]})
    assert catalog_coverage(recs, n_items=4, k=2) == 0.5
    assert novelty(recs, train, k=2) == pytest.approx((0 + 2) / 2)  # −log2(4/4), −log2(1/4)
    genres = pd.DataFrame({"a": [1, 1, 0], "b": [0, 1, 1]}, index=[10, 20, 30])
    # cos(10, 20) = 1/√2; a single pair
    assert intra_list_diversity(recs, genres, k=2) == pytest.approx(1 - 1 / math.sqrt(2))
    three = recs_of({5: [10, 20, 30]})
    pairs = [1 - 1 / math.sqrt(2), 1.0, 1 - 1 / math.sqrt(2)]
    assert intra_list_diversity(three, genres, k=3) == pytest.approx(np.mean(pairs))


def test_evaluate_collects_everything():
    test = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 30]})
    train = pd.DataFrame({"user_id": [1, 2], "item_id": [20, 10]})
    recs = recs_of({1: [10, 20]})
    r = evaluate(test, recs, k=2, train=train)
    assert r.as_dict()["P@2"] == 0.5 and r.diversity is None and r.coverage == 1.0
    assert "precision=0.5" in repr(r)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda t, r: precision_at_k(t, r, k=0), r"k must be >= 1"),
        (
            lambda t, r: precision_at_k(t, r.drop(columns="rank")),
            r"recommendations is missing column",
        ),
        (lambda t, r: precision_at_k(t.assign(user_id=99), r), r"no user has both"),
        (lambda t, r: precision_at_k(pd.concat([t, t]), r), r"test has 2 duplicate"),
        (
            lambda t, r: precision_at_k(t, r, threshold=4),
            r"test is missing column\(s\) \['rating'\]",
        ),
        (
            lambda t, r: novelty(r, pd.DataFrame({"user_id": [1], "item_id": [1]})),
            r"never occur in train",
        ),
        (lambda t, r: catalog_coverage(r, n_items=0), r"n_items must be >= 1"),
        (lambda t, r: evaluate(t, r, missing="skip"), r"missing must be one of \('zero', 'drop'\)"),
        (lambda t, r: evaluate(t, r.iloc[:0]), r"recommendations is empty"),
        (lambda t, r: evaluate(t, r.to_dict()), r"recommendations must be a pandas DataFrame"),
    ],
)
def test_bad_input(call, message):
    test = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 30]})
    with pytest.raises(ValueError, match=message):
        call(test, recs_of({1: [10, 20]}))
