"""Check a raw table against its schema and return it typed, listing every problem at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from . import decimals
from .errors import InputError, UserError, quoted
from .files import NAN_TEXT
from .schema import Column, Schema

MAX_ROWS_SHOWN = 5


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the table: which column, which rows, what was expected."""

    column: str | None
    message: str
    rows: tuple[int, ...] = ()
    count: int = 0

    def __str__(self) -> str:
        where = f"column {quoted(self.column)}: " if self.column else ""
        rows = f" ({format_rows(self.rows, self.count)})" if self.count else ""
        return f"{where}{self.message}{rows}"


class ValidationError(UserError):
    """The table does not fit the schema; carries every problem found."""

    def __init__(self, problems: Sequence[Problem], source: str = "table") -> None:
        self.problems = list(problems)
        self.source = source
        super().__init__(self.explain())

    def explain(self) -> str:
        lines = [f"{self.source}: {len(self.problems)} problem(s) found; nothing was written."]
        lines += [f"  - {p}" for p in self.problems]
        lines.append("Row numbers count data rows from 1 (the header is not counted).")
        return "\n".join(lines)


def format_rows(rows: Sequence[int], count: int) -> str:
    """'rows 3, 8, 12 and 40 more' in 1-based data-row numbers."""
    shown = ", ".join(str(r) for r in rows[:MAX_ROWS_SHOWN])
    label = "row" if count == 1 else "rows"
    more = count - min(len(rows), MAX_ROWS_SHOWN)
    return f"{label} {shown}" + (f" and {more} more" if more > 0 else "")


