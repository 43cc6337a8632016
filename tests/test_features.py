from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from segmentasi.features import FeatureSpace
from segmentasi.validation import validate

from .conftest import make_other_bank


def test_demographic_space_standardises_and_one_hot_encodes(synthetic, schema):
    table, _ = validate(synthetic, schema)
    space = FeatureSpace(schema, schema.experiment("demografi")).fit(table)
    X = space.transform(table)
    assert X.dtype == np.float32 and X.shape == (len(table), len(space.feature_names_))
    names = space.feature_names_
    age = X[:, names.index("Usia")]
    assert abs(age.mean()) < 1e-5 and age.std() == pytest.approx(1.0, abs=1e-4)
    onehot = [i for i, n in enumerate(names) if n.startswith("Area=")]
    assert len(onehot) == 6 and np.all(X[:, onehot].sum(axis=1) == 1)
    assert space.imputed_ == {"Usia": int(table["Usia"].isna().sum())}
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
