"""`track --engine spark` (issue 16): two periods tracked on Spark give the in-process tracking:
the same transitions, flows, customers, movers and their reasons, drift and verdict; repeated
ids are paired, refused or dropped as in process; bad input ends the command as in process
(exit 2, the same message, no folder). Either period may be a table of Spark's catalog
(--before-table, --after-table)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

import segmentasi
from segmentasi import InputError
from segmentasi.engine import CatalogTable
from segmentasi.model import SavedModel
from segmentasi.track import QUANTILES, counted_quantiles
from segmentasi.tracking_folder import save_tracking

from .conftest import cli_in_process

MOVES = {(1, 2): 0.05, (3, 1): 12, (2, 3): 0.04}
ROWS = 600


@pytest.fixture(scope="module")
def first(schema) -> pd.DataFrame:
    """ROWS synthetic customers; the id of row 1 repeated in rows 5 and 10 (paired in order)."""
    table = segmentasi.synthesize(schema, rows=ROWS, seed=11)
    table[schema.id_column.name] = [f"C{i:05d}" for i in range(len(table))]
    table.loc[[4, 9], schema.id_column.name] = table.loc[0, schema.id_column.name]
    return table


@pytest.fixture(scope="module")
def model(schema, first) -> SavedModel:
    options = segmentasi.SweepOptions(ks=(3,), algorithms=("kmeans",), stability_runs=0)
    result = segmentasi.run(
        first.head(400), schema=schema, experiments=["demografi"], options=options
    )
    return SavedModel.from_run(result, "demografi")


@pytest.fixture(scope="module")
def second(first, model) -> pd.DataFrame:
    """Moves, churn, new customers, and drift of a column the model does not use."""
    planted = segmentasi.period_shift(
        first,
        model,
        moves=MOVES,
        left=0.03,
        joined=0.02,
        drift={"Produk_Deposito": "1+70%", "Usia": "+0.3sd"},
        seed=7,
    )
    return planted.table


def on_spark(spark, model, before, after, **options):
    from segmentasi.spark.engine import SparkEngine

    engine = SparkEngine("local[2]")
    try:
        return segmentasi.track(model, before, after, engine=engine, **options), engine
    finally:
        engine.close()


def assert_same_tracking(found, expected, psi_tolerance=1e-9):
    pd.testing.assert_frame_equal(found.transitions, expected.transitions)
    pd.testing.assert_frame_equal(found.shares, expected.shares)
    pd.testing.assert_frame_equal(found.flows, expected.flows)
    assert found.customers == expected.customers
    assert (found.before, found.after) == (expected.before, expected.after)
    assert found.movers.astype(str).to_dict("list") == expected.movers.astype(str).to_dict("list")
    drift, wanted = found.drift.set_index("column"), expected.drift.set_index("column")
    assert list(drift.index) == list(wanted.index)
    assert (drift["bins"] == wanted["bins"]).all()
    np.testing.assert_allclose(drift["psi"], wanted["psi"], rtol=0, atol=psi_tolerance)
    assert (found.verdict, len(found.reasons)) == (expected.verdict, len(expected.reasons))


def catalog_view(spark, table: pd.DataFrame, name: str) -> None:
    """`table` as the temporary view `name` of Spark's catalog, every cell as text."""
    from pyspark.sql.types import StringType, StructField, StructType

    text = table.astype("string").astype(object)
    fields = [StructField(str(c), StringType()) for c in text.columns]
    frame = spark.createDataFrame(text.where(text.notna(), None), schema=StructType(fields))
    frame.createOrReplaceTempView(name)


@pytest.fixture(scope="module")
def spark_tracked(spark, model, first, second):
    """A pair with invalid cells after, tracked in process from the DataFrames and on Spark from
    catalog tables holding the same rows: (Spark's tracking, the in-process one, the engine)."""
    second = second.astype({"Usia": object, "Pendidikan": object, "Vintage": object})
    second.loc[5, "Usia"] = "abc"  # blanked, then filled: warnings naming the rows
    second.loc[[7, 8], "Pendidikan"] = "Doktor Honoris"
    second.loc[9, "Vintage"] = -3  # out of range
    catalog_view(spark, first, "customers_jan")
    catalog_view(spark, second, "customers_feb")
    expected = segmentasi.track(model, first, second)
    tables = (CatalogTable("customers_jan"), CatalogTable("customers_feb"))
    found, engine = on_spark(spark, model, *tables)
    return found, expected, engine


