"""Is there cluster structure to find? The Hopkins statistic and a permutation null silhouette.

A silhouette means little alone: 0.15 on data without groups is not a failure of the method, and
0.55 on a handful of yes/no flags can be what independent flags give anyway. So next to every
silhouette we put what structureless data of the same shape scores: the same algorithm and k on
the same matrix with each source column shuffled independently (which keeps every column's own
distribution, and its discreteness, but destroys any way the columns go together).

The Hopkins statistic H compares distances from reference points to the data (u) with distances
between data points (w): H = sum(u) / (sum(u) + sum(w)), about 0.5 for data like its reference and
near 1 for clumped data (plain distances, as in Hopkins and Skellam's original and most packages).
Two references are reported:
- uniform: points uniform in the data's bounding box (the textbook version). It also calls data
  "clustered" that merely sits on a grid (one-hot columns, counts, flags), so on mixed data it
  overstates cluster tendency;
- permuted: rows of the matrix with its source columns shuffled independently. H near 0.5 means no
  structure beyond each column's own distribution: no groups of customers that differ in several
  columns at once, which is what a segmentation is meant to find.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .algorithms import fit_sweep
from .algorithms.assignment import nearest, raw_to_distance
from .files import json_safe
from .metrics import silhouette_scores
from .numeric import check_metric, checked_matrix
from .parallel import INLINE, Workers

if TYPE_CHECKING:
    from .features import FeatureSpace
    from .sweep import Space, SweepResult

HOPKINS_PROBES = 500
DIAGNOSTIC_ROWS = 2000
NULL_PERMUTATIONS = 2
REFERENCES = ("uniform", "permuted")
_QUERY_CHUNK = 256

# (lower bound, level key, words); the first bound a value reaches gives its level.
_HOPKINS_LEVELS = (
    (0.75, "clustered", "clear cluster tendency"),
    (0.60, "weak", "weak cluster tendency"),
    (0.40, "random", "no cluster tendency: like data without structure"),
    (0.00, "regular", "more evenly spread than random data: no cluster tendency"),
)


@dataclass(frozen=True)
class SpaceDiagnostics:
    """Clusterability of one feature space (the matrix and distance some algorithm clustered)."""

    space: str
    metric: str
    algorithms: tuple[str, ...]
    rows: int
    sample_rows: int
    distinct_rows: int
    hopkins_permuted: float
    hopkins_uniform: float
    level: str  # clustered | weak | random | regular | unknown (from hopkins_permuted) | discrete
    interpretation: str


@dataclass(frozen=True)
class Diagnostics:
    """Clusterability of an experiment: per space, and the null silhouette per (algorithm, k)."""

    spaces: tuple[SpaceDiagnostics, ...]
    # one row per (algorithm, k): algorithm, k, space, metric, silhouette (observed, all rows),
    # null_silhouette (mean over permutations), null_sd, null_min, null_max, n_perm, null_rows,
    # excess (= silhouette - null_silhouette)
    silhouettes: pd.DataFrame
    summary: str
    seed: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "spaces": [json_safe(asdict(s)) for s in self.spaces],
            "silhouettes": json_safe(self.silhouettes.to_dict(orient="records")),
            "method": {
                "hopkins": "H = sum(u) / (sum(u) + sum(w)), plain distances in the space's metric; "
                f"{HOPKINS_PROBES} probes at most",
                "hopkins_permuted": "reference rows: the matrix with each source column shuffled "
                "independently",
                "hopkins_uniform": "reference points: uniform in the bounding box",
                "null_silhouette": "same algorithm, k and metric fitted on the matrix with each "
                "source column shuffled independently; exact silhouette on "
                "that sample",
                "seed": self.seed,
            },
        }


def hopkins(
    X: np.ndarray,
    sample: int = HOPKINS_PROBES,
    seed: int = 0,
    *,
    metric: str = "euclidean",
    reference: str = "uniform",
    groups: Sequence[Sequence[int]] | None = None,
) -> float:
    """Hopkins statistic of X with `sample` probes (at most n - 1); NaN when every distance is 0.

    reference "uniform" draws reference points uniformly in the bounding box; "permuted" draws
    them from X with its column groups (default: each column) shuffled independently.
    """
    data = checked_matrix(X, np.float64)
    if reference not in REFERENCES:
        raise ValueError(f"reference must be one of {REFERENCES}, got {reference!r}")
    check_metric(metric)
    n_rows = len(data)
    if n_rows < 3:
        raise ValueError(f"the Hopkins statistic needs at least 3 rows, got {n_rows}")
    probes = max(1, min(int(sample), n_rows - 1))
    rng = np.random.default_rng(seed)
    probe_rows = rng.choice(n_rows, size=probes, replace=False)
    if reference == "uniform":
        references = rng.uniform(data.min(axis=0), data.max(axis=0), size=(probes, data.shape[1]))
    else:
        references = np.empty((probes, data.shape[1]))
        for group in _groups(groups, data.shape[1]):
            references[:, group] = data[rng.choice(n_rows, size=probes, replace=False)][:, group]
    u = raw_to_distance(nearest(references, data, metric, _QUERY_CHUNK)[1], metric)
    w = raw_to_distance(
        nearest(data[probe_rows], data, metric, _QUERY_CHUNK, exclude=probe_rows)[1], metric
    )
    total = float(u.sum() + w.sum())
    return float(u.sum()) / total if total > 0 else float("nan")


def interpret_hopkins(h: float) -> tuple[str, str]:
    """(level key, words) for a Hopkins value: clustered, weak, random, regular or unknown."""
    if not np.isfinite(h):
        return "unknown", "not measurable: (nearly) every distance is zero"
    for bound, level, words in _HOPKINS_LEVELS:
        if h >= bound:
            return level, words
    return _HOPKINS_LEVELS[-1][1], _HOPKINS_LEVELS[-1][2]


def permute_columns(
    X: np.ndarray, rng: np.random.Generator, groups: Sequence[Sequence[int]] | None = None
) -> np.ndarray:
    """A copy of X with each column group shuffled independently (a one-hot block moves whole)."""
    data = np.asarray(X)
    out = data.copy()
    for group in _groups(groups, data.shape[1]):
        out[:, group] = data[rng.permutation(len(data))][:, group]
    return out


def null_reference_silhouette(
    X: np.ndarray,
    ks: Sequence[int],
    algorithm: str = "kmeans",
    metric: str = "euclidean",
    seed: int = 0,
    n_perm: int = NULL_PERMUTATIONS,
    groups: Sequence[Sequence[int]] | None = None,
    sample_rows: int | None = DIAGNOSTIC_ROWS,
) -> pd.DataFrame:
    """Silhouette that structureless data of X's shape gives, per k.

    Each of n_perm times: shuffle X's column groups independently (on a seeded sample of
    sample_rows rows when X is larger), fit `algorithm` for every k as the sweep does, and score
    the exact silhouette in `metric`. Columns: k, null_silhouette (mean), null_sd, null_min,
    null_max, n_perm, null_rows. A k above the permuted data's distinct rows is NaN.
    """
    data = checked_matrix(X, np.float64).astype(np.float32)
    if n_perm < 1:
        raise ValueError(f"n_perm must be at least 1, got {n_perm}")
    rng = np.random.default_rng(seed)
    if sample_rows is not None and len(data) > sample_rows:
        data = data[np.sort(rng.choice(len(data), size=sample_rows, replace=False))]
    ks = [int(k) for k in ks]
    scores: dict[int, list[float]] = {k: [] for k in ks}
    for permutation in range(n_perm):
        shuffled = permute_columns(data, rng, groups)
        distinct = len(np.unique(shuffled, axis=0))
        possible = [k for k in ks if k <= distinct]
        if not possible:
            continue
        fits = fit_sweep(shuffled, possible, algorithm, metric=metric, seed=seed + permutation)
        values = silhouette_scores(shuffled, [fit.labels for fit in fits], metric=metric)
        for k, value in zip(possible, values, strict=True):
            scores[k].append(float(value))
    rows = []
    for k in ks:
        values = np.array(scores[k])
        rows.append(
            {
                "k": k,
                "null_silhouette": float(values.mean()) if values.size else float("nan"),
                "null_sd": float(values.std(ddof=1)) if values.size > 1 else float("nan"),
                "null_min": float(values.min()) if values.size else float("nan"),
                "null_max": float(values.max()) if values.size else float("nan"),
                "n_perm": int(values.size),
                "null_rows": len(data),
            }
        )
    return pd.DataFrame(rows)


def feature_groups(space: FeatureSpace) -> list[list[int]]:
    """Matrix columns of each source column of a fitted feature space (a one-hot block is one)."""
    groups, start = [], 0
    for encoder in space.encoders_:
        width = len(encoder.outputs)
        groups.append(list(range(start, start + width)))
        start += width
    return groups


def start_null_references(
    spaces: Mapping[str, Space],
    ks: Sequence[int],
    *,
    groups: Mapping[str, Sequence[Sequence[int]]] | None = None,
    seed: int = 0,
    sample_rows: int = DIAGNOSTIC_ROWS,
    n_perm: int = NULL_PERMUTATIONS,
    workers: Workers = INLINE,
) -> dict[str, Future[pd.DataFrame]]:
    """Submit every algorithm's null_reference_silhouette to `workers`. They need no fitted
    model, so a run starts them with the sweep."""
    groups = groups or {}
    return {
        algorithm: workers.submit(
            null_reference_silhouette,
            space.X,
            ks,
            algorithm,
            space.metric,
            seed,
            n_perm,
            groups.get(algorithm),
            sample_rows,
        )
        for algorithm, space in spaces.items()
    }


def diagnose(
    spaces: Mapping[str, Space],
    ks: Sequence[int],
    *,
    groups: Mapping[str, Sequence[Sequence[int]]] | None = None,
    observed: pd.DataFrame | None = None,
    seed: int = 0,
    sample_rows: int = DIAGNOSTIC_ROWS,
    n_perm: int = NULL_PERMUTATIONS,
    workers: Workers = INLINE,
    nulls: Mapping[str, Future[pd.DataFrame]] | None = None,
) -> Diagnostics:
    """Hopkins per distinct space and the null silhouette per (algorithm, k), on at most
    sample_rows rows. `spaces` maps each algorithm to its space, as the sweep does; `observed`
    (the sweep table) supplies the silhouettes to set next to the nulls. The null fits, the
    slow part, run in `workers`, or come from start_null_references."""
    groups = groups or {}
    nulls = nulls or start_null_references(
        spaces,
        ks,
        groups=groups,
        seed=seed,
        sample_rows=sample_rows,
        n_perm=n_perm,
        workers=workers,
    )
    by_space: dict[tuple[str, str], list[str]] = {}
    for algorithm, space in spaces.items():
        by_space.setdefault((space.name, space.metric), []).append(algorithm)
    space_rows = []
    for algorithms in by_space.values():
        space = spaces[algorithms[0]]
        space_rows.append(
            _space_diagnostics(
                space, tuple(algorithms), groups.get(algorithms[0]), seed, sample_rows
            )
        )
    tables = []
    for algorithm, space in spaces.items():
        null = nulls[algorithm].result()
        null.insert(0, "algorithm", algorithm)
        null.insert(2, "space", space.name)
        null.insert(3, "metric", space.metric)
        tables.append(null)
    table = pd.concat(tables, ignore_index=True)
    if observed is not None:
        merged = table.merge(
            observed[["algorithm", "k", "silhouette"]], on=["algorithm", "k"], how="left"
        )
        table = merged[["algorithm", "k", "space", "metric", "silhouette", *table.columns[4:]]]
    else:
        table.insert(4, "silhouette", np.nan)
    table["excess"] = table["silhouette"] - table["null_silhouette"]
    return Diagnostics(tuple(space_rows), table, _summary(space_rows, table), seed)


def diagnose_experiment(
    sweep: SweepResult, feature_spaces: Mapping[str, FeatureSpace], **settings: Any
) -> Diagnostics:
    """Diagnostics of a finished sweep: its spaces, its k values, its silhouettes. `settings`:
    diagnose's seed, sample_rows, n_perm, workers and nulls (the null references
    start_null_references started for these spaces and k values)."""
    ks = sorted(sweep.table["k"].unique().tolist())
    swept = set(sweep.table["algorithm"])
    spaces = {a: space for a, space in sweep.spaces.items() if a in swept}
    groups = {a: feature_groups(feature_spaces[a]) for a in spaces}
    return diagnose(spaces, ks, groups=groups, observed=sweep.table, **settings)


def describe_hopkins(
    permuted: float, uniform: float, distinct_rows: int | None = None, rows: int | None = None
) -> str:
    """One or two sentences on what the two Hopkins values say together."""
    if _is_discrete(distinct_rows, rows):
        return (
            f"Only {distinct_rows:,} distinct rows among {rows:,}: most customers have exact "
            f"twins, so the Hopkins statistic (here {permuted:.2f} against shuffled columns, "
            f"{uniform:.2f} against uniform points) cannot tell clusters from ties; compare "
            "each silhouette with its null instead."
        )
    level, words = interpret_hopkins(permuted)
    text = f"Hopkins {permuted:.2f} against the same columns shuffled independently ({words})"
    if level == "unknown":
        return text + "; the data hold too few distinct rows for distances to tell."
    uniform_level, uniform_words = interpret_hopkins(uniform)
    text += f"; {uniform:.2f} against uniform points in the bounding box ({uniform_words})."
    if uniform_level in ("clustered", "weak") and level in ("random", "regular"):
        text += (
            " The clumping comes from each column's own distribution (categories, counts, "
            "skew), not from groups of customers that differ in several columns at once."
        )
    return text


def _space_diagnostics(
    space: Space,
    algorithms: tuple[str, ...],
    groups: Sequence[Sequence[int]] | None,
    seed: int,
    sample_rows: int,
) -> SpaceDiagnostics:
    data = checked_matrix(space.X, np.float64)
    rng = np.random.default_rng(seed)
    if len(data) > sample_rows:
        data = data[np.sort(rng.choice(len(data), size=sample_rows, replace=False))]
    probes = min(HOPKINS_PROBES, max(1, len(data) // 10))
    permuted = hopkins(data, probes, seed, metric=space.metric, reference="permuted", groups=groups)
    uniform = hopkins(data, probes, seed, metric=space.metric, reference="uniform")
    distinct = len(np.unique(data, axis=0))
    level = "discrete" if _is_discrete(distinct, len(data)) else interpret_hopkins(permuted)[0]
    return SpaceDiagnostics(
        space=space.name,
        metric=space.metric,
        algorithms=algorithms,
        rows=len(space.X),
        sample_rows=len(data),
        distinct_rows=distinct,
        hopkins_permuted=permuted,
        hopkins_uniform=uniform,
        level=level,
        interpretation=describe_hopkins(permuted, uniform, distinct, len(data)),
    )


def _is_discrete(distinct_rows: int | None, rows: int | None) -> bool:
    """Half the rows or more are exact repeats: nearest-neighbour distances are mostly ties."""
    return distinct_rows is not None and rows is not None and distinct_rows <= rows / 2


def _summary(spaces: list[SpaceDiagnostics], table: pd.DataFrame) -> str:
    """The best observed silhouette per algorithm against its null, and each space's Hopkins."""
    metrics: dict[tuple[str, str], list[str]] = {}
    for s in spaces:
        metrics.setdefault((s.space, s.interpretation), []).append(s.metric)
    parts = [
        f"{space} space ({', '.join(names)}): {text}" for (space, text), names in metrics.items()
    ]
    for algorithm, rows in table.groupby("algorithm", sort=False):
        scored = rows.dropna(subset=["silhouette", "null_silhouette"])
        if scored.empty:
            continue
        best = scored.loc[scored["silhouette"].idxmax()]
        parts.append(
            f"{algorithm}: best silhouette {best.silhouette:.3f} (k={int(best.k)}) against "
            f"{best.null_silhouette:.3f} for the same columns shuffled independently."
        )
    return " ".join(parts)


def _groups(groups: Sequence[Sequence[int]] | None, n_columns: int) -> list[list[int]]:
    if groups is None:
        return [[column] for column in range(n_columns)]
    listed = sorted(c for group in groups for c in group)
    if listed != list(range(n_columns)):
        raise ValueError("groups must cover every column exactly once")
    return [list(group) for group in groups]
