"""What every recommender shares: id mapping, fit checks and top-k ranking."""

from __future__ import annotations

from typing import Any, Literal, Self

import numpy as np
import pandas as pd
from scipy import sparse

from .._validate import check_choice
from ._frame import check_k, check_ratings

OnUnknown = Literal["popular", "error"]

# Dense work arrays (scores of a batch of users, similarity rows of a batch of
# items) hold at most this many floats: 2**24 × 8 bytes = 128 MiB each.
_BLOCK_ELEMENTS = 2**24


def batch_size(n_columns: int, *, cap: int = 2048) -> int:
    """Rows per batch so that a batch × ``n_columns`` array stays near 128 MiB."""
    return int(np.clip(_BLOCK_ELEMENTS // max(n_columns, 1), 1, cap))


def top_k_columns(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k largest entries of each row, best first.

    Ties are broken by the smaller column index, exactly as a stable sort of
    the whole row would do, but only the k winners are sorted: a partial
    selection (``argpartition``, linear time) finds them first. Rows where
    the k-th value is tied with unselected entries fall back to the full sort.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k == n_cols or n_rows == 0:
        return np.argsort(-scores, axis=1, kind="stable")[:, :k]
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(scores, top, axis=1)
    kth = top_scores.min(axis=1)
    # A row is ambiguous when more than k entries reach its k-th value: the
    # partition then picked an arbitrary subset of the tied entries.
    ambiguous = np.flatnonzero((scores >= kth[:, None]).sum(axis=1) > k)
    order = np.lexsort((top, -top_scores), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    if ambiguous.size:
        top[ambiguous] = np.argsort(-scores[ambiguous], axis=1, kind="stable")[:, :k]
    return top


def _check_ids(ids: Any, *, name: str) -> np.ndarray:
    if isinstance(ids, str | bytes) or not np.iterable(ids):
        ids = [ids]
    out = np.asarray(list(ids) if not isinstance(ids, np.ndarray | pd.Series) else ids)
    if out.ndim != 1:
        raise ValueError(f"{name} must be a one-dimensional list of ids, got shape {out.shape}")
    if out.size == 0:
        raise ValueError(f"{name} is empty")
    return out


class Recommender:
    """Base class: ``fit(train)`` then ``recommend(user_ids, k=10)``.

    Subclasses implement ``_fit()`` (using ``self._X``, the users × items
    rating matrix in CSR form, and ``self.users_`` / ``self.items_``),
    ``_scores(rows)`` (a dense score matrix for those user rows) and
    ``_profile_scores(x)`` (scores for a new user given a 1 × items 0/1 row).
    """

    needs_rating = False

    def fit(self, train: pd.DataFrame) -> Self:
        """Learn from ``train`` (``user_id, item_id`` [, ``rating``]); returns self."""
        train = check_ratings(train, name="train", rating=self.needs_rating)
        self.users_ = pd.Index(np.sort(train["user_id"].unique()), name="user_id")
        self.items_ = pd.Index(np.sort(train["item_id"].unique()), name="item_id")
        rows = self.users_.get_indexer(train["user_id"])
        cols = self.items_.get_indexer(train["item_id"])
        self._rated = "rating" in train.columns
        values = train["rating"].to_numpy(dtype=float) if self._rated else np.ones(len(train))
        shape = (len(self.users_), len(self.items_))
        self._X = sparse.csr_matrix((values, (rows, cols)), shape=shape)
        self._seen = sparse.csr_matrix((np.ones(len(train)), (rows, cols)), shape=shape)
        # training users per item: the fallback ranking for users the model has not seen
        self._popularity = np.asarray(self._seen.sum(axis=0), dtype=float).ravel()
        self._fit()
        return self

    def _fit(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scores(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _profile_scores(self, x: sparse.csr_matrix) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "_X"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call .fit(train) first")

    def _user_rows(self, user_ids: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        ids = _check_ids(user_ids, name="user_ids")
        rows = self.users_.get_indexer(ids)
        if np.any(rows < 0):
            unknown = ids[rows < 0]
            raise ValueError(
                f"{unknown.size} user(s) were not in the training data, e.g. "
                f"{unknown[:5].tolist()}: a collaborative model knows nothing about them "
                "(cold start): recommend(..., on_unknown='popular') gives them the most "
                "popular items, recommend_for_items() a list from items they liked."
            )
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

    def _allowed(self, items: Any, exclude_items: Any) -> np.ndarray | None:
        """A mask of candidate columns, or None when every item is a candidate."""
        if items is None and exclude_items is None:
            return None
        allowed = np.ones(len(self.items_), dtype=bool)
        if items is not None:
            allowed[:] = False
            allowed[self._item_columns(items, name="items", strict=True)] = True
        if exclude_items is not None:
            allowed[self._item_columns(exclude_items, name="exclude_items", strict=False)] = False
        return allowed

    @staticmethod
    def _ranked(scores: np.ndarray, k: int, ids: np.ndarray) -> tuple[np.ndarray, ...]:
        k_eff = min(k, scores.shape[1])
        top = top_k_columns(scores, k_eff)
        top_scores = np.take_along_axis(scores, top, axis=1)
        return (
            np.repeat(ids, k_eff),
            top.ravel(),
            np.tile(np.arange(1, k_eff + 1), ids.size),
            top_scores.ravel(),
        )

    def _frame(self, parts: list[tuple[np.ndarray, ...]]) -> pd.DataFrame:
        user, col, rank, score = (np.concatenate(p) for p in zip(*parts, strict=True))
        out = pd.DataFrame(
            {
                "user_id": user,
                "item_id": self.items_.to_numpy()[col],
                "rank": rank,
                "score": score,
            }
        )
        # excluded items carry −inf: a user with fewer than k candidates gets fewer rows
        return out[np.isfinite(out["score"])].reset_index(drop=True)

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
            than ``k`` rows when fewer candidates are left.
        """
        k = check_k(k)
        on_unknown = check_choice(on_unknown, ("popular", "error"), name="on_unknown")
        self._check_fitted()
        if on_unknown == "error":
            ids, rows = self._user_rows(user_ids)
        else:
            ids = _check_ids(user_ids, name="user_ids")
            rows = self.users_.get_indexer(ids)
        allowed = self._allowed(items, exclude_items)
        parts = []
        step = batch_size(len(self.items_))
        for start in range(0, rows.size, step):
            batch = rows[start : start + step]
            known = batch >= 0
            scores = np.empty((batch.size, len(self.items_)))
            if known.any():
                scores[known] = self._scores(batch[known])
            scores[~known] = self._popularity
            if exclude_seen and known.any():
                seen = self._seen[batch[known]].tocoo()
                scores[np.flatnonzero(known)[seen.row], seen.col] = -np.inf
            if allowed is not None:
                scores[:, ~allowed] = -np.inf
            parts.append(self._ranked(scores, k, ids[start : start + step]))
        return self._frame(parts)

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
        allowed = self._allowed(items, exclude_items)
        if allowed is not None:
            scores[:, ~allowed] = -np.inf
        ids = np.empty(1, dtype=object)
        ids[0] = user_id
        return self._frame([self._ranked(scores, k, ids)])

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
        recs = self.recommend_for_items([item_id], k=k)  # type: ignore[attr-defined]
        return recs.drop(columns="user_id")
