"""k-anonymity and l-diversity of a table before it is shared.

A table is *k-anonymous* over its quasi-identifiers — columns that are not
names but can be linked to outside data (postcode, age, country, signup
month) — when every combination of their values is shared by at least k
people (Sweeney 2002): whoever knows a person's quasi-identifiers, and knows
the person is in the table, can narrow them down to no fewer than k of its
people. With one row per person that is k rows; a table with several rows per
person (orders, sessions) must be counted in people, not rows — pass
``unit=`` to :func:`k_anonymity`, or a class of five rows may be one customer.
It is *l-diverse* in a sensitive column when each of those groups
(equivalence classes) holds at least l distinct sensitive values
(Machanavajjhala et al. 2007); without it, a class whose rows all share the
sensitive value reveals it for everyone in the class (the homogeneity attack).

Neither is a guarantee against every attack. They say nothing about
background knowledge beyond the listed quasi-identifiers, about attributes
left out of the list, or about combining several releases (two k-anonymous
tables of the same people, generalised differently, can be intersected).
Distinct l-diversity still leaks when one value dominates a class (a class of
ten with nine "lapsed" and one "loyal" is 2-diverse, yet a member is lapsed
with probability 0.9: the skewness attack) or when the distinct values mean
nearly the same thing ("lapsed" and "churned": the similarity attack); the
stronger notions are entropy l-diversity and t-closeness (Li, Li &
Venkatasubramanian 2007). Differential privacy (:mod:`xplab.privacy.dp`)
bounds what any release reveals whatever the attacker knows; these checks are
the cheap, widely required audit of a table before it leaves the team.

Values are compared by equality, as pandas groups them: ``1``, ``1.0`` and
NumPy's ``1`` are one value (so are ``True`` and ``1``), the text ``"1"`` is
another, a category is its label, a date is its instant. Missing values —
``None``, ``NaN``, ``NaT`` and ``pd.NA`` alike — count as one value of their
own: a row whose postcode is missing is not hidden among all rows.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._validate import check_count, check_probability

__all__ = ["KAnonymity", "enforce_k_anonymity", "generalize", "k_anonymity", "l_diversity"]


def _check_frame(frame: Any, name: str = "frame") -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.columns.duplicated().any():
        dup = list(frame.columns[frame.columns.duplicated()])
        raise ValueError(f"{name} has duplicated column names {dup}: rename them first")
    if len(frame) == 0:
        raise ValueError(f"{name} has no rows")
    return frame


def _check_columns(frame: pd.DataFrame, columns: Any, name: str) -> list[Any]:
    if isinstance(columns, str):
        columns = [columns]
    if isinstance(columns, pd.Index | np.ndarray):
        columns = columns.tolist()
    if not isinstance(columns, Sequence) or not columns:
        raise ValueError(f"{name} must be a non-empty list of column names, got {columns!r}")
    cols = list(columns)
    if len(set(cols)) != len(cols):
        raise ValueError(f"{name} lists a column twice: {cols}")
    missing = [c for c in cols if c not in frame.columns]
    if missing:
        raise ValueError(
            f"{name}: no column(s) {missing} in the frame; it has {list(frame.columns)}"
        )
    return cols


def _codes(column: pd.Series, name: str) -> np.ndarray:
    """One integer per row, equal for equal values; -1 for every kind of missing value."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(dtype=np.int64)
    try:
        codes, _ = pd.factorize(column, use_na_sentinel=True)
    except TypeError as exc:  # unhashable cells: lists, dicts, arrays
        raise TypeError(
            f"{name} holds values that cannot be compared as a whole ({exc}); "
            "use numbers, text, dates or categories"
        ) from exc
    return np.asarray(codes, dtype=np.int64)


def _class_ids(frame: pd.DataFrame, qi: list[Any]) -> np.ndarray:
    """The equivalence class of each row, numbered 0, 1, … in order of first appearance.

    Each column's values are coded (missing = one more value), then the codes
    are combined column by column and renumbered, so the numbers stay below the
    row count whatever the number of columns.
    """
    ids = np.zeros(len(frame), dtype=np.int64)
    for column in qi:
        codes = _codes(frame[column], f"quasi_identifiers: column {column!r}") + 1
        ids, _ = pd.factorize(ids * (int(codes.max()) + 1) + codes)
    return np.asarray(ids, dtype=np.int64)


