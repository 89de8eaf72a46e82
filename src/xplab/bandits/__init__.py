"""Bandits: policies with one shape (``select``/``update``), environments with a
known truth, :func:`simulate` for regret against the oracle, and offline
replay evaluation."""

from .environment import (
    BernoulliBandit,
    Environment,
    NewsTopicBandit,
    SimulationResult,
    simulate,
)
from .policies import (
    UCB1,
    EpsilonGreedy,
    LinUCB,
    Policy,
    PolicyProtocol,
    RandomPolicy,
    ThompsonSampling,
)
from .replay import ReplayResult, replay_evaluate

__all__ = [
    "UCB1",
    "BernoulliBandit",
    "Environment",
    "EpsilonGreedy",
    "LinUCB",
    "NewsTopicBandit",
    "Policy",
    "PolicyProtocol",
    "RandomPolicy",
    "ReplayResult",
    "SimulationResult",
    "ThompsonSampling",
    "replay_evaluate",
    "simulate",
]
