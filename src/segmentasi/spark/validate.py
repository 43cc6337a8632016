"""Validating a table on Spark with the in-process rules (validation.py), part by part.

Spark hands each partition to Python in Arrow batches; validation.py's own functions weigh
each chunk's evidence of the decimal mark (`decimal_evidence`) and type and check its rows
(`typed_rows`), and what they find comes back to the driver, which adds the parts up in row
order (`combined`): counts over all rows, the first rows and cells as examples. What the header
and the row count show (missing and unexpected columns, names given twice, no rows) is checked
on the driver. So every message reads as validate()'s does for the same table.

Rows are numbered in Spark's reading order: a partition's rows follow those of the partitions
before it. For one CSV file that is the file's order, so row numbers are the CSV's data rows,
as in-process. For a folder of files Spark reads the larger files first, and Parquet files and
catalog tables in the order Spark reads them, which may not be the order a person sees
elsewhere. A frame computed with a shuffle (a join, a repartition) has no stable order: its row
numbers may differ from one pass to the next.

Validating reads the table once (twice when decimal is 'auto' and the evidence says the mark is
a comma: the first pass checks with a point meanwhile). The typed frame is computed again each
time it is used, unless the caller asks validate_frame to keep it: the pass that checks the
rows then also types them into Spark's cache, and the typed frame reads them from there (at
10,000,000 rows, typing every row a second time took about 100 s of a 29-minute run).
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from pyspark import StorageLevel, TaskContext
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import from_arrow_schema
from pyspark.sql.types import ArrayType, MapType, StringType, StructType

from .. import decimals
from ..errors import InputError
from ..filters import parse_filter
from ..row_order import hashed_seed
from ..schema import Column, Schema
from ..validation import (
    Checks,
    Problem,
    ValidationError,
    combined,
    decimal_evidence,
    declared_cells,
    table_problems,
    typed_rows,
)
from .read import recorded_decimal, spark_errors

# The typed frame's column of row numbers (0-based: validate()'s index; problems show them
# 1-based).
ROW = "_segmentasi_row"
CHUNK_ROWS = 100_000  # rows validated at once (see _chunks)
# A kept pass's extra columns: each row's partition, and on one record per chunk (its typed
# columns null, ROW the chunk's first row in the partition) its rows and what was found.
_PARTITION, _PART_ROWS, _FOUND = "_segmentasi_partition", "_segmentasi_rows", "_segmentasi_found"
# What a task sends back per chunk: its partition, first row in it, rows, and what was found.
_PART = pa.schema(
    [
        pa.field("partition", pa.int64(), nullable=False),
        pa.field("start", pa.int64(), nullable=False),
        pa.field("rows", pa.int64(), nullable=False),
        pa.field("found", pa.binary(), nullable=False),
    ]
)


@dataclass(frozen=True)
class ValidatedFrame:
    """A table typed by its schema on Spark: numbers as double, levels and IDs as strings,
    missing cells as null, and its row numbers in column ROW; `rows` rows; with
    strict=False, the problems whose cells were blanked."""

    frame: DataFrame
    rows: int
    problems: tuple[Problem, ...] = ()


def order_key(seed: int) -> SparkColumn:
    """Each typed row's key in the run's order for `seed`: Spark's xxhash64 of its ROW and the
    seed as a long, which row_order.row_keys computes in numpy."""
    return F.xxhash64(F.col(ROW), F.lit(hashed_seed(seed)).cast("long"))


def validate_frame(
    frame: DataFrame,
    schema: Schema,
    *,
    allow_extra: bool,
    source: str,
    decimal: str | None,
    columns: Sequence[str] | None = None,
    strict: bool = True,
    keep: list[DataFrame] | None = None,
) -> ValidatedFrame:
    """Type a raw Spark table by its schema, as validation.validate types a pandas one, and
    check every rule over all its rows: ValidationError listing every problem, with
    validate()'s wording (rows numbered as this module's docstring says). `decimal`: '.', ','
    or 'auto'; None takes what read_source recorded, else '.'. `columns` and `strict` as in
    validate(). With `keep`, the rows are typed in the pass that checks them and kept in
    Spark's cache, which is appended to `keep` for the caller to unpersist."""
    checks = Checks.of(frame.columns, schema, columns, source)
    for taken in (ROW, _PARTITION, _PART_ROWS, _FOUND):
        if taken in schema.names:
            raise InputError(f"{source}: the schema's column name {taken!r} is taken by segmentasi")
    mark = decimals.check_decimal(decimal or recorded_decimal(frame) or ".")
    cells = _present_cells(frame, checks)
    # With 'auto' the rows are checked with a decimal point while the evidence is weighed (the
    # mark most tables turn out to use), and again only if the evidence says otherwise.
    guess = "." if mark == "auto" else mark
    kept = keep is not None and bool(checks.present)
    with spark_errors(source):
        weigh = mark == "auto"
        parts, typed = _checked(cells, checks, guess, weigh, strict, keep if kept else None)
        if weigh:
            mark = decimals.decide_decimal(_combined_evidence(parts), source)
        if mark != guess:
            _release(typed, keep)
            parts, typed = _checked(cells, checks, mark, False, strict, keep if kept else None)
        # Without a column to type no batch reaches Python: Spark counts the rows.
        rows = sum(count for (_, _, count), _ in parts) if checks.present else frame.count()
    firsts = _first_rows(parts)
    found = combined([[f.shifted(firsts[p, s]) for f in part] for (p, s, _), (_, part) in parts])
    problems = table_problems(checks, rows, allow_extra) + [f.problem() for f in found if f.count]
    if strict and problems:
        _release(typed, keep)
        raise ValidationError(problems, source)
    starts = {partition: row for (partition, start), row in firsts.items() if start == 0}
    if typed is None:
        typed = cells.mapInArrow(
            partial(_typed_batches, checks=checks, mark=mark, strict=strict, starts=starts),
            from_arrow_schema(_arrow_types(checks.present)),
        )
    else:
        typed = _numbered(typed, checks, starts)
    return ValidatedFrame(typed, rows, tuple(problems))


