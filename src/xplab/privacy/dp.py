"""Differentially private releases of segment reports, with an explicit budget.

A release is ε-differentially private when adding or removing any one person's
data changes the probability of any output by at most a factor e^ε (Dwork &
Roth 2014). The Laplace mechanism achieves it for a number whose value one
person can move by at most Δ (its *sensitivity*) by adding noise drawn from
Laplace(b) with scale b = Δ / ε: the noise has mean 0 (the release is
unbiased) and variance 2b² = 2(Δ/ε)².

What the sensitivity assumes, and how it breaks:

* **one row per person.** A count of rows moves by 1 when one person is
  added only if each person has one row; aggregate to one row per person
  first (:func:`segment_report` checks ``unit`` when given);
* **clipping.** A sum is unbounded unless each person's value is clipped to
  [lower, upper]; then Δ = max(|lower|, |upper|). Clipping biases the sum
  towards the bounds (downwards for revenue clipped at an upper bound), so
  choose bounds from domain knowledge, not from the data (bounds read off the
  data leak it);
* **public segment labels.** Releasing the list of segments that occur leaks
  whether a rare one exists: the segments to report are declared in advance,
  and a declared segment with no one in it still gets a noisy count;
* **composition.** Releases add up: k releases of ε each cost kε
  (sequential composition), and :class:`PrivacyBudget` refuses a release
  that would exceed the total. Disjoint segments each see a person at most
  once, so one report over all segments costs its ε once (parallel
  composition).

The mechanism here draws its noise from NumPy with a seed, so the course's
outputs reproduce. That is fine for teaching and **not** for a production
release: floating-point Laplace samplers leak through the low bits of their
output (Mironov 2012), and a seeded generator is predictable. Pass
``backend="opendp"`` to draw the same noise distribution from OpenDP, the
field's library, whose samplers are built to avoid both problems (and whose
outputs are therefore not reproducible).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import as_1d_array, check_choice, check_positive, check_probability, check_real

__all__ = [
    "BudgetExceededError",
    "DPRelease",
    "PrivacyBudget",
    "SegmentReport",
    "dp_count",
    "dp_mean",
    "dp_sum",
    "laplace_mechanism",
    "segment_report",
]

Backend = Literal["numpy", "opendp"]
_BACKENDS = ("numpy", "opendp")


class BudgetExceededError(ValueError):
    """A release would spend more privacy budget than is left."""


@dataclass
class PrivacyBudget:
    """A total ε and a ledger of what each release spent (sequential composition).

    Examples
    --------
    >>> budget = PrivacyBudget(1.0)
    >>> budget.spend(0.6, "segment counts")
    >>> budget.remaining
    0.4
    >>> budget.spend(0.5, "revenue by segment")
    Traceback (most recent call last):
    ...
    xplab.privacy.dp.BudgetExceededError: epsilon 0.5 for 'revenue by segment' exceeds the remaining budget 0.4 (of 1; spent on: segment counts 0.6)
    """

    total: float
    ledger: list[tuple[str, float]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.total = check_positive(self.total, name="total")

    @property
    def spent(self) -> float:
        return float(sum(e for _, e in self.ledger))

    @property
    def remaining(self) -> float:
        return round(self.total - self.spent, 12)

    def spend(self, epsilon: float, what: str) -> None:
        """Record a release of ``epsilon``; raise if it would exceed the total."""
        eps = check_positive(epsilon, name="epsilon")
        if not isinstance(what, str) or not what.strip():
            raise ValueError(f"what must say what the release is, got {what!r}")
        if eps > self.remaining + 1e-12:
            done = ", ".join(f"{w} {e:g}" for w, e in self.ledger) or "nothing yet"
            raise BudgetExceededError(
                f"epsilon {eps:g} for {what!r} exceeds the remaining budget "
                f"{self.remaining:g} (of {self.total:g}; spent on: {done})"
            )
        self.ledger.append((what, eps))


def _check_backend(backend: Any) -> Backend:
    return check_choice(backend, _BACKENDS, name="backend")


def laplace_mechanism(
    value: Any,
    *,
    sensitivity: float,
    epsilon: float,
    seed: SeedLike = None,
    backend: Backend = "numpy",
) -> Any:
    """``value`` plus Laplace(sensitivity / epsilon) noise (elementwise for arrays).

    Examples
    --------
    >>> round(laplace_mechanism(100.0, sensitivity=1.0, epsilon=1.0, seed=0), 3)
    100.32
    """
    delta = check_positive(sensitivity, name="sensitivity")
    eps = check_positive(epsilon, name="epsilon")
    backend = _check_backend(backend)
    x = as_1d_array(np.atleast_1d(value), name="value") if not np.isscalar(value) else None
    if x is None:
        x = np.array([check_real(value, name="value")])
    scale = delta / eps
    if backend == "opendp":
        noisy = _opendp_laplace(x, scale)
    else:
        noisy = x + as_generator(seed).laplace(0.0, scale, size=x.shape)
    return float(noisy[0]) if np.isscalar(value) else noisy


def _opendp_laplace(x: np.ndarray, scale: float) -> np.ndarray:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)
    return np.asarray(dp.m.make_laplace(*space, scale=scale)(x.tolist()), dtype=float)


@dataclass(frozen=True, repr=False)
class DPRelease(ResultMixin):
    """One differentially private number and what it cost.

    ``sd`` is the noise's standard deviation, √2 · sensitivity / ε: the
    typical error the release adds (clipping bias comes on top). Laplace noise
    is not normal: ±1.96 sd covers 93.75 %, not 95 % — use
    :meth:`noise_interval`.
    """

    value: float
    epsilon: float
    sensitivity: float
    sd: float
    what: str
    _title = "Differentially private release"

    def noise_interval(self, level: float = 0.95) -> tuple[float, float]:
        """The interval that holds the true (clipped) value with probability ``level``
        over the noise: value ± b·ln(1/(1 − level)), b = sd/√2 (for a count or a
        sum; for :func:`dp_mean` it is the normal approximation ± z·sd).

        Examples
        --------
        >>> r = DPRelease(100.0, 1.0, 1.0, 2**0.5, "count")
        >>> [round(x, 3) for x in r.noise_interval()]
        [97.004, 102.996]
        """
        lvl = check_probability(level, name="level")
        if self.what.startswith("mean"):
            half = float(stats.norm.ppf(0.5 + lvl / 2)) * self.sd
        else:
            half = self.sd / np.sqrt(2.0) * float(np.log(1.0 / (1.0 - lvl)))
        return (float(self.value - half), float(self.value + half))


def _spend(budget: PrivacyBudget | None, epsilon: float, what: str) -> None:
    if budget is not None:
        if not isinstance(budget, PrivacyBudget):
            raise TypeError(f"budget must be a PrivacyBudget or None, got {type(budget).__name__}")
        budget.spend(epsilon, what)


def _bounds(lower: Any, upper: Any) -> tuple[float, float]:
    lo, hi = check_real(lower, name="lower"), check_real(upper, name="upper")
    if not lo < hi:
        raise ValueError(f"lower ({lo:g}) must be below upper ({hi:g})")
    return lo, hi


def dp_count(
    n: int,
    *,
    epsilon: float,
    seed: SeedLike = None,
    budget: PrivacyBudget | None = None,
    backend: Backend = "numpy",
    what: str = "count",
) -> DPRelease:
    """A count of people (one row each): sensitivity 1.

    Examples
    --------
    >>> r = dp_count(1_000, epsilon=0.5, seed=1)
    >>> r.sd
    2.8284271247461903
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a count of people (a whole number >= 0), got {n!r}")
    eps = check_positive(epsilon, name="epsilon")
    noisy = laplace_mechanism(float(n), sensitivity=1.0, epsilon=eps, seed=seed, backend=backend)
    _spend(budget, eps, what)
    return DPRelease(noisy, eps, 1.0, float(np.sqrt(2.0) / eps), what)


