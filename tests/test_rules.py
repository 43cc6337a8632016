"""Segments as rules: fitted and measured (rules.py), worded (text/rules.py), run as SQL in
real engines (sql.py) with exactly assign's segments, saved in model files, and the command."""

from __future__ import annotations

import dataclasses
import json
import math
import re
import sqlite3

import duckdb
import numpy as np
import pandas as pd
import pytest

from segmentasi import SweepOptions, UserError, load_model, read_table, run
from segmentasi.features import FeatureSpace
from segmentasi.model import MODEL_FILE, ModelError, SavedModel, _payload_digest
from segmentasi.rules import Condition, readable_between
from segmentasi.schema import schema_from_dict
from segmentasi.text.rules import condition_text

from .conftest import cli_in_process

HOSTILE = '"; DROP TABLE x; --'


def place_in_sql(rules, table: pd.DataFrame, dialect: str = "duckdb", **options) -> np.ndarray:
    """The query's segment of every row of `table` (0 for NULL), in the table's order."""
    numbered = table.assign(row_number=np.arange(len(table)))
    name = options.pop("table", "customers")
    query = rules.sql(dialect, table=name, keep=["row_number"], **options)
    if dialect == "sqlite":
        connection = sqlite3.connect(":memory:")
        numbered.to_sql(name, connection, index=False)
        found = pd.DataFrame(
            connection.execute(query).fetchall(), columns=["row_number", "segment"]
        )
    else:
        connection = duckdb.connect()
        connection.register(name, numbered)
        found = connection.execute(query).df()
    found = found.sort_values("row_number")
    assert found["row_number"].tolist() == list(range(len(table)))
    return found["segment"].fillna(0).to_numpy(dtype=np.int64)


def assigned(model: SavedModel, table: pd.DataFrame) -> np.ndarray:
    """assign's segment of every row (0 where it places none)."""
    return model.assign(table).table["segment"].fillna(0).to_numpy(dtype=np.int64)


# --- a model whose rule is known: the segment is whether the age is 46 or more -------------


def age_model() -> tuple[SavedModel, pd.DataFrame]:
    """Centres at the ages 30 and 61 (midway: 45.5), fitted on ages 18 to 99, ten of each."""
    schema = schema_from_dict(
        {
            "name": "agebank",
            "columns": [
                {"name": "cust", "role": "id"},
                {
                    "name": "Umur",
                    "role": "numeric",
                    "min": 18,
                    "max": 99,
                    "integer": True,
                    "unit": "tahun",
                    "unit_en": "years",
                    "label": "usia",
                    "label_en": "age",
                },
            ],
            "experiments": {"people": {"features": ["Umur"]}},
        }
    )
    ages = np.repeat(np.arange(18, 100), 10)
    table = pd.DataFrame({"cust": [f"C{i}" for i in range(len(ages))], "Umur": ages.astype(float)})
    space = FeatureSpace(schema, schema.experiment("people")).fit(table)
    centers = space.transform(pd.DataFrame({"Umur": [30.0, 61.0]}))
    model = SavedModel(
        schema=schema,
        experiment=schema.experiment("people"),
        algorithm="kmeans",
        k=2,
        metric="euclidean",
        space=space,
        centers=centers,
        names={"id": {2: "Lebih tua"}, "en": {2: "Older"}},
        narratives={},
        profile={},
        offers=pd.DataFrame(),
    )
    return model, table


@pytest.fixture(scope="module")
def age() -> tuple[SavedModel, pd.DataFrame]:
    model, table = age_model()
    return replace_rules(model, table), table


def replace_rules(model: SavedModel, table: pd.DataFrame) -> SavedModel:
    """The model carrying the rules fitted on `table` (as a run's recommended model does)."""
    return dataclasses.replace(model, surrogate=model.rules(table).surrogate)


