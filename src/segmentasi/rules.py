"""Segments as rules a person can read and a database can run.

A shallow decision tree (scikit-learn's CART) learns to predict a model's segment from the
experiment's features in their own units: numbers as numbers, ordinal columns by level order,
nominal columns level by level (each path's conditions become a set of levels, "kota Jakarta
or Bandung"), 0/1 flags as 0/1 and, for a feature the model marks with an indicator column,
whether it was recorded. Each root-to-leaf path is a rule: its conditions, the segment, how
many of the model's customers it covers and how often the model agrees with it.

- Values as the model places them: a missing or invalid value counts as the model's fill
  value (median or most frequent level; for an ordinal column with an indicator, the level
  nearest the model's fill), the same in the rules, their sentences and their SQL. Customers
  the model sets aside (features.py, missing="set-aside") or cannot place get no rule.
- Depth by fidelity: the tree is fitted on a seeded share of the model's customers (at most
  MAX_FIT_ROWS) and read on the others (held out, at most MAX_HELDOUT_ROWS). Fidelity is the
  held-out share the rules place in the model's segment; the depth is the smallest of
  1..MAX_DEPTH reaching TARGET_FIDELITY, else MAX_DEPTH (and `reached` says it was not). A
  depth-d tree is the depth-MAX_DEPTH tree cut at depth d: CART grows greedily, one node at a
  time. Fitting sees at most MAX_FIT_ROWS rows, so it costs about the same on any table.
- Readable thresholds: a split at t between two observed values is moved to the roundest
  number in the same gap (450 rather than 447.5), so the rule sorts the customers it was fitted
  on exactly as the tree did; fidelity is measured with the rounded rules.
- Faithful: a rule whose held-out agreement is at least FAITHFUL_AGREEMENT on at least
  FAITHFUL_MIN_HELDOUT held-out customers. Faithful is a measured share, not a proof.
- Exact: a rule proven to give the model's segment for every customer it can cover (any value
  the schema lets through, not only those seen). Over the rule's box of values the difference
  between the distance to another centre and to the rule's centre is a sum of one term per
  feature, each smallest at an end of its interval or at one of its levels, so its minimum over
  the box is exact; a rule is exact when that minimum stays above what float32 rounding can
  move. A box of few discrete points (flags and levels only) is instead placed point by point,
  through the same code as SavedModel.assign, ties included. The SQL uses exact rules by
  default and the model's nearest-centre computation everywhere else (sql.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from itertools import product
from typing import Any, Protocol

import numpy as np
import pandas as pd
from sklearn.tree import DecisionTreeClassifier

from .algorithms import Clustering
from .algorithms import assign as nearest_centres
from .decimals import MAX_MAGNITUDE
from .features import Encoder, FeatureSpace, level_codes, recorded_numbers
from .schema import Column
from .validation import lowest_valid

MAX_DEPTH = 4
TARGET_FIDELITY = 0.95
FAITHFUL_AGREEMENT = 0.95
FAITHFUL_MIN_HELDOUT = 30
MAX_FIT_ROWS = 100_000
MAX_HELDOUT_ROWS = 100_000  # fidelity is measured on at most this many held-out customers
FIT_SHARE = 0.7  # of the model's customers, the rest held out
MIN_LEAF_SHARE = 0.001  # of the fitting rows; at least MIN_LEAF_ROWS
MIN_LEAF_ROWS = 5
MAX_ENUMERATED = 4_096  # discrete boxes up to this many points are placed point by point
FLOAT32_ROUNDING = 2.0**-23  # relative, with a margin: encoded values are rounded to float32
MODES = ("exact", "faithful")  # which rules the SQL uses before the exact assignment
DEFAULT_DIALECT = "postgres"  # of the SQL (sql.py)


@dataclass(frozen=True)
class Condition:
    """One column's condition in a rule: a range of numbers [at_least, below), a set of levels
    (nominal and ordinal columns), a 0/1 flag's value, or whether the value was recorded."""

    column: str
    kind: str  # range | levels | flag | recorded
    at_least: float | None = None
    below: float | None = None
    levels: tuple[str, ...] = ()
    value: int | bool | None = None  # flag: 0 or 1; recorded: True or False

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"column": self.column, "kind": self.kind}
        if self.kind == "range":
            data |= {"at_least": self.at_least, "below": self.below}
        elif self.kind == "levels":
            data["levels"] = list(self.levels)
        else:
            data["value"] = self.value
        return data


