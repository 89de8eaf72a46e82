"""Per-arm sufficient statistics computed where the data live.

:func:`arm_stats` runs *one* grouped aggregate query — in pandas, DuckDB or
Spark — and turns each group's row into a :class:`~xplab.abtest.GroupStats`:
the count, the means and the centred sums of squares and cross products of
the outcome (and of a covariate and a denominator). Every test of
:mod:`xplab.abtest` takes those directly, so 10⁸ rows never leave the engine;
only one row per arm does.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .._results import fmt
from ..abtest import GroupStats
from ._engines import engine_of
from .aggregate import Agg, _check_column, check_by

# output names of the aggregate; the prefix keeps them apart from any key column
_P = "xplab__"
_PARTS = (("y", "outcome"), ("x", "covariate"), ("d", "denominator"))


def _aggregates(columns: dict[str, str]) -> dict[str, Agg]:
    """The one aggregate list behind :func:`arm_stats` (``columns``: part → column)."""
    aggs: dict[str, Agg] = {f"{_P}n": Agg.count()}
    for part, col in columns.items():
        aggs |= {
            f"{_P}{part}_count": Agg.count(col),
            f"{_P}{part}_mean": Agg.mean(col),
            f"{_P}{part}_m2": Agg.m2(col),
            f"{_P}{part}_min": Agg.min(col),
            f"{_P}{part}_max": Agg.max(col),
        }
    aggs[f"{_P}binary"] = Agg.binary(columns["y"])
    parts = list(columns)
    for i, a in enumerate(parts):
        for b in parts[i + 1 :]:
            aggs[f"{_P}{a}{b}_comoment"] = Agg.comoment(columns[a], columns[b])
    return aggs


def _group_stats(row: dict[str, Any], columns: dict[str, str], key: Any) -> GroupStats:
    n = int(row[f"{_P}n"])
    argname = dict(_PARTS)
    constant: dict[str, bool] = {}
    means: dict[str, float] = {}
    m2s: dict[str, float] = {}
    for part, col in columns.items():
        count = int(row[f"{_P}{part}_count"])
        if count != n:
            raise ValueError(
                f"{argname[part]} column {col!r} has {n - count:,} missing value(s) in group "
                f"{key!r}; drop or fill them first"
            )
        lo, hi = row[f"{_P}{part}_min"], row[f"{_P}{part}_max"]
        # a constant column gets its exact value and exactly zero spread, as from_arrays does
        constant[part] = bool(lo == hi)
        means[part] = float(lo) if constant[part] else float(row[f"{_P}{part}_mean"])
        m2s[part] = 0.0 if constant[part] else max(float(row[f"{_P}{part}_m2"]), 0.0)

    def comoment(a: str, b: str) -> float:
        if constant[a] or constant[b]:
            return 0.0
        return float(row[f"{_P}{a}{b}_comoment"])

    kwargs: dict[str, Any] = {"n": n, "mean": means["y"], "m2": m2s["y"]}
    if "x" in columns:
        kwargs |= {"covariate_mean": means["x"], "covariate_m2": m2s["x"]}
        kwargs["comoment"] = comoment("y", "x")
    if "d" in columns:
        kwargs |= {"denominator_mean": means["d"], "denominator_m2": m2s["d"]}
        kwargs["denominator_comoment"] = comoment("y", "d")
    if "x" in columns and "d" in columns:
        kwargs["covariate_denominator_comoment"] = comoment("x", "d")
    kwargs["binary"] = int(row[f"{_P}binary"]) == 1
    return GroupStats(**kwargs)


@dataclass(frozen=True, repr=False)
class ArmStats(Mapping):
    """What :func:`arm_stats` returns: a read-only mapping from each arm — or
    from ``(segment, …, arm)`` with ``by`` — to its :class:`~xplab.abtest.GroupStats`,
    in sorted order, with the engine that computed it.

    ``to_frame()`` gives one row per group (n, mean, standard deviation and,
    when present, the covariate's and denominator's means).
    """

    stats: dict[Any, GroupStats]
    arm: str
    by: tuple[str, ...]
    engine: str

    def __getitem__(self, key: Any) -> GroupStats:
        try:
            return self.stats[key]
        except KeyError:
            raise KeyError(f"no group {key!r}; groups: {list(self.stats)}") from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.stats)

    def __len__(self) -> int:
        return len(self.stats)

    def to_frame(self) -> Any:
        """One row per group: the keys, ``n``, ``mean``, ``std`` and the covariate's
        and denominator's means when present."""
        import pandas as pd

        rows = []
        for key, s in self.stats.items():
            keys = key if isinstance(key, tuple) else (key,)
            row: dict[str, Any] = dict(zip([*self.by, self.arm], keys, strict=True))
            row |= {"n": s.n, "mean": s.mean, "std": s.std if s.n >= 2 else math.nan}
            if s.has_covariate:
                row["covariate_mean"] = s.covariate_mean
            if s.has_denominator:
                row["denominator_mean"] = s.denominator_mean
                row["ratio"] = s.mean / s.denominator_mean if s.denominator_mean else math.nan
            rows.append(row)
        return pd.DataFrame(rows).set_index([*self.by, self.arm])

    def __repr__(self) -> str:
        inner = ", ".join(f"{k!r}: {s!r}" for k, s in self.stats.items())
        return f"ArmStats(engine={self.engine!r}, {{{inner}}})"

    def _repr_html_(self) -> str:
        caption = html.escape(f"Per-arm statistics ({self.engine})")
        table = self.to_frame().to_html(float_format=lambda v: fmt(v))
        return f"<p><b>{caption}</b></p>{table}"


