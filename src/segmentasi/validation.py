"""Check a raw table against its schema and return it typed, listing every problem at once."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

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
    mark of numbers written as text, '.' or ',' or 'auto' (decide from the required numeric
    columns, see decimals.py); None takes what read_table recorded, else '.' (then '1,234' is
    1234, as pandas users write it).

    The work is split so that another engine can do it part by part (spark/validate.py): what
    the header shows (`Checks`, `table_problems`), the decimal mark's evidence
    (`decimal_evidence`) and the typing and checking of the rows (`typed_rows`), whose findings
    the parts of a table add up (`combined`).
    """
    mark = decimals.check_decimal(decimal or raw.attrs.get(decimals.DECIMAL_ATTR, "."))
    raw = raw.reset_index(drop=True)  # problems and results are by row position
    checks = Checks.of(raw.columns, schema, columns, source)
    problems = table_problems(checks, len(raw), allow_extra)
    declared = declared_cells(raw, checks)
    if mark == "auto":
        mark = decimals.decide_decimal(decimal_evidence(declared, checks), source)
    clean, found = typed_rows(declared, checks, mark, len(raw), strict)
    problems += [f.problem() for f in found if f.count]
    if strict and problems:
        raise ValidationError(problems, source)
    return clean, problems


@dataclass(frozen=True)
class Checks:
    """What validating a table with these column names against `schema` checks: the columns
    it requires, those present (which are typed), and those missing or not in the schema."""

    schema: Schema
    header: tuple[str, ...]
    required: tuple[str, ...]
    present: tuple[Column, ...]
    missing: tuple[str, ...]
    extra: tuple[str, ...]

    @classmethod
    def of(
        cls, header: Iterable[object], schema: Schema, columns: Iterable[str] | None, source: str
    ) -> Checks:
        """The checks for a table whose header is `header`; InputError if a name repeats."""
        names = pd.Index(list(header))
        repeated = pd.unique(names[names.duplicated()].astype(str))
        if len(repeated):
            raise InputError(
                f"{source}: column name(s) {', '.join(repr(c) for c in repeated)} appear more "
                "than once in the header; rename or remove the copies"
            )
        ignored = set(schema.ignored)
        used = [c.name for c in schema.used]
        required = [c for c in (used if columns is None else columns) if c not in ignored]
        return cls(
            schema,
            tuple(names),
            tuple(required),
            tuple(schema.column(c) for c in used if c in names),
            tuple(c for c in required if c not in names),
            tuple(c for c in names if c not in schema.names and c not in ignored),
        )


def table_problems(checks: Checks, rows: int, allow_extra: bool) -> list[Problem]:
    """The problems the header and the number of rows show: no rows, columns missing or
    unexpected."""
    problems: list[Problem] = []
    if rows == 0:
        problems.append(Problem(None, "the table has no data rows"))
    for name in checks.missing:
        problems.append(
            Problem(
                name,
                f"required column is missing from the table{_did_you_mean(name, checks.header)}",
            )
        )
    if checks.extra and not allow_extra:
        problems.append(
            Problem(
                None,
                f"unexpected column(s) {', '.join(quoted(c) for c in checks.extra)} are not in "
                f"schema {quoted(checks.schema.name)} (add them to the schema file, or pass "
                f"--allow-extra-columns){_unnamed_hint(list(checks.extra))}",
            )
        )
    return problems


def declared_cells(raw: pd.DataFrame, checks: Checks) -> dict[str, pd.Series]:
    """The cells of each present column with the schema's declared tokens applied."""
    return {col.name: _declared_cells(raw[col.name], col) for col in checks.present}


def decimal_evidence(
    declared: dict[str, pd.Series], checks: Checks
) -> dict[str, decimals.Evidence]:
    """What the required numeric columns' cells say about the decimal mark."""
    return {
        c.name: decimals.evidence(declared[c.name], _whole(c))
        for c in checks.present
        if c.is_numeric and c.name in checks.required
    }


