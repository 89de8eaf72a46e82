import hashlib
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats

from xplab.assign import Layer, assign, check_layers, check_ramp, hash_position, stratified


def _ns(text: str) -> bytes:
    raw = text.encode()
    return str(len(raw)).encode() + b":" + raw + b","


def _documented(purpose: str, salt: str, layer: str, experiment: str, unit: str) -> float:
    message = b"xplab.assign.v2" + b"".join(map(_ns, (purpose, salt, layer, experiment, unit)))
    top53 = int.from_bytes(hashlib.sha256(message).digest()[:8], "big") >> 11
    return top53 / 2**53


def _v1(salt: str, experiment: str, unit: str) -> float:
    """The version-1 hash, f"{salt}:{experiment}:{unit}", kept to show its collisions."""
    digest = hashlib.sha256(f"{salt}:{experiment}:{unit}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> 11) / 2**53


IDS = [f"u{i}" for i in range(20_000)]


# ----------------------------------------------------------------------------- the hash


def test_hash_is_the_documented_sha256_of_netstrings():
    assert hash_position("user_1", "exp", salt="s") == _documented(
        "variant", "s", "", "exp", "user_1"
    )
    assert hash_position(17, "exp") == _documented("variant", "", "", "exp", "17")
    # a non-ASCII name: netstring lengths count UTF-8 bytes
    assert hash_position("ü", "é") == _documented("variant", "", "", "é", "ü")


def test_stable_values():
    # Pinned: a change here would reshuffle every running experiment.
    assert assign("user_42", "button_color") == "treatment"
    assert hash_position("user_42", "button_color") == pytest.approx(0.788052, abs=1e-6)
    assert assign(["user_1", "user_2", "user_3"], "button_color").tolist() == [
        assign("user_1", "button_color"),
        assign("user_2", "button_color"),
        assign("user_3", "button_color"),
    ]


def test_a_layer_and_an_experiment_of_the_same_name_are_independent():
    # The case: layer "checkout", and experiment "checkout" in layer "pricing".
    ids = [f"u{i}" for i in range(10_000)]
    # in version 1 the two hash inputs were the same string, hence the crosstab
    # [[4955, 0], [0, 5045]]
    assert _v1("", "checkout", "u7") == _v1("", "checkout", "u7")
    checkout = Layer("checkout")
    checkout.add("one_page", share=0.5)
    pricing = Layer("pricing")
    pricing.add("checkout", share=1.0)
    table = pd.crosstab(
        checkout.assign(ids)["experiment"].fillna("none"), pricing.assign(ids)["variant"]
    )
    assert table.shape == (2, 2)
    assert (table.to_numpy() > 2000).all()
    assert stats.chi2_contingency(table).pvalue > 0.001
    # and an experiment may now share its layer's name
    same = Layer("ui")
    same.add("ui", share=0.5)
    placed = same.assign(ids)
    inside = placed["experiment"].notna()
    position = pd.Series(hash_position(ids, "ui"))
    # its variants do not follow the layer's buckets
    table = pd.crosstab(placed["variant"][inside], position[inside] < 0.5)
    assert stats.chi2_contingency(table).pvalue > 0.001
    assert placed["variant"][inside].value_counts(normalize=True)["control"] == pytest.approx(
        0.5, abs=0.03
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        # (salt, experiment, unit) pairs that built the same version-1 string
        (("a:b", "c", "u"), ("a", "b:c", "u")),
        (("", "e", "x:1"), ("", "e:x", "1")),
        (("s", "e:f", "u"), ("s:e", "f", "u")),
    ],
)
def test_names_containing_the_old_separator_no_longer_collide(first, second):
    assert _v1(*first) == _v1(*second)
    salt1, experiment1, unit1 = first
    salt2, experiment2, unit2 = second
    assert hash_position(unit1, experiment1, salt=salt1) != hash_position(
        unit2, experiment2, salt=salt2
    )


_names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)  # no lone surrogates


@settings(deadline=None, max_examples=200)
@given(
    _names,
    _names.filter(bool),
    _names.filter(bool),
    _names,
    _names.filter(bool),
    _names.filter(bool),
)
def test_different_inputs_give_different_positions(salt1, exp1, unit1, salt2, exp2, unit2):
    assume((salt1, exp1, unit1) != (salt2, exp2, unit2))
    # distinct inputs give distinct messages; a 53-bit tie would be a SHA-256 miracle
    assert hash_position(unit1, exp1, salt=salt1) != hash_position(unit2, exp2, salt=salt2)


