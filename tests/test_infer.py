"""`segmentasi schema infer` on three public bank tables and the real FundFusion table: the
inferred roles and levels, then `run` on the inferred schema with no edits."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentasi import builtin_schema, infer_schema, load_schema, read_table, validate
from segmentasi.errors import InputError
from segmentasi.features import FeatureSpace

from .conftest import DATA, REAL_TABLE, cli_in_child, cli_in_process

BANK = DATA / "bank_marketing_sample.csv"
CHURNERS = DATA / "bank_churners_sample.csv"
CHURN = DATA / "churn_modelling_sample.csv"
# The real table beside the main checkout, or beside a worktree's parent folder.
REAL = next(
    (
        p
        for p in (
            REAL_TABLE,
            Path(__file__).resolve().parents[3] / "shared/data/fundfusion/clustering_data.csv",
        )
        if p.is_file()
    ),
    REAL_TABLE,
)


def inferred(path: Path) -> dict:
    return tomllib.loads(infer_schema(path))


def columns(schema: dict) -> dict[str, dict]:
    return {c["name"]: c for c in schema["columns"]}


def roles(schema: dict) -> dict[str, str]:
    return {c["name"]: c["role"] for c in schema["columns"]}


# --- the three public tables --------------------------------------------------------------


def test_bank_marketing_roles_levels_tokens_and_sentinel():
    schema = inferred(BANK)
    cols = columns(schema)
    assert roles(schema) == {
        "age": "numeric",
        "job": "nominal",
        "marital": "nominal",
        "education": "ordinal",
        "default": "flag",
        "balance": "numeric",
        "housing": "product",
        "loan": "product",
        "contact": "nominal",
        "day": "numeric",
        "month": "nominal",
        "duration": "numeric",
        "campaign": "numeric",
        "pdays": "numeric",
        "previous": "numeric",
        "poutcome": "nominal",
        "y": "flag",
    }
    assert cols["education"]["levels"] == ["primary", "secondary", "tertiary"]
    assert cols["education"]["missing_values"] == ["unknown"]
    assert "unknown" not in cols["job"]["levels"] and cols["job"]["missing_values"] == ["unknown"]
    assert cols["housing"]["true_values"] == ["yes"] and cols["housing"]["false_values"] == ["no"]
    assert cols["pdays"]["sentinels"] == [{"value": -1}]
    assert cols["pdays"]["min"] == 0
    assert cols["month"]["levels"][:3] == ["jan", "feb", "mar"]
    # two product flags hold 4 combinations: too few for k up to 10, so no product experiment
    assert list(schema["experiments"]) == ["demografi"]
    assert "housing" not in schema["experiments"]["demografi"]["features"]
    assert "default" not in schema["experiments"]["demografi"]["features"]


def test_bank_churners_id_ordinal_bands_and_unknown():
    schema = inferred(CHURNERS)
    cols = columns(schema)
    assert cols["CLIENTNUM"]["role"] == "id"
    assert cols["Education_Level"]["levels"] == [
        "Uneducated",
        "High School",
        "College",
        "Graduate",
        "Post-Graduate",
        "Doctorate",
    ]
    assert cols["Education_Level"]["missing_values"] == ["Unknown"]
    assert cols["Income_Category"]["role"] == "ordinal"
    assert cols["Income_Category"]["levels"] == [
        "Less than $40K",
        "$40K - $60K",
        "$60K - $80K",
        "$80K - $120K",
        "$120K +",
    ]
    assert cols["Income_Category"]["missing_values"] == ["Unknown"]
    assert cols["Card_Category"]["levels"] == ["Blue", "Silver", "Gold", "Platinum"]
    assert cols["Attrition_Flag"]["role"] == "nominal"
    assert cols["Avg_Utilization_Ratio"]["max"] == 1
    features = schema["experiments"]["demografi"]["features"]
    assert not [f for f in features if f.startswith("Naive_Bayes")]  # model outputs left out
    assert "CLIENTNUM" not in features


def test_churn_modelling_index_id_free_text_and_flags():
    schema = inferred(CHURN)
    assert roles(schema) == {
        "RowNumber": "index",
        "CustomerId": "id",
        "Surname": "index",
        "CreditScore": "numeric",
        "Geography": "nominal",
        "Gender": "nominal",
        "Age": "numeric",
        "Tenure": "numeric",
        "Balance": "numeric",
        "NumOfProducts": "numeric",
        "HasCrCard": "product",
        "IsActiveMember": "flag",
        "EstimatedSalary": "numeric",
        "Exited": "flag",
    }
    assert "true_values" not in columns(schema)["HasCrCard"]  # already 0/1
    assert list(schema["experiments"]) == ["demografi"]  # one product: no portfolio experiment


@pytest.mark.parametrize("table", [BANK, CHURNERS, CHURN], ids=lambda p: p.stem)
def test_inferred_schema_is_deterministic_commented_and_validates(table, tmp_path):
    text = infer_schema(table)
    assert text == infer_schema(table)
    assert "# check:" in text
    path = tmp_path / "bank.toml"
    path.write_text(text)
    schema = load_schema(path)
    typed, problems = validate(read_table(table), schema, source=table.name)
    assert problems == [] and len(typed) == 400


@pytest.mark.parametrize("table", [BANK, CHURNERS, CHURN], ids=lambda p: p.stem)
def test_raw_file_to_finished_run_through_schema_infer(table, tmp_path):
    schema_file = tmp_path / "bank.toml"
    done = cli_in_process("schema", "infer", table, "--out", schema_file)
    assert done.returncode == 0, done.stderr
    assert "# check:" in schema_file.read_text()
    again = cli_in_process("schema", "infer", table)  # stdout: the same text
    assert again.returncode == 0 and again.stdout == schema_file.read_text()
    out = tmp_path / "run"
    done = cli_in_process("run", table, "--schema", schema_file, "--out", out, "--k-max", "4", "-q")
    assert done.returncode == 0, done.stderr
    assert (out / "report.html").stat().st_size > 10_000
    assert (out / "demografi" / "segmentation.model").is_file()
    segments = pd.read_csv(out / "segments.csv")
    # Every customer has a segment but those set aside for a number often unrecorded (the
    # churners' Education_Level and Income_Category 'Unknown'); a sentinel such as pdays = -1
    # sets no one aside.
    schema = load_schema(schema_file)
    typed, _ = validate(read_table(table), schema)
    space = FeatureSpace(schema, schema.experiment("demografi")).fit(typed)
    aside = np.zeros(len(typed), dtype=bool)
    for rows in space.set_aside_rows(typed).values():
        aside |= rows
    assert aside.mean() < 0.25, space.set_aside  # churners: 22.8% (education or income)
    assert len(segments) == 400
    np.testing.assert_array_equal(segments["segment_demografi"].isna().to_numpy(), aside)


def test_unnamed_index_column_is_ignored(tmp_path):
    """A table saved by pandas with its index (an unnamed first column) runs as it is."""
    table = tmp_path / "bank_with_index.csv"
    read_table(BANK).to_csv(table)  # header starts with an empty cell: 'Unnamed: 0'
    schema = inferred(table)
    assert schema["columns"][0] == {"name": "Unnamed: 0", "role": "index"}
    path = tmp_path / "bank.toml"
    path.write_text(infer_schema(table))
    typed, problems = validate(read_table(table), load_schema(path))
    assert problems == [] and "Unnamed: 0" not in typed


def test_sentinel_999_and_text_booleans(tmp_path):
    frame = pd.DataFrame(
        {
            "cust_id": [f"C{i:04d}" for i in range(60)],
            "pdays": [999] * 40 + list(range(1, 21)),
            "has_card": ["Y", "N"] * 30,
            "vip": ["t", "f", "f"] * 20,
            "risk": ["low", "medium", "high"] * 20,
        }
    )
    cols = columns(tomllib.loads(infer_schema(frame)))
    assert cols["cust_id"]["role"] == "id"
    assert cols["pdays"]["sentinels"] == [{"value": 999}]
    assert cols["has_card"] | {} == {
        "name": "has_card",
        "role": "product",
        "label": "has card",
        "label_en": "has card",
        "true_values": ["Y"],
        "false_values": ["N"],
    }
    assert cols["vip"]["role"] == "flag"
    assert cols["risk"]["levels"] == ["low", "medium", "high"]


# --- bad input: exit 2, a message, nothing written ----------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        (b"", "empty"),
        (b"only\n1\n2\n3\n", "needs at least two"),
        (bytes(range(256)) * 8, "not a text table"),
    ],
    ids=["missing", "empty", "one column", "binary"],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, content, message):
    table = tmp_path / "table.csv"
    if content is not None:
        table.write_bytes(content)
    out = tmp_path / "bank.toml"
    done = cli_in_process("schema", "infer", table, "--out", out)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ([] if content is None else ["table.csv"])


def test_existing_output_needs_overwrite(tmp_path):
    out = tmp_path / "bank.toml"
    out.write_text("# mine\n")
    done = cli_in_process("schema", "infer", CHURN, "--out", out)
    assert done.returncode == 2 and "--overwrite" in done.stderr
    assert out.read_text() == "# mine\n"
    done = cli_in_process("schema", "infer", CHURN, "--out", out, "--overwrite")
    assert done.returncode == 0 and out.read_text() == infer_schema(CHURN)


def test_the_command_prints_the_whole_schema_from_a_child_process():
    """Printed on stdout by a real process, which ends with os._exit: nothing is lost."""
    done = cli_in_child("schema", "infer", CHURN)
    assert done.returncode == 0 and done.stdout == infer_schema(CHURN)


def test_python_api_refuses_a_table_of_one_column():
    with pytest.raises(InputError, match="at least two"):
        infer_schema(pd.DataFrame({"a": [1, 2, 3]}))


# --- the real FundFusion table ------------------------------------------------------------


@pytest.mark.skipif(not REAL.is_file(), reason=f"real FundFusion table not present at {REAL}")
def test_fundfusion_inferred_from_the_real_table_matches_the_builtin_schema():
    schema = inferred(REAL)
    builtin = builtin_schema("fundfusion")
    cols = columns(schema)
    assert list(cols) == builtin.names
    for col in builtin.columns:
        assert cols[col.name]["role"] == col.role, col.name
        if col.role == "ordinal":
            assert tuple(cols[col.name]["levels"]) == col.levels, col.name
        if col.role == "nominal":  # same levels; inferred ones are ordered by frequency
            assert set(cols[col.name]["levels"]) == set(col.levels), col.name
        if col.role == "derived_count":
            assert tuple(cols[col.name]["of"]) == col.of
    for name, experiment in builtin.experiments.items():
        assert tuple(schema["experiments"][name]["features"]) == experiment.features
        assert schema["experiments"][name]["metric"] == experiment.metric


def test_labels_are_the_column_names_as_words_in_both_languages():
    """An inferred schema reads naturally in either language: every column is labelled with its
    name as words, the same in label and label_en (a person translates them if they like)."""
    frame = pd.DataFrame(
        {
            "Customer_Age": [30, 40, 50] * 20,
            "housing": ["yes", "no", "no"] * 20,
            "CreditScore": [600, 700, 800] * 20,
            "KPR_flag": [1, 0, 0] * 20,
        }
    )
    cols = columns(tomllib.loads(infer_schema(frame)))
    expected = {
        "Customer_Age": "customer age",
        "housing": "housing",
        "CreditScore": "credit score",
        "KPR_flag": "KPR flag",
    }
    for name, label in expected.items():
        assert cols[name]["label"] == cols[name]["label_en"] == label
