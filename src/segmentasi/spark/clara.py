"""K-Medoids on Spark: CLARA as algorithms.kmedoids runs it in process, its samples drawn by
position in the table's order as there (clara_draws) and fetched from Spark, each candidate's
total deviation summed over every row by Spark; FasterPAM runs on the driver, on one sample
matrix at a time."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np

from ..algorithms import check_ks, fit_sweep
from ..algorithms.assignment import WEIGHTED_MAX_ROWS
from ..algorithms.kmedoids import (
    CLARA_SAMPLE_ROWS,
    CLARA_SAMPLES,
    MATRIX_BUDGET_BYTES,
    clara,
    clara_draws,
    weighted_kmedoids,
)
from ..numeric import check_metric
from .assign import assignment_totals, fitted_in_size_order, fitted_on_distinct
from .rows import (
    EncodedRows,
    Fitted,
    InOrder,
    cached,
    collapse,
    few_distinct_rows,
    first_use_order,
    in_order,
)


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

    The customers in the table's order are rows.ordered, or an unweighted frame's own order. A
    table of at most sample_rows customers (a sample would hold all of them) in order is
    gathered to the driver and fitted in process (algorithms.fit_sweep). A table with at most
    WEIGHTED_MAX_ROWS distinct rows, fewer than its customers, is fitted on them on the driver
    as in process (weighted PAM, the tie order with the best silhouette), taken in the order
    their first customers come in (as in process; where ties are broken depends on it), or,
    for a collapsed table without its order, in the order they are gathered. Any other goes through
    CLARA with `samples` samples of sample_rows customers (at most the in-process matrix budget
    allows), drawn by position in order as in process (algorithms.kmedoids.clara_draws): the
    same samples and medoids as the in-process engine's on the same table in the same order,
    the deviations up to the order of summation. A collapsed table without its order is refused
    there."""
    metric = metric or rows.metric
    check_metric(metric)
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 2:
        raise ValueError(f"give one or more k of at least 2, got {ks}")
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    size = min(sample_rows, math.isqrt(MATRIX_BUDGET_BYTES // 4))
    if rows.rows <= size and rows.order_known:
        with _customers_in_order(rows) as ordered:
            return _fit_in_process(ordered, ks, metric, seed, samples)
    distinct = rows if rows.weighted else collapse(rows)
    with cached(distinct.frame):
        few = few_distinct_rows(distinct, WEIGHTED_MAX_ROWS)
        if few is not None:
            points, weights = few
            if rows.order_known:
                with _customers_in_order(rows) as ordered:
                    by_first_use = first_use_order(ordered, points)
                points, weights = points[by_first_use], weights[by_first_use]
            check_ks(ks, len(points))
            found, method = weighted_kmedoids(points, weights.astype(np.float64), ks, metric, seed)
            medoids = [points[found[k]] for k in ks]
            return fitted_on_distinct(points, weights, medoids, "kmedoids", metric, method)
        with _customers_in_order(rows) as ordered:
            check_ks(ks, distinct.frame.count())
            fetched: dict[int, np.ndarray] = {}

            def rows_at(sample: np.ndarray) -> np.ndarray:
                values = ordered.values_at(sample)
                fetched.update(zip(sample.tolist(), values, strict=True))
                return values

            def values_of(positions: np.ndarray) -> np.ndarray:
                return np.array([fetched[int(p)] for p in positions])

            def deviations(candidates: list[np.ndarray]) -> list[float]:
                center_sets = [values_of(positions) for positions in candidates]
                return [
                    totals.distance_sum
                    for totals in assignment_totals(distinct, center_sets, metric)
                ]

            draw = clara_draws(rows.rows, size, seed, rows_at)
            medoids = clara(ks, metric, seed, samples, draw, deviations)
        return fitted_in_size_order(
            distinct,
            [values_of(medoids[k]) for k in ks],
            "kmedoids",
            metric,
            f"spark-clara samples={samples} size={size}",
        )


@contextmanager
def _customers_in_order(rows: EncodedRows) -> Iterator[InOrder]:
    """rows.ordered, or the unweighted frame numbered in its own order for the block."""
    if rows.ordered is not None:
        yield rows.ordered
        return
    if not rows.order_known:
        raise ValueError(
            "a collapsed table has lost its customers' order: give the table as encoded, or "
            "with its customers in order (rows.in_order)"
        )
    ordered = in_order(rows.frame, rows.dims)
    try:
        yield ordered
    finally:
        ordered.frame.unpersist()


def _fit_in_process(
    ordered: InOrder, ks: list[int], metric: str, seed: int, samples: int
) -> list[Fitted]:
    X = ordered.values_at(np.arange(ordered.rows))
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
