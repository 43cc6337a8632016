"""A run's computation: from a validated table to each experiment's result.

Per experiment: the handling rules, the feature spaces, the sweep over (algorithm, k), the
profile and insights of each algorithm's chosen model, and the clusterability diagnostics.
The steps that touch every row go through an engine (engine.py); independent steps run in
`workers`. Nothing here draws a chart or writes a file: job.py does, with what this yields.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .algorithms import Clustering, distinct_row_count
from .diagnostics import diagnose_experiment, feature_groups, start_null_references
from .engine import IN_PROCESS, SPACE_FIT_ROWS, Engine, Space
from .errors import InputError
from .features import FeatureSpace
from .narrative import Insights, build_insights
from .parallel import INLINE, Workers
from .profile import Profile, combinations
from .quality import Finding, Handling, apply_handling
from .results import ExperimentResult, RunOptions
from .row_order import first_in_order, row_numbers
from .rules import Placement, Surrogate, fit_rules
from .schema import Experiment, Schema
from .sweep import Progress, StartedSweep, SweepOptions, SweepResult, run_sweep, start_sweep


def compute(
    table: pd.DataFrame,
    schema: Schema,
    options: RunOptions,
    *,
    engine: Engine | None = None,
    workers: Workers = INLINE,
    progress: Progress | None = None,
    diagnose: bool = True,
) -> dict[str, ExperimentResult]:
    """Each experiment of options.experiments, by name and in that order, computed from a table
    `schema` validated; no charts, no folder. `diagnose` as in job.run."""
    done = experiment_results(
        table,
        schema,
        options,
        engine=engine,
        workers=workers,
        progress=progress,
        diagnose=diagnose,
        timings={},
    )
    results = {result.experiment.name: result for result in done}
    return {name: results[name] for name in options.experiments}


def experiment_results(
    table: pd.DataFrame,
    schema: Schema,
    options: RunOptions,
    *,
    engine: Engine | None,
    workers: Workers,
    progress: Progress | None,
    diagnose: bool,
    timings: dict[str, float],
) -> Iterator[ExperimentResult]:
    """Each experiment's result, cheapest first, as soon as it is done; the workers carry on
    with the others meanwhile, so the caller can give them more work between two results.
    Each experiment's seconds go into `timings`."""
    engine = engine or IN_PROCESS
    sweep_options = options.sweep
    prepared = [
        _prepare(engine, table, schema, schema.experiment(name), options.handling, sweep_options)
        for name in options.experiments
    ]
    # Cheapest first (fewest distinct rows): its results and report are done while the
    # workers still fit the expensive one, instead of after it.
    prepared.sort(key=lambda p: p.distinct_rows)
    started_sweeps = [start_sweep(p.sweep_spaces, sweep_options, workers, engine) for p in prepared]
    # Every experiment is scored before any is finished: waiting on one experiment's
    # diagnostics would leave the next one's fits unscored while workers sit idle.
    scored = [
        _score_experiment(
            engine, p, started_sweep, schema, sweep_options, progress, timings, workers, diagnose
        )
        for p, started_sweep in zip(prepared, started_sweeps, strict=True)
    ]
    for p, (sweep, profiles, rules, started_nulls) in zip(prepared, scored, strict=True):
        yield _finish_experiment(
            p,
            sweep,
            profiles,
            rules,
            started_nulls,
            schema,
            sweep_options,
            progress,
            timings,
            workers,
        )


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
    engine: Engine,
    table: pd.DataFrame,
    schema: Schema,
    experiment: Experiment,
    handling: Handling,
    options: SweepOptions,
) -> _Prepared:
    used, actions = apply_handling(table, schema, handling, list(experiment.features))
    # "drop" left no missing feature value; "impute" fills without marking.
    missing = {"impute": "fill", "drop": "fill"}.get(handling.missing, handling.missing)
    fit_on = _space_fitting_rows(table, used, options.seed)
    standard, X = engine.encode(used, schema, experiment, "standard", missing, fit_on)
    gower = gower_X = None
    if experiment.metric == "gower":
        gower, gower_X = engine.encode(used, schema, experiment, "gower", missing, fit_on)
    # Customers without a value the run sets aside are not placed in any segment.
    aside = np.zeros(len(used), dtype=bool)
    for column, rows in standard.set_aside_rows(used).items():
        actions.append(Finding("set_aside", column, "info", {"rows": int(rows.sum())}))
        aside |= rows
    if aside.any():
        used, X = used[~aside], X[~aside]
        gower_X = None if gower_X is None else gower_X[~aside]
    if len(used) <= max(options.ks):
        raise InputError(
            f"experiment '{experiment.name}': {len(used)} usable rows is too few for k up to "
            f"{max(options.ks)}"
        )
    # Cells filled (or marked) among the rows clustered: a set-aside customer's other gaps
    # are not filled into any segment.
    filled = {column: int(used[column].isna().sum()) for column in standard.imputed_}
    actions += [
        Finding(
            "indicated" if enc.indicator else "imputed",
            enc.column,
            "info",
            {"rows": filled[enc.column], "value": enc.fill_text()},
        )
        for enc in standard.encoders_
        if filled.get(enc.column)
    ]
    spaces = {"kmeans": standard, "kmedoids": standard}
    drop_missing = handling.missing == "drop"
    every_row = engine.all_rows(standard, drop_missing)
    numbers = row_numbers(used)
    sweep_spaces = {
        "kmeans": Space(X, "euclidean", "standard", every_row, numbers),
        "kmedoids": Space(X, experiment.metric, "standard", every_row, numbers),
    }
    if gower is not None:
        spaces["kmedoids"] = gower
        sweep_spaces["kmedoids"] = Space(
            gower_X, gower.metric, "gower", engine.all_rows(gower, drop_missing), numbers
        )
    # The algorithms usually share one matrix: count its rows once (0.6 s at 1,000,000 rows).
    matrices = {id(space.X): space.X for space in sweep_spaces.values()}
    distinct = min(distinct_row_count(matrix) for matrix in matrices.values())
    if distinct < max(options.ks):
        remedy = (
            f"lower --k-max to {distinct}, or cluster on other columns"
            if distinct >= 2
            else "there is nothing to cluster"
        )
        raise InputError(
            f"experiment '{experiment.name}': its features take only {distinct} different "
            f"combination(s) among {len(used):,} rows, too few for k up to {max(options.ks)}; "
            f"{remedy}"
        )
    return _Prepared(experiment, used, actions, spaces, sweep_spaces, distinct)


