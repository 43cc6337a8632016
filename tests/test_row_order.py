"""The run's random order of customers (row_order.py): Spark's own hash computed in numpy, so
both engines draw the same customers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentasi.row_order import first_in_order, hashed_seed, row_keys

NUMBERS = np.array([0, 1, 2, 7, 1_000, 123_456_789, 2**33 + 5, 2**62 + 11], dtype=np.int64)


@pytest.mark.spark
@pytest.mark.parametrize("seed", [0, 7, 2**31 + 7, 2**62 + 3])
def test_keys_are_sparks_xxhash64_of_the_row_number_and_the_seed(spark, seed):
    from segmentasi.spark.validate import ROW, order_key

    frame = spark.createDataFrame(pd.DataFrame({ROW: NUMBERS}))
    keyed = frame.select(order_key(seed).alias("key")).toPandas()
    np.testing.assert_array_equal(row_keys(NUMBERS, seed), keyed["key"].to_numpy(np.int64))


def test_seeds_give_their_own_orders_up_to_63_bits():
    assert hashed_seed(2**63 + 7) == 7
    np.testing.assert_array_equal(row_keys(NUMBERS, 2**63 + 7), row_keys(NUMBERS, 7))
    assert not np.array_equal(row_keys(NUMBERS, 7), row_keys(NUMBERS, 2**31 + 7))
    assert not np.array_equal(row_keys(NUMBERS, 7), row_keys(NUMBERS, 8))


def test_the_first_rows_are_the_smallest_keys_in_row_order():
    numbers = np.arange(10_000, 20_000)
    first = first_in_order(numbers, 3, 50)
    keys = row_keys(numbers, 3)
    assert (np.diff(first) > 0).all()  # sorted, distinct
    assert keys[first].max() < np.delete(keys, first).min()
    np.testing.assert_array_equal(
        first_in_order(numbers[::-1], 3, 50), len(numbers) - 1 - first[::-1]
    )
    np.testing.assert_array_equal(first_in_order(numbers[:20], 3, 50), np.arange(20))


def test_a_repeated_row_number_is_drawn_in_table_order():
    # Equal keys: the earlier rows first, as Spark sorts by (key, row number).
    np.testing.assert_array_equal(first_in_order(np.array([5, 5, 5]), 0, 2), [0, 1])


def test_every_row_is_about_as_likely_to_be_drawn():
    drawn = np.zeros(100)
    for seed in range(400):
        drawn[first_in_order(np.arange(100), seed, 10)] += 1
    # Each row's count is Binomial(400, 0.1): mean 40, sd 6; all 100 within 4 sd.
    assert drawn.sum() == 4_000
    assert (np.abs(drawn - 40) <= 24).all()
