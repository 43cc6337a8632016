"""`segmentasi search`: the best segmentation that is really there, under guardrails, and a plain
answer to whether a silhouette target is reachable.

Configuration space of an experiment: a subset of its features (at least `min_features`), a
scaling scheme for its numeric and ordinal columns (as the schema says, standard, robust, log for
right-skewed amounts, or none = raw units), an encoding (standard or Gower), an algorithm with its
distance (K-Means euclidean; K-Medoids euclidean or manhattan on the standard encoding, manhattan
on Gower's), and k.

Guardrails (`Guardrails`) exclude what is not a segmentation: a segment under 5% of customers, k
outside 3..8, too few features, labels that change under resampling (mean ARI < 0.8), and labels
that are a cross-tabulation in disguise (`explain_by_columns`, `Guardrails.is_degenerate`): the
levels of one column score a perfect silhouette and say nothing. That is: the cells of at most
three low-cardinality columns, or a depth-4 decision tree on one or two raw columns, give 95% of
customers their segment while the segments explain under 25% of the variance of the other
features; or give 80% of them and, as a plain cross-tab or rule, score at least the same
silhouette; or 80% of customers are identical to their segment's most common member (segments
that list value combinations). Real, well separated clusters are given by one column too, but
they also differ in the other columns, so they pass.

Information kept (the other axis of the Pareto front) is the share of the variance of the
experiment's reference space that lies between segments, R^2 = 1 - within / total sum of squares.
The reference space is the experiment's own standard encoding of ALL its features (the matrix
`segmentasi run` gives K-Means), whatever features, scaling or encoding a candidate clustered on.
So it is comparable across candidates, is 0 when the segments say nothing about the experiment's
columns, and grows only as segments separate customers on those columns: segments built on two of
ten columns explain at most those two columns' share. (The share of features used is reported too.)

How it runs, per experiment, within the time budget:
1. Screen on a seeded sample of rows: a beam search over feature subsets (every subset when there
   are few) for each scaling, with K-Means; then the K-Medoids variants on the best subsets.
   Every k in the guardrails' range is fitted with the sweep's own `fit_sweep`.
2. Verify the candidates that matter (the best guarded ones, the screened Pareto front and the best
   excluded ones) on every row, by running exactly what `segmentasi run --config` runs; every
   silhouette reported comes from this step, computed in the configuration's own space.
The search is a heuristic: "not reachable" means no configuration it tried reached the target under
the guardrails, and the output says how many it tried and why the target is out of reach.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
import time
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from sklearn.tree import DecisionTreeClassifier

from . import io
from .algorithms import fit_sweep
from .diagnostics import describe_hopkins, feature_groups, hopkins, null_reference_silhouette
from .errors import InputError, UserError
from .features import ENCODINGS, FeatureSpace
from .metrics import silhouette_estimates, silhouette_scores
from .outputs import SEARCH_FOLDER, write_folder_atomically
from .quality import Handling, apply_handling
from .schema import SCALINGS as COLUMN_SCALINGS
from .schema import Schema, load_schema, schema_from_dict
from .sweep import ALGORITHMS, MAX_K, SweepOptions
from .validation import validate

Progress = Callable[[str, int, int], None]

SCALING_SCHEMES = ("schema", "standard", "robust", "log", "none")
METHODS = {
    "kmeans": ("kmeans", "euclidean", "standard"),
    "kmedoids-euclidean": ("kmedoids", "euclidean", "standard"),
    "kmedoids-manhattan": ("kmedoids", "manhattan", "standard"),
    "kmedoids-gower": ("kmedoids", "manhattan", "gower"),
}
FAILURE_WORDS = {
    "small segment": "a segment under the minimum share",
    "k": "k outside the range",
    "features": "too few features",
    "unstable": "unstable under resampling",
    "cross-tabulation": "a cross-tabulation of a few columns",
    "rule": "a simple rule on one or two columns",
    "combinations": "a listing of value combinations",
}
SCALED_ROLES = ("numeric", "derived_count", "ordinal")
LOG_SKEW = 1.0  # the "log" scheme logs a non-negative numeric column whose skewness exceeds this
RULE_TREE_DEPTH = 4  # a "simple rule": a decision tree this deep on one or two raw columns
RULE_TREE_ROWS = 5000
EXHAUSTIVE_STATES = 64  # up to this many (subset, scaling) pairs, screen them all (no beam)
SECOND_STAGE_STATES = 8
NULL_ROWS = 2000
SCREEN_MARGIN = 0.05  # screened within this of the target: verified on all rows before "no"
CONFIG_KEYS = {
    "experiment", "features", "scale", "encoding", "algorithms", "metric", "k_min", "k_max",
    "seed", "target_silhouette", "schema", "expected",
}


class ConfigError(UserError):
    """A configuration file that cannot be used."""


@dataclass(frozen=True)
class Guardrails:
    """What a configuration must satisfy to count as a segmentation."""

    min_segment_share: float = 0.05
    k_min: int = 3
    k_max: int = 8
    min_features: int = 3
    min_stability: float = 0.8
    max_crosstab_columns: int = 3  # cells of this many low-cardinality columns: a cross-tab
    max_rule_columns: int = 2  # a shallow decision tree on this many raw columns: a rule
    rule_accuracy: float = 0.95  # "reproduced": that share of customers gets its own segment
    max_identical_share: float = 0.8  # more customers identical to their segment's typical one
    # than this, and the segments list value combinations rather than group similar customers
    disguise_accuracy: float = 0.8  # a cross-tab or rule giving this share of customers their
    # segment, and scoring a silhouette at least as high by itself, is what the clustering is
    max_others_explained: float = 0.25  # a cross-tab or rule whose segments explain less of the
    # variance of the configuration's other features than this is only a cross-tab or rule
    max_levels: int = 12  # a column with at most this many distinct values is low-cardinality

    def __post_init__(self) -> None:
        if not 0 <= self.min_segment_share < 0.5:
            raise InputError("the minimum segment share must be in [0, 0.5)")
        if not 2 <= self.k_min <= self.k_max <= MAX_K:
            raise InputError(
                f"need 2 <= k_min <= k_max <= {MAX_K}, got {self.k_min}..{self.k_max}"
            )
        if self.min_features < 1:
            raise InputError("the minimum number of features must be at least 1")
        if not -1 <= self.min_stability <= 1:
            raise InputError("the minimum stability (mean ARI) must be in [-1, 1]")
        if not 0.5 < self.rule_accuracy <= 1 or not 0.5 < self.max_identical_share <= 1:
            raise InputError("the rule accuracy and identical share must be in (0.5, 1]")

    def failures(self, evaluation: Evaluation) -> list[str]:
        """The guardrails an evaluated configuration breaks, in words (empty: it passes)."""
        return [words for _, words in self.broken(evaluation)]

    def broken(self, evaluation: Evaluation) -> list[tuple[str, str]]:
        """(kind, words) for each guardrail broken; kinds are the keys of FAILURE_WORDS."""
        config, found = evaluation.config, []
        if evaluation.smallest_segment_share < self.min_segment_share:
            found.append(("small segment", f"smallest segment holds "
                          f"{evaluation.smallest_segment_share:.1%} of customers (minimum "
                          f"{self.min_segment_share:.0%})"))
        if not self.k_min <= evaluation.k <= self.k_max:
            found.append(("k", f"k={evaluation.k} is outside {self.k_min}..{self.k_max}"))
        if len(config.features) < self.min_features:
            found.append(("features", f"uses {len(config.features)} features (minimum "
                                      f"{self.min_features})"))
        if not evaluation.stability_ari >= self.min_stability:  # NaN (not measurable) fails too
            found.append(("unstable", f"unstable under resampling: mean ARI "
                          f"{evaluation.stability_ari:.2f} (minimum {self.min_stability:.2f})"))
        if self.is_degenerate(evaluation.explanation, evaluation.silhouette):
            found.append((evaluation.explanation.kind,
                          f"not a clustering: it is {evaluation.explanation.describe()}"))
        return found

    def is_degenerate(self, explanation: Explanation, silhouette: float | None = None) -> bool:
        """Whether the labels are a cross-tab, a rule or a listing of value combinations.

        Either the columns reproduce the segments while the segments say next to nothing about
        the other features (real, well separated clusters are reproduced by one column too, but
        they differ in the other columns as well), or the columns nearly reproduce them and,
        as a plain cross-tab or rule, score at least the segmentation's silhouette.
        """
        if explanation.kind == "combinations":
            return explanation.accuracy >= self.max_identical_share
        if explanation.accuracy >= self.rule_accuracy:
            others = explanation.others_explained
            return others is None or others < self.max_others_explained
        return (explanation.accuracy >= self.disguise_accuracy and silhouette is not None
                and explanation.silhouette is not None and explanation.silhouette >= silhouette)


@dataclass(frozen=True)
class SearchOptions:
    target_silhouette: float = 0.7
    time_budget: float = 480.0  # seconds for all experiments together
    seed: int = 0
    screen_rows: int = 2000
    beam_width: int = 4
    max_verified: int = 60
    scalings: tuple[str, ...] = SCALING_SCHEMES
    methods: tuple[str, ...] = tuple(METHODS)

    def __post_init__(self) -> None:
        unknown = [s for s in self.scalings if s not in SCALING_SCHEMES]
        unknown += [m for m in self.methods if m not in METHODS]
        if unknown:
            raise InputError(f"unknown scaling(s) or method(s): {unknown}")
        if self.time_budget <= 0 or self.screen_rows < 50 or self.max_verified < 1:
            raise InputError("time budget, screen rows and verified count must be positive")


@dataclass(frozen=True)
class SearchConfig:
    """One configuration: the schema experiment it refines and what it overrides.

    `segmentasi run DATA --config FILE` runs exactly this (so its silhouette reproduces).
    """

    experiment: str
    features: tuple[str, ...]
    scales: dict[str, str] = field(default_factory=dict)  # per column; others as the schema says
    encoding: str = "standard"
    algorithms: tuple[str, ...] = ("kmeans",)
    metric: str = "euclidean"  # K-Medoids' distance on the encoded matrix (K-Means: euclidean)
    k_min: int = 3
    k_max: int = 8
    seed: int = 0
    target_silhouette: float = 0.7
    schema: str | None = None  # schema file the experiment comes from (None: built-in)
    expected: dict[str, Any] = field(default_factory=dict)  # what the search measured

    def __post_init__(self) -> None:
        problems = []
        if not self.features or len(set(self.features)) != len(self.features):
            problems.append("features must be a non-empty list without repeats")
        if self.encoding not in ENCODINGS:
            problems.append(f"encoding must be one of {ENCODINGS}")
        if not self.algorithms or any(a not in ALGORITHMS for a in self.algorithms):
            problems.append(f"algorithms must be some of {ALGORITHMS}")
        if self.metric not in ("euclidean", "manhattan"):
            problems.append("metric must be euclidean or manhattan")
        if "kmeans" in self.algorithms and self.encoding != "standard":
            problems.append("K-Means clusters the standard encoding; use encoding = \"standard\"")
        if "kmeans" in self.algorithms and self.metric != "euclidean":
            problems.append("K-Means minimises euclidean distance; use metric = \"euclidean\"")
        if self.encoding == "gower" and self.metric != "manhattan":
            problems.append("Gower's distance is manhattan on its encoding; use metric = "
                            "\"manhattan\"")
        if not 2 <= self.k_min <= self.k_max <= MAX_K:  # checked before a range of k is built
            problems.append(f"need 2 <= k_min <= k_max <= {MAX_K}")
        bad_scales = {c: s for c, s in self.scales.items() if s not in COLUMN_SCALINGS}
        if bad_scales:
            problems.append(f"scales must be one of {COLUMN_SCALINGS}: {bad_scales}")
        unused = sorted(set(self.scales) - set(self.features))
        if unused:
            problems.append(f"scale given for columns that are not features: {unused}")
        if problems:
            raise ConfigError("invalid configuration: " + "; ".join(problems))

    @property
    def method(self) -> str:
        """Short description: algorithm, distance and encoding."""
        return f"{'/'.join(self.algorithms)} {self.metric} on the {self.encoding} encoding"

    def schema_for(self, base: Schema) -> Schema:
        """The base schema with this configuration's features, scales and distance."""
        data = copy.deepcopy(base.source)
        experiments = data.get("experiments", {})
        if self.experiment not in experiments:
            known = ", ".join(experiments) or "none"
            raise ConfigError(
                f"the configuration refines experiment '{self.experiment}', which schema "
                f"'{base.name}' does not have (it has: {known})"
            )
        declared = {c["name"] for c in data.get("columns", [])}
        unknown = [f for f in self.features if f not in declared]
        if unknown:
            raise ConfigError(f"configuration features not in schema '{base.name}': {unknown}")
        for column in data["columns"]:
            if column["name"] in self.scales:
                column["scale"] = self.scales[column["name"]]
        experiments[self.experiment] = experiments[self.experiment] | {
            "features": list(self.features),
            "metric": "gower" if self.encoding == "gower" else self.metric,
        }
        return schema_from_dict(data, origin=f"{base.name} refined by a configuration")

    def sweep_options(self) -> SweepOptions:
        return SweepOptions(
            ks=tuple(range(self.k_min, self.k_max + 1)), algorithms=self.algorithms,
            seed=self.seed, target_silhouette=self.target_silhouette,
        )

    def to_toml(self) -> str:
        """The configuration as a TOML file that `load_config` reads back unchanged."""
        lines = [
            "# segmentasi configuration: refines one experiment of the schema.",
            "# Rerun exactly this segmentation with: segmentasi run DATA --config THIS_FILE",
            f"experiment = {_toml(self.experiment)}",
            f"features = {_toml(list(self.features))}",
            f"encoding = {_toml(self.encoding)}",
            f"algorithms = {_toml(list(self.algorithms))}",
            f"metric = {_toml(self.metric)}",
            f"k_min = {self.k_min}",
            f"k_max = {self.k_max}",
            f"seed = {self.seed}",
            f"target_silhouette = {_toml(self.target_silhouette)}",
        ]
        if self.schema is not None:
            lines.append(f"schema = {_toml(self.schema)}")
        lines += ["", "# Per-column scaling: standard | robust | log | none (else the schema's).",
                  "[scale]"]
        lines += [f"{_toml(c)} = {_toml(s)}" for c, s in self.scales.items()]
        if self.expected:
            lines += ["", "# What `segmentasi search` measured with exactly this configuration.",
                      "[expected]"]
            lines += [f"{_toml(key)} = {_toml(value)}" for key, value in self.expected.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SearchConfig:
        unknown = sorted(set(data) - CONFIG_KEYS)
        if unknown:
            raise ConfigError(f"unknown keys {unknown}; known: {sorted(CONFIG_KEYS)}")
        for required in ("experiment", "features"):
            if required not in data:
                raise ConfigError(f"the configuration needs '{required}'")
        try:
            return cls(
                experiment=str(data["experiment"]),
                features=tuple(str(f) for f in data["features"]),
                scales={str(c): str(s) for c, s in data.get("scale", {}).items()},
                encoding=str(data.get("encoding", "standard")),
                algorithms=tuple(str(a) for a in data.get("algorithms", ("kmeans",))),
                metric=str(data.get("metric", "euclidean")),
                k_min=int(data.get("k_min", 3)),
                k_max=int(data.get("k_max", data.get("k_min", 8))),
                seed=int(data.get("seed", 0)),
                target_silhouette=float(data.get("target_silhouette", 0.7)),
                schema=None if data.get("schema") is None else str(data["schema"]),
                expected=dict(data.get("expected", {})),
            )
        except (TypeError, ValueError, AttributeError) as exc:
            if isinstance(exc, ConfigError):
                raise
            raise ConfigError(f"malformed configuration ({exc})") from None


def load_config(path: str | Path) -> SearchConfig:
    """Read a configuration TOML file (as written by `segmentasi search`)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration {path} is not valid TOML: {exc}") from None
    try:
        return SearchConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def base_schema_for(config: SearchConfig, schema: Schema | str | Path | None = None) -> Schema:
    """The schema a configuration refines: the one given, else the config's, else the built-in."""
    if isinstance(schema, Schema):
        return schema
    return load_schema(schema if schema is not None else config.schema)


def labels_digest(labels: np.ndarray) -> str:
    """SHA-256 of a labeling (int32, little-endian), to check that a rerun gives the same one."""
    return hashlib.sha256(np.asarray(labels, dtype="<i4").tobytes()).hexdigest()


def reproduction_note(config: SearchConfig, result: Any) -> str | None:
    """Whether a run of `config` reproduces what the search measured; None if nothing to compare."""
    expected = config.expected
    if "silhouette" not in expected or config.experiment not in result.experiments:
        return None
    exp = result.experiments[config.experiment]
    algorithm, k = exp.sweep.recommended
    silhouette = exp.sweep.recommended_silhouette
    same_value = math.isclose(silhouette, float(expected["silhouette"]), abs_tol=5e-7)
    labels = exp.sweep.fits[(algorithm, k)].labels
    same_labels = expected.get("labels_sha256") == labels_digest(labels)
    if same_value and same_labels:
        return (f"Reproduces the search: silhouette {silhouette:.4f}, identical labels "
                f"({algorithm}, k={k}).")
    return (f"Does NOT reproduce the search: silhouette {silhouette:.4f} (search: "
            f"{float(expected['silhouette']):.4f}), labels "
            f"{'identical' if same_labels else 'differ'}. Is it the same table and version?")


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
            text = (f"a simple rule on {names} (a depth-{RULE_TREE_DEPTH} decision tree on "
                    f"{'this column' if len(self.columns) == 1 else 'these columns'} alone gives "
                    f"{share} their segment")
        else:
            return (f"a listing of value combinations of {', '.join(self.columns)} ({share} are "
                    "identical to their segment's most common customer in these columns)")
        if self.others_explained is not None:
            text += (f"; the segments explain {self.others_explained:.1%} of the variance of the "
                     "other features")
        if self.silhouette is not None:
            text += f"; as a plain {self.kind} it scores a silhouette of {self.silhouette:.3f}"
        return text + ")"


@dataclass(frozen=True)
class Evaluation:
    """A configuration fitted and scored on every row, exactly as `run --config` does."""

    id: str
    config: SearchConfig
    silhouette: float
    silhouette_ci: tuple[float, float]
    silhouette_exact: bool
    rows: int
    smallest_segment_share: float
    stability_ari: float
    information_kept: float
    features_share: float
    explanation: Explanation  # what few raw columns (or value combinations) it is closest to
    failures: tuple[str, ...]  # guardrails it breaks, in words; empty = a real segmentation
    labels: np.ndarray = field(repr=False)
    space: np.ndarray = field(repr=False)  # the matrix it clustered
    groups: list[list[int]] = field(repr=False)
    null_silhouette: float | None = None  # same method on its columns shuffled (front, best)
    failure_kinds: tuple[str, ...] = ()  # FAILURE_WORDS keys of the failures

    @property
    def guarded(self) -> bool:
        return not self.failures

    @property
    def k(self) -> int:
        return self.config.k_min

    def to_record(self) -> dict[str, Any]:
        config = self.config
        return {
            "id": self.id, "features": list(config.features), "n_features": len(config.features),
            "scales": config.scales, "encoding": config.encoding,
            "algorithm": config.algorithms[0], "metric": config.metric, "k": self.k,
            "seed": config.seed, "silhouette": self.silhouette,
            "silhouette_ci_low": self.silhouette_ci[0], "silhouette_ci_high": self.silhouette_ci[1],
            "silhouette_exact": self.silhouette_exact, "rows": self.rows,
            "smallest_segment_share": self.smallest_segment_share,
            "stability_ari": self.stability_ari, "information_kept": self.information_kept,
            "features_share": self.features_share, "guarded": self.guarded,
            "failures": list(self.failures), "closest_explanation": self.explanation.describe(),
            "explanation_kind": self.explanation.kind,
            "explanation_columns": list(self.explanation.columns),
            "explanation_accuracy": self.explanation.accuracy,
            "explanation_silhouette": self.explanation.silhouette,
            "explanation_others_explained": self.explanation.others_explained,
            "null_silhouette": self.null_silhouette, "labels_sha256": labels_digest(self.labels),
            "config_file": f"configs/{self.id}.toml",
        }


@dataclass(frozen=True)
class ExperimentSearch:
    """What the search found for one experiment."""

    experiment: str
    target: float
    reachable: bool
    best: Evaluation | None  # the best guarded configuration (highest silhouette)
    closest: Evaluation | None  # when none passed: fewest guardrails broken, then silhouette
    front: list[Evaluation]  # Pareto front of guarded configurations, by information kept
    verified: list[Evaluation]  # every configuration verified on all rows
    screened: pd.DataFrame  # every screened (configuration, k), figures on the screen sample
    screen_rows: np.ndarray
    verdict: str
    reasons: list[str]
    hopkins: dict[str, float]  # experiment_/best_ permuted and uniform; distinct and sample rows
    complete: bool
    seconds: float

    @property
    def excluded(self) -> list[Evaluation]:
        return [e for e in self.verified if not e.guarded]

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment, "target_silhouette": self.target,
            "reachable": self.reachable, "verdict": self.verdict, "reasons": self.reasons,
            "best": None if self.best is None else self.best.id,
            "closest": None if self.closest is None else self.closest.id,
            "front": [e.id for e in self.front],
            "verified": [e.to_record() for e in self.verified],
            "hopkins": self.hopkins, "screened_configurations": len(self.screened),
            "screen_rows": len(self.screen_rows), "complete": self.complete,
            "seconds": round(self.seconds, 1),
        }


