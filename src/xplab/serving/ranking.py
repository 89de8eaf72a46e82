"""Stage 3 — ranking: a gradient-boosted ranker over the candidates.

:class:`Ranker` wraps LightGBM's LambdaRank: trees trained to order each
user's candidates (one query group per user) so that purchased items come
first, optimising nDCG directly through its gradients. Its raw scores only
order items *within* a list; for objectives that need a probability
(expected revenue = P(buy) × price), :meth:`Ranker.predict_proba` maps them
through a logistic curve fitted on the training rows (Platt scaling). That
map is global, so check it (predicted vs observed rates) before trusting it
as a probability for a particular user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .._validate import as_1d_array, check_count, check_positive
from .features import RANKER_FEATURES


def _check_matrix(x: Any, n_features: int, *, name: str = "features") -> np.ndarray:
    """A 2-D numeric array with ``n_features`` columns; NaN (a missing value) is allowed."""
    arr = np.asarray(x) if x is not None else np.empty(0, dtype=object)
    if arr.dtype.kind not in "fiu":
        raise ValueError(f"{name} must be numbers, got dtype {arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != n_features:
        raise ValueError(f"{name} must have shape (n, {n_features}), got {arr.shape}")
    return arr


def _platt(score: np.ndarray, y: np.ndarray, iterations: int = 50) -> tuple[float, float]:
    """Fit P(y = 1) = sigmoid(a·score + b) by Newton's method (a tiny ridge keeps it finite)."""
    s = (score - score.mean()) / (score.std() or 1.0)
    a, b = 1.0, float(np.log((y.mean() + 1e-9) / (1 - y.mean() + 1e-9)))
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-(a * s + b)))
        w = p * (1 - p) + 1e-12
        grad = np.array([np.sum((p - y) * s) + 1e-6 * a, np.sum(p - y)])
        hess = np.array([[np.sum(w * s * s) + 1e-6, np.sum(w * s)], [np.sum(w * s), np.sum(w)]])
        step = np.linalg.solve(hess, grad)
        a, b = a - step[0], b - step[1]
        if np.abs(step).max() < 1e-10:
            break
    scale = score.std() or 1.0
    return float(a / scale), float(b - a * score.mean() / scale)


