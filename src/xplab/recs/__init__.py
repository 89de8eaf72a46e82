"""Recommenders: splits, models with one shape, and top-k metrics.

Every model: ``.fit(train)`` returns itself; ``.recommend(user_ids, k=10)``
returns ``user_id, item_id, rank, score``; rating models also ``.predict``.
"""

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
from .split import chronological_split, stratified_split

__all__ = [
    "EASE",
    "Evaluation",
    "ItemKNN",
    "Popularity",
    "UserKNN",
    "catalog_coverage",
    "chronological_split",
    "evaluate",
    "intra_list_diversity",
    "map_at_k",
    "ndcg_at_k",
    "novelty",
    "precision_at_k",
    "recall_at_k",
    "stratified_split",
    "user_similarity",
]
