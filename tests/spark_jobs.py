"""A pyspark driver for the standalone-cluster tests, run as the main script of a process of its
own (tests/spark_cluster.py's Driver), so that its functions travel to the executors by value:

    python tests/spark_jobs.py SPARK_CONF_JSON

One SparkSession serves every job: each line on stdin names one, {"job": NAME, "args": [...]},
and is answered by one line on stdout, {"result": ...} or {"error": traceback}. The session
stops when stdin closes. Spark's own messages go to stderr.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

from pyspark import TaskContext
from pyspark.sql import SparkSession

# How long the first attempt of partition 0 waits for the test to kill its worker.
BLOCKED_SECONDS = 120


def range_sum(spark: SparkSession) -> int:
    """The sum of 0..999, computed by the executors."""
    return spark.range(1000).groupBy().sum("id").first()[0]


def sum_with_a_task_to_lose(spark: SparkSession, markers: str) -> int:
    """The sum of 0..7999 in 8 partitions, each task taking a moment. Every task attempt leaves
    a marker file PARTITION-ATTEMPT in `markers` holding its working folder (which names its
    worker). The first attempt of partition 0 then waits, for BLOCKED_SECONDS, to be killed
    with its worker: the job ends early only by running that partition again elsewhere."""
    folder = Path(markers)

    def task(partition: int, numbers: Iterator[int]) -> Iterator[int]:
        attempt = TaskContext.get().attemptNumber()
        marker = folder / f"{partition}-{attempt}"
        marker.with_suffix(".tmp").write_text(os.getcwd(), encoding="utf-8")
        marker.with_suffix(".tmp").replace(marker)
        time.sleep(BLOCKED_SECONDS if (partition, attempt) == (0, 0) else 0.5)
        yield sum(numbers)

    numbers = spark.sparkContext.parallelize(range(8000), 8)
    return sum(numbers.mapPartitionsWithIndex(task).collect())


JOBS = {"range_sum": range_sum, "sum_with_a_task_to_lose": sum_with_a_task_to_lose}


def main() -> None:
    builder = SparkSession.builder.appName("segmentasi-tests")
    for key, value in json.loads(sys.argv[1]).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    try:
        for line in sys.stdin:
            request = json.loads(line)
            try:
                answer = {"result": JOBS[request["job"]](spark, *request["args"])}
            except Exception:
                answer = {"error": traceback.format_exc()}
            print(json.dumps(answer), flush=True)
    finally:
        spark.stop()


if __name__ == "__main__":
    main()