class Ranker:
    """LightGBM LambdaRank over :data:`~xplab.serving.RANKER_FEATURES`.

    Parameters
    ----------
    n_estimators, learning_rate, num_leaves, min_child_samples : LightGBM settings
        The defaults (100 trees of 15 leaves) were chosen on a validation split
        of the Online Retail training users: 200 trees of 31 leaves ranked no
        better and took twice as long per request.
    n_jobs : int
        Threads for training (prediction uses one: a request is small). One
        by default: on a shared, loaded machine OpenMP threads that wait for
        each other make training several times slower, not faster.
    seed : int
        Training is deterministic for a given seed and ``n_jobs``.
    feature_names : tuple of str
        The columns of the matrices given to :meth:`fit` and :meth:`predict`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 3)).astype("float32")
    >>> y = (x[:, 0] + rng.normal(0, 0.5, 400) > 1).astype(int)
    >>> r = Ranker(n_estimators=20, feature_names=("a", "b", "c")).fit(x, y, groups=[20] * 20)
    >>> bool(np.corrcoef(r.predict(x), x[:, 0])[0, 1] > 0.8)
    True
    """

    def __init__(
        self,
        *,
        n_estimators: int = 100,
        learning_rate: float = 0.1,
        num_leaves: int = 15,
        min_child_samples: int = 50,
        n_jobs: int = 1,
        seed: int = 0,
        feature_names: tuple[str, ...] = RANKER_FEATURES,
    ) -> None:
        self.n_estimators = check_count(n_estimators, name="n_estimators", minimum=1)
        self.learning_rate = check_positive(learning_rate, name="learning_rate")
        self.num_leaves = check_count(num_leaves, name="num_leaves", minimum=2)
        self.min_child_samples = check_count(min_child_samples, name="min_child_samples", minimum=1)
        self.n_jobs = check_count(n_jobs, name="n_jobs", minimum=1)
        self.seed = check_count(seed, name="seed")
        if (
            not isinstance(feature_names, tuple | list)
            or not feature_names
            or not all(isinstance(f, str) for f in feature_names)
        ):
            raise ValueError(
                f"feature_names must be a non-empty tuple of names, got {feature_names!r:.60}"
            )
        if len(set(feature_names)) != len(feature_names):
            raise ValueError(f"feature_names must not repeat a name, got {feature_names!r:.60}")
        self.feature_names = tuple(feature_names)

    def _params(self) -> dict[str, Any]:
        return {
            "objective": "lambdarank",
            "metric": "ndcg",
            "eval_at": [10],
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples,
            "num_threads": self.n_jobs,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }

    def fit(self, features: Any, labels: Any, groups: Any) -> Ranker:
        """Train on rows grouped by user.

        Parameters
        ----------
        features : 2-D array (n_rows, n_features)
        labels : 1-D array of whole numbers ≥ 0 (relevance: 1 = bought)
        groups : list of int
            Sizes of the consecutive query groups (one per user), summing to n_rows.
        """
        import lightgbm

        x = _check_matrix(features, len(self.feature_names))
        y = np.asarray(labels)
        if y.shape != (len(x),) or y.dtype.kind not in "iub" or (y.size and y.min() < 0):
            raise ValueError(f"labels must be {len(x)} whole numbers >= 0")
        g = np.asarray(groups)
        if g.ndim != 1 or g.dtype.kind not in "iu" or g.sum() != len(x) or (g.size and g.min() < 1):
            raise ValueError(f"groups must be positive group sizes summing to the {len(x)} rows")
        categorical = [f for f in self.feature_names if f == "item_category"]
        data = lightgbm.Dataset(
            x,
            label=y.astype(int),
            group=g,
            feature_name=list(self.feature_names),
            categorical_feature=categorical or "auto",
            free_raw_data=True,
        )
        self.booster_ = lightgbm.train(self._params(), data, num_boost_round=self.n_estimators)
        self.calibration_ = _platt(self.predict(x), y.astype(float))
        return self

    def calibrate(self, scores: Any, labels: Any) -> Ranker:
        """Refit the Platt map on other rows, e.g. all candidates when the
        ranker was trained on a sample of the negatives (whose positive rate
        is too high)."""
        self._check_fitted()
        s = as_1d_array(scores, name="scores", min_size=2)
        y = as_1d_array(labels, name="labels", min_size=2, allow_bool=True)
        if s.shape != y.shape:
            raise ValueError(
                f"scores and labels must have the same length, got {s.size} and {y.size}"
            )
        if not np.all(np.isin(y, (0.0, 1.0))):
            raise ValueError("labels must be 0 or 1")
        self.calibration_ = _platt(s, y)
        return self

    def probability(self, scores: Any) -> np.ndarray:
        """P(buy) for raw scores of :meth:`predict`, through the fitted Platt map."""
        self._check_fitted()
        s = as_1d_array(scores, name="scores")
        a, b = self.calibration_
        return 1 / (1 + np.exp(-(a * s + b)))

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise ValueError("Ranker is not fitted yet: call .fit(features, labels, groups) first")

    def predict(self, features: Any) -> np.ndarray:
        """Raw LambdaRank scores: larger = earlier in the list (comparable within a list)."""
        self._check_fitted()
        x = _check_matrix(features, len(self.feature_names))
        return np.asarray(self.booster_.predict(x, num_threads=1))

    def predict_proba(self, features: Any) -> np.ndarray:
        """P(buy) from the Platt map of the raw scores (the same order as :meth:`predict`)."""
        return self.probability(self.predict(features))

    def feature_importance(self) -> dict[str, float]:
        """Total gain of each feature's splits, as a share of the total."""
        self._check_fitted()
        gain = self.booster_.feature_importance(importance_type="gain")
        total = gain.sum() or 1.0
        return dict(zip(self.feature_names, (gain / total).round(4).tolist(), strict=True))

    def save(self, path: str | Path) -> None:
        """Write the trees (LightGBM's text format) and the calibration beside them."""
        self._check_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.booster_.save_model(str(path))
        meta = {"calibration": list(self.calibration_), "feature_names": list(self.feature_names)}
        path.with_suffix(".json").write_text(json.dumps(meta))

    @classmethod
    def load(cls, path: str | Path) -> Ranker:
        """Read a ranker written by :meth:`save`."""
        import lightgbm

        path = Path(path)
        meta = json.loads(path.with_suffix(".json").read_text())
        self = cls(feature_names=tuple(meta["feature_names"]))
        self.booster_ = lightgbm.Booster(model_file=str(path))
        self.n_estimators = self.booster_.num_trees()
        self.calibration_ = tuple(meta["calibration"])
        return self

    def __repr__(self) -> str:
        state = "fitted" if hasattr(self, "booster_") else "not fitted"
        return (
            f"Ranker(LambdaRank, {self.n_estimators} trees, {self.num_leaves} leaves, "
            f"{len(self.feature_names)} features; {state})"
        )
