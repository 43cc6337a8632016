"""The Spark engine end to end (issue 16): a run on Spark agrees with the in-process run of the
same table, writes the same run folder plus every customer's segments as Parquet, and a saved
model places a table on Spark exactly as it does in-process."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

import segmentasi
from segmentasi.sweep import SweepOptions

pytestmark = pytest.mark.spark

ROWS, DRIVER_ROWS = 1_500, 700
OPTIONS = SweepOptions(ks=(2, 3), stability_runs=2, stability_rows=200)
SEGMENTS_TABLE = "sampled_run_segments"
REPORTED_PROGRESS: list[tuple[str, int, int]] = []  # what the sampled run reported


@pytest.fixture(scope="module")
def table_path(schema, tmp_path_factory):
    path = tmp_path_factory.mktemp("spark_table") / "customers.csv"
    segmentasi.synthesize(schema, rows=ROWS, seed=11).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def in_process(schema, table_path, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs") / "in_process"
    return segmentasi.run(
        table_path, schema=schema, options=OPTIONS, diagnose=False, workers=1, out=out
    ), out


def spark_run(
    schema, table_path, out, driver_rows: int, experiments=None, segments_table=None, progress=None
):
    from segmentasi.spark.engine import SparkEngine

    engine = SparkEngine("local[2]", driver_rows=driver_rows, segments_table=segments_table)
    try:
        return segmentasi.run(
            table_path,
            schema=schema,
            experiments=experiments,
            options=OPTIONS,
            diagnose=False,
            out=out,
            engine=engine,
            progress=progress,
        )
    finally:
        engine.close()


@pytest.fixture(scope="module")
def on_spark(spark, schema, table_path, tmp_path_factory):
    """A Spark run whose driver holds every customer: fitted there, as in process."""
    out = tmp_path_factory.mktemp("runs") / "spark"
    return spark_run(schema, table_path, out, ROWS), out


@pytest.fixture(scope="module")
def on_spark_sampled(spark, schema, table_path, tmp_path_factory):
    """A Spark run of one experiment whose driver holds a sample (DRIVER_ROWS of ROWS), its
    segments also written to the catalog table SEGMENTS_TABLE."""
    out = tmp_path_factory.mktemp("runs") / "spark_sampled"
    REPORTED_PROGRESS.clear()

    def progress(step: str, done: int, total: int) -> None:
        REPORTED_PROGRESS.append((step, done, total))

    return spark_run(
        schema, table_path, out, DRIVER_ROWS, ["produk"], SEGMENTS_TABLE, progress
    ), out


def every_customer(result, experiment: str, algorithm: str, table: pd.DataFrame) -> np.ndarray:
    model = segmentasi.SavedModel.from_run(result, experiment, algorithm)
    return model.assign(table, top_offers=0).table["segment"].fillna(0).to_numpy(dtype=int)


def test_a_spark_run_agrees_with_the_in_process_run(in_process, on_spark, table_path):
    (mine, _), (theirs, _) = in_process, on_spark
    table = pd.read_csv(table_path)
    for name, exp in mine.experiments.items():
        other = theirs.experiments[name]
        assert other.sweep.chosen == exp.sweep.chosen, name
        for algorithm, k in exp.sweep.chosen.items():
            row = exp.sweep.table.set_index(["algorithm", "k"]).loc[(algorithm, k)]
            spark_row = other.sweep.table.set_index(["algorithm", "k"]).loc[(algorithm, k)]
            assert spark_row.silhouette_exact
            assert abs(spark_row.silhouette - row.silhouette) <= 0.02, (name, algorithm)
            if algorithm == "kmeans":
                ari = adjusted_rand_score(
                    every_customer(mine, name, algorithm, table),
                    every_customer(theirs, name, algorithm, table),
                )
                assert ari >= 0.95, (name, ari)
            else:
                assert abs(spark_row.cost - row.cost) <= 0.01 * row.cost, name


def test_sampled_silhouettes_hold_the_exact_value_in_their_interval(in_process, on_spark_sampled):
    (mine, _), (theirs, _) = in_process, on_spark_sampled
    exact = mine.experiments["produk"].sweep.table.set_index(["algorithm", "k"])
    sampled = theirs.experiments["produk"].sweep.table.set_index(["algorithm", "k"])
    assert not sampled.silhouette_exact.any()
    assert (sampled.silhouette_rows == DRIVER_ROWS).all()
    for key, row in sampled.iterrows():
        assert row.silhouette_ci_low <= exact.loc[key, "silhouette"] <= row.silhouette_ci_high


def test_segment_sizes_count_every_customer_not_the_driver_sample(on_spark_sampled):
    result, out = on_spark_sampled
    assert len(result.table) == DRIVER_ROWS
    for exp in result.experiments.values():
        sizes = exp.profile.segments["size"]
        assert sizes.tolist() == exp.sweep.fits[exp.sweep.recommended].sizes.tolist()
        assert DRIVER_ROWS < sizes.sum() <= ROWS
        assert np.isclose(exp.profile.segments["share"].sum(), 1.0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["rows_validated"] == ROWS
    assert manifest["input"]["driver_rows"] == DRIVER_ROWS
    assert {"spark_fit_kmeans_s", "spark_fit_kmedoids_s"} <= set(manifest["timings_s"])
    assert len(pd.read_parquet(out / "segments.parquet")) == ROWS
    assert "700" in (out / "report.html").read_text()


def test_each_spark_stage_reports_its_tasks_as_progress(on_spark_sampled):
    stages = {}
    for step, done, total in REPORTED_PROGRESS:
        if step.startswith("Spark "):
            stages.setdefault(step.split(":")[0], []).append((done, total))
    assert set(stages) >= {
        "Spark validate",
        "Spark driver_sample",
        "Spark encode",
        "Spark fit_kmeans",
        "Spark fit_kmedoids",
        "Spark silhouettes",
        "Spark write_segments",
    }
    for reports in stages.values():
        assert reports[0] == (0, 1) and reports[-1] == (1, 1)
        assert all(0 <= done <= total for done, total in reports)
    # Between the first and the last report, Spark's tasks (a stage this short may be done
    # between two polls, but not all of them).
    assert any(total > 1 for reports in stages.values() for _, total in reports)


def test_out_table_holds_the_run_folders_segments(spark, on_spark_sampled):
    _, out = on_spark_sampled
    written = pd.read_parquet(out / "segments.parquet").sort_values("row", ignore_index=True)
    table = spark.table(SEGMENTS_TABLE).toPandas().sort_values("row", ignore_index=True)
    assert len(table) == ROWS
    pd.testing.assert_frame_equal(table, written, check_dtype=False)


def test_an_existing_out_table_is_refused_before_the_run(
    on_spark_sampled, schema, table_path, tmp_path
):
    from segmentasi.errors import InputError

    out = tmp_path / "again"
    with pytest.raises(InputError, match=f"--out-table {SEGMENTS_TABLE}: the table exists"):
        spark_run(schema, table_path, out, DRIVER_ROWS, ["produk"], SEGMENTS_TABLE)
    assert not out.exists()


def test_the_run_folder_holds_every_customer_segment_as_parquet(on_spark, table_path):
    result, out = on_spark
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["input"]["engine"] == "spark"
    assert manifest["rows_validated"] == manifest["input"]["driver_rows"] == ROWS
    # The driver holds every row: the models are fitted there, as in process.
    assert not any(key.startswith("spark_fit_") for key in manifest["timings_s"])
    segments = pd.read_parquet(out / "segments.parquet").sort_values("row")
    assert segments["row"].tolist() == list(range(1, ROWS + 1))
    table = pd.read_csv(table_path)
    for name in result.experiments:
        placed = segmentasi.load_model(out / name).assign(table, top_offers=0).table["segment"]
        assert segments[f"segment_{name}"].fillna(0).tolist() == placed.fillna(0).tolist()
    report = (out / "report.html").read_text()
    assert "Apache Spark" in report


def test_a_model_places_a_table_on_spark_as_it_does_in_process(
    spark, in_process, table_path, tmp_path
):
    from segmentasi.spark.engine import SparkEngine

    _, folder = in_process
    model = segmentasi.load_model(folder / "demografi")
    engine = SparkEngine("local[2]")
    out = tmp_path / "placed.parquet"
    sizes, unplaced = engine.place(
        model, table_path, out=str(out), out_table=None, lang="en", top_offers=2,
        impute_absent_columns=False,
    )  # fmt: skip
    expected = model.assign(pd.read_csv(table_path), lang="en", top_offers=2).table
    placed = pd.read_parquet(out)
    key = segmentasi.load_schema().id_column.name
    compared = [key, "segment", "distance", "recommended_products", "reason"]

    def rows(table: pd.DataFrame) -> pd.DataFrame:  # ids repeat in the synthetic table
        table = table[compared].fillna({"segment": 0, "distance": -1})
        table = table.astype({key: str, "segment": int, "distance": float})
        return table.sort_values(compared).reset_index(drop=True).astype(str)

    assert len(placed) == len(expected) == ROWS
    pd.testing.assert_frame_equal(rows(placed), rows(expected))
    assert sum(sizes.values()) + sum(unplaced.values()) == ROWS
    with pytest.raises(segmentasi.InputError, match="exists"):
        engine.place(
            model, table_path, out=str(out), out_table=None, lang="en", top_offers=2,
            impute_absent_columns=False,
        )  # fmt: skip


@pytest.fixture(scope="module")
def encoded_on_spark(spark, schema, table_path):
    """`demografi` encoded by a Spark engine holding DRIVER_ROWS of the ROWS customers, and the
    same table in process: (engine, driver's table, its feature space, every row's handle,
    the whole table, its rows set aside)."""
    from segmentasi.engine import IN_PROCESS
    from segmentasi.spark.engine import SparkEngine

    engine = SparkEngine("local[2]", driver_rows=DRIVER_ROWS)
    read = {"allow_extra": False, "where": None, "decimal": "auto"}
    try:
        sample, _ = engine.load(table_path, schema, **read)
        space, _ = engine.encode(sample, schema, schema.experiment("demografi"), "standard")
        rows = engine.all_rows(space, drop_missing=False)
        table, _ = IN_PROCESS.load(table_path, schema, **read)
        aside = np.zeros(len(table), dtype=bool)
        for found in space.set_aside_rows(table).values():
            aside |= found
        yield engine, sample, space, rows, table, aside
    finally:
        engine.close()


def test_every_customer_is_kept_in_the_in_process_order(encoded_on_spark):
    """K-Medoids draws its samples by position (spark/clara.py): position i on Spark must be
    the in-process matrix's row i, the customers set aside left out as in process."""
    _, _, space, rows, table, aside = encoded_on_spark
    assert 0 < aside.sum() < len(table)  # some customers are set aside
    in_process = space.transform(table[~aside])
    np.testing.assert_array_equal(rows.ordered.values_at(np.arange(rows.rows)), in_process)


