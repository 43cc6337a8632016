"""Speed, peak memory and quality of segmentasi.algorithms on the real FundFusion table.

K-Medoids: fit_sweep(k=2..10) against full FasterPAM on the whole n x n matrix (the quality
reference), on each experiment's matrix in its distance (built-in schema: produk, manhattan;
demografi, euclidean). K-Means: fit_sweep(k=2..10) on the same matrices and on 1,000,000
synthetic rows resampled from the demografi matrix.
Every measurement runs in its own process, so each peak RSS belongs to that measurement alone.

    .venv/bin/python benchmarks/bench_kmedoids.py [--csv PATH] [--skip-reference]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import REAL_TABLE, experiment_matrix, rss_mb
from segmentasi import load_schema

KS = list(range(2, 11))
SYNTHETIC_ROWS = 1_000_000
SYNTHETIC_FROM = "demografi"  # the experiment whose matrix is resampled to SYNTHETIC_ROWS rows


def load_matrix(csv: Path, name: str) -> tuple[np.ndarray, str]:
    """An experiment's matrix and distance as a run builds them, or "synthetic": SYNTHETIC_ROWS
    rows resampled from SYNTHETIC_FROM's matrix and jittered."""
    if name != "synthetic":
        return experiment_matrix(csv, name)
    X, metric = experiment_matrix(csv, SYNTHETIC_FROM)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(X), size=SYNTHETIC_ROWS)
    jitter = rng.normal(scale=0.05, size=(SYNTHETIC_ROWS, X.shape[1]))
    return (X[rows] + jitter).astype(np.float32), metric


def measure(csv: Path, part: str, name: str) -> dict:
    """One measurement, run inside a child process: fit_sweep or the full-FasterPAM reference."""
    from segmentasi import algorithms

    X, metric = load_matrix(csv, name)
    if part == "kmeans":
        metric = "euclidean"
    rss_before = rss_mb("VmHWM")
    start = time.perf_counter()
    if part == "reference":
        costs, method = reference_costs(X, metric), "full fasterpam, random_state=0"
    else:
        algorithm = "kmeans" if part == "kmeans" else "kmedoids"
        fits = algorithms.fit_sweep(X, KS, algorithm, metric=metric, seed=0)
        costs, method = [fit.cost for fit in fits], fits[0].method
    return {
        "part": part,
        "matrix": name,
        "shape": list(X.shape),
        "seconds": time.perf_counter() - start,
        "rss_after_load_mb": rss_before,
        "peak_rss_mb": rss_mb("VmHWM"),
        "costs": costs,
        "method": method,
    }


def reference_costs(X: np.ndarray, metric: str) -> list[float]:
    """Full FasterPAM per k on sklearn's pairwise distances (float32, built in row blocks), each
    result's total deviation recomputed with the same assign() that scores fit_sweep."""
    import kmedoids
    from sklearn.metrics import pairwise_distances

    from segmentasi.algorithms import assign

    D = np.empty((len(X), len(X)), dtype=np.float32)
    for start in range(0, len(X), 2048):
        D[start : start + 2048] = pairwise_distances(X[start : start + 2048], X, metric=metric)
    costs = []
    for k in KS:
        medoids = kmedoids.fasterpam(D, k, random_state=0).medoids
        distances = assign(X, X[medoids], metric)[1]
        costs.append(float(distances.astype(np.float64).sum()))
    return costs


def run_child(csv: Path, part: str, name: str) -> dict:
    command = [sys.executable, __file__, "--csv", str(csv), "--child", part, name]
    child = subprocess.run(command, capture_output=True, text=True)
    if child.returncode != 0:
        raise SystemExit(f"{part} on {name} failed:\n{child.stderr}")
    return json.loads(child.stdout.strip().splitlines()[-1])


def describe(result: dict) -> str:
    return (
        f"{result['part']:9s} {result['matrix']:12s}"
        f" {result['shape'][0]:>9,} x {result['shape'][1]:<3d}"
        f" {result['seconds']:8.1f} s  peak RSS {result['peak_rss_mb']:7.0f} MB"
        f" (after load {result['rss_after_load_mb']:.0f} MB)  {result['method']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--csv", type=Path, default=REAL_TABLE)
    parser.add_argument("--skip-reference", action="store_true", help="skip full FasterPAM")
    parser.add_argument("--child", nargs=2, metavar=("PART", "MATRIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.csv, *args.child)))
        return
    if not args.csv.exists():
        print(f"real table not found at {args.csv}; nothing to benchmark")
        return
    for name in load_schema().experiments:
        ours = run_child(args.csv, "kmedoids", name)
        print(describe(ours), flush=True)
        if args.skip_reference:
            continue
        reference = run_child(args.csv, "reference", name)
        print(describe(reference))
        print("      k   fit_sweep deviation   full FasterPAM   ratio")
        for k, cost, best in zip(KS, ours["costs"], reference["costs"], strict=True):
            print(f"    {k:3d} {cost:21.2f} {best:16.2f} {cost / best:7.4f}")
        print(flush=True)
    for part, name in [
        *(("kmeans", name) for name in load_schema().experiments),
        ("kmeans", "synthetic"),
        ("kmedoids", "synthetic"),
    ]:
        print(describe(run_child(args.csv, part, name)), flush=True)


if __name__ == "__main__":
    main()
