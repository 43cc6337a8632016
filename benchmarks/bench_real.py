"""Peer baseline and `segmentasi run` on the same table, in one invocation.

Runs ../shared/bench/baseline_sklearn.py and `segmentasi run` (both experiments, K-Means and
K-Medoids, k=2..10, exact silhouettes) one after the other as child processes, and prints
wall time, peak RSS, their ratios, and every (experiment, algorithm, k) silhouette from both.

    python benchmarks/bench_real.py [CSV] [--skip-baseline-kmedoids] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared"
DEFAULT_TABLE = SHARED / "data" / "fundfusion" / "clustering_data.csv"
BASELINE = SHARED / "bench" / "baseline_sklearn.py"
SILHOUETTE_SLACK = 0.01


def measure(command: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MB) and stdout of one child process (its own rusage via wait4)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode:
            sys.exit(f"{' '.join(command[:4])} failed ({child.returncode}):\n{err.read()[-2000:]}")
        return wall, usage.ru_maxrss / 1024, out.read()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", nargs="?", default=str(DEFAULT_TABLE))
    parser.add_argument(
        "--skip-baseline-kmedoids",
        action="store_true",
        help="baseline without its 7-minute K-Medoids part (ratios then cover K-Means only)",
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    table = Path(args.table)
    if not table.exists():
        sys.exit(f"table not found: {table} (the real table lives in ../shared/data/fundfusion)")

    ours_cmd = [sys.executable, "-m", "segmentasi.cli", "run", str(table), "--quiet"]
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "run"
        ours_wall, ours_peak, _ = measure([*ours_cmd, "--out", str(out)])
        ours = pd.concat(
            [
                pd.read_csv(out / e / "sweep.csv").assign(experiment=e)
                for e in ("demografi", "produk")
            ]
        )
    base_cmd = [sys.executable, str(BASELINE), str(table)]
    if args.skip_baseline_kmedoids:
        base_cmd.append("--no-kmedoids")
    base_wall, base_peak, base_out = measure(base_cmd)
    baseline = json.loads(base_out.strip().splitlines()[-1])

    rows = []
    for row in ours.itertuples():
        key = f"{row.experiment}/{row.algorithm}/{row.k}"
        theirs = baseline["silhouette"].get(key)
        rows.append(
            {
                "experiment": row.experiment,
                "algorithm": row.algorithm,
                "k": row.k,
                "segmentasi": round(row.silhouette, 4),
                "baseline": None if theirs is None else round(theirs, 4),
                "diff": None if theirs is None else round(row.silhouette - theirs, 4),
                "exact": bool(row.silhouette_exact),
            }
        )
    comparison = pd.DataFrame(rows)
    worse = comparison[comparison["diff"].notna() & (comparison["diff"] < -SILHOUETTE_SLACK)]
    summary = {
        "table": str(table),
        "baseline": {
            "wall_s": round(base_wall, 1),
            "peak_rss_mb": round(base_peak),
            "timings": baseline["timings"],
            "kmedoids": not args.skip_baseline_kmedoids,
        },
        "segmentasi": {"wall_s": round(ours_wall, 1), "peak_rss_mb": round(ours_peak)},
        "speedup": round(base_wall / ours_wall, 1),
        "memory_ratio": round(base_peak / ours_peak, 1),
        "silhouettes_worse_than_baseline_by_more_than_0.01": len(worse),
    }
    print(comparison.to_string(index=False))
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"summary": summary, "silhouettes": rows}, indent=2) + "\n"
        )


if __name__ == "__main__":
    main()
