"""The simulated event log: written by DuckDB, reproducible, and true to its model."""

import duckdb
import pytest

from xplab import abtest
from xplab.data import simulate_event_log
from xplab.warehouse import Metric, MetricCatalog


def _fingerprint(log):
    return (
        log.events()
        .aggregate(
            "count(*), sum(user_id), sum(hash(user_id, event, ts)), sum(round(revenue * 100)::BIGINT)",
            "",
        )
        .fetchall()
    )


def test_same_seed_same_log_other_seed_other_log(tmp_path):
    a = simulate_event_log(tmp_path / "a", 3_000, seed=5)
    b = simulate_event_log(tmp_path / "b", 3_000, seed=5)
    c = simulate_event_log(tmp_path / "c", 3_000, seed=6)
    assert _fingerprint(a) == _fingerprint(b) != _fingerprint(c)
    assert a.users().order("user_id").fetchall() == b.users().order("user_id").fetchall()
    # one user's events do not depend on how many users there are
    small = simulate_event_log(tmp_path / "d", 1_000, seed=5)
    first = "SELECT * FROM ev WHERE user_id <= 1000 ORDER BY user_id, ts, event"
    ev = a.events()
    big_rows = duckdb.sql(first).fetchall()
    ev = small.events()  # noqa: F841
    assert duckdb.sql(first).fetchall() == big_rows


def test_layout_and_model(tmp_path):
    log = simulate_event_log(tmp_path, 20_000, days=5, seed=1)
    assert sorted(p.name for p in (tmp_path / "events").iterdir()) == [f"day={d}" for d in range(6)]
    events = log.events()
    assert events.columns == ["user_id", "arm", "event", "ts", "revenue", "day"]
    counts = dict(events.aggregate("event, count(*)", "event").fetchall())
    assert sum(counts.values()) == log.n_events
    assert log.n_events / log.n_users == pytest.approx(9.5, rel=0.05)
    assert counts["click"] / counts["exposure"] == pytest.approx(0.05, rel=0.05)
    # users who browse more (habit z) also buy more: clicks over-represent them, and orders per
    # click come out at about 0.10 · E[exp(0.3z + 0.5z)] / E[exp(0.5z)] ≈ 0.10 · exp(0.15)
    assert counts["order"] / counts["click"] == pytest.approx(0.1162, rel=0.06)
    (mean_order, nulls) = events.aggregate(
        "avg(revenue) FILTER (event = 'order'), count(revenue) FILTER (event <> 'order')", ""
    ).fetchall()[0]
    assert mean_order == pytest.approx(40.0, rel=0.05) and nulls == 0
    users = log.users()
    assert users.aggregate("count(*), count(DISTINCT user_id)", "").fetchall() == [(20_000, 20_000)]
    # each user's day of first exposure is their entry day; events end 24 h after the last entry
    first_seen = events.aggregate("user_id, min(ts) AS t0, max(ts) AS t1", "user_id")
    assert first_seen.aggregate("max(t1 - t0) < INTERVAL 25 HOUR", "").fetchall() == [(True,)]
    assert log.truth == {
        "ctr_effect": 0.0,
        "conversion_effect": 0.0,
        "aov_effect": 0.0,
        "revenue_per_user_effect": 0.0,
    }


def test_effects_show_up_where_they_were_put(tmp_path):
    log = simulate_event_log(
        tmp_path, 40_000, ctr_effect=0.3, aov_effect=-0.3, treatment_share=0.3, seed=2
    )
    catalog = MetricCatalog(
        [
            Metric("ctr", "ratio", event="click", denominator_event="exposure"),
            Metric("aov", "ratio", event="order", value="revenue", denominator_event="order"),
        ]
    )
    per_user = catalog.per_unit(log.events())
    ctr = catalog.arm_stats(per_user, "ctr")
    assert ctr["treatment"].n / (ctr["control"].n + ctr["treatment"].n) == pytest.approx(
        0.3, abs=0.01
    )
    lift = abtest.ratio_test(ctr["control"], ctr["treatment"]).relative_lift
    assert lift == pytest.approx(0.3, abs=0.06)
    buyers = per_user.filter("aov_denominator > 0")
    aov = catalog.arm_stats(buyers, "aov")
    assert abtest.ratio_test(aov["control"], aov["treatment"]).relative_lift == pytest.approx(
        -0.3, abs=0.06
    )
    assert log.truth["revenue_per_user_effect"] == pytest.approx(1.3 * 0.7 - 1)


def test_refuses_to_overwrite_by_accident(tmp_path):
    simulate_event_log(tmp_path, 10, seed=1)
    with pytest.raises(ValueError, match="already holds an event log"):
        simulate_event_log(tmp_path, 10, seed=1)
    again = simulate_event_log(tmp_path, 20, seed=1, overwrite=True)
    assert again.n_users == 20
    with pytest.raises(ValueError, match="impressions_per_user must be > 1"):
        simulate_event_log(tmp_path, 10, impressions_per_user=1.0, overwrite=True)
    with pytest.raises(ValueError, match="start must be a date"):
        simulate_event_log(tmp_path, 10, start="March", overwrite=True)
