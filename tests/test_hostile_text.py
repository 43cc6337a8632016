"""Every text from the data is data (issue 12, items 4 and 5).

Ids, levels, column names and labels that hold spreadsheet formulas, console markup, mathtext,
HTML, control characters, right-to-left marks, emoji or 10,000 characters go through validate,
run, the report, targets and assign: CSV cells a spreadsheet would run are neutralised (and read
back exactly), the report escapes them, the console prints them as text, charts draw them.
"""

from __future__ import annotations

import csv
import io as text_io
import json
import re
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentasi import cli, files
from segmentasi.config import RunConfig, load_config
from segmentasi.errors import InputError, quoted
from segmentasi.report import plots
from segmentasi.run_folder import read_campaign_tables
from segmentasi.schema import SchemaError, load_schema

from .conftest import cli_in_child, cli_in_process, make_other_bank

LONG = "L" * 10_000
HOSTILE_IDS = [
    '=HYPERLINK("http://evil.example","click")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1)",
    "[/]",
    "[bold red]x[/]",
    "[link=file:///etc/passwd]click[/link]",
    "$5^{1$",
    "$\\alpha$",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    LONG,
    "\x07bell",
    "nul\x00byte",
    "\x1b[31mred",
    "\u202eevil",
    "😀 emoji",
    ":thumbs_up:",
    "'=quoted",
    "-12.5",
]
REGIONS = ["[bold red]x[/]", "$5^{1$", "=1+2 \u202e😀"]
TIERS = ["$\\alpha$", "<img src=x onerror=alert(1)>", "@SUM(1) \x1b[31m\x07"]
LOAN = "=loan+1"  # a product column whose name is a formula
REGION_LABEL = "[link=file:///etc/passwd]x[/link] $5^{1$ <script>alert(1)</script>"
CARD_LABEL = "-2+3 <b>card</b>"
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")
# What a spreadsheet reads as a number, never a formula: "-3", "-0.", ".5", "+1e-5".
NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def assert_clean(done: subprocess.CompletedProcess) -> None:
    """No traceback, no internal error, and no escape character from the data on the terminal."""
    assert "Traceback" not in done.stderr and "Internal error" not in done.stderr, done.stderr
    assert "\x1b" not in done.stdout and "\x1b" not in done.stderr


def unsafe_cells(path: Path) -> list[str]:
    """Cells (header included) that a spreadsheet would run as a formula."""
    with open(path, newline="", encoding="utf-8") as handle:
        cells = [cell for row in csv.reader(handle) for cell in row]
    return [c for c in cells if c.startswith(FORMULA_CHARS) and not NUMBER.fullmatch(c)]


def schema_text(experiment: str = "people") -> str:
    """A schema whose levels, labels, names and description are hostile (TOML strings written
    as JSON strings, which TOML reads the same)."""
    columns = [
        {"name": "cust_no", "role": "id"},
        {
            "name": "region",
            "role": "nominal",
            "levels": [*REGIONS, LONG],
            "label": REGION_LABEL,
            "label_en": REGION_LABEL,
        },
        {
            "name": "age_years",
            "role": "numeric",
            "min": 18,
            "max": 99,
            "integer": True,
            "label": "$\\alpha$ \x1b[31m😀",
            "label_en": "$\\alpha$ \x1b[31m😀",
        },
        {"name": "segment_tier", "role": "ordinal", "levels": TIERS},
        {"name": "has_card", "role": "product", "label": CARD_LABEL, "label_en": CARD_LABEL},
        {"name": LOAN, "role": "product"},
        {"name": "n_products", "role": "derived_count", "of": ["has_card", LOAN]},
    ]
    lines = ['name = "[/]hostile \\u001b[31m"']
    for column in columns:
        lines.append("[[columns]]")
        lines += [
            f"{key} = {json.dumps(value, ensure_ascii=False)}" for key, value in column.items()
        ]
    lines += [
        f"[experiments.{json.dumps(experiment)}]",
        'features = ["region", "age_years", "segment_tier"]',
        'metric = "gower"',
        f"description = {json.dumps(REGION_LABEL)}",
    ]
    return "\n".join(lines) + "\n"


