"""What marketing takes away from a run: the call lists (actions/), segments.xlsx and
report.pptx, checked against the run's own tables."""

from __future__ import annotations

import errno
import html
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from pptx import Presentation
from pptx.util import Pt

from segmentasi import SweepOptions, files, run, run_folder, synthesize
from segmentasi.decision import call_list, crosswalk, plan
from segmentasi.deliverables import ACTIONS_FOLDER, SLIDES_FILE, WORKBOOK_FILE, prepare, slides
from segmentasi.deliverables.segments import segment_chart
from segmentasi.deliverables.workbook import MAX_SHEET_NAME, sheet_title, write_workbook
from segmentasi.files import WriteRefused
from segmentasi.outputs import RUN_FOLDER
from segmentasi.run_folder import write_run_folder
from segmentasi.text.decision import decision_words
from segmentasi.text.deliverables import say

OPTIONS = SweepOptions(ks=(2, 3, 4), stability_runs=0)
FORMULA_IDS = 300  # rows whose customer ID a spreadsheet would run as a formula


@pytest.fixture(scope="module")
def table(schema) -> pd.DataFrame:
    table = synthesize(schema, rows=1500, seed=3)
    table.loc[: FORMULA_IDS - 1, "GCIF"] = [f"=C{i}" for i in range(FORMULA_IDS)]
    return table


@pytest.fixture(scope="module")
def ran(table, schema, tmp_path_factory):
    """A run that writes its folder, with workers drawing the charts as on a large table."""
    out = tmp_path_factory.mktemp("deliver") / "run"
    result = run(table, schema=schema, options=OPTIONS, out=out, workers=2)
    return result, out


@pytest.fixture(scope="module")
def result(ran):
    return ran[0]


@pytest.fixture(scope="module")
def folder(ran) -> Path:
    return ran[1]


@pytest.fixture(scope="module")
def decided(result):
    return plan(result)


@pytest.fixture(scope="module")
def deck(folder):
    return Presentation(str(folder / SLIDES_FILE))


@pytest.fixture(scope="module")
def book(folder):
    return load_workbook(folder / WORKBOOK_FILE)


# --- numbers in the words are numbers of the tables ------------------------------------------

NUMBER = re.compile(r"\d(?:[\d.,]*\d)?%?")
ID_THOUSANDS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?")
EN_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


def readings(token: str) -> list[tuple[float, float]]:
    """The values a number written in English (28,129 / 62.3%) or Indonesian (28.129 / 62,3%)
    can mean, each with half a unit of its last digit."""
    percent = token.endswith("%")
    digits = token.rstrip("%")
    found = []
    for pattern, thousands, decimal in ((EN_THOUSANDS, ",", "."), (ID_THOUSANDS, ".", ",")):
        if not pattern.fullmatch(digits):
            continue
        plain = digits.replace(thousands, "").replace(decimal, ".")
        places = len(plain.partition(".")[2])
        value, tolerance = float(plain), 0.5 * 10.0**-places
        if percent:
            value, tolerance = value / 100, tolerance / 100
        found.append((value, tolerance))
    return found


def test_numbers_are_read_in_either_language():
    assert (28129.0, 0.5) in readings("28.129") and (28.129, 0.0005) in readings("28.129")
    assert readings("28,129") == [(28129.0, 0.5), (28.129, 0.0005)]
    assert readings("62,3%") == [pytest.approx((0.623, 0.0005))]
    assert readings("62.3%") == [pytest.approx((0.623, 0.0005))]
    assert readings("1.234.567") == [(1234567.0, 0.5)]
    assert readings("1,234.5") == [(1234.5, 0.05)]
    assert readings("0,7") == [pytest.approx((0.7, 0.05))]