def dp_sum(
    values: Any,
    *,
    lower: float,
    upper: float,
    epsilon: float,
    seed: SeedLike = None,
    budget: PrivacyBudget | None = None,
    backend: Backend = "numpy",
    what: str = "sum",
) -> DPRelease:
    """A sum of one value per person, each clipped to [lower, upper].

    Sensitivity max(|lower|, |upper|): adding or removing one person moves the
    clipped sum by at most that.

    Examples
    --------
    >>> r = dp_sum([10.0, 250.0, 40.0], lower=0, upper=100, epsilon=1.0, seed=0)
    >>> r.sensitivity, round(r.value, 1)
    (100.0, 182.0)
    """
    lo, hi = _bounds(lower, upper)
    x = np.clip(as_1d_array(values, name="values", min_size=0), lo, hi)
    eps = check_positive(epsilon, name="epsilon")
    delta = max(abs(lo), abs(hi))
    noisy = laplace_mechanism(
        float(x.sum()), sensitivity=delta, epsilon=eps, seed=seed, backend=backend
    )
    _spend(budget, eps, what)
    return DPRelease(noisy, eps, delta, float(np.sqrt(2.0) * delta / eps), what)


def dp_mean(
    values: Any,
    *,
    lower: float,
    upper: float,
    epsilon: float,
    seed: SeedLike = None,
    budget: PrivacyBudget | None = None,
    backend: Backend = "numpy",
    what: str = "mean",
) -> DPRelease:
    """A mean as a noisy clipped sum over a noisy count, ε split equally.

    The ratio is post-processing of two releases, so it costs their ε and no
    more. Its ``sd`` is the delta-method approximation. With few people the
    noisy count can be tiny or negative and the mean is then meaningless; it is
    divided by max(noisy count, 1) so that it is always a finite number.

    Examples
    --------
    >>> r = dp_mean(np.full(10_000, 20.0), lower=0, upper=100, epsilon=1.0, seed=0)
    >>> round(r.value, 2)
    20.01
    """
    lo, hi = _bounds(lower, upper)
    x = np.clip(as_1d_array(values, name="values", min_size=0), lo, hi)
    eps = check_positive(epsilon, name="epsilon")
    rng = as_generator(seed)
    s = dp_sum(x, lower=lo, upper=hi, epsilon=eps / 2, seed=rng, backend=backend)
    c = dp_count(len(x), epsilon=eps / 2, seed=rng, backend=backend)
    _spend(budget, eps, what)
    n = max(c.value, 1.0)
    mean = s.value / n
    sd = float(np.sqrt(s.sd**2 + (mean * c.sd) ** 2) / n)
    return DPRelease(mean, eps, s.sensitivity, sd, what)