def hostile_table() -> pd.DataFrame:
    """300 customers in three groups; the first rows carry the hostile ids, all in one group
    and without the loan, so one call list holds every one of them."""
    table = make_other_bank(300)
    table["cust_no"] = table["cust_no"].astype(object)
    table["region"] = table["region"].map(
        dict(zip(["north", "south", "east"], REGIONS, strict=True))
    )
    table["segment_tier"] = table["segment_tier"].map(
        dict(zip(["bronze", "silver", "gold"], TIERS, strict=True))
    )
    table = table.rename(columns={"has_loan": LOAN})
    hostile = slice(0, len(HOSTILE_IDS) - 1)
    table.loc[hostile, "cust_no"] = HOSTILE_IDS
    table.loc[hostile, ["region", "segment_tier"]] = [REGIONS[0], TIERS[0]]
    table.loc[hostile, ["age_years", "has_card", LOAN, "n_products"]] = [25, 1, 0, 1]
    return table


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("hostile")
    paths = {"table": folder / "table.csv", "schema": folder / "schema.toml"}
    hostile_table().to_csv(paths["table"], index=False)
    paths["schema"].write_text(schema_text(), encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def run(inputs, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    out = tmp_path_factory.mktemp("runs") / "run"
    done = cli_in_child(
        "run", inputs["table"], "--schema", inputs["schema"], "--out", out, "--k-max", "4"
    )
    return out, done


# --- the spreadsheet rule -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+2", "'=1+2"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=x", "'\t=x"),
        ("\r=x", "'\r=x"),
        ("-", "'-"),
        ("-inf", "'-inf"),
        ("'=x", "''=x"),  # so that taking one ' off gives back exactly "'=x"
        ("-12.5", "-12.5"),  # plain numbers are numbers to a spreadsheet, never formulas
        ("-3", "-3"),
        ("+1e-5", "+1e-5"),
        ("'x", "'x"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_spreadsheet_rule_per_cell(value, written):
    assert files.spreadsheet_cell(value) == written
    assert files.spreadsheet_text(written) == value


def test_spreadsheet_safe_covers_every_text_column_and_the_header():
    frame = pd.DataFrame(
        {
            "=name": ["=1+2", None, "ok"],
            "text": pd.Series(["@x", "-5", "y"], dtype="string"),
            "level": pd.Categorical(["+a", "b", "+a"], categories=["+a", "b", "-1"]),
            "number": [-1.5, 2.0, -3.0],
            "mixed": ["-x", 3, np.nan],
        }
    )
    safe = files.spreadsheet_safe(frame)
    assert list(safe.columns) == ["'=name", "text", "level", "number", "mixed"]
    assert safe["'=name"].tolist()[::2] == ["'=1+2", "ok"] and pd.isna(safe["'=name"][1])
    assert safe["text"].tolist() == ["'@x", "-5", "y"]
    assert list(safe["level"].cat.categories) == ["'+a", "b", "-1"]
    assert safe["number"].tolist() == [-1.5, 2.0, -3.0]
    assert safe["mixed"].tolist()[:2] == ["'-x", 3]
    assert frame.columns[0] == "=name" and frame["text"][0] == "@x"  # the input is not changed
    pd.testing.assert_frame_equal(files.spreadsheet_restored(safe), frame)


def test_a_table_that_needs_nothing_is_written_as_it_is():
    frame = pd.DataFrame({"id": ["G1", "G2"], "effect": [-2.5, 0.3], "level": ["a b", "-4"]})
    assert files.spreadsheet_safe(frame) is frame


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="'=+-@\t\r0123456789.eE ax[]$", max_size=8) | st.text(max_size=12))
def test_spreadsheet_rule_is_exact_and_safe(text):
    written = files.spreadsheet_cell(text)
    assert files.spreadsheet_text(written) == text
    assert not written.startswith(FORMULA_CHARS) or NUMBER.fullmatch(written)
    assert written in (text, "'" + text)


def test_xlsx_cells_are_text_never_formulas(tmp_path):
    path = tmp_path / "out.xlsx"
    files.write_table(pd.DataFrame({"id": ["=1+2", "@SUM(1)", "-3"], "n": [-1, 2, 3]}), path)
    sheet = openpyxl.load_workbook(path).active
    cells = [[c for c in row] for row in sheet.iter_rows(min_row=2)]
    assert [(c[0].value, c[0].data_type) for c in cells] == [
        ("'=1+2", "s"),
        ("'@SUM(1)", "s"),
        ("-3", "s"),
    ]
    assert [c[1].value for c in cells] == [-1, 2, 3]
    with pytest.raises(InputError, match="control character"):
        files.write_table(pd.DataFrame({"id": ["\x1b[31m"]}), tmp_path / "bad.xlsx")


def test_parquet_keeps_raw_values(tmp_path):
    frame = pd.DataFrame({"=id": HOSTILE_IDS})
    files.write_table(frame, tmp_path / "out.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out.parquet"), frame)


