"""RFM features, scores and the R × F grid, against hand counts and scipy's ranks."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from xplab.segments import RF_GRID, rfm_features, rfm_scores, rfm_segments


def purchases(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    invoices = rng.integers(0, 150, n)
    return pd.DataFrame(
        {
            "customer_id": invoices % 40,  # each invoice belongs to one customer
            "invoice": invoices.astype(str),
            "invoice_date": pd.Timestamp("2011-01-01")
            + pd.to_timedelta(invoices * 2.5 + 0.25, unit="D"),
            "revenue": rng.gamma(2.0, 10.0, n),
        }
    )


@pytest.mark.parametrize("seed", range(3))
def test_features_equal_a_hand_count_before_the_date(seed):
    p = purchases(seed)
    as_of = pd.Timestamp("2011-06-01")
    f = rfm_features(p, as_of=as_of)
    for customer, rows in p[p["invoice_date"] < as_of].groupby("customer_id"):
        got = f.loc[customer]
        last, first = rows["invoice_date"].max(), rows["invoice_date"].min()
        assert got["frequency"] == len(set(rows["invoice"]))
        assert got["monetary"] == pytest.approx(rows["revenue"].sum())
        assert got["recency_days"] == pytest.approx((as_of - last).total_seconds() / 86_400)
        assert got["tenure_days"] == pytest.approx((as_of - first).total_seconds() / 86_400)
    assert set(f.index) == set(p.loc[p["invoice_date"] < as_of, "customer_id"])


def test_a_purchase_at_the_date_itself_is_the_future():
    p = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "invoice": ["a", "b", "c"],
            "invoice_date": pd.to_datetime(["2011-05-01", "2011-06-01", "2011-06-01"]),
            "revenue": [10.0, 1_000.0, 5.0],
        }
    )
    f = rfm_features(p, as_of="2011-06-01")
    assert f.index.tolist() == [1]  # customer 2 is new on 1 June
    assert f.loc[1, "monetary"] == 10.0
    assert f.loc[1, "frequency"] == 1


def test_frequency_counts_orders_not_lines():
    p = pd.DataFrame(
        {
            "customer_id": [1] * 5,
            "invoice": ["a", "a", "a", "b", "b"],
            "invoice_date": pd.to_datetime(["2011-01-01"] * 3 + ["2011-02-01"] * 2),
            "revenue": 1.0,
        }
    )
    assert rfm_features(p, as_of="2011-03-01").loc[1, "frequency"] == 2


def test_no_purchase_before_the_date_is_refused():
    p = purchases(0)
    with pytest.raises(ValueError, match="as_of"):
        rfm_features(p, as_of="2000-01-01")


@pytest.mark.parametrize("bins", [2, 3, 5, 10])
def test_scores_match_scipy_ranks_and_ties_share_a_score(bins):
    rng = np.random.default_rng(bins)
    f = pd.DataFrame(
        {
            "recency_days": rng.integers(0, 30, 500).astype(float),
            "frequency": rng.geometric(0.4, 500),  # many ties at 1
            "monetary": rng.gamma(1.0, 100.0, 500),
        }
    )
    s = rfm_scores(f, bins=bins)
    n = len(f)
    below = stats.rankdata(f["frequency"], method="min") - 1  # strictly smaller
    assert s["F"].tolist() == (1 + np.floor(bins * below / n)).astype(int).tolist()
    above = n - stats.rankdata(f["recency_days"], method="max")  # strictly larger (worse)
    assert s["R"].tolist() == (1 + np.floor(bins * above / n)).astype(int).tolist()
    for col, score in (("frequency", "F"), ("recency_days", "R"), ("monetary", "M")):
        assert (f.groupby(col).apply(lambda g, sc=score: s.loc[g.index, sc].nunique()) == 1).all()
        assert s[score].between(1, bins).all()
    # better values never get lower scores
    order = np.argsort(f["monetary"].to_numpy())
    assert np.all(np.diff(s["M"].to_numpy()[order]) >= 0)


def test_the_grid_names_every_cell_once():
    cells = [(r, f) for r, fs in RF_GRID.values() for r in r for f in fs]
    assert sorted(cells) == sorted((r, f) for r in range(1, 6) for f in range(1, 6))
    assert len(cells) == 25


def test_segments_follow_the_grid():
    s = pd.DataFrame({"R": [5, 5, 4, 3, 1, 2, 1], "F": [5, 1, 1, 3, 5, 3, 1], "M": 1})
    got = rfm_segments(s).tolist()
    assert got == [
        "champions",
        "new",
        "promising",
        "need attention",
        "cannot lose them",
        "at risk",
        "hibernating",
    ]


def test_an_overlapping_or_incomplete_grid_is_refused():
    s = pd.DataFrame({"R": [5, 1], "F": [5, 1], "M": 1})
    with pytest.raises(ValueError, match="both"):
        rfm_segments(s, grid={"a": ((5,), (5,)), "b": ((5, 4), (5,))})
    with pytest.raises(ValueError, match="no segment"):
        rfm_segments(s, grid={"a": ((5,), (5,))})
