"""Flag suspected bots in per-user traffic logs.

No person sees a product page's button 20 times in one session; a crawler
does. The rule needs only what a real log has (impressions and sessions per
user), never a simulator's ground truth.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

#: Impressions per session at or above which a user is treated as a bot.
BOT_IMPRESSIONS_PER_SESSION = 20


def suspected_bots(
    df: pd.DataFrame,
    *,
    threshold: float = BOT_IMPRESSIONS_PER_SESSION,
    impressions: str = "impressions",
    sessions: str = "sessions",
) -> pd.Series:
    """True for users with at least ``threshold`` impressions per session.

    Parameters
    ----------
    df : DataFrame
        One row per user with impression and session counts.
    threshold : float
        Impressions per session at or above which a user is flagged.
    impressions, sessions : str
        Column names.

    Returns
    -------
    Series of bool
        Named ``"suspected_bot"``, with ``df``'s index.

    Examples
    --------
    >>> df = pd.DataFrame({"impressions": [6, 45, 20], "sessions": [3, 1, 1]})
    >>> suspected_bots(df).tolist()
    [False, True, True]
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if isinstance(threshold, bool) or not isinstance(threshold, int | float | np.number):
        raise TypeError(f"threshold must be a number, got {type(threshold).__name__}")
    if not np.isfinite(threshold) or threshold <= 0:
        raise ValueError(f"threshold must be a finite number > 0, got {threshold}")
    cols: dict[str, Any] = {}
    for arg, name in (("impressions", impressions), ("sessions", sessions)):
        if name not in df.columns:
            raise ValueError(f"{arg}={name!r} is not a column of df; columns: {list(df.columns)}")
        if not pd.api.types.is_numeric_dtype(df[name]) or pd.api.types.is_bool_dtype(df[name]):
            raise ValueError(f"{arg} column {name!r} must hold numbers, got dtype {df[name].dtype}")
        cols[arg] = df[name]
    if (cols["sessions"] <= 0).any():
        raise ValueError(f"sessions column {sessions!r} must be > 0 for every user")
    flags = cols["impressions"] / cols["sessions"] >= threshold
    return flags.rename("suspected_bot")
