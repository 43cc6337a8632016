"""Peer baseline and `segmentasi run` on the same table, in one invocation.

Runs `segmentasi run` (both experiments, K-Means and K-Medoids, k=2..10, exact silhouettes,
with everything a run writes: profiles, offers, diagnostics, models and the report) --repeat
times, then ../shared/bench/baseline_sklearn.py once, as child processes, and prints wall time,
peak memory, their ratios, and every (experiment, algorithm, k) silhouette from both. The
ratio uses segmentasi's median wall time; every run's time is printed too. Also timed: the
baseline's job alone done by segmentasi (benchmarks/sweep_only.py), to show what the full run
adds.

    python benchmarks/bench_real.py [CSV] [--repeat N] [--skip-baseline-kmedoids] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

import pandas as pd

from common import BASELINE, REAL_TABLE, measure

HERE = Path(__file__).resolve().parent
SILHOUETTE_SLACK = 0.01


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", nargs="?", default=str(REAL_TABLE))
    parser.add_argument(
        "--skip-baseline-kmedoids",
        action="store_true",
        help="baseline without its 7-minute K-Medoids part (ratios then cover K-Means only)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="runs of segmentasi (the median wall time counts; peak RSS is the largest); "
        "the baseline runs once",
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    table = Path(args.table)
    if not table.exists():
        sys.exit(f"table not found: {table} (the real table lives in ../shared/data/fundfusion)")

    ours_cmd = [sys.executable, "-m", "segmentasi.cli", "run", str(table), "--quiet"]
    ours_walls, ours_peaks = [], []
    with tempfile.TemporaryDirectory() as scratch:
        for run in range(args.repeat):
            out = Path(scratch) / f"run{run}"
            wall, peak, _ = measure([*ours_cmd, "--out", str(out)])
            ours_walls.append(wall)
            ours_peaks.append(peak)
        ours = pd.concat(
            [
                pd.read_csv(out / e / "sweep.csv").assign(experiment=e)
                for e in ("demografi", "produk")
            ]
        )
    ours_wall, ours_peak = statistics.median(ours_walls), max(ours_peaks)
    sweep_walls = [
        measure([sys.executable, str(HERE / "sweep_only.py"), str(table)])[0]
        for _ in range(args.repeat)
    ]
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
        "segmentasi": {
            "wall_s": round(ours_wall, 1),
            "wall_s_each_run": [round(w, 1) for w in ours_walls],
            "peak_rss_mb": round(ours_peak),
        },
        "speedup": round(base_wall / ours_wall, 1),
        "sweep_only": {
            "wall_s": round(statistics.median(sweep_walls), 1),
            "wall_s_each_run": [round(w, 1) for w in sweep_walls],
            "speedup": round(base_wall / statistics.median(sweep_walls), 1),
        },
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
