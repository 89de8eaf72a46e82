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

Rows where the shortcut does not apply (fewer than k usable entries, or a
lower bound of -inf) go through the full :func:`top_k_columns`, so the
result never depends on the route.
"""

from __future__ import annotations

import math

import numpy as np


def nonzero_2d(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero`` of a C-ordered 2-D mask, in the same (row, column) order:
    through the flat indices, about ten times faster for a wide mask."""
    return np.divmod(np.flatnonzero(mask), mask.shape[1])


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


def top_k_dense(
    scores: np.ndarray, k: int, probe: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The columns :func:`top_k_columns` selects, and their scores, found from a few
    candidates per row.

    ``probe`` is a set of columns likely to hold high scores (the most
    popular items, say); its k-th largest value in each row is a lower bound
    on the row's k-th largest, so only the entries at or above it can be in
    the top k. The bound holds whatever the probe: a poor probe only leaves
    more candidates.
    """
    n_rows, n_cols = scores.shape
    k = min(k, n_cols)
    if probe is None:
        probe = np.arange(0, n_cols, max(1, n_cols // 512))
    if n_rows == 0 or k == n_cols or probe.size < k or n_cols < 4 * probe.size:
        top = top_k_columns(scores, k)
        return top, np.take_along_axis(scores, top, axis=1)
    if n_rows == 1:
        return top_k_row(scores[0], k, probe)
    sample = scores[:, probe]
    bound = np.partition(sample, probe.size - k, axis=1)[:, probe.size - k]
    mask = scores >= bound[:, None]
    # -inf bounds (a probe mostly excluded) or many entries at the bound: rank in full
    full = ~np.isfinite(bound)
    if full.any():
        mask[full] = False
    rows, cols = nonzero_2d(mask)
    out, out_values, done = _select(rows, cols, scores[rows, cols], n_rows, k)
    rest = ~done
    if rest.any():
        top = top_k_columns(scores[rest], k)
        out[rest] = top
        out_values[rest] = np.take_along_axis(scores[rest], top, axis=1)
    return out, out_values


def top_k_row(row: np.ndarray, k: int, probe: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_k_dense` of a single row (1 × k results): bound, candidates, one sort."""
    n = row.size
    k = min(k, n)
    if k == n or probe.size < k or n < 4 * probe.size:
        top = top_k_columns(row[None, :], k)
        return top, row[top]
    sample = row[probe]
    sample.partition(probe.size - k)  # a copy: partitioned in place
    bound = sample[probe.size - k]
    if not math.isfinite(bound):
        top = top_k_columns(row[None, :], k)
        return top, row[top]
    candidates = (row >= bound).nonzero()[0]
    values = row[candidates]
    if candidates.size > 4 * k:  # a loose bound: keep the k-th value and above
        kth = values.copy()
        kth.partition(values.size - k)
        keep = values >= kth[values.size - k]
        candidates, values = candidates[keep], values[keep]
    # candidates are in column order and the sort is stable: ties keep it
    order = (-values).argsort(kind="stable")[:k]
    return candidates[order][None, :], values[order][None, :]


def kth_values(rows: np.ndarray, values: np.ndarray, n_rows: int, k: int) -> np.ndarray:
    """The k-th largest of each row's entries (``rows`` non-decreasing; for rows
    with k entries or fewer −inf, a bound that keeps them all): a partial sort
    of a padded block, the rare much longer rows one at a time."""
    counts = np.bincount(rows, minlength=n_rows)
    starts = np.zeros(n_rows + 1, dtype=np.intp)
    np.cumsum(counts, out=starts[1:])
    kth = np.full(n_rows, -np.inf)
    busy = counts > k
    if busy.any():
        wide = counts > max(4 * k, 4 * int(counts[busy].mean()))
        narrow = np.flatnonzero(busy & ~wide)
        if narrow.size:
            local = np.full(n_rows, -1)
            local[narrow] = np.arange(narrow.size)
            inside = local[rows] >= 0
            at = rows[inside]
            width = int(counts[narrow].max())
            block = np.full((narrow.size, width), -np.inf)
            block[local[at], np.flatnonzero(inside) - starts[at]] = values[inside]
            kth[narrow] = np.partition(block, width - k, axis=1)[:, width - k]
        for row in np.flatnonzero(wide):
            mine = values[starts[row] : starts[row + 1]]
            kth[row] = np.partition(mine, mine.size - k)[mine.size - k]
    return kth


def _select(
    rows: np.ndarray,
    cols: np.ndarray,
    values: np.ndarray,
    n_rows: int,
    k: int,
    *,
    sorted_columns: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's top k (highest value, then smaller column) among its candidate
    entries, which hold every entry of the row at or above a lower bound on
    its k-th value.

    ``rows`` is non-decreasing (with ``sorted_columns``, the columns also
    increase within each row); a row with entries has at least k. The k-th
    value of each row comes from a partial sort of its candidates (a padded
    block; the rare much longer rows one at a time); the entries at or above
    it (k plus ties) are sorted, and each row keeps its first k. Returns
    columns, values and which rows had entries.
    """
    kth = kth_values(rows, values, n_rows, k)
    keep = values >= kth[rows]
    if not keep.all():
        rows, cols, values = rows[keep], cols[keep], values[keep]
    if sorted_columns:  # lexsort is stable: entries in column order need no third key
        order = np.lexsort((-values, rows))
    else:
        # the same order from three sorts, faster than a three-key lexsort: by column
        # (no two entries of a row share one), then stably by value, then by row
        order = np.argsort(cols)
        order = order[np.argsort(-values[order], kind="stable")]
        row_key = rows[order].astype(np.int16 if n_rows < 2**15 else np.intp)
        order = order[np.argsort(row_key, kind="stable")]
    cols, values = cols[order], values[order]
    counts = np.bincount(rows, minlength=n_rows)
    done = counts > 0
    first = (np.cumsum(counts) - counts)[done]
    at = first[:, None] + np.arange(k)
    out = np.zeros((n_rows, k), dtype=np.intp)
    out_values = np.full((n_rows, k), -np.inf)
    out[done], out_values[done] = cols[at], values[at]
    return out, out_values, done


def top_k_exact(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_k_columns` and the selected values, from each row's exact k-th
    value (a partial sort of a copy of the block): for wide blocks without a
    good probe, such as a batch of similarity rows."""
    n_rows, n_cols = block.shape
    k = min(k, n_cols)
    if n_rows == 0 or k == n_cols:
        top = top_k_columns(block, k)
        return top, np.take_along_axis(block, top, axis=1)
    kth = np.partition(block, n_cols - k, axis=1)[:, n_cols - k]
    rows, cols = nonzero_2d(block >= kth[:, None])
    out, values, _ = _select(rows, cols, block[rows, cols], n_rows, k)
    return out, values


def top_k_sparse(
    indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, k: int, n_cols: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`top_k_columns` of CSR rows (missing entries are 0) without densifying
    them; returns the columns and their values.

    A row with at least k positive stored entries has its top k among those
    and is ranked from them (indices in any order): a lower bound on its k-th
    value is the k-th largest of an evenly spread sample of its entries, and
    only the entries at or above it are sorted. The other rows (where zeros,
    or negative entries, complete the list) are densified and ranked in full.
    """
    n_rows = indptr.size - 1
    k = min(k, n_cols)
    counts = np.diff(indptr)
    out = np.zeros((n_rows, k), dtype=np.intp)
    out_values = np.full((n_rows, k), -np.inf)
    width = min(int(counts.max(initial=0)), max(8 * k, 1024))
    if width >= k:
        step = np.arange(width)
        offset = np.where(counts[:, None] > width, step * counts[:, None] // width, step)
        inside = step < counts[:, None]
        sample = np.where(
            inside, data[np.minimum(indptr[:-1, None] + offset, data.size - 1)], -np.inf
        )
        bound = np.partition(sample, width - k, axis=1)[:, width - k]
    else:
        bound = np.zeros(n_rows)
    # a sample with fewer than k positive entries: the row's candidates are all its
    # positive entries (if it has k of them; the others are ranked densely below)
    low = bound <= 0
    if low.any():
        bound[low] = np.nextafter(0.0, 1.0)
    candidate = np.flatnonzero(data >= np.repeat(bound, counts))
    rows = np.searchsorted(indptr, candidate, side="right") - 1
    fallback = np.bincount(rows, minlength=n_rows) < k
    if not fallback.all():
        use = ~fallback[rows]
        out, out_values, _ = _select(
            rows[use],
            indices[candidate[use]],
            data[candidate[use]],
            n_rows,
            k,
            sorted_columns=False,
        )
    if fallback.any():
        fallback_rows = np.flatnonzero(fallback)
        dense = np.zeros((fallback_rows.size, n_cols))
        for i, row in enumerate(fallback_rows):
            dense[i, indices[indptr[row] : indptr[row + 1]]] = data[indptr[row] : indptr[row + 1]]
        top = top_k_columns(dense, k)
        out[fallback_rows] = top
        out_values[fallback_rows] = np.take_along_axis(dense, top, axis=1)
    return out, out_values
