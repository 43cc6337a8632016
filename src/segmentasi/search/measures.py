"""The second axis of the search, information kept, and the Pareto front of the two."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


def information_kept(reference: np.ndarray, labels: np.ndarray) -> float:
    """R^2 of the labels in the reference space: between-segment share of the total variance."""
    X = np.asarray(reference, dtype=np.float64)
    _, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes).astype(np.float64)
    sums = np.zeros((len(counts), X.shape[1]))
    np.add.at(sums, codes, X)
    total = float(((X - X.mean(axis=0)) ** 2).sum())
    between = float(((sums / counts[:, None] - X.mean(axis=0)) ** 2 * counts[:, None]).sum())
    return between / total if total > 0 else 0.0


def pareto_front(
    points: Iterable[Any], x: str = "information_kept", y: str = "silhouette"
) -> list[Any]:
    """Points no other point beats on both attributes, ordered by x ascending."""
    ordered = sorted(points, key=lambda p: (-getattr(p, y), -getattr(p, x)))
    front, best_x = [], -np.inf
    for point in ordered:
        if getattr(point, x) > best_x:
            front.append(point)
            best_x = getattr(point, x)
    return sorted(front, key=lambda p: getattr(p, x))
