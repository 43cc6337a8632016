from __future__ import annotations

import os

import pytest

from segmentasi.schema import SchemaError, load_schema, schema_from_dict


def test_builtin_schema_declares_all_18_columns_and_two_experiments(schema):
    assert len(schema.columns) == 18
    assert set(schema.experiments) == {"demografi", "produk"}
    assert [c.role for c in schema.columns].count("product") == 6
    assert schema.id_column is not None
    derived = schema.by_role("derived_count")[0]
    assert list(derived.of) == [c.name for c in schema.products]
    assert list(schema.experiment("produk").features) == [c.name for c in schema.products]


def test_money_columns_say_their_currency_and_what_one_unit_is_worth(schema):
    income, balance = (
        schema.column(n) for n in ("Pendapatan_Tahunan", "Total_Relationship_Balance")
    )
    assert (income.currency, income.currency_unit) == ("IDR", 1_000_000)
    assert (balance.currency, balance.currency_unit) == ("IDR", 1.0)
    assert income.is_money and balance.is_money and not schema.column("Usia").is_money
    assert [c.name for c in schema.columns if c.is_money] == [income.name, balance.name]


def test_other_bank_schema_loads(other_schema):
    assert other_schema.name == "otherbank"
    assert other_schema.experiment("people").metric == "gower"


def test_unknown_experiment_names_the_known_ones(schema):
    with pytest.raises(SchemaError, match=r"has no experiment 'x' \(it has: demografi, produk\)"):
        schema.experiment("x")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ([{"name": "a", "role": "weird"}], "role 'weird' is not one of"),
        ([{"name": "a", "role": "nominal", "levels": ["x"]}], "at least two levels"),
        ([{"name": "a", "role": "numeric"}, {"name": "a", "role": "numeric"}], "declared twice"),
        ([{"name": "a", "role": "numeric", "min": 5, "max": 1}], "min 5.0 is above max 1.0"),
        ([{"name": "a", "role": "derived_count", "of": ["b"]}], "unknown: \\['b'\\]"),
        ([{"name": "a", "role": "numeric", "colour": "red"}], "unknown keys \\['colour'\\]"),
        ([{"name": "a", "role": "numeric", "scale": "cube"}], "scale 'cube'"),
        ([], "declares no columns"),
        ([{"name": "a", "role": "numeric", "min": "abc"}], "'min' must be a finite number"),
        ([{"name": "a", "role": "numeric", "max": float("inf")}], "'max' must be a finite number"),
        ([{"name": "a", "role": "numeric", "min": float("nan")}], "'min' must be a finite number"),
        ([{"name": "a", "role": "numeric", "integer": "no"}], "'integer' must be true or false"),
        ([{"name": "a", "role": "nominal", "levels": "ab"}], "'levels' must be a list"),
        ([{"name": "a", "role": "nominal", "levels": ["x", "x"]}], "levels listed twice"),
        ([{"name": "a", "role": "nominal", "levels": [["x"], "y"]}], "'levels' must list text"),
        (
            [{"name": "a", "role": "nominal", "levels": ["x", "y"], "level_labels": ["x"]}],
            "column 'a': 'level_labels' must give one label per level",
        ),
        (
            [{"name": "a", "role": "nominal", "levels": ["x", "y"], "level_labels_en": ["", "y"]}],
            "column 'a': 'level_labels_en' holds an empty label",
        ),
        (
            [{"name": "a", "role": "nominal", "levels": ["x", "y"], "level_labels": "xy"}],
            "column 'a': 'level_labels' must be a list",
        ),
        ([{"name": "a", "role": "numeric", "short_label": 3}], "'short_label' must be text"),
        ([{"name": "", "role": "numeric"}], "columns\\[0\\]: the column name is empty"),
        ([{"name": 3, "role": "numeric"}], "columns\\[0\\]: 'name' must be text"),
        (["a"], "columns\\[0\\] must be a table"),
        ("a", "'columns' must be a list"),
        ([{"name": "a", "role": "numeric", "currency": "XYZ"}], "'XYZ' is not an ISO 4217"),
        ([{"name": "a", "role": "numeric", "currency": 5}], "'currency' must be text"),
        ([{"name": "a", "role": "product", "currency": "IDR"}], "only a numeric column"),
        ([{"name": "a", "role": "numeric", "currency_unit": 1000}], "needs a 'currency'"),
        (
            [{"name": "a", "role": "numeric", "currency": "IDR", "currency_unit": 0}],
            "'currency_unit' must be a positive number",
        ),
        (
            [{"name": "a", "role": "numeric", "currency": "IDR", "currency_unit": "juta"}],
            "'currency_unit' must be a positive number",
        ),
    ],
)
def test_bad_schemas_are_refused_with_the_entry_named(columns, message):
    with pytest.raises(SchemaError, match=message):
        schema_from_dict({"name": "t", "columns": columns})


