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


def _reject_datetimes(df: pd.DataFrame, column: str, *, name: str) -> None:
    """Dates and times would be read as nanosecond counts: refuse them with the fix."""
    dtype = df[column].dtype
    if (
        pd.api.types.is_datetime64_any_dtype(dtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype)
    ):
        raise ValueError(
            f"{name} column {column!r} holds dates ({dtype}); the DiD functions count "
            "periods, so pass period numbers: e.g. days since the start, "
            f"(df[{column!r}] - df[{column!r}].min()).dt.days, or week numbers ... // 7 "
            "(and code first_treated in the same numbers, NaN for never treated)"
        )


def numeric_column(df: pd.DataFrame, column: str, *, name: str) -> np.ndarray:
    """A finite float array from ``df[column]``; ``name`` is the argument that named it.
    Dates are refused (they would silently become nanosecond counts)."""
    _reject_datetimes(df, column, name=name)
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
    df: pd.DataFrame, column: str, periods: np.ndarray, *, name: str = "first_treated"
) -> np.ndarray:
    """Adoption times as floats; NaN (or None / pd.NA) marks a never-treated unit.

    **0 = never treated** when 0 is not a period of the panel (``periods``): the
    convention of R ``did``, csdid, moderndid and pyfixest's event-study
    helpers, which code never-treated units as 0. When 0 *is* a period, 0 means
    adoption in period 0, and never-treated units must be NaN.
    """
    _reject_datetimes(df, column, name=name)
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
    if not np.isin(0.0, periods):
        values = np.where(values == 0, np.nan, values)
    return values


NEVER_TREATED_HINT = (
    "code never-treated units as NaN (or as 0 when 0 is not a period of the panel, "
    "the R did convention)"
)


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
