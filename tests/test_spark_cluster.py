"""The standalone cluster the Spark engine's tests run on: a job runs on it, a job survives the
loss of a worker (its task runs again on the other), and nothing it started outlives it."""

from __future__ import annotations

import time

import pytest

pytestmark = [pytest.mark.spark, pytest.mark.spark_cluster]


@pytest.fixture(scope="module")
def driver(standalone_cluster):
    """One pyspark driver on the cluster for the module's jobs."""
    driver = standalone_cluster.driver()
    yield driver
    driver.close()


def test_a_job_runs_on_the_cluster(standalone_cluster, driver):
    status = standalone_cluster.status()
    assert status["url"] == standalone_cluster.url
    assert [worker["cores"] for worker in status["workers"]] == [1, 1]
    assert driver.run("range_sum") == sum(range(1000))


def test_a_job_survives_the_loss_of_a_worker(standalone_cluster, driver, tmp_path):
    driver.submit("sum_with_a_task_to_lose", tmp_path)
    blocked = tmp_path / "0-0"  # partition 0's first attempt, waiting to be killed
    deadline = time.monotonic() + 300
    while not blocked.exists():
        if not driver.running() or time.monotonic() > deadline:
            raise driver.failure("partition 0 did not start")
        time.sleep(0.1)
    lost = standalone_cluster.worker_of(blocked.read_text(encoding="utf-8"))
    standalone_cluster.kill_worker(lost)
    assert standalone_cluster.worker_processes(lost) == []
    assert driver.result() == sum(range(8000))
    retried = (tmp_path / "0-1").read_text(encoding="utf-8")
    assert standalone_cluster.worker_of(retried) == 1 - lost
    assert standalone_cluster.alive_workers() == 1


def test_the_driver_and_the_cluster_leave_no_process_behind(standalone_cluster, driver):
    assert driver.close() == []
    standalone_cluster.stop()  # kills the sessions, then checks that none has a process left
