"""Clustering quality: exact and sampled silhouette for many labelings at once, Davies-Bouldin,
Calinski-Harabasz, elbow knee and labeling stability.

sklearn's silhouette_score costs one O(n^2) distance pass per labeling. Here one tiled pass serves
every labeling of a k-sweep: each distance tile is computed once and multiplied by a stacked
one-hot matrix of all labelings, which yields every per-cluster distance sum in one GEMM.
Identical rows are first collapsed to unique rows with multiplicities when that is exact.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial.distance import cdist
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
)

from .numeric import blas_threads, check_metric, checked_matrix, one_thread
from .row_order import first_in_order

# Side of a distance tile: small enough to stay in cache, large enough for efficient GEMMs
# (measured in benchmarks/bench_silhouette.py).
_PREFERRED_TILE = 1024
_MIN_TILE = 64
_Z_95 = 1.959963984540054


@dataclass(frozen=True)
class SilhouetteEstimate:
    """Mean silhouette with its 95% confidence interval; exact=True means every row was scored."""

    value: float
    ci_low: float
    ci_high: float
    n_sampled: int
    exact: bool


@dataclass(frozen=True)
class _Labeling:
    codes: np.ndarray  # cluster index 0..k-1 per point
    sizes: np.ndarray  # (weighted) number of rows per cluster


@dataclass(frozen=True)
class _Points:
    """The rows distances are computed on: X itself, or its unique rows with multiplicities."""

    values: np.ndarray
    weights: np.ndarray
    row_to_point: np.ndarray
    labelings: list[_Labeling]


def silhouette_samples_many(
    X: np.ndarray,
    labelings: Sequence[np.ndarray],
    metric: str = "euclidean",
    rows: np.ndarray | None = None,
    max_memory_mb: int = 256,
) -> np.ndarray:
    """Per-row silhouette for several labelings of the same X in ONE tiled pass over distances.

    Returns an array (len(labelings), n_rows_scored). rows=None scores every row (exact); rows=idx
    scores only those rows, each against ALL rows (used for the sampled estimate).
    Conventions match sklearn.metrics.silhouette_samples, including s=0 for a singleton cluster;
    values agree with it to about 1e-6 per row. max_memory_mb bounds the working buffers (distance
    tiles and per-thread sums); the stacked one-hot (n x sum of k) and the result come on top.
    """
    X = checked_matrix(X)
    check_metric(metric)
    codes = [
        _label_codes(labels, X.shape[0], position) for position, labels in enumerate(labelings)
    ]
    if not codes:
        raise ValueError("labelings is empty; pass at least one labeling")
    points = _points_for(X, codes)
    if rows is None:
        query = np.arange(points.values.shape[0])
        query_of_row = points.row_to_point
    else:
        rows = _checked_rows(rows, X.shape[0])
        query, query_of_row = np.unique(points.row_to_point[rows], return_inverse=True)
    sums = _cluster_distance_sums(points, query, metric, max_memory_mb)
    scores = _silhouettes_from_sums(sums, points.labelings, query)
    return scores[:, query_of_row]


def silhouette_scores(
    X: np.ndarray,
    labelings: Sequence[np.ndarray],
    metric: str = "euclidean",
    max_memory_mb: int = 256,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Exact mean silhouette per labeling; equals sklearn.metrics.silhouette_score to 1e-4.

    weights: row i of X stands for weights[i] identical rows (positive integers), as if X held
    that many copies; callers that already collapsed duplicates score them without expanding.
    """
    if weights is None:
        samples = silhouette_samples_many(X, labelings, metric=metric, max_memory_mb=max_memory_mb)
        return samples.mean(axis=1)
    X = checked_matrix(X)
    check_metric(metric)
    weights = _checked_weights(weights, X.shape[0])
    n_rows = int(weights.sum())
    labelings = [
        _Labeling(codes, np.bincount(codes, weights=weights).astype(np.float64))
        for codes in (
            _label_codes(labels, X.shape[0], position, n_rows)
            for position, labels in enumerate(labelings)
        )
    ]
    if not labelings:
        raise ValueError("labelings is empty; pass at least one labeling")
    points = _Points(X, weights, np.arange(X.shape[0]), labelings)
    query = np.arange(X.shape[0])
    sums = _cluster_distance_sums(points, query, metric, max_memory_mb)
    return _silhouettes_from_sums(sums, labelings, query) @ weights / n_rows


