r"""Simulated reading sessions in the news-reader simulator: how each cold-start
tier does over a new reader's first impressions, and how a greedy
click-maximiser narrows what each reader sees (the filter bubble).

Both simulations run many readers at once with the click model of
:class:`xplab.data.NewsReaders` (which knows the truth), are seeded, and
record the *expected* click-through rate of what was shown — the click
probability p(u, j) of the article shown, averaged over readers — beside the
simulated clicks that drive learning. The expected rate has less noise than
the realised one and the same mean.

**Cold start** (:func:`cold_start_sessions`). A new reader gets one article
per impression. The tiers are:

* ``"random"``: an unseen article at random (the baseline);
* ``"popularity"``: the most popular unseen article, never personalised;
* ``"session"``: :class:`xplab.recs.HybridRecommender` without topic picks:
  popularity first, then the profile of the session's clicks takes over
  (w = n / (n + n₀));
* ``"onboarding"``: the same hybrid with the reader's onboarding topic picks
  (:meth:`xplab.data.NewsReaders.onboarding_picks`), w = (m + n) / (m + n + n₀).

An article already shown, or a near-duplicate of one (cosine ≥ the content
model's ``duplicate_threshold``, unless that is None), is not shown again. The scores are those of
:meth:`xplab.recs.HybridRecommender.scores`, computed for all readers at once:
the content part is the cosine with the profile divided by its best unread
value, so the profile's length cancels and the profile can be kept as a sum of
article vectors, updated after each click.

**Filter bubble** (:func:`filter_bubble`). Each round every reader gets a
slate of k articles chosen from a fresh random sample of candidates. The
recommender estimates each reader's click rate on each topic from that
reader's own impressions, with a Beta(a, b) prior,

    r̂_ut = (a + clicks_ut) / (a + b + shows_ut),

and the relevance of a candidate is r̂ of its topic. The policies:

* ``"greedy"``: the k most relevant candidates. After one click on a topic its
  estimate rises above the prior, it fills the slate, and the reader never
  sees the other topics again — however much they might like them;
* ``"epsilon-greedy"``: the same, but each slot holds, with probability ε, a
  random other candidate;
* ``"mmr"``: maximal marginal relevance (:func:`xplab.recs.mmr`) with
  relevance r̂ / max r̂ over the candidates and similarity 1 between articles
  of the same topic (0 otherwise).

Each round records the Shannon entropy (bits) of the topics in each reader's
slate (:func:`xplab.recs.topic_entropy`), averaged over readers: log₂ 5 ≈
2.32 bits for five topics in equal shares, 0 for a single topic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, get_args

import numpy as np

from .._results import ResultMixin
from .._rng import SeedLike, as_generator
from .._validate import check_choice, check_count, check_positive, check_probability
from ..data.news import NewsReaders
from .content import HybridRecommender
from .rerank import _mmr_order

Tier = Literal["random", "popularity", "session", "onboarding"]
BubblePolicy = Literal["greedy", "epsilon-greedy", "mmr"]
TIERS: tuple[str, ...] = get_args(Tier)
BUBBLE_POLICIES: tuple[str, ...] = get_args(BubblePolicy)


def _users(readers: NewsReaders, users: Any) -> np.ndarray:
    u = np.asarray(users)
    if u.ndim != 1 or u.size == 0:
        raise ValueError(f"users must be a non-empty 1-D array of reader indices, got {u.shape}")
    if u.dtype.kind not in "iu":
        raise ValueError(f"users must be integer reader indices, got dtype {u.dtype}")
    if u.min() < 0 or u.max() >= readers.n_users:
        raise ValueError(f"users must be in [0, {readers.n_users}) (the readers' indices)")
    return u.astype(int)


@dataclass(frozen=True, repr=False)
class ColdStartResult(ResultMixin):
    """New readers' first impressions under one cold-start tier (see
    :func:`cold_start_sessions`)."""

    _title: ClassVar[str] = "Cold-start sessions"
    tier: str
    n_users: int
    n_impressions: int
    ctr: float
    click_rate: float
    expected_ctr: np.ndarray = field(repr=False)
    clicks: np.ndarray = field(repr=False)
    shown: np.ndarray = field(repr=False)
    picks: tuple[tuple[str, ...], ...] = field(repr=False)


def cold_start_sessions(
    readers: NewsReaders,
    hybrid: HybridRecommender,
    *,
    tier: Tier,
    users: Any,
    n_impressions: int = 20,
    n_picks: int = 2,
    seed: SeedLike,
) -> ColdStartResult:
    """Simulate the first ``n_impressions`` impressions of new readers under one tier.

    Parameters
    ----------
    readers : NewsReaders
        The simulated readers; their catalog must be the one ``hybrid`` was fitted on,
        in the same order.
    hybrid : HybridRecommender
        The content model, popularity and weight schedule (see the module docstring).
    tier : {"random", "popularity", "session", "onboarding"}
    users : array of int
        Reader indices (new readers: keep them out of the log behind the popularity).
    n_impressions : int
        Impressions per reader, one article each.
    n_picks : int
        Onboarding topics each reader ticks (tier ``"onboarding"`` only).
    seed : int, Generator or None
        Draws picks, random articles and clicks.

    Returns
    -------
    ColdStartResult
        ``ctr`` (mean click probability of the articles shown), ``click_rate``
        (simulated clicks), ``expected_ctr`` per impression (length
        ``n_impressions``), ``clicks`` and ``shown`` (article positions),
        shape (n_users, n_impressions), and each reader's ``picks``.

    Examples
    --------
    >>> import pandas as pd
    >>> from xplab.recs import TfidfRecommender
    >>> catalog = pd.DataFrame({
    ...     "article_id": list("abcdef"), "category": ["sport"] * 3 + ["tech"] * 3,
    ...     "title": ["Cup final", "Cup replay", "Coach quits", "New phone", "Chip deal",
    ...               "Fast chip"],
    ...     "body": ["late goal wins the cup", "cup replay after a draw", "coach quits the cup",
    ...              "phone with a new chip", "chip maker deal", "a faster chip for phones"]})
    >>> hybrid = HybridRecommender(TfidfRecommender(min_df=1).fit(catalog),
    ...                            pd.Series({"a": 3.0, "d": 2.0}))
    >>> readers = NewsReaders(catalog, n_users=50, seed=0)
    >>> result = cold_start_sessions(readers, hybrid, tier="popularity", users=range(50),
    ...                              n_impressions=3, seed=1)
    >>> result.shown[0].tolist()  # the most popular first, then in catalog order
    [0, 3, 1]
    """
    if not isinstance(readers, NewsReaders):
        raise ValueError(f"readers must be a NewsReaders, got {type(readers).__name__}")
    if not isinstance(hybrid, HybridRecommender):
        raise ValueError(f"hybrid must be a HybridRecommender, got {type(hybrid).__name__}")
    content = hybrid.content
    if not np.array_equal(readers.article_ids, content.article_ids_.to_numpy()):
        raise ValueError("readers and hybrid must share one catalog, in the same order")
    tier = check_choice(tier, TIERS, name="tier")
    u = _users(readers, list(users) if isinstance(users, range) else users)
    n_imp = check_count(n_impressions, name="n_impressions", minimum=1)
    n_picks = check_count(n_picks, name="n_picks", minimum=1)
    rng = as_generator(seed)
    n_users, n_articles = u.size, len(readers.article_ids)
    if n_imp > n_articles:
        raise ValueError(f"n_impressions ({n_imp}) exceeds the catalog ({n_articles} articles)")
    rows = np.arange(n_users)
    vectors = content.vectors_
    pop = hybrid._pop

    picks: list[tuple[str, ...]] = [() for _ in rows]
    profile = np.zeros((n_users, n_articles))  # V · (sum of the profile's vectors), per reader
    m = np.zeros(n_users)
    if tier == "onboarding":
        picks = [tuple(readers.onboarding_picks(int(x), n_picks=n_picks, seed=rng)) for x in u]
        topics = sorted({t for p in picks for t in p})
        centroid = {
            t: np.asarray(vectors @ content.profile([], topics=[t])).ravel() for t in topics
        }
        m[:] = hybrid.onboarding_weight
        for i, chosen in enumerate(picks):
            profile[i] = m[i] * np.mean([centroid[t] for t in chosen], axis=0)
    personal = tier in ("session", "onboarding")

    n_clicks = np.zeros(n_users)
    read = np.zeros((n_users, n_articles), dtype=bool)
    blocked = np.zeros((n_users, n_articles), dtype=bool)
    shown = np.empty((n_users, n_imp), dtype=int)
    clicks = np.zeros((n_users, n_imp), dtype=int)
    prob = np.empty((n_users, n_imp))
    for step in range(n_imp):
        if tier == "random":
            score = rng.random((n_users, n_articles))
        elif not personal:
            score = np.broadcast_to(pop, (n_users, n_articles))
        else:
            w = (m + n_clicks) / (m + n_clicks + hybrid.pivot)
            top = np.where(read, -np.inf, profile).max(axis=1)
            use = (w > 0) & (top > 0)
            scaled = np.divide(
                profile, top[:, None], out=np.zeros_like(profile), where=use[:, None]
            )
            score = (1 - w)[:, None] * pop + w[:, None] * scaled
        # first occurrence of the maximum: ties go to the earlier article, as in .rank
        article = np.where(blocked, -np.inf, score).argmax(axis=1)
        p = readers._prob(u, article)
        clicked = rng.random(n_users) < p
        near = (vectors @ vectors[article].T).toarray().T  # cosines with the shown articles
        if content.duplicate_threshold is not None:
            blocked |= near >= content.duplicate_threshold
        blocked[rows, article] = True
        if personal:
            profile[clicked] += near[clicked]
            read[rows[clicked], article[clicked]] = True
            n_clicks += clicked
        shown[:, step] = article
        clicks[:, step] = clicked
        prob[:, step] = p
    return ColdStartResult(
        tier=tier,
        n_users=n_users,
        n_impressions=n_imp,
        ctr=float(prob.mean()),
        click_rate=float(clicks.mean()),
        expected_ctr=prob.mean(axis=0),
        clicks=clicks,
        shown=shown,
        picks=tuple(picks),
    )


@dataclass(frozen=True, repr=False)
class FilterBubbleResult(ResultMixin):
    """Rounds of slates for many readers under one policy (see :func:`filter_bubble`)."""

    _title: ClassVar[str] = "Filter-bubble simulation"
    policy: str
    n_users: int
    n_rounds: int
    k: int
    ctr: float
    entropy_first: float
    entropy_last: float
    expected_ctr: np.ndarray = field(repr=False)
    entropy: np.ndarray = field(repr=False)
    slates: np.ndarray = field(repr=False)


def _slate_entropy(topics: np.ndarray, n_topics: int) -> np.ndarray:
    """Shannon entropy (bits) of the topic shares of each row of ``topics``."""
    counts = np.stack([(topics == t).sum(axis=1) for t in range(n_topics)], axis=1)
    share = counts / topics.shape[1]
    logs = np.log2(share, out=np.zeros_like(share), where=share > 0)
    return -(share * logs).sum(axis=1) + 0.0


def filter_bubble(
    readers: NewsReaders,
    *,
    policy: BubblePolicy,
    users: Any,
    n_rounds: int = 30,
    k: int = 5,
    n_candidates: int = 50,
    epsilon: float = 0.2,
    lambda_: float = 0.7,
    prior: tuple[float, float] = (1.0, 9.0),
    seed: SeedLike,
) -> FilterBubbleResult:
    """Simulate rounds of k-article slates, learning each reader's topic click rates.

    Parameters
    ----------
    readers : NewsReaders
    policy : {"greedy", "epsilon-greedy", "mmr"}
        How the slate is filled (see the module docstring).
    users : array of int
        Reader indices.
    n_rounds : int
        Slates per reader.
    k : int
        Articles per slate.
    n_candidates : int
        Random articles the slate is chosen from each round (>= k).
    epsilon : float
        Exploration probability per slot (``"epsilon-greedy"`` only).
    lambda_ : float
        λ of MMR in [0, 1] (``"mmr"`` only).
    prior : (float, float)
        (a, b) of the Beta prior of every topic's click rate, both > 0; the
        default has mean 0.1, near the portal's overall click rate.
    seed : int, Generator or None
        Draws candidates, exploration and clicks.

    Returns
    -------
    FilterBubbleResult
        ``ctr`` (mean click probability of everything shown), the mean slate
        topic entropy in the first and last rounds, and per round
        ``expected_ctr`` and ``entropy`` (length ``n_rounds``); ``slates``
        holds the article positions shown, shape (n_users, n_rounds, k).

    Examples
    --------
    >>> import pandas as pd
    >>> catalog = pd.DataFrame({"article_id": range(100), "category": list("abcde") * 20})
    >>> readers = NewsReaders(catalog, n_users=50, seed=0)
    >>> greedy = filter_bubble(readers, policy="greedy", users=range(50), n_rounds=10, seed=1)
    >>> diverse = filter_bubble(readers, policy="mmr", users=range(50), n_rounds=10, seed=1)
    >>> bool(greedy.entropy_last < diverse.entropy_last)
    True
    """
    if not isinstance(readers, NewsReaders):
        raise ValueError(f"readers must be a NewsReaders, got {type(readers).__name__}")
    policy = check_choice(policy, BUBBLE_POLICIES, name="policy")
    u = _users(readers, list(users) if isinstance(users, range) else users)
    n_rounds = check_count(n_rounds, name="n_rounds", minimum=1)
    k = check_count(k, name="k", minimum=1)
    n_articles = len(readers.article_ids)
    n_cand = check_count(n_candidates, name="n_candidates", minimum=1)
    if not k <= n_cand <= n_articles:
        raise ValueError(
            f"n_candidates must be between k ({k}) and the catalog size ({n_articles}), "
            f"got {n_cand}"
        )
    epsilon = check_probability(epsilon, name="epsilon", closed=True)
    lambda_ = check_probability(lambda_, name="lambda_", closed=True)
    if not isinstance(prior, tuple | list) or len(prior) != 2:
        raise ValueError(f"prior must be a pair (a, b), got {prior!r}")
    a = check_positive(prior[0], name="prior[0]")
    b = check_positive(prior[1], name="prior[1]")
    rng = as_generator(seed)
    n_users, n_topics = u.size, readers.n_topics
    rows = np.arange(n_users)[:, None]
    shows = np.zeros((n_users, n_topics))
    hits = np.zeros((n_users, n_topics))
    slates = np.empty((n_users, n_rounds, k), dtype=int)
    entropy = np.empty(n_rounds)
    ctr = np.empty(n_rounds)
    for r in range(n_rounds):
        keys = rng.random((n_users, n_articles))
        cand = np.argpartition(keys, n_cand - 1, axis=1)[:, :n_cand]
        cand = np.take_along_axis(cand, np.argsort(keys[rows, cand], axis=1), axis=1)
        topic = readers.article_topic[cand]
        rel = ((a + hits) / (a + b + shows))[rows, topic]
        order = np.argsort(-rel, axis=1, kind="stable")  # ties: the random candidate order
        if policy == "mmr":
            pick = np.empty((n_users, k), dtype=int)
            for i in range(n_users):
                same = (topic[i][:, None] == topic[i][None, :]).astype(float)
                pick[i] = _mmr_order(rel[i] / rel[i].max(), same, lambda_, k)[0]
        else:
            pick = order[:, :k]
            if policy == "epsilon-greedy":
                rest = order[:, k:]
                rest = np.take_along_axis(rest, rng.random(rest.shape).argsort(axis=1), axis=1)
                explore = rng.random((n_users, k)) < epsilon
                n_swap = min(k, rest.shape[1])  # slots beyond the other candidates stay greedy
                pick = pick.copy()
                pick[:, :n_swap] = np.where(explore[:, :n_swap], rest[:, :n_swap], pick[:, :n_swap])
        slate = cand[rows, pick]
        slate_topic = topic[rows, pick]
        p = readers._prob(u[:, None], slate)
        clicked = rng.random(p.shape) < p
        np.add.at(shows, (np.broadcast_to(rows, slate_topic.shape), slate_topic), 1)
        np.add.at(hits, (np.broadcast_to(rows, slate_topic.shape), slate_topic), clicked)
        slates[:, r] = slate
        entropy[r] = _slate_entropy(slate_topic, n_topics).mean()
        ctr[r] = p.mean()
    return FilterBubbleResult(
        policy=policy,
        n_users=n_users,
        n_rounds=n_rounds,
        k=k,
        ctr=float(ctr.mean()),
        entropy_first=float(entropy[0]),
        entropy_last=float(entropy[-1]),
        expected_ctr=ctr,
        entropy=entropy,
        slates=slates,
    )
