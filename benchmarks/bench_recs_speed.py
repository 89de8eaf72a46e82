"""Speed: xplab's recommenders beside implicit's, measured in one run on the same data.

Data: synthetic implicit feedback, 20,000 users × 10,000 items × 1,000,000
distinct (user, item) pairs, drawn with a fixed seed. Item popularity is a
power law (the i-th most popular item is drawn with probability ∝ i^-0.8),
user activity is log-normal, and there is taste structure: items belong to
one of 40 tastes and each user draws 60 % of their items from their own
taste (so a model can beat popularity). 20 % of each user's items are held
out (``stratified_split``, seed 0) to score P@10.

Every model runs in its own processes (the data are generated once, cached in
a temporary file), one model after the other, with BLAS on 2 threads for xplab (EASE's
factorization uses both cores) and implicit's own 2 threads with BLAS on 1
(as implicit recommends). Measured per model:

* fit (s), after a fit on the first 500 users in the same process (its time
  printed apart as "warm-up"): the first fit in a process also loads what
  the model's code needs once, as implicit's thread pool or ItemKNN's
  compiled loop (numba: about 0.5 s from its cache, 2 s to compile it the
  very first time);
* recommend all: the top 10 of every training user, seen items excluded
  (xplab: ``recommend(all users)``, a DataFrame; implicit:
  ``recommend(all users, user_items)``, two arrays), s and users/s;
* peak memory of recommend all, in a second, fresh process that only loads
  the data and the pickled fitted model (so memory the fit freed cannot
  hide what the call needs), two ways: (1) the peak resident set size
  during the call above the resident size just before it (Linux: the
  high-water mark is reset through ``/proc/self/clear_refs`` and read from
  ``VmHWM``; freed heap returned first with ``malloc_trim``): all memory the
  call touches, Python or not; (2) ``tracemalloc``'s peak in a second call:
  the allocations Python and NumPy report (not BLAS's or implicit's C++
  buffers). Both include the result;
* the model's own size: the bytes of every array the fitted object holds
  (for xplab also the training matrices it keeps to exclude seen items);
* P@10 on the held-out 20 %;
* one user at a time (1,000 random training users, the same for every
  model): p50 of ``recommend([user])`` (a DataFrame), of ``top_items(user)``
  (two arrays: the serving call) and of the bare scoring path, the model's
  own score vector for that user's row (``_scores``: no validation, no id
  lookup, no exclusion, no ranking, no output); implicit: ``recommend(user,
  user_items[user])``.

Targets (issue 23), all ratios from this one run: ItemKNN fit ≤ 2× implicit's
item-item fit; recommend all ≤ 1.5× implicit ALS for ItemKNN, UserKNN and
Popularity, ≤ 4× for EASE; UserKNN fit ≤ 3× ALS fit; one-user ``recommend``
p50 ≤ 1.5× the bare scoring path (``top_items``' ratio is printed beside it,
not checked); peak memory of recommend all ≤ 2× the model's size.

Run: python benchmarks/bench_recs_speed.py             (about 5 minutes, ~3 GB)
     python benchmarks/bench_recs_speed.py --users 4000 --items 2000 --interactions 100000
     (a quick smoke run)
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

MODELS = (
    "implicit ALS",
    "implicit item-item cosine",
    "xplab EASE",
    "xplab ItemKNN",
    "xplab UserKNN",
    "xplab Popularity",
)
SEED = 2026
SPLIT_SEED = 0
THREADS = 2
K = 10
ONE_USER_CALLS = 1000
WARM_UP_USERS = 500


def synthetic(n_users: int, n_items: int, n_interactions: int, seed: int = SEED):
    """(user, item) index arrays of ``n_interactions`` distinct pairs with taste structure."""
    import numpy as np

    rng = np.random.default_rng(seed)
    n_tastes, focus = 40, 0.6
    weight = 1.0 / np.arange(1, n_items + 1) ** 0.8
    weight = weight[rng.permutation(n_items)]  # item index says nothing about popularity
    taste_of_item = rng.integers(0, n_tastes, n_items)
    taste_of_user = rng.integers(0, n_tastes, n_users)
    user_cdf = np.cumsum(rng.lognormal(0.0, 0.9, n_users))
    item_cdf = np.cumsum(weight)
    by_taste = np.argsort(taste_of_item, kind="stable")
    bounds = np.searchsorted(taste_of_item[by_taste], np.arange(n_tastes + 1))
    taste_cdf = [np.cumsum(weight[by_taste[bounds[t] : bounds[t + 1]]]) for t in range(n_tastes)]
    pairs = np.empty(0, dtype=np.int64)
    draw = int(n_interactions * 1.4)
    while pairs.size < n_interactions:  # repeated pairs are dropped: draw until enough are left
        users = np.searchsorted(user_cdf, rng.random(draw) * user_cdf[-1])
        items = np.searchsorted(item_cdf, rng.random(draw) * item_cdf[-1])
        own = rng.random(draw) < focus
        for t in range(n_tastes):
            pick = np.flatnonzero(own & (taste_of_user[users] == t))
            cdf = taste_cdf[t]
            at = np.searchsorted(cdf, rng.random(pick.size) * cdf[-1])
            items[pick] = by_taste[bounds[t] + at]
        pairs = np.unique(np.concatenate([pairs, users.astype(np.int64) * n_items + items]))
    pairs = rng.permutation(pairs)[:n_interactions]
    return pairs // n_items, pairs % n_items


def make_data(args: argparse.Namespace, path: Path) -> None:
    import numpy as np
    import pandas as pd

    from xplab.recs import stratified_split

    users, items = synthetic(args.users, args.items, args.interactions)
    train, test = stratified_split(
        pd.DataFrame({"user_id": users, "item_id": items}), test_size=0.2, seed=SPLIT_SEED
    )
    np.savez(
        path,
        train_user=train["user_id"].to_numpy(),
        train_item=train["item_id"].to_numpy(),
        test_user=test["user_id"].to_numpy(),
        test_item=test["item_id"].to_numpy(),
    )


# ----------------------------------------------------------------------------- memory


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def peak_rss_above_start(call) -> tuple[Any, float]:
    """``call()`` and the peak resident memory (bytes) it added, from the kernel's
    high-water mark (reset to the current size first)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)  # give freed heap back: it would hide new use
    except OSError:  # pragma: no cover - not glibc
        pass
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to VmRSS
    before = _status_kb("VmRSS")
    out = call()
    return out, (_status_kb("VmHWM") - before) * 1024.0