def silhouette_estimates(
    X: np.ndarray, labelings: Sequence[np.ndarray], metric: str = "euclidean", **sampling: int
) -> list[SilhouetteEstimate]:
    """Mean silhouette per labeling: exact when n <= sample_size, else sampled with a 95% CI.
    `sampling`: silhouette_rows' sample_size, seed and max_memory_mb.

    The sample is a uniform random subset of rows (the first in the run's order, see
    silhouette_rows), each scored against all rows, so the estimate
    is unbiased; the CI is value +- 1.96 * std / sqrt(sample_size).
    """
    rows, samples = silhouette_rows(X, labelings, metric, **sampling)
    return summarise_silhouettes(samples, exact=rows is None)


def silhouette_sample(
    n_rows: int, sample_size: int, seed: int, row_numbers: np.ndarray | None = None
) -> np.ndarray:
    """Sorted indices of the rows a sampled silhouette scores among n_rows: the sample_size first
    in the run's order (row_order.first_in_order) of rows numbered `row_numbers` (their rows in
    the input table; default 0..n_rows-1), all of them when there are no more. Both engines
    score these."""
    numbers = np.arange(n_rows) if row_numbers is None else row_numbers
    return first_in_order(numbers, seed, sample_size)


def silhouette_rows(
    X: np.ndarray,
    labelings: Sequence[np.ndarray],
    metric: str = "euclidean",
    sample_size: int = 20000,
    seed: int = 0,
    max_memory_mb: int = 256,
    row_numbers: np.ndarray | None = None,
) -> tuple[np.ndarray | None, np.ndarray]:
    """Per-row silhouettes behind silhouette_estimates: (scored rows or None for all, values).

    The rows scored are the sample_size first in the run's order (row_order.first_in_order)
    of X's rows numbered `row_numbers` (their rows in the input table; default 0..n-1): a
    uniform sample, which the Spark engine draws too. Callers that also draw the per-customer
    silhouette chart keep these values instead of computing them a second time.
    """
    X = checked_matrix(X)
    n_rows = X.shape[0]
    if sample_size < 2:
        raise ValueError(f"sample_size must be at least 2, got {sample_size}")
    if n_rows <= sample_size:
        return None, silhouette_samples_many(X, labelings, metric, max_memory_mb=max_memory_mb)
    rows = silhouette_sample(n_rows, sample_size, seed, row_numbers)
    return rows, silhouette_samples_many(
        X, labelings, metric=metric, rows=rows, max_memory_mb=max_memory_mb
    )


def query_cluster_sums(
    query: np.ndarray,
    X: np.ndarray,
    weights: np.ndarray,
    labelings: Sequence[np.ndarray],
    n_clusters: Sequence[int],
    metric: str,
    max_memory_mb: int = 256,
) -> np.ndarray:
    """(len(query), sum of n_clusters): for each query row, its summed distances to the rows of
    each cluster of X, row i counting weights[i] times, under each labeling of X (codes
    0..k-1). Summed over blocks of a table, these give the query rows' silhouettes against the
    whole table (silhouettes_from_cluster_sums); the tiles are silhouette_samples_many's."""
    values = np.vstack([X, query])
    # The query rows join the points (the tiles index one array) with weight 0, and are left
    # out of the sums.
    padded_weights = np.concatenate([weights, np.zeros(len(query))])
    padded = [
        _Labeling(codes, np.bincount(codes, weights=padded_weights, minlength=k))
        for codes, k in (
            (np.concatenate([np.asarray(labels), np.zeros(len(query), dtype=np.int64)]), k)
            for labels, k in zip(labelings, n_clusters, strict=True)
        )
    ]
    points = _Points(values, padded_weights, np.arange(len(values)), padded)
    query_points = np.arange(len(X), len(values))
    return _cluster_distance_sums(points, query_points, metric, max_memory_mb, summed=len(X))


def silhouettes_from_cluster_sums(
    sums: np.ndarray, sizes: Sequence[np.ndarray], query_labelings: Sequence[np.ndarray]
) -> np.ndarray:
    """(len(labelings), len(query)) silhouettes of query rows from their per-cluster distance
    sums over a whole table (query_cluster_sums, added up), the table's cluster sizes and the
    query rows' own clusters, per labeling. A query row is one of the table's rows (its own
    distance, 0, is in the sums); a singleton scores 0, as in scikit-learn."""
    labelings = [
        _Labeling(np.asarray(codes), np.asarray(size, dtype=np.float64))
        for codes, size in zip(query_labelings, sizes, strict=True)
    ]
    return _silhouettes_from_sums(sums, labelings, np.arange(sums.shape[0]))


