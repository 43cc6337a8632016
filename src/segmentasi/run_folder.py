"""The run folder: every table, matrix and record a run produces, written whole or not at all.

Layout (one sub-folder per experiment):
    manifest.json            versions, seed, schema, options, input checksum, timings
    report.html              the report for people, self-contained (see report/)
    report.pptx              the slides: the decision, each segment, the crosswalk, the limits
    segments.xlsx            the workbook: decision, segments, profiles, offers, call lists
    actions/<list_name>      the call list of each recommended action that has one
    segments.csv             the input table plus segment_<experiment> columns
    quality.json             findings, per-column summary, and what was done about them
    quality_columns.csv
    <experiment>/sweep.csv, sweep.json     metrics per (algorithm, k) and the k rule's choice
    <experiment>/labels.csv                every fitted labeling (one column per algorithm_k)
    <experiment>/features_<space>.npy      the matrix each algorithm clustered on (float32)
    <experiment>/features.json             feature names, fitted encoding, each algorithm's space
    <experiment>/models.json               centres / medoids of the chosen model per algorithm
    <experiment>/segmentation.model        the recommended model, to place new rows (see model.py)
    <experiment>/models/<algorithm>.model  each algorithm's chosen model
    <experiment>/profile_*.csv             segment profiles
    <experiment>/distinguishing.csv        every column ranked by how it sets each segment apart
    <experiment>/offers.csv, offer_validation.csv   offers per segment with each segment's own
                                               held-out check; the segmentation's held-out AUC
    <experiment>/product_verdicts.csv      per product: offered or not, and why (recommend.
                                           product_verdicts; explanation_id / _en in words)
    <experiment>/segment_names.json        segment names and narratives in both languages
    <experiment>/diagnostics.json          clusterability: Hopkins, null silhouette per algorithm, k
    <experiment>/combinations.csv          for 0/1 features with few combinations (product flags):
                                           each combination, its customers, segment and profile
    <experiment>/rules.json                the recommended model's rules (rules.py): conditions,
                                           segment, customers, agreement, faithful, proven exact;
                                           fidelity by depth and where the rules disagree
    <experiment>/rules.sql                 one query giving each customer the model's segment
                                           (sql.py; dialect DEFAULT_DIALECT, table "customers")

Every CSV here is written by files.write_csv: a text cell a spreadsheet would run as a formula
starts with an added ' (read_campaign_tables takes it off again), and a column of whole numbers
is written as integers (44607, not 44607.0; a missing value is an empty cell). CSVs never use
the report's number format: a dot decimal mark and no thousands separators.
"""

from __future__ import annotations

import datetime as dt
import json
import platform
from contextlib import AbstractContextManager
from dataclasses import asdict
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from . import files
from .decision import NO_STRUCTURE_MARGIN, Plan, near_shuffled, structure
from .deliverables import (
    ACTIONS_FOLDER,
    SLIDES_FILE,
    WORKBOOK_FILE,
    Planned,
    prepare,
    write_call_lists,
)
from .deliverables.slides import write_slides
from .deliverables.workbook import write_workbook
from .errors import InputError, quoted
from .model import MODEL_FILE, write_experiment_models
from .outputs import staged_folder
from .profile import segment_numbers
from .report import REPORT_FILE, write_report
from .rules import DEFAULT_DIALECT
from .schema import Schema, schema_from_dict
from .segment_rules import Rules
from .text.k_rule import sweep_reason

if TYPE_CHECKING:
    from .results import ExperimentResult, RunResult

FORMAT_VERSION = 1
RULES_JSON, RULES_SQL = "rules.json", "rules.sql"
PACKAGES = ("segmentasi", "numpy", "pandas", "scikit-learn", "scipy", "kmedoids", "kneed")


def write_run_folder(result: RunResult, out: str | Path, overwrite: bool = False) -> Path:
    """Write the run folder; it appears whole or not at all."""
    with staged_run_folder(result, out, overwrite) as folder:
        planned = write_data_files(result, folder)
        write_deck(result, folder, planned)
        write_report_and_manifest(result, folder)
    return Path(out).resolve()


def staged_run_folder(
    result: RunResult, out: str | Path, overwrite: bool = False
) -> AbstractContextManager[Path]:
    """The hidden folder to write `result`'s run folder into; put in place whole when the block
    ends, removed if it fails (outputs.staged_folder)."""
    source = result.source.get("path") if "sha256" in result.source else None
    return staged_folder(out, overwrite, inputs=[source])


