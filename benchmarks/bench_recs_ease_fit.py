"""EASE's fit on two cores at 16,000, 20,000 and 25,000 items: no crash, time, memory.

SciPy's bundled OpenBLAS (32-bit integers) crashed with a segmentation fault
in ``potrf``/``getri`` when run on two threads from 16,000-20,000 items, so
EASE factorized on one thread. It now runs ``potrf``/``potri`` multithreaded
on NumPy's own OpenBLAS (64-bit integers) from 4,096 to 20,000 items: this
benchmark's first run (OpenBLAS 0.3.31) found no crash at 16,000 and 20,000
items, but a segmentation fault in that ``potrf`` with two threads at 25,000.
Larger catalogues take ``ease._blocked_inverse``: the same Cholesky and
inverse written as matrix products (both cores), LAPACK on one thread only
for the 1,024 × 1,024 diagonal blocks (the last column says which route a
size takes). This benchmark
fits EASE at each size in its own process, with OPENBLAS_NUM_THREADS=2 (the
machine's two cores), one size after the other, and reports:

* the exit code (a crash is a negative signal number, e.g. -11 for SIGSEGV);
* fit time, and the inverse alone (the n³ part);
* CPU time / wall time of the inverse: about 2 when both cores work
  (lower when other processes share the machine);
* peak memory of the process (``ru_maxrss``): the n × n float64 matrix
  (2.0 GB at 16,000 items, 3.2 GB at 20,000, 5.0 GB at 25,000) plus the data;
* the solution's check: for three items j, the normal equations of the
  ridge regression of item j on the others,
  (XᵀX + λI)_{−j,−j} B_{−j,j} = (XᵀX)_{−j,j}, relative residual (< 1e-6).

Data: synthetic implicit feedback as in ``bench_recs_scale.py`` (power-law
popularity, seed 2026), 2.5 users and 100 interactions per item.

Run: python benchmarks/bench_recs_ease_fit.py                 (16k, 20k, 25k: ~10-20 min, 6 GB)
     python benchmarks/bench_recs_ease_fit.py --items 5000    (a quick check)
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

SIZES = (16_000, 20_000, 25_000)
THREADS = 2


def child(n_items: int) -> dict:
    import numpy as np
    import pandas as pd

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from bench_recs_scale import SEED, ease_residual, synthetic_implicit

    from xplab.recs import EASE, ease

    n_users = int(2.5 * n_items)
    users, items = synthetic_implicit(n_users, n_items, 100 * n_items, SEED)
    train = pd.DataFrame({"user_id": users, "item_id": items})
    timing: dict[str, float] = {}
    inverse = ease.inverse_positive_definite

    def timed_inverse(matrix: np.ndarray) -> np.ndarray:
        start, cpu = time.perf_counter(), _cpu()
        out = inverse(matrix)
        timing["inverse_s"] = time.perf_counter() - start
        timing["inverse_cpu_s"] = _cpu() - cpu
        return out

    ease.inverse_positive_definite = timed_inverse
    model = EASE(l2=500.0)
    start = time.perf_counter()
    model.fit(train)
    fit_s = time.perf_counter() - start
    return {
        "items": len(model.items_),
        "users": len(model.users_),
        "interactions": len(train),
        "fit_s": fit_s,
        **timing,
        "numpy_lapack": ease._numpy_lapack() is not None
        and ease._THREADED_FROM <= len(model.items_) <= ease._THREADED_UP_TO,
        "blocked": len(model.items_) > ease._THREADED_UP_TO,
        "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9,
        "check": ease_residual(model, users, items, n_items),
    }


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, nargs="*", default=list(SIZES))
    parser.add_argument("--threads", type=int, default=THREADS, help="BLAS threads (default 2)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0

    env = {**os.environ, "OPENBLAS_NUM_THREADS": str(args.threads)}
    print(
        f"EASE(l2=500) fit, BLAS threads {args.threads}, {os.cpu_count()} CPUs; "
        f"load average before {os.getloadavg()[0]:.2f}"
    )
    head = (
        f"{'items':>7s} {'users':>7s} {'exit':>5s} {'fit s':>8s} {'inverse s':>10s} "
        f"{'CPU/wall':>9s} {'peak GB':>8s} {'residual':>9s}  route"
    )
    print(head)
    print("-" * len(head))
    ok = True
    for n in args.items:
        proc = subprocess.run(
            [sys.executable, __file__, "--child", str(n)], env=env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            ok = False
            print(
                f"{n:7,d} {'':7s} {proc.returncode:5d} CRASHED\n{proc.stderr[-2000:]}", flush=True
            )
            continue
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        ok &= r["check"] < 1e-6
        route = (
            "blocked, matrix products on every core"
            if r.get("blocked")
            else "NumPy's OpenBLAS, threaded"
            if r["numpy_lapack"]
            else "SciPy, one thread"
        )
        print(
            f"{r['items']:7,d} {r['users']:7,d} {0:5d} {r['fit_s']:8.1f} {r['inverse_s']:10.1f} "
            f"{r['inverse_cpu_s'] / r['inverse_s']:9.2f} {r['peak_gb']:8.2f} "
            f"{r['check']:9.1e}  {route}",
            flush=True,
        )
    print(f"load average after {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
