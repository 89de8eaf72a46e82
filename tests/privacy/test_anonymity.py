"""k-anonymity and l-diversity on adversarial tables, against a brute-force count."""

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from xplab.privacy import enforce_k_anonymity, generalize, k_anonymity, l_diversity

MISSING = object()  # a marker no cell can equal


def brute_force_class_sizes(frame, qi, unit=None):
    """Each row's class size by plain Python: values equal under ==, every missing kind one value."""

    def key(row):
        return tuple(MISSING if pd.isna(v) else v for v in row)

    if unit is not None:
        people = {}
        for k, u in zip(map(key, frame[qi].itertuples(index=False)), frame[unit], strict=True):
            people.setdefault(k, set()).add(u)
        return np.array([len(people[key(row)]) for row in frame[qi].itertuples(index=False)])

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


def adversarial_table(seed, n=600):
    """Every kind of missing value, numbers of several types, text that looks like them,
    categoricals with unused categories, dates with NaT, nullable integers."""
    rng = np.random.default_rng(seed)
    odd = np.array(
        [None, np.nan, pd.NA, pd.NaT, "<missing>", "nan", "None", 1, 1.0, np.int64(1), "1", 2],
        dtype=object,
    )
    return pd.DataFrame(
        {
            "mixed": odd[rng.integers(0, len(odd), n)],
            "cat": pd.Categorical(rng.choice(["UK", "FR", None], n), categories=["UK", "FR", "DE"]),
            "signup": pd.to_datetime(
                rng.choice(["2011-01-01", "2011-02-01", None], n), format="ISO8601"
            ),
            "age": pd.array(rng.choice([30, 40, None], n), dtype="Int64"),
            "city": pd.array(rng.choice(["Leeds", "leeds", None], n), dtype="string"),
            "customer": rng.integers(0, 150, n),
        }
    )


@pytest.mark.parametrize("seed", range(4))
def test_adversarial_tables_match_the_brute_force_count(seed):
    frame = adversarial_table(seed)
    qi = ["mixed", "cat", "signup", "age", "city"]
    r = k_anonymity(frame, qi, k=3)
    assert r.class_sizes.tolist() == brute_force_class_sizes(frame, qi).tolist()
    people = k_anonymity(frame, ["mixed", "cat"], k=3, unit="customer")
    want = brute_force_class_sizes(frame, ["mixed", "cat"], unit="customer")
    assert people.class_sizes.tolist() == want.tolist()
    assert people.at_risk.tolist() == np.flatnonzero(want < 3).tolist()


def test_the_text_missing_is_not_a_missing_value():
    # the old code marked missing cells with the string "<missing>" and compared by identity
    frame = pd.DataFrame({"postcode": ["<missing>", None, "E1", "E1"]})
    assert k_anonymity(frame, ["postcode"], k=2).class_sizes.tolist() == [1, 1, 2, 2]


def test_equal_numbers_of_different_types_are_one_value():
    # a column concatenated from several sources: Python, NumPy and float ones
    frame = pd.DataFrame({"age": pd.Series([30, np.int64(30), 30.0, np.float32(30)], dtype=object)})
    r = k_anonymity(frame, ["age"], k=4)
    assert (r.k, r.n_classes) == (4, 1)
    sensitive = pd.DataFrame({"q": ["a", "a"], "s": pd.Series([1, np.int64(1)], dtype=object)})
    assert l_diversity(sensitive, ["q"], "s") == 1  # not 2: one value, written twice


def test_several_rows_of_one_person_count_once_with_unit():
    orders = pd.DataFrame(
        {"customer": [7] * 5 + [8, 9, 10, 11, 12], "country": ["IS"] * 5 + ["UK"] * 5}
    )
    assert k_anonymity(orders, ["country"], k=5).satisfied  # 5 rows of Iceland...
    r = k_anonymity(orders, ["country"], k=5, unit="customer")  # ...are one customer
    assert (r.k, r.rows_at_risk) == (1, 5) and not r.satisfied
    assert (
        len(enforce_k_anonymity(orders, ["country"], k=5, unit="customer", max_suppressed=0.5)) == 5
    )
    with pytest.raises(ValueError, match="unit: 1 row"):
        k_anonymity(
            orders.assign(customer=[7] * 5 + [8, 9, 10, 11, None]), ["country"], unit="customer"
        )
    with pytest.raises(ValueError, match="also a quasi-identifier"):
        k_anonymity(orders, ["country", "customer"], unit="customer")


