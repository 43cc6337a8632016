"""filters: the --where language parses, checks and filters without ever running code."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segmentasi import read_table, run, synthesize, validate
from segmentasi.filters import MAX_DEPTH, FilterError, filter_rows, parse_filter

from .conftest import cli_in_child, cli_in_process


@pytest.fixture(scope="module")
def typed(synthetic, schema) -> pd.DataFrame:
    """The synthetic customers, validated, with missing cells in every kind of column."""
    raw = synthetic.astype({"GCIF": object, "Area": object, "Vintage": object})
    raw.loc[::11, "GCIF"] = None
    raw.loc[::7, "Area"] = None
    raw.loc[::5, "Vintage"] = None
    table, _ = validate(raw, schema)
    assert table["Usia"].isna().any()  # the synthetic table's own missing ages
    return table


def keeps(table: pd.DataFrame, text: str) -> np.ndarray:
    return parse_filter(text).mask(table)


def problem(table: pd.DataFrame, text: str) -> str:
    with pytest.raises(FilterError) as raised:
        keeps(table, text)
    return str(raised.value)


CONSTRUCTS: list[tuple[str, Callable[[pd.DataFrame], pd.Series]]] = [
    ("Usia > 40", lambda t: t.Usia > 40),
    ("Usia >= 40.5", lambda t: t.Usia >= 40.5),
    ("Usia < 4e1", lambda t: t.Usia < 40),
    ("Usia <= 40", lambda t: t.Usia <= 40),
    ("Usia == 40", lambda t: t.Usia == 40),
    ("Usia = 40", lambda t: t.Usia == 40),
    ("Usia != 40", lambda t: t.Usia != 40),
    ("Usia > -1", lambda t: t.Usia > -1),
    ("Usia between -5 and 3e1", lambda t: t.Usia <= 30),
    ("Usia in [30, 40, 50.0]", lambda t: t.Usia.isin([30, 40, 50])),
    ("Usia not in [30, 40,]", lambda t: ~t.Usia.isin([30, 40])),
    ("Usia between 30 and 40", lambda t: (t.Usia >= 30) & (t.Usia <= 40)),
    ("Usia not between 30 and 40", lambda t: ~((t.Usia >= 30) & (t.Usia <= 40))),
    ("Usia is missing", lambda t: t.Usia.isna()),
    ("Usia is not missing", lambda t: t.Usia.notna()),
    ("Area == 'Jakarta'", lambda t: t.Area == "Jakarta"),
    ('Area != "Jakarta"', lambda t: t.Area != "Jakarta"),
    ("Area in ['Jakarta', 'Bogor']", lambda t: t.Area.isin(["Jakarta", "Bogor"])),
    ("Area not in ['Jakarta', 'Bogor']", lambda t: ~t.Area.isin(["Jakarta", "Bogor"])),
    ("Area is missing", lambda t: t.Area.isna()),
    ("Status_Perkawinan == 'Janda/Duda'", lambda t: t.Status_Perkawinan == "Janda/Duda"),
    ("Vintage > '< 1 Tahun'", lambda t: t.Vintage > "< 1 Tahun"),
    ("Vintage <= '2 - 3 Tahun'", lambda t: t.Vintage <= "2 - 3 Tahun"),
    (
        "Pendidikan between 'SMP' and 'Sarjana'",
        lambda t: (t.Pendidikan >= "SMP") & (t.Pendidikan <= "Sarjana"),
    ),
    (
        "Pendidikan not between 'SMP' and 'Sarjana'",
        lambda t: ~((t.Pendidikan >= "SMP") & (t.Pendidikan <= "Sarjana")),
    ),
    ("GCIF == 'G00009'", lambda t: (t.GCIF == "G00009").fillna(False)),
    ("GCIF != 'G00009'", lambda t: ~(t.GCIF == "G00009").fillna(False)),
    ("GCIF in ['G00009', 'G00023']", lambda t: t.GCIF.isin(["G00009", "G00023"])),
    ("GCIF < 'G00100'", lambda t: (t.GCIF < "G00100").fillna(False)),
    ("GCIF is missing", lambda t: t.GCIF.isna()),
    ("not Usia > 40", lambda t: ~(t.Usia > 40)),
    ("Usia > 40 and Area == 'Bogor'", lambda t: (t.Usia > 40) & (t.Area == "Bogor")),
    ("Usia > 40 or Area == 'Bogor'", lambda t: (t.Usia > 40) | (t.Area == "Bogor")),
    (
        "not Usia > 40 and Jumlah_Anak == 2 or Area == 'Solo'",
        lambda t: (~(t.Usia > 40) & (t.Jumlah_Anak == 2)) | (t.Area == "Solo"),
    ),
    (
        "Area == 'Solo' or Usia > 40 and Jumlah_Anak == 2",
        lambda t: (t.Area == "Solo") | ((t.Usia > 40) & (t.Jumlah_Anak == 2)),
    ),
    (
        "not (Usia > 40 or Area == 'Solo') and (Jumlah_Anak < 1 or Jumlah_Anak > 3)",
        lambda t: (
            ~((t.Usia > 40) | (t.Area == "Solo")) & ((t.Jumlah_Anak < 1) | (t.Jumlah_Anak > 3))
        ),
    ),
    (
        "NOT Usia BETWEEN 20 AND 30 And Area Is Not Missing",
        lambda t: ~((t.Usia >= 20) & (t.Usia <= 30)) & t.Area.notna(),
    ),
    ("`Usia`>40 AND`Area`IN['Solo']", lambda t: (t.Usia > 40) & t.Area.isin(["Solo"])),
]


@pytest.mark.parametrize(("text", "reference"), CONSTRUCTS, ids=[c[0] for c in CONSTRUCTS])
def test_each_construct_matches_a_pandas_mask(typed, text, reference):
    expected = reference(typed).to_numpy(dtype=bool)
    assert 0 < expected.sum() < len(typed)  # a test that keeps all or nothing proves little
    assert np.array_equal(keeps(typed, text), expected)


@pytest.mark.parametrize(
    "text",
    [
        "Jalur_Pembukaan == 'Telemarketing'",
        "Usia > 40 and Area in ['Jakarta', 'Bogor']",
        "Usia != 40 and Area not in ['Jakarta']",
        "(Pendidikan >= 'SMA' and Usia < 30) or Jumlah_Anak == 2",
    ],
)
def test_legitimate_filters_keep_what_pandas_query_kept(typed, text):
    """The rows (and their index) are those the former `DataFrame.query` filter kept."""
    assert filter_rows(typed, text).equals(typed.query(text, engine="python"))


def test_the_real_table_keeps_what_pandas_query_kept(real_table_path, schema):
    table, _ = validate(read_table(real_table_path), schema)
    for text in [
        "Jalur_Pembukaan == 'Telemarketing'",
        "Usia > 40 and Area in ['Jakarta', 'Bogor']",
        "Usia != 40 or Vintage >= '2 - 3 Tahun'",
        "Pendidikan not in ['SD', 'SMP'] and Pendapatan_Tahunan < 100",
    ]:
        assert filter_rows(table, text).equals(table.query(text, engine="python")), text


def test_names_levels_and_strings_are_quoted_and_escaped():
    table = pd.DataFrame(
        {
            "Nama Kota": pd.Categorical(["Kota 'A'", 'Kota "B"', "C\\D", None]),
            "Ärger_1": [1.0, 2.0, 3.0, 4.0],
            "a`b": [1.0, 2.0, 3.0, 4.0],
            "and": [0.0, 1.0, 0.0, 1.0],
        }
    )
    assert keeps(table, r"`Nama Kota` == 'Kota \'A\''").tolist() == [True, False, False, False]
    assert keeps(table, r"`Nama Kota` == 'Kota \"B\"'").tolist() == [False, True, False, False]
    assert keeps(table, r'`Nama Kota` == "Kota \"B\""').tolist() == [False, True, False, False]
    assert keeps(table, r"`Nama Kota` == 'C\\D'").tolist() == [False, False, True, False]
    assert keeps(table, "Ärger_1 >= 3").tolist() == [False, False, True, True]
    assert keeps(table, "`a``b` < 2").tolist() == [True, False, False, False]
    assert keeps(table, "`and` == 1").tolist() == [False, True, False, True]
    assert "unknown escape '\\n'" in problem(table, r"`Nama Kota` == 'x\n'")
    assert "unexpected 'and'" in problem(table, "and == 1")  # a keyword needs backquotes


def test_missing_values_satisfy_no_comparison_but_its_opposite(typed):
    missing = typed.Usia.isna().to_numpy()
    for text in ["Usia == 40", "Usia < 200", "Usia in [40]", "Usia between 0 and 200"]:
        assert not keeps(typed, text)[missing].any(), text
    for text in ["Usia != 40", "Usia not in [40]", "Usia not between 0 and 200", "not Usia < 200"]:
        assert keeps(typed, text)[missing].all(), text


def test_unknown_column_gets_a_did_you_mean(typed):
    message = problem(typed, "Usia > 30 and Jalur_pembukan == 'Cabang'")
    assert (
        "unknown column 'Jalur_pembukan' (did you mean 'Jalur_Pembukaan'?) at position 15"
        in message
    )
    message = problem(typed, "`Nothing like it` > 1")
    assert message.startswith("unknown column 'Nothing like it' at position 1\n")


def test_unknown_level_gets_a_did_you_mean(typed):
    message = problem(typed, "Area in ['Jakarta', 'Surabya']")
    assert (
        "column 'Area' has no level 'Surabya' (did you mean 'Surabaya'?) at position 21" in message
    )
    assert "(its levels: Jakarta, Bandung, Surabaya, Solo, Jogja, Bogor)" in problem(
        typed, "Area == 'Medan'"
    )
    assert "has no level 'Doktr' (did you mean 'Doktor'?)" in problem(
        typed, "Pendidikan between 'SMA' and 'Doktr'"
    )


def test_values_must_fit_the_column_type(typed):
    assert (
        "column 'Usia' is numeric, but '40' is a string (write numbers without quotes) "
        "at position 8" in problem(typed, "Usia > '40'")
    )
    assert (
        "column 'Area' holds levels, not numbers: quote the level (Area == '3') "
        "at position 18" in problem(typed, "Area in ['Solo', 3]")
    )
    assert "column 'GCIF' holds text: quote the value (GCIF == '-7') at position 9" in problem(
        typed, "GCIF == -7"
    )


def test_nominal_columns_have_no_order(typed):
    message = problem(typed, "Usia > 3 and Area between 'Bandung' and 'Solo'")
    assert (
        "column 'Area' is nominal: its levels have no order, so it cannot be compared "
        "with 'between' (use ==, != or in) at position 14" in message
    )
    assert "cannot be compared with '<'" in problem(typed, "Area < 'Solo'")


def test_syntax_errors_give_the_position_and_a_caret(typed):
    assert problem(typed, "Usia > 40 and") == (
        "the filter ends too early after 'and': expected a column name, '(' or 'not' "
        "at position 14\n"
        "  Usia > 40 and\n"
        "               ^"
    )
    assert problem(typed, "Usia 40") == (
        "unexpected '40' after 'Usia': expected a comparison (==, !=, <, <=, >, >=), 'in', "
        "'not', 'between' or 'is' at position 6\n"
        "  Usia 40\n"
        "       ^"
    )
    assert problem(typed, "Usia > 3 && Area == 'Solo'").startswith(
        "unexpected character '&' (use 'and') at position 10\n"
    )
    assert "the string opened with ' is never closed at position 8" in problem(typed, "Usia > 'x")
    assert "expected ')'" in problem(typed, "(Usia > 3")
    assert problem(typed, " ") == "the filter is empty"
    assert problem(typed, ["Usia > 3"]) == "a filter is text, not list"
    assert "the number 1e999 is too large at position 8" in problem(typed, "Usia > 1e999")


def test_long_filters_show_the_problem_in_context(typed):
    text = " and ".join(["Usia > 1"] * 40) + " and Usia >> 2"
    lines = problem(typed, text).splitlines()
    assert (
        lines[0] == f"unexpected '>' after '>': expected a number or a quoted string "
        f"at position {len(text) - 2}"
    )
    assert lines[1].startswith("  ...") and lines[1].endswith("Usia >> 2")
    assert lines[2].index("^") == lines[1].rindex(">")


def test_hostile_sizes_are_refused_without_recursion_errors(typed):
    assert "the limit is 10,000" in problem(typed, "Usia > 1 or " * 1000 + "Usia > 1")
    assert f"more than {MAX_DEPTH} levels deep" in problem(typed, "not " * 2000 + "Usia > 1")
    nested = "Usia > 1 and (Usia > 2 or " * 300 + "Usia > 3" + ")" * 300
    assert f"more than {MAX_DEPTH} levels deep" in problem(typed, nested)
    deep_parentheses = "(" * 4000 + "Usia > 40" + ")" * 4000
    assert np.array_equal(keeps(typed, deep_parentheses), (typed.Usia > 40).to_numpy())
    flat = " or ".join(f"Usia == {age}" for age in range(20, 600))
    assert np.array_equal(keeps(typed, flat), typed.Usia.between(20, 599).to_numpy())


def test_the_api_refuses_a_bad_filter(typed, schema):
    with pytest.raises(FilterError, match="--where is not a valid filter: unknown column"):
        run(typed, schema=schema, where="Usai > 40", diagnose=False)


# The command line, as a user or an attacker runs it.


@pytest.fixture(scope="module")
def table_file(tmp_path_factory, schema) -> Path:
    path = tmp_path_factory.mktemp("data") / "customers.csv"
    synthesize(schema, rows=300, seed=1).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("where", "fragment"),
    [
        ("Usia > 40 and Are == 'Solo'", "unknown column 'Are' (did you mean 'Area'?)"),
        ("Area == 'Jakrta'", "has no level 'Jakrta' (did you mean 'Jakarta'?)"),
        ("Usia == 'tua'", "column 'Usia' is numeric, but 'tua' is a string"),
        ("Jenis_Kelamin < 'Perempuan'", "column 'Jenis_Kelamin' is nominal"),
        ("Usia >", "the filter ends too early after '>'"),
        ("Usia > 200", "--where 'Usia > 200' keeps no rows"),
    ],
)
def test_a_bad_filter_exits_2_with_a_message(tmp_path, table_file, where, fragment):
    out = tmp_path / "run"
    done = cli_in_process("run", table_file, "--out", out, "--where", where, "--quiet")
    assert done.returncode == 2 and fragment in done.stderr and "Traceback" not in done.stderr
    assert not out.exists()


def test_the_shell_command_attack_exits_2_and_runs_nothing(tmp_path, table_file):
    pwned, out = tmp_path / "pwned", tmp_path / "run"
    done = cli_in_child(
        "run",
        table_file,
        "--out",
        out,
        "--where",
        f"Usia > @files.os.system('touch {pwned}')",
        "--quiet",
    )
    assert done.returncode == 2, done.stderr
    assert "unexpected character '@' at position 8" in done.stderr
    assert not pwned.exists() and not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "attack",
    [
        "Usia > @files.os.system('touch {pwned}')",
        "Usia > @pd.io.common.os.system('touch {pwned}')",
        "__import__('os').system('touch {pwned}')",
        "Usia > 0 and __import__('os').system('touch {pwned}') == 0",
        "Usia.__class__.__base__.__subclasses__()",
        "`Usia`.__class__ > 0",
        "`__import__('os').system('touch {pwned}')` > 0",
        "Usia > (lambda: __import__('os').system('touch {pwned}'))()",
        "@pd.read_csv('{pwned}') == 1",
        "Usia > `{pwned}`",
        "Usia in [open('{pwned}', 'w')]",
    ],
)
def test_code_in_a_filter_never_runs(tmp_path, table_file, attack):
    pwned, out = tmp_path / "pwned", tmp_path / "run"
    where = attack.format(pwned=pwned)
    done = cli_in_process("run", table_file, "--out", out, "--where", where, "--quiet")
    assert done.returncode == 2 and "--where is not a valid filter" in done.stderr
    assert not pwned.exists() and not out.exists()


# Property tests.

GUARDED_EVENTS = re.compile(r"^(exec|compile|open|import|os\.|subprocess\.|socket\.|ctypes\.)")
_seen_events: list[str] | None = None


def _audit(event: str, args: tuple) -> None:
    if _seen_events is not None and GUARDED_EVENTS.match(event):
        _seen_events.append(event)


_audit_installed = False


@contextmanager
def nothing_runs() -> Iterator[None]:
    """Fail if the block executes or compiles code, imports, opens a file or starts a process
    (an audit hook cannot be removed, so it is installed once and only listens in here)."""
    global _seen_events, _audit_installed
    if not _audit_installed:
        sys.addaudithook(_audit)
        _audit_installed = True
    modules = set(sys.modules)
    _seen_events = []
    try:
        yield
    finally:
        seen, _seen_events = _seen_events, None
    assert seen == [] and set(sys.modules) == modules, (seen, set(sys.modules) - modules)


TOKENS = [
    "Usia",
    "Area",
    "GCIF",
    "Vintage",
    "`Jalur_Pembukaan`",
    "`",
    "``",
    "'",
    '"',
    "\\",
    "@",
    "@io",
    "@pd",
    "__import__",
    "__class__",
    "__builtins__",
    ".",
    ",",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ":",
    ";",
    "lambda",
    "os.system('touch /tmp/x')",
    "and",
    "or",
    "not",
    "in",
    "between",
    "is",
    "missing",
    "AND",
    "Not",
    "==",
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "-",
    "+",
    "*",
    "**",
    "&",
    "|",
    "~",
    "40",
    "-1",
    "1e999",
    "3.5e-2",
    ".5",
    "'Jakarta'",
    '"Bogor"',
    "'Surabya'",
    "'SMA'",
    "'x\\'y'",
    "\n",
    "\t",
    "\u200f",
    "\x00",
    " ",
]
spliced = st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=3)), max_size=30).map(
    " ".join
) | st.lists(st.sampled_from(TOKENS), max_size=30).map("".join)
# Whole clauses, good and bad, so that the checks after parsing are reached too.
CLAUSES = [
    "Usia > 40",
    "Area == 'Solo'",
    "Usia is missing",
    "`Jalur_Pembukaan` != 'Cabang'",
    "Usia > 1e999",
    "Area == 'bad \\q escape'",
    "GCIF in ['a', 1]",
    "Area < 'Solo'",
    "Usai == 1",
    "Vintage between '< 1 Tahun' and '> 4 Tahun'",
    "Usia > 'x'",
    "Area == 1",
]
joined = st.builds(
    lambda nots, clauses, joiner: "not " * nots + joiner.join(clauses),
    st.integers(0, 2 * MAX_DEPTH),
    st.lists(st.sampled_from(CLAUSES), min_size=1, max_size=5),
    st.sampled_from([" and ", " or ", " and not (", ") or ("]),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(max_size=200) | spliced | joined)
def test_any_text_is_a_filter_or_a_filter_error(typed, text):
    keeps(typed, "Usia > 0")  # lark is imported and the parser built before listening
    with nothing_runs():
        try:
            mask = keeps(typed, text)
        except FilterError as error:
            assert str(error)
        else:
            assert mask.dtype == bool and mask.shape == (len(typed),)


# Random valid filters: a tree of tests over the columns, rendered to text with random
# spelling, and evaluated directly with pandas operations as the reference.

RENAMED = {"Jalur_Pembukaan": "Jalur Pembukaan", "Jumlah_Anak": "Jumlah`Anak"}
KEYWORDS = {"and", "or", "not", "in", "between", "is", "missing"}
ORDER_OPS = ["<", "<=", ">", ">=", "between", "not between"]
EQUALITY_OPS = ["==", "!=", "in", "not in", "is missing", "is not missing"]


@pytest.fixture(scope="module")
def renamed(typed) -> pd.DataFrame:
    return typed.rename(columns=RENAMED)


def _kind(series: pd.Series) -> str:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return "ordinal" if series.dtype.ordered else "nominal"
    return "numeric" if pd.api.types.is_numeric_dtype(series.dtype) else "text"


def leaves(table: pd.DataFrame) -> st.SearchStrategy:
    """One random test of one column, its values fitting the column."""
    return st.one_of([column_leaves(column, table[column]) for column in table.columns])


def column_leaves(column: str, series: pd.Series) -> st.SearchStrategy:
    kind = _kind(series)
    ops = EQUALITY_OPS + ([] if kind == "nominal" else ORDER_OPS)
    if kind in ("ordinal", "nominal"):
        value = st.sampled_from(list(series.cat.categories))
    elif kind == "numeric":
        value = (
            st.sampled_from(series.dropna().unique().tolist())
            | st.integers(-5, 10**6).map(float)
            | st.floats(-1e9, 1e12, allow_nan=False)
        )
    else:
        value = st.sampled_from(series.dropna().unique().tolist()) | st.text(max_size=8)

    @st.composite
    def leaf(draw: st.DrawFn) -> tuple:
        op = draw(st.sampled_from(ops))
        if op.endswith("missing"):
            values = []
        elif op.endswith("in"):
            values = draw(st.lists(value, min_size=1, max_size=4))
        else:
            values = [draw(value) for _ in range(2 if op.endswith("between") else 1)]
        return ("test", column, op, values)

    return leaf()


@pytest.fixture(scope="module")
def trees(renamed) -> st.SearchStrategy:
    """Random filter trees over the renamed table's columns."""
    return st.recursive(
        leaves(renamed),
        lambda children: (
            st.tuples(st.just("not"), children)
            | st.tuples(st.sampled_from(["and", "or"]), st.lists(children, min_size=2, max_size=3))
        ),
        max_leaves=8,
    )


