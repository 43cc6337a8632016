"""Rows to centres on Spark: each row's nearest centre (algorithms.assign on every block of rows,
so the labels are the in-process ones), the customers per centre and the total cost, and the
size order a fit's centres are numbered in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql.types import FloatType, IntegerType, StructField, StructType

from ..algorithms import assign
from ..algorithms.assignment import as_features, finalise, nearest, raw_to_distance
from ..numeric import check_metric, one_thread
from .rows import EncodedRows, Fitted, feature_columns, sum_over_blocks


def assign_rows(
    frame: DataFrame, centers: np.ndarray | Sequence[np.ndarray], metric: str
) -> DataFrame:
    """`frame` (any columns, among them x0..x{d-1}) with each row's nearest centre and the
    distance to it, as algorithms.assign gives them: columns `segment` (int) and `distance`
    (float) for one matrix of centres; `segment_0`, `distance_0`, `segment_1`, ... for a list of
    them, all in one pass. Lazy, like any DataFrame."""
    check_metric(metric)
    single = isinstance(centers, np.ndarray)
    center_sets = [as_features(c) for c in ([centers] if single else centers)]
    if not center_sets or len({c.shape[1] for c in center_sets}) != 1:
        raise ValueError("give one or more centre matrices, all with the same number of columns")
    names = (
        [("segment", "distance")]
        if single
        else [(f"segment_{i}", f"distance_{i}") for i in range(len(center_sets))]
    )
    added = [name for pair in names for name in pair]
    clash = sorted(set(added) & set(frame.columns))
    if clash:
        raise ValueError(f"the frame already has the column(s) {', '.join(clash)}")
    columns = feature_columns(center_sets[0].shape[1])
    schema = StructType(
        [
            *frame.schema.fields,
            *(
                field
                for segment, distance in names
                for field in (
                    StructField(segment, IntegerType(), False),
                    StructField(distance, FloatType(), False),
                )
            ),
        ]
    )

    def label(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        with one_thread():
            for batch in batches:
                if batch.empty:
                    continue
                X = batch[columns].to_numpy(np.float32)
                for (segment, distance), centers in zip(names, center_sets, strict=True):
                    batch[segment], batch[distance] = assign(X, centers, metric)
                yield batch

    return frame.mapInPandas(label, schema)


def segment_sizes(
    rows: EncodedRows, center_sets: Sequence[np.ndarray], metric: str | None = None
) -> list[np.ndarray]:
    """Per centre matrix, the customers nearest to each centre (ties to the lowest index); one
    pass for all of them. metric: rows.metric unless given."""
    return [
        totals.sizes.astype(np.int64) for totals in assignment_totals(rows, center_sets, metric)
    ]


def total_cost(
    rows: EncodedRows, center_sets: Sequence[np.ndarray], algorithm: str, metric: str | None = None
) -> list[float]:
    """Per centre matrix, the cost of assigning every customer to the nearest centre, as
    Clustering.cost defines it for `algorithm` (kmeans: squared euclidean distances summed;
    kmedoids: distances summed); one pass for all of them."""
    if algorithm not in ("kmeans", "kmedoids"):
        raise ValueError(f"algorithm must be kmeans or kmedoids, got {algorithm!r}")
    if algorithm == "kmeans":
        metric = "euclidean"
    return [totals.cost(algorithm) for totals in assignment_totals(rows, center_sets, metric)]


def fitted_in_size_order(
    rows: EncodedRows, center_sets: Sequence[np.ndarray], algorithm: str, metric: str, method: str
) -> list[Fitted]:
    """Each centre matrix as a Fitted, its centres numbered by size, largest first, as
    algorithms.assignment.finalise numbers them (equal sizes keep the order they came in, where
    finalise puts the cluster of the earlier first row first: a table on Spark has no row
    order). A tied row goes to the lowest index, so renumbering can move it: the sets with
    tied rows are counted again until their order is stable."""
    orders = [np.arange(len(centers)) for centers in center_sets]
    done: dict[int, Fitted] = {}
    pending = list(range(len(center_sets)))
    while pending:
        found = assignment_totals(rows, [center_sets[i][orders[i]] for i in pending], metric)
        still = []
        for i, totals in zip(pending, found, strict=True):
            if (totals.sizes == 0).any():
                raise RuntimeError("a centre is nearest to no row: two centres coincide")
            by_size = np.argsort(-totals.sizes, kind="stable")
            if totals.tied and not (by_size == np.arange(len(by_size))).all():
                orders[i] = orders[i][by_size]
                still.append(i)
                continue
            order = orders[i][by_size]
            done[i] = Fitted(
                k=len(order),
                centers=as_features(center_sets[i])[order],
                cost=totals.cost(algorithm),
                sizes=totals.sizes[by_size].astype(np.int64),
                method=method,
            )
        pending = still
    return [done[i] for i in range(len(center_sets))]


def fitted_on_distinct(
    points: np.ndarray,
    weights: np.ndarray,
    center_sets: Sequence[np.ndarray],
    algorithm: str,
    metric: str,
    method: str,
) -> list[Fitted]:
    """Each centre matrix as a Fitted on a table gathered as its distinct rows `points`, row i
    standing for weights[i] customers: numbered by algorithms.assignment.finalise, on the
    driver."""
    fitted = []
    for centers in center_sets:
        labels, raw, order = finalise(points, centers, metric, weights)
        fitted.append(
            Fitted(
                k=len(centers),
                centers=as_features(centers)[order],
                cost=float(
                    weights @ (raw if algorithm == "kmeans" else raw_to_distance(raw, metric))
                ),
                sizes=np.bincount(labels, weights=weights, minlength=len(centers)).astype(np.int64),
                method=method,
            )
        )
    return fitted


@dataclass(frozen=True)
class AssignmentTotals:
    """One centre matrix over a table: customers per centre, summed raw distances (squared if
    euclidean) and distances, and whether any row was as near to two centres."""

    sizes: np.ndarray
    raw_sum: float
    distance_sum: float
    tied: bool

    def cost(self, algorithm: str) -> float:
        return self.raw_sum if algorithm == "kmeans" else self.distance_sum


def assignment_totals(
    rows: EncodedRows, center_sets: Sequence[np.ndarray], metric: str | None
) -> list[AssignmentTotals]:
    """AssignmentTotals of each centre matrix, in one pass over the table."""
    metric = metric or rows.metric
    check_metric(metric)
    center_sets = [as_features(centers) for centers in center_sets]
    if any(centers.shape[1] != rows.dims for centers in center_sets):
        raise ValueError(f"every centre matrix must have {rows.dims} columns")

    def partial(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
        parts = []
        for centers in center_sets:
            labels, raw, tied = nearest(X, centers, metric)
            sizes = np.bincount(labels, weights=weights, minlength=len(centers))
            distances = raw_to_distance(raw, metric)
            parts.append([*sizes, weights @ raw, weights @ distances, float(tied)])
        return np.concatenate(parts)

    sums = sum_over_blocks(rows, partial)
    found, start = [], 0
    for centers in center_sets:
        k = len(centers)
        sizes, raw_sum, distance_sum, tied = np.split(
            sums[start : start + k + 3], [k, k + 1, k + 2]
        )
        found.append(
            AssignmentTotals(sizes, float(raw_sum[0]), float(distance_sum[0]), bool(tied[0] > 0))
        )
        start += k + 3
    return found
