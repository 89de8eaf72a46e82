"""Deterministic, hash-based assignment of units to variants.

The hash
--------
A unit's position in [0, 1) comes from the first 8 bytes of
``SHA-256(f"{salt}:{experiment}:{unit_id}")`` (UTF-8), read as a big-endian
unsigned integer: its top 53 bits divided by 2⁵³, so that every position is an
exact double below 1. The variant is the first one whose cumulative
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
    # 53 bits: a double holds them exactly, so the position can never round up to 1
    return (int.from_bytes(digest[:8], "big") >> 11) / 2.0**53


def hash_position(unit_id: Any, experiment: str, *, salt: str = "") -> Any:
    """The unit's uniform position in [0, 1) for ``experiment`` (see the module docstring).

    A single id gives a float; a list, array or Series gives a float array.

    Examples
    --------
    >>> round(hash_position("user_42", "button_color"), 6)
    0.58216
    """
    if _is_many(unit_id):
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


def _is_many(unit_id: Any) -> bool:
    """A list, tuple, 1-D array, Series or Index of ids (rather than one id)."""
    if isinstance(unit_id, np.ndarray) and unit_id.ndim > 1:
        raise ValueError(f"unit_id must be one id or a 1-D collection, got shape {unit_id.shape}")
    return isinstance(unit_id, list | tuple | pd.Series | pd.Index) or (
        isinstance(unit_id, np.ndarray) and unit_id.ndim == 1
    )


def _shape_like(unit_id: Any, values: np.ndarray, name: str) -> Any:
    """A single value for a single id, a Series for a Series, else an array."""
    if not _is_many(unit_id):
        value = values[0]
        return None if value is None else str(value)
    if isinstance(unit_id, pd.Series):
        return pd.Series(values, index=unit_id.index, name=name)
    return values


def assign(
    unit_id: Any,
    experiment: str,
    variants: Sequence[str] = ("control", "treatment"),
    weights: Sequence[float] | None = None,
    *,
    salt: str = "",
    layer: Layer | None = None,
) -> Any:
    """Assign units to variants by hashing (see the module docstring).

    The variant of a unit is the first one whose cumulative weight exceeds
    ``hash_position(unit_id, experiment, salt=salt)``, the first 8 bytes of
    ``SHA-256(f"{salt}:{experiment}:{unit_id}")`` divided by 2⁶⁴. Ids are
    formatted with ``str``, so ``1`` and ``"1"`` are the same unit but ``1.0``
    is another.

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
    layer : Layer, optional
        A :class:`Layer` to which ``experiment`` was added. Only units in the
        experiment's share of the layer get a variant; the others get None.
        ``variants`` and ``weights`` must be the ones given to
        :meth:`Layer.add`, and the layer's own salt is used.

    Returns
    -------
    str (or None) for a single id; an object array for a list, tuple or
    array; a Series with the same index for a Series.

    Examples
    --------
    >>> assign("user_42", "button_color")
    'treatment'
    >>> assign(["a", "b", "c"], "button_color", weights=[0.9, 0.1]).tolist()
    ['control', 'control', 'control']
    >>> ui = Layer("checkout_ui")
    >>> ui.add("button_color", share=0.5)
    >>> assign(["user_3", "user_4"], "button_color", layer=ui).tolist()
    [None, 'treatment']
    """
    if not isinstance(experiment, str) or not experiment:
        raise ValueError(f"experiment must be a non-empty string, got {experiment!r}")
    w = _check_variants(variants, weights)
    if layer is None:
        out = _bucket(np.atleast_1d(hash_position(unit_id, experiment, salt=salt)), variants, w)
        return _shape_like(unit_id, out, "variant")
    if not isinstance(layer, Layer):
        raise ValueError(f"layer must be a Layer or None, got {type(layer).__name__}")
    slot = layer._slot(experiment)
    if tuple(variants) != slot.variants or not np.allclose(w, slot.weights, rtol=0, atol=1e-12):
        raise ValueError(
            f"experiment {experiment!r} was added to layer {layer.name!r} with variants "
            f"{slot.variants} and weights {slot.weights.tolist()}; assign got "
            f"{tuple(variants)} and {w.tolist()}"
        )
    if salt not in ("", layer.salt):
        raise ValueError("with a layer, give the salt to Layer(...), not to assign")
    ids = _as_ids(unit_id)
    out = np.full(ids.size, None, dtype=object)
    inside = layer._experiment_index(ids) == layer._slots.index(slot)
    out[inside] = layer._variants(ids[inside], slot)
    return _shape_like(unit_id, out, "variant")


def _as_ids(unit_id: Any) -> np.ndarray:
    if _is_many(unit_id):
        return np.asarray(list(unit_id), dtype=object)
    return np.array([unit_id], dtype=object)


@dataclass(frozen=True)
class _Slot:
    experiment: str
    start: int
    stop: int
    variants: tuple[str, ...]
    weights: np.ndarray = field(repr=False)


class Layer:
    """A slice of traffic shared by mutually exclusive experiments.

    Each unit falls in one of ``n_buckets`` buckets of the layer:
    ``floor(n_buckets · hash_position(unit_id, name, salt=salt))``, the same
    hash as :func:`assign` with the layer's name in place of an experiment's.
    Each experiment owns a contiguous range of buckets. Inside its range a
    unit's variant is hashed again with the experiment's name (as
    ``assign(unit_id, experiment, salt=salt)``), so the split within an
    experiment does not depend on the bucket. Layers with different names are
    independent of each other, so a unit can be in one experiment per layer.
    An experiment may not share the layer's name: its variant would then be
    a function of the bucket.

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
        if not isinstance(salt, str):
            raise ValueError(f"salt must be a string, got {salt!r}")
        self.name = name
        self.n_buckets = check_count(n_buckets, name="n_buckets", minimum=1)
        self.salt = salt
        self._slots: list[_Slot] = []

    def __repr__(self) -> str:
        used = sum(s.stop - s.start for s in self._slots) / self.n_buckets
        names = [s.experiment for s in self._slots]
        return f"Layer({self.name!r}, experiments={names}, traffic used={used:.0%})"

    @property
    def experiments(self) -> list[str]:
        """Names of the experiments in this layer, in the order they were added."""
        return [s.experiment for s in self._slots]

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
        """Give ``experiment`` the next ``share`` of the layer's buckets
        (rounded to whole buckets)."""
        if not isinstance(experiment, str) or not experiment:
            raise ValueError(f"experiment must be a non-empty string, got {experiment!r}")
        if experiment == self.name:
            raise ValueError(
                f"experiment {experiment!r} has the layer's name; its variants would "
                "follow the layer's buckets"
            )
        if experiment in self.experiments:
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

    def _slot(self, experiment: str) -> _Slot:
        for slot in self._slots:
            if slot.experiment == experiment:
                return slot
        raise ValueError(
            f"experiment {experiment!r} is not in layer {self.name!r} "
            f"(it has {self.experiments}); add it with Layer.add"
        )

    def _experiment_index(self, ids: np.ndarray) -> np.ndarray:
        """Index into ``self._slots`` of each unit's experiment; -1 for none."""
        pos = np.atleast_1d(hash_position(ids, self.name, salt=self.salt))
        bucket = np.floor(pos * self.n_buckets).astype(int)
        out = np.full(ids.size, -1)
        for i, slot in enumerate(self._slots):
            out[(bucket >= slot.start) & (bucket < slot.stop)] = i
        return out

    def _variants(self, ids: np.ndarray, slot: _Slot) -> np.ndarray:
        inner = np.atleast_1d(hash_position(ids, slot.experiment, salt=self.salt))
        return _bucket(inner, slot.variants, slot.weights)

    def assign(self, unit_id: Any) -> Any:
        """``(experiment, variant)`` for one id, or a DataFrame with columns
        ``experiment, variant`` for many; ``(None, None)`` outside every experiment."""
        ids = _as_ids(unit_id)
        which = self._experiment_index(ids)
        experiment = np.full(ids.size, None, dtype=object)
        variant = np.full(ids.size, None, dtype=object)
        for i, slot in enumerate(self._slots):
            inside = which == i
            if inside.any():
                experiment[inside] = slot.experiment
                variant[inside] = self._variants(ids[inside], slot)
        if not _is_many(unit_id):
            return experiment[0], variant[0]
        index = unit_id.index if isinstance(unit_id, pd.Series) else None
        return pd.DataFrame({"experiment": experiment, "variant": variant}, index=index)
