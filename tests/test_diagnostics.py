"""Clusterability diagnostics: Hopkins statistic, permutation null silhouette, pipeline wiring."""

from __future__ import annotations

import json

import numpy as np
import pytest

from segmentasi import SweepOptions, run, save
from segmentasi.algorithms import fit_kmeans
from segmentasi.diagnostics import (
    diagnose,
    hopkins,
    interpret_hopkins,
    null_reference_silhouette,
    permute_columns,
)
from segmentasi.metrics import silhouette_scores
from segmentasi.sweep import Space


def blobs(centres: list[tuple[int, int]], per_blob: int, spread: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.vstack([rng.normal(c, spread, size=(per_blob, 2)) for c in centres])


def test_hopkins_is_near_half_on_uniform_data_and_near_one_on_separated_blobs():
    uniform = np.random.default_rng(0).uniform(size=(2000, 2))
    separated = blobs([(0, 0), (10, 10), (20, 20)], 300, 0.3, seed=1)
    for reference in ("uniform", "permuted"):
        assert 0.4 < hopkins(uniform, 200, seed=2, reference=reference) < 0.6
        assert hopkins(separated, 200, seed=2, reference=reference) > 0.9


def test_permuted_reference_sees_no_structure_in_blobs_that_independent_columns_make():
    """Blobs on a grid are each column's own bimodality: shuffling columns keeps them."""
    grid = blobs([(0, 0), (0, 10), (10, 0), (10, 10)], 300, 0.3, seed=3)
    assert hopkins(grid, 200, seed=4, reference="uniform") > 0.9
    assert 0.4 < hopkins(grid, 200, seed=4, reference="permuted") < 0.6


def test_hopkins_exact_cases():
    twins = np.repeat([[0.0, 0.0], [1.0, 1.0]], 50, axis=0)
    # Every probe has an exact twin (w = 0) while uniform points in the box do not: H = 1.
    assert hopkins(twins, 20, seed=0) == 1.0
    assert np.isnan(hopkins(np.zeros((10, 2)), 5, seed=0))
    with pytest.raises(ValueError, match="reference"):
        hopkins(twins, 5, reference="nearby")


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (0.9, "clustered"),
        (0.75, "clustered"),
        (0.65, "weak"),
        (0.5, "random"),
        (0.2, "regular"),
        (float("nan"), "unknown"),
    ],
)
def test_interpret_hopkins_levels(value, level):
    assert interpret_hopkins(value)[0] == level


def test_permute_columns_keeps_every_column_and_moves_groups_whole():
    rng = np.random.default_rng(0)
    onehot = np.eye(3)[rng.integers(0, 3, 200)]
    X = np.hstack([onehot, rng.normal(size=(200, 1))])
    shuffled = permute_columns(X, np.random.default_rng(1), groups=[[0, 1, 2], [3]])
    np.testing.assert_array_equal(np.sort(shuffled, axis=0), np.sort(X, axis=0))
    np.testing.assert_array_equal(shuffled[:, :3].sum(axis=1), np.ones(200))
    assert not np.array_equal(shuffled, X)
    with pytest.raises(ValueError, match="cover every column"):
        permute_columns(X, rng, groups=[[0, 1]])


def test_null_equals_observed_when_shuffling_cannot_change_the_data():
    """One varying column (the other constant): shuffling leaves the same rows, so the same
    clustering and the same silhouette."""
    values = np.concatenate([np.full(40, 0.0), np.full(40, 5.0), np.full(40, 10.0)])
    values += np.tile(np.linspace(-0.5, 0.5, 40), 3)
    X = np.column_stack([values, np.ones(120)]).astype(np.float32)
    observed = silhouette_scores(X, [fit_kmeans(X, 3, seed=0).labels])[0]
    null = null_reference_silhouette(X, [3], "kmeans", seed=5, n_perm=2)
    assert null.loc[0, "null_silhouette"] == pytest.approx(observed, abs=1e-6)  # row order
    assert null.loc[0, "null_sd"] == pytest.approx(0.0, abs=1e-6)
    assert list(null.columns) == [
        "k",
        "null_silhouette",
        "null_sd",
        "null_min",
        "null_max",
        "n_perm",
        "null_rows",
    ]


