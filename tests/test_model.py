"""Saved segmentations: exact placement of the training rows, prospects, refusal of bad files."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentasi import SweepOptions, load_model, read_table, run, save
from segmentasi.algorithms import assign as nearest_centres
from segmentasi.errors import InputError
from segmentasi.features import FeatureSpace
from segmentasi.model import (
    FORMAT_VERSION,
    MODEL_FILE,
    REASONS,
    SET_ASIDE,
    ModelError,
    SavedModel,
)
from segmentasi.schema import schema_from_dict

from .conftest import cli_in_process, make_other_bank

OPTIONS = SweepOptions(ks=(2, 3, 4), stability_runs=0)
CASES = [(e, a) for e in ("demografi", "produk") for a in ("kmeans", "kmedoids")]


@pytest.fixture(scope="module")
def fitted(synthetic_run):
    return synthetic_run


@pytest.fixture(scope="module")
def run_dir(fitted, tmp_path_factory) -> Path:
    return save(fitted, tmp_path_factory.mktemp("runs") / "run")


def model_path(run_dir: Path, experiment: str, algorithm: str) -> Path:
    return run_dir / experiment / "models" / f"{algorithm}.model"


def training_labels(result, experiment: str, algorithm: str) -> np.ndarray:
    sweep = result.experiments[experiment].sweep
    return sweep.fits[(algorithm, sweep.chosen[algorithm])].labels


def prospects_of(table: pd.DataFrame, schema) -> pd.DataFrame:
    """Demographics only, as text, the way a prospects CSV reads."""
    dropped = [c.name for c in schema.by_role("product", "derived_count")]
    return table.drop(columns=dropped).astype(object).where(table.notna(), None)


@pytest.mark.parametrize(("experiment", "algorithm"), CASES)
def test_assigning_the_training_table_reproduces_the_training_labels(
    fitted, run_dir, synthetic, experiment, algorithm
):
    model = load_model(model_path(run_dir, experiment, algorithm))
    placed = model.assign(synthetic)
    rows = fitted.experiments[experiment].rows
    segments = placed.table["segment"].to_numpy()[rows]
    np.testing.assert_array_equal(segments, training_labels(fitted, experiment, algorithm) + 1)
    space = fitted.experiments[experiment].sweep.spaces[algorithm]
    _, expected_distance = nearest_centres(space.X, model.centers, space.metric)
    np.testing.assert_array_equal(placed.table["distance"].to_numpy()[rows], expected_distance)
    # The customers the run set aside (no recorded age, in demografi) get no segment here either.
    assert placed.unplaced == len(synthetic) - len(rows) and len(placed.table) == len(synthetic)
    aside = ~placed.table.index.isin(rows)
    assert (placed.table["reason"][aside] == REASONS[SET_ASIDE]).all()
    assert placed.table["segment"][aside].isna().all()


@pytest.mark.parametrize(("experiment", "algorithm"), CASES)
def test_saved_feature_space_encodes_the_training_rows_bit_for_bit(
    fitted, run_dir, experiment, algorithm
):
    model = load_model(model_path(run_dir, experiment, algorithm))
    trained = fitted.experiments[experiment]
    again = model.space.transform(fitted.table.loc[trained.rows])
    assert again.dtype == np.float32
    assert again.tobytes() == trained.sweep.spaces[algorithm].X.tobytes()
    fit = trained.sweep.fits[(algorithm, trained.sweep.chosen[algorithm])]
    assert model.centers.tobytes() == fit.centers.tobytes()


def test_feature_space_round_trip_through_its_dict(fitted, schema):
    space = fitted.experiments["demografi"].spaces["kmeans"]
    copy = FeatureSpace.from_dict(schema, json.loads(json.dumps(space.to_dict())))
    assert copy.transform(fitted.table).tobytes() == space.transform(fitted.table).tobytes()


def test_gower_model_of_another_bank_reproduces_its_labels(tmp_path, other_schema):
    table = make_other_bank(rows=240, seed=3)
    result = run(table, schema=other_schema, options=OPTIONS)
    model = SavedModel.from_run(result, "people", "kmedoids")
    assert model.space.encoding == "gower" and model.metric == "manhattan"
    loaded = load_model(model.save(tmp_path / "people.model"))
    segments = loaded.assign(table).table["segment"].to_numpy()
    np.testing.assert_array_equal(segments, training_labels(result, "people", "kmedoids") + 1)


def test_run_folder_holds_the_recommended_model_and_each_algorithms_model(fitted, run_dir):
    for experiment, exp in fitted.experiments.items():
        recommended = exp.sweep.recommended[0]
        folder = run_dir / experiment
        assert sorted(p.name for p in (folder / "models").iterdir()) == [
            "kmeans.model",
            "kmedoids.model",
        ]
        assert (folder / MODEL_FILE).read_bytes() == model_path(
            run_dir, experiment, recommended
        ).read_bytes()
        model = load_model(folder)  # an experiment folder means its segmentation.model
        assert model.algorithm == recommended and model.info["recommended"] is True
        assert model.k == exp.sweep.recommended[1]


def test_model_file_is_plain_json_and_saving_is_deterministic(fitted, run_dir, tmp_path):
    model = load_model(model_path(run_dir, "demografi", "kmeans"))
    first = model.save(tmp_path / "a.model").read_bytes()
    second = load_model(tmp_path / "a.model").save(tmp_path / "b.model").read_bytes()
    assert first == second == model_path(run_dir, "demografi", "kmeans").read_bytes()
    document = json.loads(first)
    assert document["format"] == "segmentasi-model"
    assert document["format_version"] == FORMAT_VERSION
    assert len(document["sha256"]) == 64
    assert document["payload"]["experiment"] == "demografi"
    original = SavedModel.from_run(fitted, "demografi", "kmeans")
    for name, table in original.profile.items():
        pd.testing.assert_frame_equal(model.profile[name], table, check_dtype=False)
    pd.testing.assert_frame_equal(model.offers, original.offers)


@pytest.mark.parametrize("chunk_rows", [1, 7, 250])
def test_chunked_assignment_equals_assignment_at_once(run_dir, synthetic, schema, chunk_rows):
    model = load_model(model_path(run_dir, "demografi", "kmedoids"))
    table = prospects_of(synthetic, schema)
    whole = model.assign(table)
    in_chunks = model.assign(table, chunk_rows=chunk_rows)
    pd.testing.assert_frame_equal(in_chunks.table, whole.table)
    assert [str(w) for w in in_chunks.warnings] == [str(w) for w in whole.warnings]
    pieces = [
        model.assign(table.iloc[s : s + chunk_rows * 40]).table
        for s in range(0, len(table), chunk_rows * 40)
    ]
    pd.testing.assert_frame_equal(pd.concat(pieces), whole.table)


@pytest.fixture(scope="module")
def prospects(synthetic, schema) -> pd.DataFrame:
    """Prospects: no product columns, unseen levels, missing and impossible values, empty rows."""
    table = prospects_of(synthetic, schema).iloc[:100].reset_index(drop=True)
    table.loc[0:9, "Area"] = "Medan"
    table.loc[10:14, "Usia"] = None
    table.loc[15, "Usia"] = "150"
    table.loc[16, "Pendapatan_Tahunan"] = "banyak"
    table.loc[17, "Pendidikan"] = "PhD"
    table.loc[18, "Total_Relationship_Balance"] = float("inf")
    table.loc[[20, 30], list(schema.experiment("demografi").features)] = None
    table["campaign"] = "spring"
    return table


ALL_MISSING_ROWS = [20, 30]


def age_set_aside(prospects: pd.DataFrame) -> np.ndarray:
    """The prospects without a valid age (missing, or 150 above the maximum): the demographic
    run set aside the customers without a recorded age, so assign places none of them."""
    age = pd.to_numeric(prospects["Usia"], errors="coerce")
    aside = (age.isna() | (age > 100)).to_numpy(copy=True)
    aside[ALL_MISSING_ROWS] = False  # not placed for another reason: every feature is missing
    return aside


def test_prospects_keep_every_row_in_order_with_counted_warnings(run_dir, prospects, synthetic):
    model = load_model(model_path(run_dir, "demografi", "kmeans"))
    placed = model.assign(prospects, lang="en")
    out = placed.table
    assert list(out["GCIF"]) == list(prospects["GCIF"])
    assert list(out.columns[: prospects.shape[1]]) == list(prospects.columns)
    aside = age_set_aside(prospects)
    assert aside[10:16].all() and 0 < aside.sum() < 30
    assert placed.placed == 98 - aside.sum() and placed.unplaced == 2 + aside.sum()
    assert out.loc[[20, 30], "segment"].isna().all()
    assert (out.loc[[20, 30], "reason"] == "every feature is missing or invalid").all()
    assert out["segment"][aside].isna().all() and (out["reason"][aside] == REASONS[SET_ASIDE]).all()
    placeable = ~aside
    placeable[ALL_MISSING_ROWS] = False
    assert (out["reason"][placeable] == "").all() and out["segment"][placeable].notna().all()
    assert out.loc[0, "segment_name"] == model.segment_name(int(out.loc[0, "segment"]), "en")
    messages = [str(w) for w in placed.warnings]
    expected = [
        # Rows 1-10 have an unknown level; the ones set aside were not filled.
        f"column 'Area': {10 - aside[:10].sum()} value(s) missing or invalid, filled with the "
        "training value",
        "column 'Usia': value(s) above the maximum 100 (row 16)",
        "column 'Pendidikan': unknown level(s) 'PhD' x1",
        "column 'Pendapatan_Tahunan': non-numeric value(s) such as 'banyak' (row 17)",
        "column 'Total_Relationship_Balance': value(s) that are not finite numbers such as 'inf'",
        "2 row(s) could not be placed: every feature is missing or invalid (rows 21, 31)",
        f"{aside.sum()} row(s) could not be placed: {REASONS[SET_ASIDE]} (rows ",
    ]
    for text in expected:
        assert any(m.startswith(text) for m in messages), (text, messages)
    # No age is filled in: a row without one is set aside, not placed by a guessed age.
    assert not any(m.startswith("column 'Usia': ") and "filled" in m for m in messages)
    assert out.loc[10, "imputed"] == "" and out.loc[0, "imputed"].startswith("Area")


def test_a_bad_value_is_placed_as_if_it_had_the_training_value(run_dir, prospects):
    """Or, for a number marked by an indicator column or set aside, as if it were unrecorded."""
    model = load_model(model_path(run_dir, "demografi", "kmedoids"))
    fill = {enc.column: enc.fill_text() for enc in model.space.encoders_}
    repaired = prospects.copy()
    repaired.loc[0:9, "Area"] = fill["Area"]
    # A number marked by an indicator column or set aside: a bad value counts as unrecorded.
    unrecorded = model.space.indicated + model.space.set_aside
    assert "Usia" in unrecorded  # what this checks for a number the run did not fill
    repaired.loc[10:15, "Usia"] = None if "Usia" in unrecorded else fill["Usia"]
    repaired.loc[16, "Pendapatan_Tahunan"] = fill["Pendapatan_Tahunan"]
    repaired.loc[17, "Pendidikan"] = fill["Pendidikan"]
    repaired.loc[18, "Total_Relationship_Balance"] = fill["Total_Relationship_Balance"]
    given, fixed = model.assign(prospects).table, model.assign(repaired).table
    pd.testing.assert_series_equal(given["segment"], fixed["segment"])
    pd.testing.assert_series_equal(given["distance"], fixed["distance"])


OFFERED = {
    1: ["Produk_Kartu_Kredit", "Produk_Deposito", "Produk_Kredit_Rumah"],
    2: ["Produk_Kredit_Kendaraan"],
    3: ["Produk_Tabungan"],
}


def with_offers(model: SavedModel, offered: dict[int, list[str]]) -> SavedModel:
    """The model with a known offers table: the listed products offered in that order."""
    products = [c.name for c in model.schema.products]
    rows = []
    for segment in range(1, model.k + 1):
        mine = offered.get(segment, [])
        ranked = mine + [p for p in products if p not in mine]
        rows += [
            {"segment": segment, "product": product, "rank": rank, "offered": product in mine}
            for rank, product in enumerate(ranked, start=1)
        ]
    return dataclasses.replace(model, offers=pd.DataFrame(rows[::-1]))


def test_prospects_get_their_segments_top_offers_by_rank(run_dir, prospects):
    model = with_offers(load_model(model_path(run_dir, "demografi", "kmeans")), OFFERED)
    out = model.assign(prospects, top_offers=2).table
    expected = (
        out["segment"]
        .map(
            {
                1: "Produk_Kartu_Kredit; Produk_Deposito",
                2: "Produk_Kredit_Kendaraan",
                3: "Produk_Tabungan",
            }
        )
        .fillna("")
    )
    placed = out["segment"].notna()
    assert (out["recommended_products"][placed] == expected[placed]).all()
    assert out["recommended_products"][~placed].isna().all()
    assert not any("no recommended products" in str(w) for w in model.assign(prospects).warnings)


def test_rows_of_a_segment_without_offers_are_counted_in_a_warning(run_dir, prospects):
    model = load_model(model_path(run_dir, "demografi", "kmeans"))
    model = with_offers(model, {1: ["Produk_Deposito"]})
    placed = model.assign(prospects)
    others = int((placed.table["segment"] > 1).sum())
    assert 0 < others < placed.placed
    listed = ", ".join(str(s) for s in range(2, model.k + 1))
    assert any(
        str(w).startswith(f"{others:,} row(s) get no recommended products: segment(s) {listed} ")
        for w in placed.warnings
    )


def test_segments_without_a_name_are_numbered(run_dir):
    model = dataclasses.replace(load_model(model_path(run_dir, "demografi", "kmeans")), names={})
    assert model.segment_name(2, "id") == "Segmen 2"
    assert model.segment_name(2, "en") == "Segment 2"
    with pytest.raises(InputError, match="language must be one of id, en"):
        model.segment_name(2, "fr")


def test_customers_are_not_offered_products_they_own(run_dir, synthetic):
    model = with_offers(load_model(model_path(run_dir, "demografi", "kmeans")), OFFERED)
    out = model.assign(synthetic, top_offers=2).table
    assert out["recommended_products"][out["segment"].isna()].isna().all()  # set aside
    for row in out.dropna(subset=["segment"]).itertuples():
        wanted = [p for p in OFFERED.get(row.segment, []) if getattr(row, p) != 1][:2]
        assert row.recommended_products == "; ".join(wanted), row.Index


def test_only_products_the_run_offers_are_recommended(fitted, run_dir, prospects):
    model = load_model(run_dir / "demografi")
    insights = fitted.experiments["demografi"].insights
    pd.testing.assert_frame_equal(model.offers, insights.offers, check_dtype=False)
    out = model.assign(prospects, top_offers=6).table
    offered = model.offers[model.offers.offered].sort_values(["segment", "rank"])
    for row in out.dropna(subset=["segment"]).itertuples():
        assert row.recommended_products == "; ".join(
            offered[offered.segment == row.segment]["product"]
        )


def test_product_groups_need_their_product_columns_and_recommend_nothing(
    run_dir, prospects, synthetic
):
    model = load_model(model_path(run_dir, "produk", "kmedoids"))
    with pytest.raises(InputError, match=r"lacks column.*Produk_Tabungan"):
        model.assign(prospects)
    # With every feature absent there is nothing to place a row by: refused, not 100 empty rows.
    with pytest.raises(
        InputError,
        match=(
            r"none of the 100 row\(s\) could be placed in the 'produk' segmentation "
            r"\(100 row\(s\): every feature is missing or invalid\); 6 of its 6 feature "
            r"column\(s\) have no usable "
            r"value in any row \(absent, empty or invalid\): Produk_Tabungan, Produk_Deposito"
        ),
    ):
        model.assign(prospects, impute_absent_columns=True)
    assert "recommended_products" not in model.assign(synthetic).table.columns


def test_an_absent_feature_column_can_be_filled_when_asked(run_dir, prospects):
    model = load_model(model_path(run_dir, "demografi", "kmeans"))
    no_tenure = prospects.drop(columns="Vintage")
    with pytest.raises(InputError, match="lacks column"):
        model.assign(no_tenure)
    filled = model.assign(no_tenure, impute_absent_columns=True)
    as_if = prospects.assign(Vintage=model.space.encoders_[2].fill_text())
    assert model.space.encoders_[2].column == "Vintage"
    placed = filled.table["segment"].notna()
    assert filled.placed == 98 - age_set_aside(prospects).sum() and not placed[[20, 30]].any()
    pd.testing.assert_series_equal(
        filled.table["segment"][placed], model.assign(as_if).table["segment"][placed]
    )
    assert filled.table.loc[0, "imputed"] == "Area; Vintage"
    assert str(filled.warnings[0]).startswith("column 'Vintage': column is absent")


def test_a_missing_feature_column_is_named_with_a_hint(run_dir, prospects):
    model = load_model(model_path(run_dir, "demografi", "kmeans"))
    with pytest.raises(InputError, match="did you mean 'Usia'"):
        model.assign(prospects.rename(columns={"Usia": "usia"}))


def _rewrite(source: Path, target: Path, change) -> Path:
    document = json.loads(source.read_text(encoding="utf-8"))
    change(document)
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def test_damaged_changed_or_foreign_model_files_are_refused(run_dir, tmp_path):
    good = model_path(run_dir, "demografi", "kmeans")
    text = good.read_bytes()
    truncated = tmp_path / "truncated.model"
    truncated.write_bytes(text[: len(text) // 2])
    tampered = _rewrite(
        good, tmp_path / "tampered.model", lambda d: d["payload"]["centers"][0].__setitem__(0, 0.5)
    )
    newer = _rewrite(
        good,
        tmp_path / "newer.model",
        lambda d: d.__setitem__("format_version", FORMAT_VERSION + 1),
    )
    older = _rewrite(good, tmp_path / "older.model", lambda d: d.__setitem__("format_version", 0))
    junk = tmp_path / "junk.model"
    junk.write_bytes(bytes(range(256)) * 4)
    expected = {
        truncated: "truncated or damaged",
        tampered: "do not match the checksum",
        newer: "written by a newer segmentasi",
        older: "no longer supported",
        junk: "not a segmentasi model file",
        tmp_path / "absent.model": "no such model file",
    }
    for path, message in expected.items():
        with pytest.raises(ModelError, match=message):
            load_model(path)


def test_a_well_sealed_but_malformed_payload_is_refused(run_dir, tmp_path):
    from segmentasi.model import _payload_digest

    def break_centres(document):
        document["payload"]["centers"] = [[0.0]]
        document["sha256"] = _payload_digest(document["payload"])

    bad = _rewrite(
        model_path(run_dir, "demografi", "kmeans"), tmp_path / "bad.model", break_centres
    )
    with pytest.raises(ModelError, match=r"bad.model: payload.centers: 1 rows for k=\d"):
        load_model(bad)


def test_command_line_writes_what_the_api_returns_and_prints_warnings(run_dir, prospects, tmp_path):
    data = tmp_path / "prospects.csv"
    prospects.to_csv(data, index=False)
    out = tmp_path / "placed.csv"
    done = cli_in_process("assign", run_dir / "demografi", data, "--out", out, "--chunk-rows", "33")
    assert done.returncode == 0, done.stderr
    assert f"Placed {98 - age_set_aside(prospects).sum()} of 100 rows" in done.stdout
    areas = 10 - age_set_aside(prospects)[:10].sum()  # rows set aside are not filled
    assert f"column 'Area': {areas} value(s) missing or invalid" in done.stderr
    assert "2 row(s) could not be placed: every feature is missing" in done.stderr
    assert f"{age_set_aside(prospects).sum()} row(s) could not be placed: a feature" in done.stderr
    expected = tmp_path / "expected.csv"
    load_model(run_dir / "demografi" / MODEL_FILE).assign(read_table(data)).table.to_csv(
        expected, index=False
    )
    assert out.read_bytes() == expected.read_bytes()
    parquet = tmp_path / "placed.parquet"
    assert (
        cli_in_process(
            "assign", run_dir / "demografi", data, "--out", parquet, "--quiet"
        ).returncode
        == 0
    )
    from_parquet, from_csv = pd.read_parquet(parquet), pd.read_csv(out)
    assert list(from_parquet["GCIF"]) == list(from_csv["GCIF"])
    np.testing.assert_array_equal(
        from_parquet["segment"].to_numpy(dtype=float, na_value=np.nan),
        from_csv["segment"].to_numpy(dtype=float),
    )


def test_command_line_refuses_a_damaged_model_with_exit_2(run_dir, prospects, tmp_path):
    data = tmp_path / "prospects.csv"
    prospects.to_csv(data, index=False)
    damaged = tmp_path / "damaged.model"
    damaged.write_bytes(model_path(run_dir, "demografi", "kmeans").read_bytes()[:-40])
    done = cli_in_process("assign", damaged, data, "--out", tmp_path / "x.csv")
    assert done.returncode == 2
    assert "truncated or damaged" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_real_table_is_assigned_back_identically(real_table_path, real_run):
    result = real_run
    raw = read_table(real_table_path)
    for experiment, algorithm in CASES:
        model = SavedModel.from_run(result, experiment, algorithm)
        segments = model.assign(raw).table["segment"].to_numpy()
        rows = result.experiments[experiment].rows
        np.testing.assert_array_equal(
            segments[rows], training_labels(result, experiment, algorithm) + 1
        )


def _money_model(scale_of_age: float | None = None) -> SavedModel:
    """A two-segment model of a log-scaled balance and an age (optionally rescaled)."""
    schema = schema_from_dict(
        {
            "name": "logbank",
            "columns": [
                {"name": "balance", "role": "numeric", "scale": "log"},
                {"name": "age", "role": "numeric"},
            ],
            "experiments": {"money": {"features": ["balance", "age"]}},
        }
    )
    training = pd.DataFrame({"balance": [10.0, 100.0, 1000.0, 10000.0], "age": [20, 30, 40, 50]})
    space = FeatureSpace(schema, schema.experiment("money")).fit(training)
    centers = space.transform(training)[[0, 3]]
    if scale_of_age is not None:
        space.encoders_ = [
            replace(enc, scale=scale_of_age) if enc.column == "age" else enc
            for enc in space.encoders_
        ]
    return SavedModel(
        schema=schema,
        experiment=schema.experiment("money"),
        algorithm="kmeans",
        k=2,
        metric="euclidean",
        space=space,
        centers=centers,
        names={},
        narratives={},
        profile={},
        offers=pd.DataFrame(),
    )


def test_a_negative_value_on_a_log_scale_is_invalid_and_filled():
    placed = _money_model().assign(pd.DataFrame({"balance": ["50", "-5"], "age": ["25", "45"]}))
    assert placed.table["segment"].notna().all()
    assert placed.table["imputed"].tolist() == ["", "balance"]
    assert any("balance" in str(w) and "below the minimum 0" in str(w) for w in placed.warnings)


def test_a_row_that_cannot_be_encoded_is_kept_with_its_reason():
    # A scale this small sends an ordinary age beyond float32's range once scaled.
    model = _money_model(scale_of_age=1e-40)
    placed = model.assign(pd.DataFrame({"balance": ["50", "50"], "age": [None, "45"]}))
    assert placed.table["segment"].iloc[0] == 1 and pd.isna(placed.table["segment"].iloc[1])
    assert placed.table["reason"].iloc[1] == (
        "a feature value cannot be encoded (not finite after scaling)"
    )
    assert placed.placed == 1 and placed.unplaced == 1


def test_csv_parquet_and_excel_inputs_place_rows_alike(run_dir, prospects, tmp_path):
    model = load_model(run_dir / "demografi")
    text = prospects.astype("str").where(prospects.notna(), None)
    text.to_csv(tmp_path / "p.csv", index=False)
    text.to_parquet(tmp_path / "p.parquet", index=False)
    text.to_excel(tmp_path / "p.xlsx", index=False)
    results = [
        model.assign(read_table(tmp_path / name)).table[["segment", "distance", "reason"]]
        for name in ("p.csv", "p.parquet", "p.xlsx")
    ]
    for other in results[1:]:
        pd.testing.assert_frame_equal(other, results[0])
    assert results[0]["segment"].notna().sum() == 98 - age_set_aside(prospects).sum()
