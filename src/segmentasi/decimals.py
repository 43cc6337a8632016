"""Numbers written as text: which decimal mark a table uses, and reading its cells strictly.

Excel in Indonesian (and most European) locales writes 1506,75 and 1.234.567,8; other systems
write 1506.75 and 1,234,567.8. A cell says which mark its file uses when it reads one way only:
    decimal comma:  1506,75   490,0   0,500   1.234.567,8   1.234.567
    decimal point:  1506.75   490.0   0.500   1,234,567.8   1,234,567
    either:         1,500   1.500   (one separator with three digits after it)
In a whole-number column an "either" cell is whole one way only (1,500 is 1500 with a decimal
point, 1.5 with a decimal comma), so it says which too. A file's mark is decided from the cells
of all its numeric columns together.

With the mark known, a cell is a number only if it reads cleanly: an optional sign, digits with at
most one decimal mark, thousands separators only in groups of three after a first group of one to
three digits (1,234,567.8 or 1.234.567,8), an optional exponent (1.5e3). Anything else is not a
number. inf, Infinity and nan spelled out are not finite, and magnitudes beyond MAX_MAGNITUDE are
not plausible: no bank amount is that large (1e15 rupiah is about 60 billion US dollars), and far
larger values overflow the clustering's float32 features once divided by the spread of the
others. The bound holds whatever the schema's min and max say; they can only narrow it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.api.types import is_bool_dtype, is_numeric_dtype, is_string_dtype

from .errors import InputError

DECIMAL_CHOICES = ("auto", ".", ",")
# Where read_table records the decimal mark asked for (DataFrame.attrs), for validate to use.
DECIMAL_ATTR = "decimal"
MAX_MAGNITUDE = 1e15
MARK_NAMES = {".": "decimal point", ",": "decimal comma"}
NOT_FINITE_WORDS = r"[+-]?(?:inf|infinity|nan)"  # matched ignoring case
# Evidence a cell gives about its file's decimal mark.
NONE, POINT, COMMA, EITHER = range(4)
_MARKS = {POINT: ".", COMMA: ","}
_ASK = "say which with --decimal , or --decimal . (decimal=',' or '.' in Python)"


def check_decimal(decimal: str) -> str:
    """The decimal option as given, or InputError when it is not auto, '.' or ','."""
    if decimal not in DECIMAL_CHOICES:
        raise InputError(
            f"decimal mark must be auto, '.' or ',' (--decimal auto|.|,), not {decimal!r}"
        )
    return decimal


def number_pattern(decimal: str) -> str:
    """Regular expression of a well-formed number with this decimal mark (one place for it)."""
    mark, group = re.escape(decimal), re.escape("," if decimal == "." else ".")
    whole = rf"(?:[1-9][0-9]{{0,2}}(?:{group}[0-9]{{3}})+|[0-9]+)"  # ASCII digits only
    return rf"[+-]?(?:{whole}(?:{mark}[0-9]*)?|{mark}[0-9]+)(?:[eE][+-]?[0-9]+)?"


@dataclass(frozen=True)
class NumberColumn:
    """A column read as numbers: float64 values (NaN where missing or unusable) and why not."""

    numbers: pd.Series
    text: pd.Series  # the cells as the file wrote them (stripped), for messages
    given: np.ndarray  # the cell is not missing
    malformed: np.ndarray  # not a number with this decimal mark
    not_finite: np.ndarray  # inf, -inf, Infinity, nan spelled out (or a non-finite typed value)
    too_large: np.ndarray  # magnitude beyond MAX_MAGNITUDE, including numbers that overflow


def read_numbers(values: pd.Series, decimal: str) -> NumberColumn:
    """Numbers of one column; text cells read strictly with `decimal` ('.' or ','), typed cells
    (Excel, Parquet, numbers in a DataFrame) kept as they are."""
    if is_numeric_dtype(values.dtype) and not is_bool_dtype(values.dtype):
        numbers = values.astype("float64")
        nothing = np.zeros(len(values), dtype=bool)
        return _checked(
            numbers,
            values.astype("string"),
            numbers.notna().to_numpy(),
            nothing,
            np.isinf(numbers.to_numpy()),
        )
    text, typed = _split_text(values)
    codes, uniques = _factorized(text)
    unique_numbers = _parse(uniques, decimal)
    words = uniques.str.fullmatch(NOT_FINITE_WORDS, case=False).to_numpy(dtype=bool)
    empty = (uniques == "").to_numpy(dtype=bool)
    is_text = codes >= 0
    numbers = pd.Series(_take(unique_numbers.to_numpy(), codes, np.nan), index=values.index)
    malformed = is_text & _take(unique_numbers.isna().to_numpy() & ~words & ~empty, codes, False)
    not_finite = is_text & _take(words, codes, False)
    given = is_text & ~_take(empty, codes, True)
    shown = pd.Series(
        _take(uniques.to_numpy(dtype=object), codes, None), index=values.index, dtype="string"
    )
    if typed is not None:
        typed_numbers = typed.map(_typed_number).astype("float64")
        numbers = numbers.where(is_text, typed_numbers)
        is_typed = typed.notna().to_numpy()
        malformed |= is_typed & typed_numbers.isna().to_numpy()
        given |= is_typed
        not_finite |= is_typed & np.isinf(typed_numbers.to_numpy())
        shown = shown.where(is_text, typed.astype("string"))
    return _checked(numbers, shown, given, malformed, not_finite)


@dataclass(frozen=True)
class Evidence:
    """What one column's text cells say about the decimal mark, in a form that the parts of a
    table add up (`combined`): per kind of cell (POINT, COMMA, EITHER) how many there are, and
    the ones a message may quote (`_quotable`), as (0-based row, cell) in row order."""

    counts: dict[int, int]
    examples: dict[int, tuple[tuple[int, str], ...]]

    def shifted(self, rows: int) -> Evidence:
        """The same evidence `rows` rows further down (a part's rows counted in its table)."""
        return Evidence(
            self.counts,
            {kind: tuple((r + rows, c) for r, c in found) for kind, found in self.examples.items()},
        )


KINDS = (POINT, COMMA, EITHER)


def evidence(values: pd.Series, whole: bool) -> Evidence:
    """What the cells of one column (whole numbers only: `whole`) say about the decimal mark."""
    kinds, cells = _evidence(values, whole)
    counts, examples = {}, {}
    for kind in KINDS:
        positions = np.flatnonzero(kinds == kind)
        counts[kind] = len(positions)
        examples[kind] = _quotable(positions, cells[positions])
    return Evidence(counts, examples)


def combined(parts: Sequence[Evidence]) -> Evidence:
    """The evidence of consecutive parts of one column (in row order, rows counted from the
    column's first) as the evidence of the whole column."""
    examples = {}
    for kind in KINDS:
        found = [example for part in parts for example in part.examples[kind]]
        rows = np.array([row for row, _ in found], dtype=np.int64)
        examples[kind] = _quotable(rows, np.array([cell for _, cell in found], dtype=object))
    return Evidence({kind: sum(part.counts[kind] for part in parts) for kind in KINDS}, examples)


def _quotable(rows: np.ndarray, cells: np.ndarray) -> tuple[tuple[int, str], ...]:
    """Of cells in row order, the (row, cell) pairs a message may quote (see `_examples`): the
    first two, and the first whose cell differs from the first's."""
    if len(rows) == 0:
        return ()
    different = np.flatnonzero(cells != cells[0])[:1]
    picked = np.unique(np.concatenate([np.arange(min(len(rows), 2)), different]))
    return tuple((int(rows[i]), str(cells[i])) for i in picked)


def decide_decimal(columns: dict[str, Evidence], source: str) -> str:
    """The decimal mark of a table's text numbers, from the evidence of its numeric columns
    together (by column name, see `evidence`).

    Refuses (InputError naming the column and two of its cells) a column that contradicts the
    others, and a table whose only evidence is cells that read as different numbers either way.
    """
    points = sum(found.counts[POINT] for found in columns.values())
    commas = sum(found.counts[COMMA] for found in columns.values())
    mark, other = (",", POINT) if commas > points else (".", COMMA)
    for name, found in columns.items():
        if not found.counts[other]:
            continue
        if found.counts[POINT + COMMA - other]:
            shown = _examples(found, [POINT, COMMA])
            what = f"mixes a decimal point and a decimal comma ({shown})"
        else:
            what = (
                f"writes numbers with a {MARK_NAMES[_MARKS[other]]} "
                f"({_examples(found, [other])}) but the table's other numeric columns "
                f"use a {MARK_NAMES[mark]}"
            )
        raise InputError(f"{source}: column '{name}' {what}; {_ASK}")
    if points or commas:
        return mark
    for name, found in columns.items():
        if found.counts[EITHER]:
            first = found.examples[EITHER][0][1]
            as_point, as_comma = (
                float(_parse(pd.Series([first], dtype="str"), m).iloc[0]) for m in (".", ",")
            )
            raise InputError(
                f"{source}: column '{name}' has numbers such as "
                f"{_examples(found, [EITHER])} that read differently with a decimal point "
                f"('{first}' is {as_point:g}) and a decimal comma ({as_comma:g}), and no other "
                f"number in the table says which mark it uses; {_ASK}"
            )
    return "."


def _checked(
    numbers: pd.Series,
    text: pd.Series,
    given: np.ndarray,
    malformed: np.ndarray,
    not_finite: np.ndarray,
) -> NumberColumn:
    """Blank every cell that is not a usable number, marking the implausibly large ones."""
    with np.errstate(invalid="ignore"):
        too_large = ~not_finite & (np.abs(numbers.to_numpy()) > MAX_MAGNITUDE)
    usable = ~(malformed | not_finite | too_large)
    return NumberColumn(numbers.where(usable), text, given, malformed, not_finite, too_large)


def _split_text(values: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """Text cells (as str, others missing) and, for mixed columns, the other non-missing cells."""
    if is_string_dtype(values.dtype) and values.dtype != object:
        return values.astype("str"), None
    cells = values.astype(object)
    is_text = cells.map(lambda v: isinstance(v, str)).astype(bool)
    typed = cells.where(~is_text & cells.notna())
    return cells.where(is_text).astype("str"), (typed if typed.notna().any() else None)


def _typed_number(value: object) -> float:
    """A cell that is already a number (Excel, Parquet, Python); NaN for anything else."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return np.nan
    return float(value)


def _factorized(text: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Codes of each cell into its distinct stripped texts (-1 where missing)."""
    codes, uniques = pd.factorize(text)
    return codes, pd.Series(uniques, dtype="str").str.strip()


def _take(per_unique: np.ndarray, codes: np.ndarray, missing: object) -> np.ndarray:
    """Per-cell values from per-distinct-text values; `missing` where the cell is missing."""
    if len(per_unique) == 0:
        return np.full(len(codes), missing, dtype=np.asarray([missing]).dtype)
    taken = per_unique[np.maximum(codes, 0)]
    taken[codes < 0] = missing
    return taken


def _parse(texts: pd.Series, decimal: str) -> pd.Series:
    """float64 value of each well-formed text with this mark (±inf when it overflows), else NaN."""
    group = "," if decimal == "." else "."
    valid = texts.str.fullmatch(number_pattern(decimal)).to_numpy(dtype=bool)
    plain = texts.str.replace(group, "", regex=False).str.replace(decimal, ".", regex=False)
    return pd.to_numeric(plain.where(valid), errors="coerce").astype("float64")


def _evidence(values: pd.Series, whole: bool) -> tuple[np.ndarray, np.ndarray]:
    """What each text cell says about the decimal mark (NONE/POINT/COMMA/EITHER), and the cells."""
    text, _ = _split_text(values)
    codes, uniques = _factorized(text)
    has_separator = uniques.str.contains(r"[.,]", regex=True).to_numpy(dtype=bool)
    kinds = np.full(len(uniques), NONE)
    # Only texts with a separator say anything: most columns (whole amounts, codes, 0/1) hold
    # none, and parsing their distinct texts twice took seconds on a million rows.
    separated = uniques[has_separator]
    as_point, as_comma = _parse(separated, "."), _parse(separated, ",")
    point_ok, comma_ok = as_point.notna().to_numpy(), as_comma.notna().to_numpy()
    found = np.select([point_ok & comma_ok, point_ok, comma_ok], [EITHER, POINT, COMMA], NONE)
    if whole:  # an "either" cell that is a whole number one way only says which
        point_whole = (as_point == np.round(as_point)).to_numpy()
        comma_whole = (as_comma == np.round(as_comma)).to_numpy()
        either = found == EITHER
        found[either & point_whole & ~comma_whole] = POINT
        found[either & comma_whole & ~point_whole] = COMMA
    kinds[has_separator] = found
    return _take(kinds, codes, NONE), _take(uniques.to_numpy(dtype=object), codes, None)


def _examples(found: Evidence, wanted: Sequence[int]) -> str:
    """Two cells and their row numbers: one of each wanted kind, or two of the one kind
    (two different texts where the column has them)."""
    shown: list[tuple[int, str]] = []
    for kind in wanted:
        quotable = found.examples[kind]
        first_of_each: dict[str, tuple[int, str]] = {}
        for row, cell in quotable:
            first_of_each.setdefault(cell, (row, cell))
        shown += list(dict.fromkeys([*first_of_each.values(), *quotable[:2]]))[: 3 - len(wanted)]
    return " and ".join(f"'{cell}' in row {row + 1}" for row, cell in shown)