def traced_peak(call) -> float:
    gc.collect()
    tracemalloc.start()
    out = call()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del out
    return float(peak)


def nbytes(obj: Any, seen: set[int] | None = None) -> int:
    """Bytes of the arrays an object holds (NumPy, SciPy sparse, pandas indexes),
    following attributes, dicts and lists; each array counted once."""
    import numpy as np
    import pandas as pd
    from scipy import sparse

    seen = set() if seen is None else seen
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    if isinstance(obj, np.ndarray):
        base = obj if obj.base is None else obj.base
        return 0 if base is not obj and id(base) in seen else obj.nbytes
    if sparse.issparse(obj):
        return sum(nbytes(getattr(obj, a), seen) for a in ("data", "indices", "indptr"))
    if isinstance(obj, pd.Index):
        return int(obj.memory_usage(deep=True))
    if isinstance(obj, dict):
        return sum(nbytes(v, seen) for v in obj.values())
    if isinstance(obj, list | tuple):
        return sum(nbytes(v, seen) for v in obj)
    if hasattr(obj, "__dict__") and not isinstance(obj, type):
        return nbytes(vars(obj), seen)
    return 0


# ----------------------------------------------------------------------------- one model


def p50_ms(calls: dict[str, Any], arguments: dict[str, Any]) -> dict[str, float]:
    """p50 (ms) of each call over its arguments, the calls interleaved for each
    argument (in turn first): a change of load affects them alike."""
    import numpy as np

    names = list(calls)
    times = {name: np.empty(len(arguments[name])) for name in names}
    for i in range(len(arguments[names[0]])):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            start = time.perf_counter()
            calls[name](arguments[name][i])
            times[name][i] = time.perf_counter() - start
    return {name: float(np.median(t) * 1e3) for name, t in times.items()}


