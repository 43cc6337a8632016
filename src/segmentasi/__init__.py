"""segmentasi: customer segmentation for banks.

import segmentasi
result = segmentasi.run("customers.csv", experiments=["demografi"])
segmentasi.save(result, "runs/today")
tracking = segmentasi.track("runs/today/demografi", "jan.csv", "feb.csv")
segmentasi.save_tracking(tracking, "tracking/feb")

Each public name is imported from its module when first used (PEP 562): importing the package,
or one of its modules as the command line does, loads only what is used. A command that runs
the computation still loads it all, but none loads what only other commands need (a run's
command line starts in less time, before its workers fork, on one core).
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .campaign import (
        Measurement,
        Power,
        Split,
        campaign_power,
        measure,
        split_control,
        synthesize_outcomes,
    )
    from .campaign_folder import save_measurement
    from .errors import InputError, UserError
    from .files import read_table
    from .infer import infer_schema
    from .job import run, save
    from .model import SavedModel, load_model
    from .period_shift import PeriodShift, period_shift
    from .quality import Handling, QualityReport, assess
    from .results import ExperimentResult, RunOptions, RunResult
    from .schema import Schema, SchemaError, builtin_schema, load_schema
    from .segment_rules import Rules
    from .sweep import SweepOptions
    from .synth import synthesize
    from .synth_dataset import synthesize_parquet
    from .track import Tracking, track
    from .tracking_folder import save_tracking
    from .validation import ValidationError, validate

# Each public name and the module it comes from.
_MODULES = {
    "ExperimentResult": "results",
    "Handling": "quality",
    "InputError": "errors",
    "Measurement": "campaign",
    "PeriodShift": "period_shift",
    "Power": "campaign",
    "QualityReport": "quality",
    "Rules": "segment_rules",
    "RunOptions": "results",
    "RunResult": "results",
    "SavedModel": "model",
    "Schema": "schema",
    "SchemaError": "schema",
    "Split": "campaign",
    "SweepOptions": "sweep",
    "Tracking": "track",
    "UserError": "errors",
    "ValidationError": "validation",
    "assess": "quality",
    "builtin_schema": "schema",
    "campaign_power": "campaign",
    "infer_schema": "infer",
    "load_model": "model",
    "load_schema": "schema",
    "measure": "campaign",
    "period_shift": "period_shift",
    "read_table": "files",
    "run": "job",
    "save": "job",
    "save_measurement": "campaign_folder",
    "save_tracking": "tracking_folder",
    "split_control": "campaign",
    "synthesize": "synth",
    "synthesize_parquet": "synth_dataset",
    "synthesize_outcomes": "campaign",
    "track": "track",
    "validate": "validation",
}


def __getattr__(name: str) -> Any:
    """A public name, imported from its module on first use."""
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULES})


class _Package(types.ModuleType):
    """This package. Importing a module binds it to its name in the package, which would hide
    the functions named like their modules (`track`, `period_shift`): they keep the name."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _MODULES.get(name) == name:
            value = getattr(value, name)
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package

__all__ = [
    "ExperimentResult",
    "Handling",
    "InputError",
    "Measurement",
    "PeriodShift",
    "Power",
    "QualityReport",
    "Rules",
    "RunOptions",
    "RunResult",
    "SavedModel",
    "Schema",
    "SchemaError",
    "Split",
    "SweepOptions",
    "Tracking",
    "UserError",
    "ValidationError",
    "__version__",
    "assess",
    "builtin_schema",
    "campaign_power",
    "infer_schema",
    "load_model",
    "load_schema",
    "measure",
    "period_shift",
    "read_table",
    "run",
    "save",
    "save_measurement",
    "save_tracking",
    "split_control",
    "synthesize",
    "synthesize_outcomes",
    "synthesize_parquet",
    "track",
    "validate",
]
