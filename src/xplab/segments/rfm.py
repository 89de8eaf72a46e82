"""Recency, frequency and monetary value (RFM) as of a date, and rule-based RFM segments.

RFM summarises each customer's purchases by three numbers (Hughes 1994; the
Online Retail data's own paper, Chen, Sain & Guo 2012, segments its customers
this way):

* **recency** — days from the customer's last purchase to the date of the
  analysis (lower is better);
* **frequency** — distinct orders (invoices), not lines: a basket of twenty
  products is one visit;
* **monetary** — the money spent.

Everything is computed **as of** a date, from purchases strictly before it:
features for a decision taken on 1 September must not use what happened on
2 September (that would leak the future into the segment, and every later
evaluation would look better than the deployed system can be).

Rule-based segments score each customer 1–5 on R, F and M and name the cells
of the R × F grid (:data:`RF_GRID`). A score is 1 + ⌊5 × the share of
customers strictly worse⌋, so customers with the same value get the same
score: with ties (a third of customers bought once), quintiles of equal size
do not exist, and a rank that breaks ties by row order would put identical
customers in different segments.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .._validate import check_columns, check_count, check_date

__all__ = ["RFM_COLUMNS", "RF_GRID", "rfm_features", "rfm_scores", "rfm_segments"]

#: The columns of :func:`rfm_features`, in order.
RFM_COLUMNS = ("recency_days", "frequency", "monetary", "tenure_days")

#: Named cells of the R × F grid (R score, F score, 1–5 each): a map in common use
#: in marketing tutorials, not a standard. Every one of the 25 cells is named once.
RF_GRID: Mapping[str, tuple[tuple[int, ...], tuple[int, ...]]] = {
    "champions": ((5,), (4, 5)),
    "loyal": ((3, 4), (4, 5)),
    "potential loyalists": ((4, 5), (2, 3)),
    "new": ((5,), (1,)),
    "promising": ((4,), (1,)),
    "need attention": ((3,), (3,)),
    "about to sleep": ((3,), (1, 2)),
    "cannot lose them": ((1, 2), (5,)),
    "at risk": ((1, 2), (3, 4)),
    "hibernating": ((1, 2), (1, 2)),
}

_DAY = pd.Timedelta(days=1)


def _check_name(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a column name, got {value!r}")
    return value


def rfm_features(
    purchases: pd.DataFrame,
    *,
    as_of: Any,
    customer: str = "customer_id",
    invoice: str = "invoice",
    date: str = "invoice_date",
    revenue: str = "revenue",
) -> pd.DataFrame:
    """Recency, frequency, monetary value and tenure of each customer as of a date.

    Only purchases strictly before ``as_of`` count; customers with none are
    absent (they are new at ``as_of``: cold start).

    Parameters
    ----------
    purchases : DataFrame
        One row per purchased line (e.g. ``clean_online_retail(...).purchases``).
    as_of : date
        The moment of the analysis (a string such as ``"2011-09-01"`` or a Timestamp).
    customer, invoice, date, revenue : str
        Column names: the customer id, the order id, the purchase time
        (datetimes) and the line's money.

    Returns
    -------
    DataFrame
        Indexed by customer (sorted), with ``recency_days`` (days, with
        fractions, from the last purchase to ``as_of``), ``frequency``
        (distinct invoices), ``monetary`` (sum of revenue) and
        ``tenure_days`` (days from the first purchase to ``as_of``).

    Examples
    --------
    >>> p = pd.DataFrame({"customer_id": [7, 7, 7, 8], "invoice": ["1", "1", "2", "3"],
    ...     "invoice_date": pd.to_datetime(["2011-01-01", "2011-01-01", "2011-01-21", "2011-02-01"]),
    ...     "revenue": [10.0, 5.0, 20.0, 99.0]})
    >>> rfm_features(p, as_of="2011-01-31").to_dict("index")
    {7: {'recency_days': 10.0, 'frequency': 2, 'monetary': 35.0, 'tenure_days': 30.0}}
    """
    args = {"customer": customer, "invoice": invoice, "date": date, "revenue": revenue}
    names = [_check_name(v, n) for n, v in args.items()]
    if len(set(names)) != len(names):
        raise ValueError(f"customer, invoice, date and revenue must be four columns, got {names}")
    check_columns(purchases, [], name="purchases")
    for arg, col in args.items():
        if col not in purchases.columns:
            raise ValueError(f"{arg}: no column {col!r} in purchases ({list(purchases.columns)})")
    moment = check_date(as_of, name="as_of")
    if not pd.api.types.is_datetime64_any_dtype(purchases[date]):
        raise ValueError(f"date: column {date!r} must hold datetimes, got {purchases[date].dtype}")
    if not pd.api.types.is_numeric_dtype(purchases[revenue]) or pd.api.types.is_bool_dtype(
        purchases[revenue]
    ):
        raise ValueError(f"revenue: column {revenue!r} must be numeric")
    if purchases[customer].isna().any():
        raise ValueError(f"customer: column {customer!r} has missing ids; drop those rows first")
    before = purchases[purchases[date] < moment]
    if len(before) == 0:
        raise ValueError(f"as_of: no purchase is before {moment} (nothing to summarise)")
    g = before.groupby(customer, sort=True)
    out = pd.DataFrame(
        {
            "recency_days": (moment - g[date].max()) / _DAY,
            "frequency": g[invoice].nunique().astype("int64"),
            "monetary": g[revenue].sum().astype(float),
            "tenure_days": (moment - g[date].min()) / _DAY,
        }
    )
    out.index.name = customer
    return out


def _score(values: pd.Series, bins: int, higher_is_better: bool) -> np.ndarray:
    """1 + ⌊bins × share of customers strictly worse⌋ (ties share a score)."""
    x = values.to_numpy(dtype=float)
    ordered = np.sort(x)
    if higher_is_better:
        worse = np.searchsorted(ordered, x, side="left")  # strictly smaller
    else:
        worse = x.size - np.searchsorted(ordered, x, side="right")  # strictly larger
    return (1 + np.floor(bins * worse / x.size)).astype(int)


def rfm_scores(features: pd.DataFrame, *, bins: int = 5) -> pd.DataFrame:
    """R, F and M scores from 1 to ``bins``: 1 + ⌊bins × share of customers strictly worse⌋.

    R is higher for a *lower* recency (a recent buyer); F and M for higher
    frequency and monetary value. Equal values always get equal scores, so a
    score's group can be larger than 1/bins of the customers (with a third of
    customers buying once, F = 1 holds a third), and a score may be unused.

    Parameters
    ----------
    features : DataFrame
        With ``recency_days``, ``frequency`` and ``monetary`` (:func:`rfm_features`).
    bins : int
        Number of score levels, at least 2.

    Returns
    -------
    DataFrame
        ``R``, ``F``, ``M`` (integers), with the index of ``features``.

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [5.0, 40.0, 200.0, 40.0],
    ...                   "frequency": [9, 1, 1, 3], "monetary": [900.0, 50.0, 20.0, 300.0]})
    >>> rfm_scores(f, bins=4).to_dict("list")
    {'R': [4, 2, 1, 2], 'F': [4, 1, 1, 3], 'M': [4, 2, 1, 3]}
    """
    check_columns(features, ["recency_days", "frequency", "monetary"], name="features")
    b = check_count(bins, name="bins", minimum=2)
    if len(features) == 0:
        raise ValueError("features has no rows")
    cols = features[["recency_days", "frequency", "monetary"]]
    if not all(pd.api.types.is_numeric_dtype(t) for t in cols.dtypes) or cols.isna().any().any():
        raise ValueError("features: recency_days, frequency and monetary must be numbers, no NaN")
    return pd.DataFrame(
        {
            "R": _score(cols["recency_days"], b, higher_is_better=False),
            "F": _score(cols["frequency"], b, higher_is_better=True),
            "M": _score(cols["monetary"], b, higher_is_better=True),
        },
        index=features.index,
    )


def _check_grid(grid: Any) -> dict[str, tuple[tuple[int, ...], tuple[int, ...]]]:
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"grid must map segment names to (R scores, F scores), got {grid!r:.60}")
    cells: dict[tuple[int, int], str] = {}
    out = {}
    for name, pair in grid.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"grid: segment names must be non-empty strings, got {name!r}")
        if not (isinstance(pair, Sequence) and len(pair) == 2):
            raise ValueError(f"grid[{name!r}] must be a pair (R scores, F scores)")
        try:
            r_scores, f_scores = (tuple(int(v) for v in part) for part in pair)
        except (TypeError, ValueError):
            raise ValueError(
                f"grid[{name!r}] must hold whole-number scores, got {pair!r}"
            ) from None
        for r in r_scores:
            for f in f_scores:
                if (r, f) in cells:
                    raise ValueError(
                        f"grid: the cell R={r}, F={f} is in both {cells[r, f]!r} and {name!r}"
                    )
                cells[r, f] = name
        out[name] = (r_scores, f_scores)
    return out


def rfm_segments(scores: pd.DataFrame, *, grid: Mapping[str, Any] = RF_GRID) -> pd.Series:
    """Name each customer's cell of the R × F grid (:data:`RF_GRID` by default).

    Parameters
    ----------
    scores : DataFrame
        With integer ``R`` and ``F`` scores (:func:`rfm_scores`).
    grid : mapping
        Segment name → (R scores, F scores); every cell that occurs in
        ``scores`` must be named exactly once.

    Returns
    -------
    Series
        An ordered categorical of segment names (in the grid's order), with
        the index of ``scores``.

    Examples
    --------
    >>> s = pd.DataFrame({"R": [5, 1, 3], "F": [5, 1, 3], "M": [5, 1, 2]})
    >>> rfm_segments(s).tolist()
    ['champions', 'hibernating', 'need attention']
    """
    check_columns(scores, ["R", "F"], name="scores")
    table = _check_grid(grid)
    lookup = {(r, f): name for name, (rs, fs) in table.items() for r in rs for f in fs}
    pairs = list(zip(scores["R"].tolist(), scores["F"].tolist(), strict=True))
    unnamed = sorted({p for p in pairs if p not in lookup})
    if unnamed:
        raise ValueError(f"grid names no segment for the cells (R, F) {unnamed[:5]}")
    names = [lookup[p] for p in pairs]
    return pd.Series(
        pd.Categorical(names, categories=list(table), ordered=True),
        index=scores.index,
        name="rfm_segment",
    )
