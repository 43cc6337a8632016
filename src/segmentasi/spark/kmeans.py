"""K-Means on Spark as the in-process engine runs it on a large table: restarts on a sample,
then Lloyd's iterations over every row, here with the rows on Spark's executors.

The starts are the in-process sweep's fits of the driver's sample (algorithms.fit_sweep: n_init
k-means++ restarts per k, the lowest inertia kept). Each iteration is then one pass over every
row for all k at once: each block gives, per k, its customers' (weighted) feature sums and
counts per nearest centre; the driver moves every centre to its customers' mean. A k stops as
scikit-learn's K-Means does: once its centres' squared moves add up to at most KMEANS_TOL times
the features' mean variance, or after KMEANS_MAX_ITER passes.

Spark ML's K-Means (k-means||, then Lloyd's iterations on the JVM) was the first engine here and
was dropped for its cost: on local[2], 1,000,000 rows of 30 features, one fit of 20 iterations
took 42-49 s (2.1-2.4 s an iteration, for one k), cached or not; a pass here serves all nine k
of a sweep. Its restarts would also need a pass per restart over every row, where restarts on
a sample cost the driver seconds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import sparse

from ..algorithms import check_ks, fit_sweep
from ..algorithms.assignment import as_features, nearest
from ..algorithms.kmeans import KMEANS_MAX_ITER, KMEANS_SAMPLE_ROWS, kmeans_on_distinct
from .assign import fitted_in_size_order, fitted_on_distinct
from .rows import EncodedRows, Fitted, cached, few_distinct_rows, sum_over_blocks

KMEANS_TOL = 1e-4  # scikit-learn's default tolerance, which the in-process K-Means keeps


def fit_kmeans(
    rows: EncodedRows,
    ks: Sequence[int],
    *,
    sample: np.ndarray,
    seed: int,
    n_init: int | None = None,
) -> list[Fitted]:
    """K-Means for every k in ks on the whole table (weighted rows count as their customers),
    started from the in-process fits of `sample` (customers of the table, on the driver; n_init
    as in algorithms.fit_sweep) and iterated over every row (see the module docstring).

    A weighted (collapsed) table of at most KMEANS_SAMPLE_ROWS rows, fewer than its customers,
    is gathered and fitted on the driver as in process, weighted (kmeans_on_distinct): the
    in-process result."""
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 2:
        raise ValueError(f"give one or more k of at least 2, got {ks}")
    if n_init is not None and n_init < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    sample = as_features(sample)
    if sample.ndim != 2 or sample.shape[1] != rows.dims or len(sample) == 0:
        raise ValueError(f"the sample must be rows of the table, with {rows.dims} columns")
    few = few_distinct_rows(rows, KMEANS_SAMPLE_ROWS)
    if few is not None:
        points, weights = few
        check_ks(ks, len(points))
        centers, method = kmeans_on_distinct(points, weights, ks, seed, n_init)
        return fitted_on_distinct(points, weights, centers, "kmeans", "euclidean", method)
    starts = fit_sweep(sample, ks, "kmeans", seed=seed, n_init=n_init)
    tolerance = KMEANS_TOL * float(np.mean(np.var(sample, axis=0, dtype=np.float64)))
    with cached(rows.frame):
        centers, passes = lloyd(rows, [fit.centers for fit in starts], tolerance)
        return fitted_in_size_order(
            rows,
            centers,
            "kmeans",
            "euclidean",
            f"{starts[0].method} on {len(sample):,} sampled rows + lloyd over every row "
            f"({passes} passes)",
        )


def lloyd(
    rows: EncodedRows, starts: Sequence[np.ndarray], tolerance: float
) -> tuple[list[np.ndarray], int]:
    """Lloyd's iterations over every row from each start (a centre matrix), all in the same
    passes; a start stops moving once its centres' squared moves add up to at most `tolerance`
    (float32 centres, as in process). Returned: the centres, and the passes made. A centre no
    customer is nearest to stays where it is."""
    centers = [as_features(start).copy() for start in starts]
    moving = list(range(len(centers)))
    passes = 0
    while moving and passes < KMEANS_MAX_ITER:
        totals = _cluster_totals(rows, [centers[i] for i in moving])
        passes += 1
        still = []
        for i, (sums, counts) in zip(moving, totals, strict=True):
            moved = centers[i].copy()
            filled = counts > 0
            moved[filled] = (sums[filled] / counts[filled, None]).astype(np.float32)
            shift = float(np.sum((moved.astype(np.float64) - centers[i]) ** 2))
            centers[i] = moved
            if shift > tolerance:
                still.append(i)
        moving = still
    return centers, passes


def _cluster_totals(
    rows: EncodedRows, center_sets: Sequence[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per centre matrix, in one pass: the customers' feature sums per nearest centre (k x dims,
    float64) and their number (ties to the lowest index)."""
    dims = rows.dims

    def partial(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
        parts, values, columns = [], X.astype(np.float64), np.arange(len(X))
        for centers in center_sets:
            labels = nearest(X, centers, "euclidean")[0]
            member = sparse.csr_matrix((weights, (labels, columns)), shape=(len(centers), len(X)))
            parts += [np.asarray(member @ values).ravel(), member.sum(axis=1).A1]
        return np.concatenate(parts)

    sums = sum_over_blocks(rows, partial)
    found, start = [], 0
    for centers in center_sets:
        k = len(centers)
        found.append(
            (
                sums[start : start + k * dims].reshape(k, dims),
                sums[start + k * dims : start + k * (dims + 1)],
            )
        )
        start += k * (dims + 1)
    return found