@pytest.mark.spark
def test_spark_tracks_two_catalog_tables_as_in_process(spark_tracked):
    found, expected, engine = spark_tracked
    assert (found.before.source, found.before.source_kind) == ("customers_jan", "table")
    assert (found.after.source, found.after.source_kind) == ("customers_feb", "table")
    # The in-process figures, its periods' names (a DataFrame's label) read as the tables'.
    names = {expected.before.source: "customers_jan", expected.after.source: "customers_feb"}
    as_tables = replace(
        expected,
        before=replace(expected.before, source="customers_jan", source_kind="table"),
        after=replace(expected.after, source="customers_feb", source_kind="table"),
    )
    assert_same_tracking(found, as_tables)
    pd.testing.assert_frame_equal(found.drift, expected.drift, rtol=0, atol=1e-9)
    assert [(r.kind, r.level, r.column) for r in found.reasons] == [
        (r.kind, r.level, r.column) for r in expected.reasons
    ]
    named = []  # the pairing, the rows not placed
    for warning in expected.warnings:
        name, rest = warning.split(": ", 1)
        named.append(f"{names.get(name, name)}: {rest}")
    assert list(found.warnings) == named
    assert any(w.startswith("customers_jan: 3 rows share 1 repeated ids") for w in named)
    assert found.customers["moved"] > 0 and found.verdict == "watch"
    assert {"spark_track_before_s", "spark_track_drift_s"} <= set(engine.stage_seconds())


@pytest.mark.spark
def test_repeated_ids_are_refused_and_dropped_on_spark_as_in_process(
    spark, model, first, second, monkeypatch
):
    with pytest.raises(InputError) as in_process:
        segmentasi.track(model, first, second, duplicate_ids="refuse")
    with pytest.raises(InputError) as spark_refused:
        on_spark(spark, model, first, second, duplicate_ids="refuse")
    assert str(spark_refused.value) == str(in_process.value)
    assert "3 row(s) repeat an id" in str(spark_refused.value)
    # Dropped; and with every number's deciles approximate (Spark's percentile_approx).
    from segmentasi.spark import track as spark_track

    monkeypatch.setattr(spark_track, "EXACT_VALUES", 0)
    expected = segmentasi.track(model, first, second, duplicate_ids="drop")
    found, _ = on_spark(spark, model, first, second, duplicate_ids="drop")
    assert_same_tracking(found, expected, psi_tolerance=0.01)
    assert found.before.dropped == 3 and found.after.dropped == 3
    assert found.warnings[:-1] == expected.warnings
    assert "approximate deciles" in found.warnings[-1] and "'Usia'" in found.warnings[-1]


@pytest.mark.spark
def test_bad_input_on_spark_ends_the_command_as_in_process(
    spark, tmp_path, schema, model, first, second
):
    model_path = tmp_path / "demografi.model"
    model.save(model_path)
    before, id_name = tmp_path / "jan.csv", schema.id_column.name
    first.to_csv(before, index=False)
    without_id = second.drop(columns=id_name)
    strangers = second.assign(**{id_name: "X" + second[id_name]})
    no_id = first.copy()
    no_id.loc[6, id_name] = None
    cases = [
        (before, without_id, "lacks column(s) 'GCIF'"),
        (before, strangers, "no id in column 'GCIF' is in both tables"),
        (tmp_path / "empty-id.csv", no_id, "1 row(s) have no id (row 7)"),
    ]
    for i, (first_path, table, message) in enumerate(cases):
        after = tmp_path / f"feb{i}.csv"
        (table if first_path == before else second).to_csv(after, index=False)
        if first_path != before:
            table.to_csv(first_path, index=False)
        said = {}
        for engine in ("in-process", "spark"):
            out = tmp_path / f"out-{engine}-{i}"
            done = cli_in_process(
                *("track", model_path, "--before", first_path, "--after", after, "--out", out),
                *("--engine", engine, *(["--spark-master", "local[2]"] * (engine == "spark"))),
            )
            assert done.returncode == 2 and not out.exists(), done.stderr
            said[engine] = done.stderr[done.stderr.index("Error:") :]
        assert message in said["spark"]
        assert said["spark"] == said["in-process"]


