"""Monthly re-scoring: one saved model places the customers of two periods, and this says who
moved where, how the data drifted, and whether the model still fits.

Both tables are placed by `SavedModel.assign` (a row it cannot place is "not placed", a state of
its own) and joined on the schema's id column: a customer only in the first table "left", only
in the second "joined". From that:

- the transition matrix: customers by state in the first period (rows: segments, not placed,
  joined) and in the second (columns: segments, not placed, left), with each row's shares;
- flows per segment: inflow (customers in it now who were not before: from other segments, from
  not placed, joined), outflow (the reverse, to other segments, to not placed, left) and the
  net change, which is the segment's size after minus before;
- movers: every customer placed in both periods, in different segments, and what moved them.
  Placing compares distances to the segments' centres, and both distances the model uses
  (squared euclidean, manhattan) are sums over the encoded features, so the change in how much
  closer the new segment's centre is than the old one's splits exactly into one part per
  feature. The features whose change pulled the customer furthest towards the new segment are
  named, the largest first (up to MAX_REASONS, each at least MIN_PULL of the largest pull), in
  original units ("usia 45 → 52 tahun");
- drift of every column both tables hold, and of the segment shares: the population stability
  index PSI = sum over bins of (after - before) * ln(after / before), bin shares of 0 counted as
  PSI_EPSILON. Numbers are binned at the first period's deciles (tied deciles merge bins), with
  a bin for missing values and one per sentinel code; categories by level, missing included;
  segment shares by segment, not placed included. Bands: below PSI_WATCH stable, up to PSI_SHIFT
  watch, above it shift. Beside it, the chi-square test of homogeneity on the same bins. On
  tables of thousands of customers that test calls even a shift nobody would act on
  significant, so the verdict follows the PSI bands, never the p-value;
- the verdict (`decide`): refit when a feature the model uses or the segment shares shift (PSI
  above PSI_SHIFT), or when the share of customers the model cannot place rises by UNPLACED_RISE
  or more; watch when a feature the model uses or the segment shares are in the watch band;
  keep otherwise. Columns the model does not use never change the verdict; their drift is noted.

Bad input is an InputError naming the table, the column and the rows: a schema without an id
column, a table without it or without a feature the model needs, empty or repeated ids within a
table, and two tables without a single customer in common. Repeated ids are by default paired
by order of appearance (duplicate_ids="pair": the n-th row of an id in the first table is the
n-th row of that id in the second, shown as 'ID#n' from the second row on, with a warning); a
table made from another row by row (a snapshot of the same extract, period_shift) keeps such
rows in order. duplicate_ids="refuse" refuses them instead, and "drop" leaves every row of such
an id out of its period.

Every step over the rows is vectorised; the two tables are read, validated and placed side by
side in two worker processes when they are large (benchmarks/bench_track.py). With the Spark
engine (engine=SparkEngine(...), --engine spark) the rows stay on Spark and only counts and the
movers reach this process (spark/track.py); both engines hand what they counted to tracking_of,
which computes the rest.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import chi2_contingency

from . import files
from .engine import IN_PROCESS, CatalogTable, Engine, refuse_catalog_table
from .errors import InputError, quoted
from .model import Assignment, SavedModel, load_model
from .parallel import Workers
from .schema import Column, Schema
from .text import check_language
from .text.tracking import change_texts
from .validation import format_rows, validate

PSI_WATCH = 0.1
PSI_SHIFT = 0.25
PSI_EPSILON = 1e-4  # the share an empty bin counts as (ln 0 has no value)
QUANTILES = np.linspace(0.1, 0.9, 9)  # a number's bin edges: the first period's deciles
UNPLACED_RISE = 0.05  # refit when the share not placed rises by 5 percentage points or more
MAX_REASONS = 2  # features named per mover
MIN_PULL = 0.5  # a second feature is named when it pulled at least half as much as the first
DUPLICATE_IDS = ("pair", "refuse", "drop")
NOT_PLACED, JOINED, LEFT = "not placed", "joined", "left"
SEGMENTS_ROW = "segment"  # the drift table's row of the segment shares
BANDS = ("stable", "watch", "shift")
# Movers' features are encoded in blocks of rows, so memory stays bounded for any number.
BLOCK_ROWS = 100_000
# Tables this large (file bytes, or rows) are read and placed in two processes side by side.
PARALLEL_BYTES = 8 * 2**20
PARALLEL_ROWS = 50_000

Source = pd.DataFrame | str | Path


@dataclass(frozen=True)
class Reason:
    """One finding behind the verdict and the level it calls for.

    kind: "feature" (a column the model uses), "segments" (the segment shares), "unplaced"
    (customers the model cannot place) or "column" (a column the model does not use).
    level: "refit", "watch" or "note" (columns the model does not use). `psi` is the column's
    or the segment shares' PSI; for "unplaced", before and after are the shares not placed.
    """

    kind: str
    level: str
    column: str | None = None
    psi: float = float("nan")
    before: float = float("nan")
    after: float = float("nan")


@dataclass(frozen=True)
class PeriodSummary:
    """One period in figures: its table, what that is (source_kind: "path", "table" of the
    Spark catalog, or "DataFrame"), its rows, rows left out, customers placed and not."""

    source: str
    source_kind: str
    rows: int
    dropped: int
    placed: int
    not_placed: int

    @property
    def customers(self) -> int:
        return self.placed + self.not_placed

    @property
    def unplaced_share(self) -> float:
        return self.not_placed / self.customers if self.customers else 0.0


@dataclass(frozen=True, eq=False)
class Tracking:
    """What changed between two periods under one saved model (see the module docstring).

    transitions: customers by first-period state (rows 1..k, "not placed", "joined") and
    second-period state (columns 1..k, "not placed", "left"); shares: each row divided by its
    total. flows: per segment, customers before and after, stayed, inflow (from_segments +
    from_not_placed + joined), outflow (to_segments + to_not_placed + left), net. movers: the
    id, from_segment, from_name, to_segment, to_name, changed (in words) and changed_columns.
    drift: per column, and the segment shares first: kind, model_feature, psi, band, chi2, dof,
    p_value, bins.
    """

    schema: Schema
    experiment: str
    algorithm: str
    k: int
    names: dict[int, str]
    lang: str
    id_column: str
    before: PeriodSummary
    after: PeriodSummary
    customers: dict[str, int]
    transitions: pd.DataFrame
    shares: pd.DataFrame
    flows: pd.DataFrame
    movers: pd.DataFrame
    drift: pd.DataFrame
    verdict: str
    reasons: tuple[Reason, ...]
    engine: str  # the engine that tracked the periods: in-process or spark
    warnings: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The figures as plain JSON data (tracking.json holds them)."""
        periods = {
            name: asdict(period) | {"customers": period.customers}
            for name, period in (("before", self.before), ("after", self.after))
        }
        return files.json_safe(
            {
                "model": {
                    "experiment": self.experiment,
                    "algorithm": self.algorithm,
                    "k": self.k,
                    "segments": self.names,
                },
                "id_column": self.id_column,
                "engine": self.engine,
                **periods,
                "customers": self.customers,
                "verdict": {
                    "decision": self.verdict,
                    "reasons": [asdict(reason) for reason in self.reasons],
                    "rule": {
                        "psi_watch": PSI_WATCH,
                        "psi_shift": PSI_SHIFT,
                        "unplaced_rise": UNPLACED_RISE,
                    },
                },
                "transitions": {
                    "from": [str(s) for s in self.transitions.index],
                    "to": [str(s) for s in self.transitions.columns],
                    "counts": self.transitions.to_numpy(),
                    "shares": self.shares.to_numpy(),
                },
                "flows": self.flows.to_dict(orient="records"),
                "drift": self.drift.to_dict(orient="records"),
                "warnings": list(self.warnings),
            }
        )