def typed_rows(
    declared: dict[str, pd.Series], checks: Checks, mark: str, rows: int, strict: bool = True
) -> tuple[pd.DataFrame, list[Found]]:
    """The rows typed with decimal mark `mark` ('.' or ','), and every check on them (those
    that failed nowhere too, so that the parts of a table give the same list). With
    strict=False the numbers outside their valid range are blanked."""
    typed = {}
    found: list[Found] = []
    for col in checks.present:
        values, col_found = _type_column(declared[col.name], col, mark)
        typed[col.name] = values
        found += col_found
    clean = pd.DataFrame(typed, index=pd.RangeIndex(rows))
    found += _check_derived_counts(clean, checks.schema)
    if not strict:
        clean = _blank_bad_cells(clean, checks.schema)
    return clean, found


@dataclass(frozen=True)
class Found:
    """One check of one column over a table or a part of it, in a form that the parts add up
    (`combined`): the first rows it failed on (0-based), on how many, and what its message
    quotes. The message is `before`, the cells or unknown levels found, then `after`."""

    column: str
    before: str
    after: str = ""
    rows: tuple[int, ...] = ()
    count: int = 0
    cells: tuple[str, ...] = ()  # the first distinct cells it failed on, quoted as examples
    levels: tuple[str, ...] | None = None  # unknown-level checks: the column's levels ...
    values: tuple[tuple[str, int], ...] = ()  # ... and each unknown value with its count

    def shifted(self, rows: int) -> Found:
        """The same finding `rows` rows further down (a part's rows counted in its table)."""
        return replace(self, rows=tuple(r + rows for r in self.rows))

    def problem(self) -> Problem:
        if self.levels is not None:
            detail = _unknown_levels(self.values, self.levels)
        else:
            detail = ", ".join(map(quoted, self.cells))
        rows = tuple(r + 1 for r in self.rows)
        return Problem(self.column, f"{self.before}{detail}{self.after}", rows, self.count)


MAX_CELLS_SHOWN = 3


def combined(parts: Sequence[Sequence[Found]]) -> list[Found]:
    """The checks of consecutive parts of one table (in row order, rows counted from the
    table's first) as the checks of the whole table."""
    merged = []
    for same in zip(*parts, strict=True):
        counts: dict[str, int] = {}
        for part in same:
            for value, count in part.values:
                counts[value] = counts.get(value, 0) + count
        merged.append(
            replace(
                same[0],
                rows=tuple(r for part in same for r in part.rows)[:MAX_ROWS_SHOWN],
                count=sum(part.count for part in same),
                cells=tuple(dict.fromkeys(c for part in same for c in part.cells))[
                    :MAX_CELLS_SHOWN
                ],
                values=tuple(counts.items()),
            )
        )
    return merged


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


def _found(column: str, before: str, mask: np.ndarray | pd.Series, after: str = "") -> Found:
    """The check `before` of `column` failing where `mask` is true."""
    positions = np.flatnonzero(np.asarray(mask))
    rows = tuple(int(p) for p in positions[:MAX_ROWS_SHOWN])
    return Found(column, before, after, rows, len(positions))


def _type_column(series: pd.Series, col: Column, decimal: str) -> tuple[pd.Series, list[Found]]:
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


def _type_categorical(series: pd.Series, col: Column) -> tuple[pd.Series, list[Found]]:
    text = _text_cells(series)
    unknown = text.notna() & ~text.isin(col.levels)
    counts = text[unknown].value_counts(sort=False)  # in the order they first appear
    found = replace(
        _found(
            col.name,
            "unknown level(s) ",
            unknown,
            f"; allowed: {', '.join(map(quoted, col.levels))}",
        ),
        levels=col.levels,
        values=tuple((str(v), int(n)) for v, n in counts.items()),
    )
    # From the text column as it is (Arrow strings): about 3x faster than from Python objects.
    typed = pd.Categorical(
        text.where(~unknown), categories=list(col.levels), ordered=col.role == "ordinal"
    )
    return pd.Series(typed, index=series.index, name=col.name), [found]


