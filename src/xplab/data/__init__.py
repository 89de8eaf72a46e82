"""Datasets for the course: real data downloaded at run time, and simulators.

See ``data/README.md`` for sources and licences.
"""

from ._fetch import ChecksumError, DatasetUnavailableError
from .bbc import load_bbc_news
from .bots import suspected_bots
from .eventlog import EVENTS_PER_USER, EventLog, simulate_event_log
from .latency import simulate_latency_rollout
from .media import simulate_experiment_portfolio, simulate_media_experiment
from .movielens import MovieLens100K, load_movielens_100k
from .news import NewsReaders
from .onboarding import OnboardingData, simulate_onboarding
from .online_retail import (
    RetailPurchases,
    categorise_products,
    clean_online_retail,
    load_online_retail,
)
from .organ_donations import load_organ_donations
from .personalization import (
    MODULES,
    RetailHoldout,
    RetailHomepage,
    module_shares,
    simulate_retail_holdout,
)
from .ramp import simulate_ramp
from .simulate import simulate_button_test

__all__ = [
    "EVENTS_PER_USER",
    "MODULES",
    "ChecksumError",
    "DatasetUnavailableError",
    "EventLog",
    "MovieLens100K",
    "NewsReaders",
    "OnboardingData",
    "RetailHoldout",
    "RetailHomepage",
    "RetailPurchases",
    "categorise_products",
    "clean_online_retail",
    "load_bbc_news",
    "load_movielens_100k",
    "load_online_retail",
    "load_organ_donations",
    "module_shares",
    "simulate_button_test",
    "simulate_event_log",
    "simulate_experiment_portfolio",
    "simulate_latency_rollout",
    "simulate_media_experiment",
    "simulate_onboarding",
    "simulate_ramp",
    "simulate_retail_holdout",
    "suspected_bots",
]
