"""Neighbourhood models: user-based and item-based collaborative filtering."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .._validate import as_real_array, check_choice, check_count
from ._base import (
    ItemItemMixin,
    Recommender,
    _check_ids,
    _threads,
    batch_size,
    sparse_product_rows,
)
from ._topk import _select, nonzero_2d, top_k_columns, top_k_dense, top_k_exact, top_k_sparse

# An item that more than this share of users have is counted in a dense matrix
# product when UserKNN counts common items (see _SimilarityParts).
_DENSE_ITEM_SHARE = 0.05
# One step of SciPy's sparse × sparse product costs about this many steps of its
# sparse × dense product (measured on two cores; see ItemKNN._fit).
_SPARSE_STEP_COST = 10

Block = tuple[np.ndarray, np.ndarray]  # a block of rows' top-k columns and their values


def _item_kernel() -> Callable[..., Block] | None:
    """ItemKNN's compiled neighbourhood kernel, or None where numba cannot be
    imported (ItemKNN then fits through SciPy's sparse products: same result)."""
    try:
        from ._compiled import item_neighbours
    except ImportError:  # pragma: no cover - numba is a dependency
        return None
    return item_neighbours


def _neighbourhoods(
    block: Callable[[int, int], Block], n_rows: int, n_cols: int, step: int
) -> sparse.csr_matrix:
    """Each row's top-k (columns and values from ``block(start, stop)``, rows
    ``start:stop``) as a sparse matrix, computed a block of rows at a time on
    up to ``_threads()`` threads; negative values become 0 (they never vote)."""
    starts = list(range(0, n_rows, step))

    def run(start: int) -> Block:
        return block(start, min(n_rows, start + step))

    if len(starts) > 1 and _threads() > 1:
        with ThreadPoolExecutor(min(_threads(), len(starts))) as pool:
            parts = list(pool.map(run, starts))
    else:
        parts = [run(start) for start in starts]
    cols = np.concatenate([c for c, _ in parts])
    values = np.concatenate([v for _, v in parts])
    rows = np.repeat(np.arange(n_rows), cols.shape[1])
    out = sparse.csr_matrix((values.ravel(), (rows, cols.ravel())), shape=(n_rows, n_cols))
    out.data = np.maximum(out.data, 0.0)
    return out


class _SimilarityParts:
    """The sparse pieces every similarity is built from, computed once."""

    def __init__(self, ratings: sparse.spmatrix) -> None:
        self.R = sparse.csr_matrix(ratings, dtype=float)
        self.B = self.R.copy()
        self.B.data = np.ones_like(self.B.data)
        self.R2 = self.R.multiply(self.R).tocsr()
        self.n_items = np.diff(self.B.indptr).astype(float)
        # Common items of two users, |I_u ∩ I_v|, split by item: the items that
        # many users have (a dense users × few-items 0/1 matrix: one float32
        # matrix product, exact for counts below 2**24) and the long tail (a
        # sparse product, whose cost grows with the square of each item's users).
        users_per_item = np.bincount(self.B.indices, minlength=self.B.shape[1])
        head = users_per_item > _DENSE_ITEM_SHARE * self.B.shape[0]
        self._head = np.ascontiguousarray(self.B[:, head].toarray(), dtype=np.float32)
        self._tail = sparse.csr_matrix(self.B[:, ~head], dtype=np.float32)
        self._tail_t = self._tail.T.tocsr()

    def common_items(self, rows: np.ndarray) -> np.ndarray:
        """|I_u ∩ I_v| for users ``rows`` and every user (dense float32: exact counts)."""
        freq = self._head[rows] @ self._head.T
        freq += (self._tail[rows] @ self._tail_t).toarray()
        return freq

    def binary_neighbours(self, rows: np.ndarray, k: int, min_support: int) -> Block:
        """The k most similar other users of each user in ``rows`` by binary cosine:
        the selection ``top_k_columns`` makes on the rows of :meth:`rows` with the
        user itself at −inf, and the similarities, computed only for candidates.

        Candidates come from a float32 proxy, |I_uv| / √|I_v| (the row's own
        √|I_u| does not change its order): the entries within 1e-6 of a lower
        bound on its k-th largest value (the k-th largest of every few
        columns). The proxy is within 1.3e-7 (relative) of the similarity ×
        √|I_u|, so every entry at or above the row's k-th similarity is a
        candidate. Their similarities are then computed exactly as
        :meth:`rows` does and sorted. Rows with fewer than k positive
        similarities are computed densely.
        """
        freq = self.common_items(rows)
        proxy = freq * (1.0 / np.sqrt(self.n_items)).astype(np.float32)
        if min_support > 1:
            proxy[freq < min_support] = 0.0
        proxy[np.arange(rows.size), rows] = -np.inf
        n = proxy.shape[1]
        k = min(k, n)
        sample = proxy[:, :: max(1, n // (64 * k))]
        kth = np.partition(sample, sample.shape[1] - k, axis=1)[:, sample.shape[1] - k]
        weak = kth <= 0  # the sample has fewer than k positive entries: use the whole row
        if weak.any():
            kth[weak] = np.partition(proxy[weak], n - k, axis=1)[:, n - k]
        dense = kth <= 0
        bound = np.where(dense, np.inf, kth * np.float32(1 - 1e-6)).astype(np.float32)
        local, cols = nonzero_2d(proxy >= bound[:, None])
        sim = freq[local, cols] / np.sqrt(self.n_items[rows[local]] * self.n_items[cols])
        out, values, _ = _select(local, cols, sim, rows.size, k)
        if dense.any():
            full = self.rows(rows[dense], "binary", min_support)
            full[np.arange(full.shape[0]), rows[dense]] = -np.inf
            top = top_k_columns(full, k)
            out[dense] = top
            values[dense] = np.take_along_axis(full, top, axis=1)
        return out, values

    def rows(self, rows: np.ndarray, similarity: str, min_support: int) -> np.ndarray:
        """Dense similarity of users ``rows`` with every user (len(rows) × n_users)."""
        R, B, R2 = self.R, self.B, self.R2
        Bb = B[rows]
        freq = self.common_items(rows)
        if similarity == "binary":
            # |I_uv| / √(|I_u||I_v|), in place: every training user has an item
            sim = np.multiply(self.n_items[rows, None], self.n_items[None, :])
            np.sqrt(sim, out=sim)
            np.divide(freq, sim, out=sim)
        else:
            prods = (R[rows] @ R.T).toarray()
            sq_uv = (R2[rows] @ B.T).toarray()  # Σ_{i ∈ I_uv} r_ui²
            sq_vu = (Bb @ R2.T).toarray()  # Σ_{i ∈ I_uv} r_vi²
            if similarity == "cosine":
                num, den2 = prods, sq_uv * sq_vu
            else:
                s_uv = (R[rows] @ B.T).toarray()  # Σ_{i ∈ I_uv} r_ui
                s_vu = (Bb @ R.T).toarray()
                num = freq * prods - s_uv * s_vu
                den2 = (freq * sq_uv - s_uv**2) * (freq * sq_vu - s_vu**2)
            with np.errstate(divide="ignore", invalid="ignore"):
                sim = np.where(den2 > 0, num / np.sqrt(np.where(den2 > 0, den2, 1.0)), 0.0)
        if min_support > 1:
            sim[freq < min_support] = 0.0
        sim[np.arange(rows.size), rows] = 1.0
        return sim


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
    get 0; every user has similarity 1 with itself. The result is a dense
    users × users array (8·n_users² bytes: 20 GB at 50,000 users).
    """
    similarity = check_choice(similarity, ("pearson", "cosine", "binary"), name="similarity")
    min_support = check_count(min_support, name="min_support", minimum=1)
    if isinstance(ratings, pd.DataFrame):
        raise ValueError(
            "ratings must be a users × items matrix (scipy sparse or 2-D array), got a "
            "DataFrame: for a table of user_id, item_id, rating use UserKNN().fit"
        )
    values = ratings.data if sparse.issparse(ratings) else ratings
    as_real_array(values, name="ratings")  # no strings, None, NaN or inf
    if np.ndim(ratings) != 2:
        raise ValueError(
            f"ratings must be a 2-D users × items matrix, got shape {np.shape(ratings)}"
        )
    parts = _SimilarityParts(ratings)
    return parts.rows(np.arange(parts.R.shape[0]), similarity, min_support)


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

    Fitting keeps only each user's ``k`` nearest neighbours, computed a batch
    of users at a time on every core, so 50,000 users fit in memory; the
    full similarity matrix :attr:`sim_` (8·n_users² bytes) is built only
    when rating prediction needs it. On implicit data (every rating the same) pearson and
    cosine over co-rated items say nothing, and fitting raises: use
    ``similarity="binary"``.

    A new user who liked items S (:meth:`recommend_for_items`) gets votes
    from the ``k`` training users most similar to S by binary cosine,
    |S ∩ I_v| / √(|S||I_v|), whatever ``similarity`` and ``rank_by`` are.

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

    @property
    def needs_rating(self) -> bool:  # type: ignore[override]
        """Ratings are needed unless the model only ranks by binary similarity."""
        return self.similarity != "binary" or self.rank_by == "rating"

    def _params(self) -> dict[str, Any]:
        return {"k": self.k, "similarity": self.similarity, "rank_by": self.rank_by}

    def _fit(self) -> None:
        X = self._X
        if self.similarity != "binary" and X.data.min() == X.data.max():
            raise ValueError(
                f"train['rating'] is {X.data[0]:g} in every row (implicit 0/1 data?): "
                f"{self.similarity} similarity over co-rated items is "
                f"{'0' if self.similarity == 'pearson' else '1'} for every pair of users, "
                "so the neighbours would be arbitrary. Use UserKNN(similarity='binary')."
            )
        counts = np.diff(X.indptr)
        self.user_means_ = np.asarray(X.sum(axis=1)).ravel() / counts
        self.global_mean_ = float(X.data.mean())
        self.rating_range_ = (float(X.data.min()), float(X.data.max()))
        self._parts = _SimilarityParts(X)
        self._sim: np.ndarray | None = None
        # Only the k nearest neighbours of each user are kept for ranking,
        # computed a batch of users at a time: the full users × users matrix
        # (20 GB at 50,000 users) never exists unless predict() needs it.
        n = X.shape[0]

        def block(start: int, stop: int) -> Block:
            rows = np.arange(start, stop)
            if self.similarity == "binary":
                return self._parts.binary_neighbours(rows, self.k, self.min_support)
            sim = self._parts.rows(rows, self.similarity, self.min_support)
            sim[np.arange(rows.size), rows] = -np.inf  # a user is not their own neighbour
            return top_k_exact(sim, self.k)

        self._neighbours = _neighbourhoods(block, n, n, batch_size(n))
        Xc = X.tocsc()
        dev = Xc.copy()
        dev.data = Xc.data - self.user_means_[Xc.indices]
        self._by_item = Xc  # raters of item i: Xc.indices[Xc.indptr[i]:Xc.indptr[i+1]]
        self._dev = dev

    @property
    def sim_(self) -> np.ndarray:
        """The full users × users similarity (:func:`user_similarity`), computed
        on first use: rating prediction and ``rank_by="rating"`` need it, the
        default vote ranking does not."""
        self._check_fitted()
        if self._sim is None:
            self._sim = self._parts.rows(
                np.arange(len(self.users_)), self.similarity, self.min_support
            )
        return self._sim

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
        if isinstance(user_id, list | tuple | np.ndarray | pd.Series):
            raise ValueError(f"user_id must be a single user id, got {type(user_id).__name__}")
        _, rows = self._user_rows([user_id], name="user_id")
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
        if not self._rated:
            raise ValueError(
                "predict needs ratings: this UserKNN was fitted on train without a "
                "'rating' column (implicit data), so it can only rank (recommend)"
            )
        users = _check_ids(user_ids, name="user_ids")
        items = _check_ids(item_ids, name="item_ids")
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

    def _profile_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        # A new profile has liked items but no ratings: binary cosine with every user
        common = np.asarray((self._parts.B @ x.T).todense()).ravel()
        sim = common / np.sqrt(self._parts.n_items * x.nnz)
        top = top_k_dense(sim[None, :], self.k)[0][0]
        weights = np.zeros_like(sim)
        weights[top] = np.maximum(sim[top], 0.0)
        return np.asarray(weights @ self._seen).ravel()

    def _terms_per_user(self) -> int:
        # neighbours are often the more active users: twice the mean activity
        return int(2 * self._seen.nnz / len(self.users_) * min(self.k, len(self.users_)))

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        if self.rank_by == "votes":
            return sparse_product_rows(self._neighbours, rows, self._seen, s_ones=True)
        scores = np.empty((rows.size, len(self.items_)))
        for col in range(len(self.items_)):
            scores[:, col] = self._predict_rows(rows, col)
        return scores


class ItemKNN(ItemItemMixin, Recommender):
    r"""Item-based collaborative filtering: "people who liked this also liked".

    Items are similar when the same users interact with them: cosine of the
    items' 0/1 user vectors, sim(i, j) = |U_i ∩ U_j| / √(|U_i||U_j|). Each
    item keeps its ``k`` most similar items; a user's score for item i is the
    sum of sim(j, i) over the items j they have (Deshpande & Karypis 2004).
    Item neighbourhoods are stable and can be precomputed, which is why
    item-based CF scales so well in production. Fitting counts each item's
    co-occurrences in a compiled loop (numba) and keeps a running top k, as
    implicit's item-item models do, a block of items at a time on every
    core; only the neighbourhoods (items × k) are kept. The first fit in a
    process loads the compiled loop (about 0.5 s; 2 s the very first time,
    when it is compiled and cached).

    A new user who liked items S (:meth:`recommend_for_items`) gets the same
    sum over j ∈ S; :meth:`similar_items` of item j is its neighbourhood.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"user_id": [1, 1, 2, 2, 3], "item_id": [10, 20, 10, 20, 10]})
    >>> ItemKNN(k=5).fit(train).recommend([3], k=1)["item_id"].tolist()
    [20]
    >>> ItemKNN(k=5).fit(train).similar_items(10, k=1)["item_id"].tolist()
    [20]
    """

    def __init__(self, *, k: int = 100) -> None:
        self.k = check_count(k, name="k", minimum=1)

    def _params(self) -> dict[str, Any]:
        return {"k": self.k}

    def _fit(self) -> None:
        norms = np.sqrt(self._popularity)
        n = len(self.items_)
        kernel = _item_kernel()
        if kernel is None:
            block, step = self._numpy_blocks(norms), batch_size(n)
        else:
            # compiled: one reused count array per block, small blocks to share the threads
            B = self._seen
            Bt = B.T.tocsr()
            arrays = [
                a.astype(np.intp, copy=False) for a in (Bt.indptr, Bt.indices, B.indptr, B.indices)
            ]
            k = min(self.k, n)

            def block(start: int, stop: int) -> Block:
                return kernel(*arrays, norms, start, stop, k)

            step = max(64, -(-n // (16 * _threads())))
        self.sim_ = _neighbourhoods(block, n, n, step)  # row j: its k nearest items

    def _numpy_blocks(self, norms: np.ndarray) -> Callable[[int, int], Block]:
        """The neighbourhoods of a block of items from SciPy's sparse products and
        :func:`top_k_sparse`: the route where numba is missing, same result."""
        B = sparse.csr_matrix(self._seen, dtype=np.float32)  # counts of users: exact
        Bt = B.T.tocsr()  # items × users
        n = B.shape[1]
        # The co-occurrence row of item i costs a sparse product Σ_{u ∈ U_i} |I_u|
        # steps, or a sparse × dense product of all interactions once: the second
        # is cheaper (about 10× per step) for the items with the heaviest rows.
        steps = Bt @ np.diff(self._seen.indptr).astype(float)
        heavy = steps * _SPARSE_STEP_COST > B.nnz

        def block(start: int, stop: int) -> Block:
            rows = np.arange(start, stop)
            out = np.empty((rows.size, min(self.k, n)), dtype=np.intp)
            values = np.empty(out.shape)
            dense, light = heavy[rows], ~heavy[rows]
            if light.any():
                co = Bt[rows[light]] @ B  # co-occurrence of these items with every item
                own = np.repeat(rows[light], np.diff(co.indptr))
                sim = co.data / (norms[own] * norms[co.indices])
                sim[co.indices == own] = -np.inf  # an item is not its own neighbour
                out[light], values[light] = top_k_sparse(co.indptr, co.indices, sim, self.k, n)
            if dense.any():
                co = (Bt @ B[:, rows[dense]].toarray()).T
                sim = co / np.outer(norms[rows[dense]], norms)
                sim[np.arange(co.shape[0]), rows[dense]] = -np.inf
                out[dense], values[dense] = top_k_exact(sim, self.k)
            return out, values

        return block

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return sparse_product_rows(
            self._seen, rows, self.sim_, x_ones=True, s_width=min(self.k, len(self.items_))
        )

    def _terms_per_user(self) -> int:
        return int(self._seen.nnz / len(self.users_) * min(self.k, len(self.items_)))

    def _profile_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        return np.asarray((x @ self.sim_).todense())
