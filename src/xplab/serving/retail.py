"""The serving pipeline on real purchases: UCI Online Retail.

Three periods, split at two cutoffs (:data:`CUTOFFS`) with
:func:`xplab.recs.cutoff_split`:

* **history** (2010-12-01 … 2011-08-31) — what the models and features of
  the ranker's training rows are built from;
* **labels** (September 2011) — what those users bought next: the ranker's
  training labels;
* **test** (2011-10-01 … 2011-12-09) — the later period every figure is
  measured on, with models and features rebuilt from everything before
  October (history + labels), as a deployed system would be.

The building blocks are public so later chapters can reuse them:
:func:`customer_features`, :func:`product_features`, :func:`purchase_history`,
:func:`copurchase_neighbours`, :func:`fit_als`, :func:`next_period_spend`
and :func:`retail_serving_data`. :func:`load_retail_experiment` runs the
whole offline experiment once and caches it (notebook 08 loads it).

Stock, margin and sponsorship are not in the data; they are simulated
(:func:`xplab.serving.simulate_stock_and_margin`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import pickle
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .._files import replacing
from .._validate import check_columns, check_count, check_date, check_positive
from ..data._fetch import default_cache_dir
from ..recs import cutoff_split
from .catalogue import (
    USER_FEATURES,
    ServingData,
    simulate_stock_and_margin,
)
from .features import RANKER_FEATURES, fill_store
from .ranking import Ranker
from .retrieval import (
    ANNIndex,
    CandidateGenerator,
    CoPurchaseSource,
    EmbeddingSource,
    PopularSource,
)
from .store import FeatureStore, InProcessStore

#: Ranker labels from the first cutoff; the test period from the second.
CUTOFFS = ("2011-09-01", "2011-10-01")
#: implicit ALS settings, chosen by recall@300 on the labels period (never on the test
#: period): alpha 1, 2, 3, 5, 10, 30, regularization 0.05-1, 32-128 factors were tried.
ALS_PARAMS = MappingProxyType(
    {"factors": 64, "regularization": 0.05, "alpha": 3.0, "iterations": 15, "seed": 0}
)
#: Candidates per source.
N_CANDIDATES = MappingProxyType({"als": 300, "copurchase": 200, "popular": 100})
#: Days that count as "recent" for popular-now and item trends.
RECENT_DAYS = 14
#: Co-purchase neighbours kept per item.
N_NEIGHBOURS = 50
#: Seed of the simulated stock, margin and sponsors.
CATALOGUE_SEED = 0
#: The ranker trains on every purchased candidate and at most this many others per user
#: (sampled with TRAIN_SEED): a quarter of the rows, and the same validation nDCG.
MAX_NEGATIVES = 100
TRAIN_SEED = 0

_PURCHASE_COLUMNS = [
    "invoice",
    "stock_code",
    "invoice_date",
    "customer_id",
    "quantity",
    "unit_price",
]


def _check_purchases(purchases: Any, name: str = "purchases") -> pd.DataFrame:
    check_columns(purchases, _PURCHASE_COLUMNS, name=name)
    if len(purchases) == 0:
        raise ValueError(f"{name} is empty")
    return purchases


def _check_categories(categories: Any) -> pd.DataFrame:
    check_columns(categories, ["category"], name="categories")
    return categories


def _days(now: pd.Timestamp, when: pd.Series) -> np.ndarray:
    return ((now - when).dt.total_seconds() / 86_400).to_numpy()


def customer_features(
    purchases: pd.DataFrame, *, now: Any, categories: pd.DataFrame
) -> pd.DataFrame:
    """One row per customer: recency, frequency, monetary value and category mix.

    Columns: ``orders`` (distinct invoices), ``products`` (distinct stock
    codes), ``spend`` (Σ quantity × unit price), ``days_since_last`` (days
    from the last invoice to ``now``), ``mean_price`` (mean unit price of
    their lines), then ``share: <category>`` for each category of
    ``categories`` (the share of their lines in it). Only purchases before
    ``now`` count.

    Examples
    --------
    >>> p = pd.DataFrame({"invoice": ["1", "1", "2"], "stock_code": ["A", "B", "A"],
    ...     "invoice_date": pd.to_datetime(["2011-01-01", "2011-01-01", "2011-01-11"]),
    ...     "customer_id": [7, 7, 7], "quantity": [2, 1, 4], "unit_price": [1.5, 4.0, 1.5]})
    >>> cats = pd.DataFrame({"category": ["bags", "other"]}, index=pd.Index(["A", "B"], name="stock_code"))
    >>> customer_features(p, now="2011-01-21", categories=cats).iloc[0].round(3).tolist()
    [2.0, 2.0, 13.0, 10.0, 2.333, 0.667, 0.333]
    """
    p = _check_purchases(purchases)
    now = check_date(now, name="now")
    categories = _check_categories(categories)
    p = p[p["invoice_date"] < now]
    names = sorted(categories["category"].unique())
    g = p.groupby("customer_id")
    out = pd.DataFrame(
        {
            "orders": g["invoice"].nunique(),
            "products": g["stock_code"].nunique(),
            "spend": (p["quantity"] * p["unit_price"]).groupby(p["customer_id"]).sum(),
            "days_since_last": pd.Series(_days(now, g["invoice_date"].max()), index=g.size().index),
            "mean_price": g["unit_price"].mean(),
        }
    ).astype(float)
    cat = pd.Categorical(
        p["stock_code"].map(categories["category"]).fillna("other"), categories=names
    )
    rows = out.index.get_indexer(p["customer_id"])
    counts = np.zeros((len(out), len(names)))
    np.add.at(counts, (rows, cat.codes), 1.0)
    shares = pd.DataFrame(
        counts / counts.sum(axis=1, keepdims=True),
        index=out.index,
        columns=[f"share: {c}" for c in names],
    )
    return out.join(shares)


def product_features(
    purchases: pd.DataFrame, *, now: Any, categories: pd.DataFrame, recent_days: int = RECENT_DAYS
) -> pd.DataFrame:
    """One row per product: price, reach, trend, age and category.

    Columns: ``price`` (median unit price), ``buyers`` (distinct customers),
    ``recent_buyers`` (distinct customers in the last ``recent_days`` days
    before ``now``), ``age_days`` (days since its first sale), ``category``.
    """
    p = _check_purchases(purchases)
    now = check_date(now, name="now")
    categories = _check_categories(categories)
    recent_days = check_count(recent_days, name="recent_days", minimum=1)
    p = p[p["invoice_date"] < now]
    g = p.groupby("stock_code")
    recent = p[p["invoice_date"] >= now - pd.Timedelta(days=recent_days)]
    out = pd.DataFrame(
        {
            "price": g["unit_price"].median(),
            "buyers": g["customer_id"].nunique().astype(float),
            "age_days": pd.Series(_days(now, g["invoice_date"].min()), index=g.size().index),
        }
    )
    out["recent_buyers"] = (
        recent.groupby("stock_code")["customer_id"].nunique().reindex(out.index).fillna(0.0)
    )
    out["category"] = categories["category"].reindex(out.index).fillna("other")
    return out[["price", "buyers", "recent_buyers", "age_days", "category"]]


def purchase_history(purchases: pd.DataFrame, *, now: Any) -> pd.DataFrame:
    """Each customer's products: ``times_bought`` (distinct invoices) and
    ``days_since`` (days from the last purchase to ``now``), most recent first."""
    p = _check_purchases(purchases)
    now = check_date(now, name="now")
    p = p[p["invoice_date"] < now]
    g = p.groupby(["customer_id", "stock_code"])
    out = pd.DataFrame(
        {"times_bought": g["invoice"].nunique().astype(float), "last": g["invoice_date"].max()}
    ).reset_index()
    out["days_since"] = _days(now, out.pop("last"))
    return out.sort_values(["customer_id", "days_since", "stock_code"]).reset_index(drop=True)


def copurchase_neighbours(
    purchases: pd.DataFrame, *, items: pd.Index, n_neighbours: int = N_NEIGHBOURS
) -> tuple[np.ndarray, np.ndarray]:
    """Each item's strongest basket neighbours, in the CSR layout of :class:`ServingData`.

    Strength = cosine of two items' basket vectors: baskets with both /
    √(baskets with one × baskets with the other). The ``n_neighbours``
    strongest per item are kept (an item is not its own neighbour).
    """
    p = _check_purchases(purchases)
    n_neighbours = check_count(n_neighbours, name="n_neighbours", minimum=1)
    if items is None or isinstance(items, str | bytes) or not np.iterable(items):
        raise ValueError(f"items must be a list of stock codes, got {items!r:.40}")
    items = pd.Index(items)
    if len(items) < 2 or items.has_duplicates:
        raise ValueError("items must hold at least two distinct stock codes")
    p = p[p["stock_code"].isin(items)]
    baskets = pd.Index(p["invoice"].unique())
    b = sparse.csr_matrix(
        (
            np.ones(len(p), dtype=np.float32),
            (baskets.get_indexer(p["invoice"]), items.get_indexer(p["stock_code"])),
        ),
        shape=(len(baskets), len(items)),
    )
    b.data[:] = 1.0  # a basket holds an item once
    b.sum_duplicates()
    b.data[:] = 1.0
    co = (b.T @ b).toarray()
    counts = np.diag(co).copy()
    norm = np.sqrt(np.outer(counts, counts))
    cos = np.divide(co, norm, out=np.zeros_like(co), where=norm > 0)
    np.fill_diagonal(cos, 0.0)
    m = min(n_neighbours, len(items) - 1)
    top = np.argpartition(-cos, m - 1, axis=1)[:, :m] if m > 0 else np.empty((len(items), 0), int)
    strength = np.take_along_axis(cos, top, axis=1)
    order = np.lexsort((top, -strength), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    strength = np.take_along_axis(strength, order, axis=1)
    keep = strength > 0
    counts_per = keep.sum(axis=1)
    indptr = np.concatenate([[0], np.cumsum(counts_per)]).astype(np.int64)
    rows = np.column_stack([top[keep].astype(np.float32), strength[keep].astype(np.float32)])
    return indptr, rows


def fit_als(
    matrix: sparse.csr_matrix,
    *,
    factors: int = 64,
    regularization: float = 0.05,
    alpha: float = 10.0,
    iterations: int = 15,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Implicit-feedback ALS (Hu, Koren & Volinsky 2008) with the ``implicit`` library.

    ``matrix`` is users × items with the evidence per pair (here: distinct
    invoices); ``implicit`` weighs observed pairs by alpha × value and every
    unobserved pair by 1. Runs with BLAS on one thread, as implicit
    advises. Returns float32 (user factors, item factors).
    """
    import threadpoolctl  # type: ignore[import-untyped]
    from implicit.cpu.als import AlternatingLeastSquares

    if not sparse.issparse(matrix):
        raise ValueError(
            f"matrix must be a scipy sparse users × items matrix, got {type(matrix).__name__}"
        )
    factors = check_count(factors, name="factors", minimum=1)
    iterations = check_count(iterations, name="iterations", minimum=1)
    regularization = check_positive(regularization, name="regularization")
    alpha = check_positive(alpha, name="alpha")
    seed = check_count(seed, name="seed")
    with threadpoolctl.threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors,
            regularization=regularization,
            alpha=alpha,
            iterations=iterations,
            random_state=seed,
        )
        model.fit(sparse.csr_matrix(matrix, dtype=np.float32), show_progress=False)
    return (
        np.ascontiguousarray(model.user_factors, dtype=np.float32),
        np.ascontiguousarray(model.item_factors, dtype=np.float32),
    )