def reference(table: pd.DataFrame, tree: tuple) -> np.ndarray:
    """The tree evaluated directly with pandas: comparisons are False on a missing value,
    `!=`, `not in` and `not between` are their opposites."""
    if tree[0] == "not":
        return ~reference(table, tree[1])
    if tree[0] in ("and", "or"):
        masks = [reference(table, child) for child in tree[1]]
        combine = np.logical_and if tree[0] == "and" else np.logical_or
        return combine.reduce(masks)
    _, column, op, values = tree
    series = table[column]
    if op.endswith("missing"):
        kept = series.isna()
        return ~kept.to_numpy() if op == "is not missing" else kept.to_numpy()
    compare = {
        "==": series.__eq__,
        "!=": series.__eq__,
        "<": series.__lt__,
        "<=": series.__le__,
        ">": series.__gt__,
        ">=": series.__ge__,
    }
    if op.endswith("in"):
        kept = series.isin(values)
    elif op.endswith("between"):
        kept = (series >= values[0]) & (series <= values[1])
    else:
        kept = compare[op](values[0])
    kept = pd.Series(kept).fillna(False).to_numpy(dtype=bool)
    return ~kept if op in ("!=", "not in", "not between") else kept


def render(tree: tuple, rnd, parent: str | None = None) -> str:
    """The tree as filter text: parentheses only where needed (or at random), random
    keyword case, spacing, quotes and number spelling."""
    space = rnd.choice([" ", "  ", "\n", "\t "])

    def word(keyword: str) -> str:
        return space + rnd.choice([keyword, keyword.upper(), keyword.title()]) + space

    if tree[0] == "not":
        text = word("not").lstrip() + render(tree[1], rnd, "not")
        needed = False
    elif tree[0] in ("and", "or"):
        text = word(tree[0]).join(render(child, rnd, tree[0]) for child in tree[1])
        needed = parent == "not" or (parent == "and" and tree[0] == "or")
    else:
        text = render_test(tree, rnd, word)
        needed = False
    return f"({text})" if needed or rnd.random() < 0.1 else text