def test_a_planted_rule_is_found_at_depth_one_with_a_round_threshold(age):
    model, table = age
    rules = model.rules()
    assert [(leaf.segment, leaf.conditions) for leaf in rules.leaves] == [
        (1, (Condition("Umur", "range", below=46.0),)),
        (2, (Condition("Umur", "range", at_least=46.0),)),
    ]
    assert [leaf.customers for leaf in rules.leaves] == [280, 540]
    fidelity = rules.fidelity
    assert fidelity.depth == 1 and fidelity.reached
    assert fidelity.by_depth == {1: 1.0, 2: 1.0, 3: 1.0, 4: 1.0}
    assert fidelity.fit_rows == 574 and fidelity.heldout_rows == 246  # 70% fitted, seeded
    assert sum(map(sum, fidelity.confusion)) == 246 and fidelity.by_segment == {1: 1.0, 2: 1.0}
    assert all(leaf.faithful and leaf.agreement == 1.0 for leaf in rules.leaves)
    # Ages 45.5 to 46 pass validation and are nearer the older centre: 'under 46' is not
    # exact, '46 or more' is.
    assert rules.exact == (False, True)
    np.testing.assert_array_equal(rules.apply(table), assigned(model, table))


def test_the_rules_read_as_sentences_in_both_languages(age):
    model, _ = age
    rules = model.rules()
    assert rules.sentences("id") == [
        "Usia (Umur) di bawah 46 tahun → Segmen 1: 280 nasabah; 100,0% di antaranya memang "
        "di segmen ini menurut model.",
        "Usia (Umur) 46 tahun ke atas → Segmen 2 “Lebih tua”: 540 nasabah; 100,0% di "
        "antaranya memang di segmen ini menurut model.",
    ]
    english = rules.text("en")
    assert "1. Age (Umur) under 46 years → Segment 1: 280 customers; the model places 100.0%" in (
        english
    )
    assert "A missing or invalid value counts as: age (Umur) 58.5 years." in english
    assert "not reached" not in english


def test_the_query_gives_assigns_segment_to_every_row_and_only_exact_rules_decide(age):
    model, table = age
    rules = model.rules()
    # Ages between the whole numbers, missing, below the minimum and above the maximum.
    probe = pd.DataFrame(
        {"cust": list("abcdefg"), "Umur": [45.4, 45.6, 45.9, None, 17.0, 150.0, 99.0]}
    )
    expected = assigned(model, probe)
    # Without a valid age a customer has no feature at all: placed nowhere, by both.
    assert expected.tolist() == [1, 2, 2, 0, 0, 0, 2]
    np.testing.assert_array_equal(place_in_sql(rules, probe), expected)
    np.testing.assert_array_equal(place_in_sql(rules, table), assigned(model, table))
    # The faithful 'under 46' rule decides 45.6 and 45.9 otherwise than the model.
    faithful = place_in_sql(rules, probe, mode="faithful")
    assert faithful.tolist() == [1, 1, 1, 0, 0, 0, 2]
    query = rules.sql("postgres")
    assert 'WHEN COALESCE("Umur", 58.5) >= 46' in query and "THEN 2" in query
    assert 'COALESCE("Umur", 58.5) < 46' not in query  # not exact, not used
    assert query.startswith("-- segmentasi") and "Dialect: postgres" in query
    assert 'SELECT\n  "cust",' in query  # the schema's id is kept by default


@pytest.mark.parametrize(
    ("low", "high", "readable"),
    [
        (447.0, 452.5, 450.0),
        (48.0, 52.0, 50.0),
        (45.0, 46.0, 46.0),
        (-0.5, 0.3, 0.0),
        (0.123, 0.1234, 0.1234),
        (1234.5, 1300.0, 1300.0),
        (-52.0, -48.0, -50.0),
        (299_076_075.0, 310_000_000.0, 300_000_000.0),
    ],
)
def test_a_threshold_moves_to_the_roundest_number_in_its_gap(low, high, readable):
    assert readable_between(low, high) == readable