@dataclass(frozen=True)
class _Period:
    """One table as the model placed it: the rows kept, their ids, states and typed columns."""

    name: str
    kind: str
    rows: int
    dropped: int
    ids: pd.Series
    states: np.ndarray  # segment_states of the rows kept
    columns: pd.DataFrame  # every schema column the table holds but the id, typed
    warnings: tuple[str, ...]

    def facts(self) -> PeriodFacts:
        return PeriodFacts(
            self.name,
            self.kind,
            self.rows,
            self.dropped,
            tuple(self.columns.columns),
            self.warnings,
        )


@dataclass(frozen=True)
class PeriodFacts:
    """One period as tracking_of reads it, whichever engine placed it: its table's name and
    kind (source_of), its rows, those left out, the columns it holds (but the id) and its
    warnings."""

    name: str
    kind: str
    rows: int
    dropped: int
    columns: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def customers(self) -> int:
        """The rows followed: those not left out."""
        return self.rows - self.dropped


def track(
    model: SavedModel | str | Path,
    before: Source | CatalogTable,
    after: Source | CatalogTable,
    *,
    lang: str = "id",
    duplicate_ids: str = "pair",
    decimal: str = "auto",
    workers: int | None = None,
    engine: Engine | None = None,
) -> Tracking:
    """Place both periods' customers with `model`, join them by id and measure what changed.

    `model`: a SavedModel, a model file or an experiment folder. `before`, `after`: tables
    (DataFrames, or .csv / .parquet / .xlsx files; with the Spark engine also a CatalogTable)
    of the same customers at two dates.
    `lang`: the language of segment names and of the movers' words. `duplicate_ids`: "pair"
    (repeated ids paired by order of appearance, 'ID#2' for the second row of an id; an empty
    id is refused), "refuse" (an InputError naming the rows) or "drop" (every row of an empty or
    repeated id is left out of its period). `decimal`: the decimal mark of numbers in text
    files (auto, '.' or ',').
    `workers`: processes reading and placing the two tables (default: two for large tables).
    `engine`: where the rows are read, placed, joined and counted (engine.py): in this process
    (default) or on Spark (spark/track.py, where only counts and the movers reach the driver).
    """
    check_language(lang)
    if duplicate_ids not in DUPLICATE_IDS:
        raise InputError(f"duplicate_ids must be one of {', '.join(DUPLICATE_IDS)}")
    saved = model if isinstance(model, SavedModel) else load_model(model)
    if saved.schema.id_column is None:
        raise InputError(
            f"schema '{saved.schema.name}' has no id column (role \"id\"); tracking follows "
            "each customer from one table to the other by it"
        )
    engine = engine or IN_PROCESS
    with engine.failures():  # Spark's exceptions told in one line
        tracked = engine.track(
            saved, before, after, lang=lang, duplicate_ids=duplicate_ids, decimal=decimal
        )
    if tracked is not None:
        return tracked
    for source in (before, after):
        refuse_catalog_table(source, "tracked")
    sources = [(before, "the before table"), (after, "the after table")]
    processes = workers if workers is not None else _default_processes([before, after])
    with Workers(min(processes, 2)) as pool:
        first, second = pool.map(
            _period,
            [saved] * 2,
            [source for source, _ in sources],
            [label for _, label in sources],
            [lang] * 2,
            [duplicate_ids] * 2,
            [decimal] * 2,
        )
    return _compare(saved, first, second, lang)


