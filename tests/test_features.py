from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import cdist

from segmentasi.features import INDICATED_SHARE, FeatureSpace
from segmentasi.schema import schema_from_dict
from segmentasi.validation import validate

from .conftest import make_other_bank


def test_demographic_space_standardises_and_one_hot_encodes(synthetic, schema):
    table, _ = validate(synthetic, schema)
    space = FeatureSpace(schema, schema.experiment("demografi"), missing="indicate").fit(table)
    X = space.transform(table)
    assert X.dtype == np.float32 and X.shape == (len(table), len(space.feature_names_))
    names = space.feature_names_
    unrecorded = table["Usia"].isna().to_numpy()
    assert 0.05 < unrecorded.mean() < 0.5  # synth plants the real table's gap: widowed, no age
    age = X[:, names.index("Usia")]
    # Standardised over the recorded ages; the unrecorded take 0 (their mean) and an indicator.
    recorded = age[~unrecorded]
    assert abs(recorded.mean()) < 1e-5 and recorded.std() == pytest.approx(1.0, abs=1e-4)
    assert np.all(age[unrecorded] == pytest.approx(0.0, abs=1e-5))
    flag = X[:, names.index("Usia:missing")]
    assert abs(flag.mean()) < 1e-5 and flag.std() == pytest.approx(1.0, abs=1e-4)
    assert flag[unrecorded].min() > 0 > flag[~unrecorded].max()
    assert names.index("Usia:missing") == names.index("Usia") + 1
    onehot = [i for i, n in enumerate(names) if n.startswith("Area=")]
    assert len(onehot) == 6 and np.all(X[:, onehot].sum(axis=1) == 1)
    assert space.imputed_ == {"Usia": int(unrecorded.sum())}
    assert space.indicated == ["Usia"]


def test_default_sets_aside_the_often_unrecorded_number(synthetic, schema):
    table, _ = validate(synthetic, schema)
    space = FeatureSpace(schema, schema.experiment("demografi")).fit(table)
    assert space.missing == "set-aside"
    unrecorded = table["Usia"].isna().to_numpy()
    assert space.set_aside == ["Usia"] and space.indicated == []
    assert "Usia:missing" not in space.feature_names_ and "Usia" not in space.imputed_
    np.testing.assert_array_equal(space.set_aside_rows(table)["Usia"], unrecorded)


TINY_SCHEMA = {
    "name": "tiny",
    "columns": [
        {"name": "status", "role": "nominal", "levels": ["a", "b"]},
        {"name": "age", "role": "numeric", "min": 0, "max": 120},
        {"name": "pdays", "role": "numeric", "min": 0, "sentinels": [{"value": -1}]},
    ],
    "experiments": {"people": {"features": ["status", "age", "pdays"], "metric": "euclidean"}},
}


def test_exact_set_aside_encoding_of_a_tiny_hand_made_table():
    """age is unrecorded in 1 of 4 rows (25% >= INDICATED_SHARE): set aside, with centre and
    scale from the recorded 20, 30, 40 only. pdays's -1 is a sentinel code, not unrecorded:
    it takes the median of the measured values, 5, and is not set aside."""
    schema = schema_from_dict(TINY_SCHEMA)
    table = pd.DataFrame(
        {
            "status": pd.Categorical(["a", "a", "a", "b"], categories=["a", "b"]),
            "age": [20.0, 30.0, 40.0, np.nan],
            "pdays": [-1.0, 2.0, 5.0, 8.0],
        }
    )
    assert table["age"].isna().mean() >= INDICATED_SHARE
    space = FeatureSpace(schema, schema.experiment("people")).fit(table)
    age, pdays = space.encoders_[1], space.encoders_[2]
    assert space.feature_names_ == ["status=a", "status=b", "age", "pdays"]
    assert space.set_aside == ["age"] and space.indicated == []
    assert (age.set_aside, age.indicator) == (True, False)
    assert age.center == pytest.approx(30.0) and age.scale == pytest.approx(np.sqrt(200 / 3))
    np.testing.assert_array_equal(space.set_aside_rows(table)["age"], [False, False, False, True])
    # pdays is a number with a sentinel: filled with the median 5, standardised over 5, 2, 5, 8
    # (mean 5, population sd sqrt(4.5)).
    assert (pdays.set_aside, pdays.fill, pdays.center) == (False, 5.0, 5.0)
    assert pdays.scale == pytest.approx(np.sqrt(4.5))
    X = space.transform(table.iloc[:3])
    sd = np.sqrt(200 / 3)
    expected = np.array(
        [
            [1, 0, -10 / sd, 0],
            [1, 0, 0, -3 / np.sqrt(4.5)],
            [1, 0, 10 / sd, 0],
        ],
        dtype=np.float32,
    )
    np.testing.assert_allclose(X, expected, rtol=1e-6, atol=1e-7)
    # The same gap in fewer than INDICATED_SHARE of the rows takes the median, unmarked.
    many = pd.concat([table.iloc[:3]] * 10 + [table.iloc[3:]], ignore_index=True)
    assert many["age"].isna().mean() < INDICATED_SHARE
    sparse = FeatureSpace(schema, schema.experiment("people")).fit(many)
    assert sparse.set_aside == [] and sparse.encoders_[1].fill == 30.0
    assert sparse.imputed_ == {"age": 1}


