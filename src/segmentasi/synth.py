"""Synthetic customers calibrated to a real table, generated from a calibration declared as data.

Demo data, test fixtures and scale benchmarks need customers that look like the real ones
without copying any row. The calibration holds aggregates only (shares, quantiles, rates) and
lives beside the schema as `<schema name>.synth.toml`; the code never names a bank's column.

Calibration format:

    [columns.<name>]        one table per schema column, in generation order: a column's
                            cases may refer only to columns listed above it.
      kind = "id"           prefix, digits: unique ids, prefix + zero-padded number (wider when
                            the row count needs more digits)
             "categorical"  shares = {level = share, ...}; a numeric column's levels are its values
             "quantiles"    p, q: inverse CDF through the points (p, q), linear in between, so
                            each step is uniform; repeat a p to leave a gap
             "normal"       mean, sd; optional on = "<numeric column>", slope: mean + slope * on
             "flag"         p: probability of a 1
             "sum"          the sum of the schema's `of` columns (derived counts); at_least = n:
                            rows below n get the shortfall added to one of those columns at random
      Numeric draws are clipped to the schema's min/max; integer columns take the floor of the
      draw, so quantiles q = [20, 60] give the integers 20..59.
    [[columns.<name>.cases]]
      when = {<column> = level | [level, ...] | [low, high]}, then the parameters that differ
      for the matching rows. [low, high] of two numbers is the range low <= x < high. Conditions
      in one `when` must all hold; the first matching case wins, other rows use the table above.
    [quality]               problems of the real table, so a data-quality report has something
      enabled = true        to find; false gives a clean table.
      [quality.missing.<column>]   share (+ cases): share of rows left blank
      [quality.duplicate_ids]      share (+ cases): share of rows whose id repeats another row's;
        placeholders, placeholder_share: the share of those rows given one of the placeholder ids
        reuses_per_donor: the other repeated rows copy ids from a pool of rows, each pool id
        reused this many times on average (Poisson)
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from segmentasi.schema import Column, Schema, SchemaError

KINDS = ("id", "categorical", "quantiles", "normal", "flag", "sum")


def load_calibration(schema: Schema) -> dict[str, Any]:
    """The calibration shipped beside a built-in schema: schemas/<name>.synth.toml."""
    resource = resources.files("segmentasi") / "schemas" / f"{schema.name}.synth.toml"
    if not resource.is_file():
        raise SchemaError(
            f"schema '{schema.name}' has no synthetic-data calibration "
            f"(schemas/{schema.name}.synth.toml); pass one as calibration="
        )
    return tomllib.loads(resource.read_text(encoding="utf-8"))


def synthesize(
    schema: Schema, rows: int, seed: int = 0, calibration: dict[str, Any] | None = None
) -> pd.DataFrame:
    """Synthetic customers calibrated to the real table's marginals and main dependencies.

    Columns come in schema order. calibration=None loads the built-in <schema.name>.synth.toml.
    """
    spec = load_calibration(schema) if calibration is None else calibration
    _check_columns(schema, spec.get("columns", {}))
    return _draw_table(spec, _Drawing(schema, rows, np.random.default_rng(seed)))


# Rows drawn at a time by synthesize_blocks: what a table of any size holds in memory at once.
BLOCK_ROWS = 100_000


def synthesize_blocks(
    schema: Schema, rows: int, seed: int = 0, calibration: dict[str, Any] | None = None
) -> Iterator[pd.DataFrame]:
    """`rows` synthetic customers, BLOCK_ROWS at a time, for tables too large to hold at once.

    Block b is drawn from its own seed, (seed, b), so the customers depend on `seed` alone, not
    on how a caller groups the blocks; block 0 is drawn from `seed` itself, so up to BLOCK_ROWS
    rows this is synthesize's table. Ids are unique across blocks (block b numbers the rows
    from b * BLOCK_ROWS, all as wide as `rows` needs); the quality problems are drawn within
    each block (a repeated id repeats one of its own block).
    """
    spec = load_calibration(schema) if calibration is None else calibration
    _check_columns(schema, spec.get("columns", {}))
    for block, first in enumerate(range(0, rows, BLOCK_ROWS)):
        rng = np.random.default_rng(seed if block == 0 else [seed, block])
        size = min(BLOCK_ROWS, rows - first)
        yield _draw_table(spec, _Drawing(schema, size, rng, first_row=first, total_rows=rows))


def arrow_schema(schema: Schema, calibration: dict[str, Any] | None = None) -> pa.Schema:
    """The Arrow types of every block of synthetic customers: text as string, whole numbers as
    int64 unless the calibration leaves some blank (then float64, as reading a table with
    blanks gives), other numbers as float64."""
    spec = load_calibration(schema) if calibration is None else calibration
    quality = spec.get("quality", {})
    blanks = set(quality.get("missing", {})) if quality.get("enabled", True) else set()

    def arrow_type(column: Column) -> pa.DataType:
        if column.is_categorical or column.role == "id":
            return pa.string()
        if _whole(column) and column.name not in blanks:
            return pa.int64()
        return pa.float64()

    return pa.schema([pa.field(column.name, arrow_type(column)) for column in schema.columns])


def _draw_table(spec: dict[str, Any], drawing: _Drawing) -> pd.DataFrame:
    values, schema = drawing.values, drawing.schema
    for name, column_spec in spec.get("columns", {}).items():
        try:
            values[name] = _draw_column(schema.column(name), column_spec, drawing)
        except SchemaError:
            raise
        except (KeyError, ValueError, TypeError) as exc:
            raise SchemaError(
                f"calibration column '{name}': malformed parameters ({exc!r})"
            ) from None
    quality = spec.get("quality", {})
    if quality.get("enabled", True):
        _add_quality_problems(quality, drawing)
    return pd.DataFrame({c.name: _as_series(c, values[c.name]) for c in schema.columns})


@dataclass
class _Drawing:
    """The rows being drawn: their schema, number, random stream and the columns drawn so far;
    for a block of a larger table, where it starts and the table's size."""

    schema: Schema
    rows: int
    rng: np.random.Generator
    values: dict[str, np.ndarray] = field(default_factory=dict)
    first_row: int = 0
    total_rows: int | None = None


