"""Saved models placing every row of a Spark table: each partition goes through the model's own
`assign` (model.py), so a model places a customer on Spark exactly as it does in-process."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from ..errors import InputError
from ..model import SavedModel

if TYPE_CHECKING:
    from pyspark.sql import DataFrame
    from pyspark.sql.types import StructType


@dataclass(frozen=True)
class SparkAssignment:
    """A table with the model's columns added (not yet computed: Spark computes it as it is
    written), and the model that placed it."""

    frame: DataFrame
    model: SavedModel


def assign_frame(
    model: SavedModel,
    frame: DataFrame,
    *,
    lang: str = "id",
    top_offers: int = 3,
    impute_absent_columns: bool = False,
) -> SparkAssignment:
    """Every row of `frame` with segment, segment_name, distance, (recommended_products),
    imputed and reason added, as SavedModel.assign adds them."""
    from pyspark.sql.types import DoubleType, LongType, StringType, StructField, StructType

    model.complete_columns(frame.limit(1).toPandas(), impute_absent_columns)  # refuses early
    added = [
        StructField("segment", LongType()),
        StructField("segment_name", StringType()),
        StructField("distance", DoubleType()),
    ]
    if model.recommends_products:
        added.append(StructField("recommended_products", StringType()))
    added += [StructField("imputed", StringType()), StructField("reason", StringType())]
    kept = [field for field in frame.schema.fields if field.name not in {f.name for f in added}]
    schema = StructType([*kept, *added])

    def placed(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if batch.empty:
                continue
            table = model.assign(
                batch,
                lang=lang,
                top_offers=top_offers,
                impute_absent_columns=impute_absent_columns,
                require_placed=False,
            ).table
            yield _as_schema(table, schema)

    return SparkAssignment(frame.mapInPandas(placed, schema), model)


def placement_counts(assignment: SparkAssignment) -> tuple[dict[int, int], dict[str, int]]:
    """Rows per segment, and unplaced rows per reason, of a computed assignment; InputError when
    no row could be placed (as SavedModel.assign)."""
    counts = assignment.frame.groupBy("segment", "reason").count().collect()
    sizes = {int(r["segment"]): int(r["count"]) for r in counts if r["segment"] is not None}
    unplaced = {str(r["reason"]): int(r["count"]) for r in counts if r["segment"] is None}
    if not sizes:
        reasons = "; ".join(f"{rows:,} row(s): {why}" for why, rows in unplaced.items())
        raise InputError(f"no row could be placed in a segment ({reasons or 'no rows'})")
    return sizes, unplaced


def place_every_row(
    frame: DataFrame, row_column: str, id_column: str | None, models: Mapping[str, SavedModel]
) -> DataFrame:
    """Every row of a validated table (its 0-based row numbers in `row_column`): `row`, the
    1-based input row as labels.csv numbers it, the id (when the schema has one) and
    segment_<experiment>, placed by each experiment's model, in one pass."""
    from pyspark.sql.types import LongType, StringType, StructField, StructType

    keys = [StructField("row", LongType())]
    if id_column is not None:
        keys.append(StructField(id_column, StringType()))
    schema = StructType([*keys, *(StructField(f"segment_{name}", LongType()) for name in models)])

    def placed(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            if batch.empty:
                continue
            out = pd.DataFrame({"row": batch[row_column].astype("int64") + 1})
            if id_column is not None:
                out[id_column] = batch[id_column].astype("string")
            for name, model in models.items():
                found = model.assign(batch, top_offers=0, require_placed=False).table
                out[f"segment_{name}"] = found["segment"].to_numpy()
            yield out

    return frame.mapInPandas(placed, schema)


def _as_schema(table: pd.DataFrame, schema: StructType) -> pd.DataFrame:
    """`table`'s columns in the schema's order, missing values as None (Arrow's nulls)."""
    out = table[[field.name for field in schema.fields]]
    return out.astype(object).where(out.notna(), None)
