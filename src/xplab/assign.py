"""Deterministic, hash-based assignment of units to variants.

The hash
--------
Every position in [0, 1) comes from SHA-256 of a message that encodes its
inputs as *netstrings* (``len:bytes,`` with the UTF-8 byte length in decimal)
after a domain tag::

    b"xplab.assign.v2" + ns(purpose) + ns(salt) + ns(layer) + ns(experiment) + ns(unit)

where ``ns(b"pricing") == b"7:pricing,"``; ``purpose`` says what the position
is for (``variant``: the unit's arm; ``enrol``: whether a ramped experiment
includes the unit; ``bucket``: its bucket in a :class:`Layer`), ``layer`` is the
layer's name or empty, and the unit is its string, or the decimal digits of an
integer id (so ``7`` and ``"7"`` are the same unit). The first 8 bytes of the
digest, read as a big-endian unsigned integer, give the position: their top
53 bits divided by 2⁵³, an exact double below 1. SHA-256 is the same in every
process, on every machine and in every language, unlike Python's built-in
``hash`` (salted per process), so a user sees the same variant on every visit
and an analyst can recompute any assignment from logs.

A netstring says where each field ends, so no choice of names makes two
different (purpose, salt, layer, experiment, unit) combinations share a hash
input: a layer called ``"checkout"`` and an experiment called ``"checkout"``
inside layer ``"pricing"`` hash different messages and are independent.
Version 1 of this module hashed ``f"{salt}:{experiment}:{unit_id}"``, where
those two collided; version 2 changes every assignment relative to version 1
(nothing had been deployed with it).

Experiments with different names land each unit independently. A
:class:`Layer` goes further: experiments in one layer share its traffic and
are mutually exclusive (each owns a range of the layer's buckets), while
experiments in different layers are independent. :func:`stratified` balances
a fixed list of units within strata (power users / others) by permuted blocks.
"""

from __future__ import annotations

import hashlib
import math
import numbers
import warnings
from collections.abc import Iterable, KeysView, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._validate import check_count, check_probability

__all__ = ["Layer", "assign", "hash_position", "stratified"]

_TAG = b"xplab.assign.v2"
_MAX_EXACT_FLOAT = 2**53  # above it, a float no longer holds every integer exactly


def _netstring(value: bytes) -> bytes:
    return str(len(value)).encode() + b":" + value + b","


def _text(value: str, name: str) -> bytes:
    try:
        return value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError(
            f"{name} contains a lone surrogate ({value!r}), which is not valid text; "
            "decode the ids properly (e.g. bytes.decode('utf-8'))"
        ) from None


def _positions(keys: Sequence[bytes], *fields: bytes) -> np.ndarray:
    """Positions in [0, 1) of ``keys`` (the last field) after the fixed ``fields``."""
    prefix = _TAG + b"".join(_netstring(f) for f in fields)
    sha256 = hashlib.sha256
    heads = b"".join([sha256(b"%s%d:%s," % (prefix, len(k), k)).digest()[:8] for k in keys])
    # 53 bits: a double holds them exactly, so the position can never round up to 1
    top = np.frombuffer(heads, dtype=">u8") >> np.uint64(11)
    return top / 2.0**53


# ----------------------------------------------------------------------------- argument checks


def _check_name(value: Any, name: str, *, empty_ok: bool = False) -> bytes:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a string, got {type(value).__name__} {value!r}")
    if not value and not empty_ok:
        raise ValueError(f"{name} must be a non-empty string, got {value!r}")
    return _text(value, name)


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT


def _unit_key(value: Any, name: str, floats: list[float]) -> bytes:
    """The bytes that identify one unit in the hash (see the module docstring)."""
    if isinstance(value, str):
        if not value:
            raise ValueError(f"{name} is the empty string; ids must be non-empty")
        return _text(value, name)
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} is the boolean {value!r}; ids must be strings or integers")
    if isinstance(value, numbers.Integral):
        return str(int(value)).encode()
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isnan(number):
            raise ValueError(f"{name} is NaN (a missing id); drop missing ids first")
        if not (number.is_integer() and abs(number) <= _MAX_EXACT_FLOAT):
            raise ValueError(
                f"{name} is the float {value!r}; ids must be strings or integers "
                "(integral floats such as 12.0 are read as integers)"
            )
        floats.append(number)
        return str(int(number)).encode()
    if _is_missing(value):
        raise ValueError(f"{name} is {value!r} (a missing id); drop missing ids first")
    raise TypeError(
        f"{name} must be a string or an integer id, got {type(value).__name__} {value!r}"
    )


