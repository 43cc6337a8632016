"""K-Means: scikit-learn's Lloyd with k-means++ seeds (on a sample, then polished on all rows,
when the table is large), or batched weighted K-Means on few distinct rows.

Measurements behind the constants: benchmarks/README.md.
"""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans, kmeans_plusplus

from ..numeric import one_thread
from .assignment import WEIGHTED_MAX_ROWS, Clustering, finalise

KMEANS_SAMPLE_ROWS = 50_000
DISTINCT_ROWS_N_INIT = 300
KMEANS_MAX_ITER = 300


def fit_kmeans_sweep(
    X: np.ndarray,
    ks: list[int],
    seed: int,
    n_init: int | None,
    distinct: tuple[np.ndarray, np.ndarray],
) -> list[Clustering]:
    """K-Means for every k in ks; `distinct` is distinct_rows(X), n_init as in fit_sweep."""
    first_rows, counts = distinct
    if len(first_rows) < len(X) and len(first_rows) <= KMEANS_SAMPLE_ROWS:
        centers, method = kmeans_on_distinct(X[first_rows], counts, ks, seed, n_init)
        return [_kmeans_result(X, k, c, method) for k, c in zip(ks, centers, strict=True)]
    n_init = 10 if n_init is None else n_init
    positions = kmeans_sample_positions(len(X), seed)
    centers = kmeans_restarts(X[positions], ks, seed, n_init)
    method = f"kmeans-lloyd n_init={n_init}"
    if len(positions) < len(X):
        with one_thread():
            centers = [KMeans(len(c), init=c, n_init=1).fit(X).cluster_centers_ for c in centers]
        method += f" sample={len(positions)} + full-data lloyd"
    return [
        _kmeans_result(X, k, c.astype(np.float32), method) for k, c in zip(ks, centers, strict=True)
    ]


def kmeans_sample_positions(rows: int, seed: int) -> np.ndarray:
    """The sorted positions of the rows K-Means's restarts run on, in a table of `rows` rows:
    every row up to KMEANS_SAMPLE_ROWS, else that many drawn uniformly."""
    if rows <= KMEANS_SAMPLE_ROWS:
        return np.arange(rows)
    return np.sort(np.random.default_rng(seed).choice(rows, size=KMEANS_SAMPLE_ROWS, replace=False))


def kmeans_restarts(
    fit_rows: np.ndarray,
    ks: list[int],
    seed: int,
    n_init: int,
    weights: np.ndarray | None = None,
) -> list[np.ndarray]:
    """Per k, the centres of the lowest-inertia of n_init scikit-learn K-Means fits of
    `fit_rows` (weighted when given) from k-means++ seeds."""
    # Unweighted fits seed from a float64 copy (see _kmeanspp_in_float64); scikit-learn's
    # callable init takes no sample weights, so weighted fits keep its own k-means++.
    init = "k-means++" if weights is not None else _kmeanspp_in_float64
    # One thread: scikit-learn merges per-thread partial centres in lock order, so its result
    # depends on the thread count and, past two threads, can vary from run to run.
    with one_thread():
        return [
            KMeans(n_clusters=k, init=init, n_init=n_init, random_state=seed)
            .fit(fit_rows, sample_weight=weights)
            .cluster_centers_
            for k in ks
        ]


def kmeans_on_distinct(
    points: np.ndarray, counts: np.ndarray, ks: list[int], seed: int, n_init: int | None
) -> tuple[list[np.ndarray], str]:
    """K-Means centres (float32) for every k on a table's distinct rows `points`, row i
    standing for counts[i] rows (at most KMEANS_SAMPLE_ROWS of them), and the method's
    description: the same objective as on every row."""
    if len(points) <= WEIGHTED_MAX_ROWS:
        # Restarts cost next to nothing on a few distinct rows, and k-means++ from weighted
        # seeds gets stuck more often: with n_init=10 the product flags (63 distinct rows)
        # ended 1-4% above the inertia of n_init=10 on all rows; DISTINCT_ROWS_N_INIT beat it.
        return weighted_kmeans_centers(points, counts, ks, seed, n_init)
    n_init = 10 if n_init is None else n_init
    centers = kmeans_restarts(points, ks, seed, n_init, counts.astype(np.float64))
    method = f"kmeans-lloyd n_init={n_init} distinct_rows={len(points)} weighted"
    return [c.astype(np.float32) for c in centers], method


def weighted_kmeans_centers(
    points: np.ndarray, counts: np.ndarray, ks: list[int], seed: int, n_init: int | None
) -> tuple[list[np.ndarray], str]:
    """K-Means centres (float32) for every k on distinct rows `points`, row i standing for
    counts[i] rows, and the method's description; n_init None means DISTINCT_ROWS_N_INIT."""
    n_init = DISTINCT_ROWS_N_INIT if n_init is None else n_init
    method = f"kmeans-lloyd n_init={n_init} distinct_rows={len(points)} weighted"
    rng = np.random.default_rng(seed)
    return [_batched_weighted_kmeans(points, counts, k, n_init, rng) for k in ks], method