def _load(data_path: str):
    import numpy as np
    import pandas as pd
    from scipy import sparse

    d = np.load(data_path)
    train = pd.DataFrame({"user_id": d["train_user"], "item_id": d["train_item"]})
    test = pd.DataFrame({"user_id": d["test_user"], "item_id": d["test_item"]})
    shape = (
        int(max(train["user_id"].max(), test["user_id"].max())) + 1,
        int(max(train["item_id"].max(), test["item_id"].max())) + 1,
    )
    X = sparse.csr_matrix(
        (np.ones(len(train), dtype=np.float32), (train["user_id"], train["item_id"])), shape=shape
    )
    return train, test, X, np.sort(train["user_id"].unique())


def _recommend_all(name: str, model: Any, X: Any, users: Any):
    """The recommend-all call of a fitted model: top K for every training user."""
    if name.startswith("implicit"):
        Xu = X[users]
        return lambda: model.recommend(users, Xu, N=K, filter_already_liked_items=True)[0]
    return lambda: model.recommend(users, k=K)


def _model_bytes(name: str, model: Any) -> float:
    if name == "implicit ALS":
        return float(model.user_factors.nbytes + model.item_factors.nbytes)
    if name.startswith("implicit"):
        return float(nbytes(model.similarity))
    return float(nbytes(model))


def child(name: str, data_path: str, repeat: int, model_path: str) -> dict:
    """Fit, time, score; the fitted model is pickled for :func:`memory_child`."""
    import pickle

    import numpy as np
    import pandas as pd

    from xplab.recs import EASE, ItemKNN, Popularity, UserKNN, precision_at_k

    train, test, X, users = _load(data_path)
    one = np.random.default_rng(1).choice(
        users, size=min(ONE_USER_CALLS, users.size), replace=False
    )
    out: dict[str, Any] = {"model": name, "users": int(users.size)}
    if name.startswith("implicit"):
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.nearest_neighbours import CosineRecommender

        def make() -> Any:
            if name == "implicit ALS":
                return AlternatingLeastSquares(random_state=0, num_threads=THREADS)
            return CosineRecommender(K=100, num_threads=THREADS)

        start = time.perf_counter()
        make().fit(X[:WARM_UP_USERS], show_progress=False)
        out["warm_up_s"] = time.perf_counter() - start
        model = make()
        start = time.perf_counter()
        model.fit(X, show_progress=False)
        out["fit_s"] = time.perf_counter() - start
        out["one_user_p50_ms"] = p50_ms(
            {"one": lambda u: model.recommend(u, X[u], N=K)}, {"one": one}
        )["one"]
        to_frame = lambda ids: pd.DataFrame(  # noqa: E731
            {
                "user_id": np.repeat(users, K),
                "item_id": ids.ravel(),
                "rank": np.tile(np.arange(1, K + 1), users.size),
            }
        )
    else:
        make = {
            "xplab EASE": lambda: EASE(l2=500.0),
            "xplab ItemKNN": lambda: ItemKNN(k=100),
            "xplab UserKNN": lambda: UserKNN(k=40, similarity="binary"),
            "xplab Popularity": Popularity,
        }[name]
        start = time.perf_counter()
        make().fit(train[train["user_id"].isin(users[:WARM_UP_USERS])])
        out["warm_up_s"] = time.perf_counter() - start
        model = make()
        start = time.perf_counter()
        model.fit(train)
        out["fit_s"] = time.perf_counter() - start
        to_frame = lambda frame: frame  # noqa: E731
        rows = model.users_.get_indexer(one)
        p50 = p50_ms(
            {
                "one": lambda u: model.recommend([u], k=K),
                "top": lambda u: model.top_items(u, k=K),
                "bare": lambda r: model._scores(np.array([r])),
            },
            {"one": one, "top": one, "bare": rows},
        )
        out["one_user_p50_ms"] = p50["one"]
        out["top_items_p50_ms"] = p50["top"]
        out["bare_p50_ms"] = p50["bare"]
    recommend_all = _recommend_all(name, model, X, users)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        top = recommend_all()
        times.append(time.perf_counter() - start)
    out["recommend_s"] = float(np.median(times))
    top = to_frame(top)
    out["p_at_10"] = precision_at_k(test, top[top["user_id"].isin(test["user_id"])], k=K)
    out["model_bytes"] = _model_bytes(name, model)
    with open(model_path, "wb") as f:
        pickle.dump(model, f, protocol=5)
    return out