@dataclass(frozen=True)
class Leaf:
    """A rule: conditions that all hold -> segment, with the customers it covers."""

    conditions: tuple[Condition, ...]
    segment: int  # 1..k
    customers: int  # of the model's customers
    heldout: int  # held-out customers it covers
    agreeing: int  # of those, the ones the model places in `segment`

    @property
    def agreement(self) -> float:
        """The held-out share the model places in the rule's segment (NaN: none held out)."""
        return self.agreeing / self.heldout if self.heldout else math.nan

    @property
    def faithful(self) -> bool:
        return self.heldout >= FAITHFUL_MIN_HELDOUT and self.agreement >= FAITHFUL_AGREEMENT

    def to_dict(self) -> dict[str, Any]:
        return {
            "conditions": [c.to_dict() for c in self.conditions],
            "segment": self.segment,
            "customers": self.customers,
            "heldout": self.heldout,
            "agreeing": self.agreeing,
        }


@dataclass(frozen=True)
class Fidelity:
    """How often the rules place held-out customers where the model does."""

    overall: float
    by_depth: dict[int, float]  # held-out fidelity of the tree cut at each depth 1..MAX_DEPTH
    depth: int
    reached: bool  # TARGET_FIDELITY reached within MAX_DEPTH
    confusion: tuple[tuple[int, ...], ...]  # [model segment - 1][rules segment - 1], held out
    fit_rows: int
    heldout_rows: int

    @property
    def by_segment(self) -> dict[int, float]:
        """Per segment of the model, the share of its held-out customers the rules place there
        (NaN for a segment without any)."""
        shares = {}
        for s, row in enumerate(self.confusion, start=1):
            total = sum(row)
            shares[s] = row[s - 1] / total if total else math.nan
        return shares

    def to_dict(self) -> dict[str, Any]:
        """What a model file stores (NaN, a share of no customers, as null)."""
        return {
            "overall": _or_none(self.overall),
            "by_depth": {str(d): _or_none(f) for d, f in self.by_depth.items()},
            "depth": self.depth,
            "reached": self.reached,
            "confusion": [list(row) for row in self.confusion],
            "fit_rows": self.fit_rows,
            "heldout_rows": self.heldout_rows,
        }


def _or_none(value: float) -> float | None:
    return None if math.isnan(value) else value


@dataclass(frozen=True)
class Surrogate:
    """A model's rules as fitted: what a model file stores (model.py checks it on loading)."""

    leaves: tuple[Leaf, ...]
    fidelity: Fidelity

    def to_dict(self) -> dict[str, Any]:
        return {
            "leaves": [leaf.to_dict() for leaf in self.leaves],
            "fidelity": self.fidelity.to_dict(),
        }


@dataclass(frozen=True, eq=False)
class Placement:
    """How a model places a customer: its feature space, centres (float32) and distance."""

    space: FeatureSpace
    centers: np.ndarray
    metric: str

    @property
    def k(self) -> int:
        return len(self.centers)

    @classmethod
    def of_fit(cls, space: FeatureSpace, fit: Clustering) -> Placement:
        """A fitted clustering's placement (centres as float32, as a saved model holds them)."""
        return cls(space, np.asarray(fit.centers, dtype=np.float32), fit.metric)


class RuleSet(Protocol):
    """What reading and writing a model's rules needs (segment_rules.Rules has it)."""

    @property
    def surrogate(self) -> Surrogate: ...

    @property
    def placement(self) -> Placement: ...

    @property
    def algorithm(self) -> str: ...

    @property
    def exact(self) -> tuple[bool, ...]: ...

    def segment_name(self, segment: int, lang: str) -> str: ...


