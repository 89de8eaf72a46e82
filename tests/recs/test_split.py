import pandas as pd
import pytest

from xplab.recs import chronological_split, stratified_split


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