def _is_many(unit_id: Any, name: str = "unit_id") -> bool:
    """True for an ordered collection of ids, False for one id; rejects the ambiguous."""
    if isinstance(unit_id, str | bytes | numbers.Number) or _is_missing(unit_id):
        return False
    if isinstance(unit_id, np.ndarray):
        if unit_id.ndim > 1:
            raise ValueError(
                f"{name} must be one id or a 1-D collection, got shape {unit_id.shape}"
            )
        return unit_id.ndim == 1
    if isinstance(unit_id, pd.DataFrame):
        raise TypeError(f"{name} must be one id or a 1-D collection, got a DataFrame")
    if isinstance(unit_id, Mapping):
        raise TypeError(
            f"{name} is a {type(unit_id).__name__}; pass its .keys() or .values() explicitly"
        )
    if isinstance(unit_id, AbstractSet) and not isinstance(unit_id, KeysView):
        raise TypeError(
            f"{name} is a {type(unit_id).__name__}, which has no order; "
            "pass a list, array or Series so each variant lines up with its id"
        )
    return isinstance(unit_id, Iterable)


def _plain_keys(values: list[Any]) -> list[bytes] | None:
    """Keys of all-string or all-int ids without per-id checks (the common case,
    fast for millions of ids); None when any id needs the careful path."""
    if all(type(v) is str for v in values):
        try:
            keys = [v.encode("utf-8") for v in values]
        except UnicodeEncodeError:
            return None
        return keys if all(keys) else None
    if all(type(v) is int for v in values):  # type(True) is bool, not int
        return [b"%d" % v for v in values]
    return None


def _unit_keys(unit_id: Any, name: str = "unit_id") -> tuple[list[bytes], bool]:
    """``(keys, many)``: the hash key of each id, and whether a collection was given."""
    floats: list[float] = []
    many = _is_many(unit_id, name)
    if not many:
        if isinstance(unit_id, np.ndarray):  # 0-d
            unit_id = unit_id.item()
        keys = [_unit_key(unit_id, name, floats)]
    else:
        values = unit_id.tolist() if hasattr(unit_id, "tolist") else list(unit_id)
        plain = _plain_keys(values)
        if plain is None:
            keys = [_unit_key(v, f"{name}[{i}]", floats) for i, v in enumerate(values)]
        else:
            keys = plain
    if floats:
        warnings.warn(
            f"{name}: {len(floats)} id(s) are integral floats (e.g. {floats[0]!r}) and were "
            f"hashed as the integer ({int(floats[0])}); a missing value probably turned an "
            "integer column into floats. Drop missing ids and convert with .astype('int64').",
            UserWarning,
            stacklevel=3,
        )
    return keys, many


def _check_variants(variants: Any, weights: Any) -> tuple[tuple[str, ...], np.ndarray]:
    if isinstance(variants, str | bytes) or not isinstance(variants, Sequence | np.ndarray):
        raise TypeError(f"variants must be a sequence of names, got {variants!r}")
    names = tuple(variants)
    if len(names) == 0:
        raise ValueError("variants must be a non-empty sequence of names, got an empty one")
    for v in names:
        if not isinstance(v, str) or not v:
            raise TypeError(f"variants must be non-empty strings, got {v!r} in {list(names)}")
    if len(set(names)) != len(names):
        raise ValueError(f"variants must be unique, got {list(names)}")
    if weights is None:
        return names, np.full(len(names), 1 / len(names))
    if isinstance(weights, str | bytes) or not isinstance(weights, Sequence | np.ndarray):
        raise TypeError(f"weights must be a sequence of numbers, got {weights!r}")
    for x in weights:
        if isinstance(x, bool | np.bool_) or not isinstance(x, numbers.Real):
            raise TypeError(f"weights must be numbers, got {x!r} in {list(weights)}")
    w = np.asarray(weights, dtype=float)
    if w.shape != (len(names),):
        raise ValueError(f"weights must have one entry per variant ({len(names)}), got {weights!r}")
    if not np.all(np.isfinite(w)) or np.any(w < 0):
        raise ValueError(f"weights must be non-negative numbers, got {list(weights)}")
    if not np.isclose(w.sum(), 1.0, rtol=0, atol=1e-9):
        raise ValueError(f"weights must sum to 1, got {w.sum():.6g}")
    return names, w