def known_values(result, decided) -> np.ndarray:
    """Every number of the run's tables the slides and the workbook may state, sorted."""
    tables = [result.quality.columns, pd.DataFrame([a.__dict__ for a in decided.actions])]
    for name, exp in result.experiments.items():
        tables += [*exp.profile.tables().values(), exp.sweep.table]
        insights = exp.insights
        tables += [insights.distinguishing, insights.offers, insights.offer_validation]
        if exp.diagnostics is not None:
            tables.append(exp.diagnostics.silhouettes)
        if decided.other and name == decided.targeting:
            tables.append(crosswalk(result, name, decided.other))
    values = [0.7, 0.1]  # the silhouette target; the control group's share
    values += list(range(0, 21))  # segment, action and k numbers
    for table in tables:
        for column in table.columns:
            if table[column].dtype == bool:
                continue
            numbers = pd.to_numeric(table[column], errors="coerce").dropna()
            values += [float(v) for v in numbers.unique()]
    return np.unique(np.asarray(values, dtype=float))


def unknown_numbers(text: str, known: np.ndarray, schema) -> list[str]:
    """The numbers in `text` no value of the tables rounds to."""
    words = [level for col in schema.columns for level in col.levels]
    words += [col.display(lang) for col in schema.columns for lang in ("id", "en")]
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " ")
    missing = []
    for token in NUMBER.findall(text):
        matched = False
        for value, tolerance in readings(token):
            at = np.searchsorted(known, value - tolerance - 1e-9)
            if at < len(known) and known[at] <= value + tolerance + 1e-9:
                matched = True
        if not matched:
            missing.append(token)
    return missing


def slide_texts(deck) -> list[str]:
    texts = []
    for slide in deck.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                texts.append(shape.text_frame.text)
            if shape.has_table:
                texts += [cell.text for row in shape.table.rows for cell in row.cells]
    return texts


def test_every_number_on_the_slides_is_a_number_of_the_tables(result, decided, deck):
    known = known_values(result, decided)
    for text in slide_texts(deck):
        assert not unknown_numbers(text, known, result.schema), text


def test_every_number_of_the_decision_sheet_is_a_number_of_the_tables(result, decided, book):
    known = known_values(result, decided)
    sheet = book[say("sheet_decision", "id")]
    for row in sheet.iter_rows(values_only=True):
        for value in row:
            if isinstance(value, str):
                assert not unknown_numbers(value, known, result.schema), value


def test_every_number_of_the_reports_decision_page_is_a_number_of_the_tables(
    result, decided, folder
):
    """The report's first page, as a reader sees it: its text, its table and its chart's alt."""
    page = (folder / "report.html").read_text(encoding="utf-8")
    section = re.search(r'<section[^>]*id="decision".*?</section>', page, flags=re.DOTALL)
    assert section is not None
    text = re.sub(r'<img[^>]*alt="([^"]*)"[^>]*>', r" \1 ", section.group(0))
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    # the list files are named by number: "actions/1-demografi-segment-2-offer.csv"
    text = re.sub(r"actions/\S+\.csv", " ", text)
    assert re.search(r"\d", text)
    assert not unknown_numbers(text, known_values(result, decided), result.schema), text


def test_the_number_check_catches_invented_numbers_in_either_format(result, decided):
    known = known_values(result, decided)
    for invented in ("12.345 nasabah", "Ages 17–99 own 12.34% more", "61,47%"):
        assert unknown_numbers(invented, known, result.schema), invented


# --- the call lists -----------------------------------------------------------------------


def test_every_action_with_a_list_has_its_csv_and_nothing_else_is_there(result, decided, folder):
    named = {a.list_name for a in decided.actions if a.list_name}
    assert named, "the synthetic run should support at least one action with a call list"
    assert {p.name for p in (folder / ACTIONS_FOLDER).iterdir()} == named
    for action in decided.actions:
        if action.list_name is None:
            continue
        written = files.spreadsheet_restored(
            pd.read_csv(folder / ACTIONS_FOLDER / action.list_name, dtype={"GCIF": str})
        )
        expected = call_list(result, action)
        pd.testing.assert_frame_equal(written, expected, check_dtype=False)
        assert written["segment"].dtype == np.int64
        assert len(written) == action.customers
    text = (folder / ACTIONS_FOLDER / next(iter(sorted(named)))).read_text(encoding="utf-8")
    assert "\n=C" not in text  # IDs a spreadsheet would run are neutralised


def test_the_folder_layout_names_the_new_files(folder):
    assert {SLIDES_FILE, WORKBOOK_FILE, ACTIONS_FOLDER} <= RUN_FOLDER.files
    assert {SLIDES_FILE, WORKBOOK_FILE, ACTIONS_FOLDER} <= {p.name for p in folder.iterdir()}