# --- the wording of each kind of condition, on the built-in schema -------------------------


@pytest.mark.parametrize(
    ("condition", "id_text", "en_text"),
    [
        (
            Condition(
                "Status_Perkawinan", "levels", levels=("Belum Menikah", "Cerai", "Janda/Duda")
            ),
            "status perkawinan (Status_Perkawinan) selain menikah",
            "marital status (Status_Perkawinan) other than married ('Menikah')",
        ),
        (
            Condition("Pendidikan", "levels", levels=("SMA", "Sarjana", "Magister", "Doktor")),
            "pendidikan SMA atau lebih tinggi",
            "education (Pendidikan) senior high school ('SMA') or higher",
        ),
        (
            Condition("Vintage", "levels", levels=("> 4 Tahun",)),
            "lama menjadi nasabah (Vintage) lebih dari 4 tahun ('> 4 Tahun')",
            "tenure (Vintage) more than 4 years ('> 4 Tahun')",
        ),
        (
            Condition("Area", "levels", levels=("Jakarta", "Bogor")),
            "kota (Area) Jakarta atau Bogor",
            "city (Area) Jakarta or Bogor",
        ),
        (
            Condition("Produk_Deposito", "flag", value=1),
            "punya deposito (Produk_Deposito)",
            "has time deposit (Produk_Deposito)",
        ),
        (
            Condition("Pendapatan_Tahunan", "range", at_least=450.0),
            "pendapatan tahunan (Pendapatan_Tahunan) Rp450 juta ke atas",
            "annual income (Pendapatan_Tahunan) Rp450 million or more",
        ),
        (  # three significant digits would round it: written in full, in the column's unit
            Condition("Pendapatan_Tahunan", "range", at_least=1234.0),
            "pendapatan tahunan (Pendapatan_Tahunan) 1.234 juta rupiah ke atas",
            "annual income (Pendapatan_Tahunan) 1,234 million rupiah or more",
        ),
        (
            Condition("Total_Relationship_Balance", "range", below=300_000_000.0),
            "total saldo (Total_Relationship_Balance) di bawah Rp300 juta",
            "total balance (Total_Relationship_Balance) under Rp300 million",
        ),
        (
            Condition("Usia", "range", at_least=30.0, below=49.0),
            "usia 30–48 tahun",
            "age (Usia) 30–48 years",
        ),
        (  # whole numbers from the minimum 0 to under 1: only 0
            Condition("Jumlah_Anak", "range", below=1.0),
            "jumlah anak (Jumlah_Anak) 0",
            "number of children (Jumlah_Anak) 0",
        ),
    ],
)
def test_each_condition_names_the_column_and_level_as_in_the_data(
    schema, condition, id_text, en_text
):
    column = schema.column(condition.column)
    assert condition_text(condition, column, "id") == id_text
    assert condition_text(condition, column, "en") == en_text


# --- a run's models: the query equals assign, in DuckDB and SQLite --------------------------


@pytest.fixture(scope="module")
def fitted(synthetic, schema):
    return run(
        synthetic, schema=schema, options=SweepOptions(ks=(2, 3), stability_runs=0), diagnose=False
    )


@pytest.mark.parametrize("experiment", ["demografi", "produk"])
def test_a_runs_recommended_model_carries_rules_the_query_runs_exactly(
    fitted, synthetic, experiment
):
    model = SavedModel.from_run(fitted, experiment)
    rules = model.rules()
    assert rules.leaves and 1 <= rules.fidelity.depth <= 4
    expected = assigned(model, synthetic)
    assert (expected == 0).any() == (experiment == "demografi")  # age set aside
    np.testing.assert_array_equal(place_in_sql(rules, synthetic), expected)
    training = fitted.table.loc[fitted.experiments[experiment].rows]
    agree = rules.apply(training) == fitted.experiments[experiment].labels + 1
    assert sum(leaf.customers for leaf in rules.leaves) == len(training)
    assert agree.mean() >= rules.fidelity.by_depth[1]  # the chosen depth, on every customer
    if experiment == "produk":  # flags: every combination placed, the rules proven exact
        assert all(rules.exact)
        np.testing.assert_array_equal(place_in_sql(rules, synthetic, "sqlite"), expected)