def _bucket(positions: np.ndarray, variants: Sequence[str], weights: np.ndarray) -> np.ndarray:
    edges = np.cumsum(weights)
    edges[-1] = 1.0  # rounding must not leave a gap at the top
    idx = np.searchsorted(edges, positions, side="right")
    return np.asarray(variants, dtype=object)[idx]


def _shape_like(unit_id: Any, many: bool, values: np.ndarray, name: str) -> Any:
    """A single value for a single id, a Series for a Series, else an array."""
    if not many:
        value = values[0]
        return value if value is None else str(value)
    if isinstance(unit_id, pd.Series):
        return pd.Series(values, index=unit_id.index, name=name)
    return values


# ----------------------------------------------------------------------------- public API


def hash_position(unit_id: Any, experiment: str, *, salt: str = "") -> Any:
    """The unit's uniform position in [0, 1) that :func:`assign` cuts by weight.

    The position of purpose ``variant`` with no layer (see the module
    docstring). Ids are checked as in :func:`assign`.

    Returns
    -------
    float for one id; a float array for a collection.

    Examples
    --------
    >>> round(hash_position("user_42", "button_color"), 6)
    0.788052
    """
    exp = _check_name(experiment, "experiment")
    s = _check_name(salt, "salt", empty_ok=True)
    keys, many = _unit_keys(unit_id)
    pos = _positions(keys, b"variant", s, b"", exp)
    return pos if many else float(pos[0])