def test_experiment_with_unknown_feature_is_refused():
    data = {
        "columns": [{"name": "a", "role": "numeric"}],
        "experiments": {"e": {"features": ["a", "zz"]}},
    }
    with pytest.raises(SchemaError, match="experiment 'e': features not in the schema: \\['zz'\\]"):
        schema_from_dict(data)


@pytest.mark.parametrize(
    ("experiments", "message"),
    [
        ({"e": {"features": "a"}}, "experiment 'e': 'features' must be a list"),
        ({"e": {"features": ["a"], "metric": 3}}, "experiment 'e': 'metric' must be text"),
        ({"e": {"features": ["a"], "colour": "red"}}, "experiment 'e': unknown keys"),
        ({"e": "a"}, "experiment 'e' must be a table"),
        (["e"], "'experiments' must be a table"),
    ],
)
def test_malformed_experiments_are_refused_with_the_entry_named(experiments, message):
    data = {"columns": [{"name": "a", "role": "numeric"}], "experiments": experiments}
    with pytest.raises(SchemaError, match=message):
        schema_from_dict(data)


def test_missing_or_broken_schema_file(tmp_path):
    with pytest.raises(SchemaError, match="cannot read schema file"):
        load_schema(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("name = [unclosed")
    with pytest.raises(SchemaError, match="not valid TOML"):
        load_schema(broken)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe name")
    with pytest.raises(SchemaError, match=r"binary\.toml is not UTF-8 text"):
        load_schema(binary)


def test_a_named_pipe_or_device_as_schema_file_is_refused_without_reading(tmp_path):
    pipe = tmp_path / "pipe.toml"
    os.mkfifo(pipe)  # reading it would wait for a writer forever
    with pytest.raises(SchemaError, match=r"pipe\.toml: it is a named pipe"):
        load_schema(pipe)
    with pytest.raises(SchemaError, match="null: it is a device"):
        load_schema("/dev/null")


def test_level_text_puts_data_values_in_words_in_both_languages(schema):
    marital = next(c for c in schema.columns if "Janda/Duda" in c.levels)
    assert marital.level_text("Janda/Duda", "en") == "widowed"
    assert marital.level_text("Janda/Duda", "id") == "janda/duda"
    assert marital.level_text("not a level", "en") == "not a level"  # the raw value
    for col in schema.columns:
        for level in col.levels:
            # English never shows an Indonesian raw level such as "> 4 Tahun"
            assert "Tahun" not in col.level_text(level, "en")
    plain = schema_from_dict(
        {"columns": [{"name": "a", "role": "nominal", "levels": ["X", "Y"], "label_en": "A"}]}
    ).column("a")
    assert plain.level_text("X", "en") == "X"
    assert plain.short("en") == "A"  # no short label: the label


def test_short_label_empty_names_the_level_alone(schema):
    marital = next(c for c in schema.columns if "Janda/Duda" in c.levels)
    assert marital.short("id") == marital.short("en") == ""
    assert all(len(c.short(lang)) <= 20 for c in schema.products for lang in ("id", "en"))
