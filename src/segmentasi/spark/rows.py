"""The encoded table on Spark, what a fit gives, and the passes over the table's rows.

An encoded table is a DataFrame with FloatType columns x0..x{d-1} (the feature space's float32
values, exactly what X holds in process) and, when identical rows were collapsed, a DoubleType
column `weight`: how many customers the row stands for. Its customers may also be kept one row
each in the table's order (InOrder), to be fetched by position as X's rows are in process.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from ..algorithms.assignment import distinct_rows
from ..numeric import one_thread

WEIGHT = "weight"
ROW_ID = "row_id"
# monotonically_increasing_id: the partition's index above this many bits, the row's below.
_ROW_BITS = 33


def feature_columns(dims: int) -> list[str]:
    """The names of an encoded table's feature columns."""
    return [f"x{j}" for j in range(dims)]


@dataclass(frozen=True)
class InOrder:
    """Every customer of an encoded table, one row each in the table's order, kept in Spark's
    memory: `frame` holds the feature columns and ROW_ID (Spark's monotonically increasing id:
    partition and row within it); `partitions` lists its non-empty partitions in order and
    `firsts` the position (0-based, over all customers) of each one's first row."""

    frame: DataFrame
    partitions: np.ndarray
    firsts: np.ndarray
    rows: int

    def values_at(self, positions: np.ndarray) -> np.ndarray:
        """The features (float32) of the customers at `positions`, in that order: the rows X
        holds there in process. One pass over the kept rows."""
        positions = np.asarray(positions, dtype=np.int64)
        if len(positions) and (positions.min() < 0 or positions.max() >= self.rows):
            raise ValueError(f"positions must lie in 0..{self.rows - 1}")
        slot = np.searchsorted(self.firsts, positions, side="right") - 1
        ids = (self.partitions[slot] << _ROW_BITS) + positions - self.firsts[slot]
        wanted = [int(i) for i in np.unique(ids)]
        found = self.frame.where(F.col(ROW_ID).isin(wanted)).toPandas().set_index(ROW_ID)
        columns = [c for c in self.frame.columns if c != ROW_ID]
        return np.ascontiguousarray(found.loc[ids, columns].to_numpy(np.float32))


def in_order(frame: DataFrame, dims: int) -> InOrder:
    """`frame`'s rows (feature columns, one customer each) numbered in partition order, kept in
    memory (spilling to disk; unpersist InOrder.frame when done), and counted per partition:
    one pass."""
    numbered = frame.select(
        *feature_columns(dims), F.monotonically_increasing_id().alias(ROW_ID)
    ).persist(StorageLevel.MEMORY_AND_DISK)
    counts = (
        numbered.groupBy(F.shiftright(ROW_ID, _ROW_BITS).alias("partition"))
        .count()
        .toPandas()
        .sort_values("partition")
    )
    sizes = counts["count"].to_numpy(np.int64)
    return InOrder(
        frame=numbered,
        partitions=counts["partition"].to_numpy(np.int64),
        firsts=np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64),
        rows=int(sizes.sum()),
    )


def first_use_order(ordered: InOrder, points: np.ndarray) -> np.ndarray:
    """The indices that put `points`, distinct rows of the table, in the order of their first
    customer in `ordered`: the order in which weighted K-Medoids takes them in process. One
    grouping pass over the customers; every point must be one of their rows."""
    columns = feature_columns(points.shape[1])
    firsts = (
        ordered.frame.groupBy(*columns)
        .agg(F.min(ROW_ID).alias(ROW_ID))
        .toPandas()
        .astype(dict.fromkeys(columns, np.float32))
    )
    wanted = pd.DataFrame(points, columns=columns).reset_index()
    found = wanted.merge(firsts, on=columns, how="left", validate="one_to_one")
    if found[ROW_ID].isna().any():
        raise ValueError("every point must be one of the table's rows")
    return found.sort_values(ROW_ID)["index"].to_numpy(np.int64)


@dataclass(frozen=True)
class EncodedRows:
    """An encoded table: its frame, the number of features, the distance its space is meant for
    (the default of every function that takes a metric), how many customers it holds (the sum
    of the weights) and, when kept, its customers in the table's order."""

    frame: DataFrame
    dims: int
    metric: str
    rows: int
    ordered: InOrder | None = None

    @property
    def weighted(self) -> bool:
        """Whether a row stands for `weight` customers (else for one)."""
        return WEIGHT in self.frame.columns

    @property
    def order_known(self) -> bool:
        """Whether its customers' order in the table is known: kept (`ordered`), or one row
        each as they come (unweighted)."""
        return self.ordered is not None or not self.weighted


