"""Data-quality report for a validated table, and the explicit handling of what it finds."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .schema import Schema, Sentinel

# A level "holds" the missing values of a column when at least this share of its rows are
# missing while the rest of the table has at most the low share.
CONCENTRATED_HIGH = 0.9
CONCENTRATED_LOW = 0.1
# Otherwise a gap this large between levels is still worth reporting.
ASSOCIATED_GAP = 0.15
OUTLIER_IQR_FACTOR = 3.0


MISSING_HANDLING = ("set-aside", "indicate", "impute", "drop")


@dataclass(frozen=True)
class Handling:
    """What to do about what the quality report finds; recorded in every run."""

    # set-aside: customers without a number that is often unrecorded (features.INDICATED_SHARE
    # of rows or more) are placed in no segment, other gaps take the median; indicate: such a
    # number is marked by an indicator column and takes the recorded values' mean; impute: the
    # median, unmarked; drop: rows with any missing feature are left out. features.py explains
    # the choice. Categories take the most frequent level under all but drop.
    missing: str = "set-aside"
    duplicate_ids: str = "keep"  # keep every row | drop (keep the first row of each ID)

    def __post_init__(self) -> None:
        if self.missing not in MISSING_HANDLING:
            raise InputError(
                f"missing handling must be one of {', '.join(MISSING_HANDLING)}, not "
                f"'{self.missing}'"
            )
        if self.duplicate_ids not in ("keep", "drop"):
            raise InputError(
                f"duplicate-ID handling must be 'keep' or 'drop', not '{self.duplicate_ids}'"
            )


@dataclass(frozen=True)
class Finding:
    """One observation about the data; `kind` and `params` render into words (see text.findings)."""

    kind: str
    column: str | None
    severity: str  # info | warning
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class QualityReport:
    rows: int
    columns: pd.DataFrame  # one row per column: role, missing, share, range, levels
    findings: tuple[Finding, ...]
    actions: tuple[Finding, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "columns": self.columns.to_dict(orient="records"),
            "findings": [asdict(f) for f in self.findings],
            "actions": [asdict(a) for a in self.actions],
        }


def assess(df: pd.DataFrame, schema: Schema) -> QualityReport:
    """Summarise every column and list the table's problems in plain terms."""
    present = [c for c in schema.columns if c.name in df]
    findings: list[Finding] = []
    findings += _missing_patterns(df, schema)
    findings += _duplicate_ids(df, schema)
    findings += _duplicate_rows(df, schema)
    findings += _derived_counts(df, schema)
    findings += _outliers(df, schema)
    findings += [
        Finding("constant_column", c.name, "warning", {"value": str(df[c.name].dropna().iloc[0])})
        for c in present
        if c.role != "id" and df[c.name].nunique(dropna=True) == 1
    ]
    return QualityReport(len(df), _column_summary(df, schema), tuple(findings))