@settings(deadline=None, max_examples=50)
@given(_names.filter(bool), _names.filter(bool))
def test_deterministic(unit, experiment):
    assert assign(unit, experiment) == assign(unit, experiment)
    assert 0 <= hash_position(unit, experiment) < 1


def test_same_assignment_in_a_fresh_process():
    # Python's own hash() is salted per process; SHA-256 is not.
    code = (
        "from xplab.assign import assign\n"
        "print(list(assign([1, 'a', 'user_9'], 'exp')))\n"
        "print(list(assign((f'u{i}' for i in range(5)), 'exp', coverage=0.5)))\n"
        "print(list(assign(dict.fromkeys(['x', 'y', 'z']).keys(), 'exp')))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    here = [
        list(assign([1, "a", "user_9"], "exp")),
        list(assign((f"u{i}" for i in range(5)), "exp", coverage=0.5)),
        list(assign(dict.fromkeys(["x", "y", "z"]).keys(), "exp")),
    ]
    assert out.stdout.splitlines() == [str(x) for x in here]


# ----------------------------------------------------------------------------- collections


@pytest.mark.parametrize(
    "make",
    [
        list,
        tuple,
        lambda ids: (i for i in ids),
        lambda ids: dict.fromkeys(ids).keys(),
        np.array,
        pd.Series,
        pd.Index,
    ],
    ids=["list", "tuple", "generator", "dict.keys", "ndarray", "Series", "Index"],
)
def test_every_ordered_collection_gives_one_variant_per_id(make):
    ids = [f"user_{i}" for i in range(50)]
    expected = [assign(i, "e") for i in ids]
    out = assign(make(ids), "e")
    assert list(out) == expected
    assert len(set(expected)) == 2


def test_range_and_integer_arrays_match_integer_and_string_ids():
    expected = [assign(str(i), "e") for i in range(100)]
    assert list(assign(range(100), "e")) == expected
    assert list(assign(np.arange(100), "e")) == expected
    assert list(assign(pd.array(range(100), dtype="Int64"), "e")) == expected
    assert assign(7, "e") == assign("7", "e") == assign(np.int64(7), "e")
    assert isinstance(assign(np.int64(7), "e"), str)
    assert assign(np.array("u1"), "e") == assign("u1", "e")  # a 0-d array is one id


def test_outputs_keep_their_shape():
    assert isinstance(assign(("1", "2"), "e"), np.ndarray)
    series = pd.Series(["a", "b"], index=[10, 20])
    out = assign(series, "e")
    assert isinstance(out, pd.Series) and out.index.tolist() == [10, 20]
    assert assign([], "e").shape == (0,)


def test_integral_floats_hash_as_integers_with_a_warning():
    with_missing = pd.Series([1, 2, None, 4]).dropna()  # pandas made these floats
    assert with_missing.dtype == float
    with pytest.warns(UserWarning, match=r"unit_id: 3 id\(s\) are integral floats \(e.g. 1.0\)"):
        out = assign(with_missing, "e")
    assert out.tolist() == [assign(i, "e") for i in (1, 2, 4)]
    with pytest.warns(UserWarning, match=r"hashed as the integer \(12\)"):
        assert assign(12.0, "e") == assign(12, "e")


@pytest.mark.parametrize(
    ("ids", "error", "message"),
    [
        ({"a", "b"}, TypeError, r"unit_id is a set, which has no order"),
        (frozenset({"a"}), TypeError, r"unit_id is a frozenset, which has no order"),
        ({"a": 1}, TypeError, r"unit_id is a dict; pass its .keys\(\)"),
        (pd.DataFrame({"a": [1]}), TypeError, r"unit_id must be one id or a 1-D collection"),
        (np.zeros((2, 2)), ValueError, r"unit_id must be one id or a 1-D collection"),
        (None, ValueError, r"unit_id is None \(a missing id\)"),
        (float("nan"), ValueError, r"unit_id is NaN"),
        ("", ValueError, r"unit_id is the empty string"),
        (["a", None], ValueError, r"unit_id\[1\] is None"),
        (["a", ""], ValueError, r"unit_id\[1\] is the empty string"),
        (pd.Series([1.0, np.nan]), ValueError, r"unit_id\[1\] is NaN"),
        (pd.array(["a", None], dtype="string"), ValueError, r"unit_id\[1\] is <NA>"),
        ([1.5], ValueError, r"unit_id\[0\] is the float 1.5; ids must be strings or integers"),
        (2.0**60, ValueError, r"unit_id is the float"),
        ("user\ud800", ValueError, r"unit_id contains a lone surrogate"),
        (["ok", "x\udcff"], ValueError, r"unit_id\[1\] contains a lone surrogate"),
        (True, TypeError, r"unit_id is the boolean True"),
        ([np.True_], TypeError, r"unit_id\[0\] is the boolean"),
        (b"user", TypeError, r"unit_id must be a string or an integer id, got bytes"),
        ([("a", 1)], TypeError, r"unit_id\[0\] must be a string or an integer id, got tuple"),
    ],
)
def test_bad_ids(ids, error, message):
    with pytest.raises(error, match=message):
        assign(ids, "e")
    with pytest.raises(error, match=message):
        Layer("ui").assign(ids)
    with pytest.raises(error, match=message):
        hash_position(ids, "e")


