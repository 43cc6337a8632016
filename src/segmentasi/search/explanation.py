"""Whether segments are a cross-tabulation, a rule or a listing of value combinations in
disguise: the few raw columns (or value combinations) that best give each customer its segment."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.tree import DecisionTreeClassifier

from ..metrics import silhouette_estimates
from ..sweep import SweepOptions
from .guardrails import Guardrails
from .measures import information_kept

RULE_TREE_DEPTH = 4  # a "simple rule": a decision tree this deep on one or two raw columns
RULE_TREE_ROWS = 5000


@dataclass(frozen=True)
class Explanation:
    """How well a few raw columns (or the features' value combinations) give the segments."""

    kind: str  # cross-tabulation | rule | combinations
    columns: tuple[str, ...]
    accuracy: float  # share of customers whose segment these columns alone give
    # silhouette, in the segmentation's own space, of the plain cross-tab or rule (each cell or
    # leaf given its most common segment); None where not computed
    silhouette: float | None = None
    # share of the variance of the segmentation's other features (not these columns) that lies
    # between segments; None where there are no others or it was not computed
    others_explained: float | None = None

    def describe(self) -> str:
        names = " × ".join(self.columns)
        share = f"{self.accuracy:.1%} of customers"
        if self.kind == "cross-tabulation":
            text = f"a cross-tabulation of {names} (its cells alone give {share} their segment"
        elif self.kind == "rule":
            text = (
                f"a simple rule on {names} (a depth-{RULE_TREE_DEPTH} decision tree on "
                f"{'this column' if len(self.columns) == 1 else 'these columns'} alone gives "
                f"{share} their segment"
            )
        else:
            return (
                f"a listing of value combinations of {', '.join(self.columns)} ({share} are "
                "identical to their segment's most common customer in these columns)"
            )
        if self.others_explained is not None:
            text += (
                f"; the segments explain {self.others_explained:.1%} of the variance of the "
                "other features"
            )
        if self.silhouette is not None:
            text += f"; as a plain {self.kind} it scores a silhouette of {self.silhouette:.3f}"
        return text + ")"

    def is_degenerate(self, guardrails: Guardrails, silhouette: float | None = None) -> bool:
        """Whether the labels are only this cross-tab, rule or listing of value combinations.

        Either the columns reproduce the segments while the segments say next to nothing about
        the other features (real, well separated clusters are reproduced by one column too, but
        they differ in the other columns as well), or the columns nearly reproduce them and,
        as a plain cross-tab or rule, score at least the segmentation's silhouette.
        """
        if self.kind == "combinations":
            return self.accuracy >= guardrails.max_identical_share
        if self.accuracy >= guardrails.rule_accuracy:
            others = self.others_explained
            return others is None or others < guardrails.max_others_explained
        return (
            self.accuracy >= guardrails.disguise_accuracy
            and silhouette is not None
            and self.silhouette is not None
            and self.silhouette >= silhouette
        )


def explain_by_columns(
    table: pd.DataFrame,
    labels: np.ndarray,
    columns: Sequence[str],
    *,
    space: np.ndarray | None = None,
    groups: Sequence[Sequence[int]] | None = None,
    metric: str = "euclidean",
    silhouette: float | None = None,
    guardrails: Guardrails | None = None,
    seed: int = 0,
) -> Explanation:
    """The few raw columns that best give each customer its segment, or the listing of value
    combinations the segments are; `Explanation.is_degenerate` says whether it is only that.

    Sets of up to max_crosstab_columns low-cardinality columns (at most max_levels values,
    missing counts as a value) are compared through the cells of their cross-tabulation:
    accuracy is the share of customers in their cell's most common segment. Sets of up to
    max_rule_columns columns with a many-valued one use a depth-4 decision tree on the raw values
    (fitted on at most 5,000 rows, scored on all). Returns the first set, smallest first, that
    reaches rule_accuracy and leaves the other features unexplained (under max_others_explained
    of their variance between segments); else the most accurate set, which, at least
    disguise_accuracy accurate, also gets the silhouette of the plain cross-tab or rule; else
    the listing of value combinations if the segments are that. The variance of the other
    features needs the segmentation's `space` (the matrix it clustered; `groups`: its columns
    per entry of `columns`, default one each); without it, reproducing the segments suffices.
    """
    guard = guardrails or Guardrails()
    raw = {name: RawColumn.of(table[name], guard.max_levels) for name in columns}
    if space is not None and groups is None:
        groups = [[i] for i in range(len(columns))]
    return explain_by_raw_columns(
        raw, np.asarray(labels), space, groups, metric, silhouette, guard, seed
    )


def explain_by_raw_columns(
    raw: dict[str, RawColumn],
    labels: np.ndarray,
    space: np.ndarray | None,
    groups: Sequence[Sequence[int]] | None,
    metric: str,
    silhouette: float | None,
    guard: Guardrails,
    seed: int,
) -> Explanation:
    """`explain_by_columns` on columns already prepared: the first set of columns that makes the
    segments a mere cross-tab or rule (smallest sets first), else the closest explanation,
    checked for a disguise and for listed combinations."""
    _, codes = np.unique(np.asarray(labels).ravel(), return_inverse=True)
    with_space = space is not None and groups is not None

    def others_explained(names: tuple[str, ...]) -> float | None:
        others = [
            i for name, group in zip(raw, groups, strict=True) if name not in names for i in group
        ]
        return information_kept(space[:, others], codes) if others else None

    best, best_predicted = Explanation("cross-tabulation", (), 0.0), np.zeros_like(codes)
    for kind, names, predicted in _explaining_sets(raw, codes, guard, seed):
        found = Explanation(kind, names, float((predicted == codes).mean()))
        if found.accuracy >= guard.rule_accuracy:
            if with_space:
                found = replace(found, others_explained=others_explained(names))
            if found.is_degenerate(guard, silhouette):
                return found
        if found.accuracy > best.accuracy:
            best, best_predicted = found, predicted
    if not with_space:
        return best
    if guard.disguise_accuracy <= best.accuracy < guard.rule_accuracy:
        best = replace(best, others_explained=others_explained(best.columns))
        best = _with_silhouette(best, best_predicted, space, metric, seed)
        if best.is_degenerate(guard, silhouette):
            return best
    combined = Explanation("combinations", tuple(raw), _combination_share(space, codes))
    return combined if combined.is_degenerate(guard, silhouette) else best


@dataclass(frozen=True)
class RawColumn:
    """A table column as the cross-tabulation and rule checks see it."""

    name: str
    codes: np.ndarray | None  # level codes 0..levels-1 (missing is a level) if low-cardinality
    levels: int
    tree_block: np.ndarray  # (n, w) raw values for a decision tree (one-hot for nominal)

    @classmethod
    def of(cls, values: pd.Series, max_levels: int) -> RawColumn:
        if isinstance(values.dtype, pd.CategoricalDtype) or not is_numeric_dtype(values.dtype):
            categorical = pd.Categorical(values)
            codes = np.asarray(categorical.codes, dtype=np.int64)
            codes = np.where(codes < 0, codes.max(initial=0) + 1, codes)
            _, codes = np.unique(codes, return_inverse=True)
            levels = int(codes.max()) + 1
            if categorical.ordered or levels <= 2:
                block = codes[:, None].astype(np.float64)
            else:
                block = np.eye(levels)[codes]
        else:
            numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
            finite = numbers[np.isfinite(numbers)]
            filler = (finite.min() - 1.0) if finite.size else 0.0
            filled = np.where(np.isfinite(numbers), numbers, filler)
            _, codes = np.unique(filled, return_inverse=True)
            levels = int(codes.max()) + 1
            block = filled[:, None]
        low = levels <= max_levels
        return cls(str(values.name), codes.ravel() if low else None, levels, block)

    def take(self, rows: np.ndarray) -> RawColumn:
        codes = None if self.codes is None else self.codes[rows]
        return RawColumn(self.name, codes, self.levels, self.tree_block[rows])


def _explaining_sets(
    raw: dict[str, RawColumn], labels: np.ndarray, guard: Guardrails, seed: int
) -> Iterator[tuple[str, tuple[str, ...], np.ndarray]]:
    """(kind, columns, predicted segments) for every set of columns the guardrails consider:
    cross-tabs of up to max_crosstab_columns low-cardinality columns, rules (trees) on up to
    max_rule_columns columns with a many-valued one; single columns first."""
    for size in range(1, max(guard.max_crosstab_columns, guard.max_rule_columns) + 1):
        for names in itertools.combinations(raw, size):
            columns = [raw[n] for n in names]
            if all(c.codes is not None for c in columns):
                if size <= guard.max_crosstab_columns:
                    yield "cross-tabulation", names, _cell_prediction(columns, labels)
            elif size <= guard.max_rule_columns:
                yield "rule", names, _tree_prediction(columns, labels, seed)


def _with_silhouette(
    explanation: Explanation, predicted: np.ndarray, space: np.ndarray, metric: str, seed: int
) -> Explanation:
    """The explanation with the silhouette of its own segments, scored as the sweep scores."""
    if len(np.unique(predicted)) < 2:
        return explanation
    sample = SweepOptions().silhouette_sample
    value = silhouette_estimates(space, [predicted], metric, sample_size=sample, seed=seed)[0]
    return replace(explanation, silhouette=value.value)


def _cell_prediction(columns: list[RawColumn], labels: np.ndarray) -> np.ndarray:
    """Each row's cross-tab cell's most common segment (what a lookup table predicts)."""
    cells = np.zeros(len(labels), dtype=np.int64)
    for column in columns:
        cells = cells * column.levels + column.codes
    _, cells = np.unique(cells, return_inverse=True)
    k = int(labels.max()) + 1
    counts = np.bincount(cells * k + labels, minlength=(int(cells.max()) + 1) * k)
    return counts.reshape(-1, k).argmax(axis=1)[cells]


def _tree_prediction(columns: list[RawColumn], labels: np.ndarray, seed: int) -> np.ndarray:
    """A depth-4 tree's segments for every row, fitted on at most RULE_TREE_ROWS rows."""
    rows = np.arange(len(labels))
    if len(rows) > RULE_TREE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), RULE_TREE_ROWS, replace=False))
    X = np.hstack([c.tree_block for c in columns])
    tree = DecisionTreeClassifier(max_depth=RULE_TREE_DEPTH, random_state=seed)
    return tree.fit(X[rows], labels[rows]).predict(X)


def _combination_share(X: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows equal to their segment's most common row (1.0: segments list combinations)."""
    rows = (
        np.ascontiguousarray(X + np.float32(0))
        .view(np.dtype((np.void, X.dtype.itemsize * X.shape[1])))
        .ravel()
    )
    _, row_codes = np.unique(rows, return_inverse=True)
    _, label_codes = np.unique(labels, return_inverse=True)
    pairs = label_codes.astype(np.int64) * (int(row_codes.max()) + 1) + row_codes
    _, pair_codes, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    pair_label = np.zeros(len(counts), dtype=np.int64)
    pair_label[pair_codes] = label_codes
    modal = np.zeros(int(label_codes.max()) + 1)
    np.maximum.at(modal, pair_label, counts)
    return float(modal.sum()) / len(labels)
