import numpy as np
import pandas as pd
import pytest

from xplab.recs import EASE, ItemKNN, Popularity, evaluate, stratified_split, validation_scores


def _by_hand(train, model, seed, *, k=10, threshold=None):
    """The validation protocol written out: split train, fit, recommend, evaluate."""
    part, val = stratified_split(train, test_size=0.25, seed=seed)
    top = model.fit(part).recommend(np.sort(part["user_id"].unique()), k=k)
    return evaluate(val, top, k=k, threshold=threshold)


def test_scores_equal_the_protocol_written_out(ratings):
    candidates = {"pop": Popularity(), 10.0: EASE(l2=10.0), "knn": ItemKNN(k=5)}
    v = validation_scores(ratings, candidates, seeds=(3, 4), k=5)
    for label, model in candidates.items():
        for seed in (3, 4):
            expected = _by_hand(ratings, model, seed, k=5).ndcg
            assert v.scores.loc[label, seed] == pytest.approx(expected, rel=1e-12)
    assert v.mean.to_dict() == pytest.approx(v.scores.mean(axis=1).to_dict())
    assert v.best == v.mean.idxmax() and v.best_score == v.mean.max()
    assert v.metric == "validation nDCG@5" and v.seeds == (3, 4)


def test_metric_and_threshold_are_passed_on(ratings):
    v = validation_scores(
        ratings, {"ease": EASE(l2=5.0)}, seeds=(1,), metric="precision", threshold=4
    )
    expected = _by_hand(ratings, EASE(l2=5.0), 1, threshold=4).precision
    assert v.scores.loc["ease", 1] == pytest.approx(expected, rel=1e-12)
    assert v.metric == "validation P@10"


def test_a_better_model_wins(ratings):
    # EASE learns the taste structure of the fixture; a popularity list cannot
    v = validation_scores(ratings, {"pop": Popularity(), "ease": EASE(l2=5.0)}, seeds=(0, 1, 2))
    assert v.best == "ease"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"candidates": {}}, "candidates"),
        ({"candidates": {"x": "EASE"}}, r"candidates\['x'\]"),
        ({"seeds": ()}, "seeds"),
        ({"seeds": 7}, "seeds"),
        ({"seeds": (1, 1)}, "distinct"),
        ({"metric": "rmse"}, "metric"),
        ({"k": 0}, "k"),
        ({"test_size": 1.5}, "test_size"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_input_is_named(ratings, kwargs, message):
    args = {"candidates": {"pop": Popularity()}} | kwargs
    with pytest.raises(ValueError, match=message):
        validation_scores(ratings, **args)


def test_threshold_needs_ratings():
    df = pd.DataFrame({"user_id": [1, 1, 2, 2], "item_id": [1, 2, 1, 2]})
    with pytest.raises(ValueError, match="rating"):
        validation_scores(df, {"pop": Popularity()}, threshold=4)