def test_sampled_silhouettes_score_the_in_process_customers(encoded_on_spark):
    """The driver's sample holds the first customers in the run's order, so the Spark engine
    scores the customers the in-process engine scores, with the same values."""
    from types import SimpleNamespace

    from segmentasi.algorithms import assign
    from segmentasi.engine import IN_PROCESS, Space

    engine, sample, space, rows, table, aside = encoded_on_spark
    kept = np.ones(len(sample), dtype=bool)
    for found in space.set_aside_rows(sample).values():
        kept &= ~found
    X, X_driver = space.transform(table[~aside]), space.transform(sample[kept])
    centers = X[[0, 1, 2]]

    def fits(on: np.ndarray) -> list[SimpleNamespace]:
        return [SimpleNamespace(centers=centers, labels=assign(on, centers, "euclidean")[0])]

    everyone = Space(X, "euclidean", "standard", None, table.index[~aside].to_numpy())
    driver = Space(X_driver, "euclidean", "standard", rows, sample.index[kept].to_numpy())
    mine, mine_values = IN_PROCESS.silhouettes(everyone, fits(X), sample_size=300, seed=0)
    theirs, their_values = engine.silhouettes(driver, fits(X_driver), sample_size=300, seed=0)
    np.testing.assert_array_equal(everyone.row_numbers[mine], driver.row_numbers[theirs])
    np.testing.assert_allclose(their_values, mine_values, atol=1e-6)