def validate(
    raw: pd.DataFrame,
    schema: Schema,
    *,
    columns: Iterable[str] | None = None,
    allow_extra: bool = False,
    strict: bool = True,
    source: str = "table",
    decimal: str | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Type the table by its schema and collect every problem.

    `columns` limits which schema columns are required (default: all). With strict=True any
    problem raises ValidationError; with strict=False bad cells become missing and the
    problems come back as warnings (used when placing new customers). `decimal`: the decimal
    mark of numbers written as text, '.', ',' or 'auto' (decide from the required numeric
    columns, see decimals.py); None takes what read_table recorded, else '.' (then '1,234' is
    1234, as pandas users write it).
    """
    mark = decimals.check_decimal(decimal or raw.attrs.get(decimals.DECIMAL_ATTR, "."))
    raw = raw.reset_index(drop=True)  # problems and results are by row position
    repeated = pd.unique(raw.columns[raw.columns.duplicated()].astype(str))
    if len(repeated):
        raise InputError(
            f"{source}: column name(s) {', '.join(repr(c) for c in repeated)} appear more than "
            "once in the header; rename or remove the copies"
        )
    ignored = set(schema.ignored)
    used = [c.name for c in schema.used]
    required = [c for c in (used if columns is None else columns) if c not in ignored]
    problems: list[Problem] = []
    if len(raw) == 0:
        problems.append(Problem(None, "the table has no data rows"))
    missing = [c for c in required if c not in raw.columns]
    for name in missing:
        problems.append(
            Problem(
                name,
                f"required column is missing from the table{_did_you_mean(name, raw.columns)}",
            )
        )
    extra = [c for c in raw.columns if c not in schema.names and c not in ignored]
    if extra and not allow_extra:
        problems.append(
            Problem(
                None,
                f"unexpected column(s) {', '.join(quoted(c) for c in extra)} are not in schema "
                f"{quoted(schema.name)} (add them to the schema file, or pass "
                f"--allow-extra-columns){_unnamed_hint(extra)}",
            )
        )
    present = [schema.column(c) for c in used if c in raw.columns]
    declared = {col.name: _declared_cells(raw[col.name], col) for col in present}
    if mark == "auto":
        mark = decimals.decide_decimal(
            [
                (c.name, declared[c.name], _whole(c))
                for c in present
                if c.is_numeric and c.name in required
            ],
            source,
        )
    typed = {}
    for col in present:
        values, col_problems = _type_column(declared[col.name], col, mark)
        typed[col.name] = values
        problems += col_problems
    clean = pd.DataFrame(typed, index=pd.RangeIndex(len(raw)))
    problems += _check_derived_counts(clean, schema)
    if strict and problems:
        raise ValidationError(problems, source)
    if not strict:
        clean = _blank_bad_cells(clean, schema)
    return clean, problems


def _unnamed_hint(extra: list[str]) -> str:
    """Name an unnamed column (an empty header cell: pandas calls it 'Unnamed: 0') for what it
    usually is, a row number an export added, and say how to ignore it."""
    unnamed = [c for c in extra if str(c).startswith("Unnamed: ")]
    if not unnamed:
        return ""
    return (
        f"; {quoted(unnamed[0])} is a column whose header cell is empty, usually a row number "
        f"added by the export: write index = {quoted(unnamed[0])} at the top of the schema to "
        "ignore it"
    )


def _declared_cells(series: pd.Series, col: Column) -> pd.Series:
    """The column's cells with the schema's declared tokens applied: `missing_values` become
    missing, `true_values` / `false_values` become 1 / 0. Matching ignores case and the spaces
    around a cell. Cells that match nothing are left as they are."""
    if not (col.missing_values or col.true_values or col.false_values):
        return series
    text = series.astype("string").str.strip().str.lower()
    replacements = [
        (col.missing_values, None),
        (col.true_values, "1"),
        (col.false_values, "0"),
    ]
    masks = [
        (text.isin([t.strip().lower() for t in tokens]).fillna(False), value)
        for tokens, value in replacements
        if tokens
    ]
    if not any(mask.any() for mask, _ in masks):
        return series
    result = series.astype(object).copy()
    for mask, value in masks:
        result[mask.to_numpy(dtype=bool)] = value
    return result


def _did_you_mean(name: str, candidates: Iterable[str]) -> str:
    lowered = {str(c).lower(): str(c) for c in candidates}
    close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.75)
    return f" (found {quoted(lowered[close[0]])}: did you mean {quoted(name)}?)" if close else ""


def _rows_where(mask: np.ndarray | pd.Series) -> tuple[tuple[int, ...], int]:
    positions = np.flatnonzero(np.asarray(mask))
    return tuple(int(p) + 1 for p in positions[:MAX_ROWS_SHOWN]), len(positions)


def _type_column(series: pd.Series, col: Column, decimal: str) -> tuple[pd.Series, list[Problem]]:
    if col.role == "id":
        return _text_cells(series), []
    if col.role == "index":
        return series, []
    if col.is_categorical:
        return _type_categorical(series, col)
    return _type_numeric(series, col, decimal)


def _text_cells(series: pd.Series) -> pd.Series:
    """Stripped text; empty cells and 'nan' spelled out are missing in text columns."""
    text = series.astype("string").str.strip()
    return text.mask(text.isin(["", *NAN_TEXT]))


def _whole(col: Column) -> bool:
    return col.integer or col.role in ("product", "flag", "derived_count")


def _type_categorical(series: pd.Series, col: Column) -> tuple[pd.Series, list[Problem]]:
    text = _text_cells(series)
    unknown = text.notna() & ~text.isin(col.levels)
    problems = []
    if unknown.any():
        counts = text[unknown].value_counts()
        shown = ", ".join(
            f"{quoted(v)} x{n}{_level_hint(str(v), col.levels)}" for v, n in counts.head(5).items()
        )
        more = f" and {len(counts) - 5} other value(s)" if len(counts) > 5 else ""
        rows, count = _rows_where(unknown)
        problems.append(
            Problem(
                col.name,
                f"unknown level(s) {shown}{more}; allowed: {', '.join(map(quoted, col.levels))}",
                rows,
                count,
            )
        )
    # From the text column as it is (Arrow strings): about 3x faster than from Python objects.
    typed = pd.Categorical(
        text.where(~unknown), categories=list(col.levels), ordered=col.role == "ordinal"
    )
    return pd.Series(typed, index=series.index, name=col.name), problems


def _level_hint(value: str, levels: Sequence[str]) -> str:
    lowered = {lv.lower(): lv for lv in levels}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {quoted(lowered[close[0]])}?)" if close else ""


def _type_numeric(series: pd.Series, col: Column, decimal: str) -> tuple[pd.Series, list[Problem]]:
    cells = decimals.read_numbers(series, decimal)
    numbers = cells.numbers
    malformed = "non-numeric value(s) such as {}"
    if col.true_values:
        malformed = (
            "value(s) such as {} that are neither true_values "
            f"({', '.join(map(quoted, col.true_values))}) nor false_values "
            f"({', '.join(map(quoted, col.false_values))})"
        )
    elif col.is_binary:
        malformed += (
            " in a 0/1 column (declare the words for yes and no with true_values and false_values)"
        )
    problems = [
        _cell_problem(col, cells.text, mask, message)
        for mask, message in (
            (cells.malformed, malformed),
            (
                cells.not_finite,
                "value(s) that are not finite numbers such as {}; leave the cell "
                "empty for a missing value",
            ),
            (
                cells.too_large,
                "implausibly large value(s) such as {} (magnitude above "
                f"{decimals.MAX_MAGNITUDE:g}, the largest segmentasi accepts)",
            ),
        )
        if mask.any()
    ]
    bad = cells.given & numbers.isna().to_numpy()
    # A product column must be filled, unless the schema declares what missing looks like.
    if col.role in ("product", "derived_count") and not col.missing_values and numbers.isna().any():
        rows, count = _rows_where(numbers.isna() & ~bad)
        if count:
            problems.append(
                Problem(
                    col.name,
                    "missing value(s); product columns must be filled (or list the tokens "
                    "that mean missing in missing_values)",
                    rows,
                    count,
                )
            )
    measured = col.measured(numbers)  # sentinels are codes: no range, no whole-number check
    if col.is_binary:
        not_flag = numbers.notna() & ~numbers.isin([0.0, 1.0])
        if not_flag.any():
            rows, count = _rows_where(not_flag)
            problems.append(Problem(col.name, f"{col.role} flags must be 0 or 1", rows, count))
    elif _whole(col):
        fractional = measured.notna() & (measured != np.round(measured))
        if fractional.any():
            rows, count = _rows_where(fractional)
            problems.append(Problem(col.name, "must be a whole number", rows, count))
    lowest = lowest_valid(col)
    for bound, outside, word in (
        (lowest, measured < (lowest if lowest is not None else -np.inf), "below the minimum"),
        (col.max, measured > (col.max if col.max is not None else np.inf), "above the maximum"),
    ):
        if bound is not None and outside.any():
            rows, count = _rows_where(outside)
            problems.append(Problem(col.name, f"value(s) {word} {bound:g}", rows, count))
    return numbers.rename(col.name), problems


def lowest_valid(col: Column) -> float | None:
    """The smallest valid value: the schema's min, and never below 0 on a log scale (the
    features take log(1 + x), which has no value below -1 and no meaning below 0)."""
    if col.scale == "log":
        return 0.0 if col.min is None else max(col.min, 0.0)
    return col.min


def _cell_problem(col: Column, text: pd.Series, mask: np.ndarray, message: str) -> Problem:
    examples = ", ".join(map(quoted, pd.unique(text[mask].astype(str))[:3]))
    rows, count = _rows_where(mask)
    return Problem(col.name, message.format(examples), rows, count)


def _check_derived_counts(clean: pd.DataFrame, schema: Schema) -> list[Problem]:
    problems = []
    for col in schema.by_role("derived_count"):
        if col.name not in clean or not all(p in clean for p in col.of):
            continue
        total = clean[list(col.of)].sum(axis=1, min_count=len(col.of))
        mismatch = clean[col.name].notna() & total.notna() & (clean[col.name] != total)
        if mismatch.any():
            rows, count = _rows_where(mismatch)
            problems.append(
                Problem(col.name, f"does not equal the sum of {', '.join(col.of)}", rows, count)
            )
    return problems


def _blank_bad_cells(clean: pd.DataFrame, schema: Schema) -> pd.DataFrame:
    """Lenient mode: numbers outside their valid range become missing (as unknown levels are)."""
    result = clean.copy()
    for col in schema.by_role("numeric"):
        if col.name in result:
            lowest = lowest_valid(col)
            low = -np.inf if lowest is None else lowest
            high = np.inf if col.max is None else col.max
            values = result[col.name]
            keep = values.between(low, high) | col.sentinel_mask(values)
            result[col.name] = values.where(keep)
    return result
