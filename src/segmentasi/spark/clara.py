"""K-Medoids on Spark: CLARA as algorithms.kmedoids.clara runs it in process, with the samples
drawn by Spark (sample.py) and each candidate's total deviation summed over every row by Spark;
FasterPAM runs on the driver, on one sample matrix at a time."""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import count

import numpy as np

from ..algorithms import check_ks, fit_sweep
from ..algorithms.assignment import WEIGHTED_MAX_ROWS
from ..algorithms.kmedoids import (
    CLARA_SAMPLE_ROWS,
    CLARA_SAMPLES,
    MATRIX_BUDGET_BYTES,
    clara,
    weighted_kmedoids,
)
from ..numeric import check_metric
from .assign import assignment_totals, fitted_in_size_order, fitted_on_distinct
from .rows import EncodedRows, Fitted, cached, collapse, few_distinct_rows
from .sample import gather_pool, sample_customers


def fit_clara(
    rows: EncodedRows,
    ks: Sequence[int],
    *,
    metric: str | None = None,
    seed: int,
    samples: int = CLARA_SAMPLES,
    sample_rows: int = CLARA_SAMPLE_ROWS,
) -> list[Fitted]:
    """K-Medoids for every k in ks (metric: rows.metric unless given); a medoid is a customer's
    feature vector.

    A table of at most sample_rows customers (a sample would hold all of them) is gathered to
    the driver, sorted by value, and fitted in process (algorithms.fit_sweep): the in-process
    result for the table in that order. A larger table with at most WEIGHTED_MAX_ROWS distinct
    rows is fitted on them on the driver as in process (weighted PAM, the tie order with the
    best silhouette). Any other goes through CLARA with `samples` samples of sample_rows
    customers (at most the in-process matrix budget allows), uniform over customers however
    the rows are weighted."""
    metric = metric or rows.metric
    check_metric(metric)
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 2:
        raise ValueError(f"give one or more k of at least 2, got {ks}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    size = min(sample_rows, math.isqrt(MATRIX_BUDGET_BYTES // 4))
    if rows.rows <= size:
        return _fit_in_process(rows, ks, metric, seed, samples)
    distinct = rows if rows.weighted else collapse(rows)
    with cached(distinct.frame):
        few = few_distinct_rows(distinct, WEIGHTED_MAX_ROWS)
        if few is not None:
            points, weights = few
            check_ks(ks, len(points))
            found, method = weighted_kmedoids(points, weights.astype(np.float64), ks, metric, seed)
            medoids = [points[found[k]] for k in ks]
            return fitted_on_distinct(points, weights, medoids, "kmedoids", metric, method)
        check_ks(ks, distinct.frame.count())
        pool = gather_pool(distinct, samples, size, seed)
        draws = count()

        def draw(kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            ids = pool.draw(next(draws), size, kept, seed)
            return ids, pool.values_of(ids)

        def deviations(candidates: list[np.ndarray]) -> list[float]:
            center_sets = [pool.values_of(ids) for ids in candidates]
            return [
                totals.distance_sum for totals in assignment_totals(distinct, center_sets, metric)
            ]

        medoids = clara(ks, metric, seed, samples, draw, deviations)
        return fitted_in_size_order(
            distinct,
            [pool.values_of(medoids[k]) for k in ks],
            "kmedoids",
            metric,
            f"spark-clara samples={samples} size={size}",
        )


def _fit_in_process(
    rows: EncodedRows, ks: list[int], metric: str, seed: int, samples: int
) -> list[Fitted]:
    X = sample_customers(rows, rows.rows, seed=seed)
    return [
        Fitted(
            k=clustering.k,
            centers=clustering.centers,
            cost=clustering.cost,
            sizes=np.bincount(clustering.labels, minlength=clustering.k),
            method=clustering.method,
        )
        for clustering in fit_sweep(
            X, ks, "kmedoids", metric=metric, seed=seed, clara_samples=samples
        )
    ]
