"""What every recommender shares: id mapping, fit checks and top-k ranking."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from scipy import sparse

from .._validate import check_bool, check_choice
from ._frame import check_k, check_ratings
from ._topk import top_k_dense, top_k_row

OnUnknown = Literal["popular", "error"]
_SEVERAL = (list, tuple, np.ndarray, pd.Series, pd.Index)  # not one id

# Dense work arrays (scores of a batch of users, similarity rows of a batch of
# items) hold at most this many floats: 2**24 × 8 bytes = 128 MiB each.
_BLOCK_ELEMENTS = 2**24


def batch_size(n_columns: int, *, cap: int = 2048, elements: int | None = None) -> int:
    """Rows per batch so that a batch × ``n_columns`` array holds about
    ``elements`` floats (default ``_BLOCK_ELEMENTS``: 128 MiB)."""
    budget = _BLOCK_ELEMENTS if elements is None else elements
    return int(np.clip(budget // max(n_columns, 1), 1, cap))


def _threads() -> int:
    """Worker threads for batched work: the CPUs this process may use, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n = os.cpu_count() or 1
    return min(n, 8)


def _probe_size(k: int) -> int:
    """Probe columns for a top-k selection (see :func:`_topk.top_k_dense`)."""
    return max(256, 8 * k)


def _check_ids(ids: Any, *, name: str) -> np.ndarray:
    if ids is None:
        raise ValueError(f"{name} must be an id or a list of ids, got None")
    if type(ids) in (int, str, np.int64, np.int32):  # one plain id: the serving call
        return np.array((ids,))
    if isinstance(ids, str | bytes) or not np.iterable(ids):
        if pd.isna(ids):
            raise ValueError(f"{name} has missing ids (None or NaN)")
        return np.asarray([ids])
    out = np.asarray(list(ids) if not isinstance(ids, np.ndarray | pd.Series) else ids)
    if out.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional list of ids, got shape {out.shape}")
    if out.size == 0:
        raise ValueError(f"{name} is empty")
    # a None or NaN id is a gap in the caller's data, not a user or an item
    # (integers and booleans cannot be one)
    if out.dtype.kind not in "iub" and pd.isna(out).any():
        raise ValueError(f"{name} has missing ids (None or NaN)")
    return out


_COLUMNS = pd.Index(["user_id", "item_id", "rank", "score"])


def _columns_frame(arrays: list[np.ndarray]) -> pd.DataFrame:
    """``user_id, item_id, rank, score`` from four equal-length arrays.

    The same frame as ``pd.DataFrame(dict(...))`` (dtypes and values; tested),
    built with less of the constructor's general work, the largest part of a
    one-user call's overhead: one-dimensional arrays of numbers or booleans
    become the frame's blocks as they are (pandas' ``create_dataframe_from_blocks``,
    made for libraries that build frames); ids of other kinds (text, objects,
    dates) are converted by pandas' constructor from column arrays, as the dict
    constructor converts them; the dict constructor where pandas lacks both.
    """
    index = pd.RangeIndex(len(arrays[0]))
    if _from_blocks is not None and all(a.dtype.kind in "biuf" and a.ndim == 1 for a in arrays):
        return _from_blocks(
            [(a[None, :], _PLACEMENTS[i]) for i, a in enumerate(arrays)],
            index=index,
            columns=_COLUMNS,
        )
    try:
        return pd.DataFrame._from_arrays(arrays, columns=_COLUMNS, index=index)
    except (AttributeError, TypeError):  # another pandas: the public constructor
        return pd.DataFrame(dict(zip(_COLUMNS, arrays, strict=True)), copy=False)


try:  # pandas ≥ 2.3
    from pandas.api.internals import create_dataframe_from_blocks as _from_blocks
except ImportError:  # pragma: no cover - older pandas: the column-array constructor
    _from_blocks = None
_PLACEMENTS = [np.array([i]) for i in range(len(_COLUMNS))]


