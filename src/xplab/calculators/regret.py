r"""A bandit playground: one policy's regret on arms you choose (notebook 06).

:func:`bandit_regret` runs a policy of :mod:`xplab.bandits` several times on
Bernoulli arms with the given click rates, through
:func:`xplab.bandits.simulate`, and averages the pseudo-regret
R_t = Σ_{s ≤ t} [max_a μ_a − μ_{a_s}] (expected clicks lost to an oracle that
always plays the best arm). The reference line is the uniformly random
policy's expected regret, t·(max_a μ_a − mean_a μ_a), exact. Different seeds
give different runs: the band shows how much one run can differ from another.
:func:`bandit_playground` is its control panel for JupyterLab.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import as_1d_array, check_choice, check_count, check_positive, check_probability
from ..bandits import UCB1, BernoulliBandit, EpsilonGreedy, RandomPolicy, ThompsonSampling, simulate
from ._live import Calculator, Control, new_figure

PolicyName = Literal["epsilon-greedy", "ucb1", "thompson", "random"]
POLICIES: tuple[str, ...] = ("epsilon-greedy", "ucb1", "thompson", "random")
MAX_RUNS = 100
MAX_ROUNDS = 100_000
MAX_ARMS = 50


@dataclass(frozen=True, repr=False)
class BanditRegret(ResultMixin):
    """Result of :func:`bandit_regret`: the final pseudo-regret averaged over
    runs (and its lowest and highest run), the click rate reached and the
    oracle's; per round the mean, lowest and highest cumulative regret
    (``curve``, ``curve_low``, ``curve_high``) and the random policy's
    expected regret (``random_curve``); ``plays``, each arm's share of pulls."""

    _title: ClassVar[str] = "Bandit playground"
    policy: str
    means: tuple[float, ...]
    n_rounds: int
    n_runs: int
    regret: float
    regret_range: tuple[float, float]
    random_regret: float
    ctr: float
    oracle_ctr: float
    curve: np.ndarray = field(repr=False)
    curve_low: np.ndarray = field(repr=False)
    curve_high: np.ndarray = field(repr=False)
    random_curve: np.ndarray = field(repr=False)
    plays: np.ndarray = field(repr=False)

    def plot(self) -> Any:
        """Regret curves (left) and each arm's share of pulls (right), as a matplotlib Figure."""

        fig = new_figure(figsize=(12, 4.2), layout="constrained")
        left, right = fig.subplots(1, 2, width_ratios=(3, 2))
        t = np.arange(1, self.n_rounds + 1)
        left.plot(t, self.random_curve, color="grey", ls="--", lw=1, label="random (expected)")
        left.fill_between(t, self.curve_low, self.curve_high, color="#4c72b0", alpha=0.2)
        left.plot(t, self.curve, color="#4c72b0", lw=2, label=f"{self.policy}: mean of runs")
        left.set(
            title=f"Regret over {self.n_rounds:,} rounds ({self.n_runs} runs; band: lowest–highest)",
            xlabel="round",
            ylabel="cumulative pseudo-regret (clicks lost)",
        )
        left.legend(loc="upper left")
        arms = np.arange(len(self.means))
        best = int(np.argmax(self.means))
        colors = ["#dd8452" if a == best else "#4c72b0" for a in arms]
        right.bar(arms, 100 * self.plays, color=colors)
        right.set_xticks(arms, [f"arm {a}\n{m:.1%}" for a, m in enumerate(self.means)])
        right.set(
            title="Share of pulls per arm (orange: the best arm)",
            xlabel="arm and its true click rate",
            ylabel="share of pulls (%)",
            ylim=(0, 105),
        )
        return fig


def _policy(name: str, n_arms: int, epsilon: float, c: float, seed: Any) -> Any:
    if name == "epsilon-greedy":
        return EpsilonGreedy(n_arms, epsilon=epsilon, seed=seed)
    if name == "ucb1":
        return UCB1(n_arms, c=c, seed=seed)
    if name == "thompson":
        return ThompsonSampling(n_arms, seed=seed)
    return RandomPolicy(n_arms, seed=seed)


