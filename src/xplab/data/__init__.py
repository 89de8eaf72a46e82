"""Datasets for the course: real data downloaded at run time, and simulators.

See ``data/README.md`` for sources and licences.
"""

from ._fetch import ChecksumError, DatasetUnavailableError
from .bbc import load_bbc_news
from .movielens import MovieLens100K, load_movielens_100k
from .news import NewsReaders
from .simulate import simulate_button_test

__all__ = [
    "ChecksumError",
    "DatasetUnavailableError",
    "MovieLens100K",
    "NewsReaders",
    "load_bbc_news",
    "load_movielens_100k",
    "simulate_button_test",
]
