"""The command line end to end, as a user runs it: exit codes, messages, run folders.

The main run and a refused one run in a child process, as a user runs them; the other commands
run through the same entry point in this process (no child start-up each)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_score

from segmentasi.cli import app

from .conftest import DATA, cli_in_child, cli_in_process, make_other_bank


@pytest.fixture(scope="module")
def table_file(tmp_path_factory, synthetic) -> Path:
    path = tmp_path_factory.mktemp("data") / "customers.csv"
    synthetic.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, table_file) -> Path:
    out = tmp_path_factory.mktemp("runs") / "run"
    done = cli_in_child("run", table_file, "--out", out, "--k-max", "5", "--quiet")
    assert done.returncode == 0, done.stderr
    return out


def test_run_folder_has_every_output(run_dir):
    for name in ["manifest.json", "segments.csv", "quality.json", "quality_columns.csv"]:
        assert (run_dir / name).is_file(), name
    for experiment in ["demografi", "produk"]:
        folder = run_dir / experiment
        for name in [
            "sweep.csv",
            "sweep.json",
            "labels.csv",
            "features.json",
            "models.json",
            "profile_segments.csv",
            "profile_numeric.csv",
            "profile_categories.csv",
            "profile_products.csv",
        ]:
            assert (folder / name).is_file(), f"{experiment}/{name}"
    segments = pd.read_csv(run_dir / "segments.csv")
    assert {"segment_demografi", "segment_produk"} <= set(segments.columns)
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["input"]["sha256"] and manifest["options"]["sweep"]["seed"] == 0
    assert manifest["versions"]["kmedoids"]


def test_rules_command_reads_a_run_folder_and_its_sql_matches_the_run_folders(run_dir):
    done = cli_in_process("rules", str(run_dir), "--experiment", "produk", "--sql")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (run_dir / "produk" / "rules.sql").read_text(encoding="utf-8")
    done = cli_in_process("rules", str(run_dir), "--lang", "en")  # default: demografi
    assert done.returncode == 0 and "Segment rules of 'demografi'" in done.stdout


def test_every_silhouette_matches_sklearn_on_the_saved_matrix(run_dir):
    for experiment in ["demografi", "produk"]:
        folder = run_dir / experiment
        sweep = pd.read_csv(folder / "sweep.csv")
        labels = pd.read_csv(folder / "labels.csv")
        spaces = json.loads((folder / "features.json").read_text())["spaces"]
        assert len(sweep) == 2 * 4  # two algorithms, k = 2..5
        for row in sweep.itertuples():
            space = spaces[row.algorithm]
            X = np.load(folder / space["file"])
            expected = silhouette_score(
                X, labels[f"{row.algorithm}_k{row.k}"], metric=space["metric"]
            )
            assert row.silhouette == pytest.approx(expected, abs=1e-4), (experiment, row)


def test_same_seed_gives_byte_identical_outputs_with_any_number_of_workers(
    tmp_path, table_file, run_dir
):
    """run_dir ran in one process (a small table); this run uses two worker processes."""
    again = tmp_path / "again"
    done = cli_in_process(
        "run", table_file, "--out", again, "--k-max", "5", "--quiet", "--workers", "2"
    )
    assert done.returncode == 0, done.stderr
    assert json.loads((again / "manifest.json").read_text())["options"]["workers"] == 2
    for name in [
        "segments.csv",
        "demografi/sweep.csv",
        "produk/labels.csv",
        "demografi/profile_products.csv",
        "demografi/diagnostics.json",
        "demografi/models/kmeans.model",
        "demografi/models/kmedoids.model",
        "produk/segmentation.model",
        "quality.json",
    ]:
        first = (run_dir / name).read_bytes()
        if name.endswith("sweep.csv"):  # fit times differ run to run
            first = pd.read_csv(run_dir / name).drop(columns="fit_seconds")
            assert first.equals(pd.read_csv(again / name).drop(columns="fit_seconds"))
        else:
            assert first == (again / name).read_bytes(), name


def test_bad_table_exits_2_with_plain_words_and_writes_nothing(tmp_path, synthetic):
    bad = synthetic.astype(str).replace({"nan": ""})
    bad.loc[2, "Usia"] = "tiga puluh"
    bad.loc[4, "Pendidikan"] = "S1"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    out = tmp_path / "out"
    done = cli_in_child("run", path, "--out", out)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "column 'Usia': non-numeric value(s) such as 'tiga puluh' (row 3)" in done.stderr
    assert "column 'Pendidikan': unknown level(s) 'S1'" in done.stderr
    assert not out.exists()
    assert not list(tmp_path.glob(".out*")), "no half-written staging folder is left"


def test_too_few_distinct_portfolios_for_the_k_range_exits_2_and_writes_nothing(
    tmp_path, synthetic
):
    table = synthetic.head(300).copy()
    products = [c for c in table.columns if c.startswith("Produk_")]
    table[products] = 0
    table.loc[table.index[:100], "Produk_Tabungan"] = 1
    table["Total_Kepemilikan_Produk"] = table[products].sum(axis=1)
    path = tmp_path / "few.csv"
    table.to_csv(path, index=False)
    out = tmp_path / "out"
    done = cli_in_process("run", path, "--out", out, "--quiet")
    assert done.returncode == 2, done.stderr
    assert (
        "experiment 'produk': its features take only 2 different combination(s) among 300 "
        "rows, too few for k up to 10; lower --k-max to 2"
    ) in done.stderr
    assert not out.exists()
    assert cli_in_process("run", path, "--out", out, "--quiet", "--k-max", "2").returncode == 0


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "image.csv", "not a text table"),
        (b"a,b\n1,2\n", "table.json", "unsupported file type '.json'"),
        (b"not really excel", "sheet.xlsx", "cannot be read as excel"),
        (b"GCIF,Area\n", "header_only.csv", "no data rows"),
    ],
)
def test_unreadable_files_exit_2(tmp_path, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    done = cli_in_process("validate", path)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_and_bad_option_exit_2(tmp_path, table_file):
    done = cli_in_process("validate", tmp_path / "nope.csv")
    assert done.returncode == 2 and "no such file" in done.stderr
    done = cli_in_process("run", table_file, "--out", tmp_path / "o", "--algorithm", "dbscan")
    assert done.returncode == 2 and "unknown algorithm(s) ['dbscan']" in done.stderr
    done = cli_in_process("run", table_file, "--out", tmp_path / "o", "--experiment", "nope")
    assert done.returncode == 2 and "has no experiment 'nope'" in done.stderr


def test_existing_run_folder_is_not_clobbered(run_dir, table_file):
    done = cli_in_process("run", table_file, "--out", run_dir)
    assert done.returncode == 2 and "--overwrite" in done.stderr


def test_validate_prints_the_quality_report(table_file):
    done = cli_in_process("validate", table_file, "--lang", "en")
    assert done.returncode == 0, done.stderr
    assert "all 18 columns valid" in done.stdout
    assert "'Usia' is missing in 100.0% of rows where Status_Perkawinan = Janda/Duda" in done.stdout
    assert "IDs appear more than once" in done.stdout
    # every command defaults to one language, id, or SEGMENTASI_LANG once for all
    default = cli_in_process("validate", table_file)
    assert default.returncode == 0 and default.stdout != done.stdout
    chosen = cli_in_process("validate", table_file, env={"SEGMENTASI_LANG": "en"})
    assert chosen.stdout == done.stdout


def test_another_banks_schema_runs_without_code_changes(tmp_path):
    path = tmp_path / "other.parquet"
    make_other_bank(240).to_parquet(path)
    out = tmp_path / "run"
    done = cli_in_process(
        "run",
        path,
        "--schema",
        DATA / "otherbank.toml",
        "--out",
        out,
        "--k-max",
        "4",
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    sweep = json.loads((out / "people" / "sweep.json").read_text())
    assert sweep["recommended"]["k"] == 3  # the three planted groups
    spaces = json.loads((out / "people" / "features.json").read_text())["spaces"]
    assert spaces["kmedoids"]["file"] == "features_gower.npy"


def test_where_filters_rows(tmp_path, table_file):
    out = tmp_path / "tm"
    done = cli_in_process(
        "run",
        table_file,
        "--out",
        out,
        "--experiment",
        "produk",
        "--where",
        "Jalur_Pembukaan == 'Telemarketing'",
        "--k-max",
        "3",
        "--quiet",
    )
    assert done.returncode == 0, done.stderr
    segments = pd.read_csv(out / "segments.csv")
    assert set(segments["Jalur_Pembukaan"]) == {"Telemarketing"}
    done = cli_in_process("run", table_file, "--out", tmp_path / "x", "--where", "Nope ==")
    assert done.returncode == 2 and "is not a valid filter" in done.stderr


def test_help_has_examples():
    from typer.testing import CliRunner

    for command in ["run", "validate", "synth", "demo", "rules"]:
        result = CliRunner().invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output, command
