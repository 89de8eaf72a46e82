"""Why this item? TreeSHAP attributions of the ranker's score, in words.

For one candidate, TreeSHAP (Lundberg et al. 2020, the ``shap`` library)
splits the ranker's raw score into a base value (the average score over
the training data, as the trees' node counts weight it) plus one
contribution per feature, exactly: base + Σ contributions = score. They are
Shapley values of the model's output, with "feature absent" meaning
"averaged over the training data along the tree paths".

What they say: how much each feature value moved *this model's* score for
this item, relative to an average candidate. What they do not say: that
changing the feature would change the purchase (they describe the model,
not the customer; correlated features share credit in ways that depend on
the trees), or how this item compares with the one ranked below it (for that,
compare the two items' contributions). A LambdaRank score only orders
items within one list, so "+0.8" means "pushed up the list", not "+0.8
probability".
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .._results import ResultMixin
from .features import fetch_user, ranker_features
from .ranking import Ranker, _check_matrix

_REASONS = {
    "times_bought": lambda v, c: f"you bought it {v:.0f} time{'s' if v != 1 else ''} before",
    "days_since_bought": lambda v, c: f"you last bought it {v:.0f} days ago",
    "item_recent_buyers": lambda v, c: (
        f"popular now: {v:.0f} customers bought it in the last two weeks"
    ),
    "item_buyers": lambda v, c: f"{v:.0f} customers have bought it",
    "als_score": lambda v, c: (
        f"customers who buy what you buy also buy it (embedding score {v:.2f})"
    ),
    "copurchase_score": lambda v, c: f"often in the same basket as your recent purchases ({v:.2f})",
    "n_sources": lambda v, c: f"proposed by {v:.0f} of the candidate sources",
    "category_share": lambda v, c: f"{v:.0%} of your purchases are {c}",
    "item_category": lambda v, c: f"it is in {c}",
    "price_ratio": lambda v, c: f"its price is {v:.1f}× what you usually pay",
    "item_price": lambda v, c: f"it costs £{v:.2f}",
    "item_age_days": lambda v, c: f"on sale for {v:.0f} days",
    "user_products": lambda v, c: f"you have bought {v:.0f} different products",
    "user_orders": lambda v, c: f"you have placed {v:.0f} orders",
}


def reason(feature: str, value: float, category: str = "") -> str:
    """A short sentence for one feature value (the feature's name if none fits)."""
    if feature in _REASONS and np.isfinite(value):
        return _REASONS[feature](value, category)
    return f"{feature} = {value:.3g}"


@dataclass(frozen=True, repr=False)
class Explanation(ResultMixin):
    """TreeSHAP attribution of one recommended item's ranker score.

    ``contributions`` has one row per feature (``feature, value,
    contribution``), largest ``|contribution|`` first; ``base + Σ contribution =
    score``. ``reasons`` phrases the positive contributions (largest first).
    """

    _title: ClassVar[str] = "Why this item"
    user_id: Any
    item_id: Any
    score: float
    base: float
    contributions: pd.DataFrame
    reasons: tuple[str, ...]

    def __repr__(self) -> str:
        top = "; ".join(self.reasons[:3])
        return (
            f"Explanation(user {self.user_id!r}, item {self.item_id!r}: score {self.score:.3f} = "
            f"base {self.base:.3f} + contributions; because {top})"
        )

    def _repr_html_(self) -> str:
        items = "".join(f"<li>{r}</li>" for r in self.reasons[:5])
        return (
            f"<p><b>Item {self.item_id} for user {self.user_id}</b>: score {self.score:.3f} "
            f"= base {self.base:.3f} + Σ contributions</p><ul>{items}</ul>"
            + self.contributions.head(8).to_html(index=False, float_format=lambda v: f"{v:.3g}")
        )


def shap_values(ranker: Ranker, features: Any) -> tuple[np.ndarray, float]:
    """TreeSHAP contributions (n_rows × n_features) of ``ranker``'s raw scores, and the base value."""
    with warnings.catch_warnings():
        # shap 0.51's colour maps call a matplotlib function deprecated in 3.10 at import
        warnings.filterwarnings(
            "ignore", "The set_(bad|over|under) function", PendingDeprecationWarning
        )
        import shap

    if not isinstance(ranker, Ranker) or not hasattr(ranker, "booster_"):
        raise ValueError("ranker must be a fitted Ranker")
    x = _check_matrix(features, len(ranker.feature_names)).astype(np.float64)
    explainer = shap.TreeExplainer(ranker.booster_)
    values = np.asarray(explainer.shap_values(x))
    return values, float(np.ravel(explainer.expected_value)[0])


def explain_item(
    ranker: Ranker,
    features: Any,
    *,
    user_id: Any = None,
    item_id: Any = None,
    category_names: tuple[str, ...] = (),
) -> Explanation:
    """Explain the ranker's score of one candidate (one row of ranker features).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(300, 3))
    >>> r = Ranker(n_estimators=10, feature_names=("a", "b", "c")).fit(
    ...     x, (x[:, 0] > 0.5).astype(int), groups=[30] * 10)
    >>> e = explain_item(r, x[:1])
    >>> bool(np.isclose(e.base + e.contributions["contribution"].sum(), e.score))
    True
    """
    if not isinstance(ranker, Ranker) or not hasattr(ranker, "booster_"):
        raise ValueError("ranker must be a fitted Ranker")
    row = _check_matrix(
        np.atleast_2d(features) if features is not None else None, len(ranker.feature_names)
    )
    row = row.astype(np.float64)
    if not isinstance(category_names, tuple | list) or not all(
        isinstance(c, str) for c in category_names
    ):
        raise ValueError(f"category_names must be a tuple of names, got {category_names!r:.40}")
    if row.shape[0] != 1:
        raise ValueError(f"features must be one row of ranker features, got {row.shape[0]} rows")
    values, base = shap_values(ranker, row)
    names = ranker.feature_names
    frame = pd.DataFrame({"feature": names, "value": row[0], "contribution": values[0]})
    frame = frame.reindex(frame["contribution"].abs().sort_values(ascending=False).index)
    category = ""
    if "item_category" in names and category_names:
        code = row[0, names.index("item_category")]
        if np.isfinite(code) and 0 <= int(code) < len(category_names):
            category = category_names[int(code)]
    positive = frame[frame["contribution"] > 0]
    reasons = tuple(
        reason(f, float(v), category)
        for f, v in zip(positive["feature"], positive["value"], strict=True)
    )
    return Explanation(
        user_id=user_id,
        item_id=item_id,
        score=float(ranker.predict(row)[0]),
        base=base,
        contributions=frame.reset_index(drop=True),
        reasons=reasons,
    )


def explain_recommendation(service: Any, user_id: Any, item_id: Any) -> Explanation:
    """Explain why ``service`` scores ``item_id`` for ``user_id`` as it does.

    Rebuilds the request's features by the service's own path (store reads,
    candidate generation, :func:`~xplab.serving.ranker_features`) and
    explains the row of ``item_id``, which must be among the user's candidates.
    """
    from .catalogue import USER_FEATURES
    from .service import RecommendationService

    if not isinstance(service, RecommendationService) or service.ranker is None:
        raise ValueError("service must be a RecommendationService with a ranker")
    data = service.data
    row = data.user_row(user_id)
    if row < 0:
        raise ValueError(f"user_id {user_id!r} is not a known user: nothing personal to explain")
    user = fetch_user(
        service.store,
        row,
        dim=data.dim,
        n_user_features=len(USER_FEATURES) + len(data.category_names),
    )
    cands = service.generator.generate(user)
    where = np.flatnonzero(data.item_ids[cands.items] == item_id)
    if where.size == 0:
        raise ValueError(f"item_id {item_id!r} is not among user {user_id!r}'s candidates")
    x = ranker_features(user, cands, service.store.read("item", cands.items))
    return explain_item(
        service.ranker,
        x[where[:1]],
        user_id=user_id,
        item_id=item_id,
        category_names=data.category_names,
    )
