r"""Multi-armed bandit policies with one shape.

Every policy is built as ``Policy(n_arms, *, seed=None, ...)`` and used as::

    arm = policy.select(context)      # an arm index in 0 … n_arms − 1
    policy.update(arm, reward, context)

Context-free policies accept ``context`` so that every policy fits the same
loop (:func:`xplab.bandits.simulate`, :func:`xplab.bandits.replay_evaluate`),
and do not use it. Ties between arms are broken at random with the policy's
own generator, so a run is reproducible from its seed.

References
----------
Auer, Cesa-Bianchi & Fischer (2002), "Finite-time analysis of the multiarmed
bandit problem" (UCB1). Thompson (1933); Chapelle & Li (2011), "An empirical
evaluation of Thompson sampling". Li, Chu, Langford & Schapire (2010), "A
contextual-bandit approach to personalized news article recommendation"
(LinUCB, disjoint model).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np

from .._rng import SeedLike, as_generator
from .._validate import as_real_array, check_count, check_positive, check_probability, check_real


@runtime_checkable
class PolicyProtocol(Protocol):
    """What :func:`~xplab.bandits.simulate` and :func:`~xplab.bandits.replay_evaluate`
    need from a policy: any object with these three members works, whether or
    not it subclasses :class:`Policy`.

    Attributes
    ----------
    n_arms : int
        Number of arms; arms are 0 … n_arms − 1.

    Methods
    -------
    select(context=None) -> int
        The arm to play for this context (``None`` for context-free policies).
    update(arm, reward, context=None) -> None
        Learn from the reward of the arm played.

    Examples
    --------
    A learner's own class, with no xplab base class:

    >>> class AlwaysFirst:
    ...     n_arms = 3
    ...     def select(self, context=None):
    ...         return 0
    ...     def update(self, arm, reward, context=None):
    ...         pass
    >>> isinstance(AlwaysFirst(), PolicyProtocol)
    True
    """

    n_arms: int

    def select(self, context: Any = None) -> int: ...

    def update(self, arm: int, reward: float, context: Any = None) -> None: ...


def check_policy(policy: Any) -> Any:
    """``policy`` satisfies :class:`PolicyProtocol`, or a ``ValueError`` that says what is missing."""
    missing = [a for a in ("n_arms", "select", "update") if not hasattr(policy, a)]
    if missing:
        raise ValueError(
            f"policy must have {', '.join('.' + m for m in missing)}: any object with "
            "n_arms, select(context) and update(arm, reward, context) works (see "
            "xplab.bandits.PolicyProtocol), e.g. a subclass of xplab.bandits.Policy"
        )
    for method in ("select", "update"):
        if not callable(getattr(policy, method)):
            raise ValueError(f"policy.{method} must be a method")
    check_count(policy.n_arms, name="policy.n_arms", minimum=1)
    return policy


def checked_arm(policy: Any, arm: Any) -> int:
    """The arm ``policy.select`` returned, checked: a whole number in [0, n_arms)."""
    if (
        isinstance(arm, bool)
        or not isinstance(arm, int | np.integer)
        or not (0 <= arm < policy.n_arms)
    ):
        raise ValueError(
            f"policy.select returned {arm!r}; it must return an arm index, an int in "
            f"[0, {policy.n_arms})"
        )
    return int(arm)


class Policy:
    """Base class of xplab's policies: arm and reward checks, pull counts and
    mean rewards. Subclass it and write ``select`` (and ``update`` if the
    policy learns); or write any class that satisfies :class:`PolicyProtocol`.

    Attributes
    ----------
    counts : ndarray of int
        Times each arm was updated.
    values : ndarray
        Mean reward of each arm so far (0 for arms never pulled).
    """

    def __init__(self, n_arms: int, *, seed: SeedLike = None) -> None:
        self.n_arms = check_count(n_arms, name="n_arms", minimum=1)
        self._rng = as_generator(seed)
        self.counts = np.zeros(self.n_arms, dtype=int)
        self.sums = np.zeros(self.n_arms)

    @property
    def values(self) -> np.ndarray:
        return np.divide(self.sums, self.counts, out=np.zeros(self.n_arms), where=self.counts > 0)

    def _argmax(self, scores: np.ndarray) -> int:
        best = np.flatnonzero(scores == scores.max())
        return int(best[0] if best.size == 1 else self._rng.choice(best))

    def _check_arm(self, arm: Any) -> int:
        if isinstance(arm, bool) or not isinstance(arm, int | np.integer):
            raise ValueError(f"arm must be an integer arm index, got {arm!r}")
        if not 0 <= arm < self.n_arms:
            raise ValueError(f"arm must be in [0, {self.n_arms}), got {arm}")
        return int(arm)

    def select(self, context: Any = None) -> int:  # pragma: no cover - abstract
        raise NotImplementedError

    def update(self, arm: int, reward: float, context: Any = None) -> None:
        """Record ``reward`` for ``arm`` (``context`` is not used by context-free policies)."""
        a = self._check_arm(arm)
        r = check_real(reward, name="reward")
        self.counts[a] += 1
        self.sums[a] += r

    def _params(self) -> dict[str, Any]:
        return {}

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self._params().items())
        return f"{type(self).__name__}(n_arms={self.n_arms}{params})"


class RandomPolicy(Policy):
    """Every arm with probability 1/n_arms: the uniform logging policy of
    :func:`xplab.bandits.replay_evaluate` and the baseline every policy must beat.

    Examples
    --------
    >>> RandomPolicy(3, seed=0).select() in (0, 1, 2)
    True
    """

    def select(self, context: Any = None) -> int:
        return int(self._rng.integers(self.n_arms))


class EpsilonGreedy(Policy):
    r"""With probability ε a uniformly random arm, otherwise the arm with the
    highest mean reward so far (ties at random).

    ε = 0 is the greedy recommender: once one arm pays off it may never try
    the others, so it never learns what they are worth.

    Parameters
    ----------
    n_arms : int
    epsilon : float
        Exploration probability ε in [0, 1].
    seed : int, Generator or None

    Examples
    --------
    >>> policy = EpsilonGreedy(2, epsilon=0.0, seed=0)
    >>> policy.update(1, 1.0)
    >>> policy.select()
    1
    """

    def __init__(self, n_arms: int, *, epsilon: float = 0.1, seed: SeedLike = None) -> None:
        super().__init__(n_arms, seed=seed)
        self.epsilon = check_probability(epsilon, name="epsilon", closed=True)

    def select(self, context: Any = None) -> int:
        if self.epsilon > 0 and self._rng.random() < self.epsilon:
            return int(self._rng.integers(self.n_arms))
        return self._argmax(self.values)

    def _params(self) -> dict[str, Any]:
        return {"epsilon": self.epsilon}


class UCB1(Policy):
    r"""Upper confidence bound (Auer et al. 2002): play each arm once, then the
    arm maximising

        x̄_a + c·√(2 ln t / n_a),

    x̄_a the mean reward of arm a, n_a its pulls and t the total pulls. With
    rewards in [0, 1] and c = 1 this is UCB1, whose regret grows as O(log t).

    Parameters
    ----------
    n_arms : int
    c : float
        Scale of the exploration bonus, > 0 (1 = UCB1 as published).
    seed : int, Generator or None
        Breaks ties.

    Examples
    --------
    >>> policy = UCB1(2, seed=0)
    >>> [policy.select() for _ in range(1)]  # untried arms come first
    [0]
    """

    def __init__(self, n_arms: int, *, c: float = 1.0, seed: SeedLike = None) -> None:
        super().__init__(n_arms, seed=seed)
        self.c = check_positive(c, name="c")

    def select(self, context: Any = None) -> int:
        untried = np.flatnonzero(self.counts == 0)
        if untried.size:
            return int(untried[0])
        t = self.counts.sum()
        return self._argmax(self.values + self.c * np.sqrt(2 * np.log(t) / self.counts))

    def _params(self) -> dict[str, Any]:
        return {"c": self.c}


class ThompsonSampling(Policy):
    r"""Beta–Bernoulli Thompson sampling: draw θ_a ~ Beta(α₀ + s_a, β₀ + n_a − s_a)
    for every arm and play the largest draw, s_a the clicks of arm a.

    Each arm is played with the posterior probability that it is the best.
    Rewards must lie in [0, 1]; a fractional reward r adds r to α and 1 − r
    to β.

    Parameters
    ----------
    n_arms : int
    prior : (float, float)
        (α₀, β₀) of the Beta prior, both > 0; (1, 1) is uniform.
    seed : int, Generator or None

    Examples
    --------
    >>> policy = ThompsonSampling(2, seed=0)
    >>> for _ in range(50):
    ...     policy.update(0, 0.0)
    ...     policy.update(1, 1.0)
    >>> policy.select()
    1
    """

    def __init__(
        self, n_arms: int, *, prior: tuple[float, float] = (1.0, 1.0), seed: SeedLike = None
    ) -> None:
        super().__init__(n_arms, seed=seed)
        if not isinstance(prior, tuple | list) or len(prior) != 2:
            raise ValueError(f"prior must be a pair (alpha, beta), got {prior!r}")
        self.prior = (
            check_positive(prior[0], name="prior[0]"),
            check_positive(prior[1], name="prior[1]"),
        )

    def update(self, arm: int, reward: float, context: Any = None) -> None:
        check_probability(reward, name="reward", closed=True)
        super().update(arm, reward, context)

    def select(self, context: Any = None) -> int:
        a = self.prior[0] + self.sums
        b = self.prior[1] + self.counts - self.sums
        return self._argmax(self._rng.beta(a, b))

    def _params(self) -> dict[str, Any]:
        return {"prior": self.prior}


class LinUCB(Policy):
    r"""Disjoint LinUCB (Li, Chu, Langford & Schapire 2010, Algorithm 1).

    Each arm a has its own ridge regression of reward on the context x:
    A_a = I + Σ x xᵀ, b_a = Σ r x, θ̂_a = A_a⁻¹ b_a. The policy plays

        argmax_a  θ̂_aᵀ x + α √(xᵀ A_a⁻¹ x),

    the estimate plus α times its standard-error-like width. A_a⁻¹ is kept
    up to date with the Sherman–Morrison formula (no matrix inverse per round).

    Parameters
    ----------
    n_arms : int
    n_features : int
        Length d of a context vector.
    alpha : float
        Width of the confidence bonus, >= 0 (0 = greedy ridge regression).
    seed : int, Generator or None
        Breaks ties.

    Notes
    -----
    ``context`` is either one vector of length d shared by all arms (user
    features) or an (n_arms, d) array with one row per arm (user × article
    features). It is required by ``select`` and ``update``.

    Examples
    --------
    >>> policy = LinUCB(2, 2, alpha=0.0, seed=0)
    >>> for _ in range(20):
    ...     policy.update(0, 1.0, [1.0, 0.0])
    ...     policy.update(1, 1.0, [0.0, 1.0])
    >>> policy.select([1.0, 0.0]), policy.select([0.0, 1.0])
    (0, 1)
    """

    def __init__(
        self, n_arms: int, n_features: int, *, alpha: float = 1.0, seed: SeedLike = None
    ) -> None:
        super().__init__(n_arms, seed=seed)
        self.n_features = check_count(n_features, name="n_features", minimum=1)
        self.alpha = check_real(alpha, name="alpha")
        if self.alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
        d = self.n_features
        self.A_inv = np.tile(np.eye(d), (self.n_arms, 1, 1))
        self.b = np.zeros((self.n_arms, d))

    def _context(self, context: Any) -> np.ndarray:
        if context is None:
            raise ValueError("context is required by LinUCB: a vector of n_features numbers")
        x = as_real_array(context, name="context")
        d, k = self.n_features, self.n_arms
        if x.shape not in ((d,), (k, d)):
            raise ValueError(f"context must have shape ({d},) or ({k}, {d}), got {x.shape}")
        if not np.all(np.isfinite(x)):
            raise ValueError("context contains NaN or infinite values")
        return x

    def select(self, context: Any = None) -> int:
        x = self._context(context)
        theta = np.einsum("kij,kj->ki", self.A_inv, self.b)
        if x.ndim == 1:
            mean = theta @ x
            width = np.einsum("i,kij,j->k", x, self.A_inv, x)
        else:
            mean = np.einsum("ki,ki->k", theta, x)
            width = np.einsum("ki,kij,kj->k", x, self.A_inv, x)
        return self._argmax(mean + self.alpha * np.sqrt(np.maximum(width, 0.0)))

    def update(self, arm: int, reward: float, context: Any = None) -> None:
        x = self._context(context)
        a = self._check_arm(arm)
        super().update(a, reward)
        if x.ndim == 2:
            x = x[a]
        # Sherman–Morrison: (A + x xᵀ)⁻¹ = A⁻¹ − A⁻¹x xᵀA⁻¹ / (1 + xᵀA⁻¹x)
        Ax = self.A_inv[a] @ x
        self.A_inv[a] -= np.outer(Ax, Ax) / (1.0 + x @ Ax)
        self.b[a] += float(reward) * x

    @property
    def theta(self) -> np.ndarray:
        """θ̂_a per arm, shape (n_arms, n_features)."""
        return np.einsum("kij,kj->ki", self.A_inv, self.b)

    def _params(self) -> dict[str, Any]:
        return {"n_features": self.n_features, "alpha": self.alpha}
