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
experiments in different layers are independent. A layer can also be nested
*within* one experiment of another layer (Tang et al., "Overlapping experiment
infrastructure", KDD 2010, call such a slice a domain): it then splits only the
units of that slice, so a slice can be kept apart from every experiment of the
nested layers. :func:`check_layers` checks a set of layers against the tests
they must hold (isolation where needed, traffic for each test's sample size).
:func:`stratified` balances a fixed list of units within strata (power users /
others) by permuted blocks, and :func:`check_ramp` checks a coverage ramp-up
plan (small first step, an SRM check with enough users at every step).
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
from scipy import optimize, stats

from ._validate import check_count, check_probability

__all__ = ["Layer", "assign", "check_layers", "check_ramp", "hash_position", "stratified"]

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

    ``within=(parent, experiment)`` nests the layer in one experiment of
    another layer: only the units ``parent`` puts in ``experiment`` enter the
    nested layer's buckets (the buckets still come from the nested layer's
    own hash); every other unit is outside all of its experiments. A slice
    such as ``parent.add("shared", share=0.8, variants=("all",))`` then
    carries the nested layers, and the rest of ``parent`` is kept apart from
    all of their experiments.

    Examples
    --------
    >>> ui = Layer("checkout_ui")
    >>> ui.add("button_color", share=0.5)
    >>> ui.add("button_text", share=0.3)
    >>> ui.assign("user_3")
    ('button_color', 'control')
    >>> ui.assign("user_8")  # in the 20 % of traffic no experiment uses
    (None, None)

    A slice of traffic that no other experiment touches: the pricing test
    takes 20 % of a top layer, and the checkout layer lives in the other 80 %.

    >>> top = Layer("top")
    >>> top.add("pricing", share=0.2)
    >>> top.add("shared", share=0.8, variants=("all",))
    >>> checkout = Layer("checkout", within=(top, "shared"))
    >>> checkout.add("button_color", share=0.5)
    >>> round(checkout.share("button_color"), 2)
    0.4
    """

    def __init__(
        self,
        name: str,
        *,
        n_buckets: int = 1000,
        salt: str = "",
        within: tuple[Layer, str] | None = None,
    ) -> None:
        _check_name(name, "name")
        _check_name(salt, "salt", empty_ok=True)
        self.name = name
        self.n_buckets = check_count(n_buckets, name="n_buckets", minimum=1)
        self.salt = salt
        self._slots: list[_Slot] = []
        self.within: tuple[Layer, str] | None = None
        if within is not None:
            if not (isinstance(within, tuple) and len(within) == 2) or not isinstance(
                within[0], Layer
            ):
                raise TypeError(
                    "within must be a (Layer, experiment name) pair, got "
                    f"{type(within).__name__} {within!r:.60}"
                )
            parent, experiment = within
            try:
                parent._slot(experiment)  # the slice must exist
            except (TypeError, ValueError) as exc:
                raise type(exc)(f"within: {exc}") from None
            self.within = (parent, experiment)

    def __repr__(self) -> str:
        used = sum(s.stop - s.start for s in self._slots) / self.n_buckets
        names = [s.experiment for s in self._slots]
        inside = "" if self.within is None else f", within={self.within[0].name}/{self.within[1]}"
        return f"Layer({self.name!r}, experiments={names}, traffic used={used:.0%}{inside})"

    @property
    def experiments(self) -> list[str]:
        """Names of the experiments in this layer, in the order they were added."""
        return [s.experiment for s in self._slots]

    def share(self, experiment: str) -> float:
        """Share of *all* units that ``experiment`` reaches: its share of this
        layer's buckets, times the share of the slice the layer is nested in."""
        slot = self._slot(experiment)
        own = (slot.stop - slot.start) / self.n_buckets
        if self.within is None:
            return own
        parent, outer = self.within
        return own * parent.share(outer)

    def path(self, experiment: str) -> list[tuple[Layer, str]]:
        """``(layer, experiment)`` pairs from ``experiment`` up through the slices
        its layer is nested in, innermost first."""
        self._slot(experiment)
        out: list[tuple[Layer, str]] = [(self, experiment)]
        layer = self
        while layer.within is not None:
            layer, outer = layer.within
            out.append((layer, outer))
        return out

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
        if self.within is not None:
            parent, outer = self.within
            inside = parent._experiment_index(keys) == parent._slots.index(parent._slot(outer))
            out[~inside] = -1
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


# ----------------------------------------------------------------------------- design checks


def _pct(x: float) -> str:
    """A share as the course prints it: ``0.05`` → ``"5 %"``."""
    return f"{100 * x:.0f} %"


def _overlap(a: list[tuple[Layer, str]], b: list[tuple[Layer, str]]) -> bool:
    """Whether two experiments (given by their paths) can share a unit: they are
    kept apart only where one layer puts them in different experiments."""
    outer_b = {id(layer): name for layer, name in b}
    return not any(id(layer) in outer_b and outer_b[id(layer)] != name for layer, name in a)


def _pairs(value: Any, name: str) -> list[tuple[str, str]]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise TypeError(f"{name} must be a list of (test, test) name pairs, got {value!r:.60}")
    out = []
    for pair in value:
        if (
            isinstance(pair, str | bytes)
            or not isinstance(pair, Sequence)
            or len(pair) != 2
            or not all(isinstance(x, str) and x for x in pair)
        ):
            raise TypeError(f"{name} must hold pairs of test names, got {pair!r:.60}")
        out.append((pair[0], pair[1]))
    return out


def check_layers(
    layers: Sequence[Layer],
    *,
    users: int,
    needs: Mapping[str, int],
    apart: Iterable[tuple[str, str]] = (),
    alone: Iterable[str] = (),
) -> str | None:
    """The first requirement a set of layers fails for the tests it must hold, or None.

    The design review of concurrent experiments, in this order:

    1. every planned test (a key of ``needs``) is an experiment of exactly one
       layer, and every experiment of a layer is a planned test or a slice
       that another layer is nested in (``Layer(..., within=...)``);
    2. **isolation where needed**: the two tests of each pair in ``apart``
       (tests that would interact, such as two changes to one button) share
       no unit, and a test in ``alone`` (a global mutually exclusive group:
       a price test whose readout nothing else may touch) shares no unit with
       any other planned test. Two experiments share no unit exactly when
       some layer on both their paths puts them in different experiments
       (:meth:`Layer.path`): the same layer, or layers nested in different
       slices. Layers that are not nested in each other overlap fully;
    3. **enough traffic**: with ``users`` units entering during the test,
       each test's smallest arm gets at least ``needs[test]`` units:
       ``users × Layer.share(test) × smallest variant weight``.

    Parameters
    ----------
    layers : sequence of Layer
        Every layer of the design (nested layers and the layers they sit in).
    users : int
        Units that arrive while the tests run (each one is hashed by every
        top-level layer).
    needs : mapping of str to int
        Each planned test and the units per arm its power analysis needs.
    apart : iterable of (str, str)
        Pairs of tests that must never share a unit.
    alone : iterable of str
        Tests that must share no unit with any other planned test.

    Returns
    -------
    str or None
        What fails, in words, or None when the design meets every requirement.

    Examples
    --------
    >>> ui = Layer("checkout_ui")
    >>> ui.add("button_color", share=0.5)
    >>> ui.add("button_text", share=0.5)
    >>> needs = {"button_color": 20_000, "button_text": 20_000}
    >>> check_layers([ui], users=100_000, needs=needs, apart=[("button_color", "button_text")])
    >>> print(check_layers([ui], users=60_000, needs=needs))
    'button_color' reaches 50 % of the 60,000 users: 15,000 in its smallest arm, fewer than the 20,000 it needs
    """
    if isinstance(layers, Layer) or not isinstance(layers, Sequence) or not layers:
        raise TypeError(f"layers must be a non-empty list of Layer objects, got {layers!r:.60}")
    for layer in layers:
        if not isinstance(layer, Layer):
            raise TypeError(f"layers must hold Layer objects, got {type(layer).__name__}")
    n_users = check_count(users, name="users", minimum=1)
    if not isinstance(needs, Mapping) or not needs:
        raise TypeError(f"needs must map test names to units per arm, got {needs!r:.60}")
    for test, n in needs.items():
        _check_name(test, "needs")
        check_count(n, name=f"needs[{test!r}]", minimum=1)
    pairs = _pairs(apart, "apart")
    if isinstance(alone, str | bytes) or not isinstance(alone, Iterable):
        raise TypeError(f"alone must be a list of test names, got {alone!r:.60}")
    solo = list(alone)
    for name in [x for pair in pairs for x in pair] + solo:
        if name not in needs:
            raise ValueError(f"{name!r} (in apart or alone) is not one of the tests in needs")

    slices = {(id(layer.within[0]), layer.within[1]) for layer in layers if layer.within}
    home: dict[str, list[Layer]] = {}
    for layer in layers:
        for experiment in layer.experiments:
            if experiment in needs:
                home.setdefault(experiment, []).append(layer)
            elif (id(layer), experiment) not in slices:
                return (
                    f"layer {layer.name!r} holds {experiment!r}, which is neither a planned "
                    "test nor a slice that another layer is nested in"
                )
    for test in needs:
        found = home.get(test, [])
        if not found:
            return f"{test!r} is in no layer: add it to one"
        if len(found) > 1:
            names = ", ".join(repr(layer.name) for layer in found)
            return f"{test!r} is in {len(found)} layers ({names}): a test needs exactly one"

    path = {test: home[test][0].path(test) for test in needs}
    for a, b in pairs:
        if _overlap(path[a], path[b]):
            return (
                f"{a!r} and {b!r} can reach the same users, but they must be kept apart: put "
                "them in one layer, or in layers nested in different slices of one layer"
            )
    for test in solo:
        for other in needs:
            if other != test and _overlap(path[test], path[other]):
                return (
                    f"{test!r} must run alone, but {other!r} can reach its users: give "
                    f"{test!r} a slice of a top layer and nest the other layers in the rest"
                )

    for test, n in needs.items():
        layer = home[test][0]
        share = layer.share(test)
        smallest = float(np.min(layer._slot(test).weights))
        per_arm = n_users * share * smallest
        if per_arm < n:
            return (
                f"{test!r} reaches {_pct(share)} of the {n_users:,} users: {per_arm:,.0f} in its "
                f"smallest arm, fewer than the {n:,} it needs"
            )
    return None


def _srm_users(loss: float, share: float, threshold: float, power: float) -> int:
    """Units an SRM check needs to detect that a share ``loss`` of the treatment
    arm's units went missing, with ``power`` at p < ``threshold``."""
    observed = share * (1 - loss) / (1 - share * loss)
    per_unit = (observed - share) ** 2 * (1 / share + 1 / (1 - share))  # non-centrality per unit
    critical = stats.chi2.isf(threshold, 1)
    lam = optimize.brentq(lambda x: stats.ncx2.sf(critical, 1, x) - power, 1e-6, 1e4)
    return math.ceil(lam / per_unit)


def check_ramp(
    steps: Sequence[tuple[float, int]],
    *,
    daily_units: int,
    test_days: int,
    max_first: float = 0.05,
    detect_loss: float = 0.25,
    treatment_share: float = 0.5,
    srm_threshold: float = 0.001,
    power: float = 0.8,
    max_ramp_days: int | None = None,
) -> str | None:
    """The first requirement a coverage ramp-up plan fails, or None.

    A ramp enrols a growing share of the arriving units (``assign(...,
    coverage=...)``: raising coverage only adds units, never moves one) and
    checks the sample ratio before each step up. The plan is a list of
    ``(coverage, days)`` steps; the last one is the experiment itself.
    Requirements, in this order:

    1. coverages rise strictly and the last is 1 (everyone the test plans
       for); every step lasts at least one whole day; the first step
       enrols at most ``max_first`` (a broken build reaches few users);
    2. the last step lasts at least ``test_days`` (the planned test);
    3. before each step up, the SRM check on the units enrolled so far
       (``daily_units × Σ coverage × days``) detects, with ``power`` at
       p < ``srm_threshold``, that a share ``detect_loss`` of the treatment
       arm's units went missing (a crash on start, a redirect that drops
       users). The chi-square test's power is that of a non-central χ²(1)
       with non-centrality N·(q − w)²·(1/w + 1/(1 − w)), w the designed
       treatment share and q = w(1 − L)/(1 − wL) the share left after a loss L;
    4. the steps before the last take at most ``max_ramp_days`` days, if given.

    Parameters
    ----------
    steps : sequence of (float, int)
        ``(coverage, days)`` per step, coverage in (0, 1].
    daily_units : int
        Units arriving per day.
    test_days : int
        Planned duration of the experiment at full coverage.
    max_first : float
        Largest coverage allowed for the first step.
    detect_loss : float
        Share of treatment units lost that every step's SRM check must detect.
    treatment_share : float
        The treatment arm's designed share of enrolled units.
    srm_threshold, power : float
        The SRM alert threshold (0.001, as platforms use) and the power required.
    max_ramp_days : int, optional
        Longest acceptable ramp-up before the last step.

    Examples
    --------
    >>> check_ramp([(0.05, 4), (0.5, 1), (1.0, 14)], daily_units=5_000, test_days=14)
    >>> print(check_ramp([(0.05, 1), (1.0, 14)], daily_units=5_000, test_days=14))
    step 1 (5 % for 1 day) ends with 250 units enrolled, too few for its SRM check: detecting a loss of 25 % of treatment units (p < 0.001, power 0.8) needs 837
    """
    if isinstance(steps, str | bytes) or not isinstance(steps, Sequence) or not steps:
        raise TypeError(
            f"steps must be a non-empty list of (coverage, days) pairs, got {steps!r:.60}"
        )
    plan: list[tuple[float, int]] = []
    for i, step in enumerate(steps):
        if isinstance(step, str | bytes) or not isinstance(step, Sequence) or len(step) != 2:
            raise TypeError(f"steps[{i}] must be a (coverage, days) pair, got {step!r:.60}")
        coverage = check_probability(step[0], name=f"steps[{i}] coverage", closed=True)
        days = check_count(step[1], name=f"steps[{i}] days")
        plan.append((coverage, days))
    daily = check_count(daily_units, name="daily_units", minimum=1)
    test = check_count(test_days, name="test_days", minimum=1)
    first_max = check_probability(max_first, name="max_first", closed=True)
    loss = check_probability(detect_loss, name="detect_loss")
    share = check_probability(treatment_share, name="treatment_share")
    threshold = check_probability(srm_threshold, name="srm_threshold")
    need_power = check_probability(power, name="power")
    ramp_max = None if max_ramp_days is None else check_count(max_ramp_days, name="max_ramp_days")

    def label(i: int) -> str:
        c, d = plan[i]
        return f"step {i + 1} ({_pct(c)} for {d} day{'s' if d != 1 else ''})"

    for i, (c, d) in enumerate(plan):
        if c <= 0:
            return f"{label(i)} enrols nobody: coverage must be above 0"
        if d < 1:
            return f"{label(i)} lasts no whole day: every step needs at least one"
        if i and c <= plan[i - 1][0]:
            return f"{label(i)} does not raise the coverage of the step before it"
    if plan[-1][0] < 1:
        return f"the last step enrols {_pct(plan[-1][0])}: a ramp ends at 100 %, the planned test"
    if len(plan) > 1 and plan[0][0] > first_max:
        return (
            f"{label(0)} exposes {_pct(plan[0][0])} at once: start at {_pct(first_max)} or less, "
            "so a broken build reaches few users"
        )
    if len(plan) == 1:
        return "the plan has no ramp: start with a small step before the full test"
    if plan[-1][1] < test:
        return f"the last step lasts {plan[-1][1]} days, shorter than the {test}-day test"
    needed = _srm_users(loss, share, threshold, need_power)
    enrolled = 0.0
    for i, (c, d) in enumerate(plan[:-1]):
        enrolled += daily * c * d
        if enrolled < needed:
            return (
                f"{label(i)} ends with {enrolled:,.0f} units enrolled, too few for its SRM check: "
                f"detecting a loss of {_pct(loss)} of treatment units (p < {threshold:g}, power "
                f"{need_power:g}) needs {needed:,}"
            )
    ramp_days = sum(d for _, d in plan[:-1])
    if ramp_max is not None and ramp_days > ramp_max:
        return f"the ramp-up takes {ramp_days} days before the test, more than {ramp_max}"
    return None


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
