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

**Business rules.** :func:`check_reranker` runs a re-ranker on held-out
candidate lists and reports the first rule it breaks: no story twice (no two
near-duplicates), a quota per topic, and most of the relevance that the rules
allow kept.
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


def _rule_abiding_order(
    rel: np.ndarray, topics: np.ndarray, sim: np.ndarray, k: int, quota: int, threshold: float
) -> list[int]:
    """Positions of the greedy most relevant list that keeps both rules: take
    candidates by relevance, skipping any whose topic is full or that is a
    near-duplicate of one already taken."""
    chosen: list[int] = []
    count: dict[Any, int] = {}
    for i in np.argsort(-rel, kind="stable"):
        if count.get(topics[i], 0) >= quota:
            continue
        if chosen and np.max(sim[i, chosen]) >= threshold:
            continue
        chosen.append(int(i))
        count[topics[i]] = count.get(topics[i], 0) + 1
        if len(chosen) == k:
            break
    return chosen


def check_reranker(
    rerank: Any,
    candidate_lists: Any,
    *,
    k: int,
    max_per_topic: int,
    duplicate_threshold: float = 0.8,
    min_relevance: float = 0.9,
) -> str | None:
    """Run a re-ranker on held-out candidate lists; return the first business rule it breaks.

    ``rerank(candidates, similarity, k)`` receives a copy of each candidate
    list — a DataFrame with ``item_id``, ``score`` (relevance) and ``topic`` —
    and the candidates' (n, n) similarity matrix, and returns k item ids in
    display order. On every list, in this order:

    1. it returns k distinct item ids, all among the candidates;
    2. **no story twice**: no two chosen items have similarity ≥
       ``duplicate_threshold`` (near-duplicates, :mod:`xplab.recs.content`);
    3. **a quota per topic**: no topic has more than ``max_per_topic`` items;
    4. **relevance kept**: the chosen items' mean score is at least
       ``min_relevance`` times that of the greedy most relevant list that keeps
       rules 2 and 3 (candidates by score, skipping a full topic or a
       near-duplicate), so a list that meets the rules by giving up relevance
       for nothing is refused.

    Returns
    -------
    str or None
        What fails, naming the held-out list (1-based), or None.

    Examples
    --------
    >>> cands = pd.DataFrame({"item_id": ["a", "a2", "b", "c"], "score": [0.9, 0.85, 0.5, 0.4],
    ...                       "topic": ["tech", "tech", "tech", "sport"]})
    >>> sim = np.eye(4)
    >>> sim[0, 1] = sim[1, 0] = 0.95  # "a2" re-files story "a"
    >>> top = lambda c, s, k: c.nlargest(k, "score")["item_id"].tolist()
    >>> print(check_reranker(top, [(cands, sim)], k=2, max_per_topic=1))
    held-out list 1: 'a' and 'a2' are the same story (similarity 0.95 ≥ 0.8)
    >>> def rules(c, s, k):
    ...     order = c.sort_values("score", ascending=False)
    ...     return order.drop_duplicates("topic")["item_id"].head(k).tolist()
    >>> check_reranker(rules, [(cands, sim)], k=2, max_per_topic=1)
    """
    if not callable(rerank):
        raise TypeError(f"rerank must be a function, got {type(rerank).__name__}")
    if isinstance(candidate_lists, str | bytes | pd.DataFrame) or not isinstance(
        candidate_lists, list | tuple
    ):
        raise TypeError(
            "candidate_lists must be a list of (candidates, similarity) pairs, got "
            f"{type(candidate_lists).__name__}"
        )
    if not candidate_lists:
        raise ValueError("candidate_lists is empty")
    k = check_k(k)
    quota = check_count(max_per_topic, name="max_per_topic", minimum=1)
    threshold = check_probability(duplicate_threshold, name="duplicate_threshold", closed=True)
    floor = check_probability(min_relevance, name="min_relevance", closed=True)
    lists = []
    for n, pair in enumerate(candidate_lists, start=1):
        if not isinstance(pair, tuple) or len(pair) != 2 or not isinstance(pair[0], pd.DataFrame):
            raise TypeError(
                f"candidate_lists[{n - 1}] must be a (DataFrame, similarity) pair, got "
                f"{type(pair).__name__}"
            )
        cands, similarity = pair
        missing = {"item_id", "score", "topic"} - set(cands.columns)
        if missing:
            raise ValueError(f"candidate_lists[{n - 1}] lacks the columns {sorted(missing)}")
        sim = as_real_array(similarity, name="candidate_lists similarity")
        if sim.shape != (len(cands), len(cands)):
            raise ValueError(
                f"candidate_lists[{n - 1}]: similarity must have shape ({len(cands)}, "
                f"{len(cands)}), got {sim.shape}"
            )
        rel = as_1d_array(cands["score"], name="candidate_lists score")
        topics = cands["topic"].to_numpy(dtype=object)
        best = _rule_abiding_order(rel, topics, sim, k, quota, threshold)
        if len(best) < k:
            raise ValueError(
                f"candidate_lists[{n - 1}] cannot fill {k} slots under the rules "
                f"(only {len(best)} candidates qualify)"
            )
        lists.append((n, cands, sim, rel, topics, best))

    for n, cands, sim, rel, topics, best in lists:
        where = f"held-out list {n}"
        try:
            got = rerank(cands.copy(), sim.copy(), k)
        except Exception as exc:  # the learner's function may fail in any way
            return f"{where}: your re-ranker raised {type(exc).__name__}: {exc}"
        if got is None:
            return f"{where}: your re-ranker returned None: return the list of item ids"
        if isinstance(got, pd.DataFrame):
            return f"{where}: return the item ids (a list), not a DataFrame"
        if isinstance(got, str | bytes) or not hasattr(got, "__len__"):
            return f"{where}: return a list of item ids, got {type(got).__name__}"
        ids = list(got.tolist() if hasattr(got, "tolist") else got)
        if len(ids) != k:
            return f"{where}: your re-ranker returned {len(ids)} items, not {k}"
        position = {item: i for i, item in enumerate(cands["item_id"].tolist())}
        for item in ids:
            if item not in position:
                return f"{where}: {item!r} is not one of the candidates"
        if len(set(ids)) < k:
            twice = pd.Series(ids)[pd.Series(ids).duplicated()].iloc[0]
            return f"{where}: {twice!r} is listed twice"
        pos = [position[item] for item in ids]
        for a in range(k):
            for b in range(a + 1, k):
                if sim[pos[a], pos[b]] >= threshold:
                    return (
                        f"{where}: {ids[a]!r} and {ids[b]!r} are the same story (similarity "
                        f"{sim[pos[a], pos[b]]:.2f} ≥ {threshold:g})"
                    )
        per_topic = pd.Series(topics[pos]).value_counts()
        if per_topic.iloc[0] > quota:
            return (
                f"{where}: {per_topic.iloc[0]} items are on {per_topic.index[0]!r}; the rule "
                f"allows at most {quota} per topic"
            )
        kept, possible = float(rel[pos].mean()), float(rel[best].mean())
        if kept < floor * possible:
            return (
                f"{where}: the list keeps {100 * kept / possible:.0f} % of the relevance the rules allow "
                f"(mean score {kept:.3g} against {possible:.3g} for the most relevant list "
                f"that keeps them); keep at least {100 * floor:.0f} %"
            )
    return None
