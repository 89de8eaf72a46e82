r"""Sequential tests: look at an experiment as often as you like, or at planned looks.

A fixed-horizon test is valid only if it is analysed once, at the planned
sample size. Checking it after every batch and stopping at the first
p < 0.05 rejects a true null far more often than 5 % (about 14 % with 5
looks, 25 % with 20). Three remedies live here:

* :func:`msprt_test` — the mixture sequential probability ratio test
  (Johari, Koomen, Pekelis & Walsh, "Always valid inference", 2017/2022;
  Optimizely's Stats Engine): always-valid p-values and a confidence sequence,
  valid at every look, for any stopping rule.
* :func:`confidence_sequence` — the asymptotic confidence sequence of
  Waudby-Smith et al. (arXiv 2103.06476) as GrowthBook computes it, tuned to
  be tightest at a chosen sample size.
* :func:`group_sequential_bounds` — Lan–DeMets alpha spending for a few
  *planned* looks (O'Brien–Fleming or Pocock type), computed exactly by
  recursive numerical integration.

Both always-valid methods share one piece of arithmetic: with the estimate
Δ̂ (treatment − control) and its variance V = s_c²/n_c + s_t²/n_t at a look, a
normal mixture over the effect θ ~ N(0, τ²) gives the likelihood ratio

.. math:: \Lambda = \sqrt{\frac{V}{V + \tau^2}}
          \exp\left(\frac{\tau^2 \hat\Delta^2}{2 V (V + \tau^2)}\right)

and {θ : Λ(θ) < 1/α} is a (1 − α) confidence sequence. The asymptotic
confidence sequence is the same formula with τ² = ρ²·s², the mixing variance
scaled by the per-unit variance s² = (n_c + n_t)·V.

**What the guarantee rests on.** Λ is a martingale under H0 only when Δ̂ is
exactly normal with a *known* variance. Here V is estimated from the data, so
the always-valid guarantee is asymptotic: it holds once the sample variances
(and the normal approximation of Δ̂) are accurate. At the first few
observations they are not, and a look there can reject a true null by
chance (looking after every observation from n = 2 per arm rejected 15.6 % of
normal A/A tests at τ = σ). Both always-valid methods therefore take their
first look at ``min_n`` = 30 units per arm by default; from there,
``benchmarks/bench_sequential.py`` measures type-I errors of at most 2.7 %
(looking after every observation up to 1,000 per arm, normal and 0/1 data,
τ from 0.1σ to 3σ). Other metrics are not covered by that check: for a
skewed or rare-event metric, simulate A/A runs of it (or raise ``min_n``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
from scipy import optimize, stats

from .._results import ResultMixin
from .._validate import as_1d_array, check_alpha, check_choice, check_count, check_positive
from .groupstats import GroupStats

Spending = Literal["obrien-fleming", "pocock"]

#: Default burn-in: the smallest per-arm sample size at which a look is taken
MIN_N = 30


@dataclass(frozen=True, repr=False)
class SequentialResult(ResultMixin):
    """One row per look: the per-arm sizes, the estimate (treatment − control),
    its standard error, the always-valid p-value (non-increasing) and the
    confidence sequence (``lower``, ``upper``; the running intersection, so
    it only narrows).

    **An empty interval** (``lower > upper``, flagged by :attr:`empty` and in
    the summary) means that the intervals of two looks do not overlap: every
    constant effect has been rejected, so the data are not consistent with
    one fixed effect. Under the method's assumptions that happens with
    probability at most α (it needs an interval that misses the true effect);
    in practice it says the effect changes over time (novelty, a shift in the
    traffic mix) or that an early look was taken before the normal
    approximation held. H0 is rejected at such a look (0 is outside every
    point of the empty set), but no interval for "the" effect is reported:
    investigate the time course instead."""

    _title: ClassVar[str] = "Sequential test (treatment − control)"
    method: str
    n_c: np.ndarray
    n_t: np.ndarray
    estimate: np.ndarray
    se: np.ndarray
    p_values: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    alpha: float

    @property
    def significant(self) -> np.ndarray:
        """Per look: whether H0 is rejected at ``alpha`` by that look (p < α,
        the convention of every xplab test)."""
        return self.p_values < self.alpha

    @property
    def empty(self) -> np.ndarray:
        """Per look: whether the running intersection is empty (``lower > upper``)."""
        return self.lower > self.upper

    @property
    def first_empty_look(self) -> int | None:
        """Index of the first look whose running intersection is empty, or None."""
        hits = np.flatnonzero(self.empty)
        return int(hits[0]) if hits.size else None

    def summary(self) -> str:
        """The fields, and a warning line when the confidence sequence became empty."""
        text = super().summary()
        k = self.first_empty_look
        if k is not None:
            text += (
                f"\nempty    the confidence sequence is empty from look {k} "
                f"(n_c = {self.n_c[k]:,}): no constant effect fits every look"
            )
        return text

    def __repr__(self) -> str:
        text = super().__repr__()
        k = self.first_empty_look
        return text if k is None else text[:-1] + f", empty_from_look={k})"

    def _repr_html_(self) -> str:
        text = super()._repr_html_()
        k = self.first_empty_look
        if k is None:
            return text
        row = (
            "<tr><th style='text-align:left'>empty</th><td style='text-align:left'>"
            f"from look {k}: no constant effect fits every look</td></tr>"
        )
        return text.replace("</table>", row + "</table>")

    @property
    def stopping_look(self) -> int | None:
        """Index of the first look at which H0 is rejected, or None."""
        hits = np.flatnonzero(self.significant)
        return int(hits[0]) if hits.size else None

    def to_frame(self) -> Any:
        """The looks as a pandas DataFrame, one row per look."""
        import pandas as pd

        return pd.DataFrame(
            {
                "n_c": self.n_c,
                "n_t": self.n_t,
                "estimate": self.estimate,
                "se": self.se,
                "p_value": self.p_values,
                "lower": self.lower,
                "upper": self.upper,
            }
        )


# --------------------------------------------------------------------------- shared core


def mixture_log_lr(estimate: Any, variance: Any, tau2: Any) -> Any:
    """log Λ of the normal-mixture SPRT for H0: Δ = 0 (arrays broadcast).

    ``tau2`` may be an array (the asymptotic confidence sequence scales it
    with the per-unit variance at every look). Zero variance gives log Λ = 0:
    a look with no spread in the data carries no evidence.
    """
    est, v, t2 = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (estimate, variance, tau2))
    )
    out = np.zeros(est.shape)
    ok = v > 0
    vv, tt, ee = v[ok], t2[ok], est[ok]
    out[ok] = 0.5 * np.log(vv / (vv + tt)) + tt * ee**2 / (2 * vv * (vv + tt))
    return out


def mixture_half_width(variance: Any, tau2: Any, alpha: float) -> Any:
    """Half-width of {θ : Λ(θ) < 1/α}: √(V(V+τ²)/τ² · (2 log(1/α) + log((V+τ²)/V)))."""
    v, t2 = np.broadcast_arrays(np.asarray(variance, dtype=float), np.asarray(tau2, dtype=float))
    out = np.full(v.shape, np.inf)
    ok = v > 0
    vv, tt = v[ok], t2[ok]
    out[ok] = np.sqrt(vv * (vv + tt) / tt * (2 * math.log(1 / alpha) + np.log((vv + tt) / vv)))
    return out


def always_valid(
    estimate: Any, variance: Any, tau2: Any, alpha: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p-values min(1, 1/Λ) made non-increasing, and the running intersection
    of the confidence sequence, along the last axis (looks), for one or many
    simulated experiments at once."""
    est = np.asarray(estimate, dtype=float)
    p = np.minimum(1.0, np.exp(-mixture_log_lr(est, variance, tau2)))
    p = np.minimum.accumulate(p, axis=-1)
    half = mixture_half_width(variance, tau2, alpha)
    lower = np.maximum.accumulate(est - half, axis=-1)
    upper = np.minimum.accumulate(est + half, axis=-1)
    return p, lower, upper


