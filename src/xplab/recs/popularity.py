"""The baseline every recommender must beat: recommend what most people rated."""

from __future__ import annotations

import numpy as np
from scipy import sparse

from ._base import Recommender


class Popularity(Recommender):
    """Score each item by the number of training users who rated it.

    The same list for everyone (minus what each user has seen). Strong on
    accuracy metrics, weak on coverage and novelty — and the natural fallback
    for a brand-new user: every model's ``recommend(..., on_unknown="popular")``
    ranks unknown users this way. ``recommend_for_items`` returns the most
    popular items other than the given ones.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"user_id": [1, 1, 2, 3], "item_id": [10, 20, 10, 10]})
    >>> Popularity().fit(train).recommend([2], k=1)["item_id"].tolist()
    [20]
    """

    def _fit(self) -> None:
        self.item_counts_ = np.asarray(self._seen.sum(axis=0)).ravel()

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.tile(self._popularity, (rows.size, 1))

    def _rank(
        self, rows: np.ndarray, k: int, exclude_seen: bool, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        # one order for everyone: each user's list is its first k unseen items
        if not exclude_seen:
            cols, scores = self._rank_popular(None, k, candidates)
            return np.repeat(cols, rows.size, axis=0), np.repeat(scores, rows.size, axis=0)
        return self._rank_popular(rows, k, candidates)

    def _profile_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        return self._popularity
