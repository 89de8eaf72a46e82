r"""Content-based news recommendations: TF-IDF vectors, cosine similarity, and a
tiered cold-start hybrid with popularity.

An article's vector is the TF-IDF of its title and body (scikit-learn,
English stop words removed, sublinear term frequency 1 + log tf, terms in at
least two articles), scaled to unit length, so the cosine similarity of two
articles is the dot product of their vectors:

    cos(i, j) = v_i · v_j  ∈ [0, 1].

**Near-duplicates.** BBC News repeats stories: 2,225 articles but only 2,092
distinct bodies, and more re-versions with a changed headline or paragraph.
Two articles with cos ≥ ``duplicate_threshold`` (0.8 by default) count as the
same story: they are never recommended beside each other, nor after the
reader has read one of them. The threshold comes from the distribution of
pairwise cosines on BBC (``benchmarks/bench_content.py`` prints it): all 133
pairs of identical bodies have cos ≥ 0.984; 39 more pairs with different
bodies lie above 0.8, nearly all re-versions of one story (the same or a
re-worded headline: "Hewitt falls to Dent" / "… in Adelaide", 0.88); between
0.7 and 0.8 lie 15 pairs, mostly distinct stories on one subject ("Court
rejects $280bn tobacco case" / "Tobacco giants hail court ruling", 0.76),
with a few re-versions (two keep their headline). There is no clean gap; 0.8
removes the repeated stories while follow-ups on a subject stay
recommendable. ``duplicate_threshold=None`` switches the filter off (for a
catalog without repeats, or to see what it removes).

**Many articles at once.** ``similar([id, id, …], k=…)`` scores a batch of
articles with one sparse product per block of queries and a partial sort
(``argpartition``) per row, instead of one product and one full sort per
article: ``benchmarks/bench_content.py`` times it on all 2,225 BBC articles
against the one-at-a-time loop.

**Cold start.** :class:`HybridRecommender` blends a content score with a
recency-weighted popularity score (:func:`recency_popularity`):

    score(j) = w · content(j) / c* + (1 − w) · pop(j) / pop*,

content(j) the cosine of article j with the reader's profile, c* its largest
value over unread articles and pop* the largest popularity, so both parts lie
in [0, 1]; the weight of content growing with what we know about the reader,

    w = (m + n) / (m + n + n₀),

n the reader's clicks this session, m = ``onboarding_weight`` if they picked
topics at sign-up (else 0) and n₀ = ``pivot``. The content profile is the mean
of the read articles' vectors, with the picked topics' centroids counting as
m pseudo-clicks. With the defaults (m = n₀ = 1) the tiers are: nothing known,
w = 0 (pure popularity); topic picks only, w = 1/2; one click, 1/2 (2/3 with
picks); three clicks, 3/4; ten clicks, 10/11 — the session profile takes over.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import sparse

from .._validate import check_columns, check_count, check_positive, check_probability, check_real
from ._frame import check_k

DUPLICATE_THRESHOLD = 0.8
_QUERY_BLOCK = 256  # queries scored per sparse product in a batched similar()
# from this many queries on, similar() first lists every near-duplicate pair of the
# catalog (one pass over all similarities) instead of a small product per query
_BATCH_PAIRS = 64


def _ids(value: Any, name: str) -> list[Any]:
    """A list of article ids; a bare string is one id's characters, not a list."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"{name} must be a list of article ids, got {value!r:.40}")
    return list(value)


