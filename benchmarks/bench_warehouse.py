"""Validation and speed of ``xplab.warehouse``: the same per-arm statistics from
pandas, DuckDB and Spark, and DuckDB on a 10⁸-row Parquet event log.

Run:  .venv/bin/python benchmarks/bench_warehouse.py [--rows 1e8] [--keep]

What it does, all in one run:

1. writes two simulated event logs with DuckDB (``simulate_event_log``, the
   parameters of notebook 07): a large one (10⁸ rows by default) and one of
   10⁷ rows, in a temporary folder on the disk of this repository, after
   checking the free space; both are removed at the end (``--keep`` keeps
   them);
2. runs the query — the metric catalogue's per-user table of six metrics,
   kept in the engine, then ``arm_stats`` of each metric — each engine in a
   fresh Python process (``run_engine``): DuckDB on the large log (with a
   1 GB memory limit, so that it spills to disk rather than grow), and
   DuckDB, pandas and Spark ``local[2]`` side by side on the 10⁷-row log;
3. compares every engine's statistics with ``GroupStats.from_arrays`` on the
   per-user values (exported from DuckDB), field by field
   (``relative_difference``);
4. checks that ``arm_stats`` by daily cohort, summed with ``+``, equals one
   query over all days.

Peak RSS is that of the engine's own process (``ru_maxrss``: interpreter,
imports and the engine; for Spark plus the JVM's ``VmHWM``). Times are wall
clock on this machine, whose two cores are shared: compare the rows with
each other. The script exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

from xplab.abtest import GroupStats
from xplab.data import EVENTS_PER_USER, simulate_event_log
from xplab.exercises import nb07
from xplab.warehouse import arm_stats, relative_difference, run_engine

ROOT = Path(__file__).resolve().parents[1]
ROWS: list[tuple[str, str, str, bool | None]] = []
BYTES_PER_EVENT = 15  # measured: 10⁷ events take about 0.12 GB of Parquet


def row(check: str, value: str, target: str, ok: bool | None) -> None:
    ROWS.append((check, value, target, ok))
    print(f"  {check}: {value}", flush=True)


def make_log(folder: Path, rows: float) -> object:
    n_users = round(rows / EVENTS_PER_USER)
    params = {**nb07.LOG, "n_users": n_users}
    start = time.perf_counter()
    log = simulate_event_log(folder, **params)
    seconds = time.perf_counter() - start
    size = sum(f.stat().st_size for f in folder.rglob("*.parquet"))
    print(
        f"wrote {log.n_events:,} events ({n_users:,} users) in {seconds:.0f} s: "
        f"{size / 1e9:.2f} GB of Parquet",
        flush=True,
    )
    return log


def reference(log: object) -> dict[str, dict[str, GroupStats]]:
    """GroupStats.from_arrays of each metric and arm, on the per-user values."""
    con = duckdb.connect()
    per_user = nb07.CATALOG.per_unit(log.events(con), units=log.users(con)).df()
    out: dict[str, dict[str, GroupStats]] = {}
    for name in nb07.CATALOG:
        m = nb07.CATALOG[name]
        cov = nb07.COVARIATES.get(name)
        out[name] = {}
        for arm, part in per_user.groupby("arm"):
            out[name][arm] = GroupStats.from_arrays(
                part[m.outcome].to_numpy(dtype=float),
                covariate=None if cov is None else part[cov].to_numpy(dtype=float),
                denominator=None if m.denominator is None else part[m.denominator].to_numpy(float),
            )
    return out


def worst(run: object, ref: dict[str, dict[str, GroupStats]]) -> float:
    return max(relative_difference(run.stats[m][arm], ref[m][arm]) for m in ref for arm in ref[m])


def daily_sums(log: object) -> float:
    """Largest relative difference between Σ daily-cohort arm_stats and one query."""
    con = duckdb.connect()
    per_user = nb07.CATALOG.per_unit(log.events(con), first=["day"], units=log.users(con))
    per_user.to_table("per_user")
    table = con.table("per_user")
    largest = 0.0
    for name in nb07.CATALOG:
        m = nb07.CATALOG[name]
        kwargs = {"covariate": nb07.COVARIATES.get(name), "denominator": m.denominator}
        whole = arm_stats(table, arm="arm", outcome=m.outcome, **kwargs)
        daily = arm_stats(table, arm="arm", outcome=m.outcome, by="day", **kwargs)
        for arm in whole:
            total = sum(s for (_, a), s in daily.items() if a == arm)
            largest = max(largest, relative_difference(total, whole[arm]))
    return largest


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=float, default=1e8, help="rows of the large log")
    parser.add_argument("--keep", action="store_true", help="keep the logs")
    args = parser.parse_args()
    need = (args.rows + 1e7) * BYTES_PER_EVENT * 1.5
    free = shutil.disk_usage(ROOT).free
    print(f"free disk space {free / 1e9:.0f} GB; the logs need about {need / 1e9:.1f} GB")
    if free < need:
        print("not enough free disk space for the logs", file=sys.stderr)
        return 1
    folder = Path(tempfile.mkdtemp(prefix="xplab-bench-warehouse-", dir=tempfile.gettempdir()))
    try:
        large = make_log(folder / "large", args.rows)
        small = make_log(folder / "small", 1e7)
        kw = {"covariates": nb07.COVARIATES, "cores": 2}

        print("DuckDB on the large log (fresh process, memory_limit 1GB)", flush=True)
        big = run_engine("duckdb", large, nb07.CATALOG, memory_limit="1GB", **kw)
        print("  " + big.line(), flush=True)
        runs = {}
        for engine in ("duckdb", "pandas", "spark"):
            print(f"{engine} on the 10⁷-row log (fresh process)", flush=True)
            runs[engine] = run_engine(engine, small, nb07.CATALOG, **kw)
            print("  " + runs[engine].line(), flush=True)

        print("GroupStats.from_arrays on the per-user values", flush=True)
        ref_small = reference(small)
        for engine, run in runs.items():
            err = worst(run, ref_small)
            row(
                f"{engine} vs from_arrays, 10⁷ rows (6 metrics × 2 arms, every field)",
                f"{err:.1e}",
                "≤ 1e-9",
                err <= 1e-9,
            )
        ref_large = reference(large)
        err = worst(big, ref_large)
        row(
            f"duckdb vs from_arrays, {big.rows:.2e} rows (every field)",
            f"{err:.1e}",
            "≤ 1e-9",
            err <= 1e-9,
        )
        row(
            f"DuckDB, {big.rows:.2e} rows: rows/s",
            f"{big.rows_per_second:,.0f} ({big.seconds:.0f} s)",
            "printed",
            None,
        )
        row(
            f"DuckDB, {big.rows:.2e} rows: peak RSS",
            f"{big.peak_rss_mb:,.0f} MB",
            "< 2 GB",
            big.peak_rss_mb < 2048,
        )
        for engine, run in runs.items():
            extra = f", set-up {run.setup_seconds:.0f} s" if run.setup_seconds else ""
            row(
                f"{engine}, {run.rows:.2e} rows: rows/s, peak RSS",
                f"{run.rows_per_second:,.0f} rows/s ({run.seconds:.1f} s{extra}), "
                f"{run.peak_rss_mb:,.0f} MB",
                "side by side",
                None,
            )
        print("daily cohorts summed with + vs one query", flush=True)
        err = daily_sums(large)
        row(
            f"Σ daily arm_stats vs one query, {big.rows:.2e} rows (6 metrics)",
            f"{err:.1e}",
            "≤ 1e-9",
            err <= 1e-9,
        )
    finally:
        if args.keep:
            print(f"kept the logs in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
            print(f"removed {folder}")

    width = max(len(r[0]) for r in ROWS)
    print(f"\n{'check':<{width}}  {'measured':<48}  {'target':<12}  ok")
    for check, value, target, ok in ROWS:
        flag = "reported" if ok is None else ("pass" if ok else "MISS")
        print(f"{check:<{width}}  {value:<48}  {target:<12}  {flag}")
    return 0 if all(ok is not False for *_, ok in ROWS) else 1


if __name__ == "__main__":
    sys.exit(main())
