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


def naive_metrics(test, recs, k):
    """A straightforward per-user loop, the reference for the vectorized code."""
    rel = test.groupby("user_id")["item_id"].apply(set).to_dict()
    lists = recs.sort_values("rank").groupby("user_id")["item_id"].apply(list).to_dict()
    users = sorted(set(rel) & set(lists))
    p = r = n = m = 0.0
    for u in users:
        top = lists[u][:k]
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


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_vectorized_equals_naive_on_random_data(seed):
    rng = np.random.default_rng(seed)
    test = pd.DataFrame(
        {"user_id": rng.integers(0, 50, 600), "item_id": rng.integers(0, 80, 600)}
    ).drop_duplicates()
    lists = {
        u: rng.choice(80, size=rng.integers(3, 12), replace=False).tolist() for u in range(0, 60)
    }
    recs = recs_of(lists)
    for k in (1, 5, 10):
        ref = naive_metrics(test, recs, k)
        got = (
            precision_at_k(test, recs, k=k),
            recall_at_k(test, recs, k=k),
            ndcg_at_k(test, recs, k=k),
            map_at_k(test, recs, k=k),
        )
        assert got == pytest.approx(ref, abs=1e-12)


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
    ],
)
def test_bad_input(call, message):
    test = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 30]})
    with pytest.raises(ValueError, match=message):
        call(test, recs_of({1: [10, 20]}))
