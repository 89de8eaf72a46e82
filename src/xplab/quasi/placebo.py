"""Placebo tests: run the design where nothing happened and check it finds nothing.

Two kinds. *In time*: keep only the periods before the real adoption and
pretend the treated units adopted earlier. *In space*: hand the adoption dates
to units that never got the treatment (Fisher randomization inference): the
real estimate should stand out from the placebo distribution.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import check_alpha, check_count
from ._fast import demean_two_way
from ._panel import (
    NEVER_TREATED_HINT,
    check_constant_within_unit,
    check_frame,
    check_unique_cells,
    first_treated_column,
    key_column,
    numeric_column,
)
from .did import twfe


@dataclass(frozen=True, repr=False)
class PlaceboResult(ResultMixin):
    """In-time and in-space placebo estimates beside the real TWFE estimate.

    ``in_time``: one row per fake adoption period (``fake_time, estimate, se,
    ci_low, ci_high, p_value``), fitted on the pre-adoption periods only.
    ``in_space``: the TWFE estimates with the adoption dates reassigned across
    units (``estimates``), and ``p_value`` = the share of them at least as
    large in absolute value as the real ``estimate`` — the randomization
    inference p-value of H0: no effect in any unit. ``rank`` is the real
    estimate's rank by absolute size (1 = largest) among all assignments.
    """

    _title: ClassVar[str] = "Placebo tests"

    estimate: float
    p_value: float
    rank: int
    n_assignments: int
    exhaustive: bool
    in_time: pd.DataFrame = field(repr=False)
    estimates: np.ndarray = field(repr=False)

    def plot(self, ax: Any = None) -> Any:
        """Histogram of the in-space placebo estimates with the real one marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        bins = min(40, max(10, len(self.estimates) // 5))
        ax.hist(
            self.estimates,
            bins=bins,
            color="lightgrey",
            edgecolor="grey",
            label="placebo assignments",
        )
        ax.axvline(self.estimate, color="C3", lw=2, label=f"real estimate {self.estimate:.4g}")
        ax.set_xlabel("TWFE estimate")
        ax.set_ylabel("number of assignments")
        ax.set_title(f"In-space placebo: randomization p-value {self.p_value:.3g}")
        ax.legend()
        return ax


def placebo(
    df: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    first_treated: str,
    fake_times: list[int] | None = None,
    n_assignments: int = 1000,
    cluster: str | None = None,
    alpha: float = 0.05,
    seed: SeedLike = None,
) -> PlaceboResult:
    """Fake adoption dates and fake treated units for a difference-in-differences design.

    **In time.** Only periods before the earliest real adoption are kept, and
    the treated units are pretended to adopt at each ``fake_times`` f:
    D_it = 1[i treated, t ≥ f]. Each fake estimate comes from :func:`twfe`
    (CR1 SE by ``cluster``); H0: β_f = 0, which should hold if trends were
    parallel before adoption.

    **In space** (randomization inference). The units' adoption dates
    (``first_treated``, NaN for never treated) are shuffled across units and
    the TWFE coefficient β̂(π) is recomputed on the real outcomes for each
    shuffle π. Under the sharp null H0: "the treatment changed no unit's
    outcome", every assignment was as likely to produce the data, so

        p = #{π : |β̂(π)| ≥ |β̂|} / #{π}

    over the assignments (the real one included). When only one unit is
    treated, every unit takes its turn and the test is exhaustive; otherwise
    the real assignment and ``n_assignments`` − 1 random shuffles make
    ``n_assignments`` in all, so the smallest possible p-value is
    1/``n_assignments``. With one treated unit among G it is 1/G.

    The in-space part needs a balanced panel (every unit in every period).

    Parameters
    ----------
    df : DataFrame
        A balanced panel, one row per unit and period.
    outcome, unit, time : str
        Columns: outcome, unit id, period (numeric).
    first_treated : str
        Adoption period of each unit; NaN for never-treated units (or 0
        when 0 is not a period of the panel, as R ``did`` codes them).
    fake_times : list of int, optional
        Fake adoption periods, each before the earliest real adoption and
        after the first period; by default every such period.
    n_assignments : int
        Assignments compared when more than one unit is treated, the real
        one included (so ``n_assignments`` − 1 random reassignments); 1
        skips the in-space test (p = 1).
    cluster : str, optional
        Column to cluster the in-time SEs by; default ``unit``.
    alpha : float
        1 − confidence level of the in-time intervals.
    seed : int, Generator or None
        For the random reassignments.

    Returns
    -------
    PlaceboResult
        ``in_time`` table, in-space ``estimates``, ``p_value``, ``rank`` and ``.plot()``.

    Examples
    --------
    >>> from xplab.data import load_organ_donations
    >>> pl = placebo(load_organ_donations(), outcome="rate", unit="state",
    ...              time="quarter_num", first_treated="first_treated")
    >>> pl.in_time[["fake_time", "estimate", "se"]].round(4).to_numpy().tolist()
    [[2.0, 0.0061, 0.0051], [3.0, -0.0017, 0.0028]]
    >>> pl.rank, pl.n_assignments, round(pl.p_value, 3)
    (5, 27, 0.185)
    """
    check_frame(
        df,
        {
            "outcome": outcome,
            "unit": unit,
            "time": time,
            "first_treated": first_treated,
            "cluster": cluster,
        },
    )
    alpha = check_alpha(alpha)
    n_assignments = check_count(n_assignments, name="n_assignments", minimum=1)
    y = numeric_column(df, outcome, name="outcome")
    t = numeric_column(df, time, name="time")
    periods = np.unique(t)
    g = first_treated_column(df, first_treated, periods)
    units = key_column(df, unit, name="unit")
    check_unique_cells(units, pd.Series(t))
    check_constant_within_unit(units, g, name="first_treated")
    if np.isnan(g).all():
        raise ValueError(f"first_treated column {first_treated!r} has no treated unit (all NaN)")
    first_adoption = float(np.nanmin(g))
    pre_periods = periods[periods < first_adoption]
    candidates = pre_periods[1:]
    if fake_times is None:
        fake: list[float] = [float(f) for f in candidates]
    else:
        fake = []
        if isinstance(fake_times, str) or not isinstance(fake_times, Iterable):
            raise TypeError(f"fake_times must be a list of periods, got {fake_times!r}")
        for f in fake_times:
            if isinstance(f, bool) or not isinstance(f, int | float | np.number):
                raise ValueError(f"fake_times must be numbers (periods), got {f!r}")
            if f not in candidates:
                raise ValueError(
                    f"fake_times value {f} must be a period after the first one and before the "
                    f"earliest real adoption ({first_adoption:g}); candidates: {candidates.tolist()}"
                )
            fake.append(float(f))
    if not fake:
        raise ValueError(
            f"there are fewer than two periods before the earliest adoption "
            f"(first_treated = {first_adoption:g}; periods from {periods[0]:g}): no in-time "
            f"placebo. If that unit is in fact never treated, {NEVER_TREATED_HINT}"
        )

    pre = t < first_adoption
    base = pd.DataFrame(
        {
            "y": y[pre],
            "unit": units[pre].to_numpy(),
            "time": t[pre],
            "cluster": key_column(df, cluster or unit, name="cluster")[pre].to_numpy(),
        }
    )
    rows = []
    treated_unit_pre = ~np.isnan(g[pre])
    for fake_time in fake:
        base["d"] = (treated_unit_pre & (base["time"].to_numpy() >= fake_time)).astype(float)
        res = twfe(
            base,
            outcome="y",
            unit="unit",
            time="time",
            treatment="d",
            cluster="cluster",
            alpha=alpha,
        )
        rows.append((fake_time, res.estimate, res.se, res.ci[0], res.ci[1], res.p_value))
    in_time = pd.DataFrame(
        rows, columns=["fake_time", "estimate", "se", "ci_low", "ci_high", "p_value"]
    )

    estimate, estimates, exhaustive = _in_space(y, t, units, g, n_assignments, as_generator(seed))
    tol = 1e-12 * max(1.0, abs(estimate))
    at_least = int(np.sum(np.abs(estimates) >= abs(estimate) - tol))
    return PlaceboResult(
        estimate=estimate,
        p_value=at_least / len(estimates),
        rank=at_least,
        n_assignments=len(estimates),
        exhaustive=exhaustive,
        in_time=in_time,
        estimates=estimates,
    )


def _in_space(
    y: np.ndarray,
    t: np.ndarray,
    units: pd.Series,
    g: np.ndarray,
    n_assignments: int,
    rng: np.random.Generator,
) -> tuple[float, np.ndarray, bool]:
    """Real and reassigned TWFE estimates on the balanced (units × periods) grid."""
    unit_codes, unit_index = np.unique(units.to_numpy(), return_inverse=True)
    periods, period_index = np.unique(t, return_inverse=True)
    n_units, n_periods = len(unit_codes), len(periods)
    if len(y) != n_units * n_periods:
        raise ValueError(
            f"the in-space placebo needs a balanced panel: {n_units} units × {n_periods} periods "
            f"= {n_units * n_periods} rows expected, got {len(y)}"
        )
    grid = np.empty((n_units, n_periods))
    grid[unit_index, period_index] = y
    g_unit = np.empty(n_units)
    g_unit[unit_index] = g
    # the outcome is demeaned once; only the treatment changes between assignments
    y_tilde = demean_two_way(grid)

    def estimates_for(adoption: np.ndarray) -> np.ndarray:
        # adoption: (assignments, units); NaN never adopts (comparison is False)
        with np.errstate(invalid="ignore"):
            d = (periods[None, None, :] >= adoption[:, :, None]).astype(float)
        d_tilde = demean_two_way(d)
        sxx = (d_tilde**2).sum(axis=(1, 2))
        if np.any(sxx <= 0):
            raise ValueError("an assignment leaves no variation in treatment")
        return (d_tilde * y_tilde).sum(axis=(1, 2)) / sxx

    real = float(estimates_for(g_unit[None, :])[0])
    treated = ~np.isnan(g_unit)
    if treated.sum() == 1:
        # one treated unit: every unit takes its turn, the real assignment included
        adoption = np.full((n_units, n_units), np.nan)
        adoption[np.arange(n_units), np.arange(n_units)] = g_unit[treated][0]
        return real, estimates_for(adoption), True
    if n_assignments == 1:
        return real, np.array([real]), False
    shuffles = np.stack([rng.permutation(g_unit) for _ in range(n_assignments - 1)])
    draws = [
        estimates_for(chunk)
        for chunk in np.array_split(shuffles, max(1, math.ceil(len(shuffles) / 200)))
    ]
    # the real assignment counts as one of the assignments
    return real, np.concatenate([[real], *draws]), False
