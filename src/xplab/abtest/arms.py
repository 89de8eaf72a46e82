"""Per-arm counts of a per-user frame: the inputs of a two-proportion test.

An experiment's log usually arrives as one row per user with the arm and a
0/1 outcome; :func:`arm_counts` reduces it to successes and users per arm,
and :func:`segment_proportion_tests` runs one test per segment (remember
that each segment is another test: adjust with
:func:`xplab.abtest.adjust_pvalues`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .proportions import proportion_test


@dataclass(frozen=True, repr=False)
class ArmCounts(ResultMixin):
    """Successes and units in control and treatment, in the order
    :func:`~xplab.abtest.proportion_test` takes them (so ``proportion_test(*counts)``
    works)."""

    _title: ClassVar[str] = "Counts per arm"

    successes_c: int
    n_c: int
    successes_t: int
    n_t: int

    def __iter__(self) -> Iterator[int]:
        return iter((self.successes_c, self.n_c, self.successes_t, self.n_t))


def _column(df: pd.DataFrame, name: Any, arg: str) -> pd.Series:
    if not isinstance(name, str):
        raise TypeError(f"{arg} must be a column name (str), got {type(name).__name__}")
    if name not in df.columns:
        raise ValueError(f"{arg}={name!r} is not a column of df; columns: {list(df.columns)}")
    return df[name]


def arm_counts(
    df: pd.DataFrame,
    outcome: str,
    *,
    variant: str = "variant",
    control: str = "control",
    treatment: str = "treatment",
) -> ArmCounts:
    """Count successes and units per arm in a frame with one row per unit.

    Parameters
    ----------
    df : DataFrame
        One row per randomization unit (user).
    outcome : str
        A 0/1 (or boolean) column: did the unit convert.
    variant : str
        The column holding each unit's arm.
    control, treatment : str
        The arm labels in ``variant``.

    Returns
    -------
    ArmCounts
        ``successes_c, n_c, successes_t, n_t``.

    Examples
    --------
    >>> df = pd.DataFrame({"variant": ["control", "treatment", "treatment"], "clicked": [1, 0, 1]})
    >>> arm_counts(df, "clicked")
    ArmCounts(successes_c=1, n_c=1, successes_t=1, n_t=2)
    >>> x_c, n_c, x_t, n_t = arm_counts(df, "clicked")
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    y = _column(df, outcome, "outcome")
    arm = _column(df, variant, "variant")
    if isinstance(control, str) and control == treatment:
        raise ValueError(f"treatment ({treatment!r}) must differ from control ({control!r})")
    values = y.to_numpy()
    if values.dtype == bool:
        values = values.astype(np.int64)
    if values.dtype.kind not in "iuf" or not np.isin(values, (0, 1)).all():
        raise ValueError(f"outcome column {outcome!r} must hold only 0/1 or True/False")
    counts = {}
    for label, argname in ((control, "control"), (treatment, "treatment")):
        mask = (arm == label).to_numpy()
        if not mask.any():
            raise ValueError(
                f"{argname}={label!r} does not occur in column {variant!r}; "
                f"values: {sorted(map(str, arm.unique()))[:10]}"
            )
        counts[argname] = (int(values[mask].sum()), int(mask.sum()))
    return ArmCounts(*counts["control"], *counts["treatment"])


def segment_proportion_tests(
    df: pd.DataFrame,
    outcome: str,
    segment: str,
    *,
    variant: str = "variant",
    control: str = "control",
    treatment: str = "treatment",
    alpha: float = 0.05,
    alternative: Literal["two-sided", "larger", "smaller"] = "two-sided",
) -> pd.DataFrame:
    """One two-proportion z-test per segment (H0: p_t − p_c = 0 within the segment).

    Returns a DataFrame indexed by segment (in order of first appearance) with
    ``n_c, n_t, control_rate, treatment_rate, estimate, ci_low, ci_high,
    p_value``. The p-values are *not* adjusted for multiplicity.

    Examples
    --------
    >>> df = pd.DataFrame({
    ...     "variant": ["control", "treatment"] * 40,
    ...     "segment": (["new"] * 4 + ["returning"] * 4) * 10,
    ...     "clicked": [0, 1, 1, 1, 0, 0, 1, 1] * 10,
    ... })
    >>> segment_proportion_tests(df, "clicked", "segment")["estimate"].round(2).tolist()
    [0.5, 0.0]
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    seg = _column(df, segment, "segment")
    rows = {}
    for value in pd.unique(seg):
        part = df[(seg == value).to_numpy()]
        r = proportion_test(
            *arm_counts(part, outcome, variant=variant, control=control, treatment=treatment),
            alpha=alpha,
            alternative=alternative,
        )
        rows[value] = {
            "n_c": r.n_c,
            "n_t": r.n_t,
            "control_rate": r.control_rate,
            "treatment_rate": r.treatment_rate,
            "estimate": r.estimate,
            "ci_low": r.ci[0],
            "ci_high": r.ci[1],
            "p_value": r.p_value,
        }
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = segment
    return out
