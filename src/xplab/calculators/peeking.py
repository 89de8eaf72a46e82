r"""Peeking: how often a test "finds" an effect when it is checked at every look (notebook 02).

:func:`peeking_simulation` runs many simulated experiments, looks at each
one ``n_looks`` times and counts how many a method declares significant at
some look. With no true effect that count is the false-positive rate: about
α for a test analysed once, far more for a fixed-horizon test checked at
every look, and at most about α for the sequential methods of
:mod:`xplab.abtest.sequential` (whose own functions compute every p-value and
bound here). :func:`peeking_simulator` is its control panel for JupyterLab.

The model: each user's metric is normal with standard deviation 1 (so an
``effect`` is in standard deviations), each look adds ``users_per_look`` users
to each arm, and at each look the estimate Δ̂ = x̄_t − x̄_c and its variance
V = s_c²/n + s_t²/n use the sample variances. Each look's per-arm mean and
sample variance are drawn exactly from their sampling distributions (the
batch mean is normal, the within-batch sum of squares σ²·χ²), as
``benchmarks/bench_sequential.py`` does, so an experiment costs a few
numbers per look instead of a few thousand draws.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np
from scipy import stats

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import check_alpha, check_choice, check_count, check_positive, check_real
from ..abtest import group_sequential_bounds
from ..abtest.sequential import Spending, always_valid, sequential_rho
from ._live import Calculator, Control, new_figure

Method = Literal["naive", "msprt", "confidence-sequence", "obrien-fleming", "pocock"]
METHODS: tuple[str, ...] = ("naive", "msprt", "confidence-sequence", "obrien-fleming", "pocock")
_LABELS = {
    "naive": "fixed-horizon p-value at every look",
    "msprt": "mSPRT (always-valid p-value)",
    "confidence-sequence": "confidence sequence (always-valid p-value)",
    "obrien-fleming": "group sequential, O'Brien–Fleming bounds",
    "pocock": "group sequential, Pocock bounds",
}
MAX_LOOKS = 200
MAX_EXPERIMENTS = 200_000
N_PATHS = 20


@dataclass(frozen=True, repr=False)
class PeekingSimulation(ResultMixin):
    """Result of :func:`peeking_simulation`.

    ``rejection_rate`` is the share of experiments the method declares
    significant at some look (the false-positive rate when ``effect`` is 0),
    with its Monte Carlo ``standard_error``; ``fixed_horizon_rate`` is the
    share a single analysis at the last look rejects. Per look:
    ``users_per_arm``, ``rejected_by_look`` (share rejected by then) and
    ``thresholds`` (the p-value that rejects at that look); ``p_paths`` holds
    the p-value paths of the first experiments (rows)."""

    _title: ClassVar[str] = "Peeking: how often the test rejects"
    method: str
    n_looks: int
    alpha: float
    effect: float
    users_per_look: int
    n_experiments: int
    rejection_rate: float
    standard_error: float
    fixed_horizon_rate: float
    tau: float | None
    users_per_arm: np.ndarray = field(repr=False)
    rejected_by_look: np.ndarray = field(repr=False)
    thresholds: np.ndarray = field(repr=False)
    p_paths: np.ndarray = field(repr=False)

    def plot(self) -> Any:
        """p-value paths with the rejection threshold (left) and the share of
        experiments rejected by each look (right), as a matplotlib Figure."""

        fig = new_figure(figsize=(12, 4.2), layout="constrained")
        left, right = fig.subplots(1, 2)
        n = self.users_per_arm
        crossed = np.any(self.p_paths <= self.thresholds, axis=1)
        for path, hit in zip(self.p_paths, crossed, strict=True):
            left.plot(n, path, color="#dd8452" if hit else "#4c72b0", lw=1, alpha=0.8)
        left.step(n, self.thresholds, where="mid", color="black", ls="--", lw=1.2)
        left.set_yscale("log")
        left.set(
            title=(f"{len(self.p_paths)} of the experiments: {crossed.sum()} cross the threshold"),
            xlabel="users per arm",
            ylabel="p-value at each look (log scale)",
            ylim=(max(1e-4, float(self.p_paths.min()) / 2), 1.05),
        )
        right.plot(n, 100 * self.rejected_by_look, "o-" if self.n_looks <= 30 else "-", ms=3)
        right.axhline(100 * self.alpha, color="grey", ls="--", lw=1, label=f"α = {self.alpha:g}")
        right.axhline(
            100 * self.fixed_horizon_rate,
            color="black",
            ls=":",
            lw=1,
            label=f"one analysis at the end: {self.fixed_horizon_rate:.1%}",
        )
        truth = "no true effect" if self.effect == 0 else f"true effect {self.effect:g} sd"
        right.set(
            title=f"Rejected by each look: {self.rejection_rate:.1%} in the end ({truth})",
            xlabel="users per arm",
            ylabel="experiments rejected so far (%)",
            ylim=(0, max(100 * float(self.rejected_by_look.max()), 100 * self.alpha) * 1.25),
        )
        right.legend(loc="best")
        fig.suptitle(f"{_LABELS[self.method]}, {self.n_looks} looks")
        return fig


def _draw_looks(
    rng: np.random.Generator, n_experiments: int, n_looks: int, users_per_look: int, effect: float
) -> tuple[np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Users per arm at each look, and per arm (control, treatment) the mean and
    sample variance of every experiment (rows) at every look (columns)."""
    b = users_per_look
    n = b * np.arange(1, n_looks + 1)
    arms = []
    for shift in (0.0, effect):
        batch_mean = shift + rng.standard_normal((n_experiments, n_looks)) / math.sqrt(b)
        batch_m2 = rng.chisquare(b - 1, (n_experiments, n_looks))
        mean = np.cumsum(batch_mean, axis=1) / np.arange(1, n_looks + 1)
        # Chan's update for equal batches: within-batch plus between-batch sums of squares
        between = np.cumsum(batch_mean**2, axis=1) * b - n * mean**2
        arms.append((mean, (np.cumsum(batch_m2, axis=1) + between) / (n - 1)))
    return n, arms


