import numpy as np
import pandas as pd
import pytest

from xplab import recs, serving


@pytest.fixture
def lists_and_truth():
    rng = np.random.default_rng(0)
    users = np.repeat(np.arange(50), 10)
    lists = pd.DataFrame(
        {
            "user_id": users,
            "item_id": rng.integers(0, 40, 500),
            "rank": np.tile(np.arange(1, 11), 50),
        }
    )
    lists = lists.drop_duplicates(["user_id", "item_id"])
    truth = pd.DataFrame(
        {"customer_id": rng.integers(0, 50, 400), "stock_code": rng.integers(0, 40, 400)}
    )
    truth = truth.drop_duplicates().assign(spend=lambda t: rng.uniform(1, 50, len(t)))
    return lists, truth


def test_per_user_ndcg_and_precision_match_xplab_recs(lists_and_truth):
    lists, truth = lists_and_truth
    m = serving.list_metrics(lists, truth, k=10)
    test = truth.rename(columns={"customer_id": "user_id", "stock_code": "item_id"})
    assert m["ndcg"].mean() == pytest.approx(recs.ndcg_at_k(test, lists, k=10))
    assert m["precision"].mean() == pytest.approx(recs.precision_at_k(test, lists, k=10))


def test_revenue_is_the_spend_on_listed_items(lists_and_truth):
    lists, truth = lists_and_truth
    m = serving.list_metrics(lists, truth, k=10)
    hits = lists.merge(
        truth, left_on=["user_id", "item_id"], right_on=["customer_id", "stock_code"]
    )
    assert m["revenue"].sum() == pytest.approx(hits["spend"].sum())


def test_bootstrap_interval_covers_the_mean_at_its_rate():
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(200):
        x = rng.exponential(size=200)
        low, high = serving.bootstrap_interval(x, n_boot=500, seed=rng)
        covered += low < 1.0 < high
    assert 0.88 < covered / 200 < 0.99


def test_compare_lists_of_identical_lists_is_zero(lists_and_truth):
    lists, truth = lists_and_truth
    c = serving.compare_lists(lists, lists, truth, names=("x", "y"))
    assert np.allclose(c.table[["difference", "low", "high"]], 0)
    assert "x → y" in repr(c)


def test_candidate_recall_counts_every_purchase():
    cands = pd.DataFrame(
        {
            "user_id": [1, 1, 2],
            "item_id": [5, 6, 5],
            "from_a": [True, False, False],
            "from_b": [False, True, True],
        }
    )
    truth = pd.DataFrame({"customer_id": [1, 2, 2, 3], "stock_code": [5, 5, 9, 1]})
    assert serving.candidate_recall(cands, truth).to_dict() == {"a": 0.25, "b": 0.25, "merged": 0.5}


def test_rule_costs_and_audit_on_the_synthetic_catalogue(catalogue, generator, ranker):
    store = serving.InProcessStore()
    serving.fill_store(store, catalogue)
    frame, x = serving.candidate_table(catalogue, generator, store, np.arange(200, 260))
    frame["score"] = ranker.predict(x)
    bought, _ = serving.synthetic_labels(x, serving.RANKER_FEATURES, seed=5)
    truth = frame[bought == 1][["user_id", "item_id"]].rename(
        columns={"user_id": "customer_id", "item_id": "stock_code"}
    )
    truth["spend"] = catalogue.price[frame.loc[bought == 1, "item"].to_numpy()]
    stock = serving.RuleSet([serving.OutOfStock()])
    costs = serving.rule_costs(frame, truth, catalogue, {"stock": stock})
    assert costs.loc["no rules", "precision change"] == 0
    assert costs.loc["stock", "precision"] <= costs.loc["no rules", "precision"] + 1e-12
    loose = serving.RuleRequirements(max_per_category=None, sponsored=None, max_revenue_loss=None)
    assert serving.audit_rules(stock, frame, truth, catalogue, loose) is None
    assert "out of stock" in serving.audit_rules(serving.RuleSet(), frame, truth, catalogue, loose)
    capped = serving.RuleRequirements(max_per_category=4, sponsored=None, max_revenue_loss=None)
    assert "CategoryCap" in serving.audit_rules(stock, frame, truth, catalogue, capped)
    fixed = serving.RuleSet([serving.OutOfStock(), serving.CategoryCap(4)])
    assert serving.audit_rules(fixed, frame, truth, catalogue, capped) is None
    assert "RuleSet" in serving.audit_rules(["OutOfStock"], frame, truth, catalogue, capped)
