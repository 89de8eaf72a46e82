"""Latency budget of the recommender service on a synthetic catalogue of N items.

    python benchmarks/bench_serving.py --items 1000000            # the full run
    python benchmarks/bench_serving.py --items 100000 --record    # also write the record

The same pipeline as notebook 08 (retrieval from an ANN index over 64-dimensional
embeddings + co-purchase + popular-now, 17 features, LightGBM LambdaRank, rules)
on :func:`xplab.serving.synthetic_catalogue` with N items and N users, seed 0:

1. ANN recall@100 against exact search (1,000 user queries), for HNSW and IVF,
   and the exact search's own latency (why an ANN index at all);
2. per-stage latency (p50/p95/p99 over --requests requests, one at a time, after
   a warm-up), with the in-process feature store and with Redis (a real
   redis-server: $XPLAB_REDIS_URL, else one started on a free loopback port);
   and what batching saves on Redis reads;
3. a closed-loop HTTP load test (uvicorn on 127.0.0.1 in a separate process) at
   1, 8 and 32 concurrent clients.

The machine is shared: the load average is printed beside every figure. Indexes
and the synthetic ranker are cached in data/cache/serving/ (git-ignored); the
first HNSW build at 10⁶ items takes minutes. ``--record`` writes the tables to
src/xplab/serving/recorded/ (notebook 08 shows that record). The last line is
``p50_ms=… p95_ms=… p99_ms=… recall_at_100=…`` (in-process, end to end).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from xplab import serving
from xplab.data._fetch import default_cache_dir

SEED = 0
DIM = 64
CACHE = default_cache_dir() / "cache" / "serving"
RECORD_DIR = Path(serving.__file__).parent / "recorded"
N_CANDIDATES = {"als": 300, "copurchase": 200, "popular": 100}
INDEX = {
    "hnsw": {"m": 32, "ef_construction": 80, "ef_search": 128},
    "ivf": {"n_probe": 64},  # n_lists: the power of two nearest 4√n (4,096 at 10⁶ items)
}


def index_params(kind: str, n_items: int) -> dict:
    params = dict(INDEX[kind])
    if kind == "ivf":
        params["n_lists"] = int(2 ** round(np.log2(4 * np.sqrt(n_items))))
    return params


RULES = serving.RuleSet(
    [serving.OutOfStock(), serving.CategoryCap(3), serving.SponsoredSlots((3,), 1)]
)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


def say(text: str) -> None:
    print(text, flush=True)


def catalogue(n_items: int) -> serving.ServingData:
    start = time.perf_counter()
    data = serving.synthetic_catalogue(n_items, n_items, dim=DIM, seed=SEED)
    say(f"catalogue: {data!r} in {time.perf_counter() - start:.0f} s")
    return data


def index(data: serving.ServingData, kind: str) -> serving.ANNIndex:
    start = time.perf_counter()
    idx = serving.cached_index(
        data.item_vectors,
        cache_dir=CACHE / "indexes",
        kind=kind,
        **index_params(kind, data.n_items),
    )
    say(
        f"{kind} index ready in {time.perf_counter() - start:.0f} s "
        f"(built once in {idx.build_seconds:.0f} s) — {load()}"
    )
    return idx


def ranker(data: serving.ServingData, generator: serving.CandidateGenerator) -> serving.Ranker:
    path = CACHE / f"ranker-synthetic-{data.n_items}-{SEED}.txt"
    if path.is_file():
        return serving.Ranker.load(path)
    start = time.perf_counter()
    store = serving.InProcessStore()
    serving.fill_store(store, data)
    users = np.random.default_rng(SEED).choice(data.n_users, size=400, replace=False)
    frame, x = serving.candidate_table(data, generator, store, np.sort(users))
    bought, _ = serving.synthetic_labels(x, serving.RANKER_FEATURES, seed=SEED)
    groups = frame.groupby("user", sort=False).size().to_numpy()
    model = serving.Ranker().fit(x, bought, groups)
    model.save(path)
    say(f"ranker trained on {len(x):,} synthetic rows in {time.perf_counter() - start:.0f} s")
    return model


def recall_table(data: serving.ServingData, indexes: dict) -> tuple[pd.DataFrame, float]:
    """Recall@100 of each index against exact search, and exact single-query latency."""
    import faiss

    exact = serving.ANNIndex(data.item_vectors, kind="exact")
    rng = np.random.default_rng(SEED + 1)
    queries = data.user_vectors[rng.choice(data.n_users, size=1_000, replace=False)]
    rows = {}
    faiss.omp_set_num_threads(2)
    for kind, idx in indexes.items():
        rows[kind] = {"recall@100": serving.ann_recall(idx, exact, queries, k=100)}
    faiss.omp_set_num_threads(1)
    for kind, idx in {"exact": exact, **indexes}.items():
        times = []
        for q in queries[:200]:
            t = time.perf_counter()
            idx.search(q, 100)
            times.append(1e3 * (time.perf_counter() - t))
        p50, p99 = np.percentile(times, [50, 99])
        rows.setdefault(kind, {}).update({"p50 ms": p50, "p99 ms": p99})
    rows["exact"]["recall@100"] = 1.0
    table = pd.DataFrame(rows).T[["recall@100", "p50 ms", "p99 ms"]]
    for kind, idx in indexes.items():
        table.loc[kind, "build s"] = idx.build_seconds
    return table, float(table.loc[next(iter(indexes)), "recall@100"])


def distribution_table(n: int = 100_000) -> pd.DataFrame:
    """HNSW recall@100 (the serving settings) on clustered vs isotropic vectors of one size."""
    import faiss

    faiss.omp_set_num_threads(2)
    rng = np.random.default_rng(SEED + 4)
    clustered = serving.synthetic_catalogue(n, 1_000, dim=DIM, seed=SEED)
    isotropic = rng.standard_normal((n, DIM), dtype=np.float32)
    isotropic /= np.linalg.norm(isotropic, axis=1, keepdims=True)
    queries = rng.standard_normal((1_000, DIM), dtype=np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    rows = {}
    for name, items, q in [
        ("clustered (the synthetic catalogue)", clustered.item_vectors, clustered.user_vectors),
        ("isotropic Gaussian", isotropic, queries),
    ]:
        idx = serving.cached_index(items, cache_dir=CACHE / "indexes", kind="hnsw", **INDEX["hnsw"])
        exact = serving.ANNIndex(items, kind="exact")
        rows[name] = {"recall@100": serving.ann_recall(idx, exact, q, k=100)}
    faiss.omp_set_num_threads(1)
    return pd.DataFrame(rows).T


def latency(service: serving.RecommendationService, users: np.ndarray, label: str) -> pd.DataFrame:
    before = load()
    report = serving.measure_latency(service, users, warmup=200)
    say(f"\n{label}: {report.requests:,} requests, one at a time ({before} before, {load()} after)")
    say(report.table.round(2).to_string())
    return report.table


def batching_table(store: serving.RedisStore, data: serving.ServingData) -> pd.DataFrame:
    """Reading 450 candidate items' features: in process vs Redis with each batching."""
    rng = np.random.default_rng(SEED + 2)
    local = serving.InProcessStore()
    local.write("item", data.item_features)
    rows = {}
    for name, reader, batching in [
        ("in process", local, None),
        ("Redis, one MGET", store, "mget"),
        ("Redis, pipeline of GETs", store, "pipeline"),
        ("Redis, one GET per key", store, "none"),
    ]:
        if batching is not None:
            store.batching = batching
        n = 20 if batching == "none" else 300
        times = []
        for _ in range(n):
            keys = rng.choice(data.n_items, size=450, replace=False)
            t = time.perf_counter()
            reader.read("item", keys)
            times.append(1e3 * (time.perf_counter() - t))
        rows[name] = dict(zip(["p50 ms", "p99 ms"], np.percentile(times, [50, 99]), strict=True))
    store.batching = "mget"
    return pd.DataFrame(rows).T