def write_data_files(result: RunResult, folder: Path, plan: Plan | None = None) -> Planned:
    """Every file of the run folder but the report, the slides and the manifest; the plan
    (`plan` when at hand) and its call lists, for the slides."""
    segments = result.segments_table()
    files.write_csv(segments, folder / "segments.csv")
    quality = result.quality.to_dict()
    quality["actions"] = {
        name: [asdict(a) for a in exp.actions] for name, exp in result.experiments.items()
    }
    files.write_json(quality, folder / "quality.json")
    files.write_csv(result.quality.columns, folder / "quality_columns.csv")
    for name, exp in result.experiments.items():
        _write_experiment(exp, folder / name)
        model = write_experiment_models(result, name, folder / name)
        _write_rules(model.rules(), folder / name)
    planned = prepare(result, segments, plan)
    write_call_lists(planned, folder / ACTIONS_FOLDER)
    write_workbook(result, planned, folder / WORKBOOK_FILE, lang=result.options.lang)
    return planned


def write_deck(result: RunResult, folder: Path, planned: Planned) -> None:
    """The slides, in the run's language."""
    write_slides(result, planned, folder / SLIDES_FILE, lang=result.options.lang)


def write_report_and_manifest(result: RunResult, folder: Path) -> None:
    """The report, in the run's language, and the manifest: written last."""
    write_report(result, folder / REPORT_FILE, lang=result.options.lang)
    files.write_json(_manifest(result), folder / "manifest.json")


def _write_experiment(exp: ExperimentResult, folder: Path) -> None:
    folder.mkdir()
    sweep = exp.sweep
    files.write_csv(sweep.table, folder / "sweep.csv")
    null = structure(exp.experiment.name, exp).null_silhouette
    near = sweep.target_met and near_shuffled(sweep.recommended_silhouette, null)
    files.write_json(
        {
            "experiment": exp.experiment.name,
            "target_silhouette": sweep.target,
            "target_met": sweep.target_met,
            # the same algorithm and k on the same data with each column shuffled (null: not
            # measured), and the caveat every "met" carries when it comes that close
            "null_silhouette": None if np.isnan(null) else null,
            "target_note": (
                f"met, but the same data shuffled reach {null:.3f} (less than "
                f"{NO_STRUCTURE_MARGIN} apart): not natural groups"
                if near
                else None
            ),
            "recommended": {
                "algorithm": sweep.recommended[0],
                "k": sweep.recommended[1],
                "silhouette": sweep.recommended_silhouette,
            },
            "chosen_k": sweep.chosen,
            "knee": sweep.knees,
            "reasons": {a: sweep_reason(c) for a, c in sweep.choices.items()},
            "rows": sweep.table.to_dict(orient="records"),
        },
        folder / "sweep.json",
    )
    labels = pd.DataFrame(
        {
            f"{algorithm}_k{k}": segment_numbers(fit.labels)
            for (algorithm, k), fit in sweep.fits.items()
        }
    )
    labels.insert(0, "row", exp.rows.to_numpy() + 1)
    files.write_csv(labels, folder / "labels.csv")
    spaces: dict[str, Any] = {}
    for algorithm, space in sweep.spaces.items():
        path = folder / f"features_{space.name}.npy"
        if not path.exists():
            np.save(path, space.X)
        spaces[algorithm] = {"file": path.name, "metric": space.metric}
    files.write_json(
        {
            "feature_names": {a: fs.feature_names_ for a, fs in exp.spaces.items()},
            "encoding": {a: fs.describe() for a, fs in exp.spaces.items()},
            "spaces": spaces,
            "rows": "features row i is labels.csv row i; 'row' there is the 1-based input row",
        },
        folder / "features.json",
    )
    files.write_json(
        {
            algorithm: {
                "k": k,
                "metric": sweep.fits[(algorithm, k)].metric,
                "centers": sweep.fits[(algorithm, k)].centers,
                "medoid_rows": sweep.fits[(algorithm, k)].medoid_rows,
                "method": sweep.fits[(algorithm, k)].method,
            }
            for algorithm, k in sweep.chosen.items()
        },
        folder / "models.json",
    )
    for table_name, table in exp.profile.tables().items():
        files.write_csv(table, folder / f"profile_{table_name}.csv")
    _write_insights(exp, folder)
    if exp.combinations is not None:  # 0/1 features with few combinations
        files.write_csv(exp.combinations, folder / "combinations.csv")
    diagnostics = getattr(exp, "diagnostics", None)
    if diagnostics is not None:
        files.write_json(diagnostics.to_dict(), folder / "diagnostics.json")


def _write_rules(rules: Rules, folder: Path) -> None:
    """rules.json and rules.sql (in DEFAULT_DIALECT, over a table named "customers")."""
    files.write_json(rules.to_dict(), folder / RULES_JSON)
    (folder / RULES_SQL).write_text(rules.sql(DEFAULT_DIALECT), encoding="utf-8")


def _write_insights(exp: ExperimentResult, folder: Path) -> None:
    insights = exp.insights
    files.write_csv(insights.distinguishing, folder / "distinguishing.csv")
    files.write_csv(insights.offers, folder / "offers.csv")
    files.write_csv(insights.offer_validation, folder / "offer_validation.csv")
    files.write_csv(insights.product_verdicts, folder / "product_verdicts.csv")
    files.write_json(
        {"names": insights.names, "narratives": insights.narratives}, folder / "segment_names.json"
    )


