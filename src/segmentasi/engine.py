"""The engine seam: the steps of a run that touch every row, behind one small interface.

Reading the table, validating it, encoding features (a FeatureSpace fitted, the matrix made),
fitting the sweep's models, assigning rows to centres, scoring silhouettes and profiling
segments go through an Engine; the rest (the k rule, the profiles' wording, the report, the
saved-model format) is shared. It is here for a second engine, Apache Spark, that runs these
steps where a large table lives. Any engine must give the same results as InProcessEngine for
the same input and seed: a run folder must not depend on where it was computed.

InProcessEngine, the default, runs them in this process (and its workers) on pandas and numpy.
An engine is sent to worker processes with each task, so it must pickle.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from . import files
from .algorithms import Clustering, assign, fit_sweep
from .features import FeatureSpace
from .metrics import silhouette_rows
from .profile import Profile, profile
from .schema import Experiment, Schema
from .validation import validate


class Engine(ABC):
    """The steps that touch every row; see the module docstring for what an engine guarantees."""

    @abstractmethod
    def read(self, path: Path, decimal: str) -> pd.DataFrame:
        """The raw table in the file at `path`, cells as text (files.read_table)."""

    @abstractmethod
    def validate(
        self,
        raw: pd.DataFrame,
        schema: Schema,
        *,
        allow_extra: bool,
        source: str,
        decimal: str | None,
    ) -> pd.DataFrame:
        """The table typed by `schema`; ValidationError listing every problem (validate)."""

    @abstractmethod
    def encode(
        self, table: pd.DataFrame, schema: Schema, experiment: Experiment, encoding: str
    ) -> tuple[FeatureSpace, np.ndarray]:
        """The experiment's feature space fitted on `table`, and `table` in it."""

    @abstractmethod
    def fit(
        self,
        X: np.ndarray,
        ks: Sequence[int],
        algorithm: str,
        *,
        metric: str,
        seed: int,
        n_init: int | None = None,
    ) -> list[Clustering]:
        """One clustering of every row per k (algorithms.fit_sweep)."""

    @abstractmethod
    def assign(
        self, X: np.ndarray, centers: np.ndarray, metric: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's nearest centre and the distance to it (algorithms.assign)."""

    @abstractmethod
    def silhouettes(
        self,
        X: np.ndarray,
        labelings: Sequence[np.ndarray],
        metric: str,
        *,
        sample_size: int,
        seed: int,
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Per-row silhouettes of each labeling: rows scored (None: all), values
        (metrics.silhouette_rows)."""

    @abstractmethod
    def profile(self, table: pd.DataFrame, labels: np.ndarray, schema: Schema) -> Profile:
        """The segments' sizes and profiles (profile.profile)."""


class InProcessEngine(Engine):
    """Every step in this process, by the functions named in Engine's docstrings."""

    def read(self, path: Path, decimal: str) -> pd.DataFrame:
        return files.read_table(path, decimal)

    def validate(
        self,
        raw: pd.DataFrame,
        schema: Schema,
        *,
        allow_extra: bool,
        source: str,
        decimal: str | None,
    ) -> pd.DataFrame:
        return validate(raw, schema, allow_extra=allow_extra, source=source, decimal=decimal)[0]

    def encode(
        self, table: pd.DataFrame, schema: Schema, experiment: Experiment, encoding: str
    ) -> tuple[FeatureSpace, np.ndarray]:
        space = FeatureSpace(schema, experiment, encoding=encoding).fit(table)
        return space, space.transform(table)

    def fit(
        self,
        X: np.ndarray,
        ks: Sequence[int],
        algorithm: str,
        *,
        metric: str,
        seed: int,
        n_init: int | None = None,
    ) -> list[Clustering]:
        return fit_sweep(X, ks, algorithm, metric=metric, seed=seed, n_init=n_init)

    def assign(
        self, X: np.ndarray, centers: np.ndarray, metric: str
    ) -> tuple[np.ndarray, np.ndarray]:
        return assign(X, centers, metric)

    def silhouettes(
        self,
        X: np.ndarray,
        labelings: Sequence[np.ndarray],
        metric: str,
        *,
        sample_size: int,
        seed: int,
    ) -> tuple[np.ndarray | None, np.ndarray]:
        return silhouette_rows(X, labelings, metric, sample_size=sample_size, seed=seed)

    def profile(self, table: pd.DataFrame, labels: np.ndarray, schema: Schema) -> Profile:
        return profile(table, labels, schema)


IN_PROCESS = InProcessEngine()
