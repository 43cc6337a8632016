"""The engine seam: a run's row-wide steps go through the engine it is given; compute() alone."""

from __future__ import annotations

import numpy as np
import pytest

import segmentasi
from segmentasi.engine import CatalogTable, Engine
from segmentasi.errors import InputError
from segmentasi.pipeline import compute
from segmentasi.results import RunOptions
from segmentasi.sweep import SweepOptions
from segmentasi.validation import validate

from .conftest import cli_in_process

OPTIONS = SweepOptions(ks=(2, 3), stability_runs=2, stability_rows=100)
STEPS = ("read", "validate", "encode", "fit", "assign", "silhouettes", "profile")


class RecordingEngine(Engine):
    """The in-process engine, noting each step it is asked for."""

    def __init__(self) -> None:
        self.steps: list[str] = []

    def __getattribute__(self, name: str):
        if name in STEPS:
            object.__getattribute__(self, "steps").append(name)
        return object.__getattribute__(self, name)


@pytest.fixture(scope="module")
def table_path(schema, tmp_path_factory):
    path = tmp_path_factory.mktemp("table") / "customers.csv"
    segmentasi.synthesize(schema, rows=300, seed=3).to_csv(path, index=False)
    return path


def test_a_run_takes_every_row_wide_step_through_its_engine(schema, table_path):
    engine = RecordingEngine()
    arguments = {"schema": schema, "experiments": ["produk"], "options": OPTIONS}
    recorded = segmentasi.run(table_path, diagnose=False, workers=1, engine=engine, **arguments)
    assert set(engine.steps) == set(STEPS)
    assert engine.steps[:2] == ["read", "validate"]
    plain = segmentasi.run(table_path, diagnose=False, workers=1, **arguments)
    assert (
        recorded.experiments["produk"]
        .sweep.table.drop(columns="fit_seconds")
        .equals(plain.experiments["produk"].sweep.table.drop(columns="fit_seconds"))
    )


def test_compute_gives_the_experiments_a_run_gives(schema, synthetic):
    run = segmentasi.run(synthetic, schema=schema, options=OPTIONS, diagnose=False)
    table, _ = validate(synthetic, schema)
    computed = compute(
        table, schema, RunOptions(tuple(schema.experiments), sweep=OPTIONS), diagnose=False
    )
    assert list(computed) == list(run.experiments) == list(schema.experiments)
    for name, exp in computed.items():
        assert np.array_equal(exp.labels, run.experiments[name].labels)
        assert exp.sweep.recommended == run.experiments[name].sweep.recommended


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--out-table", "segments"], "--out-table writes a Spark catalog table"),
        (["--spark-conf", "spark.executor.memory=2g"], "--spark-conf need --engine spark"),
        (["--table", "customers"], "--table reads a table of the Spark catalog"),
        (["--engine", "dask"], "unknown engine 'dask'"),
    ],
)
def test_spark_options_without_the_spark_engine_are_refused(table_path, tmp_path, options, message):
    data = [] if "--table" in options else [table_path]
    done = cli_in_process("run", *data, "--out", tmp_path / "run", *options)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert not (tmp_path / "run").exists()


def test_running_out_of_memory_is_told_as_such_not_as_a_bug(table_path, tmp_path, monkeypatch):
    def exhausted(*args, **kwargs):
        raise MemoryError("Unable to allocate 839. MiB for an array")

    monkeypatch.setattr("segmentasi.job.experiment_results", exhausted)
    done = cli_in_process("run", table_path, "--out", tmp_path / "run", "--quiet")
    assert done.returncode == 1
    assert "out of memory" in done.stderr and "--engine spark" in done.stderr
    assert "bug" not in done.stderr
    assert not (tmp_path / "run").exists()


def test_the_in_process_engine_refuses_a_catalog_table_with_a_message():
    with pytest.raises(InputError) as refused:
        segmentasi.run(CatalogTable("customers"))
    assert str(refused.value) == (
        "customers: a table of the Spark catalog is read on Spark only: pass "
        "engine=SparkEngine(...)"
    )


def test_a_table_larger_than_the_fitting_sample_fits_its_space_on_the_first_rows(
    schema, table_path, monkeypatch
):
    """Above SPACE_FIT_ROWS customers the feature space is fitted on the first of them in the
    run's order: the rows the Spark engine holds on its driver."""
    from segmentasi import pipeline
    from segmentasi.features import FeatureSpace
    from segmentasi.row_order import first_in_order

    monkeypatch.setattr(pipeline, "SPACE_FIT_ROWS", 120)
    run = segmentasi.run(
        table_path, schema=schema, experiments=["demografi"], options=OPTIONS, diagnose=False,
        workers=1,
    )  # fmt: skip
    exp = run.experiments["demografi"]
    first = run.table.iloc[first_in_order(run.table.index.to_numpy(), OPTIONS.seed, 120)]
    on_first = FeatureSpace(schema, exp.experiment).fit(first)
    on_every_row = FeatureSpace(schema, exp.experiment).fit(run.table)
    assert exp.spaces["kmeans"].describe() == on_first.describe()
    assert on_first.describe() != on_every_row.describe()
