import pandas as pd
import pytest

from xplab.recs import chronological_split, cutoff_split, stratified_split


def test_stratified_split_per_user_counts(ratings):
    train, test = stratified_split(ratings, test_size=0.25, seed=1)
    assert len(train) + len(test) == len(ratings)
    assert not train.index.intersection(test.index).size
    n = ratings.groupby("user_id").size()
    n_test = test.groupby("user_id").size().reindex(n.index, fill_value=0)
    expected = n - ((0.75 * n + 0.5) // 1).astype(int).clip(lower=1, upper=n - 1)
    assert (n_test == expected).all()
    assert set(train["user_id"]) == set(ratings["user_id"])


def test_stratified_split_is_seeded(ratings):
    a = stratified_split(ratings, seed=3)[1]
    b = stratified_split(ratings, seed=3)[1]
    c = stratified_split(ratings, seed=4)[1]
    assert a.equals(b) and not a.index.equals(c.index)


def test_single_rating_user_stays_in_train():
    df = pd.DataFrame({"user_id": [1, 2, 2], "item_id": [1, 1, 2]})
    train, test = stratified_split(df, seed=0)
    assert 1 in set(train["user_id"]) and 1 not in set(test["user_id"])
    assert len(test) == 1


def test_chronological_split_takes_the_latest(ratings):
    train, test = chronological_split(ratings, test_size=0.25)
    last_train = train.groupby("user_id")["timestamp"].max()
    first_test = test.groupby("user_id")["timestamp"].min()
    assert (last_train.reindex(first_test.index) <= first_test).all()


@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (
            pd.DataFrame({"user": [1], "item_id": [1]}),
            {},
            r"ratings is missing column\(s\) \['user_id'\]",
        ),
        (
            pd.DataFrame({"user_id": [1, 1], "item_id": [2, 2]}),
            {},
            r"1 duplicate \(user_id, item_id\) pair",
        ),
        (
            pd.DataFrame({"user_id": [1], "item_id": [2]}),
            {"test_size": 1.0},
            r"test_size must be in \(0, 1\)",
        ),
        (pd.DataFrame({"user_id": [], "item_id": []}), {}, r"ratings is empty"),
    ],
)
def test_bad_input(frame, kwargs, message):
    with pytest.raises(ValueError, match=message):
        stratified_split(frame, **kwargs)


def test_chronological_needs_timestamp():
    with pytest.raises(ValueError, match="needs a timestamp column"):
        chronological_split(pd.DataFrame({"user_id": [1, 1], "item_id": [1, 2]}))


def test_cutoff_split_is_one_moment_for_everyone():
    log = pd.DataFrame(
        {
            "user_id": [1, 1, 2, 2, 3],
            "item_id": [5, 5, 5, 6, 7],  # repeated pairs are allowed: a customer buys again
            "timestamp": pd.to_datetime(
                ["2011-01-05", "2011-03-01", "2011-01-20", "2011-02-01", "2011-02-02"]
            ),
        }
    )
    before, after = cutoff_split(log, "2011-02-01")
    assert before["timestamp"].max() < pd.Timestamp("2011-02-01") <= after["timestamp"].min()
    assert list(before.index) == [0, 2] and list(after.index) == [1, 3, 4]
    numeric = log.assign(timestamp=[5, 60, 20, 31, 32])
    assert list(cutoff_split(numeric, 31)[1].index) == [1, 3, 4]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cutoff": "not a date"}, "cutoff must be a date"),
        ({"cutoff": None}, "cutoff must be a time"),
        ({"cutoff": "2011-01-01", "column": "when"}, "column 'when' is not a column"),
        ({"cutoff": "2011-01-01", "column": 3}, "column must be a column name"),
        ({"cutoff": pd.Timestamp("2011-01-01", tz="UTC")}, "time zone"),
    ],
)
def test_cutoff_split_bad_input(kwargs, message):
    log = pd.DataFrame(
        {"user_id": [1], "item_id": [2], "timestamp": pd.to_datetime(["2011-01-02"])}
    )
    with pytest.raises(ValueError, match=message):
        cutoff_split(log, **kwargs)
