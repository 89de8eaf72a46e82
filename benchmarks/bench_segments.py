"""k-means stability: the figures notebook 09 quotes, and the method on data with a
known answer.

1. Online Retail as of 1 September 2011 (notebook 09's customers, pseudonymised):
   mean, sd, minimum and 10th percentile of the adjusted Rand index between the
   k-means fits of 20 bootstrap pairs, for k = 2..8, and the silhouette of the fit
   on all customers; the k chosen by the notebook's rule (k in 3..8, mean ARI
   >= 0.85, highest silhouette). ``--write`` stores them in
   ``src/xplab/exercises/nb09_stability.json``, which the notebook reads
   (``tests/exercises/test_nb09_cache.py`` checks that a fresh run reproduces it).
2. The method where the truth is known: on five simulated data sets with three
   well-separated groups the rule must choose k = 3; on five without any cluster
   structure (one round Gaussian blob of log-features) no k from 3 to 8 may look
   stable. (A uniform cube is not structureless for k-means: its 2 x 2 x 2 split into
   eight corners is nearly as stable as real groups.)

Needs $XPLAB_DATA_DIR (or a downloaded copy) for part 1. About two minutes.

    python benchmarks/bench_segments.py [--write]
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import pandas as pd

from xplab.exercises import nb09
from xplab.segments import kmeans_stability

COLUMNS = ["recency_days", "frequency", "monetary"]


def separated(seed: int, n: int = 1_500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    centres = np.array([[2.0, 3.0, 8.0], [4.0, 1.8, 6.0], [5.5, 1.0, 4.0]])
    logs = np.maximum(centres[rng.integers(0, 3, n)] + rng.normal(0, 0.2, (n, 3)), 0.0)
    return pd.DataFrame(np.expm1(logs), columns=COLUMNS)


def structureless(seed: int, n: int = 1_500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    logs = np.maximum(rng.normal(3.0, 0.5, (n, 3)), 0.0)  # one round blob: no groups
    return pd.DataFrame(np.expm1(logs), columns=COLUMNS)


def main(write: bool) -> bool:
    t0 = time.perf_counter()
    s = nb09.compute_stability(show_progress=True)
    print(
        f"Online Retail, {s.n_customers:,} customers known on {nb09.AS_OF}, "
        f"{s.n_pairs} bootstrap pairs per k"
    )
    print(s.table.round(3).to_string())
    chosen = s.choose(ks=nb09.K_RANGE, min_ari=nb09.MIN_ARI)
    print(
        f"chosen k (k in {nb09.K_RANGE.start}..{nb09.K_RANGE.stop - 1}, "
        f"mean ARI >= {nb09.MIN_ARI}, best silhouette): {chosen} (notebook: {nb09.K})"
    )
    ok = chosen == nb09.K
    if write:
        path = nb09._STABILITY_FILE
        path.write_text(json.dumps(nb09.stability_to_json(s), indent=1) + "\n")
        print(f"wrote {path}")
    print("\nKnown answers (5 data sets each, 10 pairs per k):")
    print(f"{'data':<16} {'seed':>4}  {'chosen k':>8}  mean ARI for k = 3..8")
    for seed in range(5):
        good = kmeans_stability(separated(seed), range(2, 9), n_pairs=10, seed=seed)
        k = good.choose(ks=nb09.K_RANGE, min_ari=nb09.MIN_ARI)
        ok = ok and k == 3
        aris = " ".join(f"{v:.2f}" for v in good.table.loc[3:, "ari_mean"])
        print(f"{'three groups':<16} {seed:>4}  {k:>8}  {aris}")
    for seed in range(5):
        bad = kmeans_stability(structureless(seed), range(3, 9), n_pairs=10, seed=seed)
        stable = bad.table.index[bad.table["ari_mean"] >= nb09.MIN_ARI].tolist()
        ok = ok and not stable
        aris = " ".join(f"{v:.2f}" for v in bad.table["ari_mean"])
        print(f"{'no structure':<16} {seed:>4}  {'none' if not stable else stable!s:>8}  {aris}")
    print(f"\n{'all checks pass' if ok else 'A CHECK FAILED'} ({time.perf_counter() - t0:.0f} s)")
    return ok


if __name__ == "__main__":
    sys.exit(0 if main("--write" in sys.argv[1:]) else 1)
