r"""Bandit environments with a known truth, and :func:`simulate` to run a policy
in one and measure its regret against the oracle.

An environment tells, for each round t, the context x_t (or None) and the
click probability p_t(a) of every arm. The oracle plays argmax_a p_t(a); the
*pseudo-regret* after T rounds is

    R_T = Σ_t [max_a p_t(a) − p_t(a_t)],

the expected clicks lost to the oracle given the arms played. It is what the
bandit literature plots, and it has less noise than the regret in realised
clicks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

import numpy as np

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import as_1d_array, check_count
from ..data.news import NewsReaders
from .policies import check_policy, checked_arm


class Environment(Protocol):
    """What :func:`simulate` needs from an environment."""

    n_arms: int
    n_features: int  # 0 for a context-free environment

    def draw(self, n_rounds: int, rng: np.random.Generator) -> tuple[np.ndarray | None, np.ndarray]:
        """Contexts, shape (n_rounds, n_features) or None, and click
        probabilities, shape (n_rounds, n_arms)."""
        ...


class BernoulliBandit:
    """Context-free: arm a pays 1 with probability ``means[a]`` in every round.

    Examples
    --------
    >>> env = BernoulliBandit([0.05, 0.1])
    >>> env.draw(2, np.random.default_rng(0))[1].tolist()
    [[0.05, 0.1], [0.05, 0.1]]
    """

    n_features = 0

    def __init__(self, means: Any) -> None:
        self.means = as_1d_array(means, name="means")
        if np.any((self.means < 0) | (self.means > 1)):
            raise ValueError(f"means must be probabilities in [0, 1], got {self.means}")
        self.n_arms = self.means.size

    def draw(self, n_rounds: int, rng: np.random.Generator) -> tuple[None, np.ndarray]:
        return None, np.broadcast_to(self.means, (n_rounds, self.n_arms))

    def __repr__(self) -> str:
        return f"BernoulliBandit(means={self.means.tolist()})"


class NewsTopicBandit:
    """The news portal as a contextual bandit over topics.

    Each round a reader drawn uniformly from ``readers`` arrives; the arms are
    the topics; playing topic a shows a random article of that topic, which
    the reader clicks with probability ``readers.topic_ctr()[u, a]`` (the click
    model of :class:`xplab.data.news.NewsReaders`, averaged over the topic's
    articles). The context is ``[1, θ_u]``: an intercept and the reader's topic
    preferences (what a portal would estimate from reading history), so
    n_features = 1 + n_topics.

    Examples
    --------
    >>> import pandas as pd
    >>> catalog = pd.DataFrame({"article_id": ["a", "b"], "category": ["sport", "tech"]})
    >>> env = NewsTopicBandit(NewsReaders(catalog, n_users=10, seed=0))
    >>> env.n_arms, env.n_features
    (2, 3)
    """

    def __init__(self, readers: NewsReaders) -> None:
        if not isinstance(readers, NewsReaders):
            raise ValueError(f"readers must be a NewsReaders, got {type(readers).__name__}")
        self.readers = readers
        self.n_arms = readers.n_topics
        self.n_features = 1 + readers.n_topics
        self.ctr = readers.topic_ctr()
        self.features = np.column_stack([np.ones(readers.n_users), readers.preferences])

    def draw(self, n_rounds: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        users = rng.integers(self.readers.n_users, size=n_rounds)
        return self.features[users], self.ctr[users]

    def __repr__(self) -> str:
        return f"NewsTopicBandit(n_arms={self.n_arms}, n_readers={self.readers.n_users})"


@dataclass(frozen=True, repr=False)
class SimulationResult(ResultMixin):
    """One run of a policy in an environment (see :func:`simulate`)."""

    _title: ClassVar[str] = "Bandit simulation"
    policy: str
    n_rounds: int
    ctr: float
    oracle_ctr: float
    regret: float
    rewards: np.ndarray = field(repr=False)
    arms: np.ndarray = field(repr=False)
    cumulative_regret: np.ndarray = field(repr=False)


def simulate(policy: Any, env: Environment, n_rounds: int, *, seed: SeedLike) -> SimulationResult:
    r"""Run ``policy`` for ``n_rounds`` rounds in ``env``.

    Each round: the environment draws a context x_t and click probabilities
    p_t; the policy selects a_t = ``policy.select(x_t)``; the reward is
    r_t ~ Bernoulli(p_t(a_t)); the policy learns ``policy.update(a_t, r_t, x_t)``.
    The policy is updated in place.

    Parameters
    ----------
    policy : PolicyProtocol
        A policy of :mod:`xplab.bandits`, or any object with ``n_arms``,
        ``select(context)`` and ``update(arm, reward, context)``
        (:class:`~xplab.bandits.PolicyProtocol`).
    env : environment
        :class:`BernoulliBandit`, :class:`NewsTopicBandit` or any object with
        ``n_arms``, ``n_features`` and ``draw(n_rounds, rng)``.
    n_rounds : int
    seed : int, Generator or None
        Draws contexts and rewards (the policy has its own seed).

    Returns
    -------
    SimulationResult
        ``ctr`` (mean reward), ``oracle_ctr`` (mean of max_a p_t(a)),
        ``regret`` (final pseudo-regret R_T, see the module docstring), and the
        per-round arrays ``rewards``, ``arms`` and ``cumulative_regret``.

    Examples
    --------
    >>> from xplab.bandits import ThompsonSampling
    >>> env = BernoulliBandit([0.2, 0.5])
    >>> result = simulate(ThompsonSampling(2, seed=1), env, 1000, seed=2)
    >>> result.regret < 0.3 * 1000 * 0.5  # far below always playing the worse arm
    True
    """
    n = check_count(n_rounds, name="n_rounds", minimum=1)
    check_policy(policy)
    for attr in ("n_arms", "n_features", "draw"):
        if not hasattr(env, attr):
            raise ValueError(f"env must have .{attr} (an environment of xplab.bandits)")
    if policy.n_arms != env.n_arms:
        raise ValueError(f"policy has {policy.n_arms} arms but env has {env.n_arms}")
    rng = as_generator(seed)
    contexts, probs = env.draw(n, rng)
    uniforms = rng.random(n)
    arms = np.empty(n, dtype=int)
    rewards = np.empty(n)
    for t in range(n):
        x = None if contexts is None else contexts[t]
        a = checked_arm(policy, policy.select(x))
        r = float(uniforms[t] < probs[t, a])
        policy.update(a, r, x)
        arms[t] = a
        rewards[t] = r
    best = probs.max(axis=1)
    lost = best - probs[np.arange(n), arms]
    cumulative = np.cumsum(lost)
    return SimulationResult(
        policy=repr(policy),
        n_rounds=n,
        ctr=float(rewards.mean()),
        oracle_ctr=float(best.mean()),
        regret=float(cumulative[-1]),
        rewards=rewards,
        arms=arms,
        cumulative_regret=cumulative,
    )