def run_model_path(path: str | Path) -> Path:
    """A model for `assign`: `path` itself, or for a run folder the segmentation.model of its
    default experiment (see default_experiment)."""
    path = Path(path)
    if path.is_dir() and (path / "manifest.json").is_file() and not (path / MODEL_FILE).exists():
        return path / default_experiment(path) / MODEL_FILE
    return path


def experiment_model_path(path: str | Path, experiment: str | None = None) -> Path:
    """The recommended model of a run folder's `experiment`, or without one what
    run_model_path finds (a model file, an experiment folder, a run's default experiment)."""
    path = Path(path)
    if experiment is None:
        return run_model_path(path)
    if not (path.is_dir() and (path / "manifest.json").is_file()):
        raise InputError(f"{path}: --experiment needs a run folder made by `segmentasi run`")
    found = sorted(p.parent.name for p in path.glob(f"*/{MODEL_FILE}"))
    if experiment not in found:
        raise InputError(
            f"{path}: no model of experiment {quoted(experiment)} (experiments with a model: "
            f"{', '.join(found) or 'none'})"
        )
    return path / experiment / MODEL_FILE


def default_experiment(run_dir: str | Path) -> str:
    """The experiment `targets` uses when none is named: the run's first experiment (in the
    schema's order) that offers products it did not cluster on, else its first experiment
    with offers. Works for any schema, whatever its experiments are called."""
    run_dir = Path(run_dir)
    try:
        manifest = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
        schema = schema_from_dict(manifest["schema"], origin=str(run_dir / "manifest.json"))
        names = [n for n in manifest["options"]["experiments"] if isinstance(n, str)]
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        names, schema = [], None
    with_offers = [n for n in names if (run_dir / n / "offers.csv").is_file()]
    if not with_offers:
        with_offers = sorted(p.parent.name for p in run_dir.glob("*/offers.csv"))
    if not with_offers:
        raise InputError(
            f"{run_dir}: not a run folder made by `segmentasi run` "
            "(it has no experiment with offers)"
        )
    if schema is not None:
        products = {c.name for c in schema.products}
        for name in with_offers:
            if name in schema.experiments and not products & set(schema.experiments[name].features):
                return name
    return with_offers[0]


def read_campaign_tables(
    run_dir: str | Path, experiment: str
) -> tuple[Schema, pd.DataFrame, pd.DataFrame]:
    """A run folder's schema, segments table and one experiment's offers, for call lists."""
    run_dir = Path(run_dir)
    manifest_path, segments_path = run_dir / "manifest.json", run_dir / "segments.csv"
    if not (manifest_path.is_file() and segments_path.is_file()):
        raise InputError(
            f"{run_dir}: not a run folder (no manifest.json and segments.csv); "
            "create one with `segmentasi run`"
        )
    try:
        schema = schema_from_dict(
            json.loads(manifest_path.read_text(encoding="utf-8"))["schema"],
            origin=str(manifest_path),
        )
    except (ValueError, KeyError, TypeError, RecursionError):  # ValueError: JSON, UTF-8
        raise InputError(f"{manifest_path}: not a readable run manifest") from None
    offers_path = run_dir / experiment / "offers.csv"
    if not offers_path.is_file():
        found = sorted(p.parent.name for p in run_dir.glob("*/offers.csv"))
        raise InputError(
            f"{run_dir}: no offers for experiment '{experiment}' "
            f"(experiments with offers: {', '.join(found) or 'none'})"
        )
    id_column = schema.id_column.name if schema.id_column else None
    segments = _run_table(
        segments_path,
        dtype={files.spreadsheet_cell(id_column): str} if id_column else None,
        keep_default_na=False,
        na_values=[""],
    )
    offers = _run_table(offers_path)
    rate = "propensity" if "propensity" in offers else "rate"
    for column in ("segment", "product", "offered", rate):
        if column not in offers:
            raise InputError(f"{offers_path}: not an offers table (no column '{column}')")
    for column in ("segment", rate):
        if len(offers) and not pd.api.types.is_numeric_dtype(offers[column]):
            raise InputError(f"{offers_path}: column '{column}' holds values that are not numbers")
    return schema, segments, offers


def _run_table(path: Path, **options: Any) -> pd.DataFrame:
    """A CSV table segmentasi wrote into a run folder, or InputError if it was damaged."""
    try:
        return files.spreadsheet_restored(pd.read_csv(path, **options))
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        problem = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"{path}: not a readable table ({problem})") from None


def _manifest(result: RunResult) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "input": dict(result.source),
        "rows_validated": result.source.get("rows_validated", len(result.table)),
        "schema": result.schema.to_dict(),
        "options": result.options.to_dict(),
        "timings_s": {k: round(v, 3) for k, v in result.timings.items()},
    }


def package_versions() -> dict[str, str]:
    """Python's version and those of the packages a run's numbers depend on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions
