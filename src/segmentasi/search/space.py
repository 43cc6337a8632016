"""The configurations the search explores: a feature subset, a scale per scaled column (from a
scaling scheme) and a method (algorithm, distance, encoding); each becomes a RunConfig."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..config import RunConfig
from .data import ExperimentData
from .options import METHODS, SearchOptions

SCALED_ROLES = ("numeric", "derived_count", "ordinal")
LOG_SKEW = 1.0  # the "log" scheme logs a non-negative numeric column whose skewness exceeds this

State = tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]  # features, scales, method


class ConfigurationSpace:
    """The states (configurations without k) of one experiment, and their RunConfig."""

    def __init__(
        self, data: ExperimentData, options: SearchOptions, schema_origin: str | None
    ) -> None:
        self.schema, self.experiment = data.schema, data.experiment
        self.options, self.schema_origin = options, schema_origin
        self.skewed = {f for f in self.experiment.features if self._is_skewed(data.used, f)}

    def state(self, features: tuple[str, ...], scheme: str) -> State:
        """(features, scales, method) of K-Means; other methods via with_method."""
        return (tuple(features), self._scales(features, scheme), "kmeans")

    def with_method(self, state: State, method: str) -> State | None:
        """The state clustered by another method; None where that adds nothing (Gower on 0/1
        flags alone is the manhattan distance over a constant)."""
        scales = state[1]
        if METHODS[method][2] == "gower" and all(
            self.schema.column(f).role == "product" for f in state[0]
        ):
            return None
        if METHODS[method][2] == "gower":  # Gower scales by range; only a log changes its space
            scales = tuple((c, "log" if s == "log" else "standard") for c, s in scales)
        return (state[0], scales, method)

    def config(self, state: State, k_min: int, k_max: int) -> RunConfig:
        algorithm, metric, encoding = METHODS[state[2]]
        return RunConfig(
            experiment=self.experiment.name,
            features=state[0],
            scales=dict(state[1]),
            encoding=encoding,
            algorithms=(algorithm,),
            metric=metric,
            k_min=k_min,
            k_max=k_max,
            seed=self.options.seed,
            target_silhouette=self.options.target_silhouette,
            schema=self.schema_origin,
        )

    def _scales(self, features: Sequence[str], scheme: str) -> tuple[tuple[str, str], ...]:
        """Each scaled column's scale under a scaling scheme."""
        scales = []
        for name in features:
            column = self.schema.column(name)
            if column.role not in SCALED_ROLES:
                continue
            if scheme == "schema":
                scale = column.scale
            elif scheme == "log":
                scale = "log" if name in self.skewed else "standard"
            else:
                scale = scheme
            scales.append((name, scale))
        return tuple(scales)

    def _is_skewed(self, used: pd.DataFrame, name: str) -> bool:
        column = self.schema.column(name)
        if column.role != "numeric":
            return False
        values = used[name].dropna().to_numpy(dtype=np.float64)
        return bool(values.size > 2 and values.min() >= 0 and pd.Series(values).skew() > LOG_SKEW)
