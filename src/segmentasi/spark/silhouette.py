"""Sampled silhouettes on Spark: query rows (a sample of the table's customers, on the driver)
each scored against every row of the table, as metrics.silhouette_rows scores a sample in
process; the caller summarises them with metrics.summarise_silhouettes."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext

import numpy as np

from ..algorithms.assignment import as_features, nearest
from ..metrics import query_cluster_sums, silhouettes_from_cluster_sums
from ..numeric import check_metric
from .rows import EncodedRows, cached, partition_count, sum_over_blocks

# Partial sums a pass brings to the driver, at most: (query rows x clusters of every fit) per
# partition; the query rows are scored in batches that keep under it.
PARTIAL_SUMS_BUDGET = 16 * 2**20


def estimate_silhouettes(
    rows: EncodedRows,
    fits_centers: Sequence[np.ndarray],
    metric: str,
    query: np.ndarray,
    query_labels: Sequence[np.ndarray],
) -> list[np.ndarray]:
    """Per fit, the silhouette of each query row against all the table's customers.

    query: rows of the table (q x dims); query_labels: per fit, the query rows' clusters (their
    nearest centre). Each block of rows is labelled by its nearest centre under each fit and
    gives, per query row and fit, its summed distances to each cluster and the clusters' sizes
    (weighted); the driver adds them up. a(i) is the mean distance to the rest of its own
    cluster (the row itself is among the table's, at distance 0), b(i) the least mean distance
    to another cluster, s(i) = (b - a) / max(a, b), 0 in a cluster of one: scikit-learn's
    silhouette_samples when the query is the whole table."""
    check_metric(metric)
    center_sets = [as_features(centers) for centers in fits_centers]
    query = as_features(query)
    ks = [len(centers) for centers in center_sets]
    if not center_sets or any(c.shape[1] != rows.dims for c in center_sets):
        raise ValueError(f"give one or more centre matrices, each with {rows.dims} columns")
    if query.shape[1] != rows.dims:
        raise ValueError(f"the query rows must have {rows.dims} columns, not {query.shape[1]}")
    labels = [np.asarray(codes) for codes in query_labels]
    if len(labels) != len(center_sets) or any(
        codes.shape != (len(query),) or codes.min() < 0 or codes.max() >= k
        for codes, k in zip(labels, ks, strict=True)
    ):
        raise ValueError("give, per fit, one cluster of that fit for every query row")
    batch = max(1, PARTIAL_SUMS_BUDGET // (sum(ks) * partition_count(rows)))
    starts = range(0, len(query), batch)

    def partial_sums(queried: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        def partial(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
            codes = [nearest(X, centers, metric)[0] for centers in center_sets]
            sums = query_cluster_sums(queried, X, weights, codes, ks, metric)
            sizes = [
                np.bincount(c, weights=weights, minlength=k) for c, k in zip(codes, ks, strict=True)
            ]
            return np.concatenate([sums.ravel(), *sizes])

        return partial

    # More than one pass: the table is kept in memory between them.
    with cached(rows.frame) if len(starts) > 1 else nullcontext():
        totals = [sum_over_blocks(rows, partial_sums(query[s : s + batch])) for s in starts]
    sums = np.vstack([t[: -sum(ks)].reshape(-1, sum(ks)) for t in totals])
    sizes = np.split(totals[0][-sum(ks) :], np.cumsum(ks)[:-1])
    return list(silhouettes_from_cluster_sums(sums, sizes, labels))
