"""Fixtures shared by the warehouse tests: one small simulated event log, and one
Spark session for the whole test run (a JVM takes 10-15 s to start)."""

import pytest

from xplab.data import simulate_event_log
from xplab.warehouse import Metric, MetricCatalog, spark_session


@pytest.fixture(scope="session")
def event_log(tmp_path_factory):
    """2,000 users, about 19,000 events, with effects on all three factors."""
    return simulate_event_log(
        tmp_path_factory.mktemp("eventlog"),
        2_000,
        days=4,
        ctr_effect=0.2,
        conversion_effect=-0.1,
        aov_effect=-0.1,
        seed=11,
    )


@pytest.fixture(scope="session")
def catalog():
    return MetricCatalog(
        [
            Metric("conversion", "proportion", event="order"),
            Metric("revenue", "mean", event="order", value="revenue"),
            Metric("orders", "mean", event="order"),
            Metric("ctr", "ratio", event="click", denominator_event="exposure"),
            Metric("aov", "ratio", event="order", value="revenue", denominator_event="order"),
        ]
    )


@pytest.fixture(scope="session")
def spark():
    """The one Spark session of the test run (local[2], loopback only); skipped,
    with the reason, where no JVM can start."""
    try:
        session = spark_session(cores=2, driver_memory="1g", app_name="xplab-tests")
    except Exception as exc:  # no runtime at all, or a JVM that cannot start here
        pytest.skip(f"Spark could not start: {type(exc).__name__}: {exc}")
    yield session
    session.stop()
