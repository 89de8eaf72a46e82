"""Metric definitions in one place: how each unit's value comes from an event log.

A :class:`Metric` says what a metric is — its name, its unit of analysis and
how a unit's events aggregate into its value:

* ``"proportion"`` — 1 if the unit has at least one ``event`` (conversion);
* ``"mean"`` — the sum of ``value`` over the unit's ``event`` rows, or their
  count without ``value`` (revenue per user, orders per user);
* ``"ratio"`` — a numerator and a denominator per unit, compared as
  Σnumerator / Σdenominator over the arm with the delta method (clicks per
  impression).

A :class:`MetricCatalog` compiles its metrics into one per-unit aggregate
(:meth:`MetricCatalog.per_unit`) that pandas, DuckDB or Spark run, so
"conversion", "revenue per user" and "clicks per impression" are defined once
and mean the same in every engine, notebook and dashboard.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ._engines import engine_name, engine_of
from .aggregate import Agg, Dialect, _check_column, check_by, select_list
from .armstats import ArmStats, arm_stats

MetricKind = Literal["proportion", "mean", "ratio"]
_KINDS = ("proportion", "mean", "ratio")


def _text(value: Any, name: str, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise TypeError(f"{name} must be a non-empty string, got {value!r}")
    return value


@dataclass(frozen=True)
class Metric:
    """One metric: its name, unit of analysis and how it aggregates from events.

    Parameters
    ----------
    name : str
        The metric's name; also the per-unit column it becomes (a ratio adds
        ``<name>_denominator``).
    kind : {'proportion', 'mean', 'ratio'}
        See the module docstring.
    event : str
        The event type that makes the value (the numerator of a ratio).
    value : str, optional
        A column summed over those events (e.g. ``revenue``); without it the
        events are counted. Not used by a proportion.
    denominator_event, denominator_value : str, optional
        The denominator of a ratio, defined the same way (required for
        ``kind='ratio'``, refused otherwise).
    unit : str
        The column identifying the unit of analysis (the randomization unit,
        e.g. ``user_id``).
    description : str
        What the metric means, in words.

    Examples
    --------
    >>> ctr = Metric("ctr", "ratio", event="click", denominator_event="exposure")
    >>> ctr.outcome, ctr.denominator
    ('ctr', 'ctr_denominator')
    """

    name: str
    kind: MetricKind
    event: str
    value: str | None = None
    denominator_event: str | None = None
    denominator_value: str | None = None
    unit: str = "user_id"
    description: str = ""

    def __post_init__(self) -> None:
        _check_column(self.name, "name")
        if self.kind not in _KINDS:
            raise ValueError(f"kind must be one of {list(_KINDS)}, got {self.kind!r}")
        _text(self.event, "event")
        _text(self.value, "value", optional=True)
        _text(self.denominator_event, "denominator_event", optional=True)
        _text(self.denominator_value, "denominator_value", optional=True)
        _check_column(self.unit, "unit")
        if not isinstance(self.description, str):
            raise TypeError(f"description must be a string, got {self.description!r}")
        if self.kind == "proportion" and self.value is not None:
            raise ValueError(
                "value does not apply to a proportion (1 if the unit has any such event)"
            )
        is_ratio = self.kind == "ratio"
        if is_ratio and self.denominator_event is None:
            raise ValueError("a ratio metric needs denominator_event")
        if not is_ratio and (self.denominator_event or self.denominator_value):
            raise ValueError(
                f"kind={self.kind!r} takes no denominator_event (only ratio metrics have one)"
            )

    @property
    def outcome(self) -> str:
        """The per-unit column of the value (the numerator of a ratio)."""
        return self.name

    @property
    def denominator(self) -> str | None:
        """The per-unit column of a ratio's denominator (None for other kinds)."""
        return f"{self.name}_denominator" if self.kind == "ratio" else None

    def unit_aggregates(self, event_column: str) -> dict[str, Agg]:
        """The per-unit aggregates this metric compiles to."""

        def measure(event: str, value: str | None) -> Agg:
            where = (event_column, event)
            return Agg.count(where=where) if value is None else Agg.sum(value, where=where)

        if self.kind == "proportion":
            return {self.name: Agg.any(where=(event_column, self.event))}
        out = {self.name: measure(self.event, self.value)}
        if self.kind == "ratio":
            assert self.denominator is not None and self.denominator_event is not None
            out[self.denominator] = measure(self.denominator_event, self.denominator_value)
        return out


