"""What a run produces: its options, each experiment's result and the run's result.

Plain values: pipeline.py computes the experiments' results, job.py assembles the run's, and
the run folder, the report and saved models read them. Their mappings are read-only copies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from .diagnostics import Diagnostics
from .features import FeatureSpace
from .narrative import Insights
from .profile import Profile, segment_numbers
from .quality import Finding, Handling, QualityReport
from .rules import Surrogate
from .schema import Experiment, Schema
from .sweep import SweepOptions, SweepResult


class _ReadOnlyMappings:
    """For frozen dataclasses: each mapping field holds a read-only copy of what it was given
    (pickled for the workers as a plain dict)."""

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, Mapping):
                object.__setattr__(self, item.name, MappingProxyType(dict(value)))

    def __reduce__(self) -> tuple[type, tuple[Any, ...]]:
        values = (getattr(self, item.name) for item in fields(self))
        return type(self), tuple(dict(v) if isinstance(v, MappingProxyType) else v for v in values)


@dataclass(frozen=True)
class RunOptions:
    """What a run was asked to do; `to_dict` is the record in its manifest."""

    experiments: tuple[str, ...]
    where: str | None = None
    handling: Handling = field(default_factory=Handling)
    sweep: SweepOptions = field(default_factory=SweepOptions)
    allow_extra_columns: bool = False
    lang: str = "id"  # of the run folder's report
    workers: int = 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"experiments": list(self.experiments)}


@dataclass(frozen=True)
class ExperimentResult(_ReadOnlyMappings):
    experiment: Experiment
    spaces: Mapping[str, FeatureSpace]  # by algorithm (the same object where they share one)
    sweep: SweepResult
    rows: pd.Index  # rows of the table the experiment clustered (after the handling rules)
    profile: Profile
    actions: tuple[Finding, ...]
    insights: Insights  # of the recommended model
    diagnostics: Diagnostics | None = None  # clusterability: Hopkins and null silhouettes
    # Profile and insights of each other algorithm's chosen model (saved in models/).
    alternatives: Mapping[str, tuple[Profile, Insights]] = field(default_factory=dict)
    rules: Surrogate | None = None  # the recommended model's rules (rules.py)
    # The recommended model's profile.combinations: each combination of the features with its
    # segment, where they are 0/1 flags with few combinations (else None).
    combinations: pd.DataFrame | None = None

    @property
    def labels(self) -> np.ndarray:
        """Labels of the recommended model, aligned with `rows`."""
        return self.sweep.fits[self.sweep.recommended].labels


@dataclass(frozen=True)
class RunResult(_ReadOnlyMappings):
    schema: Schema
    table: pd.DataFrame
    quality: QualityReport
    experiments: Mapping[str, ExperimentResult]
    options: RunOptions
    timings: Mapping[str, float]
    source: Mapping[str, Any] = field(default_factory=dict)
    # Report sections per experiment, in options.lang, drawn during the run when it had
    # workers to spare; the report draws whatever is missing.
    report_sections: Mapping[str, Mapping[str, Any]] = field(default_factory=dict, repr=False)
    # The report's decision page and crosswalk (report.build.overview_section), in
    # options.lang, drawn likewise when the run wrote its folder; else the report draws them.
    report_overview: Mapping[str, Any] = field(default_factory=dict, repr=False)

    def segments_table(self) -> pd.DataFrame:
        """The input table plus a segment column per experiment (empty for rows left out)."""
        out = self.table.copy()
        for name, result in self.experiments.items():
            column = pd.Series(pd.NA, index=out.index, dtype="Int64")
            column.loc[result.rows] = segment_numbers(result.labels)
            out[f"segment_{name}"] = column
        return out
