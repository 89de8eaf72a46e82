r"""Re-ranking for diversity, and measures of how varied one list is.

**Maximal marginal relevance** (Carbonell & Goldstein, SIGIR 1998) builds the
list one item at a time, taking among the remaining candidates R \ S

    argmax_i  λ · rel(i) − (1 − λ) · max_{j ∈ S} sim(i, j),

so each pick trades its relevance against its similarity to what is already
chosen (the max is 0 while S is empty). λ = 1 is the relevance ranking;
smaller λ buys diversity at a cost in relevance.

**Diversity of one list.** :func:`list_diversity` is the intra-list
diversity 1 − mean pairwise similarity, from a similarity matrix (the form MMR
uses; :func:`xplab.recs.intra_list_diversity` computes the same quantity as
1 − cosine of item *feature vectors* for a whole table of users' lists, which
needs dense features — TF-IDF rows of a news catalog are too wide for that).
:func:`topic_coverage` is the share of topics present and
:func:`topic_entropy` the Shannon entropy of the list's topic shares,
−Σ_t s_t log₂ s_t (0 for a single topic, log₂ T when T topics are equally
present).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validate import as_1d_array, as_real_array, check_count, check_probability
from ._frame import check_k


def mmr(candidates: Any, scores: Any, similarity: Any, *, lambda_: float, k: int) -> pd.DataFrame:
    """Re-rank ``candidates`` by maximal marginal relevance (see the module docstring).

    Parameters
    ----------
    candidates : array-like, shape (n,)
        Item ids. A named Series (``recs["article_id"]``, ``recs["item_id"]``)
        gives the output's id column its name, so the list chains with the
        recommender it came from; an unnamed array gives ``item_id``.
    scores : array-like, shape (n,)
        Relevance rel(i) of each candidate.
    similarity : array-like, shape (n, n)
        sim(i, j) between candidates, in the order of ``candidates``.
    lambda_ : float
        λ in [0, 1]: 1 = relevance only, 0 = diversity only.
    k : int
        Length of the list (at most n).

    Returns
    -------
    DataFrame
        ``<id>, rank, score, mmr_score``: the chosen items in order (``<id>``
        is the name of ``candidates``, e.g. ``article_id``, else ``item_id``),
        their relevance and their MMR value when chosen. Ties go to the more
        relevant candidate, then the earlier one.

    Examples
    --------
    >>> sim = np.array([[1, 0.9, 0.1], [0.9, 1, 0.2], [0.1, 0.2, 1]])
    >>> mmr(["a", "b", "c"], [0.9, 0.8, 0.5], sim, lambda_=1.0, k=2)["item_id"].tolist()
    ['a', 'b']
    >>> mmr(["a", "b", "c"], [0.9, 0.8, 0.5], sim, lambda_=0.5, k=2)["item_id"].tolist()
    ['a', 'c']
    >>> ids = pd.Series(["a", "b", "c"], name="article_id")  # e.g. rec.similar(...)["article_id"]
    >>> mmr(ids, [0.9, 0.8, 0.5], sim, lambda_=0.5, k=2).columns.tolist()
    ['article_id', 'rank', 'score', 'mmr_score']
    """
    if candidates is None or isinstance(candidates, str | bytes):
        raise ValueError(f"candidates must be a 1-D array of item ids, got {candidates!r:.40}")
    id_column = "item_id"
    if isinstance(candidates, pd.Series) and candidates.name is not None:
        id_column = str(candidates.name)
        if id_column in ("rank", "score", "mmr_score"):
            raise ValueError(
                f"candidates is named {id_column!r}, a column of the result: pass ids, "
                "e.g. recs['article_id']"
            )
    items = np.asarray(candidates)
    if items.ndim != 1 or items.size == 0:
        raise ValueError(f"candidates must be a non-empty 1-D array, got shape {items.shape}")
    if pd.Series(items).duplicated().any():
        raise ValueError("candidates must be unique: an item listed twice could be chosen twice")
    n = items.size
    rel = as_1d_array(scores, name="scores")
    if rel.size != n:
        raise ValueError(f"scores has {rel.size} values but candidates has {n}")
    sim = as_real_array(similarity, name="similarity")
    if sim.shape != (n, n):
        raise ValueError(f"similarity must have shape ({n}, {n}), got {sim.shape}")
    if not np.all(np.isfinite(sim)):
        raise ValueError("similarity contains NaN or infinite values")
    lam = check_probability(lambda_, name="lambda_", closed=True)
    k = check_k(k)
    if k > n:
        raise ValueError(f"k ({k}) exceeds the number of candidates ({n})")
    chosen, values = _mmr_order(rel, sim, lam, k)
    return pd.DataFrame(
        {
            id_column: items[chosen],
            "rank": np.arange(1, k + 1),
            "score": rel[chosen],
            "mmr_score": values,
        }
    )


def _mmr_order(
    rel: np.ndarray, sim: np.ndarray, lam: float, k: int
) -> tuple[list[int], list[float]]:
    """The greedy MMR selection on validated inputs: positions chosen, in order,
    and their MMR values (for callers that re-rank many lists)."""
    n = rel.size
    chosen: list[int] = []
    values: list[float] = []
    max_sim = np.zeros(n)
    left = np.ones(n, dtype=bool)
    for _ in range(k):
        value = lam * rel - (1 - lam) * max_sim
        idx = np.flatnonzero(left)
        # lexsort: last key first — by MMR value, then relevance, then position
        best = idx[np.lexsort((idx, -rel[idx], -value[idx]))[0]]
        chosen.append(int(best))
        values.append(float(value[best]))
        left[best] = False
        max_sim = np.maximum(max_sim, sim[:, best])
    return chosen, values


def list_diversity(similarity: Any) -> float:
    """1 − the mean pairwise similarity of a list, from its (n, n) similarity matrix.

    Examples
    --------
    >>> list_diversity([[1.0, 0.2], [0.2, 1.0]])
    0.8
    """
    sim = as_real_array(similarity, name="similarity")
    if sim.ndim != 2 or sim.shape[0] != sim.shape[1] or sim.shape[0] < 2:
        raise ValueError(f"similarity must be square with n >= 2, got shape {sim.shape}")
    if not np.all(np.isfinite(sim)):
        raise ValueError("similarity contains NaN or infinite values")
    n = sim.shape[0]
    off = sim.sum() - np.trace(sim)
    return float(1 - off / (n * (n - 1)))


def _topics(topics: Any) -> pd.Series:
    if topics is None or isinstance(topics, str | bytes):
        raise ValueError(f"topics must be a list of topic labels, got {topics!r:.40}")
    t = pd.Series(np.asarray(topics, dtype=object).ravel())
    if t.empty:
        raise ValueError("topics is empty")
    if t.isna().any():
        raise ValueError("topics has missing values")
    return t


def topic_coverage(topics: Any, *, n_topics: int) -> float:
    """Share of the ``n_topics`` topics that appear in the list ``topics``.

    Examples
    --------
    >>> topic_coverage(["sport", "sport", "tech"], n_topics=5)
    0.4
    """
    n = check_count(n_topics, name="n_topics", minimum=1)
    distinct = _topics(topics).nunique()
    if distinct > n:
        raise ValueError(f"topics has {distinct} distinct values, more than n_topics={n}")
    return distinct / n


def topic_entropy(topics: Any) -> float:
    """Shannon entropy in bits of the topic shares of a list.

    Examples
    --------
    >>> topic_entropy(["sport", "sport", "tech", "tech"])
    1.0
    """
    share = _topics(topics).value_counts(normalize=True).to_numpy()
    return float(-(share * np.log2(share)).sum() + 0.0)
