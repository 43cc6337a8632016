"""The run's random order of customers: each row's key is Apache Spark's xxhash64 of its row
number (0-based, in the input table) and the seed, computed here in numpy, so that both engines
draw the same customers: in process from every row, on Spark from the driver's sample, which is
the table's first rows in this order (the rows drawn first are in it)."""

from __future__ import annotations

import numpy as np
import pandas as pd

# xxHash64's primes, as Spark's XXH64 uses them.
_PRIME_1 = np.uint64(0x9E3779B185EBCA87)
_PRIME_2 = np.uint64(0xC2B2AE3D27D4EB4F)
_PRIME_3 = np.uint64(0x165667B19E3779F9)
_PRIME_4 = np.uint64(0x85EBCA77C2B2AE63)
_PRIME_5 = np.uint64(0x27D4EB2F165667C5)
_SPARK_SEED = np.uint64(42)  # the seed Spark's xxhash64 column function starts from


def hashed_seed(seed: int) -> int:
    """The long the keys hash for a run's seed: its lowest 63 bits (Spark hashes a signed long;
    a seed is not negative)."""
    return int(seed) & (2**63 - 1)


def row_keys(row_numbers: np.ndarray, seed: int) -> np.ndarray:
    """int64 keys of the rows: Spark's `xxhash64(row_number, hashed_seed(seed))` of two longs
    (the seed as `F.lit(hashed_seed(seed)).cast("long")`), bit for bit."""
    rows = np.asarray(row_numbers, dtype=np.int64).view(np.uint64)
    keyed = _hash_long(rows, np.full(rows.shape, _SPARK_SEED))
    seeds = np.full(rows.shape, hashed_seed(seed), dtype=np.uint64)
    return _hash_long(seeds, keyed).view(np.int64)


def row_numbers(table: pd.DataFrame) -> np.ndarray:
    """The table's rows' numbers in the input table: its index, as validation numbers rows; a
    table given as it is, with another index, is numbered by position."""
    if pd.api.types.is_integer_dtype(table.index):
        return table.index.to_numpy(np.int64)
    return np.arange(len(table))


def first_in_order(row_numbers: np.ndarray, seed: int, size: int) -> np.ndarray:
    """Sorted indices into row_numbers of the `size` rows first in the run's order (the smallest
    keys, ties by row number), or of every row when there are no more."""
    row_numbers = np.asarray(row_numbers, dtype=np.int64)
    order = np.lexsort((row_numbers, row_keys(row_numbers, seed)))
    return np.sort(order[:size])


def _hash_long(value: np.ndarray, seed: np.ndarray) -> np.ndarray:
    hashed = seed + _PRIME_5 + np.uint64(8)
    hashed ^= _rotate_left(value * _PRIME_2, 31) * _PRIME_1
    return _mix(_rotate_left(hashed, 27) * _PRIME_1 + _PRIME_4)


def _rotate_left(value: np.ndarray, bits: int) -> np.ndarray:
    return (value << np.uint64(bits)) | (value >> np.uint64(64 - bits))


def _mix(hashed: np.ndarray) -> np.ndarray:
    hashed ^= hashed >> np.uint64(33)
    hashed *= _PRIME_2
    hashed ^= hashed >> np.uint64(29)
    hashed *= _PRIME_3
    hashed ^= hashed >> np.uint64(32)
    return hashed
