"""Checks and a clean working copy of a panel, shared by the DiD estimators.

Every estimator copies the columns it needs into a frame with fixed, formula-safe
names (``y``, ``unit``, ``time``, …) so that user column names with spaces or
odd characters never reach a model formula.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validate import check_columns


def numeric_column(df: pd.DataFrame, column: str, *, name: str) -> np.ndarray:
    """A finite float array from ``df[column]``; ``name`` is the argument that named it."""
    try:
        values = pd.to_numeric(df[column], errors="raise").to_numpy(dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} column {column!r} must be numeric: {exc}") from None
    bad = ~np.isfinite(values)
    if bad.any():
        raise ValueError(
            f"{name} column {column!r} has {int(bad.sum())} missing or infinite value(s)"
        )
    return values


def key_column(df: pd.DataFrame, column: str, *, name: str) -> pd.Series:
    """An identifier column (unit, time, cluster) without missing values."""
    values = df[column]
    if values.isna().any():
        raise ValueError(
            f"{name} column {column!r} has {int(values.isna().sum())} missing value(s)"
        )
    return values.reset_index(drop=True)


def first_treated_column(
    df: pd.DataFrame, column: str, *, name: str = "first_treated"
) -> np.ndarray:
    """Adoption times as floats; NaN (or None / pd.NA) marks a never-treated unit."""
    try:
        values = pd.to_numeric(df[column], errors="raise").to_numpy(dtype=float, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} column {column!r} must be numeric (NaN = never treated): {exc}"
        ) from None
    if np.isinf(values).any():
        raise ValueError(
            f"{name} column {column!r} has infinite values; code never-treated units as NaN"
        )
    return values


# column arguments that may be None ("not used"); every other one must name a column
OPTIONAL_COLUMNS = ("cluster", "weights")


def check_frame(df: Any, columns: dict[str, str | None]) -> None:
    """``df`` is a non-empty DataFrame with every column named in ``columns``.

    ``columns`` maps the argument name to the column it names; None means "not
    used" and is allowed only for the arguments in ``OPTIONAL_COLUMNS``.
    """
    check_columns(df, [], name="df")
    if len(df) == 0:
        raise ValueError("df has no rows")
    for arg, column in columns.items():
        if column is None and arg in OPTIONAL_COLUMNS:
            continue
        if not isinstance(column, str):
            raise ValueError(f"{arg} must be a column name (str), got {column!r}")
        if column not in df.columns:
            raise ValueError(f"{arg}={column!r} is not a column of df; it has {list(df.columns)}")


def check_unique_cells(unit: pd.Series, time: pd.Series) -> None:
    """One row per unit and time period."""
    dup = pd.DataFrame({"u": unit, "t": time}).duplicated()
    if dup.any():
        raise ValueError(
            f"df has {int(dup.sum())} duplicated (unit, time) row(s); a panel has one row per "
            "unit and period"
        )


def check_constant_within_unit(unit: pd.Series, values: np.ndarray, *, name: str) -> None:
    """``values`` (e.g. adoption times) must not change within a unit."""
    frame = pd.DataFrame({"u": unit.to_numpy(), "v": values})
    counts = frame.groupby("u", sort=False)["v"].nunique(dropna=False)
    if (counts > 1).any():
        bad = counts.index[counts > 1][0]
        raise ValueError(
            f"{name} must be constant within each unit; unit {bad!r} has several values"
        )
