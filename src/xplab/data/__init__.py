"""Datasets for the course: real data downloaded at run time, and simulators.

See ``data/README.md`` for sources and licences.
"""

from ._fetch import ChecksumError, DatasetUnavailableError
from .bbc import load_bbc_news
from .bots import suspected_bots
from .latency import simulate_latency_rollout
from .movielens import MovieLens100K, load_movielens_100k
from .organ_donations import load_organ_donations
from .simulate import simulate_button_test

__all__ = [
    "ChecksumError",
    "DatasetUnavailableError",
    "MovieLens100K",
    "load_bbc_news",
    "load_movielens_100k",
    "load_organ_donations",
    "simulate_button_test",
    "simulate_latency_rollout",
    "suspected_bots",
]