def test_quasi_identifiers_as_an_index_and_unhashable_cells():
    frame = pd.DataFrame({"a": [1, 1], "b": [2, 2], "c": [[1], [1]]})
    assert k_anonymity(frame, frame.columns[:2], k=2).satisfied
    with pytest.raises(TypeError, match="quasi_identifiers: column 'c'"):
        k_anonymity(frame, ["c"])


def test_a_million_rows_give_the_same_classes_as_pandas_groupby():
    # the speed target (well under a few seconds) lives in benchmarks/bench_privacy.py
    rng = np.random.default_rng(3)
    n = 1_000_000
    frame = pd.DataFrame(
        {
            "country": rng.choice(np.array(["UK", "FR", None], dtype=object), n),
            "age": np.where(rng.random(n) < 0.01, np.nan, rng.integers(18, 90, n)),
            "month": pd.Categorical(rng.integers(1, 13, n)),
        }
    )
    r = k_anonymity(frame, ["country", "age", "month"], k=10)
    want = frame.groupby(["country", "age", "month"], dropna=False, observed=True)[
        "country"
    ].transform("size")
    assert r.class_sizes.to_numpy().tolist() == want.to_numpy().tolist()


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


def test_a_rule_function_keeps_each_value_on_its_row():
    frame = pd.DataFrame({"age": [41.0, 23.0, 67.0]}, index=[10, 11, 12])
    # a function that returns its Series in another order (sorting) must not shuffle rows
    out = generalize(frame, {"age": lambda s: (s // 10 * 10).sort_values()})
    assert out["age"].tolist() == [40.0, 20.0, 60.0]
    with pytest.raises(ValueError, match="index is not the column's"):
        generalize(frame, {"age": lambda s: pd.Series(s.to_numpy())})  # fresh 0..2 index


def test_bins_of_dates_arrays_and_close_edges():
    frame = pd.DataFrame(
        {
            "signup": pd.to_datetime(["2011-03-05", "2011-08-01 10:00", None], format="ISO8601"),
            "revenue": [100000.15, 100000.25, 5.0],
        }
    )
    out = generalize(
        frame,
        {
            "signup": ["2011-01-01", "2011-07-01", "2012-01-01"],
            "revenue": np.array([0.0, 100000.1, 100000.2, 100000.3]),
        },
    )
    assert out["signup"].tolist()[:2] == ["[2011-01-01, 2011-07-01)", "[2011-07-01, 2012-01-01)"]
    assert pd.isna(out["signup"].iloc[2])
    # six significant digits would print two edges alike; the labels keep them apart
    assert out["revenue"].tolist() == [
        "[100000.1, 100000.2)",
        "[100000.2, 100000.3)",
        "[0, 100000.1)",
    ]
    with pytest.raises(ValueError, match="fall outside"):
        generalize(frame, {"signup": ["2011-04-01", "2012-01-01"]})
    with pytest.raises(TypeError, match=r"rules\['revenue'\] must be increasing bin edges"):
        generalize(frame, {"revenue": [0, np.nan, 10]})
    with pytest.raises(TypeError, match=r"rules\['signup'\] must be increasing bin edges of dates"):
        generalize(frame, {"signup": [0, 1]})
    with pytest.raises(TypeError, match="numeric or date column"):
        generalize(pd.DataFrame({"c": ["UK"]}), {"c": [0, 1]})


def test_suppression_is_refused_beyond_its_limit():
    frame = pd.DataFrame({"country": ["UK"] * 90 + list("ABCDEFGHIJ")})
    assert len(enforce_k_anonymity(frame, ["country"], k=5, max_suppressed=0.1)) == 90
    with pytest.raises(ValueError, match="generalise the quasi-identifiers first"):
        enforce_k_anonymity(frame, ["country"], k=5, max_suppressed=0.05)