def _distinct_per_class(ids: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """How many distinct ``codes`` each class holds."""
    width = int(codes.max()) + 1
    pairs = np.unique(ids * width + codes)
    return np.bincount(pairs // width, minlength=int(ids.max()) + 1)


@dataclass(frozen=True, repr=False)
class KAnonymity(ResultMixin):
    """What :func:`k_anonymity` finds.

    Attributes
    ----------
    k : int
        The size of the smallest equivalence class (in people when ``unit``
        was given, else in rows): the table is k-anonymous.
    target : int
        The k asked for.
    n_classes : int
        Distinct combinations of the quasi-identifiers.
    rows_at_risk : int
        Rows in classes smaller than ``target``.
    share_at_risk : float
        ``rows_at_risk`` over all rows.
    at_risk : ndarray
        Positions of those rows (for ``frame.iloc``).
    class_sizes : Series
        The size of each row's class, aligned with the frame.
    """

    k: int
    target: int
    n_classes: int
    rows_at_risk: int
    share_at_risk: float
    at_risk: np.ndarray = field(repr=False)
    class_sizes: pd.Series = field(repr=False)
    _title = "k-anonymity"

    @property
    def satisfied(self) -> bool:
        """Whether every class has at least ``target`` rows (people, with ``unit``)."""
        return self.k >= self.target


def _is_column(frame: pd.DataFrame, name: Any) -> bool:
    try:
        return not isinstance(name, list | tuple | set) and name in frame.columns
    except TypeError:  # unhashable
        return False


def _unit_codes(frame: pd.DataFrame, unit: Any) -> np.ndarray:
    if not _is_column(frame, unit):
        raise ValueError(
            f"unit must name the column of frame that identifies the person, got {unit!r}"
        )
    codes = _codes(frame[unit], f"unit: column {unit!r}")
    if (codes < 0).any():
        raise ValueError(
            f"unit: {int((codes < 0).sum()):,} row(s) have no {unit!r}; a row that cannot be "
            "attributed to a person cannot be counted in people (drop or attribute them first)"
        )
    return codes


def k_anonymity(
    frame: pd.DataFrame, quasi_identifiers: Sequence[Any], *, k: int = 5, unit: Any = None
) -> KAnonymity:
    """How anonymous ``frame`` is over ``quasi_identifiers``.

    Parameters
    ----------
    frame : DataFrame
        The table to be shared.
    quasi_identifiers : list of column names
        Columns an outsider could link to other data (a list, tuple or Index).
    k : int
        The anonymity asked for (≥ 2); rows in smaller classes are at risk.
    unit : column name, optional
        The column identifying the person, for a table with several rows per
        person: a class's size is then its number of distinct people. Without
        it every row counts as a person.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["UK", "UK", "UK", "FR"], "age": [30, 30, 30, 41]})
    >>> r = k_anonymity(t, ["country", "age"], k=2)
    >>> r.k, r.rows_at_risk, r.at_risk.tolist()
    (1, 1, [3])

    Three orders by one customer are one person, not three:

    >>> orders = pd.DataFrame({"customer": [7, 7, 7, 8, 9], "country": ["IS"] * 3 + ["UK"] * 2})
    >>> k_anonymity(orders, ["country"], k=2).k, k_anonymity(orders, ["country"], k=2, unit="customer").k
    (2, 1)
    """
    frame = _check_frame(frame)
    qi = _check_columns(frame, quasi_identifiers, "quasi_identifiers")
    target = check_count(k, name="k", minimum=2)
    ids = _class_ids(frame, qi)
    if unit is None:
        per_class = np.bincount(ids)
    else:
        if unit in qi:
            raise ValueError(f"unit ({unit!r}) is also a quasi-identifier")
        per_class = _distinct_per_class(ids, _unit_codes(frame, unit))
    sizes = per_class[ids]
    at_risk = np.flatnonzero(sizes < target)
    return KAnonymity(
        k=int(per_class.min()),
        target=target,
        n_classes=len(per_class),
        rows_at_risk=len(at_risk),
        share_at_risk=len(at_risk) / len(frame),
        at_risk=at_risk,
        class_sizes=pd.Series(sizes, index=frame.index, name="class_size"),
    )


def l_diversity(frame: pd.DataFrame, quasi_identifiers: Sequence[Any], sensitive: Any) -> int:
    """Distinct l-diversity: the fewest distinct ``sensitive`` values in any class.

    An l of 1 means some class reveals its sensitive value to anyone who can
    place a person in it (missing counts as one value). An l above 1 does not
    rule out a class where one value dominates or the values are alike (see the
    module's notes on the skewness and similarity attacks).

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["UK", "UK", "FR", "FR"],
    ...                   "segment": ["loyal", "loyal", "loyal", "lapsed"]})
    >>> l_diversity(t, ["country"], "segment")
    1
    """
    frame = _check_frame(frame)
    qi = _check_columns(frame, quasi_identifiers, "quasi_identifiers")
    if not _is_column(frame, sensitive):
        raise ValueError(f"sensitive must name a column of the frame, got {sensitive!r}")
    if sensitive in qi:
        raise ValueError(f"sensitive ({sensitive!r}) is also a quasi-identifier")
    ids = _class_ids(frame, qi)
    values = _codes(frame[sensitive], f"sensitive: column {sensitive!r}") + 1
    return int(_distinct_per_class(ids, values).min())


Generalizer = Callable[[pd.Series], pd.Series] | Sequence[Any] | Mapping[Any, Any]


def _edge_labels(edges: Sequence[Any], text: Callable[[Any], str]) -> list[str]:
    return [f"[{text(a)}, {text(b)})" for a, b in itertools.pairwise(edges)]


def _number(x: float) -> str:
    return f"{x:g}"


def _exact_number(x: float) -> str:
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(float(x))


def _instant(t: pd.Timestamp) -> str:
    return t.date().isoformat() if t == t.normalize() else t.isoformat(sep=" ")


def _bins(column: pd.Series, rule: Any, name: str) -> pd.Series:
    """``column``'s values replaced by the label of their interval ``[edge, next edge)``."""
    dates = isinstance(column.dtype, pd.DatetimeTZDtype) or column.dtype.kind == "M"
    try:
        if dates:
            if any(isinstance(e, numbers.Number) for e in rule):
                raise TypeError("numbers are not dates")
            edges: Any = pd.DatetimeIndex([pd.Timestamp(e) for e in rule])
            if edges.hasnans:
                raise ValueError("an edge is missing (NaT)")
            tz = getattr(column.dtype, "tz", None)
            if (edges.tz is None) != (tz is None):  # naive edges for an aware column: its zone
                edges = edges.tz_localize(tz) if tz is not None else edges.tz_convert(None)
            values: Any = column
        else:
            edges = np.asarray(rule, dtype=float)
            if edges.ndim != 1 or np.isnan(edges).any():
                raise ValueError("edges must be a flat list of numbers")
    except (TypeError, ValueError) as exc:
        kind = "dates (the column holds dates)" if dates else "numbers"
        raise TypeError(
            f"{name} must be increasing bin edges of {kind}, got {rule!r} ({exc})"
        ) from exc
    if len(edges) < 2 or not (edges[1:] > edges[:-1]).all():
        raise ValueError(f"{name} must be increasing bin edges, got {rule!r}")
    if not dates:
        try:
            values = pd.to_numeric(column, errors="raise").astype("float64")
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"{name}: bin edges need a numeric or date column, but {column.name!r} holds "
                f"{column.dtype} ({exc}); use a mapping or a function for it"
            ) from exc
    outside = values.notna() & ((values < edges[0]) | (values >= edges[-1]))
    if outside.any():
        first, last = (
            (_instant(edges[0]), _instant(edges[-1]))
            if dates
            else (f"{edges[0]:g}", f"{edges[-1]:g}")
        )
        raise ValueError(
            f"{name}: {int(outside.sum())} value(s) fall outside [{first}, {last}); widen the edges"
        )
    if dates:
        labels = _edge_labels(list(edges), _instant)
    else:
        labels = _edge_labels(edges.tolist(), _number)
        if len(set(labels)) < len(labels):  # edges closer than six significant digits
            labels = _edge_labels(edges.tolist(), _exact_number)
    return pd.cut(values, edges, right=False, labels=labels).astype(object)


def _aligned(new: Any, column: pd.Series, name: str) -> np.ndarray:
    """What a rule function returned, row by row in ``column``'s order."""
    if not isinstance(new, pd.Series) or len(new) != len(column):
        raise ValueError(f"{name} must return a Series of the same length as the column")
    if new.index.equals(column.index):
        return new.to_numpy()
    if (
        new.index.is_unique
        and column.index.is_unique
        and new.index.sort_values().equals(column.index.sort_values())
    ):
        return new.reindex(column.index).to_numpy()
    raise ValueError(
        f"{name} returned a Series whose index is not the column's: return "
        "pd.Series(values, index=column.index) so each value stays on its row"
    )


def generalize(frame: pd.DataFrame, rules: Mapping[Any, Generalizer]) -> pd.DataFrame:
    """Coarsen quasi-identifiers: bins for numbers and dates, a mapping or a function for the rest.

    Parameters
    ----------
    frame : DataFrame
    rules : mapping of column → rule
        A rule is a list (or array) of bin edges: numbers are replaced by their
        interval, e.g. ``[0, 30, 50, 120]`` turns 41 into ``"[30, 50)"``, and
        dates by theirs when the edges are dates (``["2011-01-01",
        "2011-07-01", "2012-01-01"]`` turns 2011-03-05 into ``"[2011-01-01,
        2011-07-01)"``); values outside the edges are refused, not dropped,
        and missing values stay missing. Or a mapping of values to coarser
        values (every value must be mapped), or a function from the column to
        the coarsened column (a Series on the column's index, e.g.
        ``lambda d: d.dt.to_period("M")`` for a month).

    Returns
    -------
    DataFrame
        A copy with those columns replaced.

    Examples
    --------
    >>> t = pd.DataFrame({"age": [23, 41, 67], "country": ["UK", "FR", "DE"]})
    >>> generalize(t, {"age": [0, 30, 50, 120],
    ...                "country": {"UK": "UK", "FR": "EU", "DE": "EU"}}).values.tolist()
    [['[0, 30)', 'UK'], ['[30, 50)', 'EU'], ['[50, 120)', 'EU']]
    """
    frame = _check_frame(frame)
    if not isinstance(rules, Mapping) or not rules:
        raise ValueError(f"rules must map column names to rules, got {rules!r:.60}")
    out = frame.copy()
    for column, rule in rules.items():
        if column not in frame.columns:
            raise ValueError(f"rules: no column {column!r} in the frame")
        col = frame[column]
        name = f"rules[{column!r}]"
        if callable(rule):
            out[column] = _aligned(rule(col), col, name)
        elif isinstance(rule, Mapping):
            unmapped = sorted({repr(v) for v in col.dropna().unique() if v not in rule})
            if unmapped:
                raise ValueError(f"{name} does not map {unmapped[:5]}")
            out[column] = col.map(rule)
        elif isinstance(rule, Sequence | np.ndarray | pd.Index) and not isinstance(rule, str):
            out[column] = _bins(col, rule, name)
        else:
            raise TypeError(f"{name} must be bin edges, a mapping or a function")
    return out


def enforce_k_anonymity(
    frame: pd.DataFrame,
    quasi_identifiers: Sequence[Any],
    *,
    k: int = 5,
    max_suppressed: float = 0.05,
    unit: Any = None,
) -> pd.DataFrame:
    """Suppress (drop) the rows of classes smaller than ``k``, within a limit.

    Suppression removes the rare combinations; when it would remove more than
    ``max_suppressed`` of the rows, generalise first (:func:`generalize`) —
    this function refuses rather than silently discard much of the table.
    Removing whole classes leaves the others as they were, so the result is
    k-anonymous. ``unit`` counts classes in people, as in :func:`k_anonymity`.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["UK"] * 9 + ["IS"], "n": range(10)})
    >>> len(enforce_k_anonymity(t, ["country"], k=5, max_suppressed=0.1))
    9
    """
    limit = check_probability(max_suppressed, name="max_suppressed", closed=True)
    report = k_anonymity(frame, quasi_identifiers, k=k, unit=unit)
    if report.share_at_risk > limit:
        raise ValueError(
            f"reaching k={report.target} would suppress {report.rows_at_risk:,} rows "
            f"({report.share_at_risk:.1%}), more than max_suppressed={limit:.1%}: "
            "generalise the quasi-identifiers first"
        )
    keep = np.ones(len(frame), dtype=bool)
    keep[report.at_risk] = False
    return frame.iloc[keep]