@dataclass(frozen=True, repr=False)
class MetricCatalog(Mapping):
    """Named metrics that compile to one per-unit aggregation in any engine.

    Parameters
    ----------
    metrics : iterable of Metric
        Unique names, one unit of analysis for all.
    event_column : str
        The event log's column holding the event type.
    arm : str
        The event log's column holding the unit's arm.

    Examples
    --------
    >>> catalog = MetricCatalog([
    ...     Metric("conversion", "proportion", event="order"),
    ...     Metric("revenue", "mean", event="order", value="revenue"),
    ... ])
    >>> print(catalog.sql())
    SELECT "user_id", "arm", MAX(CASE WHEN "event" = 'order' THEN 1 ELSE 0 END) AS "conversion", COALESCE(SUM(CASE WHEN "event" = 'order' THEN "revenue" ELSE 0 END), 0) AS "revenue"
    FROM events
    GROUP BY "user_id", "arm"
    """

    metrics: tuple[Metric, ...]
    event_column: str = "event"
    arm: str = "arm"

    def __init__(
        self, metrics: Iterable[Metric], *, event_column: str = "event", arm: str = "arm"
    ) -> None:
        if isinstance(metrics, Metric) or not isinstance(metrics, Iterable):
            raise TypeError(f"metrics must be an iterable of Metric, got {metrics!r}")
        items = tuple(metrics)
        if not items or not all(isinstance(m, Metric) for m in items):
            raise TypeError("metrics must be a non-empty iterable of Metric")
        names = [m.name for m in items]
        if len(set(names)) != len(names):
            raise ValueError(f"metrics must have unique names, got {names}")
        if len({m.unit for m in items}) != 1:
            raise ValueError(
                f"metrics must share one unit of analysis, got {sorted({m.unit for m in items})}"
            )
        object.__setattr__(self, "metrics", items)
        object.__setattr__(self, "event_column", _check_column(event_column, "event_column"))
        object.__setattr__(self, "arm", _check_column(arm, "arm"))

    def __getitem__(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise KeyError(f"no metric {name!r}; the catalogue has {list(self)}")

    def __iter__(self) -> Iterator[str]:
        return (m.name for m in self.metrics)

    def __len__(self) -> int:
        return len(self.metrics)

    @property
    def unit(self) -> str:
        """The unit of analysis shared by the metrics."""
        return self.metrics[0].unit

    def _selected(self, metrics: Any) -> list[Metric]:
        if metrics is None:
            return list(self.metrics)
        names = check_by(metrics, name="metrics")
        for n in names:
            if n not in self:
                raise ValueError(f"metrics: {n!r} is not in the catalogue ({list(self)})")
        return [self[n] for n in names]

    def unit_aggregates(self, metrics: Any = None, *, first: Sequence[str] = ()) -> dict[str, Agg]:
        """The per-unit aggregate list: each metric's columns, then the smallest
        value of each ``first`` column (e.g. the day of the unit's first event)."""
        aggs: dict[str, Agg] = {}
        for m in self._selected(metrics):
            aggs |= m.unit_aggregates(self.event_column)
        if isinstance(first, str):
            raise TypeError(f"first must be a list of column names, got the string {first!r}")
        for col in check_by(first, name="first"):
            if col in aggs:
                raise ValueError(f"first: {col!r} is also a metric column")
            aggs[col] = Agg.min(col)
        return aggs

    def sql(
        self,
        metrics: Any = None,
        *,
        first: Sequence[str] = (),
        dialect: Dialect = "duckdb",
        table: str = "events",
    ) -> str:
        """The per-unit query as SQL text (what DuckDB and Spark run)."""
        if not isinstance(table, str) or not table:
            raise TypeError(f"table must be a non-empty string, got {table!r}")
        select, group = select_list(
            [self.unit, self.arm], self.unit_aggregates(metrics, first=first), dialect
        )
        return f"SELECT {select}\nFROM {table}\nGROUP BY {group}"

    def per_unit(
        self,
        events: Any,
        metrics: Any = None,
        *,
        first: Sequence[str] = (),
        units: Any = None,
    ) -> Any:
        """One row per unit (and arm) with each metric's value, computed in the engine.

        Parameters
        ----------
        events : pandas.DataFrame, duckdb.DuckDBPyRelation or pyspark.sql.DataFrame
            The event log: the unit column, the arm, the event type and the
            value columns the metrics use.
        metrics : str or list of str, optional
            Names of the metrics to compute (default: all).
        first : sequence of str
            Columns whose smallest value per unit is kept (e.g. ``["day"]``:
            the day of the unit's first event, its cohort).
        units : table of the same engine, optional
            One row per unit (e.g. pre-period covariates, a segment),
            left-joined on the unit column.

        Returns
        -------
        The engine's own table (lazy for DuckDB and Spark): the unit, the
        arm, the metric columns (a ratio adds ``<name>_denominator``), the
        ``first`` columns and the columns of ``units``. A unit logged in
        two arms appears in two rows: check for it.

        Examples
        --------
        >>> import pandas as pd
        >>> events = pd.DataFrame({
        ...     "user_id": [1, 1, 1, 2], "arm": ["t", "t", "t", "c"],
        ...     "event": ["exposure", "click", "exposure", "exposure"]})
        >>> catalog = MetricCatalog([Metric("ctr", "ratio", event="click",
        ...                                 denominator_event="exposure")])
        >>> catalog.per_unit(events)
           user_id arm  ctr  ctr_denominator
        0        1   t    1                2
        1        2   c    0                1
        """
        engine = engine_of(events, name="events")
        aggs = self.unit_aggregates(metrics, first=first)
        firsts = set(check_by(first, name="first"))
        needed = [self.unit, self.arm]
        needed += [c for name, a in aggs.items() if name not in firsts for c in a.columns()]
        engine.require(events, list(dict.fromkeys(needed)), "events", "events")
        engine.require(events, sorted(firsts), "first", "events")
        table = engine.aggregate(events, [self.unit, self.arm], aggs)
        if engine.name == "pandas":
            table = table.sort_values(self.unit, kind="stable").reset_index(drop=True)
        if units is None:
            return table
        if engine_name(units) != engine.name:
            raise TypeError(
                f"units must be a table of the same engine as events ({engine.name}), "
                f"got {type(units).__name__}"
            )
        engine.require(units, [self.unit], "units", "units")
        return engine.join(table, units, self.unit)

    def arm_stats(
        self, per_unit: Any, metric: str, *, covariate: str | None = None, by: Any = None
    ) -> ArmStats:
        """:func:`~xplab.warehouse.arm_stats` of one metric on a per-unit table
        (a ratio metric brings its denominator).

        Examples
        --------
        >>> import pandas as pd
        >>> catalog = MetricCatalog([Metric("orders", "mean", event="order")])
        >>> per_user = pd.DataFrame({"user_id": [1, 2, 3, 4], "arm": ["c", "t", "c", "t"],
        ...                          "orders": [0, 1, 2, 1]})
        >>> catalog.arm_stats(per_user, "orders")["c"].mean
        1.0
        """
        engine_of(per_unit, name="per_unit")
        if not isinstance(metric, str):
            raise TypeError(f"metric must be a metric name (str), got {type(metric).__name__}")
        if metric not in self:
            raise ValueError(f"metric {metric!r} is not in the catalogue ({list(self)})")
        m = self[metric]
        return arm_stats(
            per_unit,
            arm=self.arm,
            outcome=m.outcome,
            covariate=covariate,
            denominator=m.denominator,
            by=by,
        )

    def __repr__(self) -> str:
        return f"MetricCatalog({[m.name for m in self.metrics]}, unit={self.unit!r})"

    def _repr_html_(self) -> str:
        head = "".join(
            f"<th>{h}</th>" for h in ("metric", "kind", "unit", "from events", "meaning")
        )
        rows = []
        for m in self.metrics:
            num = f"{m.value} of '{m.event}'" if m.value else f"count of '{m.event}'"
            if m.kind == "proportion":
                how = f"1 if any '{m.event}'"
            elif m.kind == "mean":
                how = num
            else:
                den = (
                    f"{m.denominator_value} of '{m.denominator_event}'"
                    if m.denominator_value
                    else f"count of '{m.denominator_event}'"
                )
                how = f"{num} / {den}"
            cells = (m.name, m.kind, m.unit, how, m.description)
            rows.append(
                "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in cells) + "</tr>"
            )
        return f"<table><tr>{head}</tr>{''.join(rows)}</table>"