def sparse_rows(X: sparse.csr_matrix, rows: np.ndarray) -> sparse.csr_matrix:
    """``X[rows]``, without SciPy's fancy-indexing overhead for a single row."""
    if rows.size == 1:
        return X[int(rows[0]) : int(rows[0]) + 1]
    return X[rows]


def _ragged_positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """starts[0], ..., starts[0] + lengths[0] − 1, starts[1], ...: one array."""
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return offsets + np.arange(offsets.size)


def sparse_product_rows(
    X: sparse.csr_matrix,
    rows: np.ndarray,
    S: sparse.csr_matrix,
    *,
    x_ones: bool = False,
    s_ones: bool = False,
    s_width: int | None = None,
) -> np.ndarray:
    """``(X[rows] @ S).toarray()``, summed by ``np.bincount`` into the dense result
    (``x_ones``/``s_ones``: every stored value of X/S is 1, a factor to skip;
    ``s_width``: every row of S stores exactly this many entries).

    The same sums in the same order as SciPy's sparse product: for each cell,
    every term ``X[r, j] * S[j, c]``, j in stored order, added to zero. Without
    the sparse result (SciPy counts its entries in a first pass, then fills
    it, then it is copied into the dense array) this takes about a third of
    the time.
    """
    n = S.shape[1]
    starts = X.indptr[rows]
    lengths = X.indptr[rows + 1] - starts
    at = _ragged_positions(starts, lengths)
    row_cell = np.repeat(np.arange(rows.size) * n, lengths)
    if s_width:
        # k entries in every row (a neighbourhood matrix): whole rows at once
        js = X.indices[at]
        cell = (row_cell[:, None] + S.indices.reshape(-1, s_width)[js]).ravel()
        values = S.data.reshape(-1, s_width)[js]
        if not x_ones:
            values = values * X.data[at][:, None]
        values = values.ravel()
    else:
        first = S.indptr[X.indices[at]]
        counts = S.indptr[X.indices[at] + 1] - first
        terms = _ragged_positions(first, counts)
        cell = np.repeat(row_cell, counts) + S.indices[terms]
        if s_ones:  # a factor 1.0 changes no bit
            values = np.repeat(X.data[at], counts)
        elif x_ones:
            values = S.data[terms]
        else:
            values = S.data[terms] * np.repeat(X.data[at], counts)
    return np.bincount(cell, weights=values, minlength=rows.size * n).reshape(rows.size, n)