@dataclass(frozen=True)
class SearchRun:
    experiments: dict[str, ExperimentSearch]
    options: SearchOptions
    guardrails: Guardrails
    source: dict[str, Any]
    schema_name: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe record (NaN becomes null)."""
        return _finite_or_none({
            "source": self.source, "schema": self.schema_name,
            "options": asdict(self.options), "guardrails": asdict(self.guardrails),
            "information_kept": "share of the variance of the experiment's standard encoding "
                                "of all its features that lies between segments (R^2)",
            "experiments": {name: s.to_dict() for name, s in self.experiments.items()},
        })

    def save(self, out: str | Path, overwrite: bool = False) -> Path:
        """Write the search folder (see `write_search_folder`); whole or not at all."""
        return write_search_folder(self, out, overwrite)


def search(
    data: pd.DataFrame | str | Path,
    *,
    schema: Schema | str | Path | None = None,
    experiments: Sequence[str] | None = None,
    options: SearchOptions | None = None,
    guardrails: Guardrails | None = None,
    progress: Progress | None = None,
    decimal: str = "auto",
) -> SearchRun:
    """Search each experiment's configurations; the time budget is shared across experiments.

    `decimal`: the decimal mark of numbers written as text (auto, '.' or ','), as for run().
    """
    options = options or SearchOptions()
    guardrails = guardrails or Guardrails()
    schema_origin = None if schema is None or isinstance(schema, Schema) else str(schema)
    schema = schema if isinstance(schema, Schema) else load_schema(schema)
    names = list(experiments or schema.experiments)
    chosen = [schema.experiment(n) for n in names]
    if isinstance(data, pd.DataFrame):
        raw, source = data, {"path": "DataFrame", "rows": len(data)}
    else:
        raw = io.read_table(data, decimal)
        source = {"path": str(data), "sha256": io.file_sha256(data), "rows": len(raw)}
    table, _ = validate(
        raw, schema, source=source["path"], decimal=None if decimal == "auto" else decimal
    )
    started = time.perf_counter()
    results = {}
    for position, experiment in enumerate(chosen):
        remaining = options.time_budget - (time.perf_counter() - started)
        share = max(remaining, 0.0) / (len(chosen) - position)
        searcher = _ExperimentSearcher(
            table, schema, schema_origin, experiment.name, options, guardrails, share, progress
        )
        results[experiment.name] = searcher.run()
    return SearchRun(results, options, guardrails, source, schema.name)


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
    combinations the segments are; `guardrails.is_degenerate` says whether it is only that.

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
    raw = {name: _RawColumn.of(table[name], guard.max_levels) for name in columns}
    if space is not None and groups is None:
        groups = [[i] for i in range(len(columns))]
    return _assess(raw, np.asarray(labels), space, groups, metric, silhouette, guard, seed)


def _assess(
    raw: dict[str, _RawColumn],
    labels: np.ndarray,
    space: np.ndarray | None,
    groups: Sequence[Sequence[int]] | None,
    metric: str,
    silhouette: float | None,
    guard: Guardrails,
    seed: int,
) -> Explanation:
    """The first set of columns that makes the segments a mere cross-tab or rule (smallest sets
    first), else the closest explanation, checked for a disguise and for listed combinations."""
    _, codes = np.unique(np.asarray(labels).ravel(), return_inverse=True)
    with_space = space is not None and groups is not None

    def others_explained(names: tuple[str, ...]) -> float | None:
        others = [i for name, group in zip(raw, groups, strict=True) if name not in names
                  for i in group]
        return information_kept(space[:, others], codes) if others else None

    best, best_predicted = Explanation("cross-tabulation", (), 0.0), np.zeros_like(codes)
    for kind, names, predicted in _explaining_sets(raw, codes, guard, seed):
        found = Explanation(kind, names, float((predicted == codes).mean()))
        if found.accuracy >= guard.rule_accuracy:
            if with_space:
                found = replace(found, others_explained=others_explained(names))
            if guard.is_degenerate(found, silhouette):
                return found
        if found.accuracy > best.accuracy:
            best, best_predicted = found, predicted
    if not with_space:
        return best
    if guard.disguise_accuracy <= best.accuracy < guard.rule_accuracy:
        best = replace(best, others_explained=others_explained(best.columns))
        best = _with_silhouette(best, best_predicted, space, metric, seed)
        if guard.is_degenerate(best, silhouette):
            return best
    combined = Explanation("combinations", tuple(raw), _combination_share(space, codes))
    return combined if guard.is_degenerate(combined, silhouette) else best


def information_kept(reference: np.ndarray, labels: np.ndarray) -> float:
    """R^2 of the labels in the reference space: between-segment share of the total variance."""
    X = np.asarray(reference, dtype=np.float64)
    _, codes = np.unique(labels, return_inverse=True)
    counts = np.bincount(codes).astype(np.float64)
    sums = np.zeros((len(counts), X.shape[1]))
    np.add.at(sums, codes, X)
    total = float(((X - X.mean(axis=0)) ** 2).sum())
    between = float(((sums / counts[:, None] - X.mean(axis=0)) ** 2 * counts[:, None]).sum())
    return between / total if total > 0 else 0.0


def pareto_front(points: Iterable[Any], x: str = "information_kept",
                 y: str = "silhouette") -> list[Any]:
    """Points no other point beats on both attributes, ordered by x ascending."""
    ordered = sorted(points, key=lambda p: (-getattr(p, y), -getattr(p, x)))
    front, best_x = [], -np.inf
    for point in ordered:
        if getattr(point, x) > best_x:
            front.append(point)
            best_x = getattr(point, x)
    return sorted(front, key=lambda p: getattr(p, x))


def write_search_folder(run: SearchRun, out: str | Path, overwrite: bool = False) -> Path:
    """Layout:
        search.json                 options, guardrails, and per experiment the verdict, the
                                    reasons and every verified configuration with its figures
        <experiment>/verified.csv   every verified configuration (all rows), with failures
        <experiment>/front.csv      the Pareto front of guarded configurations
        <experiment>/best.toml      the best guarded configuration (absent when none passed)
        <experiment>/configs/<id>.toml   each verified configuration: `run --config` reruns it
        <experiment>/labels.csv     segment numbers of each verified configuration, per input row
        <experiment>/spaces/<id>.npy     the matrix each verified configuration clustered
        <experiment>/screened.csv   screening figures (on the screen sample; for the record only)
    """
    def fill(folder: Path) -> None:
        io.write_json(run.to_dict(), folder / "search.json")
        for name, result in run.experiments.items():
            _write_experiment_search(result, folder / name)

    source = run.source.get("path") if "sha256" in run.source else None
    return write_folder_atomically(out, fill, overwrite, kind=SEARCH_FOLDER, inputs=[source])


def _write_experiment_search(result: ExperimentSearch, folder: Path) -> None:
    (folder / "configs").mkdir(parents=True)
    (folder / "spaces").mkdir()
    records = [e.to_record() for e in result.verified]
    for evaluation, record in zip(result.verified, records, strict=True):
        (folder / "configs" / f"{evaluation.id}.toml").write_text(
            evaluation.config.to_toml(), encoding="utf-8")
        np.save(folder / "spaces" / f"{evaluation.id}.npy", evaluation.space)
        record["space_file"] = f"spaces/{evaluation.id}.npy"
    io.write_csv(pd.DataFrame(records), folder / "verified.csv")
    front_ids = {e.id for e in result.front}
    io.write_csv(pd.DataFrame([r for r in records if r["id"] in front_ids]),
                 folder / "front.csv")
    if result.best is not None:
        (folder / "best.toml").write_text(result.best.config.to_toml(), encoding="utf-8")
    labels = pd.DataFrame({e.id: e.labels + 1 for e in result.verified})
    io.write_csv(labels, folder / "labels.csv")
    io.write_csv(result.screened, folder / "screened.csv")


def _finite_or_none(value: Any) -> Any:
    """The same nested data with NaN and infinities as None, so its JSON is strict."""
    if isinstance(value, dict):
        return {key: _finite_or_none(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite_or_none(item) for item in value]
    if isinstance(value, float | np.floating) and not math.isfinite(value):
        return None
    return value


def _toml(value: Any) -> str:
    """A TOML value: JSON's strings, numbers and arrays are TOML's too (nan/inf spelled out).

    Text beyond ASCII stays as it is (the file is UTF-8): JSON would write an emoji as a
    surrogate pair of escapes, which TOML refuses; DEL is escaped, as TOML requires."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    if isinstance(value, np.generic):
        return _toml(value.item())
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


