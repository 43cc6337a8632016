"""Reading a table on Spark: a CSV or Parquet file or folder, or a table of Spark's catalog.

A CSV is read as files.read_table reads one, every cell as text: the encoding (UTF-8, or
UTF-16 after its byte-order mark) and the delimiter (comma, semicolon or tab) judged from the
first file's header line, the column names as pandas makes them from that line (an empty
header cell is 'Unnamed: N', a repeated name gets '.1'), the spaces after a delimiter skipped,
a doubled quote inside quotes read as one, and files.MISSING_MARKERS read as missing.
Parquet columns keep their types, as pandas reads them. Column names lose the spaces around
them, and the decimal mark asked for is recorded with the columns (as read_table records it in
the frame's attrs) for validate_frame.

What differs from read_table:
- A CSV row with more or fewer cells than the header is refused (Spark's FAILFAST mode, with
  the row in the message); pandas fills a short row with missing cells. A quoted cell that
  holds a line break is refused too (each line is read as a row, so that a large file is
  read in parallel), except in UTF-16 files, which Spark reads whole.
- A folder (and a glob pattern) is read as one table: its visible files (names not starting
  with '_' or '.') of the first file's kind, each CSV with its header line.
- Excel workbooks and compressed CSVs (.csv.gz) are not read: save them as CSV or Parquet.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath
from typing import Any

import pandas as pd
from py4j.protocol import Py4JJavaError
from pyspark.errors import PySparkException, PythonException
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from ..decimals import DECIMAL_ATTR, check_decimal
from ..engine import CatalogTable
from ..errors import InputError, quoted
from ..files import MISSING_MARKERS, READERS, delimiter, text_encoding
from .failures import one_line

# A catalog table's name: up to three plain parts (catalog.database.table), each of ASCII
# letters, digits and _. It is handed to spark.table, never written into SQL text.
TABLE_NAME = re.compile(r"\w+(?:\.\w+){0,2}", re.ASCII)
# Where the decimal mark asked for is recorded in each column's metadata.
DECIMAL_KEY = f"segmentasi.{DECIMAL_ATTR}"
HEADER_BYTES = 1 << 20  # the most read of a CSV to find its header line
_LINE_END = re.compile(r"\r\n|\r|\n")
_SPARK_ENCODINGS = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16"}


def read_source(
    spark: SparkSession, source: str, *, table: bool = False, decimal: str = "auto"
) -> DataFrame:
    """The raw table at `source`, a path Spark reads (local, hdfs://, s3a://, a folder or a
    glob) of CSV (cells as text) or Parquet (typed columns), or with table=True the name of a
    table in Spark's catalog (database.table). `decimal` (auto, '.' or ','): the decimal mark
    of numbers written as text, recorded for validate_frame. InputError when the source does
    not exist or cannot be read, with Spark's one-line reason."""
    check_decimal(decimal)
    with spark_errors(source):
        if table:
            frame = _catalog_table(spark, source)
        else:
            first = _first_file(spark, source)
            kind = READERS.get(PurePosixPath(first.getPath().getName()).suffix.lower())
            if kind == "csv":
                frame = _read_csv(spark, source, first)
            elif kind == "parquet":
                frame = spark.read.parquet(source)
            else:
                raise InputError(
                    f"{source}: unsupported file type {first.getPath().getName()!r} on Spark; "
                    "use .csv or .parquet"
                )
    return _recorded(frame, decimal)


def read_frame(spark: SparkSession, source: str | Path | CatalogTable, decimal: str) -> DataFrame:
    """The table at `source` (a path or URI Spark reads, or a catalog table) as stored."""
    if isinstance(source, CatalogTable):
        return read_source(spark, source.name, table=True, decimal=decimal)
    return read_source(spark, str(source), decimal=decimal)


def recorded_decimal(frame: DataFrame) -> str | None:
    """The decimal mark read_source recorded with the columns of `frame`, if any."""
    for field in frame.schema.fields:
        if DECIMAL_KEY in field.metadata:
            return str(field.metadata[DECIMAL_KEY])
    return None


@contextmanager
def spark_errors(source: str) -> Iterator[None]:
    """Spark's failures to read `source` (missing, malformed or corrupt files, unknown tables)
    as InputError with Spark's one-line reason. A failure of Python code that Spark ran is a
    bug, not the input's, and is left as it is."""
    try:
        yield
    except PythonException:
        raise
    except (PySparkException, Py4JJavaError) as exc:
        chain = _causes(exc)
        if any("PythonException" in name for name, _ in chain):
            raise
        raise InputError(f"{source}: cannot be read: {one_line(chain[-1][1])}") from None


