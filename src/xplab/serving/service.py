"""The service: retrieval → features → ranking → rules, composed in one place.

:class:`RecommendationService` holds the stages and times each one on every
request. :func:`measure_latency` sends many requests one at a time and
reports p50/p95/p99 per stage: a latency budget is about the tail (p99: one
request in a hundred is slower), never the mean of a few.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._validate import check_count, check_real
from .catalogue import USER_FEATURES, ServingData
from .features import fetch_user, ranker_features
from .ranking import Ranker
from .retrieval import CandidateGenerator
from .rules import RuleSet, objective_scores
from .store import FeatureStore

#: The stages, in the order a request passes them.
STAGES = ("retrieval", "features", "ranking", "rules")


@dataclass(frozen=True, repr=False)
class Recommendation(ResultMixin):
    """One answer: item ids best first, their scores and sources, and the time per stage.

    ``timings_ms`` holds each stage's wall time and ``"total"``; ``"retrieval"``
    includes reading the user's vector and history from the feature store.
    ``sources`` says which candidate sources proposed each item.
    """

    _title: ClassVar[str] = "Recommendation"
    user_id: Any
    items: tuple[Any, ...]
    scores: tuple[float, ...]
    sources: tuple[str, ...]
    sponsored: tuple[bool, ...]
    n_candidates: int
    timings_ms: dict[str, float]

    def frame(self) -> pd.DataFrame:
        """The list as a table: rank, item, score, sources, sponsored."""
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(self.items) + 1),
                "item": list(self.items),
                "score": list(self.scores),
                "sources": list(self.sources),
                "sponsored": list(self.sponsored),
            }
        )

    def __repr__(self) -> str:
        shown = ", ".join(map(str, self.items[:5])) + (", …" if len(self.items) > 5 else "")
        return (
            f"Recommendation(user_id={self.user_id!r}, {len(self.items)} items [{shown}] "
            f"from {self.n_candidates} candidates)"
        )


class RecommendationService:
    """Compose the stages; ``recommend(user_id, k)`` answers one request.

    Parameters
    ----------
    data : ServingData
        The catalogue (ids, prices, categories) and what the rules need.
    store : FeatureStore
        Filled with :func:`~xplab.serving.fill_store` (in-process or Redis).
    generator : CandidateGenerator
        The candidate sources.
    ranker : Ranker or None
        None ranks candidates by their first source's score (retrieval order).
    rules : RuleSet
        Applied after ranking (empty: no rules).
    objective_weight : float
        0 ranks by purchase probability, 1 by expected revenue (P × price),
        in between a blend (see :func:`~xplab.serving.objective_scores`).
        Needs a ranker when above 0.

    Users the data does not know get the popular-now candidates, ranked by
    the same model with their user features missing.
    """

    def __init__(
        self,
        data: ServingData,
        store: FeatureStore,
        generator: CandidateGenerator,
        ranker: Ranker | None = None,
        rules: RuleSet | None = None,
        *,
        objective_weight: float = 0.0,
    ) -> None:
        if not isinstance(data, ServingData):
            raise ValueError(f"data must be a ServingData, got {type(data).__name__}")
        if not isinstance(store, FeatureStore):
            raise ValueError(f"store must be a FeatureStore, got {type(store).__name__}")
        if not isinstance(generator, CandidateGenerator):
            raise ValueError(
                f"generator must be a CandidateGenerator, got {type(generator).__name__}"
            )
        if ranker is not None and not isinstance(ranker, Ranker):
            raise ValueError(f"ranker must be a Ranker or None, got {type(ranker).__name__}")
        if ranker is not None and not hasattr(ranker, "booster_"):
            raise ValueError("ranker is not fitted yet: call ranker.fit(...) first")
        rules = RuleSet() if rules is None else rules
        if not isinstance(rules, RuleSet):
            raise ValueError(f"rules must be a RuleSet, got {type(rules).__name__}")
        w = check_real(objective_weight, name="objective_weight")
        if not 0 <= w <= 1:
            raise ValueError(f"objective_weight must be in [0, 1], got {w}")
        if w > 0 and ranker is None:
            raise ValueError("objective_weight > 0 needs a ranker (it blends P(buy) with price)")
        self.data, self.store, self.generator, self.ranker = data, store, generator, ranker
        self.rules = rules
        self.objective_weight = w
        self._bound = rules.bind(data)
        self._n_user_features = len(USER_FEATURES) + len(data.category_names)

    def recommend(self, user_id: Any, k: int = 10) -> Recommendation:
        """The top ``k`` items for ``user_id``, with each stage's time in ms."""
        k = check_count(k, name="k", minimum=1)
        if isinstance(user_id, np.generic):
            user_id = user_id.item()
        if user_id is None:
            raise ValueError("user_id must be a user id, got None")
        t0 = time.perf_counter()
        row = self.data.user_row(user_id)
        user = fetch_user(self.store, row, dim=self.data.dim, n_user_features=self._n_user_features)
        cands = self.generator.generate(user)
        t1 = time.perf_counter()
        if len(cands) == 0:
            return Recommendation(user_id, (), (), (), (), 0, self._timings(t0, t1, t1, t1, t1))
        item_rows = self.store.read("item", cands.items)
        x = ranker_features(user, cands, item_rows)
        t2 = time.perf_counter()
        if self.ranker is None:
            scores = cands.scores[:, 0].astype(float)
        elif self.objective_weight == 0:
            scores = self.ranker.predict(x)
        else:
            proba = np.clip(self.ranker.predict_proba(x), 1e-12, 1.0)
            scores = objective_scores(
                proba, self.data.price[cands.items], weight=self.objective_weight
            )
        t3 = time.perf_counter()
        final = self._bound.apply(cands.items, scores, k, history=user.history)
        t4 = time.perf_counter()
        pos = {int(item): i for i, item in enumerate(cands.items)}
        where = [pos[int(i)] for i in final.items]
        names = cands.sources
        sources = tuple(
            "+".join(n for j, n in enumerate(names) if cands.retrieved[i, j]) for i in where
        )
        return Recommendation(
            user_id=user_id,
            items=tuple(self.data.item_ids[final.items].tolist()),
            scores=tuple(np.round(final.scores.astype(float), 6).tolist()),
            sources=sources,
            sponsored=tuple(bool(s) for s in final.sponsored),
            n_candidates=len(cands),
            timings_ms=self._timings(t0, t1, t2, t3, t4),
        )

    @staticmethod
    def _timings(t0: float, t1: float, t2: float, t3: float, t4: float) -> dict[str, float]:
        marks = (t0, t1, t2, t3, t4)
        out = {s: 1e3 * (marks[i + 1] - marks[i]) for i, s in enumerate(STAGES)}
        out["total"] = 1e3 * (t4 - t0)
        return out

    def __repr__(self) -> str:
        return (
            f"RecommendationService({self.data.n_items:,} items, {type(self.store).__name__}, "
            f"{self.generator!r}, ranker={'LambdaRank' if self.ranker else 'retrieval order'}, "
            f"{self.rules!r}, objective_weight={self.objective_weight:g})"
        )


