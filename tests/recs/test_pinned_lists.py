"""Every model's top-k lists, pinned: a change in speed must not change a list.

Each case below (a model, a call) is run on a fixed synthetic rating table
(and, with ``XPLAB_DATA_DIR``, on notebook 05's MovieLens split) and compared
with ``pinned_lists.json``: the number of rows, a SHA-256 of the
``user_id, item_id, rank`` columns (the lists, ties included) and two sums of
the scores (to 1e-9, relative: a different summation order may move the last
bits of a score, not the list). The file was written by the models as they
were before the speed work (commit 3dd5742) with

    python tests/recs/test_pinned_lists.py --write

Run it again only when a list is *meant* to change, and say why in the commit.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from xplab.recs import EASE, ItemKNN, Popularity, UserKNN, stratified_split

PINNED = Path(__file__).with_name("pinned_lists.json")
SPLIT_SEED = 42  # notebook 05's split (xplab.exercises.nb05.SPLIT_SEED)


def synthetic_ratings() -> pd.DataFrame:
    """150 users × 90 items, power-law popularity, three tastes, ratings 1-5.

    Small integer data on purpose: many exact ties in every model's scores,
    users with one item, items with one user, and users who have seen most of
    the popular items.
    """
    rng = np.random.default_rng(20260)
    n_users, n_items = 150, 90
    popularity = 1.0 / np.arange(1, n_items + 1) ** 0.9
    taste_user = rng.integers(0, 3, n_users)
    taste_item = rng.integers(0, 3, n_items)
    activity = np.clip(rng.lognormal(2.2, 0.9, n_users).astype(int), 1, 70)
    rows = []
    for u in range(n_users):
        weight = popularity * np.where(taste_item == taste_user[u], 4.0, 1.0)
        items = rng.choice(n_items, size=activity[u], replace=False, p=weight / weight.sum())
        liked = taste_item[items] == taste_user[u]
        rating = np.clip(np.where(liked, 4, 2) + rng.integers(-1, 2, items.size), 1, 5)
        rows.append(pd.DataFrame({"user_id": 1000 + u, "item_id": 10 + items, "rating": rating}))
    return pd.concat(rows, ignore_index=True)


def _digest(frame: pd.DataFrame) -> dict:
    lists = frame.drop(columns="score")
    text = lists.to_csv(index=False, lineterminator="\n")
    score = frame["score"].to_numpy(dtype=float)
    weights = np.arange(1, score.size + 1)
    return {
        "rows": len(frame),
        "columns": list(frame.columns),
        "lists_sha256": hashlib.sha256(text.encode()).hexdigest(),
        "score_sum": float(score.sum()),
        "score_weighted_sum": float((score * weights).sum()),
        "head": {column: lists[column].head(3).tolist() for column in lists},
    }


def _synthetic_cases() -> Iterator[tuple[str, Callable[[], pd.DataFrame]]]:
    data = synthetic_ratings()
    users = np.sort(data["user_id"].unique())
    callers = [*users, 5, 999999]  # two unknown users: the popular fallback
    some_items = list(range(10, 100, 3))
    exclude = [10, 11, 12, 13, 55, 12345]
    models = {
        "Popularity": lambda: Popularity(),
        "ItemKNN(k=10)": lambda: ItemKNN(k=10),
        "ItemKNN(k=200)": lambda: ItemKNN(k=200),
        "UserKNN(k=10, binary)": lambda: UserKNN(k=10, similarity="binary"),
        "UserKNN(k=25, pearson)": lambda: UserKNN(k=25),
        "UserKNN(k=25, cosine)": lambda: UserKNN(k=25, similarity="cosine"),
        "UserKNN(k=15, pearson, rank_by=rating)": lambda: UserKNN(k=15, rank_by="rating"),
        "EASE(l2=10)": lambda: EASE(l2=10.0),
        "EASE(l2=50, ratings)": lambda: EASE(l2=50.0, binary=False),
    }
    fitted: dict[str, object] = {}

    def model(name):
        if name not in fitted:
            fitted[name] = models[name]().fit(data)
        return fitted[name]

    for name in models:
        yield f"{name} recommend all k=10", lambda n=name: model(n).recommend(callers, k=10)
        yield (
            f"{name} recommend k=40",
            lambda n=name: model(n).recommend(users[::7], k=40),
        )
        yield (
            f"{name} recommend seen included",
            lambda n=name: model(n).recommend(users[::5], k=10, exclude_seen=False),
        )
        yield (
            f"{name} recommend candidates",
            lambda n=name: model(n).recommend(
                callers[::4], k=10, items=some_items, exclude_items=exclude
            ),
        )
        yield (
            f"{name} recommend more than the catalogue",
            lambda n=name: model(n).recommend(users[:12], k=200),
        )
        for liked in ([10, 11], [40, 57, 63, 70], [99]):
            yield (
                f"{name} recommend_for_items {liked}",
                lambda n=name, liked=liked: model(n).recommend_for_items(liked, k=10, user_id="x"),
            )
        yield (
            f"{name} recommend_for_items filtered",
            lambda n=name: model(n).recommend_for_items(
                [15, 16], k=10, items=some_items, exclude_items=exclude
            ),
        )
        if not name.startswith(("UserKNN", "Popularity")):
            for item in (10, 50, 99):
                yield (
                    f"{name} similar_items {item}",
                    lambda n=name, item=item: model(n).similar_items(item, k=10),
                )
        if name.startswith("UserKNN"):
            yield (
                f"{name} neighbours",
                lambda n=name: pd.concat(
                    [
                        model(n)
                        .neighbours(u)
                        .rename(columns={"similarity": "score"})
                        .assign(user_id=u)
                        for u in users[::10]
                    ],
                    ignore_index=True,
                ),
            )


def _movielens_cases() -> Iterator[tuple[str, Callable[[], pd.DataFrame]]]:
    from xplab.data import load_movielens_100k

    train, _ = stratified_split(load_movielens_100k().ratings, test_size=0.25, seed=SPLIT_SEED)
    users = np.sort(train["user_id"].unique())
    models = {
        "Popularity": lambda: Popularity(),
        "UserKNN(k=200, binary)": lambda: UserKNN(k=200, similarity="binary"),
        "UserKNN(k=50, binary)": lambda: UserKNN(k=50, similarity="binary"),
        "ItemKNN(k=800)": lambda: ItemKNN(k=800),
        "ItemKNN(k=100)": lambda: ItemKNN(k=100),
        "EASE(l2=500)": lambda: EASE(l2=500.0),
        "EASE(l2=10000, ratings)": lambda: EASE(l2=10_000.0, binary=False),
    }
    for name, make in models.items():
        yield f"movielens {name} recommend all k=10", lambda m=make: m().fit(train).recommend(users)
    yield (
        "movielens UserKNN(k=40, pearson, rank_by=rating) recommend 300",
        lambda: UserKNN(k=40, rank_by="rating").fit(train).recommend(users[:300]),
    )
    yield (
        "movielens ItemKNN(k=100) similar_items 50",
        lambda: ItemKNN(k=100).fit(train).similar_items(50, k=100),
    )
    yield (
        "movielens EASE(l2=500) recommend_for_items",
        lambda: EASE(l2=500.0).fit(train).recommend_for_items([1, 50, 100], k=5),
    )
    yield (
        "movielens UserKNN(k=50, binary) neighbours",
        lambda: (
            UserKNN(k=50, similarity="binary")
            .fit(train)
            .neighbours(13)
            .rename(columns={"similarity": "score"})
        ),
    )


def _pinned() -> dict:
    return json.loads(PINNED.read_text())


SYNTHETIC = list(_synthetic_cases())


@pytest.mark.parametrize(("case", "call"), SYNTHETIC, ids=[c for c, _ in SYNTHETIC])
def test_synthetic_lists_are_pinned(case, call):
    _check(case, call())


@pytest.mark.data
@pytest.mark.skipif(not os.environ.get("XPLAB_DATA_DIR"), reason="XPLAB_DATA_DIR is not set")
def test_movielens_lists_are_pinned():
    for case, call in _movielens_cases():
        _check(case, call())


def _check(case: str, frame: pd.DataFrame) -> None:
    want = _pinned()[case]
    got = _digest(frame)
    assert got["columns"] == want["columns"], case
    assert got["rows"] == want["rows"], case
    assert got["head"] == want["head"], case
    assert got["lists_sha256"] == want["lists_sha256"], f"{case}: a top-k list changed"
    for key in ("score_sum", "score_weighted_sum"):
        assert got[key] == pytest.approx(want[key], rel=1e-9, abs=1e-12), f"{case}: {key}"


def test_every_pinned_case_is_run():
    names = {c for c, _ in SYNTHETIC}
    assert {c for c in _pinned() if not c.startswith("movielens ")} == names


if __name__ == "__main__":
    if "--write" not in sys.argv:
        sys.exit("usage: python tests/recs/test_pinned_lists.py --write")
    cases = [*SYNTHETIC, *_movielens_cases()]
    out = {case: _digest(call()) for case, call in cases}
    PINNED.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")
    print(f"wrote {len(out)} cases to {PINNED}")