class TfidfRecommender:
    """Recommend articles by the cosine similarity of their TF-IDF vectors.

    Parameters
    ----------
    duplicate_threshold : float or None
        Articles at cosine ≥ this are near-duplicates (see the module
        docstring for how 0.8 was chosen on BBC), in (0, 1]; None switches
        the near-duplicate filter off.
    min_df : int
        Keep terms that occur in at least this many articles.

    Attributes
    ----------
    article_ids_ : Index
        The fitted articles, in the order of the frame.
    vectors_ : sparse matrix, shape (n_articles, n_terms)
        Unit-length TF-IDF rows.

    Examples
    --------
    >>> articles = pd.DataFrame({
    ...     "article_id": ["a", "b", "c", "d"],
    ...     "title": ["Cup final", "Cup final replay", "Bank rates", "Rates rise"],
    ...     "body": ["the cup final goal", "cup final replay goal", "bank rates up",
    ...              "bank rates rise again"]})
    >>> rec = TfidfRecommender(min_df=1).fit(articles)
    >>> rec.similar("a", k=1)["article_id"].tolist()
    ['b']
    """

    def __init__(self, *, duplicate_threshold: float | None = DUPLICATE_THRESHOLD, min_df: int = 2):
        self.duplicate_threshold: float | None = None
        if duplicate_threshold is not None:
            self.duplicate_threshold = check_probability(
                duplicate_threshold, name="duplicate_threshold", closed=True
            )
            if self.duplicate_threshold == 0:
                raise ValueError(
                    "duplicate_threshold must be > 0, got 0 (None switches the filter off)"
                )
        self.min_df = check_count(min_df, name="min_df", minimum=1)

    def fit(self, articles: pd.DataFrame) -> Self:
        """Learn the vocabulary and vectors of ``articles`` (``article_id, title, body``
        and optionally ``category``, used for topic profiles); returns self."""
        check_columns(articles, ["article_id", "title", "body"], name="articles")
        if len(articles) < 2:
            raise ValueError(f"articles must have at least 2 rows, got {len(articles)}")
        if articles["article_id"].duplicated().any():
            raise ValueError("articles has duplicate article_id values")
        text = articles["title"].fillna("") + "\n" + articles["body"].fillna("")
        # imported here: scikit-learn takes seconds to import, and every recs user would pay it
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.vectorizer_ = TfidfVectorizer(
            stop_words="english", sublinear_tf=True, min_df=self.min_df
        )
        self.vectors_ = sparse.csr_matrix(self.vectorizer_.fit_transform(text))
        self._pairs: sparse.csr_matrix | None = None
        self.article_ids_ = pd.Index(articles["article_id"].to_numpy(), name="article_id")
        self.categories_ = (
            pd.Series(articles["category"].astype(str).to_numpy(), index=self.article_ids_)
            if "category" in articles.columns
            else None
        )
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "vectors_"):
            raise ValueError("TfidfRecommender is not fitted yet: call .fit(articles) first")

    def positions(self, article_ids: Iterable[Any], *, name: str = "article_ids") -> np.ndarray:
        """Row positions of ``article_ids`` (unknown ids are an error)."""
        self._check_fitted()
        ids = np.asarray(list(article_ids), dtype=object)
        pos = self.article_ids_.get_indexer(ids)
        if np.any(pos < 0):
            raise ValueError(
                f"{name} has ids that were not fitted, e.g. {ids[pos < 0][:3].tolist()}"
            )
        return pos

    def similarity(self, article_ids: Iterable[Any]) -> np.ndarray:
        """The cosine similarity matrix of ``article_ids`` (dense, square)."""
        rows = self.vectors_[self.positions(article_ids)]
        return (rows @ rows.T).toarray()

    def profile(
        self, history: Iterable[Any], *, topics: Iterable[str] = (), topic_weight: float = 1.0
    ) -> np.ndarray:
        """The mean vector of the read articles, with the centroids of ``topics``
        counted as ``topic_weight`` pseudo-reads (a dense 1-D array)."""
        self._check_fitted()
        read = self.positions(history, name="history")
        topics = list(topics)
        parts = []
        total = float(read.size)
        if read.size:
            parts.append(np.asarray(self.vectors_[read].sum(axis=0)).ravel())
        if topics:
            if self.categories_ is None:
                raise ValueError("topics need a 'category' column in the articles passed to fit")
            unknown = sorted(set(topics) - set(self.categories_))
            if unknown:
                raise ValueError(f"topics has unknown topic(s) {unknown}")
            centroids = []
            for t in topics:
                c = np.asarray(self.vectors_[self.categories_.to_numpy() == t].mean(axis=0)).ravel()
                centroids.append(c / np.linalg.norm(c))
            parts.append(topic_weight * np.mean(centroids, axis=0))
            total += topic_weight
        if not parts:
            raise ValueError("history and topics are both empty: there is no profile")
        return np.sum(parts, axis=0) / total

    def scores(self, profile: np.ndarray) -> np.ndarray:
        """Cosine similarity of ``profile`` with every article."""
        norm = np.linalg.norm(profile)
        return np.asarray(self.vectors_ @ profile).ravel() / (norm if norm > 0 else 1.0)

    def rank(self, scores: np.ndarray, *, exclude: Iterable[Any] = (), k: int = 10) -> pd.DataFrame:
        """Top ``k`` of ``scores`` (one per article), leaving out ``exclude``, its
        near-duplicates and near-duplicates of articles already in the list.

        Returns ``article_id, rank, score``; ties go to the earlier article.
        """
        self._check_fitted()
        k = check_k(k)
        scores = np.asarray(scores, dtype=float)
        if scores.shape != (len(self.article_ids_),):
            raise ValueError(f"scores must have one value per article, got shape {scores.shape}")
        blocked = list(self.positions(exclude, name="exclude"))
        allowed = np.ones(scores.size, dtype=bool)
        allowed[blocked] = False
        if blocked and self.duplicate_threshold is not None:
            near = (self.vectors_ @ self.vectors_[blocked].T).toarray()
            allowed &= ~(near >= self.duplicate_threshold).any(axis=1)
        chosen = self._top_distinct(scores, allowed, k)
        return pd.DataFrame(
            {
                "article_id": self.article_ids_.to_numpy()[chosen],
                "rank": np.arange(1, len(chosen) + 1),
                "score": scores[chosen],
            }
        )

    def _near_duplicate_pairs(self) -> sparse.csr_matrix:
        """Every pair of articles with cos ≥ duplicate_threshold (the diagonal
        left out), computed once in blocks of rows and kept."""
        if getattr(self, "_pairs", None) is None:
            assert self.duplicate_threshold is not None
            v = self.vectors_
            n = v.shape[0]
            rows, cols = [], []
            for start in range(0, n, _QUERY_BLOCK):
                sims = (v[start : start + _QUERY_BLOCK] @ v.T).toarray()
                r, c = np.nonzero(sims >= self.duplicate_threshold)
                rows.append(r + start)
                cols.append(c)
            r, c = np.concatenate(rows), np.concatenate(cols)
            off = r != c
            self._pairs = sparse.csr_matrix(
                (np.ones(int(off.sum()), dtype=bool), (r[off], c[off])), shape=(n, n)
            )
        return self._pairs

    def _top_distinct(
        self, scores: np.ndarray, allowed: np.ndarray, k: int, pairs: Any = None
    ) -> np.ndarray:
        """Positions of the ``k`` best allowed scores (ties to the earlier article)
        of which no two are near-duplicates. The leaders are found by a partial
        sort; near-duplicates among them are looked up in ``pairs`` (from
        :meth:`_near_duplicate_pairs`) or checked on a dense block of the top m
        candidates, m doubling in the rare case that is not enough."""
        candidates = np.flatnonzero(allowed)
        m = min(candidates.size, 2 * k + 20)
        while True:
            if m < candidates.size:
                # the m best by a partial sort, then ordered by (score desc, position)
                part = candidates[np.argpartition(-scores[candidates], m - 1)[:m]]
                # entries tied with the m-th best may sit outside: take them all
                cut = scores[part].min()
                part = candidates[scores[candidates] >= cut]
            else:
                part = candidates
            top = part[np.lexsort((part, -scores[part]))][:m]
            if self.duplicate_threshold is None:
                return top[:k]
            kept: list[int] = []
            if pairs is not None:
                taken: set[int] = set()
                for i, position in enumerate(top):
                    near = pairs.indices[pairs.indptr[position] : pairs.indptr[position + 1]]
                    if not taken.intersection(near.tolist()):
                        kept.append(i)
                        taken.add(int(position))
                        if len(kept) == k:
                            break
            else:
                block = (self.vectors_[top] @ self.vectors_[top].T).toarray()
                for i in range(top.size):
                    if not kept or not (block[i, kept] >= self.duplicate_threshold).any():
                        kept.append(i)
                        if len(kept) == k:
                            break
            if len(kept) == k or m == candidates.size:
                return top[kept]
            m = min(candidates.size, 2 * m)

    def similar(self, article_ids: Any, *, k: int = 10) -> pd.DataFrame:
        """The ``k`` articles most similar to an article (cosine), without the
        article itself and its near-duplicates, and no two near-duplicates of
        each other: ``article_id, rank, score``.

        Pass a list of ids to score many articles at once: the result stacks
        their lists, with a first column ``query_id`` (the article each list is
        for), in the order given, identical to calling ``similar`` on each and
        several times faster (one sparse product per block of articles).

        Needs no clicks, so it serves a brand-new article.

        Examples
        --------
        >>> text = ["cup final goal", "cup final replay", "bank rates up", "bank rates rise"]
        >>> articles = pd.DataFrame({"article_id": list("abcd"), "title": "", "body": text})
        >>> rec = TfidfRecommender(min_df=1).fit(articles)
        >>> rec.similar(["a", "c"], k=1)[["query_id", "article_id"]].to_numpy().tolist()
        [['a', 'b'], ['c', 'd']]
        """
        single = isinstance(article_ids, str | bytes) or not isinstance(article_ids, Iterable)
        queries = [article_ids] if single else list(article_ids)
        if not queries:
            raise ValueError("article_ids is empty")
        pos = self.positions(queries, name="article_ids")
        k = check_k(k)
        ids = self.article_ids_.to_numpy()
        pairs = None
        if pos.size >= _BATCH_PAIRS and self.duplicate_threshold is not None:
            pairs = self._near_duplicate_pairs()
        frames = []
        for start in range(0, pos.size, _QUERY_BLOCK):
            block = pos[start : start + _QUERY_BLOCK]
            sims = (self.vectors_[block] @ self.vectors_.T).toarray()
            for row, p in zip(sims, block, strict=True):
                allowed = np.ones(row.size, dtype=bool)
                allowed[p] = False
                if self.duplicate_threshold is not None:
                    allowed &= row < self.duplicate_threshold
                chosen = self._top_distinct(row, allowed, k, pairs)
                frames.append((ids[p], chosen, row[chosen]))
        out = pd.DataFrame(
            {
                "query_id": np.repeat([q for q, _, _ in frames], [c.size for _, c, _ in frames]),
                "article_id": ids[np.concatenate([c for _, c, _ in frames])],
                "rank": np.concatenate([np.arange(1, c.size + 1) for _, c, _ in frames]),
                "score": np.concatenate([s for _, _, s in frames]),
            }
        )
        return out.drop(columns="query_id") if single else out

    def recommend(self, history: Iterable[Any], *, k: int = 10) -> pd.DataFrame:
        """Top ``k`` articles for a reader who read ``history``: cosine with the
        mean of their vectors, leaving out what was read and near-duplicates.
        Returns ``article_id, rank, score``."""
        history = _ids(history, "history")
        if not history:
            raise ValueError("history is empty: use HybridRecommender for a new reader")
        return self.rank(self.scores(self.profile(history)), exclude=history, k=k)

    def __repr__(self) -> str:
        return (
            f"TfidfRecommender(duplicate_threshold={self.duplicate_threshold}, "
            f"min_df={self.min_df})"
        )


