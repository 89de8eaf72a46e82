"""Consent and erasure: opt-outs honoured everywhere, and a user removed from every table.

Two obligations a personalisation system must meet by construction, not by
habit:

* **opt-out** (GDPR Art. 21; "do not sell or share" under the CCPA): a user
  who opts out of personalisation gets the non-personalised experience *and*
  their data stop feeding the models — :func:`consented` gives the rows that
  may be used;
* **erasure** (GDPR Art. 17): on request, the user disappears from every
  table derived from their data, including the inputs models are trained on,
  and those models are retrained without them. Erasure is only as complete as
  the list of places the data went: :class:`DataInventory` makes every
  derived table declare how it links to a user (its user column, raw id or
  pseudonym), so nothing is forgotten, and lists the models to retrain.

Ids are compared by value: ``17850``, ``"17850"`` and ``17850.0`` (an integer
column that went through a missing value) are the same user, as in
:func:`xplab.assign.assign` and :func:`~xplab.privacy.pseudonymize`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .pseudonym import _key_bytes, pseudonymize

__all__ = ["DataInventory", "ErasureReceipt", "consented"]


def _canon(value: Any, name: str = "a user id") -> str | None:
    """One id as text (None for a missing id)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} is the boolean {value!r}; ids are strings or integers")
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        number = float(value)
        if np.isnan(number):
            return None
        if number.is_integer():
            return str(int(number))
        raise ValueError(f"{name} is the float {value!r}; ids are strings or integers")
    raise TypeError(f"{name} must be a string or an integer, got {type(value).__name__}")


def _canon_column(values: pd.Series) -> np.ndarray:
    if values.dtype.kind in "iu":
        return values.astype(str).to_numpy(dtype=object)
    return np.array([_canon(v) for v in values.tolist()], dtype=object)


def consented(frame: pd.DataFrame, opted_out: Iterable[Any], *, user: str) -> pd.Series:
    """Rows whose user has **not** opted out: the rows personalisation and training may use.

    Parameters
    ----------
    frame : DataFrame
    opted_out : collection of user ids
        Users who opted out of personalisation.
    user : str
        The column of ``frame`` holding the user id. Rows with a missing user
        id are not attributable to a consenting user and are excluded.

    Returns
    -------
    Series of bool, aligned with ``frame``.

    Examples
    --------
    >>> t = pd.DataFrame({"customer": [1, 2, 3, None], "item": ["a", "b", "c", "d"]})
    >>> t[consented(t, opted_out=["2"], user="customer")]["item"].tolist()
    ['a', 'c']
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if not isinstance(user, str) or user not in frame.columns:
        raise ValueError(f"user must name a column of frame, got {user!r}")
    if isinstance(opted_out, str | bytes) or not isinstance(opted_out, Iterable):
        raise TypeError("opted_out must be a collection of user ids, not one id")
    out = {_canon(u) for u in opted_out}
    if None in out:
        raise ValueError("opted_out holds a missing id (None or NaN)")
    ids = _canon_column(frame[user])
    known = np.array([i is not None for i in ids])
    # a hash lookup: np.isin on arrays of Python strings compares them one pair at a
    # time (seconds for 10⁵ rows and 10³ opt-outs)
    keep = known & ~pd.Series(ids, dtype=object).isin(out).to_numpy()
    return pd.Series(keep, index=frame.index, name="consented")


@dataclass(frozen=True, repr=False)
class ErasureReceipt(ResultMixin):
    """What :meth:`DataInventory.erase` removed, table by table."""

    user: str
    rows_removed: Mapping[str, int]
    models_to_retrain: tuple[str, ...]
    _title = "Erasure receipt"

    @property
    def total(self) -> int:
        return int(sum(self.rows_removed.values()))


@dataclass
class _Entry:
    table: pd.DataFrame
    user: str
    pseudonymized: bool


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
        """Add a table and the column that links each row to a user."""
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
        _canon_column(table[user])  # refuse ids of the wrong kind now, not at erasure
        self._tables[name] = _Entry(table.copy(), user, pseudonymized)

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

    def _forms(self, user_id: Any) -> tuple[str, str | None]:
        raw = _canon(user_id, "user_id")
        if raw is None:
            raise ValueError("user_id is missing (None or NaN)")
        pseudo = pseudonymize(raw, self.key) if self.key is not None else None
        return raw, pseudo

    def _hits(self, entry: _Entry, raw: str, pseudo: str | None) -> np.ndarray:
        ids = _canon_column(entry.table[entry.user])
        return ids == (pseudo if entry.pseudonymized else raw)

    def references(self, user_id: Any) -> dict[str, int]:
        """How many rows of each table still refer to ``user_id``."""
        raw, pseudo = self._forms(user_id)
        return {n: int(self._hits(e, raw, pseudo).sum()) for n, e in self._tables.items()}

    def erase(self, user_id: Any) -> ErasureReceipt:
        """Remove every row of ``user_id`` from every table; list the models to retrain.

        A user with no rows anywhere gives a receipt of zeros (erasure is
        idempotent), not an error.
        """
        raw, pseudo = self._forms(user_id)
        removed: dict[str, int] = {}
        for name, entry in self._tables.items():
            hit = self._hits(entry, raw, pseudo)
            removed[name] = int(hit.sum())
            if removed[name]:
                entry.table = entry.table.loc[~hit].copy()
        touched = {n for n, k in removed.items() if k}
        retrain = tuple(m for m, src in self._models.items() if touched & set(src))
        self.stale_models.update(retrain)
        return ErasureReceipt(raw, removed, retrain)
