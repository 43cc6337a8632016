"""The Spark engine against rows: 1M, 3M and 10M synthetic customers, the real table, agreement.

    python benchmarks/bench_spark.py [--sizes 1000000,3000000,10000000] [--master local[2]]
        [--work DIR] [--in-process-limit-gb 12] [--json OUT]

1. Writes each size's synthetic customers as a Parquet dataset, chunk by chunk (never whole in
   memory), into --work (kept there for the next run: generation is not what is measured).
2. Runs `segmentasi run DATA --engine spark --spark-master MASTER` on each, sampling the memory
   of its process tree (driver, JVMs): wall time, the driver's peak RSS, the largest process's,
   and the seconds of each stage from the run's manifest. Fits each stage's seconds to a
   straight line in the rows and projects 100M customers on 10 nodes of 16 cores.
3. On the 1M table, and on the real table when present, runs the in-process engine too and
   prints the agreement (engine_agreement.py) and the wall-time ratio (Spark's start included).
4. On the largest table, runs the in-process engine under an address-space limit of
   --in-process-limit-gb (so that it cannot take the shared machine down): its time, or the
   memory at which it failed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from engine_agreement import agreement
from process_memory import measure_tree

REAL_TABLE = Path(__file__).resolve().parents[2] / "shared/data/fundfusion/clustering_data.csv"
CLUSTER_NODES, CLUSTER_CORES = 10, 16
MACHINE_CORES = 2


def synthetic_dataset(work: Path, rows: int, seed: int) -> Path:
    """The Parquet dataset of `rows` synthetic customers in `work`, written once."""
    from segmentasi import load_schema, synthesize_parquet

    path = work / f"customers_{rows}_{seed}.parquet"
    done = work / f"customers_{rows}_{seed}.done"
    if not done.exists():
        started = time.perf_counter()
        synthesize_parquet(load_schema(), rows, path, seed=seed, overwrite=True)
        done.write_text(f"{time.perf_counter() - started:.1f} s\n")
    return path


def one_file(dataset: Path, path: Path) -> Path:
    """The dataset's rows in one Parquet file (the in-process engine reads one file), copied
    batch by batch."""
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    if not path.exists():
        source = ds.dataset(dataset, format="parquet", exclude_invalid_files=True)
        with pq.ParquetWriter(path, source.schema) as writer:
            for batch in source.to_batches():
                writer.write_batch(batch)
    return path


def cli(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "segmentasi.cli", *arguments]


def spark_run(data: Path, out: Path, master: str, seed: int) -> dict:
    """One Spark run: wall, memory and the manifest's stage seconds."""
    command = cli(
        "run", str(data), "--out", str(out), "--quiet", "--seed", str(seed),
        "--engine", "spark", "--spark-master", master,
        "--spark-conf", "spark.driver.memory=3g",
    )  # fmt: skip
    sampled = measure_tree(command)
    manifest = json.loads((out / "manifest.json").read_text()) if sampled.returncode == 0 else {}
    return {
        "returncode": sampled.returncode,
        "wall_s": sampled.seconds,
        "driver_peak_mb": sampled.driver_peak_mb,
        "largest_process": f"{sampled.largest.name} {sampled.largest.peak_mb:,.0f} MB",
        "largest_process_peak_mb": sampled.largest.peak_mb,
        "tree_peak_mb": sampled.tree_peak_mb,
        "stages_s": manifest.get("timings_s", {}),
    }


def in_process_run(data: Path, out: Path, seed: int, limit_gb: float | None = None) -> dict:
    """One in-process run (under an address-space limit when given, set by the shell)."""
    command = cli("run", str(data), "--out", str(out), "--quiet", "--seed", str(seed))
    if limit_gb:
        limit_kb = int(limit_gb * 2**20)
        command = ["bash", "-c", f'ulimit -v {limit_kb} && exec "$@"', "bash", *command]
    sampled = measure_tree(command)
    return {
        "returncode": sampled.returncode,
        "wall_s": sampled.seconds,
        "tree_peak_mb": sampled.tree_peak_mb,
    }


DRIVER_STAGE = "driver_and_start_s"  # a run's wall time outside the Spark stages


def stage_lines(runs: dict[int, dict]) -> pd.DataFrame:
    """Per stage: seconds at each size, and the straight line seconds = a + b * rows. Besides
    the Spark stages, DRIVER_STAGE: the wall time they leave (Python's and Spark's start, the
    sweep's work on the driver's sample, the report)."""
    for run in runs.values():
        spark_s = sum(s for stage, s in run["stages_s"].items() if stage.startswith("spark_"))
        run["stages_s"][DRIVER_STAGE] = run["wall_s"] - spark_s
    stages = sorted({stage for run in runs.values() for stage in run["stages_s"]})
    sizes = sorted(runs)
    table = []
    for stage in stages:
        seconds = np.array([runs[n]["stages_s"].get(stage, np.nan) for n in sizes])
        known = ~np.isnan(seconds)
        slope, intercept = (
            np.polyfit(np.array(sizes)[known], seconds[known], 1) if known.sum() >= 2 else (0, 0)
        )
        table.append(
            {
                "stage": stage,
                **{f"{n:,}": s for n, s in zip(sizes, seconds, strict=True)},
                "fixed_s": intercept,
                "s_per_million_rows": slope * 1e6,
            }
        )
    return pd.DataFrame(table)


