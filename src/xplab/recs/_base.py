"""What every recommender shares: id mapping, fit checks and top-k ranking."""

from __future__ import annotations

from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import sparse

from ._frame import check_k, check_ratings

_BATCH = 2048  # users scored at once: bounds memory at BATCH × n_items floats


class Recommender:
    """Base class: ``fit(train)`` then ``recommend(user_ids, k=10)``.

    Subclasses implement ``_fit()`` (using ``self._X``, the users × items
    rating matrix in CSR form, and ``self.users_`` / ``self.items_``) and
    ``_scores(rows)`` (a dense score matrix for those user rows).
    """

    needs_rating = False

    def fit(self, train: pd.DataFrame) -> Self:
        """Learn from ``train`` (``user_id, item_id`` [, ``rating``]); returns self."""
        train = check_ratings(train, name="train", rating=self.needs_rating)
        self.users_ = pd.Index(np.sort(train["user_id"].unique()), name="user_id")
        self.items_ = pd.Index(np.sort(train["item_id"].unique()), name="item_id")
        rows = self.users_.get_indexer(train["user_id"])
        cols = self.items_.get_indexer(train["item_id"])
        values = (
            train["rating"].to_numpy(dtype=float)
            if "rating" in train.columns
            else np.ones(len(train))
        )
        shape = (len(self.users_), len(self.items_))
        self._X = sparse.csr_matrix((values, (rows, cols)), shape=shape)
        self._seen = sparse.csr_matrix((np.ones(len(train)), (rows, cols)), shape=shape)
        self._fit()
        return self

    def _fit(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _scores(self, rows: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_fitted(self) -> None:
        if not hasattr(self, "_X"):
            raise ValueError(f"{type(self).__name__} is not fitted yet: call .fit(train) first")

    def _user_rows(self, user_ids: Any) -> tuple[np.ndarray, np.ndarray]:
        self._check_fitted()
        ids = np.atleast_1d(np.asarray(user_ids))
        if ids.size == 0:
            raise ValueError("user_ids is empty")
        rows = self.users_.get_indexer(ids)
        if np.any(rows < 0):
            unknown = ids[rows < 0]
            raise ValueError(
                f"{unknown.size} user(s) were not in the training data, e.g. "
                f"{unknown[:5].tolist()}: a collaborative model knows nothing about them "
                "(cold start). Recommend Popularity to them instead."
            )
        return ids, rows

    def recommend(self, user_ids: Any, *, k: int = 10, exclude_seen: bool = True) -> pd.DataFrame:
        """Top-``k`` items for each user.

        Returns a DataFrame ``user_id, item_id, rank, score`` (rank 1 = best;
        ties broken by the smaller item id). Items the user rated in training
        are left out when ``exclude_seen``; a user can get fewer than ``k``
        rows when fewer items are left.
        """
        k = check_k(k)
        ids, rows = self._user_rows(user_ids)
        k_eff = min(k, len(self.items_))
        parts = []
        for start in range(0, rows.size, _BATCH):
            batch = rows[start : start + _BATCH]
            scores = np.asarray(self._scores(batch), dtype=float)
            if exclude_seen:
                seen = self._seen[batch].tocoo()
                scores[seen.row, seen.col] = -np.inf
            # stable sort of −score over item order = ties broken by item id
            top = np.argsort(-scores, axis=1, kind="stable")[:, :k_eff]
            top_scores = np.take_along_axis(scores, top, axis=1)
            parts.append(
                (np.repeat(ids[start : start + _BATCH], k_eff), top.ravel(), top_scores.ravel())
            )
        user, col, score = (np.concatenate(p) for p in zip(*parts, strict=True))
        out = pd.DataFrame(
            {
                "user_id": user,
                "item_id": self.items_.to_numpy()[col],
                "rank": np.tile(np.arange(1, k_eff + 1), rows.size),
                "score": score,
            }
        )
        return out[np.isfinite(out["score"])].reset_index(drop=True)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}({params})"

    def _params(self) -> dict[str, Any]:
        return {}