def test_null_is_far_below_real_structure_and_close_to_it_without_structure():
    separated = blobs([(0, 0), (10, 10), (20, 20)], 200, 0.5, seed=6).astype(np.float32)
    observed = silhouette_scores(separated, [fit_kmeans(separated, 3, seed=0).labels])[0]
    null = null_reference_silhouette(separated, [3], seed=0, n_perm=2)
    assert observed > 0.9 and null.loc[0, "null_silhouette"] < 0.7
    noise = np.random.default_rng(7).uniform(size=(600, 3)).astype(np.float32)
    observed = silhouette_scores(noise, [fit_kmeans(noise, 4, seed=0).labels])[0]
    null = null_reference_silhouette(noise, [4], seed=0, n_perm=2)
    assert abs(observed - null.loc[0, "null_silhouette"]) < 0.03


def test_null_samples_rows_and_is_deterministic():
    X = np.random.default_rng(8).normal(size=(500, 3)).astype(np.float32)
    first = null_reference_silhouette(
        X, [2, 3], "kmedoids", "manhattan", seed=1, n_perm=2, sample_rows=200
    )
    again = null_reference_silhouette(
        X, [2, 3], "kmedoids", "manhattan", seed=1, n_perm=2, sample_rows=200
    )
    assert first.equals(again)
    assert first["null_rows"].tolist() == [200, 200] and first["n_perm"].tolist() == [2, 2]


def test_diagnose_table_spaces_and_strict_json():
    X = blobs([(0, 0), (8, 8)], 100, 0.5, seed=9).astype(np.float32)
    shared = Space(X, "euclidean", "standard")
    spaces = {"kmeans": shared, "kmedoids": Space(X, "manhattan", "standard")}
    result = diagnose(spaces, [2, 3], seed=0, sample_rows=150, n_perm=2)
    assert [s.metric for s in result.spaces] == ["euclidean", "manhattan"]
    assert result.spaces[0].sample_rows == 150 and result.spaces[0].rows == 200
    table = result.silhouettes
    assert table[["algorithm", "k"]].values.tolist() == [
        ["kmeans", 2],
        ["kmeans", 3],
        ["kmedoids", 2],
        ["kmedoids", 3],
    ]
    assert table["silhouette"].isna().all()  # nothing observed was given
    json.dumps(result.to_dict(), allow_nan=False)


def test_discrete_spaces_are_not_given_a_hopkins_verdict():
    flags = np.random.default_rng(10).integers(0, 2, size=(400, 3)).astype(np.float32)
    result = diagnose({"kmeans": Space(flags, "euclidean", "standard")}, [2], sample_rows=400)
    assert result.spaces[0].level == "discrete"
    assert "exact twins" in result.spaces[0].interpretation


def test_run_adds_diagnostics_and_the_run_folder_saves_them(synthetic, schema, tmp_path):
    options = SweepOptions(ks=(2, 3), stability_runs=2, stability_rows=200)
    result = run(synthetic, schema=schema, experiments=["demografi"], options=options)
    diagnostics = result.experiments["demografi"].diagnostics
    table = diagnostics.silhouettes
    sweep = result.experiments["demografi"].sweep.table
    assert len(table) == len(sweep)
    merged = table.merge(sweep, on=["algorithm", "k"], suffixes=("", "_sweep"))
    np.testing.assert_allclose(merged["silhouette"], merged["silhouette_sweep"])
    np.testing.assert_allclose(table["excess"], table["silhouette"] - table["null_silhouette"])
    folder = save(result, tmp_path / "run")
    saved = json.loads((folder / "demografi" / "diagnostics.json").read_text())
    assert saved["summary"] == diagnostics.summary
    assert len(saved["silhouettes"]) == len(sweep)
    skipped = run(
        synthetic, schema=schema, experiments=["demografi"], options=options, diagnose=False
    )
    assert skipped.experiments["demografi"].diagnostics is None