def assign(
    unit_id: Any,
    experiment: str,
    variants: Sequence[str] = ("control", "treatment"),
    weights: Sequence[float] | None = None,
    *,
    salt: str = "",
    layer: Layer | None = None,
    coverage: float = 1.0,
) -> Any:
    """Assign units to variants by hashing (see the module docstring).

    A unit's variant is the first whose cumulative weight exceeds its
    ``variant`` position, SHA-256 of (salt, layer, experiment, unit). With
    ``coverage`` < 1 the experiment is *ramped*: only units whose ``enrol``
    position — a second, independent hash of the same inputs — is below
    ``coverage`` take part; the others get None. Because the two positions are
    independent, raising ``coverage`` (10 % → 50 % → 100 %) only adds units,
    never moves an enrolled unit to another arm, and the arms keep their
    weights among the enrolled at every step.

    Changing ``weights`` or ``variants`` is different: the cut points of the
    ``variant`` position move, so every unit between an old and a new cut
    point changes arm (5/5/90 → 25/25/50 moves a fifth of all units from
    control into treatment, and adding a third arm to 50/50 moves a third of
    the units). Mixing exposures like that biases the comparison; ramp with
    ``coverage`` instead, or change ``salt`` (or the experiment name) to
    restart with everyone re-randomised.

    Parameters
    ----------
    unit_id : str or int, or an ordered collection of them
        The unit of randomization, e.g. a user id. A collection (list, tuple,
        range, generator, ``dict.keys()``, NumPy array, pandas Series or
        Index) gives one variant per id, in its order; a set has no order and
        is rejected, as are a dict (pass ``.keys()``) and 2-D input. Ids must
        be non-empty strings or integers; ``7`` and ``"7"`` are the same
        unit. None, NaN, ``""``, booleans, non-integral floats and strings
        with lone surrogates are rejected. Integral floats (``12.0``, what a
        missing value makes of an integer column in pandas) are hashed as
        the integer, with a ``UserWarning``.
    experiment : str
        The experiment's name; part of the hash.
    variants : sequence of str
        Unique, non-empty names.
    weights : sequence of float, optional
        Traffic share of each variant (non-negative, summing to 1). Default: equal.
    salt : str
        Change it to reshuffle everyone (e.g. after a bad run).
    layer : Layer, optional
        A :class:`Layer` to which ``experiment`` was added. Only units in the
        experiment's share of the layer get a variant; the others get None.
        ``variants`` and ``weights`` must be the ones given to
        :meth:`Layer.add`, and the layer's own salt is used.
    coverage : float
        Share of units enrolled, in [0, 1] (within the experiment's share of
        the layer, with a layer). Default 1: everyone.

    Returns
    -------
    str (or None) for one id; an object array for a collection; a Series
    with the same index for a Series.

    Examples
    --------
    >>> assign("user_42", "button_color")
    'treatment'
    >>> assign(["a", "b", "c", "d"], "button_color", weights=[0.9, 0.1]).tolist()
    ['control', 'control', 'control', 'treatment']

    A ramp from 10 % to 50 % to 100 % of 20 users (c = control, t = treatment,
    . = not enrolled): each step only adds users, and enrolled users keep
    their arm.

    >>> users = [f"user_{i}" for i in range(20)]
    >>> for share in (0.1, 0.5, 1.0):
    ...     arms = assign(users, "new_checkout", coverage=share)
    ...     print(f"{share:>4.0%}", " ".join("." if a is None else a[0] for a in arms))
     10% . . . . . . . . . . . t . c . . . . c .
     50% c c . . c . c c c c c t . c . c . c c t
    100% c c c t c t c c c c c t t c c c c c c t

    Inside a layer:

    >>> ui = Layer("checkout_ui")
    >>> ui.add("button_color", share=0.5)
    >>> assign(["user_3", "user_4"], "button_color", layer=ui).tolist()
    ['control', 'treatment']
    """
    exp = _check_name(experiment, "experiment")
    names, w = _check_variants(variants, weights)
    s = _check_name(salt, "salt", empty_ok=True)
    coverage = check_probability(coverage, name="coverage", closed=True)
    if layer is not None and not isinstance(layer, Layer):
        raise TypeError(f"layer must be a Layer or None, got {type(layer).__name__}")
    keys, many = _unit_keys(unit_id)
    out = np.full(len(keys), None, dtype=object)
    if layer is None:
        inside = np.ones(len(keys), dtype=bool)
        layer_name = b""
    else:
        slot = layer._slot(experiment)
        if names != slot.variants or not np.allclose(w, slot.weights, rtol=0, atol=1e-12):
            raise ValueError(
                f"experiment {experiment!r} was added to layer {layer.name!r} with variants "
                f"{slot.variants} and weights {slot.weights.tolist()}; assign got "
                f"{names} and {w.tolist()}"
            )
        if salt not in ("", layer.salt):
            raise ValueError("with a layer, give the salt to Layer(...), not to assign")
        s, layer_name = layer.salt.encode(), layer.name.encode()
        inside = layer._experiment_index(keys) == layer._slots.index(slot)
    if coverage < 1:
        inside &= _positions(keys, b"enrol", s, layer_name, exp) < coverage
    chosen = keys if inside.all() else [k for k, i in zip(keys, inside, strict=True) if i]
    out[inside] = _bucket(_positions(chosen, b"variant", s, layer_name, exp), names, w)
    return _shape_like(unit_id, many, out, "variant")


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
    ``floor(n_buckets · position)``, with the ``bucket`` position of (salt,
    layer name, unit) from the module's hash. Each experiment owns a
    contiguous range of buckets. Inside its range a unit's variant comes from
    the ``variant`` position of (salt, layer name, experiment, unit), a
    different hash input, so the split within an experiment does not depend
    on the bucket. Layers with different names are independent of each other,
    whatever the names of their experiments, so a unit can be in one
    experiment per layer.

    Examples
    --------
    >>> ui = Layer("checkout_ui")
    >>> ui.add("button_color", share=0.5)
    >>> ui.add("button_text", share=0.3)
    >>> ui.assign("user_3")
    ('button_color', 'control')
    >>> ui.assign("user_8")  # in the 20 % of traffic no experiment uses
    (None, None)
    """

    def __init__(self, name: str, *, n_buckets: int = 1000, salt: str = "") -> None:
        _check_name(name, "name")
        _check_name(salt, "salt", empty_ok=True)
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
        _check_name(experiment, "experiment")
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
        names, w = _check_variants(variants, weights)
        self._slots.append(_Slot(experiment, start, start + n, names, w))

    def _slot(self, experiment: Any) -> _Slot:
        _check_name(experiment, "experiment")
        for slot in self._slots:
            if slot.experiment == experiment:
                return slot
        raise ValueError(
            f"experiment {experiment!r} is not in layer {self.name!r} "
            f"(it has {self.experiments}); add it with Layer.add"
        )

    def _experiment_index(self, keys: Sequence[bytes]) -> np.ndarray:
        """Index into ``self._slots`` of each unit's experiment; -1 for none."""
        pos = _positions(keys, b"bucket", self.salt.encode(), self.name.encode(), b"")
        bucket = np.floor(pos * self.n_buckets).astype(int)
        out = np.full(len(keys), -1)
        for i, slot in enumerate(self._slots):
            out[(bucket >= slot.start) & (bucket < slot.stop)] = i
        return out

    def assign(self, unit_id: Any) -> Any:
        """``(experiment, variant)`` for one id, or a DataFrame with columns
        ``experiment, variant`` for a collection (ids as in :func:`assign`);
        ``(None, None)`` outside every experiment."""
        keys, many = _unit_keys(unit_id)
        which = self._experiment_index(keys)
        experiment = np.full(len(keys), None, dtype=object)
        variant = np.full(len(keys), None, dtype=object)
        for i, slot in enumerate(self._slots):
            inside = which == i
            if inside.any():
                experiment[inside] = slot.experiment
                chosen = [k for k, j in zip(keys, inside, strict=True) if j]
                pos = _positions(
                    chosen,
                    b"variant",
                    self.salt.encode(),
                    self.name.encode(),
                    slot.experiment.encode(),
                )
                variant[inside] = _bucket(pos, slot.variants, slot.weights)
        if not many:
            return experiment[0], variant[0]
        index = unit_id.index if isinstance(unit_id, pd.Series) else None
        return pd.DataFrame({"experiment": experiment, "variant": variant}, index=index)


