"""Segment profiles, and how far two segmentations agree.

A segment is useful when its customers differ from the others' in ways a
decision can use (which homepage module, which offer, how often to e-mail),
and when it is large enough to act on. :func:`segment_profiles` gives each
segment's size and typical customer; :func:`compare_segmentations` says
whether two segmentations (k-means vs rule-based RFM, scikit-learn vs Spark
MLlib, this month vs last) describe the same groups, up to the names of the
groups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import ResultMixin

__all__ = ["Agreement", "compare_segmentations", "segment_profiles"]


def _labels(values: Any, name: str) -> pd.Series:
    if isinstance(values, pd.Series):
        out = values
    elif isinstance(values, np.ndarray | list | tuple):
        out = pd.Series(values)
    else:
        raise TypeError(f"{name} must be a Series, an array or a list of labels")
    if len(out) == 0:
        raise ValueError(f"{name} is empty")
    if out.isna().any():
        raise ValueError(f"{name} has missing labels")
    return out


def segment_profiles(
    features: pd.DataFrame,
    segments: Any,
    *,
    value: str = "monetary",
    columns: Sequence[str] = ("recency_days", "frequency", "monetary"),
) -> pd.DataFrame:
    """Each segment's size, share of customers, share of ``value`` and median features.

    Parameters
    ----------
    features : DataFrame
        One row per customer.
    segments : Series or array
        Each customer's segment, aligned with ``features`` (a Series is
        aligned on the index).
    value : str
        The column whose share each segment holds (money by default).
    columns : tuple of str
        Columns whose median is shown.

    Returns
    -------
    DataFrame
        One row per segment: ``customers``, ``share``, ``value_share`` and
        ``median <column>`` for each column, in the segments' order (their
        categories when categorical, else sorted).

    Examples
    --------
    >>> f = pd.DataFrame({"recency_days": [3.0, 5.0, 90.0], "frequency": [8, 6, 1],
    ...                   "monetary": [800.0, 600.0, 100.0]})
    >>> segment_profiles(f, pd.Series([0, 0, 1]))[["customers", "value_share"]].to_dict("list")
    {'customers': [2, 1], 'value_share': [0.9333333333333333, 0.06666666666666667]}
    """
    if not isinstance(features, pd.DataFrame):
        raise TypeError(f"features must be a pandas DataFrame, got {type(features).__name__}")
    if not isinstance(value, str) or value not in features.columns:
        raise ValueError(f"value must name a column of features, got {value!r}")
    if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns:
        raise ValueError(f"columns must be a non-empty list of column names, got {columns!r}")
    unknown = [c for c in columns if not isinstance(c, str) or c not in features.columns]
    if unknown:
        raise ValueError(f"columns: {unknown} are not columns of features")
    seg = _labels(segments, "segments")
    if isinstance(seg, pd.Series) and isinstance(segments, pd.Series):
        if not seg.index.equals(features.index):
            if not seg.index.isin(features.index).all() or len(seg) != len(features):
                raise ValueError("segments must have one label per row of features (same index)")
            seg = seg.reindex(features.index)
    elif len(seg) != len(features):
        raise ValueError(f"segments has {len(seg)} labels for {len(features)} rows of features")
    else:
        seg.index = features.index
    keys = seg.to_numpy() if not isinstance(seg.dtype, pd.CategoricalDtype) else seg
    groups = features.groupby(keys, observed=True, sort=True)
    total = float(features[value].sum())
    out = pd.DataFrame(
        {
            "customers": groups.size(),
            "share": groups.size() / len(features),
            "value_share": groups[value].sum() / total if total else np.nan,
        }
    )
    for col in columns:
        out[f"median {col}"] = groups[col].median()
    out.index.name = seg.name if seg.name is not None else "segment"
    return out


@dataclass(frozen=True, repr=False)
class Agreement(ResultMixin):
    """How far two segmentations of the same customers agree (:func:`compare_segmentations`).

    Attributes
    ----------
    ari : float
        Adjusted Rand index (1 = the same partition, whatever the names).
    matched_share : float
        Share of customers in the same segment after renaming ``b``'s
        segments to ``a``'s by the best one-to-one matching (Hungarian
        algorithm on the contingency table); needs the same number of segments.
    mapping : dict
        ``b``'s label → ``a``'s label under that matching.
    table : DataFrame
        The contingency table (``a`` in rows, ``b`` in columns).
    """

    _title: ClassVar[str] = "Agreement of two segmentations"
    ari: float
    matched_share: float | None
    mapping: dict[Any, Any] = field(repr=False)
    table: pd.DataFrame = field(repr=False)


def _plain(label: Any) -> Any:
    return label.item() if isinstance(label, np.generic) else label


def compare_segmentations(a: Any, b: Any) -> Agreement:
    """Agreement of two labellings of the same customers, up to the names of the segments.

    Examples
    --------
    >>> r = compare_segmentations([0, 0, 1, 1, 2], ["x", "x", "y", "y", "y"])
    >>> round(r.ari, 3), r.matched_share, r.mapping
    (0.545, 0.8, {'x': 0, 'y': 1})
    >>> compare_segmentations([0, 0, 1, 1], [1, 1, 0, 0]).matched_share
    1.0
    """
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import adjusted_rand_score

    la, lb = _labels(a, "a"), _labels(b, "b")
    if len(la) != len(lb):
        raise ValueError(f"a and b must label the same customers: {len(la)} vs {len(lb)} labels")
    if isinstance(a, pd.Series) and isinstance(b, pd.Series) and not la.index.equals(lb.index):
        if not (la.index.isin(lb.index).all() and lb.index.isin(la.index).all()):
            raise ValueError("a and b must label the same customers (their indexes differ)")
        lb = lb.reindex(la.index)
    va, vb = la.to_numpy(), lb.to_numpy()
    table = pd.crosstab(pd.Series(va, name="a"), pd.Series(vb, name="b"))
    rows, cols = linear_sum_assignment(-table.to_numpy())
    mapping = {
        _plain(table.columns[c]): _plain(table.index[r]) for r, c in zip(rows, cols, strict=True)
    }
    matched = float(table.to_numpy()[rows, cols].sum() / len(va))
    return Agreement(
        ari=float(adjusted_rand_score(va, vb)),
        matched_share=matched,
        mapping=mapping,
        table=table,
    )
