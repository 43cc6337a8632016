"""Synthetic customers written as a Parquet dataset a block at a time: the same customers
however they are cut into files, synthesize's own table up to one block, ids unique across
blocks, the schema's columns and types, and the folder rules of every output."""

from __future__ import annotations

import copy
import json

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from segmentasi import InputError, synthesize, synthesize_parquet
from segmentasi import synth as synth_module
from segmentasi.synth import arrow_schema, load_calibration, synthesize_blocks

from .conftest import cli_in_process

BLOCK = 1_000  # BLOCK_ROWS in these tests, so that small tables cross blocks
ROWS = 2_500


@pytest.fixture(autouse=True)
def small_blocks(monkeypatch):
    monkeypatch.setattr(synth_module, "BLOCK_ROWS", BLOCK)


@pytest.fixture(scope="module")
def clean(schema) -> dict:
    """The built-in calibration without its quality problems: ids unique, no blanks."""
    calibration = copy.deepcopy(load_calibration(schema))
    calibration["quality"]["enabled"] = False
    return calibration


def part_rows(folder) -> list[int]:
    return [pq.ParquetFile(path).metadata.num_rows for path in sorted(folder.glob("*.parquet"))]


def test_the_customers_do_not_depend_on_how_they_are_cut_into_files(schema, tmp_path):
    tables = {}
    for rows_per_file in (700, BLOCK, ROWS, 10_000):
        out = synthesize_parquet(
            schema, ROWS, tmp_path / f"{rows_per_file}", seed=3, rows_per_file=rows_per_file
        )
        tables[rows_per_file] = pd.read_parquet(out)
    assert part_rows(tmp_path / "700") == [700, 700, 700, 400]
    assert part_rows(tmp_path / f"{BLOCK}") == [1_000, 1_000, 500]
    assert part_rows(tmp_path / f"{ROWS}") == part_rows(tmp_path / "10000") == [ROWS]
    for table in tables.values():
        pd.testing.assert_frame_equal(table, tables[700])


def test_up_to_one_block_it_is_synthesizes_table(schema, tmp_path):
    out = synthesize_parquet(schema, BLOCK, tmp_path / "one", seed=5, rows_per_file=300)
    pd.testing.assert_frame_equal(pd.read_parquet(out), synthesize(schema, BLOCK, seed=5))


def test_each_block_has_its_own_seed_and_the_first_is_the_seed_itself(schema):
    blocks = list(synthesize_blocks(schema, ROWS, seed=5))
    assert [len(block) for block in blocks] == [1_000, 1_000, 500]
    pd.testing.assert_frame_equal(blocks[0], synthesize(schema, BLOCK, seed=5))
    again = list(synthesize_blocks(schema, ROWS, seed=5))
    for block, same in zip(blocks, again, strict=True):
        pd.testing.assert_frame_equal(block, same)
    other = next(synthesize_blocks(schema, ROWS, seed=6))
    assert not other.equals(blocks[0])
    assert not blocks[1].drop(columns="GCIF").equals(blocks[0].drop(columns="GCIF").head(1_000))


def test_ids_are_unique_across_blocks_and_as_wide_as_the_table_needs(schema, clean):
    ids = pd.concat(block["GCIF"] for block in synthesize_blocks(schema, 100_001, 1, clean))
    assert ids.is_unique and ids.str.fullmatch(r"G\d{6}").all()
    numbers = ids.str[1:].astype(int)
    assert numbers.min() == 0 and numbers.max() == 100_000
    assert set(numbers.iloc[BLOCK : 2 * BLOCK]) == set(range(BLOCK, 2 * BLOCK))


def test_columns_and_types_follow_the_schema(schema, clean, tmp_path):
    out = synthesize_parquet(schema, ROWS, tmp_path / "d", seed=2, rows_per_file=900)
    written = pq.read_schema(out / "part-00000.parquet")
    assert written.names == schema.names
    assert written.remove_metadata() == arrow_schema(schema)
    types = dict(zip(written.names, written.types, strict=True))
    assert types["GCIF"] == types["Area"] == pa.string()
    assert types["Usia"] == pa.float64()  # left blank for the widowed
    assert types["Jumlah_Anak"] == types["Produk_Tabungan"] == pa.int64()
    assert arrow_schema(schema, clean).field("Usia").type == pa.int64()
    table = pd.read_parquet(out)
    assert len(table) == ROWS and list(table.columns) == schema.names
    assert table["Usia"].isna().any() and table["GCIF"].duplicated().any()


def test_the_record_names_the_files_and_readers_skip_it(schema, tmp_path):
    out = synthesize_parquet(schema, ROWS, tmp_path / "d", seed=9, rows_per_file=1_200)
    record = json.loads((out / "_synthetic.json").read_text(encoding="utf-8"))
    assert {key: record[key] for key in ("format", "schema", "rows", "seed", "files")} == {
        "format": "segmentasi-synthetic-parquet",
        "schema": "fundfusion",
        "rows": ROWS,
        "seed": 9,
        "files": ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"],
    }
    assert sorted(path.name for path in out.iterdir()) == ["_synthetic.json", *record["files"]]
    assert pq.read_table(out).num_rows == ROWS


def test_an_existing_folder_is_replaced_only_when_segmentasi_wrote_it(schema, tmp_path):
    out = synthesize_parquet(schema, 300, tmp_path / "d", seed=1)
    with pytest.raises(InputError, match="use --overwrite"):
        synthesize_parquet(schema, 300, out, seed=2)
    synthesize_parquet(schema, 400, out, seed=2, overwrite=True)
    assert len(pd.read_parquet(out)) == 400
    (out / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match=r"holds notes\.txt"):
        synthesize_parquet(schema, 300, out, seed=3, overwrite=True)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "part-00000.parquet").write_text("not ours")
    with pytest.raises(InputError, match="not a segmentasi synthetic dataset"):
        synthesize_parquet(schema, 300, foreign, overwrite=True)
    assert (foreign / "part-00000.parquet").read_text() == "not ours"
    with pytest.raises(InputError, match="rows must be at least 1"):
        synthesize_parquet(schema, 0, tmp_path / "empty")
    assert not (tmp_path / "empty").exists()


def test_the_command_writes_the_dataset_the_api_writes(schema, tmp_path):
    out = tmp_path / "customers"
    done = cli_in_process("synth", "--rows", ROWS, "--seed", 4, "--format", "parquet", "--out", out)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {ROWS:,} synthetic customers to the Parquet dataset" in done.stdout
    api = synthesize_parquet(schema, ROWS, tmp_path / "api", seed=4)
    pd.testing.assert_frame_equal(pd.read_parquet(out), pd.read_parquet(api))
    again = cli_in_process("synth", "--rows", 10, "--format", "parquet", "--out", out)
    assert again.returncode == 2 and "use --overwrite" in again.stderr
    replaced = cli_in_process(
        "synth", "--rows", 10, "--format", "parquet", "--out", out, "--overwrite"
    )
    assert replaced.returncode == 0 and len(pd.read_parquet(out)) == 10


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--format", "csv"], "--format csv: only parquet"),
        (["--format", "parquet", "--period-shift"], "--format: not with --period-shift"),
    ],
)
def test_the_command_refuses_other_formats(tmp_path, options, message):
    done = cli_in_process("synth", "--out", tmp_path / "x", *options)
    assert done.returncode == 2 and message in done.stderr
    assert not (tmp_path / "x").exists()
