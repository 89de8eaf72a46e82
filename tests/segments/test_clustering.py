"""k-means segments against scikit-learn, and the bootstrap stability on data with and
without cluster structure."""

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.metrics import adjusted_rand_score, silhouette_score

from xplab.segments import compare_segmentations, fit_kmeans, kmeans_stability, segment_profiles


def clustered(seed: int, n: int = 300) -> pd.DataFrame:
    """Three well-separated groups of customers (log-scale blobs)."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, n)
    centres = np.array([[2.0, 3.0, 8.0], [4.0, 1.5, 6.0], [5.5, 0.8, 4.0]])
    logs = centres[group] + rng.normal(0, 0.15, (n, 3))
    f = pd.DataFrame(np.expm1(logs), columns=["recency_days", "frequency", "monetary"])
    f["truth"] = group
    return f


def structureless(seed: int, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        np.expm1(rng.uniform(0, 3, (n, 3))), columns=["recency_days", "frequency", "monetary"]
    )


def test_fit_equals_scikit_learn_on_the_same_standardised_logs():
    f = clustered(0)
    seg = fit_kmeans(f, 3, seed=4)
    x = np.log1p(f[["recency_days", "frequency", "monetary"]].to_numpy())
    x = (x - x.mean(0)) / x.std(0)
    ref = KMeans(3, n_init=10, random_state=4).fit(x)
    assert adjusted_rand_score(seg.labels, ref.labels_) == 1.0
    assert seg.silhouette == pytest.approx(silhouette_score(x, ref.labels_))
    assert seg.inertia == pytest.approx(ref.inertia_)
    assert adjusted_rand_score(seg.labels, f["truth"]) == 1.0


def test_labels_are_ordered_by_monetary_centre_and_predict_agrees():
    f = clustered(1)
    seg = fit_kmeans(f, 3, seed=0)
    assert seg.centers["monetary"].is_monotonic_decreasing
    assert seg.predict(f).tolist() == seg.labels.tolist()
    means = f.groupby(seg.labels)["monetary"].median()
    assert means.is_monotonic_decreasing
    # the centre is in the features' units: the typical (log-mean) customer
    assert seg.centers.loc[0, "monetary"] == pytest.approx(
        np.expm1(np.log1p(f.loc[seg.labels == 0, "monetary"]).mean()), rel=1e-6
    )


def test_another_seed_gives_the_same_labels_on_clear_clusters():
    f = clustered(2)
    assert fit_kmeans(f, 3, seed=0).labels.tolist() == fit_kmeans(f, 3, seed=99).labels.tolist()


def test_stability_is_one_for_the_true_k_and_lower_without_structure():
    good = kmeans_stability(clustered(3), [3], n_pairs=6, seed=0)
    assert good.table.loc[3, "ari_mean"] == pytest.approx(1.0)
    bad = kmeans_stability(structureless(3), [6], n_pairs=6, seed=0)
    assert bad.table.loc[6, "ari_mean"] < 0.9


def test_stability_reproduces_with_its_seed():
    f = structureless(4)
    a = kmeans_stability(f, [2, 4], n_pairs=4, seed=7)
    b = kmeans_stability(f, [2, 4], n_pairs=4, seed=7)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.aris[4].tolist() == b.aris[4].tolist()


def test_choose_takes_the_best_silhouette_among_stable_k():
    s = kmeans_stability(clustered(5), [2, 3, 4], n_pairs=4, seed=0)
    assert s.choose() == 3
    with pytest.raises(ValueError, match="min_ari"):
        s.choose(ks=[4], min_ari=0.999999)


def test_compare_segmentations_ignores_the_names():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 4, 200)
    perm = np.array([2, 0, 3, 1])
    r = compare_segmentations(a, perm[a])
    assert r.ari == 1.0 and r.matched_share == 1.0
    assert r.mapping == {int(perm[i]): i for i in range(4)}
    b = perm[a].copy()
    b[:20] = (b[:20] + 1) % 4
    r2 = compare_segmentations(a, b)
    assert r2.ari == pytest.approx(adjusted_rand_score(a, b))
    assert r2.matched_share == pytest.approx(1 - np.mean(b[:20] != perm[a][:20]) * 20 / 200)


def test_profiles_add_up():
    f = clustered(6)
    seg = fit_kmeans(f, 3, seed=0)
    prof = segment_profiles(f, seg.labels)
    assert prof["customers"].sum() == len(f)
    assert prof["share"].sum() == pytest.approx(1.0)
    assert prof["value_share"].sum() == pytest.approx(1.0)
    assert prof.loc[1, "median frequency"] == f.loc[seg.labels == 1, "frequency"].median()
    named = pd.Series(pd.Categorical(["b", "a", "b"], categories=["b", "a"]), index=[0, 1, 2])
    small = f.iloc[:3].reset_index(drop=True)
    assert segment_profiles(small, named).index.tolist() == ["b", "a"]
