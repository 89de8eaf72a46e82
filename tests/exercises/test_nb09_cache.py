"""Notebook 09 reads precomputed figures; a fresh computation must reproduce them."""

import json
import os

import numpy as np
import pytest

from xplab.exercises import nb09

pytestmark = [
    pytest.mark.data,
    pytest.mark.skipif(not os.environ.get("XPLAB_DATA_DIR"), reason="XPLAB_DATA_DIR is not set"),
]


def test_the_stability_cache_is_what_the_benchmark_computes():
    cached = json.loads(nb09._STABILITY_FILE.read_text())
    fresh = nb09.stability_to_json(nb09.compute_stability())
    assert fresh.keys() == cached.keys()
    for key in ("as_of", "ks", "n_pairs", "n_init", "seed", "n_customers"):
        assert fresh[key] == cached[key], key
    for k, aris in cached["aris"].items():
        np.testing.assert_allclose(fresh["aris"][k], aris, atol=1e-9, err_msg=f"k = {k}")
        assert fresh["silhouette"][k] == pytest.approx(cached["silhouette"][k], abs=1e-9)


def test_the_cache_gives_the_notebooks_choice_of_k():
    s = nb09.stability()
    assert s.choose(ks=nb09.K_RANGE, min_ari=nb09.MIN_ARI) == nb09.K
    assert list(s.table.index) == list(nb09.STABILITY["ks"])


def test_the_spark_cache_was_made_from_the_notebooks_inputs():
    cached = nb09.spark_run()
    assert cached["inputs"] == json.loads(json.dumps(nb09.spark_inputs()))
    km = cached["kmeans"]
    assert km["ari_vs_sklearn"] == pytest.approx(1.0)
    assert km["inertia_spark"] == pytest.approx(km["inertia_sklearn"], rel=1e-9)
    assert max(cached["rfm_max_relative_gap_vs_pandas"].values()) < 1e-9
