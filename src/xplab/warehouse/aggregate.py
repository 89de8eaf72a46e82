r"""One aggregate definition, run by pandas, DuckDB or Spark.

An aggregate is a small value — :class:`Agg` — that says *what* to compute
over each group (a count, a sum, a mean, a centred sum of squares, …). It is
written once; each engine only runs it:

* **DuckDB** and **Spark** run the SQL text that :meth:`Agg.sql` compiles
  (the same expression, with each dialect's quoting of column names:
  ``"revenue"`` in DuckDB, ```revenue``` in Spark);
* **pandas** runs the same definition with ``groupby`` (the one engine here
  without SQL).

:func:`aggregate` returns the engine's own table — a pandas DataFrame, a
DuckDB relation (lazy: nothing runs until its rows are fetched) or a Spark
DataFrame (lazy too) — so per-unit metrics of a 10⁸-row event log stay in
the engine, and only the small per-arm summary comes back to Python
(:func:`xplab.warehouse.arm_stats`).

Centred sums, never Σy² − n·ȳ²
------------------------------
:meth:`Agg.m2` is Σ(y − ȳ)² and :meth:`Agg.comoment` is Σ(y − ȳ)(x − x̄).
In SQL they are ``VAR_POP(y) * COUNT(y)`` and ``COVAR_POP(y, x) * COUNT(*)``:
DuckDB and Spark compute both with numerically stable one-pass updates
(Welford's, merged across threads and partitions with the formulas of Chan,
Golub & LeVeque — those of :class:`~xplab.abtest.GroupStats` ``+``). pandas
computes them in two passes (group means first, then the sum of products of
deviations). The textbook shortcut Σy² − (Σy)²/n subtracts two nearly equal
numbers when the mean is large relative to the spread; no engine here uses
it. Measured on 20,000 values with a mean 10⁶ standard deviations from 0:
the shortcut is off by 1e-4 (relative), DuckDB's one-pass update by 3e-11,
the two passes by 2e-16. One-pass updates lose accuracy in proportion to
|mean|/sd (5e-9 at 10⁸), far beyond any real metric's.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

Dialect = Literal["duckdb", "spark"]

_OPS = (
    "count",
    "sum",
    "mean",
    "min",
    "max",
    "m2",
    "comoment",
    "count_distinct",
    "binary",
    "any",
)
_SAFE_TEXT = re.compile(r"^[^'\\\x00]*$")


def quote(name: str, dialect: Dialect) -> str:
    """A column name quoted for ``dialect``: ``"name"`` (DuckDB) or ```name``` (Spark).

    Examples
    --------
    >>> quote("revenue", "duckdb"), quote("revenue", "spark")
    ('"revenue"', '`revenue`')
    """
    _check_column(name, "name")
    if dialect == "duckdb":
        return '"' + name.replace('"', '""') + '"'
    if dialect == "spark":
        return "`" + name.replace("`", "``") + "`"
    raise ValueError(f"dialect must be 'duckdb' or 'spark', got {dialect!r}")


def _literal(value: Any) -> str:
    if isinstance(value, bool | np.bool_):
        return "TRUE" if value else "FALSE"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    return "'" + str(value) + "'"


def _check_column(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a column name (str), got {type(value).__name__}")
    if not value or "\x00" in value:
        raise ValueError(f"{name} must be a non-empty column name, got {value!r}")
    return value


def _check_where(where: Any) -> tuple[str, Any] | None:
    if where is None:
        return None
    if not isinstance(where, tuple) or len(where) != 2:
        raise TypeError(f"where must be a (column, value) pair, got {where!r}")
    column, value = where
    _check_column(column, "where's column")
    if isinstance(value, str):
        if not _SAFE_TEXT.match(value):
            raise ValueError(f"where's value must not contain quotes or backslashes, got {value!r}")
    elif not isinstance(value, numbers.Real) or (
        not isinstance(value, bool | np.bool_) and not math.isfinite(float(value))
    ):
        raise TypeError(f"where's value must be a string, a finite number or a bool, got {value!r}")
    return column, value


@dataclass(frozen=True)
class Agg:
    """One aggregate over each group, written once for every engine.

    Build it with the class methods — ``Agg.count()``, ``Agg.sum("revenue",
    where=("event", "order"))``, ``Agg.mean("y")``, ``Agg.m2("y")``,
    ``Agg.comoment("y", "x")``, … — and pass a mapping of output names to
    aggregates to :func:`aggregate`.

    ``where=(column, value)`` restricts an aggregate to the rows where
    ``column == value``: for ``count`` and ``sum`` the other rows count as 0,
    for ``min``/``max`` they are ignored, and ``any`` is 1 when at least one
    row of the group matches.

    Examples
    --------
    >>> Agg.sum("revenue", where=("event", "order")).sql("duckdb")
    'COALESCE(SUM(CASE WHEN "event" = \\'order\\' THEN "revenue" ELSE 0 END), 0)'
    >>> Agg.m2("y").sql("spark")
    'VAR_POP(CAST(`y` AS DOUBLE)) * COUNT(`y`)'
    """

    op: str
    column: str | None = None
    other: str | None = None
    where: tuple[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"op must be one of {list(_OPS)}, got {self.op!r}")
        needs_column = self.op not in ("count", "any")
        if needs_column:
            _check_column(self.column, "column")
        elif self.column is not None:
            _check_column(self.column, "column")
        if self.op == "comoment":
            _check_column(self.other, "other")
        elif self.other is not None:
            raise ValueError(f"other is only for comoment, got other={self.other!r}")
        object.__setattr__(self, "where", _check_where(self.where))
        if self.op == "any" and self.where is None:
            raise ValueError("Agg.any needs where=(column, value)")
        if self.where is not None and self.op not in ("count", "sum", "min", "max", "any"):
            raise ValueError(f"where applies to count, sum, min, max and any, not to {self.op}")

    # --- constructors ---------------------------------------------------------------

    @classmethod
    def count(cls, column: str | None = None, *, where: tuple[str, Any] | None = None) -> Agg:
        """Rows of the group (``column``: its non-missing values; ``where``: matching rows)."""
        return cls("count", column, where=where)

    @classmethod
    def sum(cls, column: str, *, where: tuple[str, Any] | None = None) -> Agg:
        """Σ column (0 for a group with no matching row)."""
        return cls("sum", column, where=where)

    @classmethod
    def mean(cls, column: str) -> Agg:
        """The mean of ``column``, as a float."""
        return cls("mean", column)

    @classmethod
    def min(cls, column: str, *, where: tuple[str, Any] | None = None) -> Agg:
        """The smallest value (numbers, text or times)."""
        return cls("min", column, where=where)

    @classmethod
    def max(cls, column: str, *, where: tuple[str, Any] | None = None) -> Agg:
        """The largest value (numbers, text or times)."""
        return cls("max", column, where=where)

    @classmethod
    def m2(cls, column: str) -> Agg:
        """Σ(y − ȳ)², the centred sum of squares (stable; see the module docstring)."""
        return cls("m2", column)

    @classmethod
    def comoment(cls, column: str, other: str) -> Agg:
        """Σ(y − ȳ)(x − x̄) of two columns (stable; see the module docstring)."""
        return cls("comoment", column, other)

    @classmethod
    def count_distinct(cls, column: str) -> Agg:
        """Number of distinct non-missing values."""
        return cls("count_distinct", column)

    @classmethod
    def binary(cls, column: str) -> Agg:
        """1 if every value of the group is 0 or 1 (or a boolean), else 0."""
        return cls("binary", column)

    @classmethod
    def any(cls, *, where: tuple[str, Any]) -> Agg:
        """1 if at least one row of the group has ``where``'s column equal to its value, else 0."""
        return cls("any", where=where)

    # --- compilation ------------------------------------------------------------------

    def columns(self) -> tuple[str, ...]:
        """The source columns this aggregate reads."""
        names = [self.column, self.other, self.where[0] if self.where else None]
        return tuple(n for n in names if n is not None)

    def sql(self, dialect: Dialect) -> str:
        """The aggregate as SQL text for ``dialect`` ('duckdb' or 'spark')."""

        def q(name: str | None) -> str:
            assert name is not None
            return quote(name, dialect)

        def dbl(name: str | None) -> str:
            return f"CAST({q(name)} AS DOUBLE)"

        cond = None
        if self.where is not None:
            cond = f"{q(self.where[0])} = {_literal(self.where[1])}"
        op = self.op
        if op == "count":
            if cond is None:
                return "COUNT(*)" if self.column is None else f"COUNT({q(self.column)})"
            inner = "1" if self.column is None else q(self.column)
            return f"COUNT(CASE WHEN {cond} THEN {inner} END)"
        if op == "sum":
            inner = (
                q(self.column)
                if cond is None
                else f"CASE WHEN {cond} THEN {q(self.column)} ELSE 0 END"
            )
            return f"COALESCE(SUM({inner}), 0)"
        if op in ("min", "max"):
            inner = (
                q(self.column) if cond is None else f"CASE WHEN {cond} THEN {q(self.column)} END"
            )
            return f"{op.upper()}({inner})"
        if op == "mean":
            return f"AVG({dbl(self.column)})"
        if op == "m2":
            return f"VAR_POP({dbl(self.column)}) * COUNT({q(self.column)})"
        if op == "comoment":
            both = f"{q(self.column)} IS NOT NULL AND {q(self.other)} IS NOT NULL"
            return (
                f"COVAR_POP({dbl(self.column)}, {dbl(self.other)}) "
                f"* COUNT(CASE WHEN {both} THEN 1 END)"
            )
        if op == "count_distinct":
            return f"COUNT(DISTINCT {q(self.column)})"
        if op == "binary":
            return f"MIN(CASE WHEN {dbl(self.column)} IN (0, 1) THEN 1 ELSE 0 END)"
        # any
        return f"MAX(CASE WHEN {cond} THEN 1 ELSE 0 END)"


