"""The Apache Spark engine: a run's row-wide steps where a large table lives.

SparkEngine implements the seam of engine.py on a Spark cluster (or `local[*]`). Every row stays
in Spark: it is read and validated there (spark/read.py, spark/validate.py), encoded there by the
run's own FeatureSpace (applied to each partition, so the features are the in-process engine's
to the bit), and the sweep's models are fitted (spark/kmeans.py, spark/clara.py), scored
(spark/silhouette.py) and sized over every row there. The driver holds a uniform sample of at
most `driver_rows` customers (every customer when the table is that small) for the steps that
work on a sample in-process too: stability, diagnostics, rules, the profiles' percentiles, the
report's per-customer charts. Every customer's segment is written by Spark as Parquet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..algorithms import Clustering, assign
from ..engine import SPACE_FIT_ROWS, CatalogTable, Engine, Space
from ..errors import UserError
from ..features import FeatureSpace
from ..metrics import silhouette_sample
from ..profile import Profile
from ..schema import Schema

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from ..model import SavedModel
    from ..results import RunResult
    from ..track import Tracking
    from .rows import EncodedRows, Fitted
    from .validate import ValidatedFrame

# Customers held on the driver for the steps that read a sample: the rows the feature space is
# fitted on in either engine (engine.SPACE_FIT_ROWS).
DRIVER_ROWS = SPACE_FIT_ROWS
# An encoded table is kept in partitions of about this many rows, at least one per core: every
# pass over it (each K-Means iteration, each CLARA candidate, each silhouette batch) runs a task
# per partition, and the 200 partitions a grouping leaves cost more in tasks than in rows.
ROWS_PER_PARTITION = 1_000_000
SEGMENTS_DATASET = "segments.parquet"


class SparkEngine(Engine):
    """The steps that touch every row, on Spark; see the module docstring."""

    name = "spark"
    parallel_workers = False  # the session lives in this process; Spark brings the parallelism

    def __init__(
        self,
        master: str = "local[*]",
        conf: Mapping[str, str] | None = None,
        *,
        driver_rows: int = DRIVER_ROWS,
        segments_table: str | None = None,
    ) -> None:
        if driver_rows < 1:
            raise ValueError(f"driver_rows must be at least 1, got {driver_rows}")
        self.master = master
        self.conf = dict(conf or {})
        self.driver_rows = driver_rows
        self.segments_table = segments_table  # a run's segments also go to this new table
        self._validated: ValidatedFrame | None = None
        self._schema: Schema | None = None
        self._seconds: dict[str, float] = {}
        self._cached: list[DataFrame] = []  # encoded tables kept in Spark's memory for the run
        self._owns_session: bool | None = None  # unknown until the session is first asked for
        self._progress: Callable[[str, int, int], None] | None = None

    def failures(self) -> AbstractContextManager[None]:
        """Spark's exceptions told in one line (spark/failures.py)."""
        from .failures import told_in_one_line

        return told_in_one_line(self.master)

    def stage_seconds(self) -> dict[str, float]:
        """Seconds per Spark stage of the last run: spark_<stage>_s."""
        return {f"spark_{stage}_s": seconds for stage, seconds in self._seconds.items()}

    @contextmanager
    def watched(self, progress: Callable[[str, int, int], None] | None) -> Iterator[None]:
        """While the block runs, each of the engine's stages has its own progress: the Spark
        tasks of its jobs done, of those started (spark/progress.py)."""
        self._progress = progress
        try:
            yield
        finally:
            self._progress = None

    @contextmanager
    def _stage(self, stage: str) -> Iterator[None]:
        from .progress import stage_progress

        started = time.perf_counter()
        try:
            if self._progress is None:
                yield
            else:
                with stage_progress(self.session.sparkContext, stage, self._progress):
                    yield
        finally:
            self._seconds[stage] = self._seconds.get(stage, 0.0) + time.perf_counter() - started

    @property
    def session(self) -> SparkSession:
        """The Spark session: the one running in this program, else one started on `master`
        (which close() stops)."""
        from .session import missing_requirement, spark_session

        if self._owns_session is None:
            reason = missing_requirement()
            if reason:
                raise UserError(reason)
            from pyspark.sql import SparkSession

            self._owns_session = SparkSession.getActiveSession() is None
        return spark_session(self.master, self.conf)

    def close(self) -> None:
        """Forget the table, and stop the Spark session if this engine started it."""
        from .session import stop_session

        self._validated = None
        for frame in self._cached:
            frame.unpersist()
        self._cached.clear()
        if self._owns_session:
            stop_session()
        self._owns_session = None

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
        """Every row validated and filtered on Spark; returned: the driver's sample of them (all
        rows when there are at most driver_rows: the first in the run's order for `seed`),
        typed as the in-process engine types them."""
        from pyspark import StorageLevel

        from .read import read_frame
        from .validate import filter_frame, validate_frame

        spark = self.session
        if self.segments_table is not None:  # refused now, not after the run
            from .write import check_new_table

            check_new_table(spark, self.segments_table)
        if isinstance(data, pd.DataFrame):
            raw = spark.createDataFrame(data.astype("string").astype(object))
            name, source = "DataFrame", {"path": "DataFrame"}
        else:
            raw = read_frame(spark, data, decimal)
            kind = "table" if isinstance(data, CatalogTable) else "path"
            name = data.name if isinstance(data, CatalogTable) else str(data)
            source = {kind: name}
        self._seconds = {}
        with self._stage("validate"):
            # Typed once, as it is checked, and kept: the sample, each experiment's encoding and
            # the segments written read it, and computing it again means reading and typing
            # every row again.
            validated = validate_frame(
                raw,
                schema,
                allow_extra=allow_extra,
                source=name,
                decimal=None if decimal == "auto" else decimal,
                keep=self._cached,
            )
            if where:
                validated = filter_frame(validated, where, schema)
                kept = validated.frame.persist(StorageLevel.MEMORY_AND_DISK)
                self._cached.append(kept)
                validated = replace(validated, frame=kept)
        self._validated, self._schema = validated, schema
        with self._stage("driver_sample"):
            sample = self._driver_sample(validated, seed)
        source |= {
            "rows": validated.rows,
            "rows_validated": validated.rows,
            "engine": self.name,
            "spark_master": self.master,
            "driver_rows": len(sample),
        }
        return sample, source

    def _driver_sample(self, validated: ValidatedFrame, seed: int) -> pd.DataFrame:
        """A uniform sample of driver_rows rows (all when fewer), in input order, indexed by the
        0-based input row as the in-process table is: the first rows in the run's order for
        `seed` (row_order.py; each row's key hashes its row number), so the same rows for the
        same table and seed however Spark partitions it, and the rows any sample of the run
        draws first (the silhouettes') are among them."""
        from .validate import ROW, order_key, to_pandas

        if self._held_whole(validated):
            return to_pandas(validated, self._schema)
        drawn = validated.frame.orderBy(order_key(seed), ROW).limit(self.driver_rows)
        return to_pandas(replace(validated, frame=drawn, rows=self.driver_rows), self._schema)

    def _held_whole(self, validated: ValidatedFrame) -> bool:
        """Whether the driver's sample is every row of the table."""
        return validated.rows <= self.driver_rows

    def all_rows(self, space: FeatureSpace, drop_missing: bool) -> EncodedRows | None:
        """Every row of the validated table in `space`, identical rows collapsed (weights), and
        cached. None when the driver's sample is every row (the sweep then runs in process on
        it, with the in-process engine's results) or before a table is loaded (a DataFrame
        given to compute() directly)."""
        from pyspark import StorageLevel

        from .rows import EncodedRows, collapse, feature_columns, in_order
        from .validate import typed_pandas

        validated, schema = self._validated, self._schema
        if validated is None or self._held_whole(validated):
            return None
        features = list(space.experiment.features)
        width = len(space.feature_names_)

        def encoded(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
            for batch in batches:
                table = typed_pandas(batch, schema)
                if drop_missing:
                    table = table.dropna(subset=features)
                aside = np.zeros(len(table), dtype=bool)
                for rows in space.set_aside_rows(table).values():
                    aside |= rows
                X = space.transform(table[~aside])
                yield pd.DataFrame(X, columns=columns)

        columns = feature_columns(width)
        cores = self.session.sparkContext.defaultParallelism
        partitions = max(cores, -(-validated.rows // ROWS_PER_PARTITION))
        with self._stage("encode"):
            frame = validated.frame.mapInPandas(encoded, ", ".join(f"{c} float" for c in columns))
            # Each customer kept once in the table's order too, for K-Medoids to draw its
            # samples by position as in process; identical rows collapsed for every pass.
            ordered = in_order(frame, width)
            self._cached.append(ordered.frame)
            every_row = collapse(
                EncodedRows(ordered.frame, width, space.metric, ordered.rows, ordered)
            )
            kept = every_row.frame.coalesce(partitions).persist(StorageLevel.MEMORY_AND_DISK)
            self._cached.append(kept)
            kept.count()
            return replace(every_row, frame=kept)

    def fit(
        self,
        space: Space,
        ks: Sequence[int],
        algorithm: str,
        *,
        seed: int,
        n_init: int | None = None,
    ) -> list[Clustering]:
        """Every k fitted on every row on Spark (K-Means: started from the driver sample's
        in-process fits, then Lloyd's iterations over every row; K-Medoids: CLARA, each
        candidate costed over every row); labels are the driver sample's, sizes every row's."""
        if space.rows is None:
            return super().fit(space, ks, algorithm, seed=seed, n_init=n_init)
        from .clara import fit_clara
        from .kmeans import fit_kmeans

        with self._stage(f"fit_{algorithm}"):
            if algorithm == "kmeans":
                fitted = fit_kmeans(space.rows, ks, sample=space.X, seed=seed, n_init=n_init)
            else:
                fitted = fit_clara(space.rows, ks, metric=space.metric, seed=seed)
        return [_clustering(space, algorithm, found) for found in fitted]

    def silhouettes(
        self, space: Space, fits: Sequence[Clustering], *, sample_size: int, seed: int
    ) -> tuple[np.ndarray | None, np.ndarray]:
        """Silhouettes of `sample_size` of the driver sample's rows, each against every row of
        the table on Spark, in the fits' own metric; when the driver holds every row and every
        row is to be scored, the exact silhouettes computed here, as in-process."""
        every_row_here = len(space.X) == space.size
        if space.rows is None or (every_row_here and sample_size >= space.size):
            return super().silhouettes(space, fits, sample_size=sample_size, seed=seed)
        from .silhouette import estimate_silhouettes

        # The in-process engine's rows: the first in the run's order among every row, which
        # are the first among the driver's sample when it was drawn with the same seed.
        scored = silhouette_sample(len(space.X), sample_size, seed, space.row_numbers)
        with self._stage("silhouettes"):
            values = estimate_silhouettes(
                space.rows,
                [fit.centers for fit in fits],
                space.metric,
                space.X[scored],
                [fit.labels[scored] for fit in fits],
            )
        return scored, np.vstack(values)

    def profile(self, table: pd.DataFrame, fit: Clustering, schema: Schema) -> Profile:
        """The driver sample's profile, with each segment's size and share over every row."""
        found = super().profile(table, fit, schema)
        if fit.sizes is None:
            return found
        segments = found.segments.copy()
        sizes = np.asarray(fit.sizes)[segments["segment"].to_numpy() - 1]
        segments["size"] = sizes
        segments["share"] = sizes / np.sum(fit.sizes)
        return replace(found, segments=segments)

    def place(
        self,
        model: SavedModel,
        source: str | Path | CatalogTable,
        *,
        out: str | None,
        out_table: str | None,
        lang: str,
        top_offers: int,
        impute_absent_columns: bool,
        decimal: str = "auto",
    ) -> tuple[dict[int, int], dict[str, int]]:
        """Every row of `source` placed by `model` (as SavedModel.assign places it), written as
        a Parquet dataset at `out` and/or the catalog table `out_table` (neither may exist);
        returned: rows per segment and unplaced rows per reason. When no row can be placed,
        what was written is removed and InputError raised."""
        from .placement import assign_frame, placement_counts
        from .read import read_frame
        from .write import remove_written, write_new

        spark = self.session
        assignment = assign_frame(
            model,
            read_frame(spark, source, decimal),
            lang=lang,
            top_offers=top_offers,
            impute_absent_columns=impute_absent_columns,
        )
        written = write_new(spark, assignment.frame, out=out, table=out_table)
        try:
            return placement_counts(replace(assignment, frame=written))
        except BaseException:
            remove_written(spark, out=out, table=out_table)
            raise

    def track(
        self,
        model: SavedModel,
        before: pd.DataFrame | str | Path | CatalogTable,
        after: pd.DataFrame | str | Path | CatalogTable,
        *,
        lang: str,
        duplicate_ids: str,
        decimal: str,
    ) -> Tracking:
        """Two periods (each a DataFrame, a path or a catalog table) tracked on Spark, as
        track.track tracks them in process: every row read, placed, joined and counted on
        Spark; the counts and the movers on the driver (spark/track.py)."""
        from .track import track_on_spark

        self._seconds = {}
        return track_on_spark(
            self.session,
            self._stage,
            model,
            before,
            after,
            lang=lang,
            duplicate_ids=duplicate_ids,
            decimal=decimal,
            engine=self.name,
        )

    def write_every_row(self, result: RunResult, folder: Path) -> None:
        """Every customer's segment in each experiment, as the recommended models place them,
        into folder/segments.parquet (Parquet, one part per Spark partition)."""
        from ..model import SavedModel
        from .placement import place_every_row
        from .validate import ROW

        validated = self._validated
        if validated is None:
            return
        id_column = result.schema.id_column
        models = {name: SavedModel.from_run(result, name) for name in result.experiments}
        every_row = place_every_row(
            validated.frame, ROW, None if id_column is None else id_column.name, models
        )
        with self._stage("write_segments"):
            every_row.write.parquet(str(folder / SEGMENTS_DATASET))

    def publish(self, folder: Path) -> None:
        """The complete run folder's segments.parquet copied into the new catalog table
        segments_table, if one was asked for. If that fails the folder stays, whole, and
        EngineFailure says so."""
        if self.segments_table is None or self._validated is None:
            return
        from ..errors import EngineFailure
        from .failures import translated
        from .write import write_new

        spark = self.session
        try:
            write_new(
                spark,
                spark.read.parquet(str(folder / SEGMENTS_DATASET)),
                out=None,
                table=self.segments_table,
            )
        except Exception as error:
            reason = error if isinstance(error, UserError) else translated(error, self.master)
            raise EngineFailure(
                f"the run folder {folder} is complete, but the table {self.segments_table} "
                f"was not written: {reason}"
            ) from None


def _clustering(space: Space, algorithm: str, found: Fitted) -> Clustering:
    """A fit on every row as the sweep holds it: clusters numbered by size (the largest is 0),
    labels of the driver sample's rows, sizes of every row's."""
    order = np.argsort(-np.asarray(found.sizes), kind="stable")
    centers = np.asarray(found.centers, dtype=np.float32)[order]
    labels = assign(space.X, centers, space.metric)[0]
    return Clustering(
        algorithm,
        int(found.k),
        space.metric,
        labels,
        centers,
        None,
        float(found.cost),
        found.method,
        sizes=np.asarray(found.sizes, dtype=np.int64)[order],
    )
