"""segments.xlsx: the run for marketing in one workbook, in the run's language.

Sheets: the decision (text/decision.py's words, the actions as a table), the segments of each
experiment (number, name, customers, share, narrative), the profiles (medians, level shares and
product ownership per segment against all customers), the offers, and one sheet per action
with a call list, named as the decision page names it ('Aksi 1').

Numbers are stored as numbers (counts as integers, shares with a percentage format); every text
cell is neutralised as the run folder's CSVs are (files.spreadsheet_cell). The workbook is
streamed (openpyxl's write-only mode): a call list of 50,000 customers takes about a second.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..text import capitalised
from ..text import report as report_words
from ..text.decision import DecisionWords, decision_words
from ..text.deliverables import say
from . import Planned, safe_text

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    from ..results import RunResult

SHARE = "0.0%"
INTEGER = "#,##0"
DECIMAL = "#,##0.0#"
RATIO = "0.00"
MAX_SHEET_NAME = 31
# Excel's rows per sheet, less the header row; a longer call list is whole in actions/ only.
MAX_ROWS = 1_048_575
NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
WIDEST = 80  # characters; longer text wraps
LINE_POINTS = 15.0  # the height of one line of 11-point text


@dataclass
class Cell:
    value: Any
    format: str | None = None
    bold: bool = False
    wrap: bool = False


@dataclass
class Sheet:
    """A sheet's rows, gathered first: a streamed sheet needs its column widths before its
    rows."""

    title: str
    header: list[str] | None = None  # bold and frozen
    rows: list[list[Any]] = field(default_factory=list)
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    heights: dict[int, float] = field(default_factory=dict)  # 1-based row -> points
    merged: list[str] = field(default_factory=list)


def write_workbook(result: RunResult, planned: Planned, path: Path, lang: str) -> None:
    """Write segments.xlsx to `path`."""
    words = decision_words(planned.plan, result, lang)
    sheets = [
        _decision_sheet(words, lang),
        *(_segments_sheet(result, name, lang) for name in result.experiments),
        _profiles_sheet(result, lang),
        _offers_sheet(result, lang),
    ]
    workbook = Workbook(write_only=True)
    workbook.properties.creator = "segmentasi"
    workbook.properties.lastModifiedBy = "segmentasi"
    workbook.properties.title = safe_text(words.title)
    used: set[str] = set()
    for sheet in sheets:
        _write_sheet(workbook, sheet, used)
    labels = {c.name: c.display(lang) for c in result.schema.products}
    for action in words.actions:
        if action.sheet is not None:
            customers = planned.lists[action.number]
            _write_call_list(workbook, action.sheet, customers, labels, lang, used)
    workbook.save(path)


# --- the sheets -----------------------------------------------------------------------------


def _decision_sheet(words: DecisionWords, lang: str) -> Sheet:
    """Labels in column A, each paragraph across B-F; the actions as a table."""
    sheet = Sheet(say("sheet_decision", lang))
    sheet.widths = {1: 24, 2: 48, 3: 40, 4: 48, 5: 12, 6: 48}
    across = sum(sheet.widths[c] for c in range(2, 7))

    def paragraph(label: str, text: str) -> None:
        sheet.rows.append([Cell(label, bold=True, wrap=True), Cell(text, wrap=True)])
        row = len(sheet.rows)
        sheet.merged.append(f"B{row}:F{row}")
        sheet.heights[row] = _lines(text, across) * LINE_POINTS

    sheet.rows.append([Cell(words.title, bold=True)])
    sheet.rows.append([])
    paragraph(say("row_use", lang), words.use)
    if words.other:
        paragraph(say("row_other", lang), words.other)
    paragraph(say("row_target", lang), words.target)
    sheet.rows.append([])
    sheet.rows.append([Cell(words.actions_title, bold=True)])
    headings = [
        say("th_number", lang),
        *(_decision_heading(key, lang) for key in ("th_who", "th_what", "th_evidence")),
        say("th_customers", lang),
        _decision_heading("th_how", lang),
    ]
    sheet.rows.append([Cell(h, bold=True) for h in headings])
    for action in words.actions:
        texts = [action.who, action.what, action.evidence]
        sheet.rows.append(
            [
                Cell(action.number),
                *(Cell(text, wrap=True) for text in texts),
                Cell(action.customers, INTEGER),
                Cell(action.how, wrap=True),
            ]
        )
        widths = [sheet.widths[c] for c in (2, 3, 4)] + [sheet.widths[6]]
        lines = max(_lines(t, w) for t, w in zip([*texts, action.how], widths, strict=True))
        sheet.heights[len(sheet.rows)] = lines * LINE_POINTS
    if words.actions_note:
        paragraph(say("row_note", lang), words.actions_note)
    sheet.rows.append([])
    paragraph(words.cannot_title, words.cannot)
    return sheet


def _decision_heading(key: str, lang: str) -> str:
    from ..text.decision import say as decision_say

    return decision_say(key, lang)


def _segments_sheet(result: RunResult, name: str, lang: str) -> Sheet:
    exp = result.experiments[name]
    insights = exp.insights
    sheet = Sheet(
        say("sheet_segments", lang, experiment=name),
        header=[
            say(key, lang)
            for key in ("th_segment", "th_name", "th_customers", "th_share", "th_narrative")
        ],
    )
    for record in exp.profile.segments.itertuples(index=False):
        number = int(record.segment)
        sheet.rows.append(
            [
                Cell(number),
                Cell(insights.names[lang].get(number, ""), wrap=True),
                Cell(int(record.size), INTEGER),
                Cell(float(record.share), SHARE),
                Cell(insights.narratives[lang].get(number, ""), wrap=True),
            ]
        )
    sheet.widths = {1: 10, 2: 50, 3: 12, 4: 14, 5: 110}
    for row, values in enumerate(sheet.rows, start=2):
        sheet.heights[row] = max(_lines(values[1].value, 50), _lines(values[4].value, 110)) * (
            LINE_POINTS
        )
    return sheet


def _profiles_sheet(result: RunResult, lang: str) -> Sheet:
    """Per experiment and variable: the measure for all customers, then per segment."""
    most = max((len(e.profile.segments) for e in result.experiments.values()), default=0)
    header = [say(k, lang) for k in ("th_experiment", "th_variable", "th_measure", "th_all")]
    header += [say("th_segment_n", lang, segment=n) for n in range(1, most + 1)]
    sheet = Sheet(say("sheet_profiles", lang), header=header)
    schema = result.schema
    for name, exp in result.experiments.items():
        numbers = [int(n) for n in exp.profile.segments["segment"]]
        numeric = exp.profile.numeric
        for column, rows in _groups(numeric, ["column"]):
            label = schema.column(column).display(lang)
            mine = rows.set_index("segment").reindex(numbers)
            for measure, value, overall, kind in (
                ("measure_median", "median", "overall_median", DECIMAL),
                ("measure_missing", "missing_share", "overall_missing_share", SHARE),
            ):
                if measure == "measure_missing" and not (mine[value] > 0).any():
                    continue
                sheet.rows.append(
                    _profile_row(
                        name, label, say(measure, lang), mine[overall].iloc[0], mine[value], kind
                    )
                )
        categories = exp.profile.categories
        for (column, level), rows in _groups(categories, ["column", "level"]):
            mine = rows.set_index("segment").reindex(numbers)
            sheet.rows.append(
                _profile_row(
                    name,
                    schema.column(column).display(lang),
                    say("measure_level", lang, level=level),
                    mine["overall_share"].iloc[0],
                    mine["share"],
                    SHARE,
                )
            )
        products = exp.profile.products
        for product, rows in _groups(products, ["product"]):
            mine = rows.set_index("segment").reindex(numbers)
            sheet.rows.append(
                _profile_row(
                    name,
                    schema.column(product).display(lang),
                    say("measure_owned", lang),
                    mine["overall_rate"].iloc[0],
                    mine["rate"],
                    SHARE,
                )
            )
    sheet.widths = {1: 14, 2: 30, 3: 26, 4: 14} | {c: 12 for c in range(5, 5 + most)}
    return sheet


def _groups(table: pd.DataFrame, keys: list[str]) -> Iterable[tuple[Any, pd.DataFrame]]:
    """`table`'s rows by `keys`, in the order they first appear (the schema's)."""
    if table.empty:
        return []
    grouped = table.groupby(keys if len(keys) > 1 else keys[0], sort=False)
    return iter(grouped)


def _profile_row(
    experiment: str, label: str, measure: str, overall: float, values: pd.Series, kind: str
) -> list[Cell]:
    cells = [Cell(experiment), Cell(label), Cell(measure), _number(overall, kind)]
    return cells + [_number(v, kind) for v in values]


def _offers_sheet(result: RunResult, lang: str) -> Sheet:
    def t(key: str, **params: Any) -> str:
        return capitalised(report_words.say(key, lang, **params))

    header = [
        say("th_experiment", lang),
        say("th_segment", lang),
        t("th_product"),
        t("th_rate"),
        t("th_propensity"),
        say("th_basis", lang),
        t("th_overall_rate"),
        t("th_lift"),
        t("th_non_owners"),
        t("th_rank"),
        say("th_offered", lang),
        say("th_reason", lang),
    ]
    sheet = Sheet(say("sheet_offers", lang), header=header)
    for name, exp in result.experiments.items():
        offers = exp.insights.offers.sort_values(["segment", "rank"], kind="stable")
        for o in offers.itertuples(index=False):
            alike = o.basis != "segment"
            sheet.rows.append(
                [
                    Cell(name),
                    Cell(int(o.segment)),
                    Cell(result.schema.column(o.product).display(lang)),
                    _number(o.rate, SHARE),
                    _number(o.propensity, SHARE),
                    Cell(report_words.say("basis_alike" if alike else "basis_segment", lang)),
                    _number(o.overall_rate, SHARE),
                    _number(o.propensity_lift, RATIO),
                    Cell(int(o.non_owners), INTEGER),
                    Cell(int(o.rank)),
                    Cell(report_words.say("yes" if o.offered else "no", lang)),
                    Cell("" if o.offered else report_words.say(f"reason_{o.reason}", lang)),
                ]
            )
    sheet.widths = {1: 14, 2: 10, 3: 28, 4: 14, 5: 16, 6: 20, 7: 14, 8: 8, 9: 14, 10: 10}
    sheet.widths |= {11: 12, 12: 28}
    return sheet


# --- writing ----------------------------------------------------------------------------------


def _write_sheet(workbook: Workbook, sheet: Sheet, used: set[str]) -> None:
    ws = workbook.create_sheet(sheet_title(sheet.title, used))
    for column, width in sheet.widths.items():
        ws.column_dimensions[get_column_letter(column)].width = width
    if sheet.header is not None:
        ws.freeze_panes = "A2"
    for row, height in sheet.heights.items():
        ws.row_dimensions[row].height = height
    for merged in sheet.merged:
        ws.merged_cells.add(merged)
    if sheet.header is not None:
        ws.append([_cell(ws, Cell(h, bold=True, wrap=True)) for h in sheet.header])
    for values in sheet.rows:
        ws.append([_cell(ws, v) for v in values])


def _write_call_list(
    workbook: Workbook,
    title: str,
    customers: pd.DataFrame,
    labels: dict[str, str],
    lang: str,
    used: set[str],
) -> None:
    """A call list as its CSV holds it: IDs as text (or row numbers), the segment, the product
    and its propensity as a percentage. Streamed: one styled cell per column, reused."""
    ws: WriteOnlyWorksheet = workbook.create_sheet(sheet_title(title, used))
    id_column = customers.columns[0]
    header = [
        id_column,
        say("th_segment", lang),
        capitalised(report_words.say("th_product", lang)),
        capitalised(report_words.say("th_propensity", lang)),
    ]
    ws.freeze_panes = "A2"
    for column, width in enumerate([max(14, len(str(id_column)) + 2), 10, 28, 28], start=1):
        ws.column_dimensions[get_column_letter(column)].width = width
    ws.append([_cell(ws, Cell(h, bold=True)) for h in header])
    shown = customers.iloc[: MAX_ROWS - 1]
    ids = shown.iloc[:, 0]
    as_int = pd.api.types.is_integer_dtype(ids)
    products = [labels.get(p, p) for p in shown["product"].tolist()]
    share = WriteOnlyCell(ws)
    share.number_format = SHARE
    for identifier, segment, product, propensity in zip(
        ids.tolist(), shown["segment"].tolist(), products, shown["propensity"].tolist(), strict=True
    ):
        share.value = _plain(propensity)
        ws.append(
            [
                int(identifier) if as_int else safe_text(_text(identifier)),
                int(segment),
                safe_text(product),
                share,
            ]
        )


def sheet_title(title: str, used: set[str]) -> str:
    """An Excel sheet name from `title`: no [ ] : * ? / \\, no ' at either end, at most 31
    characters, unlike the names already `used` (case-insensitively, as Excel compares)."""
    clean = NOT_IN_SHEET_NAME.sub("_", safe_text(title)).strip("'") or "_"
    name, n = clean[:MAX_SHEET_NAME], 1
    while name.casefold() in used:
        n += 1
        suffix = f" ({n})"
        name = clean[: MAX_SHEET_NAME - len(suffix)] + suffix
    used.add(name.casefold())
    return name


def _cell(ws: WriteOnlyWorksheet, spec: Any) -> Any:
    if not isinstance(spec, Cell):
        spec = Cell(spec)
    value = spec.value
    value = safe_text(value) if isinstance(value, str) else _plain(value)
    if spec.format is None and not spec.bold and not spec.wrap:
        return value
    cell = WriteOnlyCell(ws, value=value)
    if spec.format:
        cell.number_format = spec.format
    if spec.bold:
        cell.font = Font(bold=True)
    if spec.wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _number(value: Any, kind: str) -> Cell:
    value = _plain(value)
    if kind == DECIMAL and isinstance(value, float) and value.is_integer():
        return Cell(value, INTEGER)
    return Cell(value, kind)


def _plain(value: Any) -> Any:
    """numpy numbers as Python's; NaN, infinities and pandas' NA as an empty cell (a stored
    NaN makes Excel call the file damaged)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _text(value: Any) -> Any:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _lines(text: Any, width: float) -> int:
    """Lines `text` takes in a column `width` characters wide (roughly: Excel's default font is
    narrower than a width unit for most letters)."""
    if not isinstance(text, str) or not text:
        return 1
    per_line = max(int(width * 1.1), 1)
    return sum(max(1, math.ceil(len(part) / per_line)) for part in text.split("\n"))
