"""Metrics defined once compile to the same per-unit table in pandas and DuckDB."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from xplab import abtest
from xplab.abtest import GroupStats
from xplab.warehouse import Metric, MetricCatalog, relative_difference


def _sorted(frame):
    return frame.sort_values("user_id").reset_index(drop=True)


def test_per_unit_tables_agree(event_log, catalog):
    con = duckdb.connect()
    events = event_log.events(con)
    by_duckdb = _sorted(catalog.per_unit(events, first=["day"], units=event_log.users(con)).df())
    by_pandas = _sorted(
        catalog.per_unit(events.df(), first=["day"], units=event_log.users(con).df())
    )
    assert list(by_duckdb.columns) == list(by_pandas.columns)
    assert list(by_duckdb.columns) == [
        "user_id",
        "arm",
        "conversion",
        "revenue",
        "orders",
        "ctr",
        "ctr_denominator",
        "aov",
        "aov_denominator",
        "day",
        "platform",
        "pre_revenue",
    ]
    assert len(by_duckdb) == event_log.n_users
    for col in by_duckdb.columns:
        left, right = by_duckdb[col].to_numpy(), by_pandas[col].to_numpy()
        if left.dtype.kind in "if":
            np.testing.assert_allclose(left.astype(float), right.astype(float), rtol=1e-12)
        else:
            assert (left == right).all(), col


def test_per_unit_values_follow_the_definitions(event_log, catalog):
    events = event_log.events().df()
    per_user = catalog.per_unit(events).set_index("user_id")
    some = per_user.index[:50]
    for user in some:
        mine = events[events["user_id"] == user]
        row = per_user.loc[user]
        orders = mine[mine["event"] == "order"]
        assert row["conversion"] == int(len(orders) > 0)
        assert row["orders"] == len(orders)
        assert row["revenue"] == pytest.approx(orders["revenue"].sum())
        assert row["ctr"] == (mine["event"] == "click").sum()
        assert row["ctr_denominator"] == (mine["event"] == "exposure").sum()


def test_catalog_arm_stats_and_the_tests(event_log, catalog):
    per_user = catalog.per_unit(event_log.events(), units=event_log.users())
    frame = per_user.df()
    ctr = catalog.arm_stats(per_user, "ctr")
    for arm in ("control", "treatment"):
        part = frame[frame["arm"] == arm]
        ref = GroupStats.from_arrays(part["ctr"], denominator=part["ctr_denominator"])
        assert relative_difference(ctr[arm], ref) <= 1e-9
    result = abtest.ratio_test(ctr["control"], ctr["treatment"])
    assert result.estimate > 0  # the log was drawn with CTR +20 %
    revenue = catalog.arm_stats(per_user, "revenue", covariate="pre_revenue")
    assert revenue["control"].has_covariate
    conversion = catalog.arm_stats(per_user, "conversion", by="platform")
    assert len(conversion) == 6 and all(s.binary for s in conversion.values())


def test_sql_and_definitions():
    ctr = Metric("ctr", "ratio", event="click", denominator_event="exposure", unit="visitor")
    catalog = MetricCatalog([ctr], event_column="type", arm="variant")
    text = catalog.sql(dialect="spark", first=["day"], table="logs")
    assert text.startswith("SELECT `visitor`, `variant`, COUNT(CASE WHEN `type` = 'click'")
    assert "MIN(`day`) AS `day`" in text and text.endswith("GROUP BY `visitor`, `variant`")
    assert catalog["ctr"] is ctr and list(catalog) == ["ctr"] and catalog.unit == "visitor"
    assert "<table>" in catalog._repr_html_()


def test_bad_definitions_are_refused():
    with pytest.raises(ValueError, match="kind must be one of"):
        Metric("x", "median", event="order")
    with pytest.raises(ValueError, match="needs denominator_event"):
        Metric("x", "ratio", event="click")
    with pytest.raises(ValueError, match="value does not apply"):
        Metric("x", "proportion", event="order", value="revenue")
    with pytest.raises(ValueError, match="takes no denominator_event"):
        Metric("x", "mean", event="order", denominator_event="exposure")
    a = Metric("a", "mean", event="order")
    with pytest.raises(ValueError, match="unique names"):
        MetricCatalog([a, a])
    with pytest.raises(ValueError, match="one unit of analysis"):
        MetricCatalog([a, Metric("b", "mean", event="order", unit="session_id")])
    with pytest.raises(TypeError, match="metrics must be an iterable"):
        MetricCatalog(a)
    catalog = MetricCatalog([a])
    events = pd.DataFrame({"user_id": [1], "arm": ["c"], "event": ["order"]})
    with pytest.raises(ValueError, match="'b' is not in the catalogue"):
        catalog.per_unit(events, "b")
    with pytest.raises(TypeError, match="units must be a table of the same engine"):
        catalog.per_unit(events, units=duckdb.sql("SELECT 1 AS user_id"))
    with pytest.raises(ValueError, match="column 'event' is not in events"):
        catalog.per_unit(events.drop(columns="event"))
