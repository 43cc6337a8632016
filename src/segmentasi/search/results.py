"""What a search found: per experiment, and for the whole run."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..files import json_safe
from .guardrails import Guardrails
from .options import SearchOptions
from .verification import Evaluation


@dataclass(frozen=True)
class ExperimentSearch:
    """What the search found for one experiment."""

    experiment: str
    target: float
    reachable: bool
    best: Evaluation | None  # the best guarded configuration (highest silhouette)
    closest: Evaluation | None  # when none passed: fewest guardrails broken, then silhouette
    front: list[Evaluation]  # Pareto front of guarded configurations, by information kept
    verified: list[Evaluation]  # every configuration verified on all rows
    screened: pd.DataFrame  # every screened (configuration, k), figures on the screen sample
    screen_rows: np.ndarray
    verdict: str
    reasons: list[str]
    hopkins: dict[str, float]  # experiment_/best_ permuted and uniform; distinct and sample rows
    complete: bool
    seconds: float

    @property
    def excluded(self) -> list[Evaluation]:
        return [e for e in self.verified if not e.guarded]

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment,
            "target_silhouette": self.target,
            "reachable": self.reachable,
            "verdict": self.verdict,
            "reasons": self.reasons,
            "best": None if self.best is None else self.best.id,
            "closest": None if self.closest is None else self.closest.id,
            "front": [e.id for e in self.front],
            "verified": [e.to_record() for e in self.verified],
            "hopkins": self.hopkins,
            "screened_configurations": len(self.screened),
            "screen_rows": len(self.screen_rows),
            "complete": self.complete,
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class SearchRun:
    """A whole search: each experiment's findings, the options, guardrails and input."""

    experiments: dict[str, ExperimentSearch]
    options: SearchOptions
    guardrails: Guardrails
    source: dict[str, Any]
    schema_name: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record (NaN becomes null)."""
        return json_safe(
            {
                "source": self.source,
                "schema": self.schema_name,
                "options": asdict(self.options),
                "guardrails": asdict(self.guardrails),
                "information_kept": "share of the variance of the experiment's standard encoding "
                "of all its features that lies between segments (R^2)",
                "experiments": {name: s.to_dict() for name, s in self.experiments.items()},
            }
        )
