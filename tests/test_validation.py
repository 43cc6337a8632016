from __future__ import annotations

import pandas as pd
import pytest

from segmentasi.schema import schema_from_dict
from segmentasi.validation import ValidationError, validate

from .conftest import make_other_bank


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """The table as read_table gives a CSV: every cell text."""
    return frame.astype(str).replace({"nan": None})


def test_valid_synthetic_table_types_every_column(synthetic, schema):
    clean, problems = validate(as_text(synthetic), schema)
    assert problems == []
    assert list(clean.columns) == schema.names
    assert clean["Pendidikan"].cat.ordered
    assert clean["Usia"].dtype == float
    assert clean["Usia"].isna().sum() == synthetic["Usia"].isna().sum()


def test_every_problem_is_reported_at_once_with_rows(synthetic, schema):
    bad = as_text(synthetic)
    bad.loc[3, "Usia"] = "abc"
    bad.loc[5, "Area"] = "jakarta"
    bad.loc[7, "Produk_Tabungan"] = "2"
    bad.loc[9, "Pendapatan_Tahunan"] = "-5"
    bad.loc[10, "Jumlah_Anak"] = "1.5"
    bad = bad.drop(columns=["Vintage"])
    bad["extra"] = "1"
    with pytest.raises(ValidationError) as caught:
        validate(bad, schema, source="bad.csv")
    text = str(caught.value)
    assert text.startswith("bad.csv: 8 problem(s) found; nothing was written.")
    assert "column 'Vintage': required column is missing" in text
    assert "unexpected column(s) 'extra'" in text
    assert "'jakarta' x1 (did you mean 'Jakarta'?)" in text and "(row 6)" in text
    assert "column 'Usia': non-numeric value(s) such as 'abc' (row 4)" in text
    assert "column 'Produk_Tabungan': product flags must be 0 or 1 (row 8)" in text
    assert "column 'Pendapatan_Tahunan': value(s) below the minimum 0 (row 10)" in text
    assert "column 'Jumlah_Anak': must be a whole number (row 11)" in text
    assert "does not equal the sum of" in text  # the flag 2 breaks the product count too


def test_empty_table_is_a_problem(schema):
    with pytest.raises(ValidationError, match="no data rows"):
        validate(pd.DataFrame(columns=schema.names), schema)


def test_row_lists_are_shortened(synthetic, schema):
    bad = as_text(synthetic)
    bad.loc[0:19, "Usia"] = "x"
    with pytest.raises(ValidationError, match=r"rows 1, 2, 3, 4, 5 and 15 more"):
        validate(bad, schema)


def test_column_with_other_case_gets_a_hint(synthetic, schema):
    bad = as_text(synthetic).rename(columns={"Usia": "usia"})
    with pytest.raises(ValidationError, match="found 'usia': did you mean 'Usia'"):
        validate(bad, schema, allow_extra=True)


def test_lenient_mode_blanks_bad_cells_and_returns_warnings(synthetic, schema):
    bad = as_text(synthetic)
    bad.loc[0, "Usia"] = "250"
    bad.loc[1, "Area"] = "Medan"
    clean, problems = validate(bad, schema, strict=False)
    assert pd.isna(clean.loc[0, "Usia"]) and pd.isna(clean.loc[1, "Area"])
    assert {p.column for p in problems} == {"Usia", "Area"}


def test_only_required_columns_are_needed(synthetic, schema):
    features = list(schema.experiment("demografi").features)
    clean, problems = validate(synthetic[features], schema, columns=features)
    assert problems == [] and list(clean.columns) == features


def test_a_log_scaled_column_refuses_negative_values(other_schema):
    source = other_schema.to_dict()
    columns = [dict(c, scale="log") if c["name"] == "age_years" else c for c in source["columns"]]
    columns = [{k: v for k, v in c.items() if k != "min"} for c in columns]
    logged = schema_from_dict(dict(source, columns=columns))
    table = make_other_bank(rows=20)
    table.loc[3, "age_years"] = -5
    with pytest.raises(ValidationError, match=r"'age_years': value\(s\) below the minimum 0"):
        validate(table, logged)
    lenient, _ = validate(table, logged, strict=False)
    assert pd.isna(lenient.loc[3, "age_years"])
