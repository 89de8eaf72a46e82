"""Opt-outs and erasure on adversarial tables: ids in every form, pseudonyms, models."""

import numpy as np
import pandas as pd
import pytest

from xplab.privacy import DataInventory, consented, pseudonymize

KEY = b"0123456789abcdef-course-key"


def test_opted_out_users_are_excluded_in_any_id_form():
    frame = pd.DataFrame({"customer": [17850.0, 12583.0, np.nan, 17850.0, 13047.0]})
    keep = consented(frame, opted_out=["17850", 13047], user="customer")
    assert keep.tolist() == [False, True, False, False, False]  # a missing id is not consent


def test_consent_refuses_one_id_for_a_list():
    with pytest.raises(TypeError, match="collection of user ids"):
        consented(pd.DataFrame({"u": [1]}), opted_out="17850", user="u")


@pytest.fixture
def inventory():
    inv = DataInventory(key=KEY)
    orders = pd.DataFrame(
        {"customer_id": pd.array([17850, 17850, 12583, None], dtype="Int64"), "v": [1, 2, 3, 4]}
    )
    segments = pd.DataFrame({"customer": ["17850", "12583"], "segment": ["loyal", "new"]})
    # a model input that went through a missing value: ids are floats
    matrix = pd.DataFrame({"user": [17850.0, 12583.0, np.nan], "item_1": [1, 0, 1]})
    features = pd.DataFrame({"pid": pseudonymize([17850, 12583], KEY), "recency": [3, 40]})
    inv.register("orders", orders, user="customer_id")
    inv.register("segments", segments, user="customer")
    inv.register("training_matrix", matrix, user="user")
    inv.register("features", features, user="pid", pseudonymized=True)
    inv.register_model("als", trained_on=["training_matrix"])
    inv.register_model("ranker", trained_on=["features", "segments"])
    inv.register_model("popularity", trained_on=["orders"])
    return inv


def test_erasure_removes_a_user_from_every_table_whatever_the_id_form(inventory):
    assert inventory.references(17850) == {
        "orders": 2,
        "segments": 1,
        "training_matrix": 1,
        "features": 1,
    }
    receipt = inventory.erase("17850")
    assert dict(receipt.rows_removed) == {
        "orders": 2,
        "segments": 1,
        "training_matrix": 1,
        "features": 1,
    }
    assert receipt.total == 5
    assert set(receipt.models_to_retrain) == {"als", "ranker", "popularity"}
    assert inventory.references(17850.0) == dict.fromkeys(
        ["orders", "segments", "training_matrix", "features"], 0
    )
    # the other users' rows are untouched, including the anonymous order
    assert inventory.table("orders")["v"].tolist() == [3, 4]
    assert inventory.table("features")["recency"].tolist() == [40]


def test_erasure_is_idempotent_and_only_stales_affected_models(inventory):
    inventory.erase(12583)
    again = inventory.erase(12583)
    assert again.total == 0 and again.models_to_retrain == ()
    inv = DataInventory()
    inv.register("a", pd.DataFrame({"u": [1, 2]}), user="u")
    inv.register("b", pd.DataFrame({"u": [3]}), user="u")
    inv.register_model("m_b", trained_on=["b"])
    assert inv.erase(1).models_to_retrain == ()
    assert inv.stale_models == set()


def test_a_table_without_a_user_link_or_key_cannot_be_registered():
    inv = DataInventory()
    with pytest.raises(ValueError, match="cannot be erased from"):
        inv.register("clicks", pd.DataFrame({"session": [1]}), user="customer")
    with pytest.raises(ValueError, match="no key"):
        inv.register("features", pd.DataFrame({"pid": ["ab"]}), user="pid", pseudonymized=True)
    with pytest.raises(TypeError, match="boolean"):
        inv.register("flags", pd.DataFrame({"u": [True, False]}), user="u")
    with pytest.raises(ValueError, match="float"):
        inv.register("weird", pd.DataFrame({"u": [1.5]}), user="u")


def test_a_pseudonymised_table_is_not_erased_with_the_wrong_key():
    right = DataInventory(key=KEY)
    wrong = DataInventory(key=b"another key of 16 bytes")
    table = pd.DataFrame({"pid": pseudonymize([1, 2], KEY)})
    right.register("t", table, user="pid", pseudonymized=True)
    wrong.register("t", table, user="pid", pseudonymized=True)
    assert wrong.erase(1).total == 0  # a wrong key finds nothing: keep the key with the inventory
    assert right.erase(1).total == 1


def test_a_missing_id_in_a_nullable_column_is_not_consent():
    # an Int64 column's <NA> was read as the text "<NA>", i.e. as a consenting user
    frame = pd.DataFrame({"customer": pd.array([17850, 12583, None], dtype="Int64")})
    assert consented(frame, [12583], user="customer").tolist() == [True, False, False]
    cat = pd.DataFrame({"customer": pd.Categorical([17850, None, 12583])})
    assert consented(cat, ["12583"], user="customer").tolist() == [True, False, False]


