"""A saved run configuration: one experiment of a schema refined (features, per-column scales,
encoding, algorithm, distance, k, seed), as `segmentasi search` writes it and
`segmentasi run --config` runs it, with what the search measured so a rerun can say whether it
reproduces."""

from __future__ import annotations

import copy
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .errors import UserError
from .features import ENCODINGS
from .files import special_file
from .schema import SCALINGS as COLUMN_SCALINGS
from .schema import Schema, load_schema, schema_from_dict
from .sweep import ALGORITHMS, MAX_K, SweepOptions

CONFIG_KEYS = {
    "experiment",
    "features",
    "scale",
    "encoding",
    "algorithms",
    "metric",
    "k_min",
    "k_max",
    "seed",
    "target_silhouette",
    "schema",
    "expected",
}


class ConfigError(UserError):
    """A configuration file that cannot be used."""


@dataclass(frozen=True)
class RunConfig:
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
            problems.append('K-Means clusters the standard encoding; use encoding = "standard"')
        if "kmeans" in self.algorithms and self.metric != "euclidean":
            problems.append('K-Means minimises euclidean distance; use metric = "euclidean"')
        if self.encoding == "gower" and self.metric != "manhattan":
            problems.append(
                'Gower\'s distance is manhattan on its encoding; use metric = "manhattan"'
            )
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
            ks=tuple(range(self.k_min, self.k_max + 1)),
            algorithms=self.algorithms,
            seed=self.seed,
            target_silhouette=self.target_silhouette,
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
        lines += [
            "",
            "# Per-column scaling: standard | robust | log | none (else the schema's).",
            "[scale]",
        ]
        lines += [f"{_toml(c)} = {_toml(s)}" for c, s in self.scales.items()]
        if self.expected:
            lines += [
                "",
                "# What `segmentasi search` measured with exactly this configuration.",
                "[expected]",
            ]
            lines += [f"{_toml(key)} = {_toml(value)}" for key, value in self.expected.items()]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
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


def load_config(path: str | Path) -> RunConfig:
    """Read a configuration TOML file (as written by `segmentasi search`)."""
    path = Path(path)
    if special := special_file(path):
        raise ConfigError(f"cannot read configuration {path}: it is {special}")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"configuration {path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"configuration {path} is not valid TOML: {exc}") from None
    try:
        return RunConfig.from_dict(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def base_schema_for(config: RunConfig, schema: Schema | str | Path | None = None) -> Schema:
    """The schema a configuration refines: the one given, else the config's, else the built-in."""
    if isinstance(schema, Schema):
        return schema
    return load_schema(schema if schema is not None else config.schema)


def labels_digest(labels: np.ndarray) -> str:
    """SHA-256 of a labeling (int32, little-endian), to check that a rerun gives the same one."""
    return hashlib.sha256(np.asarray(labels, dtype="<i4").tobytes()).hexdigest()


def reproduction_note(config: RunConfig, result: Any) -> str | None:
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
        return (
            f"Reproduces the search: silhouette {silhouette:.4f}, identical labels "
            f"({algorithm}, k={k})."
        )
    return (
        f"Does NOT reproduce the search: silhouette {silhouette:.4f} (search: "
        f"{float(expected['silhouette']):.4f}), labels "
        f"{'identical' if same_labels else 'differ'}. Is it the same table and version?"
    )


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
