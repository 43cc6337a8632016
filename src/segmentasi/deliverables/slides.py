"""report.pptx: the run as slides for a marketing meeting, in the run's language, 16:9.

1. the decision (text/decision.py's words: the segmentation to use, the actions as a table,
   what the data cannot support), over two slides when the actions do not fit on one;
2. one slide per segment of the targeting segmentation, then of the other: its size, traits,
   offer and a chart against all customers (segments.py);
3. the crosswalk: customers by segment of one segmentation and of the other;
4. what the data cannot support.

Text is at least 12 points and never overflows its box: every box is sized from the text it
holds, measured with DejaVu Sans (wider than the Calibri the slides ask for, so the measure is
on the safe side); what does not fit moves to the next slide.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import ImageFont
from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_TICK_LABEL_POSITION,
    XL_TICK_MARK,
)
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from ..decision import crosswalk
from ..text.decision import ActionWords, DecisionWords, decision_words
from ..text.decision import say as decision_say
from ..text.deliverables import say
from ..text.numbers import count
from . import Planned, xml_text
from .segments import SegmentChart, segment_chart, segment_view

if TYPE_CHECKING:
    from pptx.slide import Slide

    from ..results import RunResult

WIDTH, HEIGHT = 12192000 / 914400, 7.5  # inches: 16:9 (13.333...)
MARGIN = 0.5
CONTENT = WIDTH - 2 * MARGIN
BOTTOM = HEIGHT - 0.35  # nothing below this
GAP = 0.15
FONT = "Calibri"
MEASURED_WITH = "DejaVu Sans"
LINE = 1.2  # line height, in font sizes
TITLE_PT, BODY_PT, TABLE_PT, SMALL_PT = 24, 14, 12, 12
BOX_PAD = 0.1  # inches: a text box's inner margins, top and bottom together
CELL_MARGIN_X, CELL_MARGIN_Y = 0.08, 0.04  # inches
DARK = RGBColor(0x1F, 0x29, 0x37)
GREY = RGBColor(0x55, 0x55, 0x55)
ACTION_COLUMNS = (3.9, 3.5, 1.3, 3.633)  # who, what, customers, evidence: CONTENT inches
CROSSWALK_MAX = 14  # columns of a readable table at 12 points
CHART_WIDTH = 6.0
# The chart's bars end by 80% of its value axis: the rest holds their labels.
CHART_AXIS_END = 1.25
CHART_LABEL_WRAP = 26  # characters of a row label's line
ALL_CUSTOMERS = RGBColor(0x9A, 0x9A, 0x9A)


@dataclass(frozen=True)
class Text:
    text: str
    size: int = BODY_PT
    bold: bool = False
    colour: RGBColor = DARK


def write_slides(result: RunResult, planned: Planned, path: Path, lang: str) -> None:
    """Write report.pptx to `path`."""
    words = decision_words(planned.plan, result, lang)
    deck = Presentation()
    deck.slide_width, deck.slide_height = Emu(12192000), Emu(6858000)
    _properties(deck, result, lang)
    _decision_slides(deck, words, lang)
    plan = planned.plan
    for name in (plan.targeting, *([plan.other] if plan.other else [])):
        for segment in (int(n) for n in result.experiments[name].profile.segments["segment"]):
            _segment_slide(deck, result, name, segment, lang)
    if plan.other:
        _crosswalk_slide(deck, result, plan.targeting, plan.other, lang)
    _closing_slide(deck, words)
    deck.save(str(path))


def _properties(deck: Presentation, result: RunResult, lang: str) -> None:
    source = Path(str(result.source.get("path", "table"))).name
    properties = deck.core_properties
    properties.title = xml_text(say("deck_title", lang, source=source))
    properties.subject = xml_text(decision_say("title", lang))
    properties.author = "segmentasi"
    properties.last_modified_by = "segmentasi"
    properties.keywords = ""
    properties.comments = ""
    properties.revision = 1
    now = dt.datetime.now(dt.UTC).replace(microsecond=0, tzinfo=None)
    properties.created = properties.modified = now
    properties.last_printed = now


# --- the slides ---------------------------------------------------------------------------------


def _decision_slides(deck: Presentation, words: DecisionWords, lang: str) -> None:
    """The decision page; actions that do not fit go on a second slide (and a third...)."""
    headings = [
        decision_say("th_who", lang),
        decision_say("th_what", lang),
        say("th_customers", lang),
        decision_say("th_evidence", lang),
    ]
    actions = list(words.actions)
    first = True
    while True:
        slide = _blank(deck)
        title = words.title if first else say("continued", lang, title=words.title)
        top = _text_box(slide, "title", MARGIN, 0.35, CONTENT, [Text(title, TITLE_PT, True)])
        if first:
            top = _text_box(slide, "use", MARGIN, top + GAP, CONTENT, [Text(words.use)])
            if words.actions_note:
                note = [Text(words.actions_note, SMALL_PT, colour=GREY)]
                top = _text_box(slide, "note", MARGIN, top, CONTENT, note)
        closing = [Text(words.cannot_title, SMALL_PT, True), Text(words.cannot, SMALL_PT)]
        room = BOTTOM - top - GAP
        if _rows_that_fit(actions, headings, room - _height(closing, CONTENT) - GAP) == len(
            actions
        ):
            if actions:
                top = _actions_table(slide, actions, headings, top + GAP)
            _text_box(slide, "cannot", MARGIN, top + GAP, CONTENT, closing)
            return
        # The rest on the next slide; a continuation shows at least one action.
        shown = _rows_that_fit(actions, headings, room) or (0 if first else 1)
        if shown:
            _actions_table(slide, actions[:shown], headings, top + GAP)
        actions, first = actions[shown:], False


def _action_cells(action: ActionWords) -> list[str]:
    return [action.who, action.what, action.reach, action.evidence]


def _rows_that_fit(actions: Sequence[ActionWords], headings: list[str], room: float) -> int:
    used = _row_height(headings, bold=True)
    for n, action in enumerate(actions):
        used += _row_height(_action_cells(action))
        if used > room:
            return n
    return len(actions)


def _row_height(cells: Sequence[str], bold: bool = False) -> float:
    lines = max(
        _lines(text, width - 2 * CELL_MARGIN_X, TABLE_PT, bold)
        for text, width in zip(cells, ACTION_COLUMNS, strict=True)
    )
    return lines * TABLE_PT * LINE / 72 + 2 * CELL_MARGIN_Y + 0.02


def _actions_table(
    slide: Slide, actions: Sequence[ActionWords], headings: list[str], top: float
) -> float:
    rows = [headings, *(_action_cells(a) for a in actions)]
    heights = [_row_height(headings, bold=True), *(_row_height(r) for r in rows[1:])]
    shape = slide.shapes.add_table(
        len(rows), len(headings), Inches(MARGIN), Inches(top), Inches(CONTENT),
        Inches(sum(heights)),
    )  # fmt: skip
    shape.name = "actions"
    table = shape.table
    for j, width in enumerate(ACTION_COLUMNS):
        table.columns[j].width = Inches(width)
    for i, (cells, height) in enumerate(zip(rows, heights, strict=True)):
        table.rows[i].height = Inches(height)
        for j, text in enumerate(cells):
            align = PP_ALIGN.RIGHT if j == 2 and i > 0 else PP_ALIGN.LEFT
            _cell(table.cell(i, j), text, bold=i == 0, align=align)
    return top + sum(heights)


def _segment_slide(
    deck: Presentation,
    result: RunResult,
    experiment: str,
    segment: int,
    lang: str,
) -> None:
    from ..report.plots import segment_color

    view = segment_view(result, experiment, segment, lang)
    slide = _blank(deck)
    colour = segment_color(segment).lstrip("#")
    bar = slide.shapes.add_shape(
        MSO_SHAPE.RECTANGLE, Inches(MARGIN - 0.25), Inches(0.4), Inches(0.12), Inches(0.6)
    )
    bar.name = "segment colour"
    bar.fill.solid()
    bar.fill.fore_color.rgb = RGBColor.from_string(colour.upper())
    bar.line.fill.background()
    top = _text_box(slide, "title", MARGIN, 0.35, CONTENT, [Text(view.title, 20, True)])
    top = _text_box(slide, "size", MARGIN, top, CONTENT, [Text(view.size, 16, colour=GREY)])
    left_width = CONTENT - CHART_WIDTH - 0.3
    body_top = top + GAP
    traits = list(view.traits)
    offer = [Text(view.offer, BODY_PT, True)] if view.offer else []
    while traits and body_top + _height(_bullets(traits) + offer, left_width) > BOTTOM:
        traits.pop()
    after = _text_box(slide, "traits", MARGIN, body_top, left_width, _bullets(traits))
    if offer:
        _text_box(slide, "offer", MARGIN, after + GAP, left_width, offer)
    chart = segment_chart(result, experiment, segment, lang)
    if chart is not None:
        left = MARGIN + left_width + 0.3
        caption = [Text(chart.title, SMALL_PT, True)]
        below = _text_box(slide, "chart title", left, body_top, CHART_WIDTH, caption)
        legend = (
            say("legend_segment", lang, segment=segment),
            say("legend_all", lang),
        )
        colours = (RGBColor.from_string(colour.upper()), ALL_CUSTOMERS)
        _bar_chart(slide, chart, legend, colours, (left, below, CHART_WIDTH, BOTTOM - below))


def _bar_chart(
    slide: Slide,
    chart: SegmentChart,
    legend: tuple[str, str],
    colours: tuple[RGBColor, RGBColor],
    box: tuple[float, float, float, float],
) -> None:
    """The segment's bars next to all customers', as a PowerPoint chart (editable, and its
    numbers readable as data), each bar labelled with its value as the report writes it.

    With chart.shares every bar is a share on one axis; otherwise each row's two bars are
    divided by the larger of the two, so variables on different scales sit side by side."""
    mine = np.array([m.value for m in chart.measures], dtype=float)
    every = np.array([m.overall for m in chart.measures], dtype=float)
    if not chart.shares:
        scale = np.fmax(np.abs(mine), np.abs(every))
        scale[~(scale > 0)] = 1.0
        mine, every = mine / scale, every / scale
    data = CategoryChartData()
    data.categories = [xml_text(textwrap.fill(m.label, CHART_LABEL_WRAP)) for m in chart.measures]
    data.add_series(xml_text(legend[0]), np.nan_to_num(mine).tolist())
    data.add_series(xml_text(legend[1]), np.nan_to_num(every).tolist())
    left, top, width, height = (Inches(v) for v in box)
    frame = slide.shapes.add_chart(XL_CHART_TYPE.BAR_CLUSTERED, left, top, width, height, data)
    frame.name = "chart"
    drawn = frame.chart
    drawn.font.name, drawn.font.size = FONT, Pt(SMALL_PT)
    drawn.has_legend = True
    drawn.legend.position = XL_LEGEND_POSITION.TOP
    drawn.legend.include_in_layout = False
    rows = drawn.category_axis
    rows.reverse_order = True  # the first measure at the top, as the traits list them
    rows.major_tick_mark = XL_TICK_MARK.NONE
    rows.format.line.fill.background()
    values = drawn.value_axis
    values.minimum_scale, values.maximum_scale = 0.0, CHART_AXIS_END
    values.has_major_gridlines = False
    values.major_tick_mark = XL_TICK_MARK.NONE
    values.tick_label_position = XL_TICK_LABEL_POSITION.NONE  # the labels give the values
    values.format.line.fill.background()
    bars = drawn.plots[0]
    bars.gap_width, bars.overlap = 60, 0
    texts = ([m.value_text for m in chart.measures], [m.overall_text for m in chart.measures])
    for series, colour, labels in zip(bars.series, colours, texts, strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = colour
        series.invert_if_negative = False
        for point, label in zip(series.points, labels, strict=True):
            label_frame = point.data_label
            label_frame.position = XL_LABEL_POSITION.OUTSIDE_END
            label_frame.text_frame.text = xml_text(label)
            label_frame.font.size = Pt(SMALL_PT)


def _bullets(traits: Sequence[str]) -> list[Text]:
    return [Text(f"• {t}") for t in traits]


def _crosswalk_slide(
    deck: Presentation, result: RunResult, rows_name: str, columns_name: str, lang: str
) -> None:
    counts = crosswalk(result, rows_name, columns_name)
    if len(counts.columns) > CROSSWALK_MAX and len(counts.index) <= CROSSWALK_MAX:
        counts, rows_name, columns_name = counts.T, columns_name, rows_name
    slide = _blank(deck)
    title = say("crosswalk_title", lang, rows=rows_name, columns=columns_name)
    top = _text_box(slide, "title", MARGIN, 0.35, CONTENT, [Text(title, TITLE_PT, True)])
    lead = say("crosswalk_lead", lang, rows=rows_name, columns=columns_name)
    top = _text_box(slide, "lead", MARGIN, top, CONTENT, [Text(lead)])
    if len(counts.columns) > CROSSWALK_MAX:
        _crosswalk_heatmap(slide, counts, top + GAP, lang)
        return
    header = [say("crosswalk_corner", lang)] + [str(int(c)) for c in counts.columns]
    body = [
        [say("th_segment_n", lang, segment=int(r))] + [count(v, lang) for v in counts.loc[r]]
        for r in counts.index
    ]
    first = max(1.4, max(_width(row[0], TABLE_PT) for row in body) / 72 + 2 * CELL_MARGIN_X)
    rest = (CONTENT - first) / len(counts.columns)
    widths = [first] + [rest] * len(counts.columns)
    height = TABLE_PT * LINE / 72 + 2 * CELL_MARGIN_Y + 0.04
    shape = slide.shapes.add_table(
        len(body) + 1, len(header), Inches(MARGIN), Inches(top + GAP), Inches(CONTENT),
        Inches(height * (len(body) + 1)),
    )  # fmt: skip
    shape.name = "crosswalk"
    table = shape.table
    for j, width in enumerate(widths):
        table.columns[j].width = Inches(width)
    for i, cells in enumerate([header, *body]):
        table.rows[i].height = Inches(height)
        for j, text in enumerate(cells):
            align = PP_ALIGN.LEFT if j == 0 else PP_ALIGN.RIGHT
            _cell(table.cell(i, j), text, bold=i == 0 or j == 0, align=align)


def _crosswalk_heatmap(slide: Slide, counts, top: float, lang: str) -> None:
    """Too many segments for a table at 12 points: a heatmap of each row's shares."""
    import base64

    from ..report import plots
    from ..text.numbers import pct

    shares = counts.to_numpy(dtype=float) / np.maximum(counts.to_numpy().sum(1, keepdims=True), 1)
    uri = plots.heatmap(
        shares,
        [[pct(v, lang) for v in row] for row in shares],
        [say("th_segment_n", lang, segment=int(r)) for r in counts.index],
        [int(c) for c in counts.columns],
        counts.columns.name,
        "",
        say("th_share", lang),
        centre=float(np.mean(shares)),
        limit=float(np.max(np.abs(shares - np.mean(shares))) or 1.0),
    )
    picture = slide.shapes.add_picture(
        io.BytesIO(base64.b64decode(uri.split(",", 1)[1])), Inches(MARGIN), Inches(top)
    )
    scale = min(CONTENT / (picture.width / 914400), (BOTTOM - top) / (picture.height / 914400))
    picture.width = Emu(int(picture.width * min(scale, 1.0)))
    picture.height = Emu(int(picture.height * min(scale, 1.0)))
    picture.name = "crosswalk"


