"""Column roles and experiments, declared as data in a TOML file.

A schema says what every column of a bank's table is (id, numeric, ordinal, nominal,
product flag, derived count) and which columns each experiment clusters on. Code reads
roles from here and never names a bank's column itself.
"""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import UserError

ROLES = ("id", "numeric", "ordinal", "nominal", "product", "derived_count")
SCALINGS = ("standard", "log", "robust", "none")
METRICS = ("euclidean", "manhattan", "gower")
CATEGORICAL_ROLES = ("ordinal", "nominal")


class SchemaError(UserError):
    """The schema file itself is malformed."""


@dataclass(frozen=True)
class Column:
    """One column of the table and its role."""

    name: str
    role: str
    levels: tuple[str, ...] = ()
    unit: str = ""
    unit_en: str = ""
    min: float | None = None
    max: float | None = None
    integer: bool = False
    scale: str = "standard"
    of: tuple[str, ...] = ()
    label: str = ""
    label_en: str = ""

    @property
    def is_categorical(self) -> bool:
        return self.role in CATEGORICAL_ROLES

    @property
    def is_numeric(self) -> bool:
        """Numbers in the file: numeric measures, product flags and derived counts."""
        return self.role in ("numeric", "product", "derived_count")

    def display(self, lang: str = "id") -> str:
        """The column's name as the report shows it."""
        text = self.label_en if lang == "en" else self.label
        return text or self.label or self.name

    def unit_text(self, lang: str = "id") -> str:
        return (self.unit_en if lang == "en" else self.unit) or self.unit


@dataclass(frozen=True)
class Experiment:
    """A clustering: which columns it sees and the distance K-Medoids uses."""

    name: str
    features: tuple[str, ...]
    metric: str = "euclidean"
    description: str = ""
    description_en: str = ""

    def describe(self, lang: str = "id") -> str:
        return (self.description_en if lang == "en" else self.description) or self.description


@dataclass(frozen=True)
class Schema:
    """All columns of a table, in file order, and its experiments."""

    name: str
    columns: tuple[Column, ...]
    experiments: dict[str, Experiment] = field(default_factory=dict)
    description: str = ""
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        _check_schema(self)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return self._by_name[name]

    @cached_property
    def _by_name(self) -> dict[str, Column]:
        """Columns by name (a schema read from a model file can have very many)."""
        return {col.name: col for col in self.columns}

    def by_role(self, *roles: str) -> list[Column]:
        return [c for c in self.columns if c.role in roles]

    @property
    def id_column(self) -> Column | None:
        ids = self.by_role("id")
        return ids[0] if ids else None

    @property
    def products(self) -> list[Column]:
        return self.by_role("product")

    def experiment(self, name: str) -> Experiment:
        try:
            return self.experiments[name]
        except KeyError:
            known = ", ".join(self.experiments) or "none"
            raise SchemaError(
                f"schema '{self.name}' has no experiment '{name}' (it has: {known})"
            ) from None

    def to_dict(self) -> dict[str, Any]:
        """The schema as the TOML data it was read from (for run folders and saved models)."""
        return self.source


def load_schema(path: str | Path | None = None) -> Schema:
    """Read a schema TOML file; None gives the built-in FundFusion schema."""
    if path is None:
        return builtin_schema("fundfusion")
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read schema file {path}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"schema file {path} is not valid TOML: {exc}") from None
    return schema_from_dict(data, origin=str(path))


def builtin_schema(name: str) -> Schema:
    """A schema shipped with the package, by name."""
    resource = resources.files("segmentasi") / "schemas" / f"{name}.toml"
    if not resource.is_file():
        raise SchemaError(f"no built-in schema named '{name}'")
    return schema_from_dict(tomllib.loads(resource.read_text(encoding="utf-8")), origin=name)


