"""Step 1 of the search: every k of each configuration fitted and scored on a seeded sample of
rows, and the candidates worth verifying on all rows chosen from them."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..algorithms import fit_sweep
from ..diagnostics import feature_groups
from ..features import FeatureSpace
from ..metrics import silhouette_scores
from .budget import Budget
from .data import ExperimentData
from .explanation import Explanation, explain_by_raw_columns
from .guardrails import Guardrails
from .measures import information_kept, pareto_front
from .options import METHODS, SearchOptions
from .space import ConfigurationSpace, State

EXHAUSTIVE_STATES = 64  # up to this many (subset, scaling) pairs, screen them all (no beam)
SECOND_STAGE_STATES = 8
SCREEN_MARGIN = 0.05  # screened within this of the target: verified on all rows before "no"

MatrixKey = tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]  # features, scales, encoding


@dataclass
class Point:
    """One screened (configuration, k) on the screen sample; checks are filled in lazily."""

    state: State
    k: int
    silhouette: float
    smallest_share: float
    information_kept: float
    labels: np.ndarray = field(repr=False)
    matrix_key: MatrixKey = field(repr=False)
    explanation: Explanation | None = None

    @property
    def features(self) -> tuple[str, ...]:
        return self.state[0]


class Screening:
    """The screened points of one experiment, by state."""

    def __init__(
        self,
        data: ExperimentData,
        space: ConfigurationSpace,
        options: SearchOptions,
        guardrails: Guardrails,
        budget: Budget,
    ) -> None:
        self.data, self.space, self.options = data, space, options
        self.guardrails, self.budget = guardrails, budget
        self.points: dict[State, list[Point]] = {}
        self.matrices: dict[MatrixKey, np.ndarray] = {}  # the screen rows, encoded
        self.groups: dict[MatrixKey, list[list[int]]] = {}
        self.complete = True  # False when the time budget stopped it

    def run(self) -> None:
        """Every (subset, scaling, method) when there are few; else a beam search over feature
        subsets with the fastest method, then the other methods on the best subsets."""
        features = tuple(self.data.experiment.features)
        minimum = min(self.guardrails.min_features, len(features))
        subsets = [
            subset
            for size in range(minimum, len(features) + 1)
            for subset in itertools.combinations(features, size)
        ]
        scalings = self.options.scalings
        states = {self.space.state(s, scheme) for s in subsets for scheme in scalings}
        methods = self.options.methods
        if len(states) <= EXHAUSTIVE_STATES:
            every = {self.space.with_method(state, m) for state in states for m in methods}
            self._evaluate_all(sorted(every - {None}), "screening every subset")
            return
        # The beam runs on the fastest method; the others then cluster its best subsets.
        driver = "kmeans" if "kmeans" in methods else methods[0]
        level = sorted(
            {
                self.space.with_method(self.space.state(features, scheme), driver)
                for scheme in scalings
            }
            - {None}
        )
        while level:
            self._evaluate_all(level, f"screening {len(level[0][0])} features")
            beam = sorted(level, key=self._score, reverse=True)[: self.options.beam_width]
            if len(beam[0][0]) <= minimum:
                break
            level = sorted(
                {
                    (
                        tuple(f for f in state[0] if f != dropped),
                        tuple(s for s in state[1] if s[0] != dropped),
                        state[2],
                    )
                    for state in beam
                    for dropped in state[0]
                }
            )
        top = sorted(self.points, key=self._score, reverse=True)[:SECOND_STAGE_STATES]
        front = {p.state for p in self._clean_front(self.all_points())}
        chosen = top + sorted(front - set(top))
        others = {
            self.space.with_method(state, m) for state in chosen for m in methods if m != driver
        }
        self._evaluate_all(sorted(others - {None}), "screening the other methods")

    def all_points(self) -> list[Point]:
        return [p for points in self.points.values() for p in points]

    def failures(self, point: Point) -> list[str]:
        """The guardrails a point breaks that can be checked on the sample (FAILURE_WORDS keys)."""
        failures = []
        if point.smallest_share < self.guardrails.min_segment_share:
            failures.append("small segment")
            return failures
        explanation = self._explanation(point)
        if explanation.is_degenerate(self.guardrails, point.silhouette):
            failures.append(explanation.kind)
        return failures

    def candidates(self, passed: Callable[[], int]) -> Iterator[Point]:
        """What to verify: the best guarded, the best excluded, the screened front; then more
        guarded ones, best first, while fewer than three have passed on all rows (`passed`:
        how many of those verified so far have, asked before each further one)."""
        ordered = sorted(self.all_points(), key=lambda p: -p.silhouette)
        guarded = (p for p in ordered if not self.failures(p))
        best_guarded = list(itertools.islice(guarded, 3))
        excluded, reasons = [], set()
        for point in ordered:
            if best_guarded and point.silhouette <= best_guarded[0].silhouette:
                break
            reason = self.failures(point)[0]
            if reason not in reasons:
                reasons.add(reason)
                excluded.append(point)
        front = sorted(self._clean_front(ordered), key=lambda p: -p.silhouette)
        yield from best_guarded[:1] + excluded[:1] + best_guarded[1:] + front + excluded[1:]
        target = self.options.target_silhouette - SCREEN_MARGIN
        for point in guarded:
            if passed() >= 3 and point.silhouette < target:
                return
            yield point

    def table(self) -> pd.DataFrame:
        """Every screened (configuration, k) with its figures on the sample and its status."""
        rows = []
        for point in self.all_points():
            algorithm, metric, encoding = METHODS[point.state[2]]
            if (
                point.explanation is not None
                or point.smallest_share < self.guardrails.min_segment_share
            ):
                status = ", ".join(self.failures(point)) or "passes"
            else:
                status = "not checked"
            rows.append(
                {
                    "features": " + ".join(point.features),
                    "n_features": len(point.features),
                    "scales": json.dumps(dict(point.state[1])),
                    "algorithm": algorithm,
                    "metric": metric,
                    "encoding": encoding,
                    "k": point.k,
                    "screen_silhouette": point.silhouette,
                    "screen_smallest_segment_share": point.smallest_share,
                    "screen_information_kept": point.information_kept,
                    "screen_status": status,
                }
            )
        columns = [
            "features",
            "n_features",
            "scales",
            "algorithm",
            "metric",
            "encoding",
            "k",
            "screen_silhouette",
            "screen_smallest_segment_share",
            "screen_information_kept",
            "screen_status",
        ]
        return pd.DataFrame(rows, columns=columns)

    def _evaluate_all(self, states: Sequence[State], stage: str) -> None:
        for state in states:
            if state in self.points:
                continue
            if self.budget.screening_over():
                self.complete = False
                return
            self.budget.tick(f"{stage} ({sum(map(len, self.points.values()))} fits screened)")
            self.points[state] = self._evaluate(state)

    def _evaluate(self, state: State) -> list[Point]:
        guard, data = self.guardrails, self.data
        config = self.space.config(state, guard.k_min, guard.k_max)
        key = (state[0], state[1], config.encoding)
        X = self.matrices.get(key)
        if X is None:
            schema = config.schema_for(data.schema)
            space = FeatureSpace(schema, schema.experiment(config.experiment), config.encoding)
            X = space.fit(data.used).transform(data.screen_table)
            self.matrices[key] = X
            self.groups[key] = feature_groups(space)
        distinct = len(np.unique(X, axis=0))
        ks = [k for k in range(guard.k_min, guard.k_max + 1) if k <= distinct]
        if not ks:
            return []
        algorithm, metric, _ = METHODS[state[2]]
        fits = fit_sweep(X, ks, algorithm, metric=metric, seed=self.options.seed)
        labelings = [fit.labels for fit in fits]
        silhouettes = silhouette_scores(X, labelings, metric=metric)
        reference = data.reference[data.screen_rows]
        return [
            Point(
                state,
                k,
                float(s),
                float(np.bincount(labels).min() / len(labels)),
                information_kept(reference, labels),
                labels,
                key,
            )
            for k, s, labels in zip(ks, silhouettes, labelings, strict=True)
        ]

    def _score(self, state: State) -> float:
        """Best screened silhouette of a state that passes the checks possible on a sample."""
        for point in sorted(self.points.get(state, []), key=lambda p: -p.silhouette):
            if not self.failures(point):
                return point.silhouette
        return -2.0

    def _explanation(self, point: Point) -> Explanation:
        if point.explanation is None:
            raw = {f: self.data.screen_raw[f] for f in point.features}
            point.explanation = explain_by_raw_columns(
                raw,
                point.labels,
                self.matrices[point.matrix_key],
                self.groups[point.matrix_key],
                METHODS[point.state[2]][1],
                point.silhouette,
                self.guardrails,
                self.options.seed,
            )
        return point.explanation

    def _clean_front(self, points: list[Point]) -> list[Point]:
        """The Pareto front of the points that pass the checks possible on the sample."""
        pool = [p for p in points if p.smallest_share >= self.guardrails.min_segment_share]
        while True:
            front = pareto_front(pool)
            flagged = {id(p) for p in front if self.failures(p)}
            if not flagged:
                return front
            pool = [p for p in pool if id(p) not in flagged]