def test_sqlite_without_a_4_byte_float_says_so_and_places_nearly_all_alike(fitted, synthetic):
    model = SavedModel.from_run(fitted, "demografi")
    query = model.rules().sql("sqlite")
    assert "sqlite has no 4-byte float" in query
    found = place_in_sql(model.rules(), synthetic, "sqlite")
    assert (found == assigned(model, synthetic)).mean() >= 0.99


# --- untrusted names: quoted, never run -------------------------------------------------------


def test_hostile_column_level_and_table_names_stay_data():
    schema = schema_from_dict(
        {
            "name": "hostile",
            "columns": [
                {"name": 'id"', "role": "id"},
                {"name": HOSTILE, "role": "nominal", "levels": ["a'; DROP TABLE x; --", 'b"c']},
                {"name": "it's", "role": "numeric", "min": 0},
            ],
            "experiments": {"e": {"features": [HOSTILE, "it's"]}},
        }
    )
    rng = np.random.default_rng(0)
    table = pd.DataFrame(
        {
            'id"': [f"r{i}" for i in range(200)],
            HOSTILE: rng.choice(["a'; DROP TABLE x; --", 'b"c'], 200),
            "it's": rng.integers(0, 100, 200).astype(float),
        }
    )
    space = FeatureSpace(schema, schema.experiment("e")).fit(table)
    model = SavedModel(
        schema=schema,
        experiment=schema.experiment("e"),
        algorithm="kmeans",
        k=2,
        metric="euclidean",
        space=space,
        centers=space.transform(
            pd.DataFrame({HOSTILE: ["a'; DROP TABLE x; --", 'b"c'], "it's": [10.0, 90.0]})
        ),
        names={},
        narratives={},
        profile={},
        offers=pd.DataFrame(),
    )
    rules = model.rules(table)
    table_name = 'cust"; DROP TABLE x; --'
    query = rules.sql("duckdb", table=table_name)
    assert '"""; DROP TABLE x; --"' in query and "'a''; DROP TABLE x; --'" in query
    connection = duckdb.connect()
    connection.execute("CREATE TABLE x (kept INTEGER)")
    connection.register(table_name, table.assign(row_number=np.arange(200)))
    found = connection.execute(rules.sql("duckdb", table=table_name, keep=["row_number"])).df()
    assert connection.execute("SELECT count(*) FROM x").fetchone() == (0,)  # still there
    found = found.sort_values("row_number")["segment"].to_numpy(dtype=np.int64)
    np.testing.assert_array_equal(found, assigned(model, table))


# --- the model file: rules saved, checked when loaded; older formats ----------------------


def _resealed(path, target, change):
    document = json.loads(path.read_text(encoding="utf-8"))
    change(document)
    document["sha256"] = _payload_digest(document["payload"])
    target.write_text(json.dumps(document), encoding="utf-8")
    return target


def test_rules_round_trip_through_the_model_file(age, tmp_path):
    model, _ = age
    loaded = load_model(model.save(tmp_path / "m.model"))
    assert loaded.surrogate == model.surrogate
    assert loaded.rules().sql("duckdb") == model.rules().sql("duckdb")


