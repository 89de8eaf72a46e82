"""Differentially private releases of segment reports, with an explicit budget.

A release is ε-differentially private when adding or removing any one person's
data changes the probability of every set of outputs by at most a factor e^ε
(Dwork & Roth 2014; these neighbours — add or remove one person — are the
ones every sensitivity below assumes). The Laplace mechanism achieves it for a
number whose value one person can move by at most Δ (its *sensitivity*) by
adding noise drawn from Laplace(b) with scale b = Δ / ε: the noise has mean 0
(the release is unbiased) and variance 2b² = 2(Δ/ε)².

What the sensitivity assumes, and how it breaks:

* **one row per person.** A count of rows moves by 1 when one person is
  added only if each person has one row; aggregate to one row per person
  first (:func:`segment_report` checks ``unit`` when given);
* **clipping.** A sum is unbounded unless each person's value is clipped to
  [lower, upper]; then adding or removing a person moves it by at most
  Δ = max(|lower|, |upper|) (between neighbours that *replace* one person by
  another it would be upper − lower). Clipping biases the sum towards the
  bounds (downwards for revenue clipped at an upper bound), so choose bounds
  from domain knowledge, not from the data (bounds read off the data leak
  it);
* **public segment labels.** Releasing the list of segments that occur leaks
  whether a rare one exists: the segments to report are declared in advance,
  and a declared segment with no one in it still gets a noisy count;
* **composition.** Releases add up: k releases of ε each cost kε
  (sequential composition), and :class:`PrivacyBudget` refuses a release
  that would exceed the total. Disjoint segments each see a person at most
  once, so one report over all segments costs its ε once (parallel
  composition) — provided each person's segment depends on that person's own
  data only, by a rule fixed before the release. Segments *learned from the
  same people* (k-means fitted on everyone's features) break it: adding one
  person moves the centroids, and with them other people between segments,
  so a count can move by more than 1. Fit the segmentation on other data
  (an earlier period, a sample kept aside) and apply it as a fixed rule, or
  spend budget on a private clustering.

The mechanism here draws its noise from NumPy with a seed, so the course's
outputs reproduce. That is fine for teaching and **not** for a production
release: floating-point Laplace samplers leak through the low bits of their
output (Mironov 2012), a seeded generator is predictable, and a
floating-point sum can move by more than Δ when one value is added, since
rounding depends on the other values (Casacuberta et al. 2022). With
``backend="opendp"``, the noise comes from OpenDP, the field's library, whose
samplers avoid the first two problems (and whose outputs are therefore not
reproducible: a seed is refused), and every clipped sum is computed by OpenDP's
own clamp-and-sum measurement, whose privacy map accounts for the rounding:
its scale is a hair above Δ/ε (relative 1e-8), and for bounds on both sides
of 0 it charges upper − lower rather than max(|lower|, |upper|). Counts are
integers, so their sensitivity of 1 is exact on either backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import optimize

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
        # rounded so that 0.1 + 0.2 + ... adds up as on paper; never -0.0
        return max(round(self.total - self.spent, 12), 0.0) + 0.0

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


def _generator(seed: SeedLike, backend: Backend) -> np.random.Generator | None:
    """NumPy's generator, or None for OpenDP (which cannot be seeded)."""
    if backend == "opendp":
        if seed is not None:
            raise ValueError(
                f"seed: OpenDP's noise cannot be seeded (that is the point), got seed={seed!r}; "
                "leave seed=None with backend='opendp'"
            )
        return None
    return as_generator(seed)


def _scale(delta: float, eps: float) -> float:
    scale = delta / eps
    if not np.isfinite(scale):
        raise ValueError(
            f"epsilon ({eps:g}) is so small against the sensitivity ({delta:g}) that the noise "
            "scale overflows"
        )
    return scale


def _noise(x: np.ndarray, scale: float, rng: np.random.Generator | None) -> np.ndarray:
    if rng is None:
        return _opendp_laplace(x, scale)
    return x + rng.laplace(0.0, scale, size=x.shape)


