"""Hyper-parameters chosen on validation splits carved from the training data.

The test set answers one question, once: how good is the model we chose?
Choosing on it too would leak the answer into the choice and overstate the
result. :func:`validation_scores` splits ``train`` again (user-stratified, one
split per seed), fits every candidate on the larger part, scores it on the
validation part and averages over the seeds: repeated hold-out, which is less
noisy than one split.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .._validate import check_bool, check_choice, check_count, check_probability
from ..progress import progress as show_progress
from ._base import Recommender
from ._frame import check_k, check_ratings
from .metrics import evaluate
from .split import stratified_split

Metric = Literal["precision", "recall", "ndcg", "map"]
_LABELS = {"precision": "P@{k}", "recall": "R@{k}", "ndcg": "nDCG@{k}", "map": "MAP"}


@dataclass(frozen=True, repr=False)
class ValidationScores(ResultMixin):
    """Validation scores of each candidate: ``scores`` has one row per
    candidate and one column per validation seed, ``mean`` their row means;
    ``best`` is the label with the highest mean (the first one on ties)."""

    _title: ClassVar[str] = "Validation scores"
    metric: str
    best: Hashable
    best_score: float
    seeds: tuple[int, ...]
    scores: pd.DataFrame = field(repr=False)
    mean: pd.Series = field(repr=False)


def validation_scores(
    train: pd.DataFrame,
    candidates: Mapping[Hashable, Recommender],
    *,
    seeds: Sequence[int] = (7,),
    test_size: float = 0.25,
    k: int = 10,
    metric: Metric = "ndcg",
    threshold: float | None = None,
    progress: bool = False,
) -> ValidationScores:
    """Score each candidate model on validation splits of ``train``.

    For each seed, ``train`` is split with :func:`stratified_split` into a fit
    part and a validation part (``test_size`` of each user's ratings); every
    candidate is fitted on the fit part, recommends the top ``k`` to every
    user of the fit part (seen items excluded), and is scored on the
    validation part with :func:`evaluate`. The test set is never involved.

    Parameters
    ----------
    train : DataFrame
        The training ratings (``user_id, item_id`` [, ``rating``]).
    candidates : mapping of label to model
        The models to compare, e.g. ``{500: EASE(l2=500), 1000: EASE(l2=1000)}``.
        Each is refitted in place: fit the chosen one on all of ``train``
        afterwards.
    seeds : sequence of int
        One validation split per seed.
    test_size : float
        Share of each user's training ratings held out for validation.
    k : int
        List length.
    metric : {'precision', 'recall', 'ndcg', 'map'}
        The :class:`Evaluation` field to compare.
    threshold : float, optional
        Only validation ratings ``>= threshold`` count as relevant.
    progress : bool
        Show a progress bar over the fits (:func:`xplab.progress.progress`).

    Returns
    -------
    ValidationScores

    Examples
    --------
    >>> import pandas as pd
    >>> from xplab.recs import EASE, Popularity
    >>> train = pd.DataFrame({"user_id": [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4],
    ...                       "item_id": [1, 2, 3, 1, 2, 4, 1, 2, 3, 2, 3, 4]})
    >>> v = validation_scores(train, {"pop": Popularity(), "ease": EASE(l2=1.0)}, k=2)
    >>> v.scores.columns.tolist(), v.best in ("pop", "ease")
    ([7], True)
    """
    train = check_ratings(train, name="train", rating=threshold is not None)
    if not isinstance(candidates, Mapping) or len(candidates) == 0:
        raise ValueError("candidates must be a non-empty mapping of label -> model")
    for label, model in candidates.items():
        if not isinstance(model, Recommender):
            raise ValueError(
                f"candidates[{label!r}] must be an xplab.recs model, got {type(model).__name__}"
            )
    if isinstance(seeds, int | str) or not isinstance(seeds, Sequence) or len(seeds) == 0:
        raise ValueError(f"seeds must be a non-empty sequence of integer seeds, got {seeds!r}")
    seeds = tuple(check_count(s, name="seeds[]") for s in seeds)
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {list(seeds)}")
    test_size = check_probability(test_size, name="test_size")
    k = check_k(k)
    metric = check_choice(metric, tuple(_LABELS), name="metric")
    progress = check_bool(progress, name="progress")

    table = pd.DataFrame(index=pd.Index(list(candidates), name="candidate"), columns=seeds)
    fits = [(seed, label, model) for seed in seeds for label, model in candidates.items()]
    split_seed = None
    for seed, label, model in show_progress(fits, desc="validation fits", enabled=progress):
        if seed != split_seed:  # one split per seed, made when its first fit comes up
            part, validation = stratified_split(train, test_size=test_size, seed=seed)
            users = np.sort(part["user_id"].unique())
            split_seed = seed
        top = model.fit(part).recommend(users, k=k)
        result = evaluate(validation, top, k=k, threshold=threshold)
        table.loc[label, seed] = getattr(result, metric)
    table = table.astype(float)
    mean = table.mean(axis=1).rename(f"validation {_LABELS[metric].format(k=k)}")
    best = mean.idxmax()
    return ValidationScores(
        metric=str(mean.name),
        best=best,
        best_score=float(mean[best]),
        seeds=seeds,
        scores=table,
        mean=mean,
    )
