"""Consent and erasure: opt-outs honoured everywhere, and a user removed from every table.

Two obligations a personalisation system must meet by construction, not by
habit:

* **opt-out**: a user who withdraws consent to personalisation (GDPR Art.
  7(3)) or objects to it (Art. 21; for direct marketing, including the
  profiling behind it, the objection is absolute, Art. 21(3)) gets the
  non-personalised experience *and* their data stop feeding the models —
  :func:`consented` gives the rows that may be used. (The CCPA's "do not sell
  or share" is narrower: it covers passing data to others, including for
  cross-context behavioural advertising, not a site's own personalisation.)
* **erasure** (GDPR Art. 17): on a valid request, the user disappears from
  every table derived from their data, including the inputs models are
  trained on, and those models are retrained without them. Erasure is only as
  complete as the list of places the data went: :class:`DataInventory` makes
  every derived table declare how it links to a user (its user column, raw id
  or pseudonym), so nothing is forgotten, and lists the models to retrain.
  The right has exceptions (Art. 17(3)): records the law requires you to keep
  — invoices, for the years tax law sets — stay, with their use restricted to
  that purpose; they are not personalisation inputs and do not belong in the
  inventory of what is erased. Backups need their own procedure (erase on
  restore).

Ids are compared by value: ``17850``, ``"17850"``, ``17850.0`` (an integer
column that went through a missing value), ``np.int32(17850)`` and a
categorical or nullable-integer ``17850`` are the same user, as in
:func:`xplab.assign.assign` and :func:`~xplab.privacy.pseudonymize`. Other
text is compared exactly: ``"017850"`` is **not** ``17850`` — leading zeros
can be significant in text ids, and erasing the wrong person's rows is a
failure too — but :meth:`DataInventory.erase` reports (and warns about) ids
that differ from the erased one only by leading zeros or letter case, so
that a human can decide. Ids with spaces around them are refused: store ids
stripped, in one form, in every table.
"""

from __future__ import annotations

import numbers
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .pseudonym import _key_bytes, pseudonymize

__all__ = ["DataInventory", "ErasureReceipt", "consented"]

_MAX_EXACT_FLOAT = 2**53  # above it a float no longer holds every integer exactly
_HEX = re.compile(r"[0-9a-f]{16,64}")


def _canon_text(value: str, name: str) -> str:
    if not value:
        raise ValueError(f"{name} holds an empty string; ids must be non-empty")
    if value != value.strip():
        raise ValueError(
            f"{name} holds {value!r}, with spaces around it; strip the ids first "
            "(' 17850' and '17850' would otherwise be two users)"
        )
    return value


