r"""Ranking and beyond-accuracy metrics for top-k recommendations.

The accuracy metrics follow the definitions of the recommenders-team library
(``recommenders.evaluation.python_evaluation``) so that our numbers compare
with their published benchmarks. Users are those present in both the test set
and the recommendations (n of them). For each user, *relevant* items are their
test items (with ``rating >= threshold`` if a threshold is given), *hits* are
relevant items in their top k, and rank(i) is an item's 1-based position:

* precision@k = (1/n) Σ_u hits_u / k
* recall@k    = (1/n) Σ_u hits_u / |relevant_u|
* nDCG@k      = (1/n) Σ_u DCG_u / IDCG_u, with binary gains,
  DCG = Σ_hits 1/log₂(1 + rank) and IDCG the DCG of min(|relevant_u|, k) hits at the top
* MAP@k       = (1/n) Σ_u (1/|relevant_u|) Σ_{hits i} precision@rank(i)
  (dividing by |relevant_u| as their benchmark tables do)

Beyond accuracy:

* catalog coverage = share of the catalog recommended to anyone;
* novelty = mean self-information −log₂(pop_i) of recommended items, pop_i
  the share of training users who rated item i (higher = less obvious);
* intra-list diversity = mean over users of the mean pairwise (1 − cosine)
  between the feature vectors (e.g. genres) of the items in their list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._validate import check_columns, check_count, check_real
from ._frame import check_k, check_ratings


def _top_k(recommendations: pd.DataFrame, k: int) -> pd.DataFrame:
    check_columns(recommendations, ["user_id", "item_id", "rank"], name="recommendations")
    if recommendations.duplicated(["user_id", "item_id"]).any():
        raise ValueError("recommendations has duplicate (user_id, item_id) pairs")
    return recommendations.loc[recommendations["rank"] <= k, ["user_id", "item_id", "rank"]]


def _hits(
    test: pd.DataFrame, recommendations: pd.DataFrame, k: int, threshold: float | None
) -> tuple[pd.DataFrame, pd.Series, int]:
    """(hit rows with rank, relevant count per user, number of users evaluated)."""
    test = check_ratings(test, name="test", rating=threshold is not None)
    k = check_k(k)
    if threshold is not None:
        threshold = check_real(threshold, name="threshold")
        test = test[test["rating"] >= threshold]
    recs = _top_k(recommendations, k)
    users = np.intersect1d(test["user_id"].unique(), recs["user_id"].unique())
    if users.size == 0:
        raise ValueError("no user has both relevant test items and recommendations")
    relevant = test.loc[test["user_id"].isin(users), ["user_id", "item_id"]]
    hits = recs.merge(relevant, on=["user_id", "item_id"])
    n_relevant = relevant.groupby("user_id").size()
    return hits, n_relevant, int(users.size)


def _accuracy(hits: pd.DataFrame, n_relevant: pd.Series, n: int, k: int) -> dict[str, float]:
    """precision, recall, nDCG and MAP at k from one table of hits."""
    hit_users = hits["user_id"].to_numpy()
    per_user_hits = hits.groupby("user_id").size()
    relevant = n_relevant.reindex(per_user_hits.index).to_numpy()
    dcg = (1 / np.log2(hits["rank"] + 1)).groupby(hit_users).sum()
    ideal = np.concatenate([[0.0], np.cumsum(1 / np.log2(np.arange(1, k + 1) + 1))])
    ordered = hits.sort_values(["user_id", "rank"])
    precision_at_hit = (ordered.groupby("user_id").cumcount() + 1) / ordered["rank"]
    ap = precision_at_hit.groupby(ordered["user_id"]).sum().to_numpy() / relevant
    return {
        "precision": len(hits) / k / n,
        "recall": float((per_user_hits.to_numpy() / relevant).sum() / n),
        "ndcg": float((dcg.to_numpy() / ideal[np.minimum(relevant, k)]).sum() / n),
        "map": float(ap.sum() / n),
    }


def _metric(name: str, test, recommendations, k: int, threshold: float | None) -> float:
    k = check_k(k)
    return _accuracy(*_hits(test, recommendations, k, threshold), k)[name]


def precision_at_k(test, recommendations, *, k: int = 10, threshold: float | None = None) -> float:
    """Share of the top k that is relevant, averaged over users (see the module docstring)."""
    return _metric("precision", test, recommendations, k, threshold)


def recall_at_k(test, recommendations, *, k: int = 10, threshold: float | None = None) -> float:
    """Share of each user's relevant items found in their top k, averaged over users."""
    return _metric("recall", test, recommendations, k, threshold)


def ndcg_at_k(test, recommendations, *, k: int = 10, threshold: float | None = None) -> float:
    """Normalized discounted cumulative gain with binary relevance, averaged over users."""
    return _metric("ndcg", test, recommendations, k, threshold)


