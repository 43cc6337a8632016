"""What marketing takes away from a run, beside the report: the call lists behind the decision
page's actions (actions/*.csv), the workbook (segments.xlsx) and the slides (report.pptx).

All three show one plan (decision.plan) in the words of text/decision.py, so the decision page,
the first slide and the workbook's first sheet say the same thing. They are written into the
run folder while it is staged (run_folder.py), so they appear with it whole or not at all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .. import files
from ..decision import Plan, call_list, plan

if TYPE_CHECKING:
    from ..results import RunResult

ACTIONS_FOLDER = "actions"
WORKBOOK_FILE = "segments.xlsx"
SLIDES_FILE = "report.pptx"
# Characters XML 1.0 cannot hold (C0 controls but tab, newline and carriage return; lone
# surrogates; U+FFFE and U+FFFF): neither .xlsx nor .pptx can store them, so they are shown
# as U+FFFD. They can only come from the data (a level, an ID, a column label).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class Planned:
    """The run's plan and the call list of each of its actions that has one, by number."""

    plan: Plan
    lists: dict[int, pd.DataFrame]


def prepare(
    result: RunResult, segments: pd.DataFrame | None = None, decided: Plan | None = None
) -> Planned:
    """The plan and its call lists; `segments` is result.segments_table() and `decided`
    decision.plan(result), when at hand."""
    decided = plan(result) if decided is None else decided
    segments = result.segments_table() if segments is None else segments
    lists = {
        action.number: call_list(result, action, segments)
        for action in decided.actions
        if action.list_name is not None
    }
    return Planned(decided, lists)


def write_call_lists(planned: Planned, folder: Path) -> None:
    """actions/<list_name> for every action with a call list (the folder is made even when
    no action has one, so the run folder's layout does not depend on the data)."""
    folder.mkdir()
    for action in planned.plan.actions:
        if action.list_name is not None:
            files.write_csv(planned.lists[action.number], folder / action.list_name)


def xml_text(value: str) -> str:
    """`value` with what XML cannot hold shown as U+FFFD."""
    return NOT_XML.sub("\ufffd", value)


def safe_text(value: Any) -> Any:
    """A text cell as the workbook and slides store it: neutralised like the CSVs
    (files.spreadsheet_cell) and storable in XML; other values as they are."""
    if isinstance(value, str):
        return xml_text(files.spreadsheet_cell(value))
    return value


__all__ = [
    "ACTIONS_FOLDER",
    "SLIDES_FILE",
    "WORKBOOK_FILE",
    "Planned",
    "prepare",
    "safe_text",
    "write_call_lists",
    "xml_text",
]