def _canon(value: Any, name: str = "a user id") -> str | None:
    """One id as text (None for a missing id)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} holds the boolean {value!r}; ids are strings or integers")
    if isinstance(value, str):
        return _canon_text(value, name)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if np.isnan(number):
            return None
        if number.is_integer() and abs(number) <= _MAX_EXACT_FLOAT:
            return str(int(number))
        raise ValueError(
            f"{name} holds the float {value!r}; ids are strings or integers "
            "(integral floats up to 2**53 are read as integers)"
        )
    raise TypeError(f"{name} must hold strings or integers, got {type(value).__name__}")


def _canon_column(values: pd.Series, name: str) -> np.ndarray:
    """Each id of a column as text, None where missing (vectorised for the usual dtypes)."""
    dtype = values.dtype
    out = np.full(len(values), None, dtype=object)
    if isinstance(dtype, pd.CategoricalDtype):
        labels = _canon_column(pd.Series(dtype.categories, dtype=object), name)
        codes = values.cat.codes.to_numpy()
        out[codes >= 0] = labels[codes[codes >= 0]]
        return out
    if pd.api.types.is_bool_dtype(dtype):
        raise TypeError(f"{name} holds booleans; ids are strings or integers")
    missing = values.isna().to_numpy()
    present = values[~missing]
    if pd.api.types.is_integer_dtype(dtype):
        out[~missing] = present.astype(str).to_numpy(dtype=object)
    elif pd.api.types.is_float_dtype(dtype):
        number = present.to_numpy(dtype="float64")
        bad = (number != np.round(number)) | (np.abs(number) > _MAX_EXACT_FLOAT)
        if bad.any():
            _canon(float(number[bad][0]), name)  # raises, naming the value
        out[~missing] = number.astype(np.int64).astype(str).astype(object)
    elif pd.api.types.is_string_dtype(dtype) and not pd.api.types.is_object_dtype(dtype):
        text = present.to_numpy(dtype=object)
        stripped = present.str.strip().to_numpy(dtype=object)
        odd = (stripped != text) | (stripped == "")
        if odd.any():
            _canon_text(str(text[odd][0]), name)  # raises
        out[~missing] = text
    elif pd.api.types.is_object_dtype(dtype):
        out[:] = [_canon(v, name) for v in values.tolist()]
    else:
        raise TypeError(f"{name} holds {dtype} values; ids are strings or integers")
    return out


def _loose(value: str) -> str:
    """What an id looks like with letter case and the leading zeros of a number ignored."""
    return (value.lstrip("0") or "0") if value.isdigit() else value.casefold()


def _pseudonym_length(ids: np.ndarray, name: str) -> int:
    """The length of the pseudonyms in a column (all lower-case hex of one length, 16–64)."""
    present = pd.unique(ids[ids != None])  # noqa: E711 (elementwise on an object array)
    odd = [v for v in present if not _HEX.fullmatch(v)]
    lengths = sorted({len(v) for v in present})
    if odd or len(lengths) > 1:
        shown = repr(odd[0]) if odd else f"lengths {lengths[:5]}"
        raise ValueError(
            f"{name} must hold pseudonyms from pseudonymize (lower-case hex, one length of "
            f"16-64 digits), got {shown}"
        )
    return lengths[0] if lengths else 32


def consented(
    frame: pd.DataFrame,
    opted_out: Iterable[Any],
    *,
    user: str,
    key: bytes | str | None = None,
) -> pd.Series:
    """Rows whose user has **not** opted out: the rows personalisation and training may use.

    Parameters
    ----------
    frame : DataFrame
    opted_out : collection of user ids
        Users who opted out of personalisation (raw ids).
    user : str
        The column of ``frame`` holding the user id. Rows with a missing user
        id are not attributable to a consenting user and are excluded.
    key : bytes or str, optional
        When ``user`` holds pseudonyms (:func:`~xplab.privacy.pseudonymize`),
        the key they were made with: the opted-out ids are pseudonymised with
        it before they are compared. Without it, raw ids would match no
        pseudonym and every opted-out user would be kept.

    Returns
    -------
    Series of bool, aligned with ``frame``.

    Examples
    --------
    >>> t = pd.DataFrame({"customer": [1, 2, 3, None], "item": ["a", "b", "c", "d"]})
    >>> t[consented(t, opted_out=["2"], user="customer")]["item"].tolist()
    ['a', 'c']
    >>> from xplab.privacy import pseudonymize
    >>> p = t.dropna().assign(customer=lambda d: pseudonymize(d["customer"].astype(int), b"0123456789abcdef"))
    >>> p[consented(p, opted_out=[2], user="customer", key=b"0123456789abcdef")]["item"].tolist()
    ['a', 'c']
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if not isinstance(user, str) or user not in frame.columns:
        raise ValueError(f"user must name a column of frame, got {user!r}")
    if isinstance(opted_out, str | bytes) or not isinstance(opted_out, Iterable):
        raise TypeError("opted_out must be a collection of user ids, not one id")
    secret = None if key is None else _key_bytes(key)
    out = {_canon(u, "opted_out") for u in opted_out}
    if None in out:
        raise ValueError("opted_out holds a missing id (None or NaN)")
    ids = _canon_column(frame[user], f"the user column {user!r}")
    if secret is not None:
        length = _pseudonym_length(ids, f"the user column {user!r} (key was given)")
        out = set(pseudonymize(sorted(out), secret, length=length))
    keep = (ids != None) & ~pd.Series(ids, dtype=object).isin(out).to_numpy()  # noqa: E711
    return pd.Series(keep, index=frame.index, name="consented")


@dataclass(frozen=True, repr=False)
class ErasureReceipt(ResultMixin):
    """What :meth:`DataInventory.erase` removed, table by table.

    ``lookalikes`` lists, per table, ids that were **not** erased but differ
    from the erased one only by leading zeros or letter case (``"017850"``
    for ``17850``): check whether they are the same person.
    """

    user: str
    rows_removed: Mapping[str, int]
    models_to_retrain: tuple[str, ...]
    lookalikes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _title = "Erasure receipt"

    @property
    def total(self) -> int:
        return int(sum(self.rows_removed.values()))


@dataclass
class _Entry:
    table: pd.DataFrame
    user: str
    length: int | None  # pseudonym length, None for raw ids
    ids: np.ndarray  # each row's id as text (None where missing)


