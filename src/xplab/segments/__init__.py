"""Customer segments for personalisation: RFM features, rule-based and k-means segments.

* :mod:`~xplab.segments.rfm` — recency, frequency and monetary value as of a
  date (:func:`rfm_features`), 1–5 scores that treat ties alike
  (:func:`rfm_scores`) and the named cells of the R × F grid
  (:func:`rfm_segments`);
* :mod:`~xplab.segments.clustering` — k-means on standardised log-features
  (:func:`fit_kmeans`, its assumptions in the module docstring) and the choice
  of k by bootstrap stability and silhouette (:func:`kmeans_stability`);
* :mod:`~xplab.segments.sql` — the same RFM features as one SQL query that
  DuckDB and Spark both run (:func:`rfm_sql`);
* :mod:`~xplab.segments.profiles` — segment profiles and the agreement of two
  segmentations up to their labels (:func:`compare_segmentations`).

What a segment is for: decisions that are taken per group because a
per-person decision is impossible or not worth it (which homepage module
comes first, which campaign, which service level) and reporting. What it is
not: a substitute for a per-user model where per-user data exist — two
customers of one segment can want entirely different products.
"""

from .clustering import KMeansSegments, Stability, fit_kmeans, kmeans_stability
from .profiles import Agreement, compare_segmentations, segment_profiles
from .rfm import RF_GRID, RFM_COLUMNS, rfm_features, rfm_scores, rfm_segments
from .sql import rfm_sql

__all__ = [
    "RFM_COLUMNS",
    "RF_GRID",
    "Agreement",
    "KMeansSegments",
    "Stability",
    "compare_segmentations",
    "fit_kmeans",
    "kmeans_stability",
    "rfm_features",
    "rfm_scores",
    "rfm_segments",
    "rfm_sql",
    "segment_profiles",
]
