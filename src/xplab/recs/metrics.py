r"""Ranking and beyond-accuracy metrics for top-k recommendations.

The accuracy metrics follow the definitions of the recommenders-team library
(``recommenders.evaluation.python_evaluation``) so that our numbers compare
with their published benchmarks. For each user, *relevant* items are their
test items (with ``rating >= threshold`` if a threshold is given), *hits* are
relevant items in their top k, and rank(i) is an item's 1-based position:

* precision@k = (1/n) Σ_u hits_u / k
* recall@k    = (1/n) Σ_u hits_u / |relevant_u|
* nDCG@k      = (1/n) Σ_u DCG_u / IDCG_u, with binary gains,
  DCG = Σ_hits 1/log₂(1 + rank) and IDCG the DCG of min(|relevant_u|, k) hits at the top
* MAP@k       = (1/n) Σ_u (1/|relevant_u|) Σ_{hits i} precision@rank(i)

**Which users (n).** By default (``missing="zero"``) the average runs over
every user with at least one relevant test item; a user without a
recommendation row scores 0 on every metric, so a model cannot look better
by answering only for its easy users. ``missing="drop"`` averages over the
users present in both the test set and the recommendations instead: that is
what the recommenders-team code does (it intersects the two user sets), and
the two agree whenever every test user gets a list, as in their benchmarks.

**Conventions that differ between libraries.**

* MAP divides each user's sum by |relevant_u|, like the recommenders-team
  ``map`` and their ``map_at_k`` before version 1.2.0 (which produced their
  published tables). Since 1.2.0 their ``map_at_k`` divides by
  min(k, |relevant_u|) instead, which gives larger numbers on the same lists
  (e.g. 0.337 where this module gives 0.147): compare like with like.
* precision@k always divides by k, also when a list is shorter than k
  (fewer items were left to recommend), as the recommenders-team library does.

**Ranks.** ``recommendations`` needs ``user_id, item_id, rank``; ranks are
whole numbers ≥ 1, unique within a user (gaps are allowed: rank 3 after
rank 1 means position 2 held an item that was filtered out). Rows with
rank > k are ignored. Anything else (rank 0, repeated ranks, fractional or
missing ranks) would give impossible values such as nDCG > 1, so it is an error.

Beyond accuracy:

* catalog coverage = share of the catalog recommended to anyone;
* novelty = mean self-information −log₂(pop_i) of recommended items, pop_i
  the share of training users who rated item i (higher = less obvious);
* intra-list diversity = mean over users of the mean pairwise (1 − cosine)
  between the feature vectors (e.g. genres) of the items in their list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._validate import check_choice, check_columns, check_count, check_real
from ._frame import check_k, check_ratings

Missing = Literal["zero", "drop"]


def _top_k(recommendations: Any, k: int) -> pd.DataFrame:
    """The rows with rank <= k, after checking the ranks make sense."""
    check_columns(recommendations, ["user_id", "item_id", "rank"], name="recommendations")
    if len(recommendations) == 0:
        raise ValueError("recommendations is empty")
    if recommendations[["user_id", "item_id", "rank"]].isna().any().any():
        raise ValueError("recommendations has missing values in ['user_id', 'item_id', 'rank']")
    rank = recommendations["rank"]
    if not (pd.api.types.is_integer_dtype(rank) or pd.api.types.is_float_dtype(rank)):
        raise ValueError(f"recommendations['rank'] must be whole numbers, got dtype {rank.dtype}")
    values = rank.to_numpy(dtype=float)
    if not np.all(values == np.floor(values)):
        bad = values[values != np.floor(values)][0]
        raise ValueError(f"recommendations['rank'] must be whole numbers, got {bad}")
    if values.min() < 1:
        raise ValueError(
            f"recommendations['rank'] must be >= 1 (rank 1 = best), got {values.min():g}; "
            "0-based positions? add 1"
        )
    dup = recommendations.duplicated(["user_id", "rank"])
    if dup.any():
        first = recommendations.loc[dup, ["user_id", "rank"]].iloc[0].tolist()
        raise ValueError(
            f"recommendations['rank'] must be unique within each user: {int(dup.sum())} "
            f"repeated (user_id, rank) pair(s), e.g. {first}"
        )
    if recommendations.duplicated(["user_id", "item_id"]).any():
        raise ValueError("recommendations has duplicate (user_id, item_id) pairs")
    out = recommendations.loc[values <= k, ["user_id", "item_id", "rank"]]
    return out.assign(rank=out["rank"].to_numpy(dtype=np.int64))


@dataclass(frozen=True)
class _Hits:
    hits: pd.DataFrame  # user_id, item_id, rank of every relevant item in a top k
    n_relevant: pd.Series  # relevant items per evaluated user
    users: int  # users in the average
    without_list: int  # test users with relevant items but no recommendation row


def _hits(test: Any, recommendations: Any, k: int, threshold: float | None, missing: str) -> _Hits:
    test = check_ratings(test, name="test", rating=threshold is not None)
    k = check_k(k)
    missing = check_choice(missing, ("zero", "drop"), name="missing")
    if threshold is not None:
        threshold = check_real(threshold, name="threshold")
        test = test[test["rating"] >= threshold]
    recs = _top_k(recommendations, k)
    test_users = test["user_id"].unique()
    listed = np.isin(test_users, recommendations["user_id"].unique())
    if not listed.any():
        raise ValueError(
            "no user has both relevant test items and recommendations "
            "(do the user_id values have the same type in test and recommendations?)"
        )
    users = test_users if missing == "zero" else test_users[listed]
    relevant = test.loc[test["user_id"].isin(users), ["user_id", "item_id"]]
    hits = recs.merge(relevant, on=["user_id", "item_id"])
    n_relevant = relevant.groupby("user_id").size()
    return _Hits(hits, n_relevant, int(users.size), int((~listed).sum()))


def _accuracy(h: _Hits, k: int) -> dict[str, float]:
    """precision, recall, nDCG and MAP at k from one table of hits."""
    hits, n = h.hits, h.users
    hit_users = hits["user_id"].to_numpy()
    per_user_hits = hits.groupby("user_id").size()
    relevant = h.n_relevant.reindex(per_user_hits.index).to_numpy()
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


def _metric(
    name: str, test: Any, recommendations: Any, k: int, threshold: float | None, missing: str
) -> float:
    k = check_k(k)
    return _accuracy(_hits(test, recommendations, k, threshold, missing), k)[name]


def precision_at_k(
    test: Any,
    recommendations: Any,
    *,
    k: int = 10,
    threshold: float | None = None,
    missing: Missing = "zero",
) -> float:
    """Share of the top k that is relevant, averaged over users.

    Always divided by k, also for lists shorter than k. ``missing`` says how
    test users without a recommendation list count ("zero" or "drop"); see
    the module docstring for every convention.

    Examples
    --------
    >>> test = pd.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 30, 10]})
    >>> recs = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 20], "rank": [1, 2]})
    >>> precision_at_k(test, recs, k=2)  # user 2 has no list: scores 0
    0.25
    >>> precision_at_k(test, recs, k=2, missing="drop")
    0.5
    """
    return _metric("precision", test, recommendations, k, threshold, missing)


def recall_at_k(
    test: Any,
    recommendations: Any,
    *,
    k: int = 10,
    threshold: float | None = None,
    missing: Missing = "zero",
) -> float:
    """Share of each user's relevant items found in their top k, averaged over users."""
    return _metric("recall", test, recommendations, k, threshold, missing)


