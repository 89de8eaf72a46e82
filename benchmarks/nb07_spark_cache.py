"""Spark's run on notebook 07's event log, cached for the notebook.

A Spark session takes 10–25 s to start on two cores and its first queries
are slow while the JVM warms up, which would break the notebook's
one-minute budget. This script runs the notebook's query — the metric
catalogue's per-user table, then ``arm_stats`` of every metric — with Spark
``local[2]`` on the same simulated log (``xplab.exercises.nb07.LOG``), in a
fresh process (:func:`xplab.warehouse.run_engine`), and writes what it
measured to ``src/xplab/exercises/nb07_spark_run.json``.

The notebook shows these figures as measured here and checks the cached
statistics against DuckDB's, computed live on the regenerated log, to 1e-9;
``tests/warehouse/test_spark.py`` checks that the cache was made from the
notebook's current inputs and runs the same Spark code on a small log.

Run: ``.venv/bin/python benchmarks/nb07_spark_cache.py`` (a few minutes).
"""

from __future__ import annotations

import datetime
import json
import platform
from pathlib import Path

from xplab.exercises import nb07
from xplab.warehouse import run_engine

OUT = Path(__file__).resolve().parents[1] / "src" / "xplab" / "exercises" / nb07.SPARK_CACHE


def main() -> None:
    log = nb07.event_log("test")
    print(f"event log: {log.n_events:,} events, {log.n_users:,} users")
    run = run_engine("spark", log, nb07.CATALOG, covariates=nb07.COVARIATES, cores=nb07.CORES)
    print(run.line())
    data = {
        "inputs": nb07.spark_inputs(),
        "measured": {
            "date": datetime.date.today().isoformat(),
            "machine": f"{platform.system()} {platform.machine()}, {nb07.CORES} cores (shared)",
        },
        "run": run.to_json(),
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
