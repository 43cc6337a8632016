"""The search of each experiment in turn, within a time budget they share."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pandas as pd

from .. import files
from ..errors import InputError
from ..schema import Schema, load_schema
from ..validation import validate
from .budget import Budget, Progress
from .data import ExperimentData
from .guardrails import Guardrails
from .measures import pareto_front
from .options import SearchOptions
from .results import ExperimentSearch, SearchRun
from .screening import Screening
from .space import ConfigurationSpace
from .verdict import hopkins_figures, plain_verdict
from .verification import Evaluation, Verification, null_silhouette


def search_configurations(
    data: pd.DataFrame | str | Path,
    *,
    schema: Schema | str | Path | None = None,
    experiments: Sequence[str] | None = None,
    options: SearchOptions | None = None,
    guardrails: Guardrails | None = None,
    progress: Progress | None = None,
    decimal: str = "auto",
) -> SearchRun:
    """Search each experiment's configurations; the time budget is shared across experiments.

    `decimal`: the decimal mark of numbers written as text (auto, '.' or ','), as for run().
    """
    options = options or SearchOptions()
    guardrails = guardrails or Guardrails()
    schema_origin = None if schema is None or isinstance(schema, Schema) else str(schema)
    schema = schema if isinstance(schema, Schema) else load_schema(schema)
    names = list(experiments or schema.experiments)
    chosen = [schema.experiment(n) for n in names]
    if isinstance(data, pd.DataFrame):
        raw, source = data, {"path": "DataFrame", "rows": len(data)}
    else:
        raw = files.read_table(data, decimal)
        source = {"path": str(data), "sha256": files.file_sha256(data), "rows": len(raw)}
    table, _ = validate(
        raw, schema, source=source["path"], decimal=None if decimal == "auto" else decimal
    )
    started = time.perf_counter()
    results = {}
    for position, experiment in enumerate(chosen):
        remaining = options.time_budget - (time.perf_counter() - started)
        share = max(remaining, 0.0) / (len(chosen) - position)
        budget = Budget(experiment.name, share, progress)
        results[experiment.name] = _search_experiment(
            table, schema, schema_origin, experiment.name, options, guardrails, budget
        )
    return SearchRun(results, options, guardrails, source, schema.name)


def _search_experiment(
    table: pd.DataFrame,
    schema: Schema,
    schema_origin: str | None,
    name: str,
    options: SearchOptions,
    guardrails: Guardrails,
    budget: Budget,
) -> ExperimentSearch:
    """Screen on a sample, verify the candidates on all rows, then conclude."""
    data = ExperimentData.prepare(
        table, schema, name, options.screen_rows, options.seed, guardrails.max_levels
    )
    if len(data.used) <= guardrails.k_min:
        raise InputError(
            f"experiment '{name}': {len(data.used)} usable rows is too few for k from "
            f"{guardrails.k_min}"
        )
    space = ConfigurationSpace(data, options, schema_origin)
    screening = Screening(data, space, options, guardrails, budget)
    screening.run()
    verification = Verification(data, space, guardrails)
    verification.run(screening.candidates(verification.passed), budget, options.max_verified)
    return _conclude(data, options, screening, verification, budget)


def _conclude(
    data: ExperimentData,
    options: SearchOptions,
    screening: Screening,
    verification: Verification,
    budget: Budget,
) -> ExperimentSearch:
    """The best, closest and front of the verified configurations (those shown with their null
    silhouette), the Hopkins figures and the verdict."""
    verified = verification.evaluations
    guarded = [e for e in verified if e.guarded]
    shown = {e.id for e in pareto_front(guarded)}
    shown |= {e.id for e in guarded if e.silhouette == max(g.silhouette for g in guarded)}
    if not guarded and verified:
        shown.add(_closest(verified).id)
    budget.tick("null reference silhouettes")
    verified = [
        replace(e, null_silhouette=null_silhouette(e)) if e.id in shown else e for e in verified
    ]
    guarded = [e for e in verified if e.guarded]
    best = max(guarded, key=lambda e: e.silhouette, default=None)
    closest = _closest(verified) if best is None and verified else None
    front = pareto_front(guarded)
    target = options.target_silhouette
    reachable = best is not None and best.silhouette >= target
    hopkins = hopkins_figures(data, best, options.seed)
    complete = screening.complete and verification.complete
    verdict, reasons = plain_verdict(
        data=data,
        target=target,
        screening=screening,
        verified=verified,
        verified_points=verification.points,
        best=best,
        closest=closest,
        reachable=reachable,
        hopkins_values=hopkins,
        complete=complete,
    )
    budget.tick("done")
    return ExperimentSearch(
        experiment=data.experiment.name,
        target=target,
        reachable=reachable,
        best=best,
        closest=closest,
        front=front,
        verified=verified,
        screened=screening.table(),
        screen_rows=data.screen_rows,
        verdict=verdict,
        reasons=reasons,
        hopkins=hopkins,
        complete=complete,
        seconds=budget.elapsed(),
    )


def _closest(verified: Sequence[Evaluation]) -> Evaluation:
    """Fewest guardrails broken, then the highest silhouette."""
    return min(verified, key=lambda e: (len(e.failures), -e.silhouette))
