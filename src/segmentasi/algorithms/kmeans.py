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
    polish = False
    if len(first_rows) < len(X) and len(first_rows) <= WEIGHTED_MAX_ROWS:
        # Same objective as on all rows: each distinct row weighted by how often it occurs.
        # Restarts cost next to nothing on a few distinct rows, and k-means++ from weighted
        # seeds gets stuck more often: with n_init=10 the product flags (63 distinct rows)
        # ended 1-4% above the inertia of n_init=10 on all rows; DISTINCT_ROWS_N_INIT beat it.
        centers, method = weighted_kmeans_centers(X[first_rows], counts, ks, seed, n_init)
        return [_kmeans_result(X, k, c, method) for k, c in zip(ks, centers, strict=True)]
    n_init = 10 if n_init is None else n_init
    if len(first_rows) < len(X) and len(first_rows) <= KMEANS_SAMPLE_ROWS:
        fit_rows, weights = X[first_rows], counts.astype(np.float64)
        method = f"kmeans-lloyd n_init={n_init} distinct_rows={len(first_rows)} weighted"
    elif len(X) <= KMEANS_SAMPLE_ROWS:
        fit_rows, weights = X, None
        method = f"kmeans-lloyd n_init={n_init}"
    else:
        sample = np.random.default_rng(seed).choice(len(X), size=KMEANS_SAMPLE_ROWS, replace=False)
        fit_rows, weights, polish = X[np.sort(sample)], None, True
        method = f"kmeans-lloyd n_init={n_init} sample={KMEANS_SAMPLE_ROWS} + full-data lloyd"
    # Unweighted fits seed from a float64 copy (see _kmeanspp_in_float64); scikit-learn's
    # callable init takes no sample weights, so weighted fits keep its own k-means++.
    init = "k-means++" if weights is not None else _kmeanspp_in_float64
    results = []
    # One thread: scikit-learn merges per-thread partial centres in lock order, so its result
    # depends on the thread count and, past two threads, can vary from run to run.
    with one_thread():
        for k in ks:
            model = KMeans(n_clusters=k, init=init, n_init=n_init, random_state=seed)
            centers = model.fit(fit_rows, sample_weight=weights).cluster_centers_
            if polish:
                centers = KMeans(n_clusters=k, init=centers, n_init=1).fit(X).cluster_centers_
            results.append(_kmeans_result(X, k, centers.astype(np.float32), method))
    return results


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
