"""Customers drawn from an encoded table on Spark: uniform samples without replacement, the same
on every run and however the table is partitioned or ordered.

Each customer is a candidate with a chance set so that, almost surely, more than enough are:
a distinct row of weight w gives Binomial(w, chance) candidates, drawn by inverting the binomial
at a number in [0, 1) hashed from the seed, the draw's number and the row's values (Spark's
xxhash64). Only the candidate rows reach the driver, which keeps the wanted number of candidates
at random (a generator seeded with the seed and the draw's number). A row is identified by its
values, so the table's identical rows must be collapsed (rows.collapse): the functions here
collapse an unweighted table themselves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property, reduce
from operator import or_

import numpy as np
from pyspark.sql import Column
from pyspark.sql import functions as F
from scipy.stats import binom

from .rows import WEIGHT, EncodedRows, collapse, feature_columns


@dataclass(frozen=True)
class CustomerPool:
    """Distinct rows gathered from a table for drawing customers, sorted by their values.

    values: rows x dims float32; weights: customers per row; uniforms: rows x draws, the number
    that decides how many of a row's customers are candidates in each draw; chance: each
    customer's chance to be a candidate (1: every customer is). Customers are named by ids:
    row r's are first_ids[r] .. first_ids[r] + weights[r] - 1."""

    values: np.ndarray
    weights: np.ndarray
    uniforms: np.ndarray
    chance: float

    @cached_property
    def first_ids(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.weights)[:-1]]).astype(np.int64)

    def values_of(self, ids: np.ndarray) -> np.ndarray:
        """The features of the customers `ids`."""
        return self.values[self._row_of(ids)]

    def draw(self, draw: int, size: int, kept: np.ndarray, seed: int) -> np.ndarray:
        """Sorted ids of `size` customers: the customers `kept`, and size - len(kept) others drawn
        uniformly without replacement (draw number `draw`, from 0)."""
        kept = np.asarray(kept, dtype=np.int64)
        kept_rows = self._row_of(kept)
        taken = np.bincount(kept_rows, minlength=len(self.values))
        available = self.weights - taken
        if self.chance >= 1:
            counts = available
        else:
            drawn = binom.ppf(self.uniforms[:, draw], available, self.chance)
            counts = np.maximum(np.nan_to_num(drawn), 0).astype(np.int64)
        wanted = size - len(kept)
        if counts.sum() < wanted:
            raise RuntimeError(
                f"draw {draw} found {counts.sum()} candidates for {wanted} customers (expected "
                "more with overwhelming probability); draw again with another seed"
            )
        candidate_rows = np.repeat(np.arange(len(counts)), counts)
        # Candidate i is the rank_in_row-th customer of its row not already kept.
        rank_in_row = np.arange(len(candidate_rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        copies = rank_in_row.copy()
        for row in np.flatnonzero(taken):
            kept_copies = kept[kept_rows == row] - self.first_ids[row]
            free = np.setdiff1d(np.arange(counts[row] + taken[row]), kept_copies)[: counts[row]]
            copies[candidate_rows == row] = free
        keys = np.random.default_rng([seed, draw]).random(len(candidate_rows))
        chosen = np.argsort(keys, kind="stable")[:wanted]
        ids = self.first_ids[candidate_rows[chosen]] + copies[chosen]
        return np.sort(np.concatenate([kept, ids]))

    def _row_of(self, ids: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.first_ids, ids, side="right") - 1


def gather_pool(rows: EncodedRows, draws: int, size: int, seed: int) -> CustomerPool:
    """The candidate rows of `draws` draws of `size` customers each from `rows`, whose rows are
    distinct (collapsed): one pass over the table."""
    columns = feature_columns(rows.dims)
    # The candidates are a sum of Bernoulli(chance) draws with this mean: by Chernoff's bound,
    # fewer than `size` of them has a chance below 1e-12 for any size (below 1e-21 at 2,500).
    chance = min(1.0, (size + 10 * math.sqrt(size) + 50) / rows.rows)
    weight = (F.col(WEIGHT) if rows.weighted else F.lit(1.0)).alias(WEIGHT)
    if chance >= 1:
        frame = rows.frame.select(*columns, weight)
    else:
        frame = rows.frame.select(
            *columns, weight, *(_uniform(seed, d, columns).alias(f"u{d}") for d in range(draws))
        )
        never = F.pow(F.lit(1 - chance), F.col(WEIGHT))  # no candidate from this row
        frame = frame.filter(reduce(or_, (F.col(f"u{d}") > never for d in range(draws))))
    table = frame.toPandas()
    values = table[columns].to_numpy(np.float32)
    order = np.lexsort(values.T[::-1]) if len(values) else np.zeros(0, dtype=np.int64)
    uniforms = (
        table[[f"u{d}" for d in range(draws)]].to_numpy(np.float64)
        if chance < 1
        else np.zeros((len(table), draws))
    )
    return CustomerPool(
        values=np.ascontiguousarray(values[order]),
        weights=np.rint(table[WEIGHT].to_numpy(np.float64)[order]).astype(np.int64),
        uniforms=uniforms[order],
        chance=chance,
    )


def sample_customers(rows: EncodedRows, size: int, *, seed: int) -> np.ndarray:
    """The features (float32, size x dims) of `size` customers drawn uniformly without
    replacement, or of every customer when the table has no more; identical customers
    adjacent, in the order of their values."""
    distinct = rows if rows.weighted else collapse(rows)
    size = min(size, rows.rows)
    pool = gather_pool(distinct, 1, size, seed)
    return pool.values_of(pool.draw(0, size, np.zeros(0, dtype=np.int64), seed))


def _uniform(seed: int, draw: int, columns: list[str]) -> Column:
    """A number in [0, 1) from the seed, the draw's number and a row's values."""
    hashed = F.xxhash64(F.lit(seed), F.lit(draw), *columns)
    return hashed.bitwiseAND(F.lit(2**53 - 1)).cast("double") / float(2**53)
