import numpy as np
import pytest

from xplab import serving
from xplab.serving import catalogue


def test_synthetic_catalogue_shapes_and_structure(catalogue):
    d = catalogue
    assert (d.n_items, d.n_users, d.dim) == (3_000, 400, 16)
    assert d.item_vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(d.item_vectors, axis=1), 1, rtol=1e-5)
    assert d.user_features.shape == (400, len(serving.USER_FEATURES) + 6)
    # category shares of each user sum to one
    np.testing.assert_allclose(
        d.user_features[:, len(serving.USER_FEATURES) :].sum(1), 1, rtol=1e-5
    )
    h = d.history_of(7)
    assert h.shape == (12, 3) and np.all(np.diff(h[:, 2]) >= 0)  # most recent first
    assert d.neighbours[:, 0].max() < d.n_items
    assert np.all(np.diff(d.popular[:, 1]) <= 0)


def test_synthetic_items_cluster_and_users_sit_near_their_items(catalogue):
    d = catalogue
    # a user's own history items score higher than random items, on average
    own = np.mean(
        [d.item_vectors[d.history_of(u)[:, 0].astype(int)] @ d.user_vectors[u] for u in range(50)]
    )
    rnd = np.mean(d.item_vectors[:500] @ d.user_vectors[:50].T)
    assert own > rnd + 0.2


def test_synthetic_catalogue_is_seeded():
    a = serving.synthetic_catalogue(500, 50, dim=8, seed=3)
    b = serving.synthetic_catalogue(500, 50, dim=8, seed=3)
    c = serving.synthetic_catalogue(500, 50, dim=8, seed=4)
    np.testing.assert_array_equal(a.item_vectors, b.item_vectors)
    np.testing.assert_array_equal(a.history, b.history)
    assert not np.array_equal(a.item_vectors, c.item_vectors)


def test_simulated_stock_is_stable_across_subsets_and_near_its_rates():
    ids = [f"item{i}" for i in range(20_000)]
    stock, margin, paid = serving.simulate_stock_and_margin(ids, seed=0)
    sub_stock, sub_margin, _ = serving.simulate_stock_and_margin(ids[5000:5100], seed=0)
    np.testing.assert_array_equal(stock[5000:5100], sub_stock)
    np.testing.assert_array_equal(margin[5000:5100], sub_margin)
    assert abs((~stock).mean() - catalogue.OUT_OF_STOCK_RATE) < 0.01
    assert abs(paid.mean() - catalogue.SPONSORED_RATE) < 0.005
    assert catalogue.MARGIN_RANGE[0] <= margin.min() and margin.max() <= catalogue.MARGIN_RANGE[1]
    other, _, _ = serving.simulate_stock_and_margin(ids, seed=1)
    assert not np.array_equal(stock, other)


def test_synthetic_labels_follow_the_stated_model():
    names = serving.RANKER_FEATURES
    x = np.zeros((20_000, len(names)))
    x[:, names.index("item_price")] = 1.0
    x[:, names.index("als_score")] = 0.5
    bought, p = serving.synthetic_labels(x, names, seed=0)
    expected = 1 / (1 + np.exp(-(-5.0 + 6.0 * 0.5)))
    np.testing.assert_allclose(p, expected)
    assert abs(bought.mean() - expected) < 0.01


def test_user_row_and_repr(catalogue):
    assert catalogue.user_row(5) == 5 and catalogue.user_row(10**9) == -1
    assert "3,000 items" in repr(catalogue)


def test_serving_data_refuses_inconsistent_arrays(catalogue):
    import dataclasses

    fields = {
        f.name: getattr(catalogue, f.name)
        for f in dataclasses.fields(catalogue)
        if f.init and f.name != "_user_index"
    }
    with pytest.raises(ValueError, match="item_vectors must be float32"):
        serving.ServingData(**{**fields, "item_vectors": catalogue.item_vectors[:-1]})
    with pytest.raises(ValueError, match="history_indptr"):
        serving.ServingData(**{**fields, "history_indptr": catalogue.history_indptr[:-1]})
    with pytest.raises(ValueError, match="category must hold numbers"):
        serving.ServingData(**{**fields, "category": catalogue.category + 10})
