"""Placing 1,000,000 synthetic customers with a saved segmentation: rows per second and peak memory.

Fits both experiments once on 5,000 synthetic customers and saves their recommended models;
then each case runs in its own child process, which synthesizes 1,000,000 customers
(segmentasi.synthesize, seed 1), loads the model and times `model.assign` (median of REPEATS).
Peak RSS is the child's high-water mark while assigning (reset just before, on Linux), next to
its RSS before assigning (the data and the model).
Cases:
  prospects     demografi, demographics only (product columns dropped), typed as synthesize gives
  text          demografi, every cell text, as a CSV file reads
  customers     demografi with the product columns, so owned products are not recommended
  produk        produk (six product flags, manhattan)
  parquet-file  read_table(.parquet) + assign + write .parquet, end to end as `segmentasi assign`
Run: .venv/bin/python benchmarks/bench_assign.py [--rows N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

import segmentasi
from common import reset_peak, rss_mb
from segmentasi import files
from segmentasi.model import SavedModel

FIT_ROWS = 5_000
ROWS = 1_000_000
REPEATS = 3
CASES = ("prospects", "text", "customers", "produk", "parquet-file")


def fit_models(folder: Path) -> None:
    """Recommended model of each experiment, fitted on FIT_ROWS synthetic customers."""
    schema = segmentasi.builtin_schema("fundfusion")
    table = segmentasi.synthesize(schema, rows=FIT_ROWS, seed=0)
    options = segmentasi.SweepOptions(ks=tuple(range(2, 7)), stability_runs=0)
    result = segmentasi.run(table, schema=schema, options=options)
    for experiment in result.experiments:
        SavedModel.from_run(result, experiment).save(folder / f"{experiment}.model")


def case_input(case: str, rows: int, folder: Path) -> tuple[str, pd.DataFrame | Path]:
    schema = segmentasi.builtin_schema("fundfusion")
    table = segmentasi.synthesize(schema, rows=rows, seed=1)
    products = [c.name for c in schema.by_role("product", "derived_count")]
    if case == "prospects":
        return "demografi", table.drop(columns=products)
    if case == "text":
        path = folder / "text.csv"
        table.drop(columns=products).to_csv(path, index=False)
        return "demografi", pd.read_csv(
            path, dtype=str, keep_default_na=False, na_values=files.MISSING_MARKERS
        )
    if case == "customers":
        return "demografi", table
    if case == "produk":
        return "produk", table
    path = folder / "customers.parquet"
    table.to_parquet(path, index=False)
    return "demografi", path


def run_case(case: str, rows: int, folder: Path) -> dict[str, float]:
    """Time one case in this process; returns seconds, rows/s and memory."""
    experiment, data = case_input(case, rows, folder)
    model = segmentasi.load_model(folder / f"{experiment}.model")
    before = rss_mb("VmRSS")
    reset_peak()
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        if isinstance(data, Path):
            placed = model.assign(files.read_table(data))
            files.write_table(placed.table, folder / "placed.parquet")
        else:
            placed = model.assign(data)
        times.append(time.perf_counter() - started)
        del placed
    seconds = statistics.median(times)
    return {
        "seconds": seconds,
        "min_seconds": min(times),
        "rows_per_s": rows / seconds,
        "rss_before_mib": before,
        "peak_rss_mib": rss_mb("VmHWM"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.case:
        print(json.dumps(run_case(args.case, args.rows, args.folder)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-assign-") as temp:
        folder = Path(temp)
        fit_models(folder)
        print(f"{args.rows:,} rows, median of {REPEATS}; model fitted on {FIT_ROWS:,} rows")
        print(f"{'case':<14}{'seconds':>9}{'rows/s':>12}{'RSS before':>12}{'peak RSS':>10}")
        for case in CASES:
            done = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--case",
                    case,
                    "--rows",
                    str(args.rows),
                    "--folder",
                    str(folder),
                ],
                capture_output=True,
                text=True,
                check=True,
            )
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{case:<14}{r['seconds']:>9.2f}{r['rows_per_s']:>12,.0f}"
                f"{r['rss_before_mib']:>9,.0f} MiB{r['peak_rss_mib']:>6,.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