def arm_stats(
    source: Any,
    *,
    arm: str,
    outcome: str,
    covariate: str | None = None,
    denominator: str | None = None,
    by: Any = None,
) -> ArmStats:
    """Sufficient statistics of each arm, computed inside the engine by one query.

    One grouped aggregate — count, means, centred sums of squares and cross
    products, minimum and maximum of each column, and whether the outcome is
    0/1 — runs in the engine that holds ``source``; one row per arm comes
    back and becomes a :class:`~xplab.abtest.GroupStats`. The result equals
    ``GroupStats.from_arrays`` on the same rows to about 1e-12 relative
    (``tests/warehouse`` and ``benchmarks/bench_warehouse.py`` check ≤ 1e-9 on
    every field): the centred sums come from the engines' stable
    ``VAR_POP``/``COVAR_POP`` (pandas: two passes), never from Σy² − n·ȳ². A
    column that is constant within an arm gets its exact value and zero
    spread.

    Each row of ``source`` is one **unit of randomization** (a user) with its
    metric values: aggregate an event log to units first
    (:meth:`MetricCatalog.per_unit`). Feed the result to the tests:
    ``mean_test(s["control"], s["treatment"])``, ``proportion_test`` (0/1
    outcome), ``ratio_test`` (with ``denominator``), ``cuped_test`` (with
    ``covariate``); groups of disjoint units add up with ``+`` (daily cohorts
    for sequential looks).

    Parameters
    ----------
    source : pandas.DataFrame, duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
        One row per unit.
    arm : str
        The column holding each unit's arm.
    outcome : str
        The metric (numeric or boolean; the numerator of a ratio metric).
    covariate : str, optional
        A pre-period covariate, for CUPED.
    denominator : str, optional
        The denominator of a ratio metric (numeric, e.g. impressions).
    by : str or list of str, optional
        Segment columns: the keys become ``(segment, …, arm)`` tuples.

    Returns
    -------
    ArmStats
        A mapping from each arm (or ``(segment, …, arm)``) to its GroupStats.

    Raises
    ------
    TypeError
        When ``source`` is not one of the three engines' tables, or a column
        has the wrong type (text as an outcome).
    ValueError
        When a column is missing, a key column holds missing values, or a
        metric column has missing values in some group (the message gives the
        count).

    Examples
    --------
    >>> import pandas as pd
    >>> from xplab.abtest import mean_test
    >>> users = pd.DataFrame({"arm": ["c", "t", "c", "t", "c", "t"],
    ...                       "revenue": [0.0, 12.5, 3.0, 0.0, 9.0, 20.0]})
    >>> s = arm_stats(users, arm="arm", outcome="revenue")
    >>> s["c"]
    GroupStats(n=3, mean=4, std=4.583)
    >>> round(mean_test(s["c"], s["t"]).estimate, 3)
    6.833

    The same call on a DuckDB relation runs the query in DuckDB:

    >>> import duckdb
    >>> arm_stats(duckdb.sql("SELECT * FROM users"), arm="arm", outcome="revenue")["t"]
    GroupStats(n=3, mean=10.83, std=10.1)
    """
    engine = engine_of(source)
    arm = _check_column(arm, "arm")
    columns = {"y": _check_column(outcome, "outcome")}
    if covariate is not None:
        columns["x"] = _check_column(covariate, "covariate")
    if denominator is not None:
        columns["d"] = _check_column(denominator, "denominator")
    keys = [] if by is None else check_by(by)
    if arm in keys:
        raise ValueError(f"by must not repeat the arm column {arm!r}")
    kinds = engine.columns(source)
    argnames = dict(_PARTS)
    for argname, col in [("arm", arm), *((argnames[p], c) for p, c in columns.items())] + [
        ("by", k) for k in keys
    ]:
        if col not in kinds:
            raise ValueError(
                f"{argname}={col!r} is not a column of source; its columns: {list(kinds)}"
            )
    for part, col in columns.items():
        allowed = ("number",) if part == "d" else ("number", "bool")
        if kinds[col] not in allowed:
            raise TypeError(
                f"{argnames[part]} column {col!r} must be numeric"
                f"{'' if part == 'd' else ' or boolean'}, it holds {kinds[col]} values"
            )
    group_keys = [*keys, arm]
    table = engine.aggregate(source, group_keys, _aggregates(columns))
    rows = engine.rows(table)
    if not rows:
        raise ValueError("source has no rows")
    stats: dict[Any, GroupStats] = {}
    for row in rows:
        values = tuple(row[k] for k in group_keys)
        for name, v in zip(group_keys, values, strict=True):
            if v is None:
                which = "arm" if name == arm else "by"
                raise ValueError(
                    f"{which} column {name!r} has missing values; drop or label those rows first"
                )
        key = values if keys else values[0]
        stats[key] = _group_stats(row, columns, key)
    ordered = dict(sorted(stats.items(), key=lambda kv: _sort_key(kv[0])))
    return ArmStats(stats=ordered, arm=arm, by=tuple(keys), engine=engine.name)