def test_fill_treatment_keeps_the_median_unmarked(synthetic, schema):
    table, _ = validate(synthetic, schema)
    space = FeatureSpace(schema, schema.experiment("demografi"), missing="fill").fit(table)
    X = space.transform(table)
    names = space.feature_names_
    assert "Usia:missing" not in names and space.indicated == []
    median = float(np.nanmedian(table["Usia"]))
    filled = X[table["Usia"].isna().to_numpy(), names.index("Usia")]
    expected = (median - table["Usia"].fillna(median).mean()) / table["Usia"].fillna(median).std(
        ddof=0
    )
    assert np.allclose(filled, expected, atol=1e-5)


def test_space_round_trips_through_its_dict(synthetic, schema):
    table, _ = validate(synthetic, schema)
    space = FeatureSpace(schema, schema.experiment("demografi")).fit(table)
    again = FeatureSpace.from_dict(schema, space.to_dict())
    assert np.array_equal(space.transform(table), again.transform(table))


def test_gower_encoding_gives_gower_distance_as_manhattan(other_schema):
    frame = make_other_bank(40)
    table, _ = validate(frame, other_schema)
    space = FeatureSpace(other_schema, other_schema.experiment("people"), "gower").fit(table)
    X = space.transform(table).astype(float)
    age = table["age_years"].to_numpy(float)
    tier = table["segment_tier"].cat.codes.to_numpy(float)
    region = table["region"].astype(str).to_numpy()
    expected = (
        np.abs(age[:, None] - age[None, :]) / np.ptp(age)
        + np.abs(tier[:, None] - tier[None, :]) / 2
        + (region[:, None] != region[None, :])
    ) / 3
    assert np.allclose(cdist(X, X, "cityblock"), expected, atol=1e-6)
    assert space.metric == "manhattan"


def test_gower_counts_a_value_beyond_the_fitted_range_as_its_end(other_schema):
    table, _ = validate(make_other_bank(40), other_schema)
    space = FeatureSpace(other_schema, other_schema.experiment("people"), "gower").fit(table)
    column = space.feature_names_.index("age_years")
    ages = table["age_years"]
    beyond = table.iloc[:3].copy()
    beyond["age_years"] = [ages.min() - 30, ages.max() + 500, ages.max()]
    X = space.transform(beyond)
    # 3 features: each one's distance is at most 1/3, at the fitted range's ends.
    np.testing.assert_allclose(X[:, column], [0.0, 1 / 3, 1 / 3], atol=1e-7)


def test_unseen_and_missing_values_take_the_fill(synthetic, schema):
    table, _ = validate(synthetic, schema)
    space = FeatureSpace(schema, schema.experiment("demografi")).fit(table)
    row = table.iloc[[0]].copy()
    row["Area"] = np.nan
    row["Pendapatan_Tahunan"] = np.nan
    X = space.transform(row)
    names = space.feature_names_
    mode_area = table["Area"].mode().iloc[0]
    assert X[0, names.index(f"Area={mode_area}")] == 1.0
    assert np.isfinite(X).all()
