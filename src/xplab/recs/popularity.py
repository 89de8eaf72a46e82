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
        return np.broadcast_to(self._popularity, (rows.size, self._popularity.size))

    def _profile_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        return self._popularity
