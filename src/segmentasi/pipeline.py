"""The whole job as one call: table -> validated table -> feature spaces -> sweep -> profiles."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ParamSpec

import pandas as pd

from . import io
from .algorithms import Clustering, distinct_row_count
from .diagnostics import (
    diagnose_experiment,
    feature_groups,
    start_null_references,
)
from .features import FeatureSpace
from .filters import FilterError, filter_rows
from .i18n import LANGUAGES
from .narrative import Insights, build_insights
from .outputs import reserve_folder
from .parallel import Workers, default_workers
from .profile import Profile, profile
from .quality import Finding, Handling, apply_handling, assess
from .report import report_template
from .report.build import experiment_section
from .results import ExperimentResult, RunOptions, RunResult
from .run_folder import staged_run_folder, write_data_files, write_report_and_manifest
from .schema import Experiment, Schema, load_schema
from .sweep import Progress, Space, StartedSweep, SweepOptions, SweepResult, run_sweep, start_sweep
from .validation import validate

P = ParamSpec("P")


def _holding_out(run_function: Callable[P, RunResult]) -> Callable[P, RunResult]:
    """Reserve the run folder `out` for the whole call (outputs.reserve_folder: checked, then
    locked from before the table is read until the folder is in place)."""

    @functools.wraps(run_function)
    def call(*args: P.args, **kwargs: P.kwargs) -> RunResult:
        out = kwargs.get("out")
        if out is None:
            return run_function(*args, **kwargs)
        data = args[0] if args else kwargs.get("data")
        inputs = [item for item in (data, kwargs.get("schema")) if isinstance(item, str | Path)]
        with reserve_folder(out, bool(kwargs.get("overwrite")), inputs=inputs):
            return run_function(*args, **kwargs)

    return call


@_holding_out
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
) -> RunResult:
    """Validate the table, run each experiment's sweep and profile its recommended segments.

    `lang` (id or en) is the language of the run folder's report. `diagnose` adds each
    experiment's clusterability diagnostics (a few seconds on a sample of rows). `workers`:
    processes for independent steps (default: one per core on tables of 10,000 rows or more);
    the results are the same for any number. `out`: also write the run folder there, as
    RunResult.save(out, overwrite) would; its data files are written while the workers draw
    the report's charts, which is faster than saving after the run. `out` is checked first and
    held for this call alone (see outputs.py for where a run folder may go). `decimal`: the
    decimal mark of numbers written as text (auto, '.' or ','; see io.read_table and
    validation.validate).
    """
    if lang not in LANGUAGES:
        raise io.InputError(f"language must be one of {', '.join(LANGUAGES)}, not '{lang}'")
    started = time.perf_counter()
    timings: dict[str, float] = {}
    schema = schema if isinstance(schema, Schema) else load_schema(schema)
    options = options or SweepOptions()
    handling = handling or Handling()
    names = experiments or list(schema.experiments)
    chosen = [schema.experiment(n) for n in names]
    raw, source = _read(data, decimal)
    table, _ = validate(
        raw, schema, allow_extra=allow_extra_columns, source=source.get("path", "table"),
        decimal=None if decimal == "auto" else decimal,
    )
    if where:
        table = _filter(table, where)
    quality = assess(table, schema)
    timings["validate_s"] = time.perf_counter() - started
    processes = default_workers(len(table)) if workers is None else workers
    recorded = RunOptions(tuple(names), where, handling, options, allow_extra_columns, lang,
                          processes)
    results = {}
    sections: dict[str, Future[dict[str, Any]]] = {}
    with Workers(processes) as pool:
        prepared = [_prepare(table, schema, experiment, handling, options) for experiment in chosen]
        # Cheapest first (fewest distinct rows): its results and report are done while the
        # workers still fit the expensive one, instead of after it.
        prepared.sort(key=lambda p: p.distinct_rows)
        started_sweeps = [start_sweep(p.sweep_spaces, options, pool) for p in prepared]
        # Every experiment is scored before any is finished: waiting on one experiment's
        # diagnostics would leave the next one's fits unscored while workers sit idle.
        scored = [
            _score_experiment(p, started_sweep, schema, options, progress, timings, pool,
                              diagnose)
            for p, started_sweep in zip(prepared, started_sweeps, strict=True)
        ]
        for p, (sweep, profiles, started_nulls) in zip(prepared, scored, strict=True):
            name = p.experiment.name
            results[name] = _finish_experiment(
                p, sweep, profiles, started_nulls, options, progress, timings, pool
            )
            if pool.processes > 1:  # a worker draws its charts while the next one computes
                alone = {name: results[name]}
                sections[name] = pool.submit(
                    experiment_section,
                    RunResult(schema, table, quality, alone, recorded, {}, source),
                    name,
                    lang,
                )
        ordered = {name: results[name] for name in names}
        computed = RunResult(schema, table, quality, ordered, recorded, timings, source)
        if out is None:
            return _finished(computed, sections, started)
        with staged_run_folder(computed, out, overwrite) as folder:
            write_data_files(computed, folder)  # while the workers draw the charts
            report_template()  # compiled meanwhile too
            result = _finished(computed, sections, started)
            write_report_and_manifest(result, folder)
    return result


def _finished(
    computed: RunResult, sections: dict[str, Future[dict[str, Any]]], started: float
) -> RunResult:
    """The run's result once the workers have drawn the report's charts."""
    drawn = {name: future.result() for name, future in sections.items()}
    timings = {**computed.timings, "total_s": time.perf_counter() - started}
    return replace(computed, timings=timings, report_sections=drawn)


def _read(
    data: pd.DataFrame | str | Path, decimal: str = "auto"
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The raw table and where it came from; a DataFrame is used as it is."""
    if isinstance(data, pd.DataFrame):
        return data, {"path": "DataFrame", "rows": len(data)}
    path = Path(data)
    frame = io.read_table(path, decimal)
    return frame, {"path": str(path), "sha256": io.file_sha256(path), "rows": len(frame)}