# The rules' view of a table: one array of values per column, missing values filled.


@dataclass(frozen=True)
class _Input:
    """One column of the tree's input matrix."""

    column: str
    kind: str  # number (numbers, ordinal codes) | level (a nominal level) | flag | unrecorded
    level: int = -1  # for kind level: the level's code


def rule_fills(space: FeatureSpace) -> dict[str, float | str]:
    """What a missing or invalid value counts as in the rules, per column: a number, a level
    (nominal and ordinal columns), or 0/1 for flags."""
    fills: dict[str, float | str] = {}
    for enc in space.encoders_:
        if enc.levels:
            fills[enc.column] = enc.levels[_fill_code(enc)]
        else:
            fills[enc.column] = float(enc.fill)
    return fills


def _fill_code(enc: Encoder) -> int:
    """The level a missing value counts as: the model's fill code, or with an indicator (whose
    fill is the recorded codes' mean) the level nearest it."""
    return int(min(max(round(enc.fill), 0), len(enc.levels) - 1))


def rule_values(space: FeatureSpace, table: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per column, the values the rules compare, missing ones filled: numbers (float), level
    codes (nominal and ordinal, int), flags (float); and per column with an indicator,
    '<column>:unrecorded' (bool)."""
    values: dict[str, np.ndarray] = {}
    for enc in space.encoders_:
        col = space.schema.column(enc.column)
        if enc.levels:
            codes = level_codes(table[enc.column], enc.levels)
            values[enc.column] = np.where(codes < 0, _fill_code(enc), codes)
            unrecorded = codes < 0
        else:
            numbers = recorded_numbers(col, table[enc.column])
            unrecorded = np.isnan(numbers)
            values[enc.column] = np.where(unrecorded, enc.fill, numbers)
        if enc.indicator:
            values[_unrecorded_key(enc.column)] = unrecorded
    return values


def _unrecorded_key(column: str) -> str:
    return column + "\x00unrecorded"  # no column name holds a NUL character


def _inputs(space: FeatureSpace) -> list[_Input]:
    inputs = []
    for enc in space.encoders_:
        if enc.kind == "onehot":
            inputs += [_Input(enc.column, "level", code) for code in range(len(enc.levels))]
        else:
            inputs.append(_Input(enc.column, "flag" if enc.kind == "flag" else "number"))
        if enc.indicator:
            inputs.append(_Input(enc.column, "unrecorded"))
    return inputs


def _input_matrix(inputs: list[_Input], values: dict[str, np.ndarray]) -> np.ndarray:
    columns = []
    for item in inputs:
        if item.kind == "level":
            columns.append(values[item.column] == item.level)
        elif item.kind == "unrecorded":
            columns.append(values[_unrecorded_key(item.column)])
        else:
            columns.append(values[item.column])
    return np.column_stack(columns).astype(np.float64)


# Fitting.


@dataclass
class _Node:
    """A node of the fitted tree, its threshold moved to a readable number: x < threshold goes
    left."""

    depth: int
    counts: np.ndarray  # fitting rows per segment
    input: int = -1  # -1: a leaf
    threshold: float = math.nan
    left: int = -1
    right: int = -1

    @property
    def segment(self) -> int:
        return int(np.argmax(self.counts)) + 1


def fit_rules(
    table: pd.DataFrame, labels: np.ndarray, placement: Placement, seed: int
) -> Surrogate:
    """The rules of a model's segmentation of `table` (the rows it placed, validated; labels
    0..k-1 aligned with them), fitted and measured as the module docstring says."""
    space, k = placement.space, placement.k
    labels = np.asarray(labels, dtype=np.int64)
    values = rule_values(space, table)
    inputs = _inputs(space)
    order = np.random.default_rng(seed).permutation(len(table))
    fit_count = min(MAX_FIT_ROWS, max(1, round(FIT_SHARE * len(table))))
    fit_rows = order[:fit_count]
    heldout_rows = order[fit_count : fit_count + MAX_HELDOUT_ROWS]
    fit_X = _input_matrix(inputs, {key: v[fit_rows] for key, v in values.items()})
    tree = DecisionTreeClassifier(
        max_depth=MAX_DEPTH,
        min_samples_leaf=max(MIN_LEAF_ROWS, int(MIN_LEAF_SHARE * fit_count)),
        random_state=seed,
    ).fit(fit_X, labels[fit_rows])
    nodes = _readable_nodes(tree, fit_X, labels[fit_rows], k)
    heldout_X = _input_matrix(inputs, {key: v[heldout_rows] for key, v in values.items()})
    heldout_labels = labels[heldout_rows] + 1
    predicted = _predict_by_depth(nodes, heldout_X)
    by_depth = {
        depth: _share_equal(predicted[depth - 1], heldout_labels)
        for depth in range(1, MAX_DEPTH + 1)
    }
    reached = [d for d, f in by_depth.items() if f >= TARGET_FIDELITY]
    depth = reached[0] if reached else MAX_DEPTH
    confusion = np.zeros((k, k), dtype=np.int64)
    np.add.at(confusion, (heldout_labels - 1, predicted[depth - 1] - 1), 1)
    leaves = _leaves(nodes, inputs, space, depth)
    every = leaf_segments(leaves, values, space, which=True)
    heldout_leaf = every[heldout_rows]
    measured = []
    for i, leaf in enumerate(leaves):
        here = heldout_leaf == i
        measured.append(
            Leaf(
                leaf.conditions,
                leaf.segment,
                int((every == i).sum()),
                int(here.sum()),
                int((heldout_labels[here] == leaf.segment).sum()),
            )
        )
    measured.sort(key=lambda leaf: (leaf.segment, -leaf.customers))
    fidelity = Fidelity(
        overall=by_depth[depth],
        by_depth=by_depth,
        depth=depth,
        reached=bool(reached),
        confusion=tuple(tuple(int(n) for n in row) for row in confusion),
        fit_rows=len(fit_rows),
        heldout_rows=len(heldout_rows),
    )
    return Surrogate(tuple(measured), fidelity)


def _share_equal(a: np.ndarray, b: np.ndarray) -> float:
    return float((a == b).mean()) if len(a) else math.nan


def _readable_nodes(
    tree: DecisionTreeClassifier, X: np.ndarray, labels: np.ndarray, k: int
) -> list[_Node]:
    """The fitted tree's nodes, each split moved to the roundest number in the gap between the
    fitting rows' values on either side of it (so those rows are split as before)."""
    structure = tree.tree_
    nodes: list[_Node] = []

    def grow(node: int, rows: np.ndarray, depth: int) -> int:
        position = len(nodes)
        nodes.append(_Node(depth, np.bincount(labels[rows], minlength=k)))
        left, right = structure.children_left[node], structure.children_right[node]
        if left < 0:
            return position
        feature = int(structure.feature[node])
        x = X[rows, feature]
        t = structure.threshold[node]
        if not (x <= t).any() or (x <= t).all():  # the tree splits in float32: cannot happen
            return position  # here unless two values round to one; then it is a leaf
        low, high = float(x[x <= t].max()), float(x[x > t].min())
        threshold = readable_between(low, high)
        goes_left = x < threshold
        nodes[position].input, nodes[position].threshold = feature, threshold
        nodes[position].left = grow(left, rows[goes_left], depth + 1)
        nodes[position].right = grow(right, rows[~goes_left], depth + 1)
        return position

    grow(0, np.arange(len(X)), 0)
    return nodes