# ----------------------------------------------------------------------------- stratified

_MAX_BLOCK = 100


def _block_ratios(weights: np.ndarray) -> np.ndarray:
    """The smallest whole numbers proportional to ``weights`` (their sum is the block size)."""
    for denominator in range(1, _MAX_BLOCK + 1):
        scaled = weights * denominator
        if np.allclose(scaled, np.round(scaled), rtol=0, atol=1e-6):
            ratios = np.round(scaled).astype(int)
            ratios //= math.gcd(*ratios.tolist())
            if ratios.sum() <= _MAX_BLOCK:
                return ratios
    raise ValueError(
        f"weights must be ratios of small whole numbers (a block of at most {_MAX_BLOCK} "
        f"units) for stratified assignment, got {weights.tolist()}"
    )


def _stratum_key(value: Any, name: str) -> bytes:
    # a type tag keeps the stratum True apart from the stratum "True"
    if isinstance(value, bool | np.bool_):
        return b"b" + str(bool(value)).encode()
    if isinstance(value, str):
        if not value:
            raise ValueError(f"{name} is the empty string; label every stratum")
        return b"s" + _text(value, name)
    if isinstance(value, numbers.Integral):
        return b"i" + str(int(value)).encode()
    if _is_missing(value) or (isinstance(value, float) and math.isnan(value)):
        raise ValueError(f"{name} is missing ({value!r}); label every stratum")
    raise TypeError(
        f"{name} must be a string, integer or boolean label, got {type(value).__name__} {value!r}"
    )


