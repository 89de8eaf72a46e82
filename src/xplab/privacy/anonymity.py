"""k-anonymity and l-diversity of a table before it is shared.

A table is *k-anonymous* over its quasi-identifiers — columns that are not
names but can be linked to outside data (postcode, age, country, signup
month) — when every combination of their values is shared by at least k rows
(Sweeney 2002): whoever knows a person's quasi-identifiers can narrow them
down to no fewer than k rows. It is *l-diverse* in a sensitive column when
each of those groups (equivalence classes) holds at least l distinct
sensitive values (Machanavajjhala et al. 2007); without it, a class whose rows
all share the sensitive value reveals it for everyone in the class
(the homogeneity attack).

Neither is a guarantee against every attack: they say nothing about
background knowledge beyond the listed quasi-identifiers, about combining
several releases, or about attributes left out of the list. Differential
privacy (:mod:`xplab.privacy.dp`) bounds what any release reveals; these
checks are the cheap, widely required audit of a table before it leaves the
team.

Missing values count as a value of their own: a row whose postcode is missing
is not hidden among all rows.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._validate import check_count, check_probability

__all__ = ["KAnonymity", "enforce_k_anonymity", "generalize", "k_anonymity", "l_diversity"]

_MISSING = "<missing>"


def _check_frame(frame: Any, name: str = "frame") -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(frame).__name__}")
    if frame.columns.duplicated().any():
        dup = list(frame.columns[frame.columns.duplicated()])
        raise ValueError(f"{name} has duplicated column names {dup}: rename them first")
    if len(frame) == 0:
        raise ValueError(f"{name} has no rows")
    return frame


def _check_columns(frame: pd.DataFrame, columns: Any, name: str) -> list[str]:
    if isinstance(columns, str):
        columns = [columns]
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


def _class_ids(frame: pd.DataFrame, qi: list[str]) -> np.ndarray:
    """The equivalence class of each row; missing values form a class of their own.

    Values are compared as they are (``1`` and ``"1"`` differ), so a column with
    mixed types is not silently merged.
    """
    keys = frame[qi].astype(object).where(frame[qi].notna(), _MISSING)
    keys = keys.map(lambda v: (type(v).__name__, v) if v is not _MISSING else (_MISSING,))
    return keys.groupby(qi, sort=False, dropna=False).ngroup().to_numpy()


@dataclass(frozen=True, repr=False)
class KAnonymity(ResultMixin):
    """What :func:`k_anonymity` finds.

    Attributes
    ----------
    k : int
        The size of the smallest equivalence class: the table is k-anonymous.
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
        """Whether every class has at least ``target`` rows."""
        return self.k >= self.target


def k_anonymity(frame: pd.DataFrame, quasi_identifiers: Sequence[str], *, k: int = 5) -> KAnonymity:
    """How anonymous ``frame`` is over ``quasi_identifiers``.

    Parameters
    ----------
    frame : DataFrame
        The table to be shared.
    quasi_identifiers : list of str
        Columns an outsider could link to other data.
    k : int
        The anonymity asked for (≥ 2); rows in smaller classes are at risk.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["UK", "UK", "UK", "FR"], "age": [30, 30, 30, 41]})
    >>> r = k_anonymity(t, ["country", "age"], k=2)
    >>> r.k, r.rows_at_risk, r.at_risk.tolist()
    (1, 1, [3])
    """
    frame = _check_frame(frame)
    qi = _check_columns(frame, quasi_identifiers, "quasi_identifiers")
    target = check_count(k, name="k", minimum=2)
    ids = _class_ids(frame, qi)
    sizes = np.bincount(ids)[ids]
    at_risk = np.flatnonzero(sizes < target)
    return KAnonymity(
        k=int(sizes.min()),
        target=target,
        n_classes=int(ids.max()) + 1,
        rows_at_risk=len(at_risk),
        share_at_risk=len(at_risk) / len(frame),
        at_risk=at_risk,
        class_sizes=pd.Series(sizes, index=frame.index, name="class_size"),
    )