def http_table(n_items: int, users: np.ndarray, kind: str, n_requests: int) -> pd.DataFrame:
    port = serving.store.free_port()
    cmd = [
        sys.executable,
        __file__,
        "--serve",
        "--items",
        str(n_items),
        "--index",
        kind,
        "--port",
        str(port),
    ]
    server = subprocess.Popen(cmd)
    url = f"http://127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 900
        while True:
            try:
                if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("the benchmark's HTTP server did not start")
            time.sleep(1.0)
        serving.load_test(url, users[:200], concurrency=4, n_requests=200)  # warm-up
        rows = {}
        for c in (1, 8, 32):
            before = load()
            r = serving.load_test(url, users, concurrency=c, n_requests=n_requests)
            rows[c] = {
                "requests": r.requests,
                "errors": r.errors,
                "mean ms": r.mean_ms,
                "p50 ms": r.p50_ms,
                "p95 ms": r.p95_ms,
                "p99 ms": r.p99_ms,
                "requests/s": r.throughput,
                "in flight": r.in_flight,
                "load before": before,
            }
            say(f"HTTP, {c} clients: {r!r} ({before})")
        table = pd.DataFrame(rows).T
        table.index.name = "clients"
        return table
    finally:
        server.terminate()
        server.wait(timeout=30)


def build_service(data, kind, store, model) -> serving.RecommendationService:
    idx = index(data, kind)
    generator = serving.make_generator(data, index=idx, n=N_CANDIDATES)
    return serving.RecommendationService(data, store, generator, model, RULES)


