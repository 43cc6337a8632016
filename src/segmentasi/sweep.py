"""The k-sweep: fit every (algorithm, k), score each fit, and pick k by a stated rule.

The rule that picks k, per algorithm:
1. Only k whose smallest segment holds at least `min_segment_share` of the customers count
   (a segment of a handful of customers is not a marketing segment).
2. Among those, take the best silhouette; every k within `silhouette_tolerance` of it is a
   near-tie.
3. If the elbow's knee is among the near-ties, pick the knee (the cost curve and the
   silhouette agree); otherwise pick the k with the best silhouette.
The recommended model of the experiment is the algorithm whose chosen k has the higher
silhouette (K-Means on a tie, since its centres place new customers most simply).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .algorithms import Clustering
from .engine import IN_PROCESS, Engine, Space
from .errors import InputError
from .metrics import (
    calinski_harabasz,
    davies_bouldin,
    find_knee,
    mean_pairwise_ari,
    summarise_silhouettes,
)
from .parallel import INLINE, Workers

ALGORITHMS = ("kmeans", "kmedoids")
MAX_K = 100  # a segmentation beyond this many segments is no longer one a person can use
MAX_SEED = 2**32 - 1  # numpy's seeds
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SweepOptions:
    ks: tuple[int, ...] = tuple(range(2, 11))
    algorithms: tuple[str, ...] = ALGORITHMS
    seed: int = 0
    target_silhouette: float = 0.7
    min_segment_share: float = 0.02
    silhouette_tolerance: float = 0.02
    silhouette_exact_max_rows: int = 50_000  # exact silhouettes up to here, sampled above
    silhouette_sample: int = 8_000  # rows scored (each against all rows) when sampled
    stability_runs: int = 3
    stability_rows: int = 1_500

    def __post_init__(self) -> None:
        unknown = [a for a in self.algorithms if a not in ALGORITHMS]
        if unknown:
            raise InputError(f"unknown algorithm(s) {unknown}; choose from {', '.join(ALGORITHMS)}")
        if not self.ks:
            raise InputError("the range of k is empty (is the smallest k above the largest?)")
        if min(self.ks) < 2:
            raise InputError("k must be at least 2")
        if max(self.ks) > MAX_K:
            raise InputError(f"k must be at most {MAX_K}, not {max(self.ks)}")
        if not 0 <= self.seed <= MAX_SEED:
            raise InputError(f"the seed must be from 0 to {MAX_SEED}, not {self.seed}")
        if not -1.0 <= self.target_silhouette <= 1.0:  # also refuses NaN
            raise InputError(
                f"the target silhouette must be between -1 and 1, not {self.target_silhouette}"
            )


@dataclass(frozen=True)
class KChoice:
    """What the k rule decided for one algorithm, and the figures it decided on (text.k_rule
    puts it in words)."""

    k: int
    by: Literal["knee", "best_silhouette"]  # the knee was among the near-ties, or it was not
    best_k: int  # the eligible k with the best silhouette, the smallest on a tie
    best_silhouette: float
    knee: int | None
    tolerance: float
    min_segment_share: float
    size_rule_waived: bool  # no k kept every segment above min_segment_share, so every k counted


@dataclass(frozen=True)
class SweepResult:
    table: pd.DataFrame  # one row per (algorithm, k)
    fits: dict[tuple[str, int], Clustering]
    knees: dict[str, int | None]
    choices: dict[str, KChoice]
    recommended: tuple[str, int]
    target: float
    spaces: dict[str, Space] = field(repr=False, default_factory=dict)
    # Per-row silhouettes behind the table: rows scored per algorithm (None = all rows), and
    # the values per (algorithm, k); the report's per-customer chart reuses them.
    scored_rows: dict[str, np.ndarray | None] = field(repr=False, default_factory=dict)
    row_silhouettes: dict[tuple[str, int], np.ndarray] = field(repr=False, default_factory=dict)

    @property
    def chosen(self) -> dict[str, int]:
        """The k the rule chose, per algorithm."""
        return {algorithm: choice.k for algorithm, choice in self.choices.items()}

    @property
    def best_silhouette(self) -> float:
        return float(self.table["silhouette"].max())

    @property
    def recommended_silhouette(self) -> float:
        algorithm, k = self.recommended
        row = self.table[(self.table.algorithm == algorithm) & (self.table.k == k)]
        return float(row["silhouette"].iloc[0])

    @property
    def target_met(self) -> bool:
        return self.recommended_silhouette >= self.target


@dataclass(frozen=True)
class StartedSweep:
    """The fits and stability runs of a sweep, submitted to workers and not yet collected."""

    fits: dict[str, Future[tuple[list[Clustering], float]]]
    stabilities: dict[str, Future[dict[int, float]]]


def start_sweep(
    spaces: dict[str, Space],
    options: SweepOptions,
    workers: Workers = INLINE,
    engine: Engine = IN_PROCESS,
) -> StartedSweep:
    """Submit every algorithm's fits, then their stability runs, to `workers`.

    Starting several experiments' sweeps before finishing any lets the workers fill the time the
    slowest fit (K-Medoids on a large table) would leave idle."""
    fits = {
        algorithm: workers.submit(_fit_algorithm, engine, spaces[algorithm], algorithm, options)
        for algorithm in sorted(options.algorithms, key=_slowest_first)
    }
    stabilities = {
        algorithm: workers.submit(stability, spaces[algorithm], algorithm, options, engine)
        for algorithm in options.algorithms
    }
    return StartedSweep(fits, stabilities)


def run_sweep(
    spaces: dict[str, Space],
    options: SweepOptions,
    progress: Progress | None = None,
    workers: Workers = INLINE,
    started: StartedSweep | None = None,
    engine: Engine = IN_PROCESS,
) -> SweepResult:
    """Fit and score every (algorithm, k); `spaces` maps each algorithm to its space.

    The fits and stability runs go to `workers` (or come from `started`); silhouettes and the
    choice of k happen here. `engine` fits, assigns and scores (see engine.py)."""
    started = started or start_sweep(spaces, options, workers, engine)
    fitted: dict[str, list[Clustering]] = {}
    seconds: dict[str, float] = {}
    separation: dict[str, list[tuple[float, float]]] = {}
    scored_rows: dict[str, np.ndarray | None] = {}
    row_silhouettes: dict[tuple[str, int], np.ndarray] = {}
    # Algorithms that share a matrix and a distance are scored together in one silhouette
    # pass (computing the distances is most of a pass), others as soon as their fits arrive;
    # the passes never depend on timing, so neither do the values.
    groups = _shared_spaces(spaces, options.algorithms)
    waiting = {started.fits[algorithm]: algorithm for algorithm in options.algorithms}
    while waiting:
        if progress:
            done = len(options.algorithms) - len(waiting)
            progress("fitting", done, len(options.algorithms) + 1)
        future = workers.first_completed(waiting)
        algorithm = waiting.pop(future)
        fitted[algorithm], seconds[algorithm], separation[algorithm] = future.result()
        group = groups[algorithm]
        if not all(member in fitted for member in group):
            continue
        together = [(member, fit) for member in group for fit in fitted[member]]
        rows_scored, values = _silhouettes(
            engine, spaces[algorithm], [fit for _, fit in together], options
        )
        scored_rows.update(dict.fromkeys(group, rows_scored))
        row_silhouettes.update(
            {(member, fit.k): v for (member, fit), v in zip(together, values, strict=True)}
        )
    if progress:
        progress("scoring", len(options.algorithms), len(options.algorithms) + 1)
    stabilities = {a: started.stabilities[a].result() for a in options.algorithms}
    scores = {
        key: summarise_silhouettes(values[None, :], exact=scored_rows[key[0]] is None)[0]
        for key, values in row_silhouettes.items()
    }
    rows, fits, knees, choices = [], {}, {}, {}
    for algorithm in options.algorithms:
        space = spaces[algorithm]
        stable = stabilities[algorithm]
        for fit, (db, ch) in zip(fitted[algorithm], separation[algorithm], strict=True):
            fits[(algorithm, fit.k)] = fit
            score = scores[(algorithm, fit.k)]
            shares = fit.shares
            rows.append(
                {
                    "algorithm": algorithm,
                    "k": fit.k,
                    "space": space.name,
                    "metric": space.metric,
                    "cost": fit.cost,
                    "silhouette": score.value,
                    "silhouette_ci_low": score.ci_low,
                    "silhouette_ci_high": score.ci_high,
                    "silhouette_exact": score.exact,
                    "silhouette_rows": score.n_sampled,
                    "davies_bouldin": db,
                    "calinski_harabasz": ch,
                    "smallest_segment_share": float(shares.min()),
                    "stability_ari": stable[fit.k],
                    "method": fit.method,
                    "fit_seconds": seconds[algorithm],
                }
            )
        mine = pd.DataFrame(rows[-len(fitted[algorithm]) :])
        knees[algorithm] = find_knee(mine.k.tolist(), mine.cost.tolist())
        choices[algorithm] = choose_k(mine, knees[algorithm], options)
    if progress:
        progress("scoring", len(options.algorithms) + 1, len(options.algorithms) + 1)
    table = pd.DataFrame(rows)
    chosen = {algorithm: choice.k for algorithm, choice in choices.items()}
    table["chosen"] = [chosen[a] == k for a, k in zip(table.algorithm, table.k, strict=True)]
    table["knee"] = [knees[a] == k for a, k in zip(table.algorithm, table.k, strict=True)]
    recommended = _recommend(table, chosen, options.algorithms)
    scored_rows = {a: scored_rows[a] for a in options.algorithms}
    row_silhouettes = {
        (a, fit.k): row_silhouettes[(a, fit.k)] for a in options.algorithms for fit in fitted[a]
    }
    return SweepResult(
        table,
        fits,
        knees,
        choices,
        recommended,
        options.target_silhouette,
        dict(spaces),
        scored_rows,
        row_silhouettes,
    )


def _fit_algorithm(
    engine: Engine, space: Space, algorithm: str, options: SweepOptions
) -> tuple[list[Clustering], float, list[tuple[float, float]]]:
    """Every k of one algorithm: the fits, the seconds per fit, and each fit's Davies-Bouldin
    and Calinski-Harabasz indices (computed here, in the worker, off the main process)."""
    started = time.perf_counter()
    fits = engine.fit(space, options.ks, algorithm, seed=options.seed)
    seconds = (time.perf_counter() - started) / len(options.ks)
    separation = [
        (davies_bouldin(space.X, fit.labels), calinski_harabasz(space.X, fit.labels))
        for fit in fits
    ]
    return fits, seconds, separation


def _shared_spaces(
    spaces: dict[str, Space], algorithms: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """For each algorithm, the algorithms (itself included) that cluster the same matrix with
    the same distance."""

    def same(a: str, b: str) -> bool:
        return spaces[a].X is spaces[b].X and spaces[a].metric == spaces[b].metric

    return {a: tuple(b for b in algorithms if same(a, b)) for a in algorithms}


def _slowest_first(algorithm: str) -> int:
    return 0 if algorithm == "kmedoids" else 1


def _silhouettes(
    engine: Engine, space: Space, fits: list[Clustering], options: SweepOptions
) -> tuple[np.ndarray | None, list[np.ndarray]]:
    """Per-row silhouettes of fits on one space in one pass (one algorithm's, or those of every
    algorithm sharing the space): (rows scored or None for all, one array per fit). Exact up to
    silhouette_exact_max_rows rows, sampled above."""
    exact = space.size <= options.silhouette_exact_max_rows
    rows, samples = engine.silhouettes(
        space,
        fits,
        sample_size=space.size if exact else options.silhouette_sample,
        seed=options.seed,
    )
    return rows, list(samples)


def stability(
    space: Space, algorithm: str, options: SweepOptions, engine: Engine = IN_PROCESS
) -> dict[int, float]:
    """Per k, the mean adjusted Rand index between fits on random subsamples.

    Each run fits every k on its own subsample of `stability_rows` rows (one fit_sweep, so
    K-Medoids shares one distance matrix across k) and labels one common evaluation sample by
    nearest centre; 1.0 means every subsample finds the same segments. Subsamples are small,
    so the figure is a conservative, cheap estimate. NaN where there are too few rows.
    """
    n = len(space.X)
    size = min(options.stability_rows, n // 2)
    ks = [k for k in options.ks if size > 2 * k]
    result = dict.fromkeys(options.ks, float("nan"))
    if options.stability_runs < 2 or not ks:
        return result
    rng = np.random.default_rng(options.seed)
    evaluation = space.X[rng.choice(n, size=size, replace=False)]
    labelings: dict[int, list[np.ndarray]] = {k: [] for k in ks}
    for run in range(options.stability_runs):
        sample = Space(space.X[rng.choice(n, size=size, replace=False)], space.metric, space.name)
        try:
            # 10 K-Means restarts, not the hundreds used on few distinct rows: a cheap and,
            # if anything, pessimistic estimate of how reproducible the segments are.
            fitted = engine.fit(sample, ks, algorithm, seed=options.seed + run + 1, n_init=10)
        except ValueError:  # a subsample with fewer distinct rows than k
            return result
        for fit in fitted:
            labelings[fit.k].append(engine.assign(evaluation, fit.centers, space.metric)[0])
    result.update({k: mean_pairwise_ari(runs) for k, runs in labelings.items()})
    return result


def choose_k(rows: pd.DataFrame, knee: int | None, options: SweepOptions) -> KChoice:
    """Apply the module's rule to one algorithm's sweep."""
    eligible = rows[rows.smallest_segment_share >= options.min_segment_share]
    waived = eligible.empty
    if waived:
        eligible = rows
    best = eligible.silhouette.max()
    near = eligible[eligible.silhouette >= best - options.silhouette_tolerance]
    top = near.sort_values(["silhouette", "k"], ascending=[False, True]).iloc[0]
    by_knee = knee is not None and knee in set(near.k)
    return KChoice(
        k=int(knee) if by_knee else int(top.k),
        by="knee" if by_knee else "best_silhouette",
        best_k=int(top.k),
        best_silhouette=float(best),
        knee=None if knee is None else int(knee),
        tolerance=options.silhouette_tolerance,
        min_segment_share=options.min_segment_share,
        size_rule_waived=waived,
    )


def _recommend(
    table: pd.DataFrame, chosen: dict[str, int], algorithms: Sequence[str]
) -> tuple[str, int]:
    def score(algorithm: str) -> float:
        row = table[(table.algorithm == algorithm) & (table.k == chosen[algorithm])]
        return float(row.silhouette.iloc[0])

    best = max(algorithms, key=lambda a: (score(a), a == "kmeans"))
    return best, chosen[best]