def render_test(tree: tuple, rnd, word: Callable[[str], str]) -> str:
    _, column, op, values = tree
    bare = re.fullmatch(r"[^\W\d]\w*", column) and column.lower() not in KEYWORDS
    name = column if bare and rnd.random() < 0.8 else "`" + column.replace("`", "``") + "`"
    shown = [render_value(v, rnd) for v in values]
    negation = word("not") if op.startswith("not") or op == "is not missing" else ""
    if op.endswith("missing"):
        return name + word("is") + negation + word("missing")
    if op.endswith("in"):
        return name + negation + word("in") + "[" + ", ".join(shown) + rnd.choice(["", ","]) + "]"
    if op.endswith("between"):
        return name + negation + word("between") + shown[0] + word("and") + shown[1]
    symbol = "=" if op == "==" and rnd.random() < 0.2 else op
    return name + rnd.choice(["", " "]) + symbol + rnd.choice(["", " "]) + shown[0]


def render_value(value, rnd) -> str:
    if isinstance(value, str):
        quote = rnd.choice(["'", '"'])
        return quote + value.replace("\\", "\\\\").replace(quote, "\\" + quote) + quote
    number = repr(abs(float(value)))
    if float(value).is_integer() and abs(value) < 1e15 and rnd.random() < 0.5:
        number = str(int(abs(value)))
    return ("-" if np.signbit(value) else "") + number


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_random_valid_filters_equal_a_pandas_reference(renamed, trees, data):
    tree = data.draw(trees)
    text = render(tree, data.draw(st.randoms(use_true_random=False)))
    assert np.array_equal(keeps(renamed, text), reference(renamed, tree)), text
