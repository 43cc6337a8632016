"""The engines a run can use, by name: the in-process one (engine.py) and Apache Spark's
(spark/engine.py, loaded only when asked for, with pyspark)."""

from __future__ import annotations

from collections.abc import Sequence

from .engine import IN_PROCESS, Engine
from .errors import InputError

ENGINES = ("in-process", "spark")


def make_engine(
    name: str,
    *,
    spark_master: str = "local[*]",
    spark_conf: Sequence[str] = (),
    segments_table: str | None = None,
) -> Engine:
    """The engine called `name` (ENGINES); the Spark one on `spark_master` with `spark_conf`
    settings given as key=value, writing a run's segments to the new catalog table
    `segments_table` too when given."""
    if name not in ENGINES:
        raise InputError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    if name == "in-process":
        if spark_master != "local[*]" or spark_conf:
            raise InputError("--spark-master and --spark-conf need --engine spark")
        if segments_table is not None:
            raise InputError("--out-table writes a Spark catalog table: add --engine spark")
        return IN_PROCESS
    from .spark.engine import SparkEngine  # pyspark loads only for this engine

    return SparkEngine(
        spark_master,
        dict(_setting(item) for item in spark_conf),
        segments_table=segments_table,
    )


def _setting(item: str) -> tuple[str, str]:
    key, equals, value = item.partition("=")
    if not equals or not key.strip():
        raise InputError(f"--spark-conf takes key=value, got {item!r}")
    return key.strip(), value
