"""The data-quality report's findings that need the whole table at once, on Spark.

quality.assess finds, among others, IDs that are missing and IDs that more than one row
carries; on Spark the rows of one ID may sit in different partitions, so these are counted
with Spark's aggregations, and the findings read as assess's do for the same table.
"""

from __future__ import annotations

from pyspark import StorageLevel
from pyspark.sql import functions as F

from ..quality import Finding
from ..schema import Schema
from .validate import ROW, ValidatedFrame

EXAMPLES = 5  # IDs named as examples, as quality.assess names them


def id_findings(validated: ValidatedFrame, schema: Schema) -> list[Finding]:
    """quality.assess's findings about the ID column over all rows: 'missing_id' (how many
    rows have no ID) and 'duplicate_ids' (rows and IDs repeated, the most repeated IDs first,
    the first found first among equals, and how many repeated rows copy another in every other
    column)."""
    id_col = schema.id_column
    frame = validated.frame
    if id_col is None or id_col.name not in frame.columns:
        return []
    ids = frame[quoted(id_col.name)]  # of this frame: no ambiguity in the join below
    groups = frame.groupBy(ids.alias("id")).agg(
        F.count(F.lit(1)).alias("rows"), F.min(ROW).alias("first")
    )
    groups.persist(StorageLevel.MEMORY_AND_DISK)
    try:
        findings = []
        missing = groups.where(F.col("id").isNull()).select("rows").first()
        if missing is not None:
            findings.append(Finding("missing_id", id_col.name, "warning", {"count": missing.rows}))
        repeated = groups.where(F.col("id").isNotNull() & (F.col("rows") > 1))
        total = repeated.agg(F.sum("rows").alias("rows"), F.count(F.lit(1)).alias("ids")).first()
        if not total.ids:
            return findings
        examples = repeated.orderBy(F.desc("rows"), "first").limit(EXAMPLES).collect()
        others = [F.col(quoted(c)) for c in frame.columns if c not in (id_col.name, ROW)]
        copies = (
            frame.join(repeated, ids == repeated["id"], "left_semi")
            .groupBy(*others)
            .count()
            .agg(F.sum(F.col("count") - 1).alias("copies"))
            .first()
        )
        findings.append(
            Finding(
                "duplicate_ids",
                id_col.name,
                "warning",
                {
                    "rows": total.rows,
                    "ids": total.ids,
                    "extra_rows": total.rows - total.ids,
                    "examples": {row.id: row.rows for row in examples},
                    "identical_rows": copies.copies or 0,
                },
            )
        )
        return findings
    finally:
        groups.unpersist()


def quoted(name: str) -> str:
    """A column name as Spark reads it whatever characters it holds (it reads a dot in a plain
    name as a nested field)."""
    return "`" + name.replace("`", "``") + "`"
