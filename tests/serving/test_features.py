import numpy as np

from xplab import serving
from xplab.serving import RANKER_FEATURES


def test_ranker_features_column_by_column(catalogue, generator):
    store = serving.InProcessStore()
    serving.fill_store(store, catalogue)
    n_uf = len(serving.USER_FEATURES) + len(catalogue.category_names)
    user = serving.fetch_user(store, 21, dim=catalogue.dim, n_user_features=n_uf)
    c = generator.generate(user)
    x = serving.ranker_features(user, c, store.read("item", c.items))
    col = {name: x[:, i] for i, name in enumerate(RANKER_FEATURES)}
    assert x.shape == (len(c), 17) and x.dtype == np.float32
    np.testing.assert_array_equal(col["user_orders"], catalogue.user_features[21, 0])
    np.testing.assert_array_equal(col["item_price"], catalogue.price[c.items])
    np.testing.assert_allclose(
        col["als_score"], catalogue.item_vectors[c.items] @ catalogue.user_vectors[21], rtol=1e-5
    )
    np.testing.assert_array_equal(col["n_sources"], c.retrieved.sum(1))
    hist = {int(i): (t, d) for i, t, d in catalogue.history_of(21)}
    for j, item in enumerate(c.items):
        if int(item) in hist:
            t, d = hist[int(item)]
            assert col["times_bought"][j] == t and col["days_since_bought"][j] == d
        else:
            assert col["times_bought"][j] == 0 and np.isnan(col["days_since_bought"][j])
    shares = catalogue.user_features[21, len(serving.USER_FEATURES) :]
    np.testing.assert_allclose(col["category_share"], shares[catalogue.category[c.items]])
    np.testing.assert_allclose(
        col["price_ratio"], catalogue.price[c.items] / catalogue.user_features[21, 4], rtol=1e-6
    )


def test_unknown_user_reads_nothing_and_gets_missing_features(catalogue):
    store = serving.InProcessStore()  # empty: a read would fail
    user = serving.fetch_user(store, -1, dim=16, n_user_features=11)
    assert not user.known and np.isnan(user.features).all() and len(user.history) == 0
