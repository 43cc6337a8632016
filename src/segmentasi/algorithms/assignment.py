"""What K-Means and K-Medoids share: the fitted result, the nearest-centre assignment, the order
of clusters by size, and the distinct rows of a matrix.

Every row-to-centre distance is computed by scipy's cdist in float64, pair by pair, so a row's
nearest centre never depends on which rows share its chunk; fitted labels are always assign()'s
answer on the training X.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.distance import cdist

from ..numeric import check_metric, checked_matrix

# A table with duplicates and at most this many distinct rows is fitted on its distinct rows,
# each weighted by how often it occurs.
WEIGHTED_MAX_ROWS = 400
# What nearest() compares (squared euclidean skips a sqrt).
_CDIST_RAW = {"euclidean": "sqeuclidean", "manhattan": "cityblock"}


@dataclass(frozen=True)
class Clustering:
    """A fitted clustering; cluster 0 is the largest, and row j of centers is cluster j."""

    algorithm: str
    k: int
    metric: str
    labels: np.ndarray
    centers: np.ndarray
    medoid_rows: np.ndarray | None
    cost: float
    method: str
    # K-Medoids on few distinct rows: the order that breaks ties between equidistant medoids
    # was chosen by the silhouette (the report discloses it).
    tie_order_by_silhouette: bool = False
    # Customers per cluster over the whole table, when `labels` are those of a sample of it (an
    # engine that keeps the rows elsewhere); None: labels are every row's.
    sizes: np.ndarray | None = None

    @property
    def shares(self) -> np.ndarray:
        """Each cluster's share of the table's customers."""
        counts = np.bincount(self.labels, minlength=self.k) if self.sizes is None else self.sizes
        return counts / counts.sum()


def assign(
    X: np.ndarray, centers: np.ndarray, metric: str, chunk_rows: int = 65536
) -> tuple[np.ndarray, np.ndarray]:
    """Nearest centre for each row: (labels int32, distance to it float32), in chunks of rows.

    Ties go to the lowest centre index. Reproduces the fitted labels exactly on the training X.
    """
    check_metric(metric)
    labels, raw, _ = nearest(as_features(X), as_features(centers), metric, chunk_rows)
    return labels, raw_to_distance(raw, metric).astype(np.float32)


def as_features(X: np.ndarray) -> np.ndarray:
    """X as the C-ordered float32 matrix the algorithms work on."""
    return np.ascontiguousarray(checked_matrix(X, np.float32))


def nearest(
    X: np.ndarray,
    centers: np.ndarray,
    metric: str,
    chunk_rows: int = 65536,
    exclude: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Nearest centre of each row, its raw float64 distance (squared if euclidean), and whether
    any row was exactly as near to another centre. Row i skips centre exclude[i] if given."""
    if centers.ndim != 2 or centers.shape[1] != X.shape[1]:
        raise ValueError(f"centers of shape {centers.shape} do not match X of shape {X.shape}")
    labels = np.empty(len(X), dtype=np.int32)
    raw = np.empty(len(X), dtype=np.float64)
    tied = False
    for start in range(0, len(X), chunk_rows):
        block = cdist(X[start : start + chunk_rows], centers, _CDIST_RAW[metric])
        if exclude is not None:
            block[np.arange(len(block)), exclude[start : start + chunk_rows]] = np.inf
        closest = block.argmin(axis=1)
        best = block[np.arange(len(block)), closest]
        labels[start : start + chunk_rows] = closest
        raw[start : start + chunk_rows] = best
        tied = tied or bool(((block == best[:, None]).sum(axis=1) > 1).any())
    return labels, raw, tied


def raw_to_distance(raw: np.ndarray, metric: str) -> np.ndarray:
    """The distances behind nearest()'s raw values."""
    return np.sqrt(raw) if metric == "euclidean" else raw


def finalise(
    X: np.ndarray, centers: np.ndarray, metric: str, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Assign rows to centres, numbering clusters by size (largest first; ties: earliest first row).

    Returns labels, raw distances and the new order of the given centres. A tied row goes to the
    lowest centre index, so renumbering can move it; rows are reassigned until the order is stable.
    That terminates: the cluster numbered first takes every row it ties for, so the sizes, sorted
    descending, grow lexicographically with each pass until the assignment stops changing.
    `weights` counts row i as weights[i] rows (X then holds distinct rows in order of first use).
    """
    k = len(centers)
    order = np.arange(k)
    labels, raw, tied = nearest(X, centers, metric)
    while True:
        counts = np.bincount(labels, weights=weights, minlength=k)
        if (counts == 0).any():
            raise RuntimeError("a centre is nearest to no row: two centres coincide")
        first_rows = np.unique(labels, return_index=True)[1]
        by_size = np.lexsort((first_rows, -counts))
        if (by_size == np.arange(k)).all():
            return labels, raw, order
        order = order[by_size]
        if tied:
            labels, raw, tied = nearest(X, centers[order], metric)
        else:
            new_label = np.empty(k, dtype=np.int32)
            new_label[by_size] = np.arange(k, dtype=np.int32)
            labels = new_label[labels]


def distinct_row_count(X: np.ndarray) -> int:
    """How many different rows X has (what the fitting cost grows with on discrete data)."""
    return len(np.unique(_row_keys(as_features(X))))


def distinct_rows(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Index of the first occurrence of each distinct row, and how many times each occurs."""
    _, first_rows, counts = np.unique(_row_keys(X), return_index=True, return_counts=True)
    return first_rows, counts


def _row_keys(X: np.ndarray) -> np.ndarray:
    """Each row as one raw-bytes value: np.unique on these is ~4x faster than on axis=0."""
    row_bytes = np.dtype((np.void, X.dtype.itemsize * X.shape[1]))
    return np.ascontiguousarray(X + np.float32(0)).view(row_bytes).ravel()  # +0: -0.0 is 0.0