def peeking_simulation(
    n_looks: int,
    *,
    alpha: float = 0.05,
    method: Method = "naive",
    effect: float = 0.0,
    users_per_look: int = 100,
    n_experiments: int = 2_000,
    tau: float | None = None,
    seed: SeedLike = None,
) -> PeekingSimulation:
    r"""Simulate ``n_experiments`` experiments checked at ``n_looks`` equally spaced looks.

    H0: μ_t − μ_c = 0, two-sided. An experiment is rejected when, at any
    look k with z_k = Δ̂_k/√V_k, the method's rule fires:

    * ``'naive'``: the fixed-horizon p-value 2(1 − Φ(|z_k|)) ≤ α at some look
      (what a dashboard that refreshes does);
    * ``'msprt'``: the always-valid p-value of
      :func:`~xplab.abtest.msprt_test` ≤ α (normal mixture with standard
      deviation ``tau``);
    * ``'confidence-sequence'``: that of
      :func:`~xplab.abtest.confidence_sequence`, tuned at the final total
      sample size;
    * ``'obrien-fleming'``, ``'pocock'``: |z_k| ≥ b_k, the bounds of
      :func:`~xplab.abtest.group_sequential_bounds` for these looks.

    The always-valid p-values and the bounds come from those functions' own
    code (:func:`xplab.abtest.sequential.always_valid`). Conditions: the
    sequential guarantees hold for any number of looks (always-valid) or for
    the planned looks (group sequential) and, as everything here, rest on
    the normal approximation of Δ̂ with estimated variances.

    Parameters
    ----------
    n_looks : int
        Looks per experiment, 1 to 200; the last is the planned end.
    alpha : float
        Significance level, in (0, 1).
    method : {'naive', 'msprt', 'confidence-sequence', 'obrien-fleming', 'pocock'}
    effect : float
        The true difference μ_t − μ_c in standard deviations; 0 for A/A
        experiments (the rejection rate is then the false-positive rate).
    users_per_look : int
        Users added to each arm between looks, ≥ 2.
    n_experiments : int
        Simulated experiments, 1 to 200,000.
    tau : float, optional
        The mSPRT's mixing standard deviation (in standard deviations of the
        metric), > 0. Default: the effect a single analysis at the end
        detects with 80 % power, (z_{1−α/2} + z_{0.8})·√(2/n) with n the
        final users per arm.
    seed : int, Generator or None

    Returns
    -------
    PeekingSimulation
        ``rejection_rate`` (± ``standard_error``), ``fixed_horizon_rate``,
        the rate by look and the first 20 p-value paths; ``plot()`` draws them.

    Examples
    --------
    >>> naive = peeking_simulation(5, n_experiments=20_000, seed=1)
    >>> round(naive.rejection_rate, 3)  # Armitage et al. (1969): 14.2 % for 5 looks
    0.141
    >>> bool(peeking_simulation(20, method="msprt", seed=1).rejection_rate <= 0.05)
    True
    """
    k = check_count(n_looks, name="n_looks", minimum=1)
    if k > MAX_LOOKS:
        raise ValueError(f"n_looks must be at most {MAX_LOOKS}, got {k}")
    alpha = check_alpha(alpha)
    method = check_choice(method, METHODS, name="method")
    effect = check_real(effect, name="effect")
    b = check_count(users_per_look, name="users_per_look", minimum=2)
    reps = check_count(n_experiments, name="n_experiments", minimum=1)
    if reps > MAX_EXPERIMENTS:
        raise ValueError(f"n_experiments must be at most {MAX_EXPERIMENTS:,}, got {reps:,}")
    n_final = k * b
    if tau is None:
        z = stats.norm.isf(alpha / 2) + stats.norm.ppf(0.8)
        tau = float(z * math.sqrt(2 / n_final))
    else:
        tau = check_positive(tau, name="tau")
    rng = as_generator(seed)

    n, ((m_c, v_c), (m_t, v_t)) = _draw_looks(rng, reps, k, b, effect)
    est, var = m_t - m_c, (v_c + v_t) / n
    fixed_p = 2 * stats.norm.sf(np.abs(est) / np.sqrt(var))
    if method == "naive":
        p, thresholds = fixed_p, np.full(k, alpha)
    elif method in ("msprt", "confidence-sequence"):
        if method == "msprt":
            tau2: Any = tau**2
        else:
            rho = sequential_rho(alpha, 2 * n_final)
            tau2 = rho**2 * (2 * n) * var  # τ² = ρ²·s², s² = N·V with N = 2n users in all
        p, _, _ = always_valid(est, var, tau2, alpha)
        thresholds = np.full(k, alpha)
    else:
        spending: Spending = "obrien-fleming" if method == "obrien-fleming" else "pocock"
        bounds = group_sequential_bounds(np.arange(1, k + 1) / k, alpha=alpha, spending=spending)
        p, thresholds = fixed_p, np.asarray(bounds.nominal_p)
    hit = p <= thresholds
    rejected = np.logical_or.accumulate(hit, axis=1).mean(axis=0)
    rate = float(rejected[-1])
    return PeekingSimulation(
        method=method,
        n_looks=k,
        alpha=alpha,
        effect=effect,
        users_per_look=b,
        n_experiments=reps,
        rejection_rate=rate,
        standard_error=math.sqrt(rate * (1 - rate) / reps),
        fixed_horizon_rate=float(np.mean(fixed_p[:, -1] <= alpha)),
        tau=tau if method == "msprt" else None,
        users_per_arm=n,
        rejected_by_look=rejected,
        thresholds=thresholds,
        p_paths=p[:N_PATHS],
    )


