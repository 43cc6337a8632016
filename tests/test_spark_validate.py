"""Reading and validating a table on Spark gives what read_table and validate give in-process:
the same typed values, the same problems in the same words, the same filtered rows."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentasi import assess, load_schema, read_table, synthesize
from segmentasi.errors import InputError, UserError
from segmentasi.filters import FilterError, filter_rows
from segmentasi.validation import ValidationError, validate

from .conftest import make_other_bank

pytestmark = pytest.mark.spark
spark_read = pytest.importorskip("segmentasi.spark.read", reason="pyspark is not installed")
spark_validate = pytest.importorskip("segmentasi.spark.validate")
spark_quality = pytest.importorskip("segmentasi.spark.quality")


@contextmanager
def small_partitions(spark, kilobytes: int = 12):
    """Files split into partitions of `kilobytes` KB, and Arrow batches of 100 rows, so that a
    small table is read in several partitions of several batches."""
    settings = {
        "spark.sql.files.maxPartitionBytes": f"{kilobytes}k",
        "spark.sql.files.openCostInBytes": "0",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "100",
    }
    before = {key: spark.conf.get(key, None) for key in settings}
    for key, value in settings.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in before.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


def in_process(path: Path, schema, **options):
    """read_table + validate, as a run does it."""
    return validate(read_table(path), schema, source=str(path), **options)


def on_spark(spark, source, schema, *, table: bool = False, allow_extra: bool = False, **options):
    """read_source + validate_frame, as a run on Spark would do it."""
    frame = spark_read.read_source(spark, str(source), table=table)
    return spark_validate.validate_frame(
        frame, schema, allow_extra=allow_extra, source=str(source), decimal=None, **options
    )


def error_of(call, *args, **kwargs) -> str:
    with pytest.raises(UserError) as caught:
        call(*args, **kwargs)
    return str(caught.value)


@pytest.fixture(scope="module")
def customers(schema) -> pd.DataFrame:
    """300 synthetic customers as text, as a CSV holds them (about 30 KB; 23 repeated IDs)."""
    return synthesize(schema, rows=300, seed=11).astype(str).replace({"nan": None})


@pytest.fixture(scope="module")
def customers_csv(customers, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("spark") / "customers.csv"
    customers.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("kept", [False, True], ids=["typed-when-used", "typed-as-checked"])
def test_a_csv_is_typed_as_in_process(spark, customers_csv, schema, kept):
    expected, _ = in_process(customers_csv, schema)
    keep = [] if kept else None
    with small_partitions(spark):
        frame = spark_read.read_source(spark, str(customers_csv))
        assert frame.rdd.getNumPartitions() == 3  # rows are numbered across partitions
        validated = on_spark(spark, customers_csv, schema, keep=keep)
    assert validated.rows == 300 and validated.problems == ()
    assert dict(validated.frame.dtypes)["Usia"] == "double"
    assert dict(validated.frame.dtypes)["Pendidikan"] == "string"
    assert validated.frame.columns == [*expected.columns, spark_validate.ROW]
    got = spark_validate.to_pandas(validated, schema)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)
    if kept:  # typed once, in the pass that checked the rows, and cached
        assert len(keep) == 1 and keep[0].is_cached
        keep[0].unpersist()


def test_a_table_kept_while_checked_is_typed_again_when_its_decimal_mark_is_a_comma(
    spark, customers, schema, tmp_path
):
    numbers = [col.name for col in schema.columns if col.is_numeric and col.name in customers]
    commas = customers.copy()
    commas[numbers] = commas[numbers].apply(lambda values: values.str.replace(".", ","))
    assert commas[numbers].apply(lambda values: values.str.contains(",").any()).any()
    path = tmp_path / "commas.csv"
    commas.to_csv(path, index=False, sep=";")
    expected, _ = in_process(path, schema)
    keep: list = []
    with small_partitions(spark):
        validated = on_spark(spark, path, schema, keep=keep)
    got = spark_validate.to_pandas(validated, schema)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)
    assert len(keep) == 1  # the pass typed with a decimal point was dropped
    keep[0].unpersist()


def test_every_problem_reads_as_in_process_across_partitions(spark, customers, schema, tmp_path):
    bad = customers.copy()
    for row in (3, 170, 171, 220, 299):
        bad.loc[row, "Usia"] = f"x{row % 2}"  # two distinct cells, five rows
    for row, level in ((10, "jakarta"), (150, "Medan"), (160, "jakarta"), (290, "Medan")):
        bad.loc[row, "Area"] = level  # tied counts: first found first
    for row in range(100, 115):
        bad.loc[row, "Pendapatan_Tahunan"] = "-5"  # "and 10 more"
    bad.loc[250, "Produk_Tabungan"] = "2"
    bad.loc[280, "Jumlah_Anak"] = "inf"
    bad = bad.drop(columns=["Vintage"]).assign(extra="1")
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    expected = error_of(in_process, path, schema)
    keep: list = []
    with small_partitions(spark):
        got = error_of(on_spark, spark, path, schema)
        assert error_of(on_spark, spark, path, schema, keep=keep) == expected
    assert keep == []  # a table refused keeps nothing cached
    assert got == expected
    assert "'jakarta' x2 (did you mean 'Jakarta'?), 'Medan' x2" in got
    assert "rows 101, 102, 103, 104, 105 and 10 more" in got
    assert "(rows 4, 171, 172, 221, 300)" in got


def test_repeated_ids_across_partitions_are_found_as_assess_finds_them(
    spark, customers, schema, tmp_path
):
    table = customers.copy()
    table.loc[250] = table.loc[20]  # an exact copy, far from the row it copies
    table.loc[[30, 260], "GCIF"] = None
    path = tmp_path / "repeated.csv"
    table.to_csv(path, index=False)
    clean, _ = in_process(path, schema)
    expected = [
        f
        for f in assess(clean, schema).findings
        if f.kind.endswith("_id") or f.kind == "duplicate_ids"
    ]
    assert [f.kind for f in expected] == ["missing_id", "duplicate_ids"]
    assert expected[1].params["identical_rows"] == 1
    with small_partitions(spark):
        got = spark_quality.id_findings(on_spark(spark, path, schema), schema)
    assert got == expected


def test_lenient_validation_blanks_the_same_cells_with_the_same_warnings(
    spark, customers, schema, tmp_path
):
    bad = customers.copy()
    bad.loc[5, "Usia"] = "250"
    bad.loc[200, "Area"] = 'Medan, "Kota"'  # quoted in the file, with a doubled quote
    path = tmp_path / "lenient.csv"
    bad.to_csv(path, index=False)
    expected, warnings = in_process(path, schema, strict=False)
    validated = on_spark(spark, path, schema, strict=False)
    assert list(validated.problems) == warnings and len(warnings) == 2
    assert "unknown level(s) 'Medan, \"Kota\"' x1" in str(warnings[0])
    got = spark_validate.to_pandas(validated, schema)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)
    assert np.isnan(got.loc[5, "Usia"]) and pd.isna(got.loc[200, "Area"])


def test_decimal_commas_and_semicolons_read_as_in_process(spark, other_schema, tmp_path):
    table = make_other_bank(rows=40).astype(str)
    table["age_years"] = [f"{a},5" if i == 7 else a for i, a in enumerate(table["age_years"])]
    path = tmp_path / "comma.csv"
    table.to_csv(path, index=False, sep=";")
    expected = error_of(in_process, path, other_schema)  # 30,5 is not a whole number
    assert "(row 8)" in expected
    assert error_of(on_spark, spark, path, other_schema) == expected
    table.loc[9, "age_years"] = "1.5"  # now the column mixes the marks
    table.to_csv(path, index=False, sep=";")
    expected = error_of(in_process, path, other_schema)
    assert "mixes a decimal point and a decimal comma" in expected
    assert error_of(on_spark, spark, path, other_schema) == expected


def test_utf16_bom_and_unnamed_columns_read_as_in_process(spark, other_schema, tmp_path):
    table = make_other_bank(rows=30).astype(str)
    path = tmp_path / "unicode.txt"
    text = table.to_csv(sep="\t")  # an index column without a header: 'Unnamed: 0'
    path.write_text(text, encoding="utf-16")
    expected = error_of(in_process, path, other_schema)
    assert "'Unnamed: 0' is a column whose header cell is empty" in expected
    assert error_of(on_spark, spark, path, other_schema) == expected
    path.write_text(table.to_csv(index=False), encoding="utf-8-sig")
    expected, _ = in_process(path, other_schema)
    got = spark_validate.to_pandas(on_spark(spark, path, other_schema), other_schema)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)


def test_a_name_given_twice_is_refused_as_in_process(spark, other_schema, tmp_path):
    path = tmp_path / "twice.csv"
    path.write_text("cust_no,region, region ,age_years\nA,north,south,30\n")
    expected = error_of(in_process, path, other_schema)
    assert "column name(s) 'region' appear more than once" in expected
    assert error_of(on_spark, spark, path, other_schema) == expected


def test_parquet_keeps_its_types(spark, other_schema, tmp_path):
    table = make_other_bank(rows=50)
    table.loc[4, "age_years"] = 120  # an int column, above the maximum
    path = tmp_path / "typed.parquet"
    table.to_parquet(path, index=False)
    frame = spark_read.read_source(spark, str(path))
    assert dict(frame.dtypes)["age_years"] == "bigint"
    expected = error_of(in_process, path, other_schema)
    assert "column 'age_years': value(s) above the maximum 99 (row 5)" in expected
    assert error_of(on_spark, spark, path, other_schema) == expected
    table.loc[4, "age_years"] = 60
    table.to_parquet(path, index=False)
    expected, _ = in_process(path, other_schema)
    got = spark_validate.to_pandas(on_spark(spark, path, other_schema), other_schema)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)


def test_a_catalog_table_is_read_by_name(spark, other_schema):
    table = make_other_bank(rows=20).astype(str)
    spark.createDataFrame(table).createOrReplaceTempView("otherbank_customers")
    expected, _ = validate(table, other_schema)
    validated = on_spark(spark, "otherbank_customers", other_schema, table=True)
    got = spark_validate.to_pandas(validated, other_schema)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)
    with pytest.raises(InputError, match="no_such_table: no such table in Spark's catalog"):
        spark_read.read_source(spark, "no_such_table", table=True)
    with pytest.raises(InputError, match="is not a table name"):
        spark_read.read_source(spark, "x; DROP TABLE y", table=True)


def test_missing_and_unreadable_sources_are_input_errors(spark, tmp_path):
    missing = tmp_path / "absent.csv"
    with pytest.raises(InputError, match=f"^{missing}: no such file$"):
        spark_read.read_source(spark, str(missing))
    fake = tmp_path / "fake.parquet"
    fake.write_text("id,level\n1,a\n")
    message = error_of(spark_read.read_source, spark, str(fake))
    assert message.startswith(f"{fake}: cannot be read: ") and "\n" not in message
    assert "not a Parquet file" in message and "at org.apache" not in message
    empty = tmp_path / "empty.csv"
    empty.write_text("\n")
    with pytest.raises(InputError, match=f"^{empty}: the file is empty$"):
        spark_read.read_source(spark, str(empty))
    (tmp_path / "book.xlsx").write_bytes(b"PK")
    with pytest.raises(InputError, match=r"unsupported file type 'book\.xlsx' on Spark"):
        spark_read.read_source(spark, str(tmp_path / "book.xlsx"))


def test_a_folder_is_read_without_its_hidden_files(spark, other_schema, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    table = make_other_bank(rows=30)
    table.to_csv(folder / "part-0.csv", index=False)
    (folder / "_SUCCESS").write_text("")
    (folder / ".part-0.csv.crc").write_text("not a table")
    expected, _ = in_process(folder / "part-0.csv", other_schema)
    got = spark_validate.to_pandas(on_spark(spark, folder, other_schema), other_schema)
    pd.testing.assert_frame_equal(got, expected, check_index_type=False)


def test_a_row_with_too_many_cells_is_refused_with_spark_s_reason(spark, other_schema, tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("cust_no,region\nA,north\nB,south,extra\n")
    message = error_of(on_spark, spark, path, other_schema, allow_extra=True)
    assert message == f"{path}: cannot be read: Malformed CSV record: B,south,extra"


def test_a_filter_keeps_the_rows_filter_rows_keeps(spark, customers_csv, schema):
    where = "Usia >= 40 and Area in ['Jakarta', 'Bogor'] and Pendidikan > 'SMA'"
    expected = filter_rows(in_process(customers_csv, schema)[0], where)
    validated = on_spark(spark, customers_csv, schema)
    kept = spark_validate.filter_frame(validated, where, schema)
    assert kept.rows == len(expected) > 0
    pd.testing.assert_frame_equal(spark_validate.to_pandas(kept, schema), expected)
    for bad in ("Area > 'Jakarta'", "Areaa == 'Jakarta'", "Usia == 'x'"):
        with pytest.raises(FilterError) as caught:
            filter_rows(expected, bad)
        with pytest.raises(FilterError) as on_spark_caught:
            spark_validate.filter_frame(validated, bad, schema)
        assert str(on_spark_caught.value) == str(caught.value)


def test_validation_errors_are_the_in_process_type(spark, other_schema, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("cust_no,region,age_years,segment_tier,has_card,has_loan,n_products\n")
    with pytest.raises(ValidationError, match="the table has no data rows"):
        on_spark(spark, path, other_schema)


@pytest.mark.parametrize(
    "taken", ["_segmentasi_row", "_segmentasi_partition", "_segmentasi_rows", "_segmentasi_found"]
)
def test_a_schema_naming_a_column_as_segmentasi_s_own_is_refused(spark, tmp_path, taken):
    """No input column may take the name of a column the checking pass adds: one of them
    carries the pickled findings the driver reads back."""
    toml = (Path(__file__).parent / "data" / "otherbank.toml").read_text(encoding="utf-8")
    schema_path = tmp_path / "taken.toml"
    schema_path.write_text(toml.replace('"region"', f'"{taken}"'), encoding="utf-8")
    path = tmp_path / "taken.csv"
    path.write_text(f"cust_no,{taken},age_years\nA,north,30\n", encoding="utf-8")
    schema = load_schema(schema_path)
    message = error_of(on_spark, spark, path, schema, keep=[])
    assert message == f"{path}: the schema's column name {taken!r} is taken by segmentasi"
