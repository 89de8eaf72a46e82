"""Stage 1 — candidate retrieval: a few hundred items out of millions, fast.

Several sources each propose items for a user, and the merged, de-duplicated
set goes to the ranker:

* :class:`EmbeddingSource` — the items whose vectors have the largest inner
  product with the user's vector (ALS factors here; a two-tower model's
  towers play the same role), searched with a FAISS index
  (:class:`ANNIndex`: exact, HNSW or IVF);
* :class:`CoPurchaseSource` — items bought in the same baskets as the user's
  most recent purchases;
* :class:`PopularSource` — what many customers bought in the last weeks.

Retrieval decides what the ranker can ever show: an item it misses is lost,
however good the ranker. Measure it by candidate recall (the share of the
next period's purchases among the candidates), per source and merged
(:func:`xplab.serving.candidate_recall`).
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from .._results import ResultMixin
from .._validate import as_real_array, check_choice, check_count

IndexKind = Literal["exact", "hnsw", "ivf"]


def _faiss() -> Any:
    import faiss  # imported on use: no work at import time

    return faiss


def _check_vectors(vectors: Any, *, name: str) -> np.ndarray:
    arr = as_real_array(vectors, name=name)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise ValueError(f"{name} must be 2-D with at least one row, got shape {arr.shape}")
    return np.ascontiguousarray(arr, dtype=np.float32)


def _check_name(name: Any) -> str:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string, got {name!r}")
    return name


def _check_user(user: Any) -> UserContext:
    if not isinstance(user, UserContext):
        raise ValueError(f"user must be a UserContext (from fetch_user), got {type(user).__name__}")
    return user


class ANNIndex:
    """A FAISS index for maximum-inner-product search over item vectors.

    ``kind`` chooses the trade-off:

    * ``"exact"`` — ``IndexFlatIP``: every item scored; the truth, and at 10⁶
      items × 64 dimensions about 40-130 ms per query on one core (the
      whole latency budget);
    * ``"hnsw"`` — ``IndexHNSWFlat``: a navigable graph with ``m`` links per
      node, built with ``ef_construction`` and searched with ``ef_search``
      (larger = better recall, slower). Its recall depends on the vectors:
      high on clustered embeddings, far lower on isotropic noise;
    * ``"ivf"`` — ``IndexIVFFlat``: k-means into ``n_lists`` cells (default
      ≈ 4√n), and a query scans the ``n_probe`` cells nearest to it.

    Measure recall against ``"exact"`` on the vectors you serve
    (:func:`ann_recall`). Building with several threads makes HNSW's graph
    (and so its answers) vary slightly from build to build.

    Parameters
    ----------
    vectors : float array (n_items, dim)
    kind : {"exact", "hnsw", "ivf"}
    m, ef_construction, ef_search : int
        HNSW parameters.
    n_lists, n_probe : int
        IVF parameters (``n_lists`` defaults to about 4√n_items).
    seed : int
        Seed of the IVF k-means.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> items = rng.normal(size=(500, 8)).astype("float32")
    >>> index = ANNIndex(items, kind="exact")
    >>> ids, scores = index.search(items[:2], k=3)
    >>> ids.shape, bool(np.allclose(scores[0, 0], items[ids[0, 0]] @ items[0]))
    ((2, 3), True)
    """

    def __init__(
        self,
        vectors: Any,
        *,
        kind: IndexKind = "hnsw",
        m: int = 32,
        ef_construction: int = 80,
        ef_search: int = 128,
        n_lists: int | None = None,
        n_probe: int = 64,
        seed: int = 0,
    ) -> None:
        kind = check_choice(kind, ("exact", "hnsw", "ivf"), name="kind")
        x = _check_vectors(vectors, name="vectors")
        self.kind = kind
        self.m = check_count(m, name="m", minimum=2)
        self.ef_construction = check_count(ef_construction, name="ef_construction", minimum=1)
        self.n_probe = check_count(n_probe, name="n_probe", minimum=1)
        n, dim = x.shape
        default_lists = int(np.clip(round(4 * np.sqrt(n)), 1, max(1, n // 39)))
        self.n_lists = check_count(
            default_lists if n_lists is None else n_lists, name="n_lists", minimum=1
        )
        if self.n_lists > n:
            raise ValueError(f"n_lists ({self.n_lists}) exceeds the number of vectors ({n})")
        seed = check_count(seed, name="seed")
        faiss = _faiss()
        start = time.perf_counter()
        if kind == "exact":
            index = faiss.IndexFlatIP(dim)
        elif kind == "hnsw":
            index = faiss.IndexHNSWFlat(dim, self.m, faiss.METRIC_INNER_PRODUCT)
            index.hnsw.efConstruction = self.ef_construction
        else:
            quantizer = faiss.IndexFlatIP(dim)
            index = faiss.IndexIVFFlat(quantizer, dim, self.n_lists, faiss.METRIC_INNER_PRODUCT)
            index.cp.seed = seed
            index.train(x)
        index.add(x)
        self.build_seconds = time.perf_counter() - start
        self._index = index
        self._quantizer = None if kind != "ivf" else quantizer
        self.n_items, self.dim = n, dim
        self.ef_search = check_count(ef_search, name="ef_search", minimum=1)
        self._apply_search_params()

    def _apply_search_params(self) -> None:
        if self.kind == "hnsw":
            self._index.hnsw.efSearch = self.ef_search
        elif self.kind == "ivf":
            self._index.nprobe = min(self.n_probe, self.n_lists)

    def set_search(self, *, ef_search: int | None = None, n_probe: int | None = None) -> None:
        """Change the search effort (HNSW ``ef_search``, IVF ``n_probe``) without rebuilding."""
        if ef_search is not None:
            self.ef_search = check_count(ef_search, name="ef_search", minimum=1)
        if n_probe is not None:
            self.n_probe = check_count(n_probe, name="n_probe", minimum=1)
        self._apply_search_params()

    def search(self, queries: Any, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` items with the largest inner product with each query.

        Returns ``(items, scores)``, each of shape (n_queries, k), best first;
        an approximate index may return fewer than ``k`` real items, padded
        with item −1 and score −inf.
        """
        q = _check_vectors(np.atleast_2d(queries), name="queries")
        if q.shape[1] != self.dim:
            raise ValueError(f"queries have dimension {q.shape[1]}, the index {self.dim}")
        k = check_count(k, name="k", minimum=1)
        scores, items = self._index.search(q, min(k, self.n_items))
        scores = np.where(items < 0, -np.inf, scores).astype(np.float32)
        return items.astype(np.int64), scores

    def save(self, path: str | Path) -> None:
        """Write the index (FAISS's own format) and its parameters beside it."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        _faiss().write_index(self._index, str(path))
        path.with_suffix(".json").write_text(
            json.dumps(self._params() | {"build": self.build_seconds})
        )

    def _params(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "m": self.m,
            "ef_construction": self.ef_construction,
            "n_lists": self.n_lists,
        }

    @classmethod
    def load(cls, path: str | Path, *, ef_search: int = 128, n_probe: int = 64) -> ANNIndex:
        """Read an index written by :meth:`save`."""
        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        self = cls.__new__(cls)
        self._index = _faiss().read_index(str(path))
        self._quantizer = None
        self.kind = meta["kind"]
        self.m, self.ef_construction, self.n_lists = (
            meta["m"],
            meta["ef_construction"],
            meta["n_lists"],
        )
        self.build_seconds = meta["build"]
        self.n_items, self.dim = self._index.ntotal, self._index.d
        self.ef_search, self.n_probe = ef_search, n_probe
        self._apply_search_params()
        return self

    def __repr__(self) -> str:
        extra = {
            "exact": "",
            "hnsw": f", m={self.m}, ef_search={self.ef_search}",
            "ivf": f", n_lists={self.n_lists}, n_probe={self.n_probe}",
        }[self.kind]
        return f"ANNIndex(kind={self.kind!r}, {self.n_items:,} items × {self.dim}{extra})"


def cached_index(
    vectors: Any, *, cache_dir: str | Path, kind: IndexKind = "hnsw", **params: Any
) -> ANNIndex:
    """An :class:`ANNIndex`, read from ``cache_dir`` when one was built for the same
    vectors and parameters, else built and written there.

    The file name holds a SHA-256 of the vectors' bytes and the build
    parameters, so changed vectors never reuse a stale index. Search
    parameters (``ef_search``, ``n_probe``) are applied after loading.
    """
    x = _check_vectors(vectors, name="vectors")
    kind = check_choice(kind, ("exact", "hnsw", "ivf"), name="kind")
    if not isinstance(cache_dir, str | Path):
        raise ValueError(f"cache_dir must be a folder (str or Path), got {cache_dir!r}")
    search = {k: params.pop(k) for k in ("ef_search", "n_probe") if k in params}
    digest = hashlib.sha256(x.tobytes())
    digest.update(json.dumps({"kind": kind, **params}, sort_keys=True).encode())
    path = Path(cache_dir) / f"{kind}-{x.shape[0]}x{x.shape[1]}-{digest.hexdigest()[:16]}.faiss"
    if path.is_file() and path.with_suffix(".json").is_file():
        return ANNIndex.load(path, **search)
    index = ANNIndex(x, kind=kind, **params, **search)
    index.save(path)
    return index


def ann_recall(approximate: ANNIndex, exact: ANNIndex, queries: Any, *, k: int = 100) -> float:
    """Recall@k of an approximate index: the share of the exact top k it returns,
    averaged over queries.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> items = rng.normal(size=(300, 8)).astype("float32")
    >>> exact = ANNIndex(items, kind="exact")
    >>> ann_recall(exact, exact, items[:5], k=10)
    1.0
    """
    for name, index in (("approximate", approximate), ("exact", exact)):
        if not isinstance(index, ANNIndex):
            raise ValueError(f"{name} must be an ANNIndex, got {type(index).__name__}")
    if exact.kind != "exact":
        raise ValueError(f"exact must be an exact index (kind='exact'), got kind={exact.kind!r}")
    k = check_count(k, name="k", minimum=1)
    truth, _ = exact.search(queries, k)
    found, _ = approximate.search(queries, k)
    hits = [np.intersect1d(t, f[f >= 0]).size for t, f in zip(truth, found, strict=True)]
    return float(np.mean(hits) / truth.shape[1])


@dataclass(frozen=True)
class UserContext:
    """What the service knows about one user at request time (read from the feature store).

    ``row`` is the user's dense number (−1 for a user the data does not know);
    ``history`` holds rows (item, times bought, days since), most recent first.
    """

    row: int
    vector: np.ndarray
    features: np.ndarray
    history: np.ndarray

    @property
    def known(self) -> bool:
        return self.row >= 0


class Source(Protocol):
    """A candidate source: ``retrieve`` proposes items, ``score`` scores any items."""

    name: str
    n: int

    def retrieve(self, user: UserContext) -> tuple[np.ndarray, np.ndarray]: ...

    def score(self, user: UserContext, items: np.ndarray) -> np.ndarray: ...


class EmbeddingSource:
    """The ``n`` items with the largest ⟨user vector, item vector⟩, from an :class:`ANNIndex`.

    ``score`` gives the exact inner product for any items (from the item
    vectors held beside the index), so every merged candidate gets this
    feature, whichever source proposed it.
    """

    def __init__(self, index: ANNIndex, item_vectors: Any, *, n: int = 300, name: str = "als"):
        if not isinstance(index, ANNIndex):
            raise ValueError(f"index must be an ANNIndex, got {type(index).__name__}")
        self.index = index
        self.item_vectors = _check_vectors(item_vectors, name="item_vectors")
        if self.item_vectors.shape != (index.n_items, index.dim):
            raise ValueError("item_vectors must be the vectors the index was built on")
        self.n = check_count(n, name="n", minimum=1)
        self.name = _check_name(name)

    def retrieve(self, user: UserContext) -> tuple[np.ndarray, np.ndarray]:
        if not user.known:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        items, scores = self.index.search(user.vector[None, :], self.n)
        keep = items[0] >= 0
        return items[0][keep], scores[0][keep]

    def score(self, user: UserContext, items: np.ndarray) -> np.ndarray:
        if not user.known:
            return np.zeros(len(items), dtype=np.float32)
        return self.item_vectors[items] @ user.vector


class CoPurchaseSource:
    """Items bought in the same baskets as the user's ``recent`` latest purchases.

    Each neighbour's score is the sum of its co-purchase strengths with those
    items; the ``n`` best are proposed. Items the user bought themselves
    can be proposed (a restocking customer buys them again).
    """

    def __init__(
        self,
        neighbour_indptr: Any,
        neighbours: Any,
        *,
        recent: int = 5,
        n: int = 200,
        name: str = "copurchase",
    ):
        self.neighbours = as_real_array(neighbours, name="neighbours").astype(np.float32)
        if self.neighbours.ndim != 2 or self.neighbours.shape[1] != 2:
            raise ValueError("neighbours must have two columns: item, strength")
        ptr = np.asarray(neighbour_indptr) if neighbour_indptr is not None else np.empty(0)
        if (
            ptr.dtype.kind not in "iu"
            or ptr.ndim != 1
            or ptr.size < 2
            or ptr[0] != 0
            or ptr[-1] != len(self.neighbours)
            or np.any(np.diff(ptr) < 0)
        ):
            raise ValueError(
                "neighbour_indptr must be whole numbers rising from 0 to len(neighbours) "
                f"({len(self.neighbours)}), one more entry than items"
            )
        self.indptr = ptr.astype(np.int64)
        self.recent = check_count(recent, name="recent", minimum=1)
        self.n = check_count(n, name="n", minimum=1)
        self.name = _check_name(name)

    def _aggregate(self, user: UserContext) -> tuple[np.ndarray, np.ndarray]:
        seeds = user.history[: self.recent, 0].astype(np.int64)
        if seeds.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        rows = np.concatenate([self.neighbours[self.indptr[s] : self.indptr[s + 1]] for s in seeds])
        if rows.size == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        items, inverse = np.unique(rows[:, 0].astype(np.int64), return_inverse=True)
        scores = np.bincount(inverse, weights=rows[:, 1], minlength=items.size)
        return items, scores.astype(np.float32)

    def retrieve(self, user: UserContext) -> tuple[np.ndarray, np.ndarray]:
        items, scores = self._aggregate(user)
        if items.size > self.n:
            top = np.argpartition(-scores, self.n - 1)[: self.n]
            items, scores = items[top], scores[top]
        order = np.lexsort((items, -scores))
        return items[order], scores[order]

    def score(self, user: UserContext, items: np.ndarray) -> np.ndarray:
        known, scores = self._aggregate(user)
        out = np.zeros(len(items), dtype=np.float32)
        if known.size:
            pos = np.clip(np.searchsorted(known, items), 0, known.size - 1)
            hit = known[pos] == items
            out[hit] = scores[pos[hit]]
        return out


class PopularSource:
    """The ``n`` items most bought recently: the same list for everyone.

    It needs nothing about the user, so it also serves users the other
    sources know nothing about (cold start).
    """

    def __init__(self, popular: Any, n_items: int, *, n: int = 100, name: str = "popular"):
        table = as_real_array(popular, name="popular").astype(np.float32)
        if table.ndim != 2 or table.shape[1] != 2 or table.shape[0] == 0:
            raise ValueError("popular must have rows (item, score) and at least one row")
        n_items = check_count(n_items, name="n_items", minimum=1)
        self.items = table[:, 0].astype(np.int64)
        self.scores = table[:, 1]
        if self.items.min() < 0:
            raise ValueError("popular holds negative item numbers")
        if self.items.max() >= n_items:
            raise ValueError(
                f"n_items ({n_items}) must exceed every item number in popular "
                f"(the largest is {self.items.max()})"
            )
        self._dense = np.zeros(n_items, dtype=np.float32)
        self._dense[self.items] = self.scores
        self.n = check_count(n, name="n", minimum=1)
        self.name = _check_name(name)

    def retrieve(self, user: UserContext) -> tuple[np.ndarray, np.ndarray]:
        return self.items[: self.n], self.scores[: self.n]

    def score(self, user: UserContext, items: np.ndarray) -> np.ndarray:
        return self._dense[items]


@dataclass(frozen=True, repr=False)
class Candidates(ResultMixin):
    """The merged candidates of one request.

    ``items`` are item numbers (each once); ``scores[:, j]`` is source j's
    score of every candidate (including those another source proposed);
    ``retrieved[:, j]`` says whether source j proposed it.
    """

    items: np.ndarray
    scores: np.ndarray
    retrieved: np.ndarray
    sources: tuple[str, ...]

    @property
    def n_sources(self) -> np.ndarray:
        return self.retrieved.sum(axis=1)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        per = ", ".join(
            f"{name} {int(self.retrieved[:, j].sum())}" for j, name in enumerate(self.sources)
        )
        return f"Candidates({len(self.items)} items; proposed by {per})"


def merge_candidates(proposed: Any) -> np.ndarray:
    """The union of several sources' item lists, each item once, in first-seen order.

    Examples
    --------
    >>> merge_candidates([np.array([5, 3]), np.array([3, 9, 5]), np.array([1])]).tolist()
    [5, 3, 9, 1]
    """
    if proposed is None or isinstance(proposed, str | bytes) or not np.iterable(proposed):
        raise ValueError(
            f"proposed must be a list of item arrays, one per source, got {proposed!r:.40}"
        )
    arrays = [np.asarray(p) for p in proposed]
    if not arrays or any(a.ndim != 1 or (a.size and a.dtype.kind not in "iu") for a in arrays):
        raise ValueError("proposed must be a non-empty list of 1-D arrays of item numbers")
    allitems = np.concatenate([a.astype(np.int64) for a in arrays])
    _, first = np.unique(allitems, return_index=True)
    return allitems[np.sort(first)]


class CandidateGenerator:
    """Merge several sources into one de-duplicated candidate set.

    Each source proposes its ``n`` items; the union is kept in the order the
    items first appear (sources in the order given), and every source then
    scores every candidate.

    Parameters
    ----------
    sources : list of sources
        Objects with ``name``, ``n``, ``retrieve(user)`` and ``score(user, items)``.
    """

    def __init__(self, sources: list[Any]):
        if not isinstance(sources, list | tuple) or len(sources) == 0:
            raise ValueError("sources must be a non-empty list of candidate sources")
        names = [getattr(s, "name", None) for s in sources]
        for s in sources:
            if not all(hasattr(s, a) for a in ("name", "n", "retrieve", "score")):
                raise ValueError(
                    f"sources: {s!r:.40} is not a source (needs name, n, retrieve and score)"
                )
        if len(set(names)) != len(names):
            raise ValueError(f"sources must have distinct names, got {names}")
        self.sources = list(sources)
        self.names = tuple(str(n) for n in names)

    def generate(self, user: UserContext) -> Candidates:
        """The merged candidates for ``user``."""
        user = _check_user(user)
        proposed = [s.retrieve(user)[0] for s in self.sources]
        items = merge_candidates(proposed)
        retrieved = np.zeros((items.size, len(self.sources)), dtype=bool)
        order = np.argsort(items)
        for j, p in enumerate(proposed):
            if p.size:
                retrieved[order[np.searchsorted(items[order], p)], j] = True
        scores = np.column_stack([s.score(user, items) for s in self.sources]).astype(np.float32)
        return Candidates(items=items, scores=scores, retrieved=retrieved, sources=self.names)

    def __repr__(self) -> str:
        return "CandidateGenerator(" + ", ".join(f"{s.name} {s.n}" for s in self.sources) + ")"
