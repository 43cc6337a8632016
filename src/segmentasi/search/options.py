"""What the search explores, on how many rows, and for how long."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .. import search_defaults as default
from ..errors import InputError

SCALING_SCHEMES = ("schema", "standard", "robust", "log", "none")
METHODS = {  # name: (algorithm, distance, encoding)
    "kmeans": ("kmeans", "euclidean", "standard"),
    "kmedoids-euclidean": ("kmedoids", "euclidean", "standard"),
    "kmedoids-manhattan": ("kmedoids", "manhattan", "standard"),
    "kmedoids-gower": ("kmedoids", "manhattan", "gower"),
}


@dataclass(frozen=True)
class SearchOptions:
    target_silhouette: float = 0.7
    time_budget: float = default.TIME_BUDGET  # seconds for all experiments together
    seed: int = 0
    screen_rows: int = 2000
    beam_width: int = 4
    max_verified: int = 60
    scalings: tuple[str, ...] = SCALING_SCHEMES
    methods: tuple[str, ...] = tuple(METHODS)

    def __post_init__(self) -> None:
        unknown = [s for s in self.scalings if s not in SCALING_SCHEMES]
        unknown += [m for m in self.methods if m not in METHODS]
        if unknown:
            raise InputError(f"unknown scaling(s) or method(s): {unknown}")
        if self.time_budget <= 0 or self.screen_rows < 50 or self.max_verified < 1:
            raise InputError("time budget, screen rows and verified count must be positive")
        if not math.isfinite(self.time_budget):
            raise InputError(
                f"the time budget must be a finite number of seconds, not {self.time_budget}"
            )