# --- the workbook ---------------------------------------------------------------------------


def test_the_workbook_has_its_sheets_in_the_run_language(result, decided, book):
    words = decision_words(decided, result, "id")
    expected = [
        say("sheet_decision", "id"),
        *(say("sheet_segments", "id", experiment=n) for n in result.experiments),
        say("sheet_profiles", "id"),
        say("sheet_offers", "id"),
        *(a.sheet for a in words.actions if a.sheet),
    ]
    assert book.sheetnames == expected
    assert all(len(name) <= MAX_SHEET_NAME for name in book.sheetnames)
    assert book.properties.creator == "segmentasi"


def test_the_decision_sheet_says_what_the_decision_words_say(result, decided, book):
    words = decision_words(decided, result, "id")
    cells = [
        value
        for row in book[say("sheet_decision", "id")].iter_rows(values_only=True)
        for value in row
        if value is not None
    ]
    for text in [words.title, *words.paragraphs(), words.actions_title, words.cannot_title]:
        assert files.spreadsheet_cell(text) in cells, text
    for action in words.actions:
        for text in (action.who, action.what, action.evidence, action.how):
            assert text in cells
        assert action.customers in cells and isinstance(action.customers, int)


def test_action_sheets_hold_exactly_the_call_lists(result, decided, book):
    words = {a.number: a for a in decision_words(decided, result, "id").actions}
    for action in decided.actions:
        if action.list_name is None:
            continue
        sheet = book[words[action.number].sheet]
        assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
        rows = list(sheet.iter_rows(min_row=2, values_only=True))
        expected = call_list(result, action)
        ids = [files.spreadsheet_text(r[0]) for r in rows]
        assert ids == expected.iloc[:, 0].tolist()
        assert any(i.startswith("=") for i in ids)  # the hostile IDs are in this list...
        assert not any(str(r[0]).startswith("=") for r in rows)  # ...and neutralised
        assert all(type(r[1]) is int for r in rows)
        assert sheet["D2"].number_format == "0.0%"
        assert sheet["D2"].value == pytest.approx(expected["propensity"].iloc[0])


def test_segment_sheets_count_every_clustered_customer(result, book):
    for name, exp in result.experiments.items():
        sheet = book[say("sheet_segments", "id", experiment=name)]
        assert sheet.freeze_panes == "A2" and all(c.font.b for c in sheet[1])
        rows = list(sheet.iter_rows(min_row=2))
        assert [r[0].value for r in rows] == exp.profile.segments["segment"].tolist()
        sizes = [r[2].value for r in rows]
        assert all(type(v) is int for v in sizes) and sum(sizes) == len(exp.rows)
        assert all(r[3].number_format == "0.0%" for r in rows)
        assert sum(r[3].value for r in rows) == pytest.approx(1.0)
        names = exp.insights.names["id"]
        assert [r[1].value for r in rows] == [
            files.spreadsheet_cell(names[int(n)]) for n in exp.profile.segments["segment"]
        ]


def test_the_profile_and_offer_sheets_hold_the_run_tables(result, book):
    profiles = book[say("sheet_profiles", "id")]
    rows = list(profiles.iter_rows(min_row=2, values_only=True))
    exp = result.experiments["demografi"]
    age = next(r for r in rows if r[0] == "demografi" and r[2] == "median" and "sia" in r[1])
    medians = exp.profile.numeric.query("column == 'Usia'")["median"].tolist()
    # A segment with no recorded age (the widowed, with the not-recorded indicator) has an
    # empty cell where the table has NaN.
    cells = list(age[4 : 4 + len(medians)])
    assert [c is None for c in cells] == [m != m for m in medians]
    assert [c for c in cells if c is not None] == pytest.approx([m for m in medians if m == m])
    offers = book[say("sheet_offers", "id")]
    listed = list(offers.iter_rows(min_row=2, values_only=True))
    assert len(listed) == sum(len(e.insights.offers) for e in result.experiments.values())
    labels = {c.display("id") for c in result.schema.products}
    assert {r[2] for r in listed} <= labels  # readable product labels, not column names
    assert all(type(r[8]) is int for r in listed)