def recency_popularity(
    clicks: pd.DataFrame, *, half_life: float, now: float | None = None
) -> pd.Series:
    r"""Clicks per article, each weighted by 0.5^((now − t) / half_life).

    A click ``half_life`` time units old counts half as much as one now, so
    yesterday's story fades for today's readers.

    Parameters
    ----------
    clicks : DataFrame
        One row per click, with ``article_id`` and a numeric ``timestamp``.
    half_life : float
        In the units of ``timestamp``, > 0.
    now : float, optional
        The time of recommendation; defaults to the latest click. Clicks after
        ``now`` are an error.

    Returns
    -------
    Series
        Weighted click counts indexed by ``article_id``, largest first.

    Examples
    --------
    >>> clicks = pd.DataFrame({"article_id": ["b", "a", "a"], "timestamp": [10, 0, 10]})
    >>> recency_popularity(clicks, half_life=10).to_dict()  # a: 0.5 + 1
    {'a': 1.5, 'b': 1.0}
    """
    check_columns(clicks, ["article_id", "timestamp"], name="clicks")
    half_life = check_positive(half_life, name="half_life")
    if not pd.api.types.is_numeric_dtype(clicks["timestamp"]):
        raise ValueError(
            f"clicks['timestamp'] must be numbers, got dtype {clicks['timestamp'].dtype}"
        )
    t = clicks["timestamp"].to_numpy(dtype=float)
    if t.size == 0:
        raise ValueError("clicks is empty")
    if not np.all(np.isfinite(t)):
        raise ValueError("clicks has missing or infinite timestamps")
    now_f = float(t.max()) if now is None else check_real(now, name="now")
    if t.max() > now_f:
        raise ValueError(f"clicks has timestamps after now={now_f} (latest {t.max()})")
    weight = 0.5 ** ((now_f - t) / half_life)
    out = pd.Series(weight).groupby(clicks["article_id"].to_numpy()).sum()
    out.index.name = "article_id"
    return out.rename("popularity").sort_values(ascending=False, kind="stable")