def _checked(
    cells: DataFrame,
    checks: Checks,
    mark: str,
    weigh: bool,
    strict: bool,
    keep: list[DataFrame] | None,
) -> tuple[list[Any], DataFrame | None]:
    """Every chunk's findings in row order (see _parts) and, with `keep`, the rows typed in
    the same pass and cached, the cache appended to `keep` (rows numbered within their
    partition, with the chunks' records: see _typed_and_checked)."""
    if keep is None:
        checking = partial(_checks_of_batches, checks=checks, mark=mark, weigh=weigh)
        return _parts(cells, checking), None
    both = cells.mapInArrow(
        partial(_typed_and_checked, checks=checks, mark=mark, weigh=weigh, strict=strict),
        from_arrow_schema(_kept_types(checks.present)),
    ).persist(StorageLevel.MEMORY_AND_DISK)
    keep.append(both)
    records = both.where(F.col(_FOUND).isNotNull()).select(_PARTITION, ROW, _PART_ROWS, _FOUND)
    try:
        collected = records.collect()
    except BaseException:
        _release(both, keep)
        raise
    ordered = sorted(collected, key=lambda r: (r[_PARTITION], r[ROW]))
    parts = [((r[_PARTITION], r[ROW], r[_PART_ROWS]), pickle.loads(r[_FOUND])) for r in ordered]
    return parts, both


def _release(kept: DataFrame | None, keep: list[DataFrame] | None) -> None:
    """Unpersist a kept pass's cache that will not be used, and forget it."""
    if kept is not None and keep is not None:
        kept.unpersist()
        keep.remove(kept)


def _numbered(kept: DataFrame, checks: Checks, starts: dict[int, int]) -> DataFrame:
    """The typed rows of a kept pass, numbered in the table: each partition's rows from the
    row at which it `starts`."""
    first = F.array(*(F.lit(starts.get(p, 0)) for p in range(max(starts, default=0) + 1)))
    names = [col.name for col in checks.present]
    return kept.where(F.col(_FOUND).isNull()).select(
        *names, (F.col(ROW) + F.element_at(first, F.col(_PARTITION) + 1)).alias(ROW)
    )


def filter_frame(validated: ValidatedFrame, where: str, schema: Schema) -> ValidatedFrame:
    """The rows of a validated table that the filter `where` keeps (filters.py's language,
    evaluated on each batch as filter_rows evaluates a pandas table), counted. FilterError,
    as filter_rows raises it, for a filter that cannot be parsed or does not fit the table."""
    parsed = parse_filter(where)
    names = [name for name in validated.frame.columns if name != ROW]
    empty = pd.DataFrame({name: pd.Series(dtype="str") for name in names})
    parsed.mask(typed_pandas(empty, schema))  # checks names, types and levels, as filter_rows
    kept = validated.frame.mapInArrow(
        partial(_kept_batches, keeps=parsed.mask, schema=schema), validated.frame.schema
    )
    return ValidatedFrame(kept, kept.count(), validated.problems)


