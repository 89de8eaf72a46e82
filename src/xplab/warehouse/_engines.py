"""The three engines behind :func:`xplab.warehouse.aggregate`: how each one runs
an :class:`~xplab.warehouse.Agg` definition, reads its column types, joins and
hands back a few rows. Nothing here decides *what* is aggregated."""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np

from .aggregate import Agg, select_list

Kind = str  # 'number', 'bool', 'text', 'time' or 'other'

_NUMBER = re.compile(
    r"^(U?(TINYINT|SMALLINT|INTEGER|INT|BIGINT|HUGEINT)|FLOAT|DOUBLE|REAL|DECIMAL.*)$"
)


def _sql_kind(type_name: str) -> Kind:
    """The kind of a DuckDB or Spark SQL type name ('BIGINT', 'bigint', 'VARCHAR', …)."""
    text = type_name.upper()
    if text == "BOOLEAN":
        return "bool"
    if _NUMBER.match(text):
        return "number"
    if text.startswith(("VARCHAR", "ENUM", "STRING", "CHAR")):
        return "text"
    if text.startswith(("TIMESTAMP", "DATE", "TIME", "INTERVAL")):
        return "time"
    return "other"


def _python(value: Any) -> Any:
    """A plain Python value: numpy scalars unboxed, NaN / NA / NaT as None."""
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return None
    except ImportError:  # pragma: no cover - pandas is a dependency
        pass
    return value


class Engine:
    """What every engine provides."""

    name = "engine"

    def columns(self, source: Any) -> dict[str, Kind]:
        raise NotImplementedError

    def aggregate(self, source: Any, keys: list[str], aggs: dict[str, Agg]) -> Any:
        raise NotImplementedError

    def rows(self, table: Any) -> list[dict[str, Any]]:
        raise NotImplementedError

    def join(self, left: Any, right: Any, on: str) -> Any:
        raise NotImplementedError

    def require(
        self, source: Any, names: list[str], arg: str, where: str = "source"
    ) -> dict[str, Kind]:
        """The column kinds of ``source``; ``ValueError`` naming ``arg`` when one of
        ``names`` is not among them."""
        kinds = self.columns(source)
        for n in names:
            if n not in kinds:
                raise ValueError(
                    f"{arg}: column {n!r} is not in {where}; its columns: {list(kinds)}"
                )
        return kinds


class PandasEngine(Engine):
    """pandas: ``groupby`` with two-pass centred sums."""

    name = "pandas"

    def columns(self, source: Any) -> dict[str, Kind]:
        import pandas as pd

        out: dict[str, Kind] = {}
        for name, dtype in source.dtypes.items():
            if not isinstance(name, str):
                continue
            if pd.api.types.is_bool_dtype(dtype):
                kind = "bool"
            elif pd.api.types.is_numeric_dtype(dtype):
                kind = "number"
            elif pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.is_timedelta64_dtype(
                dtype
            ):
                kind = "time"
            elif isinstance(dtype, pd.CategoricalDtype) or pd.api.types.is_object_dtype(dtype):
                kind = "text"
            elif pd.api.types.is_string_dtype(dtype):
                kind = "text"
            else:
                kind = "other"
            out[name] = kind
        return out

    def aggregate(self, source: Any, keys: list[str], aggs: dict[str, Agg]) -> Any:
        import pandas as pd

        df = source
        if keys:
            groupers = [df[k] for k in keys]
        else:
            groupers = [pd.Series(0, index=df.index, name="__all__")]

        def grouped(series: pd.Series) -> Any:
            return series.groupby(groupers, sort=True, dropna=False, observed=True)

        def mask(where: tuple[str, Any] | None) -> pd.Series:
            if where is None:
                return pd.Series(True, index=df.index)
            return (df[where[0]] == where[1]).fillna(False).astype(bool)

        def as_float(name: str) -> pd.Series:
            return df[name].astype("float64")

        def centred(a: pd.Series, b: pd.Series) -> pd.Series:
            both = a.notna() & b.notna()
            a, b = a.where(both), b.where(both)
            da = a - grouped(a).transform("mean")
            db = b - grouped(b).transform("mean")
            return grouped(da * db).sum()

        results: dict[str, pd.Series] = {}
        for name, agg in aggs.items():
            op, col = agg.op, agg.column
            m = mask(agg.where)
            if op == "count":
                hit = m if col is None else m & df[col].notna()
                s = grouped(hit.astype("int64")).sum()
            elif op == "sum":
                values = df[col] if agg.where is None else df[col].where(m, 0)
                s = grouped(values).sum()
            elif op == "mean":
                s = grouped(as_float(col)).mean()  # type: ignore[arg-type]
            elif op in ("min", "max"):
                values = df[col] if agg.where is None else df[col].where(m)
                s = getattr(grouped(values), op)()
            elif op == "m2":
                x = as_float(col)  # type: ignore[arg-type]
                s = centred(x, x)
            elif op == "comoment":
                s = centred(as_float(col), as_float(agg.other))  # type: ignore[arg-type]
            elif op == "count_distinct":
                s = grouped(df[col]).nunique()
            elif op == "binary":
                x = as_float(col)  # type: ignore[arg-type]
                s = grouped(((x == 0) | (x == 1)).astype("int64")).min()
            else:  # any
                s = grouped(m.astype("int64")).max()
            results[name] = s
        out = pd.DataFrame(results)
        if keys:
            out = out.reset_index()
            out.columns = [*keys, *aggs]
        else:
            out = out.reset_index(drop=True)
        return out

    def rows(self, table: Any) -> list[dict[str, Any]]:
        return [
            {str(k): _python(v) for k, v in zip(table.columns, row, strict=True)}
            for row in table.itertuples(index=False, name=None)
        ]

    def join(self, left: Any, right: Any, on: str) -> Any:
        return left.merge(right, on=on, how="left", validate="many_to_one")