def _sort_key(key: Any) -> tuple[Any, ...]:
    parts = key if isinstance(key, tuple) else (key,)
    return tuple((type(p).__name__, p) for p in parts)


def relative_difference(a: GroupStats, b: GroupStats) -> float:
    """The largest relative difference between the fields of two summaries.

    Counts and the 0/1 flag must match exactly (else ``inf``). Each mean is
    compared relative to max(|mean|, standard deviation), each centred sum of
    squares relative to itself, and each cross product relative to
    √(M2₁·M2₂) of its two columns (a difference in the correlation), so that
    a near-zero mean or covariance does not turn rounding into a large
    *relative* error. Two exactly equal summaries give 0.

    Examples
    --------
    >>> a = GroupStats.from_arrays([1.0, 2.0, 4.0])
    >>> relative_difference(a, a + GroupStats.from_arrays([0.0])) > 0.1
    True
    >>> relative_difference(a, GroupStats.from_arrays([4.0, 2.0, 1.0])) < 1e-15
    True
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, GroupStats):
            raise TypeError(f"{name} must be a GroupStats, got {type(value).__name__}")
    if a.n != b.n or a.binary != b.binary:
        return math.inf
    for part in ("covariate", "denominator"):
        if getattr(a, f"has_{part}") != getattr(b, f"has_{part}"):
            return math.inf
    worst = 0.0

    def rel(x: float, y: float, scale: float) -> float:
        if x == y:
            return 0.0
        return abs(x - y) / scale if scale > 0 else math.inf

    trios = [("mean", "m2")]
    if a.has_covariate:
        trios.append(("covariate_mean", "covariate_m2"))
    if a.has_denominator:
        trios.append(("denominator_mean", "denominator_m2"))
    for mean, m2 in trios:
        ma, mb = getattr(a, mean), getattr(b, mean)
        sa, sb = getattr(a, m2), getattr(b, m2)
        worst = max(worst, rel(ma, mb, max(abs(mb), math.sqrt(sb / b.n))), rel(sa, sb, abs(sb)))
    cross = [("comoment", "m2", "covariate_m2")] if a.has_covariate else []
    if a.has_denominator:
        cross.append(("denominator_comoment", "m2", "denominator_m2"))
    if a.has_covariate and a.has_denominator:
        cross.append(("covariate_denominator_comoment", "covariate_m2", "denominator_m2"))
    for field, m2_1, m2_2 in cross:
        scale = math.sqrt(getattr(b, m2_1) * getattr(b, m2_2))
        worst = max(worst, rel(getattr(a, field), getattr(b, field), scale))
    return worst
