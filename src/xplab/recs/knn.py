"""Neighbourhood models: user-based and item-based collaborative filtering."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .._validate import check_choice, check_count
from ._base import Recommender


def _top_k_rows(matrix: np.ndarray, k: int) -> sparse.csr_matrix:
    """Keep the k largest entries of each row (ties: lower column first)."""
    n_rows, n_cols = matrix.shape
    k = min(k, n_cols)
    top = np.argsort(-matrix, axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(matrix, top, axis=1)
    rows = np.repeat(np.arange(n_rows), k)
    return sparse.csr_matrix((values.ravel(), (rows, top.ravel())), shape=matrix.shape)


def user_similarity(
    ratings: sparse.csr_matrix, *, similarity: str = "pearson", min_support: int = 1
) -> np.ndarray:
    r"""User-user similarity over co-rated items, as Surprise computes it.

    For users u and v with common items I_uv (n = |I_uv|):

    * cosine: Σ r_ui r_vi / √(Σ r_ui² · Σ r_vi²), sums over I_uv;
    * pearson: the correlation of the two users' ratings on I_uv,
      (n Σ r_ui r_vi − Σ r_ui Σ r_vi) / √((n Σ r_ui² − (Σ r_ui)²)(n Σ r_vi² − (Σ r_vi)²));
    * binary: cosine of the users' 0/1 "rated it" vectors over *all* items,
      |I_uv| / √(|I_u||I_v|) — who watched the same films, whatever they thought
      of them. Not in Surprise; the strongest choice for ranking here.

    Similarities over co-rated items only (cosine, pearson) are noisy when
    I_uv is small: two users with two films in common can correlate ±1.

    Pairs with fewer than ``min_support`` common items, or a zero denominator,
    get 0; every user has similarity 1 with itself.
    """
    R = ratings.tocsr().astype(float)
    B = R.copy()
    B.data = np.ones_like(B.data)
    R2 = R.multiply(R).tocsr()
    freq = (B @ B.T).toarray()
    prods = (R @ R.T).toarray()
    sq = (R2 @ B.T).toarray()  # sq[u, v] = Σ_{i ∈ I_uv} r_ui²
    if similarity == "binary":
        n_items = np.diag(freq)
        num, den2 = freq.astype(float), np.outer(n_items, n_items).astype(float)
    elif similarity == "cosine":
        num, den2 = prods, sq * sq.T
    else:
        s = (R @ B.T).toarray()  # s[u, v] = Σ_{i ∈ I_uv} r_ui
        num = freq * prods - s * s.T
        den2 = (freq * sq - s**2) * (freq * sq.T - s.T**2)
    with np.errstate(divide="ignore", invalid="ignore"):
        sim = np.where(den2 > 0, num / np.sqrt(np.where(den2 > 0, den2, 1.0)), 0.0)
    sim[freq < min_support] = 0.0
    np.fill_diagonal(sim, 1.0)
    return sim


class UserKNN(Recommender):
    r"""User-based collaborative filtering: "users like you liked these".

    **Rating prediction** (:meth:`predict`) is KNNWithMeans (Surprise): take
    the ``k`` users most similar to u among those who rated i, keep those with
    positive similarity, and

    .. math:: \hat r_{ui} = \mu_u + \frac{\sum_v \operatorname{sim}(u,v)(r_{vi} - \mu_v)}
                                         {\sum_v \operatorname{sim}(u,v)}

    falling back to μ_u with fewer than ``min_k`` such neighbours. Mean-centring
    removes each user's personal scale (a 3 from a harsh critic is a 4 from
    someone generous).

    **Ranking** (:meth:`recommend`), by ``rank_by``:

    * ``"votes"`` (default): u's ``k`` most similar users overall vote for
      the items they rated, each vote weighted by its (positive) similarity;
    * ``"rating"``: sort by the predicted rating. This ranks poorly: an
      obscure item rated 5 by one neighbour beats a film everyone liked.

    Parameters
    ----------
    k : int
        Neighbourhood size.
    min_k : int
        Neighbours needed for a neighbourhood-based rating prediction.
    similarity : {'pearson', 'cosine', 'binary'}
        See :func:`user_similarity`. 'pearson' (the default) for rating
        prediction; 'binary' ranks best.
    min_support : int
        Common items needed for a non-zero similarity.
    rank_by : {'votes', 'rating'}

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"user_id": [1, 1, 2, 2, 2, 3, 3],
    ...                       "item_id": [10, 20, 10, 20, 30, 10, 30],
    ...                       "rating": [5, 1, 5, 2, 4, 1, 5]})
    >>> model = UserKNN(k=2).fit(train)
    >>> model.recommend([1], k=1)["item_id"].tolist()
    [30]
    """

    needs_rating = True

    def __init__(
        self,
        *,
        k: int = 40,
        min_k: int = 1,
        similarity: str = "pearson",
        min_support: int = 1,
        rank_by: str = "votes",
    ) -> None:
        self.k = check_count(k, name="k", minimum=1)
        self.min_k = check_count(min_k, name="min_k", minimum=1)
        self.similarity = check_choice(
            similarity, ("pearson", "cosine", "binary"), name="similarity"
        )
        self.min_support = check_count(min_support, name="min_support", minimum=1)
        self.rank_by = check_choice(rank_by, ("votes", "rating"), name="rank_by")

    def _params(self) -> dict[str, Any]:
        return {"k": self.k, "similarity": self.similarity, "rank_by": self.rank_by}

    def _fit(self) -> None:
        X = self._X
        counts = np.diff(X.indptr)
        self.user_means_ = np.asarray(X.sum(axis=1)).ravel() / counts
        self.global_mean_ = float(X.data.mean())
        self.rating_range_ = (float(X.data.min()), float(X.data.max()))
        self.sim_ = user_similarity(X, similarity=self.similarity, min_support=self.min_support)
        others = self.sim_.copy()
        np.fill_diagonal(others, -np.inf)
        neighbours = _top_k_rows(others, self.k)
        neighbours.data = np.maximum(neighbours.data, 0.0)
        self._neighbours = neighbours
        Xc = X.tocsc()
        dev = Xc.copy()
        dev.data = Xc.data - self.user_means_[Xc.indices]
        self._by_item = Xc  # raters of item i: Xc.indices[Xc.indptr[i]:Xc.indptr[i+1]]
        self._dev = dev

    def _predict_rows(self, rows: np.ndarray, col: int) -> np.ndarray:
        """KNNWithMeans estimates for user rows ``rows`` and item column ``col``."""
        lo, hi = self._by_item.indptr[col], self._by_item.indptr[col + 1]
        raters, dev = self._by_item.indices[lo:hi], self._dev.data[lo:hi]
        est = self.user_means_[rows].copy()
        if raters.size == 0:
            return est
        S = self.sim_[np.ix_(rows, raters)]
        D = np.broadcast_to(dev, S.shape)
        if raters.size > self.k:
            top = np.argpartition(-S, self.k - 1, axis=1)[:, : self.k]
            S = np.take_along_axis(S, top, axis=1)
            D = np.take_along_axis(D, top, axis=1)
        positive = S > 0
        sum_sim = np.where(positive, S, 0).sum(axis=1)
        sum_dev = np.where(positive, S * D, 0).sum(axis=1)
        ok = (positive.sum(axis=1) >= self.min_k) & (sum_sim > 0)
        est[ok] += sum_dev[ok] / sum_sim[ok]
        return est

    def neighbours(self, user_id: Any) -> pd.DataFrame:
        """The ``k`` users most similar to ``user_id`` (the ranking neighbourhood):
        ``neighbour_id, similarity``, most similar first."""
        _, rows = self._user_rows([user_id])
        row = self._neighbours[rows[0]]
        order = np.lexsort((row.indices, -row.data))
        return pd.DataFrame(
            {
                "neighbour_id": self.users_.to_numpy()[row.indices[order]],
                "similarity": row.data[order],
            }
        )

    def predict(self, user_ids: Any, item_ids: Any) -> np.ndarray:
        """Predicted ratings for (user, item) pairs, clipped to the training range.

        Pairs whose user or item was not in training get the global mean
        rating (as Surprise does).
        """
        self._check_fitted()
        users, items = np.atleast_1d(user_ids), np.atleast_1d(item_ids)
        if users.shape != items.shape:
            raise ValueError(
                f"user_ids and item_ids must have the same length: {users.size} != {items.size}"
            )
        rows, cols = self.users_.get_indexer(users), self.items_.get_indexer(items)
        out = np.full(users.size, self.global_mean_)
        known = (rows >= 0) & (cols >= 0)
        frame = pd.DataFrame({"pos": np.flatnonzero(known), "row": rows[known], "col": cols[known]})
        for col, group in frame.groupby("col", sort=False):
            out[group["pos"].to_numpy()] = self._predict_rows(group["row"].to_numpy(), int(col))
        return np.clip(out, *self.rating_range_)

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        if self.rank_by == "votes":
            return np.asarray((self._neighbours[rows] @ self._seen).todense())
        scores = np.empty((rows.size, len(self.items_)))
        for col in range(len(self.items_)):
            scores[:, col] = self._predict_rows(rows, col)
        return scores


class ItemKNN(Recommender):
    r"""Item-based collaborative filtering: "people who liked this also liked".

    Items are similar when the same users interact with them: cosine of the
    items' 0/1 user vectors, sim(i, j) = |U_i ∩ U_j| / √(|U_i||U_j|). Each
    item keeps its ``k`` most similar items; a user's score for item i is the
    sum of sim(j, i) over the items j they have (Deshpande & Karypis 2004).
    Item neighbourhoods are stable and can be precomputed, which is why
    item-based CF scales so well in production.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"user_id": [1, 1, 2, 2, 3], "item_id": [10, 20, 10, 20, 10]})
    >>> ItemKNN(k=5).fit(train).recommend([3], k=1)["item_id"].tolist()
    [20]
    """

    def __init__(self, *, k: int = 100) -> None:
        self.k = check_count(k, name="k", minimum=1)

    def _params(self) -> dict[str, Any]:
        return {"k": self.k}

    def _fit(self) -> None:
        B = self._seen.tocsc()
        co = (B.T @ B).toarray()
        norms = np.sqrt(np.diag(co))
        sim = co / np.outer(norms, norms)
        np.fill_diagonal(sim, -np.inf)
        neighbours = _top_k_rows(sim, self.k)
        neighbours.data = np.maximum(neighbours.data, 0.0)
        self.sim_ = neighbours  # row j: the k items most similar to j

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray((self._seen[rows] @ self.sim_).todense())
