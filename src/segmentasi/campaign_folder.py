"""Where a campaign's files go: the split call list with its record beside it, and the
measurement folder.

    <call list>.csv            the call list with its `group` column (contact / control)
    <call list>.split.json     how it was split (campaign.Split.record), and its power
    <measurement folder>/
        measurement.json       the measurement's record (campaign.Measurement.to_dict)
        measurement.csv        one row per segment and the overall row (MEASUREMENT_COLUMNS)
        measurement.html       the page for people (report/measurement.py)

Each file is written whole or not at all, and the folder appears whole or not at all
(outputs.py's rules: nothing segmentasi did not write is replaced).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import files
from .campaign import Measurement, Split
from .outputs import MEASUREMENT_FOLDER, check_output_file, reserve_file, staged_folder

SPLIT_RECORD_SUFFIX = ".split.json"


def split_record_path(call_list: str | Path) -> Path:
    """The split record beside a call list: calls.csv -> calls.split.json."""
    path = Path(call_list)
    return path.with_name(path.stem + SPLIT_RECORD_SUFFIX)


def check_split_outputs(out: str | Path, overwrite: bool = False) -> None:
    """Refuse, before any work, a call list or split record that may not be written."""
    check_output_file(out, overwrite)
    check_output_file(split_record_path(out), overwrite)


def write_split_call_list(
    split: Split, out: str | Path, overwrite: bool = False, extra: dict[str, Any] | None = None
) -> Path:
    """The split call list at `out` and its record (split.record() with `extra`) beside it;
    returns the record's path."""
    record_path = split_record_path(out)
    record = split.record() | (extra or {})
    with reserve_file(out, overwrite), reserve_file(record_path, overwrite):
        files.write_file_atomically(record_path, lambda path: files.write_json(record, path))
        files.write_file_atomically(out, lambda path: files.write_csv(split.call_list, path))
    return record_path


def save_measurement(
    measurement: Measurement,
    out: str | Path,
    overwrite: bool = False,
    lang: str = "id",
    inputs: Iterable[str | Path | None] = (),
) -> Path:
    """measurement.json, measurement.csv and measurement.html in the folder `out`, which
    appears whole or not at all; `inputs` are never overwritten."""
    from .report.measurement import MEASUREMENT_PAGE, write_measurement_page  # loads matplotlib

    with staged_folder(out, overwrite, kind=MEASUREMENT_FOLDER, inputs=inputs) as folder:
        files.write_csv(measurement.table, folder / "measurement.csv")
        write_measurement_page(measurement, folder / MEASUREMENT_PAGE, lang)
        files.write_json(files.json_safe(measurement.to_dict()), folder / MEASUREMENT_FOLDER.record)
    return Path(out).resolve()
