"""EASE: a closed-form item-item model (Steck, WWW 2019)."""

from __future__ import annotations

import ctypes
import functools
import itertools
import math
import os
from typing import Any

import numpy as np
from scipy import linalg, sparse
from threadpoolctl import threadpool_info, threadpool_limits  # type: ignore[import-untyped]

from .._validate import check_bool, check_positive
from ._base import (
    ItemItemMixin,
    Recommender,
    _probe_size,
    _ragged_positions,
    batch_size,
    sparse_rows,
)
from ._topk import _select, kth_values, nonzero_2d


def gram_matrix(X: sparse.spmatrix, *, l2: float = 0.0) -> np.ndarray:
    """Dense XᵀX + l2·I, built a block of columns at a time.

    The sparse product XᵀX of a large, power-law catalogue can have more
    stored entries than the dense result has cells (and needs 12 bytes per
    entry); block by block, only one narrow slice exists as a sparse matrix.
    """
    Xc = sparse.csc_matrix(X, dtype=float)
    Xt = Xc.T.tocsr()
    n = Xc.shape[1]
    gram = np.empty((n, n))
    step = batch_size(n, cap=4096)
    for start in range(0, n, step):
        stop = min(n, start + step)
        gram[:, start:stop] = (Xt @ Xc[:, start:stop]).toarray()
    gram[np.diag_indices(n)] += l2
    return gram


# Below this many items the factorization runs on one thread: it takes a second
# or two, and one thread gives the same bits on every machine (threads change the
# last bits of B with their number, and with them the order of near-tied items).
_THREADED_FROM = 4096
# Above this many items it takes _blocked_inverse: NumPy's OpenBLAS (0.3.31) crashed
# too (segmentation fault in potrf, two threads) at 25,000 items; 16,000 and 20,000
# are the sizes checked without a crash (bench_recs_ease_fit.py).
_THREADED_UP_TO = 20_000
# From this many items EASE ranks from a float32 copy of B (see EASE._rank).
_FLOAT32_FROM = 4096
# ... for batches of this many users or more; two or three users take the float64
# product and one ranking, quicker than the batch's bound and re-scoring (10,000 items,
# 40 items per user: 316 µs for one user against 599 µs; equal at about 4 users); one
# user takes EASE._rank_one, the float32 route without the batch's bookkeeping.
_FLOAT32_ROWS = 4


@functools.cache
def _numpy_lapack() -> tuple[Any, Any] | None:
    """NumPy's own LAPACK ``dpotrf`` and ``dpotri``, or None.

    NumPy's wheels bundle an OpenBLAS with 64-bit integers (``scipy-openblas64``,
    symbols ``scipy_dpotrf_64_``), separate from the 32-bit-integer OpenBLAS in
    SciPy's wheels, whose multithreaded ``potrf`` and ``getri`` crashed
    (segmentation fault) at 16,000-20,000 items on our machines. NumPy does not
    expose ``potrf``/``potri`` themselves, so they are called through ctypes;
    elsewhere (another BLAS, another platform) this returns None and the
    single-threaded SciPy route is used.
    """
    for info in threadpool_info():
        path = info.get("filepath") or ""
        if info.get("internal_api") != "openblas" or not os.path.basename(path).startswith(
            "libscipy_openblas64_"
        ):
            continue
        try:
            lib = ctypes.CDLL(path)
            routines = lib.scipy_dpotrf_64_, lib.scipy_dpotri_64_
        except (OSError, AttributeError):
            return None
        i64 = ctypes.POINTER(ctypes.c_int64)
        for routine in routines:
            routine.argtypes = [ctypes.c_char_p, i64, ctypes.c_void_p, i64, i64, ctypes.c_size_t]
            routine.restype = None
        return routines
    return None


def _lapack_in_place(routine: Any, a: np.ndarray) -> int:
    """Run a Fortran LAPACK routine (uplo, n, a, lda, info) on the upper triangle of
    the Fortran-ordered array ``a``, in place; returns ``info``."""
    n = ctypes.c_int64(a.shape[0])
    info = ctypes.c_int64(0)
    routine(b"U", ctypes.byref(n), a.ctypes.data, ctypes.byref(n), ctypes.byref(info), 1)
    return int(info.value)