def transition_counts(before: np.ndarray, after: np.ndarray, k: int) -> pd.DataFrame:
    """The transition matrix from each customer's state in both periods: 0..k-1 a segment, k
    not placed, k + 1 absent from that period (joined, when absent before; left, after)."""
    size = k + 2
    return transition_matrix(
        np.bincount(before * size + after, minlength=size * size).reshape(size, size), k
    )


def transition_matrix(counts: np.ndarray, k: int) -> pd.DataFrame:
    """The transition matrix of the (k + 2) x (k + 2) counts by state before (rows) and after
    (columns), labelled: segments 1..k, not placed, and joined (rows) or left (columns)."""
    segments = list(range(1, k + 1))
    return pd.DataFrame(
        counts,
        index=pd.Index([*segments, NOT_PLACED, JOINED], name="before", dtype=object),
        columns=pd.Index([*segments, NOT_PLACED, LEFT], name="after", dtype=object),
    )


def segment_states(placed: Assignment, k: int) -> np.ndarray:
    """Each row's state as the transition matrix counts it: its segment 0..k-1, k not placed."""
    segment = placed.table["segment"].to_numpy(dtype=np.int64, na_value=0)
    return np.where(segment > 0, segment - 1, k)


def psi(before: np.ndarray, after: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins."""
    shares = [np.asarray(c, dtype=float) / max(np.sum(c), 1) for c in (before, after)]
    old, new = (np.where(s > 0, s, PSI_EPSILON) for s in shares)
    return float(np.sum((new - old) * np.log(new / old)))


def band(value: float) -> str:
    """stable below PSI_WATCH, watch up to PSI_SHIFT, shift above."""
    if value < PSI_WATCH:
        return "stable"
    return "watch" if value <= PSI_SHIFT else "shift"


def decide(
    drift: pd.DataFrame, unplaced_before: float, unplaced_after: float
) -> tuple[str, tuple[Reason, ...]]:
    """The verdict (keep, watch or refit) and its reasons, most serious first."""
    reasons = []
    for row in drift.itertuples():
        if row.band == "stable":
            continue
        if row.kind == "segments":
            kind = "segments"
        else:
            kind = "feature" if row.model_feature else "column"
        level = "note" if kind == "column" else ("refit" if row.band == "shift" else "watch")
        reasons.append(Reason(kind, level, None if kind == "segments" else row.column, row.psi))
    # rounded: shares of counts (15% - 10%) are a hair below their difference in floats
    if round(unplaced_after - unplaced_before, 12) >= UNPLACED_RISE:
        reasons.append(Reason("unplaced", "refit", before=unplaced_before, after=unplaced_after))
    order = ("refit", "watch", "note")
    reasons.sort(key=lambda r: (order.index(r.level), 0.0 if math.isnan(r.psi) else -r.psi))
    levels = {r.level for r in reasons}
    verdict = "refit" if "refit" in levels else "watch" if "watch" in levels else "keep"
    return verdict, tuple(reasons)


def _default_processes(sources: list[Source]) -> int:
    """Two processes when the tables are large enough to repay starting them, else one."""
    if (os.cpu_count() or 1) < 2:
        return 1
    for source in sources:
        if isinstance(source, pd.DataFrame):
            large = len(source) >= PARALLEL_ROWS
        else:
            large = Path(source).is_file() and Path(source).stat().st_size >= PARALLEL_BYTES
        if large:
            return 2
    return 1


def _period(
    model: SavedModel, source: Source, label: str, lang: str, duplicate_ids: str, decimal: str
) -> _Period:
    """Read, check and place one table."""
    name, kind = source_of(source, label)
    raw = source if isinstance(source, pd.DataFrame) else files.read_table(source, decimal)
    schema = model.schema
    id_name = schema.id_column.name
    check_columns(model, name, raw.columns)
    # The id, and the columns assign does not read (it reads the features and products), read
    # as assign reads its columns: with the decimal mark read_table recorded (a DataFrame: '.').
    others = other_columns(model, raw.columns)
    typed, _ = validate(
        raw[others], schema, columns=[id_name], allow_extra=True, strict=False, source=name
    )
    keep = kept_rows(typed[id_name], name, id_name, duplicate_ids)
    ids, paired = paired_ids(typed.loc[keep, id_name], duplicate_ids)
    try:  # all rows, so that warnings give the table's own row numbers
        placed = model.assign(raw, lang=lang, top_offers=0)
    except InputError as exc:
        raise InputError(f"{name}: {exc}") from None
    states = segment_states(placed, model.k)[keep]
    rest = [c for c in others if c != id_name]
    columns = pd.concat([placed.read[keep], typed.loc[keep, rest]], axis=1)
    return _Period(
        name=name,
        kind=kind,
        rows=len(keep),
        dropped=int((~keep).sum()),
        ids=ids.reset_index(drop=True),
        states=states,
        columns=columns.reset_index(drop=True),
        warnings=tuple(f"{name}: {warning}" for warning in [*paired, *placed.warnings]),
    )


def source_of(source: Source | CatalogTable, label: str) -> tuple[str, str]:
    """A period's name, as messages and the outputs give it (a DataFrame's is its `label`),
    and its kind: "path", "table" (of the Spark catalog) or "DataFrame"."""
    if isinstance(source, pd.DataFrame):
        return label, "DataFrame"
    if isinstance(source, CatalogTable):
        return source.name, "table"
    return str(source), "path"


def check_columns(model: SavedModel, name: str, columns: Sequence[str]) -> None:
    """InputError when the table `name` lacks the id or a feature of `model`."""
    features = list(model.experiment.features)
    absent = [c for c in [model.schema.id_column.name, *features] if c not in columns]
    if absent:
        raise InputError(
            f"{name}: lacks column(s) {', '.join(map(quoted, absent))}: the id and every feature "
            f"of the '{model.experiment.name}' segmentation must be in both tables"
        )


def other_columns(model: SavedModel, columns: Sequence[str]) -> list[str]:
    """The schema's columns in a table that assign does not read (it reads the features and
    the products), the id among them."""
    read = set(model.experiment.features) | {c.name for c in model.schema.products}
    return [c.name for c in model.schema.used if c.name in columns and c.name not in read]


def kept_rows(ids: pd.Series, name: str, id_name: str, duplicate_ids: str) -> np.ndarray:
    """The rows to follow: with "drop", those with an id no other row has; otherwise all, but
    empty ids (and, with "refuse", repeated ones) are refused with an InputError naming them."""
    empty = ids.isna().to_numpy()
    repeated = ids.duplicated(keep=False).to_numpy() & ~empty
    if duplicate_ids == "pair":
        repeated = np.zeros_like(empty)
    if duplicate_ids != "drop":
        for mask, what in zip((empty, repeated), ID_FAULTS, strict=True):
            if mask.any():
                rows = tuple(int(r) + 1 for r in np.flatnonzero(mask)[:5])
                raise ids_refused(name, id_name, what, rows, int(mask.sum()))
    return ~(empty | repeated)


ID_FAULTS = ("have no id", "repeat an id that another row has")  # refused in this order


def ids_refused(
    name: str, id_name: str, what: str, rows: tuple[int, ...], count: int
) -> InputError:
    """The error refusing `count` rows of the table `name` (the first `rows`, 1-based) whose id
    is empty or repeated (`what`: one of ID_FAULTS)."""
    return InputError(
        f"{name}: column {quoted(id_name)}: {count:,} row(s) {what} "
        f"({format_rows(rows, count)}); the two tables are joined by the "
        "id, so each customer must have one row with an id of its own. Pass "
        "--duplicate-ids drop (duplicate_ids='drop') to leave those rows out."
    )


def paired_ids(ids: pd.Series, duplicate_ids: str) -> tuple[pd.Series, list[str]]:
    """The ids to join by: with "pair", the n-th row of a repeated id (n >= 2) becomes 'ID#n',
    so repeated ids are paired by order of appearance; plus the warning saying so."""
    if duplicate_ids != "pair":
        return ids, []
    text = ids.astype(str)  # in both tables, whether or not either repeats an id
    occurrence = ids.groupby(ids, sort=False).cumcount().to_numpy()
    later = occurrence > 0
    if not later.any():
        return text, []
    text[later] = text[later] + "#" + (occurrence[later] + 1).astype(str)
    repeated = int(ids.duplicated(keep=False).sum())
    return text, [paired_warning(repeated, int(ids[later].nunique()))]


def paired_warning(rows: int, ids: int) -> str:
    """The warning that `rows` rows sharing `ids` repeated ids were paired by their order."""
    return (
        f"{rows:,} rows share {ids:,} repeated ids; they are paired "
        "by order of appearance (the n-th row of an id with the n-th row of that id in the "
        "other table; 'ID#n' in the outputs). Use --duplicate-ids drop or refuse if the rows "
        "are not in the same order in both tables."
    )


def no_shared_id(model: SavedModel, first: PeriodFacts, second: PeriodFacts) -> InputError:
    """The error for two tables without a single id in common."""
    return InputError(
        f"{first.name} and {second.name}: no id in column "
        f"{quoted(model.schema.id_column.name)} is in both tables ({first.customers:,} and "
        f"{second.customers:,} ids), so no customer can be followed; are they tables of the "
        "same customers?"
    )


def _compare(model: SavedModel, first: _Period, second: _Period, lang: str) -> Tracking:
    """Join the two periods by id and measure everything the Tracking holds."""
    k = model.k
    absent = k + 1
    facts = (first.facts(), second.facts())
    codes, _ = pd.factorize(pd.concat([first.ids, second.ids], ignore_index=True))
    split = len(first.ids)
    position = []
    for codes_in in (codes[:split], codes[split:]):
        found = np.full(codes.max() + 1, -1, dtype=np.int64)
        found[codes_in] = np.arange(len(codes_in))
        position.append(found)
    shared = (position[0] >= 0) & (position[1] >= 0)
    if not shared.any():
        raise no_shared_id(model, *facts)
    states = [
        np.where(found >= 0, period.states[np.maximum(found, 0)], absent).astype(np.int64)
        for period, found in zip((first, second), position, strict=True)
    ]
    transitions = transition_counts(states[0], states[1], k)
    movers = _movers(model, first, second, states, position, lang)
    bins = {
        name: _bin_counts(model.schema.column(name), first.columns[name], second.columns[name])
        for name in drift_columns(model, *facts)
    }
    return tracking_of(model, lang, facts, transitions, movers, bins, engine=IN_PROCESS.name)


def tracking_of(
    model: SavedModel,
    lang: str,
    periods: tuple[PeriodFacts, PeriodFacts],
    transitions: pd.DataFrame,
    movers: pd.DataFrame,
    bins: dict[str, tuple[np.ndarray, np.ndarray]],
    notes: tuple[str, ...] = (),
    *,
    engine: str,
) -> Tracking:
    """The Tracking from what `engine` (its name) counted: the transition matrix, the movers
    (movers_table), each drifting column's customers per bin (drift_columns; _bin_counts'
    bins) and `notes` on how they were counted."""
    k = model.k
    absent = k + 1
    first, second = periods
    counts = transitions.to_numpy()
    names = segment_names(model, lang)
    segments = (counts[: k + 1].sum(axis=1), counts[:, : k + 1].sum(axis=0))
    drift = _drift(model, segments, bins)
    summaries = [
        PeriodSummary(
            source=period.name,
            source_kind=period.kind,
            rows=period.rows,
            dropped=period.dropped,
            placed=int(states[:k].sum()),
            not_placed=int(states[k]),
        )
        for period, states in zip(periods, segments, strict=True)
    ]
    verdict, reasons = decide(drift, summaries[0].unplaced_share, summaries[1].unplaced_share)
    only = [
        f"{period.name} alone holds column {quoted(c)}: its drift is not measured"
        for period, other in ((first, second), (second, first))
        for c in period.columns
        if c not in other.columns
    ]
    return Tracking(
        schema=model.schema,
        experiment=model.experiment.name,
        algorithm=model.algorithm,
        k=k,
        names=names,
        lang=lang,
        id_column=model.schema.id_column.name,
        before=summaries[0],
        after=summaries[1],
        customers={
            "in_both": int(counts[: k + 1, : k + 1].sum()),
            "stayed": int(np.trace(counts[:k, :k])),
            "moved": len(movers),
            "joined": int(counts[absent].sum()),
            "left": int(counts[:, absent].sum()),
            "became_not_placed": int(counts[:k, k].sum()),
            "became_placed": int(counts[k, :k].sum()),
        },
        transitions=transitions,
        shares=transitions.div(transitions.sum(axis=1).replace(0, np.nan), axis=0),
        flows=_flows(counts, names),
        movers=movers,
        drift=drift,
        verdict=verdict,
        reasons=reasons,
        engine=engine,
        warnings=first.warnings + second.warnings + tuple(only) + notes,
    )


def segment_names(model: SavedModel, lang: str) -> dict[int, str]:
    return {s: model.segment_name(s, lang) for s in range(1, model.k + 1)}


def _flows(counts: np.ndarray, names: dict[int, str]) -> pd.DataFrame:
    """Per segment: sizes, stayers, inflow and outflow by where they came from or went."""
    k = len(names)
    segments = np.arange(k)
    stayed = counts[segments, segments]
    before, after = counts[:k].sum(axis=1), counts[:, :k].sum(axis=0)
    from_segments = counts[:k, :k].sum(axis=0) - stayed
    to_segments = counts[:k, :k].sum(axis=1) - stayed
    return pd.DataFrame(
        {
            "segment": segments + 1,
            "name": list(names.values()),
            "before": before,
            "after": after,
            "stayed": stayed,
            "inflow": after - stayed,
            "from_segments": from_segments,
            "from_not_placed": counts[k, :k],
            "joined": counts[k + 1, :k],
            "outflow": before - stayed,
            "to_segments": to_segments,
            "to_not_placed": counts[:k, k],
            "left": counts[:k, k + 1],
            "net": after - before,
        }
    )


def _movers(
    model: SavedModel,
    first: _Period,
    second: _Period,
    states: list[np.ndarray],
    position: list[np.ndarray],
    lang: str,
) -> pd.DataFrame:
    """Customers placed in both periods in different segments, and what moved them."""
    k = model.k
    moved = np.flatnonzero((states[0] < k) & (states[1] < k) & (states[0] != states[1]))
    rows = [found[moved] for found in position]
    old, new = states[0][moved], states[1][moved]
    order = np.lexsort((rows[0], new, old))
    rows, old, new = [r[order] for r in rows], old[order], new[order]
    features = list(model.experiment.features)
    return movers_table(
        model,
        lang,
        first.ids.iloc[rows[0]].reset_index(drop=True),
        old,
        new,
        first.columns[features].iloc[rows[0]].reset_index(drop=True),
        second.columns[features].iloc[rows[1]].reset_index(drop=True),
    )


def movers_table(
    model: SavedModel,
    lang: str,
    ids: pd.Series,
    old: np.ndarray,
    new: np.ndarray,
    before: pd.DataFrame,
    after: pd.DataFrame,
) -> pd.DataFrame:
    """The movers' table: their ids, segments 0..k-1 before (`old`) and after (`new`), and what
    moved them, from their features before and after (typed as assign reads them), in the
    order given (by old segment, new segment, then row in the first table)."""
    changed, changed_columns = _what_moved(model, before, after, old, new, lang)
    labels = np.array(list(segment_names(model, lang).values()), dtype=object)
    return pd.DataFrame(
        {
            model.schema.id_column.name: ids,
            "from_segment": old + 1,
            "from_name": pd.Series(labels[old], dtype="str"),
            "to_segment": new + 1,
            "to_name": pd.Series(labels[new], dtype="str"),
            "changed": pd.Series(changed, dtype="str"),
            "changed_columns": pd.Series(changed_columns, dtype="str"),
        }
    )


def _what_moved(
    model: SavedModel,
    before: pd.DataFrame,
    after: pd.DataFrame,
    old: np.ndarray,
    new: np.ndarray,
    lang: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Per mover, the features whose change pulled them to the new segment, in words and as
    column names (see the module docstring)."""
    encoders = model.space.encoders_
    starts = np.cumsum([0] + [len(enc.outputs) for enc in encoders[:-1]])
    centres = model.centers.astype(np.float64)
    pulls = np.zeros((len(old), len(encoders)))
    for start in range(0, len(old), BLOCK_ROWS):
        block = slice(start, start + BLOCK_ROWS)
        terms = [
            _closer_to_new(
                model.space.transform(table.iloc[block]).astype(np.float64),
                centres[old[block]],
                centres[new[block]],
                model.metric,
            )
            for table in (before, after)
        ]
        pulls[block] = np.add.reduceat(terms[1] - terms[0], starts, axis=1)
    ranked = np.argsort(pulls, axis=1, kind="stable")[:, :MAX_REASONS]
    strength = np.take_along_axis(pulls, ranked, axis=1)
    named = (strength < 0) & (strength <= MIN_PULL * strength[:, :1])
    named[:, 0] = True
    words = np.full(len(old), "", dtype=object)
    columns = np.full(len(old), "", dtype=object)
    for rank in range(ranked.shape[1]):
        separator = "" if rank == 0 else "; "
        for position, enc in enumerate(encoders):
            rows = np.flatnonzero(named[:, rank] & (ranked[:, rank] == position))
            if not rows.size:
                continue
            column = model.schema.column(enc.column)
            texts = change_texts(
                column, before[enc.column].iloc[rows], after[enc.column].iloc[rows], lang
            )
            words[rows] = words[rows] + separator + texts
            columns[rows] = columns[rows] + separator + enc.column
    return words, columns