def readable_between(low: float, high: float) -> float:
    """The number with the fewest significant digits in (low, high]: 450 between 447 and 452.5,
    50 between 48 and 52, 0 when the gap holds it."""
    if low < 0 <= high:
        return 0.0
    magnitude = math.floor(math.log10(max(abs(low), abs(high))))
    upper = Decimal(repr(high))  # the decimal people see, 0.1234 rather than 0.12339999...
    for digits in range(1, 18):
        step = Decimal(1).scaleb(magnitude - digits + 1)
        candidate = float((upper / step).to_integral_value(rounding=ROUND_FLOOR) * step)
        if low < candidate <= high:
            return candidate
    return high


def _predict_by_depth(nodes: list[_Node], X: np.ndarray) -> list[np.ndarray]:
    """Each row's segment (1..k) by the tree cut at each depth 1..MAX_DEPTH, in that order."""
    inputs = np.array([node.input for node in nodes])
    thresholds = np.array([node.threshold for node in nodes])
    left = np.array([node.left for node in nodes])
    right = np.array([node.right for node in nodes])
    segments = np.array([node.segment for node in nodes])
    where = np.zeros(len(X), dtype=np.int64)
    rows = np.arange(len(X))
    found = []
    for _ in range(MAX_DEPTH):
        split = inputs[where] >= 0
        goes_left = X[rows, np.maximum(inputs[where], 0)] < thresholds[where]
        where = np.where(split, np.where(goes_left, left[where], right[where]), where)
        found.append(segments[where])
    return found


def _leaves(
    nodes: list[_Node], inputs: list[_Input], space: FeatureSpace, depth: int
) -> list[Leaf]:
    """The rules of the tree cut at `depth`, a subtree whose rules all name one segment merged
    into one rule; customers are counted afterwards."""

    def segments_below(position: int, level: int) -> set[int]:
        node = nodes[position]
        if node.input < 0 or level == depth:
            return {node.segment}
        return segments_below(node.left, level + 1) | segments_below(node.right, level + 1)

    found: list[Leaf] = []

    def walk(position: int, level: int, path: list[tuple[int, float, bool]]) -> None:
        node = nodes[position]
        below = segments_below(position, level)
        if len(below) == 1:
            conditions = _conditions(path, inputs, space)
            found.append(Leaf(conditions, below.pop(), 0, 0, 0))
            return
        walk(node.left, level + 1, [*path, (node.input, node.threshold, True)])
        walk(node.right, level + 1, [*path, (node.input, node.threshold, False)])

    walk(0, 0, [])
    return found


def _conditions(
    path: list[tuple[int, float, bool]], inputs: list[_Input], space: FeatureSpace
) -> tuple[Condition, ...]:
    """A path's splits as one condition per column (and kind), in the order of the features."""
    ranges: dict[str, list[float]] = {}  # column -> [at_least, below]
    allowed: dict[str, set[int]] = {}  # nominal column -> level codes
    flags: dict[str, int] = {}
    recorded: dict[str, bool] = {}
    for index, threshold, left in path:
        item = inputs[index]
        if item.kind == "number":
            bounds = ranges.setdefault(item.column, [-math.inf, math.inf])
            if left:
                bounds[1] = min(bounds[1], threshold)
            else:
                bounds[0] = max(bounds[0], threshold)
        elif item.kind == "level":
            enc = _encoder(space, item.column)
            codes = allowed.setdefault(item.column, set(range(len(enc.levels))))
            if left:
                codes.discard(item.level)
            else:
                codes &= {item.level}
        elif item.kind == "flag":
            flags[item.column] = 0 if left else 1
        else:
            recorded[item.column] = left  # the indicator is 0 (recorded) on the left
    conditions = []
    for enc in space.encoders_:
        column = enc.column
        if column in ranges:
            low, high = ranges[column]
            if enc.levels:  # ordinal codes: the levels in [low, high)
                codes = {c for c in range(len(enc.levels)) if low <= c < high}
                conditions.append(_levels(column, enc, codes))
            else:
                conditions.append(
                    Condition(
                        column,
                        "range",
                        at_least=None if low == -math.inf else low,
                        below=None if high == math.inf else high,
                    )
                )
        if column in allowed:
            conditions.append(_levels(column, enc, allowed[column]))
        if column in flags:
            conditions.append(Condition(column, "flag", value=flags[column]))
        if column in recorded:
            conditions.append(Condition(column, "recorded", value=recorded[column]))
    return tuple(conditions)


