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
