"""`segmentasi run --engine spark` on a real standalone cluster (a master and two workers on
127.0.0.1, tests/spark_cluster.py): the run folder is complete, a run that loses a worker in the
middle still completes with the same result (Spark runs the lost tasks again on the other
worker), and nothing the cluster or the runs started outlives them."""

from __future__ import annotations

import subprocess
import sys
import time

import pandas as pd
import pytest

import segmentasi

pytestmark = [pytest.mark.spark, pytest.mark.spark_cluster]

ROWS = 1_200


@pytest.fixture(scope="module")
def table_path(schema, tmp_path_factory):
    path = tmp_path_factory.mktemp("cluster_table") / "customers.csv"
    segmentasi.synthesize(schema, rows=ROWS, seed=5).to_csv(path, index=False)
    return path


def run_command(cluster, table_path, out) -> list[str]:
    conf = {k: v for k, v in cluster.driver_conf().items() if k != "spark.master"}
    settings = [arg for key, value in conf.items() for arg in ("--spark-conf", f"{key}={value}")]
    return [
        sys.executable, "-m", "segmentasi.cli", "run", str(table_path), "--out", str(out),
        "--engine", "spark", "--spark-master", cluster.url, *settings,
        "--experiment", "produk", "--k-min", "2", "--k-max", "3", "--quiet",
    ]  # fmt: skip


def comparable(folder) -> dict[str, pd.DataFrame]:
    """What a run computed: each experiment's sweep (without its seconds) and every segment."""
    found = {
        name: pd.read_csv(folder / name / "sweep.csv").drop(columns="fit_seconds")
        for name in ("produk",)
    }
    found["segments"] = pd.read_parquet(folder / "segments.parquet").sort_values("row")
    return found


@pytest.fixture(scope="module")
def first_run_done(standalone_cluster, table_path, tmp_path_factory):
    """The first run on the cluster, from the command line: its folder and what it printed."""
    out = tmp_path_factory.mktemp("cluster_runs") / "whole"
    done = subprocess.run(
        run_command(standalone_cluster, table_path, out),
        env=standalone_cluster.environment(),
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:] + standalone_cluster.logs()
    return out, done


@pytest.fixture(scope="module")
def first_run(first_run_done):
    return first_run_done[0]


def test_the_command_line_shows_no_spark_progress_bar_or_pyspark_warnings(first_run_done):
    stderr = first_run_done[1].stderr
    for noise in (
        "[Stage ",
        "FutureWarning",
        "Spark's default log4j profile",
        "NativeCodeLoader",
        "Setting default log level",
    ):
        assert noise not in stderr, stderr


def test_a_run_on_the_cluster_writes_the_whole_folder(first_run, standalone_cluster):
    for name in ("report.html", "manifest.json", "segments.parquet", "produk/sweep.csv"):
        assert (first_run / name).exists(), name
    manifest = pd.read_json(first_run / "manifest.json", typ="series")
    assert manifest["input"]["spark_master"] == standalone_cluster.url
    assert manifest["rows_validated"] == ROWS
    assert len(pd.read_parquet(first_run / "segments.parquet")) == ROWS
    # both workers ran executors of the run
    assert all(any(standalone_cluster.work_dir(i).glob("app-*/*")) for i in (0, 1))


def test_a_run_that_loses_a_worker_completes_with_the_same_result(
    first_run, standalone_cluster, table_path, tmp_path
):
    before = {i: set(standalone_cluster.work_dir(i).glob("app-*")) for i in (0, 1)}
    out = tmp_path / "lost_a_worker"
    running = subprocess.Popen(
        run_command(standalone_cluster, table_path, out),
        env=standalone_cluster.environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 300
    # Wait until the run has an executor on worker 0 and has been working a few seconds.
    while not set(standalone_cluster.work_dir(0).glob("app-*")) - before[0]:
        assert running.poll() is None, running.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the run got no executor on worker 0"
        time.sleep(0.2)
    time.sleep(8)
    assert running.poll() is None, "the run ended before the worker could be lost"
    standalone_cluster.kill_worker(0)
    _, errors = running.communicate(timeout=900)
    assert running.returncode == 0, errors[-3000:] + standalone_cluster.logs()
    assert standalone_cluster.alive_workers() == 1
    expected, found = comparable(first_run), comparable(out)
    for name, table in expected.items():
        pd.testing.assert_frame_equal(
            found[name].reset_index(drop=True), table.reset_index(drop=True)
        )


def test_the_cluster_leaves_no_process_behind(standalone_cluster):
    standalone_cluster.stop()  # kills the sessions, then checks that none has a process left
