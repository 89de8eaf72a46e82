"""Spark's run of notebook 09's section 6, cached for the notebook.

A Spark session takes 10–25 s to start on two cores and its first queries
are slow while the JVM warms up, which would break the notebook's
one-minute budget. This script runs what the notebook runs in DuckDB, with
Spark ``local[2]`` on the same purchase lines (``nb09.purchase_lines()``,
written to Parquet by DuckDB and read by Spark):

1. the RFM features, with the very text of ``segments.rfm_sql`` that the
   notebook gives DuckDB;
2. the segment report (``nb09.report_aggregates()``, compiled by
   ``xplab.warehouse.aggregate`` to Spark SQL) over the features joined with
   the notebook's k-means segments;
3. k-means with Spark MLlib on the same standardised log-features
   (``VectorAssembler`` → ``StandardScaler`` → ``KMeans``), started from
   four seeds with the lowest cost kept, compared with scikit-learn's
   segments up to their labels (adjusted Rand index) and by inertia on one
   scale.

It writes the times, the features' check against pandas and the results to
``src/xplab/exercises/nb09_spark_run.json``. The notebook compares the cached
report with DuckDB's, computed live, to 1e-9; ``tests/exercises`` checks that
the cache was made from the notebook's current inputs, and
``tests/warehouse/test_rfm_spark.py`` runs the same Spark code on a small
shop.

Run: ``XPLAB_DATA_DIR=... .venv/bin/python benchmarks/nb09_spark_cache.py`` (a minute or two).
"""

from __future__ import annotations

import datetime
import json
import platform
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from xplab import segments
from xplab.exercises import nb09
from xplab.warehouse import aggregate, fetch_rows, spark_session

OUT = Path(__file__).resolve().parents[1] / "src" / "xplab" / "exercises" / nb09.SPARK_CACHE
CORES = 2


def main() -> None:
    lines = nb09.purchase_lines()
    ours = nb09.features()
    labels = nb09.segment_names()
    print(f"{len(lines):,} purchase lines, {len(ours):,} customers on {nb09.AS_OF}")
    with tempfile.TemporaryDirectory() as tmp:
        parquet = str(Path(tmp) / "lines.parquet")
        duckdb.sql("SELECT * FROM lines").write_parquet(parquet)
        times: dict[str, float] = {}
        start = time.perf_counter()
        spark = spark_session(cores=CORES, driver_memory="1g", app_name="xplab-nb09")
        times["session start"] = time.perf_counter() - start

        start = time.perf_counter()
        rfm = nb09.spark_rfm(spark, parquet, nb09.AS_OF).cache()
        rows = pd.DataFrame(fetch_rows(rfm)).set_index("customer_id").sort_index()
        times["RFM features"] = time.perf_counter() - start
        rows.index.name = ours.index.name
        gap = {
            c: float(np.max(np.abs(rows[c].to_numpy() - ours[c].to_numpy()) / ours[c].abs().max()))
            for c in segments.RFM_COLUMNS
        }
        assert rows.index.equals(ours.index), "Spark and pandas know different customers"

        start = time.perf_counter()
        seg = spark.createDataFrame(list(labels.items()), ["customer_id", "segment"])
        report = fetch_rows(
            aggregate(rfm.join(seg, on="customer_id"), "segment", nb09.report_aggregates())
        )
        times["segment report"] = time.perf_counter() - start

        start = time.perf_counter()
        predicted, costs = nb09.spark_kmeans(rfm, nb09.K, **nb09.SPARK_KMEANS)
        spark_labels = pd.Series({r["customer_id"]: r["prediction"] for r in fetch_rows(predicted)})
        times["k-means (MLlib)"] = time.perf_counter() - start
        spark_version = spark.version
        spark.stop()

    spark_labels = spark_labels.reindex(ours.index)
    sklearn = nb09.kmeans().labels
    agreement = segments.compare_segmentations(sklearn, spark_labels)
    print({k: round(v, 2) for k, v in times.items()}, gap, f"ARI {agreement.ari:.4f}")
    data = {
        "inputs": nb09.spark_inputs(),
        "measured": {
            "date": datetime.date.today().isoformat(),
            "machine": f"{platform.system()} {platform.machine()}, {CORES} cores (shared)",
            "spark": spark_version,
        },
        "seconds": {k: round(v, 2) for k, v in times.items()},
        "rfm_max_relative_gap_vs_pandas": gap,
        "report": sorted(report, key=lambda r: r["segment"]),
        "kmeans": {
            "ari_vs_sklearn": round(float(agreement.ari), 12),
            "spark_costs": [round(c, 6) for c in costs],
            "inertia_spark": round(nb09.within_ss(ours, spark_labels), 6),
            "inertia_sklearn": round(nb09.within_ss(ours, sklearn), 6),
            "crosstab": pd.crosstab(sklearn, spark_labels).to_numpy().tolist(),
        },
    }
    OUT.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