def _kmeanspp_in_float64(X: np.ndarray, k: int, random_state: np.random.RandomState) -> np.ndarray:
    """scikit-learn's own k-means++ seeds, drawn on a float64 copy of X.

    On float32 X scikit-learn computes each candidate's distances by upcasting X to float64 in
    small chunks: seeding took a quarter of a K-Means sweep on the real table (28,129 x 22, 0.78
    of 3.2 s), and half as long on the float64 copy (the sweep 0.25-0.33 s faster). The draws
    are the same: the centres and inertias of every k=2..10 were identical to the built-in's.
    """
    return kmeans_plusplus(X.astype(np.float64), k, random_state=random_state)[0].astype(X.dtype)


def _batched_weighted_kmeans(
    points: np.ndarray, weights: np.ndarray, k: int, restarts: int, rng: np.random.Generator
) -> np.ndarray:
    """Weighted K-Means (Lloyd) from `restarts` greedy k-means++ seeds, all restarts advanced
    together as arrays; returns the float32 centres of the lowest inertia.

    Written here because on a few hundred rows scikit-learn's per-call overhead dominates: 300
    restarts x k=2..10 on the 63 distinct product rows took 2.7 s as 2,700 KMeans calls.
    """
    points = points.astype(np.float64)
    weights = weights.astype(np.float64)
    sq_norms = (points**2).sum(axis=1)
    pair_sq = np.maximum(sq_norms[:, None] + sq_norms[None, :] - 2 * points @ points.T, 0)
    centers = points[_batched_kmeanspp(pair_sq, weights, k, restarts, rng)]
    restart_rows = np.arange(restarts)[:, None]

    def squared_distances(centers: np.ndarray) -> np.ndarray:  # restarts x rows x k
        cross = np.einsum("md,rkd->rmk", points, centers)
        return sq_norms[None, :, None] - 2 * cross + (centers**2).sum(axis=2)[:, None, :]

    labels = None
    for _ in range(KMEANS_MAX_ITER):
        to_centers = squared_distances(centers)
        if labels is None:
            # The seeds are rows, so on discrete data many rows tie for their nearest seed;
            # sending all of them to the lowest index left restarts 3% worse at the median
            # (product flags, k=9). A random choice among the tied seeds does not.
            nearest = to_centers.min(axis=2, keepdims=True)
            tied = to_centers <= nearest + 1e-9 * np.maximum(nearest, 1)
            new_labels = np.where(tied, rng.random(to_centers.shape), -1).argmax(axis=2)
        else:
            new_labels = to_centers.argmin(axis=2)
        if labels is not None and np.array_equal(new_labels, labels):
            break
        labels = new_labels
        membership = np.zeros((restarts, k, len(points)))
        membership[restart_rows, labels, np.arange(len(points))[None, :]] = weights
        mass = membership.sum(axis=2)[:, :, None]
        centers = np.where(mass > 0, membership @ points / np.maximum(mass, 1e-300), centers)
        # As scikit-learn does, a centre left with no rows moves to the rows farthest from theirs.
        for restart in np.flatnonzero((mass[:, :, 0] == 0).any(axis=1)):
            empty = np.flatnonzero(mass[restart, :, 0] == 0)
            own = to_centers[restart, np.arange(len(points)), labels[restart]]
            centers[restart, empty] = points[np.argsort(-own, kind="stable")[: len(empty)]]
    inertia = np.maximum(squared_distances(centers).min(axis=2), 0) @ weights
    return centers[int(np.argmin(inertia))].astype(np.float32)


def _batched_kmeanspp(
    pair_sq: np.ndarray, weights: np.ndarray, k: int, restarts: int, rng: np.random.Generator
) -> np.ndarray:
    """Row indices (restarts x k) of weighted greedy k-means++ seeds, as scikit-learn draws them:
    each new seed is the best of 2 + log(k) candidates drawn with probability weight x distance²."""
    trials = 2 + int(np.log(k))
    seeds = np.empty((restarts, k), dtype=np.int64)
    seeds[:, 0] = rng.choice(len(weights), size=restarts, p=weights / weights.sum())
    closest = pair_sq[seeds[:, 0]]
    restart_rows = np.arange(restarts)
    for slot in range(1, k):
        cumulative = np.cumsum(closest * weights, axis=1)
        draws = rng.random((restarts, trials)) * cumulative[:, -1:]
        candidates = np.minimum(
            (cumulative[:, None, :] <= draws[:, :, None]).sum(axis=2), len(weights) - 1
        )
        with_candidate = np.minimum(closest[:, None, :], pair_sq[candidates])
        best = (with_candidate @ weights).argmin(axis=1)
        seeds[:, slot] = candidates[restart_rows, best]
        closest = with_candidate[restart_rows, best]
    return seeds


def _kmeans_result(X: np.ndarray, k: int, centers: np.ndarray, method: str) -> Clustering:
    labels, raw, order = finalise(X, centers, "euclidean")
    return Clustering(
        algorithm="kmeans",
        k=k,
        metric="euclidean",
        labels=labels,
        centers=centers[order],
        medoid_rows=None,
        cost=float(raw.sum()),
        method=method,
    )