def select_list(
    by: Sequence[str], aggregates: Mapping[str, Agg], dialect: Dialect
) -> tuple[str, str]:
    """``(select, group by)`` SQL text of a grouped aggregate: the keys, then each
    aggregate ``AS`` its name.

    Examples
    --------
    >>> select_list(["arm"], {"n": Agg.count()}, "duckdb")
    ('"arm", COUNT(*) AS "n"', '"arm"')
    """
    if dialect not in ("duckdb", "spark"):
        raise ValueError(f"dialect must be 'duckdb' or 'spark', got {dialect!r}")
    by = check_by(by)
    aggregates = _check_aggregates(aggregates, by)
    keys = [quote(k, dialect) for k in by]
    items = keys + [f"{a.sql(dialect)} AS {quote(name, dialect)}" for name, a in aggregates.items()]
    return ", ".join(items), ", ".join(keys)


def _check_aggregates(aggregates: Any, by: list[str]) -> dict[str, Agg]:
    if not isinstance(aggregates, Mapping) or not aggregates:
        raise TypeError(
            "aggregates must be a non-empty mapping of output names to Agg, "
            f"got {type(aggregates).__name__}"
        )
    out: dict[str, Agg] = {}
    for name, agg in aggregates.items():
        _check_column(name, "aggregates' output name")
        if not isinstance(agg, Agg):
            raise TypeError(f"aggregates[{name!r}] must be an Agg, got {type(agg).__name__}")
        if name in by:
            raise ValueError(f"aggregates: output name {name!r} is also a key of by")
        out[name] = agg
    return out