def test_opt_outs_reach_a_pseudonymised_table_with_its_key():
    frame = pd.DataFrame({"pid": pseudonymize([17850, 12583, 13047], KEY), "x": [1, 2, 3]})
    # raw ids match no pseudonym: without the key nobody would be excluded
    assert consented(frame, [12583], user="pid").all()
    assert consented(frame, [12583], user="pid", key=KEY).tolist() == [True, False, True]
    short = frame.assign(pid=pseudonymize([17850, 12583, 13047], KEY, length=16))
    assert consented(short, ["12583"], user="pid", key=KEY).tolist() == [True, False, True]
    with pytest.raises(ValueError, match="must hold pseudonyms"):
        consented(pd.DataFrame({"pid": [17850]}), [17850], user="pid", key=KEY)


@pytest.mark.parametrize(
    "column",
    [
        pd.array([17850, None, 17850, 12583], dtype="Int64"),
        pd.array([17850, None, 17850, 12583], dtype="UInt32"),
        np.array([17850.0, np.nan, 17850.0, 12583.0]),
        pd.array([17850.0, None, 17850.0, 12583.0], dtype="Float64"),
        np.array([17850, 2**64 - 1, 17850, 12583], dtype=np.uint64),
        pd.Categorical([17850, None, 17850, 12583], categories=[12583, 17850, 99999]),
        pd.Categorical(["17850", None, "17850", "12583"]),
        pd.array(["17850", None, "17850", "12583"], dtype="string"),
        pd.Series(["17850", None, "17850", "12583"], dtype="str"),
        pd.Series([17850, pd.NA, np.int32(17850), "12583"], dtype=object),
    ],
    ids=lambda c: str(getattr(c, "dtype", type(c))),
)
@pytest.mark.parametrize("form", [17850, "17850", 17850.0, np.int64(17850), np.uint16(17850)])
def test_erasure_finds_every_form_of_an_id(column, form):
    inv = DataInventory()
    inv.register("t", pd.DataFrame({"u": column, "row": range(4)}), user="u")
    receipt = inv.erase(form)
    assert receipt.rows_removed == {"t": 2}
    assert inv.table("t")["row"].tolist() == [1, 3]
    assert inv.references(17850) == {"t": 0}


def test_leading_zeros_and_case_are_different_users_but_reported():
    # decision: "017850" is not 17850 (text ids keep their zeros), but it is reported
    inv = DataInventory()
    inv.register("crm", pd.DataFrame({"u": ["017850", "17850", "A@x.com"]}), user="u")
    with pytest.warns(UserWarning, match="017850"):
        receipt = inv.erase(17850)
    assert receipt.rows_removed == {"crm": 1}
    assert receipt.lookalikes == {"crm": ("017850",)}
    assert inv.table("crm")["u"].tolist() == ["017850", "A@x.com"]
    with pytest.warns(UserWarning, match="A@x.com"):
        assert inv.erase("a@x.com").total == 0


def test_ids_with_spaces_around_them_are_refused_not_missed():
    # " 17850" would have escaped both the opt-out and the erasure of 17850
    inv = DataInventory()
    with pytest.raises(ValueError, match="spaces around it"):
        inv.register("t", pd.DataFrame({"u": ["17850 ", "12583"]}), user="u")
    with pytest.raises(ValueError, match="spaces around it"):
        consented(pd.DataFrame({"u": pd.array([" 17850"], dtype="string")}), [17850], user="u")
    with pytest.raises(ValueError, match="user_id holds ' 17850'"):
        DataInventory().erase(" 17850")


def test_pseudonyms_of_any_length_are_erased_and_odd_ones_refused():
    inv = DataInventory(key=KEY)
    inv.register(
        "short",
        pd.DataFrame({"pid": pseudonymize([1, 2], KEY, length=16)}),
        user="pid",
        pseudonymized=True,
    )
    inv.register(
        "long",
        pd.DataFrame({"pid": pseudonymize([1, 2], KEY, length=64)}),
        user="pid",
        pseudonymized=True,
    )
    assert inv.erase(1).rows_removed == {"short": 1, "long": 1}  # was 0: only 32 digits were tried
    upper = pd.DataFrame({"pid": [p.upper() for p in pseudonymize([1, 2], KEY)]})
    with pytest.raises(ValueError, match="lower-case hex"):
        inv.register("upper", upper, user="pid", pseudonymized=True)


def test_floats_too_large_to_hold_an_integer_are_refused():
    # 2**60 + 1 stored as a float is 2**60: erasing one user could erase another
    with pytest.raises(ValueError, match="2\\*\\*53"):
        DataInventory().register("t", pd.DataFrame({"u": [float(2**60)]}), user="u")


def test_erasure_of_a_large_table_keeps_every_other_row():
    rng = np.random.default_rng(0)
    ids = pd.array(rng.integers(12346, 18288, 400_000), dtype="Int64")
    ids[rng.random(400_000) < 0.25] = pd.NA
    orders = pd.DataFrame({"customer": ids, "v": np.arange(400_000)})
    inv = DataInventory()
    inv.register("orders", orders, user="customer")
    target = int(orders["customer"].dropna().iloc[0])
    receipt = inv.erase(target)
    assert receipt.rows_removed["orders"] == int((orders["customer"] == target).sum())
    left = inv.table("orders")
    assert len(left) == 400_000 - receipt.total
    assert (
        left["v"].tolist() == orders.loc[orders["customer"].ne(target).fillna(True), "v"].tolist()
    )