@dataclass(frozen=True)
class _RawColumn:
    """A table column as the cross-tabulation and rule checks see it."""

    name: str
    codes: np.ndarray | None  # level codes 0..levels-1 (missing is a level) if low-cardinality
    levels: int
    tree_block: np.ndarray  # (n, w) raw values for a decision tree (one-hot for nominal)

    @classmethod
    def of(cls, values: pd.Series, max_levels: int) -> _RawColumn:
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

    def take(self, rows: np.ndarray) -> _RawColumn:
        codes = None if self.codes is None else self.codes[rows]
        return _RawColumn(self.name, codes, self.levels, self.tree_block[rows])


def _explaining_sets(
    raw: dict[str, _RawColumn], labels: np.ndarray, guard: Guardrails, seed: int
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


def _cell_prediction(columns: list[_RawColumn], labels: np.ndarray) -> np.ndarray:
    """Each row's cross-tab cell's most common segment (what a lookup table predicts)."""
    cells = np.zeros(len(labels), dtype=np.int64)
    for column in columns:
        cells = cells * column.levels + column.codes
    _, cells = np.unique(cells, return_inverse=True)
    k = int(labels.max()) + 1
    counts = np.bincount(cells * k + labels, minlength=(int(cells.max()) + 1) * k)
    return counts.reshape(-1, k).argmax(axis=1)[cells]


def _tree_prediction(columns: list[_RawColumn], labels: np.ndarray, seed: int) -> np.ndarray:
    """A depth-4 tree's segments for every row, fitted on at most RULE_TREE_ROWS rows."""
    rows = np.arange(len(labels))
    if len(rows) > RULE_TREE_ROWS:
        rows = np.sort(np.random.default_rng(seed).choice(len(rows), RULE_TREE_ROWS, replace=False))
    X = np.hstack([c.tree_block for c in columns])
    tree = DecisionTreeClassifier(max_depth=RULE_TREE_DEPTH, random_state=seed)
    return tree.fit(X[rows], labels[rows]).predict(X)


def _combination_share(X: np.ndarray, labels: np.ndarray) -> float:
    """Share of rows equal to their segment's most common row (1.0: segments list combinations)."""
    rows = np.ascontiguousarray(X + np.float32(0)).view(
        np.dtype((np.void, X.dtype.itemsize * X.shape[1]))).ravel()
    _, row_codes = np.unique(rows, return_inverse=True)
    _, label_codes = np.unique(labels, return_inverse=True)
    pairs = label_codes.astype(np.int64) * (int(row_codes.max()) + 1) + row_codes
    _, pair_codes, counts = np.unique(pairs, return_inverse=True, return_counts=True)
    pair_label = np.zeros(len(counts), dtype=np.int64)
    pair_label[pair_codes] = label_codes
    modal = np.zeros(int(label_codes.max()) + 1)
    np.maximum.at(modal, pair_label, counts)
    return float(modal.sum()) / len(labels)


@dataclass
class _Point:
    """One screened (configuration, k) on the screen sample; checks are filled in lazily."""

    state: tuple[tuple[str, ...], tuple[tuple[str, str], ...], str]
    k: int
    silhouette: float
    smallest_share: float
    information_kept: float
    labels: np.ndarray = field(repr=False)
    space_key: tuple = field(repr=False)
    explanation: Explanation | None = None

    @property
    def features(self) -> tuple[str, ...]:
        return self.state[0]


class _ExperimentSearcher:
    """The three steps of the module docstring for one experiment."""

    def __init__(
        self,
        table: pd.DataFrame,
        schema: Schema,
        schema_origin: str | None,
        name: str,
        options: SearchOptions,
        guardrails: Guardrails,
        seconds: float,
        progress: Progress | None,
    ) -> None:
        self.started = time.perf_counter()
        self.seconds = seconds
        self.table, self.schema, self.schema_origin = table, schema, schema_origin
        self.experiment = schema.experiment(name)
        self.options, self.guardrails, self.progress = options, guardrails, progress
        features = list(self.experiment.features)
        self.used, _ = apply_handling(table, schema, Handling(), features)
        rng = np.random.default_rng(options.seed)
        n_rows = len(self.used)
        self.screen_rows = np.sort(rng.choice(n_rows, min(options.screen_rows, n_rows),
                                              replace=False))
        self.screen_table = self.used.iloc[self.screen_rows]
        reference = FeatureSpace(schema, self.experiment).fit(self.used)
        self.reference = reference.transform(self.used)
        self.reference_groups = feature_groups(reference)
        self.raw = {f: _RawColumn.of(self.used[f], guardrails.max_levels) for f in features}
        self.screen_raw = {f: c.take(self.screen_rows) for f, c in self.raw.items()}
        self.skewed = {f for f in features if self._is_skewed(f)}
        self.spaces: dict[tuple, np.ndarray] = {}
        self.groups: dict[tuple, list[list[int]]] = {}
        self.points: dict[tuple, list[_Point]] = {}
        self.verified: list[Evaluation] = []
        self.verified_points: set[int] = set()
        self.complete = True

    # --- the three steps --------------------------------------------------------------------

    def run(self) -> ExperimentSearch:
        self._screen()
        self._verify_candidates()
        return self._result()

    def _screen(self) -> None:
        features = tuple(self.experiment.features)
        minimum = min(self.guardrails.min_features, len(features))
        subsets = [subset for size in range(minimum, len(features) + 1)
                   for subset in itertools.combinations(features, size)]
        scalings = self.options.scalings
        states = {self._state(s, scheme) for s in subsets for scheme in scalings}
        methods = self.options.methods
        if len(states) <= EXHAUSTIVE_STATES:
            every = {self._with_method(state, m) for state in states for m in methods}
            self._evaluate_all(sorted(every - {None}), "screening every subset")
            return
        # The beam runs on the fastest method; the others then cluster its best subsets.
        driver = "kmeans" if "kmeans" in methods else methods[0]
        level = sorted({self._with_method(self._state(features, scheme), driver)
                        for scheme in scalings} - {None})
        while level:
            self._evaluate_all(level, f"screening {len(level[0][0])} features")
            beam = sorted(level, key=self._score, reverse=True)[: self.options.beam_width]
            if len(beam[0][0]) <= minimum:
                break
            level = sorted({
                (tuple(f for f in state[0] if f != dropped),
                 tuple(s for s in state[1] if s[0] != dropped), state[2])
                for state in beam for dropped in state[0]
            })
        top = sorted(self.points, key=self._score, reverse=True)[:SECOND_STAGE_STATES]
        front = {p.state for p in self._clean_front(self._all_points())}
        chosen = top + sorted(front - set(top))
        others = {self._with_method(state, m) for state in chosen for m in methods if m != driver}
        self._evaluate_all(sorted(others - {None}), "screening the other methods")

    def _verify_candidates(self) -> None:
        for point in self._candidates():
            if len(self.verified) >= self.options.max_verified:
                break
            if self.verified and self._elapsed() > self.seconds:
                self.complete = False
                break
            if id(point) in self.verified_points:
                continue
            self._tick(f"verifying on all {len(self.used):,} rows")
            self.verified.append(self._verify(point))
            self.verified_points.add(id(point))

    def _result(self) -> ExperimentSearch:
        guarded = [e for e in self.verified if e.guarded]
        shown = {e.id for e in pareto_front(guarded)}
        shown |= {e.id for e in guarded if e.silhouette == max(g.silhouette for g in guarded)}
        if not guarded and self.verified:
            shown.add(min(self.verified, key=lambda e: (len(e.failures), -e.silhouette)).id)
        self._tick("null reference silhouettes")
        self.verified = [replace(e, null_silhouette=self._null(e)) if e.id in shown else e
                         for e in self.verified]
        guarded = [e for e in self.verified if e.guarded]
        best = max(guarded, key=lambda e: e.silhouette, default=None)
        closest = None
        if best is None and self.verified:
            closest = min(self.verified, key=lambda e: (len(e.failures), -e.silhouette))
        front = pareto_front(guarded)
        target = self.options.target_silhouette
        reachable = best is not None and best.silhouette >= target
        hopkins_values = self._hopkins(best)
        verdict, reasons = self._verdict(best, closest, reachable, hopkins_values)
        self._tick("done")
        return ExperimentSearch(
            experiment=self.experiment.name, target=target, reachable=reachable, best=best,
            closest=closest,
            front=front, verified=list(self.verified), screened=self._screened_table(),
            screen_rows=self.screen_rows, verdict=verdict, reasons=reasons,
            hopkins=hopkins_values, complete=self.complete, seconds=self._elapsed(),
        )

    # --- screening --------------------------------------------------------------------------

    def _state(self, features: tuple[str, ...], scheme: str) -> tuple:
        """(features, scales, method) of K-Means; other methods via _with_method."""
        return (tuple(features), self._scales(features, scheme), "kmeans")

    def _with_method(self, state: tuple, method: str) -> tuple | None:
        """The state clustered by another method; None where that adds nothing (Gower on 0/1
        flags alone is the manhattan distance over a constant)."""
        scales = state[1]
        if METHODS[method][2] == "gower" and all(
            self.schema.column(f).role == "product" for f in state[0]
        ):
            return None
        if METHODS[method][2] == "gower":  # Gower scales by range; only a log changes its space
            scales = tuple((c, "log" if s == "log" else "standard") for c, s in scales)
        return (state[0], scales, method)

    def _scales(self, features: Sequence[str], scheme: str) -> tuple[tuple[str, str], ...]:
        """Each scaled column's scale under a scaling scheme."""
        scales = []
        for name in features:
            column = self.schema.column(name)
            if column.role not in SCALED_ROLES:
                continue
            if scheme == "schema":
                scale = column.scale
            elif scheme == "log":
                scale = "log" if name in self.skewed else "standard"
            else:
                scale = scheme
            scales.append((name, scale))
        return tuple(scales)

    def _is_skewed(self, name: str) -> bool:
        column = self.schema.column(name)
        if column.role != "numeric":
            return False
        values = self.used[name].dropna().to_numpy(dtype=np.float64)
        return bool(values.size > 2 and values.min() >= 0 and pd.Series(values).skew() > LOG_SKEW)

    def _config(self, state: tuple, k_min: int, k_max: int) -> SearchConfig:
        algorithm, metric, encoding = METHODS[state[2]]
        return SearchConfig(
            experiment=self.experiment.name, features=state[0], scales=dict(state[1]),
            encoding=encoding, algorithms=(algorithm,), metric=metric, k_min=k_min, k_max=k_max,
            seed=self.options.seed, target_silhouette=self.options.target_silhouette,
            schema=self.schema_origin,
        )

    def _evaluate_all(self, states: Sequence[tuple], stage: str) -> None:
        for state in states:
            if state in self.points:
                continue
            if self._elapsed() > self._screen_seconds():
                self.complete = False
                return
            self._tick(f"{stage} ({sum(map(len, self.points.values()))} fits screened)")
            self.points[state] = self._evaluate(state)

    def _evaluate(self, state: tuple) -> list[_Point]:
        guard = self.guardrails
        config = self._config(state, guard.k_min, guard.k_max)
        space_key = (state[0], state[1], config.encoding)
        X = self.spaces.get(space_key)
        if X is None:
            schema = config.schema_for(self.schema)
            space = FeatureSpace(schema, schema.experiment(config.experiment), config.encoding)
            X = space.fit(self.used).transform(self.screen_table)
            self.spaces[space_key] = X
            self.groups[space_key] = feature_groups(space)
        distinct = len(np.unique(X, axis=0))
        ks = [k for k in range(guard.k_min, guard.k_max + 1) if k <= distinct]
        if not ks:
            return []
        algorithm, metric, _ = METHODS[state[2]]
        fits = fit_sweep(X, ks, algorithm, metric=metric, seed=self.options.seed)
        labelings = [fit.labels for fit in fits]
        silhouettes = silhouette_scores(X, labelings, metric=metric)
        reference = self.reference[self.screen_rows]
        return [
            _Point(state, k, float(s), float(np.bincount(labels).min() / len(labels)),
                   information_kept(reference, labels), labels, space_key)
            for k, s, labels in zip(ks, silhouettes, labelings, strict=True)
        ]

    def _score(self, state: tuple) -> float:
        """Best screened silhouette of a state that passes the checks possible on a sample."""
        for point in sorted(self.points.get(state, []), key=lambda p: -p.silhouette):
            if not self._screen_failures(point):
                return point.silhouette
        return -2.0

    def _screen_failures(self, point: _Point) -> list[str]:
        failures = []
        if point.smallest_share < self.guardrails.min_segment_share:
            failures.append("small segment")
            return failures
        explanation = self._explanation(point)
        if self.guardrails.is_degenerate(explanation, point.silhouette):
            failures.append(explanation.kind)
        return failures

    def _explanation(self, point: _Point) -> Explanation:
        if point.explanation is None:
            raw = {f: self.screen_raw[f] for f in point.features}
            point.explanation = _assess(
                raw, point.labels, self.spaces[point.space_key], self.groups[point.space_key],
                METHODS[point.state[2]][1], point.silhouette, self.guardrails, self.options.seed,
            )
        return point.explanation

    def _all_points(self) -> list[_Point]:
        return [p for points in self.points.values() for p in points]

    def _clean_front(self, points: list[_Point]) -> list[_Point]:
        pool = [p for p in points if p.smallest_share >= self.guardrails.min_segment_share]
        while True:
            front = pareto_front(pool)
            flagged = {id(p) for p in front if self._screen_failures(p)}
            if not flagged:
                return front
            pool = [p for p in pool if id(p) not in flagged]

    def _candidates(self) -> Iterator[_Point]:
        """What to verify: the best guarded, the best excluded, the screened front; then more
        guarded ones, best first, while fewer than three have passed on all rows."""
        ordered = sorted(self._all_points(), key=lambda p: -p.silhouette)
        guarded = (p for p in ordered if not self._screen_failures(p))
        best_guarded = list(itertools.islice(guarded, 3))
        excluded, reasons = [], set()
        for point in ordered:
            if best_guarded and point.silhouette <= best_guarded[0].silhouette:
                break
            reason = self._screen_failures(point)[0]
            if reason not in reasons:
                reasons.add(reason)
                excluded.append(point)
        front = sorted(self._clean_front(ordered), key=lambda p: -p.silhouette)
        yield from best_guarded[:1] + excluded[:1] + best_guarded[1:] + front + excluded[1:]
        target = self.options.target_silhouette - SCREEN_MARGIN
        for point in guarded:
            if sum(e.guarded for e in self.verified) >= 3 and point.silhouette < target:
                return
            yield point

    def _screened_table(self) -> pd.DataFrame:
        rows = []
        for point in self._all_points():
            algorithm, metric, encoding = METHODS[point.state[2]]
            if point.explanation is not None or point.smallest_share < \
                    self.guardrails.min_segment_share:
                status = ", ".join(self._screen_failures(point)) or "passes"
            else:
                status = "not checked"
            rows.append({
                "features": " + ".join(point.features), "n_features": len(point.features),
                "scales": json.dumps(dict(point.state[1])), "algorithm": algorithm,
                "metric": metric, "encoding": encoding, "k": point.k,
                "screen_silhouette": point.silhouette,
                "screen_smallest_segment_share": point.smallest_share,
                "screen_information_kept": point.information_kept, "screen_status": status,
            })
        columns = ["features", "n_features", "scales", "algorithm", "metric", "encoding", "k",
                   "screen_silhouette", "screen_smallest_segment_share",
                   "screen_information_kept", "screen_status"]
        return pd.DataFrame(rows, columns=columns)

    # --- verification -----------------------------------------------------------------------

    def _verify(self, point: _Point) -> Evaluation:
        from .job import run

        config = self._config(point.state, point.k, point.k)
        result = run(self.table, schema=config.schema_for(self.schema),
                     experiments=[config.experiment], options=config.sweep_options(),
                     diagnose=False)
        exp = result.experiments[config.experiment]
        algorithm = config.algorithms[0]
        fit = exp.sweep.fits[(algorithm, point.k)]
        row = exp.sweep.table.iloc[0]
        if not exp.rows.equals(self.used.index):
            raise RuntimeError("the verification run clustered other rows than the search")
        X = exp.sweep.spaces[algorithm].X
        groups = feature_groups(exp.spaces[algorithm])
        explanation = _assess({f: self.raw[f] for f in config.features}, fit.labels, X, groups,
                              config.metric, float(row.silhouette), self.guardrails,
                              self.options.seed)
        shares = np.bincount(fit.labels, minlength=point.k) / len(fit.labels)
        evaluation = Evaluation(
            id=f"c{len(self.verified) + 1:02d}",
            config=config,
            silhouette=float(row.silhouette),
            silhouette_ci=(float(row.silhouette_ci_low), float(row.silhouette_ci_high)),
            silhouette_exact=bool(row.silhouette_exact),
            rows=len(fit.labels),
            smallest_segment_share=float(shares.min()),
            stability_ari=float(row.stability_ari),
            information_kept=information_kept(self.reference, fit.labels),
            features_share=len(config.features) / len(self.experiment.features),
            explanation=explanation,
            failures=(),
            labels=fit.labels,
            space=X,
            groups=groups,
        )
        broken = self.guardrails.broken(evaluation)
        evaluation = replace(evaluation, failures=tuple(words for _, words in broken),
                             failure_kinds=tuple(kind for kind, _ in broken))
        expected = {
            "silhouette": evaluation.silhouette, "rows": evaluation.rows,
            "smallest_segment_share": evaluation.smallest_segment_share,
            "stability_ari": evaluation.stability_ari,
            "information_kept": evaluation.information_kept,
            "passes_guardrails": evaluation.guarded,
            "labels_sha256": labels_digest(fit.labels),
        }
        return replace(evaluation, config=replace(config, expected=expected))

    def _null(self, evaluation: Evaluation) -> float:
        config = evaluation.config
        null = null_reference_silhouette(
            evaluation.space, [evaluation.k], config.algorithms[0], config.metric,
            seed=self.options.seed, n_perm=2, groups=evaluation.groups, sample_rows=NULL_ROWS,
        )
        return float(null["null_silhouette"].iloc[0])

    def _hopkins(self, best: Evaluation | None) -> dict[str, float]:
        """Hopkins of the experiment's reference space and the best space, on the screen rows."""
        rows = self.screen_rows
        values = {
            "experiment_permuted": hopkins(self.reference[rows], 200, self.options.seed,
                                           reference="permuted", groups=self.reference_groups),
            "experiment_uniform": hopkins(self.reference[rows], 200, self.options.seed),
            "experiment_distinct_rows": len(np.unique(self.reference[rows], axis=0)),
            "sample_rows": len(rows),
        }
        if best is not None:
            metric = best.config.metric
            values["best_permuted"] = hopkins(best.space[rows], 200, self.options.seed,
                                              metric=metric, reference="permuted",
                                              groups=best.groups)
            values["best_uniform"] = hopkins(best.space[rows], 200, self.options.seed,
                                             metric=metric)
        return values

    def _verdict(
        self,
        best: Evaluation | None,
        closest: Evaluation | None,
        reachable: bool,
        hopkins_values: dict[str, float],
    ) -> tuple[str, list[str]]:
        name, target = self.experiment.name, self.options.target_silhouette
        tried = (f"{len(self._all_points())} (configuration, k) pairs screened on "
                 f"{len(self.screen_rows):,} rows, {len(self.verified)} verified on all "
                 f"{len(self.used):,} rows")
        if not self.complete:
            tried += "; the time budget ended the search early"
        shown = best or closest
        reasons = []
        if shown is not None and shown.null_silhouette is not None:
            reasons.append(
                f"The same method on the same columns shuffled independently (no structure at "
                f"all) scores {shown.null_silhouette:.3f} against {shown.silhouette:.3f} for "
                f"{shown.id} ({shown.silhouette - shown.null_silhouette:+.3f})."
            )
        if shown is not None:
            reasons.append(f"What {shown.id} is closest to: {shown.explanation.describe()}.")
        if reachable and best is not None:
            verdict = (f"{name}: the target silhouette {target} IS reachable under the guardrails: "
                       f"{best.silhouette:.3f} with {_describe_config(best)}.")
            return verdict, [*reasons, tried]
        if best is None:
            verdict = (f"{name}: the target silhouette {target} is NOT reachable: no configuration "
                       "passed the guardrails.")
            if closest is not None:
                verdict += (f" Closest: {closest.silhouette:.3f} with {_describe_config(closest)},"
                            f" which breaks: {'; '.join(closest.failures)}.")
        else:
            verdict = (f"{name}: the target silhouette {target} is NOT reachable under the "
                       f"guardrails. Best found: {best.silhouette:.3f} with "
                       f"{_describe_config(best)}.")
        hopkins_text = describe_hopkins(
            hopkins_values["experiment_permuted"], hopkins_values["experiment_uniform"],
            int(hopkins_values["experiment_distinct_rows"]), int(hopkins_values["sample_rows"]),
        )
        reasons.append(f"The experiment's full feature space: {hopkins_text}")
        above = [e for e in self.verified if not e.guarded and e.silhouette >= target]
        for evaluation in above:
            reasons.append(f"Reaches {evaluation.silhouette:.3f} but {evaluation.failures[0]} "
                           f"({_describe_config(evaluation)}; {evaluation.id}).")
        reasons.append(self._screened_above(target))
        broken = Counter(kind for e in self.verified for kind in e.failure_kinds)
        if broken:
            tally = "; ".join(f"{FAILURE_WORDS[kind]}: {count}" for kind, count in
                              broken.most_common())
            reasons.append(f"Of the {len(self.verified)} configurations verified on all rows, "
                           f"{sum(e.guarded for e in self.verified)} pass the guardrails; the "
                           f"others break ({tally}).")
        reasons.append(tried)
        return verdict, reasons

    def _screened_above(self, target: float) -> str:
        """What became of the screened pairs that reached the target on the sample."""
        points = self._all_points()
        above = [p for p in points if p.silhouette >= target]
        if not above:
            best = max((p.silhouette for p in points), default=float("nan"))
            return (f"No screened configuration reached {target} on the sample even without "
                    f"the guardrails (best: {best:.3f}).")
        failing = Counter(f for p in above for f in self._screen_failures(p)[:1])
        passing = [p for p in above if not self._screen_failures(p)]
        unverified = sum(id(p) not in self.verified_points for p in passing)
        words = "; ".join(f"{FAILURE_WORDS[kind]}: {count}" for kind, count in
                          failing.most_common())
        text = (f"{len(above)} screened (configuration, k) pairs reached {target} on the "
                f"{len(self.screen_rows):,}-row sample; {sum(failing.values())} of them break a "
                f"guardrail there ({words or 'none'})")
        if passing:
            text += (f"; the other {len(passing) - unverified} were verified on all rows "
                     "(see above)")
            if unverified:
                text += f" and {unverified} could not be verified within the time budget"
        return text + "."

    # --- time and progress ------------------------------------------------------------------

    def _elapsed(self) -> float:
        return time.perf_counter() - self.started

    def _screen_seconds(self) -> float:
        """Screening stops here, leaving the rest of the share for verification."""
        return 0.6 * self.seconds

    def _tick(self, stage: str) -> None:
        if self.progress:
            total = max(1, round(self.seconds))
            self.progress(f"{self.experiment.name}: {stage}", min(round(self._elapsed()), total),
                          total)


def _describe_config(evaluation: Evaluation) -> str:
    config = evaluation.config
    scales = {s for s in config.scales.values()}
    scaling = f"{'/'.join(sorted(scales))} scaling" if scales else "no scaled columns"
    return (f"{config.algorithms[0]} k={evaluation.k}, {config.metric}, {config.encoding} "
            f"encoding, {scaling}, on {', '.join(config.features)}")