# ----------------------------------------------------------------------------- weights and ramps


def test_series_keeps_index_and_weights_are_respected():
    ids = pd.Series(IDS, index=range(5, 20_005))
    out = assign(ids, "e", variants=("a", "b", "c"), weights=[0.5, 0.3, 0.2])
    assert out.index.equals(ids.index)
    shares = out.value_counts(normalize=True)
    assert shares["a"] == pytest.approx(0.5, abs=0.015)
    assert shares["c"] == pytest.approx(0.2, abs=0.015)


def test_zero_weight_variant_gets_nobody():
    out = assign(np.arange(5000), "e", variants=("a", "b"), weights=[1.0, 0.0])
    assert set(out) == {"a"}


def test_a_ramp_only_adds_units_and_never_moves_one():
    ramp = {c: pd.Series(assign(IDS, "e", coverage=c)) for c in (0.1, 0.5, 1.0)}
    for small, large in ((0.1, 0.5), (0.5, 1.0), (0.1, 1.0)):
        enrolled = ramp[small].notna()
        assert ramp[large][enrolled].equals(ramp[small][enrolled])
    for c, arms in ramp.items():
        assert arms.notna().mean() == pytest.approx(c, abs=0.01)
        # the arms keep their weights among the enrolled at every step
        assert (arms.dropna() == "treatment").mean() == pytest.approx(0.5, abs=0.025)
    assert ramp[1.0].notna().all()
    assert assign(IDS[:100], "e", coverage=0.0).tolist() == [None] * 100


def test_enrolment_is_independent_of_the_arm():
    # GrowthBook-style: two hashes, so the 10 % enrolled are not the lowest arm positions
    enrolled = pd.Series(assign(IDS, "e", coverage=0.1)).notna()
    arms = pd.Series(assign(IDS, "e"))
    assert stats.chi2_contingency(pd.crosstab(enrolled, arms)).pvalue > 0.001
    position = pd.Series(hash_position(IDS, "e"))
    assert position[enrolled].mean() == pytest.approx(0.5, abs=0.02)


def test_a_ramp_inside_a_layer():
    layer = Layer("ui")
    layer.add("a", share=0.5)
    small = pd.Series(assign(IDS, "a", layer=layer, coverage=0.2))
    full = pd.Series(assign(IDS, "a", layer=layer))
    assert small.notna().mean() == pytest.approx(0.1, abs=0.01)
    assert full[small.notna()].equals(small.dropna())
    assert full.notna().mean() == pytest.approx(0.5, abs=0.015)


def test_what_changing_weights_or_adding_a_variant_does():
    # the figures the assign docstring states
    before = pd.Series(assign(IDS, "e", ("a", "b", "control"), [0.05, 0.05, 0.9]))
    after = pd.Series(assign(IDS, "e", ("a", "b", "control"), [0.25, 0.25, 0.5]))
    assert (before != after).mean() == pytest.approx(0.45, abs=0.015)
    assert ((before == "control") & (after != "control")).mean() == pytest.approx(0.4, abs=0.015)
    two = pd.Series(assign(IDS, "e"))
    three = pd.Series(assign(IDS, "e", ("control", "treatment", "new")))
    assert (two != three).mean() == pytest.approx(0.5, abs=0.015)


# ----------------------------------------------------------------------------- layers


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
    for i in range(8):
        row = out.iloc[i].astype(object).where(out.iloc[i].notna(), None)
        assert layer.assign(f"u{i}") == tuple(row)
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
    for unit in ("u1", "u2", "u3", "u4"):
        experiment, variant = layer.assign(unit)
        assert assign(unit, "a", layer=layer) == (variant if experiment == "a" else None)