def serve_forever(n_items: int, kind: str, port: int) -> None:
    """The HTTP server process of the load test (one uvicorn worker, loopback)."""
    import faiss
    import uvicorn

    faiss.omp_set_num_threads(1)
    data = catalogue(n_items)
    store = serving.InProcessStore()
    serving.fill_store(store, data)
    generator = serving.make_generator(data, index=index(data, kind), n=N_CANDIDATES)
    service = serving.RecommendationService(data, store, generator, ranker(data, generator), RULES)
    uvicorn.run(
        serving.make_app(service),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--index", choices=["hnsw", "ivf"], default="hnsw")
    parser.add_argument("--http-requests", type=int, default=2_000)
    parser.add_argument("--skip", nargs="*", default=[], choices=["redis", "http", "recall"])
    parser.add_argument("--record", action="store_true")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.items, args.index, args.port)
        return

    import faiss

    say(f"bench_serving: {args.items:,} items × {DIM} dims; {platform.node()}; {load()}")
    data = catalogue(args.items)
    record: dict = {
        "items": args.items,
        "users": data.n_users,
        "dim": DIM,
        "index": args.index,
        "index_params": index_params(args.index, args.items),
        "candidates": N_CANDIDATES,
        "requests": args.requests,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "load_start": load(),
    }
    kinds = [args.index] + [k for k in INDEX if k != args.index]
    indexes = {k: index(data, k) for k in (kinds if "recall" not in args.skip else kinds[:1])}
    recall = float("nan")
    if "recall" not in args.skip:
        table, recall = recall_table(data, indexes)
        say(f"\nANN vs exact search, 1,000 user queries, k = 100 ({load()})")
        say(table.round(3).to_string())
        record["ann"] = table.round(4).reset_index(names="index").to_dict("records")
        dist = distribution_table()
        say(f"\nHNSW recall@100 by vector distribution, 10⁵ × {DIM}\n" + dist.round(3).to_string())
        record["ann_distribution"] = dist.round(4).reset_index(names="vectors").to_dict("records")
    faiss.omp_set_num_threads(1)
    generator = serving.make_generator(data, index=indexes[args.index], n=N_CANDIDATES)
    model = ranker(data, generator)
    users = np.random.default_rng(SEED + 3).choice(data.n_users, size=args.requests, replace=False)

    store = serving.InProcessStore()
    serving.fill_store(store, data)
    service = serving.RecommendationService(data, store, generator, model, RULES)
    in_process = latency(service, users, "in-process feature store")
    record["in_process"] = in_process.round(3).reset_index(names="stage").to_dict("records")
    record["load_in_process"] = load()
    del store, service

    if "redis" not in args.skip:
        with redis_url() as url:
            redis_store = serving.RedisStore(url, prefix=f"bench{args.items}")
            try:
                start = time.perf_counter()
                serving.fill_store(redis_store, data)
                say(f"\nRedis filled in {time.perf_counter() - start:.0f} s ({url})")
                service = serving.RecommendationService(data, redis_store, generator, model, RULES)
                with_redis = latency(service, users, "Redis feature store")
                batching = batching_table(redis_store, data)
                say(f"\nreading 450 items' features ({load()})\n" + batching.round(3).to_string())
                record["redis"] = with_redis.round(3).reset_index(names="stage").to_dict("records")
                record["batching"] = batching.round(3).reset_index(names="read").to_dict("records")
                record["load_redis"] = load()
            finally:
                redis_store.clear()
        del service

    if "http" not in args.skip:
        del generator, indexes
        http = http_table(args.items, users, args.index, args.http_requests)
        say(f"\nHTTP, closed loop, {args.http_requests:,} requests per level\n" + http.to_string())
        record["http"] = http.reset_index().to_dict("records")

    t = in_process.loc["total"]
    if args.record:
        RECORD_DIR.mkdir(exist_ok=True)
        path = RECORD_DIR / f"bench_serving_{args.items}.json"
        path.write_text(json.dumps(record, indent=1, default=float) + "\n")
        say(f"\nrecorded in {path}")
    say(
        f"p50_ms={t['p50']:.2f} p95_ms={t['p95']:.2f} p99_ms={t['p99']:.2f} "
        f"recall_at_100={recall:.3f}"
    )


class redis_url:
    """$XPLAB_REDIS_URL, else a redis-server of our own on a free loopback port."""

    def __enter__(self) -> str:
        url = os.environ.get("XPLAB_REDIS_URL")
        if url:
            self._cm = None
            return url
        self._cm = serving.local_redis_server()
        return self._cm.__enter__()

    def __exit__(self, *exc) -> None:
        if self._cm is not None:
            self._cm.__exit__(*exc)


if __name__ == "__main__":
    main()