def _filter(table: pd.DataFrame, where: str) -> pd.DataFrame:
    try:
        kept = filter_rows(table, where)
    except FilterError as exc:
        raise FilterError(f"--where is not a valid filter: {exc}") from None
    if kept.empty:
        raise io.InputError(f"--where {where!r} keeps no rows")
    return kept


@dataclass(frozen=True)
class _Prepared:
    """One experiment's rows and feature spaces, ready to sweep."""

    experiment: Experiment
    used: pd.DataFrame
    actions: list[Finding]
    spaces: dict[str, FeatureSpace]
    sweep_spaces: dict[str, Space]
    distinct_rows: int  # in its sparsest space: what the fitting cost grows with


def _prepare(
    table: pd.DataFrame,
    schema: Schema,
    experiment: Experiment,
    handling: Handling,
    options: SweepOptions,
) -> _Prepared:
    used, actions = apply_handling(table, schema, handling, list(experiment.features))
    if len(used) <= max(options.ks):
        raise io.InputError(
            f"experiment '{experiment.name}': {len(used)} usable rows is too few for k up to "
            f"{max(options.ks)}"
        )
    standard = FeatureSpace(schema, experiment).fit(used)
    actions += [
        Finding(
            "imputed",
            enc.column,
            "info",
            {"rows": standard.imputed_[enc.column], "value": enc.fill_text()},
        )
        for enc in standard.encoders_
        if enc.column in standard.imputed_
    ]
    X = standard.transform(used)
    spaces = {"kmeans": standard, "kmedoids": standard}
    sweep_spaces = {
        "kmeans": Space(X, "euclidean", "standard"),
        "kmedoids": Space(X, experiment.metric, "standard"),
    }
    if experiment.metric == "gower":
        gower = FeatureSpace(schema, experiment, encoding="gower").fit(used)
        spaces["kmedoids"] = gower
        sweep_spaces["kmedoids"] = Space(gower.transform(used), gower.metric, "gower")
    # The algorithms usually share one matrix: count its rows once (0.6 s at 1,000,000 rows).
    matrices = {id(space.X): space.X for space in sweep_spaces.values()}
    distinct = min(distinct_row_count(matrix) for matrix in matrices.values())
    if distinct < max(options.ks):
        remedy = (f"lower --k-max to {distinct}, or cluster on other columns" if distinct >= 2
                  else "there is nothing to cluster")
        raise io.InputError(
            f"experiment '{experiment.name}': its features take only {distinct} different "
            f"combination(s) among {len(used):,} rows, too few for k up to {max(options.ks)}; "
            f"{remedy}"
        )
    return _Prepared(experiment, used, actions, spaces, sweep_spaces, distinct)