def to_pandas(validated: ValidatedFrame, schema: Schema) -> pd.DataFrame:
    """The validated table collected into this process, typed and indexed as validate() gives
    it (its index is the row numbers): for small tables and tests."""
    table = typed_pandas(validated.frame.toArrow().to_pandas(), schema)
    ordered = table.sort_values(ROW, kind="stable")
    return ordered.drop(columns=ROW).set_axis(pd.Index(ordered[ROW].to_numpy()), axis=0)


def typed_pandas(frame: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """A batch of a validated Spark table with validate()'s pandas types: levels as their
    categories (ordered for ordinal columns), IDs as text, numbers as float64."""
    typed = {}
    for name in frame.columns:
        col = schema.column(name) if name != ROW else None
        if col is None:
            typed[name] = frame[name]
        elif col.is_categorical:
            typed[name] = pd.Series(
                pd.Categorical(
                    frame[name], categories=list(col.levels), ordered=col.role == "ordinal"
                ),
                index=frame.index,
            )
        elif col.is_numeric:
            typed[name] = frame[name].astype("float64")
        else:
            typed[name] = frame[name].astype("string")
    return pd.DataFrame(typed, index=frame.index)


def _present_cells(frame: DataFrame, checks: Checks) -> DataFrame:
    """The columns of `frame` that the schema types, selected by position (no name is parsed)
    and renamed _c0, _c1, ...; nested values as Spark writes them as text."""
    position = {name: i for i, name in enumerate(frame.columns)}
    fields = frame.schema.fields
    placeholders = [f"_c{i}" for i in range(len(fields))]
    renamed = frame.toDF(*placeholders)
    selected = []
    for i, col in enumerate(checks.present):
        field = fields[position[col.name]]
        value = F.col(placeholders[position[col.name]])
        if isinstance(field.dataType, ArrayType | MapType | StructType):
            value = value.cast(StringType())
        selected.append(value.alias(f"_c{i}"))
    return renamed.select(*selected)


def _parts(cells: DataFrame, describe: Callable[..., Iterator[pa.RecordBatch]]) -> list[Any]:
    """What `describe` finds in each batch of `cells`, as ((partition, first row in it,
    rows), finding) in row order."""
    collected = cells.mapInArrow(describe, from_arrow_schema(_PART)).collect()
    ordered = sorted(collected, key=lambda r: (r.partition, r.start))
    return [((r.partition, r.start, r.rows), pickle.loads(r.found)) for r in ordered]


def _first_rows(parts: list[Any]) -> dict[tuple[int, int], int]:
    """The table's row number (0-based) of each part's first row, by (partition, start)."""
    firsts, row = {}, 0
    for (partition, start, count), _ in parts:
        firsts[partition, start] = row
        row += count
    return firsts


def _combined_evidence(parts: list[Any]) -> dict[str, decimals.Evidence]:
    firsts = _first_rows(parts)
    names = parts[0][1][0].keys() if parts else []
    return {
        name: decimals.combined(
            [weighed[name].shifted(firsts[p, s]) for (p, s, _), (weighed, _) in parts]
        )
        for name in names
    }


def _chunks(batches: Iterator[pa.RecordBatch], checks: Checks) -> Iterator[pd.DataFrame]:
    """The rows of a partition in pandas chunks of about CHUNK_ROWS rows, with the schema's
    column names (Spark's Arrow batches hold 10,000 rows; validating 100,000 at once takes
    about half the time)."""
    names = [col.name for col in checks.present]
    pending: list[pa.RecordBatch] = []
    for batch in batches:
        pending.append(batch)
        if sum(b.num_rows for b in pending) >= CHUNK_ROWS:
            yield pa.Table.from_batches(pending).to_pandas().set_axis(names, axis=1)
            pending = []
    if any(b.num_rows for b in pending):
        yield pa.Table.from_batches(pending).to_pandas().set_axis(names, axis=1)


def _part(start: int, rows: int, found: object) -> pa.RecordBatch:
    """One row: what was found in `rows` rows from row `start` of this task's partition."""
    row = {
        "partition": TaskContext.get().partitionId(),
        "start": start,
        "rows": rows,
        "found": pickle.dumps(found),
    }
    return pa.RecordBatch.from_pylist([row], schema=_PART)


def _checks_of_batches(
    batches: Iterator[pa.RecordBatch], checks: Checks, mark: str, weigh: bool = False
) -> Iterator[pa.RecordBatch]:
    """For each chunk, its evidence of the decimal mark (if `weigh`) and every check of its
    rows typed with `mark`."""
    start = 0
    for raw in _chunks(batches, checks):
        declared = declared_cells(raw, checks)
        weighed = decimal_evidence(declared, checks) if weigh else None
        _, found = typed_rows(declared, checks, mark, len(raw))
        yield _part(start, len(raw), (weighed, found))
        start += len(raw)


def _typed_batches(
    batches: Iterator[pa.RecordBatch],
    checks: Checks,
    mark: str,
    strict: bool,
    starts: dict[int, int],
) -> Iterator[pa.RecordBatch]:
    """The rows typed with `mark`, numbered from the row at which their partition `starts`."""
    row = starts.get(TaskContext.get().partitionId(), 0)
    schema = _arrow_types(checks.present)
    for raw in _chunks(batches, checks):
        clean, _ = typed_rows(declared_cells(raw, checks), checks, mark, len(raw), strict)
        yield from _arrow_rows(clean, row, schema).to_batches()
        row += len(raw)


def _typed_and_checked(
    batches: Iterator[pa.RecordBatch], checks: Checks, mark: str, weigh: bool, strict: bool
) -> Iterator[pa.RecordBatch]:
    """A kept pass: each chunk's rows typed with `mark` (ROW: their row in this partition, and
    the partition), then one record of what the chunk's checks found (as _checks_of_batches
    finds it): typed columns null, ROW the chunk's first row, its rows and the findings."""
    partition = TaskContext.get().partitionId()
    schema = _kept_types(checks.present)
    typed_schema = _arrow_types(checks.present)
    start = 0
    for raw in _chunks(batches, checks):
        declared = declared_cells(raw, checks)
        weighed = decimal_evidence(declared, checks) if weigh else None
        clean, found = typed_rows(declared, checks, mark, len(raw), strict)
        rows = _arrow_rows(clean, start, typed_schema)
        extra = [
            pa.array(np.full(len(raw), partition, dtype=np.int32)),
            pa.nulls(len(raw), pa.int64()),
            pa.nulls(len(raw), pa.binary()),
        ]
        yield from pa.Table.from_arrays(rows.columns + extra, schema=schema).to_batches()
        record = {name: None for name in schema.names} | {
            ROW: start,
            _PARTITION: partition,
            _PART_ROWS: len(raw),
            _FOUND: pickle.dumps((weighed, found)),
        }
        yield pa.RecordBatch.from_pylist([record], schema=schema)
        start += len(raw)


def _arrow_rows(clean: pd.DataFrame, first_row: int, schema: pa.Schema) -> pa.Table:
    """Typed rows as Arrow, numbered from `first_row` in column ROW."""
    # Levels go through Arrow's dictionary arrays: ten times faster than through text.
    columns = [pa.array(clean[name], from_pandas=True) for name in clean.columns]
    columns.append(pa.array(np.arange(first_row, first_row + len(clean), dtype=np.int64)))
    return pa.Table.from_arrays(
        [column.cast(field.type) for column, field in zip(columns, schema, strict=True)],
        schema=schema,
    )


def _kept_batches(
    batches: Iterator[pa.RecordBatch], keeps: Callable[[pd.DataFrame], np.ndarray], schema: Schema
) -> Iterator[pa.RecordBatch]:
    """The rows of each typed batch that `keeps` (a filter's mask) keeps."""
    for batch in batches:
        if batch.num_rows:
            table = typed_pandas(batch.to_pandas().drop(columns=ROW), schema)
            yield batch.filter(pa.array(keeps(table)))


def _kept_types(present: Sequence[Column]) -> pa.Schema:
    """A kept pass's columns: the typed frame's, each row's partition, and the chunks'
    records' rows and findings."""
    return pa.schema(
        [
            *_arrow_types(present),
            pa.field(_PARTITION, pa.int32(), nullable=False),
            pa.field(_PART_ROWS, pa.int64()),
            pa.field(_FOUND, pa.binary()),
        ]
    )


def _arrow_types(present: Sequence[Column]) -> pa.Schema:
    """The typed frame's columns: numbers as double, IDs and levels as text, then ROW."""
    return pa.schema(
        [(col.name, pa.float64() if col.is_numeric else pa.string()) for col in present]
        + [pa.field(ROW, pa.int64(), nullable=False)]
    )
