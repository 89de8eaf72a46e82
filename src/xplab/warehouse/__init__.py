"""The analysis where the data live: pandas, DuckDB and Spark with one definition.

Experimentation platforms never pull 10⁸ rows into Python. They reduce each
arm to sufficient statistics inside the warehouse and run the test on those.
This package does the same with three engines behind one interface:

* **pandas** — a DataFrame in memory;
* **DuckDB** — embedded, in-process, no server (the default: ``duckdb.sql``,
  ``duckdb.read_parquet``);
* **Spark** — local mode here (:func:`spark_session`), a cluster in practice.

What is computed is written once:

* :class:`Agg` and :func:`aggregate` — a grouped aggregate (counts, sums,
  means, centred sums of squares and cross products, …) defined once and
  compiled to SQL for DuckDB and Spark or run with ``groupby`` in pandas; the
  result stays in the engine;
* :class:`Metric` and :class:`MetricCatalog` — metrics defined once
  (proportion, per-unit mean, ratio of sums) and compiled to the per-unit
  aggregation of an event log;
* :func:`arm_stats` — one query per metric giving each arm's
  :class:`~xplab.abtest.GroupStats`, equal to ``GroupStats.from_arrays`` on
  the same rows, ready for every test in :mod:`xplab.abtest`.

:func:`spark_session` starts a local, loopback-only Spark session with no
Java installation needed; :func:`run_engine` times one engine on an event log
in a fresh process (rows per second, peak memory).

Examples
--------
>>> import duckdb
>>> rel = duckdb.sql("SELECT i % 2 AS arm, (i % 7)::DOUBLE AS y FROM range(1000) t(i)")
>>> s = arm_stats(rel, arm="arm", outcome="y")
>>> s[0].n, round(s[1].mean, 3)
(500, 3.0)
"""

from .aggregate import Agg, aggregate, fetch_rows, quote, select_list
from .armstats import ArmStats, arm_stats, relative_difference
from .metrics import Metric, MetricCatalog
from .runs import EngineRun, run_engine
from .spark import java_home, spark_session

__all__ = [
    "Agg",
    "ArmStats",
    "EngineRun",
    "Metric",
    "MetricCatalog",
    "aggregate",
    "arm_stats",
    "fetch_rows",
    "java_home",
    "quote",
    "relative_difference",
    "run_engine",
    "select_list",
    "spark_session",
]
