r"""Offline evaluation of a bandit policy by replay (Li, Chu, Langford & Wang 2011).

Given a log of events (context x_t, logged arm a_t, reward r_t) collected by a
*uniformly random* logging policy, replay walks through the log, asks the
policy for its arm π(x_t) given everything it has learned so far, and keeps
the event only when π(x_t) = a_t; the policy then learns from that event.
The estimate of the policy's per-round reward is the mean reward of the kept
("matched") events:

    V̂ = Σ_t r_t 1[π(x_t) = a_t] / Σ_t 1[π(x_t) = a_t].

With uniform logging each event matches with probability 1/K whatever the
context, so the matched events are a random sample of the contexts the policy
would meet online: V̂ is unbiased for the policy's online click rate (over
as many rounds as there were matches, about T/K). With a non-uniform logger
the matched events over-represent the contexts where the logger already
played the policy's choice, and V̂ is biased; inverse-propensity weighting is
the fix.

Its standard error is that of a mean of n_matched rewards,
se = s / √n_matched (s the sample standard deviation), exact for a fixed
policy and an approximation for a learning one.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from scipy import stats

from .._results import ResultMixin
from .._validate import as_1d_array, as_real_array, check_alpha


@dataclass(frozen=True, repr=False)
class ReplayResult(ResultMixin):
    """The replay estimate of a policy's click rate (see :func:`replay_evaluate`)."""

    _title: ClassVar[str] = "Replay evaluation"
    estimate: float
    se: float
    ci: tuple[float, float]
    n_matched: int
    n_events: int
    alpha: float


def replay_evaluate(
    policy: Any, arms: Any, rewards: Any, contexts: Any = None, *, alpha: float = 0.05
) -> ReplayResult:
    """Estimate a policy's mean reward per round from uniformly logged events.

    Parameters
    ----------
    policy : a policy of :mod:`xplab.bandits`
        It is copied first, so the object passed in is left as it was; the
        copy learns from the matched events as it would online.
    arms : array of int, shape (n,)
        The arm the logging policy played in each event (0 … n_arms − 1).
    rewards : array, shape (n,)
        The reward observed for that arm.
    contexts : array, shape (n, d) or (n, n_arms, d), optional
        The context of each event (required by contextual policies).
    alpha : float
        1 − confidence level of the normal interval ``estimate ± z·se``.

    Returns
    -------
    ReplayResult
        ``estimate`` (V̂ in the module docstring), ``se``, ``ci``,
        ``n_matched`` (events kept) and ``n_events``.

    Examples
    --------
    >>> from xplab.bandits import EpsilonGreedy
    >>> rng = np.random.default_rng(0)
    >>> arms = rng.integers(2, size=4000)
    >>> rewards = (rng.random(4000) < np.where(arms == 1, 0.3, 0.1)).astype(float)
    >>> result = replay_evaluate(EpsilonGreedy(2, epsilon=0.0, seed=0), arms, rewards)
    >>> abs(result.estimate - 0.3) < 3 * result.se  # greedy finds arm 1
    True
    """
    alpha = check_alpha(alpha)
    for attr in ("n_arms", "select", "update"):
        if not hasattr(policy, attr):
            raise ValueError(f"policy must have .{attr} (a policy of xplab.bandits)")
    arms_f = as_1d_array(arms, name="arms")
    if np.any(arms_f != np.round(arms_f)) or np.any((arms_f < 0) | (arms_f >= policy.n_arms)):
        raise ValueError(f"arms must be whole numbers in [0, {policy.n_arms}) (the policy's arms)")
    logged = arms_f.astype(int)
    r = as_1d_array(rewards, name="rewards")
    n = logged.size
    if r.size != n:
        raise ValueError(f"rewards has {r.size} values but arms has {n}")
    if contexts is not None:
        ctx = as_real_array(contexts, name="contexts")
        if ctx.ndim not in (2, 3) or ctx.shape[0] != n:
            raise ValueError(
                f"contexts must have shape (n_events, d) or (n_events, n_arms, d) "
                f"with n_events = {n}, got {ctx.shape}"
            )
        if not np.all(np.isfinite(ctx)):
            raise ValueError("contexts contains NaN or infinite values")
    pi = copy.deepcopy(policy)
    matched = np.zeros(n, dtype=bool)
    for t in range(n):
        x = None if contexts is None else ctx[t]
        if pi.select(x) == logged[t]:
            matched[t] = True
            pi.update(int(logged[t]), float(r[t]), x)
    kept = r[matched]
    if kept.size < 2:
        raise ValueError(
            f"only {kept.size} event(s) matched the policy's choices; replay needs at least 2"
        )
    estimate = float(kept.mean())
    se = float(kept.std(ddof=1) / np.sqrt(kept.size))
    z = stats.norm.ppf(1 - alpha / 2)
    return ReplayResult(
        estimate=estimate,
        se=se,
        ci=(estimate - z * se, estimate + z * se),
        n_matched=int(kept.size),
        n_events=n,
        alpha=alpha,
    )
