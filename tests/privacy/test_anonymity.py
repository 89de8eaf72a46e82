"""k-anonymity and l-diversity on adversarial tables, against a brute-force count."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from xplab.privacy import enforce_k_anonymity, generalize, k_anonymity, l_diversity


def brute_force_class_sizes(frame, qi):
    def key(row):
        return tuple(("<NA>",) if pd.isna(v) else (type(v).__name__, v) for v in row)

    keys = [key(row) for row in frame[qi].itertuples(index=False)]
    counts = Counter(keys)
    return np.array([counts[k] for k in keys])


@pytest.mark.parametrize("seed", range(5))
def test_class_sizes_equal_a_brute_force_count(seed):
    rng = np.random.default_rng(seed)
    n = 400
    frame = pd.DataFrame(
        {
            "age": rng.choice([25.0, 35.0, 45.0, np.nan], n),
            "country": rng.choice(["UK", "FR", "DE", None], n),
            "month": rng.integers(1, 4, n),
        }
    )
    r = k_anonymity(frame, ["age", "country", "month"], k=5)
    sizes = brute_force_class_sizes(frame, ["age", "country", "month"])
    assert r.class_sizes.tolist() == sizes.tolist()
    assert r.k == sizes.min()
    assert r.at_risk.tolist() == np.flatnonzero(sizes < 5).tolist()
    assert r.n_classes == len(set(map(tuple, frame.astype(str).to_numpy())))


def test_missing_values_are_a_class_of_their_own_not_hidden_among_others():
    frame = pd.DataFrame({"postcode": ["E1", "E1", "E1", None], "age": [30, 30, 30, 30]})
    r = k_anonymity(frame, ["postcode", "age"], k=2)
    assert r.k == 1 and r.at_risk.tolist() == [3]


def test_an_integer_and_its_string_are_different_values():
    # mixed types are counted apart: the check errs towards smaller classes, never larger
    frame = pd.DataFrame({"zip": [1, 1, "1", "1"]})
    assert k_anonymity(frame, ["zip"], k=2).n_classes == 2


def test_a_unique_person_is_found_among_many():
    frame = pd.DataFrame({"country": ["United Kingdom"] * 999 + ["Iceland"]})
    r = k_anonymity(frame, ["country"], k=10)
    assert (r.k, r.rows_at_risk, r.share_at_risk) == (1, 1, 0.001)
    assert not r.satisfied


def test_duplicated_columns_and_empty_frames_are_refused():
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(ValueError, match="duplicated column"):
        k_anonymity(dup, ["a"])
    with pytest.raises(ValueError, match="no rows"):
        k_anonymity(pd.DataFrame({"a": []}), ["a"])
    with pytest.raises(ValueError, match="lists a column twice"):
        k_anonymity(pd.DataFrame({"a": [1]}), ["a", "a"])


def test_l_diversity_catches_the_homogeneity_attack():
    # every class is 3-anonymous, but everyone aged 40-50 in FR is "lapsed"
    frame = pd.DataFrame(
        {
            "country": ["UK"] * 3 + ["FR"] * 3,
            "age": ["[30, 40)"] * 3 + ["[40, 50)"] * 3,
            "segment": ["loyal", "lapsed", "new", "lapsed", "lapsed", "lapsed"],
        }
    )
    assert k_anonymity(frame, ["country", "age"], k=3).satisfied
    assert l_diversity(frame, ["country", "age"], "segment") == 1
    with pytest.raises(ValueError, match="also a quasi-identifier"):
        l_diversity(frame, ["country", "segment"], "segment")


def test_generalising_raises_k_and_refuses_to_drop_values():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {"age": rng.integers(18, 80, 1000), "country": rng.choice(["UK", "FR", "DE", "NL"], 1000)}
    )
    before = k_anonymity(frame, ["age", "country"], k=5)
    coarse = generalize(
        frame,
        {"age": [18, 30, 45, 60, 81], "country": {"UK": "UK", "FR": "EU", "DE": "EU", "NL": "EU"}},
    )
    after = k_anonymity(coarse, ["age", "country"], k=5)
    assert before.k < 5 <= after.k
    with pytest.raises(ValueError, match="fall outside"):
        generalize(frame, {"age": [20, 60]})
    with pytest.raises(ValueError, match="does not map"):
        generalize(frame, {"country": {"UK": "UK"}})


def test_suppression_is_refused_beyond_its_limit():
    frame = pd.DataFrame({"country": ["UK"] * 90 + list("ABCDEFGHIJ")})
    assert len(enforce_k_anonymity(frame, ["country"], k=5, max_suppressed=0.1)) == 90
    with pytest.raises(ValueError, match="generalise the quasi-identifiers first"):
        enforce_k_anonymity(frame, ["country"], k=5, max_suppressed=0.05)
