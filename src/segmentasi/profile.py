"""What each segment is like, on every column of the table (not only the clustered ones).

Profiles read the validated table before imputation: a segment's age range is computed from
the ages customers gave, never from filled-in values. The numeric table (profile_numeric.csv)
says for how many members that is: per (segment, column), `observed` and `missing` count the
members with and without a recorded value, and `missing_share` is the share of the segment's
members for whom the column is unrecorded (`overall_missing_share`: of the whole table). A
description of a segment by a number rests only on the members who have it: read it with
`missing_share` (narrative.py names a mostly unrecorded number as such).

`distinguishing` ranks every column by how strongly it sets each segment apart from the rest
of the table, on one scale for all column types: the standardised mean difference (Cohen's d)
for numbers and Cohen's h (the difference of arcsine-transformed shares) for category levels
and product flags. Both read 0.2 as small, 0.5 as medium and 0.8 as large, so a number and a
share can be ranked against each other.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .schema import Column, Schema

SIGNIFICANCE = 0.05
DISTINGUISHING_COLUMNS = [
    "segment",
    "column",
    "level",
    "kind",
    "used_in_clustering",
    "effect",
    "effect_name",
    "segment_value",
    "rest_value",
    "p_value",
    "p_adjusted",
    "significant",
    "rank",
]


@dataclass(frozen=True)
class Profile:
    """Long-form tables, one row per (segment, column[, level]); segments are numbered from 1."""

    segments: pd.DataFrame
    numeric: pd.DataFrame
    categories: pd.DataFrame
    products: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {
            "segments": self.segments,
            "numeric": self.numeric,
            "categories": self.categories,
            "products": self.products,
        }


def segment_numbers(labels: np.ndarray) -> np.ndarray:
    """Cluster labels 0..k-1 as the segment numbers people see, 1..k."""
    return np.asarray(labels, dtype=np.int64) + 1


def profile(df: pd.DataFrame, labels: np.ndarray, schema: Schema) -> Profile:
    segment = pd.Series(segment_numbers(labels), index=df.index, name="segment")
    sizes = segment.value_counts().sort_index()
    segments = pd.DataFrame(
        {
            "segment": sizes.index,
            "size": sizes.to_numpy(),
            "share": (sizes / len(df)).to_numpy(),
        }
    )
    return Profile(
        segments=segments,
        numeric=_numeric(df, segment, schema),
        categories=_categories(df, segment, schema),
        products=_products(df, segment, schema),
    )


def _numeric(df: pd.DataFrame, segment: pd.Series, schema: Schema) -> pd.DataFrame:
    columns = [c for c in schema.by_role("numeric", "derived_count") if c.name in df]
    records = []
    for col in columns:
        name = col.name
        # Sentinel codes are not amounts: medians and ranges come from the measured values,
        # and each segment's share of sentinel cells is a column of its own.
        measured = col.measured(df[name])
        coded = col.sentinel_mask(df[name])
        overall_p05, overall, overall_p95 = _percentiles(measured.dropna())
        overall_mean = measured.mean()
        overall_sd = measured.std()
        overall_missing = float(df[name].isna().mean()) if len(df) else np.nan
        overall_coded = float(coded.mean()) if len(df) else np.nan
        for seg, values in measured.groupby(segment):
            observed = values.dropna()
            p05, median, p95 = _percentiles(observed)
            missing = df[name].loc[values.index].isna()
            sentinel = {}
            if col.sentinels:
                sentinel = {
                    "sentinel_share": float(coded.loc[values.index].mean()),
                    "overall_sentinel_share": overall_coded,
                }
            records.append(
                {
                    "segment": seg,
                    "column": name,
                    "observed": len(observed),
                    "missing": int(missing.sum()),
                    "missing_share": float(missing.mean()),
                    "mean": observed.mean(),
                    "median": median,
                    "p05": p05,
                    "p95": p95,
                    "overall_median": overall,
                    "overall_p05": overall_p05,
                    "overall_p95": overall_p95,
                    "overall_mean": overall_mean,
                    "overall_sd": overall_sd,
                    "overall_missing_share": overall_missing,
                    **sentinel,
                }
            )
    return pd.DataFrame.from_records(records)


def _percentiles(observed: pd.Series) -> tuple[float, float, float]:
    """5th, 50th and 95th percentile of recorded values (NaN when none were recorded)."""
    if not len(observed):
        return (np.nan,) * 3
    p05, median, p95 = np.percentile(observed, [5, 50, 95])
    return float(p05), float(median), float(p95)


def _categories(df: pd.DataFrame, segment: pd.Series, schema: Schema) -> pd.DataFrame:
    columns = [c for c in schema.columns if c.is_categorical and c.name in df]
    segments = segment.to_numpy()
    records = []
    for col in columns:
        # Counts per (segment, level) by bincount: pd.crosstab took 10 ms a column. Segments
        # with a recorded value come in order, levels in the schema's order; a value outside
        # the levels counts for neither the level nor the segment's answers.
        values = df[col.name]
        present = np.unique(segments[values.notna().to_numpy()])
        codes = np.asarray(pd.Categorical(values, categories=list(col.levels)).codes)
        known = codes >= 0
        cells = np.searchsorted(present, segments[known]) * len(col.levels) + codes[known]
        counts = np.bincount(cells, minlength=len(present) * len(col.levels)).reshape(
            len(present), len(col.levels)
        )
        overall = counts.sum(axis=0) / max(int(counts.sum()), 1)
        for seg, row in zip(present, counts, strict=True):
            answered = max(int(row.sum()), 1)
            records += [
                {
                    "segment": seg,
                    "column": col.name,
                    "level": level,
                    "count": int(row[j]),
                    "share": row[j] / answered,
                    "overall_share": float(overall[j]),
                }
                for j, level in enumerate(col.levels)
            ]
    return pd.DataFrame.from_records(
        records, columns=["segment", "column", "level", "count", "share", "overall_share"]
    )


def _products(df: pd.DataFrame, segment: pd.Series, schema: Schema) -> pd.DataFrame:
    # Products and other 0/1 flags: a flag is profiled like a product, never offered.
    columns = [c.name for c in schema.by_role("product", "flag") if c.name in df]
    records = []
    for name in columns:
        overall = df[name].mean()
        for seg, values in df[name].groupby(segment):
            rate = values.mean()
            records.append(
                {
                    "segment": seg,
                    "product": name,
                    "owners": int(values.sum()),
                    "customers": len(values),
                    "rate": rate,
                    "overall_rate": overall,
                    "lift": rate / overall if overall > 0 else np.nan,
                }
            )
    return pd.DataFrame.from_records(records)


def distinguishing(
    df: pd.DataFrame, labels: np.ndarray, schema: Schema, features: Collection[str] = ()
) -> pd.DataFrame:
    """Every column (and category level) ranked by how strongly it sets each segment apart.

    One row per (segment, column[, level]): a signed effect (segment against the rest of the
    table), the segment's and the rest's mean or share over recorded values, a two-sided test,
    its Benjamini-Hochberg adjustment over the whole table, and the rank within the segment
    by absolute effect (1 = strongest). `features` are the columns the clustering used.
    """
    segment = segment_numbers(labels)
    frames = []
    for col in schema.columns:
        if col.name not in df or col.role == "id":
            continue
        if col.role in ("numeric", "derived_count"):
            measured = col.measured(df[col.name])
            frame = _numeric_effects(measured.to_numpy(dtype=float, na_value=np.nan), segment)
        elif col.is_categorical:
            frame = _level_effects(df[col.name], segment, col)
        else:
            owned = df[col.name].to_numpy(dtype=float)
            frame = _share_effects(owned[:, None] == 1, ~np.isnan(owned), segment, [None])
        frame.insert(1, "column", col.name)
        frame.insert(3, "kind", _kind(col))
        frame.insert(4, "used_in_clustering", col.name in features)
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=DISTINGUISHING_COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    table["p_adjusted"] = benjamini_hochberg(table["p_value"].to_numpy())
    table["significant"] = table["p_adjusted"] < SIGNIFICANCE
    strength = table["effect"].abs().fillna(-1.0)
    table = table.assign(strength=strength).sort_values(
        ["segment", "strength"], ascending=[True, False], kind="stable"
    )
    table["rank"] = table.groupby("segment").cumcount() + 1
    return table[DISTINGUISHING_COLUMNS].reset_index(drop=True)


def _kind(col: Column) -> str:
    if col.is_binary:  # a flag reads like a product: the share of rows with it
        return "product"
    return "category" if col.is_categorical else "numeric"


def _numeric_effects(values: np.ndarray, segment: np.ndarray) -> pd.DataFrame:
    """Standardised mean difference and Mann-Whitney test of each segment against the rest.

    The test is computed here for all segments from one ranking of the column (scipy's
    mannwhitneyu would rank the whole column again for every segment): the normal
    approximation with tie correction and no continuity correction.
    """
    recorded = ~np.isnan(values)
    x, seg = values[recorded], segment[recorded]
    n = len(x)
    ranks = stats.rankdata(x)
    ties = np.unique(x, return_counts=True)[1].astype(float)
    tie_term = (ties**3 - ties).sum() / (n * (n - 1)) if n > 1 else 0.0
    records = []
    for s in np.unique(segment):
        inside = seg == s
        mine, rest = x[inside], x[~inside]
        n1, n2 = len(mine), len(rest)
        if n1 < 2 or n2 < 2:
            records.append((s, np.nan, _mean(mine), _mean(rest), np.nan))
            continue
        pooled_sd = np.sqrt(
            ((n1 - 1) * mine.var(ddof=1) + (n2 - 1) * rest.var(ddof=1)) / (n1 + n2 - 2)
        )
        difference = mine.mean() - rest.mean()
        effect = difference / pooled_sd if pooled_sd > 0 else np.nan
        u = ranks[inside].sum() - n1 * (n1 + 1) / 2
        sigma = np.sqrt(n1 * n2 / 12 * ((n + 1) - tie_term))
        p_value = 2 * stats.norm.sf(abs(u - n1 * n2 / 2) / sigma) if sigma > 0 else 1.0
        records.append((s, effect, mine.mean(), rest.mean(), p_value))
    frame = pd.DataFrame.from_records(
        records, columns=["segment", "effect", "segment_value", "rest_value", "p_value"]
    )
    frame.insert(1, "level", None)
    frame.insert(3, "effect_name", "smd")
    return frame


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else np.nan


def _level_effects(values: pd.Series, segment: np.ndarray, col: Column) -> pd.DataFrame:
    codes = np.asarray(pd.Categorical(values, categories=list(col.levels)).codes)
    answered = codes >= 0
    onehot = codes[:, None] == np.arange(len(col.levels))[None, :]
    return _share_effects(onehot, answered, segment, list(col.levels))


def _share_effects(
    has: np.ndarray, answered: np.ndarray, segment: np.ndarray, levels: list[str | None]
) -> pd.DataFrame:
    """Cohen's h and a two-proportion z-test (= Pearson's 2x2 chi-square) per segment and level.

    `has` is rows x levels (True where the row has the level), `answered` marks recorded rows.
    """
    segments = np.unique(segment)
    member = segment[:, None] == segments[None, :]
    member_answered = (member & answered[:, None]).astype(float)
    counts = member_answered.T @ has.astype(float)  # segments x levels
    answered_in = member_answered.sum(axis=0)[:, None]
    total_counts = counts.sum(axis=0)[None, :]
    rest_answered = answered.sum() - answered_in
    with np.errstate(divide="ignore", invalid="ignore"):
        share = counts / answered_in
        rest_share = (total_counts - counts) / rest_answered
        pooled = total_counts / answered.sum()
        se = np.sqrt(pooled * (1 - pooled) * (1 / answered_in + 1 / rest_answered))
        z = (share - rest_share) / se
        p_value = np.where(share == rest_share, 1.0, 2 * stats.norm.sf(np.abs(z)))
    effect = 2 * np.arcsin(np.sqrt(share)) - 2 * np.arcsin(np.sqrt(rest_share))
    return pd.DataFrame(
        {
            "segment": np.repeat(segments, len(levels)),
            "level": levels * len(segments),
            "effect": effect.ravel(),
            "effect_name": "cohen_h",
            "segment_value": share.ravel(),
            "rest_value": rest_share.ravel(),
            "p_value": p_value.ravel(),
        }
    )


def benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values; NaN (no test possible) stays NaN."""
    p_values = np.asarray(p_values, dtype=float)  # an empty table's column holds objects
    adjusted = np.full(len(p_values), np.nan)
    tested = ~np.isnan(p_values)
    if tested.any():
        adjusted[tested] = stats.false_discovery_control(p_values[tested], method="bh")
    return adjusted