def peeking_simulator(
    n_looks: int = 10,
    *,
    alpha: float = 0.05,
    method: Method = "naive",
    effect: float = 0.0,
    users_per_look: int = 100,
    n_experiments: int = 2_000,
    seed: int = 0,
) -> Calculator:
    """Controls for :func:`peeking_simulation`: looks, α, method and the true effect.

    Displayed in a notebook: the controls (JupyterLab, ipywidgets), the
    p-value paths and the rejection rate by look for the current settings,
    and the result's table; moving a control re-runs the simulation (a
    fraction of a second for 2,000 experiments) and redraws. The seed stays
    fixed, so moving a control back gives the same figure. Stored outputs and
    the course site show the figure for the starting values.

    Raises
    ------
    ValueError
        For starting values :func:`peeking_simulation` refuses, naming the argument.

    Examples
    --------
    >>> sim = peeking_simulator(10)
    >>> sim.result.rejection_rate > 0.15
    True
    >>> sim.update(method="obrien-fleming").rejection_rate < 0.07
    True
    """
    values: dict[str, Any] = {
        "n_looks": n_looks,
        "alpha": alpha,
        "method": method,
        "effect": effect,
        "users_per_look": users_per_look,
        "n_experiments": n_experiments,
        "seed": seed,
    }
    controls = [
        Control("n_looks", "number of looks", "int", 1, 100, 1, readout="d"),
        Control("alpha", "α", "float", 0.01, 0.2, 0.01, readout=".2f"),
        Control("method", "method", "choice", options=tuple((v, k) for k, v in _LABELS.items())),
        Control("effect", "true effect (sd)", "float", 0.0, 0.1, 0.005, readout=".3f"),
    ]
    return Calculator(peeking_simulation, values, controls, "Peeking simulator")
