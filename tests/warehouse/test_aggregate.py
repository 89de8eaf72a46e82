"""One aggregate definition: its SQL text, and pandas and DuckDB computing the same thing."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from xplab.abtest import GroupStats
from xplab.warehouse import Agg, aggregate, fetch_rows, quote, select_list

EVENTS = pd.DataFrame(
    {
        "user_id": [1, 1, 1, 2, 2, 3, 3, 3, 3],
        "event": ["view", "click", "order", "view", "view", "view", "click", "click", "order"],
        "revenue": [0.0, 0.0, 25.5, 0.0, 0.0, 0.0, 0.0, 0.0, 10.0],
        "x": [1.0, 2.0, 4.0, 3.0, 5.0, 2.0, 2.5, 1.0, 7.0],
        "flag": [True, False, True, True, True, False, False, True, True],
    }
)
ALL_OPS = {
    "n": Agg.count(),
    "clicks": Agg.count(where=("event", "click")),
    "revenue": Agg.sum("revenue", where=("event", "order")),
    "x_sum": Agg.sum("x"),
    "x_mean": Agg.mean("x"),
    "x_min": Agg.min("x"),
    "last_order_x": Agg.max("x", where=("event", "order")),
    "x_m2": Agg.m2("x"),
    "x_rev": Agg.comoment("x", "revenue"),
    "events": Agg.count_distinct("event"),
    "flag_binary": Agg.binary("flag"),
    "x_binary": Agg.binary("x"),
    "bought": Agg.any(where=("event", "order")),
}


def test_sql_text_is_written_once_and_quoted_per_dialect():
    agg = Agg.sum("revenue", where=("event", "order"))
    duck, spark = agg.sql("duckdb"), agg.sql("spark")
    assert duck == spark.replace("`", '"')
    assert "VAR_POP" in Agg.m2("y").sql("duckdb")
    assert "COVAR_POP" in Agg.comoment("y", "x").sql("spark")
    # never the raw sum of squares
    assert "SUM(" not in Agg.m2("y").sql("duckdb")
    assert quote('a"b', "duckdb") == '"a""b"'
    assert quote("a`b", "spark") == "`a``b`"
    select, group = select_list(["arm", "day"], {"n": Agg.count()}, "spark")
    assert select == "`arm`, `day`, COUNT(*) AS `n`" and group == "`arm`, `day`"


def test_pandas_and_duckdb_agree_on_every_op():
    by_pandas = fetch_rows(aggregate(EVENTS, "user_id", ALL_OPS))
    rel = duckdb.sql("SELECT * FROM EVENTS")
    by_duckdb = sorted(fetch_rows(aggregate(rel, "user_id", ALL_OPS)), key=lambda r: r["user_id"])
    assert [r["user_id"] for r in by_pandas] == [1, 2, 3]
    for p, d in zip(by_pandas, by_duckdb, strict=True):
        assert p.keys() == d.keys()
        for k in p:
            if p[k] is None or d[k] is None:
                assert p[k] is None and d[k] is None, k
            else:
                assert p[k] == pytest.approx(d[k], rel=1e-12, abs=1e-12), k
    user1 = by_pandas[0]
    assert (user1["n"], user1["clicks"], user1["revenue"], user1["bought"]) == (3, 1, 25.5, 1)
    assert by_pandas[1]["last_order_x"] is None  # user 2 never ordered
    assert by_pandas[1]["bought"] == 0 and by_pandas[1]["revenue"] == 0
    x1 = np.array([1.0, 2.0, 4.0])
    assert user1["x_m2"] == pytest.approx(GroupStats.from_arrays(x1).m2, rel=1e-14)
    assert (user1["flag_binary"], user1["x_binary"]) == (1, 0)


def test_no_keys_gives_one_row():
    rows = fetch_rows(aggregate(EVENTS, [], {"n": Agg.count(), "m": Agg.mean("x")}))
    assert rows == [{"n": 9, "m": pytest.approx(EVENTS["x"].mean())}]
    rel = duckdb.sql("SELECT * FROM EVENTS")
    assert fetch_rows(aggregate(rel, [], {"n": Agg.count()})) == [{"n": 9}]


@pytest.mark.parametrize("engine", ["pandas", "duckdb"])
def test_centred_sums_keep_their_digits_when_the_mean_is_huge(engine):
    # a mean 10⁶ standard deviations from 0: Σy² − n·ȳ² keeps about 4 digits of the spread
    rng = np.random.default_rng(0)
    y = 1e6 + rng.normal(0, 1, 20_000)
    frame = pd.DataFrame({"g": 0, "y": y})
    source = frame if engine == "pandas" else duckdb.sql("SELECT * FROM frame")
    (row,) = fetch_rows(aggregate(source, "g", {"m2": Agg.m2("y"), "mean": Agg.mean("y")}))
    ref = GroupStats.from_arrays(y)
    assert row["m2"] == pytest.approx(ref.m2, rel=1e-9)
    naive = float(np.sum(y * y) - y.size * np.mean(y) ** 2)
    assert abs(naive - ref.m2) > 1e-5 * ref.m2  # the shortcut misses 1e-9 by far


def test_bad_definitions_are_refused_naming_what_is_wrong():
    with pytest.raises(ValueError, match="op must be one of"):
        Agg("median", "x")
    with pytest.raises(ValueError, match="quotes"):
        Agg.count(where=("event", "it's"))
    with pytest.raises(ValueError, match="where applies"):
        Agg("mean", "x", where=("event", "order"))
    with pytest.raises(TypeError, match="aggregates"):
        aggregate(EVENTS, "user_id", [Agg.count()])
    with pytest.raises(ValueError, match="also a key"):
        aggregate(EVENTS, "user_id", {"user_id": Agg.count()})
    with pytest.raises(ValueError, match="'nope' is not in source"):
        aggregate(EVENTS, "user_id", {"s": Agg.sum("nope")})
    with pytest.raises(TypeError, match="source must be a pandas DataFrame, a DuckDB"):
        aggregate(EVENTS.to_dict(), "user_id", {"n": Agg.count()})
