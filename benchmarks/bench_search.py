"""`segmentasi search` on the real table: time, what is reachable, and an independent check.

Runs `segmentasi search` (both experiments, default guardrails, target 0.7) as a child process,
then, from the search folder alone:
- recomputes the silhouette of every configuration the output reports (verdict, reasons, Pareto
  front; --all: every verified one) with sklearn.metrics.silhouette_score on the saved matrix
  (spaces/<id>.npy) and labels (labels.csv), in the configuration's metric;
- rebuilds each matrix from its config (FeatureSpace on the validated table) and compares;
- rechecks the segment-size guardrail and the best one- and two-column cross-tab purity with
  plain pandas;
- reruns each experiment's best.toml with `segmentasi run --config` and compares.

    python benchmarks/bench_search.py [CSV] [--time-budget S] [--all] [--json OUT]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import silhouette_score

from common import REAL_TABLE, measure
from segmentasi import builtin_schema, read_table, validate
from segmentasi.config import load_config
from segmentasi.features import FeatureSpace


def crosstab_purity(table: pd.DataFrame, labels: np.ndarray, columns: list[str]) -> tuple:
    """Best share of customers in their cell's most common segment, over 1 and 2 columns with
    at most 12 values (independent of segmentasi's own check)."""
    low = [c for c in columns if table[c].nunique(dropna=False) <= 12]
    best = (0.0, ())
    for size in (1, 2):
        for cols in itertools.combinations(low, size):
            cells = table[list(cols)].astype(str).agg("|".join, axis=1)
            counts = pd.crosstab(cells.to_numpy(), labels)
            best = max(best, (counts.max(axis=1).sum() / len(labels), cols))
    return best


def check_experiment(
    folder: Path, name: str, summary: dict, table: pd.DataFrame, schema, everything: bool
) -> list[dict]:
    records = pd.read_csv(folder / name / "verified.csv")
    labels = pd.read_csv(folder / name / "labels.csv")
    cited = " ".join(summary["reasons"] + [summary["verdict"]])
    reported = set(summary["front"]) | {summary["best"], summary["closest"]}
    reported |= {r for r in records["id"] if f"; {r})" in cited}
    rows = []
    for record in records.itertuples():
        if not everything and record.id not in reported:
            continue
        X = np.load(folder / name / record.space_file)
        y = labels[record.id].to_numpy()
        config = load_config(folder / name / record.config_file)
        refined = config.schema_for(schema)
        rebuilt = FeatureSpace(refined, refined.experiment(name), config.encoding).fit(table)
        same_space = np.array_equal(rebuilt.transform(table), X)
        started = time.perf_counter()
        value = silhouette_score(X, y, metric=record.metric)
        sizes = np.bincount(y)[1:] / len(y)
        purity, cols = crosstab_purity(table, y, list(config.features))
        rows.append(
            {
                "experiment": name,
                "id": record.id,
                "reported": record.silhouette,
                "sklearn": float(value),
                "diff": float(value - record.silhouette),
                "sklearn_s": round(time.perf_counter() - started, 1),
                "same_space": same_space,
                "smallest_share": float(sizes.min()),
                "guarded": bool(record.guarded),
                "purity_1_2_columns": round(float(purity), 3),
                "purity_columns": " x ".join(cols),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", nargs="?", default=str(REAL_TABLE))
    parser.add_argument("--time-budget", type=float, default=None)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    parser.add_argument(
        "--all",
        action="store_true",
        help="recompute every verified configuration, not only those reported "
        "in the verdict, its reasons and the Pareto front",
    )
    args = parser.parse_args()
    table_path = Path(args.table)
    if not table_path.exists():
        sys.exit(f"table not found: {table_path} (the real one is in ../shared/data/fundfusion)")
    work = Path(tempfile.mkdtemp(prefix="bench-search-"))
    out = work / "search"
    command = [
        sys.executable,
        "-m",
        "segmentasi.cli",
        "search",
        str(table_path),
        "--out",
        str(out),
        "--target-silhouette",
        "0.7",
    ]
    if args.time_budget:
        command += ["--time-budget", str(args.time_budget)]
    wall, peak, stdout = measure(command)
    print(
        f"segmentasi search: {wall:.0f} s wall, peak memory {peak:.0f} MB (all processes), "
        f"{os.cpu_count()} cores visible"
    )
    print(stdout)
    summary = json.loads((out / "search.json").read_text())
    schema = builtin_schema("fundfusion")
    table, _ = validate(read_table(table_path), schema)
    checks = []
    for name in summary["experiments"]:
        checks += check_experiment(out, name, summary["experiments"][name], table, schema, args.all)
    frame = pd.DataFrame(checks)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(frame.to_string(index=False))
    print(
        f"largest |sklearn - reported| silhouette: {frame['diff'].abs().max():.2e}; "
        f"every matrix rebuilt from its config: {bool(frame['same_space'].all())}"
    )
    reruns = {}
    for name, found in summary["experiments"].items():
        best = out / name / "best.toml"
        if not best.exists():
            continue
        rerun_wall, _, rerun_out = measure(
            [
                sys.executable,
                "-m",
                "segmentasi.cli",
                "run",
                str(table_path),
                "--config",
                str(best),
                "--out",
                str(work / f"rerun-{name}"),
                "--quiet",
            ]
        )
        note = next((line for line in rerun_out.splitlines() if "eproduce" in line), "")
        reruns[name] = {"seconds": round(rerun_wall, 1), "note": note, "best": found["best"]}
        print(f"{name}: run --config best.toml in {rerun_wall:.0f} s: {note}")
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "wall_s": wall,
                    "peak_rss_mb": peak,
                    "search": summary,
                    "checks": checks,
                    "reruns": reruns,
                },
                indent=2,
                default=str,
            )
        )
    print(f"search folder kept at {out}")


if __name__ == "__main__":
    main()