# --- messages, console, charts, names that become paths -----------------------------------------


def test_a_cell_in_a_message_is_quoted_on_one_line_and_cut():
    assert quoted("\x1b[31mred\u202e\n\x00") == "'\\x1b[31mred\\u202e\\n\\x00'"
    assert quoted(LONG) == "'" + "L" * 80 + "…'"


def test_the_console_prints_markup_emoji_codes_and_escapes_as_text():
    buffer = text_io.StringIO()
    console = cli.DataConsole(file=buffer, width=200)
    console.print("[/] [bold red]x[/] [link=file:///etc/passwd]y :thumbs_up: \x1b[31m\u202e")
    console.print(cli._styled("Error:", "bold red", " [/]\x07"))
    assert buffer.getvalue() == (
        "[/] [bold red]x[/] [link=file:///etc/passwd]y :thumbs_up: \\x1b[31m\\u202e\n"
        "Error: [/]\\x07\n"
    )


def test_progress_descriptions_are_text(monkeypatch):
    monkeypatch.setattr(
        cli, "err_console", cli.DataConsole(file=text_io.StringIO(), force_terminal=True)
    )
    with cli._progress(quiet=False) as update:
        update("[/]people: kmeans [bold]k=3", 1, 2)  # markup here raised MarkupError


def test_chart_labels_draw_dollar_signs_as_text():
    names = {1: "$5^{1$", 2: "$\\alpha$ and $x"}
    for src in (
        plots.heatmap(
            np.array([[0.5, -0.5], [1.0, 0.0]]),
            [["$1", "2$"], ["a", "b"]],
            ["$5^{1$ level", "$\\alpha$"],
            [1, 2],
            "$",
            "$5^{1$",
            "$x",
        ),
        plots.segment_map(
            np.array([[0.0, 1.0], [1.0, 0.0]]),
            np.array([1, 2]),
            plots.AxisTexts("$5^{1$", "$", "$\\alpha"),
            names,
        ),
    ):
        assert src.startswith("data:image/png;base64,")


def test_an_experiment_name_cannot_be_a_path(tmp_path):
    path = tmp_path / "schema.toml"
    for name in ("../escaped", "/tmp/x", ".hidden", "a/b", "x" * 65):
        path.write_text(schema_text(name), encoding="utf-8")
        with pytest.raises(SchemaError, match="becomes a folder name"):
            load_schema(path)


def test_search_configs_keep_names_beyond_ascii(tmp_path):
    config = RunConfig("people", ("Usia 😀", 'a\x7fb\x1b"q\\'), scales={"Usia 😀": "log"})
    path = tmp_path / "config.toml"
    path.write_text(config.to_toml(), encoding="utf-8")
    assert load_config(path) == config


# --- the command line end to end ----------------------------------------------------------------


def test_validate_prints_hostile_text_as_data(inputs):
    done = cli_in_process("validate", inputs["table"], "--schema", inputs["schema"])
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    assert "schema '[/]hostile \\x1b[31m'" in done.stdout
    assert "[bold red]x[/]: " in done.stdout and "\\x1b[31m\\x07: " in done.stdout  # a level


def test_run_writes_every_csv_safe_to_open(run):
    out, done = run
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    written = sorted(out.rglob("*.csv"))
    assert len(written) >= 10
    for path in written:
        assert unsafe_cells(path) == [], path
    text = (out / "segments.csv").read_text(encoding="utf-8")
    assert text.startswith("cust_no,region,age_years,segment_tier,has_card,'=loan+1,")
    assert '"\'=HYPERLINK(""http://evil.example"",""click"")"' in text
    assert "\n''=quoted," in text and "\n-12.5," in text and "\n'-2+3," in text
    assert "'=1+2 \u202e😀" in (out / "people" / "profile_categories.csv").read_text("utf-8")


