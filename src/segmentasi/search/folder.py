"""The search folder: what a search found, written whole or not at all."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .. import files
from ..outputs import SEARCH_FOLDER, write_folder_atomically
from .results import ExperimentSearch, SearchRun


def write_search_folder(run: SearchRun, out: str | Path, overwrite: bool = False) -> Path:
    """Layout:
    search.json                 options, guardrails, and per experiment the verdict, the
                                reasons and every verified configuration with its figures
    <experiment>/verified.csv   every verified configuration (all rows), with failures
    <experiment>/front.csv      the Pareto front of guarded configurations
    <experiment>/best.toml      the best guarded configuration (absent when none passed)
    <experiment>/configs/<id>.toml   each verified configuration: `run --config` reruns it
    <experiment>/labels.csv     segment numbers of each verified configuration, per input row
    <experiment>/spaces/<id>.npy     the matrix each verified configuration clustered
    <experiment>/screened.csv   screening figures (on the screen sample; for the record only)
    """

    def fill(folder: Path) -> None:
        files.write_json(run.to_dict(), folder / "search.json")
        for name, result in run.experiments.items():
            _write_experiment_search(result, folder / name)

    source = run.source.get("path") if "sha256" in run.source else None
    return write_folder_atomically(out, fill, overwrite, kind=SEARCH_FOLDER, inputs=[source])


def _write_experiment_search(result: ExperimentSearch, folder: Path) -> None:
    (folder / "configs").mkdir(parents=True)
    (folder / "spaces").mkdir()
    records = [e.to_record() for e in result.verified]
    for evaluation, record in zip(result.verified, records, strict=True):
        (folder / "configs" / f"{evaluation.id}.toml").write_text(
            evaluation.config.to_toml(), encoding="utf-8"
        )
        np.save(folder / "spaces" / f"{evaluation.id}.npy", evaluation.space)
        record["space_file"] = f"spaces/{evaluation.id}.npy"
    files.write_csv(pd.DataFrame(records), folder / "verified.csv")
    front_ids = {e.id for e in result.front}
    files.write_csv(
        pd.DataFrame([r for r in records if r["id"] in front_ids]), folder / "front.csv"
    )
    if result.best is not None:
        (folder / "best.toml").write_text(result.best.config.to_toml(), encoding="utf-8")
    labels = pd.DataFrame({e.id: e.labels + 1 for e in result.verified})
    files.write_csv(labels, folder / "labels.csv")
    files.write_csv(result.screened, folder / "screened.csv")
