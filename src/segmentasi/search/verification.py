"""Step 2 of the search: candidates fitted and scored on every row, by running exactly what
`segmentasi run --config` runs; every silhouette the search reports comes from here."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from ..config import RunConfig, labels_digest
from ..diagnostics import feature_groups, null_reference_silhouette
from ..pipeline import compute
from ..results import ExperimentResult, RunOptions
from ..schema import Schema
from .budget import Budget
from .data import ExperimentData
from .explanation import Explanation, explain_by_raw_columns
from .guardrails import Guardrails
from .measures import information_kept
from .screening import Point
from .space import ConfigurationSpace

NULL_ROWS = 2000


@dataclass(frozen=True)
class Evaluation:
    """A configuration fitted and scored on every row, exactly as `run --config` does."""

    id: str
    config: RunConfig
    silhouette: float
    silhouette_ci: tuple[float, float]
    silhouette_exact: bool
    rows: int
    smallest_segment_share: float
    stability_ari: float
    information_kept: float
    features_share: float
    explanation: Explanation  # what few raw columns (or value combinations) it is closest to
    failures: tuple[str, ...]  # guardrails it breaks, in words; empty = a real segmentation
    labels: np.ndarray = field(repr=False)
    space: np.ndarray = field(repr=False)  # the matrix it clustered
    groups: list[list[int]] = field(repr=False)
    null_silhouette: float | None = None  # same method on its columns shuffled (front, best)
    failure_kinds: tuple[str, ...] = ()  # FAILURE_WORDS keys of the failures

    @property
    def guarded(self) -> bool:
        return not self.failures

    @property
    def k(self) -> int:
        return self.config.k_min

    def to_record(self) -> dict[str, Any]:
        config = self.config
        return {
            "id": self.id,
            "features": list(config.features),
            "n_features": len(config.features),
            "scales": config.scales,
            "encoding": config.encoding,
            "algorithm": config.algorithms[0],
            "metric": config.metric,
            "k": self.k,
            "seed": config.seed,
            "silhouette": self.silhouette,
            "silhouette_ci_low": self.silhouette_ci[0],
            "silhouette_ci_high": self.silhouette_ci[1],
            "silhouette_exact": self.silhouette_exact,
            "rows": self.rows,
            "smallest_segment_share": self.smallest_segment_share,
            "stability_ari": self.stability_ari,
            "information_kept": self.information_kept,
            "features_share": self.features_share,
            "guarded": self.guarded,
            "failures": list(self.failures),
            "closest_explanation": self.explanation.describe(),
            "explanation_kind": self.explanation.kind,
            "explanation_columns": list(self.explanation.columns),
            "explanation_accuracy": self.explanation.accuracy,
            "explanation_silhouette": self.explanation.silhouette,
            "explanation_others_explained": self.explanation.others_explained,
            "null_silhouette": self.null_silhouette,
            "labels_sha256": labels_digest(self.labels),
            "config_file": f"configs/{self.id}.toml",
        }

    def broken_guardrails(self, guardrails: Guardrails) -> list[tuple[str, str]]:
        """(kind, words) for each guardrail broken; kinds are the keys of FAILURE_WORDS."""
        config, found = self.config, []
        if self.smallest_segment_share < guardrails.min_segment_share:
            found.append(
                (
                    "small segment",
                    f"smallest segment holds "
                    f"{self.smallest_segment_share:.1%} of customers (minimum "
                    f"{guardrails.min_segment_share:.0%})",
                )
            )
        if not guardrails.k_min <= self.k <= guardrails.k_max:
            found.append(("k", f"k={self.k} is outside {guardrails.k_min}..{guardrails.k_max}"))
        if len(config.features) < guardrails.min_features:
            found.append(
                (
                    "features",
                    f"uses {len(config.features)} features (minimum {guardrails.min_features})",
                )
            )
        if not self.stability_ari >= guardrails.min_stability:  # NaN (not measurable) fails too
            found.append(
                (
                    "unstable",
                    f"unstable under resampling: mean ARI "
                    f"{self.stability_ari:.2f} (minimum {guardrails.min_stability:.2f})",
                )
            )
        if self.explanation.is_degenerate(guardrails, self.silhouette):
            found.append(
                (self.explanation.kind, f"not a clustering: it is {self.explanation.describe()}")
            )
        return found


class Verification:
    """The candidates of one experiment verified on all rows, in turn."""

    def __init__(
        self, data: ExperimentData, space: ConfigurationSpace, guardrails: Guardrails
    ) -> None:
        self.data, self.space, self.guardrails = data, space, guardrails
        self.evaluations: list[Evaluation] = []
        self.points: set[int] = set()  # id() of each screened point verified
        self.complete = True  # False when the time budget stopped it

    def passed(self) -> int:
        """How many candidates verified so far pass the guardrails."""
        return sum(e.guarded for e in self.evaluations)

    def run(self, candidates: Iterable[Point], budget: Budget, max_verified: int) -> None:
        """Verify candidates until max_verified are, the budget is spent or none are left."""
        for point in candidates:
            if len(self.evaluations) >= max_verified:
                break
            if self.evaluations and budget.over():
                self.complete = False
                break
            if id(point) in self.points:
                continue
            budget.tick(f"verifying on all {len(self.data.used):,} rows")
            config = self.space.config(point.state, point.k, point.k)
            evaluation_id = f"c{len(self.evaluations) + 1:02d}"
            self.evaluations.append(verify(config, evaluation_id, self.data, self.guardrails))
            self.points.add(id(point))


def verify(
    config: RunConfig, evaluation_id: str, data: ExperimentData, guardrails: Guardrails
) -> Evaluation:
    """One configuration (a single k) fitted and scored on every row of the experiment."""
    exp = run_config(data.table, data.schema, config)
    algorithm, k = config.algorithms[0], config.k_min
    fit = exp.sweep.fits[(algorithm, k)]
    row = exp.sweep.table.iloc[0]
    if not exp.rows.equals(data.used.index):
        raise RuntimeError("the verification run clustered other rows than the search")
    X = exp.sweep.spaces[algorithm].X
    groups = feature_groups(exp.spaces[algorithm])
    explanation = explain_by_raw_columns(
        {f: data.raw[f] for f in config.features},
        fit.labels,
        X,
        groups,
        config.metric,
        float(row.silhouette),
        guardrails,
        config.seed,
    )
    shares = np.bincount(fit.labels, minlength=k) / len(fit.labels)
    evaluation = Evaluation(
        id=evaluation_id,
        config=config,
        silhouette=float(row.silhouette),
        silhouette_ci=(float(row.silhouette_ci_low), float(row.silhouette_ci_high)),
        silhouette_exact=bool(row.silhouette_exact),
        rows=len(fit.labels),
        smallest_segment_share=float(shares.min()),
        stability_ari=float(row.stability_ari),
        information_kept=information_kept(data.reference, fit.labels),
        features_share=len(config.features) / len(data.experiment.features),
        explanation=explanation,
        failures=(),
        labels=fit.labels,
        space=X,
        groups=groups,
    )
    broken = evaluation.broken_guardrails(guardrails)
    evaluation = replace(
        evaluation,
        failures=tuple(words for _, words in broken),
        failure_kinds=tuple(kind for kind, _ in broken),
    )
    expected = {
        "silhouette": evaluation.silhouette,
        "rows": evaluation.rows,
        "smallest_segment_share": evaluation.smallest_segment_share,
        "stability_ari": evaluation.stability_ari,
        "information_kept": evaluation.information_kept,
        "passes_guardrails": evaluation.guarded,
        "labels_sha256": labels_digest(fit.labels),
    }
    return replace(evaluation, config=replace(config, expected=expected))


def run_config(table: pd.DataFrame, base: Schema, config: RunConfig) -> ExperimentResult:
    """What `segmentasi run --config` computes for the configuration, on the validated table:
    the computation alone, with no worker pool, charts or folder."""
    options = RunOptions((config.experiment,), sweep=config.sweep_options())
    results = compute(table, config.schema_for(base), options, diagnose=False)
    return results[config.experiment]


def null_silhouette(evaluation: Evaluation) -> float:
    """The silhouette of the same method and k on the evaluation's columns shuffled."""
    config = evaluation.config
    null = null_reference_silhouette(
        evaluation.space,
        [evaluation.k],
        config.algorithms[0],
        config.metric,
        seed=config.seed,
        n_perm=2,
        groups=evaluation.groups,
        sample_rows=NULL_ROWS,
    )
    return float(null["null_silhouette"].iloc[0])