def test_a_spark_run_on_a_sample_finds_the_in_process_k_medoids_with_a_filter_and_drops(
    spark, schema, tmp_path, monkeypatch
):
    """A driver holding 2,000 of 6,000 customers (fewer once filtered), customers with a gap
    dropped: the in-process run fitting its space on the same first 2,000 in the run's order
    finds the same K-Medoids (CLARA: same samples) at every k, with the same silhouettes (the
    same customers scored), and both choose the same k."""
    from segmentasi import pipeline
    from segmentasi.quality import Handling
    from segmentasi.spark.engine import SparkEngine

    path = tmp_path / "customers.csv"
    segmentasi.synthesize(schema, rows=6_000, seed=5).to_csv(path, index=False)
    monkeypatch.setattr(pipeline, "SPACE_FIT_ROWS", 2_000)
    options = SweepOptions(
        ks=(2, 3), stability_runs=2, stability_rows=200, silhouette_exact_max_rows=1_000,
        silhouette_sample=500, seed=3,
    )  # fmt: skip
    arguments = {
        "schema": schema,
        "experiments": ["demografi"],
        "options": options,
        "diagnose": False,
        "where": "`Usia` >= 30",
        "handling": Handling(missing="drop"),
    }
    mine = segmentasi.run(path, workers=1, **arguments).experiments["demografi"]
    engine = SparkEngine("local[2]", driver_rows=2_000)
    try:
        theirs = segmentasi.run(path, engine=engine, **arguments).experiments["demografi"]
    finally:
        engine.close()
    ours, spark = (
        r.sweep.table.set_index(["algorithm", "k"]).loc["kmedoids"] for r in (mine, theirs)
    )
    assert (ours.method == "clara samples=8 size=2500").all()
    assert not spark.silhouette_exact.any()
    np.testing.assert_allclose(spark.cost, ours.cost, rtol=1e-12)
    np.testing.assert_allclose(spark.silhouette, ours.silhouette, atol=1e-9)
    for k in (2, 3):
        np.testing.assert_array_equal(
            theirs.sweep.fits[("kmedoids", k)].centers, mine.sweep.fits[("kmedoids", k)].centers
        )
    assert theirs.sweep.chosen == mine.sweep.chosen
