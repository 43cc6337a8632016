"""Writing a Spark table where the user asked: a new Parquet dataset (a path or URI) and/or a
new catalog table. Nothing that exists is replaced, so nothing the tool did not write is ever
deleted; what a failed step wrote is removed again."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# db.table or table: letters, digits and underscores (a name, never SQL text)
_TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?")


def check_table_name(name: str) -> str:
    """`name` when it is a plain catalog name (db.table or table); InputError otherwise."""
    if not _TABLE_NAME.fullmatch(name):
        raise InputError(
            f"--out-table {name!r}: a table name is db.table or table (letters, digits, _)"
        )
    return name


def write_new(
    spark: SparkSession, frame: DataFrame, *, out: str | None, table: str | None
) -> DataFrame:
    """`frame` written to the new dataset `out` and/or the new table `table`; returned: the
    written data read back (so that what follows reads it rather than computing it again)."""
    if out is None and table is None:
        raise InputError("give --out (a Parquet dataset path) or --out-table")
    if table is not None:
        check_new_table(spark, table)
    if out is not None and _exists(spark, out):
        raise InputError(f"{out}: exists; choose a new path (nothing is replaced)")
    if out is not None:
        frame.write.mode("errorifexists").parquet(out)
        frame = spark.read.parquet(out)
    if table is not None:
        try:
            frame.write.mode("errorifexists").saveAsTable(table)
        except BaseException:  # no dataset left behind without its table
            remove_written(spark, out=out, table=None)
            raise
        frame = spark.table(table)
    return frame


def check_new_table(spark: SparkSession, table: str) -> None:
    """InputError unless `table` is a valid name of a table the catalog does not have."""
    check_table_name(table)
    if spark.catalog.tableExists(table):
        raise InputError(f"--out-table {table}: the table exists; choose a new name")


def remove_written(spark: SparkSession, *, out: str | None, table: str | None) -> None:
    """Remove what write_new wrote (it wrote only what did not exist)."""
    if table is not None:
        spark.sql(f"DROP TABLE IF EXISTS {check_table_name(table)}")
    if out is not None:
        path = spark._jvm.org.apache.hadoop.fs.Path(out)
        path.getFileSystem(spark._jsc.hadoopConfiguration()).delete(path, True)


def _exists(spark: SparkSession, out: str) -> bool:
    path = spark._jvm.org.apache.hadoop.fs.Path(out)
    return bool(path.getFileSystem(spark._jsc.hadoopConfiguration()).exists(path))
