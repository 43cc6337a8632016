"""The engine seam: the steps of a run that touch every row, in one small class.

Reading the table, validating it, encoding features (a FeatureSpace fitted, the matrix made),
fitting the sweep's models, assigning rows to centres, scoring silhouettes and profiling
segments go through an Engine; the rest (the k rule, the profiles' wording, the report, the
saved-model format) is shared. It is here for a second engine, Apache Spark, that runs these
steps where a large table lives.

`Engine` itself runs every step in this process (and its workers) on pandas and numpy: it is the
default engine (IN_PROCESS) and declares the seam once. Another engine subclasses it and
overrides each step, and must give the same results for the same input and seed: a run folder
must not depend on where it was computed. An engine is sent to worker processes with each task,
so it must pickle.
"""

from __future__ import annotations

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


class Engine:
    """The steps that touch every row, run in this process; see the module docstring."""

    def read(self, path: Path, decimal: str) -> pd.DataFrame:
        """The raw table in the file at `path`, cells as text."""
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
        """The table typed by `schema`; ValidationError listing every problem."""
        return validate(raw, schema, allow_extra=allow_extra, source=source, decimal=decimal)[0]

    def encode(
        self,
        table: pd.DataFrame,
        schema: Schema,
        experiment: Experiment,
        encoding: str,
        missing: str = "set-aside",
    ) -> tuple[FeatureSpace, np.ndarray]:
        """The experiment's feature space fitted on `table`, and `table` in it; `missing` as
        in FeatureSpace."""
        space = FeatureSpace(schema, experiment, encoding=encoding, missing=missing).fit(table)
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
        """One clustering of every row per k."""
        return fit_sweep(X, ks, algorithm, metric=metric, seed=seed, n_init=n_init)

    def assign(
        self, X: np.ndarray, centers: np.ndarray, metric: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's nearest centre and the distance to it."""
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
        """Per-row silhouettes of each labeling: rows scored (None: all), values."""
        return silhouette_rows(X, labelings, metric, sample_size=sample_size, seed=seed)

    def profile(self, table: pd.DataFrame, labels: np.ndarray, schema: Schema) -> Profile:
        """The segments' sizes and profiles."""
        return profile(table, labels, schema)


IN_PROCESS = Engine()