def retail_serving_data(
    purchases: pd.DataFrame,
    *,
    now: Any,
    categories: pd.DataFrame,
    als: Any = ALS_PARAMS,
    n_neighbours: int = N_NEIGHBOURS,
    n_popular: int = 100,
) -> ServingData:
    """The :class:`ServingData` of Online Retail as of ``now``, from purchases before it.

    Users are the customers with a purchase before ``now``, items the
    products sold before it (both sorted by id). Embeddings from
    :func:`fit_als` on distinct-invoice counts; features from
    :func:`customer_features` and :func:`product_features`; histories from
    :func:`purchase_history`; neighbours from :func:`copurchase_neighbours`;
    popular-now = the ``n_popular`` items with most buyers in the last
    :data:`RECENT_DAYS` days. Stock, margin and sponsors are simulated
    (:func:`simulate_stock_and_margin`, seed :data:`CATALOGUE_SEED`).
    """
    p = _check_purchases(purchases)
    now = check_date(now, name="now")
    categories = _check_categories(categories)
    if not isinstance(als, Mapping) or not set(als) <= set(ALS_PARAMS):
        raise ValueError(
            f"als must be a dict of fit_als settings {sorted(ALS_PARAMS)}, got {als!r:.60}"
        )
    n_neighbours = check_count(n_neighbours, name="n_neighbours", minimum=1)
    n_popular = check_count(n_popular, name="n_popular", minimum=1)
    p = p[p["invoice_date"] < now]
    if len(p) == 0:
        raise ValueError(f"purchases has no rows before now ({now.date()})")
    names = tuple(sorted(categories["category"].unique()))
    users = pd.Index(np.sort(p["customer_id"].unique()), name="customer_id")
    items = pd.Index(np.sort(p["stock_code"].unique()), name="stock_code")

    hist = purchase_history(p, now=now)
    rows, cols = users.get_indexer(hist["customer_id"]), items.get_indexer(hist["stock_code"])
    counts = sparse.csr_matrix(
        (hist["times_bought"].to_numpy(np.float32), (rows, cols)), shape=(len(users), len(items))
    )
    user_vectors, item_vectors = fit_als(counts, **dict(als))

    cust = customer_features(p, now=now, categories=categories).reindex(users)
    prod = product_features(p, now=now, categories=categories).reindex(items)
    cat_code = pd.Categorical(prod["category"], categories=names).codes.astype(np.int16)
    item_features = np.column_stack(
        [prod["price"], prod["buyers"], prod["recent_buyers"], prod["age_days"], cat_code]
    ).astype(np.float32)
    user_features = cust.to_numpy(dtype=np.float32)

    history = np.column_stack([cols, hist["times_bought"], hist["days_since"]]).astype(np.float32)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=len(users)))]).astype(
        np.int64
    )
    n_indptr, neighbours = copurchase_neighbours(p, items=items, n_neighbours=n_neighbours)

    pop_order = np.lexsort(
        (np.arange(len(items)), -prod["buyers"].to_numpy(), -prod["recent_buyers"].to_numpy())
    )
    top = pop_order[: min(n_popular, len(items))]
    popular = np.column_stack([top, prod["recent_buyers"].to_numpy()[top]]).astype(np.float32)

    in_stock, margin, sponsored = simulate_stock_and_margin(items, seed=CATALOGUE_SEED)
    return ServingData(
        user_ids=users.to_numpy(),
        item_ids=items.to_numpy(),
        user_vectors=user_vectors,
        item_vectors=item_vectors,
        user_features=user_features,
        item_features=item_features,
        history_indptr=indptr,
        history=history,
        neighbour_indptr=n_indptr,
        neighbours=neighbours,
        popular=popular,
        price=item_features[:, 0].copy(),
        category=cat_code,
        in_stock=in_stock,
        margin=margin,
        sponsored=sponsored,
        category_names=names,
        description=f"Online Retail before {now.date()}; stock, margin and sponsors simulated",
    )