def l_diversity(frame: pd.DataFrame, quasi_identifiers: Sequence[str], sensitive: str) -> int:
    """Distinct l-diversity: the fewest distinct ``sensitive`` values in any class.

    An l of 1 means some class reveals its sensitive value to anyone who can
    place a person in it (missing counts as one value).

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["UK", "UK", "FR", "FR"],
    ...                   "segment": ["loyal", "loyal", "loyal", "lapsed"]})
    >>> l_diversity(t, ["country"], "segment")
    1
    """
    frame = _check_frame(frame)
    qi = _check_columns(frame, quasi_identifiers, "quasi_identifiers")
    if not isinstance(sensitive, str) or sensitive not in frame.columns:
        raise ValueError(f"sensitive must name a column of the frame, got {sensitive!r}")
    if sensitive in qi:
        raise ValueError(f"sensitive ({sensitive!r}) is also a quasi-identifier")
    ids = _class_ids(frame, qi)
    values = frame[sensitive].astype(object).where(frame[sensitive].notna(), _MISSING)
    distinct = (
        pd.DataFrame({"c": ids, "v": values.map(repr).to_numpy()}).groupby("c")["v"].nunique()
    )
    return int(distinct.min())


Generalizer = Callable[[pd.Series], pd.Series] | Sequence[float] | Mapping[Any, Any]


def generalize(frame: pd.DataFrame, rules: Mapping[str, Generalizer]) -> pd.DataFrame:
    """Coarsen quasi-identifiers: bins for numbers, a mapping or a function for the rest.

    Parameters
    ----------
    frame : DataFrame
    rules : mapping of column → rule
        A rule is a list of bin edges (numbers are replaced by their interval,
        e.g. ``[0, 30, 50, 120]`` turns 41 into ``"[30, 50)"``; values outside
        the edges are refused, not dropped), a mapping of values to coarser
        values (every value must be mapped), or a function from the column to
        the coarsened column.

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
        if callable(rule):
            new = rule(col)
            if not isinstance(new, pd.Series) or len(new) != len(col):
                raise ValueError(f"rules[{column!r}] must return a Series of the same length")
            out[column] = new.to_numpy()
        elif isinstance(rule, Mapping):
            unmapped = sorted({repr(v) for v in col.dropna().unique() if v not in rule})
            if unmapped:
                raise ValueError(f"rules[{column!r}] does not map {unmapped[:5]}")
            out[column] = col.map(rule)
        elif isinstance(rule, Sequence) and not isinstance(rule, str):
            edges = np.asarray(rule, dtype=float)
            if edges.ndim != 1 or edges.size < 2 or np.any(np.diff(edges) <= 0):
                raise ValueError(f"rules[{column!r}] must be increasing bin edges, got {rule!r}")
            values = pd.to_numeric(col, errors="raise").astype(float)
            outside = values.notna() & ((values < edges[0]) | (values >= edges[-1]))
            if outside.any():
                raise ValueError(
                    f"rules[{column!r}]: {int(outside.sum())} value(s) fall outside "
                    f"[{edges[0]:g}, {edges[-1]:g}); widen the edges"
                )
            labels = [f"[{a:g}, {b:g})" for a, b in itertools.pairwise(edges)]
            out[column] = pd.cut(values, edges, right=False, labels=labels).astype(object)
        else:
            raise TypeError(f"rules[{column!r}] must be bin edges, a mapping or a function")
    return out


def enforce_k_anonymity(
    frame: pd.DataFrame,
    quasi_identifiers: Sequence[str],
    *,
    k: int = 5,
    max_suppressed: float = 0.05,
) -> pd.DataFrame:
    """Suppress (drop) the rows of classes smaller than ``k``, within a limit.

    Suppression removes the rare combinations; when it would remove more than
    ``max_suppressed`` of the rows, generalise first (:func:`generalize`) —
    this function refuses rather than silently discard much of the table.

    Examples
    --------
    >>> t = pd.DataFrame({"country": ["UK"] * 9 + ["IS"], "n": range(10)})
    >>> len(enforce_k_anonymity(t, ["country"], k=5, max_suppressed=0.1))
    9
    """
    limit = check_probability(max_suppressed, name="max_suppressed", closed=True)
    report = k_anonymity(frame, quasi_identifiers, k=k)
    if report.share_at_risk > limit:
        raise ValueError(
            f"reaching k={report.target} would suppress {report.rows_at_risk:,} rows "
            f"({report.share_at_risk:.1%}), more than max_suppressed={limit:.1%}: "
            "generalise the quasi-identifiers first"
        )
    keep = np.ones(len(frame), dtype=bool)
    keep[report.at_risk] = False
    return frame.iloc[keep]