def laplace_mechanism(
    value: Any,
    *,
    sensitivity: float,
    epsilon: float,
    seed: SeedLike = None,
    backend: Backend = "numpy",
) -> Any:
    """``value`` plus Laplace(sensitivity / epsilon) noise (elementwise for arrays).

    ε-differentially private when one person moves ``value`` by at most
    ``sensitivity`` (in L1 norm, summed over the elements of an array). With
    ``backend="opendp"`` the noise is OpenDP's and ``seed`` must be None.

    Examples
    --------
    >>> round(laplace_mechanism(100.0, sensitivity=1.0, epsilon=1.0, seed=0), 3)
    100.32
    """
    delta = check_positive(sensitivity, name="sensitivity")
    eps = check_positive(epsilon, name="epsilon")
    backend = _check_backend(backend)
    rng = _generator(seed, backend)
    scalar = np.isscalar(value)
    if scalar:
        x = np.array([check_real(value, name="value")])
    else:
        x = as_1d_array(np.atleast_1d(value), name="value")
    noisy = _noise(x, _scale(delta, eps), rng)
    return float(noisy[0]) if scalar else noisy


def _opendp_laplace(x: np.ndarray, scale: float) -> np.ndarray:
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.l1_distance(T=float)
    return np.asarray(dp.m.make_laplace(*space, scale=scale)(x.tolist()), dtype=float)


def _opendp_clamped_sums(
    groups: Sequence[np.ndarray], lo: float, hi: float, eps: float
) -> tuple[np.ndarray, float, float]:
    """OpenDP's clamp → sum → Laplace on each group: (noisy sums, sensitivity, scale).

    The scale is the smallest for which OpenDP's privacy map gives at most
    ``eps`` for one person added or removed; the sensitivity is OpenDP's, which
    covers floating-point rounding in the sum.
    """
    import opendp.prelude as dp

    dp.enable_features("contrib")
    space = dp.vector_domain(dp.atom_domain(T=float, nan=False)), dp.symmetric_distance()
    summed = space >> dp.t.then_clamp(bounds=(lo, hi)) >> dp.t.then_sum()
    scale = float(dp.binary_search_param(lambda b: summed >> dp.m.then_laplace(scale=b), 1, eps))
    release = summed >> dp.m.then_laplace(scale=scale)
    noisy = np.array([release(np.asarray(g, dtype=float).tolist()) for g in groups], dtype=float)
    return noisy, float(summed.map(1)), scale


@dataclass(frozen=True, repr=False)
class DPRelease(ResultMixin):
    """One differentially private number and what it cost.

    ``sd`` is the noise's standard deviation, √2 · sensitivity / ε: the
    typical error the release adds (clipping bias comes on top). Laplace noise
    is not normal: ±1.96 sd covers 93.75 %, not 95 % — use
    :meth:`noise_interval`. ``noise_scales`` are the Laplace scales whose sum
    the error is: one (b = sd/√2) for a count or a sum; two for a mean, whose
    error is, to first order, (sum's noise − mean × count's noise) / count.
    """

    value: float
    epsilon: float
    sensitivity: float
    sd: float
    what: str
    noise_scales: tuple[float, ...] = field(default=(), repr=False)
    _title = "Differentially private release"

    def noise_interval(self, level: float = 0.95) -> tuple[float, float]:
        """The interval that holds the true (clipped) value with probability ``level``
        over the noise: value ± b·ln(1/(1 − level)) for Laplace(b) noise (a count
        or a sum). For :func:`dp_mean` it uses the exact quantile of the sum of
        its two Laplace errors, at the released mean and count (first order in
        noise / count: good when the noisy count is far from 0).

        Examples
        --------
        >>> r = DPRelease(100.0, 1.0, 1.0, 2**0.5, "count")
        >>> [round(x, 3) for x in r.noise_interval()]
        [97.004, 102.996]
        """
        lvl = check_probability(level, name="level")
        scales = self.noise_scales or (self.sd / np.sqrt(2.0),)
        half = _laplace_sum_quantile(scales, lvl)
        return (float(self.value - half), float(self.value + half))


