"""EASE: a closed-form item-item model (Steck, WWW 2019)."""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import linalg

from .._validate import check_positive
from ._base import Recommender


class EASE(Recommender):
    r"""Embarrassingly Shallow Autoencoder: ridge regression of every item on all others.

    With X the users × items interaction matrix (1 if the user rated the
    item), EASE finds the item-item weights B minimizing

    .. math:: \|X - XB\|_F^2 + \lambda\|B\|_F^2 \quad \text{subject to } \operatorname{diag}(B) = 0

    in closed form: with P = (XᵀX + λI)⁻¹,
    B = I − P · diagMat(1 / diag(P)), i.e. B_ij = −P_ij / P_jj for i ≠ j.
    Scores are XB: an item scores high when the items a user already has
    predict it. The zero diagonal stops an item from predicting itself.

    Parameters
    ----------
    l2 : float
        λ, > 0. Larger values shrink B and favour popular items.
    binary : bool
        Use 0/1 interactions (default, the paper's setting) rather than the
        rating values.

    Examples
    --------
    >>> import pandas as pd
    >>> train = pd.DataFrame({"user_id": [1, 1, 2, 2, 3], "item_id": [10, 20, 10, 20, 10]})
    >>> EASE(l2=1.0).fit(train).recommend([3], k=1)["item_id"].tolist()
    [20]
    """

    def __init__(self, *, l2: float = 500.0, binary: bool = True) -> None:
        self.l2 = check_positive(l2, name="l2")
        self.binary = bool(binary)

    def _params(self) -> dict[str, Any]:
        return {"l2": self.l2, "binary": self.binary}

    def _fit(self) -> None:
        X = self._seen if self.binary else self._X
        self._input = X.tocsr()
        gram = (X.T @ X).toarray()
        gram[np.diag_indices_from(gram)] += self.l2
        P = linalg.inv(gram, overwrite_a=True, check_finite=False)
        B = -P / np.diag(P)
        np.fill_diagonal(B, 0.0)
        self.B_ = B

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self._input[rows] @ self.B_)
