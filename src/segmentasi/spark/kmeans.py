"""K-Means on Spark: Spark ML's K-Means (k-means|| seeds, Lloyd's iterations) from a few seeds
per k, the lowest cost kept, the centres numbered by size as in process."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from pyspark.ml.clustering import KMeans
from pyspark.ml.feature import VectorAssembler

from ..algorithms.kmeans import KMEANS_MAX_ITER
from .assign import fitted_in_size_order
from .rows import WEIGHT, EncodedRows, Fitted, cached, feature_columns

_FEATURES = "features"


def fit_kmeans(rows: EncodedRows, ks: Sequence[int], *, seed: int, n_init: int = 3) -> list[Fitted]:
    """K-Means for every k in ks on the whole table (weighted rows count as their customers):
    n_init runs of Spark ML's K-Means, seeds seed .. seed + n_init - 1, each k keeping the run
    of the lowest cost (the first on a tie). Iterations stop when no centre moves more than
    1e-4 or after as many as in process (KMEANS_MAX_ITER)."""
    ks = [int(k) for k in ks]
    if not ks or min(ks) < 2:
        raise ValueError(f"give one or more k of at least 2, got {ks}")
    if n_init < 1:
        raise ValueError(f"n_init must be at least 1, got {n_init}")
    assembler = VectorAssembler(inputCols=feature_columns(rows.dims), outputCol=_FEATURES)
    assembled = assembler.transform(rows.frame).select(
        _FEATURES, *([WEIGHT] if rows.weighted else [])
    )
    weighting = {"weightCol": WEIGHT} if rows.weighted else {}  # None is refused
    found = []
    with cached(assembled) as frame:
        for k in ks:
            best_cost, best_centers = np.inf, None
            for run_seed in range(seed, seed + n_init):
                model = KMeans(
                    k=k,
                    seed=run_seed,
                    initMode="k-means||",
                    maxIter=KMEANS_MAX_ITER,
                    featuresCol=_FEATURES,
                    **weighting,
                ).fit(frame)
                centers = np.array(model.clusterCenters(), dtype=np.float32)
                if len(centers) < k:  # Spark ML's answer when fewer distinct rows than k
                    raise ValueError(
                        f"k={k} exceeds the number of distinct rows ({len(centers)}); at most "
                        f"{len(centers)} clusters can be formed"
                    )
                if model.summary.trainingCost < best_cost:
                    best_cost, best_centers = model.summary.trainingCost, centers
            found.append(best_centers)
    return fitted_in_size_order(
        rows, found, "kmeans", "euclidean", f"spark-kmeans|| n_init={n_init}"
    )