class DuckDBEngine(Engine):
    """DuckDB: the compiled SQL, run on the relation's own connection."""

    name = "duckdb"

    def columns(self, source: Any) -> dict[str, Kind]:
        return {n: _sql_kind(str(t)) for n, t in zip(source.columns, source.types, strict=True)}

    def aggregate(self, source: Any, keys: list[str], aggs: dict[str, Agg]) -> Any:
        select, group = select_list(keys, aggs, "duckdb")
        return source.aggregate(select, group)

    def rows(self, table: Any) -> list[dict[str, Any]]:
        names = table.columns
        return [
            {n: _python(v) for n, v in zip(names, row, strict=True)} for row in table.fetchall()
        ]

    def join(self, left: Any, right: Any, on: str) -> Any:
        return left.join(right, on, how="left")


class SparkEngine(Engine):
    """Spark: the compiled SQL expressions in ``groupBy(...).agg(...)``."""

    name = "spark"

    def columns(self, source: Any) -> dict[str, Kind]:
        return {name: _sql_kind(t) for name, t in source.dtypes}

    def aggregate(self, source: Any, keys: list[str], aggs: dict[str, Agg]) -> Any:
        from pyspark.sql import functions as F

        exprs = [F.expr(a.sql("spark")).alias(name) for name, a in aggs.items()]
        return source.groupBy(*[F.col(f"`{k.replace('`', '``')}`") for k in keys]).agg(*exprs)

    def rows(self, table: Any) -> list[dict[str, Any]]:
        return [{k: _python(v) for k, v in r.asDict().items()} for r in table.collect()]

    def join(self, left: Any, right: Any, on: str) -> Any:
        return left.join(right, on=on, how="left")


_ENGINES = {"pandas": PandasEngine(), "duckdb": DuckDBEngine(), "spark": SparkEngine()}


def engine_name(source: Any) -> str | None:
    """'pandas', 'duckdb', 'spark', or None for anything else (without importing
    DuckDB or Spark)."""
    for cls in type(source).__mro__:
        module, name = cls.__module__, cls.__name__
        if module.startswith("pandas") and name == "DataFrame":
            return "pandas"
        if module.startswith("duckdb") and name == "DuckDBPyRelation":
            return "duckdb"
        if module.startswith("pyspark.sql") and name == "DataFrame":
            return "spark"
    return None


def engine_of(source: Any, *, name: str = "source") -> Engine:
    """The engine that runs ``source``; ``TypeError`` naming ``name`` otherwise."""
    found = engine_name(source)
    if found is None:
        raise TypeError(
            f"{name} must be a pandas DataFrame, a DuckDB relation (duckdb.sql(...), "
            f"duckdb.read_parquet(...)) or a Spark DataFrame, got {type(source).__name__}"
        )
    return _ENGINES[found]
