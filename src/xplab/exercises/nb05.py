"""Exercises for notebook 05 — MovieLens collaborative filtering.

Expected answers come from the package (``xplab.recs``) run on the same data
and splits as the notebook; the data are loaded lazily, on the first check.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from scipy import sparse

from .. import recs
from ..data import load_movielens_100k
from ..workbook import Exercise

SPLIT_SEED = 42
VALIDATION_SEED = 7
USER = 13  # the user whose recommendations we explain
ITEM = 313  # Titanic: held out in test, so the prediction can be compared with the truth
L2_GRID = (100, 300, 500, 1000, 3000)


@cache
def ratings() -> pd.DataFrame:
    return load_movielens_100k().ratings


@cache
def split() -> tuple[pd.DataFrame, pd.DataFrame]:
    return recs.stratified_split(ratings(), test_size=0.25, seed=SPLIT_SEED)


@cache
def validation_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    return recs.stratified_split(split()[0], test_size=0.25, seed=VALIDATION_SEED)


def validation_scores() -> pd.Series:
    """nDCG@10 on the validation split for each l2 in L2_GRID (EASE, 0/1 input)."""
    part, val = validation_split()
    users = np.sort(part["user_id"].unique())
    return pd.Series(
        {
            l2: recs.evaluate(val, recs.EASE(l2=l2).fit(part).recommend(users), k=10).ndcg
            for l2 in L2_GRID
        },
        name="validation nDCG@10",
    )


def _pearson_reference(r_u, r_v) -> float:
    """Pearson over co-rated items, via the package (two users, same items)."""
    r_u, r_v = np.asarray(r_u, dtype=float), np.asarray(r_v, dtype=float)
    matrix = sparse.csr_matrix(np.vstack([r_u, r_v]))
    return float(recs.user_similarity(matrix, similarity="pearson")[0, 1])


def _precision_reference(recommended, relevant, k) -> float:
    recs_frame = pd.DataFrame(
        {"user_id": 0, "item_id": list(recommended), "rank": np.arange(1, len(recommended) + 1)}
    )
    test = pd.DataFrame({"user_id": 0, "item_id": sorted(relevant)})
    return recs.precision_at_k(test, recs_frame, k=k)


def _prediction() -> float:
    train, _ = split()
    model = recs.UserKNN(k=40).fit(train)
    return float(model.predict([USER], [ITEM])[0])


def _top_contributor() -> int:
    train, _ = split()
    model = recs.UserKNN(k=50, similarity="binary").fit(train)
    top_item = model.recommend([USER], k=1)["item_id"].iloc[0]
    nb = model.neighbours(USER)
    raters = set(train.loc[train["item_id"] == top_item, "user_id"])
    return int(nb[nb["neighbour_id"].isin(raters)].iloc[0]["neighbour_id"])


def _popularity_coverage() -> float:
    train, _ = split()
    top = recs.Popularity().fit(train).recommend(np.sort(train["user_id"].unique()), k=10)
    return recs.catalog_coverage(top, n_items=train["item_id"].nunique(), k=10)


q1 = Exercise(
    "Q1 · sparsity",
    expected=lambda: (
        1 - len(ratings()) / (ratings()["user_id"].nunique() * ratings()["item_id"].nunique())
    ),
    hints=[
        "Sparsity is the share of the user × item matrix that is *empty*.",
        "1 − (number of ratings) ÷ (number of users × number of items).",
    ],
)

q2 = Exercise(
    "Q2 · Pearson similarity",
    expected=_pearson_reference,
    cases=[
        ([5, 3, 4, 1], [4, 2, 5, 1]),
        ([1, 2, 3], [3, 2, 1]),
        ([4, 4, 5, 2, 3], [5, 3, 4, 1, 1]),
    ],
    rtol=1e-9,
    hints=[
        "Centre each vector on its own mean, then take the cosine of the centred vectors.",
        "`a = r_u - r_u.mean(); b = r_v - r_v.mean(); (a @ b) / np.sqrt((a @ a) * (b @ b))`",
    ],
)

q3 = Exercise(
    "Q3 · a prediction by hand",
    expected=_prediction,
    rtol=1e-9,
    hints=[
        "Start from the user's mean and add the similarity-weighted average of the neighbours' deviations.",
        "`mu_u + (nb['similarity'] * nb['deviation']).sum() / nb['similarity'].sum()`",
    ],
)

q4 = Exercise(
    "Q4 · explain the top recommendation",
    expected=_top_contributor,
    hints=[
        "Among the user's neighbours (most similar first), find the first who rated the top item.",
        "`nb[nb['neighbour_id'].isin(raters)].iloc[0]['neighbour_id']`",
    ],
)

q5 = Exercise(
    "Q5 · precision@k",
    expected=_precision_reference,
    cases=[
        ([10, 20, 30, 40], {10, 30, 50}, 4),
        ([10, 20, 30, 40], {10, 30, 50}, 2),
        ([1, 2, 3], {4}, 3),
        ([7, 8, 9, 10, 11], {11, 9, 7, 1, 2, 3}, 5),
    ],
    hints=[
        "Look only at the first k recommendations, count how many are relevant, divide by k.",
        "`sum(item in relevant for item in recommended[:k]) / k`",
    ],
)

q6 = Exercise(
    "Q6 · choose l2 on validation",
    expected=lambda: int(validation_scores().idxmax()),
    hints=[
        "Fit EASE for each l2 on the *fit part* of train, score nDCG@10 on the validation part.",
        "Keep the l2 with the highest validation score: `scores.idxmax()`. Never look at test.",
    ],
)

q7 = Exercise(
    "Q7 · catalog coverage",
    expected=_popularity_coverage,
    hints=[
        "Recommend the top 10 to every user with `recs.Popularity()`, then `recs.catalog_coverage`.",
        "`recs.catalog_coverage(top10, n_items=train['item_id'].nunique())`",
    ],
)
