import hashlib
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from xplab.assign import Layer, assign, hash_position


def test_hash_is_the_documented_sha256():
    digest = hashlib.sha256(b"s:exp:user_1").digest()
    top53 = int.from_bytes(digest[:8], "big") >> 11
    assert hash_position("user_1", "exp", salt="s") == top53 / 2**53


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


def test_same_assignment_in_a_fresh_process():
    # Python's own hash() is salted per process; SHA-256 is not.
    code = "from xplab.assign import assign; print(list(assign([1, 'a', 'user_9'], 'exp')))"
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == str(list(assign([1, "a", "user_9"], "exp")))


def test_int_and_str_ids_are_the_same_unit_and_outputs_keep_their_shape():
    assert assign(7, "e") == assign("7", "e")
    assert isinstance(assign(np.int64(7), "e"), str)
    assert isinstance(assign(("1", "2"), "e"), np.ndarray)
    with pytest.raises(ValueError, match=r"unit_id must be one id or a 1-D collection"):
        assign(np.zeros((2, 2)), "e")


def test_assign_with_a_layer_matches_layer_assign():
    layer = Layer("ui")
    layer.add("a", share=0.4)
    layer.add("b", share=0.4, variants=("x", "y"), weights=[0.25, 0.75])
    ids = pd.Series([f"u{i}" for i in range(5000)])
    placed = layer.assign(ids)
    in_a = assign(ids, "a", layer=layer)
    in_b = assign(ids, "b", variants=("x", "y"), weights=[0.25, 0.75], layer=layer)
    # one experiment per unit in a layer
    assert not (in_a.notna() & in_b.notna()).any()
    assert in_a.where(placed.experiment == "a").equals(
        placed.variant.where(placed.experiment == "a")
    )
    assert in_b.dropna().equals(placed.variant[placed.experiment == "b"])
    # inside its range, a unit's variant is the one it would get without the layer
    assert (in_a.dropna() == assign(ids[in_a.notna()], "a")).all()
    for unit in ("u1", "u2", "u3", "u4"):
        experiment, variant = layer.assign(unit)
        assert assign(unit, "a", layer=layer) == (variant if experiment == "a" else None)


def test_layers_with_different_names_are_independent():
    ids = [f"u{i}" for i in range(40_000)]
    first, second = Layer("ui"), Layer("pricing")
    first.add("a", share=0.5)
    second.add("p", share=0.5)
    table = pd.crosstab(
        first.assign(ids)["experiment"].fillna("none"),
        second.assign(ids)["experiment"].fillna("none"),
    )
    assert stats.chi2_contingency(table).pvalue > 0.001


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"experiment": "c"}, r"experiment 'c' is not in layer 'ui' \(it has \['a'\]\)"),
        ({"variants": ("x", "y", "z")}, r"was added to layer 'ui' with variants \('control'"),
        ({"weights": [0.9, 0.1]}, r"and weights \[0.5, 0.5\]"),
        ({"salt": "s"}, r"give the salt to Layer"),
        ({"layer": "ui"}, r"layer must be a Layer or None, got str"),
    ],
)
def test_assign_with_layer_bad_input(kwargs, message):
    layer = Layer("ui")
    layer.add("a", share=0.5)
    kwargs = {"experiment": "a", "layer": layer, **kwargs}
    with pytest.raises(ValueError, match=message):
        assign("u1", **kwargs)


def test_experiment_may_not_share_the_layer_name():
    with pytest.raises(ValueError, match=r"has the layer's name"):
        Layer("ui").add("ui", share=0.5)