class HybridRecommender:
    """Tiered cold start: popularity for a reader we know nothing about, their
    onboarding topics, then their session clicks (see the module docstring
    for the blend and the weight schedule w = (m + n) / (m + n + n₀)).

    Parameters
    ----------
    content : TfidfRecommender
        Fitted (with a ``category`` column if topic picks are used).
    popularity : Series
        A popularity score per ``article_id`` (e.g. :func:`recency_popularity`);
        articles missing from it score 0 (new articles, no clicks yet).
    pivot : float
        n₀ > 0: the number of interactions at which content and popularity
        weigh the same.
    onboarding_weight : float
        m >= 0: how many clicks the topic picks are worth.

    Examples
    --------
    >>> articles = pd.DataFrame({
    ...     "article_id": ["a", "b", "c", "d"], "category": ["sport", "sport", "biz", "biz"],
    ...     "title": ["Cup final", "Cup replay", "Bank rates", "Rates rise"],
    ...     "body": ["a late goal wins the cup", "cup replay after a draw", "bank rates up",
    ...              "bank rates rise again"]})
    >>> content = TfidfRecommender(min_df=1).fit(articles)
    >>> hybrid = HybridRecommender(content, pd.Series({"c": 5.0, "d": 4.0, "b": 2.0}))
    >>> hybrid.recommend(k=1)["article_id"].tolist()  # nothing known: the most popular
    ['c']
    >>> hybrid.recommend(["a"], k=1)["article_id"].tolist()  # one click on sport
    ['b']
    >>> hybrid.weight(0), hybrid.weight(0, topics=True), hybrid.weight(3)
    (0.0, 0.5, 0.75)
    """

    def __init__(
        self,
        content: TfidfRecommender,
        popularity: pd.Series,
        *,
        pivot: float = 1.0,
        onboarding_weight: float = 1.0,
    ) -> None:
        if not isinstance(content, TfidfRecommender):
            raise ValueError(f"content must be a TfidfRecommender, got {type(content).__name__}")
        if not hasattr(content, "vectors_"):
            raise ValueError("content must be a fitted TfidfRecommender: call .fit(articles) first")
        if not isinstance(popularity, pd.Series):
            raise ValueError("popularity must be a Series indexed by article_id")
        if not pd.api.types.is_numeric_dtype(popularity) or pd.api.types.is_bool_dtype(popularity):
            raise ValueError(f"popularity must hold numbers, got dtype {popularity.dtype}")
        pop = popularity.reindex(content.article_ids_).fillna(0.0).to_numpy(dtype=float)
        if np.any(pop < 0) or not np.all(np.isfinite(pop)):
            raise ValueError("popularity must be finite and >= 0")
        self.content = content
        self.pivot = check_positive(pivot, name="pivot")
        self.onboarding_weight = check_real(onboarding_weight, name="onboarding_weight")
        if self.onboarding_weight < 0:
            raise ValueError(f"onboarding_weight must be >= 0, got {onboarding_weight}")
        self._pop = pop / pop.max() if pop.max() > 0 else pop

    def weight(self, n_clicks: int, *, topics: bool = False) -> float:
        """w, the weight of content, after ``n_clicks`` clicks (with or without topic picks)."""
        n = check_count(n_clicks, name="n_clicks")
        m = self.onboarding_weight if topics else 0.0
        return (m + n) / (m + n + self.pivot)

    def scores(self, history: Iterable[Any] = (), *, topics: Iterable[str] = ()) -> np.ndarray:
        """The blended score w · content / c* + (1 − w) · pop / pop* of every
        article (in the fitted order) for a reader with session clicks
        ``history`` and onboarding ``topics``; :meth:`recommend` ranks it."""
        history, topics = _ids(history, "history"), _ids(topics, "topics")
        w = self.weight(len(history), topics=bool(topics))
        score = (1 - w) * self._pop
        if w > 0:
            profile = self.content.profile(
                history, topics=topics, topic_weight=self.onboarding_weight
            )
            content = self.content.scores(profile)
            # scale by the best *unread* article: a read article matches its own profile
            unread = np.ones(content.size, dtype=bool)
            unread[self.content.positions(history, name="history")] = False
            top = content[unread].max() if unread.any() else 0.0
            if top > 0:
                score = score + w * content / top
        return score

    def recommend(
        self, history: Iterable[Any] = (), *, topics: Iterable[str] = (), k: int = 10
    ) -> pd.DataFrame:
        """Top ``k`` for a reader with session clicks ``history`` and onboarding
        ``topics`` (either may be empty): ``article_id, rank, score``, leaving
        out what was read and near-duplicates."""
        history = _ids(history, "history")
        return self.content.rank(self.scores(history, topics=topics), exclude=history, k=k)

    def __repr__(self) -> str:
        return f"HybridRecommender(pivot={self.pivot}, onboarding_weight={self.onboarding_weight})"
