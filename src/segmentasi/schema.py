"""Column roles and experiments, declared as data in a TOML file.

A schema says what every column of a bank's table is (id, numeric, ordinal, nominal,
product flag, derived count) and which columns each experiment clusters on. Code reads
roles from here and never names a bank's column itself.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import UserError
from .files import special_file

ROLES = ("id", "numeric", "ordinal", "nominal", "product", "derived_count")
SCALINGS = ("standard", "log", "robust", "none")
METRICS = ("euclidean", "manhattan", "gower")
CATEGORICAL_ROLES = ("ordinal", "nominal")
# An experiment's name is the name of its folder in a run (and search) folder: one plain name.
EXPERIMENT_NAME = re.compile(r"\w[\w.-]{0,63}")


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
    level_labels: tuple[str, ...] = ()
    level_labels_en: tuple[str, ...] = ()
    short_label: str | None = None
    short_label_en: str | None = None

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

    def short(self, lang: str = "id") -> str:
        """The column's name inside a segment name: `short_label` / `short_label_en` when the
        schema gives one ("" names a level alone, as in "menikah"), else its display name."""
        text = self.short_label_en if lang == "en" else self.short_label
        return self.display(lang) if text is None else text

    def level_text(self, level: object, lang: str = "id") -> str:
        """A data value in words: the level's `level_labels` (`level_labels_en` in English)
        entry, or the raw level when the schema gives no label for it."""
        raw = str(level)
        labels = self.level_labels_en if lang == "en" else self.level_labels
        labels = labels or self.level_labels
        if labels and raw in self.levels:
            return labels[self.levels.index(raw)]
        return raw


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
    if special := special_file(path):
        raise SchemaError(f"cannot read schema file {path}: it is {special}")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SchemaError(f"cannot read schema file {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise SchemaError(f"schema file {path} is not UTF-8 text") from None
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
    """Build a Schema from parsed TOML data, with errors that name the offending entry.

    The data is untrusted (a user's file, or the copy inside a run folder or model file): every
    key's type is checked before it is used, so a malformed file is a SchemaError, never a crash.
    """
    try:
        _expect(data, dict, "the schema")
        columns_data = data.get("columns", [])
        _expect(columns_data, list, "'columns'")
        columns = tuple(
            _column_from_dict(spec, f"columns[{i}]") for i, spec in enumerate(columns_data)
        )
        experiments_data = data.get("experiments", {})
        _expect(experiments_data, dict, "'experiments'")
        experiments = {
            name: _experiment_from_dict(name, spec) for name, spec in experiments_data.items()
        }
        return Schema(
            name=_text(data, "name", "the schema", default=origin),
            columns=columns,
            experiments=experiments,
            description=_text(data, "description", "the schema"),
            source=data,
        )
    except SchemaError as exc:
        raise SchemaError(f"{origin}: {exc}") from None


_COLUMN_KEYS = {
    "name",
    "role",
    "levels",
    "unit",
    "unit_en",
    "min",
    "max",
    "integer",
    "scale",
    "of",
    "label",
    "label_en",
    "level_labels",
    "level_labels_en",
    "short_label",
    "short_label_en",
}
_EXPERIMENT_KEYS = {"features", "metric", "description", "description_en"}


def _column_from_dict(spec: Any, where: str) -> Column:
    _expect(spec, dict, where)
    if "name" not in spec or "role" not in spec:
        raise SchemaError(f"every column needs a name and a role ({where} has {sorted(spec)})")
    name = _text(spec, "name", where)
    if not name.strip():
        raise SchemaError(f"{where}: the column name is empty")
    where = f"column '{name}'"
    unknown = set(spec) - _COLUMN_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown keys {sorted(unknown)}")
    levels = _texts(spec, "levels", where, scalars=True)
    if len(set(levels)) < len(levels):
        twice = sorted({v for v in levels if levels.count(v) > 1})
        raise SchemaError(f"{where}: levels listed twice: {twice}")
    integer = spec.get("integer", False)
    if not isinstance(integer, bool):
        raise SchemaError(f"{where}: 'integer' must be true or false, not {integer!r}")
    level_labels = {key: _texts(spec, key, where) for key in ("level_labels", "level_labels_en")}
    short = {
        key: None if key not in spec else _text(spec, key, where)
        for key in ("short_label", "short_label_en")
    }
    return Column(
        name=name,
        role=_text(spec, "role", where),
        levels=levels,
        unit=_text(spec, "unit", where),
        unit_en=_text(spec, "unit_en", where),
        min=_bound(spec, "min", where),
        max=_bound(spec, "max", where),
        integer=integer,
        scale=_text(spec, "scale", where, default="standard"),
        of=_texts(spec, "of", where),
        label=_text(spec, "label", where),
        label_en=_text(spec, "label_en", where),
        level_labels=level_labels["level_labels"],
        level_labels_en=level_labels["level_labels_en"],
        short_label=short["short_label"],
        short_label_en=short["short_label_en"],
    )


def _experiment_from_dict(name: str, spec: Any) -> Experiment:
    where = f"experiment '{name}'"
    _expect(spec, dict, where)
    unknown = set(spec) - _EXPERIMENT_KEYS
    if unknown:
        raise SchemaError(f"{where}: unknown keys {sorted(unknown)}")
    return Experiment(
        name=name,
        features=_texts(spec, "features", where),
        metric=_text(spec, "metric", where, default="euclidean"),
        description=_text(spec, "description", where),
        description_en=_text(spec, "description_en", where),
    )


_TYPE_WORDS = {dict: "a table", list: "a list", str: "text"}


def _expect(value: Any, kind: type, where: str) -> None:
    if not isinstance(value, kind):
        raise SchemaError(f"{where} must be {_TYPE_WORDS[kind]}, not {type(value).__name__}")


def _text(spec: dict[str, Any], key: str, where: str, default: str = "") -> str:
    value = spec.get(key, default)
    _expect(value, str, f"{where}: '{key}'")
    return value


def _texts(spec: dict[str, Any], key: str, where: str, scalars: bool = False) -> tuple[str, ...]:
    """A list of text (`scalars`: numbers allowed too, read as their text)."""
    values = spec.get(key, [])
    _expect(values, list, f"{where}: '{key}'")
    allowed = (str, int, float) if scalars else (str,)
    for value in values:
        if isinstance(value, bool) or not isinstance(value, allowed):
            raise SchemaError(f"{where}: '{key}' must list text, not {value!r}")
    return tuple(str(v) for v in values)


def _bound(spec: dict[str, Any], key: str, where: str) -> float | None:
    value = spec.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise SchemaError(f"{where}: '{key}' must be a finite number, not {value!r}")
    return float(value)


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
        for key in ("level_labels", "level_labels_en"):
            labels = getattr(col, key)
            if labels and len(labels) != len(col.levels):
                raise SchemaError(
                    f"{where}: '{key}' must give one label per level, in the order of 'levels' "
                    f"({len(labels)} labels for {len(col.levels)} levels)"
                )
            if any(not label.strip() for label in labels):
                raise SchemaError(f"{where}: '{key}' holds an empty label")
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
        if not EXPERIMENT_NAME.fullmatch(exp.name):
            raise SchemaError(
                f"{where}: the name becomes a folder name, so it must be letters, digits, '_', "
                "'-' and '.' (not first), at most 64 characters"
            )
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
