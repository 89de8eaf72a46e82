"""Scale: fit time, recommend throughput and peak memory at 50,000 users × 20,000 items.

Data: synthetic implicit feedback (0/1), 2,000,000 distinct (user, item) pairs.
Item popularity is a power law (the i-th most popular item is drawn with
probability ∝ i^-0.8: the top item reaches about half the users, the tail a
handful), user activity is log-normal. Drawn with a fixed seed; the same data
for every model. There is no taste structure: this measures cost, not accuracy.

Each model runs in its own process (so peak memory, the maximum resident set
size of that process, includes the data and nothing else), with
OPENBLAS_NUM_THREADS = OMP_NUM_THREADS = MKL_NUM_THREADS = 2 (the machine has two
cores) for the xplab models: EASE's Cholesky solve at 20,000 > 16,000 items runs
multithreaded (on NumPy's OpenBLAS; SciPy's crashed there with two threads), and
xplab's fits and lists use both cores. implicit's ALS runs with its own 2 threads
and BLAS at 1 thread (as implicit recommends).

Measured per model: fit (s), recommend top 10 for all users (s) and users/s,
peak memory (GB). Also checks EASE's solution: for three columns j,
(XᵀX + λI)_{−j,−j} B_{−j,j} = (XᵀX)_{−j,j}, computed from the sparse data.

Targets (issue 12): every model finishes without a crash; EASE recommends
for all users faster than the 374 s measured with a full sort (134 users/s);
UserKNN fits 50,000 users in at most 4 GB (it needed 15 GiB and failed between
10,000 and 20,000 users); the EASE check holds to 1e-6. The last column shows
the previous version's run (before issue 23: EASE factorized on one thread,
neighbourhoods and lists came from dense sorts), measured on the same shared
machine.

Run: python benchmarks/bench_recs_scale.py   (about 10-15 minutes, up to ~8 GB)
     python benchmarks/bench_recs_scale.py --users 5000 --items 2000 --interactions 100000
     (a quick smoke run)
     python benchmarks/bench_recs_scale.py --models EASE     (some of the models)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

MODELS = ("EASE", "ItemKNN", "UserKNN", "ALS (implicit)")
BEFORE = {  # the previous version's run (README, issue 23's starting point): fit s, recommend s, GB
    "EASE": "210 s, 181 s, 3.97 GB (factorization on one thread)",
    "ItemKNN": "50 s, 56 s, 0.90 GB",
    "UserKNN": "1,181 s, 74 s, 1.07 GB",
    "ALS (implicit)": "66 s, 25 s, 0.29 GB",
}
SEED = 2026
THREADS = 2


def synthetic_implicit(n_users: int, n_items: int, n_interactions: int, seed: int):
    """(user, item) index arrays of n_interactions distinct pairs, power-law items."""
    import numpy as np

    rng = np.random.default_rng(seed)
    item_p = np.cumsum(1.0 / np.arange(1, n_items + 1) ** 0.8)
    user_p = np.cumsum(rng.lognormal(0.0, 1.0, n_users))
    pairs = np.empty(0, dtype=np.int64)
    draw = int(n_interactions * 1.3)
    while pairs.size < n_interactions:  # duplicates are dropped: draw until enough are left
        users = np.searchsorted(user_p, rng.random(draw) * user_p[-1])
        items = np.searchsorted(item_p, rng.random(draw) * item_p[-1])
        pairs = np.unique(np.concatenate([pairs, users.astype(np.int64) * n_items + items]))
    pairs = rng.permutation(pairs)[:n_interactions]
    return pairs // n_items, pairs % n_items


def child(name: str, n_users: int, n_items: int, n_interactions: int) -> dict:
    """Fit and recommend one model; returns the measurements."""
    import numpy as np
    import pandas as pd
    from scipy import sparse

    users, items = synthetic_implicit(n_users, n_items, n_interactions, SEED)
    out: dict = {"model": name}
    if name == "ALS (implicit)":
        from implicit.cpu.als import AlternatingLeastSquares

        X = sparse.csr_matrix(
            (np.ones(users.size, dtype=np.float32), (users, items)), shape=(n_users, n_items)
        )
        model = AlternatingLeastSquares(random_state=0, num_threads=THREADS)
        start = time.perf_counter()
        model.fit(X, show_progress=False)
        out["fit_s"] = time.perf_counter() - start
        ids = np.flatnonzero(np.diff(X.indptr))
        start = time.perf_counter()
        for lo in range(0, ids.size, 2048):
            batch = ids[lo : lo + 2048]
            model.recommend(batch, X[batch], N=10, filter_already_liked_items=True)
        out["recommend_s"] = time.perf_counter() - start
        out["users"] = int(ids.size)
    else:
        from xplab.recs import EASE, ItemKNN, UserKNN

        train = pd.DataFrame({"user_id": users, "item_id": items})
        model = {
            "EASE": EASE(l2=500.0),
            "ItemKNN": ItemKNN(k=100),
            "UserKNN": UserKNN(k=40, similarity="binary"),
        }[name]
        start = time.perf_counter()
        model.fit(train)
        out["fit_s"] = time.perf_counter() - start
        ids = model.users_.to_numpy()
        start = time.perf_counter()
        n_rows = 0
        for lo in range(0, ids.size, 8192):
            n_rows += len(model.recommend(ids[lo : lo + 8192], k=10))
        out["recommend_s"] = time.perf_counter() - start
        out["users"] = int(ids.size)
        out["rows"] = n_rows
        if name == "EASE":
            out["check"] = ease_residual(model, users, items, n_items)
    out["peak_gb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9
    return out


def ease_residual(model, users, items, n_items) -> float:
    """max |(XᵀX + λI)_{−j,−j} b − (XᵀX)_{−j,j}| / max |(XᵀX)_{−j,j}| over three columns j,
    b = B_{−j,j}: the normal equations of the ridge regression of item j on the others."""
    import numpy as np
    from scipy import sparse

    X = sparse.csr_matrix(
        (np.ones(users.size), (users, items)), shape=(int(users.max()) + 1, n_items)
    )
    cols = model.items_.get_indexer(model.items_)  # training items are 0..n-1 here
    assert np.array_equal(cols, np.arange(len(cols)))
    worst = 0.0
    for j in (0, n_items // 2, n_items - 1):
        b = model.B_[:, j].copy()
        lhs = X.T @ (X @ b) + model.l2 * b
        rhs = np.asarray((X.T @ X[:, [j]]).todense()).ravel()
        keep = np.arange(n_items) != j
        worst = max(worst, float(np.abs(lhs - rhs)[keep].max() / np.abs(rhs[keep]).max()))
    return worst


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50_000)
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--interactions", type=int, default=2_000_000)
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS threads (default 2)")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=MODELS)
    parser.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.users, args.items, args.interactions)))
        return 0

    from tqdm import tqdm

    rows = []
    for name in tqdm(args.models, desc="models"):
        blas = "1" if name.startswith("ALS") else str(args.threads)
        env = {
            **os.environ,
            "OPENBLAS_NUM_THREADS": blas,
            "OMP_NUM_THREADS": blas,
            "MKL_NUM_THREADS": blas,
        }
        cmd = [sys.executable, __file__, "--child", name]
        cmd += ["--users", str(args.users), "--items", str(args.items)]
        cmd += ["--interactions", str(args.interactions)]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            tqdm.write(f"{name}: exit code {proc.returncode}\n{proc.stderr[-2000:]}")
            rows.append({"model": name, "crashed": proc.returncode})
            continue
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))

    print(
        f"\n{args.users:,} users × {args.items:,} items, {args.interactions:,} interactions "
        f"(synthetic, power-law popularity, seed {SEED}); BLAS threads: {args.threads} "
        "(ALS: 1, with 2 implicit threads); top 10 for every user"
    )
    header = f"{'model':16s} {'fit s':>8s} {'recommend s':>12s} {'users/s':>9s} {'peak GB':>8s}   previous version"
    print(header)
    print("-" * len(header))
    ok = True
    for r in rows:
        if "crashed" in r:
            print(f"{r['model']:16s} CRASHED (exit code {r['crashed']})   {BEFORE[r['model']]}")
            ok = False
            continue
        rate = r["users"] / r["recommend_s"]
        print(
            f"{r['model']:16s} {r['fit_s']:8.1f} {r['recommend_s']:12.1f} {rate:9.0f} "
            f"{r['peak_gb']:8.2f}   {BEFORE[r['model']]}"
        )
    by = {r["model"]: r for r in rows if "crashed" not in r}
    full = args.users == 50_000 and args.items == 20_000
    print("\ncheck                                   measured      target")
    if "EASE" in by:
        rate = by["EASE"]["users"] / by["EASE"]["recommend_s"]
        met = rate > 50_000 / 374 or not full
        ok &= met
        print(
            f"EASE recommend throughput (users/s)     {rate:10.0f}  > 134 {'' if met else 'MISSED'}"
        )
        met = by["EASE"]["check"] < 1e-6
        ok &= met
        print(
            f"EASE normal-equation residual (rel.)    {by['EASE']['check']:10.1e}  < 1e-6 "
            f"{'' if met else 'MISSED'}"
        )
    if "UserKNN" in by:
        met = by["UserKNN"]["peak_gb"] <= 4.0
        ok &= met
        print(
            f"UserKNN peak memory (GB)                {by['UserKNN']['peak_gb']:10.2f}  <= 4 "
            f"{'' if met else 'MISSED'}"
        )
    print(f"every model finished                    {len(by)} of {len(args.models)}")
    ok &= len(by) == len(args.models)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