def test_same_experiment_name_in_two_layers_is_two_independent_experiments():
    first, second = Layer("ui"), Layer("pricing")
    first.add("checkout", share=1.0)
    second.add("checkout", share=1.0)
    table = pd.crosstab(first.assign(IDS)["variant"], second.assign(IDS)["variant"])
    assert stats.chi2_contingency(table).pvalue > 0.001
    # and neither equals the experiment outside any layer
    plain = pd.Series(assign(IDS, "checkout"))
    assert (plain != first.assign(IDS)["variant"]).mean() == pytest.approx(0.5, abs=0.02)


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
    ],
)
def test_assign_with_layer_bad_input(kwargs, message):
    layer = Layer("ui")
    layer.add("a", share=0.5)
    kwargs = {"experiment": "a", "layer": layer, **kwargs}
    with pytest.raises(ValueError, match=message):
        assign("u1", **kwargs)


# ----------------------------------------------------------------------------- nested layers


def _nested() -> tuple[Layer, Layer, Layer]:
    top = Layer("top")
    top.add("pricing", share=0.2)
    top.add("shared", share=0.8, variants=("all",))
    checkout = Layer("checkout", within=(top, "shared"))
    checkout.add("button_color", share=0.5)
    checkout.add("button_text", share=0.5)
    search = Layer("search", within=(top, "shared"))
    search.add("ranking", share=1.0)
    return top, checkout, search


def test_a_nested_layer_only_splits_its_slice():
    top, checkout, search = _nested()
    ids = [f"u{i}" for i in range(40_000)]
    outer = top.assign(ids)["experiment"]
    color = assign(ids, "button_color", layer=checkout)
    ranking = search.assign(ids)["experiment"]
    # the pricing slice meets no experiment of the nested layers
    assert pd.Series(color)[outer.eq("pricing").to_numpy()].isna().all()
    assert ranking[outer.eq("pricing")].isna().all()
    # the nested layers overlap each other freely inside the shared slice
    both = pd.Series(color).notna().to_numpy() & ranking.notna().to_numpy()
    assert both.mean() == pytest.approx(0.4, abs=0.01)
    assert np.mean(pd.Series(color).notna()) == pytest.approx(
        checkout.share("button_color"), abs=0.01
    )
    assert checkout.share("button_color") == pytest.approx(0.4)
    assert [(layer.name, name) for layer, name in checkout.path("button_text")] == [
        ("checkout", "button_text"),
        ("top", "shared"),
    ]
    assert "within=top/shared" in repr(checkout)


def test_within_bad_input():
    top = Layer("top")
    top.add("shared", share=1.0)
    with pytest.raises(ValueError, match=r"experiment 'other' is not in layer 'top'"):
        Layer("x", within=(top, "other"))
    with pytest.raises(TypeError, match=r"within must be a \(Layer, experiment name\) pair"):
        Layer("x", within=top)  # type: ignore[arg-type]


NEEDS = {"pricing": 5_000, "button_color": 15_000, "button_text": 15_000, "ranking": 30_000}
RULES = {"apart": [("button_color", "button_text")], "alone": ["pricing"]}


def test_check_layers_accepts_a_design_that_meets_every_requirement():
    assert check_layers(list(_nested()), users=100_000, needs=NEEDS, **RULES) is None


def test_check_layers_names_the_first_requirement_that_fails():
    top, checkout, search = _nested()
    # traffic: 100,000 × 0.4 × 0.5 = 20,000 per arm for each button test
    message = check_layers([top, checkout, search], users=60_000, needs=NEEDS, **RULES)
    assert message.startswith("'button_color' reaches 40 % of the 60,000 users: 12,000")
    # a missing test, a test twice, a stray experiment
    assert "'ranking' is in no layer" in check_layers([top, checkout], users=10**6, needs=NEEDS)
    other = Layer("other")
    other.add("ranking", share=0.5)
    assert "is in 2 layers" in check_layers(
        [top, checkout, search, other], users=10**6, needs=NEEDS
    )
    stray = Layer("stray")
    stray.add("banner", share=0.5)
    assert "holds 'banner', which is neither" in check_layers(
        [top, checkout, search, stray], users=10**6, needs=NEEDS
    )