def test_the_run_folder_reads_ids_back_exactly(run):
    out, _ = run
    _, segments, offers = read_campaign_tables(out, "people")
    assert segments["cust_no"].tolist()[: len(HOSTILE_IDS)] == HOSTILE_IDS
    assert LOAN in segments.columns and LOAN in set(offers["product"])
    assert set(segments["region"]) == set(REGIONS)


def test_the_report_escapes_hostile_text(run):
    out, _ = run
    html = (out / "report.html").read_text(encoding="utf-8")
    # the report's own inline script (printing opens collapsed sections) is the only one
    assert html.count("<script") == 1 and "<script>alert" not in html
    assert "<img src=x" not in html and "<b>card" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "-2+3 &lt;b&gt;card&lt;/b&gt;" in html
    assert "[link=file:///etc/passwd]x[/link] $5^{1$" in html


def test_a_call_list_of_hostile_ids(run, tmp_path):
    out, _ = run
    _, segments, _ = read_campaign_tables(out, "people")
    segment = int(segments["segment_people"][0])
    calls = tmp_path / "calls.csv"
    done = cli_in_process(
        "targets",
        out,
        "--segment",
        segment,
        "--product",
        LOAN,
        "--experiment",
        "people",
        "--out",
        calls,
    )
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    assert "do not own =loan+1." in done.stdout
    assert unsafe_cells(calls) == []
    text = calls.read_text(encoding="utf-8")
    assert '\n"\'=HYPERLINK(""http://evil.example"",""click"")",' in text
    assert f",{segment},'=loan+1," in text
    ids = files.spreadsheet_restored(pd.read_csv(calls, dtype=str, keep_default_na=False))
    assert set(HOSTILE_IDS) <= set(ids["cust_no"])


BAD_LEVELS = ["[/]", "\x1b[31mred", "M" * 10_000, "\u202eevil", "[link=file:///etc/passwd]x"]
BAD_SHOWN = [
    "'[/]' x1",
    "'\\x1b[31mred' x1",
    "'" + "M" * 80 + "…' x1",
    "'\\u202eevil' x1",
    "'[link=file:///etc/passwd]x' x1",
]


@pytest.fixture(scope="module")
def bad_table(inputs) -> Path:
    """The hostile table with undeclared hostile levels, a hostile non-number and a hostile
    extra column (its first rows, with the hostile ids, are as they were)."""
    table = hostile_table()
    table.loc[30:34, "region"] = BAD_LEVELS
    table["age_years"] = table["age_years"].astype(object)
    table.loc[35, "age_years"] = "$5^{1$"
    table["[/]\x1b[31m"] = 1
    path = inputs["table"].with_name("bad.csv")
    table.to_csv(path, index=False)
    return path


def test_invalid_hostile_cells_are_shown_as_data_and_nothing_is_written(
    inputs, bad_table, tmp_path
):
    out = tmp_path / "run"
    done = cli_in_process("run", bad_table, "--schema", inputs["schema"], "--out", out)
    assert done.returncode == 2
    assert_clean(done)
    for shown in [
        *BAD_SHOWN,
        "column 'age_years': non-numeric value(s) such as '$5^{1$' (row 36)",
        "unexpected column(s) '[/]\\x1b[31m'",
    ]:
        assert shown in done.stderr
    assert max(len(line) for line in done.stderr.splitlines()) < 1500  # one line per problem
    assert list(tmp_path.iterdir()) == []


def test_assign_prints_and_writes_hostile_text_as_data(run, bad_table, tmp_path):
    """Placing rows prints segment names, and warns about the bad cells, as text."""
    out, _ = run
    placed = tmp_path / "placed.csv"
    done = cli_in_process("assign", out / "people", bad_table, "--out", placed)
    assert done.returncode == 0, done.stderr
    assert_clean(done)
    # In the segment names (built from distinguishing traits: the hostile tier levels and
    # product label here, not the region's label): markup and control characters as text.
    assert "$\\alpha$" in done.stdout and "@SUM(1) \\x1b[31m\\x07" in done.stdout
    assert "<b>card</b>" in done.stdout
    assert all(shown in done.stderr for shown in BAD_SHOWN[:2])
    assert unsafe_cells(placed) == []
    table = files.spreadsheet_restored(pd.read_csv(placed, dtype=str, keep_default_na=False))
    assert table["cust_no"].tolist()[: len(HOSTILE_IDS)] == HOSTILE_IDS
