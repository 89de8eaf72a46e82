"""Checks for rating tables, shared by splits, models and metrics."""

from __future__ import annotations

from typing import Any

import pandas as pd

from .._validate import check_columns, check_count


def check_ratings(
    frame: Any, *, name: str, rating: bool = False, duplicates: bool = True
) -> pd.DataFrame:
    """A DataFrame with ``user_id, item_id`` (and ``rating`` if asked), no
    missing values and no duplicate (user, item) pairs (``duplicates=False``
    leaves that check to a caller who can count pairs faster)."""
    required = ["user_id", "item_id", *(["rating"] if rating else [])]
    check_columns(frame, required, name=name)
    if len(frame) == 0:
        raise ValueError(f"{name} is empty")
    if frame[required].isna().any().any():
        raise ValueError(f"{name} has missing values in {required}")
    if not duplicates:
        return frame
    dup = frame.duplicated(["user_id", "item_id"])
    if dup.any():
        first = frame.loc[dup, ["user_id", "item_id"]].iloc[0].tolist()
        raise ValueError(
            f"{name} has {int(dup.sum())} duplicate (user_id, item_id) pair(s), e.g. {first}"
        )
    return frame


def check_k(k: Any) -> int:
    return check_count(k, name="k", minimum=1)
