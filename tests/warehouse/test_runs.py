"""run_engine: one engine in a fresh process; the figures it keeps are the engine's own."""

import json

import pytest

from xplab.warehouse import EngineRun, relative_difference, run_engine
from xplab.warehouse.runs import measure, run_spec


def _check_against_duckdb(run, event_log, catalog):
    per_user = catalog.per_unit(event_log.events(), units=event_log.users())
    for metric in catalog:
        cov = "pre_revenue" if metric == "revenue" else None
        ref = catalog.arm_stats(per_user, metric, covariate=cov)
        assert set(run.stats[metric]) == {"control", "treatment"}
        for arm, s in run.stats[metric].items():
            assert relative_difference(s, ref[arm]) <= 1e-9, (metric, arm)


def test_pandas_in_a_fresh_process(event_log, catalog):
    run = run_engine("pandas", event_log, catalog, covariates={"revenue": "pre_revenue"})
    assert isinstance(run, EngineRun) and run.engine == "pandas"
    assert run.rows == event_log.n_events
    assert run.seconds > 0 and run.setup_seconds > 0 and run.peak_rss_mb > 50
    assert run.rows_per_second == pytest.approx(run.rows / run.seconds)
    _check_against_duckdb(run, event_log, catalog)
    again = EngineRun.from_json(json.loads(json.dumps(run.to_json())))
    assert again == run
    assert "rows/s" in run.line() and "peak RSS" in run.line()


def test_duckdb_measurement(event_log, catalog):
    spec = run_spec("duckdb", event_log, catalog, {"revenue": "pre_revenue"}, 2, "500MB")
    run = EngineRun.from_json(measure(spec))
    assert run.engine == "duckdb" and run.setup_seconds == 0
    _check_against_duckdb(run, event_log, catalog)


def test_arguments_are_checked_before_any_process_starts(event_log, catalog):
    with pytest.raises(ValueError, match="engine must be one of"):
        run_engine("polars", event_log, catalog)
    with pytest.raises(TypeError, match="log must be an EventLog"):
        run_engine("duckdb", "/tmp", catalog)
    with pytest.raises(TypeError, match="catalog must be a MetricCatalog"):
        run_engine("duckdb", event_log, ["revenue"])
    with pytest.raises(ValueError, match="covariates must map metric names"):
        run_engine("duckdb", event_log, catalog, covariates={"nope": "pre_revenue"})
    with pytest.raises(ValueError, match="cores must be a whole number"):
        run_engine("duckdb", event_log, catalog, cores=0)
    with pytest.raises(TypeError, match="memory_limit must be a string"):
        run_engine("duckdb", event_log, catalog, memory_limit=10)
