"""segments.rfm_sql: the same features as rfm_features, from one SQL text."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from xplab.segments import rfm_features, rfm_sql


def shop(seed=3, n=400):
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2011-01-01")
    times = start + pd.to_timedelta(rng.integers(0, 300 * 24 * 3600, n), unit="s")
    invoices = rng.integers(0, 120, n)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i % 37}" for i in invoices],  # an invoice has one customer
            "invoice": invoices.astype(str),
            "invoice_date": times,
            "revenue": rng.gamma(2.0, 15.0, n).round(2),
        }
    )


@pytest.mark.parametrize("as_of", ["2011-06-01", "2011-09-01 12:30"])
def test_duckdb_runs_the_query_to_rfm_features(as_of):
    p = shop()
    con = duckdb.connect()
    con.register("purchases", p)
    con.execute(
        "CREATE VIEW lines AS "
        "SELECT customer_id, invoice, epoch(invoice_date) AS t, revenue FROM purchases"
    )
    got = con.sql(rfm_sql("lines", as_of=as_of)).df().set_index("customer_id").sort_index()
    want = rfm_features(p, as_of=as_of)
    assert got.index.equals(want.index)
    for col in want:
        np.testing.assert_allclose(got[col], want[col], rtol=1e-12, atol=1e-9, err_msg=col)


def test_a_purchase_at_as_of_does_not_count_and_time_zones_are_utc():
    con = duckdb.connect()
    p = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "invoice": ["1", "2", "3"],
            "t": [0.0, 86_400.0, 86_400.0],  # 1 and 2 January 1970, UTC
            "revenue": [1.0, 2.0, 3.0],
        }
    )
    con.register("p", p)
    rows = con.sql(rfm_sql("p", as_of="1970-01-02")).fetchall()
    assert rows == [("a", 1.0, 1, 1.0, 1.0)]
    aware = rfm_sql("p", as_of=pd.Timestamp("1970-01-02 01:00", tz="Europe/London"))
    assert aware == rfm_sql("p", as_of="1970-01-02")  # London was UTC+1 in 1970


def test_names_must_be_plain_sql_names():
    with pytest.raises(ValueError, match="table"):
        rfm_sql("lines; DROP TABLE lines", as_of="2011-01-01")
    with pytest.raises(ValueError, match="four columns"):
        rfm_sql("lines", as_of="2011-01-01", time="invoice")
