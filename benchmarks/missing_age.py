"""Where customers with an unrecorded feature land, under each way of handling missing values.

On the real FundFusion table every widowed customer (4,045) has no recorded age. This runs the
real pipeline (pipeline.compute: validation's table, the handling rules, the feature space, the
sweep over K-Means and K-Medoids, the chosen model and its names) once per treatment and prints,
for each experiment clustering on a feature with missing values:

- where the rows missing it land (count per segment, and each segment's name),
- the share of each segment's members whose value is unrecorded,
- the chosen (algorithm, k) and its silhouette, and the sweep's silhouettes by k.

Treatments (quality.Handling.missing), all four by default:
    set-aside the default: customers without a number unrecorded in at least 5% of rows
              (features.INDICATED_SHARE) are placed in no segment; the silhouette is over the
              rows clustered; other gaps take the median
    indicate  the previous default: an indicator column `<column>:missing` and the mean (0 once
              standardised); the indicator is part of the clustering space and its silhouette
    impute    the default before that: the median, unmarked (FundFusion: age 43)
    drop      rows with any missing feature are left out of the experiment (they get no
              segment)
A fourth candidate, distances over each row's recorded features only, is not in the pipeline
(every algorithm, the silhouette and assign would need masked distances); see features.py.

Nothing here names a column: the features with missing values, and the level of another
column they concentrate in, come from the data-quality findings.

    python benchmarks/missing_age.py [CSV] [--experiment demografi] [--treatment indicate ...]

Skips with a message (exit 0) when the table is absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from common import REAL_TABLE
from segmentasi import Handling, RunOptions, builtin_schema, read_table, validate
from segmentasi.pipeline import compute
from segmentasi.profile import segment_numbers
from segmentasi.quality import MISSING_HANDLING, assess

LANG = "id"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", nargs="?", default=str(REAL_TABLE))
    parser.add_argument("--experiment", default="demografi")
    parser.add_argument(
        "--treatment", action="append", choices=MISSING_HANDLING, help="default: all four"
    )
    args = parser.parse_args()
    path = Path(args.table)
    if not path.exists():
        print(f"skipped: table not found at {path} (the real table lives in ../shared/data)")
        return
    schema = builtin_schema("fundfusion")
    table, _ = validate(read_table(path), schema)
    experiment = schema.experiment(args.experiment)
    quality = assess(table, schema)
    gaps = [c for c in experiment.features if table[c].isna().any()]
    if not gaps:
        print(f"experiment '{experiment.name}': no feature has a missing value; nothing to compare")
        return
    for finding in quality.findings:
        if finding.kind == "missing_concentrated" and finding.column in gaps:
            p = finding.params
            print(
                f"{finding.column}: missing in {p['count_level']:,} of {p['rows_level']:,} rows "
                f"with {p['by']} = {p['level']}, {p['share_rest']:.1%} elsewhere"
            )
    summary = []
    for treatment in args.treatment or list(MISSING_HANDLING):
        started = time.perf_counter()
        options = RunOptions(experiments=(experiment.name,), handling=Handling(missing=treatment))
        result = compute(table, schema, options, diagnose=False)[experiment.name]
        seconds = time.perf_counter() - started
        summary.append(_describe(treatment, result, table, gaps, seconds))
    print()
    print(pd.DataFrame(summary).to_string(index=False))


def _describe(treatment, result, table, gaps, seconds) -> dict[str, object]:
    sweep = result.sweep
    algorithm, k = sweep.recommended
    rows = sweep.table[sweep.table.algorithm == algorithm].set_index("k")
    chosen = float(rows.loc[k, "silhouette"])
    segment = pd.Series(segment_numbers(result.labels), index=result.rows)
    print(f"\n== {treatment}: {algorithm} k={k}, silhouette {chosen:.4f} ({seconds:.1f} s)")
    print(
        "   sweep silhouettes by k: "
        + ", ".join(f"{kk}: {s:.4f}" for kk, s in rows["silhouette"].items())
    )
    other = sweep.table[sweep.table.algorithm != algorithm]
    for name, group in other.groupby("algorithm"):
        print(
            f"   ({name}: "
            + ", ".join(f"{kk}: {s:.4f}" for kk, s in zip(group.k, group.silhouette, strict=True))
            + ")"
        )
    lands: dict[str, object] = {}
    for column in gaps:
        unrecorded = table[column].isna()
        left_out = int((unrecorded & ~table.index.isin(result.rows)).sum())
        inside = segment[unrecorded.loc[result.rows].to_numpy()]
        counts = inside.value_counts().sort_index()
        members = segment.value_counts().sort_index()
        print(f"   rows without {column}: {int(unrecorded.sum()):,}; not clustered: {left_out:,}")
        for seg, size in members.items():
            n = int(counts.get(seg, 0))
            name = result.insights.names[LANG].get(int(seg), "")
            print(
                f"     segment {seg} ({size:,} members, {n / size:6.1%} without {column}): "
                f"{n:>6,}  {name}"
            )
        lands[f"{column} per segment"] = " / ".join(
            f"{int(counts.get(s, 0)):,}" for s in members.index
        ) + (f" (+{left_out:,} not clustered)" if left_out else "")
    return {
        "treatment": treatment,
        "chosen": f"{algorithm} k={k}",
        "silhouette": round(chosen, 4),
        "best other k": _best_other(rows["silhouette"], k),
        **lands,
        "seconds": round(seconds, 1),
    }


def _best_other(silhouettes: pd.Series, k: int) -> str:
    others = silhouettes.drop(k)
    if others.empty:
        return ""
    best = int(others.idxmax())
    return f"k={best}: {others.max():.4f}"


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