def _looks_from_arrays(
    control: Any, treatment: Any, looks: Any, min_n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per look: sizes, means and sample variances of each arm (cumulative)."""
    c = as_1d_array(control, name="control", min_size=2, allow_bool=True)
    t = as_1d_array(treatment, name="treatment", min_size=2, allow_bool=True)
    shorter = min(c.size, t.size)
    if looks is None:
        if c.size != t.size:
            raise ValueError(
                f"control ({c.size}) and treatment ({t.size}) have different lengths; "
                "pass looks=[...] (per-arm sample sizes) to say where to look"
            )
        if c.size < min_n:
            raise ValueError(
                f"control and treatment hold {c.size} values each, fewer than min_n = {min_n}, "
                "the first look; collect more data (or lower min_n, see the docstring)"
            )
        n = np.arange(min_n, c.size + 1)
    else:
        n = np.asarray(looks)
        if n.ndim != 1 or n.size == 0 or not np.issubdtype(n.dtype, np.integer):
            raise ValueError(f"looks must be a non-empty 1-D sequence of integers, got {looks!r}")
        if np.any(np.diff(n) <= 0):
            raise ValueError("looks must be strictly increasing")
        if n[0] < 2 or n[-1] > shorter:
            raise ValueError(
                f"looks must lie between 2 and the length of the shorter arm "
                f"({shorter}), got {n[0]}..{n[-1]}"
            )
        _check_min_n(int(n[0]), min_n, "looks start")
    out = []
    for arr in (c, t):
        # shifting by the first value keeps the running sums of squares precise
        shifted = arr - arr[0]
        s1 = np.cumsum(shifted)[n - 1]
        s2 = np.cumsum(shifted**2)[n - 1]
        mean = s1 / n
        var = np.maximum(s2 - n * mean**2, 0.0) / (n - 1)
        out += [mean + arr[0], var]
    return n, n, out[0], out[1], out[2], out[3]


def _check_min_n(first: int, min_n: int, what: str) -> None:
    if first < min_n:
        raise ValueError(
            f"{what} at n = {first} per arm, below min_n = {min_n}: with fewer units the "
            "estimated variance is too noisy for the always-valid guarantee (looks from n = 2 "
            "reject up to 16 % of A/A tests); start the looks at min_n, or pass a smaller "
            "min_n deliberately"
        )


def _looks_from_stats(
    control: Sequence[GroupStats], treatment: Sequence[GroupStats], min_n: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    if len(control) != len(treatment) or len(control) == 0:
        raise ValueError(
            f"control and treatment must hold one GroupStats per look, the same number in each; "
            f"got {len(control)} and {len(treatment)}"
        )
    cols = []
    for arm, seq in (("control", control), ("treatment", treatment)):
        if not all(isinstance(g, GroupStats) for g in seq):
            raise ValueError(f"{arm} mixes GroupStats with other values")
        n = np.array([g.n for g in seq])
        if np.any(n < 2):
            raise ValueError(f"every look needs at least 2 units per arm; {arm} has n = {n.min()}")
        if np.any(np.diff(n) <= 0):
            raise ValueError(f"{arm} must be cumulative: n must increase from look to look")
        _check_min_n(int(n.min()), min_n, f"{arm}'s first look is")
        cols += [n, np.array([g.mean for g in seq]), np.array([g.variance for g in seq])]
    return cols[0], cols[3], cols[1], cols[2], cols[4], cols[5]


def _per_look(control: Any, treatment: Any, looks: Any, min_n: int) -> tuple[np.ndarray, ...]:
    is_stats = [
        isinstance(a, Sequence) and len(a) > 0 and isinstance(a[0], GroupStats)
        for a in (control, treatment)
    ]
    if any(is_stats):
        if not all(is_stats):
            raise ValueError(
                "pass arrays for both arms or GroupStats sequences for both, not a mix"
            )
        if looks is not None:
            raise ValueError("looks applies to arrays; with GroupStats every element is a look")
        return _looks_from_stats(control, treatment, min_n)
    return _looks_from_arrays(control, treatment, looks, min_n)


# --------------------------------------------------------------------------- mSPRT


def _mixture_result(
    control: Any,
    treatment: Any,
    looks: Any,
    alpha: float,
    min_n: Any,
    mixing_variance: Callable[[np.ndarray, np.ndarray], Any],
    method: str,
) -> SequentialResult:
    """Both sequential tests: the per-look estimate and variance, then the
    normal-mixture bound with the mixing variance τ² each one chooses
    (from the total sample size n = n_c + n_t and the estimate's variance)."""
    min_n = check_count(min_n, name="min_n", minimum=2)
    n_c, n_t, m_c, v_c, m_t, v_t = _per_look(control, treatment, looks, min_n)
    est = m_t - m_c
    var = v_c / n_c + v_t / n_t
    degenerate = np.flatnonzero((var == 0) & (est != 0))
    if degenerate.size:
        k = degenerate[0]
        raise ValueError(
            f"control and treatment are both constant and differ at look {k} "
            f"(n_c = {n_c[k]}, n_t = {n_t[k]}: control {m_c[k]:.6g}, treatment {m_t[k]:.6g}); "
            "with zero variance the normal approximation behind the test gives no answer. "
            "Check the metric (a constant column is usually a logging bug); if the values are "
            "real, the difference is certain and needs no test"
        )
    p, lower, upper = always_valid(est, var, mixing_variance(n_c + n_t, var), alpha)
    return SequentialResult(
        method=method,
        n_c=n_c,
        n_t=n_t,
        estimate=est,
        se=np.sqrt(var),
        p_values=p,
        lower=lower,
        upper=upper,
        alpha=alpha,
    )


def msprt_test(
    control: Any,
    treatment: Any,
    *,
    tau: float,
    looks: Any = None,
    alpha: float = 0.05,
    min_n: int = MIN_N,
) -> SequentialResult:
    r"""Mixture sequential probability ratio test for a difference in means or proportions.

    H0: μ_t − μ_c = 0 against H1: μ_t − μ_c ≠ 0, valid however often you
    look (from ``min_n`` units per arm on) and whenever you stop (Johari,
    Koomen, Pekelis & Walsh 2017/2022).
    At each look, with Δ̂ = x̄_t − x̄_c and V = s_t²/n_t + s_c²/n_c (plug-in
    sample variances; for 0/1 data p̂(1 − p̂)·n/(n − 1)), the mixture
    likelihood ratio over θ ~ N(0, τ²) is

    .. math:: \Lambda_n = \sqrt{\frac{V}{V + \tau^2}}
              \exp\left(\frac{\tau^2 \hat\Delta^2}{2V(V + \tau^2)}\right)

    Under H0, with a known variance and normal Δ̂, Λ_n is a martingale with
    mean 1, so by Ville's inequality P(sup_n Λ_n ≥ 1/α) ≤ α. The always-valid
    p-value is p_n = min(1, min_{m ≤ n} 1/Λ_m) and the confidence sequence is
    the running intersection of
    Δ̂ ± √(V(V + τ²)/τ² · (2 log(1/α) + log((V + τ²)/V))). Rejecting when
    p_n < α is the same as 0 leaving the sequence.

    **Conditions.** V is estimated, so the guarantee is asymptotic: it needs
    enough units per arm for the sample variances and the normal
    approximation to be accurate. Looks before ``min_n`` per arm (default 30)
    are refused: after every observation from n = 2, 15.6 % of normal A/A
    tests were rejected at τ = σ; from n = 30 the type-I error is at most
    2.7 % for normal and 0/1 data and τ from 0.1σ to 3σ
    (``benchmarks/bench_sequential.py``). For skewed or rare-event metrics,
    which that check does not cover, simulate A/A runs or raise ``min_n``. The effect must be constant over time;
    if it drifts, the confidence sequence can become empty (see
    :class:`SequentialResult`). Two arms that are both constant and differ
    have zero variance and raise ``ValueError``.

    **Choosing τ.** τ is the standard deviation of the effects you expect,
    *on the scale of the metric* (e.g. 0.005 for half a percentage point of
    conversion). The test has the most power against effects of about that
    size: too small a τ needs huge samples to gather evidence, too large a τ
    wastes evidence on effects that never happen. A good default is the
    minimum detectable effect of your fixed-horizon plan, or the spread of
    past experiments' effects (the prior spread from :func:`~xplab.abtest.shrink`).
    Any fixed τ > 0 keeps the type-I guarantee; choose it before the data.

    Parameters
    ----------
    control, treatment : array-like or sequence of GroupStats
        Per-unit values in arrival order (0/1 for proportions), or one
        cumulative :class:`~xplab.abtest.GroupStats` per look and arm.
    tau : float
        Mixing standard deviation τ > 0, in the units of the metric.
    looks : sequence of int, optional
        Per-arm sample sizes at which to look (each arm's first ``n``
        values), strictly increasing, from ``min_n``. Default: after every
        observation, n = ``min_n``, ``min_n`` + 1, …, for arms of equal length.
    alpha : float
        Level of the confidence sequence (the p-values do not depend on it).
    min_n : int
        Smallest per-arm sample size at which a look is allowed (≥ 2,
        default 30): the burn-in before the estimated variance can be
        trusted. Lower it only knowingly.

    Returns
    -------
    SequentialResult
        Arrays with one entry per look: ``n_c``, ``n_t``, ``estimate``, ``se``
        (√V), ``p_values``, ``lower``, ``upper``; ``stopping_look`` is the first
        look with p < α; ``empty`` flags looks whose running intersection is
        empty.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> c, t = rng.normal(0, 1, 2000), rng.normal(0.2, 1, 2000)
    >>> r = msprt_test(c, t, tau=0.2, looks=[250, 500, 1000, 2000])
    >>> np.round(r.p_values, 4)
    array([0.019 , 0.0097, 0.    , 0.    ])
    >>> bool(r.lower[-1] > 0)
    True
    """
    tau = check_positive(tau, name="tau")
    alpha = check_alpha(alpha)
    return _mixture_result(
        control,
        treatment,
        looks,
        alpha,
        min_n,
        lambda n, var: tau**2,
        f"mSPRT, normal mixture τ = {tau:.4g}",
    )


# --------------------------------------------------------------------------- asymptotic CS


def sequential_rho(alpha: float, tuning_parameter: float) -> float:
    r"""GrowthBook's mixing parameter ρ for the asymptotic confidence sequence.

    ρ² = (−2 log α + log(1 − 2 log α)) / N* (Waudby-Smith et al., eq. 161, as
    in GrowthBook's ``sequential_rho``), which approximately minimises the
    width at total sample size N* = ``tuning_parameter``.

    Examples
    --------
    >>> round(sequential_rho(0.05, 5000), 5)
    0.03984
    """
    a = -2 * math.log(alpha)
    return math.sqrt((a + math.log(a + 1)) / tuning_parameter)


def confidence_sequence(
    control: Any,
    treatment: Any,
    *,
    looks: Any = None,
    alpha: float = 0.05,
    tuning_parameter: float = 5_000,
    min_n: int = MIN_N,
) -> SequentialResult:
    r"""Asymptotic (1 − α) confidence sequence for μ_t − μ_c, as GrowthBook computes it.

    Waudby-Smith, Arbour, Sinha, Kennedy & Ramdas (arXiv 2103.06476): with
    N = n_c + n_t units at a look, the per-unit variance s² = N·V
    (V = s_c²/n_c + s_t²/n_t) and ρ from :func:`sequential_rho`, the interval

    .. math:: \hat\Delta \pm \sqrt{s^2}\,\sqrt{\frac{2(N\rho^2 + 1)}{N^2\rho^2}
              \log\frac{\sqrt{N\rho^2 + 1}}{\alpha}}

    covers the true difference at every look simultaneously with probability
    → 1 − α. It is tightest near N = ``tuning_parameter`` (total units, both
    arms; GrowthBook's default 5,000): set it to the sample size at which you
    expect to decide. It is the normal-mixture bound of :func:`msprt_test`
    with mixing variance τ² = ρ²·s². The matching always-valid p-value for
    H0: μ_t − μ_c = 0 is min(1, √(Nρ² + 1)·exp(−z²·Nρ²/(2(Nρ² + 1)))),
    z = Δ̂/√V, made non-increasing; ``lower``/``upper`` are the running
    intersection.

    The coverage is asymptotic (the variance is estimated) and holds from
    ``min_n`` units per arm, as for :func:`msprt_test`: looking after every
    observation from n = 30 per arm, the type-I error of the implied test
    was at most 2.7 % in ``benchmarks/bench_sequential.py`` for N* from
    3.5 to 5,000 (from n = 2: up to 14.4 %).

    Parameters
    ----------
    control, treatment, looks, min_n
        As in :func:`msprt_test`.
    alpha : float
        1 − coverage, in (0, 1).
    tuning_parameter : float
        N*, the total sample size at which the sequence is tightest, > 0.

    Returns
    -------
    SequentialResult

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> c, t = rng.normal(0, 1, 2000), rng.normal(0.2, 1, 2000)
    >>> r = confidence_sequence(c, t, looks=[500, 2000])
    >>> np.round(r.upper - r.lower, 3)  # fixed-horizon 95% CI at n = 2000: width 0.124
    array([0.405, 0.193])
    """
    alpha = check_alpha(alpha)
    n_star = check_positive(tuning_parameter, name="tuning_parameter")
    rho = sequential_rho(alpha, n_star)
    return _mixture_result(
        control,
        treatment,
        looks,
        alpha,
        min_n,
        lambda n, var: rho**2 * n * var,
        f"asymptotic confidence sequence, tuned at N = {n_star:,.0f}",
    )


# --------------------------------------------------------------------------- group sequential


@dataclass(frozen=True, repr=False)
class GroupSequentialBounds(ResultMixin):
    """Two-sided z bounds per planned look: reject H0 at look k if |Z_k| ≥ ``bounds[k]``.
    ``numpy.asarray(result)`` gives the bounds."""

    _title: ClassVar[str] = "Group sequential design (Lan–DeMets alpha spending)"
    information_fractions: np.ndarray
    bounds: np.ndarray
    nominal_p: np.ndarray
    cumulative_alpha: np.ndarray
    alpha: float
    spending: str

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self.bounds, dtype=dtype)

    def __len__(self) -> int:
        return int(self.bounds.size)


def spending_function(t: Any, alpha: float, spending: str) -> Any:
    """Cumulative two-sided alpha spent by information fraction t.

    O'Brien–Fleming type spends α/2 on each side by 2 − 2Φ(z_{1−α/4}/√t)
    (the R ``ldbounds``/``gsDesign`` convention for a symmetric two-sided
    design); Pocock type spends α·log(1 + (e − 1)t).
    """
    t = np.asarray(t, dtype=float)
    if spending == "obrien-fleming":
        return 4 * stats.norm.sf(stats.norm.isf(alpha / 4) / np.sqrt(t))
    return alpha * np.log1p((math.e - 1) * t)


# |Z| beyond 9 has probability ~1e-19 under H0: treated as "no stopping"
_NO_STOP = 9.0


def _excess(
    b: float, root_t: float, mass: np.ndarray, s: np.ndarray, sd: float, target: float
) -> float:
    """P(first crossing of ±b at this look) − target, from the weighted density
    ``mass`` of S(t_{k−1}) on the grid ``s``; ``sd`` = √(t_k − t_{k−1})."""
    c = b * root_t
    return float(mass @ (stats.norm.sf((c - s) / sd) + stats.norm.cdf((-c - s) / sd))) - target


def _simpson(m: int, h: float) -> np.ndarray:
    w = np.ones(m)
    w[1:-1:2], w[2:-1:2] = 4.0, 2.0
    return w * h / 3


def group_sequential_bounds(
    information_fractions: Any,
    *,
    alpha: float = 0.05,
    spending: Spending = "obrien-fleming",
) -> GroupSequentialBounds:
    r"""Lan–DeMets alpha-spending bounds for planned looks (two-sided, symmetric).

    H0: μ_t − μ_c = 0. At look k, with information fraction t_k (the share of
    the planned sample analysed, 0 < t_1 < … ≤ 1), reject if |Z_k| ≥ b_k. The
    b_k are chosen so that the probability under H0 of first crossing at look
    k equals the alpha spent between t_{k−1} and t_k:

    .. math:: P(|Z_1| < b_1, …, |Z_{k-1}| < b_{k-1}, |Z_k| \ge b_k)
              = \alpha(t_k) - \alpha(t_{k-1})

    with α(t) = 4 − 4Φ(z_{1−α/4}/√t) for O'Brien–Fleming type (α/2 spent on
    each side, as R ``ldbounds``/``gsDesign`` do) or α·log(1 + (e − 1)t)
    for Pocock type. Z_k = S(t_k)/√t_k for a Brownian motion S, so the density
    of S(t_k) on the continuation region follows from that at t_{k−1} by a
    normal convolution; it is integrated with Simpson's rule on a fine grid
    (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, ch. 19) and
    each b_k found by root-finding. No simulation.

    Parameters
    ----------
    information_fractions : array-like
        Strictly increasing fractions in (0, 1]. If the last is below 1, only
        α(t_last) is spent.
    alpha : float
        Overall two-sided significance level.
    spending : {'obrien-fleming', 'pocock'}

    Returns
    -------
    GroupSequentialBounds
        ``bounds`` (z), ``nominal_p`` (two-sided p-value that crosses each
        bound), ``cumulative_alpha`` spent by each look.

    Examples
    --------
    >>> b = group_sequential_bounds([0.2, 0.4, 0.6, 0.8, 1.0])
    >>> np.round(np.asarray(b), 3)
    array([4.877, 3.357, 2.68 , 2.29 , 2.031])
    """
    alpha = check_alpha(alpha)
    spending = check_choice(spending, ("obrien-fleming", "pocock"), name="spending")
    t = as_1d_array(information_fractions, name="information_fractions")
    if np.any(t <= 0) or np.any(t > 1):
        raise ValueError(f"information_fractions must lie in (0, 1], got {t.tolist()}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("information_fractions must be strictly increasing")
    spent = spending_function(t, alpha, spending)
    increments = np.diff(spent, prepend=0.0)

    bounds = np.empty(t.size)
    bounds[0] = stats.norm.isf(increments[0] / 2)
    # grid resolution: fine relative to the smallest step's standard deviation
    sd_min = float(np.sqrt(np.min(np.diff(t, prepend=0.0))))
    h_target = min(0.01, sd_min / 8)

    def grid(k: int) -> tuple[np.ndarray, np.ndarray]:
        c = min(bounds[k], _NO_STOP) * math.sqrt(t[k])
        m = int(min(4001, max(201, 2 * math.ceil(c / h_target) + 1)))
        m += 1 - m % 2  # Simpson needs an odd number of points
        s = np.linspace(-c, c, m)
        return s, _simpson(m, s[1] - s[0])

    s, w = grid(0)
    dens = stats.norm.pdf(s, scale=math.sqrt(t[0]))
    for k in range(1, t.size):
        sd = math.sqrt(t[k] - t[k - 1])
        mass = w * dens
        root_t = math.sqrt(t[k])

        target = increments[k]
        # a spend that underflows (tiny t under O'Brien-Fleming) means: never stop here
        args = (root_t, mass, s, sd, target)
        if target <= 0 or _excess(_NO_STOP, *args) >= 0:
            bounds[k] = np.inf
        else:
            bounds[k] = optimize.brentq(_excess, 1e-6, _NO_STOP, args=args, xtol=1e-10)
        s_new, w_new = grid(k)
        kernel = stats.norm.pdf((s_new[:, None] - s[None, :]) / sd) / sd
        dens = kernel @ mass
        s, w = s_new, w_new

    return GroupSequentialBounds(
        information_fractions=t,
        bounds=bounds,
        nominal_p=2 * stats.norm.sf(bounds),
        cumulative_alpha=spent,
        alpha=alpha,
        spending=spending,
    )
