"""segmentasi: customer segmentation for banks.

import segmentasi
result = segmentasi.run("customers.csv", experiments=["demografi"])
segmentasi.save(result, "runs/today")
tracking = segmentasi.track("runs/today/demografi", "jan.csv", "feb.csv")
segmentasi.save_tracking(tracking, "tracking/feb")
"""

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
from .version import __version__

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
