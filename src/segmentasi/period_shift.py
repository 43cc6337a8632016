"""A second period made from a first with known changes, so that tracking can be checked
against what was planted (tests, demonstrations, benchmarks).

In this order, each step drawing from one seeded random stream:

1. left: a share (or a number) of the first period's customers is dropped;
2. moves, "customer i moves from segment a to b": a share of segment a's customers (or a number
   of them), among those who stay, takes the experiment's feature values of a random donor whom
   the model places in b, so the model places the mover in b exactly; derived counts of the
   copied columns (the number of products, when products are features) are counted again;
3. joined: new customers, copies of random first-period rows under new ids;
4. drift of chosen columns, over every row of the second period: numbers shifted by a multiple
   of their first-period standard deviation ("+0.5sd") or multiplied ("*1.2"), kept within the
   schema's range and whole where the column is whole; sentinel codes and missing cells stay as
   they are. Categories and 0/1 flags: a share of the customers with another recorded value
   are set to one level ("S1+20%"), and derived counts of a changed flag are counted again.

Drift of a column the model does not use leaves every placement as planned: the planted
transition matrix (`PeriodShift.transitions`) is then the plan itself, exactly. Drift of a
feature the model uses moves customers too, so the true matrix then comes from placing the
second period with the model (`PeriodShift.exact` is False and says so).
Numbers written by drift are plain numbers (a dot for decimals), whatever the input's mark.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import files
from .errors import InputError, quoted
from .model import SavedModel, load_model
from .schema import Schema
from .track import DUPLICATE_IDS, kept_rows, segment_states, transition_counts
from .validation import lowest_valid, validate

DRIFT_FORMS = (
    "+0.5sd / -1sd (numbers: shift by standard deviations), *1.2 (numbers: multiply), "
    "LEVEL+20% (categories and 0/1 flags: a share of the other customers set to LEVEL)"
)
_SHIFT = re.compile(r"([+-]\d+(?:\.\d+)?)sd")
_SCALE = re.compile(r"[*x](\d+(?:\.\d+)?)")
_LEVEL = re.compile(r"(.+)\+(\d+(?:\.\d+)?)%")

Amount = float | int  # a float is a share (0 to 1), an int a number of customers


@dataclass(frozen=True)
class Drift:
    """A planted change of one column: kind "shift" (+ amount standard deviations), "scale"
    (x amount) or "level" (a share `amount` of the customers with another value set to
    `level`)."""

    column: str
    kind: str
    amount: float
    level: str = ""

    @classmethod
    def parse(cls, column: str, text: str) -> Drift:
        """'+0.5sd', '*1.2' or 'S1+20%' (see DRIFT_FORMS)."""
        spec = text.strip()
        if found := _SHIFT.fullmatch(spec):
            return cls(column, "shift", float(found[1]))
        if found := _SCALE.fullmatch(spec):
            return cls(column, "scale", float(found[1]))
        if found := _LEVEL.fullmatch(spec):
            return cls(column, "level", float(found[2]) / 100, found[1].strip())
        raise InputError(f"drift of {quoted(column)}: {quoted(text)} is not one of {DRIFT_FORMS}")

    def __str__(self) -> str:
        if self.kind == "shift":
            return f"{self.amount:+g}sd"
        if self.kind == "scale":
            return f"*{self.amount:g}"
        return f"{self.level}+{self.amount * 100:g}%"


@dataclass(frozen=True, eq=False)
class PeriodShift:
    """The second period and what was planted in it.

    moved: id, from_segment, to_segment of every planted mover. transitions: the true
    transition matrix (track.transition_counts' layout): the plan itself when `exact`, else
    (drift of a feature the model uses) the second period as the model places it. changed:
    per drifted column, the rows whose value drift changed.
    """

    table: pd.DataFrame
    moved: pd.DataFrame
    left: pd.Series
    joined: pd.Series
    drift: tuple[Drift, ...]
    changed: dict[str, int]
    transitions: pd.DataFrame
    exact: bool
    seed: int

    def to_dict(self) -> dict[str, Any]:
        """The planted record as plain JSON data."""
        id_name = self.moved.columns[0]
        return files.json_safe(
            {
                "seed": self.seed,
                "rows": len(self.table),
                "transitions_from": "plan" if self.exact else "assigning the second period",
                "transitions": {
                    "from": [str(s) for s in self.transitions.index],
                    "to": [str(s) for s in self.transitions.columns],
                    "counts": self.transitions.to_numpy(),
                },
                "drift": [
                    {"column": d.column, "change": str(d), "rows_changed": self.changed[d.column]}
                    for d in self.drift
                ],
                "moved": [
                    {"id": i, "from": a, "to": b}
                    for i, a, b in zip(
                        self.moved[id_name],
                        self.moved["from_segment"],
                        self.moved["to_segment"],
                        strict=True,
                    )
                ],
                "left": self.left.tolist(),
                "joined": self.joined.tolist(),
            }
        )


def period_shift(
    table: pd.DataFrame | str | Path,
    model: SavedModel | str | Path,
    *,
    moves: Mapping[tuple[int, int], Amount] | None = None,
    joined: Amount = 0,
    left: Amount = 0,
    drift: Mapping[str, str | Drift] | None = None,
    seed: int = 0,
    duplicate_ids: str = "pair",
) -> PeriodShift:
    """The second period of `table` (the first) under `model`, with planted changes.

    moves: {(a, b): amount}: of segment a's customers, a share (float) or a number (int) moves
    to segment b. left: customers who leave, joined: new customers, each a share of the first
    period's customers (float) or a number (int). drift: {column: '+0.5sd' | '*1.2' |
    'LEVEL+20%'}. duplicate_ids: rows of a repeated id are kept in their order ("pair", as
    `track` pairs them), refused ("refuse"), or dropped from the second period ("drop", as
    `track(..., duplicate_ids="drop")` leaves them out); an empty id is refused unless dropped.
    """
    saved = model if isinstance(model, SavedModel) else load_model(model)
    schema = saved.schema
    if schema.id_column is None:
        raise InputError(f"schema '{schema.name}' has no id column (role \"id\") to follow")
    if duplicate_ids not in DUPLICATE_IDS:
        raise InputError(f"duplicate_ids must be one of {', '.join(DUPLICATE_IDS)}")
    name = "the first period" if isinstance(table, pd.DataFrame) else str(table)
    first = table if isinstance(table, pd.DataFrame) else files.read_table(table)
    first = first.reset_index(drop=True)
    id_name = schema.id_column.name
    if id_name not in first.columns:
        raise InputError(f"{name}: lacks the id column {quoted(id_name)}")
    ids, _ = validate(first[[id_name]], schema, columns=[id_name], allow_extra=True, strict=False)
    keep = kept_rows(ids[id_name], name, id_name, duplicate_ids)
    states = _states(saved, first, name)
    drifts = tuple(
        d if isinstance(d, Drift) else Drift.parse(c, d) for c, d in (drift or {}).items()
    )
    for planted in drifts:
        _check_drift(schema, first, planted, name)
    rng = np.random.default_rng(seed)
    kept = np.flatnonzero(keep)
    # Customers who leave are chosen among ids of one row, so that the rows of a repeated id
    # stay in their order and track pairs them as planted ("pair").
    single = np.flatnonzero(keep & ~ids[id_name].duplicated(keep=False).to_numpy())
    leaving = _count(left, len(kept), "left")
    if leaving > len(single):
        raise InputError(
            f"left: {leaving:,} customers, but only {len(single):,} have an id of one row"
        )
    gone = rng.choice(single, leaving, replace=False)
    after_state = states.copy()
    after_state[gone] = saved.k + 1
    second = first.copy()
    movers, targets = _plant_moves(saved, first, second, states, after_state, keep, moves, rng)
    staying = keep & (after_state <= saved.k)
    sources = rng.choice(kept, _count(joined, len(kept), "joined"), replace=True)
    newcomers = first.iloc[sources].copy()
    newcomers[id_name] = _new_ids(ids[id_name], len(sources))
    second = pd.concat([second[staying], newcomers], ignore_index=True)
    changed = {d.column: _apply_drift(schema, first, second, d, rng) for d in drifts}
    features = set(saved.experiment.features)
    exact = not any(d.column in features for d in drifts)
    before = np.concatenate([states[keep], np.full(len(sources), saved.k + 1)])
    if exact:
        after = np.concatenate([after_state[keep], states[sources]])
    else:
        placed = _states(saved, second, "the second period")
        row_in_second = np.cumsum(staying) - 1
        after = np.concatenate(
            [
                np.where(staying[keep], placed[row_in_second[keep]], saved.k + 1),
                placed[int(staying.sum()) :],
            ]
        )
    return PeriodShift(
        table=second,
        moved=pd.DataFrame(
            {
                id_name: ids[id_name].iloc[movers].reset_index(drop=True),
                "from_segment": states[movers] + 1,
                "to_segment": targets + 1,
            }
        ),
        left=ids[id_name].iloc[np.sort(gone)].reset_index(drop=True),
        joined=newcomers[id_name].reset_index(drop=True),
        drift=drifts,
        changed=changed,
        transitions=transition_counts(before, after, saved.k),
        exact=exact,
        seed=seed,
    )


def _states(model: SavedModel, table: pd.DataFrame, name: str) -> np.ndarray:
    """Each row's state as track counts it: segment 0..k-1, k when not placed."""
    try:
        return segment_states(model.assign(table, top_offers=0), model.k)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None


