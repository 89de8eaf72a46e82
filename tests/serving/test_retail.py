"""The Online Retail pipeline: its parts on a tiny generated log, and the whole
experiment on the real data (when $XPLAB_DATA_DIR is set), including that the
cache notebook 08 loads is exactly what a fresh build makes."""

import os

import numpy as np
import pandas as pd
import pytest

from xplab import serving
from xplab.data import categorise_products
from xplab.serving import retail

NOW = "2011-02-01"


@pytest.fixture
def categories(purchases):
    return categorise_products(purchases)


def test_categories_of_the_fixture(categories):
    assert categories["category"].to_dict() == {
        "A": "bags",
        "B": "candles & lights",
        "C": "tableware",
        "D": "toys & games",
    }


def test_customer_features_count_only_the_past(purchases, categories):
    f = serving.customer_features(purchases, now=NOW, categories=categories)
    assert list(f.index) == [1, 2, 3]
    row = f.loc[1]
    assert (row["orders"], row["products"], row["spend"]) == (2, 2, 2 * 1.5 + 4.0 + 4 * 1.5)
    assert row["days_since_last"] == 12  # 2011-01-20 → 2011-02-01
    assert row["share: bags"] == pytest.approx(2 / 3)
    np.testing.assert_allclose(f.filter(like="share:").sum(axis=1), 1.0)


def test_product_features(purchases, categories):
    f = serving.product_features(purchases, now=NOW, categories=categories, recent_days=14)
    assert f.loc["A", "buyers"] == 2 and f.loc["A", "recent_buyers"] == 1  # customer 1 on 01-20
    assert f.loc["C", "price"] == 0.5 and f.loc["B", "category"] == "candles & lights"
    assert "D" not in f.index  # first sold after now


def test_history_is_most_recent_first(purchases):
    h = serving.purchase_history(purchases, now=NOW)
    one = h[h["customer_id"] == 1]
    assert one["stock_code"].tolist() == ["A", "B"] and one["times_bought"].tolist() == [2, 1]
    assert one["days_since"].tolist() == [12, 29]


def test_copurchase_strength_is_the_basket_cosine(purchases):
    items = pd.Index(["A", "B", "C"])
    indptr, rows = serving.copurchase_neighbours(
        purchases[purchases["invoice_date"] < NOW], items=items
    )
    neighbours = {
        items[i]: {items[int(j)]: s for j, s in rows[indptr[i] : indptr[i + 1]]} for i in range(3)
    }
    # baskets: 1 {A,B}, 2 {A}, 3 {A,C}, 4 {B,C}; A in 3, B in 2, C in 2
    assert neighbours["A"]["B"] == pytest.approx(1 / np.sqrt(3 * 2))
    assert neighbours["B"]["C"] == pytest.approx(1 / 2)
    assert "A" not in neighbours["A"]


def test_next_period_spend_nets_returns(purchases):
    returns = pd.DataFrame(
        {
            "stock_code": ["A", "B"],
            "invoice_date": pd.to_datetime(["2011-02-11", "2011-02-13"]),
            "customer_id": [1, 2],
            "quantity": [-3, -1],
            "unit_price": [1.5, 4.0],
        }
    )
    spend = serving.next_period_spend(purchases, returns, start=NOW)
    # customer 1 bought 3 A and returned them: nothing; customer 2 kept D and returned B
    assert spend.to_dict("records") == [{"customer_id": 2, "stock_code": "D", "spend": 9.0}]


def test_serving_data_from_a_tiny_log(purchases, categories):
    d = serving.retail_serving_data(
        purchases, now=NOW, categories=categories, als={"factors": 2, "iterations": 3}
    )
    assert list(d.user_ids) == [1, 2, 3] and list(d.item_ids) == ["A", "B", "C"]
    assert d.history_of(0)[:, 0].tolist() == [0.0, 1.0]
    assert d.category_names == ("bags", "candles & lights", "tableware", "toys & games")
    assert d.popular[0, 0] == 0  # A: one recent buyer in the last 14 days, most buyers


real = pytest.mark.skipif(not os.environ.get("XPLAB_DATA_DIR"), reason="XPLAB_DATA_DIR is not set")


@pytest.fixture(scope="module")
def experiment():
    return serving.load_retail_experiment()


@real
@pytest.mark.data
def test_the_cache_is_what_a_fresh_build_makes(experiment):
    from xplab.data import clean_online_retail, load_online_retail

    clean = clean_online_retail(load_online_retail(download=False))
    fresh = serving.build_retail_experiment(clean.purchases, clean.returns)
    pd.testing.assert_frame_equal(fresh.candidates, experiment.candidates)
    pd.testing.assert_frame_equal(fresh.truth, experiment.truth)
    assert fresh.training == experiment.training and fresh.params == experiment.params
    pd.testing.assert_frame_equal(fresh.products, experiment.products)
    np.testing.assert_array_equal(fresh.test_data.item_vectors, experiment.test_data.item_vectors)


@real
@pytest.mark.data
def test_the_ranker_beats_retrieval_order_on_the_later_period(experiment):
    c, truth = experiment.candidates, experiment.truth
    comparison = serving.compare_lists(
        serving.top_k_lists(c, "als_score"), serving.top_k_lists(c, "score"), truth, n_boot=500
    )
    assert (comparison.table.loc[["ndcg", "revenue"], "low"] > 0).all()
    recall = serving.candidate_recall(c, truth)
    assert recall["merged"] > max(recall.drop("merged"))


def test_the_cache_is_written_once_then_read(tmp_path, monkeypatch, catalogue, ranker):
    import xplab.data

    built = []
    tiny = retail.RetailExperiment(
        train_data=catalogue,
        test_data=catalogue,
        ranker=ranker,
        candidates=pd.DataFrame({"user": [0]}),
        truth=pd.DataFrame({"customer_id": [0]}),
        products=pd.DataFrame({"category": ["x"]}),
        training={"rows": 1, "users": 1},
        params=retail._params(),
    )
    monkeypatch.setattr(xplab.data, "load_online_retail", lambda data_dir=None: "lines")
    monkeypatch.setattr(
        xplab.data,
        "clean_online_retail",
        lambda lines: type("C", (), {"purchases": 1, "returns": 2}),
    )
    monkeypatch.setattr(
        retail, "build_retail_experiment", lambda p, r: built.append((p, r)) or tiny
    )
    first = serving.load_retail_experiment(cache_dir=tmp_path)
    second = serving.load_retail_experiment(cache_dir=tmp_path)
    assert built == [(1, 2)] and first.training == second.training == tiny.training
    path = serving.retail_cache_path(tmp_path)
    assert path.parent == tmp_path and path.name.startswith("retail-experiment-")
    path.write_bytes(b"not a pickle")  # a damaged cache is rebuilt, not trusted
    serving.load_retail_experiment(cache_dir=tmp_path)
    assert len(built) == 2