def _laplace_sum_quantile(scales: Sequence[float], level: float) -> float:
    """t with P(|X + Y| ≤ t) = level, X ~ Laplace(a), Y ~ Laplace(c) independent.

    Its tail is P(|X + Y| > t) = (a² e^(−t/a) − c² e^(−t/c)) / (a² − c²), and
    (1 + t/(2a)) e^(−t/a) when a = c (the density is a signed mixture of the
    two Laplace densities: the characteristic function 1/((1 + a²w²)(1 + c²w²))
    splits into partial fractions).
    """
    a, c = (max(scales), min(scales)) if len(scales) == 2 else (scales[0], 0.0)
    tail = 1.0 - level
    if c <= 1e-12 * a:
        return float(a * np.log(1.0 / tail))
    r = c / a

    def excess(t: float) -> float:
        if 1.0 - r < 1e-6:
            p = (1.0 + t / (2.0 * a)) * np.exp(-t / a)
        else:
            p = (np.exp(-t / a) - r**2 * np.exp(-t / c)) / (1.0 - r**2)
        return float(p - tail)

    return float(optimize.brentq(excess, 0.0, 2.0 * a * np.log(2.0 / tail) + 1e-12))


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


def _check_n(n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a count of people (a whole number >= 0), got {n!r}")
    return int(n)


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
    count = _check_n(n)
    eps = check_positive(epsilon, name="epsilon")
    backend = _check_backend(backend)
    rng = _generator(seed, backend)
    scale = _scale(1.0, eps)
    noisy = float(_noise(np.array([float(count)]), scale, rng)[0])
    _spend(budget, eps, what)
    return DPRelease(noisy, eps, 1.0, float(np.sqrt(2.0) * scale), what, (scale,))


def _clipped(values: Any, lo: float, hi: float, name: str) -> np.ndarray:
    return np.clip(as_1d_array(values, name=name, min_size=0), lo, hi)


def _noisy_sum(
    x: np.ndarray, lo: float, hi: float, eps: float, rng: np.random.Generator | None
) -> tuple[float, float, float]:
    """(noisy clipped sum, sensitivity, noise scale) on either backend."""
    if rng is None:
        noisy, delta, scale = _opendp_clamped_sums([x], lo, hi, eps)
        return float(noisy[0]), delta, scale
    delta = max(abs(lo), abs(hi))
    scale = _scale(delta, eps)
    return float(_noise(np.array([x.sum()]), scale, rng)[0]), delta, scale


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
    clipped sum by at most that. (On the OpenDP backend, OpenDP's: a hair
    more, and upper − lower when the bounds straddle 0; see the module notes.)
    An empty ``values`` is a valid dataset: its release is pure noise.

    Examples
    --------
    >>> r = dp_sum([10.0, 250.0, 40.0], lower=0, upper=100, epsilon=1.0, seed=0)
    >>> r.sensitivity, round(r.value, 1)
    (100.0, 182.0)
    """
    lo, hi = _bounds(lower, upper)
    x = _clipped(values, lo, hi, "values")
    eps = check_positive(epsilon, name="epsilon")
    backend = _check_backend(backend)
    noisy, delta, scale = _noisy_sum(x, lo, hi, eps, _generator(seed, backend))
    _spend(budget, eps, what)
    return DPRelease(noisy, eps, delta, float(np.sqrt(2.0) * scale), what, (scale,))


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
    more; so is clamping it to [lower, upper], which can only bring it closer
    to the true clipped mean. Its ``sd`` is the delta-method approximation.
    With few people the noisy count can be tiny or negative and the mean is
    then meaningless; it is divided by max(noisy count, 1) so that it is
    always a finite number. The ratio is not unbiased: with few people its
    error is dominated by the count's noise.

    Examples
    --------
    >>> r = dp_mean(np.full(10_000, 20.0), lower=0, upper=100, epsilon=1.0, seed=0)
    >>> round(r.value, 2)
    20.01
    """
    lo, hi = _bounds(lower, upper)
    x = _clipped(values, lo, hi, "values")
    eps = check_positive(epsilon, name="epsilon")
    backend = _check_backend(backend)
    rng = _generator(seed, backend)
    total, delta, sum_scale = _noisy_sum(x, lo, hi, eps / 2, rng)
    count_scale = _scale(1.0, eps / 2)
    count = float(_noise(np.array([float(len(x))]), count_scale, rng)[0])
    _spend(budget, eps, what)
    n = max(count, 1.0)
    mean = float(np.clip(total / n, lo, hi))
    scales = (sum_scale / n, abs(mean) * count_scale / n)
    sd = float(np.sqrt(2.0 * (scales[0] ** 2 + scales[1] ** 2)))
    return DPRelease(mean, eps, delta, sd, what, scales)


@dataclass(frozen=True, repr=False)
class SegmentReport(ResultMixin):
    """A differentially private count, sum and mean per declared segment.

    ``table`` has one row per segment: ``count``, ``sum``, ``mean`` (noisy;
    the mean is the noisy sum over max(noisy count, 1), clamped to the
    clipping bounds) and ``count_sd``, ``sum_sd`` (the noise's standard
    deviations).
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
        each person is in one segment, so the segments compose in parallel —
        **provided** each person's segment follows from their own data by a
        rule fixed in advance. Segments from a clustering fitted on these same
        people do not qualify (see the module notes): fit it on other data.
    unit : str, optional
        A column identifying the person; checked to be unique and present.
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
    if isinstance(segments, np.ndarray | pd.Index):
        segments = segments.tolist()
    if isinstance(segments, str) or not isinstance(segments, Sequence) or len(segments) == 0:
        raise ValueError(f"segments must be a non-empty list of segment labels, got {segments!r}")
    if len(set(segments)) != len(segments):
        raise ValueError("segments lists a label twice")
    if unit is not None:
        if not isinstance(unit, str) or unit not in frame.columns:
            raise ValueError(f"unit must name a column of frame, got {unit!r}")
        if frame[unit].isna().any():
            raise ValueError(
                f"unit: {int(frame[unit].isna().sum()):,} row(s) have no {unit!r}; rows that "
                "cannot be attributed to one person cannot be counted as one each"
            )
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
    rng = _generator(seed, backend)
    x = _clipped(frame[value].to_numpy(), lo, hi, "value")
    codes = pd.Categorical(frame[segment], categories=list(segments)).codes
    k = len(segments)
    counts = np.bincount(codes, minlength=k).astype(float)
    count_scale = _scale(1.0, eps / 2)
    noisy_counts = _noise(counts, count_scale, rng)
    if rng is None:
        groups = [x[codes == j] for j in range(k)]
        noisy_sums, _, sum_scale = _opendp_clamped_sums(groups, lo, hi, eps / 2)
    else:
        sum_scale = _scale(max(abs(lo), abs(hi)), eps / 2)
        noisy_sums = _noise(np.bincount(codes, weights=x, minlength=k), sum_scale, rng)
    _spend(budget, eps, f"segment report of {value} by {segment}")
    table = pd.DataFrame(
        {
            "count": noisy_counts,
            "sum": noisy_sums,
            "mean": np.clip(noisy_sums / np.maximum(noisy_counts, 1.0), lo, hi),
            "count_sd": np.sqrt(2.0) * count_scale,
            "sum_sd": np.sqrt(2.0) * sum_scale,
        },
        index=pd.Index(list(segments), name=segment),
    )
    return SegmentReport(table, eps, lo, hi, backend)
