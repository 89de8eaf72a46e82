"""Vectorized top-k metrics vs a plain per-user pandas loop, on the same
MovieLens 100K recommendations (EASE, all 943 users, k = 10).

Checks that both give the same numbers and prints the speed ratio.

Run: python benchmarks/bench_recs_metrics_speed.py
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from xplab.data import load_movielens_100k
from xplab.recs import EASE, evaluate, stratified_split


def naive(test, recs, k):
    """One user at a time, with pandas filtering: how such code is often written."""
    p = r = n = m = 0.0
    users = sorted(set(test["user_id"]) & set(recs["user_id"]))
    for u in users:
        relevant = set(test.loc[test["user_id"] == u, "item_id"])
        top = (
            recs[(recs["user_id"] == u) & (recs["rank"] <= k)]
            .sort_values("rank")["item_id"]
            .tolist()
        )
        hit = [i in relevant for i in top]
        p += sum(hit) / k
        r += sum(hit) / len(relevant)
        dcg = sum(1 / math.log2(pos + 2) for pos, h in enumerate(hit) if h)
        n += dcg / sum(1 / math.log2(pos + 2) for pos in range(min(len(relevant), k)))
        found = np.cumsum(hit)
        m += sum(found[pos] / (pos + 1) for pos, h in enumerate(hit) if h) / len(relevant)
    return np.array([p, r, n, m]) / len(users)


def best_of(fn, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return out, min(times)


def main() -> int:
    ratings = load_movielens_100k().ratings
    train, test = stratified_split(ratings, seed=42)
    recs = EASE(l2=500).fit(train).recommend(np.sort(train["user_id"].unique()), k=10)

    fast, t_fast = best_of(lambda: evaluate(test, recs, k=10), repeat=5)
    slow, t_slow = best_of(lambda: naive(test, recs, 10), repeat=1)
    vec = np.array([fast.precision, fast.recall, fast.ndcg, fast.map])
    same = np.allclose(vec, slow, atol=1e-12)
    print(f"users: {fast.users}, k = 10")
    print(f"vectorized evaluate():  {t_fast * 1000:8.1f} ms  (P@10, R@10, nDCG@10, MAP at once)")
    print(f"per-user pandas loop:   {t_slow * 1000:8.1f} ms")
    print(f"speed-up:               {t_slow / t_fast:8.0f}x")
    print(f"same results:           {same}  {np.round(vec, 6).tolist()}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
