"""The run folder on its own: its layout, whole or nothing, spreadsheet-safe CSV, the manifest."""

from __future__ import annotations

import dataclasses
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

import segmentasi
from segmentasi import run_folder
from segmentasi.errors import UserError
from segmentasi.outputs import RUN_FOLDER
from segmentasi.report import REPORT_FILE
from segmentasi.run_folder import (
    FORMAT_VERSION,
    PACKAGES,
    read_campaign_tables,
    write_run_folder,
)

OPTIONS = segmentasi.SweepOptions(ks=(2, 3, 4), stability_runs=2, stability_rows=200)
DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC")  # the report's creation date
FORMULA_ID = "=1+2"  # a customer ID a spreadsheet would run as a formula
EXPERIMENT_FILES = {
    "sweep.csv",
    "sweep.json",
    "labels.csv",
    "features.json",
    "models.json",
    "segmentation.model",
    "distinguishing.csv",
    "offers.csv",
    "offer_validation.csv",
    "product_verdicts.csv",
    "segment_names.json",
    "diagnostics.json",
    "rules.json",
    "rules.sql",
}


@pytest.fixture(scope="module")
def table(schema):
    table = segmentasi.synthesize(schema, rows=600, seed=7)
    table.loc[0, "GCIF"] = FORMULA_ID
    return table


@pytest.fixture(scope="module")
def result(table, schema) -> segmentasi.RunResult:
    return segmentasi.run(table, schema=schema, options=OPTIONS)


@pytest.fixture(scope="module")
def folder(result, tmp_path_factory):
    return write_run_folder(result, tmp_path_factory.mktemp("saved") / "run")


def files_in(folder) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_the_folder_holds_every_file_of_its_layout(result, folder):
    assert {p.name for p in folder.iterdir()} == (
        RUN_FOLDER.files | {RUN_FOLDER.record, *result.experiments}
    )
    for name, exp in result.experiments.items():
        expected = (
            EXPERIMENT_FILES
            | {f"features_{space.name}.npy" for space in exp.sweep.spaces.values()}
            | {f"profile_{table}.csv" for table in exp.profile.tables()}
            | {f"models/{algorithm}.model" for algorithm in exp.sweep.chosen}
            | ({"combinations.csv"} if name == "produk" else set())  # 0/1 product flags
        )
        assert set(files_in(folder / name)) == expected, name
        labels = (folder / name / "labels.csv").read_text(encoding="utf-8").splitlines()
        assert len(labels) == len(exp.rows) + 1
    header = (folder / "segments.csv").read_text(encoding="utf-8").splitlines()[0]
    assert header.endswith(",".join(f"segment_{name}" for name in result.experiments))
    assert '<html lang="id"' in (folder / REPORT_FILE).read_text(encoding="utf-8")


def test_the_manifest_records_the_run_and_its_options(result, folder):
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert list(manifest) == [
        "format_version",
        "created",
        "versions",
        "input",
        "rows_validated",
        "schema",
        "options",
        "timings_s",
    ]
    assert manifest["format_version"] == FORMAT_VERSION
    assert set(manifest["versions"]) == {"python", *PACKAGES}
    assert manifest["input"] == {"path": "DataFrame", "rows": 600}
    assert manifest["rows_validated"] == len(result.table)
    assert manifest["schema"] == json.loads(json.dumps(result.schema.to_dict()))
    assert manifest["options"] == json.loads(json.dumps(result.options.to_dict()))
    assert list(manifest["options"]) == [
        "experiments",
        "where",
        "handling",
        "sweep",
        "allow_extra_columns",
        "lang",
        "workers",
    ]
    assert manifest["options"]["sweep"]["ks"] == [2, 3, 4]
    assert manifest["timings_s"] == {key: round(value, 3) for key, value in result.timings.items()}


def test_text_a_spreadsheet_would_run_is_written_safe_and_read_back_exactly(folder):
    assert "\n'=1+2," in (folder / "segments.csv").read_text(encoding="utf-8")
    _, segments, offers = read_campaign_tables(folder, "produk")
    assert segments["GCIF"][0] == FORMULA_ID
    assert not offers.empty


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("manifest.json", "manifest.json: not a readable run manifest"),
        ("segments.csv", r"segments.csv: not a readable table \('utf-8' codec"),
        ("empty segments.csv", r"segments.csv: not a readable table \(No columns to parse"),
        ("produk/offers.csv", "offers.csv: not an offers table \\(no column 'segment'\\)"),
        ("text in offers.csv", "offers.csv: column 'propensity' holds values that are not numbers"),
    ],
)
def test_a_damaged_run_folder_is_refused_naming_the_file(folder, tmp_path, damage, message):
    damaged = Path(shutil.copytree(folder, tmp_path / "run"))
    offers = damaged / "produk" / "offers.csv"
    if damage == "manifest.json":
        (damaged / damage).write_text("[" * 100_000 + "]" * 100_000)  # too deep for json
    elif damage == "segments.csv":
        (damaged / damage).write_bytes(b"\xff\xfe\x00" * 50)
    elif damage == "empty segments.csv":
        (damaged / "segments.csv").write_text("")
    elif damage == "produk/offers.csv":
        offers.write_text("a,b\n1,2\n")
    else:
        offers.write_text(offers.read_text().replace(",0.", ",nan0.", 3))
    with pytest.raises(UserError, match=message):
        read_campaign_tables(damaged, "produk")