@dataclass(frozen=True)
class Fitted:
    """One clustering of a table on Spark: centre j is cluster j, cluster 0 the largest.

    cost is in-process Clustering.cost's: summed over customers, the squared euclidean distance
    to the nearest centre for K-Means, the distance for K-Medoids. sizes counts the customers
    nearest to each centre, ties to the lowest index (as algorithms.assign)."""

    k: int
    centers: np.ndarray
    cost: float
    sizes: np.ndarray
    method: str


def collapse(encoded: EncodedRows) -> EncodedRows:
    """The table with identical rows merged into one, weighted by how many customers it stands
    for. The rows are the same, in the same partitions and order, on every run (the grouping
    places a row by its values; each partition is then sorted by them)."""
    columns = feature_columns(encoded.dims)
    weight = F.sum(WEIGHT) if encoded.weighted else F.count(F.lit(1))
    frame = (
        encoded.frame.groupBy(*columns)
        .agg(weight.cast("double").alias(WEIGHT))
        .sortWithinPartitions(*columns)
    )
    return replace(encoded, frame=frame)


@contextmanager
def cached(frame: DataFrame) -> Iterator[DataFrame]:
    """`frame`, kept in memory (spilling to disk) while the block runs, unless it already is."""
    if frame.storageLevel != StorageLevel.NONE:
        yield frame
        return
    frame.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        yield frame
    finally:
        frame.unpersist()


def sum_over_blocks(
    rows: EncodedRows, partial: Callable[[np.ndarray, np.ndarray], np.ndarray]
) -> np.ndarray:
    """partial(X, weights) summed over blocks of the table's rows: X float32 (block x dims), the
    rows' weights float64; partial gives a float64 vector of the same length for every block.

    Each Spark task sums its partition's blocks in order and the driver adds the partitions in
    order, so the sum is the same on every run over the same frame. partial runs on executors,
    one native thread each (a task is a core's worth of work)."""
    columns = feature_columns(rows.dims)
    weighted = rows.weighted

    def per_partition(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        total = None
        with one_thread():
            for batch in batches:
                if batch.empty:
                    continue
                X = np.ascontiguousarray(batch[columns].to_numpy(np.float32))
                weights = batch[WEIGHT].to_numpy(np.float64) if weighted else np.ones(len(batch))
                part = np.asarray(partial(X, weights), dtype=np.float64)
                total = part if total is None else total + part
        if total is not None:
            yield pd.DataFrame({"part": [total.tobytes()]})

    frame = rows.frame.select(*columns, *([WEIGHT] if weighted else []))
    parts = frame.mapInPandas(per_partition, "part binary").collect()
    if not parts:
        raise ValueError("the table has no rows")
    total = np.frombuffer(parts[0].part, dtype=np.float64).copy()
    for part in parts[1:]:
        total += np.frombuffer(part.part, dtype=np.float64)
    return total


def partition_count(rows: EncodedRows) -> int:
    """How many partitions (so how many partial sums) a pass over the table has."""
    return rows.frame.rdd.getNumPartitions()


def few_distinct_rows(rows: EncodedRows, limit: int) -> tuple[np.ndarray, np.ndarray] | None:
    """A weighted table's rows and their customers (int64) when it has at most `limit` rows and
    fewer rows than customers, as in process a table with few distinct rows is fitted on them;
    else None. The rows come in the order in process finds distinct rows
    (algorithms.assignment.distinct_rows). One short job (at most limit + 1 rows are read)."""
    if not rows.weighted:
        return None
    columns = feature_columns(rows.dims)
    table = rows.frame.select(*columns, WEIGHT).limit(limit + 1).toPandas()
    if len(table) > limit or len(table) >= rows.rows:
        return None
    values = table[columns].to_numpy(np.float32)
    first_rows, counts = distinct_rows(values)
    if (counts > 1).any():
        raise ValueError("a weighted table must hold each row once: collapse it (rows.collapse)")
    weights = np.rint(table[WEIGHT].to_numpy(np.float64)[first_rows]).astype(np.int64)
    return np.ascontiguousarray(values[first_rows]), weights
