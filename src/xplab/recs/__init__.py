"""Recommenders: splits, models with one shape, and top-k metrics.

Every model: ``.fit(train)`` returns itself; ``.recommend(user_ids, k=10)``
returns ``user_id, item_id, rank, score``; ``.top_items(user_id, k=10)`` the
same list for one user as two arrays (the serving call); rating models also
``.predict``.
"""

from .content import HybridRecommender, TfidfRecommender, recency_popularity
from .ease import EASE
from .knn import ItemKNN, UserKNN, user_similarity
from .metrics import (
    Evaluation,
    catalog_coverage,
    evaluate,
    intra_list_diversity,
    map_at_k,
    ndcg_at_k,
    novelty,
    precision_at_k,
    recall_at_k,
)
from .popularity import Popularity
from .rerank import check_reranker, list_diversity, mmr, topic_coverage, topic_entropy
from .sessions import ColdStartResult, FilterBubbleResult, cold_start_sessions, filter_bubble
from .split import chronological_split, cutoff_split, stratified_split
from .tuning import ValidationScores, validation_scores

__all__ = [
    "EASE",
    "ColdStartResult",
    "Evaluation",
    "FilterBubbleResult",
    "HybridRecommender",
    "ItemKNN",
    "Popularity",
    "TfidfRecommender",
    "UserKNN",
    "ValidationScores",
    "catalog_coverage",
    "check_reranker",
    "chronological_split",
    "cold_start_sessions",
    "cutoff_split",
    "evaluate",
    "filter_bubble",
    "intra_list_diversity",
    "list_diversity",
    "map_at_k",
    "mmr",
    "ndcg_at_k",
    "novelty",
    "precision_at_k",
    "recall_at_k",
    "recency_popularity",
    "stratified_split",
    "topic_coverage",
    "topic_entropy",
    "user_similarity",
    "validation_scores",
]
