"""Keyed pseudonyms against the HMAC reference, and the attack on plain hashing."""

import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from xplab.privacy import dictionary_attack, plain_hash, pseudonymize

KEY = b"0123456789abcdef-course-key"


def test_matches_rfc_4231_test_case_1():
    # RFC 4231 section 4.2: key = 0x0b * 20, data = "Hi There"
    key = b"\x0b" * 20
    expected = "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    assert pseudonymize("Hi There", key, length=64) == expected


def test_equals_python_hmac_on_integer_ids():
    ids = [12346, 17850, 18287]
    want = [hmac.new(KEY, str(i).encode(), hashlib.sha256).hexdigest()[:32] for i in ids]
    assert list(pseudonymize(ids, KEY)) == want


def test_stable_and_the_same_for_an_integer_and_its_string():
    a = pseudonymize(np.array([7, 8, 9]), KEY)
    b = pseudonymize(["7", "8", "9"], KEY)
    assert list(a) == list(b)
    assert pseudonymize(7, KEY) == a[0]


def test_different_keys_give_unlinkable_pseudonyms():
    ids = range(100_000, 110_000)
    one = set(pseudonymize(list(ids), KEY))
    two = set(pseudonymize(list(ids), b"a different key of 16+ bytes"))
    assert len(one) == len(two) == 10_000  # no collision within a key
    assert not one & two


def test_series_keep_their_index_and_name():
    s = pd.Series([17850, 12583], index=["a", "b"], name="customer_id")
    out = pseudonymize(s, KEY)
    assert isinstance(out, pd.Series)
    assert list(out.index) == ["a", "b"] and out.name == "customer_id"


@pytest.mark.parametrize("bad", [None, float("nan"), pd.NA, [1, None]])
def test_missing_ids_are_refused(bad):
    with pytest.raises(ValueError, match="ids"):
        pseudonymize(bad, KEY)


def test_short_or_missing_keys_are_refused():
    with pytest.raises(ValueError, match="key must be at least 16 bytes"):
        pseudonymize(1, "short")
    with pytest.raises(TypeError, match="key must be bytes"):
        pseudonymize(1, None)  # type: ignore[arg-type]


def test_dictionary_attack_reverses_plain_hashes_but_not_keyed_ones():
    customers = np.arange(12346, 18288)  # every customer number of Online Retail
    rng = np.random.default_rng(0)
    leaked_ids = rng.choice(customers, 500, replace=False)
    recovered = dictionary_attack(plain_hash(leaked_ids), customers)
    assert sorted(recovered.values()) == sorted(leaked_ids.tolist())
    assert dictionary_attack(pseudonymize(leaked_ids, KEY), customers) == {}
    # with the key, the holder can re-identify: pseudonymised data are still personal data
    with_key = dictionary_attack(
        pseudonymize(leaked_ids, KEY), customers, hasher=lambda c: pseudonymize(c, KEY)
    )
    assert len(with_key) == 500


@pytest.mark.parametrize(
    "ids",
    [
        pd.Series([17850, 12583], dtype="Int64"),
        pd.Series([17850, 12583], dtype="UInt32"),
        pd.Series(pd.Categorical([17850, 12583], categories=[12583, 17850, 1])),
        pd.Series(pd.Categorical(["17850", "12583"])),
        pd.Series(["17850", "12583"], dtype="string"),
        pd.Series(["17850", "12583"], dtype="str"),
        np.array([17850, 12583], dtype=np.uint16),
        pd.Index([17850, 12583]),
    ],
    ids=lambda s: str(s.dtype),
)
def test_pandas_dtypes_give_the_pseudonyms_of_the_plain_ids(ids):
    assert list(pseudonymize(ids, KEY)) == list(pseudonymize([17850, 12583], KEY))


def test_missing_values_in_nullable_columns_are_refused():
    for ids in (pd.Series([17850, None], dtype="Int64"), pd.Series(["a", None], dtype="string")):
        with pytest.raises(ValueError, match=r"ids\[1\]"):
            pseudonymize(ids, KEY)


def test_text_ids_are_taken_as_given():
    # the documented decision: only an integer and its decimal digits are one id
    base = pseudonymize(17850, KEY)
    assert pseudonymize("017850", KEY) != base
    assert pseudonymize(" 17850", KEY) != base
    assert pseudonymize("A@x.com", KEY) != pseudonymize("a@x.com", KEY)
    assert len(pseudonymize([], KEY)) == 0
