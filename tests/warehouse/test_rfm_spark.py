"""Notebook 09's Spark code (``nb09.spark_rfm``, ``nb09.spark_kmeans``) on a small shop:
the same features as pandas, the same report as DuckDB, the same segments as
scikit-learn up to their labels."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from xplab import segments
from xplab.exercises import nb09
from xplab.warehouse import aggregate, fetch_rows


def shop(seed=5):
    """Three kinds of customer, well apart in recency, frequency and spend."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(90):
        kind = c % 3
        orders = [12, 3, 1][kind]
        last = [5, 60, 200][kind]
        for o in range(orders):
            day = last + o * 9 + rng.integers(0, 3)
            rows.append(
                (f"c{c:02d}", f"{c}-{o}", 3 * 10**8 - day * 86_400.0, [90.0, 30.0, 8.0][kind])
            )
    return pd.DataFrame(rows, columns=["customer_id", "invoice", "t", "revenue"])


def test_features_report_and_segments_match_the_embedded_engines(spark, tmp_path):
    lines = shop()
    path = str(tmp_path / "lines.parquet")
    con = duckdb.connect()
    con.register("lines", lines)
    con.sql("SELECT * FROM lines").write_parquet(path)
    as_of = pd.Timestamp(3 * 10**8, unit="s")

    rfm = nb09.spark_rfm(spark, path, as_of).cache()
    got = pd.DataFrame(fetch_rows(rfm)).set_index("customer_id").sort_index()
    want = con.sql(segments.rfm_sql("lines", as_of=as_of)).df().set_index("customer_id")
    want = want.sort_index()
    pd.testing.assert_frame_equal(got, want, check_dtype=False, rtol=1e-12)

    labels = segments.fit_kmeans(want, 3, seed=0).labels
    seg = spark.createDataFrame(
        [(c, int(s)) for c, s in labels.items()], ["customer_id", "segment"]
    )
    report = fetch_rows(
        aggregate(rfm.join(seg, on="customer_id"), "segment", nb09.report_aggregates())
    )
    con.register("segs", labels.reset_index())
    duck = aggregate(
        con.sql(
            "SELECT * FROM ("
            + segments.rfm_sql("lines", as_of=as_of)
            + ") JOIN segs USING (customer_id)"
        ),
        "segment",
        nb09.report_aggregates(),
    ).df()
    for row in report:
        ref = duck[duck["segment"] == row["segment"]].iloc[0]
        for key in nb09.REPORT_AGGREGATES:
            assert row[key] == pytest.approx(ref[key], rel=1e-12), key

    predicted, costs = nb09.spark_kmeans(rfm, 3, max_iter=50, tol=1e-6, seeds=[1, 2])
    spark_labels = pd.Series({r["customer_id"]: r["prediction"] for r in fetch_rows(predicted)})
    spark_labels = spark_labels.reindex(labels.index)
    assert segments.compare_segmentations(labels, spark_labels).ari == pytest.approx(1.0)
    assert len(costs) == 2
    assert nb09.within_ss(want, spark_labels) == pytest.approx(nb09.within_ss(want, labels))