@pytest.fixture(scope="module")
def model_path(tmp_path_factory, model):
    path = tmp_path_factory.mktemp("model") / "demografi.model"
    model.save(path)
    return path


@pytest.mark.spark
def test_tracking_json_records_where_the_periods_came_from_and_the_engine(
    spark_tracked, tmp_path, model, first, second
):
    jan, feb = tmp_path / "jan.csv", tmp_path / "feb.csv"
    first.to_csv(jan, index=False)
    second.to_csv(feb, index=False)
    trackings = {"in-process": segmentasi.track(model, jan, feb), "spark": spark_tracked[0]}
    found = {}
    for engine, tracking in trackings.items():
        save_tracking(tracking, tmp_path / engine)
        record = json.loads((tmp_path / engine / "tracking.json").read_text(encoding="utf-8"))
        periods = ((record[p]["source"], record[p]["source_kind"]) for p in ("before", "after"))
        found[engine] = (record["engine"], *periods)
    assert found == {
        "in-process": ("in-process", (str(jan), "path"), (str(feb), "path")),
        "spark": ("spark", ("customers_jan", "table"), ("customers_feb", "table")),
    }


@pytest.mark.spark
def test_a_missing_catalog_table_is_named(spark, tmp_path, model_path):
    out = tmp_path / "out"
    done = cli_in_process(
        *("track", model_path, "--before-table", "no_such", "--after", tmp_path / "feb.csv"),
        *("--out", out, "--engine", "spark", "--spark-master", "local[2]"),
    )
    assert done.returncode == 2 and not out.exists(), done.stderr
    assert done.stderr.endswith("Error: no_such: no such table in Spark's catalog\n")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            ["--before-table", "customers_jan", "--after", "feb.csv"],
            "--before-table reads a table of the Spark catalog: add --engine spark",
        ),
        (
            ["--before", "jan.csv", "--after-table", "customers_feb"],
            "--after-table reads a table of the Spark catalog: add --engine spark",
        ),
        (
            ["--before", "jan.csv", "--before-table", "customers_jan", "--after", "feb.csv"],
            "give either --before or --before-table, not both",
        ),
        (
            [
                *("--before", "jan.csv", "--after", "feb.csv", "--after-table", "customers_feb"),
                *("--engine", "spark"),
            ],
            "give either --after or --after-table, not both",
        ),
        (
            ["--after", "feb.csv"],
            "missing --before: the earlier table (or --before-table with Spark)",
        ),
        (
            ["--before-table", "customers_jan", "--engine", "spark"],
            "missing --after: the later table (or --after-table with Spark)",
        ),
    ],
)
def test_each_period_needs_one_source_and_a_table_needs_spark(
    tmp_path, model_path, options, message
):
    out = tmp_path / "out"
    done = cli_in_process("track", model_path, *options, "--out", out)
    assert (done.returncode, done.stderr) == (2, f"Error: {message}\n")
    assert not out.exists()


def test_the_in_process_engine_refuses_a_catalog_table(model, first):
    with pytest.raises(InputError) as refused:
        segmentasi.track(model, first, CatalogTable("customers_feb"))
    assert str(refused.value) == (
        "customers_feb: a table of the Spark catalog is tracked on Spark only: pass "
        "engine=SparkEngine(...)"
    )


def test_counted_quantiles_are_numpys_to_the_bit():
    rng = np.random.default_rng(0)
    for size in (1, 2, 3, 9, 10, 11, 97, 1000):
        for values in (rng.normal(size=size), rng.integers(0, 4, size).astype(float)):
            distinct, counts = np.unique(values, return_counts=True)
            expected = np.quantile(values, QUANTILES)
            found = counted_quantiles(distinct, counts, QUANTILES)
            assert found.tobytes() == expected.tobytes(), (size, values)
