"""Silhouette for a whole k-sweep: segmentasi.metrics against sklearn and against the GEMM floor.

Builds the demografi matrix (28,129 x 22, float32) as a run does from the real FundFusion table
when it is present (synthetic blobs of the same shape otherwise), makes 18 K-Means labelings
(k=2..10, two seeds) and times:
  (a) sklearn.metrics.silhouette_score, once per labeling (2 timed, extrapolated to 18),
  (b) segmentasi.metrics.silhouette_scores for all 18 in one call,
  (c) the float32 GEMMs alone that (b) cannot avoid, tiled and threaded the same way,
then the product-flag case (6 binary columns, manhattan) with and without duplicate collapse.
Run: .venv/bin/python benchmarks/bench_silhouette.py
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_score

from common import REAL_TABLE, experiment_matrix, traced_peak_mb
from segmentasi import metrics
from segmentasi.numeric import blas_threads, one_thread

N_ROWS = 28_129
KS = range(2, 11)
SEEDS = (0, 1)
REPEATS = 3


def load_matrices() -> tuple[str, np.ndarray, np.ndarray]:
    """(source, demografi X, produk X): the run's matrices of the real table if it is present."""
    if REAL_TABLE.exists():
        demographic, _ = experiment_matrix(REAL_TABLE, "demografi")
        flags, _ = experiment_matrix(REAL_TABLE, "produk")
        return "real FundFusion table", demographic, flags
    demographic, _ = make_blobs(N_ROWS, n_features=22, centers=8, random_state=0)
    rng = np.random.default_rng(0)
    flags = (rng.random((N_ROWS, 6)) < [0.9, 0.3, 0.3, 0.1, 0.15, 0.2]).astype(int)
    return "synthetic blobs (real table absent)", demographic.astype(np.float32), flags


def sweep_labelings(X: np.ndarray) -> list[np.ndarray]:
    return [KMeans(k, n_init=1, random_state=seed).fit_predict(X) for seed in SEEDS for k in KS]


def best_time(run, repeats: int = REPEATS) -> tuple[float, float]:
    """Best wall and CPU seconds over repeated runs (the machine is shared, so keep the best)."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def gemm_floor(X: np.ndarray, labelings: list[np.ndarray]) -> None:
    """The float32 GEMMs of silhouette_scores alone: distance tiles and one-hot products."""
    n_rows = X.shape[0]
    augmented = np.hstack([X, np.ones((n_rows, 2), dtype=np.float32)])
    augmented_t = np.ascontiguousarray(augmented.T)
    one_hot = np.hstack(
        [np.eye(labels.max() + 1, dtype=np.float32)[labels] for labels in labelings]
    )
    n_workers = blas_threads()
    tile = metrics._tile_size(n_rows, one_hot.shape[1], n_workers, 256)
    tiles = [(r, c) for r in range(0, n_rows, tile) for c in range(r, n_rows, tile)]

    def work(worker: int) -> None:
        for r, c in tiles[worker::n_workers]:
            distances = augmented[r : r + tile] @ augmented_t[:, c : c + tile]
            distances @ one_hot[c : c + tile]
            if r != c:
                distances.T @ one_hot[r : r + tile]

    with one_thread("blas"), ThreadPoolExecutor(n_workers) as pool:
        list(pool.map(work, range(n_workers)))


def uncollapsed(X: np.ndarray, codes: list[np.ndarray]) -> metrics._Points:
    labelings = [metrics._Labeling(c, np.bincount(c).astype(np.float64)) for c in codes]
    return metrics._Points(X, np.ones(X.shape[0]), np.arange(X.shape[0]), labelings)


def bench_case(name: str, X: np.ndarray, metric: str) -> None:
    """Print the timing table for one feature matrix and its 18-labeling sweep."""
    labelings = sweep_labelings(X)
    n_unique = np.unique(X, axis=0).shape[0]
    k_total = sum(len(np.unique(labels)) for labels in labelings)
    print(
        f"\n{name}: {X.shape[0]} x {X.shape[1]} ({n_unique} distinct rows), {metric}, "
        f"{len(labelings)} labelings, sum(k) = {k_total}"
    )
    sk_wall, sk_cpu = best_time(
        lambda: [silhouette_score(X, labels, metric=metric) for labels in labelings[:2]], repeats=1
    )
    scale = len(labelings) / 2
    ours_label = "(b) silhouette_scores, all 18 in one call"
    gemm_label = "(c) float32 GEMMs alone, same tiles"
    rows = {
        "(a) sklearn silhouette_score x18 (2 timed)": (sk_wall * scale, sk_cpu * scale),
        ours_label: best_time(lambda: metrics.silhouette_scores(X, labelings, metric=metric)),
    }
    if n_unique < X.shape[0]:
        codes = [metrics._label_codes(lab, X.shape[0], i) for i, lab in enumerate(labelings)]
        points = uncollapsed(X, codes)
        every_row = np.arange(X.shape[0])
        rows["    (b) without duplicate collapse"] = best_time(
            lambda: metrics._cluster_distance_sums(points, every_row, metric, 256)
        )
    else:
        rows[gemm_label] = best_time(lambda: gemm_floor(X, labelings))
    print(f"{'':44s} {'wall s':>8s} {'cpu s':>8s} {'x faster than (a)':>18s}")
    for label, (wall, cpu) in rows.items():
        print(f"{label:44s} {wall:8.2f} {cpu:8.2f} {sk_wall * scale / wall:18.1f}")
    if gemm_label in rows:
        print(f"GEMM-only share of (b): {rows[gemm_label][0] / rows[ours_label][0]:.0%}")

    ours = metrics.silhouette_scores(X, labelings, metric=metric)
    reference = [silhouette_score(X, labels, metric=metric) for labels in labelings[:2]]
    memory = traced_peak_mb(lambda: metrics.silhouette_scores(X, labelings, metric=metric))
    duplicate_check = best_time(lambda: np.unique(X, axis=0, return_inverse=True))[0]
    print(
        f"max |ours - sklearn| on 2 labelings: {np.abs(ours[:2] - reference).max():.1e}; "
        f"peak extra memory (tracemalloc): {memory:.0f} MB; "
        f"duplicate check (np.unique): {duplicate_check:.3f} s"
    )
    for sample_size in (5000, 20000):
        sampled = best_time(
            lambda size=sample_size: metrics.silhouette_estimates(X, labelings, sample_size=size)
        )
        print(f"silhouette_estimates with sample_size={sample_size}: {sampled[0]:.2f} s wall")


def main() -> None:
    source, demographic, flags = load_matrices()
    print(f"data: {source}; BLAS threads: {blas_threads()}")
    bench_case("demographic", demographic, "euclidean")
    bench_case("product flags", flags, "manhattan")


if __name__ == "__main__":
    main()