def test_check_layers_isolation_matches_the_assignments():
    """What check_layers calls 'apart' never shares a unit; what it calls
    overlapping does, on 40,000 hashed ids."""
    ids = [f"u{i}" for i in range(40_000)]
    flat = Layer("flat")
    flat.add("pricing", share=0.2)
    ui = Layer("ui")
    ui.add("button_color", share=0.5)
    ui.add("button_text", share=0.5)
    search = Layer("search")
    search.add("ranking", share=1.0)
    # the buttons are apart; pricing overlaps everything when its layer is not a parent
    assert check_layers([flat, ui, search], users=10**6, needs=NEEDS, **RULES).startswith(
        "'pricing' must run alone, but 'button_color'"
    )
    in_pricing = flat.assign(ids)["experiment"].eq("pricing").to_numpy()
    in_color = ui.assign(ids)["experiment"].eq("button_color").to_numpy()
    in_text = ui.assign(ids)["experiment"].eq("button_text").to_numpy()
    assert (in_pricing & in_color).any() and not (in_color & in_text).any()
    # two interacting tests in different layers overlap, and are reported
    split = Layer("text_layer")
    split.add("button_text", share=1.0)
    ui_only = Layer("ui2")
    ui_only.add("button_color", share=1.0)
    top, _, search2 = _nested()
    msg = check_layers(
        [top, ui_only, split, search2], users=10**6, needs=NEEDS, apart=RULES["apart"]
    )
    assert msg.startswith("'button_color' and 'button_text' can reach the same users")


def test_check_layers_bad_input():
    top, checkout, search = _nested()
    with pytest.raises(TypeError, match="layers must be a non-empty list"):
        check_layers(top, users=10, needs=NEEDS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"'banner' \(in apart or alone\) is not one of"):
        check_layers([top, checkout, search], users=10, needs=NEEDS, alone=["banner"])
    with pytest.raises(TypeError, match="apart must hold pairs"):
        check_layers([top], users=10, needs=NEEDS, apart=[("a", "b", "c")])


# ----------------------------------------------------------------------------- ramps


def test_check_ramp_accepts_a_sound_ramp():
    plan = [(0.05, 4), (0.25, 1), (0.5, 1), (1.0, 14)]
    assert check_ramp(plan, daily_units=5_000, test_days=14, max_ramp_days=7) is None


@pytest.mark.parametrize(
    ("plan", "start"),
    [
        ([(0.2, 3), (1.0, 14)], "step 1 (20 % for 3 days) exposes 20 % at once"),
        ([(0.05, 4), (0.05, 2), (1.0, 14)], "step 2 (5 % for 2 days) does not raise"),
        ([(0.05, 4), (0.5, 14)], "the last step enrols 50 %"),
        ([(0.05, 4), (1.0, 7)], "the last step lasts 7 days, shorter than the 14-day test"),
        ([(0.05, 1), (1.0, 14)], "step 1 (5 % for 1 day) ends with 250 units enrolled"),
        ([(0.05, 0), (1.0, 14)], "step 1 (5 % for 0 days) lasts no whole day"),
        ([(1.0, 14)], "the plan has no ramp"),
        ([(0.01, 17), (1.0, 14)], "the ramp-up takes 17 days before the test, more than 7"),
    ],
)
def test_check_ramp_names_the_first_requirement_that_fails(plan, start):
    message = check_ramp(plan, daily_units=5_000, test_days=14, max_ramp_days=7)
    assert message is not None and message.startswith(start), message


def test_check_ramp_srm_power_is_what_it_says():
    """At the number of units check_ramp asks for, the chi-square SRM test detects
    a 25 % loss of treatment units about 80 % of the time (20,000 simulated checks)."""
    message = check_ramp([(0.01, 1), (1.0, 14)], daily_units=5_000, test_days=14)
    needed = int(message.rsplit("needs ", 1)[1].replace(",", ""))
    rng = np.random.default_rng(3)
    # the units that are logged: treatment keeps 75 % of its half
    share = 0.5 * 0.75 / (1 - 0.5 * 0.25)
    treated = rng.binomial(needed, share, size=20_000)
    chi2 = (treated - needed / 2) ** 2 / (needed / 2) * 2
    detected = stats.chi2.sf(chi2, 1) < 0.001
    assert detected.mean() == pytest.approx(0.8, abs=0.015)


