"""What every serving stage reads, built offline: :class:`ServingData`.

A batch job (nightly, say) turns the purchase log into arrays indexed by dense
user and item numbers 0..n-1: embeddings for retrieval, feature rows for the
feature store, each user's purchase history, co-purchase neighbour lists, the
popular-now list, and the catalogue facts the business rules need (price,
category, stock, margin, sponsorship). :func:`xplab.serving.retail_serving_data`
builds it from Online Retail; :func:`synthetic_catalogue` builds one of any
size (10⁶ items and users for the latency benchmark) from a documented seeded
generator. The same stages run on both.

Online Retail records neither stock nor margin nor sponsorship: both builders
*simulate* them with :func:`simulate_stock_and_margin` and say so.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._rng import SeedLike, as_generator
from .._validate import check_count

#: Columns of the user feature table (followed by one share per category).
USER_FEATURES = (
    "user_orders",
    "user_products",
    "user_spend",
    "user_days_since_last",
    "user_mean_price",
)
#: Columns of the item feature table.
ITEM_FEATURES = (
    "item_price",
    "item_buyers",
    "item_recent_buyers",
    "item_age_days",
    "item_category",
)
#: Columns of each user's history rows: item number, times bought, days since last bought.
HISTORY_COLUMNS = ("item", "times_bought", "days_since")

#: Simulated catalogue facts (Online Retail has none): share out of stock, margin range,
#: share of items with a sponsor.
OUT_OF_STOCK_RATE = 0.08
MARGIN_RANGE = (0.10, 0.60)
SPONSORED_RATE = 0.03


def _hash_uniforms(item_ids: np.ndarray, seed: int, n: int) -> np.ndarray:
    """``n`` uniform numbers per item from a CRC-32 hash of (seed, item id, j)."""
    out = np.empty((len(item_ids), n))
    for i, item in enumerate(item_ids):
        for j in range(n):
            out[i, j] = zlib.crc32(f"{seed}:{item}:{j}".encode()) / 2**32
    return out


def simulate_stock_and_margin(
    item_ids: Any, *, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Simulated stock, margin and sponsorship for items whose data has none.

    Each item's three uniform numbers come from a CRC-32 hash of ``(seed,
    item id, j)``, so an item keeps its status across time periods and
    subsets of the catalogue. An item is out of stock with probability
    :data:`OUT_OF_STOCK_RATE` (8 %), has a margin rate uniform on
    :data:`MARGIN_RANGE` (10-60 % of the price) and a sponsor with
    probability :data:`SPONSORED_RATE` (3 %), all independent of each other
    and of the item's sales. Nothing here is the retailer's real stock or
    margin: use it to exercise the rules, not to learn about the shop.

    Parameters
    ----------
    item_ids : list of item ids
    seed : int

    Returns
    -------
    (in_stock, margin, sponsored) : bool, float32 and bool arrays, one entry per item.

    Examples
    --------
    >>> in_stock, margin, sponsored = simulate_stock_and_margin(["85123A", "22423"], seed=0)
    >>> in_stock.tolist(), [round(float(m), 3) for m in margin], sponsored.tolist()
    ([True, True], [0.318, 0.582], [False, False])
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    if item_ids is None or isinstance(item_ids, str | bytes):
        raise ValueError(f"item_ids must be a list of item ids, got {item_ids!r:.40}")
    ids = np.asarray(list(item_ids), dtype=object)
    if ids.ndim != 1 or ids.size == 0:
        raise ValueError("item_ids must be a non-empty one-dimensional list of ids")
    u = _hash_uniforms(ids, int(seed), 3)
    low, high = MARGIN_RANGE
    in_stock = u[:, 0] >= OUT_OF_STOCK_RATE
    margin = (low + (high - low) * u[:, 1]).astype(np.float32)
    sponsored = u[:, 2] < SPONSORED_RATE
    return in_stock, margin, sponsored


def _check_csr(indptr: np.ndarray, rows: np.ndarray, n: int, name: str) -> None:
    if indptr.shape != (n + 1,) or indptr[0] != 0 or indptr[-1] != len(rows):
        raise ValueError(f"{name}_indptr must have {n + 1} entries from 0 to len({name})")
    if np.any(np.diff(indptr) < 0):
        raise ValueError(f"{name}_indptr must not decrease")


@dataclass(frozen=True, repr=False)
class ServingData:
    """The arrays the serving stages read, indexed by dense user and item numbers.

    Attributes
    ----------
    user_ids, item_ids : arrays
        The original ids of users 0..n_users-1 and items 0..n_items-1.
    user_vectors, item_vectors : float32 arrays (n, dim)
        Embeddings: a user's affinity for an item is their dot product.
    user_features : float32 (n_users, 5 + n_categories)
        :data:`USER_FEATURES`, then the user's share of purchases in each category.
    item_features : float32 (n_items, 5)
        :data:`ITEM_FEATURES` (the category as its number).
    history_indptr, history : CSR layout
        User u's rows are ``history[history_indptr[u]:history_indptr[u + 1]]``,
        columns :data:`HISTORY_COLUMNS`, most recent first.
    neighbour_indptr, neighbours : CSR layout
        Item i's co-purchase neighbours, columns (item, strength), strongest first.
    popular : float32 (n, 2)
        The popular-now list: (item, recent buyers), most popular first.
    price, category, in_stock, margin, sponsored : per-item arrays
        For the business rules (see :func:`simulate_stock_and_margin` for
        what is simulated).
    category_names : tuple of str
    description : str
        Where the data came from, and what in it is simulated.
    """

    user_ids: np.ndarray
    item_ids: np.ndarray
    user_vectors: np.ndarray
    item_vectors: np.ndarray
    user_features: np.ndarray
    item_features: np.ndarray
    history_indptr: np.ndarray
    history: np.ndarray
    neighbour_indptr: np.ndarray
    neighbours: np.ndarray
    popular: np.ndarray
    price: np.ndarray
    category: np.ndarray
    in_stock: np.ndarray
    margin: np.ndarray
    sponsored: np.ndarray
    category_names: tuple[str, ...]
    description: str = ""
    _user_index: dict[Any, int] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        n_users, n_items = len(self.user_ids), len(self.item_ids)
        if n_users == 0 or n_items == 0:
            raise ValueError("ServingData needs at least one user and one item")
        for name, n in (("user_vectors", n_users), ("item_vectors", n_items)):
            arr = getattr(self, name)
            if arr.ndim != 2 or arr.shape[0] != n or arr.dtype != np.float32:
                raise ValueError(f"{name} must be float32 of shape ({n}, dim), got {arr.shape}")
        if self.user_vectors.shape[1] != self.item_vectors.shape[1]:
            raise ValueError("user_vectors and item_vectors must have the same dimension")
        n_cat = len(self.category_names)
        if self.user_features.shape != (n_users, len(USER_FEATURES) + n_cat):
            raise ValueError(
                f"user_features must have shape ({n_users}, {len(USER_FEATURES) + n_cat})"
            )
        if self.item_features.shape != (n_items, len(ITEM_FEATURES)):
            raise ValueError(f"item_features must have shape ({n_items}, {len(ITEM_FEATURES)})")
        _check_csr(self.history_indptr, self.history, n_users, "history")
        _check_csr(self.neighbour_indptr, self.neighbours, n_items, "neighbour")
        for name in ("price", "category", "in_stock", "margin", "sponsored"):
            if getattr(self, name).shape != (n_items,):
                raise ValueError(f"{name} must have one entry per item ({n_items})")
        if self.category.size and (self.category.min() < 0 or self.category.max() >= n_cat):
            raise ValueError("category must hold numbers 0..len(category_names)-1")
        if not self._user_index:
            # a lookup from original id to row, built once (O(n_users))
            self._user_index.update(zip(self.user_ids.tolist(), range(n_users), strict=True))

    @property
    def n_users(self) -> int:
        return len(self.user_ids)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)

    @property
    def dim(self) -> int:
        return int(self.item_vectors.shape[1])

    def user_row(self, user_id: Any) -> int:
        """The dense number of ``user_id``, or -1 for a user the data does not know."""
        try:
            return self._user_index.get(user_id, -1)
        except TypeError:  # an unhashable id
            raise ValueError(f"user_id must be a single id, got {user_id!r:.40}") from None

    def history_of(self, row: int) -> np.ndarray:
        """User ``row``'s history rows (item, times bought, days since), most recent first."""
        return self.history[self.history_indptr[row] : self.history_indptr[row + 1]]

    def __repr__(self) -> str:
        return (
            f"ServingData({self.n_users:,} users, {self.n_items:,} items, dim {self.dim}, "
            f"{len(self.history):,} history rows, {len(self.category_names)} categories"
            + (f"; {self.description}" if self.description else "")
            + ")"
        )