def _start_nulls(
    prepared: _Prepared, options: SweepOptions, workers: Workers
) -> dict[str, Future[pd.DataFrame]]:
    """The diagnostics' null references for the experiment's swept spaces: they need no fit."""
    spaces = {a: prepared.sweep_spaces[a] for a in options.algorithms}
    groups = {a: feature_groups(prepared.spaces[a]) for a in spaces}
    return start_null_references(spaces, sorted(options.ks), groups=groups, seed=options.seed,
                                 workers=workers)


def _score_experiment(
    prepared: _Prepared,
    started_sweep: StartedSweep,
    schema: Schema,
    options: SweepOptions,
    progress: Progress | None,
    timings: dict[str, float],
    workers: Workers,
    diagnose: bool,
) -> tuple[
    SweepResult, dict[str, Future[tuple[Profile, Insights]]], dict[str, Future[pd.DataFrame]] | None
]:
    """Finish one experiment's sweep, then start profiling every algorithm's chosen model and,
    when `diagnose`, the diagnostics' null references.

    The null references need no fit, but they are queued after the profiles: the profiles are
    on the way to the report, while the null fits can fill any worker's time until the end."""
    experiment = prepared.experiment
    clock = time.perf_counter()
    sweep = run_sweep(prepared.sweep_spaces, options, _reporter(progress, experiment), workers,
                      started_sweep)
    timings[f"{experiment.name}_sweep_s"] = time.perf_counter() - clock
    # Every algorithm's chosen model is profiled (models/ keeps each), side by side.
    profiles = {
        algorithm: workers.submit(
            _profile_and_insights, prepared.used, schema, experiment,
            sweep.fits[(algorithm, k)], prepared.spaces[algorithm], options.seed,
        )
        for algorithm, k in sweep.chosen.items()
    }
    nulls = _start_nulls(prepared, options, workers) if diagnose else None
    return sweep, profiles, nulls


def _finish_experiment(
    prepared: _Prepared,
    sweep: SweepResult,
    profiles: dict[str, Future[tuple[Profile, Insights]]],
    nulls: dict[str, Future[pd.DataFrame]] | None,
    options: SweepOptions,
    progress: Progress | None,
    timings: dict[str, float],
    workers: Workers,
) -> ExperimentResult:
    """Collect one scored experiment's profiles and diagnostics (when `nulls` were started)."""
    experiment, spaces = prepared.experiment, prepared.spaces
    clock = time.perf_counter()
    diagnostics = None
    if nulls is not None:
        _reporter(progress, experiment)("diagnostics", 0, 1)
        diagnostics = diagnose_experiment(sweep, spaces, seed=options.seed, workers=workers,
                                          nulls=nulls)
    interpreted = {algorithm: future.result() for algorithm, future in profiles.items()}
    timings[f"{experiment.name}_profiles_diagnostics_s"] = time.perf_counter() - clock
    segment_profile, insights = interpreted.pop(sweep.recommended[0])
    return ExperimentResult(
        experiment,
        spaces,
        sweep,
        prepared.used.index,
        segment_profile,
        tuple(prepared.actions),
        insights,
        diagnostics,
        interpreted,
    )


def _reporter(progress: Progress | None, experiment: Experiment) -> Progress:
    """Progress callback that names the experiment (a no-op without `progress`)."""

    def report(step: str, done: int, total: int) -> None:
        if progress:
            progress(f"{experiment.name}: {step}", done, total)

    return report


def _profile_and_insights(
    used: pd.DataFrame,
    schema: Schema,
    experiment: Experiment,
    fit: Clustering,
    space: FeatureSpace,
    seed: int,
) -> tuple[Profile, Insights]:
    segment_profile = profile(used, fit.labels, schema)
    return segment_profile, build_insights(used, schema, experiment, segment_profile, fit, space,
                                           seed)