def summarise_silhouettes(samples: np.ndarray, exact: bool) -> list[SilhouetteEstimate]:
    """Mean per labeling (rows of `samples`), with a 95% normal CI when the rows are a sample."""
    n_scored = samples.shape[1]
    means = samples.mean(axis=1)
    if exact:
        return [SilhouetteEstimate(float(m), float(m), float(m), n_scored, True) for m in means]
    half_widths = _Z_95 * samples.std(axis=1, ddof=1) / np.sqrt(n_scored)
    return [
        SilhouetteEstimate(float(m), float(m - h), float(m + h), n_scored, False)
        for m, h in zip(means, half_widths, strict=True)
    ]


def collapse_duplicates(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unique_rows, counts, inverse) so that unique_rows[inverse] == X."""
    X = np.asarray(X)
    # np.unique(axis=0) sorts rows (9 s for 1,000,000 x 22); a row hash answers the common
    # case, no duplicates at all, in a fraction of that.
    if len(X) and not pd.DataFrame(X).duplicated().any():
        return X, np.ones(len(X), dtype=np.int64), np.arange(len(X))
    unique_rows, inverse, counts = np.unique(
        np.asarray(X), axis=0, return_inverse=True, return_counts=True
    )
    return unique_rows, counts, inverse.reshape(-1)


def davies_bouldin(X: np.ndarray, labels: np.ndarray) -> float:
    """Davies-Bouldin index (lower is better); always Euclidean, whatever metric clustered X."""
    return float(davies_bouldin_score(X, labels))


def calinski_harabasz(X: np.ndarray, labels: np.ndarray) -> float:
    """Calinski-Harabasz index (higher is better); always Euclidean, whatever metric clustered X."""
    return float(calinski_harabasz_score(X, labels))


def find_knee(ks: Sequence[int], costs: Sequence[float]) -> int | None:
    """Elbow of a decreasing convex cost curve (kneed's KneeLocator), or None if it has no knee."""
    if len(ks) != len(costs):
        raise ValueError(f"ks has {len(ks)} values but costs has {len(costs)}")
    if len(ks) < 3:  # a curve of one or two points has no elbow
        return None
    # Imported here: kneed pulls in scipy.signal (70 ms), which nothing else needs; a run finds
    # its knees after the workers have started, so this no longer delays them.
    from kneed import KneeLocator

    knee = KneeLocator(list(ks), list(costs), curve="convex", direction="decreasing").knee
    return None if knee is None else int(knee)


def mean_pairwise_ari(labelings: Sequence[np.ndarray]) -> float:
    """Mean adjusted Rand index over all pairs of labelings: 1.0 means perfectly stable."""
    if len(labelings) < 2:
        raise ValueError(f"need at least 2 labelings to compare, got {len(labelings)}")
    pairs = itertools.combinations(labelings, 2)
    return float(np.mean([adjusted_rand_score(a, b) for a, b in pairs]))


def _checked_rows(rows: np.ndarray, n_rows: int) -> np.ndarray:
    rows = np.asarray(rows)
    if rows.ndim != 1 or not np.issubdtype(rows.dtype, np.integer):
        raise ValueError("rows must be a 1-D array of integer row indices")
    if rows.size and (rows.min() < 0 or rows.max() >= n_rows):
        raise ValueError(f"rows must lie in [0, {n_rows - 1}]")
    return rows


def _checked_weights(weights: np.ndarray, n_points: int) -> np.ndarray:
    weights = np.asarray(weights, dtype=np.float64)
    if weights.shape != (n_points,):
        raise ValueError(f"weights has shape {weights.shape}; expected ({n_points},)")
    if not (np.all(weights >= 1) and np.array_equal(weights, np.round(weights))):
        raise ValueError("weights must be whole numbers of rows, at least 1 each")
    return weights


def _label_codes(
    labels: np.ndarray, n_points: int, position: int, n_rows: int | None = None
) -> np.ndarray:
    """Cluster codes 0..k-1 of one labeling of n_points points (standing for n_rows rows)."""
    n_rows = n_points if n_rows is None else n_rows
    labels = np.asarray(labels)
    if labels.shape != (n_points,):
        raise ValueError(
            f"labeling {position} has shape {labels.shape}; expected ({n_points},), one label "
            "per row"
        )
    _, codes = np.unique(labels, return_inverse=True)
    n_clusters = int(codes.max()) + 1
    if not 2 <= n_clusters <= n_rows - 1:
        raise ValueError(
            f"labeling {position} has {n_clusters} distinct labels; the silhouette needs between "
            f"2 and n_rows - 1 = {n_rows - 1}"
        )
    return codes.reshape(-1)


def _points_for(X: np.ndarray, codes: list[np.ndarray]) -> _Points:
    """Unique rows with multiplicities when X has duplicates labeled alike, else X as is.

    Finding the duplicates is one O(n log n) sort (about 2% of the pairwise pass on 28k x 22,
    benchmarks/bench_silhouette.py), and any duplicate removed shrinks the pairwise work, so
    collapsing is worth it whenever it is exact.
    """
    n_rows = X.shape[0]
    unique_rows, counts, inverse = collapse_duplicates(X)
    if unique_rows.shape[0] < n_rows:
        unique_codes = []
        for row_codes in codes:
            point_codes = np.empty(unique_rows.shape[0], dtype=row_codes.dtype)
            point_codes[inverse] = row_codes
            if not np.array_equal(point_codes[inverse], row_codes):
                break
            unique_codes.append(point_codes)
        else:
            labelings = [
                _Labeling(c, np.bincount(c, weights=counts).astype(np.float64))
                for c in unique_codes
            ]
            return _Points(unique_rows, counts.astype(np.float64), inverse, labelings)
    labelings = [_Labeling(c, np.bincount(c).astype(np.float64)) for c in codes]
    return _Points(X, np.ones(n_rows), np.arange(n_rows), labelings)


def _cluster_distance_sums(
    points: _Points, query: np.ndarray, metric: str, max_memory_mb: int, summed: int | None = None
) -> np.ndarray:
    """(len(query), sum of k) weighted distance sums from each query point to every cluster,
    over all points or only the first `summed`.

    Work is split into tiles of the distance matrix. When every point is a query point the matrix
    is symmetric, so only tiles on and above the diagonal are computed and each feeds two GEMMs.
    Each worker owns a fixed list of tiles and its own accumulator, which keeps sums deterministic.
    """
    one_hot = _stacked_one_hot(points)
    distance_tile = _distance_tile_function(points.values, metric)
    n_points, n_columns = one_hot.shape
    summed = n_points if summed is None else summed
    n_workers = blas_threads()
    tile = _tile_size(query.size, n_columns, n_workers, max_memory_mb)
    # query holds sorted unique point indices, so it covers every point exactly when sizes match.
    symmetric = query.size == n_points
    if symmetric:
        tiles = [(r, c) for r in range(0, n_points, tile) for c in range(r, n_points, tile)]
    else:
        tiles = [(r, c) for r in range(0, query.size, tile) for c in range(0, summed, tile)]
    n_workers = min(n_workers, len(tiles))  # a worker without tiles would only add zeros

    def accumulate(worker: int) -> np.ndarray:
        sums = np.zeros((query.size, n_columns), dtype=np.float64)
        for row_start, col_start in tiles[worker::n_workers]:
            row_points = query[row_start : row_start + tile]
            cols = slice(col_start, min(col_start + tile, summed))
            distances = distance_tile(row_points, cols)
            _zero_self_distances(distances, row_points, col_start)
            sums[row_start : row_start + row_points.size] += distances @ one_hot[cols]
            if symmetric and col_start != row_start:
                sums[cols] += distances.T @ one_hot[row_points]
        return sums

    # One BLAS thread per worker, so the elementwise work (cast, sqrt) runs in parallel too.
    with one_thread("blas"):
        if n_workers == 1:  # no thread to start (the tie search scores many one-tile problems)
            partial_sums = [accumulate(0)]
        else:
            with ThreadPoolExecutor(n_workers) as pool:
                partial_sums = list(pool.map(accumulate, range(n_workers)))
    return np.sum(partial_sums, axis=0)


def _tile_size(n_query: int, n_columns: int, n_workers: int, max_memory_mb: int) -> int:
    """Largest tile side up to the preferred one whose buffers fit the memory budget."""
    accumulator_bytes = 8 * n_query * n_columns * n_workers
    tile_budget = max(0, max_memory_mb * 2**20 - accumulator_bytes) // n_workers
    # Per worker: a float64 tile and its float32 copy, 12 bytes a cell.
    side = int(np.sqrt(tile_budget / 12))
    return max(_MIN_TILE, min(_PREFERRED_TILE, side))


def _zero_self_distances(distances: np.ndarray, row_points: np.ndarray, col_start: int) -> None:
    """Distances between copies of one row are exactly 0; the GEMM form leaves rounding noise."""
    offsets = row_points - col_start
    inside = (offsets >= 0) & (offsets < distances.shape[1])
    distances[np.flatnonzero(inside), offsets[inside]] = 0.0


def _stacked_one_hot(points: _Points) -> np.ndarray:
    """(n_points, sum of k) float32 one-hot of all labelings side by side, times multiplicity."""
    n_points = points.values.shape[0]
    n_columns = sum(labeling.sizes.size for labeling in points.labelings)
    one_hot = np.zeros((n_points, n_columns), dtype=np.float32)
    offset = 0
    for labeling in points.labelings:
        one_hot[np.arange(n_points), offset + labeling.codes] = points.weights
        offset += labeling.sizes.size
    return one_hot


def _distance_tile_function(values: np.ndarray, metric: str):
    """Function (row point indices, column slice) -> float32 distance tile."""
    if metric == "manhattan":
        if np.isin(values, (0, 1)).all():
            # On 0/1 data |x - y| summed is |x| + |y| - 2 x.y: one exact GEMM instead of cdist.
            return _gemm_tile_function(values.astype(np.float32), binary=True)
        values64 = values.astype(np.float64)
        return lambda rows, cols: cdist(values64[rows], values64[cols], "cityblock").astype(
            np.float32
        )
    return _gemm_tile_function(values, binary=False)


def _gemm_tile_function(values: np.ndarray, binary: bool):
    """Distances from |x|^2 + |y|^2 - 2 x.y (or its L1 analogue on 0/1 data) as one GEMM per tile.

    Euclidean runs in float64: float32 GEMM loses about 1e-7 * |x|^2 to cancellation, which for
    tight clusters far from the centre moves the silhouette by more than 1e-4 (measured). Rows are
    centred first so |x|^2 is as small as it can be.
    """
    if binary:
        dtype = np.float32
        norms = values.sum(axis=1)
        centered = values
    else:
        dtype = np.float64
        centered = values.astype(np.float64)
        centered -= centered.mean(axis=0)
        norms = np.einsum("ij,ij->i", centered, centered)
    ones = np.ones((centered.shape[0], 1), dtype=dtype)
    left = np.hstack([-2.0 * centered, norms[:, None], ones]).astype(dtype)
    right_t = np.ascontiguousarray(np.hstack([centered, ones, norms[:, None]]).astype(dtype).T)

    def tile(rows: np.ndarray, cols: slice) -> np.ndarray:
        squared = left[rows] @ right_t[:, cols]
        if binary:
            return squared
        distances = squared.astype(np.float32)
        # |.| stands in for max(0, .): both only touch rounding noise below 0, and np.abs is
        # about 5x faster than np.maximum (measured); float32 sqrt is 3x faster than float64.
        np.abs(distances, out=distances)
        return np.sqrt(distances, out=distances)

    return tile


def _silhouettes_from_sums(
    sums: np.ndarray, labelings: list[_Labeling], query: np.ndarray
) -> np.ndarray:
    """Silhouette of each query point under each labeling from its per-cluster distance sums."""
    scores = np.empty((len(labelings), query.size), dtype=np.float64)
    offset = 0
    rows = np.arange(query.size)
    for position, labeling in enumerate(labelings):
        n_clusters = labeling.sizes.size
        cluster_sums = sums[:, offset : offset + n_clusters]
        offset += n_clusters
        own = labeling.codes[query]
        own_size = labeling.sizes[own]
        with np.errstate(divide="ignore", invalid="ignore"):
            within = cluster_sums[rows, own] / (own_size - 1.0)
            mean_to_cluster = cluster_sums / labeling.sizes
            mean_to_cluster[rows, own] = np.inf
            nearest_other = mean_to_cluster.min(axis=1)
            denominator = np.maximum(within, nearest_other)
            silhouette = (nearest_other - within) / denominator
        defined = (own_size > 1) & (denominator > 0)
        scores[position] = np.where(defined, silhouette, 0.0)
    return scores
