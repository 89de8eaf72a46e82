r"""A news-reader simulator over the BBC articles: readers with topic
preferences and a logistic click model, with a known truth.

The generative model
--------------------
There are T topics (the five BBC categories) and J articles; article j has
topic c(j). The simulator draws, once, from its seed:

1. each reader's topic preferences θ_u ~ Dirichlet(κ·1_T), κ =
   ``concentration`` (small κ: readers care about one or two topics; large κ:
   everyone likes everything alike);
2. each article's appeal a_j ~ Normal(0, σ_a²), σ_a = ``appeal_sd`` (some
   stories are simply more clickable: the popularity signal).

A reader u shown article j clicks with probability

    p(u, j) = sigmoid(β₀ + β₁·T·θ_u[c(j)] + a_j),

β₀ = ``intercept`` and β₁ = ``preference_strength``. T·θ equals 1 for a reader
with uniform preferences, so β₀ + β₁ is the log-odds of a click by such a
reader on an article of average appeal. Clicks are independent Bernoulli draws
given (u, j). A reader's *onboarding picks* are topics drawn without
replacement with probabilities θ_u (so picks are informative but not perfect).

The defaults give a click-through rate near 6 % for random recommendations
and about 17 % when each reader sees a random article of their favourite topic
(2,000 readers, seed 1, on the BBC catalog).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy.special import expit

from .._rng import SeedLike, as_generator
from .._validate import check_columns, check_count, check_positive, check_real


class NewsReaders:
    """Simulated readers of a news catalog (see the module docstring for the model).

    Parameters
    ----------
    articles : DataFrame
        The catalog, with ``article_id`` and ``category`` columns (e.g.
        :func:`xplab.data.load_bbc_news`). Topics are the categories, in the
        order of a categorical column or else sorted.
    n_users : int
        Number of readers (rows of :attr:`preferences`).
    concentration : float
        κ of the Dirichlet distribution of topic preferences, > 0.
    intercept, preference_strength : float
        β₀ and β₁ of the click model.
    appeal_sd : float
        σ_a, standard deviation of article appeal on the log-odds scale (>= 0).
    seed : int, Generator or None
        Draws preferences and appeal; see :func:`xplab._rng.as_generator`.

    Attributes
    ----------
    article_ids : ndarray
        The articles, in the order of the catalog.
    topics : tuple of str
        The topic names; topic codes index this tuple.
    article_topic : ndarray of int
        Topic code of each article.
    appeal : ndarray
        a_j per article.
    preferences : ndarray, shape (n_users, n_topics)
        θ_u per reader (rows sum to 1).

    Examples
    --------
    >>> catalog = pd.DataFrame({"article_id": ["a", "b", "c"],
    ...                         "category": ["sport", "tech", "sport"]})
    >>> readers = NewsReaders(catalog, n_users=4, seed=0)
    >>> readers.topics
    ('sport', 'tech')
    >>> readers.click_probability([0, 0], ["a", "b"]).shape
    (2,)
    """

    def __init__(
        self,
        articles: pd.DataFrame,
        *,
        n_users: int = 1000,
        concentration: float = 0.5,
        intercept: float = -4.0,
        preference_strength: float = 0.8,
        appeal_sd: float = 0.5,
        seed: SeedLike = None,
    ) -> None:
        check_columns(articles, ["article_id", "category"], name="articles")
        if len(articles) == 0:
            raise ValueError("articles is empty")
        if articles["article_id"].duplicated().any():
            raise ValueError("articles has duplicate article_id values")
        if articles["category"].isna().any():
            raise ValueError("articles has missing category values")
        self.n_users = check_count(n_users, name="n_users", minimum=1)
        self.concentration = check_positive(concentration, name="concentration")
        self.intercept = check_real(intercept, name="intercept")
        self.preference_strength = check_real(preference_strength, name="preference_strength")
        self.appeal_sd = check_real(appeal_sd, name="appeal_sd")
        if self.appeal_sd < 0:
            raise ValueError(f"appeal_sd must be >= 0, got {appeal_sd}")
        category = articles["category"]
        if isinstance(category.dtype, pd.CategoricalDtype):
            topics = [str(c) for c in category.cat.categories]
        else:
            topics = sorted(str(c) for c in category.unique())
        self.topics = tuple(topics)
        self.article_ids = articles["article_id"].to_numpy()
        self._index = pd.Index(self.article_ids)
        self.article_topic = pd.Index(self.topics).get_indexer(category.astype(str))
        rng = as_generator(seed)
        self.preferences = rng.dirichlet(
            np.full(len(self.topics), self.concentration), self.n_users
        )
        self.appeal = rng.normal(0.0, self.appeal_sd, len(self.article_ids))

    @property
    def n_topics(self) -> int:
        return len(self.topics)

    def _users(self, users: Any) -> np.ndarray:
        u = np.asarray(users)
        if u.dtype.kind not in "iu":
            raise ValueError(f"users must be integer reader indices, got dtype {u.dtype}")
        if u.size and (u.min() < 0 or u.max() >= self.n_users):
            raise ValueError(f"users must be in [0, {self.n_users}), got values outside")
        return u

    def article_index(self, article_ids: Any) -> np.ndarray:
        """Positions of ``article_ids`` in the catalog (unknown ids are an error)."""
        ids = np.asarray(article_ids, dtype=object)
        pos = self._index.get_indexer(ids.ravel()).reshape(ids.shape)
        if np.any(pos < 0):
            raise ValueError(f"article_ids has ids not in the catalog, e.g. {ids[pos < 0][:3]}")
        return pos

    def _prob(self, u: np.ndarray, j: np.ndarray) -> np.ndarray:
        t = self.article_topic[j]
        affinity = self.n_topics * self.preferences[u, t]
        return expit(self.intercept + self.preference_strength * affinity + self.appeal[j])

    def click_probability(self, users: Any, article_ids: Any) -> np.ndarray:
        """p(u, j) for reader indices ``users`` and ``article_ids`` (broadcast together)."""
        return self._prob(self._users(users), self.article_index(article_ids))

    def click(self, users: Any, article_ids: Any, *, seed: SeedLike = None) -> np.ndarray:
        """Simulated clicks (0/1 ints) of ``users`` on ``article_ids`` (broadcast together)."""
        p = self.click_probability(users, article_ids)
        return (as_generator(seed).random(p.shape) < p).astype(int)

    def topic_ctr(self) -> np.ndarray:
        """Mean click probability of each reader on a random article of each topic,
        shape (n_users, n_topics): the truth behind a topic-level bandit."""
        out = np.empty((self.n_users, self.n_topics))
        users = np.arange(self.n_users)[:, None]
        for t in range(self.n_topics):
            j = np.flatnonzero(self.article_topic == t)
            if j.size == 0:
                raise ValueError(f"topic {self.topics[t]!r} has no articles")
            out[:, t] = self._prob(users, j[None, :]).mean(axis=1)
        return out

    def onboarding_picks(self, user: int, *, n_picks: int = 2, seed: SeedLike = None) -> list[str]:
        """Topics reader ``user`` ticks when signing up: ``n_picks`` drawn without
        replacement with probabilities θ_u."""
        u = check_count(user, name="user")
        if u >= self.n_users:
            raise ValueError(f"user must be in [0, {self.n_users}), got {u}")
        n = check_count(n_picks, name="n_picks", minimum=1)
        if n > self.n_topics:
            raise ValueError(f"n_picks must be <= {self.n_topics} (the number of topics), got {n}")
        rng = as_generator(seed)
        # Gumbel top-k: sampling without replacement proportional to θ
        keys = np.log(self.preferences[u] + 1e-300) + rng.gumbel(size=self.n_topics)
        return [self.topics[t] for t in np.argsort(-keys)[:n]]

    def __repr__(self) -> str:
        return (
            f"NewsReaders(n_users={self.n_users}, n_articles={len(self.article_ids)}, "
            f"topics={self.topics}, concentration={self.concentration}, "
            f"intercept={self.intercept}, preference_strength={self.preference_strength}, "
            f"appeal_sd={self.appeal_sd})"
        )
