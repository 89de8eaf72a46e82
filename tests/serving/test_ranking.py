import numpy as np
import pytest

from xplab import serving
from xplab.serving.ranking import _platt


def toy(seed=0, groups=40, size=25):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(groups * size, 3))
    y = (x[:, 0] + 0.5 * rng.normal(size=len(x)) > 1.0).astype(int)
    return x, y, [size] * groups


def test_the_ranker_learns_the_signal_and_is_deterministic():
    x, y, g = toy()
    a = serving.Ranker(n_estimators=30, min_child_samples=5, feature_names=("a", "b", "c")).fit(
        x, y, g
    )
    b = serving.Ranker(n_estimators=30, min_child_samples=5, feature_names=("a", "b", "c")).fit(
        x, y, g
    )
    np.testing.assert_array_equal(a.predict(x), b.predict(x))
    assert np.corrcoef(a.predict(x), x[:, 0])[0, 1] > 0.8
    assert max(a.feature_importance(), key=a.feature_importance().get) == "a"


def test_platt_scaling_matches_logistic_regression():
    # reference: scikit-learn's unpenalised logistic regression on the same scores
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    s = rng.normal(size=2000)
    y = (rng.random(2000) < 1 / (1 + np.exp(-(2 * s - 1)))).astype(float)
    a, b = _platt(s, y)
    ref = LogisticRegression(C=np.inf).fit(s[:, None], y)
    assert a == pytest.approx(ref.coef_[0, 0], rel=1e-4)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-4)


def test_calibrated_probability_keeps_the_order_and_the_rate(ranker, catalogue, generator):
    store = serving.InProcessStore()
    serving.fill_store(store, catalogue)
    _, x = serving.candidate_table(catalogue, generator, store, np.arange(150, 250))
    y, _ = serving.synthetic_labels(x, serving.RANKER_FEATURES, seed=2)
    s = ranker.predict(x)
    ranker.calibrate(s, y)
    p = ranker.predict_proba(x)
    assert np.all(np.diff(p[np.argsort(s)]) >= 0)
    assert abs(p.mean() - y.mean()) < 0.005


def test_save_and_load(tmp_path, ranker, catalogue):
    path = tmp_path / "ranker.txt"
    ranker.save(path)
    back = serving.Ranker.load(path)
    x = np.random.default_rng(0).random((20, 17)).astype(np.float32)
    np.testing.assert_allclose(back.predict(x), ranker.predict(x))
    assert back.calibration_ == pytest.approx(ranker.calibration_)


def test_bad_training_input_is_refused():
    x, y, g = toy()
    r = serving.Ranker(feature_names=("a", "b", "c"))
    with pytest.raises(ValueError, match="groups"):
        r.fit(x, y, [10])
    with pytest.raises(ValueError, match="labels"):
        r.fit(x, y - 1, g)
    with pytest.raises(ValueError, match="not fitted"):
        r.predict(x)
