"""TreeSHAP against exact Shapley values computed here by brute force.

The reference: for a LightGBM model with M = 4 features, the path-dependent
value function v(S) = E[f(x) | x_S] is evaluated on the trees themselves (at
a split on a feature in S follow x; otherwise average both children
weighted by their training counts), and φ_i = Σ_S |S|!(M−|S|−1)!/M!
(v(S ∪ {i}) − v(S)) over all 2^(M−1) subsets. This is the definition TreeSHAP
computes in polynomial time (Lundberg et al. 2020, Algorithm 1)."""

import itertools
import math

import numpy as np
import pytest

from xplab import serving
from xplab.serving.explain import explain_item, explain_recommendation, shap_values


def _value(node, x, subset):
    if "leaf_value" in node:
        return node["leaf_value"]
    j = node["split_feature"]
    left, right = node["left_child"], node["right_child"]
    if j in subset:
        return _value(left if x[j] <= node["threshold"] else right, x, subset)
    n = lambda c: c.get("internal_count", c.get("leaf_count"))  # noqa: E731
    return (n(left) * _value(left, x, subset) + n(right) * _value(right, x, subset)) / (
        n(left) + n(right)
    )


def brute_force_shapley(booster, x):
    trees = [t["tree_structure"] for t in booster.dump_model()["tree_info"]]
    m = len(x)

    def v(subset):
        return sum(_value(t, x, set(subset)) for t in trees)

    phi = np.zeros(m)
    for i in range(m):
        others = [j for j in range(m) if j != i]
        for size in range(m):
            for s in itertools.combinations(others, size):
                w = math.factorial(size) * math.factorial(m - size - 1) / math.factorial(m)
                phi[i] += w * (v((*s, i)) - v(s))
    return phi, v(())


@pytest.fixture(scope="module")
def small_ranker():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(600, 4))
    y = ((x[:, 0] + x[:, 1] * x[:, 2] + 0.3 * rng.normal(size=600)) > 0.8).astype(int)
    r = serving.Ranker(
        n_estimators=8, num_leaves=6, min_child_samples=10, feature_names=tuple("abcd")
    )
    return r.fit(x, y, [30] * 20), x


def test_treeshap_equals_exact_shapley_values(small_ranker):
    ranker, x = small_ranker
    values, base = shap_values(ranker, x[:5])
    for row, got in zip(x[:5], values, strict=True):
        phi, expected_base = brute_force_shapley(ranker.booster_, row)
        np.testing.assert_allclose(got, phi, atol=1e-9)
        assert base == pytest.approx(expected_base)


def test_contributions_add_up_to_the_score(small_ranker):
    ranker, x = small_ranker
    e = explain_item(ranker, x[3:4], user_id=1, item_id="z")
    assert e.base + e.contributions["contribution"].sum() == pytest.approx(e.score)
    assert list(e.contributions["contribution"].abs()) == sorted(
        e.contributions["contribution"].abs(), reverse=True
    )


def test_explaining_a_served_recommendation(catalogue, generator, ranker):
    store = serving.InProcessStore()
    serving.fill_store(store, catalogue)
    svc = serving.RecommendationService(catalogue, store, generator, ranker)
    rec = svc.recommend(12, k=3)
    e = explain_recommendation(svc, 12, rec.items[0])
    assert e.score == pytest.approx(rec.scores[0], abs=1e-5)
    assert all(isinstance(r, str) for r in e.reasons) and "Explanation(" in repr(e)
    with pytest.raises(ValueError, match="not among"):
        explain_recommendation(svc, 12, -1)