def test_check_ramp_bad_input():
    with pytest.raises(TypeError, match=r"steps\[0\] must be a \(coverage, days\) pair"):
        check_ramp([0.05, 1.0], daily_units=100, test_days=14)
    with pytest.raises(ValueError, match="coverage"):
        check_ramp([(1.5, 1)], daily_units=100, test_days=14)


# ----------------------------------------------------------------------------- stratified


def _strata_frame(n: int = 3001) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "user": [f"user_{i}" for i in range(n)],
            "power": rng.random(n) < 0.13,
            "country": rng.choice(["de", "fr", "us"], n),
        }
    )


def test_stratified_balances_every_stratum_to_one_unit():
    frame = _strata_frame()
    strata = frame["power"].astype(str) + "/" + frame["country"]
    arms = stratified(frame["user"], strata, "onboarding")
    counts = pd.crosstab(strata, arms)
    assert len(counts) == 6
    assert (counts.max(axis=1) - counts.min(axis=1)).max() <= 1
    # plain hashing balances only in expectation
    plain = pd.crosstab(strata, assign(frame["user"], "onboarding"))
    assert (plain.max(axis=1) - plain.min(axis=1)).max() > 1


def test_stratified_with_weights_is_within_one_block():
    frame = _strata_frame()
    arms = stratified(
        frame["user"],
        frame["country"],
        "e",
        variants=("a", "b", "c"),
        weights=[0.2, 0.3, 0.5],  # ratio 2:3:5, blocks of 10
    )
    counts = pd.crosstab(frame["country"], arms)
    expected = np.outer(counts.sum(axis=1), [0.2, 0.3, 0.5])
    assert (np.abs(counts.to_numpy() - expected) <= np.array([2, 3, 5])).all()
    assert arms.value_counts(normalize=True)["c"] == pytest.approx(0.5, abs=0.01)


def test_stratified_is_deterministic_and_independent_of_input_order():
    frame = _strata_frame(500)
    arms = stratified(frame["user"], frame["power"], "e")
    assert arms.index.equals(frame.index)
    shuffled = frame.sample(frac=1, random_state=3)
    again = stratified(shuffled["user"].tolist(), shuffled["power"].tolist(), "e")
    assert dict(zip(shuffled["user"], again, strict=True)) == dict(
        zip(frame["user"], arms, strict=True)
    )
    assert stratified(frame["user"], frame["power"], "e").equals(arms)
    other = stratified(frame["user"], frame["power"], "e", salt="2")
    assert (other != arms).mean() == pytest.approx(0.5, abs=0.1)


def test_stratified_blocks_are_permuted_not_alternating():
    units = [f"u{i}" for i in range(400)]
    arms = stratified(units, ["all"] * 400, "e")
    order = sorted(range(400), key=lambda i: hash_position(units[i], "e"))
    assert arms.tolist().count("control") == 200
    # a unit's arm is not a function of its plain variant position: both arms in both halves
    low = [arms[i] for i in order[:200]]
    assert 60 < low.count("control") < 140


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"units": "u1"}, TypeError, r"units must be a collection of ids"),
        ({"units": ["u1", "u1", "u2"]}, ValueError, r"units must be unique; 'u1' appears"),
        ({"units": [7, "7", "8"]}, ValueError, r"units must be unique; '7' appears"),
        ({"units": ["a", None, "c"]}, ValueError, r"units\[1\] is None"),
        ({"strata": ["x", "y"]}, ValueError, r"strata must have one label per unit \(3\)"),
        ({"strata": "xyz"}, TypeError, r"strata must be a collection of labels"),
        ({"strata": {"x", "y", "z"}}, TypeError, r"strata is a set"),
        ({"strata": ["x", None, "y"]}, ValueError, r"strata\[1\] is missing"),
        ({"strata": ["x", float("nan"), "y"]}, ValueError, r"strata\[1\] is missing"),
        ({"strata": ["x", "", "y"]}, ValueError, r"strata\[1\] is the empty string"),
        ({"strata": ["x", 1.5, "y"]}, TypeError, r"strata\[1\] must be a string, integer"),
        ({"weights": [0.123, 0.877]}, ValueError, r"weights must be ratios of small whole"),
    ],
)
def test_stratified_bad_input(kwargs, error, message):
    kwargs = {"units": ["a", "b", "c"], "strata": ["x", "x", "y"], "experiment": "e", **kwargs}
    with pytest.raises(error, match=message):
        stratified(**kwargs)


# Bad input by argument and category, across the whole module: tests/test_bad_input.py