def _closer_to_new(X: np.ndarray, old: np.ndarray, new: np.ndarray, metric: str) -> np.ndarray:
    """Per encoded feature, the distance to the new centre minus that to the old one (squared
    euclidean or manhattan: both are these terms' sums)."""
    if metric == "euclidean":
        return (X - new) ** 2 - (X - old) ** 2
    return np.abs(X - new) - np.abs(X - old)


def drift_columns(model: SavedModel, first: PeriodFacts, second: PeriodFacts) -> list[str]:
    """The columns whose drift is measured: the model's features, then every other column of
    the schema both tables hold, in the schema's order."""
    features = list(model.experiment.features)
    shared = set(first.columns) & set(second.columns)
    return features + [c for c in model.schema.names if c in shared and c not in features]


def _drift(
    model: SavedModel,
    segments: tuple[np.ndarray, np.ndarray],
    bins: dict[str, tuple[np.ndarray, np.ndarray]],
) -> pd.DataFrame:
    """PSI, band and chi-square test of the segment shares (customers per state 0..k in each
    period) and of every column in `bins` (its customers per bin in each period)."""
    features = set(model.experiment.features)
    rows = [_drift_row(SEGMENTS_ROW, "segments", True, *segments)]
    for name, (before, after) in bins.items():
        kind = "categorical" if model.schema.column(name).is_categorical else "numeric"
        rows.append(_drift_row(name, kind, name in features, before, after))
    return pd.DataFrame(rows)


def _drift_row(
    name: str, kind: str, feature: bool, before: np.ndarray, after: np.ndarray
) -> dict[str, Any]:
    value = psi(before, after)
    table = np.vstack([before, after])
    table = table[:, table.sum(axis=0) > 0]
    if table.shape[1] > 1:
        test = chi2_contingency(table, correction=False)
        chi2, dof, p_value = float(test.statistic), int(test.dof), float(test.pvalue)
    else:  # one bin: nothing can differ
        chi2, dof, p_value = 0.0, 0, 1.0
    return {
        "column": name,
        "kind": kind,
        "model_feature": feature,
        "psi": value,
        "band": band(value),
        "chi2": chi2,
        "dof": dof,
        "p_value": p_value,
        "bins": len(before),
    }


def _bin_counts(column: Column, before: pd.Series, after: pd.Series) -> tuple[np.ndarray, ...]:
    """Customers per bin in each period (the bins of the module docstring)."""
    if column.is_categorical:
        size = len(column.levels) + 1
        return tuple(
            np.bincount(np.asarray(values.cat.codes) + 1, minlength=size)
            for values in (before, after)
        )
    numbers = [v.to_numpy(dtype=float, na_value=np.nan) for v in (before, after)]
    sentinels = np.asarray(column.sentinel_values, dtype=float)
    measured = numbers[0][np.isfinite(numbers[0]) & ~np.isin(numbers[0], sentinels)]
    edges = decile_edges(np.quantile(measured, QUANTILES) if measured.size else np.empty(0))
    size = len(edges) + 2 + len(sentinels)
    counts = []
    for values in numbers:
        bins = np.searchsorted(edges, values, side="right")
        bins[np.isnan(values)] = len(edges) + 1
        for i, code in enumerate(sentinels):
            bins[values == code] = len(edges) + 2 + i
        counts.append(np.bincount(bins, minlength=size))
    return tuple(counts)


def decile_edges(deciles: np.ndarray) -> np.ndarray:
    """A number's bin edges from the first period's deciles (QUANTILES) of its measured
    values: tied deciles merge bins. Bin i holds the values with i edges at or below them; then
    one bin for missing values and one per sentinel code, in the schema's order."""
    return np.unique(deciles)


def counted_quantiles(values: np.ndarray, counts: np.ndarray, quantiles: np.ndarray) -> np.ndarray:
    """np.quantile (its default, linear method) of the table holding counts[i] times values[i]
    (values ascending, counts positive), to the bit, without writing that table out: the same
    virtual index, neighbours and interpolation as numpy's."""
    n = int(np.sum(counts))
    virtual = (n - 1) * quantiles
    previous = np.floor(virtual)
    gamma = virtual - previous
    low = np.minimum(previous.astype(np.int64), n - 1)
    high = np.where(virtual >= n - 1, n - 1, low + 1)
    ends = np.cumsum(counts)  # rows up to and including each value
    a = values[np.searchsorted(ends, low, side="right")]
    b = values[np.searchsorted(ends, high, side="right")]
    difference = b - a
    return np.where(gamma >= 0.5, b - difference * (1 - gamma), a + difference * gamma)
