"""A million synthetic customers through the full two-experiment sweep.

Generates N calibrated synthetic FundFusion customers (default 1,000,000) to a Parquet file,
then times `segmentasi run` on it as a child process (both experiments, K-Means and K-Medoids,
k=2..10), and prints wall time, peak RSS and the per-step timings from the run's manifest.

    python benchmarks/bench_scale.py [--rows N] [--seed S] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from common import measure
from segmentasi import load_schema, synthesize


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        table = Path(scratch) / "customers.parquet"
        started = time.perf_counter()
        synthesize(load_schema(), rows=args.rows, seed=args.seed).to_parquet(table)
        synth_s = time.perf_counter() - started
        out = Path(scratch) / "run"
        command = [
            sys.executable,
            "-m",
            "segmentasi.cli",
            "run",
            str(table),
            "--out",
            str(out),
            "--quiet",
            "--seed",
            str(args.seed),
        ]
        wall, peak_mb, _ = measure(command)
        manifest = json.loads((out / "manifest.json").read_text())
        sweeps = {
            e: pd.read_csv(out / e / "sweep.csv")[
                [
                    "algorithm",
                    "k",
                    "silhouette",
                    "silhouette_ci_low",
                    "silhouette_ci_high",
                    "silhouette_exact",
                    "stability_ari",
                    "method",
                ]
            ]
            for e in ("demografi", "produk")
        }
    summary = {
        "rows": args.rows,
        "synth_s": round(synth_s, 1),
        "run_wall_s": round(wall, 1),
        "run_peak_rss_mb": round(peak_mb),
        "timings_s": manifest["timings_s"],
    }
    for name, sweep in sweeps.items():
        print(f"{name}:\n{sweep.to_string(index=False)}")
    print(json.dumps(summary, indent=2))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "summary": summary,
                    "sweeps": {k: v.to_dict(orient="records") for k, v in sweeps.items()},
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
