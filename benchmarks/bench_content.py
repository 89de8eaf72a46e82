"""Validation of ``xplab.recs.content`` and ``xplab.recs.rerank`` on BBC News.

Run:  XPLAB_DATA_DIR=/work/shared/data .venv/bin/python benchmarks/bench_content.py

What it measures (the script exits 1 if a target is missed):

* the distribution of pairwise TF-IDF cosines among near-duplicate candidates
  (pairs with cos ≥ 0.5), split into identical bodies and different bodies,
  with examples around the chosen threshold — the evidence for
  ``DUPLICATE_THRESHOLD``;
* topic precision of ``TfidfRecommender.similar``: for every one of the 2,225
  articles, the share of its 5 most similar non-duplicate articles in the
  same topic (target ≥ 0.9);
* speed of ``similar`` for all 2,225 articles: one call per article against
  one batched call ``similar(all_ids, k=5)`` (on a freshly fitted model, so
  the batch pays for listing the near-duplicate pairs), which must return the
  same lists and be at least 5× faster (target); plain scikit-learn (cosine
  matrix + ``argpartition``, no near-duplicate filter) is timed beside them;
* MMR: for every article, the 50 most similar non-duplicates are re-ranked to
  10 by :func:`xplab.recs.rerank.mmr` (relevance = cosine to the article,
  similarity = TF-IDF cosine) for λ from 1 down to 0. Diversity must rise
  monotonically as λ falls (target); its relevance cost (mean cosine of the
  list to the article, and same-topic share) is reported.
"""

from __future__ import annotations

import itertools
import sys
import time

import numpy as np
import pandas as pd
from sklearn.metrics.pairwise import cosine_similarity
from tqdm import tqdm

from xplab.data import load_bbc_news
from xplab.recs import TfidfRecommender, intra_list_diversity, mmr
from xplab.recs.content import DUPLICATE_THRESHOLD
from xplab.recs.rerank import list_diversity, topic_entropy

K_TOPIC = 5
TOPIC_TARGET = 0.9
SPEEDUP_TARGET = 5.0
N_CANDIDATES = 50
K_LIST = 10
LAMBDAS = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0)