@dataclass(frozen=True, repr=False)
class SegmentReport(ResultMixin):
    """A differentially private count, sum and mean per declared segment.

    ``table`` has one row per segment: ``count``, ``sum``, ``mean`` (noisy)
    and ``count_sd``, ``sum_sd`` (the noise's standard deviations).
    """

    table: pd.DataFrame = field(repr=False)
    epsilon: float
    lower: float
    upper: float
    backend: str
    _title = "Differentially private segment report"

    def _repr_html_(self) -> str:
        head = (
            f"<p><b>{self._title}</b>: ε = {self.epsilon:g} for the whole report "
            f"(half on counts, half on sums; segments are disjoint), values clipped to "
            f"[{self.lower:g}, {self.upper:g}], {self.backend} noise.</p>"
        )
        return head + self.table.to_html(float_format=lambda v: f"{v:,.1f}")


def segment_report(
    frame: pd.DataFrame,
    *,
    segment: str,
    value: str,
    segments: Sequence[Any],
    lower: float,
    upper: float,
    epsilon: float,
    unit: str | None = None,
    seed: SeedLike = None,
    budget: PrivacyBudget | None = None,
    backend: Backend = "numpy",
) -> SegmentReport:
    """Count, clipped sum and mean of ``value`` per segment, ε-differentially private.

    Parameters
    ----------
    frame : DataFrame
        **One row per person**, with a ``segment`` column and a numeric
        ``value`` column (e.g. each customer's revenue).
    segment, value : str
        Column names.
    segments : list
        The segments to report, declared in advance (public); a row whose
        segment is not listed is refused.
    lower, upper : float
        Clipping bounds of ``value``, chosen without looking at the data.
    epsilon : float
        The cost of the whole report: ε/2 for the counts, ε/2 for the sums;
        each person is in one segment, so the segments compose in parallel.
    unit : str, optional
        A column identifying the person; checked to be unique.
    seed, budget, backend
        As in :func:`laplace_mechanism` and :class:`PrivacyBudget`.

    Examples
    --------
    >>> people = pd.DataFrame({"seg": ["a"] * 500 + ["b"] * 300, "revenue": 50.0})
    >>> r = segment_report(people, segment="seg", value="revenue", segments=["a", "b", "c"],
    ...                    lower=0, upper=200, epsilon=1.0, seed=0)
    >>> r.table["count"].round().tolist()
    [501.0, 299.0, -5.0]
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    for name, col in (("segment", segment), ("value", value)):
        if not isinstance(col, str) or col not in frame.columns:
            raise ValueError(f"{name} must name a column of frame, got {col!r}")
    if isinstance(segments, str) or not isinstance(segments, Sequence) or len(segments) == 0:
        raise ValueError(f"segments must be a non-empty list of segment labels, got {segments!r}")
    if len(set(segments)) != len(segments):
        raise ValueError("segments lists a label twice")
    if unit is not None:
        if not isinstance(unit, str) or unit not in frame.columns:
            raise ValueError(f"unit must name a column of frame, got {unit!r}")
        dup = int(frame[unit].duplicated().sum())
        if dup:
            raise ValueError(
                f"unit: {dup:,} people have more than one row; aggregate to one row per "
                "person first (a person with several rows moves a count by more than 1)"
            )
    undeclared = set(frame[segment].dropna().unique()) - set(segments)
    if undeclared or frame[segment].isna().any():
        shown = sorted(map(str, undeclared))[:5] or ["missing"]
        raise ValueError(f"segment: rows in segments not declared in segments: {shown}")
    lo, hi = _bounds(lower, upper)
    eps = check_positive(epsilon, name="epsilon")
    backend = _check_backend(backend)
    x = np.clip(as_1d_array(frame[value].to_numpy(), name="value", min_size=0), lo, hi)
    codes = pd.Categorical(frame[segment], categories=list(segments)).codes
    k = len(segments)
    counts = np.bincount(codes, minlength=k).astype(float)
    sums = np.bincount(codes, weights=x, minlength=k)
    delta = max(abs(lo), abs(hi))
    rng = as_generator(seed)
    noisy_counts = laplace_mechanism(
        counts, sensitivity=1.0, epsilon=eps / 2, seed=rng, backend=backend
    )
    noisy_sums = laplace_mechanism(
        sums, sensitivity=delta, epsilon=eps / 2, seed=rng, backend=backend
    )
    _spend(budget, eps, f"segment report of {value} by {segment}")
    table = pd.DataFrame(
        {
            "count": noisy_counts,
            "sum": noisy_sums,
            "mean": noisy_sums / np.maximum(noisy_counts, 1.0),
            "count_sd": np.sqrt(2.0) * 2 / eps,
            "sum_sd": np.sqrt(2.0) * 2 * delta / eps,
        },
        index=pd.Index(list(segments), name=segment),
    )
    return SegmentReport(table, eps, lo, hi, backend)