def test_sheet_names_are_excel_safe_and_distinct():
    used: set[str] = set()
    names = [sheet_title(t, used) for t in ("a/b:c", "'quoted'", "x" * 40, "x" * 40, "A/B:C")]
    assert names[0] == "a_b_c" and names[1] == "quoted"
    assert names[2] == "x" * 31 and names[3] == "x" * 27 + " (2)" and names[4] == "A_B_C (2)"


# --- the slides -----------------------------------------------------------------------------


def titled(deck) -> list[str]:
    return [
        next(s.text_frame.text for s in slide.shapes if s.name == "title") for slide in deck.slides
    ]


def test_the_deck_has_the_decision_each_segment_the_crosswalk_and_the_limits(result, decided, deck):
    words = decision_words(decided, result, "id")
    titles = titled(deck)
    decision = [t for t in titles if t.startswith(words.title)]
    segments = sum(len(result.experiments[n].profile.segments) for n in result.experiments)
    assert titles[: len(decision)] == decision and titles[0] == words.title
    assert len(titles) == len(decision) + segments + 1 + 1
    assert titles[-2] == say("crosswalk_title", "id", rows=decided.targeting, columns=decided.other)
    assert titles[-1] == words.cannot_title
    assert deck.slide_width * 9 == deck.slide_height * 16
    assert deck.core_properties.author == "segmentasi" and deck.core_properties.title


def test_the_first_slide_is_the_decision_page(result, decided, deck):
    words = decision_words(decided, result, "id")
    first = {shape.name: shape for shape in deck.slides[0].shapes}
    assert first["use"].text_frame.text == words.use
    texts = slide_texts(deck)
    for action in words.actions:
        assert {action.who, action.what, action.evidence} <= set(texts)
    assert words.cannot in "\n".join(texts)


def test_each_segment_slide_gives_the_profile_size_and_a_chart(result, decided, deck):
    slides_by_title = {t: s for t, s in zip(titled(deck), deck.slides, strict=True)}
    for name in (decided.targeting, decided.other):
        exp = result.experiments[name]
        for record in exp.profile.segments.itertuples():
            segment = int(record.segment)
            title = say(
                "segment_title",
                "id",
                segment=segment,
                experiment=name,
                name=exp.insights.names["id"][segment],
            )
            shapes = {s.name: s for s in slides_by_title[title].shapes}
            stated = readings(NUMBER.findall(shapes["size"].text_frame.text)[0])
            assert any(abs(value - record.size) <= tol for value, tol in stated)
            assert 1 <= len(shapes["traits"].text_frame.paragraphs) <= 4
            chart = segment_chart(result, name, segment, "id")
            assert chart is not None and shapes["chart title"].text_frame.text == chart.title
            drawn = shapes["chart"].chart  # PowerPoint's own chart: editable, its data inside
            mine, every = drawn.plots[0].series
            assert mine.name == say("legend_segment", "id", segment=segment)
            assert every.name == say("legend_all", "id")
            labels = [c.replace("\n", " ") for c in drawn.plots[0].categories]
            assert labels == [m.label for m in chart.measures]
            for series, texts in (
                (mine, [m.value_text for m in chart.measures]),
                (every, [m.overall_text for m in chart.measures]),
            ):
                assert [p.data_label.text_frame.text for p in series.points] == texts
            values = np.array([mine.values, every.values])
            assert values.max() <= 1.0 and drawn.value_axis.maximum_scale > 1.0  # room for labels
            if chart.shares:  # one axis: the bars are the shares themselves
                assert np.allclose(values[0], [m.value for m in chart.measures])
            else:  # each row divided by its larger value: one of its bars is full length
                raw = np.array(
                    [[m.value for m in chart.measures], [m.overall for m in chart.measures]]
                )
                larger = np.fmax(np.abs(raw[0]), np.abs(raw[1]))
                assert np.allclose(values, np.nan_to_num(raw / np.where(larger > 0, larger, 1)))


