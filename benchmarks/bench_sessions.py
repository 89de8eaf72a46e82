"""Cold-start tiers and the filter bubble in the news-reader simulator, over 20 populations.

Run:  XPLAB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/bench_sessions.py

What it measures (the script exits 1 if a target is missed):

* cold start (:func:`xplab.recs.cold_start_sessions`): for each of 20 seeds, a
  new population of 2,000 readers on the BBC catalog (default click model);
  readers 0–999 make last week's log (30,000 random impressions over 7 days,
  recency-weighted popularity with a one-day half-life), and 250 new readers
  get 20 impressions under each tier. Reported: mean expected CTR over the 20
  impressions and over impressions 1–5 and 16–20, with its standard error
  over seeds. Target: random < popularity < session < onboarding over the 20
  impressions, each gap larger than 3 standard errors of the paired
  difference.
* filter bubble (:func:`xplab.recs.filter_bubble`): 200 readers per population,
  30 rounds of 5-article slates, greedy / ε-greedy (ε = 0.2) / MMR (λ = 0.7).
  Reported: CTR and the mean slate topic entropy in rounds 1 and 30.
  Targets: greedy's entropy in round 30 is below a quarter of round 1's; ε-greedy
  and MMR end at least 0.3 bits above greedy.
"""

from __future__ import annotations

import itertools
import sys
import time

import numpy as np
import pandas as pd
from tqdm import tqdm

from xplab import recs
from xplab.data import NewsReaders, load_bbc_news

N_SEEDS = 20
N_READERS = 2_000
EXISTING = np.arange(1_000)
NEW = np.arange(1_000, 1_250)
LOG_IMPRESSIONS = 30_000
DAYS = 7.0
N_IMPRESSIONS = 20
TIERS = ("random", "popularity", "session", "onboarding")
POLICIES = ("greedy", "epsilon-greedy", "mmr")


def hybrid_for(readers: NewsReaders, content: recs.TfidfRecommender, rng: np.random.Generator):
    users = rng.choice(EXISTING, size=LOG_IMPRESSIONS)
    articles = readers.article_ids[rng.integers(len(readers.article_ids), size=LOG_IMPRESSIONS)]
    clicked = readers.click(users, articles, seed=rng).astype(bool)
    log = pd.DataFrame(
        {"article_id": articles[clicked], "timestamp": rng.uniform(0, DAYS, clicked.sum())}
    )
    popularity = recs.recency_popularity(log, half_life=1.0, now=DAYS)
    return recs.HybridRecommender(content, popularity)


def mean_se(values: np.ndarray) -> str:
    return f"{values.mean():.4f} ± {values.std(ddof=1) / np.sqrt(values.size):.4f}"


def main() -> int:
    start = time.perf_counter()
    news = load_bbc_news(download=False)
    content = recs.TfidfRecommender().fit(news)
    cold = {t: [] for t in TIERS}
    bubble = {p: [] for p in POLICIES}
    for seed in tqdm(range(N_SEEDS), desc="populations"):
        rng = np.random.default_rng(1_000 + seed)
        readers = NewsReaders(news, n_users=N_READERS, seed=seed)
        hybrid = hybrid_for(readers, content, rng)
        for tier in TIERS:
            r = recs.cold_start_sessions(
                readers, hybrid, tier=tier, users=NEW, n_impressions=N_IMPRESSIONS, seed=rng
            )
            e = r.expected_ctr
            cold[tier].append((r.ctr, e[:5].mean(), e[15:].mean()))
        for policy in POLICIES:
            b = recs.filter_bubble(readers, policy=policy, users=NEW[:200], n_rounds=30, seed=rng)
            bubble[policy].append((b.ctr, b.entropy_first, b.entropy_last))

    ok = True
    print(f"\nCold start: expected CTR of new readers, mean ± SE over {N_SEEDS} populations\n")
    c = {t: np.array(v) for t, v in cold.items()}
    table = pd.DataFrame(
        {
            t: {
                "impressions 1-20": mean_se(v[:, 0]),
                "1-5": mean_se(v[:, 1]),
                "16-20": mean_se(v[:, 2]),
            }
            for t, v in c.items()
        }
    ).T
    print(table.to_string())
    print()
    for lo, hi in itertools.pairwise(TIERS):
        d = c[hi][:, 0] - c[lo][:, 0]
        z = d.mean() / (d.std(ddof=1) / np.sqrt(d.size))
        passed = z > 3
        ok &= passed
        print(
            f"{hi} - {lo}: {d.mean():+.4f} (paired z = {z:.1f}; target > 3) "
            f"{'OK' if passed else 'MISSED'}"
        )

    print(f"\nFilter bubble: 200 readers, 30 rounds of 5, mean ± SE over {N_SEEDS} populations\n")
    b = {p: np.array(v) for p, v in bubble.items()}
    table = pd.DataFrame(
        {
            p: {
                "CTR": mean_se(v[:, 0]),
                "entropy round 1 (bits)": mean_se(v[:, 1]),
                "entropy round 30": mean_se(v[:, 2]),
            }
            for p, v in b.items()
        }
    ).T
    print(table.to_string())
    print()
    g = b["greedy"]
    passed = g[:, 2].mean() < 0.25 * g[:, 1].mean()
    ok &= passed
    print(
        f"greedy narrows: round 30 {g[:, 2].mean():.3f} vs round 1 {g[:, 1].mean():.3f} "
        f"(target < 1/4) {'OK' if passed else 'MISSED'}"
    )
    for p in ("epsilon-greedy", "mmr"):
        gap = b[p][:, 2].mean() - g[:, 2].mean()
        passed = gap >= 0.3
        ok &= passed
        print(
            f"{p} ends {gap:+.3f} bits above greedy (target >= 0.3) {'OK' if passed else 'MISSED'}"
        )
    print(f"\n{time.perf_counter() - start:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
