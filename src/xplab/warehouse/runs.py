"""Time an engine on an event log, in a fresh process, and keep what it computed.

:func:`run_engine` starts a new Python process that reads a simulated event
log (:func:`xplab.data.simulate_event_log`), builds the per-unit table of a
:class:`~xplab.warehouse.MetricCatalog` in one engine — pandas, DuckDB or
Spark — keeps it in that engine (a pandas frame, a DuckDB temporary table, a
cached Spark DataFrame), and computes :func:`~xplab.warehouse.arm_stats` of
each metric. It reports the rows per second and the process's peak resident
memory, and returns the statistics so they can be compared across engines.

A fresh process makes the memory figure mean something: its peak RSS is the
engine's work plus the interpreter and xplab's imports (about 150 MB), not
whatever a notebook kernel held before. On Linux it is read from
``/proc/self/status`` (``VmHWM``), because ``ru_maxrss`` would include the
parent's peak, which the kernel carries over ``exec``. For Spark the figure
adds the JVM's own peak (its ``VmHWM``) to the Python driver's.
Start-up work that is not the query — pandas reading the Parquet files into
memory, Spark starting its JVM — is timed separately as ``setup_seconds``.
"""

from __future__ import annotations

import dataclasses
import json
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

from .._results import ResultMixin
from ..abtest import GroupStats
from .metrics import Metric, MetricCatalog

Engine = Literal["pandas", "duckdb", "spark"]
_ENGINES = ("pandas", "duckdb", "spark")