def _levels(column: str, enc: Encoder, codes: set[int]) -> Condition:
    return Condition(column, "levels", levels=tuple(enc.levels[c] for c in sorted(codes)))


def _encoder(space: FeatureSpace, column: str) -> Encoder:
    return next(enc for enc in space.encoders_ if enc.column == column)


# Reading rules.


def condition_holds(
    condition: Condition, values: dict[str, np.ndarray], space: FeatureSpace
) -> np.ndarray:
    """Where a condition holds, on rule_values()."""
    if condition.kind == "recorded":
        unrecorded = values[_unrecorded_key(condition.column)]
        return ~unrecorded if condition.value else unrecorded
    column = values[condition.column]
    if condition.kind == "levels":
        levels = _encoder(space, condition.column).levels
        codes = [levels.index(level) for level in condition.levels]
        return np.isin(column, codes)
    if condition.kind == "flag":
        return column == condition.value
    holds = np.ones(len(column), dtype=bool)
    if condition.at_least is not None:
        holds &= column >= condition.at_least
    if condition.below is not None:
        holds &= column < condition.below
    return holds


def leaf_segments(
    leaves: tuple[Leaf, ...] | list[Leaf],
    values: dict[str, np.ndarray],
    space: FeatureSpace,
    *,
    which: bool = False,
) -> np.ndarray:
    """Per row, the segment of the first rule that covers it (0: none); with `which`, the
    rule's position instead (-1: none)."""
    rows = len(next(iter(values.values())))
    found = np.full(rows, -1, dtype=np.int64)
    for i, leaf in enumerate(leaves):
        holds = found < 0
        for condition in leaf.conditions:
            holds &= condition_holds(condition, values, space)
        found[holds] = i
    if which:
        return found
    segments = np.array([leaf.segment for leaf in leaves] + [0], dtype=np.int64)
    return segments[found]


# Proving a rule exact.


def proven_exact(leaves: tuple[Leaf, ...], placement: Placement) -> tuple[bool, ...]:
    """Per rule, whether every customer it can cover is placed in its segment by the model."""
    space = placement.space
    fills = rule_fills(space)
    missing = {enc.column: _encode(space, enc, [None])[0] for enc in space.encoders_}
    levels = {
        enc.column: dict(zip(_domain(enc), _encode(space, enc, _domain(enc)), strict=True))
        for enc in space.encoders_
        if enc.levels or enc.kind == "flag"
    }
    proven = []
    for leaf in leaves:
        conditions: dict[str, list[Condition]] = {}
        for condition in leaf.conditions:
            conditions.setdefault(condition.column, []).append(condition)
        blocks = [
            _pieces(
                space,
                enc,
                conditions.get(enc.column, []),
                fills[enc.column],
                missing[enc.column],
                levels.get(enc.column, {}),
            )
            for enc in space.encoders_
        ]
        if any(not pieces for pieces in blocks):  # no value satisfies the rule
            proven.append(True)
            continue
        points = all(all(np.array_equal(low, high) for low, high in pieces) for pieces in blocks)
        if points and math.prod(len(pieces) for pieces in blocks) <= MAX_ENUMERATED:
            proven.append(_every_point_placed(blocks, placement, leaf.segment))
        else:
            proven.append(_bounded_margins(blocks, placement, leaf.segment))
    return tuple(proven)


def _domain(enc: Encoder) -> list[Any]:
    """The values of a column of levels or a flag."""
    return list(enc.levels) if enc.levels else [0.0, 1.0]


def _encode(space: FeatureSpace, enc: Encoder, values: list[Any]) -> np.ndarray:
    return space.encode_column(enc.column, pd.Series(values, dtype=object))