# A clustering on 0/1 flags with at most this many combinations (6 products make at most 64)
# groups whole combinations: the combinations are the natural unit to show.
MAX_COMBINATIONS = 64


def combinations(
    df: pd.DataFrame,
    features: Collection[str],
    labels: np.ndarray,
    schema: Schema,
    limit: int = MAX_COMBINATIONS,
) -> pd.DataFrame | None:
    """Each combination of the 0/1 features the customers hold, most customers first: the
    features held ('products', joined by ' + ', empty for none), one 0/1 column per feature,
    customers, share, the segment most of them are in and that segment's share of them, and
    a short profile from the schema's other columns: the median of each number
    (median_<column>) and the most common level of each category (most_common_<column>).

    None when a feature holds anything but 0 and 1, or the features make more than `limit`
    combinations. `df` holds the clustered rows (before imputation), aligned with `labels`.
    """
    features = list(features)
    flags = df[features]
    if flags.empty or not flags.isin([0, 1]).all(axis=None):
        return None
    held = flags.astype(np.int64)
    code = pd.Series(held.to_numpy() @ (2 ** np.arange(len(features))), index=df.index)
    if code.nunique() > limit:
        return None
    segment = pd.Series(segment_numbers(labels), index=df.index)
    groups = code.groupby(code)
    out = held.groupby(code).first()
    held_names = [[f for f, v in zip(features, row, strict=True) if v] for row in out.to_numpy()]
    out.insert(0, "products", [" + ".join(names) for names in held_names])
    out["customers"] = groups.size()
    out["share"] = out["customers"] / len(df)
    counts = segment.groupby([code, segment]).size().unstack(fill_value=0)
    out["segment"] = counts.idxmax(axis=1)
    out["segment_share"] = counts.max(axis=1) / out["customers"]
    others = [c for c in schema.columns if c.name not in features and c.name in df.columns]
    for column in others:
        values = df[column.name]
        if column.role == "numeric":
            out[f"median_{column.name}"] = values.groupby(code).median()
        elif column.role in ("nominal", "ordinal"):
            out[f"most_common_{column.name}"] = _modes(code, values).reindex(out.index)
    out = out.sort_values(["customers", "products"], ascending=[False, True], kind="stable")
    return out.reset_index(drop=True)


def _modes(groups: pd.Series, values: pd.Series) -> pd.Series:
    """Per group, the most common recorded value (on a tie, the first in sorted order); a group
    with no recorded value is missing."""
    pairs = pd.DataFrame({"group": groups, "value": values.astype(object)}).dropna()
    counts = pairs.groupby(["group", "value"], sort=True).size().unstack(fill_value=0)
    return counts.idxmax(axis=1)
