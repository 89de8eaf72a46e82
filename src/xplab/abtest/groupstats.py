"""Sufficient statistics of one arm: what a warehouse query returns.

Experimentation platforms never load 10⁸ rows into Python. A SQL query reduces
each arm to a handful of numbers — the count, the sum and the sum of squares of
the metric (and of a pre-period covariate, or of a ratio metric's denominator,
with their cross products) — and the statistics run on those. :class:`GroupStats`
holds that summary. It stores means and *centred* sums (Σ(y − ȳ)²), not raw
sums of squares, so that combining partitions keeps full precision even with
10⁹ users and a large mean.

Combining is exact: ``a + b`` is the summary of the union of the two samples
(Chan, Golub & LeVeque 1979)::

    n   = n_a + n_b,         δ = ȳ_b − ȳ_a
    ȳ   = ȳ_a + δ · n_b / n
    M2  = M2_a + M2_b + δ² · n_a n_b / n
    Cxy = Cxy_a + Cxy_b + δ_x δ_y · n_a n_b / n

so daily partitions (for sequential looks) or Spark partitions add up to the
whole, and ``sum(parts)`` works.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._results import fmt
from .._validate import as_1d_array, check_bool, check_count, check_real

_PARTS = ("covariate", "denominator")


def _mean(values: np.ndarray, name: str) -> float:
    """The mean, exact for a constant column (so its centred sums are exactly 0)
    and computed on a power-of-two rescaling when the plain sum would overflow."""
    if values[0] == values[-1] and np.ptp(values) == 0:
        return float(values[0])
    with np.errstate(over="ignore"):
        mean = float(np.mean(values))
    if not math.isfinite(mean):
        scale = math.ldexp(1.0, math.frexp(float(np.max(np.abs(values))))[1] - 1)
        mean = float(np.mean(values / scale)) * scale
    if not math.isfinite(mean):  # pragma: no cover - the mean of finite values is finite
        raise ValueError(f"{name}: the mean overflows the float range")
    return mean


@dataclass(frozen=True, repr=False)
class GroupStats:
    """Sufficient statistics of a metric ``y`` in one arm.

    Optionally with a pre-period **covariate** ``x`` (for CUPED) and a
    **denominator** ``d`` (for ratio metrics such as clicks per impression).
    Build one with :meth:`from_arrays`, :meth:`from_counts` or
    :meth:`from_sums`; the fields are means and centred sums of squares and
    cross products (``m2`` = Σ(y − ȳ)², ``comoment`` = Σ(y − ȳ)(x − x̄)).

    Examples
    --------
    >>> a = GroupStats.from_arrays([1.0, 2.0, 3.0])
    >>> b = GroupStats.from_arrays([4.0, 5.0])
    >>> whole = a + b
    >>> whole.n, whole.mean, whole.variance
    (5, 3.0, 2.5)
    >>> GroupStats.from_counts(30, 100).mean
    0.3
    """

    n: int
    mean: float
    m2: float
    covariate_mean: float | None = None
    covariate_m2: float | None = None
    comoment: float | None = None
    denominator_mean: float | None = None
    denominator_m2: float | None = None
    denominator_comoment: float | None = None
    covariate_denominator_comoment: float | None = None
    binary: bool = False

    def __post_init__(self) -> None:
        check_count(self.n, name="n", minimum=1)
        check_bool(self.binary, name="binary")
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            # mean and m2 are required; the covariate and denominator parts are optional
            if f.name in ("n", "binary") or (value is None and f.name not in ("mean", "m2")):
                continue
            check_real(value, name=f.name)
        for name in ("m2", "covariate_m2", "denominator_m2"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{name} must be >= 0 (a sum of squared deviations), got {value}")
        if self.denominator_mean is not None and self.denominator_mean < 0:
            raise ValueError(
                f"denominator_mean must be >= 0 (a ratio's denominator is a count such as "
                f"sessions), got {self.denominator_mean}"
            )
        groups = {
            "covariate": ("covariate_mean", "covariate_m2", "comoment"),
            "denominator": ("denominator_mean", "denominator_m2", "denominator_comoment"),
        }
        for part, names in groups.items():
            given = [getattr(self, n) is not None for n in names]
            if any(given) and not all(given):
                raise ValueError(f"the {part} needs all of {names}, or none of them")
        both = self.has_covariate and self.has_denominator
        if both != (self.covariate_denominator_comoment is not None):
            raise ValueError(
                "covariate_denominator_comoment is required exactly when both a covariate "
                "and a denominator are given"
            )

    # --- constructors ---------------------------------------------------------

    @classmethod
    def from_arrays(cls, y: Any, *, covariate: Any = None, denominator: Any = None) -> GroupStats:
        """Summarise per-unit values ``y`` (and a covariate / denominator of the same length).

        Two passes (means, then centred sums), so the summary is as precise as
        the data allow.
        """
        y_arr = as_1d_array(y, name="y", allow_bool=True)
        cols = {"y": y_arr}
        for name, values in (("covariate", covariate), ("denominator", denominator)):
            if values is None:
                continue
            arr = as_1d_array(values, name=name, allow_bool=name == "covariate")
            if arr.size != y_arr.size:
                raise ValueError(
                    f"{name} must have one value per unit of y ({y_arr.size}), got {arr.size}"
                )
            if name == "denominator" and np.any(arr < 0):
                raise ValueError(
                    f"denominator must be non-negative (sessions, impressions: a count), "
                    f"got {int(np.sum(arr < 0))} negative value(s), the smallest {arr.min():g}"
                )
            cols[name] = arr
        means = {k: _mean(v, k) for k, v in cols.items()}
        dev = {k: v - means[k] for k, v in cols.items()}

        def c(a: str, b: str) -> float:
            with np.errstate(over="ignore", invalid="ignore"):
                value = float(np.dot(dev[a], dev[b]))
            if not math.isfinite(value):
                raise ValueError(
                    f"{a if a == b else a + ' and ' + b}: the sum of squared deviations "
                    "overflows the float range; rescale the values (e.g. to thousands)"
                )
            return value

        kwargs: dict[str, Any] = {"n": int(y_arr.size), "mean": means["y"], "m2": c("y", "y")}
        if "covariate" in cols:
            kwargs |= {
                "covariate_mean": means["covariate"],
                "covariate_m2": c("covariate", "covariate"),
                "comoment": c("y", "covariate"),
            }
        if "denominator" in cols:
            kwargs |= {
                "denominator_mean": means["denominator"],
                "denominator_m2": c("denominator", "denominator"),
                "denominator_comoment": c("y", "denominator"),
            }
        if "covariate" in cols and "denominator" in cols:
            kwargs["covariate_denominator_comoment"] = c("covariate", "denominator")
        kwargs["binary"] = bool(np.all((y_arr == 0) | (y_arr == 1)))
        return cls(**kwargs)

    @classmethod
    def from_counts(cls, successes: Any, n: Any) -> GroupStats:
        """A 0/1 metric (a conversion) from its number of successes out of ``n``."""
        s = check_count(successes, name="successes")
        total = check_count(n, name="n", minimum=1)
        if s > total:
            raise ValueError(f"successes ({s}) exceeds n ({total})")
        p = s / total
        return cls(n=total, mean=p, m2=s * (1.0 - p), binary=True)

    @classmethod
    def from_sums(
        cls,
        n: Any,
        sum: Any,
        sum_squares: Any,
        *,
        covariate_sum: Any = None,
        covariate_sum_squares: Any = None,
        sum_products: Any = None,
        denominator_sum: Any = None,
        denominator_sum_squares: Any = None,
        denominator_sum_products: Any = None,
        covariate_denominator_sum_products: Any = None,
    ) -> GroupStats:
        """From what ``SELECT COUNT(*), SUM(y), SUM(y*y), …`` returns.

        ``sum_products`` is Σ y·x (covariate), ``denominator_sum_products`` is
        Σ y·d. Raw sums of squares lose precision when the mean is large
        relative to the spread (Σy² − (Σy)²/n cancels): prefer summing
        per-partition :class:`GroupStats` where you can.
        """
        count = check_count(n, name="n", minimum=1)
        total = check_real(sum, name="sum")
        mean = total / count

        def centred(s_xy: Any, s_x: float, s_y: float, name: str) -> float:
            raw = check_real(s_xy, name=name)
            value = raw - s_x * s_y / count
            if not name.endswith("squares"):
                return value
            # rounding can make a true zero slightly negative; more than rounding is a bad sum
            if value < -1e-9 * max(abs(raw), 1.0):
                raise ValueError(
                    f"{name} ({raw}) is below sum²/n ({s_x * s_y / count}): no data has a "
                    "negative spread"
                )
            return max(value, 0.0)

        kwargs: dict[str, Any] = {
            "n": count,
            "mean": mean,
            "m2": centred(sum_squares, total, total, "sum_squares"),
        }
        cov = (covariate_sum, covariate_sum_squares, sum_products)
        den = (denominator_sum, denominator_sum_squares, denominator_sum_products)
        x_total = d_total = 0.0
        if any(v is not None for v in cov):
            if any(v is None for v in cov):
                raise ValueError(
                    "a covariate needs covariate_sum, covariate_sum_squares and sum_products"
                )
            x_total = check_real(covariate_sum, name="covariate_sum")
            kwargs |= {
                "covariate_mean": x_total / count,
                "covariate_m2": centred(
                    covariate_sum_squares, x_total, x_total, "covariate_sum_squares"
                ),
                "comoment": centred(sum_products, total, x_total, "sum_products"),
            }
        if any(v is not None for v in den):
            if any(v is None for v in den):
                raise ValueError(
                    "a denominator needs denominator_sum, denominator_sum_squares and "
                    "denominator_sum_products"
                )
            d_total = check_real(denominator_sum, name="denominator_sum")
            kwargs |= {
                "denominator_mean": d_total / count,
                "denominator_m2": centred(
                    denominator_sum_squares, d_total, d_total, "denominator_sum_squares"
                ),
                "denominator_comoment": centred(
                    denominator_sum_products, total, d_total, "denominator_sum_products"
                ),
            }
        if covariate_denominator_sum_products is not None:
            kwargs["covariate_denominator_comoment"] = centred(
                covariate_denominator_sum_products,
                x_total,
                d_total,
                "covariate_denominator_sum_products",
            )
        return cls(**kwargs)

    # --- combining --------------------------------------------------------------

    def __add__(self, other: Any) -> GroupStats:
        if not isinstance(other, GroupStats):
            return NotImplemented
        for part in _PARTS:
            if getattr(self, f"has_{part}") != getattr(other, f"has_{part}"):
                raise ValueError(f"cannot add GroupStats with and without a {part}")
        na, nb = self.n, other.n
        n = na + nb
        w = na * nb / n

        def mean(name: str) -> float:
            a, b = getattr(self, name), getattr(other, name)
            return a + (b - a) * nb / n

        def delta(name: str) -> float:
            return getattr(other, name) - getattr(self, name)

        def comoment(name: str, m1: str, m2: str) -> float:
            return getattr(self, name) + getattr(other, name) + delta(m1) * delta(m2) * w

        kwargs: dict[str, Any] = {
            "n": n,
            "mean": mean("mean"),
            "m2": comoment("m2", "mean", "mean"),
            "binary": self.binary and other.binary,
        }
        if self.has_covariate:
            kwargs |= {
                "covariate_mean": mean("covariate_mean"),
                "covariate_m2": comoment("covariate_m2", "covariate_mean", "covariate_mean"),
                "comoment": comoment("comoment", "mean", "covariate_mean"),
            }
        if self.has_denominator:
            kwargs |= {
                "denominator_mean": mean("denominator_mean"),
                "denominator_m2": comoment(
                    "denominator_m2", "denominator_mean", "denominator_mean"
                ),
                "denominator_comoment": comoment(
                    "denominator_comoment", "mean", "denominator_mean"
                ),
            }
        if self.has_covariate and self.has_denominator:
            kwargs["covariate_denominator_comoment"] = comoment(
                "covariate_denominator_comoment", "covariate_mean", "denominator_mean"
            )
        return GroupStats(**kwargs)

    def __radd__(self, other: Any) -> GroupStats:
        # lets the built-in sum() start from 0
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self
        return NotImplemented

    @classmethod
    def combine(cls, parts: Iterable[GroupStats]) -> GroupStats:
        """The summary of the union of several partitions (at least one)."""
        items = list(parts)
        if not items or not all(isinstance(p, GroupStats) for p in items):
            raise ValueError("parts must be a non-empty iterable of GroupStats")
        out = items[0]
        for p in items[1:]:
            out = out + p
        return out

    # --- derived quantities -----------------------------------------------------

    @property
    def has_covariate(self) -> bool:
        return self.covariate_mean is not None

    @property
    def has_denominator(self) -> bool:
        return self.denominator_mean is not None

    @property
    def sum(self) -> float:
        """Σ y."""
        return self.mean * self.n

    def _ddof1(self, value: float, what: str) -> float:
        if self.n < 2:
            raise ValueError(f"the {what} needs at least 2 units, this arm has n = {self.n}")
        return value / (self.n - 1)

    @property
    def variance(self) -> float:
        """Sample variance of y (divisor n − 1)."""
        return self._ddof1(self.m2, "variance")

    @property
    def std(self) -> float:
        return math.sqrt(self.variance)

    @property
    def covariate_variance(self) -> float:
        return self._ddof1(self._need("covariate", self.covariate_m2), "covariate variance")

    @property
    def covariance(self) -> float:
        """Sample covariance of y and the covariate (divisor n − 1)."""
        return self._ddof1(self._need("covariate", self.comoment), "covariance")

    @property
    def correlation(self) -> float:
        """Pearson correlation of y and the covariate."""
        cx = self._need("covariate", self.covariate_m2)
        if self.m2 == 0 or cx == 0:
            raise ValueError("the correlation is undefined when y or the covariate is constant")
        return self._need("covariate", self.comoment) / math.sqrt(self.m2 * cx)

    @property
    def denominator_variance(self) -> float:
        return self._ddof1(self._need("denominator", self.denominator_m2), "denominator variance")

    @property
    def denominator_covariance(self) -> float:
        """Sample covariance of y (the numerator) and the denominator."""
        return self._ddof1(self._need("denominator", self.denominator_comoment), "covariance")

    def _need(self, part: str, value: float | None) -> float:
        if value is None:
            raise ValueError(
                f"these GroupStats have no {part}: build them with "
                f"GroupStats.from_arrays(y, {part}=...)"
            )
        return value

    def __repr__(self) -> str:
        parts = [f"n={fmt(self.n)}", f"mean={fmt(self.mean)}"]
        if self.n >= 2:
            parts.append(f"std={fmt(self.std)}")
        if self.has_covariate:
            parts.append(f"covariate_mean={fmt(self.covariate_mean)}")
        if self.has_denominator:
            parts.append(f"denominator_mean={fmt(self.denominator_mean)}")
        return f"GroupStats({', '.join(parts)})"
