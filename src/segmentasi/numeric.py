"""What the fitting and scoring code checks and shares: input matrices, distance names, threads."""

from __future__ import annotations

import functools
from contextlib import AbstractContextManager
from typing import Any

import numpy as np
from numpy.typing import DTypeLike
from threadpoolctl import ThreadpoolController

METRICS = ("euclidean", "manhattan")
# The distance itself, as scipy's cdist names it.
CDIST_NAME = {"euclidean": "euclidean", "manhattan": "cityblock"}


def checked_matrix(X: np.ndarray, dtype: DTypeLike = None) -> np.ndarray:
    """X as a non-empty 2-D array of finite numbers (cast to `dtype` when given)."""
    matrix = np.asarray(X, dtype=dtype)
    if matrix.ndim != 2 or 0 in matrix.shape:
        raise ValueError(
            f"expected a non-empty 2-D matrix (rows x features), got shape {matrix.shape}"
        )
    if matrix.dtype.kind not in "biuf" or not np.isfinite(matrix).all():
        raise ValueError("the matrix must be numeric, with no NaN or infinite values")
    return matrix


def check_metric(metric: str) -> None:
    """Refuse a distance the algorithms do not offer."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}")


def one_thread(user_api: str | None = None) -> AbstractContextManager[Any]:
    """Hold the native thread pools (only BLAS's with user_api="blas") to one thread: a context
    manager, or, called without `with`, for good."""
    return _controller().limit(limits=1, user_api=user_api)


def blas_threads() -> int:
    """The most threads any loaded BLAS library uses now."""
    counts = [info["num_threads"] for info in _controller().select(user_api="blas").info()]
    return max(1, max(counts, default=1))


@functools.cache
def _controller() -> ThreadpoolController:
    """The process's BLAS and OpenMP libraries, found once: finding them takes about 2 ms, more
    than scoring a small problem, and the K-Medoids tie search scores 63-point problems about 60
    times a run. Importing segmentasi loads all of them first (numpy's and scipy's BLAS,
    scikit-learn's OpenMP); a forked worker inherits the same libraries."""
    return ThreadpoolController()
