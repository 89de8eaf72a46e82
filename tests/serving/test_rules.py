import dataclasses

import numpy as np
import pytest

from xplab import serving


@pytest.fixture(scope="module")
def small():
    """Twelve items in three categories; item 1 out of stock, items 4 and 9 sponsored."""
    d = serving.synthetic_catalogue(12, 3, dim=4, n_categories=3, seed=0)
    fields = {f.name: getattr(d, f.name) for f in dataclasses.fields(d) if f.name != "_user_index"}
    fields["category"] = np.array([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2], dtype=np.int16)
    fields["in_stock"] = np.arange(12) != 1
    fields["sponsored"] = np.isin(np.arange(12), [4, 9])
    fields["price"] = np.linspace(1, 12, 12).astype(np.float32)
    fields["margin"] = np.full(12, 0.2, dtype=np.float32)
    return serving.ServingData(**fields)


ITEMS = np.arange(12)
SCORES = -np.arange(12.0)  # item 0 best


def top(small, *rules, k=6, history=None):
    return serving.RuleSet(list(rules)).bind(small).apply(ITEMS, SCORES, k, history=history)


def test_no_rules_is_the_ranker_order(small):
    assert top(small).items.tolist() == [0, 1, 2, 3, 4, 5]


def test_filters(small):
    assert 1 not in top(small, serving.OutOfStock()).items
    hist = np.array([[0, 1, 3], [2, 1, 9]], dtype=np.float32)
    assert top(small, serving.AlreadyBought(), history=hist).items.tolist() == [1, 3, 4, 5, 6, 7]
    assert top(small, serving.PriceFloor(4.0)).items.tolist() == [3, 4, 5, 6, 7, 8]
    # margin per unit = price × 0.2 ≥ 1.5 needs price ≥ 7.5
    assert top(small, serving.MarginFloor(1.5)).items.tolist() == [7, 8, 9, 10, 11]


def test_category_cap(small):
    got = top(small, serving.CategoryCap(2))
    assert got.items.tolist() == [0, 1, 4, 5, 8, 9]


def test_sponsored_slot_is_filled_with_the_best_sponsored_candidate_and_capped(small):
    got = top(small, serving.SponsoredSlots(slots=(2,), cap=1))
    assert got.items.tolist() == [0, 4, 1, 2, 3, 5]
    assert got.sponsored.tolist() == [False, True, False, False, False, False]
    # cap 1: sponsored item 9 may not appear organically either
    assert 9 not in top(small, serving.SponsoredSlots(slots=(2,), cap=1), k=12).items


def test_rules_combine(small):
    got = top(
        small,
        serving.OutOfStock(),
        serving.CategoryCap(2),
        serving.SponsoredSlots(slots=(1,), cap=1),
    )
    assert got.items[0] == 4 and 1 not in got.items
    assert np.bincount(small.category[got.items]).max() <= 2


def test_objective_scores_trade_probability_for_price():
    p, price = np.array([0.3, 0.2, 0.1]), np.array([1.0, 2.0, 10.0])
    assert np.argmax(serving.objective_scores(p, price, weight=0.0)) == 0
    assert np.argmax(serving.objective_scores(p, price, weight=1.0)) == 2
    np.testing.assert_allclose(np.exp(serving.objective_scores(p, price, weight=1.0)), p * price)
    with pytest.raises(ValueError, match="weight"):
        serving.objective_scores(p, price, weight=2.0)


def test_rule_set_refuses_non_rules():
    with pytest.raises(ValueError, match="rules must hold rules"):
        serving.RuleSet(["OutOfStock"])
    with pytest.raises(ValueError, match="cap"):
        serving.CategoryCap(0)
