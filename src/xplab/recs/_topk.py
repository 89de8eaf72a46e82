"""Exact top-k selection: the k largest entries of each row, ties to the smaller column.

Every list the recommenders return is defined by one rule: sort a row by score,
highest first, ties broken by the smaller column (item) index, and keep the
first k. :func:`top_k_columns` applies it to a dense block; the two faster
routes below give *identical* results with less work:

* :func:`top_k_dense` first finds a cheap lower bound on each row's k-th
  largest value (the k-th largest among a few "probe" columns: any subset of
  a row has a k-th largest value at most the row's own), keeps only the
  entries at or above it (usually a few dozen per row instead of thousands)
  and ranks those exactly;
* :func:`top_k_sparse` does the same on the stored entries of CSR rows whose
  missing entries are zeros, never building the dense rows.

Rows where the shortcut does not apply (fewer than k usable entries, a lower
bound of -inf, or very many entries tied at the bound) go through the full
:func:`top_k_columns`, so the result never depends on the route.
"""

from __future__ import annotations

import numpy as np

# A row whose shortcut leaves more than this many candidates (times k) is
# ranked in full instead: it saves a huge padded block for a rare row.
_CANDIDATES_PER_K = 64


def top_k_columns(scores: np.ndarray, k: int, key: np.ndarray | None = None) -> np.ndarray:
    """Column indices of the k largest entries of each row, best first.

    Ties are broken by the smaller column index (or, when ``key`` is given,
    the smaller ``key`` value: the original column of each entry), exactly
    as a stable sort of the whole row would do, but only the k winners are
    sorted: a partial selection (``argpartition``, linear time) finds them
    first. Rows where the k-th value is tied with unselected entries fall
    back to the full sort.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if k == n_cols or n_rows == 0:
        return _full_sort(scores, key)[:, :k]
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    top_scores = np.take_along_axis(scores, top, axis=1)
    kth = top_scores.min(axis=1)
    # A row is ambiguous when more than k entries reach its k-th value: the
    # partition then picked an arbitrary subset of the tied entries.
    ambiguous = np.flatnonzero((scores >= kth[:, None]).sum(axis=1) > k)
    tie = top if key is None else np.take_along_axis(key, top, axis=1)
    order = np.lexsort((tie, -top_scores), axis=1)
    top = np.take_along_axis(top, order, axis=1)
    if ambiguous.size:
        sub_key = None if key is None else key[ambiguous]
        top[ambiguous] = _full_sort(scores[ambiguous], sub_key)[:, :k]
    return top


def _full_sort(scores: np.ndarray, key: np.ndarray | None) -> np.ndarray:
    if key is None:
        return np.argsort(-scores, axis=1, kind="stable")
    return np.lexsort((key, -scores), axis=1)


def top_k_dense(scores: np.ndarray, k: int, probe: np.ndarray | None = None) -> np.ndarray:
    """The result of :func:`top_k_columns`, computed on a few candidates per row.

    ``probe`` is a set of columns likely to hold high scores (the most
    popular items, say); its k-th largest value in each row is a lower bound
    on the row's k-th largest, so only the entries at or above it can be in
    the top k. The bound is exact whatever the probe: a poor probe only
    leaves more candidates.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if probe is None:
        probe = np.arange(0, n_cols, max(1, n_cols // 512))
    if n_rows == 0 or k == n_cols or probe.size < k or n_cols < 4 * probe.size:
        return top_k_columns(scores, k)
    sample = scores[:, probe]
    bound = np.partition(sample, probe.size - k, axis=1)[:, probe.size - k]
    mask = scores >= bound[:, None]
    counts = np.count_nonzero(mask, axis=1)
    # -inf bounds (a probe mostly excluded) or many ties at the bound: rank in full
    full = (counts > _CANDIDATES_PER_K * k) | ~np.isfinite(bound)
    mask[full] = False
    rows, cols = np.nonzero(mask)
    out = np.empty((n_rows, k), dtype=np.intp)
    if rows.size:
        # candidates come in (row, column) order: a padded block whose column
        # position order is the column order, so position ties are column ties
        top, _ = _padded_top_k(rows, cols, scores[rows, cols], n_rows, k, sorted_columns=True)
        out[~full] = top[~full]
    if full.any():
        out[full] = top_k_columns(scores[full], k)
    return out


def _padded_top_k(
    rows: np.ndarray,
    cols: np.ndarray,
    values: np.ndarray,
    n_rows: int,
    k: int,
    *,
    sorted_columns: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k columns (and values) of each row from its candidate entries, grouped by row.

    Every row with entries must have at least k of them. The entries are
    placed in a padded rows × longest block (-inf padding) and ranked by
    :func:`top_k_columns`; rows without entries get arbitrary columns (the
    caller ignores them). With ``sorted_columns``, each row's entries come in
    column order, so position ties are column ties.
    """
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.zeros(n_rows + 1, dtype=np.intp)
    np.cumsum(counts, out=starts[1:])
    offset = np.arange(rows.size) - starts[rows]
    block = np.full((n_rows, int(counts.max())), -np.inf)
    block[rows, offset] = values
    col = np.zeros(block.shape, dtype=np.intp)
    col[rows, offset] = cols
    # the -inf padding sits after every real entry and never ties with one
    top = top_k_columns(block, k, key=None if sorted_columns else col)
    return np.take_along_axis(col, top, axis=1), np.take_along_axis(block, top, axis=1)


def top_k_sparse(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_k_columns` of CSR rows (missing entries are 0) without densifying them.

    Returns the columns and their values. A row with at least k positive
    stored entries has its top k among those and is ranked from them
    (indices in any order); the others (where zeros, or negative entries,
    complete the list), and rows with very many entries tied at the bound,
    are densified and ranked in full.
    """
    n_rows = indptr.size - 1
    k = min(k, n_cols)
    out = np.empty((n_rows, k), dtype=np.intp)
    out_values = np.empty((n_rows, k))
    row_of = np.repeat(np.arange(n_rows), np.diff(indptr))
    positive = data > 0
    n_positive = np.bincount(row_of[positive], minlength=n_rows)
    fallback = n_positive < k
    keep = positive & ~fallback[row_of]
    if keep.any():
        rows, cols, values = row_of[keep], indices[keep], data[keep]
        # a lower bound on each row's k-th largest: the k-th largest of its first entries
        counts = np.bincount(rows, minlength=n_rows)
        starts = np.zeros(n_rows + 1, dtype=np.intp)
        np.cumsum(counts, out=starts[1:])
        width = min(int(counts.max()), max(8 * k, 256))
        position = starts[:-1, None] + np.arange(width)
        inside = np.arange(width) < counts[:, None]
        sample = np.where(inside, values[np.minimum(position, values.size - 1)], -np.inf)
        bound = np.partition(sample, width - k, axis=1)[:, width - k]
        candidate = values >= bound[rows]
        rows, cols, values = rows[candidate], cols[candidate], values[candidate]
        many = np.bincount(rows, minlength=n_rows) > _CANDIDATES_PER_K * k
        if many.any():
            fallback |= many
            rows, cols, values = rows[~many[rows]], cols[~many[rows]], values[~many[rows]]
        if rows.size:
            top, top_values = _padded_top_k(rows, cols, values, n_rows, k, sorted_columns=False)
            out[~fallback] = top[~fallback]
            out_values[~fallback] = top_values[~fallback]
    if fallback.any():
        fallback_rows = np.flatnonzero(fallback)
        local = np.full(n_rows, -1)
        local[fallback_rows] = np.arange(fallback_rows.size)
        take = fallback[row_of]
        dense = np.zeros((fallback_rows.size, n_cols))
        dense[local[row_of[take]], indices[take]] = data[take]
        top = top_k_columns(dense, k)
        out[fallback_rows] = top
        out_values[fallback_rows] = np.take_along_axis(dense, top, axis=1)
    return out, out_values
