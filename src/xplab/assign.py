"""Deterministic, hash-based assignment of units to variants.

The hash
--------
A unit's position in [0, 1) is the first 8 bytes of
``SHA-256(f"{salt}:{experiment}:{unit_id}")`` read as a big-endian unsigned
integer and divided by 2⁶⁴. The variant is the first one whose cumulative
weight exceeds that position. SHA-256 is the same in every process, on every
machine and in every language, unlike Python's built-in ``hash`` (salted per
process), so a user sees the same variant on every visit and an analyst can
recompute any assignment from logs.

Including the experiment name means the same user lands independently in
different experiments. A :class:`Layer` goes further: experiments in one
layer share its traffic and are mutually exclusive (each owns a range of the
layer's buckets), while experiments in different layers are independent
because each layer hashes with its own name.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._validate import check_count, check_probability


def _position(unit_id: Any, experiment: str, salt: str) -> float:
    digest = hashlib.sha256(f"{salt}:{experiment}:{unit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64


def hash_position(unit_id: Any, experiment: str, *, salt: str = "") -> Any:
    """The unit's uniform position in [0, 1) for ``experiment`` (see the module docstring).

    A single id gives a float; a list, array or Series gives a float array.

    Examples
    --------
    >>> round(hash_position("user_42", "button_color"), 6)
    0.58216
    """
    if isinstance(unit_id, list | tuple | np.ndarray | pd.Series | pd.Index):
        return np.fromiter(
            (_position(u, experiment, salt) for u in unit_id), dtype=float, count=len(unit_id)
        )
    return _position(unit_id, experiment, salt)


def _check_variants(variants: Sequence[str], weights: Sequence[float] | None) -> np.ndarray:
    if isinstance(variants, str) or len(variants) == 0:
        raise ValueError(f"variants must be a non-empty sequence of names, got {variants!r}")
    if len(set(variants)) != len(variants):
        raise ValueError(f"variants must be unique, got {list(variants)}")
    if weights is None:
        return np.full(len(variants), 1 / len(variants))
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(variants),):
        raise ValueError(
            f"weights must have one entry per variant ({len(variants)}), got {weights!r}"
        )
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"weights must be non-negative numbers, got {list(weights)}")
    if not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"weights must sum to 1, got {w.sum():.6g}")
    return w


def _bucket(positions: Any, variants: Sequence[str], weights: np.ndarray) -> Any:
    edges = np.cumsum(weights)
    edges[-1] = 1.0  # rounding must not leave a gap at the top
    idx = np.searchsorted(edges, positions, side="right")
    names = np.asarray(variants, dtype=object)
    return names[idx]


def assign(
    unit_id: Any,
    experiment: str,
    variants: Sequence[str] = ("control", "treatment"),
    weights: Sequence[float] | None = None,
    *,
    salt: str = "",
) -> Any:
    """Assign units to variants by hashing (see the module docstring).

    Parameters
    ----------
    unit_id : str, int, or a list/array/Series of them
        The unit of randomization, e.g. a user id.
    experiment : str
        The experiment's name; part of the hash.
    variants : sequence of str
    weights : sequence of float, optional
        Traffic share of each variant (non-negative, summing to 1). Default: equal.
    salt : str
        Change it to reshuffle everyone (e.g. after a bad run).

    Returns
    -------
    str for a single id; an object array for a list or array; a Series with
    the same index for a Series.

    Examples
    --------
    >>> assign("user_42", "button_color")
    'treatment'
    >>> assign(["a", "b", "c"], "button_color", weights=[0.9, 0.1]).tolist()
    ['control', 'control', 'control']
    """
    if not isinstance(experiment, str) or not experiment:
        raise ValueError(f"experiment must be a non-empty string, got {experiment!r}")
    w = _check_variants(variants, weights)
    pos = hash_position(unit_id, experiment, salt=salt)
    out = _bucket(pos, variants, w)
    if isinstance(unit_id, pd.Series):
        return pd.Series(out, index=unit_id.index, name="variant")
    return str(out) if np.ndim(out) == 0 else out


@dataclass(frozen=True)
class _Slot:
    experiment: str
    start: int
    stop: int
    variants: tuple[str, ...]
    weights: np.ndarray = field(repr=False)


class Layer:
    """A slice of traffic shared by mutually exclusive experiments.

    Each unit falls in one of ``n_buckets`` buckets of the layer (by hashing
    with the layer's name); each experiment owns a contiguous range of
    buckets. Inside its range a unit's variant is hashed again with the
    experiment's name, so the split within an experiment is independent of
    the bucket. Layers with different names are independent of each other.

    Examples
    --------
    >>> ui = Layer("checkout_ui")
    >>> ui.add("button_color", share=0.5)
    >>> ui.add("button_text", share=0.3)
    >>> ui.assign("user_2")
    ('button_text', 'treatment')
    >>> ui.assign("user_42")  # in the 20 % of traffic no experiment uses
    (None, None)
    """

    def __init__(self, name: str, *, n_buckets: int = 1000, salt: str = "") -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        self.name = name
        self.n_buckets = check_count(n_buckets, name="n_buckets", minimum=1)
        self.salt = salt
        self._slots: list[_Slot] = []

    def __repr__(self) -> str:
        used = sum(s.stop - s.start for s in self._slots) / self.n_buckets
        names = [s.experiment for s in self._slots]
        return f"Layer({self.name!r}, experiments={names}, traffic used={used:.0%})"

    @property
    def free_share(self) -> float:
        """Share of the layer's traffic not yet given to an experiment."""
        used = self._slots[-1].stop if self._slots else 0
        return (self.n_buckets - used) / self.n_buckets

    def add(
        self,
        experiment: str,
        *,
        share: float,
        variants: Sequence[str] = ("control", "treatment"),
        weights: Sequence[float] | None = None,
    ) -> None:
        """Give ``experiment`` the next ``share`` of the layer's buckets."""
        if not isinstance(experiment, str) or not experiment:
            raise ValueError(f"experiment must be a non-empty string, got {experiment!r}")
        if any(s.experiment == experiment for s in self._slots):
            raise ValueError(f"experiment {experiment!r} is already in layer {self.name!r}")
        share = check_probability(share, name="share", closed=True)
        n = round(share * self.n_buckets)
        if n < 1:
            raise ValueError(f"share {share} is less than one of {self.n_buckets} buckets")
        start = self._slots[-1].stop if self._slots else 0
        if start + n > self.n_buckets:
            raise ValueError(
                f"share {share} exceeds the layer's free traffic ({self.free_share:.3g})"
            )
        w = _check_variants(variants, weights)
        self._slots.append(_Slot(experiment, start, start + n, tuple(variants), w))

    def assign(self, unit_id: Any) -> Any:
        """``(experiment, variant)`` for one id, or a DataFrame with columns
        ``experiment, variant`` for many; ``(None, None)`` outside every experiment."""
        pos = np.atleast_1d(hash_position(unit_id, self.name, salt=self.salt))
        bucket = np.floor(pos * self.n_buckets).astype(int)
        ids = np.atleast_1d(np.asarray(unit_id, dtype=object))
        experiment = np.full(ids.size, None, dtype=object)
        variant = np.full(ids.size, None, dtype=object)
        for slot in self._slots:
            inside = (bucket >= slot.start) & (bucket < slot.stop)
            if inside.any():
                experiment[inside] = slot.experiment
                inner = hash_position(list(ids[inside]), slot.experiment, salt=self.salt)
                variant[inside] = _bucket(inner, slot.variants, slot.weights)
        if np.ndim(unit_id) == 0 and not isinstance(unit_id, list | tuple):
            return experiment[0], variant[0]
        index = unit_id.index if isinstance(unit_id, pd.Series) else None
        return pd.DataFrame({"experiment": experiment, "variant": variant}, index=index)