def _closing_slide(deck: Presentation, words: DecisionWords) -> None:
    slide = _blank(deck)
    top = _text_box(slide, "title", MARGIN, 0.35, CONTENT, [Text(words.cannot_title, 24, True)])
    body = [Text(words.cannot, 16), Text(words.target, BODY_PT, colour=GREY)]
    size = 16
    while _height(body, CONTENT) > BOTTOM - top - GAP and size > SMALL_PT:
        size -= 1
        body = [Text(words.cannot, size), Text(words.target, min(size, BODY_PT), colour=GREY)]
    _text_box(slide, "cannot", MARGIN, top + GAP, CONTENT, body)


# --- boxes and measuring ----------------------------------------------------------------------


def _blank(deck: Presentation) -> Slide:
    return deck.slides.add_slide(deck.slide_layouts[6])


def _text_box(
    slide: Slide, name: str, left: float, top: float, width: float, paragraphs: list[Text]
) -> float:
    """A text box as tall as its text; returns where it ends."""
    height = _height(paragraphs, width)
    box = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    box.name = name
    frame = box.text_frame
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.margin_left = frame.margin_right = Inches(0.05)
    frame.margin_top = frame.margin_bottom = Inches(BOX_PAD / 2)
    for i, item in enumerate(paragraphs):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.space_after = Pt(4)
        _run(paragraph, item.text, item.size, item.bold, item.colour)
    return top + height