def _causes(exc: BaseException) -> list[tuple[str, str]]:
    """(class name, message) of `exc` and of each exception that caused it, on the Java side."""
    java = getattr(exc, "java_exception", None) or getattr(exc, "_origin", None)
    if java is None:
        return [(type(exc).__name__, str(exc))]
    chain = []
    while java is not None:
        chain.append((java.getClass().getName(), java.getMessage() or java.getClass().getName()))
        java = java.getCause()
    return chain


def _catalog_table(spark: SparkSession, name: str) -> DataFrame:
    if not TABLE_NAME.fullmatch(name):
        raise InputError(
            f"{quoted(name)} is not a table name: up to three parts (catalog.database.table) of "
            "letters, digits and _, separated by dots"
        )
    if not spark.catalog.tableExists(name):
        raise InputError(f"{name}: no such table in Spark's catalog")
    return spark.table(name)


def _first_file(spark: SparkSession, source: str) -> Any:
    """The Hadoop FileStatus of the first file Spark reads at `source` (a file, a folder or a
    glob): the file given, else the first visible one in name order, folders searched depth
    first."""
    jvm = spark._jvm  # Spark's own file systems: local, hdfs://, s3a://, ...
    path = jvm.org.apache.hadoop.fs.Path(source)
    system = path.getFileSystem(spark._jsc.hadoopConfiguration())
    matches = system.globStatus(path)
    if not matches:
        raise InputError(f"{source}: no such file")
    for status in sorted(matches, key=lambda s: s.getPath().toString()):
        found = status if status.isFile() else _first_in_folder(system, status)
        if found is not None:
            return found
    raise InputError(f"{source}: a folder without table files")


def _first_in_folder(system: Any, folder: Any) -> Any:
    for status in sorted(system.listStatus(folder.getPath()), key=lambda s: s.getPath().getName()):
        if status.getPath().getName().startswith(("_", ".")):
            continue  # hidden, as Spark hides them: _SUCCESS, .crc files, _temporary folders
        found = status if status.isFile() else _first_in_folder(system, status)
        if found is not None:
            return found
    return None


def _read_csv(spark: SparkSession, source: str, first: Any) -> DataFrame:
    name = first.getPath().getName()
    shown = source if name == PurePosixPath(source).name else first.getPath().toString()
    encoding, separator, names = _csv_header(spark, first, shown)
    placeholders = [f"_c{i}" for i in range(len(names))]  # positional: any name is safe
    frame = spark.read.csv(
        source,
        schema=StructType([StructField(p, StringType()) for p in placeholders]),
        header=True,
        sep=separator,
        encoding=_SPARK_ENCODINGS[encoding],
        quote='"',
        escape='"',
        ignoreLeadingWhiteSpace=True,
        mode="FAILFAST",
        multiLine=encoding == "utf-16",
    )
    cells = [F.col(p) for p in placeholders]
    return frame.select(
        *[
            F.when(cell.isin(MISSING_MARKERS), None).otherwise(cell).alias(name)
            for cell, name in zip(cells, names, strict=True)
        ]
    )


def _csv_header(spark: SparkSession, first: Any, shown: str) -> tuple[str, str, list[str]]:
    """The encoding, delimiter and column names (as pandas names them) of a CSV file, called
    `shown` in messages."""
    path = first.getPath()
    stream = path.getFileSystem(spark._jsc.hadoopConfiguration()).open(path)
    try:
        head = bytes(stream.readNBytes(HEADER_BYTES))
    finally:
        stream.close()
    encoding = text_encoding(head)
    line = _LINE_END.split(head.decode(encoding, errors="replace"), maxsplit=1)[0]
    separator = delimiter(line, shown)
    try:
        header = pd.read_csv(
            io.StringIO(line), sep=separator, nrows=0, dtype=str, skipinitialspace=True
        )
    except (pd.errors.ParserError, ValueError) as exc:
        raise InputError(f"{shown}: cannot read the header line: {exc}") from None
    return encoding, separator, [str(c) for c in header.columns]


def _recorded(frame: DataFrame, decimal: str) -> DataFrame:
    """`frame` with names stripped of surrounding spaces and `decimal` recorded with each
    column (renamed by position, so that no name is parsed)."""
    names = [str(c).strip() for c in frame.columns]
    placeholders = [f"_c{i}" for i in range(len(names))]
    return frame.toDF(*placeholders).select(
        *[
            F.col(p).alias(name, metadata={DECIMAL_KEY: decimal})
            for p, name in zip(placeholders, names, strict=True)
        ]
    )
