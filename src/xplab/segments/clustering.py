r"""k-means segments of RFM features, with k chosen by bootstrap stability and silhouette.

**What k-means assumes.** It minimises the within-cluster sum of squared
Euclidean distances, so it finds compact, roughly spherical clusters of
similar spread, and it always returns k clusters — also when the data have
no cluster structure at all. Three consequences for RFM features:

* **skew** — frequency and monetary value have long right tails (a few
  wholesale customers spend a hundred times the median); on raw values the
  squared distance is dominated by those few customers. The features are
  log-transformed (log(1 + x)) first;
* **scale** — days, counts and pounds have different units; each
  log-feature is standardised (mean 0, standard deviation 1 over the
  customers the model is fitted on), so each weighs the same;
* **k** is not learned by the algorithm; it is chosen here by two
  criteria, neither of which proves that clusters "exist":

  - **stability** (Ben-Hur, Elisseeff & Guyon 2002; Hennig 2007): fit k-means
    on two bootstrap resamples of the customers, label *every* customer with
    each fit, and measure the agreement of the two labellings with the
    adjusted Rand index (ARI: 1 = the same partition up to the names of the
    clusters, about 0 = no more agreement than chance). A k whose segments
    move from one resample to the next cannot carry decisions;
  - **silhouette** (Rousseeuw 1987): for each customer, (b − a)/max(a, b)
    with a the mean distance to its own cluster and b to the nearest other
    cluster, averaged; near 1 = well separated, near 0 = on a boundary.

Segment labels are ordered by the centre's monetary value, highest first, so
label 0 is the same kind of customer in every run and a relabelled
segmentation (another library, another seed) can be matched to it
(:func:`~xplab.segments.compare_segmentations`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from .._results import ResultMixin
from .._rng import as_generator
from .._validate import check_count, check_probability
from ..progress import progress

__all__ = ["KMeansSegments", "Stability", "fit_kmeans", "kmeans_stability"]

#: The RFM features k-means uses by default.
KMEANS_COLUMNS = ("recency_days", "frequency", "monetary")


def _columns(features: Any, columns: Any) -> list[str]:
    if not isinstance(features, pd.DataFrame):
        raise TypeError(f"features must be a pandas DataFrame, got {type(features).__name__}")
    if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns:
        raise ValueError(f"columns must be a non-empty list of column names, got {columns!r}")
    cols = list(columns)
    if not all(isinstance(c, str) for c in cols) or len(set(cols)) != len(cols):
        raise ValueError(f"columns must be distinct column names, got {cols!r}")
    missing = [c for c in cols if c not in features.columns]
    if missing:
        raise ValueError(f"columns: {missing} are not columns of features")
    return cols


def _log_matrix(features: pd.DataFrame, cols: list[str]) -> np.ndarray:
    x = features[cols]
    if not all(pd.api.types.is_numeric_dtype(t) for t in x.dtypes):
        raise ValueError(f"features: the columns {cols} must be numeric")
    values = x.to_numpy(dtype=float)
    if not np.all(np.isfinite(values)) or np.any(values < 0):
        raise ValueError(f"features: the columns {cols} must be finite and >= 0 (they are logged)")
    return np.log1p(values)


def _kmeans(k: int, seed: int, n_init: int, x: np.ndarray) -> Any:
    """scikit-learn's KMeans fitted on ``x``, on one thread.

    With a few thousand rows, OpenMP threads cost more than they save: on two
    busy cores a fit took 0.9 s of CPU with threads and 0.025 s without.
    """
    from sklearn.cluster import KMeans

    with threadpool_limits(limits=1):
        return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(x)


def _predict(model: Any, x: np.ndarray) -> np.ndarray:
    with threadpool_limits(limits=1):
        return np.asarray(model.predict(x))


@dataclass(frozen=True, repr=False)
class KMeansSegments(ResultMixin):
    """A fitted k-means segmentation (see :func:`fit_kmeans`).

    Attributes
    ----------
    k : int
    columns : tuple of str
        The features used (log(1 + x), then standardised).
    labels : Series
        Each fitted customer's segment, 0 = the highest monetary centre.
    centers : DataFrame
        Each segment's centre in the features' own units (the inverse of the
        transform: a geometric-mean-like typical customer, not the mean).
    silhouette : float
        Mean silhouette of the fitted customers (Euclidean, standardised space).
    inertia : float
        Within-cluster sum of squares in the standardised space.
    """

    _title: ClassVar[str] = "k-means segments"
    k: int
    columns: tuple[str, ...]
    silhouette: float
    inertia: float
    labels: pd.Series = field(repr=False)
    centers: pd.DataFrame = field(repr=False)
    mean_: np.ndarray = field(repr=False)
    scale_: np.ndarray = field(repr=False)
    _model: Any = field(repr=False)
    _order: np.ndarray = field(repr=False)

    def transform(self, features: pd.DataFrame) -> np.ndarray:
        """The standardised log-features k-means works on (the fitted mean and scale)."""
        cols = _columns(features, list(self.columns))
        return (_log_matrix(features, cols) - self.mean_) / self.scale_

    def predict(self, features: pd.DataFrame) -> pd.Series:
        """The segment of each row of ``features`` (its nearest centre).

        Examples
        --------
        >>> f = pd.DataFrame({"recency_days": [1.0, 2.0, 300.0, 280.0],
        ...                   "frequency": [20, 25, 1, 1], "monetary": [5e3, 6e3, 30.0, 40.0]})
        >>> fit_kmeans(f, 2, seed=0).predict(f.iloc[[2]]).tolist()
        [1]
        """
        raw = _predict(self._model, self.transform(features))
        return pd.Series(self._order[raw], index=features.index, name="segment")


def _standardise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    if np.any(scale == 0):
        raise ValueError("features: a column is constant over the customers; drop it")
    return (x - mean) / scale, mean, scale


def fit_kmeans(
    features: pd.DataFrame,
    k: int,
    *,
    columns: Sequence[str] = KMEANS_COLUMNS,
    n_init: int = 10,
    seed: int = 0,
) -> KMeansSegments:
    """k-means (scikit-learn) on standardised log(1 + x) features.

    Parameters
    ----------
    features : DataFrame
        One row per customer (:func:`~xplab.segments.rfm_features`).
    k : int
        Number of segments, at least 2 and fewer than the customers.
    columns : list of str
        The features to cluster on.
    n_init : int
        Restarts from k-means++ seeds; the best (lowest inertia) is kept.
    seed : int
        Seed of the restarts.

    Returns
    -------
    KMeansSegments
        ``labels`` ordered by the centre's monetary value (0 = highest; by the
        first column when ``monetary`` is not used), ``centers``,
        ``silhouette``, ``inertia``, and ``predict`` for other customers.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [1.0, 2.0, 300.0, 280.0],
    ...                   "frequency": [20, 25, 1, 1], "monetary": [5e3, 6e3, 30.0, 40.0]})
    >>> seg = fit_kmeans(f, 2, seed=0)
    >>> seg.labels.tolist(), round(seg.silhouette, 2)
    ([0, 0, 1, 1], 0.95)
    """
    from sklearn.metrics import silhouette_score

    cols = _columns(features, columns)
    kk = check_count(k, name="k", minimum=2)
    if kk >= len(features):
        raise ValueError(f"k must be smaller than the number of customers ({len(features)})")
    n_init = check_count(n_init, name="n_init", minimum=1)
    seed = check_count(seed, name="seed")
    x, mean, scale = _standardise(_log_matrix(features, cols))
    model = _kmeans(kk, seed, n_init, x)
    centers_std = model.cluster_centers_
    centers = pd.DataFrame(np.expm1(centers_std * scale + mean), columns=cols)
    key = "monetary" if "monetary" in cols else cols[0]
    rank = np.argsort(-centers[key].to_numpy(), kind="stable")  # rank[i] = raw label of new i
    order = np.empty(kk, dtype=int)
    order[rank] = np.arange(kk)  # order[raw] = new label
    labels = order[model.labels_]
    centers = centers.iloc[rank].reset_index(drop=True)
    centers.index.name = "segment"
    return KMeansSegments(
        k=kk,
        columns=tuple(cols),
        silhouette=float(silhouette_score(x, labels)),
        inertia=float(model.inertia_),
        labels=pd.Series(labels, index=features.index, name="segment"),
        centers=centers,
        mean_=mean,
        scale_=scale,
        _model=model,
        _order=order,
    )


@dataclass(frozen=True, repr=False)
class Stability(ResultMixin):
    """Bootstrap stability and silhouette of k-means for several k (:func:`kmeans_stability`).

    ``table`` has one row per k: ``ari_mean``, ``ari_sd``, ``ari_min``,
    ``ari_q10`` (10th percentile) of the adjusted Rand index between the two
    fits of each bootstrap pair, and ``silhouette`` of the fit on all
    customers. ``aris[k]`` holds the pairs' ARIs.
    """

    _title: ClassVar[str] = "k-means stability across bootstrap resamples"
    n_customers: int
    n_pairs: int
    seed: int
    table: pd.DataFrame = field(repr=False)
    aris: dict[int, np.ndarray] = field(repr=False)

    def choose(self, *, ks: Iterable[int] | None = None, min_ari: float = 0.85) -> int:
        """The k with the highest silhouette among the stable ones.

        Stable means a mean ARI of at least ``min_ari`` between resamples;
        ``ks`` restricts the choice to a range fixed in advance by the use
        (how many segments the product can act on).

        Examples
        --------
        >>> t = pd.DataFrame({"ari_mean": [0.97, 0.91, 0.92, 0.8], "silhouette": [0.45, 0.35, 0.37, 0.33]},
        ...                  index=pd.Index([2, 3, 4, 5], name="k"))
        >>> s = Stability(100, 20, 0, t, {})
        >>> s.choose(), s.choose(ks=range(3, 9))
        (2, 4)
        """
        threshold = check_probability(min_ari, name="min_ari")
        table = self.table
        if ks is not None:
            if isinstance(ks, str) or not isinstance(ks, Iterable):
                raise ValueError(f"ks must be a collection of whole numbers, got {ks!r}")
            wanted = [check_count(k, name="ks", minimum=2) for k in ks]
            table = table[table.index.isin(wanted)]
            if table.empty:
                raise ValueError(
                    f"ks: none of {wanted} was evaluated (k = {list(self.table.index)})"
                )
        stable = table[table["ari_mean"] >= threshold]
        if stable.empty:
            raise ValueError(
                f"min_ari: no k reaches a mean ARI of {threshold:g} "
                f"(best {table['ari_mean'].max():.3f}); the segments are not stable"
            )
        return int(stable["silhouette"].idxmax())


def kmeans_stability(
    features: pd.DataFrame,
    ks: Iterable[int],
    *,
    n_pairs: int = 20,
    columns: Sequence[str] = KMEANS_COLUMNS,
    n_init: int = 4,
    seed: int = 0,
    show_progress: bool = False,
) -> Stability:
    """How much k-means segments move between bootstrap resamples, for each k.

    For each k and each of ``n_pairs`` pairs: draw two bootstrap samples of
    the customers (with replacement, each as large as the data), fit k-means
    on each (``n_init`` restarts, seeds drawn from ``seed``), label every
    customer with both fits, and compute the adjusted Rand index of the two
    labellings. The features are transformed once, with the mean and scale
    of all customers (as :func:`fit_kmeans` does).

    Parameters
    ----------
    features : DataFrame
        One row per customer.
    ks : list of int
        The k to evaluate (each at least 2).
    n_pairs : int
        Bootstrap pairs per k (at least 2).
    columns, n_init, seed
        As in :func:`fit_kmeans`; ``seed`` also draws the resamples.
    show_progress : bool
        Show one progress line over the k (:func:`xplab.progress.progress`).

    Returns
    -------
    Stability
        ``table`` (per k: ARI mean, sd, minimum, 10th percentile; silhouette
        of the fit on all customers with 10 restarts), ``aris``, and
        :meth:`Stability.choose`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = pd.DataFrame({"recency_days": np.r_[rng.uniform(1, 5, 30), rng.uniform(200, 300, 30)],
    ...                   "frequency": np.r_[rng.integers(10, 20, 30), rng.integers(1, 2, 30)],
    ...                   "monetary": np.r_[rng.uniform(1e3, 2e3, 30), rng.uniform(10, 50, 30)]})
    >>> s = kmeans_stability(f, [2, 3], n_pairs=5, seed=1)
    >>> float(s.table.loc[2, "ari_mean"])
    1.0
    """
    from sklearn.metrics import adjusted_rand_score

    cols = _columns(features, columns)
    if isinstance(ks, str) or not isinstance(ks, Iterable):
        raise ValueError(f"ks must be a collection of whole numbers, got {ks!r}")
    k_list = [check_count(k, name="ks", minimum=2) for k in ks]
    if not k_list or len(set(k_list)) != len(k_list):
        raise ValueError(f"ks must list distinct values of k, got {k_list}")
    pairs = check_count(n_pairs, name="n_pairs", minimum=2)
    n_init = check_count(n_init, name="n_init", minimum=1)
    seed = check_count(seed, name="seed")
    if not isinstance(show_progress, bool):
        raise ValueError(f"show_progress must be True or False, got {show_progress!r}")
    x, _, _ = _standardise(_log_matrix(features, cols))
    n = len(x)
    if max(k_list) >= n:
        raise ValueError(f"ks: every k must be smaller than the number of customers ({n})")
    rng = as_generator(seed)
    rows, aris = [], {}
    for k in progress(k_list, desc="k-means stability", enabled=show_progress):
        values = np.empty(pairs)
        for b in range(pairs):
            labellings = []
            for _ in range(2):
                sample = rng.integers(n, size=n)
                model = _kmeans(k, int(rng.integers(2**31 - 1)), n_init, x[sample])
                labellings.append(_predict(model, x))
            values[b] = adjusted_rand_score(*labellings)
        aris[k] = values
        full = fit_kmeans(features, k, columns=cols, n_init=10, seed=seed)
        rows.append(
            {
                "k": k,
                "ari_mean": float(values.mean()),
                "ari_sd": float(values.std(ddof=1)),
                "ari_min": float(values.min()),
                "ari_q10": float(np.quantile(values, 0.1)),
                "silhouette": full.silhouette,
            }
        )
    table = pd.DataFrame(rows).set_index("k")
    return Stability(n_customers=n, n_pairs=pairs, seed=seed, table=table, aris=aris)