class Recommender:
    """Base class: ``fit(train)`` then ``recommend(user_ids, k=10)``.

    Subclasses implement ``_fit()`` (using ``self._X``, the users × items
    rating matrix in CSR form, and ``self.users_`` / ``self.items_``),
    ``_scores(rows)`` (a new dense score matrix for those user rows) and
    ``_profile_scores(x)`` (scores for a new user given a 1 × items 0/1 row);
    a subclass with a faster exact route to the lists overrides ``_rank``.

    Lists are ranked a batch of users at a time (dense work arrays of at most
    ``_BLOCK_ELEMENTS / 32`` scores each), on up to ``_threads()`` threads:
    the products and the selection release the GIL.
    """

    needs_rating = False

    def fit(self, train: pd.DataFrame) -> Self:
        """Learn from ``train`` (``user_id, item_id`` [, ``rating``]); returns self."""
        train = check_ratings(train, name="train", rating=self.needs_rating, duplicates=False)
        self.users_ = pd.Index(np.sort(train["user_id"].unique()), name="user_id")
        self.items_ = pd.Index(np.sort(train["item_id"].unique()), name="item_id")
        rows = self.users_.get_indexer(train["user_id"])
        cols = self.items_.get_indexer(train["item_id"])
        self._rated = "rating" in train.columns
        values = train["rating"].to_numpy(dtype=float) if self._rated else np.ones(len(train))
        shape = (len(self.users_), len(self.items_))
        self._X = sparse.csr_matrix((values, (rows, cols)), shape=shape)
        if self._X.nnz < len(train):  # repeated (user, item) pairs were summed: name them
            check_ratings(train, name="train", rating=self.needs_rating)
        self._seen = self._X.copy()
        self._seen.data[:] = 1.0
        # training users per item: the fallback ranking for users the model has not seen
        self._popularity = np.asarray(self._seen.sum(axis=0), dtype=float).ravel()
        # items by popularity (ties: smaller index first): the popular list, and the
        # probe columns that bound each user's k-th score (see _topk.top_k_dense)
        self._by_popularity = np.argsort(-self._popularity, kind="stable")
        self._popularity_rank = np.empty_like(self._by_popularity)
        self._popularity_rank[self._by_popularity] = np.arange(self._by_popularity.size)
        self._item_ids = self.items_.to_numpy()
        self._row_of_user = {user: row for row, user in enumerate(self.users_.tolist())}
        self._fit()
        return self

    def _fit(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scores(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _profile_scores(self, x: sparse.csr_matrix) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _terms_per_user(self) -> int:
        """About how many products ``_scores`` sums per user (0: no such sum)."""
        return 0

    def _check_fitted(self) -> None:
        if not hasattr(self, "_X"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call .fit(train) first")

    def _rows_of(self, ids: np.ndarray) -> np.ndarray:
        """Row of each user id, −1 for users not in the training data."""
        if ids.size > 4 or ids.dtype == bool:
            return self.users_.get_indexer(ids)
        # a few ids (a serving call): dictionary lookups, without pandas' overhead
        rows = np.empty(ids.size, dtype=np.intp)
        for i, user in enumerate(ids.tolist()):
            try:
                rows[i] = self._row_of_user.get(user, -1)
            except TypeError:  # an unhashable id is no training user
                rows[i] = -1
        return rows

    def _unknown_users_error(self, unknown: np.ndarray, name: str) -> ValueError:
        return ValueError(
            f"{name}: {unknown.size} user(s) were not in the training data, e.g. "
            f"{unknown[:5].tolist()}: a collaborative model knows nothing about them "
            "(cold start): recommend(..., on_unknown='popular') gives them the most "
            "popular items, recommend_for_items() a list from items they liked."
        )

    def _user_rows(self, user_ids: Any, *, name: str = "user_ids") -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        ids = _check_ids(user_ids, name=name)
        rows = self._rows_of(ids)
        if np.any(rows < 0):
            raise self._unknown_users_error(ids[rows < 0], name)
        return ids, rows

    def _item_columns(self, item_ids: Any, *, name: str, strict: bool) -> np.ndarray:
        ids = _check_ids(item_ids, name=name)
        cols = self.items_.get_indexer(ids)
        if strict and np.any(cols < 0):
            unknown = ids[cols < 0]
            raise ValueError(
                f"{name} has {unknown.size} item(s) not in the training data, e.g. "
                f"{unknown[:5].tolist()}: the model cannot score them"
            )
        return cols[cols >= 0]

    def _candidates(self, items: Any, exclude_items: Any) -> np.ndarray | None:
        """The candidate columns (sorted), or None when every item is a candidate."""
        if items is None and exclude_items is None:
            return None
        allowed = np.ones(len(self.items_), dtype=bool)
        if items is not None:
            allowed[:] = False
            allowed[self._item_columns(items, name="items", strict=True)] = True
        if exclude_items is not None:
            allowed[self._item_columns(exclude_items, name="exclude_items", strict=False)] = False
        return np.flatnonzero(allowed)

    def _mask_seen(self, scores: np.ndarray, rows: np.ndarray) -> None:
        """Set each user's training items to −inf, in place (rows of ``scores`` = ``rows``)."""
        indptr, indices = self._seen.indptr, self._seen.indices
        if rows.size == 1:
            scores[0][indices[indptr[rows[0]] : indptr[rows[0] + 1]]] = -np.inf
            return
        scores[self._seen_items(rows)] = -np.inf

    def _seen_items(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(index in ``rows``, item column) of every training item of the users ``rows``."""
        starts = self._seen.indptr[rows]
        lengths = self._seen.indptr[rows + 1] - starts
        at = _ragged_positions(starts, lengths)
        return np.repeat(np.arange(rows.size), lengths), self._seen.indices[at]

    def _select(
        self, scores: np.ndarray, k: int, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k columns and their scores of each row of ``scores`` (among ``candidates``)."""
        if candidates is not None:
            top, values = top_k_dense(scores[:, candidates], k)
            return candidates[top], values
        return top_k_dense(scores, k, self._by_popularity[: _probe_size(k)])

    def _rank(
        self, rows: np.ndarray, k: int, exclude_seen: bool, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k columns and scores for known user rows: score, drop seen, select."""
        scores = self._scores(rows)
        if exclude_seen:
            self._mask_seen(scores, rows)
        if rows.size == 1 and candidates is None:  # one user: the shortest route
            return top_k_row(scores[0], k, self._by_popularity[: _probe_size(k)])
        return self._select(scores, k, candidates)

    def _rank_popular(
        self, rows: np.ndarray | None, k: int, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The popular list: top-k by training users, without each row's seen items.

        ``rows=None`` ranks one list for someone who has seen nothing. The
        popularity order is computed once at fit; a user's list is its first
        k items they have not seen, found among the first k + 64 (a user who
        has seen more of those is ranked over the whole order).
        """
        order, position = self._by_popularity, self._popularity_rank
        if candidates is not None:
            allowed = np.zeros(len(self.items_), dtype=bool)
            allowed[candidates] = True
            order = order[allowed[order]]
            position = np.full(len(self.items_), order.size)  # excluded items: past the end
            position[order] = np.arange(order.size)
        k = min(k, order.size)
        if rows is None:
            return order[None, :k], self._popularity[order[None, :k]]
        indptr, indices = self._seen.indptr, self._seen.indices
        if rows.size == 1:
            seen = position[indices[indptr[rows[0]] : indptr[rows[0] + 1]]]
            head = np.ones(min(order.size, k + seen.size), dtype=bool)
            head[seen[seen < head.size]] = False
            top = order[: head.size][head][:k]
            scores = np.full((1, k), -np.inf)
            scores[0, : top.size] = self._popularity[top]
            cols = np.zeros((1, k), dtype=np.intp)
            cols[0, : top.size] = top
            return cols, scores
        cols = np.empty((rows.size, k), dtype=np.intp)
        scores = np.empty((rows.size, k))
        todo = np.arange(rows.size)
        width = min(order.size, k + 64)
        while todo.size:
            local, seen_cols = self._seen_items(rows[todo])
            seen_at = position[seen_cols]
            inside = seen_at < width
            blocked = np.zeros((todo.size, width), dtype=bool)
            blocked[local[inside], seen_at[inside]] = True
            free = (~blocked).sum(axis=1)
            done = (free >= k) | (width == order.size)
            # the first k free positions of each row (blocked ones sort after)
            pick = np.argsort(blocked[done], axis=1, kind="stable")[:, :k]
            cols[todo[done]] = order[pick]
            scores[todo[done]] = np.where(
                np.take_along_axis(blocked[done], pick, axis=1),
                -np.inf,
                self._popularity[order[pick]],
            )
            todo = todo[~done]
            width = order.size
        return cols, scores

    def _rank_users(
        self, rows: np.ndarray, k: int, exclude_seen: bool, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k columns and scores for every row (−1: unknown, the popular list)."""
        k = min(k, len(self.items_) if candidates is None else candidates.size)
        if rows.size == 1 and rows[0] >= 0:
            return self._rank(rows, k, exclude_seen, candidates)
        cols = np.empty((rows.size, k), dtype=np.intp)
        scores = np.empty((rows.size, k))
        unknown = rows < 0
        if unknown.any():
            cols[unknown], scores[unknown] = self._rank_popular(None, k, candidates)
        known = np.flatnonzero(~unknown)
        # a batch's dense scores (4 MiB) and the terms summed into them stay small:
        # a thread's work takes a fraction of the model's own memory
        step = min(
            batch_size(len(self.items_), elements=_BLOCK_ELEMENTS // 32),
            batch_size(self._terms_per_user(), elements=_BLOCK_ELEMENTS // 64),
        )
        batches = [known[start : start + step] for start in range(0, known.size, step)]

        def work(batch: np.ndarray) -> None:
            cols[batch], scores[batch] = self._rank(rows[batch], k, exclude_seen, candidates)

        if len(batches) > 1 and _threads() > 1:
            with ThreadPoolExecutor(min(_threads(), len(batches))) as pool:
                list(pool.map(work, batches))
        else:
            for batch in batches:
                work(batch)
        return cols, scores

    def _frame(self, ids: np.ndarray, cols: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
        n, k = cols.shape
        if n == 1:  # one user (a serving call): the same columns with fewer steps
            user, col, rank, score = ids.repeat(k), cols[0], np.arange(1, k + 1), scores[0]
        else:
            user, col, rank, score = (
                np.repeat(ids, k),
                cols.ravel(),
                np.tile(np.arange(1, k + 1), n),
                scores.ravel(),
            )
        # excluded items carry −inf: a user with fewer than k candidates gets fewer rows
        finite = np.isfinite(score)
        if not finite.all():
            user, col, rank, score = user[finite], col[finite], rank[finite], score[finite]
        return _columns_frame([user, self._item_ids[col], rank, score])

    def recommend(
        self,
        user_ids: Any,
        *,
        k: int = 10,
        exclude_seen: bool = True,
        on_unknown: OnUnknown = "popular",
        items: Any = None,
        exclude_items: Any = None,
    ) -> pd.DataFrame:
        """Top-``k`` items for each user.

        Parameters
        ----------
        user_ids : id or list of ids
        k : int
            List length.
        exclude_seen : bool
            Leave out the items a user had in training.
        on_unknown : {'popular', 'error'}
            Users not in the training data (cold start) get the most popular
            training items, scored by their number of training users
            ('popular', the same fallback for every model), or raise a
            ValueError ('error').
        items : list of item ids, optional
            Candidate set: recommend only among these (each must be a
            training item).
        exclude_items : list of item ids, optional
            Never recommend these (e.g. out of stock). Ids unknown to the
            model are allowed: there is nothing to exclude.

        Returns
        -------
        DataFrame
            ``user_id, item_id, rank, score`` (rank 1 = best; ties broken by
            the smaller item id), users in the order given. A user gets fewer
            than ``k`` rows when fewer candidates are left. For one user at a
            time (serving), :meth:`top_items` returns the same list as arrays,
            without the cost of building a DataFrame.
        """
        ids, rows, k, exclude_seen, candidates = self._request(
            user_ids, k, exclude_seen, on_unknown, items, exclude_items
        )
        return self._frame(ids, *self._rank_users(rows, k, exclude_seen, candidates))

    def _request(
        self,
        user_ids: Any,
        k: Any,
        exclude_seen: Any,
        on_unknown: Any,
        items: Any,
        exclude_items: Any,
        *,
        name: str = "user_ids",
    ) -> tuple[np.ndarray, np.ndarray, int, bool, np.ndarray | None]:
        # the usual values pass without the general checks (a serving call is short)
        if not (type(k) is int and k >= 1):
            k = check_k(k)
        if exclude_seen is not True and exclude_seen is not False:
            exclude_seen = check_bool(exclude_seen, name="exclude_seen")
        if not (type(on_unknown) is str and on_unknown in ("popular", "error")):
            on_unknown = check_choice(on_unknown, ("popular", "error"), name="on_unknown")
        self._check_fitted()
        ids = _check_ids(user_ids, name=name)
        rows = self._rows_of(ids)
        if on_unknown == "error" and np.any(rows < 0):
            raise self._unknown_users_error(ids[rows < 0], name)
        return ids, rows, k, exclude_seen, self._candidates(items, exclude_items)

    def top_items(
        self,
        user_id: Any,
        *,
        k: int = 10,
        exclude_seen: bool = True,
        on_unknown: OnUnknown = "popular",
        items: Any = None,
        exclude_items: Any = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """One user's top-``k`` list as two arrays: the serving call.

        The same list as ``recommend([user_id], ...)`` (same parameters, same
        ranking and tie-breaking), returned as ``(item_ids, scores)``, best
        first, without building a DataFrame: for one user, building the
        frame costs more than scoring with a neighbourhood model.

        Parameters
        ----------
        user_id : a single user id
        k, exclude_seen, on_unknown, items, exclude_items
            As in :meth:`recommend`.

        Returns
        -------
        tuple of two arrays
            ``item_ids`` and their ``scores``, at most ``k`` of each.
        """
        if isinstance(user_id, _SEVERAL):
            raise ValueError(
                f"user_id must be a single user id, got {type(user_id).__name__}: "
                "for several users use recommend()"
            )
        _, rows, k, exclude_seen, candidates = self._request(
            user_id, k, exclude_seen, on_unknown, items, exclude_items, name="user_id"
        )
        cols, scores = self._rank_users(rows, k, exclude_seen, candidates)
        cols, scores = cols[0], scores[0]
        if scores.size and scores[-1] == -np.inf:  # fewer than k candidates were left
            cols, scores = cols[scores > -np.inf], scores[scores > -np.inf]
        return self._item_ids[cols], scores

    def recommend_for_items(
        self,
        item_ids: Any,
        *,
        k: int = 10,
        user_id: Any = None,
        items: Any = None,
        exclude_items: Any = None,
    ) -> pd.DataFrame:
        """Top-``k`` items for a new user who liked ``item_ids``, without refitting.

        The cold-start onboarding call: the model scores the profile as it
        would score a training user with exactly these items (each model's
        docstring says how). The liked items themselves are never returned.

        Parameters
        ----------
        item_ids : list of item ids
            Items the new user liked; each must be a training item.
        k : int
            List length.
        user_id : optional
            Value for the ``user_id`` column of the result.
        items, exclude_items : list of item ids, optional
            Candidate filter, as in :meth:`recommend`.

        Returns
        -------
        DataFrame
            ``user_id, item_id, rank, score``, as :meth:`recommend`.
        """
        k = check_k(k)
        self._check_fitted()
        cols = np.unique(self._item_columns(item_ids, name="item_ids", strict=True))
        x = sparse.csr_matrix(
            (np.ones(cols.size), (np.zeros(cols.size, dtype=int), cols)),
            shape=(1, len(self.items_)),
        )
        scores = np.array(self._profile_scores(x), dtype=float).reshape(1, -1)
        scores[0, cols] = -np.inf
        candidates = self._candidates(items, exclude_items)
        k = min(k, len(self.items_) if candidates is None else candidates.size)
        ids = np.empty(1, dtype=object)
        ids[0] = user_id
        return self._frame(ids, *self._select(scores, k, candidates))

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"

    def _params(self) -> dict[str, Any]:
        return {}


class ItemItemMixin:
    """``similar_items`` for models whose profile score is a sum of item rows."""

    def similar_items(self, item_id: Any, *, k: int = 10) -> pd.DataFrame:
        """The ``k`` items this model would recommend to someone who has only
        ``item_id``: ``item_id, rank, score``, most similar first."""
        if isinstance(item_id, list | tuple | np.ndarray | pd.Series):
            raise ValueError(f"item_id must be a single item id, got {type(item_id).__name__}")
        self._item_columns([item_id], name="item_id", strict=True)  # type: ignore[attr-defined]
        recs = self.recommend_for_items([item_id], k=k)  # type: ignore[attr-defined]
        return recs.drop(columns="user_id")