@dataclass(frozen=True, repr=False)
class EngineRun(ResultMixin):
    """What :func:`run_engine` measured: the engine, the events it read, the
    query's wall time (``seconds``; set-up excluded and given as
    ``setup_seconds``), rows per second, the process's peak RSS in MB, and
    the per-arm statistics of each metric (``stats[metric][arm]``)."""

    _title: ClassVar[str] = "Engine run (fresh process)"
    engine: str
    rows: int
    seconds: float
    setup_seconds: float
    rows_per_second: float
    peak_rss_mb: float
    stats: dict[str, dict[str, GroupStats]] = field(repr=False)
    versions: dict[str, str] = field(repr=False)

    def line(self) -> str:
        """One line for a notebook or a benchmark log (the figures vary from
        run to run; the sanitizers of ``tests/nbval_sanitize.cfg`` mask them)."""
        return (
            f"{self.engine:>6}: {self.rows:,} rows in {self.seconds:.2f} s wall "
            f"= {self.rows_per_second:,.0f} rows/s, peak RSS {self.peak_rss_mb:,.0f} MB "
            f"(set-up {self.setup_seconds:.1f} s wall)"
        )

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (``EngineRun.from_json`` reads it back)."""
        out = dataclasses.asdict(self)
        out["stats"] = {
            m: {arm: dataclasses.asdict(s) for arm, s in arms.items()}
            for m, arms in self.stats.items()
        }
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> EngineRun:
        """The run saved by :meth:`to_json`."""
        values = dict(data)
        values["stats"] = {
            m: {arm: GroupStats(**s) for arm, s in arms.items()}
            for m, arms in data["stats"].items()
        }
        return cls(**values)


def _catalog_spec(catalog: MetricCatalog) -> dict[str, Any]:
    return {
        "metrics": [dataclasses.asdict(m) for m in catalog.metrics],
        "event_column": catalog.event_column,
        "arm": catalog.arm,
    }


def run_engine(
    engine: Engine,
    log: Any,
    catalog: MetricCatalog,
    *,
    covariates: Mapping[str, str] | None = None,
    cores: int = 2,
    memory_limit: str | None = None,
    timeout: float = 3600,
) -> EngineRun:
    """Compute every metric's per-arm statistics of an event log in ``engine``,
    in a fresh Python process, and measure it.

    Parameters
    ----------
    engine : {'pandas', 'duckdb', 'spark'}
    log : EventLog
        What :func:`xplab.data.simulate_event_log` returned (its ``path``).
    catalog : MetricCatalog
        The metrics; their per-unit table is built once (joined with the
        users' table) and kept in the engine.
    covariates : mapping of str to str, optional
        A covariate column for some metrics (e.g. ``{"revenue": "pre_revenue"}``).
    cores : int
        Threads for DuckDB and Spark (``local[cores]``); pandas uses one.
    memory_limit : str, optional
        DuckDB's ``memory_limit`` (e.g. ``"1GB"``): above it DuckDB spills to disk.
    timeout : float
        Seconds before the process is stopped.

    Returns
    -------
    EngineRun

    Examples
    --------
    >>> import tempfile
    >>> from xplab.data import simulate_event_log
    >>> log = simulate_event_log(tempfile.mkdtemp(), 500, seed=1)
    >>> catalog = MetricCatalog([Metric("orders", "mean", event="order")])
    >>> run = run_engine("duckdb", log, catalog)  # doctest: +SKIP
    >>> run.rows == log.n_events, sorted(run.stats["orders"])  # doctest: +SKIP
    (True, ['control', 'treatment'])
    """
    spec = run_spec(engine, log, catalog, covariates, cores, memory_limit)
    done = subprocess.run(
        [sys.executable, "-m", "xplab.warehouse.runs"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"the {engine} run failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
        )
    return EngineRun.from_json(json.loads(done.stdout.strip().splitlines()[-1]))


# ----------------------------------------------------------------------------- the child


def _vm_hwm_mb(pid: int | str) -> float | None:
    """Peak RSS of a process from /proc (None where /proc does not exist)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def _peak_rss_mb() -> float:
    """This process's peak RSS. On Linux from /proc (``VmHWM``): ``ru_maxrss``
    would also count the memory of the parent that started this process (the
    kernel carries the parent's peak over ``exec``). Elsewhere ``ru_maxrss``."""
    hwm = _vm_hwm_mb("self")
    if hwm is not None:
        return hwm
    kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Linux reports kilobytes, macOS bytes
    return kb / 1024 / (1024 if platform.system() == "Darwin" else 1)


def _text_as_categories(con: Any, relation: Any) -> Any:
    """The relation with its text columns as ENUMs, which pandas receives as
    categoricals (as one would load them into pandas)."""
    parts = []
    for name, t in zip(relation.columns, relation.types, strict=True):
        q = '"' + name.replace('"', '""') + '"'
        if str(t) == "VARCHAR":
            found = relation.project(q).distinct().fetchall()
            values = sorted(r[0] for r in found if r[0] is not None)
            literal = ", ".join("'" + str(v).replace("'", "''") + "'" for v in values)
            parts.append(f"CAST({q} AS ENUM({literal})) AS {q}")
        else:
            parts.append(q)
    return relation.project(", ".join(parts))


def measure(spec: Mapping[str, Any], *, spark: Any = None) -> dict[str, Any]:
    """The measurement :func:`run_engine` runs in its fresh process (``spec`` as
    it builds it); with ``spark`` given, in this process on that session (the
    tests use it so as not to start a second JVM; the memory figure then
    means little). Returns the JSON of an :class:`EngineRun`."""
    import duckdb

    from .armstats import ArmStats

    engine = spec["engine"]
    cat = spec["catalog"]
    catalog = MetricCatalog(
        [Metric(**m) for m in cat["metrics"]], event_column=cat["event_column"], arm=cat["arm"]
    )
    events_glob = str(Path(spec["path"], "events", "*", "*.parquet"))
    users_path = str(Path(spec["path"], "users.parquet"))
    cores = spec["cores"]
    versions = {"python": platform.python_version(), "duckdb": duckdb.__version__}
    # the Parquet footers hold the row counts: no scan
    with duckdb.connect() as own:
        counted = own.execute(f"SELECT count(*) FROM read_parquet('{events_glob}')").fetchone()
    assert counted is not None
    events_read = int(counted[0])
    setup = 0.0
    jvm_pid = None
    own_session = False
    table: Any
    if engine == "duckdb":
        config = {"threads": cores}
        if spec["memory_limit"]:
            config["memory_limit"] = spec["memory_limit"]
        con = duckdb.connect(config=config)
        start = time.perf_counter()
        events = con.read_parquet(events_glob, hive_partitioning=True)
        per_unit = catalog.per_unit(events, units=con.read_parquet(users_path))
        per_unit.to_table("per_unit")
        table = con.table("per_unit")
    elif engine == "pandas":
        import pandas as pd

        versions["pandas"] = pd.__version__
        con = duckdb.connect(config={"threads": cores})
        t0 = time.perf_counter()
        events = _text_as_categories(
            con, con.read_parquet(events_glob, hive_partitioning=True)
        ).df()
        users = _text_as_categories(con, con.read_parquet(users_path)).df()
        con.close()
        setup = time.perf_counter() - t0
        start = time.perf_counter()
        table = catalog.per_unit(events, units=users)
    else:
        if spark is None:
            from .spark import spark_session

            t0 = time.perf_counter()
            spark = spark_session(cores=cores)
            setup = time.perf_counter() - t0
            own_session = True
            jvm_pid = spark.sparkContext._gateway.proc.pid
        versions["spark"] = spark.version
        start = time.perf_counter()
        events = spark.read.parquet(str(Path(spec["path"], "events")))
        table = catalog.per_unit(events, units=spark.read.parquet(users_path)).cache()
    stats: dict[str, ArmStats] = {}
    for metric in catalog:
        stats[metric] = catalog.arm_stats(table, metric, covariate=spec["covariates"].get(metric))
    seconds = time.perf_counter() - start
    peak = _peak_rss_mb()
    if engine == "spark":
        table.unpersist()
        if own_session:
            assert jvm_pid is not None
            peak += _vm_hwm_mb(jvm_pid) or 0.0
            spark.stop()
    return {
        "engine": engine,
        "rows": events_read,
        "seconds": seconds,
        "setup_seconds": setup,
        "rows_per_second": events_read / seconds,
        "peak_rss_mb": peak,
        "stats": {
            m: {str(arm): dataclasses.asdict(s) for arm, s in arms.items()}
            for m, arms in stats.items()
        },
        "versions": versions,
    }


def run_spec(
    engine: str,
    log: Any,
    catalog: MetricCatalog,
    covariates: Mapping[str, str] | None,
    cores: int,
    memory_limit: str | None,
) -> dict[str, Any]:
    """The checked ``spec`` of a run (what :func:`measure` takes)."""
    if engine not in _ENGINES:
        raise ValueError(f"engine must be one of {list(_ENGINES)}, got {engine!r}")
    path = getattr(log, "path", None)
    if not isinstance(path, str) or not Path(path, "events").is_dir():
        raise TypeError(f"log must be an EventLog from simulate_event_log, got {log!r:.60}")
    if not isinstance(catalog, MetricCatalog):
        raise TypeError(f"catalog must be a MetricCatalog, got {type(catalog).__name__}")
    covariates = dict(covariates or {})
    for metric, column in covariates.items():
        if metric not in catalog or not isinstance(column, str):
            raise ValueError(
                f"covariates must map metric names of the catalogue to column names, "
                f"got {metric!r}: {column!r}"
            )
    if isinstance(cores, bool) or not isinstance(cores, int) or cores < 1:
        raise ValueError(f"cores must be a whole number >= 1, got {cores!r}")
    if memory_limit is not None and not isinstance(memory_limit, str):
        raise TypeError(f"memory_limit must be a string such as '1GB', got {memory_limit!r}")
    return {
        "engine": engine,
        "path": path,
        "catalog": _catalog_spec(catalog),
        "covariates": covariates,
        "cores": cores,
        "memory_limit": memory_limit,
    }


if __name__ == "__main__":
    result = measure(json.loads(sys.stdin.read()))
    sys.stdout.write("\n" + json.dumps(result) + "\n")
