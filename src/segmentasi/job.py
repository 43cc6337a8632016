"""A run from start to end: `run`, re-exported as `segmentasi.run`.

It holds the output folder, reads, validates and filters the table (through the engine), opens
the worker pool (a worker assesses the table's data quality) and has pipeline.py compute the
experiments. As each experiment is done, a worker draws its report charts while the next one
computes; then, with the decision's plan made once, a worker draws the report's decision page.
The run folder's data files, call lists and workbook are written while they draw, then the
slides (their charts are PowerPoint's own: nothing to draw), while the workers finish the
report's charts, then the report and the manifest. Waiting for a chart no worker has started
yet, this process draws it itself. The RunResult is built once, with the drawn report sections
and the timings.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from .decision import Plan, plan
from .engine import IN_PROCESS, Engine
from .outputs import reserve_folder
from .parallel import Workers, default_workers
from .pipeline import experiment_results
from .quality import Handling, assess
from .results import RunOptions, RunResult
from .schema import Schema, load_schema
from .sweep import Progress, SweepOptions
from .text import check_language


def run(
    data: pd.DataFrame | str | Path,
    *,
    schema: Schema | str | Path | None = None,
    experiments: list[str] | None = None,
    options: SweepOptions | None = None,
    handling: Handling | None = None,
    where: str | None = None,
    allow_extra_columns: bool = False,
    progress: Progress | None = None,
    lang: str = "id",
    diagnose: bool = True,
    workers: int | None = None,
    out: str | Path | None = None,
    overwrite: bool = False,
    decimal: str = "auto",
    engine: Engine | None = None,
) -> RunResult:
    """Validate the table, run each experiment's sweep and profile its recommended segments.

    `lang` (id or en) is the language of the run folder's report. `diagnose` adds each
    experiment's clusterability diagnostics (a few seconds on a sample of rows). `workers`:
    processes for independent steps (default: one per core on tables of 10,000 rows or more);
    the results are the same for any number. `out`: also write the run folder there, as
    save(result, out, overwrite) would; its data files are written while the workers draw
    the report's charts, which is faster than saving after the run. `out` is checked first and
    held for this call alone (see outputs.py for where a run folder may go). `decimal`: the
    decimal mark of numbers written as text (auto, '.' or ','; see files.read_table and
    validation.validate). `engine`: where the steps that touch every row run (engine.py;
    default: in this process).
    """
    inputs = [item for item in (data, schema) if isinstance(item, str | Path)]
    # Held from before the table is read until the folder is in place.
    held = nullcontext() if out is None else reserve_folder(out, overwrite, inputs=inputs)
    engine = engine or IN_PROCESS
    with held, engine.failures(), engine.watched(progress):
        check_language(lang)
        started = time.perf_counter()
        schema = schema if isinstance(schema, Schema) else load_schema(schema)
        names = experiments or list(schema.experiments)
        for name in names:  # an unknown experiment is refused before the table is read
            schema.experiment(name)
        options = options or SweepOptions()
        table, source = engine.load(
            data,
            schema,
            allow_extra=allow_extra_columns,
            where=where,
            decimal=decimal,
            seed=options.seed,
        )
        timings = {"validate_s": time.perf_counter() - started}
        run_options = RunOptions(
            tuple(names),
            where,
            handling or Handling(),
            options,
            allow_extra_columns,
            lang,
            _workers(engine, len(table), workers),
        )
        # The report's modules (matplotlib among them) load with the first run, not with
        # `import segmentasi`; before the workers fork, so that they inherit them.
        from .report import report_template

        with Workers(run_options.workers) as pool:
            # The data-quality report is not needed before the first experiment is done: a
            # worker makes it, not this process while the others wait for the table.
            assessed = pool.submit(assess, table, schema)
            results = {}
            drawn = _Drawn(pool, lang)
            for result in experiment_results(
                table,
                schema,
                run_options,
                engine=engine,
                workers=pool,
                progress=progress,
                diagnose=diagnose,
                timings=timings,
            ):
                name = result.experiment.name
                results[name] = result
                if pool.processes > 1:  # workers draw its charts while the next one computes
                    alone = RunResult(
                        schema, table, assessed.result(), {name: result}, run_options, {}, source
                    )
                    drawn.experiment(alone, name)
            timings |= engine.stage_seconds()
            computed = RunResult(
                schema,
                table,
                assessed.result(),
                {n: results[n] for n in names},
                run_options,
                timings,
                source,
            )
            if out is None:
                return drawn.finished(computed, started)
            # Only this process writes the folder: the modules it writes with (the workbook's
            # and the slides' libraries among them) load now, while the workers draw, not on
            # one core before they fork.
            from .run_folder import (
                staged_run_folder,
                write_data_files,
                write_deck,
                write_report_and_manifest,
            )

            decided = plan(computed)  # once, for the report, the slides and the workbook
            drawn.overview(computed, decided)
            with staged_run_folder(computed, out, overwrite) as folder:
                # while the workers draw the charts
                planned = write_data_files(computed, folder, decided)
                engine.write_every_row(computed, folder)
                report_template()  # compiled meanwhile too
                write_deck(computed, folder, planned)
                finished = drawn.finished(computed, started)
                # with the engine's stages since the sweep (the segments it wrote)
                finished = replace(finished, timings=finished.timings | engine.stage_seconds())
                write_report_and_manifest(finished, folder)
            engine.publish(Path(out))
            return finished


@dataclass
class _Drawn:
    """The charts a run has the workers draw, as they are submitted: each experiment's report
    section (in two halves, drawn at the same time) and the report's decision page. Waiting
    for them, this process draws those no worker has taken yet."""

    pool: Workers
    lang: str
    sections: dict[str, Future[dict[str, Any]]] = field(default_factory=dict)
    profiles: dict[str, Future[dict[str, Any]]] = field(default_factory=dict)
    decision: Future[dict[str, Any]] | None = None

    def experiment(self, alone: RunResult, name: str) -> None:
        """Submit the charts of experiment `name`, the only one of `alone`."""
        from .report.build import experiment_section, profile_section

        self.sections[name] = self.pool.submit(experiment_section, alone, name, self.lang, True)
        self.profiles[name] = self.pool.submit(profile_section, alone, name, self.lang)

    def overview(self, computed: RunResult, decided: Plan) -> None:
        """Submit the report's decision page and crosswalk."""
        from .report.build import overview_section

        self.decision = self.pool.submit(overview_section, computed, self.lang, decided)

    def finished(self, computed: RunResult, started: float) -> RunResult:
        """`computed` with every chart drawn, and the run's timings."""
        self.pool.wait_all(self._report())
        timings = {**computed.timings, "total_s": time.perf_counter() - started}
        return replace(
            computed,
            timings=timings,
            report_sections={
                name: {**section.result(), **self.profiles[name].result()}
                for name, section in self.sections.items()
            },
            report_overview=self.decision.result() if self.decision else {},
        )

    def _report(self) -> list[Future[dict[str, Any]]]:
        """The report's charts."""
        decision = [] if self.decision is None else [self.decision]
        return [*self.sections.values(), *self.profiles.values(), *decision]


def save(result: RunResult, out: str | Path, overwrite: bool = False) -> Path:
    """Write a run's folder (see run_folder.py); it appears whole or not at all. `overwrite`
    replaces only a run folder segmentasi wrote (see outputs.py)."""
    from .run_folder import write_run_folder  # the report's modules load with the first save

    return write_run_folder(result, out, overwrite)


def _workers(engine: Engine, rows: int, asked: int | None) -> int:
    """Worker processes for the run: as asked (default: one per core on large tables), none
    with an engine that does not pickle to them."""
    if not engine.parallel_workers:
        return 1
    return default_workers(rows) if asked is None else asked
