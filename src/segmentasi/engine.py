"""The engine seam: the steps of a run that touch every row, in one small class.

Reading the table, validating and filtering it, encoding features (a FeatureSpace fitted, the
matrix made), fitting the sweep's models, assigning rows to centres, scoring silhouettes and
profiling segments go through an Engine; the rest (the k rule, the profiles' wording, the
report, the saved-model format) is shared.

`Engine` itself runs every step in this process (and its workers) on pandas and numpy: it is the
default engine (IN_PROCESS) and declares the seam once. It holds every row in memory: `load`
returns the whole table and each Space's X is every row.

A distributed engine (segmentasi.spark.SparkEngine) keeps every row where it lives: its `load`
returns a uniform sample of the table (at most its `driver_rows`, all rows when the table is that
small) for the steps that read a sample anyway (stability, diagnostics, rules, the report's
per-customer charts), and `all_rows` gives each Space a handle to every row, on which it fits,
scores and sizes the segments. It must give the same results as this engine for the same input
and seed, up to the sampling it states. The in-process engine is sent to worker processes with
each task, so it pickles; an engine that cannot (`parallel_workers` False) runs with none.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import files
from .algorithms import Clustering, assign, fit_sweep
from .errors import InputError
from .features import FeatureSpace
from .filters import FilterError, filter_rows
from .metrics import silhouette_rows
from .profile import Profile, profile
from .schema import Experiment, Schema
from .validation import validate

# A feature space is fitted on the customers among the table's first SPACE_FIT_ROWS in the run's
# order (row_order.py): all of a table this size or smaller; of a larger one, a uniform sample
# whose centres, scales and fills differ from every row's by a small share of a standard
# deviation, and the very rows the Spark engine holds on its driver (its sample is those rows),
# so both engines fit the same space and encode every customer alike.
SPACE_FIT_ROWS = 200_000


@dataclass(frozen=True)
class Space:
    """The matrix an algorithm clusters on and the distance it uses there; `rows`: the engine's
    handle to every row of it when X holds a sample (None: X is every row); `row_numbers`: X's
    rows' rows in the input table (None: 0..len(X)-1), which place them in the run's order
    (row_order.py)."""

    X: np.ndarray
    metric: str
    name: str
    rows: Any = None
    row_numbers: np.ndarray | None = None

    @property
    def size(self) -> int:
        """Rows of the whole table in this space (the handle's `rows` when X is a sample)."""
        return len(self.X) if self.rows is None else int(self.rows.rows)


@dataclass(frozen=True)
class CatalogTable:
    """A table in the Spark catalog (Hive, or a JDBC source configured in Spark), by name: read
    by the Spark engine only."""

    name: str


def refuse_catalog_table(source: object, done: str) -> None:
    """InputError when `source` is a table of the Spark catalog, which only the Spark engine
    reads: "NAME: a table of the Spark catalog is `done` on Spark only"."""
    if isinstance(source, CatalogTable):
        raise InputError(
            f"{source.name}: a table of the Spark catalog is {done} on Spark only: pass "
            "engine=SparkEngine(...)"
        )


class Engine:
    """The steps that touch every row, run in this process; see the module docstring."""

    name = "in-process"
    parallel_workers = True

    def load(
        self,
        data: pd.DataFrame | str | Path | CatalogTable,
        schema: Schema,
        *,
        allow_extra: bool,
        where: str | None,
        decimal: str,
        seed: int = 0,
    ) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The table read, validated and filtered, and where it came from (a DataFrame is used
        as it is; a catalog table is refused: only the Spark engine reads one); `decimal` as in
        run; `seed`: the run's, which orders the rows an engine may sample (row_order.py)."""
        refuse_catalog_table(data, "read")
        if isinstance(data, pd.DataFrame):
            raw, source = data, {"path": "DataFrame", "rows": len(data)}
        else:
            path = Path(data)
            raw = self.read(path, decimal)
            source = {"path": str(path), "sha256": files.file_sha256(path), "rows": len(raw)}
        table = self.validate(
            raw,
            schema,
            allow_extra=allow_extra,
            source=source.get("path", "table"),
            decimal=None if decimal == "auto" else decimal,
        )
        return (filtered(table, where) if where else table), source

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
        fit_on: np.ndarray | None = None,
    ) -> tuple[FeatureSpace, np.ndarray]:
        """The experiment's feature space fitted on `table` (on its rows `fit_on`, a boolean
        mask, when given), and `table` in it; `missing` as in FeatureSpace."""
        fitting = table if fit_on is None else table[fit_on]
        space = FeatureSpace(schema, experiment, encoding=encoding, missing=missing).fit(fitting)
        return space, space.transform(table)

    def all_rows(self, space: FeatureSpace, drop_missing: bool) -> Any:
        """A handle to every row of the table in `space` (rows without a value the space sets
        aside left out; with `drop_missing`, rows missing a feature too), for Space.rows;
        None here, where X is every row."""
        return None

    def fit(
        self,
        space: Space,
        ks: Sequence[int],
        algorithm: str,
        *,
        seed: int,
        n_init: int | None = None,
    ) -> list[Clustering]:
        """One clustering per k, of every row; labels are those of space.X's rows."""
        return fit_sweep(space.X, ks, algorithm, metric=space.metric, seed=seed, n_init=n_init)

    def assign(
        self, X: np.ndarray, centers: np.ndarray, metric: str
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's nearest centre and the distance to it."""
        return assign(X, centers, metric)

    def silhouettes(
        self, space: Space, fits: Sequence[Clustering], *, sample_size: int, seed: int
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Per-row silhouettes of each fit against every row: rows of space.X scored (None:
        all), values. `sample_size` rows are scored when it is below the number of rows."""
        labelings = [fit.labels for fit in fits]
        return silhouette_rows(
            space.X,
            labelings,
            space.metric,
            sample_size=sample_size,
            seed=seed,
            row_numbers=space.row_numbers,
        )

    def profile(self, table: pd.DataFrame, fit: Clustering, schema: Schema) -> Profile:
        """The segments' sizes and profiles; `table` holds the rows fit.labels label."""
        return profile(table, fit.labels, schema)

    def close(self) -> None:
        """Release what the engine holds (nothing here)."""

    def failures(self) -> AbstractContextManager[None]:
        """A block in which the engine's own failures become UserError (the user's to fix) or
        errors.EngineFailure (the engine could not finish); nothing to translate here."""
        return nullcontext()

    def watched(
        self, progress: Callable[[str, int, int], None] | None
    ) -> AbstractContextManager[None]:
        """A block in which the engine reports its own stages to `progress` (step, done,
        total); nothing here, where the sweep reports its steps itself."""
        return nullcontext()

    def stage_seconds(self) -> dict[str, float]:
        """Seconds spent in each of the engine's own stages, for the run's timings (none
        here: the run times its steps itself)."""
        return {}

    def track(
        self,
        model: Any,
        before: Any,
        after: Any,
        *,
        lang: str,
        duplicate_ids: str,
        decimal: str,
    ) -> Any:
        """Two periods tracked under a saved model by this engine (a track.Tracking), or None
        where track.py tracks them in this process, as here."""
        return None

    def write_every_row(self, result: Any, folder: Path) -> None:
        """Every customer's segments, where the engine keeps the rows, into the run folder being
        written; nothing here: segments.csv holds every row (run_folder.py)."""

    def publish(self, folder: Path) -> None:
        """Once the run folder is complete at `folder`: copy its segments where the user asked
        the engine to (a Spark catalog table); nothing here."""


def filtered(table: pd.DataFrame, where: str) -> pd.DataFrame:
    """The rows of `table` the --where filter keeps; FilterError or InputError when none."""
    try:
        kept = filter_rows(table, where)
    except FilterError as exc:
        raise FilterError(f"--where is not a valid filter: {exc}") from None
    if kept.empty:
        raise InputError(f"--where {where!r} keeps no rows")
    return kept


IN_PROCESS = Engine()