def inverse_positive_definite(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive-definite matrix, computed in place.

    A Cholesky factorization and LAPACK ``potri`` on the one array: no second
    n × n matrix (NumPy's ``inv`` holds four while it works), n³ flops. From
    4,096 to 20,000 rows it runs multithreaded on NumPy's own OpenBLAS
    (64-bit integers; see :func:`_numpy_lapack`): checked without a crash at
    16,000 and 20,000 items in ``benchmarks/bench_recs_ease_fit.py``; at
    25,000 items that OpenBLAS's two-thread ``potrf`` crashed too
    (segmentation fault), so larger matrices take :func:`_blocked_inverse`:
    the same three steps written as matrix products, which run on every
    core, with LAPACK on one thread for the small diagonal blocks only.
    SciPy's bundled OpenBLAS (32-bit integers) crashed in ``potrf`` and
    ``getri`` with two threads from 16,000-20,000 items, so it is only used
    on one thread: below 4,096 rows (the same bits on every machine), and
    where NumPy's routines are not found.
    """
    n = matrix.shape[0]
    if n > _THREADED_UP_TO and matrix.flags.c_contiguous:
        return _blocked_inverse(matrix)
    a = matrix.T  # symmetric: the Fortran-ordered view is the same matrix, no copy
    threaded = _THREADED_FROM <= n <= _THREADED_UP_TO and a.flags.f_contiguous
    lapack = _numpy_lapack() if threaded else None
    if lapack is not None:
        info = _lapack_in_place(lapack[0], a)
        if info == 0:
            info = _lapack_in_place(lapack[1], a)
        elif info > 0:
            raise np.linalg.LinAlgError(
                f"the Gram matrix is not positive definite (LAPACK potrf info={info})"
            )
        inv = a
    else:
        potrf, potri = linalg.get_lapack_funcs(("potrf", "potri"), (a,))
        with threadpool_limits(limits=1, user_api="blas"):
            c, info = potrf(a, lower=False, clean=False, overwrite_a=True)
            if info != 0:
                raise np.linalg.LinAlgError(
                    f"the Gram matrix is not positive definite (LAPACK potrf info={info})"
                )
            inv, info = potri(c, lower=False, overwrite_c=True)
    if info != 0:
        raise np.linalg.LinAlgError(f"LAPACK potri failed with info={info}")
    # potri fills the upper triangle only; mirror it a block of rows at a time
    # (np.triu on the whole matrix would allocate two more n × n arrays)
    step = batch_size(n, cap=4096)
    for start in range(0, n, step):
        stop = min(n, start + step)
        inv[start:stop, :start] = inv[:start, start:stop].T
        block = inv[start:stop, start:stop]
        lower = np.tril_indices(stop - start, -1)
        block[lower] = block.T[lower]
    # inv is Fortran-ordered (it is the transposed view we passed in); its
    # transpose is the same symmetric matrix in C order, which sparse @ dense
    # products use without copying all n × n entries on every call
    return inv.T


def _blocked_inverse(a: np.ndarray, block: int = 1024) -> np.ndarray:
    """The inverse of the symmetric positive-definite C-ordered array ``a``, in place.

    Cholesky A = LLᵀ, W = L⁻¹ and A⁻¹ = WᵀW (LAPACK's ``potrf``, ``trtri``,
    ``lauum``: n³ flops in all), by blocks of ``block`` rows. All but the
    b × b diagonal blocks is matrix products (NumPy's ``@``, on every core);
    the diagonal blocks are factorized and inverted by LAPACK on one thread.
    Only the lower triangle is read; the result is mirrored. Agrees with
    NumPy's ``inv`` to about 2e-15 relative (tests/recs/test_cold_start.py).
    At 8,000 items on two cores it takes 10.3 s, against 7.4 s for OpenBLAS's
    own two-thread route, which crashed at 25,000 (see above).
    """
    n = a.shape[0]
    edges = [*range(0, n, block), n]
    blocks = list(itertools.pairwise(edges))
    inverse_diagonal = []
    # 1. L, right-looking: factorize a diagonal block, solve its panel, update the rest
    for k, (k0, k1) in enumerate(blocks):
        with threadpool_limits(limits=1, user_api="blas"):
            lkk, info = linalg.lapack.dpotrf(a[k0:k1, k0:k1], lower=True, clean=True)
            if info != 0:
                raise np.linalg.LinAlgError(
                    f"the Gram matrix is not positive definite (LAPACK potrf info={info})"
                )
            inverse_lkk, info = linalg.lapack.dtrtri(lkk, lower=True)
        a[k0:k1, k0:k1] = lkk
        inverse_diagonal.append(inverse_lkk)
        if k1 < n:
            panel = a[k1:, k0:k1] @ inverse_lkk.T  # L[I,K] = A[I,K] L[K,K]⁻ᵀ
            a[k1:, k0:k1] = panel
            for j0, j1 in blocks[k + 1 :]:  # the lower triangle of A[I,J] − L[I,K] L[J,K]ᵀ
                a[j0:, j0:j1] -= panel[j0 - k1 :] @ panel[j0 - k1 : j1 - k1].T
    # 2. W = L⁻¹ over L, a block column at a time: W[I,J] = −L[I,I]⁻¹ Σ_{J≤K<I} L[I,K] W[K,J]
    for j, (j0, j1) in enumerate(blocks):
        a[j0:j1, j0:j1] = inverse_diagonal[j]
        for i in range(j + 1, len(blocks)):
            i0, i1 = blocks[i]
            a[i0:i1, j0:j1] = -inverse_diagonal[i] @ (a[i0:i1, j0:i0] @ a[j0:i0, j0:j1])
    # 3. A⁻¹ = WᵀW over W, a block row at a time: X[I, :I] = W[I:, I]ᵀ W[I:, :I]
    for i0, i1 in blocks:
        a[i0:i1, :i1] = a[i0:, i0:i1].T @ a[i0:, :i1]
    for i0, i1 in blocks:  # mirror the lower triangle
        a[i0:i1, i1:] = a[i1:, i0:i1].T
        diagonal = a[i0:i1, i0:i1]
        upper = np.triu_indices(i1 - i0, 1)
        diagonal[upper] = diagonal.T[upper]
    return a


def _float32_error(n_items: Any, weight: Any) -> Any:
    """Bound on |float32 score − float64 score| for a user with ``n_items`` items and
    ``weight`` = Σ_j |x_j| max_c |B_jc|: 1.01 (m + 2) 2⁻²⁴ weight (see EASE._rank)."""
    return 1.01 * (n_items + 2) * 2.0**-24 * weight


class EASE(ItemItemMixin, Recommender):
    r"""Embarrassingly Shallow Autoencoder: ridge regression of every item on all others.

    With X the users × items interaction matrix (1 if the user rated the
    item), EASE finds the item-item weights B minimizing

    .. math:: \|X - XB\|_F^2 + \lambda\|B\|_F^2 \quad \text{subject to } \operatorname{diag}(B) = 0

    in closed form: with P = (XᵀX + λI)⁻¹,
    B = I − P · diagMat(1 / diag(P)), i.e. B_ij = −P_ij / P_jj for i ≠ j.
    Scores are XB: an item scores high when the items a user already has
    predict it. The zero diagonal stops an item from predicting itself.

    XᵀX + λI is symmetric positive definite, so P comes from a Cholesky
    factorization, in place (:func:`inverse_positive_definite`; on every core
    from 4,096 to 20,000 items, on one thread above: OpenBLAS's threaded
    factorization crashed at 25,000). Memory is one dense items × items float64 matrix
    (3.2 GB at 20,000 items), from 4,096 items a float32 copy of it (half
    that) for ranking, plus the data; fit time grows as items³. Scoring a
    user reads one row of B per item they have (a sparse × dense product):
    recommending for everyone is bound by memory bandwidth, which the
    float32 copy halves; the lists and scores stay the float64 product's
    (the few items that decide a list are re-scored in float64).

    A new user who liked items S (:meth:`recommend_for_items`) gets the
    scores x·B with x the 0/1 indicator of S — the same formula, no refit.
    :meth:`similar_items` of item i is row i of B.

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
    >>> EASE(l2=1.0).fit(train).recommend_for_items([20], k=1)["item_id"].tolist()
    [10]
    """

    def __init__(self, *, l2: float = 500.0, binary: bool = True) -> None:
        self.l2 = check_positive(l2, name="l2")
        self.binary = check_bool(binary, name="binary")

    def _params(self) -> dict[str, Any]:
        return {"l2": self.l2, "binary": self.binary}

    def _fit(self) -> None:
        X = self._seen if self.binary else self._X
        self._input = X.tocsr()
        P = inverse_positive_definite(gram_matrix(X, l2=self.l2))
        diag = np.diag(P).copy()
        P /= -diag  # column j divided by −P_jj: B_ij = −P_ij / P_jj, in place
        np.fill_diagonal(P, 0.0)
        self.B_ = P
        self._B32: np.ndarray | None = None
        if P.shape[0] >= _FLOAT32_FROM:
            self._B32 = P.astype(np.float32)
            self._input32 = self._input.astype(np.float32)
            # bounds the float32 scores' error (two reductions: no n × n temporary)
            self._row_max = np.maximum(P.max(axis=1), -P.min(axis=1))

    def _scores(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(sparse_rows(self._input, rows) @ self.B_)

    def _rank(
        self, rows: np.ndarray, k: int, exclude_seen: bool, candidates: np.ndarray | None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-k from float32 scores, re-scored exactly where the list is decided.

        Scoring reads a row of B per item a user has, so it is bound by memory;
        a float32 copy of B halves the bytes. The float32 score of an item is
        within δ = 1.01 (m + 2) 2⁻²⁴ Σ_j |x_j| max_c |B_jc| of its float64 score
        (m: the user's items; rounding of B, the products and m − 1 sums), so
        every item whose float64 score reaches the row's k-th is at or above
        the k-th float32 score − 2δ. Those candidates (usually the k items
        and no more) get their float64 score, summed in the same order as
        the float64 product, and are ranked: the list and its scores are the
        float64 product's. Small catalogues, candidate filters and batches of
        two or three users use the float64 product directly; one user (a
        serving call) takes :meth:`_rank_one`.
        """
        if self._B32 is None or candidates is not None:
            return super()._rank(rows, k, exclude_seen, candidates)
        if rows.size == 1:
            return self._rank_one(int(rows[0]), k, exclude_seen)
        if rows.size < _FLOAT32_ROWS:
            return super()._rank(rows, k, exclude_seen, candidates)
        X = sparse_rows(self._input, rows)
        scores = np.asarray(sparse_rows(self._input32, rows) @ self._B32)
        if exclude_seen:
            self._mask_seen(scores, rows)
        # δ for each row: Σ_j |x_j| max_c |B_jc| over the row's items
        local = np.repeat(np.arange(rows.size), np.diff(X.indptr))
        weight = np.bincount(local, np.abs(X.data) * self._row_max[X.indices], rows.size)
        delta = _float32_error(np.diff(X.indptr), weight)
        # the k-th float32 score: bounded from the most popular items, then exact
        # among the entries at or above that bound
        probe = self._by_popularity[: _probe_size(k)]
        sample = scores[:, probe]
        bound = np.partition(sample, probe.size - k, axis=1)[:, probe.size - k]
        out = np.zeros((rows.size, k), dtype=np.intp)
        values = np.full((rows.size, k), -np.inf)
        fallback = ~np.isfinite(bound)  # the probe is mostly seen: rank the row exactly
        threshold = np.where(fallback, np.inf, bound - 2 * delta)
        r, c = nonzero_2d(scores >= threshold[:, None])
        kth = kth_values(r, scores[r, c], rows.size, k)
        keep = scores[r, c] >= kth[r] - 2 * delta[r]
        r, c = r[keep], c[keep]
        # float64 scores of the candidates: Σ_j x_j B_jc in the user's item order
        first = X.indptr[r]
        counts = X.indptr[r + 1] - first
        at = _ragged_positions(first, counts)
        terms = self.B_[X.indices[at], np.repeat(c, counts)]
        if not self.binary:
            terms = terms * X.data[at]
        exact = np.bincount(np.repeat(np.arange(r.size), counts), terms, r.size)
        top, top_values, done = _select(r, c, exact, rows.size, k)
        out[done], values[done] = top[done], top_values[done]
        if fallback.any():
            out[fallback], values[fallback] = super()._rank(rows[fallback], k, exclude_seen, None)
        return out, values

    def _rank_one(self, row: int, k: int, exclude_seen: bool) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`_rank` of one user (a serving call): the same bound and re-scoring,
        without the batch's bookkeeping. The float32 scores are the user's rows of
        the float32 B summed by one vector-matrix product (half the bytes of the
        float64 product, which the list and its scores are)."""
        X = self._input
        start, stop = X.indptr[row], X.indptr[row + 1]
        items, x = X.indices[start:stop], X.data[start:stop]
        if items.size == 0:
            return super()._rank(np.array([row]), k, exclude_seen, None)
        assert self._B32 is not None
        scores = x.astype(np.float32) @ self._B32[items]
        if exclude_seen:
            seen = self._seen
            scores[seen.indices[seen.indptr[row] : seen.indptr[row + 1]]] = -np.inf
        delta = float(_float32_error(items.size, np.abs(x) @ self._row_max[items]))
        probe = self._by_popularity[: _probe_size(k)]
        sample = scores[probe]
        bound = float(np.partition(sample, probe.size - k)[probe.size - k])
        if not math.isfinite(bound):  # the probe is mostly seen: rank the row exactly
            return super()._rank(np.array([row]), k, exclude_seen, None)
        # compared in float64, as in the batch route (a Python float would be rounded to
        # float32 first, possibly up, past a candidate)
        c = np.flatnonzero(scores >= np.float64(bound - 2 * delta))
        # float64 scores of the candidates: Σ_j x_j B_jc in the user's item order
        terms = self.B_[np.tile(items, c.size), np.repeat(c, items.size)]
        if not self.binary:
            terms = terms * np.tile(x, c.size)
        exact = np.bincount(np.repeat(np.arange(c.size), items.size), terms, c.size)
        order = np.lexsort((c, -exact))[:k]  # best first, ties by the smaller column
        return c[order][None, :], exact[order][None, :]

    def _profile_scores(self, x: sparse.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.B_)
