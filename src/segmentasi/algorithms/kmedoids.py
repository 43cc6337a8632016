"""K-Medoids: FasterPAM on the full distance matrix while it fits, CLARA beyond, and weighted PAM
on few distinct rows, where the order that breaks ties between equidistant medoids is chosen by
the silhouette.

Measurements behind the constants: benchmarks/README.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import kmedoids
import numpy as np
from scipy.spatial.distance import cdist

from ..metrics import silhouette_scores
from ..numeric import CDIST_NAME
from .assignment import WEIGHTED_MAX_ROWS, Clustering, finalise, nearest, raw_to_distance

MATRIX_BUDGET_BYTES = 64 * 2**20
CLARA_SAMPLES = 8
CLARA_SAMPLE_ROWS = 2500
WEIGHTED_RESTARTS = 30
TIE_ORDERS = 100
_TIE_RULE_NOTE = (
    "ties to equidistant medoids broken by the size-ordered assignment with the best silhouette"
)
_PAIRWISE_BLOCK_ROWS = 1024


def fit_kmedoids_sweep(
    X: np.ndarray,
    ks: list[int],
    metric: str,
    seed: int,
    distinct: tuple[np.ndarray, np.ndarray],
    clara_samples: int,
) -> list[Clustering]:
    """K-Medoids for every k in ks; `distinct` is distinct_rows(X)."""
    first_rows, counts = distinct
    # Few distinct rows: weighted PAM, then the tie order with the best silhouette.
    tie_order_by_silhouette = len(first_rows) < len(X) and len(first_rows) <= WEIGHTED_MAX_ROWS
    if tie_order_by_silhouette:
        by_first_use = np.argsort(first_rows)
        first_rows, weights = first_rows[by_first_use], counts[by_first_use].astype(np.float64)
        found, method = weighted_kmedoids(X[first_rows], weights, ks, metric, seed)
        medoids = {k: first_rows[found[k]] for k in ks}
    elif len(X) ** 2 * 4 <= MATRIX_BUDGET_BYTES:
        medoids = grown_fasterpam(pairwise(X, metric), ks, seed)
        method = "fasterpam"
    else:
        medoids, method = _clara(X, ks, metric, seed, clara_samples)
    return [_kmedoids_result(X, k, metric, medoids[k], method, tie_order_by_silhouette) for k in ks]


def weighted_kmedoids(
    points: np.ndarray, weights: np.ndarray, ks: list[int], metric: str, seed: int
) -> tuple[dict[int, np.ndarray], str]:
    """K-Medoids on distinct rows `points`, row i standing for weights[i] rows: per k, the
    medoids (indices into points) of weighted PAM, in the tie order with the best silhouette;
    and the method's description."""
    D = cdist(points, points, CDIST_NAME[metric])
    every_point = np.arange(len(points))
    medoids = {
        k: _tie_order(
            points, every_point, weights, _weighted_pam(D, weights, k, seed), metric, seed
        )
        for k in ks
    }
    return medoids, f"weighted-pam distinct_rows={len(points)}; {_TIE_RULE_NOTE}"


def _kmedoids_result(
    X: np.ndarray,
    k: int,
    metric: str,
    medoid_rows: np.ndarray,
    method: str,
    tie_order_by_silhouette: bool,
) -> Clustering:
    labels, raw, order = finalise(X, X[medoid_rows], metric)
    return Clustering(
        algorithm="kmedoids",
        k=k,
        metric=metric,
        labels=labels,
        centers=X[medoid_rows[order]],
        medoid_rows=medoid_rows[order],
        cost=float(raw_to_distance(raw, metric).sum()),
        method=method,
        tie_order_by_silhouette=tie_order_by_silhouette,
    )


def pairwise(X: np.ndarray, metric: str) -> np.ndarray:
    """Full float32 distance matrix, filled in blocks of rows: no n x n float64 copy is made."""
    D = np.empty((len(X), len(X)), dtype=np.float32)
    for start in range(0, len(X), _PAIRWISE_BLOCK_ROWS):
        stop = start + _PAIRWISE_BLOCK_ROWS
        D[start:stop] = cdist(X[start:stop], X, CDIST_NAME[metric])
    return D


def fasterpam(D: np.ndarray, medoids: int | np.ndarray, seed: int | None) -> np.ndarray:
    """FasterPAM from k seeded random medoids, or from the given medoid indices (seed None)."""
    start = medoids.astype(np.uintp) if isinstance(medoids, np.ndarray) else medoids
    # One thread: the parallel version adds per-thread float partial sums in arrival order,
    # so its swaps, and so its result, can change from run to run.
    result = kmedoids.fasterpam(D, start, random_state=seed, n_cpu=1)
    return np.asarray(result.medoids, dtype=np.int64)


