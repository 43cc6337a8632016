"""K-Means and K-Medoids behind one small interface: fit every k at once, assign new rows.

Works on a float32 feature matrix X (n x d), already encoded and scaled.
- kmeans: Lloyd with k-means++ seeds, sampled restarts, weighted K-Means on distinct rows;
- kmedoids: FasterPAM, CLARA, weighted PAM on distinct rows, the order that breaks ties;
- assignment: the fitted result, nearest-centre assignment, size order, distinct rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..numeric import check_metric
from .assignment import Clustering, as_features, assign, distinct_row_count, distinct_rows
from .kmeans import fit_kmeans_sweep
from .kmedoids import CLARA_SAMPLES, fit_kmedoids_sweep

ALGORITHMS = ("kmeans", "kmedoids")

__all__ = [
    "ALGORITHMS",
    "Clustering",
    "assign",
    "distinct_row_count",
    "fit_kmeans",
    "fit_kmedoids",
    "fit_sweep",
]


def fit_kmeans(X: np.ndarray, k: int, *, seed: int, n_init: int | None = None) -> Clustering:
    """K-Means with k clusters, labels the nearest-centroid assignment; n_init as in fit_sweep."""
    features = as_features(X)
    distinct = distinct_rows(features)
    check_ks([k], len(distinct[0]))
    return fit_kmeans_sweep(features, [k], seed, n_init, distinct)[0]


def fit_kmedoids(
    X: np.ndarray,
    k: int,
    *,
    metric: str = "euclidean",
    seed: int,
    clara_samples: int = CLARA_SAMPLES,
) -> Clustering:
    """K-Medoids (FasterPAM) with k clusters; no n x n matrix when the table is large."""
    return fit_sweep(X, [k], "kmedoids", metric=metric, seed=seed, clara_samples=clara_samples)[0]


def fit_sweep(
    X: np.ndarray,
    ks: Sequence[int],
    algorithm: str,
    *,
    metric: str = "euclidean",
    seed: int,
    n_init: int | None = None,
    clara_samples: int = CLARA_SAMPLES,
) -> list[Clustering]:
    """All k at once, sharing work across k (one distance matrix, or the same CLARA samples).

    n_init: K-Means restarts; None means 10, or DISTINCT_ROWS_N_INIT on few distinct rows.
    clara_samples: K-Medoids samples when the table is too large for full FasterPAM.
    """
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    check_metric(metric)
    if clara_samples < 1:
        raise ValueError(f"clara_samples must be at least 1, got {clara_samples}")
    if algorithm == "kmeans" and metric != "euclidean":
        raise ValueError(f"K-Means minimises squared euclidean distance; got metric={metric!r}")
    features = as_features(X)
    ks = [int(k) for k in ks]
    distinct = distinct_rows(features)
    check_ks(ks, len(distinct[0]))
    if algorithm == "kmeans":
        return fit_kmeans_sweep(features, ks, seed, n_init, distinct)
    return fit_kmedoids_sweep(features, ks, metric, seed, distinct, clara_samples)


def check_ks(ks: list[int], n_distinct: int) -> None:
    """Refuse no k, a k below 2, or more clusters than distinct rows."""
    if not ks:
        raise ValueError("no k given")
    if min(ks) < 2:
        raise ValueError(f"k must be at least 2, got k={min(ks)}")
    if max(ks) > n_distinct:
        raise ValueError(
            f"k={max(ks)} exceeds the number of distinct rows ({n_distinct}); "
            f"at most {n_distinct} clusters can be formed"
        )