def map_at_k(test, recommendations, *, k: int = 10, threshold: float | None = None) -> float:
    """Mean average precision of the top k (divided by the number of relevant items)."""
    return _metric("map", test, recommendations, k, threshold)


def catalog_coverage(recommendations, *, n_items: int, k: int = 10) -> float:
    """Share of the ``n_items`` catalog that appears in anyone's top k."""
    n_items = check_count(n_items, name="n_items", minimum=1)
    return _top_k(recommendations, check_k(k))["item_id"].nunique() / n_items


def novelty(recommendations, train: pd.DataFrame, *, k: int = 10) -> float:
    """Mean self-information −log₂(share of training users who rated the item)
    of recommended items. Items never rated in training are an error."""
    train = check_ratings(train, name="train")
    recs = _top_k(recommendations, check_k(k))
    share = train.groupby("item_id")["user_id"].nunique() / train["user_id"].nunique()
    pop = share.reindex(recs["item_id"]).to_numpy()
    if np.isnan(pop).any():
        raise ValueError("recommendations contain items that never occur in train")
    return float(np.mean(-np.log2(pop)))


def intra_list_diversity(recommendations, item_features: pd.DataFrame, *, k: int = 10) -> float:
    """Mean pairwise (1 − cosine similarity) of item feature vectors within each
    user's top k, averaged over users with at least two items."""
    recs = _top_k(recommendations, check_k(k))
    if not isinstance(item_features, pd.DataFrame):
        raise ValueError("item_features must be a DataFrame indexed by item_id")
    feats = item_features.reindex(recs["item_id"]).to_numpy(dtype=float)
    if np.isnan(feats).any():
        raise ValueError("item_features has no row for some recommended items")
    norms = np.linalg.norm(feats, axis=1, keepdims=True)
    unit = np.divide(feats, norms, out=np.zeros_like(feats), where=norms > 0)
    # Σ_{i<j} cos(i, j) = (‖Σ_i u_i‖² − Σ_i ‖u_i‖²) / 2
    frame = pd.DataFrame(unit).assign(user=recs["user_id"].to_numpy())
    sums = frame.groupby("user").sum().to_numpy()
    sq_norms = pd.Series((unit**2).sum(axis=1)).groupby(recs["user_id"].to_numpy()).sum().to_numpy()
    sizes = recs.groupby("user_id").size().to_numpy()
    ok = sizes >= 2
    if not ok.any():
        raise ValueError("intra-list diversity needs lists of at least two items")
    pair_cos = ((sums**2).sum(axis=1) - sq_norms) / 2
    pairs = sizes * (sizes - 1) / 2
    return float(np.mean(1 - pair_cos[ok] / pairs[ok]))


@dataclass(frozen=True, repr=False)
class Evaluation(ResultMixin):
    """All metrics of :func:`evaluate` at once (None where an input was not given)."""

    _title: ClassVar[str] = "Top-k evaluation"
    k: int
    precision: float
    recall: float
    ndcg: float
    map: float
    coverage: float | None
    novelty: float | None
    diversity: float | None
    users: int

    def as_dict(self) -> dict[str, Any]:
        return {
            f"P@{self.k}": self.precision,
            f"R@{self.k}": self.recall,
            f"nDCG@{self.k}": self.ndcg,
            "MAP": self.map,
            "coverage": self.coverage,
            "novelty": self.novelty,
            "diversity": self.diversity,
        }


def evaluate(
    test: pd.DataFrame,
    recommendations: pd.DataFrame,
    *,
    k: int = 10,
    train: pd.DataFrame | None = None,
    item_features: pd.DataFrame | None = None,
    threshold: float | None = None,
) -> Evaluation:
    """Every metric of this module for one set of recommendations.

    Coverage (over the items in ``train``) and novelty need ``train``;
    diversity needs ``item_features``.

    Examples
    --------
    >>> test = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 30]})
    >>> recs = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 20], "rank": [1, 2]})
    >>> r = evaluate(test, recs, k=2)
    >>> r.precision, r.recall
    (0.5, 0.5)
    """
    k = check_k(k)
    hits, n_relevant, users = _hits(test, recommendations, k, threshold)
    acc = _accuracy(hits, n_relevant, users, k)
    return Evaluation(
        k=k,
        precision=acc["precision"],
        recall=acc["recall"],
        ndcg=acc["ndcg"],
        map=acc["map"],
        coverage=None
        if train is None
        else catalog_coverage(recommendations, n_items=train["item_id"].nunique(), k=k),
        novelty=None if train is None else novelty(recommendations, train, k=k),
        diversity=None
        if item_features is None
        else intra_list_diversity(recommendations, item_features, k=k),
        users=users,
    )