def _check_columns(schema: Schema, columns: dict[str, Any]) -> None:
    missing = [n for n in schema.names if n not in columns]
    unknown = [n for n in columns if n not in schema.names]
    if missing or unknown:
        raise SchemaError(
            f"calibration for schema '{schema.name}' must describe exactly its columns "
            f"(missing: {missing}, not in the schema: {unknown})"
        )
    for name, column_spec in columns.items():
        kind, column = column_spec.get("kind"), schema.column(name)
        if kind not in KINDS:
            raise SchemaError(
                f"calibration column '{name}': kind {kind!r} is not one of {', '.join(KINDS)}"
            )
        if (column.is_categorical and kind != "categorical") or (kind == "sum" and not column.of):
            raise SchemaError(
                f"calibration column '{name}': kind '{kind}' does not fit role '{column.role}'"
            )


def _draw_column(column: Column, spec: dict[str, Any], drawing: _Drawing) -> np.ndarray:
    """One column's values: codes for categorical columns, strings for ids, numbers otherwise."""
    kind = spec["kind"]
    if kind == "id":
        return _unique_ids(spec, drawing)
    if kind == "sum":
        return _sum_of_parts(column, spec.get("at_least", 0), drawing.values, drawing.rng)
    dtype = np.int64 if column.is_categorical or kind == "flag" else float
    out = np.empty(drawing.rows, dtype=dtype)
    for params, where in _split_by_case(spec, drawing):
        if where.size:
            out[where] = _draw(kind, params, column, drawing.values, where, drawing.rng)
    if out.dtype == float:
        if column.integer:
            out = np.floor(out)
        if column.min is not None or column.max is not None:
            out = np.clip(out, column.min, column.max)
    return out