def test_slide_text_is_at_least_12_points_and_fits_its_box(deck):
    width, height = deck.slide_width, deck.slide_height
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.left + shape.width <= width, (number, shape.name)
            assert shape.top >= 0 and shape.top + shape.height <= height, (number, shape.name)
            frames = []
            if shape.has_text_frame:
                frames.append((shape.text_frame, shape.width, shape.height))
            if shape.has_table:
                columns = [c.width for c in shape.table.columns]
                for row in shape.table.rows:
                    cells = zip(row.cells, columns, strict=True)
                    frames += [(c.text_frame, w, row.height) for c, w in cells]
            for frame, box_width, box_height in frames:
                needed = 0.0
                for paragraph in frame.paragraphs:
                    for run_ in paragraph.runs:
                        assert run_.font.size >= Pt(12), (number, shape.name, run_.text)
                    if paragraph.runs:
                        size = paragraph.runs[0].font.size.pt
                        lines = slides._lines(
                            paragraph.text,
                            box_width / 914400 - 0.16,
                            size,
                            paragraph.runs[0].font.bold,
                        )
                        needed += lines * size * slides.LINE / 72
                assert needed <= box_height / 914400, (number, shape.name, frame.text)


def test_the_crosswalk_slide_counts_every_customer_both_clustered(result, decided, deck):
    counts = crosswalk(result, decided.targeting, decided.other)
    table = next(s for s in deck.slides[-2].shapes if s.name == "crosswalk").table
    cells = [[cell.text for cell in row.cells] for row in table.rows]
    assert len(cells) == len(counts) + 1 and len(cells[0]) == len(counts.columns) + 1
    stated = [[readings(c)[0][0] for c in row[1:]] for row in cells[1:]]
    assert np.array(stated) == pytest.approx(counts.to_numpy())


def test_english_slides_and_workbook(result, decided, tmp_path):
    planned = prepare(result)
    slides.write_slides(result, planned, tmp_path / "en.pptx", "en")
    write_workbook(result, planned, tmp_path / "en.xlsx", "en")
    words = decision_words(decided, result, "en")
    deck = Presentation(str(tmp_path / "en.pptx"))
    assert titled(deck)[0] == words.title == "Decision: what to do"
    book = load_workbook(tmp_path / "en.xlsx", read_only=True)
    assert book.sheetnames[0] == "Decision" and book.sheetnames[-1].startswith("Action ")


# --- whole or nothing -----------------------------------------------------------------------


@pytest.mark.parametrize("step", ["write_slides", "write_workbook"])
def test_a_failed_deliverable_leaves_no_run_folder_and_no_half_file(
    result, tmp_path, monkeypatch, step
):
    def half_then_full_disk(result, planned, path, *args, **kwargs):
        Path(path).write_bytes(b"PK\x03\x04 half a zip")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(run_folder, step, half_then_full_disk)
    out = tmp_path / "runs" / "latest"
    with pytest.raises(WriteRefused, match="no space left"):
        write_run_folder(result, out)
    assert list(tmp_path.iterdir()) == [] or list((tmp_path / "runs").iterdir()) == []
    assert not list(tmp_path.rglob("*.pptx")) and not list(tmp_path.rglob("*.xlsx"))


def test_a_run_folder_with_the_deliverables_is_replaced_with_overwrite(result, tmp_path):
    out = write_run_folder(result, tmp_path / "run")
    again = write_run_folder(replace(result, timings={}), out, overwrite=True)
    assert (again / SLIDES_FILE).is_file() and (again / WORKBOOK_FILE).is_file()


def test_a_long_call_list_is_written_whole(result, decided, tmp_path):
    """50,000 customers in one action's sheet, every one of them (the write-only workbook
    streams them; about 1.5 s on a quiet machine, not asserted: machines are shared)."""
    action = next(a for a in decided.actions if a.list_name)
    planned = prepare(result)
    big = pd.DataFrame(
        {
            "GCIF": [f"C{i:07d}" for i in range(50_000)],
            "segment": action.segment,
            "product": action.product,
            "propensity": 0.4,
        }
    )
    planned.lists[action.number] = big
    write_workbook(result, planned, tmp_path / "big.xlsx", "id")
    sheet = load_workbook(tmp_path / "big.xlsx", read_only=True)[f"Aksi {action.number}"]
    assert sum(1 for _ in sheet.iter_rows()) == 50_001
