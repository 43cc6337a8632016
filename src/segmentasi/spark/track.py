"""Tracking two periods on Spark (`segmentasi track --engine spark`, issue 16).

Each table (a path, or a table of Spark's catalog read by name as a run reads --table) is read and
validated on Spark (spark/read.py, spark/validate.py: the in-process rules and messages, rows
numbered in the file's order), and every row is placed by the model's own `SavedModel.assign`, one
Arrow batch at a time on the executors, as spark/placement.py places rows: a customer's segment is
the in-process one. Ids are checked, paired by order of appearance (the n-th row of an id, by those
row numbers) or left out there, and the two periods are joined there (a full outer join on the id).
Only counts reach the driver: the transition matrix (one grouping), each drifting column's
customers per bin (one grouping of both periods) and the rows behind each warning (the first five
of each). track.tracking_of then computes everything else as it does in process, so the figures are
the in-process ones.

Two things reach the driver in proportion to the data:
- the movers (customers placed in both periods in different segments), with the model's
  features in both periods, to say what moved each one (track._what_moved): as many rows as
  there are movers;
- a number's drift bins are cut at the first period's deciles. They are exact (np.quantile's, to
  the bit) when the number takes at most EXACT_VALUES distinct values in that period: those
  values are counted and the deciles computed from the counts (track.counted_quantiles). A number
  with more distinct values is cut at Spark's percentile_approx with accuracy APPROX_ACCURACY:
  each edge is a value of the column whose rank is within 1/APPROX_ACCURACY of the customers
  (0.01%) of the exact decile's, and a warning of the tracking names those columns. Customers are
  then counted per bin exactly.

The decimal mark of a text table is decided once from all the columns validated (in process,
the model's columns and the others are each validated with their own decision; the two agree
unless a table writes its numbers with both marks).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pyspark import StorageLevel
from pyspark.sql import Column as SparkColumn
from pyspark.sql import DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DoubleType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from ..engine import CatalogTable
from ..errors import InputError, quoted
from ..model import PLACED, REASONS, SavedModel, unplaced_text
from ..schema import Column
from ..track import (
    ID_FAULTS,
    QUANTILES,
    PeriodFacts,
    Source,
    Tracking,
    check_columns,
    counted_quantiles,
    decile_edges,
    drift_columns,
    ids_refused,
    movers_table,
    no_shared_id,
    other_columns,
    paired_warning,
    segment_states,
    source_of,
    tracking_of,
    transition_matrix,
)
from ..validation import Problem
from .read import read_frame
from .validate import ROW, typed_pandas, validate_frame

EXACT_VALUES = 20_000  # a number with at most this many distinct values has exact deciles
APPROX_ACCURACY = 10_000  # percentile_approx's accuracy beyond: rank error 1/10,000
FIRST_ROWS = 5  # rows named per warning, as SavedModel.assign names them
ROWS_PER_PARTITION = 1_000_000  # rows per partition of a period grouped by id (spark/engine.py)
# The columns a placed period adds (the schema's names are the others; ROW is reserved).
STATE, REASON, KEY, COUNT, ORDINAL = (
    "_segmentasi_state",
    "_segmentasi_reason",
    "_segmentasi_key",
    "_segmentasi_count",
    "_segmentasi_ordinal",
)


@dataclass(frozen=True)
class _SparkPeriod:
    """One table placed on Spark: its facts, and its rows followed (KEY: the id to join by,
    ROW, STATE: segment_states', then the columns of facts.columns, typed)."""

    facts: PeriodFacts
    frame: DataFrame
    distinct: dict[str, int]  # per number, about how many distinct measured values it takes


def track_on_spark(
    spark: SparkSession,
    stage: Callable[[str], AbstractContextManager[None]],
    model: SavedModel,
    before: Source | CatalogTable,
    after: Source | CatalogTable,
    *,
    lang: str,
    duplicate_ids: str,
    decimal: str,
    engine: str,
) -> Tracking:
    """track.track's Tracking, counted on Spark in `spark` (see the module docstring), each
    step in its `stage` (SparkEngine's: reported as progress and timed); `engine`: its name,
    for the record."""
    kept: list[DataFrame] = []
    try:
        periods = []
        for source, label, step in (
            (before, "the before table", "track_before"),
            (after, "the after table", "track_after"),
        ):
            with stage(step):
                period = _period(spark, model, source, label, lang, duplicate_ids, decimal, kept)
            periods.append(period)
        first, second = periods
        with stage("track_join"):
            rows = max(first.facts.rows, second.facts.rows)
            joined = _joined(model, first, second, _partitions(spark, rows))
            kept.append(joined)
            transitions = _transitions(model, joined)
            counts = transitions.to_numpy()
            if not counts[: model.k + 1, : model.k + 1].sum():
                raise no_shared_id(model, first.facts, second.facts)
        with stage("track_movers"):
            movers = _movers(model, joined, lang)
        with stage("track_drift"):
            bins, approximate = _drift_bins(model, first, second)
    finally:
        for frame in kept:
            frame.unpersist()
    notes = ()
    if approximate:
        notes = (
            f"drift: column(s) {', '.join(map(quoted, approximate))} hold more than about "
            f"{EXACT_VALUES:,} distinct values in the before table, so their bins are cut at "
            "approximate deciles (Spark's percentile_approx: each edge's rank within "
            f"{1 / APPROX_ACCURACY:.2%} of the customers of the exact decile's); their PSI may "
            "differ slightly from the in-process engine's",
        )
    return tracking_of(
        model,
        lang,
        (first.facts, second.facts),
        transitions,
        movers,
        bins,
        notes,
        engine=engine,
    )


def _period(
    spark: SparkSession,
    model: SavedModel,
    source: Source | CatalogTable,
    label: str,
    lang: str,
    duplicate_ids: str,
    decimal: str,
    kept: list[DataFrame],
) -> _SparkPeriod:
    """Read, validate and place one table, check its ids and keep the rows followed."""
    name, kind = source_of(source, label)
    if isinstance(source, pd.DataFrame):
        text = source.astype("string").astype(object)
        text = text.where(text.notna(), None)
        fields = [StructField(str(c), StringType()) for c in text.columns]
        raw = spark.createDataFrame(text, schema=StructType(fields))
    else:
        raw = read_frame(spark, source, decimal)
    check_columns(model, name, raw.columns)
    schema = model.schema
    id_name = schema.id_column.name
    features = list(model.experiment.features)
    products = [c.name for c in schema.products if c.name in raw.columns]
    read = features + [p for p in products if p not in features]
    others = other_columns(model, raw.columns)
    validated = validate_frame(
        raw,
        schema,
        allow_extra=True,
        source=name,
        decimal=None if decimal == "auto" else decimal,
        columns=read + others,
        strict=False,
        keep=kept,  # typed as it is checked, not a second time when placed
    )
    if validated.rows == 0:
        raise InputError(f"{name}: the table has no data rows")
    rest = [c for c in others if c != id_name]
    placed = _placed(model, validated.frame, read, rest, lang)
    # Every row placed, with how many rows share its id and the how-manieth it is: computed once
    # (by the pass of _facts) and kept for the warnings' rows and the rows followed.
    window = Window.partitionBy(_col(id_name))
    numbered = (
        placed.repartition(_partitions(spark, validated.rows), _col(id_name))
        .select(
            "*",
            F.count(F.lit(1)).over(window).alias(COUNT),
            F.row_number().over(window.orderBy(ROW)).alias(ORDINAL),
        )
        .persist(StorageLevel.MEMORY_AND_DISK)
    )
    kept.append(numbered)
    facts = _facts(model, numbered, read, rest, validated.rows)
    empty = _col(id_name).isNull()
    repeated = ~empty & (F.col(COUNT) > 1)
    if duplicate_ids != "drop":
        faults = [empty, repeated] if duplicate_ids == "refuse" else [empty]
        for fault, what in zip(faults, ID_FAULTS, strict=False):
            count = facts[what]
            if count:
                rows = _first_rows(numbered, [fault])[0]
                raise ids_refused(name, id_name, what, rows, count)
    followed = numbered
    warnings = []
    if duplicate_ids == "drop":
        followed = numbered.where(~empty & ~repeated)
        key = _col(id_name)
    elif duplicate_ids == "pair":
        ordinal = F.col(ORDINAL)
        key = F.when(ordinal == 1, _col(id_name)).otherwise(
            F.concat(_col(id_name), F.lit("#"), ordinal.cast("string"))
        )
        if facts["repeated rows"]:
            warnings.append(paired_warning(facts["repeated rows"], facts["repeated ids"]))
    else:
        key = _col(id_name)
    rows_kept = followed.select(key.alias(KEY), ROW, STATE, *map(_col, read + rest))
    followed_count = facts["single"] if duplicate_ids == "drop" else validated.rows
    if not facts["placed"]:
        raise InputError(f"{name}: {_nothing_placed(model, facts)}")
    warnings += [
        str(w) for w in _placing_warnings(model, numbered, validated.problems, read, facts)
    ]
    return _SparkPeriod(
        PeriodFacts(
            name=name,
            kind=kind,
            rows=validated.rows,
            dropped=validated.rows - followed_count,
            columns=tuple(read + rest),
            warnings=tuple(f"{name}: {warning}" for warning in warnings),
        ),
        rows_kept,
        facts["distinct"],
    )


def _placed(
    model: SavedModel, frame: DataFrame, read: list[str], rest: list[str], lang: str
) -> DataFrame:
    """Every validated row placed by the model: ROW, the id, STATE, REASON (assign's reason
    text), the columns assign read as it read them, then the `rest`, as validated."""
    schema = model.schema
    id_name = schema.id_column.name
    types = {field.name: field.dataType for field in frame.schema.fields}

    def kind(name: str) -> StringType | DoubleType:
        return DoubleType() if schema.column(name).is_numeric else StringType()

    out = StructType(
        [
            StructField(ROW, LongType(), False),
            StructField(id_name, StringType()),
            StructField(STATE, LongType(), False),
            StructField(REASON, StringType()),
            *(StructField(name, kind(name)) for name in read),
            *(StructField(name, types[name]) for name in rest),
        ]
    )
    k = model.k

    def place(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if batch.empty:
                continue
            found = model.assign(
                batch.drop(columns=ROW), lang=lang, top_offers=0, require_placed=False
            )
            table = {
                ROW: batch[ROW].to_numpy(),
                id_name: batch[id_name].to_numpy(dtype=object),
                STATE: segment_states(found, k),
                REASON: found.table["reason"].to_numpy(dtype=object),
            }
            for name in read:
                table[name] = found.read[name].to_numpy(dtype=object)
            for name in rest:
                table[name] = batch[name].to_numpy(dtype=object)
            placed = pd.DataFrame(table)
            yield placed.astype(object).where(placed.notna(), None)

    return frame.mapInPandas(place, out)


def _facts(
    model: SavedModel, numbered: DataFrame, read: list[str], rest: list[str], rows: int
) -> dict:
    """One pass over a placed table's rows: ids empty, repeated and single, rows placed, not
    placed by reason, per feature the rows without a value (placed, and in all), and per number
    about how many distinct measured values it takes (approx_count_distinct)."""
    k = model.k
    id_name = model.schema.id_column.name
    empty = _col(id_name).isNull()
    repeated = ~empty & (F.col(COUNT) > 1)
    placed = F.col(STATE) < k
    features = list(model.experiment.features)
    columns = [
        F.count(F.when(empty, 1)).alias("empty"),
        F.count(F.when(repeated, 1)).alias("repeated"),
        F.count(F.when(repeated & (F.col(ORDINAL) == 1), 1)).alias("repeated_ids"),
        F.count(F.when(placed, 1)).alias("placed"),
        *(
            F.count(F.when(F.col(REASON) == REASONS[code], 1)).alias(f"reason{code}")
            for code in range(PLACED + 1, len(REASONS))
        ),
        *(
            F.count(F.when(_col(name).isNull() & placed, 1)).alias(f"filled{i}")
            for i, name in enumerate(features)
        ),
        *(
            F.count(F.when(_col(name).isNull(), 1)).alias(f"missing{i}")
            for i, name in enumerate(features)
        ),
    ]
    numbers = [name for name in [*read, *rest] if not model.schema.column(name).is_categorical]
    columns += [
        F.count(F.when(~empty & (F.col(COUNT) == 1), 1)).alias("single"),
        *(
            F.approx_count_distinct(_measured(model, name)).alias(f"distinct{i}")
            for i, name in enumerate(numbers)
        ),
    ]
    found = numbered.agg(*columns).first().asDict()
    return {
        ID_FAULTS[0]: found["empty"],
        ID_FAULTS[1]: found["repeated"],
        "repeated rows": found["repeated"],
        "repeated ids": found["repeated_ids"],
        "placed": found["placed"],
        "reasons": {code: found[f"reason{code}"] for code in range(PLACED + 1, len(REASONS))},
        "filled": {name: found[f"filled{i}"] for i, name in enumerate(features)},
        "unusable": [name for i, name in enumerate(features) if found[f"missing{i}"] == rows],
        "single": found["single"],  # rows with an id no other row has
        "distinct": {name: found[f"distinct{i}"] for i, name in enumerate(numbers)},
    }


def _first_rows(frame: DataFrame, conditions: Sequence[SparkColumn]) -> list[tuple[int, ...]]:
    """For each condition, the first FIRST_ROWS rows (1-based) of `frame` where it holds: one
    job for them all."""
    if not conditions:
        return []
    cells = F.explode(
        F.array(
            *(
                F.when(test, F.struct(F.lit(i).alias("which"), F.col(ROW).alias("row")))
                for i, test in enumerate(conditions)
            )
        )
    )
    matched = frame.select(cells.alias("cell")).where(F.col("cell").isNotNull())
    rank = F.row_number().over(Window.partitionBy("which").orderBy("row"))
    found = (
        matched.select("cell.which", "cell.row")
        .select("which", "row", rank.alias("rank"))
        .where(F.col("rank") <= FIRST_ROWS)
        .collect()
    )
    rows: list[list[int]] = [[] for _ in conditions]
    for row in sorted(found, key=lambda r: (r["which"], r["row"])):
        rows[row["which"]].append(int(row["row"]) + 1)
    return [tuple(r) for r in rows]


def _placing_warnings(
    model: SavedModel,
    numbered: DataFrame,
    problems: Sequence[Problem],
    read: list[str],
    facts: dict,
) -> list[Problem]:
    """SavedModel.assign's warnings about the whole table, in its order: cells blanked and
    features filled, by column, then the rows not placed, by reason."""
    schema = model.schema
    blanked = [
        p
        for p in problems
        if p.column in read
        and all(c in read for c in getattr(schema.column(p.column), "of", ()) or ())
    ]
    filled = [(name, count) for name, count in facts["filled"].items() if count]
    unplaced = [(code, count) for code, count in facts["reasons"].items() if count]
    rows = iter(
        _first_rows(
            numbered,
            [_col(name).isNull() & (F.col(STATE) < model.k) for name, _ in filled]
            + [F.col(REASON) == REASONS[code] for code, _ in unplaced],
        )
    )
    found = [Problem(name, model.filled_text(name, n), next(rows), n) for name, n in filled]
    order = {name: position for position, name in enumerate(read)}
    warnings = sorted(blanked + found, key=lambda w: order.get(w.column, len(order)))
    warnings += [Problem(None, unplaced_text(n, code), next(rows), n) for code, n in unplaced]
    return warnings


def _nothing_placed(model: SavedModel, facts: dict) -> str:
    """SavedModel.assign's message for a table of which no row could be placed."""
    codes = list(facts["reasons"])
    reasons = np.repeat(np.array(codes, dtype=np.int8), [facts["reasons"][c] for c in codes])
    features = list(model.experiment.features)
    unusable = np.array([[name in facts["unusable"] for name in features]])
    return str(model._nothing_placed(reasons, unusable))


def _joined(
    model: SavedModel, first: _SparkPeriod, second: _SparkPeriod, partitions: int
) -> DataFrame:
    """Both periods' rows followed, joined by id in `partitions` partitions: each side's STATE,
    ROW and model features (before: b0, b1, ...; after: a0, a1, ...), missing for a customer
    absent from it."""
    features = list(model.experiment.features)
    sides = [
        period.frame.select(
            KEY,
            F.col(STATE).alias(f"{side}_state"),
            F.col(ROW).alias(f"{side}_row"),
            *(_col(name).alias(f"{side}{i}") for i, name in enumerate(features)),
        )
        for period, side in ((first, "b"), (second, "a"))
    ]
    sides = [side.repartition(partitions, KEY) for side in sides]
    return sides[0].join(sides[1], on=KEY, how="full_outer").persist(StorageLevel.MEMORY_AND_DISK)


def _transitions(model: SavedModel, joined: DataFrame) -> pd.DataFrame:
    """The transition matrix: one grouping of the joined rows by their two states."""
    k = model.k
    absent = F.lit(k + 1)
    found = (
        joined.groupBy(
            F.coalesce(F.col("b_state"), absent).alias("before"),
            F.coalesce(F.col("a_state"), absent).alias("after"),
        )
        .count()
        .collect()
    )
    counts = np.zeros((k + 2, k + 2), dtype=np.int64)
    for row in found:
        counts[row["before"], row["after"]] = row["count"]
    return transition_matrix(counts, k)


def _movers(model: SavedModel, joined: DataFrame, lang: str) -> pd.DataFrame:
    """The movers, brought to the driver with their features in both periods, and what moved
    them (track.movers_table), in the in-process order."""
    k = model.k
    before, after = F.col("b_state"), F.col("a_state")
    moved = joined.where((before < k) & (after < k) & (before != after))
    table = moved.toArrow().to_pandas()
    table = table.sort_values(["b_state", "a_state", "b_row"], kind="stable", ignore_index=True)
    features = list(model.experiment.features)
    sides = [
        typed_pandas(
            table[[f"{side}{i}" for i in range(len(features))]].set_axis(features, axis=1),
            model.schema,
        )
        for side in ("b", "a")
    ]
    return movers_table(
        model,
        lang,
        table[KEY].astype("str"),
        table["b_state"].to_numpy(dtype=np.int64),
        table["a_state"].to_numpy(dtype=np.int64),
        *sides,
    )


def _drift_bins(
    model: SavedModel, first: _SparkPeriod, second: _SparkPeriod
) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], list[str]]:
    """Each drifting column's customers per bin in both periods (track._bin_counts' bins), and
    the numbers whose edges are approximate."""
    schema = model.schema
    names = drift_columns(model, first.facts, second.facts)
    numbers = [name for name in names if not schema.column(name).is_categorical]
    edges, approximate = _edges(model, first, numbers)
    expressions, sizes = [], []
    for name in names:
        column = schema.column(name)
        value = _col(name)
        if column.is_categorical:
            levels = F.array(*(F.lit(str(level)) for level in column.levels))
            expressions.append(F.coalesce(F.array_position(levels, value), F.lit(0)))
            sizes.append(len(column.levels) + 1)
            continue
        cut = edges[name]
        below = sum((F.when(value >= float(edge), 1).otherwise(0) for edge in cut), F.lit(0))
        expressions.append(_number_bin(column, value, cut, below))
        sizes.append(len(cut) + 2 + len(column.sentinel_values))
    stacked = [
        period.frame.select(
            F.lit(side).alias("period"),
            F.explode(
                F.array(
                    *(
                        F.struct(F.lit(i).alias("column"), e.cast("long").alias("bin"))
                        for i, e in enumerate(expressions)
                    )
                )
            ).alias("cell"),
        ).select("period", "cell.column", "cell.bin")
        for side, period in enumerate((first, second))
    ]
    found = stacked[0].unionByName(stacked[1]).groupBy("period", "column", "bin").count().collect()
    counts = [[np.zeros(size, dtype=np.int64) for size in sizes] for _ in range(2)]
    for row in found:
        counts[row["period"]][row["column"]][row["bin"]] = row["count"]
    return {name: (counts[0][i], counts[1][i]) for i, name in enumerate(names)}, approximate