def _column_summary(df: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    records = []
    for col in schema.columns:
        if col.name not in df:
            continue
        values = df[col.name]
        record: dict[str, Any] = {
            "column": col.name,
            "role": col.role,
            "missing": int(values.isna().sum()),
            "missing_share": float(values.isna().mean()) if len(values) else 0.0,
            "distinct": int(values.nunique(dropna=True)),
            "min": None,
            "median": None,
            "max": None,
            "levels": None,
        }
        measured = col.measured(values) if col.is_numeric else values
        if col.is_numeric and measured.notna().any():
            record.update(
                min=float(measured.min()),
                median=float(measured.median()),
                max=float(measured.max()),
            )
        if col.sentinels:  # codes such as -1 = never contacted: counted, not measured
            record["sentinels"] = "; ".join(
                f"{_sentinel_text(s)}: {int((values == s.value).sum())}" for s in col.sentinels
            )
        if col.is_categorical:
            counts = values.value_counts(sort=False)
            record["levels"] = "; ".join(f"{lv}: {int(n)}" for lv, n in counts.items())
        records.append(record)
    return pd.DataFrame.from_records(records)


def _missing_patterns(df: pd.DataFrame, schema: Schema) -> list[Finding]:
    """Missing values per column, and whether they concentrate in a level of another column."""
    findings = []
    categorical = [c.name for c in schema.columns if c.is_categorical and c.name in df]
    for col in schema.columns:
        if col.name not in df or not df[col.name].isna().any():
            continue
        missing = df[col.name].isna()
        findings.append(
            Finding(
                "missing",
                col.name,
                "warning",
                {
                    "count": int(missing.sum()),
                    "share": float(missing.mean()),
                },
            )
        )
        for other in categorical:
            if other == col.name:
                continue
            concentrated: list[Finding] = []
            associated: list[Finding] = []
            by_level = missing.groupby(df[other], observed=True).agg(["mean", "sum", "size"])
            for level, row in by_level.iterrows():
                rest = ~(df[other] == level) & df[other].notna()
                share_rest = float(missing[rest].mean()) if rest.any() else 0.0
                share_level = float(row["mean"])
                params = {
                    "by": other,
                    "level": str(level),
                    "share_level": share_level,
                    "share_rest": share_rest,
                    "count_level": int(row["sum"]),
                    "rows_level": int(row["size"]),
                }
                if share_level >= CONCENTRATED_HIGH and share_rest <= CONCENTRATED_LOW:
                    concentrated.append(
                        Finding("missing_concentrated", col.name, "warning", params)
                    )
                elif abs(share_level - share_rest) >= ASSOCIATED_GAP:
                    associated.append(Finding("missing_associated", col.name, "info", params))
            # Once one level holds the missing values, the other levels' gaps only echo it.
            explained = {f.params["by"] for f in concentrated}
            findings += concentrated + [a for a in associated if a.params["by"] not in explained]
    return findings


def _duplicate_ids(df: pd.DataFrame, schema: Schema) -> list[Finding]:
    id_col = schema.id_column
    if id_col is None or id_col.name not in df:
        return []
    ids = df[id_col.name]
    findings = []
    if ids.isna().any():
        findings.append(
            Finding("missing_id", id_col.name, "warning", {"count": int(ids.isna().sum())})
        )
    repeated = ids[ids.duplicated(keep=False) & ids.notna()]
    if repeated.empty:
        return findings
    # The most repeated first, and among equals the first found (a stable order another engine
    # can give too).
    counts = repeated.value_counts(sort=False).sort_values(ascending=False, kind="stable")
    others = [c for c in df.columns if c != id_col.name]
    identical = int(df[ids.duplicated(keep=False) & ids.notna()].duplicated(subset=others).sum())
    findings.append(
        Finding(
            "duplicate_ids",
            id_col.name,
            "warning",
            {
                "rows": len(repeated),
                "ids": len(counts),
                "extra_rows": int(len(repeated) - len(counts)),
                "examples": {str(k): int(v) for k, v in counts.head(5).items()},
                "identical_rows": identical,
            },
        )
    )
    return findings


def _duplicate_rows(df: pd.DataFrame, schema: Schema) -> list[Finding]:
    id_col = schema.id_column
    others = [c for c in df.columns if id_col is None or c != id_col.name]
    count = int(df.duplicated(subset=others).sum())
    return [Finding("duplicate_rows", None, "info", {"count": count})] if count else []


def _derived_counts(df: pd.DataFrame, schema: Schema) -> list[Finding]:
    findings = []
    for col in schema.by_role("derived_count"):
        if col.name in df and all(p in df for p in col.of):
            total = df[list(col.of)].sum(axis=1)
            mismatches = int((df[col.name].notna() & (df[col.name] != total)).sum())
            findings.append(
                Finding(
                    "derived_consistent" if mismatches == 0 else "derived_mismatch",
                    col.name,
                    "info" if mismatches == 0 else "warning",
                    {"of": list(col.of), "mismatches": mismatches},
                )
            )
    return findings


def _outliers(df: pd.DataFrame, schema: Schema) -> list[Finding]:
    """Values far outside the interquartile range (Q1 - 3 IQR, Q3 + 3 IQR): reported, kept.

    Sentinel codes are not measurements and are left out. The usual range reported is clipped
    to the column's valid range and to the values observed, so a count with minimum 0 never
    gets a negative usual range."""
    findings = []
    for col in schema.by_role("numeric"):
        if col.name not in df:
            continue
        values = col.measured(df[col.name]).dropna()
        if values.empty:
            continue
        q1, q3 = np.percentile(values, [25, 75])
        low, high = q1 - OUTLIER_IQR_FACTOR * (q3 - q1), q3 + OUTLIER_IQR_FACTOR * (q3 - q1)
        low = max(low, float(values.min()), -np.inf if col.min is None else col.min)
        high = min(high, float(values.max()), np.inf if col.max is None else col.max)
        outside = values[(values < low) | (values > high)]
        if len(outside):
            findings.append(
                Finding(
                    "outliers",
                    col.name,
                    "info",
                    {
                        "count": len(outside),
                        "low": float(low),
                        "high": float(high),
                        "examples": [float(v) for v in outside.head(3)],
                    },
                )
            )
    return findings


def apply_handling(
    df: pd.DataFrame, schema: Schema, handling: Handling, features: list[str]
) -> tuple[pd.DataFrame, list[Finding]]:
    """Drop rows as the handling says; imputation is the feature space's job (it records it)."""
    actions = []
    result = df
    id_col = schema.id_column
    if id_col is not None and id_col.name in df:
        repeated = int(df[id_col.name].duplicated().sum())
        if repeated and handling.duplicate_ids == "drop":
            result = result[~result[id_col.name].duplicated()]
            actions.append(
                Finding("dropped_duplicate_ids", id_col.name, "info", {"rows": repeated})
            )
        elif repeated:
            actions.append(Finding("kept_duplicate_ids", id_col.name, "info", {"rows": repeated}))
    if handling.missing == "drop":
        for name in features:
            missing = int(result[name].isna().sum())
            if missing:
                result = result[result[name].notna()]
                actions.append(Finding("dropped_missing", name, "info", {"rows": missing}))
    return result, actions


def _sentinel_text(sentinel: Sentinel) -> str:
    """'-1 (never contacted)', or '-1' when the schema gives no meaning."""
    meaning = sentinel.meaning_en or sentinel.meaning
    return f"{sentinel.value:g} ({meaning})" if meaning else f"{sentinel.value:g}"
