"""Shared fixtures: small synthetic tables, the other bank's schema, the real table if present;
the command line in a child process or in this one; Spark's availability and a standalone
cluster."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from collections.abc import Mapping
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest

from segmentasi import RunResult, SweepOptions, builtin_schema, load_schema, run, synthesize

DATA = Path(__file__).parent / "data"
REAL_TABLE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "fundfusion" / "clustering_data.csv"
)


@pytest.fixture(scope="session")
def schema():
    return builtin_schema("fundfusion")


@pytest.fixture(scope="session")
def synthetic(schema) -> pd.DataFrame:
    """600 synthetic FundFusion customers (with the real table's quality problems)."""
    return synthesize(schema, rows=600, seed=7)


@pytest.fixture(scope="session")
def synthetic_run(synthetic, schema) -> RunResult:
    """Both built-in experiments on the synthetic customers, k 2 to 4 with a small stability
    check: one run for every module that reads a whole run (do not change it in place)."""
    options = SweepOptions(ks=(2, 3, 4), stability_runs=2, stability_rows=200)
    return run(synthetic, schema=schema, options=options)


# The time a report of synthetic_run says it was made: its only varying part.
REPORT_CREATED = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def synthetic_report(synthetic_run) -> dict[str, str]:
    """synthetic_run's HTML report in each language, made at REPORT_CREATED."""
    from segmentasi.report import render_report

    return {lang: render_report(synthetic_run, lang, REPORT_CREATED) for lang in ("id", "en")}


@pytest.fixture(scope="session")
def other_schema():
    return load_schema(DATA / "otherbank.toml")


def make_other_bank(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """A table for tests/data/otherbank.toml with three well separated groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, rows)
    card = (group == 0).astype(int)
    loan = (rng.random(rows) < 0.3).astype(int)
    return pd.DataFrame(
        {
            "cust_no": [f"C{i:05d}" for i in range(rows)],
            "region": np.array(["north", "south", "east"])[group],
            "age_years": np.clip(25 + 20 * group + rng.integers(-3, 4, rows), 18, 99),
            "segment_tier": np.array(["bronze", "silver", "gold"])[group],
            "has_card": card,
            "has_loan": loan,
            "n_products": card + loan,
        }
    )


@pytest.fixture(scope="session")
def real_table_path() -> Path:
    if not REAL_TABLE.exists():
        pytest.skip(f"real FundFusion table not present at {REAL_TABLE}")
    return REAL_TABLE


@pytest.fixture(scope="session")
def real_run(real_table_path, schema):
    """The real table run once for the tests that place it back: k=3, no stability runs, no
    diagnostics."""
    return run(
        real_table_path,
        schema=schema,
        options=SweepOptions(ks=(3,), stability_runs=0, silhouette_sample=2000),
        diagnose=False,
    )


# A Spark session for tests: two cores at most, no web UI, little memory (the machine is shared).
SPARK_TEST_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    "spark.driver.memory": "1g",
}


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    """One local Spark session (local[2]) for every Spark test of the run, its catalog's tables
    in a temporary folder, stopped at the end; the tests skip, saying why, where pyspark or
    Java is missing."""
    from segmentasi.spark.session import missing_requirement, spark_session, stop_session

    reason = missing_requirement()
    if reason:
        pytest.skip(reason)
    warehouse = str(tmp_path_factory.mktemp("spark_warehouse"))
    session = spark_session("local[2]", SPARK_TEST_CONF | {"spark.sql.warehouse.dir": warehouse})
    session.sparkContext.setLogLevel("ERROR")
    yield session
    stop_session()


def cli_in_child(*args: object, env: Mapping[str, str] = {}) -> subprocess.CompletedProcess:
    """`segmentasi ARGS` in a child process, as a user runs it, with the variables `env` added
    to the environment: for what only a real process shows (its exit status as cli.program
    ends it, signals, a closed pipe). Each child spends seconds importing the package.

    Its output is buffered, as in a user's shell, even where the tests run with
    PYTHONUNBUFFERED: what the command prints must reach the reader before os._exit."""
    inherited = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    return subprocess.run(
        [sys.executable, "-m", "segmentasi.cli", *map(str, args)],
        capture_output=True,
        encoding="utf-8",
        timeout=600,
        env={**inherited, "PYTHONIOENCODING": "utf-8", **env},
    )


def cli_in_process(*args: object, env: Mapping[str, str] = {}) -> subprocess.CompletedProcess:
    """`segmentasi ARGS` through segmentasi.cli.main in this process, with the variables `env`
    added to the environment for the call, and without a child's start-up: its exit code (as
    the installed command maps it) and what it printed on stdout and stderr.

    Its consoles are made anew on the captured streams, as a child's are on its pipes: no
    terminal, so no colours, even when pytest runs with -s in a terminal."""
    from segmentasi import cli

    argv = ["segmentasi", *map(str, args)]
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.object(sys, "argv", argv),
        mock.patch.dict(os.environ, env),
        redirect_stdout(out),
        redirect_stderr(err),
        mock.patch.object(cli, "out_console", cli.DataConsole()),
        mock.patch.object(cli, "err_console", cli.DataConsole(stderr=True)),
    ):
        try:
            cli.main()
            code: int | str | None = 0
        except SystemExit as done:
            code = done.code
        if isinstance(code, str):  # as cli.program does: the message printed, exit 1
            print(code, file=sys.stderr)
            code = 1
    return subprocess.CompletedProcess(argv, code or 0, out.getvalue(), err.getvalue())


# Set (CI sets it: .ci/run) to make Spark tests fail instead of skipping when Spark cannot run.
REQUIRE_SPARK = "SEGMENTASI_REQUIRE_SPARK"


def spark_unavailable() -> str | None:
    """Why Spark cannot run here (the engine's own check: pyspark, Java 17 or later), or
    None when it can."""
    from segmentasi.spark.session import missing_requirement

    return missing_requirement()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """spark_cluster tests are spark tests too, for -m "not spark" (before -m selects)."""
    for item in items:
        if item.get_closest_marker("spark_cluster") and not item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.spark)


def require_spark() -> None:
    """Skip, with the reason, where Spark cannot run; fail instead where REQUIRE_SPARK is set."""
    reason = spark_unavailable()
    if reason is None:
        return
    if os.environ.get(REQUIRE_SPARK):
        pytest.fail(f"{REQUIRE_SPARK} is set, but Spark cannot run: {reason}", pytrace=False)
    pytest.skip(f"Spark: {reason}")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Spark tests run only where Spark can (require_spark)."""
    if item.get_closest_marker("spark") is not None:
        require_spark()


@pytest.fixture(scope="module")
def standalone_cluster(tmp_path_factory):
    """A Spark standalone master and two workers (1 core, 1g each) on 127.0.0.1, for the tests
    of one module (mark them spark_cluster); killed at the end, leaving no process behind."""
    from .spark_cluster import ClusterError, StandaloneCluster

    require_spark()
    cluster = StandaloneCluster(tmp_path_factory.mktemp("spark-cluster"))
    try:
        cluster.start()
    except ClusterError as exc:
        cluster.stop()
        pytest.fail(f"the standalone cluster did not start: {exc}", pytrace=False)
    yield cluster
    cluster.stop()