def stratified(
    units: Any,
    strata: Any,
    experiment: str,
    *,
    variants: Sequence[str] = ("control", "treatment"),
    weights: Sequence[float] | None = None,
    salt: str = "",
) -> Any:
    """Balanced assignment of a fixed list of units within strata, by permuted blocks.

    Within each stratum (power users / others, a country, …) the units are
    put in a deterministic order by an ``order`` hash of (salt, experiment,
    stratum, unit), then dealt out in consecutive blocks of ``B`` units.
    With the weights written as the smallest whole-number ratio
    ``r_1 : … : r_k``, a block holds ``r_j`` places for variant ``j``
    (``B = r_1 + … + r_k``: 2 for 50/50, 4 for 25/75, 10 for 20/30/50), in an
    order given by a ``block`` hash of (salt, experiment, stratum, block,
    place). Every full block is exactly balanced, so in each stratum the
    number of units in variant ``j`` is within ``r_j`` of
    ``n_stratum · w_j``; with equal weights the arms of a stratum differ by at
    most one unit. Plain hashing (:func:`assign`) only balances in
    expectation.

    The result depends on the set of (unit, stratum) pairs, not on their
    order in the input, and is the same in every process. It is for a list of
    units known up front (a cohort, a mailing list, a set of stores): adding
    units to a stratum shifts the blocks after them, so some units of that
    stratum change arm. For traffic that arrives over time, assign with
    :func:`assign` and post-stratify in the analysis.

    Parameters
    ----------
    units : ordered collection of str or int
        Unique unit ids, as for :func:`assign` (``7`` and ``"7"`` are the same unit).
    strata : ordered collection of str, int or bool
        The stratum of each unit, aligned by position with ``units``.
    experiment : str
        The experiment's name; part of the hashes.
    variants : sequence of str
    weights : sequence of float, optional
        Share of each variant; must be ratios of whole numbers summing to at
        most 100 (e.g. 1/3, 2/3). Default: equal.
    salt : str
        Change it to draw a new balanced assignment.

    Returns
    -------
    A Series with the index of ``units`` if it is a Series, else an object
    array: the variant of each unit, aligned with ``units``.

    Examples
    --------
    >>> users = [f"user_{i}" for i in range(10)]
    >>> power = [i < 4 for i in range(10)]
    >>> arms = stratified(users, power, "onboarding")
    >>> arms.tolist()[:4]  # the 4 power users: 2 and 2
    ['treatment', 'control', 'treatment', 'control']
    >>> arms.tolist()[4:]  # the 6 others: 3 and 3
    ['control', 'control', 'treatment', 'treatment', 'control', 'treatment']
    """
    exp = _check_name(experiment, "experiment")
    names, w = _check_variants(variants, weights)
    s = _check_name(salt, "salt", empty_ok=True)
    ratios = _block_ratios(w)
    if not _is_many(units, "units"):
        raise TypeError(f"units must be a collection of ids, got {units!r}")
    keys, _ = _unit_keys(units, "units")
    if len(set(keys)) != len(keys):
        dup = pd.Series(keys).duplicated()
        first = keys[int(np.argmax(dup.to_numpy()))].decode()
        raise ValueError(f"units must be unique; {first!r} appears more than once")
    if isinstance(strata, str | bytes) or not _is_many(strata, "strata"):
        raise TypeError(f"strata must be a collection of labels, got {strata!r}")
    labels = strata.tolist() if hasattr(strata, "tolist") else list(strata)
    if len(labels) != len(keys):
        raise ValueError(
            f"strata must have one label per unit ({len(keys)}), got {len(labels)} labels"
        )
    stratum_keys = [_stratum_key(v, f"strata[{i}]") for i, v in enumerate(labels)]

    places = np.repeat(np.arange(len(names)), ratios)  # one block's places, by variant
    block_size = len(places)
    out = np.empty(len(keys), dtype=object)
    groups: dict[bytes, list[int]] = {}
    for i, k in enumerate(stratum_keys):
        groups.setdefault(k, []).append(i)
    for stratum, members in groups.items():
        member_keys = [keys[i] for i in members]
        pos = _positions(member_keys, b"order", s, stratum, exp)
        # ties (2⁻⁵³ apart) fall back on the id, so the order never depends on the input's
        ranked = sorted(range(len(members)), key=lambda j: (pos[j], member_keys[j]))
        n_blocks = -(-len(members) // block_size)
        labels_of_places = [f"{b}:{p}".encode() for b in range(n_blocks) for p in range(block_size)]
        shuffle = _positions(labels_of_places, b"block", s, stratum, exp).reshape(
            n_blocks, block_size
        )
        dealt = places[np.argsort(shuffle, axis=1, kind="stable")].ravel()
        for rank, j in enumerate(ranked):
            out[members[j]] = names[dealt[rank]]
    if isinstance(units, pd.Series):
        return pd.Series(out, index=units.index, name="variant")
    return out