def _clara(
    X: np.ndarray, ks: list[int], metric: str, seed: int, samples: int
) -> tuple[dict[int, np.ndarray], str]:
    """CLARA on X in memory (see clara): rows are named by their index, samples drawn by
    clara_draws, deviations summed over X."""
    size = min(CLARA_SAMPLE_ROWS, math.isqrt(MATRIX_BUDGET_BYTES // 4), len(X))

    def deviations(candidates: list[np.ndarray]) -> list[float]:
        return [
            raw_to_distance(nearest(X, X[rows], metric)[1], metric).sum() for rows in candidates
        ]

    draw = clara_draws(len(X), size, seed, lambda sample: X[sample])
    return clara(
        ks, metric, seed, samples, draw, deviations
    ), f"clara samples={samples} size={size}"


def clara_draws(
    n: int, size: int, seed: int, rows_at: Callable[[np.ndarray], np.ndarray]
) -> Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """CLARA's draw (see clara) over n rows named by their position 0..n-1: each sample holds
    the rows kept and size - len(kept) others drawn uniformly without replacement by one
    generator seeded with `seed`; rows_at(positions) gives their features. Both engines draw
    this way, so the same table in the same order gives the same samples on either."""
    rng = np.random.default_rng(seed)

    def draw(kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # rng.choice over the positions not kept, without listing them (n may be large): the
        # i-th of them is i plus the number of kept positions at or below it.
        picks = rng.choice(n - len(kept), size=size - len(kept), replace=False)
        drawn = picks + np.searchsorted(kept - np.arange(len(kept)), picks, side="right")
        sample = np.sort(np.concatenate([kept, drawn]))
        return sample, rows_at(sample)

    return draw


def clara(
    ks: list[int],
    metric: str,
    seed: int,
    samples: int,
    draw: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    deviations: Callable[[list[np.ndarray]], list[float]],
) -> dict[int, np.ndarray]:
    """CLARA as Kaufman and Rousseeuw defined it: FasterPAM on random samples, every later sample
    holding the best medoids so far (of every k) and starting from them; a k's medoids are replaced
    only when their total deviation over all rows is lower. One sample matrix serves every k.

    Rows are named by integer ids, and the best medoids of each k are returned as ids.
    draw(kept) gives a new sample that holds the rows `kept` (sorted ids): its ids, sorted and
    distinct, and its rows' features; deviations(candidates) gives each candidate medoid set's
    total deviation over all rows (one figure per set, in order)."""
    best_cost = dict.fromkeys(ks, math.inf)
    best_medoids: dict[int, np.ndarray] = {}
    for _ in range(samples):
        kept = (
            np.unique(np.concatenate(list(best_medoids.values())))
            if best_medoids
            else np.zeros(0, dtype=np.int64)
        )
        sample, rows = draw(kept)
        D = pairwise(rows, metric)
        if best_medoids:
            found = {k: fasterpam(D, np.searchsorted(sample, best_medoids[k]), None) for k in ks}
        else:
            found = grown_fasterpam(D, ks, seed)
        candidates = [sample[found[k]] for k in ks]
        for k, candidate, cost in zip(ks, candidates, deviations(candidates), strict=True):
            if cost < best_cost[k]:
                best_cost[k], best_medoids[k] = cost, candidate
    return best_medoids


def grown_fasterpam(D: np.ndarray, ks: list[int], seed: int) -> dict[int, np.ndarray]:
    """FasterPAM for every k: the smallest k from seeded random medoids, each larger k from the
    previous k's medoids plus one BUILD step.

    On samples of the real table (1,500 to 4,000 rows, k=2..10) this took half the time of a
    random start per k (0.13 s instead of 0.20 s at 1,500 rows, 1.4 s instead of 3.0 s at
    4,000), at total deviations within -0.5% to +0.8% of theirs; in CLARA's first sample it
    brought every k closer to full FasterPAM's deviation (benchmarks/README.md).
    """
    unit_weights = np.ones(len(D), dtype=np.float32)
    medoids: dict[int, np.ndarray] = {}
    found = None
    for k in sorted(ks):
        if found is None:
            found = fasterpam(D, k, seed)
        else:
            found = fasterpam(D, _build(D, unit_weights, k, found), None)
        medoids[k] = found
    return medoids


def _weighted_pam(D: np.ndarray, weights: np.ndarray, k: int, seed: int) -> np.ndarray:
    """k medoids minimising sum_o weights[o] * min_m D[o, m]: PAM swaps from a weighted BUILD and
    from WEIGHTED_RESTARTS random starts, keeping the cheapest. kmedoids takes no row weights; on a
    few hundred distinct rows this numpy search over the exact objective is cheap."""
    rng = np.random.default_rng(seed)
    starts = [_build(D, weights, k)]
    starts += [rng.choice(len(D), size=k, replace=False) for _ in range(WEIGHTED_RESTARTS)]
    best_medoids, best_cost = starts[0], math.inf
    for start in starts:
        medoids = _weighted_swap(D, weights, start)
        cost = float(weights @ D[:, medoids].min(axis=1))
        if cost < best_cost:
            best_medoids, best_cost = medoids, cost
    return best_medoids


def _tie_order(
    X: np.ndarray,
    first_rows: np.ndarray,
    weights: np.ndarray,
    medoid_rows: np.ndarray,
    metric: str,
    seed: int,
) -> np.ndarray:
    """The medoids in the priority order that breaks distance ties, chosen by the silhouette.
    X's distinct rows are X[first_rows]; weights[i] rows of X equal X[first_rows[i]].

    On discrete data many customers are equally near two medoids: on the product flags, 3,900 to
    6,100 customers at k=7..10, and where they go moved the silhouette by up to 0.10 at the same
    total deviation. finalise gives a tied row to the first medoid and numbers clusters by size,
    so each starting order settles into one size-ordered assignment; this tries the sorted order
    and TIE_ORDERS seeded shuffles, and keeps the assignment with the best silhouette (the first
    on a tie). The cost is the same for all, so the medoids stay the K-Medoids optimum; the
    choice depends only on the medoid set and the seed, not on the order the search found them.
    """
    points = X[first_rows]
    medoid_rows = np.sort(medoid_rows)
    if not nearest(points, X[medoid_rows], metric)[2]:  # no ties: one assignment
        return medoid_rows[finalise(points, X[medoid_rows], metric, weights)[2]]
    rng = np.random.default_rng(seed)
    starts = [np.arange(len(medoid_rows))]
    starts += [rng.permutation(len(medoid_rows)) for _ in range(TIE_ORDERS)]
    settled: dict[bytes, tuple[np.ndarray, np.ndarray]] = {}
    for start in starts:
        labels, _, order = finalise(points, X[medoid_rows[start]], metric, weights)
        settled.setdefault(labels.tobytes(), (medoid_rows[start][order], labels))
    if len(settled) == 1:
        return next(iter(settled.values()))[0]
    candidates = list(settled.values())
    scores = silhouette_scores(
        points, [labels for _, labels in candidates], metric, weights=weights
    )
    return candidates[int(np.argmax(scores))][0]


def _build(
    D: np.ndarray, weights: np.ndarray, k: int, start: np.ndarray | None = None
) -> np.ndarray:
    """PAM BUILD with row weights: from `start` (or the best single medoid), greedily add the
    medoid that lowers the cost most until there are k."""
    medoids = [int(np.argmin(weights @ D))] if start is None else [int(m) for m in start]
    nearest = D[:, medoids].min(axis=1)
    for _ in range(len(medoids), k):
        gains = weights @ np.maximum(nearest[:, None] - D, 0)
        gains[medoids] = -math.inf
        medoids.append(int(np.argmax(gains)))
        nearest = np.minimum(nearest, D[:, medoids[-1]])
    return np.array(medoids)


def _weighted_swap(D: np.ndarray, weights: np.ndarray, start: np.ndarray) -> np.ndarray:
    """PAM SWAP with row weights: make the best improving medoid swap until none improves."""
    medoids = np.array(start)
    k, rows = len(medoids), np.arange(len(D))
    tolerance = 1e-12 * max(float(weights @ D[:, medoids].min(axis=1)), 1.0)
    while True:
        to_medoids = D[:, medoids]
        ranked = np.argsort(to_medoids, axis=1, kind="stable")[:, :2]
        nearest, d1, d2 = (
            ranked[:, 0],
            to_medoids[rows, ranked[:, 0]],
            to_medoids[rows, ranked[:, 1]],
        )
        # Cost change of replacing medoid slot i by candidate c (the FastPAM1 decomposition): a row
        # not served by slot i moves to c if c is nearer; a row served by slot i goes to c or to its
        # second-nearest medoid, whichever is nearer.
        to_candidate = np.minimum(D - d1[:, None], 0) * weights[:, None]
        served_change = (np.minimum(D, d2[:, None]) - d1[:, None]) * weights[:, None] - to_candidate
        served_by_slot = np.zeros((k, len(D)))
        served_by_slot[nearest, rows] = 1
        change = to_candidate.sum(axis=0)[None, :] + served_by_slot @ served_change
        change[:, medoids] = math.inf
        slot, candidate = np.unravel_index(np.argmin(change), change.shape)
        if change[slot, candidate] >= -tolerance:
            return medoids
        medoids[slot] = candidate