@dataclass
class DataInventory:
    """Every table derived from user data, each declaring how it links to a user.

    Parameters
    ----------
    key : bytes or str, optional
        The pseudonymisation key, needed to erase a user from tables that hold
        pseudonyms rather than raw ids.

    Examples
    --------
    >>> key = b"0123456789abcdef"
    >>> inv = DataInventory(key=key)
    >>> inv.register("orders", pd.DataFrame({"customer": [7, 7, 8], "v": [1, 2, 3]}), user="customer")
    >>> inv.register("features", pd.DataFrame({"pid": pseudonymize([7, 8], key), "f": [0.1, 0.2]}),
    ...              user="pid", pseudonymized=True)
    >>> inv.register_model("ranker", trained_on=["features"])
    >>> receipt = inv.erase("7")
    >>> dict(receipt.rows_removed), receipt.models_to_retrain
    ({'orders': 2, 'features': 1}, ('ranker',))
    >>> inv.references(7)
    {'orders': 0, 'features': 0}
    """

    key: bytes | str | None = None
    _tables: dict[str, _Entry] = field(default_factory=dict, repr=False)
    _models: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)
    stale_models: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        if self.key is not None:
            self.key = _key_bytes(self.key)

    def register(
        self, name: str, table: pd.DataFrame, *, user: str, pseudonymized: bool = False
    ) -> None:
        """Add a table and the column that links each row to a user.

        The ids are checked now (strings or integers, no spaces around them;
        pseudonyms: lower-case hex of one length, as :func:`pseudonymize`
        makes them), not at erasure.
        """
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if name in self._tables:
            raise ValueError(f"name: a table called {name!r} is already registered")
        if not isinstance(table, pd.DataFrame):
            raise TypeError(f"table must be a pandas DataFrame, got {type(table).__name__}")
        if not isinstance(user, str) or user not in table.columns:
            raise ValueError(
                f"user must name the column of {name!r} that identifies the user, got {user!r}; "
                "a table that cannot be linked to its users cannot be erased from"
            )
        if not isinstance(pseudonymized, bool):
            raise ValueError(f"pseudonymized must be True or False, got {pseudonymized!r}")
        if pseudonymized and self.key is None:
            raise ValueError(
                f"pseudonymized: {name!r} holds pseudonyms, but the inventory has no key to "
                "compute a user's pseudonym; create it with DataInventory(key=...)"
            )
        ids = _canon_column(table[user], f"the user column {user!r} of {name!r}")
        length = (
            _pseudonym_length(ids, f"the user column {user!r} of {name!r}")
            if pseudonymized
            else None
        )
        self._tables[name] = _Entry(table.copy(), user, length, ids)

    def register_model(self, name: str, *, trained_on: Iterable[str]) -> None:
        """Record that a model was trained on some registered tables."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"name must be a non-empty string, got {name!r}")
        if isinstance(trained_on, str) or not isinstance(trained_on, Iterable):
            raise TypeError("trained_on must be a list of table names")
        sources = tuple(trained_on)
        unknown = [t for t in sources if t not in self._tables]
        if unknown or not sources:
            raise ValueError(f"trained_on: register the tables first (unknown: {unknown})")
        self._models[name] = sources
        self.stale_models.discard(name)

    def table(self, name: str) -> pd.DataFrame:
        """The current (post-erasure) copy of a registered table."""
        if name not in self._tables:
            raise ValueError(f"name: no table {name!r}; registered: {list(self._tables)}")
        return self._tables[name].table.copy()

    def _target(self, entry: _Entry, raw: str) -> str:
        if entry.length is None:
            return raw
        assert isinstance(self.key, bytes)
        return str(pseudonymize(raw, self.key, length=entry.length))

    def _raw(self, user_id: Any) -> str:
        raw = _canon(user_id, "user_id")
        if raw is None:
            raise ValueError("user_id is missing (None or NaN)")
        return raw

    def references(self, user_id: Any) -> dict[str, int]:
        """How many rows of each table still refer to ``user_id``."""
        raw = self._raw(user_id)
        return {n: int((e.ids == self._target(e, raw)).sum()) for n, e in self._tables.items()}

    def erase(self, user_id: Any) -> ErasureReceipt:
        """Remove every row of ``user_id`` from every table; list the models to retrain.

        A user with no rows anywhere gives a receipt of zeros (erasure is
        idempotent), not an error. Ids in raw-id tables that differ from
        ``user_id`` only by leading zeros or letter case are not erased; the
        receipt lists them under ``lookalikes`` and a warning names them.
        """
        raw = self._raw(user_id)
        loose = _loose(raw)
        removed: dict[str, int] = {}
        lookalikes: dict[str, tuple[str, ...]] = {}
        for name, entry in self._tables.items():
            hit = entry.ids == self._target(entry, raw)
            removed[name] = int(hit.sum())
            if removed[name]:
                entry.table = entry.table.loc[~hit].copy()
                entry.ids = entry.ids[~hit]
            if entry.length is None:
                similar = tuple(
                    str(v)
                    for v in pd.unique(entry.ids[entry.ids != None])  # noqa: E711
                    if _loose(v) == loose
                )
                if similar:
                    lookalikes[name] = similar
        if lookalikes:
            warnings.warn(
                f"erase({raw!r}): ids that differ only by leading zeros or letter case were not "
                f"erased: {lookalikes}; check whether they are the same person",
                UserWarning,
                stacklevel=2,
            )
        touched = {n for n, k in removed.items() if k}
        retrain = tuple(m for m, src in self._models.items() if touched & set(src))
        self.stale_models.update(retrain)
        return ErasureReceipt(raw, removed, retrain, lookalikes)