def _number_bin(
    column: Column, value: SparkColumn, cut: np.ndarray, below: SparkColumn
) -> SparkColumn:
    """A number's bin, as _bin_counts gives it: a sentinel code's own bin, else the missing
    values' bin, else the number of edges at or below it (np.searchsorted, side='right')."""
    bins = [
        (value == float(code), len(cut) + 2 + i) for i, code in enumerate(column.sentinel_values)
    ]
    bins.append((value.isNull() | F.isnan(value), len(cut) + 1))
    binned = F.when(*bins[0])
    for test, place in bins[1:]:
        binned = binned.when(test, place)
    return binned.otherwise(below)


def _measured(model: SavedModel, name: str) -> SparkColumn:
    """The number `name` where measured (not missing, finite, not a sentinel code), else null."""
    value = _col(name)
    sentinels = [float(code) for code in model.schema.column(name).sentinel_values]
    keep = value.isNotNull() & ~F.isnan(value) & ~value.isin(float("inf"), float("-inf"))
    if sentinels:
        keep = keep & ~value.isin(*sentinels)
    return F.when(keep, value)


def _edges(model: SavedModel, first: _SparkPeriod, numbers: list[str]) -> tuple[dict, list[str]]:
    """Each number's bin edges, from its measured values in the first period: exact deciles
    from the values' counts (one job for all) when it takes at most about EXACT_VALUES distinct
    values, else Spark's approximate ones (one job; those numbers listed)."""
    exact = [name for name in numbers if first.distinct[name] <= EXACT_VALUES]
    approximate = [name for name in numbers if name not in exact]
    edges: dict[str, np.ndarray] = {name: np.empty(0) for name in numbers}
    if exact:
        cells = F.explode(
            F.array(
                *(
                    F.struct(F.lit(i).alias("column"), _measured(model, name).alias("value"))
                    for i, name in enumerate(exact)
                )
            )
        )
        table = (
            first.frame.select(cells.alias("cell"))
            .select("cell.column", "cell.value")
            .where(F.col("value").isNotNull())
            .groupBy("column", "value")
            .count()
            .toArrow()
            .to_pandas()
            .sort_values(["column", "value"], kind="stable")
        )
        for i, name in enumerate(exact):
            values = table[table["column"] == i]
            if len(values):  # else no measured value: no edges
                deciles = counted_quantiles(
                    values["value"].to_numpy(dtype=float),
                    values["count"].to_numpy(dtype=np.int64),
                    QUANTILES,
                )
                edges[name] = decile_edges(deciles)
    if approximate:
        found = first.frame.agg(
            *(
                F.percentile_approx(
                    _measured(model, name), list(map(float, QUANTILES)), APPROX_ACCURACY
                ).alias(f"q{i}")
                for i, name in enumerate(approximate)
            )
        ).first()
        for i, name in enumerate(approximate):
            edges[name] = decile_edges(np.asarray(found[f"q{i}"] or [], dtype=float))
    return edges, approximate


def _partitions(spark: SparkSession, rows: int) -> int:
    """Partitions for a table of `rows` rows grouped by id: about ROWS_PER_PARTITION rows each,
    at least one per core. Spark's default (spark.sql.shuffle.partitions, 200) costs more in
    tasks than in rows, and a kept (persisted) frame keeps it: Spark's adaptive execution does
    not coalesce a cached plan's partitions."""
    return max(spark.sparkContext.defaultParallelism, -(-rows // ROWS_PER_PARTITION))


def _col(name: str) -> SparkColumn:
    """The column called `name`, whatever characters the schema gives its name."""
    return F.col("`" + name.replace("`", "``") + "`")
