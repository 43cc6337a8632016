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
