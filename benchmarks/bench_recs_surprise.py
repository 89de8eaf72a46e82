"""Reproduce the Surprise README benchmark on MovieLens 100K, and check that
xplab's UserKNN predicts like Surprise's KNNWithMeans.

Protocol (Surprise's): 5-fold cross-validation with KFold(random_state=0), the
same folds for every algorithm, default parameters, mean RMSE/MAE over folds.
Pass: each reproduced RMSE within ±0.01 of the published value, and UserKNN's
RMSE within 0.005 of KNNWithMeans' with the same similarity and k.

Run: python benchmarks/bench_recs_surprise.py   (about two minutes on 2 cores)
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd
from surprise import (
    SVD,
    BaselineOnly,
    Dataset,
    KNNBaseline,
    KNNBasic,
    KNNWithMeans,
    Reader,
    accuracy,
)
from surprise.model_selection import KFold
from tqdm import tqdm

from xplab.data import load_movielens_100k
from xplab.recs import UserKNN

PUBLISHED = {  # Surprise README, ML-100K, 5-fold
    "SVD": (0.934, 0.737),
    "KNNBasic": (0.980, 0.774),
    "KNNWithMeans": (0.951, 0.749),
    "KNNBaseline": (0.931, 0.733),
    "BaselineOnly": (0.944, 0.748),
}
ALGORITHMS = {
    "BaselineOnly": lambda: BaselineOnly(verbose=False),
    "KNNBasic": lambda: KNNBasic(verbose=False),
    "KNNWithMeans": lambda: KNNWithMeans(verbose=False),
    "KNNBaseline": lambda: KNNBaseline(verbose=False),
    # Surprise's SVD draws its initial factors from its own random_state
    "SVD": lambda: SVD(random_state=0),
}
SIM = {"name": "pearson", "user_based": True}
K = 40


def main() -> int:
    ratings = load_movielens_100k().ratings
    data = Dataset.load_from_df(
        ratings[["user_id", "item_id", "rating"]], Reader(rating_scale=(1, 5))
    )
    folds = list(KFold(n_splits=5, random_state=0, shuffle=True).split(data))

    rows, failures = [], []
    steps = tqdm(total=len(ALGORITHMS) * 5 + 5, desc="5-fold CV", unit="fit")
    for name, make in ALGORITHMS.items():
        rmse, mae, start = [], [], time.perf_counter()
        for trainset, testset in folds:
            predictions = make().fit(trainset).test(testset)
            rmse.append(accuracy.rmse(predictions, verbose=False))
            mae.append(accuracy.mae(predictions, verbose=False))
            steps.update()
        pub_rmse, pub_mae = PUBLISHED[name]
        ok = abs(np.mean(rmse) - pub_rmse) <= 0.01
        failures += [] if ok else [name]
        rows.append(
            {
                "algorithm": name,
                "RMSE (ours)": np.mean(rmse),
                "RMSE (published)": pub_rmse,
                "MAE (ours)": np.mean(mae),
                "MAE (published)": pub_mae,
                "seconds": time.perf_counter() - start,
                "within ±0.01": "yes" if ok else "NO",
            }
        )

    ours, theirs = [], []
    for trainset, testset in folds:
        test = pd.DataFrame(testset, columns=["user_id", "item_id", "rating"])
        train = pd.DataFrame(
            [
                (trainset.to_raw_uid(u), trainset.to_raw_iid(i), r)
                for u, i, r in trainset.all_ratings()
            ],
            columns=["user_id", "item_id", "rating"],
        )
        ref = KNNWithMeans(k=K, sim_options=SIM, verbose=False).fit(trainset).test(testset)
        pred = (
            UserKNN(k=K, similarity="pearson").fit(train).predict(test["user_id"], test["item_id"])
        )
        ours.append(np.sqrt(np.mean((pred - test["rating"]) ** 2)))
        theirs.append(accuracy.rmse(ref, verbose=False))
        steps.update()
    steps.close()

    table = pd.DataFrame(rows).set_index("algorithm")
    print("\nSurprise README benchmark, MovieLens 100K, 5-fold CV (KFold random_state=0)\n")
    print(table.to_string(float_format=lambda v: f"{v:.3f}"))
    gap = abs(np.mean(ours) - np.mean(theirs))
    print(
        f"\nUserKNN (xplab) vs KNNWithMeans (Surprise), pearson, k={K}, same folds:\n"
        f"  RMSE {np.mean(ours):.4f} vs {np.mean(theirs):.4f}; difference {gap:.5f} (bound 0.005)"
    )
    if gap > 0.005:
        failures.append("UserKNN vs KNNWithMeans")
    if failures:
        print(f"\nFAILED: {', '.join(failures)}")
        return 1
    print("\nall within bounds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
