"""Speed, peak memory and quality of segmentasi.algorithms on the real FundFusion table.

K-Medoids: fit_sweep(k=2..10) against full FasterPAM on the whole n x n matrix (the quality
reference), on the product flags (manhattan) and on a demographic matrix (euclidean).
K-Means: fit_sweep(k=2..10) on both matrices and on 1,000,000 synthetic demographic rows.
Every measurement runs in its own process, so each peak RSS belongs to that measurement alone.

    .venv/bin/python benchmarks/bench_kmedoids.py [--csv PATH] [--skip-reference]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_CSV = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "fundfusion" / "clustering_data.csv"
)
KS = list(range(2, 11))
SYNTHETIC_ROWS = 1_000_000
PRODUCTS = [
    "Produk_Tabungan",
    "Produk_Deposito",
    "Produk_Kartu_Kredit",
    "Produk_Kredit_Rumah",
    "Produk_Kredit_Kendaraan",
    "Produk_Kredit_Dana_Tunai",
]
NUMERIC = ["Usia", "Jumlah_Anak", "Pendapatan_Tahunan", "Total_Relationship_Balance"]
ORDINAL = {
    "Vintage": ["< 1 Tahun", "2 - 3 Tahun", "> 4 Tahun"],
    "Pendidikan": ["Tidak Sekolah Formal", "SD", "SMP", "SMA", "Sarjana", "Magister", "Doktor"],
}
NOMINAL = ["Area", "Jalur_Pembukaan", "Jenis_Kelamin", "Status_Perkawinan"]
KMEDOIDS_METRIC = {"products": "manhattan", "demographics": "euclidean", "synthetic": "euclidean"}


def standardised(values: np.ndarray) -> np.ndarray:
    values = values.astype(np.float64)
    return (values - values.mean()) / values.std()


def load_matrix(csv: Path, name: str) -> np.ndarray:
    """The product flags, the demographic matrix, or 1M resampled and jittered demographic rows."""
    import pandas as pd

    table = pd.read_csv(csv)
    if name == "products":
        return table[PRODUCTS].to_numpy(dtype=np.float32)
    numeric = table[NUMERIC].fillna(table[NUMERIC].median())
    columns = [standardised(numeric[column].to_numpy()) for column in NUMERIC]
    for column, levels in ORDINAL.items():
        codes = table[column].map({level: code for code, level in enumerate(levels)})
        columns.append(standardised(codes.to_numpy()))
    one_hot = pd.get_dummies(table[NOMINAL]).to_numpy(dtype=np.float64)
    demographics = np.column_stack([*columns, one_hot]).astype(np.float32)
    if name == "demographics":
        return demographics
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(demographics), size=SYNTHETIC_ROWS)
    jitter = rng.normal(scale=0.05, size=(SYNTHETIC_ROWS, demographics.shape[1]))
    return (demographics[rows] + jitter).astype(np.float32)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(csv: Path, part: str, name: str) -> dict:
    """One measurement, run inside a child process: fit_sweep or the full-FasterPAM reference."""
    from segmentasi import algorithms

    X = load_matrix(csv, name)
    metric = "euclidean" if part == "kmeans" else KMEDOIDS_METRIC[name]
    rss_before = peak_rss_mb()
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
        "peak_rss_mb": peak_rss_mb(),
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
    parser.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    parser.add_argument("--skip-reference", action="store_true", help="skip full FasterPAM")
    parser.add_argument("--child", nargs=2, metavar=("PART", "MATRIX"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.csv, *args.child)))
        return
    if not args.csv.exists():
        print(f"real table not found at {args.csv}; nothing to benchmark")
        return
    for name in ("products", "demographics"):
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
        ("kmeans", "products"),
        ("kmeans", "demographics"),
        ("kmeans", "synthetic"),
        ("kmedoids", "synthetic"),
    ]:
        print(describe(run_child(args.csv, part, name)), flush=True)


if __name__ == "__main__":
    main()
