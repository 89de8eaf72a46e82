"""Train/test splits for recommender evaluation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._rng import SeedLike, as_generator
from .._validate import check_columns, check_probability, check_real
from ._frame import check_ratings


def _n_test(sizes: np.ndarray, test_size: float) -> np.ndarray:
    # n_train = round-half-up((1 − test_size)·n); every user with ≥ 2 ratings
    # keeps at least one on each side.
    n_train = np.floor((1 - test_size) * sizes + 0.5).astype(int)
    n_train = np.where(sizes >= 2, np.clip(n_train, 1, sizes - 1), sizes)
    return sizes - n_train


def _take_last(
    ratings: pd.DataFrame, order: np.ndarray, test_size: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Put each user's last ``n_test`` rows of ``order`` into the test set."""
    frame = ratings.iloc[order]
    sizes = frame.groupby("user_id", sort=False)["user_id"].transform("size").to_numpy()
    position = frame.groupby("user_id", sort=False).cumcount().to_numpy()
    test_mask = position >= sizes - _n_test(sizes, test_size)
    train = frame[~test_mask].sort_index()
    test = frame[test_mask].sort_index()
    return train, test


def stratified_split(
    ratings: pd.DataFrame, *, test_size: float = 0.25, seed: SeedLike = 42
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split each user's ratings at random into train and test.

    Each user with n ratings keeps round((1 − test_size)·n) of them (rounding
    half up) in train and the rest in test, clipped so that every user with at
    least two ratings has at least one on each side. A user with one rating
    stays in train. This is the "stratified by user" protocol of the
    recommenders-team benchmarks (their random numbers differ, so the exact
    split does too).

    Parameters
    ----------
    ratings : DataFrame
        With ``user_id, item_id`` (other columns are carried along).
    test_size : float
        Share of each user's ratings in test, in (0, 1).
    seed : int, Generator or None

    Returns
    -------
    (train, test) : DataFrames with the original index, in the original order.

    Examples
    --------
    >>> df = pd.DataFrame({"user_id": [1] * 8 + [2] * 4, "item_id": range(12)})
    >>> train, test = stratified_split(df, seed=0)
    >>> test.groupby("user_id").size().tolist()
    [2, 1]
    """
    ratings = check_ratings(ratings, name="ratings")
    test_size = check_probability(test_size, name="test_size")
    rng = as_generator(seed)
    shuffled = rng.permutation(len(ratings))
    # stable sort by user keeps the random order within each user
    order = shuffled[np.argsort(ratings["user_id"].to_numpy()[shuffled], kind="stable")]
    return _take_last(ratings, order, test_size)


def chronological_split(
    ratings: pd.DataFrame, *, test_size: float = 0.25
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Each user's *latest* ratings go to test: what a production system faces.

    Per user, ratings are ordered by ``timestamp`` (ties by ``item_id``) and
    the last share ``test_size`` (rounded as in :func:`stratified_split`)
    is held out.

    Examples
    --------
    >>> df = pd.DataFrame({"user_id": [1, 1, 1, 1], "item_id": [1, 2, 3, 4],
    ...                    "timestamp": [40, 10, 30, 20]})
    >>> chronological_split(df)[1]["item_id"].tolist()
    [1]
    """
    ratings = check_ratings(ratings, name="ratings")
    if "timestamp" not in ratings.columns:
        raise ValueError("ratings needs a timestamp column for a chronological split")
    stamps = ratings["timestamp"]
    # text times would sort as strings ("10" before "9")
    if pd.api.types.is_bool_dtype(stamps) or not (
        pd.api.types.is_numeric_dtype(stamps) or pd.api.types.is_datetime64_any_dtype(stamps)
    ):
        raise ValueError(
            f"ratings['timestamp'] must be numbers or datetimes, got dtype {stamps.dtype}"
        )
    if stamps.isna().any():
        raise ValueError("ratings['timestamp'] has missing values")
    test_size = check_probability(test_size, name="test_size")
    order = np.lexsort(
        (
            ratings["item_id"].to_numpy(),
            ratings["timestamp"].to_numpy(),
            ratings["user_id"].to_numpy(),
        )
    )
    return _take_last(ratings, order, test_size)


def cutoff_split(
    frame: pd.DataFrame, cutoff: Any, *, column: str = "timestamp"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split a log at one moment: rows before ``cutoff`` and rows from it on.

    The global cutoff is what a deployed recommender faces: it is trained on
    everything up to a date and judged on what happens after, for every user
    at once (unlike :func:`chronological_split`, which holds out each user's
    own latest share and so lets one user's test period precede another's
    training rows). Users who only appear after the cutoff are new users
    (cold start); items first sold after it are new items. Call it twice for
    three periods (e.g. features / ranker labels / test).

    Parameters
    ----------
    frame : DataFrame
        Any log with a time column; repeated (user, item) rows are allowed
        (a customer buys the same product on several invoices).
    cutoff : scalar
        Rows with ``frame[column] < cutoff`` go to the first part. A string
        is read as a date when the column holds datetimes.
    column : str
        The time column: numbers or datetimes, without missing values.

    Returns
    -------
    (before, after) : DataFrames with the original index, in the original order.

    Examples
    --------
    >>> log = pd.DataFrame({"user_id": [1, 1, 2, 2], "item_id": [5, 6, 5, 5],
    ...                     "timestamp": [1, 5, 3, 9]})
    >>> before, after = cutoff_split(log, 4)
    >>> before["timestamp"].tolist(), after["timestamp"].tolist()
    ([1, 3], [5, 9])
    """
    if not isinstance(column, str):
        raise ValueError(f"column must be a column name (str), got {column!r}")
    check_columns(frame, [], name="frame")
    if column not in frame.columns:
        raise ValueError(
            f"column {column!r} is not a column of frame; it has {list(frame.columns)}"
        )
    stamps = frame[column]
    if pd.api.types.is_bool_dtype(stamps) or not (
        pd.api.types.is_numeric_dtype(stamps) or pd.api.types.is_datetime64_any_dtype(stamps)
    ):
        raise ValueError(
            f"frame[{column!r}] must be numbers or datetimes, got dtype {stamps.dtype}"
        )
    if stamps.isna().any():
        raise ValueError(f"frame[{column!r}] has missing values")
    if len(frame) == 0:
        raise ValueError("frame is empty")
    if cutoff is None or isinstance(cutoff, bool):
        raise ValueError(f"cutoff must be a time of the kind in frame[{column!r}], got {cutoff!r}")
    if pd.api.types.is_datetime64_any_dtype(stamps):
        try:
            moment = pd.Timestamp(cutoff)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"cutoff must be a date or time, got {cutoff!r} ({exc})") from None
        if moment is pd.NaT:
            raise ValueError(f"cutoff must be a date or time, got {cutoff!r}")
        if (moment.tzinfo is None) != (getattr(stamps.dt, "tz", None) is None):
            raise ValueError(
                f"cutoff {cutoff!r} and frame[{column!r}] must both have a time zone or neither"
            )
        early = (stamps < moment).to_numpy()
    else:
        value = check_real(cutoff, name="cutoff")
        early = (stamps < value).to_numpy()
    return frame[early], frame[~early]
