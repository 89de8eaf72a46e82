"""Stage 2 — features: what the ranker sees about a user, an item and the pair.

Seventeen columns (:data:`RANKER_FEATURES`), built by one function,
:func:`ranker_features`, both offline (training rows) and online (each
request), so training and serving cannot drift apart:

* user (from the store): orders, distinct products, spend, days since the
  last order, mean unit price paid;
* item (from the store): price, buyers, recent buyers, age in days, category;
* user × item (computed at request time): the embedding score, the
  co-purchase strength with the user's recent items, how many sources
  proposed the item, how often and how long ago the user bought it (NaN if
  never: LightGBM treats it as missing), the user's share of purchases in the
  item's category, and the item's price relative to what the user usually pays.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validate import as_real_array, check_count
from .catalogue import ITEM_FEATURES, USER_FEATURES, ServingData
from .retrieval import Candidates, UserContext
from .store import FeatureStore

#: Features computed per (user, candidate) at request time.
PAIR_FEATURES = (
    "als_score",
    "copurchase_score",
    "n_sources",
    "times_bought",
    "days_since_bought",
    "category_share",
    "price_ratio",
)
#: The ranker's input columns, in order.
RANKER_FEATURES = USER_FEATURES + ITEM_FEATURES + PAIR_FEATURES

#: The feature-store tables a service reads.
TABLES = {"user_vector": "rows", "user": "rows", "item": "rows", "history": "lists"}

_PRICE = ITEM_FEATURES.index("item_price")
_CATEGORY = ITEM_FEATURES.index("item_category")
_MEAN_PRICE = USER_FEATURES.index("user_mean_price")


def fill_store(store: FeatureStore, data: ServingData) -> None:
    """Write a :class:`ServingData`'s feature tables into ``store``.

    Tables: ``user_vector``, ``user`` (user features and category shares),
    ``item`` (item features) and ``history`` (each user's list of
    (item, times bought, days since) rows).
    """
    if not isinstance(store, FeatureStore):
        raise ValueError(f"store must be a FeatureStore, got {type(store).__name__}")
    if not isinstance(data, ServingData):
        raise ValueError(f"data must be a ServingData, got {type(data).__name__}")
    store.write("user_vector", data.user_vectors)
    store.write("user", data.user_features)
    store.write("item", data.item_features)
    store.write_lists("history", data.history_indptr, data.history)


def fetch_user(store: FeatureStore, row: int, *, dim: int, n_user_features: int) -> UserContext:
    """Read one user's vector, features and history in one request to the store.

    ``row`` −1 (a user the data does not know) reads nothing and returns an
    empty context: zero vector, NaN features, no history.
    """
    if not isinstance(store, FeatureStore):
        raise ValueError(f"store must be a FeatureStore, got {type(store).__name__}")
    if isinstance(row, bool) or not isinstance(row, int | np.integer) or row < -1:
        raise ValueError(f"row must be a user number (or -1 for an unknown user), got {row!r}")
    dim = check_count(dim, name="dim", minimum=1)
    n_user_features = check_count(n_user_features, name="n_user_features", minimum=1)
    row = int(row)
    if row < 0:
        return UserContext(
            row=-1,
            vector=np.zeros(dim, dtype=np.float32),
            features=np.full(n_user_features, np.nan, dtype=np.float32),
            history=np.empty((0, 3), dtype=np.float32),
        )
    try:
        got = store.read_many({"user_vector": [row], "user": [row]}, {"history": row})
    except ValueError as exc:
        raise ValueError(f"row {row}: {exc}") from None
    return UserContext(
        row=row, vector=got["user_vector"][0], features=got["user"][0], history=got["history"]
    )


def _column(candidates: Candidates, name: str) -> np.ndarray:
    if name in candidates.sources:
        return candidates.scores[:, candidates.sources.index(name)]
    return np.full(len(candidates), np.nan, dtype=np.float32)


def ranker_features(user: UserContext, candidates: Candidates, item_rows: Any) -> np.ndarray:
    """The (n_candidates × 17) feature matrix of :data:`RANKER_FEATURES`.

    Parameters
    ----------
    user : UserContext
        From :func:`fetch_user`.
    candidates : Candidates
        From :class:`~xplab.serving.CandidateGenerator`; the sources named
        ``"als"`` and ``"copurchase"`` give the two retrieval scores (NaN when
        a generator has no such source).
    item_rows : float32 array (n_candidates, 5)
        The candidates' rows of the ``item`` table, in candidate order.

    Examples
    --------
    >>> user = UserContext(row=0, vector=np.ones(2, "float32"),
    ...     features=np.array([3, 2, 40.0, 5, 2.0, 0.5, 0.5], "float32"),
    ...     history=np.array([[7, 2, 10.0]], "float32"))
    >>> cands = Candidates(items=np.array([7, 9]), scores=np.array([[0.9, 0.1], [0.5, 0.0]],
    ...     "float32"), retrieved=np.array([[True, False], [True, True]]), sources=("als", "copurchase"))
    >>> rows = np.array([[4.0, 100, 10, 200, 1], [1.0, 50, 0, 30, 0]], "float32")
    >>> x = ranker_features(user, cands, rows)
    >>> dict(zip(RANKER_FEATURES[-7:], x[0, -7:].tolist()))["times_bought"], x.shape
    (2.0, (2, 17))
    """
    if not isinstance(user, UserContext):
        raise ValueError(f"user must be a UserContext (from fetch_user), got {type(user).__name__}")
    if not isinstance(candidates, Candidates):
        raise ValueError(f"candidates must be Candidates, got {type(candidates).__name__}")
    n = len(candidates)
    items = as_real_array(item_rows, name="item_rows").astype(np.float32)
    if items.shape != (n, len(ITEM_FEATURES)):
        raise ValueError(
            f"item_rows must have shape ({n}, {len(ITEM_FEATURES)}), got {items.shape}"
        )
    n_user = len(USER_FEATURES)
    times = np.zeros(n, dtype=np.float32)
    days = np.full(n, np.nan, dtype=np.float32)
    if len(user.history):
        hist_items = user.history[:, 0].astype(np.int64)
        order = np.argsort(hist_items, kind="stable")
        sorted_items = hist_items[order]
        pos = np.clip(np.searchsorted(sorted_items, candidates.items), 0, len(order) - 1)
        hit = sorted_items[pos] == candidates.items
        rows = order[pos[hit]]
        times[hit] = user.history[rows, 1]
        days[hit] = user.history[rows, 2]
    category = items[:, _CATEGORY].astype(np.int64)
    shares = user.features[n_user:]
    category_share = shares[category] if shares.size else np.full(n, np.nan, np.float32)
    price_ratio = items[:, _PRICE] / user.features[_MEAN_PRICE]
    out = np.empty((n, len(RANKER_FEATURES)), dtype=np.float32)
    out[:, :n_user] = user.features[:n_user]
    out[:, n_user : n_user + len(ITEM_FEATURES)] = items
    pair = np.column_stack(
        [
            _column(candidates, "als"),
            _column(candidates, "copurchase"),
            candidates.n_sources,
            times,
            days,
            category_share,
            price_ratio,
        ]
    )
    out[:, n_user + len(ITEM_FEATURES) :] = pair
    return out