def projection(lines: pd.DataFrame, rows: int = 100_000_000) -> pd.DataFrame:
    """Each stage at `rows` on CLUSTER_NODES x CLUSTER_CORES, assuming its per-row part spreads
    over the cores as it does over this machine's MACHINE_CORES (Spark's tasks are
    independent per partition), and its fixed part (the driver's work: samples, FasterPAM,
    the report) stays what it is here. total_s is measured end to end and not projected."""
    speedup = CLUSTER_NODES * CLUSTER_CORES / MACHINE_CORES
    spark = lines.stage.str.startswith("spark_")
    out = lines[spark | (lines.stage == DRIVER_STAGE)][["stage", "fixed_s", "s_per_million_rows"]]
    # The driver's work is on a sample of fixed size: its part that grew with rows here (the
    # session's memory, the sample's drawing) is kept whole, not spread over the cluster.
    spread = np.where(out.stage == DRIVER_STAGE, 1.0, speedup)
    out = out.assign(
        projected_s=out.fixed_s.clip(lower=0) + out.s_per_million_rows * rows / 1e6 / spread
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000000,3000000,10000000")
    parser.add_argument("--master", default="local[2]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/segmentasi-bench-spark"))
    parser.add_argument("--in-process-limit-gb", type=float, default=12.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    args.work.mkdir(parents=True, exist_ok=True)
    runs_folder = args.work / f"runs-{int(time.time())}"
    figures: dict = {"master": args.master, "sizes": {}}

    spark_runs = {}
    for rows in sizes:
        data = synthetic_dataset(args.work, rows, args.seed)
        spark_runs[rows] = spark_run(data, runs_folder / f"spark_{rows}", args.master, args.seed)
        print(f"{rows:,} rows on Spark: {json.dumps(spark_runs[rows], indent=1)}", flush=True)
    figures["sizes"] = {str(n): run for n, run in spark_runs.items()}
    done = {n: run for n, run in spark_runs.items() if run["returncode"] == 0}
    if len(done) >= 2:
        lines = stage_lines(done)
        print("\nSeconds per stage against rows (straight-line fit):")
        print(lines.to_string(index=False, float_format=lambda v: f"{v:,.2f}"))
        projected = projection(lines)
        print(
            f"\nProjection, 100,000,000 customers, {CLUSTER_NODES} nodes x {CLUSTER_CORES} cores:"
        )
        print(projected.to_string(index=False, float_format=lambda v: f"{v:,.1f}"))
        print(f"sum of projected stages: {projected.projected_s.sum():,.0f} s")
        figures["stage_lines"] = lines.to_dict(orient="records")
        figures["projection_100m"] = projected.to_dict(orient="records")

    smallest = min(sizes)
    tables = {f"synthetic {smallest:,}": synthetic_dataset(args.work, smallest, args.seed)}
    if REAL_TABLE.exists():
        tables["real table"] = REAL_TABLE
    for name, data in tables.items():
        slug = name.replace(" ", "_").replace(",", "")
        table_file = one_file(data, args.work / f"{slug}.parquet") if data.is_dir() else data
        mine = in_process_run(table_file, runs_folder / f"in_process_{slug}", args.seed)
        theirs = spark_run(table_file, runs_folder / f"spark_{slug}", args.master, args.seed)
        entry = {"in_process": mine, "spark": theirs}
        if mine["returncode"] == 0 and theirs["returncode"] == 0:
            found = agreement(
                runs_folder / f"in_process_{slug}", runs_folder / f"spark_{slug}", table_file
            )
            entry["agreement"] = found.to_dict(orient="records")
            entry["wall_ratio"] = theirs["wall_s"] / mine["wall_s"]
            print(f"\n{name}: in-process {mine['wall_s']:.1f} s, Spark {theirs['wall_s']:.1f} s "
                  f"({entry['wall_ratio']:.2f}x)")  # fmt: skip
            print(found.to_string(index=False))
        figures[name] = entry

    largest = max(sizes)
    table_file = one_file(
        synthetic_dataset(args.work, largest, args.seed),
        args.work / f"customers_{largest}_{args.seed}_one_file.parquet",
    )
    limited = in_process_run(
        table_file, runs_folder / "in_process_largest", args.seed, args.in_process_limit_gb
    )
    figures["in_process_largest"] = {"rows": largest, **limited}
    print(f"\nIn-process on {largest:,} rows (limit {args.in_process_limit_gb} GB): {limited}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=float))


if __name__ == "__main__":
    main()