def next_period_spend(
    purchases: pd.DataFrame, returns: pd.DataFrame, *, start: Any, end: Any = None
) -> pd.DataFrame:
    """What each customer spent on each product in [start, end), net of returns.

    A pair counts as a purchase when its net spend is positive (a line
    bought and cancelled in the period nets to zero and does not count).
    Returns ``customer_id, stock_code, spend``.
    """
    p = _check_purchases(purchases)
    check_columns(
        returns,
        ["stock_code", "invoice_date", "customer_id", "quantity", "unit_price"],
        name="returns",
    )
    start = check_date(start, name="start")
    stop = None if end is None else check_date(end, name="end")
    if stop is not None and stop <= start:
        raise ValueError(f"end ({stop.date()}) must come after start ({start.date()})")
    parts = []
    for frame in (p, returns):
        f = frame[frame["invoice_date"] >= start]
        if stop is not None:
            f = f[f["invoice_date"] < stop]
        parts.append(
            f.assign(spend=f["quantity"] * f["unit_price"])[["customer_id", "stock_code", "spend"]]
        )
    net = pd.concat(parts).groupby(["customer_id", "stock_code"], as_index=False)["spend"].sum()
    return net[net["spend"] > 0.005].reset_index(drop=True)


def make_generator(
    data: ServingData,
    *,
    index: ANNIndex | None = None,
    n: Any = N_CANDIDATES,
    recent: int = 5,
) -> CandidateGenerator:
    """The three sources of this chapter over ``data``: ALS embeddings (searched
    with ``index``, exact by default), co-purchase neighbours of the user's
    ``recent`` latest items, and popular-now; ``n`` maps each to its count."""
    if not isinstance(data, ServingData):
        raise ValueError(f"data must be a ServingData, got {type(data).__name__}")
    if not isinstance(n, Mapping) or set(n) != set(N_CANDIDATES):
        raise ValueError(
            f"n must give a count for each source {sorted(N_CANDIDATES)}, got {n!r:.60}"
        )
    if index is not None and (not isinstance(index, ANNIndex) or index.n_items != data.n_items):
        raise ValueError("index must be an ANNIndex over data.item_vectors")
    index = ANNIndex(data.item_vectors, kind="exact") if index is None else index
    n = dict(n)
    return CandidateGenerator(
        [
            EmbeddingSource(index, data.item_vectors, n=n["als"]),
            CoPurchaseSource(
                data.neighbour_indptr, data.neighbours, recent=recent, n=n["copurchase"]
            ),
            PopularSource(data.popular, data.n_items, n=n["popular"]),
        ]
    )