def _unknown_levels(values: Sequence[tuple[str, int]], levels: Sequence[str]) -> str:
    """The five most frequent unknown values (the first found first among equals), each with
    its count and the level it may be a typo of, and how many other values there are."""
    counts = pd.Series(dict(values), dtype="int64").sort_values(ascending=False, kind="stable")
    shown = ", ".join(
        f"{quoted(v)} x{n}{_level_hint(str(v), levels)}" for v, n in counts.head(5).items()
    )
    more = f" and {len(counts) - 5} other value(s)" if len(counts) > 5 else ""
    return f"{shown}{more}"


def _level_hint(value: str, levels: Sequence[str]) -> str:
    lowered = {lv.lower(): lv for lv in levels}
    close = difflib.get_close_matches(value.lower(), list(lowered), n=1, cutoff=0.6)
    return f" (did you mean {quoted(lowered[close[0]])}?)" if close else ""


def _type_numeric(series: pd.Series, col: Column, decimal: str) -> tuple[pd.Series, list[Found]]:
    cells = decimals.read_numbers(series, decimal)
    numbers = cells.numbers
    malformed = ("non-numeric value(s) such as ", "")
    if col.true_values:
        malformed = (
            "value(s) such as ",
            " that are neither true_values "
            f"({', '.join(map(quoted, col.true_values))}) nor false_values "
            f"({', '.join(map(quoted, col.false_values))})",
        )
    elif col.is_binary:
        malformed = (
            "non-numeric value(s) such as ",
            " in a 0/1 column (declare the words for yes and no with true_values and false_values)",
        )
    found = [
        _cell_found(col, cells.text, mask, before, after)
        for mask, (before, after) in (
            (cells.malformed, malformed),
            (
                cells.not_finite,
                (
                    "value(s) that are not finite numbers such as ",
                    "; leave the cell empty for a missing value",
                ),
            ),
            (
                cells.too_large,
                (
                    "implausibly large value(s) such as ",
                    f" (magnitude above {decimals.MAX_MAGNITUDE:g}, the largest segmentasi "
                    "accepts)",
                ),
            ),
        )
    ]
    bad = cells.given & numbers.isna().to_numpy()
    # A product column must be filled, unless the schema declares what missing looks like.
    if col.role in ("product", "derived_count") and not col.missing_values:
        found.append(
            _found(
                col.name,
                "missing value(s); product columns must be filled (or list the tokens "
                "that mean missing in missing_values)",
                numbers.isna() & ~bad,
            )
        )
    measured = col.measured(numbers)  # sentinels are codes: no range, no whole-number check
    if col.is_binary:
        not_flag = numbers.notna() & ~numbers.isin([0.0, 1.0])
        found.append(_found(col.name, f"{col.role} flags must be 0 or 1", not_flag))
    elif _whole(col):
        fractional = measured.notna() & (measured != np.round(measured))
        found.append(_found(col.name, "must be a whole number", fractional))
    lowest = lowest_valid(col)
    for bound, outside, word in (
        (lowest, measured < (lowest if lowest is not None else -np.inf), "below the minimum"),
        (col.max, measured > (col.max if col.max is not None else np.inf), "above the maximum"),
    ):
        if bound is not None:
            found.append(_found(col.name, f"value(s) {word} {bound:g}", outside))
    return numbers.rename(col.name), found


def lowest_valid(col: Column) -> float | None:
    """The smallest valid value: the schema's min, and never below 0 on a log scale (the
    features take log(1 + x), which has no value below -1 and no meaning below 0)."""
    if col.scale == "log":
        return 0.0 if col.min is None else max(col.min, 0.0)
    return col.min


def _cell_found(col: Column, text: pd.Series, mask: np.ndarray, before: str, after: str) -> Found:
    examples = pd.unique(text[mask].astype(str))[:MAX_CELLS_SHOWN]
    return replace(_found(col.name, before, mask, after), cells=tuple(map(str, examples)))


def _check_derived_counts(clean: pd.DataFrame, schema: Schema) -> list[Found]:
    found = []
    for col in schema.by_role("derived_count"):
        if col.name not in clean or not all(p in clean for p in col.of):
            continue
        total = clean[list(col.of)].sum(axis=1, min_count=len(col.of))
        mismatch = clean[col.name].notna() & total.notna() & (clean[col.name] != total)
        found.append(_found(col.name, f"does not equal the sum of {', '.join(col.of)}", mismatch))
    return found


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
