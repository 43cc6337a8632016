"""Synthetic customers: schema conformance, calibration targets, quality problems, other banks."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest

from segmentasi.schema import SchemaError
from segmentasi.synth import load_calibration, synthesize

ROWS = 50_000
PLACEHOLDERS = ["G00000", "G10000", "G20000"]


@pytest.fixture(scope="module")
def calibration(schema) -> dict:
    return load_calibration(schema)


@pytest.fixture(scope="module")
def table(schema) -> pd.DataFrame:
    return synthesize(schema, ROWS, seed=11)


def _without_quality(calibration: dict) -> dict:
    clean = copy.deepcopy(calibration)
    clean["quality"]["enabled"] = False
    return clean


def _shares(calibration: dict, column: str) -> pd.Series:
    return pd.Series(calibration["columns"][column]["shares"], dtype=float)


# --- conformance to the schema ---------------------------------------------------------------


def test_columns_and_dtypes_follow_the_schema(schema, table):
    assert list(table.columns) == schema.names
    assert len(table) == ROWS
    for column in schema.columns:
        dtype = table[column.name].dtype
        if column.is_categorical or column.role == "id":
            assert dtype == "str", column.name
        elif column.name == "Usia":  # integer, but blanked for one status: read as float
            assert dtype == np.float64
        elif column.integer or column.role in ("product", "derived_count"):
            assert dtype == np.int64, column.name
        else:
            assert dtype == np.float64, column.name


def test_values_respect_levels_ranges_and_integers(schema, table):
    for column in schema.columns:
        values = table[column.name].dropna()
        if column.is_categorical:
            assert set(values) <= set(column.levels), column.name
        if column.role == "product":
            assert set(values) <= {0, 1}, column.name
        if column.min is not None:
            assert values.min() >= column.min, column.name
        if column.max is not None:
            assert values.max() <= column.max, column.name
        if column.integer:
            assert (values == np.floor(values)).all(), column.name


def test_derived_count_is_the_sum_of_the_flags_and_never_zero(schema, table):
    count = schema.by_role("derived_count")[0]
    assert (table[count.name] == table[list(count.of)].sum(axis=1)).all()
    assert table[count.name].min() == 1


def test_same_seed_same_table_other_seed_other_table(schema):
    first = synthesize(schema, 2_000, seed=5)
    pd.testing.assert_frame_equal(first, synthesize(schema, 2_000, seed=5))
    assert not first.equals(synthesize(schema, 2_000, seed=6))


def test_ids_look_like_the_real_ones_and_widen_when_needed(schema, calibration):
    clean = _without_quality(calibration)
    small = synthesize(schema, 1_000, seed=1, calibration=clean)["GCIF"]
    assert small.str.fullmatch(r"G\d{5}").all() and small.is_unique
    large = synthesize(schema, 100_001, seed=1, calibration=clean)["GCIF"]
    assert large.str.fullmatch(r"G\d{6}").all() and large.is_unique


# --- quality problems ------------------------------------------------------------------------


def test_age_missing_for_every_janda_duda_and_nobody_else(table):
    widowed = table["Status_Perkawinan"] == "Janda/Duda"
    assert (table["Usia"].isna() == widowed).all()
    assert table.loc[table["Vintage"] == "> 4 Tahun", "Usia"].notna().all()


def test_duplicated_ids_near_the_calibrated_share(table, calibration):
    spec = calibration["quality"]["duplicate_ids"]
    widowed_share = (table["Status_Perkawinan"] == "Janda/Duda").mean()
    expected = widowed_share * spec["cases"][0]["share"]
    assert table["GCIF"].duplicated().mean() == pytest.approx(expected, abs=0.005)
    assert 0.08 < table["GCIF"].duplicated().mean() < 0.095
    counts = table["GCIF"].value_counts()
    assert (counts[PLACEHOLDERS] > 10).all()


def test_quality_problems_switch_off(schema, calibration):
    clean = synthesize(schema, 5_000, seed=3, calibration=_without_quality(calibration))
    assert clean["GCIF"].is_unique
    assert clean.notna().all().all()
    assert clean["Usia"].dtype == np.int64
    ages = clean.loc[clean["Status_Perkawinan"] == "Janda/Duda", "Usia"]
    assert ages.between(40, 70).all()


def test_each_quality_problem_switches_alone(schema, calibration):
    no_blanks = copy.deepcopy(calibration)
    del no_blanks["quality"]["missing"]
    table = synthesize(schema, 5_000, seed=3, calibration=no_blanks)
    assert table["Usia"].notna().all() and not table["GCIF"].is_unique


# --- calibration targets on 50,000 rows -------------------------------------------------------


@pytest.mark.parametrize("column", ["Area", "Status_Perkawinan", "Jenis_Kelamin", "Pendidikan"])
def test_unconditional_level_shares_match_the_calibration(table, calibration, column):
    observed = table[column].value_counts(normalize=True)
    target = _shares(calibration, column)
    assert (observed.reindex(target.index, fill_value=0) - target).abs().max() < 0.02


def test_jakarta_opens_mostly_by_telemarketing(table, calibration):
    jakarta = table.loc[table["Area"] == "Jakarta", "Jalur_Pembukaan"].value_counts(normalize=True)
    others = table.loc[table["Area"] != "Jakarta", "Jalur_Pembukaan"].value_counts(normalize=True)
    target = pd.Series(calibration["columns"]["Jalur_Pembukaan"]["cases"][0]["shares"])
    assert (jakarta[target.index] - target).abs().max() < 0.02
    assert others.max() - others.min() < 0.03


def test_age_and_children_follow_marital_status(table):
    age = table.groupby("Status_Perkawinan")["Usia"].agg(["min", "max"])
    assert age.loc["Belum Menikah"].tolist() == [20, 59]
    assert age.loc["Cerai"].tolist() == [40, 60]
    assert age.loc["Menikah"].tolist() == [25, 70]
    married = table.loc[table["Status_Perkawinan"] == "Menikah", "Usia"]
    assert not married.between(56, 59).any()
    children = table.groupby("Status_Perkawinan")["Jumlah_Anak"].agg(["min", "max"])
    assert children.loc["Belum Menikah"].tolist() == [0, 0]
    assert children.loc["Janda/Duda"].tolist() == [0, 3]
    assert children.loc["Menikah"].tolist() == [0, 4]
    assert (table.loc[table["Status_Perkawinan"] == "Janda/Duda", "Vintage"] != "> 4 Tahun").all()


def test_income_rises_with_age(table):
    assert table["Usia"].corr(table["Pendapatan_Tahunan"]) == pytest.approx(0.545, abs=0.05)
    assert table.loc[table["Usia"] < 30, "Pendapatan_Tahunan"].median() == pytest.approx(
        300, abs=25
    )
    assert table.loc[table["Usia"] > 60, "Pendapatan_Tahunan"].median() == pytest.approx(
        600, abs=25
    )


def test_product_ownership_depends_on_age_and_marital_status(table):
    savings = table["Produk_Tabungan"]
    assert savings[table["Usia"] < 50].mean() == 1.0
    assert savings[table["Usia"] > 60].mean() == pytest.approx(0.019, abs=0.015)
    by_status = table.groupby("Status_Perkawinan")[["Produk_Tabungan", "Produk_Kredit_Dana_Tunai"]]
    rates = by_status.mean()
    assert rates["Produk_Tabungan"].idxmin() == "Menikah"
    assert rates["Produk_Kredit_Dana_Tunai"].idxmax() == "Menikah"
    mortgage = table.groupby("Status_Perkawinan")["Produk_Kredit_Rumah"].mean()
    assert mortgage.to_dict() == pytest.approx(
        {"Belum Menikah": 0.332, "Menikah": 0.797, "Cerai": 0.510, "Janda/Duda": 0.597}, abs=0.025
    )


def test_product_rates_match_the_real_marginals(table):
    real = {
        "Produk_Tabungan": 0.926,
        "Produk_Deposito": 0.604,
        "Produk_Kartu_Kredit": 0.333,
        "Produk_Kredit_Rumah": 0.592,
        "Produk_Kredit_Kendaraan": 0.164,
        "Produk_Kredit_Dana_Tunai": 0.538,
    }
    assert table[list(real)].mean().to_dict() == pytest.approx(real, abs=0.02)


def test_balance_rises_with_the_number_of_products(table):
    balance, count = table["Total_Relationship_Balance"], table["Total_Kepemilikan_Produk"]
    assert balance.corr(count) == pytest.approx(0.247, abs=0.05)
    ratio = balance[count >= 5].mean() / balance[count.between(2, 4)].mean()
    assert ratio == pytest.approx(2.0, abs=0.15)


# --- against the real table (skipped when it is absent) --------------------------------------


def test_marginals_and_dependencies_match_the_real_table(schema, real_table_path):
    real = pd.read_csv(real_table_path)
    synthetic = synthesize(schema, ROWS, seed=2)
    levels = [c.name for c in schema.columns if c.is_categorical]
    for name in [*levels, "Jumlah_Anak", "Total_Kepemilikan_Produk"]:
        difference = (
            real[name]
            .value_counts(normalize=True)
            .sub(synthetic[name].value_counts(normalize=True), fill_value=0)
        )
        assert difference.abs().max() < 0.02, name
    flags = [c.name for c in schema.products]
    assert (real[flags].mean() - synthetic[flags].mean()).abs().max() < 0.02
    for name in ["Usia", "Pendapatan_Tahunan", "Total_Relationship_Balance"]:
        spread = real[name].max() - real[name].min()
        quantiles = [0.05, 0.25, 0.5, 0.75, 0.95]
        gap = (real[name].quantile(quantiles) - synthetic[name].quantile(quantiles)).abs()
        assert gap.max() < 0.03 * spread, name
    for left, right in [
        ("Usia", "Pendapatan_Tahunan"),
        ("Total_Relationship_Balance", "Total_Kepemilikan_Produk"),
    ]:
        assert synthetic[left].corr(synthetic[right]) == pytest.approx(
            real[left].corr(real[right]), abs=0.05
        )
    assert synthetic["Usia"].isna().mean() == pytest.approx(real["Usia"].isna().mean(), abs=0.01)
    assert synthetic["GCIF"].duplicated().mean() == pytest.approx(
        real["GCIF"].duplicated().mean(), abs=0.01
    )


# --- another bank ----------------------------------------------------------------------------

OTHER_BANK = {
    "columns": {
        "cust_no": {"kind": "id", "prefix": "C", "digits": 4},
        "region": {"kind": "categorical", "shares": {"north": 0.5, "south": 0.3, "east": 0.2}},
        "age_years": {
            "kind": "quantiles",
            "p": [0, 1],
            "q": [18, 40],
            "cases": [{"when": {"region": ["south", "east"]}, "q": [40, 100]}],
        },
        "segment_tier": {
            "kind": "categorical",
            "shares": {"bronze": 1.0},
            "cases": [{"when": {"age_years": [60, 1000]}, "shares": {"gold": 1.0}}],
        },
        "has_card": {"kind": "flag", "p": 0.0},
        "has_loan": {
            "kind": "flag",
            "p": 0.0,
            "cases": [{"when": {"region": "north", "segment_tier": "bronze"}, "p": 1.0}],
        },
        "n_products": {"kind": "sum"},
    },
    "quality": {
        "missing": {
            "segment_tier": {"share": 0.0, "cases": [{"when": {"region": "east"}, "share": 1.0}]}
        }
    },
}


def test_another_banks_schema_and_calibration(other_schema):
    table = synthesize(other_schema, 4_000, seed=0, calibration=OTHER_BANK)
    assert list(table.columns) == other_schema.names
    assert table["cust_no"].str.fullmatch(r"C\d{4}").all() and table["cust_no"].is_unique
    north = table["region"] == "north"
    assert north.mean() == pytest.approx(0.5, abs=0.03)
    assert table.loc[north, "age_years"].between(18, 39).all()
    assert table.loc[~north, "age_years"].between(40, 99).all()
    assert table["age_years"].max() == 99  # clipped to the schema's max
    tier = table["segment_tier"]
    assert (tier.isna() == (table["region"] == "east")).all()
    south = table["region"] == "south"
    assert (tier[south] == np.where(table.loc[south, "age_years"] >= 60, "gold", "bronze")).all()
    assert (table["has_loan"] == north.astype(np.int64)).all()
    assert (table["n_products"] == table["has_card"] + table["has_loan"]).all()


def test_normal_kind_follows_a_linear_dependence(other_schema):
    calibration = copy.deepcopy(OTHER_BANK)
    calibration["columns"]["age_years"] = {"kind": "quantiles", "p": [0, 1], "q": [20, 80]}
    calibration["columns"]["n_products"] = {"kind": "sum", "at_least": 1}
    table = synthesize(other_schema, 20_000, seed=0, calibration=calibration)
    assert (table["n_products"] >= 1).all()
    assert (table["n_products"] == table["has_card"] + table["has_loan"]).all()
    calibration["columns"]["age_years"] = {"kind": "normal", "mean": 50, "sd": 5}
    calibration["columns"]["n_products"] = {"kind": "sum"}
    ages = synthesize(other_schema, 20_000, seed=0, calibration=calibration)["age_years"]
    assert ages.mean() == pytest.approx(49.5, abs=0.2)  # integer columns take the floor


def test_schema_without_a_calibration_is_refused(other_schema):
    with pytest.raises(SchemaError, match="no synthetic-data calibration"):
        synthesize(other_schema, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["columns"].pop("region"), "must describe exactly its columns"),
        (lambda c: c["columns"]["region"].update(kind="poisson"), "is not one of"),
        (lambda c: c["columns"]["region"].update(shares={"west": 1.0}), "'west' is not one of"),
        (lambda c: c["columns"]["region"].update(shares={"north": 0.5}), "must sum to 1"),
        (
            lambda c: c["columns"]["region"].update(cases=[{"when": {"has_card": 1}}]),
            "list that column earlier",
        ),
        (lambda c: c["columns"]["age_years"].pop("q"), "malformed parameters"),
    ],
)
def test_malformed_calibrations_name_the_problem(other_schema, change, message):
    calibration = copy.deepcopy(OTHER_BANK)
    change(calibration)
    with pytest.raises(SchemaError, match=message):
        synthesize(other_schema, 10, calibration=calibration)