def schema_from_dict(data: dict[str, Any], origin: str = "schema") -> Schema:
    """Build a Schema from parsed TOML data, with errors that name the offending entry."""
    try:
        columns = tuple(_column_from_dict(c) for c in data.get("columns", []))
        experiments = {
            name: Experiment(
                name=name,
                features=tuple(spec.get("features", [])),
                metric=spec.get("metric", "euclidean"),
                description=spec.get("description", ""),
                description_en=spec.get("description_en", ""),
            )
            for name, spec in data.get("experiments", {}).items()
        }
        return Schema(
            name=str(data.get("name", origin)),
            columns=columns,
            experiments=experiments,
            description=str(data.get("description", "")),
            source=data,
        )
    except SchemaError as exc:
        raise SchemaError(f"{origin}: {exc}") from None
    except (TypeError, AttributeError) as exc:
        raise SchemaError(f"{origin}: malformed entry ({exc})") from None


_COLUMN_KEYS = {
    "name", "role", "levels", "unit", "unit_en", "min", "max", "integer", "scale", "of",
    "label", "label_en",
}


def _column_from_dict(spec: dict[str, Any]) -> Column:
    if "name" not in spec or "role" not in spec:
        raise SchemaError(f"every column needs a name and a role: {spec}")
    unknown = set(spec) - _COLUMN_KEYS
    if unknown:
        raise SchemaError(f"column '{spec['name']}': unknown keys {sorted(unknown)}")
    return Column(
        name=str(spec["name"]),
        role=str(spec["role"]),
        levels=tuple(str(v) for v in spec.get("levels", ())),
        unit=str(spec.get("unit", "")),
        unit_en=str(spec.get("unit_en", "")),
        min=None if spec.get("min") is None else float(spec["min"]),
        max=None if spec.get("max") is None else float(spec["max"]),
        integer=bool(spec.get("integer", False)),
        scale=str(spec.get("scale", "standard")),
        of=tuple(str(v) for v in spec.get("of", ())),
        label=str(spec.get("label", "")),
        label_en=str(spec.get("label_en", "")),
    )


def _check_schema(schema: Schema) -> None:
    """Reject schemas whose roles or experiments cannot work, naming the entry."""
    names = set(schema.names)
    if not names:
        raise SchemaError("the schema declares no columns")
    duplicated = sorted(n for n, count in Counter(schema.names).items() if count > 1)
    if duplicated:
        raise SchemaError(f"columns declared twice: {duplicated}")
    for col in schema.columns:
        where = f"column '{col.name}'"
        if col.role not in ROLES:
            raise SchemaError(f"{where}: role '{col.role}' is not one of {', '.join(ROLES)}")
        if col.is_categorical and len(col.levels) < 2:
            raise SchemaError(f"{where}: a {col.role} column needs at least two levels")
        twice = sorted(level for level, n in Counter(col.levels).items() if n > 1)
        if twice:
            raise SchemaError(f"{where}: levels listed twice: {twice[:5]}")
        if col.scale not in SCALINGS:
            raise SchemaError(f"{where}: scale '{col.scale}' is not one of {', '.join(SCALINGS)}")
        if col.min is not None and col.max is not None and col.min > col.max:
            raise SchemaError(f"{where}: min {col.min} is above max {col.max}")
        if col.role == "derived_count":
            missing = [p for p in col.of if p not in names]
            if not col.of or missing:
                raise SchemaError(f"{where}: 'of' must list existing columns (unknown: {missing})")
            not_numbers = [p for p in col.of if not schema.column(p).is_numeric]
            if not_numbers:
                raise SchemaError(f"{where}: 'of' must list columns of numbers, not {not_numbers}")
    if len(schema.by_role("id")) > 1:
        raise SchemaError("at most one column can have the role 'id'")
    for exp in schema.experiments.values():
        where = f"experiment '{exp.name}'"
        if not exp.features:
            raise SchemaError(f"{where}: lists no features")
        unknown = [f for f in exp.features if f not in names]
        if unknown:
            raise SchemaError(f"{where}: features not in the schema: {unknown}")
        ids = [f for f in exp.features if schema.column(f).role == "id"]
        if ids:
            raise SchemaError(f"{where}: an id column cannot be a feature: {ids}")
        if exp.metric not in METRICS:
            raise SchemaError(f"{where}: metric '{exp.metric}' is not one of {', '.join(METRICS)}")