@dataclass(frozen=True, repr=False)
class LatencyReport(ResultMixin):
    """Per-stage latency percentiles over many requests (milliseconds).

    ``table`` has one row per stage (and ``total``, end to end) and the
    columns p50, p95, p99 and max.
    """

    _title: ClassVar[str] = "Latency per stage (ms)"
    requests: int
    table: pd.DataFrame

    @property
    def p99_total(self) -> float:
        return float(self.table.loc["total", "p99"])

    def __repr__(self) -> str:
        t = self.table.loc["total"]
        return (
            f"LatencyReport({self.requests:,} requests; end to end p50 {t['p50']:.2f}, "
            f"p95 {t['p95']:.2f}, p99 {t['p99']:.2f} ms)"
        )

    def _repr_html_(self) -> str:
        return self.table.round(3).to_html()


def user_id_list(user_ids: Any) -> list[Any]:
    """``user_ids`` as a non-empty list (a clear error for a single id or nothing)."""
    if user_ids is None or isinstance(user_ids, str | bytes) or not np.iterable(user_ids):
        raise ValueError("user_ids must be a list of user ids")
    ids = list(user_ids)
    if not ids:
        raise ValueError("user_ids is empty")
    return ids


def latency_table(timings: list[dict[str, float]]) -> LatencyReport:
    """Percentiles of per-request stage timings (``Recommendation.timings_ms`` dicts)."""
    if (
        not isinstance(timings, list)
        or not timings
        or not all(isinstance(t, dict) for t in timings)
    ):
        raise ValueError("timings must be a non-empty list of timings_ms dicts")
    frame = pd.DataFrame(timings)
    if not all(pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns):
        raise ValueError("timings must hold numbers (milliseconds) for every stage")
    q = frame.quantile([0.5, 0.95, 0.99]).T
    q.columns = ["p50", "p95", "p99"]
    q["max"] = frame.max()
    return LatencyReport(requests=len(frame), table=q)


def measure_latency(
    service: RecommendationService, user_ids: Any, *, k: int = 10, warmup: int = 50
) -> LatencyReport:
    """Send one request per user id, one at a time, and report stage percentiles.

    The first ``warmup`` requests (repeating the first ids) are not counted:
    they pay for cold caches and lazy initialisation. Besides the wall time
    of each stage and ``total``, the table has a ``cpu`` row: the CPU time
    this thread spent on each request. On an idle machine the two agree; on
    a loaded one, wall time exceeds CPU time by the time the request waited
    for a core, so ``cpu`` is what the code costs and ``total`` what a user
    would wait on this machine. (The service runs FAISS and LightGBM on the
    calling thread, one thread each; with more threads ``cpu`` would miss
    their work.)
    """
    if not isinstance(service, RecommendationService):
        raise ValueError(f"service must be a RecommendationService, got {type(service).__name__}")
    ids = user_id_list(user_ids)
    k = check_count(k, name="k", minimum=1)
    warmup = check_count(warmup, name="warmup")
    for uid in ids[: min(warmup, len(ids))]:
        service.recommend(uid, k)
    timings = []
    for uid in ids:
        cpu = time.thread_time()
        t = service.recommend(uid, k).timings_ms
        timings.append({**t, "cpu": 1e3 * (time.thread_time() - cpu)})
    return latency_table(timings)
