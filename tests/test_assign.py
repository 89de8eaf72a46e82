import hashlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from xplab.assign import Layer, assign, hash_position


def test_hash_is_the_documented_sha256():
    digest = hashlib.sha256(b"s:exp:user_1").digest()
    assert hash_position("user_1", "exp", salt="s") == int.from_bytes(digest[:8], "big") / 2**64


def test_stable_values():
    # Pinned: a change here would reshuffle every running experiment.
    assert assign("user_42", "button_color") == "treatment"
    assert assign(["user_1", "user_2", "user_3"], "button_color").tolist() == [
        assign("user_1", "button_color"),
        assign("user_2", "button_color"),
        assign("user_3", "button_color"),
    ]


def test_series_keeps_index_and_weights_are_respected():
    ids = pd.Series([f"u{i}" for i in range(20_000)], index=range(5, 20_005))
    out = assign(ids, "e", variants=("a", "b", "c"), weights=[0.5, 0.3, 0.2])
    assert out.index.equals(ids.index)
    shares = out.value_counts(normalize=True)
    assert shares["a"] == pytest.approx(0.5, abs=0.015)
    assert shares["c"] == pytest.approx(0.2, abs=0.015)


def test_zero_weight_variant_gets_nobody():
    out = assign(np.arange(5000), "e", variants=("a", "b"), weights=[1.0, 0.0])
    assert set(out) == {"a"}


@settings(deadline=None, max_examples=50)
@given(st.text(min_size=1, max_size=20), st.text(min_size=1, max_size=10))
def test_deterministic(unit, experiment):
    assert assign(unit, experiment) == assign(unit, experiment)
    assert 0 <= hash_position(unit, experiment) < 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"weights": [0.6, 0.6]}, r"weights must sum to 1, got 1.2"),
        ({"weights": [1.5, -0.5]}, r"weights must be non-negative"),
        ({"weights": [1.0]}, r"weights must have one entry per variant \(2\)"),
        ({"variants": ()}, r"variants must be a non-empty sequence"),
        ({"variants": "ab"}, r"variants must be a non-empty sequence"),
        ({"variants": ("a", "a")}, r"variants must be unique"),
    ],
)
def test_bad_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        assign("u", "e", **kwargs)


def test_experiment_name_required():
    with pytest.raises(ValueError, match=r"experiment must be a non-empty string"):
        assign("u", "")


def test_layer_is_mutually_exclusive_and_shares_are_right():
    layer = Layer("ui")
    layer.add("a", share=0.5)
    layer.add("b", share=0.25, variants=("x", "y", "z"))
    out = layer.assign([f"u{i}" for i in range(40_000)])
    shares = out["experiment"].value_counts(normalize=True, dropna=False)
    assert shares["a"] == pytest.approx(0.5, abs=0.01)
    assert shares["b"] == pytest.approx(0.25, abs=0.01)
    assert out["experiment"].isna().mean() == pytest.approx(0.25, abs=0.01)
    assert set(out.loc[out.experiment == "b", "variant"]) == {"x", "y", "z"}
    assert out.loc[out.experiment.isna(), "variant"].isna().all()
    assert layer.assign("u1") == tuple(out.iloc[1])
    assert "traffic used=75%" in repr(layer)


def test_layer_bad_input():
    layer = Layer("ui")
    layer.add("a", share=0.8)
    with pytest.raises(ValueError, match=r"exceeds the layer's free traffic \(0.2\)"):
        layer.add("b", share=0.3)
    with pytest.raises(ValueError, match=r"already in layer"):
        layer.add("a", share=0.1)
    with pytest.raises(ValueError, match=r"share must be in \[0, 1\]"):
        layer.add("c", share=1.5)
    with pytest.raises(ValueError, match=r"less than one of 1000 buckets"):
        layer.add("c", share=0.0001)