def ndcg_at_k(
    test: Any,
    recommendations: Any,
    *,
    k: int = 10,
    threshold: float | None = None,
    missing: Missing = "zero",
) -> float:
    """Normalized discounted cumulative gain with binary relevance, averaged over users."""
    return _metric("ndcg", test, recommendations, k, threshold, missing)


def map_at_k(
    test: Any,
    recommendations: Any,
    *,
    k: int = 10,
    threshold: float | None = None,
    missing: Missing = "zero",
) -> float:
    """Mean average precision of the top k, each user's sum divided by |relevant_u|.

    Not the recommenders-team ``map_at_k`` of version 1.2.0 or later, which
    divides by min(k, |relevant_u|); this equals their ``map`` and their
    pre-1.2 ``map_at_k`` (the convention of their published tables).
    """
    return _metric("map", test, recommendations, k, threshold, missing)


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
    """All metrics of :func:`evaluate` at once (None where an input was not given).

    ``users`` is the number of users in the averages; ``users_without_list``
    the test users (with relevant items) that had no recommendation row:
    they scored 0 when ``missing="zero"`` and were left out when "drop".
    """

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
    users_without_list: int = 0
    missing: str = "zero"

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
    missing: Missing = "zero",
) -> Evaluation:
    """Every metric of this module for one set of recommendations.

    Coverage (over the items in ``train``) and novelty need ``train``;
    diversity needs ``item_features``. Accuracy metrics average over every
    test user with a relevant item: a user without a recommendation list
    scores 0 (``missing="zero"``, the default) or is left out
    (``missing="drop"``); the result counts such users in
    ``users_without_list``. Ranks must be whole numbers >= 1, unique within
    each user (see the module docstring for this and the MAP and P@k
    conventions).

    Examples
    --------
    >>> test = pd.DataFrame({"user_id": [1, 1, 2], "item_id": [10, 30, 10]})
    >>> recs = pd.DataFrame({"user_id": [1, 1], "item_id": [10, 20], "rank": [1, 2]})
    >>> r = evaluate(test, recs, k=2)
    >>> r.precision, r.recall, r.users, r.users_without_list
    (0.25, 0.25, 2, 1)
    >>> evaluate(test, recs, k=2, missing="drop").precision
    0.5
    """
    k = check_k(k)
    h = _hits(test, recommendations, k, threshold, missing)
    acc = _accuracy(h, k)
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
        users=h.users,
        users_without_list=h.without_list,
        missing=missing,
    )