def _space_fitting_rows(table: pd.DataFrame, used: pd.DataFrame, seed: int) -> np.ndarray | None:
    """Which rows of `used` (the table's rows kept by the handling) the feature space is fitted
    on: those among the table's first SPACE_FIT_ROWS in the run's order (engine.py); None for
    all of them (a table no larger)."""
    if len(table) <= SPACE_FIT_ROWS:
        return None
    first = first_in_order(row_numbers(table), seed, SPACE_FIT_ROWS)
    return used.index.isin(table.index[first])


def _start_nulls(
    prepared: _Prepared, options: SweepOptions, workers: Workers
) -> dict[str, Future[pd.DataFrame]]:
    """The diagnostics' null references for the experiment's swept spaces: they need no fit."""
    spaces = {a: prepared.sweep_spaces[a] for a in options.algorithms}
    groups = {a: feature_groups(prepared.spaces[a]) for a in spaces}
    return start_null_references(
        spaces, sorted(options.ks), groups=groups, seed=options.seed, workers=workers
    )


def _score_experiment(
    engine: Engine,
    prepared: _Prepared,
    started_sweep: StartedSweep,
    schema: Schema,
    options: SweepOptions,
    progress: Progress | None,
    timings: dict[str, float],
    workers: Workers,
    diagnose: bool,
) -> tuple[
    SweepResult,
    dict[str, Future[tuple[Profile, Insights]]],
    Future[Surrogate],
    dict[str, Future[pd.DataFrame]] | None,
]:
    """Finish one experiment's sweep, then start profiling every algorithm's chosen model,
    fitting the recommended model's rules and, when `diagnose`, the diagnostics' null
    references.

    The null references need no fit, but they are queued after the profiles: the profiles are
    on the way to the report, while the null fits can fill any worker's time until the end."""
    experiment = prepared.experiment
    clock = time.perf_counter()
    sweep = run_sweep(
        prepared.sweep_spaces,
        options,
        _reporter(progress, experiment),
        workers,
        started_sweep,
        engine,
    )
    timings[f"{experiment.name}_sweep_s"] = time.perf_counter() - clock
    # Every algorithm's chosen model is profiled (models/ keeps each), side by side.
    profiles = {
        algorithm: workers.submit(
            _profile_and_insights,
            engine,
            prepared.used,
            schema,
            experiment,
            sweep.fits[(algorithm, k)],
            prepared.spaces[algorithm],
            options.seed,
        )
        for algorithm, k in sweep.chosen.items()
    }
    recommended = sweep.fits[sweep.recommended]
    placement = Placement.of_fit(prepared.spaces[sweep.recommended[0]], recommended)
    rules = workers.submit(fit_rules, prepared.used, recommended.labels, placement, options.seed)
    nulls = _start_nulls(prepared, options, workers) if diagnose else None
    return sweep, profiles, rules, nulls


def _finish_experiment(
    prepared: _Prepared,
    sweep: SweepResult,
    profiles: dict[str, Future[tuple[Profile, Insights]]],
    rules: Future[Surrogate],
    nulls: dict[str, Future[pd.DataFrame]] | None,
    schema: Schema,
    options: SweepOptions,
    progress: Progress | None,
    timings: dict[str, float],
    workers: Workers,
) -> ExperimentResult:
    """Collect one scored experiment's profiles, rules and diagnostics (when `nulls` were
    started); its product combinations are counted meanwhile."""
    experiment, spaces = prepared.experiment, prepared.spaces
    clock = time.perf_counter()
    diagnostics = None
    if nulls is not None:
        _reporter(progress, experiment)("diagnostics", 0, 1)
        diagnostics = diagnose_experiment(
            sweep, spaces, seed=options.seed, workers=workers, nulls=nulls
        )
    held = combinations(
        prepared.used, experiment.features, sweep.fits[sweep.recommended].labels, schema
    )
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
        rules=rules.result(),
        combinations=held,
    )


def _reporter(progress: Progress | None, experiment: Experiment) -> Progress:
    """Progress callback that names the experiment (a no-op without `progress`)."""

    def report(step: str, done: int, total: int) -> None:
        if progress:
            progress(f"{experiment.name}: {step}", done, total)

    return report


def _profile_and_insights(
    engine: Engine,
    used: pd.DataFrame,
    schema: Schema,
    experiment: Experiment,
    fit: Clustering,
    space: FeatureSpace,
    seed: int,
) -> tuple[Profile, Insights]:
    segment_profile = engine.profile(used, fit, schema)
    return segment_profile, build_insights(
        used, schema, experiment, segment_profile, fit, space, seed
    )