def _cell(cell, text: str, bold: bool, align: PP_ALIGN) -> None:
    cell.margin_left = cell.margin_right = Inches(CELL_MARGIN_X)
    cell.margin_top = cell.margin_bottom = Inches(CELL_MARGIN_Y)
    frame = cell.text_frame
    frame.word_wrap = True
    paragraph = frame.paragraphs[0]
    paragraph.alignment = align
    _run(paragraph, text, TABLE_PT, bold, None)


def _run(paragraph, text: str, size: int, bold: bool, colour: RGBColor | None) -> None:
    run = paragraph.add_run()
    run.text = xml_text(text)
    font = run.font
    font.size = Pt(size)
    font.bold = bold
    font.name = FONT
    if colour is not None:
        font.color.rgb = colour


def _height(paragraphs: Sequence[Text], width: float) -> float:
    """Inches a text box `width` inches wide needs for `paragraphs`."""
    inner = width - 0.1
    points = sum(
        _lines(p.text, inner, p.size, p.bold) * p.size * LINE + 4 for p in paragraphs
    )  # fmt: skip
    return points / 72 + BOX_PAD + 0.05


def _lines(text: str, width: float, size: int, bold: bool = False) -> int:
    """Lines `text` wraps to in `width` inches at `size` points (greedy, at spaces)."""
    limit = width * 72
    total = 0
    for part in text.split("\n"):
        lines, current = 1, 0.0
        space = _width(" ", size, bold)
        for word in part.split(" "):
            length = _width(word, size, bold)
            if current and current + space + length > limit:
                lines += 1
                current = length
            else:
                current += (space if current else 0) + length
            while current > limit:  # a word longer than the line breaks inside it
                lines += 1
                current -= limit
        total += lines
    return total


def _width(text: str, size: int, bold: bool = False) -> float:
    """Points `text` takes at `size` points."""
    return _font(bold).getlength(text) * size / 100


@functools.cache
def _font(bold: bool) -> ImageFont.FreeTypeFont:
    from matplotlib import font_manager

    properties = font_manager.FontProperties(
        family=MEASURED_WITH, weight="bold" if bold else "normal"
    )
    return ImageFont.truetype(font_manager.findfont(properties), 100)


def text_fits(text: str, width: float, height: float, size: int, bold: bool = False) -> bool:
    """Whether `text` fits a box of `width` x `height` inches (for tests)."""
    return _lines(text, width, size, bold) * size * LINE / 72 <= height + 1e-9


__all__ = ["text_fits", "write_slides"]
