"""Compiled loops (numba) for the fits whose inner loop NumPy cannot express
without building large intermediate arrays.

:func:`item_neighbours` is the item-item neighbourhood of :class:`~xplab.recs.ItemKNN`,
computed as implicit's item-item models compute theirs: for each item, count
its co-occurrences with every other item in one reused array (the items of
each of its users), then keep a running top k. Nothing of size items × items
is ever built. Its result is exactly the NumPy route's (tested): the same
similarities to the last bit, the same order, ties to the smaller column.

Each function compiles on its first call (about 2 s on two cores) and is
cached next to this file (``__pycache__``, or numba's user cache folder where
that is not writable): in a later process the first call costs about 0.5 s,
most of it importing numba. Where numba can write no cache at all, every
process compiles them again. The functions release the GIL, so threads run
blocks of items side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numba import njit


def _jit(function: Callable[..., Any]) -> Any:
    """``function`` compiled without the GIL, cached where numba can write a cache."""
    try:
        return njit(nogil=True, cache=True)(function)
    except RuntimeError:  # "no locator available": no writable cache folder
        return njit(nogil=True)(function)


@_jit
def _sift_down(values, cols, size, value, col):  # pragma: no cover - compiled
    """Put (value, col) at the root of the min-heap ``values[:size]`` and let it
    sink. The root holds the worst entry: the lowest value, ties the larger column."""
    pos = 0
    while True:
        child = 2 * pos + 1
        if child >= size:
            break
        child_value, child_col = values[child], cols[child]
        right = child + 1
        if right < size and (
            values[right] < child_value
            or (values[right] == child_value and cols[right] > child_col)
        ):
            child, child_value, child_col = right, values[right], cols[right]
        if child_value < value or (child_value == value and child_col > col):
            values[pos], cols[pos] = child_value, child_col
            pos = child
        else:
            break
    values[pos], cols[pos] = value, col


@_jit
def item_neighbours(
    item_ptr, item_users, user_ptr, user_items, norms, start, stop, k
):  # pragma: no cover - compiled
    """The k nearest items of items ``start:stop`` by binary cosine.

    ``item_ptr, item_users`` are the CSR arrays of the 0/1 items × users
    matrix, ``user_ptr, user_items`` those of users × items, ``norms`` the
    square roots of each item's user count. sim(i, j) = |U_i ∩ U_j| /
    (norms[i] · norms[j]). Each row lists the k largest similarities, highest
    first, ties to the smaller column: as a stable sort of the row with the
    item itself at −inf and 0 for items that share no user. Returns the
    columns (stop − start) × k and their similarities.
    """
    n = norms.size
    m = stop - start
    out = np.empty((m, k), np.intp)
    out_values = np.empty((m, k), np.float64)
    count = np.zeros(n, np.int64)  # co-occurrences with the current item
    touched = np.empty(n, np.intp)  # the items counted, in the order first met
    heap_values = np.empty(k, np.float64)
    heap_cols = np.empty(k, np.intp)
    for r in range(m):
        i = start + r
        n_touched = 0
        for p in range(item_ptr[i], item_ptr[i + 1]):
            u = item_users[p]
            for q in range(user_ptr[u], user_ptr[u + 1]):
                j = user_items[q]
                if count[j] == 0:
                    touched[n_touched] = j
                    n_touched += 1
                count[j] += 1
        norm_i = norms[i]
        size = 0
        for s in range(n_touched):
            j = touched[s]
            if j == i:
                continue
            value = count[j] / (norm_i * norms[j])
            if size < k:  # sift up
                pos = size
                size += 1
                while pos > 0:
                    parent = (pos - 1) >> 1
                    parent_value, parent_col = heap_values[parent], heap_cols[parent]
                    if parent_value > value or (parent_value == value and parent_col < j):
                        heap_values[pos], heap_cols[pos] = parent_value, parent_col
                        pos = parent
                    else:
                        break
                heap_values[pos], heap_cols[pos] = value, j
            elif value > heap_values[0] or (value == heap_values[0] and j < heap_cols[0]):
                _sift_down(heap_values, heap_cols, size, value, j)
        filled = size
        while size > 0:  # best first: the worst goes to the back
            size -= 1
            out[r, size], out_values[r, size] = heap_cols[0], heap_values[0]
            if size > 0:
                _sift_down(heap_values, heap_cols, size, heap_values[size], heap_cols[size])
        # fewer than k items share a user with i: zeros complete the list in
        # column order, and i itself (−inf) comes last
        at = filled
        for j in range(n):
            if at == k:
                break
            if j != i and count[j] == 0:
                out[r, at], out_values[r, at] = j, 0.0
                at += 1
        if at < k:
            out[r, at], out_values[r, at] = i, -np.inf
        for s in range(n_touched):
            count[touched[s]] = 0
    return out, out_values