def _count(amount: Amount, base: int, what: str) -> int:
    """A share of `base` (float) or a number (int) of customers."""
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise InputError(f"{what}: {amount!r} is neither a share (0.05) nor a number (120)")
    if isinstance(amount, float):
        if not 0 <= amount <= 1:
            raise InputError(f"{what}: a share must be between 0 and 1 (0% and 100%)")
        return round(amount * base)
    if not 0 <= amount <= base:
        raise InputError(f"{what}: {amount:,} customers, but there are {base:,} to choose from")
    return amount


def _plant_moves(
    model: SavedModel,
    first: pd.DataFrame,
    second: pd.DataFrame,
    states: np.ndarray,
    after_state: np.ndarray,
    keep: np.ndarray,
    moves: Mapping[tuple[int, int], Amount] | None,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Copy donors' features into the chosen movers' rows of `second`; updates `after_state`.
    Returns the movers' rows and their target segments (0-based), in planting order."""
    features = list(model.experiment.features)
    movers, targets = [], []
    for (a, b), amount in (moves or {}).items():
        for segment in (a, b):
            if not (isinstance(segment, int) and 1 <= segment <= model.k):
                raise InputError(f"move {a}:{b}: segments are 1 to {model.k}")
        if a == b:
            raise InputError(f"move {a}:{b}: a customer moves to another segment")
        members = keep & (states == a - 1)
        free = np.flatnonzero(members & (after_state == a - 1))
        wanted = _count(amount, int(members.sum()), f"move {a}:{b}")
        donors = np.flatnonzero(keep & (states == b - 1))
        if wanted > len(free):
            raise InputError(
                f"move {a}:{b}: {wanted:,} customers asked for, {len(free):,} of segment {a} "
                "are left to move"
            )
        if wanted and not len(donors):
            raise InputError(f"move {a}:{b}: the model places nobody in segment {b}")
        if not wanted:
            continue
        chosen = rng.choice(free, wanted, replace=False)
        picked = rng.choice(donors, wanted, replace=True)
        second.iloc[chosen, [second.columns.get_loc(c) for c in features]] = first.iloc[
            picked, [first.columns.get_loc(c) for c in features]
        ].to_numpy()
        _recount(model.schema, second, chosen, set(features))
        after_state[chosen] = b - 1
        movers.append(chosen)
        targets.append(np.full(wanted, b - 1))
    if not movers:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    return np.concatenate(movers), np.concatenate(targets)


def _new_ids(ids: pd.Series, count: int) -> list[str]:
    """`count` ids no customer has: N0001, N0002, ... (more N's until none is taken)."""
    taken = set(ids.dropna())
    width = len(str(count))
    prefix = "N"
    while True:
        made = [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
        if not taken.intersection(made):
            return made
        prefix += "N"


def _check_drift(schema: Schema, table: pd.DataFrame, drift: Drift, name: str) -> None:
    if drift.column not in schema.names or drift.column not in table.columns:
        raise InputError(f"drift: {name} has no column {quoted(drift.column)} in its schema")
    column = schema.column(drift.column)
    numeric = column.role in ("numeric", "derived_count")
    if drift.kind != "level" and not numeric:
        raise InputError(
            f"drift of {quoted(drift.column)}: {drift} changes numbers; a {column.role} column "
            "takes LEVEL+SHARE%"
        )
    if drift.kind == "level":
        levels = column.levels if column.is_categorical else ("0", "1")
        if numeric or column.role == "id" or drift.level not in levels:
            raise InputError(
                f"drift of {quoted(drift.column)}: LEVEL+SHARE% takes one of the levels "
                f"{', '.join(map(quoted, levels))} of a category or 0/1 column"
            )
        if drift.amount > 1:
            raise InputError(f"drift of {quoted(drift.column)}: a share is at most 100%")


def _typed(schema: Schema, table: pd.DataFrame, column: str) -> pd.Series:
    typed, _ = validate(table[[column]], schema, columns=[column], allow_extra=True, strict=False)
    return typed[column]


def _apply_drift(
    schema: Schema,
    first: pd.DataFrame,
    second: pd.DataFrame,
    drift: Drift,
    rng: np.random.Generator,
) -> int:
    """Change `second` in place; returns how many rows changed."""
    column = schema.column(drift.column)
    values = _typed(schema, second, drift.column)
    if drift.kind == "level":
        current = (
            values.astype("string").to_numpy(dtype=object, na_value=None)
            if column.is_categorical
            else values.map(lambda v: None if pd.isna(v) else f"{v:g}").to_numpy(dtype=object)
        )
        others = np.flatnonzero(pd.notna(current) & (current != drift.level))
        rows = rng.choice(others, round(drift.amount * len(others)), replace=False)
        new = drift.level if column.is_categorical else float(drift.level)
        _write(second, rows, drift.column, np.full(len(rows), new, dtype=object))
        _recount(schema, second, rows, {drift.column})
        return len(rows)
    numbers = column.measured(values).to_numpy(dtype=float, na_value=np.nan)
    rows = np.flatnonzero(np.isfinite(numbers))
    if drift.kind == "shift":
        reference = column.measured(_typed(schema, first, drift.column))
        spread = np.nanstd(reference.to_numpy(dtype=float, na_value=np.nan))
        moved = numbers[rows] + drift.amount * float(spread)
    else:
        moved = numbers[rows] * drift.amount
    lowest = lowest_valid(column)
    moved = np.clip(
        moved, -np.inf if lowest is None else lowest, np.inf if column.max is None else column.max
    )
    present = numbers[rows]
    if column.integer or column.role == "derived_count" or np.all(present == np.round(present)):
        moved = np.round(moved)
    _write(second, rows, drift.column, moved)
    return int((moved != present).sum())


def _write(table: pd.DataFrame, rows: np.ndarray, column: str, values: np.ndarray) -> None:
    """Put values into rows of a column, as text where the column holds text (a table read from
    a CSV file), else as numbers."""
    if not len(rows):
        return
    target = table[column]
    if pd.api.types.is_numeric_dtype(target.dtype):
        if pd.api.types.is_integer_dtype(target.dtype) and not np.all(
            np.asarray(values, dtype=float) == np.round(np.asarray(values, dtype=float))
        ):
            table[column] = target.astype(float)
        table.iloc[rows, table.columns.get_loc(column)] = np.asarray(values, dtype=float)
        return
    text = [v if isinstance(v, str) else _number_text(float(v)) for v in values]
    table[column] = target.astype(object)
    table.iloc[rows, table.columns.get_loc(column)] = np.asarray(text, dtype=object)


def _number_text(value: float) -> str:
    return str(int(value)) if value == int(value) else repr(value)


def _recount(schema: Schema, table: pd.DataFrame, rows: np.ndarray, changed: set[str]) -> None:
    """Count the derived counts again in `rows` where one of their parts changed (and they
    themselves were not copied)."""
    for column in schema.by_role("derived_count"):
        if column.name in changed or not changed & set(column.of) or column.name not in table:
            continue
        if not all(part in table for part in column.of):
            continue
        parts = validate(
            table.iloc[rows][list(column.of)],
            schema,
            columns=list(column.of),
            allow_extra=True,
            strict=False,
        )[0]
        _write(table, rows, column.name, parts.sum(axis=1, min_count=len(column.of)).to_numpy())


def parse_moves(texts: list[str]) -> dict[tuple[int, int], Amount]:
    """CLI moves 'A:B=5%' (a share of segment A) or 'A:B=120' (customers)."""
    moves: dict[tuple[int, int], Amount] = {}
    for text in texts:
        found = re.fullmatch(r"\s*(\d+)\s*:\s*(\d+)\s*=\s*(\d+(?:\.\d+)?%|\d+)\s*", text)
        if not found:
            raise InputError(f"--move {quoted(text)}: write FROM:TO=SHARE% or FROM:TO=COUNT")
        moves[(int(found[1]), int(found[2]))] = parse_amount(found[3], f"--move {text}")
    return moves


def parse_amount(text: str, what: str) -> Amount:
    """'3%' is a share (0.03), '120' a number of customers."""
    found = re.fullmatch(r"\s*(\d+(?:\.\d+)?)(%?)\s*", text)
    if not found or (not found[2] and "." in found[1]):
        raise InputError(f"{what}: {quoted(text)} is neither a share (3%) nor a number (120)")
    return float(found[1]) / 100 if found[2] else int(found[1])