#: Coefficients of the synthetic purchase model (log-odds), see :func:`synthetic_labels`.
SYNTHETIC_TRUTH = {
    "intercept": -5.0,
    "affinity": 6.0,
    "times_bought": 0.8,
    "recent_buyers": 0.15,
    "category_share": 1.5,
    "price": -0.4,
}


def _unit_rows(x: np.ndarray) -> np.ndarray:
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def synthetic_catalogue(
    n_items: int,
    n_users: int,
    *,
    dim: int = 64,
    n_clusters: int | None = None,
    n_categories: int = 20,
    history_length: int = 12,
    n_neighbours: int = 20,
    seed: SeedLike = 0,
) -> ServingData:
    """A seeded catalogue of any size, with the structure of a real one.

    The generative model (every number below is a parameter or a constant here):

    * ``n_clusters`` (default ``max(8, n_items // 1000)``) cluster centres,
      uniform on the unit sphere in ``dim`` dimensions; each item belongs to a
      uniformly drawn cluster and its vector is its centre plus isotropic
      noise of norm ≈ 0.8, re-normalised. Users pick a home cluster with
      probability ∝ its size and get a vector the same way (noise ≈ 0.9).
      Clustered vectors are what learned embeddings look like; an ANN index's
      recall depends on it (isotropic vectors are much harder).
    * category = cluster mod ``n_categories``; price lognormal with median
      £2.50 × a category factor (0.6-1.8) and σ = 0.6 on the log scale;
      buyers Zipf-like (1,000 / rank^0.8 over a random order); recent
      buyers Binomial(buyers, 0.1); age uniform on 0-365 days.
    * each user's history: ``history_length`` items, 70 % from the home
      cluster, the rest uniform; times bought 1 + Poisson(0.7); days since
      uniform on 0-300.
    * co-purchase neighbours: ``n_neighbours`` random items of the same
      cluster, strengths uniform on (0.02, 0.5), strongest first; popular-now
      is the top 200 by recent buyers.
    * stock, margin and sponsorship as in :func:`simulate_stock_and_margin`,
      drawn from the generator.

    Parameters
    ----------
    n_items, n_users : int
    dim : int
        Embedding dimension.
    n_clusters : int, optional
    n_categories : int
    history_length : int
        Items per user history (at most the number of items).
    n_neighbours : int
        Co-purchase neighbours per item.
    seed : int, Generator or None

    Returns
    -------
    ServingData

    Examples
    --------
    >>> data = synthetic_catalogue(2_000, 500, dim=16, seed=0)
    >>> data.n_items, data.n_users, data.dim, len(data.history_of(0))
    (2000, 500, 16, 12)
    """
    n_items = check_count(n_items, name="n_items", minimum=2)
    n_users = check_count(n_users, name="n_users", minimum=1)
    dim = check_count(dim, name="dim", minimum=2)
    n_clusters = check_count(
        max(8, n_items // 1000) if n_clusters is None else n_clusters, name="n_clusters", minimum=1
    )
    n_categories = check_count(n_categories, name="n_categories", minimum=1)
    history_length = check_count(history_length, name="history_length", minimum=1)
    n_neighbours = check_count(n_neighbours, name="n_neighbours", minimum=1)
    if history_length > n_items:
        raise ValueError(f"history_length ({history_length}) exceeds n_items ({n_items})")
    if n_clusters > n_items:
        raise ValueError(f"n_clusters ({n_clusters}) exceeds n_items ({n_items})")
    rng = as_generator(seed)
    f32 = np.float32

    centres = _unit_rows(rng.standard_normal((n_clusters, dim), dtype=f32))
    cluster = rng.integers(n_clusters, size=n_items)
    item_vectors = centres[cluster]
    item_vectors += rng.standard_normal((n_items, dim), dtype=f32) * f32(0.8 / np.sqrt(dim))
    item_vectors = _unit_rows(item_vectors)
    sizes = np.bincount(cluster, minlength=n_clusters)
    home = rng.choice(n_clusters, size=n_users, p=sizes / n_items)
    user_vectors = centres[home]
    user_vectors += rng.standard_normal((n_users, dim), dtype=f32) * f32(0.9 / np.sqrt(dim))
    user_vectors = _unit_rows(user_vectors)

    category = (cluster % n_categories).astype(np.int16)
    category_factor = rng.uniform(0.6, 1.8, size=n_categories)
    price = (2.5 * category_factor[category] * np.exp(rng.normal(0, 0.6, n_items))).round(2)
    price = np.maximum(price, 0.1).astype(f32)
    buyers = np.floor(1000 / (1 + rng.permutation(n_items)) ** 0.8).astype(f32)
    recent = rng.binomial(buyers.astype(np.int64), 0.1).astype(f32)
    age = rng.uniform(0, 365, n_items).astype(f32)
    item_features = np.column_stack([price, buyers, recent, age, category.astype(f32)])

    # items grouped by cluster, to draw "an item of cluster c" in bulk
    order = np.argsort(cluster, kind="stable")
    starts = np.concatenate([[0], np.cumsum(sizes)])

    def draw_from(clusters: np.ndarray) -> np.ndarray:
        size = sizes[clusters]
        empty = size == 0
        pick = order[
            starts[clusters] + (rng.random(clusters.shape) * np.maximum(size, 1)).astype(int)
        ]
        return np.where(empty, rng.integers(n_items, size=clusters.shape), pick)

    h = history_length
    from_home = rng.random((n_users, h)) < 0.7
    items = np.where(
        from_home,
        draw_from(np.repeat(home[:, None], h, axis=1)),
        rng.integers(n_items, size=(n_users, h)),
    )
    times = (1 + rng.poisson(0.7, size=(n_users, h))).astype(f32)
    days = np.sort(rng.uniform(0, 300, size=(n_users, h)).astype(f32), axis=1)
    history = np.stack([items.astype(f32), times, days], axis=2).reshape(-1, 3)
    history_indptr = np.arange(0, n_users * h + 1, h, dtype=np.int64)

    hist_cat = category[items]
    shares = np.zeros((n_users, n_categories), dtype=f32)
    np.add.at(shares, (np.repeat(np.arange(n_users), h), hist_cat.ravel()), 1.0)
    shares /= h
    spend = (price[items] * times * rng.uniform(2, 12, size=(n_users, h))).sum(axis=1)
    user_features = np.column_stack(
        [
            (1 + rng.poisson(5, n_users)).astype(f32),
            np.full(n_users, h, dtype=f32),
            spend.astype(f32),
            days[:, 0],
            price[items].mean(axis=1).astype(f32),
            shares,
        ]
    ).astype(f32)

    m = n_neighbours
    neighbour_items = draw_from(np.repeat(cluster[:, None], m, axis=1))
    strength = -np.sort(-rng.uniform(0.02, 0.5, size=(n_items, m)), axis=1)
    neighbours = np.stack([neighbour_items.astype(f32), strength.astype(f32)], axis=2).reshape(
        -1, 2
    )
    neighbour_indptr = np.arange(0, n_items * m + 1, m, dtype=np.int64)

    top = np.lexsort((-buyers, -recent))[:200]
    popular = np.column_stack([top.astype(f32), recent[top]])

    u = rng.random((n_items, 3))
    low, high = MARGIN_RANGE
    return ServingData(
        user_ids=np.arange(n_users),
        item_ids=np.arange(n_items),
        user_vectors=user_vectors,
        item_vectors=item_vectors,
        user_features=user_features,
        item_features=item_features.astype(f32),
        history_indptr=history_indptr,
        history=history,
        neighbour_indptr=neighbour_indptr,
        neighbours=neighbours,
        popular=popular.astype(f32),
        price=price,
        category=category,
        in_stock=u[:, 0] >= OUT_OF_STOCK_RATE,
        margin=(low + (high - low) * u[:, 1]).astype(f32),
        sponsored=u[:, 2] < SPONSORED_RATE,
        category_names=tuple(f"category {c}" for c in range(n_categories)),
        description=(f"synthetic, {n_clusters:,} clusters; stock, margin and sponsors simulated"),
    )


def synthetic_labels(
    features: np.ndarray, feature_names: tuple[str, ...], *, seed: SeedLike = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Purchases of a synthetic catalogue's candidates, from a known model.

    P(buy) = sigmoid(−5 + 6·affinity + 0.8·times bought + 0.15·log(1 + recent
    buyers) + 1.5·category share − 0.4·log price), the coefficients in
    :data:`SYNTHETIC_TRUTH`, affinity being the embedding dot product
    (``als_score``). Used to train a ranker on the synthetic catalogue, whose
    accuracy means nothing: it exists so the latency benchmark times a real
    model of the real size.

    Parameters
    ----------
    features : 2-D array
        Rows of ranker features (see :data:`xplab.serving.RANKER_FEATURES`).
    feature_names : tuple of str
        The names of its columns.
    seed : int, Generator or None

    Returns
    -------
    (bought, probability) : int and float arrays, one entry per row.
    """
    x = np.asarray(features) if features is not None else np.empty(0, dtype=object)
    if x.dtype.kind not in "fiu":
        raise ValueError(f"features must be numbers (missing values as NaN), got dtype {x.dtype}")
    x = x.astype(float)
    if not isinstance(feature_names, tuple | list) or not all(
        isinstance(n, str) for n in feature_names
    ):
        raise ValueError(
            f"feature_names must be a tuple of column names, got {feature_names!r:.60}"
        )
    names = list(feature_names)
    needed = ["als_score", "times_bought", "item_recent_buyers", "category_share", "item_price"]
    missing = [n for n in needed if n not in names]
    if x.ndim != 2 or x.shape[1] != len(names):
        raise ValueError("features must be 2-D with one column per name in feature_names")
    if missing:
        raise ValueError(f"feature_names lacks {missing}")
    col = {n: x[:, names.index(n)] for n in needed}
    t = SYNTHETIC_TRUTH
    logit = (
        t["intercept"]
        + t["affinity"] * col["als_score"]
        + t["times_bought"] * col["times_bought"]
        + t["recent_buyers"] * np.log1p(col["item_recent_buyers"])
        + t["category_share"] * col["category_share"]
        + t["price"] * np.log(col["item_price"])
    )
    p = 1 / (1 + np.exp(-logit))
    rng = as_generator(seed)
    return (rng.random(p.shape) < p).astype(int), p