def candidate_table(
    data: ServingData,
    generator: CandidateGenerator,
    store: FeatureStore,
    user_rows: Any,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Candidates and ranker features for many users, by the serving code path.

    Runs exactly what a request runs (store reads, candidate generation,
    :func:`~xplab.serving.ranker_features`) for each user in turn. Returns
    a frame (``user``, ``item`` numbers, ``user_id``, ``item_id``, one
    ``from_<source>`` flag per source) and the feature matrix, rows aligned.
    """
    from .features import fetch_user, ranker_features

    if not isinstance(data, ServingData):
        raise ValueError(f"data must be a ServingData, got {type(data).__name__}")
    if not isinstance(generator, CandidateGenerator):
        raise ValueError(f"generator must be a CandidateGenerator, got {type(generator).__name__}")
    if not isinstance(store, FeatureStore):
        raise ValueError(f"store must be a FeatureStore, got {type(store).__name__}")
    rows_ = np.asarray(user_rows) if user_rows is not None else np.empty(0, dtype=object)
    if (
        isinstance(user_rows, str | bytes)
        or rows_.ndim != 1
        or rows_.size == 0
        or rows_.dtype.kind not in "iu"
        or rows_.min() < 0
        or rows_.max() >= data.n_users
    ):
        raise ValueError(
            f"user_rows must be user numbers 0..{data.n_users - 1}, got {user_rows!r:.40}"
        )
    n_uf = len(USER_FEATURES) + len(data.category_names)
    users, items, flags, mats = [], [], [], []
    for row in rows_.astype(np.int64):
        context = fetch_user(store, int(row), dim=data.dim, n_user_features=n_uf)
        cands = generator.generate(context)
        mats.append(ranker_features(context, cands, store.read("item", cands.items)))
        users.append(np.full(len(cands), row))
        items.append(cands.items)
        flags.append(cands.retrieved)
    user, item, flag = np.concatenate(users), np.concatenate(items), np.vstack(flags)
    frame = pd.DataFrame(
        {"user": user, "item": item, "user_id": data.user_ids[user], "item_id": data.item_ids[item]}
    )
    for j, name in enumerate(generator.names):
        frame[f"from_{name}"] = flag[:, j]
    return frame, np.vstack(mats)


@dataclass(frozen=True, repr=False)
class RetailExperiment:
    """The offline experiment on Online Retail, as :func:`build_retail_experiment` makes it.

    Attributes
    ----------
    train_data, test_data : ServingData
        As of the first and the second cutoff.
    ranker : Ranker
        LambdaRank trained on the labels period.
    candidates : DataFrame
        Every test user's candidates (users with a purchase in the test
        period who were known before it): ``user, item, user_id, item_id,
        from_als, from_copurchase, from_popular``, the 17 ranker features,
        ``score`` (the ranker's), ``proba`` (calibrated P(buy)), ``price``,
        ``bought`` (0/1 in the test period) and ``spend`` (£, net of
        returns; 0 if not bought).
    truth : DataFrame
        All test-period purchases of those users (``customer_id, stock_code,
        spend``), including items outside the candidates and the catalogue.
    products : DataFrame
        Every product's most frequent description and its keyword category
        (:func:`xplab.data.categorise_products`), indexed by ``stock_code``.
    training : dict
        Sizes of the ranker's training set.
    params : dict
        Everything the experiment depends on (cutoffs, ALS and candidate settings).
    """

    train_data: ServingData
    test_data: ServingData
    ranker: Ranker
    candidates: pd.DataFrame
    truth: pd.DataFrame
    products: pd.DataFrame
    training: dict[str, Any]
    params: dict[str, Any]

    def __repr__(self) -> str:
        c = self.candidates
        return (
            f"RetailExperiment({c['user'].nunique():,} test users, {len(c):,} candidates, "
            f"{len(self.truth):,} test purchases; ranker trained on "
            f"{self.training['rows']:,} rows of {self.training['users']:,} users)"
        )


def _params() -> dict[str, Any]:
    return {
        "cutoffs": list(CUTOFFS),
        "als": dict(ALS_PARAMS),
        "candidates": dict(N_CANDIDATES),
        "recent_days": RECENT_DAYS,
        "neighbours": N_NEIGHBOURS,
        "catalogue_seed": CATALOGUE_SEED,
        "max_negatives": MAX_NEGATIVES,
        "train_seed": TRAIN_SEED,
    }


def _labelled(frame: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    spend = truth.set_index(["customer_id", "stock_code"])["spend"]
    key = pd.MultiIndex.from_arrays([frame["user_id"], frame["item_id"]])
    s = spend.reindex(key).to_numpy()
    return frame.assign(bought=(~np.isnan(s)).astype(int), spend=np.nan_to_num(s))


def _sample_negatives(frame: pd.DataFrame, n: int, *, seed: int) -> np.ndarray:
    """All bought rows and at most ``n`` random others per user (a boolean mask)."""
    rng = np.random.default_rng(seed)
    negative = frame["bought"].to_numpy() == 0
    key = np.where(negative, rng.random(len(frame)), np.inf)
    rank = pd.Series(key).groupby(frame["user"].to_numpy()).rank(method="first").to_numpy()
    return ~negative | (rank <= n)


def build_retail_experiment(
    purchases: pd.DataFrame, returns: pd.DataFrame, *, progress: bool = False
) -> RetailExperiment:
    """Run the offline experiment of notebook 08 (about a minute on two cores).

    1. Serving data as of the first cutoff; candidates and features for the
       customers who bought in the labels period; the ranker learns which
       candidates they bought (users without a purchased candidate carry no
       ranking signal and are left out; of the others' unbought candidates
       at most :data:`MAX_NEGATIVES` per user are sampled), and its
       probability map is fitted on all their candidates.
    2. Serving data as of the second cutoff (models rebuilt on history +
       labels); candidates, features, ranker scores and outcomes for every
       customer who bought in the test period and was known before it.
    """
    from tqdm.auto import tqdm

    p = _check_purchases(purchases)
    from ..data import categorise_products

    categories = categorise_products(p)
    (first, second) = CUTOFFS
    history, _ = cutoff_split(p, first, column="invoice_date")
    steps = tqdm(total=4, desc="Online Retail experiment", disable=not progress)

    train_data = retail_serving_data(history, now=first, categories=categories)
    store = InProcessStore()
    fill_store(store, train_data)
    labels = next_period_spend(p, returns, start=first, end=second)
    label_users = np.flatnonzero(np.isin(train_data.user_ids, labels["customer_id"].unique()))
    frame, x = candidate_table(train_data, make_generator(train_data), store, label_users)
    frame = _labelled(frame, labels)
    steps.update()
    has_positive = frame.groupby("user")["bought"].transform("max").to_numpy() > 0
    frame, x = frame[has_positive].reset_index(drop=True), x[has_positive]
    sample = _sample_negatives(frame, MAX_NEGATIVES, seed=TRAIN_SEED)
    groups = frame[sample].groupby("user", sort=False).size().to_numpy()
    ranker = Ranker().fit(x[sample], frame.loc[sample, "bought"].to_numpy(), groups)
    ranker.calibrate(ranker.predict(x), frame["bought"].to_numpy())
    training = {
        "rows": int(sample.sum()),
        "users": len(groups),
        "positives": int(frame["bought"].sum()),
        "candidates": len(frame),
        "label_users": len(label_users),
    }
    steps.update()

    before_test, _ = cutoff_split(p, second, column="invoice_date")
    test_data = retail_serving_data(before_test, now=second, categories=categories)
    store = InProcessStore()
    fill_store(store, test_data)
    truth = next_period_spend(p, returns, start=second)
    truth = truth[truth["customer_id"].isin(test_data.user_ids)].reset_index(drop=True)
    test_users = np.flatnonzero(np.isin(test_data.user_ids, truth["customer_id"].unique()))
    frame, x = candidate_table(test_data, make_generator(test_data), store, test_users)
    steps.update()
    frame = pd.concat([frame, pd.DataFrame(x, columns=list(RANKER_FEATURES))], axis=1)
    frame["score"] = ranker.predict(x)
    frame["proba"] = ranker.probability(frame["score"])
    frame["price"] = test_data.price[frame["item"].to_numpy()]
    frame = _labelled(frame, truth)
    steps.update()
    steps.close()
    return RetailExperiment(
        train_data=train_data,
        test_data=test_data,
        ranker=ranker,
        candidates=frame,
        truth=truth,
        products=categories,
        training=training,
        params=_params(),
    )


#: The modules whose code the experiment runs (the cache key hashes their source).
_EXPERIMENT_CODE = (
    "serving/catalogue.py",
    "serving/features.py",
    "serving/ranking.py",
    "serving/retail.py",
    "serving/retrieval.py",
    "serving/store.py",
    "data/online_retail.py",
    "recs/split.py",
)


def _cache_key() -> str:
    root = Path(__file__).parent.parent
    digest = hashlib.sha256(json.dumps(_params(), sort_keys=True).encode())
    for module in _EXPERIMENT_CODE:
        digest.update(module.encode() + (root / module).read_bytes())
    for package in ("numpy", "pandas", "scipy", "lightgbm", "implicit", "faiss-cpu"):
        digest.update(f"{package}={importlib.metadata.version(package)}".encode())
    return digest.hexdigest()[:16]


def retail_cache_path(cache_dir: str | Path | None = None) -> Path:
    """Where :func:`load_retail_experiment` keeps its cache: ``data/cache/serving/``
    in a source checkout, and a name that changes with the code, settings
    and library versions (a stale cache is never read)."""
    if cache_dir is not None and not isinstance(cache_dir, str | Path):
        raise ValueError(f"cache_dir must be a folder (str or Path) or None, got {cache_dir!r}")
    base = Path(cache_dir) if cache_dir is not None else default_cache_dir() / "cache" / "serving"
    return base / f"retail-experiment-{_cache_key()}.pkl"


def load_retail_experiment(
    *, cache_dir: str | Path | None = None, rebuild: bool = False, data_dir: Any = None
) -> RetailExperiment:
    """The experiment of :func:`build_retail_experiment`, from the cache when it is there.

    The first call (or ``rebuild=True``) loads and cleans Online Retail,
    builds the experiment and writes it to :func:`retail_cache_path`; later
    calls read it back in about a second. ``make serving-cache`` does the
    first call. ``tests/serving/test_retail.py`` checks that a fresh build
    equals the cache.
    """
    from ..data import clean_online_retail, load_online_retail

    path = retail_cache_path(cache_dir)
    if path.is_file() and not rebuild:
        try:
            with open(path, "rb") as fh:
                loaded = pickle.load(fh)
            if isinstance(loaded, RetailExperiment):
                return loaded
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError):
            pass  # unreadable: build it again below
    clean = clean_online_retail(load_online_retail(data_dir=data_dir))
    experiment = build_retail_experiment(clean.purchases, clean.returns)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as scratch, open(scratch, "wb") as fh:
        pickle.dump(experiment, fh, protocol=pickle.HIGHEST_PROTOCOL)
    return experiment