def _pieces(
    space: FeatureSpace,
    enc: Encoder,
    conditions: list[Condition],
    fill: float | str,
    missing: np.ndarray,
    levels: dict[Any, np.ndarray],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The values the rule lets a column take, encoded as the model encodes them: boxes (low,
    high corner) of the column's block of features; a point where low equals high. `missing`
    is a missing value's encoding, `levels` each level's (or flag value's)."""
    recorded = next((c.value for c in conditions if c.kind == "recorded"), None)
    pieces: list[tuple[np.ndarray, np.ndarray]] = []
    if levels:
        allowed = set(levels)
        for condition in conditions:
            if condition.kind == "levels":
                allowed &= set(condition.levels)
            elif condition.kind == "flag":
                allowed &= {float(condition.value)}
        if recorded is not False:
            pieces += [(row, row) for value, row in levels.items() if value in allowed]
        if recorded is not True and fill in allowed:  # a missing value counts as the fill
            pieces.append((missing, missing))
        return pieces
    low, high = valid_range(space.schema.column(enc.column))
    for condition in conditions:
        if condition.kind == "range":
            low = max(low, condition.at_least if condition.at_least is not None else low)
            high = min(high, condition.below if condition.below is not None else high)
    if recorded is not False and low <= high:
        ends = _encode(space, enc, [low, high])
        pieces.append((ends.min(axis=0), ends.max(axis=0)))
    if recorded is not True and low <= float(fill) <= high:
        pieces.append((missing, missing))
    return pieces


def valid_range(col: Column) -> tuple[float, float]:
    """The values validation lets through a number column (others become missing)."""
    if col.role == "derived_count":
        return -MAX_MAGNITUDE, MAX_MAGNITUDE
    lowest = lowest_valid(col)
    return (
        -MAX_MAGNITUDE if lowest is None else lowest,
        MAX_MAGNITUDE if col.max is None else col.max,
    )


def _every_point_placed(
    blocks: list[list[tuple[np.ndarray, np.ndarray]]], placement: Placement, segment: int
) -> bool:
    """Place every point of a discrete box, as assign does (float32, ties to the lowest)."""
    rows = [np.concatenate([low for low, _ in combination]) for combination in product(*blocks)]
    X = np.asarray(rows, dtype=np.float64).astype(np.float32)
    if not np.isfinite(X).all():
        return False
    labels, _ = nearest_centres(X, placement.centers, placement.metric)
    return bool((labels == segment - 1).all())


def _bounded_margins(
    blocks: list[list[tuple[np.ndarray, np.ndarray]]], placement: Placement, segment: int
) -> bool:
    """Whether, over the whole box, every other centre is farther than the segment's by more
    than float32 rounding can change: the difference of distances is a sum over features,
    each term smallest at an end of its interval."""
    centers = placement.centers.astype(np.float64)
    own = centers[segment - 1]
    euclidean = placement.metric == "euclidean"
    for j, other in enumerate(centers):
        if j == segment - 1:
            continue
        margin = tolerance = 0.0
        start = 0
        for pieces in blocks:
            width = len(pieces[0][0])
            c_own, c_other = own[start : start + width], other[start : start + width]
            start += width
            lowest, slack = math.inf, 0.0
            for low, high in pieces:
                ends = np.stack([low, high])
                if euclidean:
                    terms = (ends - c_other) ** 2 - (ends - c_own) ** 2
                    rate = 2 * np.abs(c_own - c_other)
                else:
                    terms = np.abs(ends - c_other) - np.abs(ends - c_own)
                    rate = np.full(width, 2.0)
                if not np.isfinite(terms).all():
                    return False
                lowest = min(lowest, float(terms.min(axis=0).sum()))
                slack = max(slack, float((np.abs(ends).max(axis=0) * rate).sum()))
            margin += lowest
            tolerance += slack * FLOAT32_ROUNDING
        if not margin > tolerance + 1e-9 * (1.0 + abs(margin)):
            return False
    return True
