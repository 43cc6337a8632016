"""The tracking folder `segmentasi track` writes, whole or not at all (outputs.staged_folder):

    transitions.csv   the transition matrix, one row per cell: from, from_name, to, to_name,
                      customers, share (of the from row's customers)
    flows.csv         per segment: before, after, stayed, inflow and outflow by kind, net
    movers.csv        the customers who changed segment: id, from and to (number and name),
                      what changed (in words) and its columns; for the CRM
    drift.csv         per column and for the segment shares: PSI, band, chi-square test
    tracking.html     the page for people (report/tracking.py)
    tracking.json     the verdict with its reasons (also in words) and every figure; written last

CSVs go through files.write_csv (safe to open in a spreadsheet, a dot for decimals).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from . import files
from .outputs import TRACKING_FOLDER, staged_folder
from .text.tracking import state_label
from .track import Tracking
from .version import __version__

FORMAT = "segmentasi-tracking"
FORMAT_VERSION = 1


def save_tracking(
    tracking: Tracking,
    out: str | Path,
    overwrite: bool = False,
    *,
    inputs: Iterable[str | Path | None] = (),
    created: dt.datetime | None = None,
) -> Path:
    """Write the tracking folder at `out` in the tracking's language; returns its path.
    `overwrite` replaces only a tracking folder; `inputs` (the model and the two tables) are
    never overwritten."""
    from .report.tracking import (  # loads matplotlib
        TRACKING_REPORT,
        reason_sentences,
        write_tracking_report,
    )

    created = created or dt.datetime.now(dt.UTC)
    record = _record(tracking, reason_sentences(tracking, tracking.lang), created)
    with staged_folder(out, overwrite, kind=TRACKING_FOLDER, inputs=inputs) as folder:
        files.write_csv(transitions_table(tracking), folder / "transitions.csv")
        files.write_csv(tracking.flows, folder / "flows.csv")
        files.write_csv(tracking.movers, folder / "movers.csv")
        files.write_csv(tracking.drift, folder / "drift.csv")
        write_tracking_report(tracking, folder / TRACKING_REPORT, tracking.lang, created)
        files.write_json(record, folder / TRACKING_FOLDER.record)
    return Path(out).resolve()


def transitions_table(tracking: Tracking) -> pd.DataFrame:
    """The transition matrix in long form: one row per (from, to) cell, zeros included."""
    counts = tracking.transitions.stack()
    shares = tracking.shares.stack()
    return pd.DataFrame(
        {
            "from": [str(a) for a, _ in counts.index],
            "from_name": [_state_name(tracking, a) for a, _ in counts.index],
            "to": [str(b) for _, b in counts.index],
            "to_name": [_state_name(tracking, b) for _, b in counts.index],
            "customers": counts.to_numpy(),
            "share": shares.to_numpy(),
        }
    )


def _state_name(tracking: Tracking, state: int | str) -> str:
    return tracking.names[state] if isinstance(state, int) else state_label(state, tracking.lang)


def _record(tracking: Tracking, sentences: list[str], created: dt.datetime) -> dict[str, Any]:
    record = tracking.to_dict()
    for data, text in zip(record["verdict"]["reasons"], sentences, strict=True):
        data["text"] = text
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "created": created.isoformat(timespec="seconds"),
        "segmentasi_version": __version__,
        "lang": tracking.lang,
        **record,
    }