def memory_child(name: str, data_path: str, model_path: str) -> dict:
    """Peak memory of recommend-all in a fresh process that only loaded the model
    and the data: the fit's freed memory cannot hide what the call needs."""
    import pickle

    _, _, X, users = _load(data_path)
    with open(model_path, "rb") as f:
        model = pickle.load(f)
    recommend_all = _recommend_all(name, model, X, users)
    recs, peak = peak_rss_above_start(recommend_all)
    del recs
    return {"peak_rss_bytes": peak, "peak_traced_bytes": traced_peak(recommend_all)}


# ----------------------------------------------------------------------------- report


def report(rows: list[dict], args: argparse.Namespace) -> bool:
    by = {r["model"]: r for r in rows if "crashed" not in r}
    als = by.get("implicit ALS")
    item_item = by.get("implicit item-item cosine")
    print(
        f"\n{args.users:,} users × {args.items:,} items, {args.interactions:,} interactions "
        f"(synthetic, power-law popularity, 40 tastes, seed {SEED}; 20 % held out); "
        f"top {K}; {os.cpu_count()} CPUs; load average before the run "
        f"{args.load_before:.2f}, after {os.getloadavg()[0]:.2f}"
    )
    head = (
        f"{'model':26s} {'warm-up s':>9s} {'fit s':>7s} {'×ALS':>6s} {'rec. all s':>10s} {'×ALS':>6s} "
        f"{'users/s':>8s} {'peak MB':>8s} {'traced MB':>9s} {'model MB':>8s} "
        f"{'peak/model':>10s} {'P@10':>6s} {'1 user ms':>9s} {'top_items':>9s} "
        f"{'bare ms':>7s} {'top/bare':>8s}"
    )
    print(head)
    print("-" * len(head))
    for name in MODELS:
        r = by.get(name)
        if r is None:
            print(f"{name:26s} {'CRASHED' if name in args.models else 'not run'}")
            continue
        fit_x = r["fit_s"] / als["fit_s"] if als else float("nan")
        rec_x = r["recommend_s"] / als["recommend_s"] if als else float("nan")
        bare = r.get("bare_p50_ms")
        top = r.get("top_items_p50_ms")
        print(
            f"{name:26s} {r['warm_up_s']:9.2f} {r['fit_s']:7.2f} {fit_x:6.2f} {r['recommend_s']:10.2f} {rec_x:6.2f} "
            f"{r['users'] / r['recommend_s']:8,.0f} {r['peak_rss_bytes'] / 1e6:8.1f} "
            f"{r['peak_traced_bytes'] / 1e6:9.1f} {r['model_bytes'] / 1e6:8.1f} "
            f"{r['peak_rss_bytes'] / r['model_bytes']:10.2f} {r['p_at_10']:6.3f} "
            f"{r['one_user_p50_ms']:9.3f} "
            + (f"{top:9.3f} {bare:7.3f} {top / bare:8.2f}" if bare else f"{'':9s} {'':7s} {'':8s}")
        )
    print("\ntarget (issue 23)                                     measured   target  result")
    ok = True

    def check(label: str, value: float, limit: float) -> None:
        nonlocal ok
        met = value <= limit
        ok &= met
        print(f"{label:53s} {value:8.2f}   ≤ {limit:<5g} {'pass' if met else 'MISS'}")

    if als and item_item and "xplab ItemKNN" in by:
        check(
            "ItemKNN fit / implicit item-item fit",
            by["xplab ItemKNN"]["fit_s"] / item_item["fit_s"],
            2,
        )
    for name, limit in (("ItemKNN", 1.5), ("UserKNN", 1.5), ("Popularity", 1.5), ("EASE", 4)):
        if als and f"xplab {name}" in by:
            r = by[f"xplab {name}"]
            check(
                f"{name} recommend all / ALS recommend all",
                r["recommend_s"] / als["recommend_s"],
                limit,
            )
    if als and "xplab UserKNN" in by:
        check("UserKNN fit / ALS fit", by["xplab UserKNN"]["fit_s"] / als["fit_s"], 3)
    for name in ("EASE", "ItemKNN", "UserKNN", "Popularity"):
        r = by.get(f"xplab {name}")
        if r:
            check(
                f"{name} one user: recommend p50 / bare scoring p50",
                r["one_user_p50_ms"] / r["bare_p50_ms"],
                1.5,
            )
    for name in ("EASE", "ItemKNN", "UserKNN", "Popularity"):
        r = by.get(f"xplab {name}")
        if r:
            print(
                f"{name + ' one user: top_items p50 / bare scoring p50':53s} "
                f"{r['top_items_p50_ms'] / r['bare_p50_ms']:8.2f}   (not the target: two arrays)"
            )
    for name in ("EASE", "ItemKNN", "UserKNN", "Popularity"):
        r = by.get(f"xplab {name}")
        if r:
            check(
                f"{name} recommend all: peak memory / model size",
                r["peak_rss_bytes"] / r["model_bytes"],
                2,
            )
    ok &= len(by) == len(args.models)
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--interactions", type=int, default=1_000_000)
    parser.add_argument(
        "--repeat", type=int, default=1, help="recommend-all runs per model (median)"
    )
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=MODELS)
    parser.add_argument("--child", choices=MODELS, help=argparse.SUPPRESS)
    parser.add_argument("--memory", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--data", help=argparse.SUPPRESS)
    parser.add_argument("--model-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child and args.memory:
        print(json.dumps(memory_child(args.child, args.data, args.model_file)))
        return 0
    if args.child:
        print(json.dumps(child(args.child, args.data, args.repeat, args.model_file)))
        return 0

    args.load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.npz"
        make_data(args, data)
        for name in args.models:
            blas = "1" if name.startswith("implicit") else str(THREADS)
            env = {**os.environ, "OPENBLAS_NUM_THREADS": blas}
            cmd = [sys.executable, __file__, "--child", name, "--data", str(data)]
            cmd += ["--model-file", str(Path(tmp) / "model.pkl")]
            print(f"{name} ...", flush=True)
            row: dict[str, Any] = {"model": name}
            for extra in (["--repeat", str(args.repeat)], ["--memory"]):
                proc = subprocess.run(cmd + extra, env=env, capture_output=True, text=True)
                if proc.returncode != 0:
                    print(f"{name}: exit code {proc.returncode}\n{proc.stderr[-3000:]}")
                    row["crashed"] = proc.returncode
                    break
                row.update(json.loads(proc.stdout.strip().splitlines()[-1]))
            rows.append(row)
    return 0 if report(rows, args) else 1


if __name__ == "__main__":
    sys.exit(main())