def bandit_regret(
    policy: PolicyName = "epsilon-greedy",
    *,
    means: Any = (0.04, 0.05, 0.06, 0.07, 0.08),
    epsilon: float = 0.1,
    c: float = 1.0,
    n_rounds: int = 5_000,
    n_runs: int = 5,
    seed: SeedLike = None,
) -> BanditRegret:
    r"""Average regret of one policy on Bernoulli arms, over ``n_runs`` runs.

    Each run: a fresh policy of :mod:`xplab.bandits` plays ``n_rounds`` rounds
    of :class:`~xplab.bandits.BernoulliBandit` (``means``) through
    :func:`~xplab.bandits.simulate`, with its own seed. The pseudo-regret
    after t rounds is R_t = Σ_{s ≤ t} [max_a μ_a − μ_{a_s}].

    Conditions: the arms' click rates are fixed and the same for every user
    (no context, no drift: the context-free setting where these policies'
    guarantees hold); rewards are 0/1.

    Parameters
    ----------
    policy : {'epsilon-greedy', 'ucb1', 'thompson', 'random'}
        ε-greedy with ``epsilon`` (ε = 0 is greedy), UCB1 with bonus scale
        ``c``, Beta(1, 1) Thompson sampling, or uniform random play.
    means : sequence of float
        The arms' true click rates, each in [0, 1]; 2 to 50 arms.
    epsilon : float
        Exploration probability of ε-greedy, in [0, 1] (checked always, used
        only by 'epsilon-greedy').
    c : float
        UCB1's exploration scale, > 0 (checked always, used only by 'ucb1').
    n_rounds : int
        Rounds per run, 1 to 100,000.
    n_runs : int
        Independent runs, 1 to 100.
    seed : int, Generator or None
        Seeds every run's policy and rewards.

    Returns
    -------
    BanditRegret
        ``regret`` (mean final regret), ``regret_range``, ``random_regret``,
        ``ctr``, ``oracle_ctr``, the curves and ``plays``; ``plot()`` draws them.

    Examples
    --------
    >>> r = bandit_regret("thompson", n_rounds=2_000, n_runs=5, seed=1)
    >>> r.regret < r.random_regret  # five arms 1 point apart: 2,000 rounds is early days
    True
    >>> round(bandit_regret("random", n_rounds=100, n_runs=2, seed=1).random_regret, 6)
    2.0
    """
    policy = check_choice(policy, POLICIES, name="policy")
    arms = as_1d_array(means, name="means", min_size=2)
    if arms.size > MAX_ARMS:
        raise ValueError(f"means must have at most {MAX_ARMS} arms, got {arms.size}")
    if np.any((arms < 0) | (arms > 1)):
        raise ValueError(f"means must be click rates in [0, 1], got {arms.tolist()}")
    epsilon = check_probability(epsilon, name="epsilon", closed=True)
    c = check_positive(c, name="c")
    rounds = check_count(n_rounds, name="n_rounds", minimum=1)
    if rounds > MAX_ROUNDS:
        raise ValueError(f"n_rounds must be at most {MAX_ROUNDS:,}, got {rounds:,}")
    runs = check_count(n_runs, name="n_runs", minimum=1)
    if runs > MAX_RUNS:
        raise ValueError(f"n_runs must be at most {MAX_RUNS}, got {runs}")
    rng = as_generator(seed)

    env = BernoulliBandit(arms)
    curves = np.empty((runs, rounds))
    plays = np.zeros(arms.size)
    clicks = 0.0
    for i in range(runs):
        agent = _policy(policy, arms.size, epsilon, c, rng)
        result = simulate(agent, env, rounds, seed=rng)
        curves[i] = result.cumulative_regret
        plays += np.bincount(result.arms, minlength=arms.size)
        clicks += result.ctr
    gap = float(arms.max() - arms.mean())
    label = {"epsilon-greedy": f"ε-greedy (ε = {epsilon:g})", "ucb1": f"UCB1 (c = {c:g})"}
    random_curve = gap * np.arange(1, rounds + 1)
    return BanditRegret(
        policy=label.get(policy, "Thompson sampling" if policy == "thompson" else "random"),
        means=tuple(float(m) for m in arms),
        n_rounds=rounds,
        n_runs=runs,
        regret=float(curves[:, -1].mean()),
        regret_range=(float(curves[:, -1].min()), float(curves[:, -1].max())),
        random_regret=float(random_curve[-1]),
        ctr=clicks / runs,
        oracle_ctr=float(arms.max()),
        curve=curves.mean(axis=0),
        curve_low=curves.min(axis=0),
        curve_high=curves.max(axis=0),
        random_curve=random_curve,
        plays=plays / plays.sum(),
    )


def bandit_playground(
    policy: PolicyName = "epsilon-greedy",
    *,
    means: Any = (0.04, 0.05, 0.06, 0.07, 0.08),
    epsilon: float = 0.1,
    c: float = 1.0,
    n_rounds: int = 5_000,
    n_runs: int = 5,
    seed: int = 0,
) -> Calculator:
    """Controls for :func:`bandit_regret`: policy, ε or c, the arms' click rates, rounds.

    Displayed in a notebook: the controls (JupyterLab, ipywidgets; the click
    rates are a comma-separated list), the regret curves and pull shares
    for the current settings and the result's table; changing a control
    re-runs the simulation (one to a few seconds for 5 runs of 5,000 rounds) and
    redraws. The seed stays fixed, so returning to a setting gives the same
    figure. Stored outputs and the course site show the figure for the
    starting values.

    Raises
    ------
    ValueError
        For starting values :func:`bandit_regret` refuses, naming the argument.

    Examples
    --------
    >>> play = bandit_playground("ucb1", n_rounds=500, n_runs=2)
    >>> play.update(c=0.2).policy
    'UCB1 (c = 0.2)'
    """
    values: dict[str, Any] = {
        "policy": policy,
        "means": tuple(means) if isinstance(means, list | tuple) else means,
        "epsilon": epsilon,
        "c": c,
        "n_rounds": n_rounds,
        "n_runs": n_runs,
        "seed": seed,
    }
    controls = [
        Control(
            "policy",
            "policy",
            "choice",
            options=(
                ("ε-greedy", "epsilon-greedy"),
                ("UCB1", "ucb1"),
                ("Thompson sampling", "thompson"),
                ("random", "random"),
            ),
        ),
        Control("epsilon", "ε (ε-greedy)", "float", 0.0, 0.5, 0.01, readout=".2f"),
        Control("c", "c (UCB1)", "float", 0.05, 3.0, 0.05, readout=".2f"),
        Control("means", "arm click rates", "numbers"),
        Control("n_rounds", "rounds", "int", 100, 10_000, 100, readout=","),
    ]
    return Calculator(bandit_regret, values, controls, "Bandit playground")