@pytest.mark.parametrize("writer", ["write_experiment_models", "write_report"])
def test_a_failing_writer_leaves_no_folder(result, tmp_path, monkeypatch, writer):
    def fail(*args, **kwargs):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(run_folder, writer, fail)
    with pytest.raises(RuntimeError, match="the disk is on fire"):
        write_run_folder(result, tmp_path / "run")
    assert list(tmp_path.iterdir()) == []  # neither the folder nor its staging copy


def test_a_failing_writer_leaves_the_folder_it_would_replace_as_it_was(
    result, folder, tmp_path, monkeypatch
):
    old = shutil.copytree(folder, tmp_path / "run")
    before = {name: (old / name).read_bytes() for name in files_in(old)}
    monkeypatch.setattr(run_folder, "write_experiment_models", _fails)
    with pytest.raises(RuntimeError):
        write_run_folder(result, old, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["run"]
    assert {name: (old / name).read_bytes() for name in files_in(old)} == before


def _fails(*args):
    raise RuntimeError("this writer fails")


def test_the_report_is_in_the_runs_language(result, tmp_path):
    english = dataclasses.replace(result, options=dataclasses.replace(result.options, lang="en"))
    saved = segmentasi.save(english, tmp_path / "run")
    assert '<html lang="en"' in (saved / REPORT_FILE).read_text(encoding="utf-8")


def test_a_run_given_its_folder_writes_what_saving_the_result_writes(
    result, folder, table, schema, tmp_path
):
    """With two workers the folder's data files are written while the workers draw the charts."""
    written = tmp_path / "written"
    again = segmentasi.run(table, schema=schema, options=OPTIONS, workers=2, out=written)
    assert set(again.report_sections) == set(result.experiments)  # drawn by the workers
    assert set(again.report_overview) == {"decision", "crosswalk"}  # a worker's too
    assert again.timings["total_s"] > 0
    assert files_in(folder) == files_in(written)
    for name in files_in(folder):
        if name.rsplit("/", 1)[-1] not in (
            "manifest.json",
            "report.html",
            "sweep.csv",
            "sweep.json",
            "report.pptx",  # zip archives with dates in them: compared by content below
            "segments.xlsx",
        ):
            assert (folder / name).read_bytes() == (written / name).read_bytes(), name
    assert _deck_content(folder) == _deck_content(written)  # charts drawn by the workers too
    assert _workbook_content(folder) == _workbook_content(written)
    saved, ran = (re.sub(DATE, "", (f / REPORT_FILE).read_text("utf-8")) for f in (folder, written))
    assert saved == ran and '<html lang="id"' in ran


def _deck_content(folder: Path) -> list[list[tuple[str, str, bytes]]]:
    from pptx import Presentation

    return [
        [
            (
                shape.name,
                shape.text_frame.text if shape.has_text_frame else "",
                shape.image.blob if hasattr(shape, "image") else b"",
            )
            for shape in slide.shapes
        ]
        for slide in Presentation(str(folder / "report.pptx")).slides
    ]


def _workbook_content(folder: Path) -> dict[str, list[tuple]]:
    from openpyxl import load_workbook

    book = load_workbook(folder / "segments.xlsx", read_only=True)
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def test_a_run_whose_charts_fail_leaves_no_folder(schema, tmp_path, monkeypatch):
    monkeypatch.setattr(segmentasi.report.build, "experiment_section", _fails)
    with pytest.raises(RuntimeError, match="this writer fails"):
        segmentasi.run(
            segmentasi.synthesize(schema, rows=300, seed=1),
            schema=schema,
            options=segmentasi.SweepOptions(ks=(2, 3), stability_runs=2, stability_rows=100),
            diagnose=False,
            workers=2,
            out=tmp_path / "run",
        )
    assert list(tmp_path.iterdir()) == []


def test_every_csv_writes_whole_numbers_as_integers(folder):
    """A column of whole numbers never reads 44607.0 (CSVs are for machines: dot decimals, no
    thousands separators, whatever the report's language)."""
    for path in sorted(folder.rglob("*.csv")):
        cells = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in cells.columns:
            values = cells[column][cells[column] != ""]
            if len(values) and values.str.fullmatch(r"-?\d+(\.\d+)?").all():
                whole = values.str.fullmatch(r"-?\d+(\.0+)?")
                assert not whole.all() or not values.str.contains(".", regex=False).any(), (
                    f"{path.relative_to(folder)}: {column} holds whole numbers as floats"
                )
            assert not values.str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?").any()  # no separators


def test_the_schemas_integer_columns_round_trip_as_integers(folder, result, schema):
    whole = [
        col.name
        for col in schema.columns
        if col.integer or col.role in ("product", "derived_count")
    ]
    cells = pd.read_csv(folder / "segments.csv", dtype=str, keep_default_na=False)
    read = pd.read_csv(folder / "segments.csv", dtype={name: "Int64" for name in whole})
    assert result.table[whole].isna().any().any()  # missing cells are part of the test
    for name in whole:
        assert cells[name].str.fullmatch(r"-?\d*").all(), name  # integers, or empty
        assert (cells[name] == "").tolist() == result.table[name].isna().tolist()
        assert read[name].astype("Float64").equals(result.table[name].astype("Float64")), name
    segment_columns = [c for c in cells.columns if c.startswith("segment_")]
    assert segment_columns and all(cells[c].str.fullmatch(r"\d*").all() for c in segment_columns)