def test_a_model_from_before_rules_says_to_rerun_or_fits_them_on_a_table(age, tmp_path):
    model, table = age
    saved = model.save(tmp_path / "m.model")

    def older(document):
        document["format_version"] = 3
        del document["payload"]["rules"]

    old = load_model(_resealed(saved, tmp_path / "old.model", older))
    with pytest.raises(UserError, match=r"carries no rules.*Run `segmentasi run` again"):
        old.rules()
    assert old.rules(table).leaves == model.rules().leaves


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda r: r["leaves"][0]["conditions"][0].__setitem__("column", "Nope"),
            r"payload.rules.leaves\[0\].conditions\[0\].column: 'Nope' is not a feature",
        ),
        (
            lambda r: r["leaves"][0]["conditions"][0].__setitem__("below", math.inf),
            r"payload.rules.leaves\[0\].conditions\[0\]: needs at_least or below, finite",
        ),
        (
            lambda r: r["leaves"][0].__setitem__("segment", 9),
            r"payload.rules.leaves\[0\].segment: there is no segment 9 \(k=2\)",
        ),
        (
            lambda r: r["leaves"][0]["conditions"][0].__setitem__("kind", "levels"),
            r"payload.rules.leaves\[0\].conditions\[0\]: unknown key\(s\) \['at_least', 'below'\]",
        ),
        (
            lambda r: r["leaves"].extend([r["leaves"][0]] * 16),
            r"payload.rules.leaves: 18 items; at most 16",
        ),
        (
            lambda r: r["fidelity"].__setitem__("overall", 1.5),
            r"payload.rules.fidelity.overall: 1.5 is not a share from 0 to 1",
        ),
        (
            lambda r: r["fidelity"]["confusion"].pop(),
            r"payload.rules.fidelity.confusion: must be 2 rows of 2 counts",
        ),
    ],
)
def test_malformed_rules_in_a_sealed_file_are_refused_by_key_path(age, tmp_path, change, message):
    model, _ = age
    saved = model.save(tmp_path / "m.model")
    bad = _resealed(saved, tmp_path / "bad.model", lambda d: change(d["payload"]["rules"]))
    with pytest.raises(ModelError, match=message):
        load_model(bad)


# --- the command -------------------------------------------------------------------------------


@pytest.fixture
def run_like(age, tmp_path):
    """A folder shaped like a run folder: a manifest and one experiment's model."""
    model, _ = age
    folder = tmp_path / "run"
    (folder / "people").mkdir(parents=True)
    (folder / "manifest.json").write_text("{}")
    model.save(folder / "people" / MODEL_FILE)
    return folder


def test_the_command_prints_rules_and_writes_sql(run_like, tmp_path):
    done = cli_in_process("rules", run_like / "people", "--lang", "en")
    assert done.returncode == 0 and "Age (Umur) 46 years or more → Segment 2 “Older”" in done.stdout
    target = tmp_path / "rules.sql"
    done = cli_in_process(
        *("rules", run_like, "--experiment", "people", "--sql", "--dialect", "spark"),
        *("--out", target),
    )
    assert done.returncode == 0 and "Dialect: spark" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("--experiment", "nope"), "no model of experiment 'nope' \\(experiments with a model: "),
        (("--sql", "--dialect", "oracle9"), "unknown SQL dialect 'oracle9'; one of: athena"),
        (("--use", "all"), "--use must be one of exact, faithful"),
    ],
)
def test_bad_options_exit_2_with_a_message(run_like, arguments, message):
    done = cli_in_process("rules", run_like, *arguments)
    assert done.returncode == 2 and re.search(message, " ".join(done.stderr.split()))


def test_a_folder_without_models_exits_2(tmp_path):
    done = cli_in_process("rules", tmp_path)
    assert done.returncode == 2 and "is a folder without a segmentation.model" in done.stderr
    (tmp_path / "manifest.json").write_text("{}")
    done = cli_in_process("rules", tmp_path)
    assert done.returncode == 2 and "not a run folder made by `segmentasi run`" in done.stderr


# --- the real table -------------------------------------------------------------------------


def test_the_query_equals_assign_on_the_real_table(real_table_path, real_run):
    raw = read_table(real_table_path)
    for experiment in ("demografi", "produk"):
        model = SavedModel.from_run(real_run, experiment)
        np.testing.assert_array_equal(
            place_in_sql(model.rules(), raw), assigned(model, raw), err_msg=experiment
        )
