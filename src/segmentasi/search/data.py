"""The rows and matrices every step of one experiment's search works on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..diagnostics import feature_groups
from ..features import FeatureSpace
from ..quality import Handling, apply_handling
from ..schema import Experiment, Schema
from .explanation import RawColumn


@dataclass(frozen=True)
class ExperimentData:
    """One experiment's rows, its seeded screen sample, its reference space (the standard
    encoding of all its features, where information kept is measured) and its raw columns."""

    schema: Schema
    experiment: Experiment
    table: pd.DataFrame  # the validated input table
    used: pd.DataFrame  # the rows the experiment clusters (default handling)
    screen_rows: np.ndarray  # positions in `used` of the screen sample, ascending
    screen_table: pd.DataFrame
    reference: np.ndarray
    reference_groups: list[list[int]]
    raw: dict[str, RawColumn]  # per feature, for the cross-tab and rule checks
    screen_raw: dict[str, RawColumn]

    @classmethod
    def prepare(
        cls,
        table: pd.DataFrame,
        schema: Schema,
        name: str,
        screen_rows: int,
        seed: int,
        max_levels: int,
    ) -> ExperimentData:
        experiment = schema.experiment(name)
        features = list(experiment.features)
        used, _ = apply_handling(table, schema, Handling(), features)
        rng = np.random.default_rng(seed)
        sample = np.sort(rng.choice(len(used), min(screen_rows, len(used)), replace=False))
        reference = FeatureSpace(schema, experiment).fit(used)
        raw = {f: RawColumn.of(used[f], max_levels) for f in features}
        return cls(
            schema=schema,
            experiment=experiment,
            table=table,
            used=used,
            screen_rows=sample,
            screen_table=used.iloc[sample],
            reference=reference.transform(used),
            reference_groups=feature_groups(reference),
            raw=raw,
            screen_raw={f: c.take(sample) for f, c in raw.items()},
        )