def check_by(by: Any, *, name: str = "by") -> list[str]:
    """``by`` as a list of column names (one name, or a sequence of them)."""
    if isinstance(by, str):
        return [_check_column(by, name)]
    if not isinstance(by, Sequence) or isinstance(by, bytes):
        raise TypeError(f"{name} must be a column name or a list of them, got {by!r}")
    keys = [_check_column(k, name) for k in by]
    if len(set(keys)) != len(keys):
        raise ValueError(f"{name} names a column twice: {keys}")
    return keys


def aggregate(source: Any, by: Any, aggregates: Mapping[str, Agg]) -> Any:
    """Group ``source`` by the columns ``by`` and compute ``aggregates`` in its own engine.

    Parameters
    ----------
    source : pandas.DataFrame, duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        The rows. A DuckDB relation or Spark DataFrame is never pulled into
        Python: the aggregate runs in the engine.
    by : str or sequence of str
        Group keys (an empty list for one row over everything).
    aggregates : mapping of str to Agg
        Output column name → aggregate.

    Returns
    -------
    The engine's own table, one row per group: the ``by`` columns then the
    aggregates, in the order given. A pandas DataFrame (sorted by the keys),
    a DuckDB relation or a Spark DataFrame (both lazy and unordered: fetch
    or order them as you need).

    Examples
    --------
    >>> import pandas as pd
    >>> events = pd.DataFrame({"user_id": [1, 1, 2], "event": ["view", "order", "view"],
    ...                        "revenue": [0.0, 25.0, 0.0]})
    >>> aggregate(events, "user_id", {
    ...     "orders": Agg.count(where=("event", "order")),
    ...     "revenue": Agg.sum("revenue", where=("event", "order")),
    ... })
       user_id  orders  revenue
    0        1       1     25.0
    1        2       0      0.0

    The same call on ``duckdb.sql("SELECT * FROM events")`` or on a Spark
    DataFrame runs ``SELECT "user_id", COUNT(CASE WHEN "event" = 'order' THEN
    1 END) AS "orders", … GROUP BY "user_id"`` in that engine.
    """
    from ._engines import engine_of

    engine = engine_of(source)
    keys = check_by(by)
    aggs = _check_aggregates(aggregates, keys)
    engine.require(source, keys, "by")
    engine.require(source, [c for a in aggs.values() for c in a.columns()], "aggregates")
    return engine.aggregate(source, keys, aggs)


def fetch_rows(table: Any) -> list[dict[str, Any]]:
    """The rows of a small engine table as dicts of Python values (a few rows:
    per-arm summaries, not raw data).

    Examples
    --------
    >>> import pandas as pd
    >>> fetch_rows(pd.DataFrame({"arm": ["a"], "n": [3]}))
    [{'arm': 'a', 'n': 3}]
    """
    from ._engines import engine_of

    return engine_of(table, name="table").rows(table)