def main() -> int:
    start = time.perf_counter()
    news = load_bbc_news(download=False)
    rec = TfidfRecommender().fit(news)
    V = rec.vectors_
    S = (V @ V.T).toarray()
    np.fill_diagonal(S, 0.0)
    body = news["body"].to_numpy()
    topic = news["category"].astype(str).to_numpy()
    ids = news["article_id"].to_numpy()
    print(
        f"BBC News: {len(news):,} articles, {V.shape[1]:,} TF-IDF terms, fitted in "
        f"{time.perf_counter() - start:.1f} s\n"
    )

    # 1. near-duplicates
    iu, ju = np.triu_indices_from(S, 1)
    cos = S[iu, ju]
    same_body = body[iu] == body[ju]
    edges = [0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.98, 1.0001]
    rows = []
    for lo, hi in itertools.pairwise(edges):
        inside = (cos >= lo) & (cos < hi)
        rows.append(
            {
                "cosine": f"[{lo:.2f}, {min(hi, 1):.2f}{']' if hi > 1 else ')'}",
                "identical bodies": int((inside & same_body).sum()),
                "different bodies": int((inside & ~same_body).sum()),
                "same topic": f"{(topic[iu][inside] == topic[ju][inside]).mean():.0%}"
                if inside.any()
                else "-",
            }
        )
    print(
        f"Pairs of articles by TF-IDF cosine (threshold for near-duplicates: {DUPLICATE_THRESHOLD})"
    )
    print(pd.DataFrame(rows).to_string(index=False))
    print(
        f"min cosine of identical-body pairs: {cos[same_body].min():.3f} "
        f"({int(same_body.sum())} pairs)"
    )
    print("\nDifferent-body pairs around the threshold (cos in [0.7, 0.9)):")
    near = np.flatnonzero((cos >= 0.7) & (cos < 0.9) & ~same_body)
    for p in near[np.argsort(-cos[near])]:
        i, j = iu[p], ju[p]
        print(f"  {cos[p]:.3f}  {news.title[i][:38]:<38} | {news.title[j][:38]}")
    blocked = (S >= DUPLICATE_THRESHOLD).any(axis=1)
    print(f"\narticles with at least one near-duplicate: {int(blocked.sum())}")

    # 2. topic precision of similar(), one article at a time and batched
    t0 = time.perf_counter()
    one = [rec.similar(a, k=K_TOPIC) for a in tqdm(ids, desc="similar(k=5)", leave=False)]
    t_one = time.perf_counter() - t0
    fresh = TfidfRecommender().fit(news)
    t0 = time.perf_counter()
    batch = fresh.similar(list(ids), k=K_TOPIC)
    t_batch = time.perf_counter() - t0
    t0 = time.perf_counter()
    sims = cosine_similarity(fresh.vectors_)
    np.fill_diagonal(sims, -np.inf)
    part = np.argpartition(-sims, K_TOPIC, axis=1)[:, :K_TOPIC]
    np.take_along_axis(sims, part, axis=1).argsort(axis=1)
    t_sklearn = time.perf_counter() - t0
    stacked = pd.concat([o.assign(query_id=a) for a, o in zip(ids, one, strict=True)])
    same_lists = bool(
        np.array_equal(batch["article_id"].to_numpy(), stacked["article_id"].to_numpy())
        and np.array_equal(batch["query_id"].to_numpy(), stacked["query_id"].to_numpy())
        and np.allclose(batch["score"].to_numpy(), stacked["score"].to_numpy(), rtol=0, atol=1e-12)
    )
    speedup = t_one / t_batch
    speed_ok = same_lists and speedup >= SPEEDUP_TARGET
    top5 = batch["article_id"].to_numpy().reshape(len(ids), K_TOPIC)
    share = (topic[rec.positions(top5.ravel())].reshape(top5.shape) == topic[:, None]).mean(axis=1)
    by_topic = pd.Series(share).groupby(topic).mean()
    topic_ok = share.mean() >= TOPIC_TARGET
    print(f"\nShare of the {K_TOPIC} most similar non-duplicate articles in the same topic")
    print(by_topic.rename("share").map("{:.3f}".format).to_string())
    print(
        f"all articles: {share.mean():.4f}   target >= {TOPIC_TARGET}   "
        f"{'OK' if topic_ok else 'MISSED'}"
    )
    print(
        f"\nsimilar(k={K_TOPIC}) for all {len(ids):,} articles: one call each {t_one:.2f} s "
        f"({1e3 * t_one / len(ids):.2f} ms per article); batched {t_batch:.2f} s "
        f"({1e3 * t_batch / len(ids):.2f} ms per article); speed-up {speedup:.1f}×, target >= "
        f"{SPEEDUP_TARGET:g}×; same lists: {same_lists}   {'OK' if speed_ok else 'MISSED'}"
    )
    print(
        f"plain scikit-learn (cosine matrix + argpartition, no near-duplicate filter): "
        f"{t_sklearn:.2f} s ({1e3 * t_sklearn / len(ids):.2f} ms per article)"
    )

    # 3. MMR frontier
    onehot = pd.get_dummies(pd.Series(topic, index=ids)).astype(float)
    results = {lam: [] for lam in LAMBDAS}
    frames: dict[float, list[pd.DataFrame]] = {lam: [] for lam in LAMBDAS}
    for n, a in enumerate(tqdm(ids, desc="MMR", leave=False)):
        cand = rec.similar(a, k=N_CANDIDATES)
        pos = rec.positions(cand["article_id"])
        sim = S[np.ix_(pos, pos)] + np.eye(pos.size)
        rel = cand["score"].to_numpy()
        for lam in LAMBDAS:
            out = mmr(cand["article_id"].to_numpy(), rel, sim, lambda_=lam, k=K_LIST)
            p = rec.positions(out["item_id"])
            results[lam].append(
                (
                    out["score"].mean(),
                    np.mean(topic[p] == topic[n]),
                    list_diversity(S[np.ix_(p, p)] + np.eye(p.size)),
                    topic_entropy(topic[p]),
                )
            )
            frames[lam].append(out.assign(user_id=a)[["user_id", "item_id", "rank"]])
    rows = []
    for lam in LAMBDAS:
        r = np.mean(results[lam], axis=0)
        ild = intra_list_diversity(pd.concat(frames[lam]), onehot, k=K_LIST)
        rows.append(
            {
                "lambda": lam,
                "relevance (mean cos)": r[0],
                "same-topic share": r[1],
                "diversity (1 - mean cos)": r[2],
                "topic ILD": ild,
                "topic entropy (bits)": r[3],
            }
        )
    frontier = pd.DataFrame(rows)
    div = frontier["diversity (1 - mean cos)"].to_numpy()
    monotone = bool(np.all(np.diff(div) >= 0))
    print(
        f"\nMMR: top {N_CANDIDATES} similar articles re-ranked to {K_LIST}, mean over "
        f"{len(ids):,} articles"
    )
    print(frontier.to_string(index=False, float_format="{:.4f}".format))
    base = frontier.iloc[0]
    for lam in (0.7, 0.5):
        row = frontier[frontier["lambda"] == lam].iloc[0]
        print(
            f"lambda={lam}: diversity {row['diversity (1 - mean cos)'] - base['diversity (1 - mean cos)']:+.4f}, "
            f"relevance {row['relevance (mean cos)'] / base['relevance (mean cos)'] - 1:+.1%} "
            "vs lambda=1"
        )
    print(f"diversity rises monotonically as lambda falls: {'OK' if monotone else 'MISSED'}")
    print(f"\ntotal time {time.perf_counter() - start:.0f} s")
    return 0 if topic_ok and monotone and speed_ok else 1


if __name__ == "__main__":
    sys.exit(main())
