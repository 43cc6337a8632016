"""The schema keys real exports need: missing_values, true_values / false_values, the flag
role, sentinels, ignored index columns; their checks and the defaults that work for any
schema."""

from __future__ import annotations

import pandas as pd
import pytest

from segmentasi import SchemaError, assess, load_schema, validate
from segmentasi.cli import default_lang
from segmentasi.profile import profile
from segmentasi.schema import schema_from_dict

SCHEMA = """name = "bank"
index = "Unnamed: 0"

[[columns]]
name = "education"
role = "ordinal"
levels = ["primary", "secondary", "tertiary"]
missing_values = ["unknown"]

[[columns]]
name = "default"
role = "flag"
true_values = ["yes"]
false_values = ["no"]

[[columns]]
name = "housing"
role = "product"
true_values = ["yes"]
false_values = ["no"]

[[columns]]
name = "pdays"
role = "numeric"
min = 0
integer = true
sentinels = [{ value = -1, meaning = "tidak pernah dihubungi", meaning_en = "never contacted" }]

[experiments.demografi]
features = ["education", "pdays", "default"]
"""


@pytest.fixture
def bank(tmp_path):
    path = tmp_path / "bank.toml"
    path.write_text(SCHEMA)
    return load_schema(path)


def raw_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Unnamed: 0": ["0", "1", "2", "3", "4", "5"],
            "education": ["primary", "Unknown", "tertiary", "secondary", "unknown", "primary"],
            "default": ["no", "yes", "NO", "no", "no", "no"],
            "housing": ["yes", "no", "yes", "yes", "no", "yes"],
            "pdays": ["-1", "-1", "-1", "120", "300", "-1"],
        }
    )


def test_declared_tokens_words_sentinels_and_index_validate(bank):
    typed, problems = validate(raw_table(), bank)
    assert problems == []
    assert "Unnamed: 0" not in typed
    assert typed["education"].isna().tolist() == [False, True, False, False, True, False]
    assert typed["default"].tolist() == [0, 1, 0, 0, 0, 0]
    assert typed["housing"].tolist() == [1, 0, 1, 1, 0, 1]
    assert typed["pdays"].tolist() == [-1, -1, -1, 120, 300, -1]  # kept, not out of range


def test_sentinels_stay_out_of_ranges_outliers_and_profiles(bank):
    typed, _ = validate(raw_table(), bank)
    report = assess(typed, bank)
    summary = report.columns.set_index("column")
    assert summary.loc["pdays", "min"] == 120 and summary.loc["pdays", "median"] == 210
    assert summary.loc["pdays", "sentinels"] == "-1 (never contacted): 4"
    assert not [f for f in report.findings if f.kind == "outliers" and f.column == "pdays"]
    shown = profile(typed, pd.Series([0, 0, 0, 1, 1, 1]).to_numpy(), bank)
    numeric = shown.numeric.set_index(["segment", "column"])
    assert numeric.loc[(1, "pdays"), "sentinel_share"] == 1.0
    assert numeric.loc[(2, "pdays"), "sentinel_share"] == pytest.approx(1 / 3)
    assert numeric.loc[(2, "pdays"), "median"] == 210
    # a flag is profiled with the products; only products are products
    assert set(shown.products["product"]) == {"default", "housing"}
    assert [c.name for c in bank.products] == ["housing"]


def test_a_word_that_is_neither_yes_nor_no_is_named(bank):
    table = raw_table().assign(housing=["yes", "maybe", "no", "no", "no", "no"])
    with pytest.raises(Exception, match=r"'maybe'.*neither true_values"):
        validate(table, bank)


def test_usual_range_is_clipped_to_the_valid_and_observed_range():
    schema = schema_from_dict(
        {"columns": [{"name": "balance", "role": "numeric", "min": 0}], "experiments": {}}
    )
    values = [0] * 60 + [10, 20, 30, 40] * 10 + [5000]
    typed, _ = validate(pd.DataFrame({"balance": [str(v) for v in values]}), schema)
    (outliers,) = [f for f in assess(typed, schema).findings if f.kind == "outliers"]
    assert outliers.params["low"] == 0.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('role = "flag"', 'role = "nominal"\nlevels = ["no", "yes"]'), "'true_values' is for"),
        (
            (
                'false_values = ["no"]\n\n[[columns]]\nname = "housing"',
                '\n[[columns]]\nname = "housing"',
            ),
            "'true_values' needs 'false_values'",
        ),
        (('missing_values = ["unknown"]', 'missing_values = ["primary"]'), "in 'missing_values'"),
        (("{ value = -1, meaning", "{ valu = -1, meaning"), "unknown keys ['valu']"),
        (
            ('role = "numeric"\nmin = 0', 'role = "ordinal"\nlevels = ["a", "b"]\nmin = 0'),
            "'sentinels' are for numeric",
        ),
    ],
    ids=["true on nominal", "half a pair", "level also missing", "sentinel key", "sentinel role"],
)
def test_schema_errors_name_column_key_and_line(tmp_path, change, message):
    path = tmp_path / "bank.toml"
    text = SCHEMA.replace(*change)
    assert text != SCHEMA
    path.write_text(text)
    with pytest.raises(SchemaError, match="line") as caught:
        load_schema(path)
    assert message in str(caught.value)
    line = int(str(caught.value).rsplit("line ", 1)[1].rstrip(")"))
    assert 1 <= line <= len(text.splitlines())


def test_unnamed_column_message_says_how_to_ignore_it(bank, tmp_path):
    path = tmp_path / "plain.toml"
    path.write_text(SCHEMA.replace('index = "Unnamed: 0"\n', ""))
    with pytest.raises(Exception, match=r"write index = 'Unnamed: 0'"):
        validate(raw_table(), load_schema(path))


def test_missing_column_is_named(bank):
    with pytest.raises(Exception, match=r"column 'pdays': required column is missing"):
        validate(raw_table().drop(columns="pdays"), bank)


def test_one_default_language_set_by_environment(monkeypatch):
    monkeypatch.delenv("SEGMENTASI_LANG", raising=False)
    assert default_lang() == "id"
    monkeypatch.setenv("SEGMENTASI_LANG", "EN")
    assert default_lang() == "en"
