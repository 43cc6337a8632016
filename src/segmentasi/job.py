"""A run from start to end: `run`, re-exported as `segmentasi.run`.

It holds the output folder, reads, validates and filters the table (through the engine), opens
the worker pool and has pipeline.py compute the experiments. As each experiment is done, a
worker draws its report charts (and, when the folder is written, its slides' charts) while the
next one computes; then, with the decision's plan made once, a worker draws the report's
decision page. The run folder's data files, call lists and workbook are written while they
draw, then the slides, while the workers finish the report's charts, then the report and the
manifest. Waiting for a chart no worker has started yet, this process draws it itself. The
RunResult is built once, with the drawn report sections, slide charts and the timings.
"""

from __future__ import annotations

import time
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from .decision import plan
from .engine import IN_PROCESS, Engine
from .errors import InputError
from .files import file_sha256
from .filters import FilterError, filter_rows
from .outputs import reserve_folder
from .parallel import Workers, default_workers
from .pipeline import experiment_results
from .quality import Handling, assess
from .results import RunOptions, RunResult
from .schema import Schema, load_schema
from .sweep import Progress, SweepOptions
from .text import check_language

T = TypeVar("T")


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
    with held:
        check_language(lang)
        started = time.perf_counter()
        engine = engine or IN_PROCESS
        schema = schema if isinstance(schema, Schema) else load_schema(schema)
        names = experiments or list(schema.experiments)
        for name in names:  # an unknown experiment is refused before the table is read
            schema.experiment(name)
        table, source = _checked_table(engine, data, schema, allow_extra_columns, where, decimal)
        quality = assess(table, schema)
        timings = {"validate_s": time.perf_counter() - started}
        run_options = RunOptions(
            tuple(names),
            where,
            handling or Handling(),
            options or SweepOptions(),
            allow_extra_columns,
            lang,
            default_workers(len(table)) if workers is None else workers,
        )
        # The report's modules (matplotlib among them) load with the first run, not with
        # `import segmentasi`; before the workers fork, so that they inherit them.
        from .deliverables.segments import segment_charts
        from .report import report_template
        from .report.build import experiment_section, overview_section
        from .run_folder import (
            staged_run_folder,
            write_data_files,
            write_deck,
            write_report_and_manifest,
        )

        with Workers(run_options.workers) as pool:
            results, sections, charts = {}, {}, {}
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
                if pool.processes > 1:  # a worker draws its charts while the next one computes
                    alone = RunResult(
                        schema, table, quality, {name: result}, run_options, {}, source
                    )
                    sections[name] = pool.submit(experiment_section, alone, name, lang)
                    if out is not None:  # and the slides' charts
                        charts[name] = pool.submit(segment_charts, alone, name, lang)
            computed = RunResult(
                schema, table, quality, {n: results[n] for n in names}, run_options, timings, source
            )
            if out is None:
                return _finished(computed, pool, sections, {}, None, started)
            decided = plan(computed)  # once, for the report, the slides and the workbook
            overview = pool.submit(overview_section, computed, lang, decided)
            with staged_run_folder(computed, out, overwrite) as folder:
                # while the workers draw the charts
                planned = write_data_files(computed, folder, decided)
                report_template()  # compiled meanwhile too
                # The slides as soon as their charts are drawn, while the workers finish the
                # report's; this process draws what no worker has taken yet meanwhile.
                pool.wait_all(charts.values(), helping=[*sections.values(), overview])
                write_deck(computed, folder, planned, _results(charts))
                finished = _finished(computed, pool, sections, charts, overview, started)
                write_report_and_manifest(finished, folder)
            return finished


def save(result: RunResult, out: str | Path, overwrite: bool = False) -> Path:
    """Write a run's folder (see run_folder.py); it appears whole or not at all. `overwrite`
    replaces only a run folder segmentasi wrote (see outputs.py)."""
    from .run_folder import write_run_folder  # the report's modules load with the first save

    return write_run_folder(result, out, overwrite)


def _checked_table(
    engine: Engine,
    data: pd.DataFrame | str | Path,
    schema: Schema,
    allow_extra_columns: bool,
    where: str | None,
    decimal: str,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The table read, validated and filtered, and where it came from (a DataFrame is used as
    it is)."""
    if isinstance(data, pd.DataFrame):
        raw, source = data, {"path": "DataFrame", "rows": len(data)}
    else:
        path = Path(data)
        raw = engine.read(path, decimal)
        source = {"path": str(path), "sha256": file_sha256(path), "rows": len(raw)}
    table = engine.validate(
        raw,
        schema,
        allow_extra=allow_extra_columns,
        source=source.get("path", "table"),
        decimal=None if decimal == "auto" else decimal,
    )
    return (_filter(table, where) if where else table), source


def _filter(table: pd.DataFrame, where: str) -> pd.DataFrame:
    try:
        kept = filter_rows(table, where)
    except FilterError as exc:
        raise FilterError(f"--where is not a valid filter: {exc}") from None
    if kept.empty:
        raise InputError(f"--where {where!r} keeps no rows")
    return kept


def _finished(
    computed: RunResult,
    pool: Workers,
    sections: dict[str, Future[dict[str, Any]]],
    charts: dict[str, Future[dict[int, Any]]],
    overview: Future[dict[str, Any]] | None,
    started: float,
) -> RunResult:
    """The run's result once the report's and the slides' charts are drawn; this process
    draws those no worker has taken yet."""
    pool.wait_all([*sections.values(), *charts.values(), *([overview] if overview else [])])
    timings = {**computed.timings, "total_s": time.perf_counter() - started}
    return replace(
        computed,
        timings=timings,
        report_sections=_results(sections),
        slide_charts=_results(charts),
        report_overview=overview.result() if overview else {},
    )


def _results(futures: dict[str, Future[T]]) -> dict[str, T]:
    return {name: future.result() for name, future in futures.items()}