def _sum_of_parts(
    column: Column, at_least: int, values: dict[str, np.ndarray], rng: np.random.Generator
) -> np.ndarray:
    """The sum of the `of` columns; rows below at_least get the shortfall added to a random part."""
    totals = np.sum([_generated(values, name) for name in column.of], axis=0, dtype=np.int64)
    shortfall = at_least - totals
    short = np.flatnonzero(shortfall > 0)
    chosen = rng.integers(len(column.of), size=short.size)
    for part, name in enumerate(column.of):
        rows = short[chosen == part]
        values[name][rows] += shortfall[rows]
    return np.maximum(totals, at_least)


def _draw(
    kind: str,
    params: dict[str, Any],
    column: Column,
    values: dict[str, np.ndarray],
    where: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    size = where.size
    if kind == "categorical":
        levels, shares = _levels_and_shares(column, params["shares"])
        picks = np.searchsorted(np.cumsum(shares), rng.random(size), side="right")
        return levels[np.minimum(picks, levels.size - 1)]
    if kind == "quantiles":
        return np.interp(rng.random(size), params["p"], params["q"])
    if kind == "normal":
        mean = params["mean"]
        if "on" in params:
            mean = mean + params.get("slope", 0.0) * _generated(values, params["on"])[where]
        return rng.normal(mean, params["sd"], size)
    return (rng.random(size) < params["p"]).astype(np.int64)


def _levels_and_shares(column: Column, shares: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Level codes (categorical) or values (numeric) and their shares, rescaled to sum to 1."""
    if column.is_categorical:
        levels = np.array([_level_code(column, level) for level in shares])
    else:
        levels = np.array([float(value) for value in shares])
    weights = np.array(list(shares.values()), dtype=float)
    if weights.min() < 0 or abs(weights.sum() - 1) > 0.01:
        raise SchemaError(f"calibration column '{column.name}': shares must sum to 1 ({shares})")
    return levels, weights / weights.sum()


def _level_code(column: Column, level: Any) -> int:
    try:
        return column.levels.index(str(level))
    except ValueError:
        raise SchemaError(
            f"calibration column '{column.name}': '{level}' is not one of its levels"
        ) from None


def _split_by_case(
    spec: dict[str, Any], drawing: _Drawing
) -> Iterator[tuple[dict[str, Any], np.ndarray]]:
    """Each case's parameters with the rows it governs; rows matching no case use spec itself."""
    cases = spec.get("cases", [])
    chosen = np.zeros(drawing.rows, dtype=np.int16)
    for number in range(len(cases), 0, -1):
        chosen[_matches(cases[number - 1].get("when", {}), drawing)] = number
    base = {key: value for key, value in spec.items() if key != "cases"}
    for number, params in enumerate([base, *({**base, **case} for case in cases)]):
        yield params, np.flatnonzero(chosen == number)


def _matches(when: dict[str, Any], drawing: _Drawing) -> np.ndarray:
    mask = np.ones(drawing.rows, dtype=bool)
    for name, wanted in when.items():
        column, data = drawing.schema.column(name), _generated(drawing.values, name)
        if _is_range(wanted):
            mask &= (data >= wanted[0]) & (data < wanted[1])
            continue
        wanted = wanted if isinstance(wanted, list) else [wanted]
        if column.is_categorical:
            wanted = [_level_code(column, level) for level in wanted]
        mask &= np.isin(data, wanted)
    return mask


def _generated(values: dict[str, np.ndarray], name: str) -> np.ndarray:
    if name not in values:
        raise SchemaError(
            f"calibration refers to '{name}' before generating it: list that column earlier"
        )
    return values[name]


def _is_range(wanted: Any) -> bool:
    return (
        isinstance(wanted, list)
        and len(wanted) == 2
        and all(isinstance(bound, int | float) for bound in wanted)
    )


def _unique_ids(spec: dict[str, Any], drawing: _Drawing) -> np.ndarray:
    """Prefix + zero-padded numbers: the drawing's rows numbered first_row on, shuffled, all as
    wide as the whole table needs."""
    total = drawing.rows if drawing.total_rows is None else drawing.total_rows
    width = max(int(spec.get("digits", 1)), len(str(max(total - 1, 0))))
    numbers = drawing.first_row + drawing.rng.permutation(drawing.rows)
    numbers = pd.Series(numbers).astype(str).str.zfill(width)
    return (spec.get("prefix", "") + numbers).to_numpy(dtype=object)


def _add_quality_problems(quality: dict[str, Any], drawing: _Drawing) -> None:
    """Repeat ids and blank cells as the real table does; all rows are chosen before any change."""
    values, schema = drawing.values, drawing.schema
    unknown = [name for name in quality.get("missing", {}) if name not in values]
    if unknown:
        raise SchemaError(f"calibration [quality.missing]: columns not in the schema: {unknown}")
    blanks = {
        name: _rows_with_share(spec, drawing) for name, spec in quality.get("missing", {}).items()
    }
    duplicates = quality.get("duplicate_ids")
    if duplicates and schema.id_column is not None:
        reused = _rows_with_share(duplicates, drawing)
        _repeat_ids(values[schema.id_column.name], reused, duplicates, drawing.rng)
    for name, blank in blanks.items():
        column = schema.column(name)
        if column.is_categorical:
            values[name][blank] = -1
        elif column.role == "id":
            values[name][blank] = None
        else:
            values[name] = values[name].astype(float)
            values[name][blank] = np.nan


def _rows_with_share(spec: dict[str, Any], drawing: _Drawing) -> np.ndarray:
    """A boolean mask picking each row with its case's `share`."""
    share = np.empty(drawing.rows)
    for params, where in _split_by_case(spec, drawing):
        share[where] = params.get("share", 0.0)
    return drawing.rng.random(drawing.rows) < share


def _repeat_ids(
    ids: np.ndarray, reused: np.ndarray, spec: dict[str, Any], rng: np.random.Generator
) -> None:
    """Give the reused rows a placeholder id or the id of a row from a small donor pool."""
    targets = np.flatnonzero(reused)
    placeholders = np.asarray(spec.get("placeholders", []), dtype=object)
    share = spec.get("placeholder_share", 0.0) if placeholders.size else 0.0
    to_placeholder = rng.random(targets.size) < share
    if to_placeholder.any():
        picks = rng.integers(placeholders.size, size=int(to_placeholder.sum()))
        ids[targets[to_placeholder]] = placeholders[picks]
    copies = targets[~to_placeholder]
    donors = np.flatnonzero(~reused)
    if copies.size and donors.size:
        pool_size = min(donors.size, math.ceil(copies.size / spec.get("reuses_per_donor", 1.0)))
        pool = rng.choice(donors, size=pool_size, replace=False)
        ids[copies] = ids[pool[rng.integers(pool_size, size=copies.size)]]


def _whole(column: Column) -> bool:
    """Whether a numeric column holds whole numbers only."""
    return column.integer or column.role in ("product", "derived_count")


def _as_series(column: Column, data: np.ndarray) -> pd.Series:
    """The column as reading the real table would give it: text as str, whole numbers as int."""
    if column.is_categorical:
        # pyarrow's dictionary cast is about 10x faster than pandas' Categorical.astype("str").
        codes = pa.array(data, mask=data < 0)
        text = pa.DictionaryArray.from_arrays(codes, pa.array(column.levels))
        return pd.Series(text.cast(pa.large_string()), dtype="str")
    if column.role == "id":
        return pd.Series(data, dtype="str")
    if _whole(column) and not np.isnan(data).any():
        return pd.Series(data.astype(np.int64))
    return pd.Series(data.astype(float))
