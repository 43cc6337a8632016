"""Column roles and experiments, declared as data in a TOML file.

A schema says what every column of a bank's table is (id, numeric, ordinal, nominal,
product flag, other yes/no flag, derived count, ignored row index) and which columns each
experiment clusters on. Code reads roles from here and never names a bank's column itself.
Real exports also need per-column tokens that mean missing (`missing_values`), words that
mean yes and no (`true_values` / `false_values`) and sentinel numbers with a meaning of their
own (`sentinels`, such as -1 for "never contacted"); docs/schema.md describes every key.
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

import pandas as pd

from .errors import UserError
from .files import special_file
from .text.numbers import known_currency

ROLES = ("id", "numeric", "ordinal", "nominal", "product", "derived_count", "flag", "index")
# 0/1 columns: products are offered; flags (e.g. "credit in default") are profiled the same
# way but never offered.
BINARY_ROLES = ("product", "flag")
SCALINGS = ("standard", "log", "robust", "none")
METRICS = ("euclidean", "manhattan", "gower")
CATEGORICAL_ROLES = ("ordinal", "nominal")
# An experiment's name is the name of its folder in a run (and search) folder: one plain name.
EXPERIMENT_NAME = re.compile(r"\w[\w.-]{0,63}")


class SchemaError(UserError):
    """The schema file itself is malformed."""


@dataclass(frozen=True)
class Sentinel:
    """A number that is not a measurement but a code, e.g. -1 for "never contacted": kept in
    the table, left out of ranges, outlier checks and the clustering's numbers, and profiled
    as a share of its own."""

    value: float
    meaning: str = ""
    meaning_en: str = ""

    def describe(self, lang: str = "id") -> str:
        """Its meaning in `lang` (`meaning` Bahasa Indonesia, `meaning_en` English), else the
        code as it is ("-1"), never the other language's meaning."""
        return (self.meaning_en if lang == "en" else self.meaning) or f"{self.value:g}"


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
    missing_values: tuple[str, ...] = ()
    true_values: tuple[str, ...] = ()
    false_values: tuple[str, ...] = ()
    sentinels: tuple[Sentinel, ...] = ()
    currency: str = ""  # ISO 4217 code of a money column ("IDR"), "" for other columns
    currency_unit: float = 1.0  # what one unit of the column is worth in `currency`

    @property
    def is_money(self) -> bool:
        """An amount of money: the report writes it with the currency ('Rp324 juta')."""
        return bool(self.currency)

    level_labels: tuple[str, ...] = ()
    level_labels_en: tuple[str, ...] = ()
    short_label: str | None = None
    short_label_en: str | None = None

    @property
    def is_categorical(self) -> bool:
        return self.role in CATEGORICAL_ROLES

    @property
    def is_numeric(self) -> bool:
        """Numbers in the file: numeric measures, product and other flags, derived counts."""
        return self.role in ("numeric", "product", "flag", "derived_count")

    @property
    def is_binary(self) -> bool:
        """A 0/1 column: a product (offered) or a flag (profiled, never offered)."""
        return self.role in BINARY_ROLES

    @property
    def sentinel_values(self) -> tuple[float, ...]:
        return tuple(s.value for s in self.sentinels)

    def sentinel_text(self, lang: str = "id") -> str:
        """What the column's sentinel codes mean, as one level: "never contacted" (several
        codes joined by " / "; a code without a meaning in `lang` as "pdays -1")."""
        return " / ".join(
            s.describe(lang)
            if (s.meaning_en if lang == "en" else s.meaning)
            else f"{self.display(lang)} {s.value:g}"
            for s in self.sentinels
        )

    def sentinel_mask(self, values: pd.Series) -> pd.Series:
        """True where a cell holds one of the column's sentinel numbers."""
        if not self.sentinels:
            return pd.Series(False, index=values.index)
        return values.isin(self.sentinel_values)

    def measured(self, values: pd.Series) -> pd.Series:
        """The column's numbers with sentinel cells as missing: what ranges, outlier checks,
        numeric profiles and the clustering's numbers are computed from."""
        if not self.sentinels:
            return values
        return values.where(~self.sentinel_mask(values))

    def display(self, lang: str = "id") -> str:
        """The column's name as the report shows it: its label in the report's language
        (`label` for Bahasa Indonesia, `label_en` for English), else its raw name as it is,
        never the other language's label."""
        return (self.label_en if lang == "en" else self.label) or self.name

    def raw_names(self, lang: str = "id") -> list[str]:
        """What the report shows of this column as it is in the data, in `lang`: its name
        when the schema gives no label (or short label) in that language, and its levels
        when it gives no level labels. Such text keeps its case (text.capitalised's keep)."""
        raw = [self.name] if self.display(lang) == self.name else []  # a label that is the name
        labels = self.level_labels_en if lang == "en" else self.level_labels
        return raw + ([] if labels else [str(level) for level in self.levels])

    def unit_text(self, lang: str = "id") -> str:
        """The unit in the report's language; none when the schema gives none in it."""
        return self.unit_en if lang == "en" else self.unit

    def short(self, lang: str = "id") -> str:
        """The column's name inside a segment name: `short_label` / `short_label_en` when the
        schema gives one ("" names a level alone, as in "menikah"), else its display name."""
        text = self.short_label_en if lang == "en" else self.short_label
        return self.display(lang) if text is None else text

    def level_text(self, level: object, lang: str = "id") -> str:
        """A data value in words: the level's `level_labels` (`level_labels_en` in English)
        entry, or the raw level as it is when the schema gives no label for it in that
        language (never the other language's)."""
        raw = str(level)
        labels = self.level_labels_en if lang == "en" else self.level_labels
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
        """The description in `lang` (`description` Bahasa Indonesia, `description_en`
        English), or "" when the schema gives none in it."""
        return self.description_en if lang == "en" else self.description


@dataclass(frozen=True)
class Schema:
    """All columns of a table, in file order, and its experiments."""

    name: str
    columns: tuple[Column, ...]
    experiments: dict[str, Experiment] = field(default_factory=dict)
    description: str = ""
    source: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    index: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        _check_schema(self)

    @property
    def ignored(self) -> tuple[str, ...]:
        """Columns the table may hold that are ignored: the top-level `index` and every column
        of role 'index' (a row number an export added)."""
        return tuple(dict.fromkeys([*self.index, *(c.name for c in self.by_role("index"))]))

    @property
    def used(self) -> list[Column]:
        """The columns validation types and the run reads: all but ignored ones."""
        return [c for c in self.columns if c.role != "index"]

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
    try:
        return schema_from_dict(data, origin=str(path))
    except SchemaError as exc:
        line = error_line(text, str(exc))
        if line is None:
            raise
        raise SchemaError(f"{exc} (line {line})") from None


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
        index = data.get("index", [])
        index = [index] if isinstance(index, str) else index
        return Schema(
            name=_text(data, "name", "the schema", default=origin),
            columns=columns,
            experiments=experiments,
            description=_text(data, "description", "the schema"),
            source=data,
            index=_texts({"index": index}, "index", "the schema"),
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
    "missing_values",
    "true_values",
    "false_values",
    "sentinels",
    "currency",
    "currency_unit",
    "level_labels",
    "level_labels_en",
    "short_label",
    "short_label_en",
}
_SENTINEL_KEYS = {"value", "meaning", "meaning_en"}
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
        missing_values=_texts(spec, "missing_values", where, scalars=True),
        true_values=_texts(spec, "true_values", where, scalars=True),
        false_values=_texts(spec, "false_values", where, scalars=True),
        sentinels=_sentinels(spec, where),
        currency=_text(spec, "currency", where),
        currency_unit=_currency_unit(spec, where),
        level_labels=level_labels["level_labels"],
        level_labels_en=level_labels["level_labels_en"],
        short_label=short["short_label"],
        short_label_en=short["short_label_en"],
    )


def _sentinels(spec: dict[str, Any], where: str) -> tuple[Sentinel, ...]:
    """`sentinels = [{ value = -1, meaning = "...", meaning_en = "..." }, ...]`."""
    entries = spec.get("sentinels", [])
    _expect(entries, list, f"{where}: 'sentinels'")
    sentinels = []
    for i, entry in enumerate(entries):
        at = f"{where}: 'sentinels'[{i}]"
        if not isinstance(entry, dict):
            raise SchemaError(f'{at} must be a table such as {{ value = -1, meaning = "..." }}')
        unknown = set(entry) - _SENTINEL_KEYS
        if unknown:
            raise SchemaError(
                f"{at}: unknown keys {sorted(unknown)} (allowed: value, meaning, meaning_en)"
            )
        if "value" not in entry:
            raise SchemaError(f"{at}: needs a 'value'")
        value = _bound(entry, "value", at)
        assert value is not None
        sentinels.append(
            Sentinel(value, _text(entry, "meaning", at), _text(entry, "meaning_en", at))
        )
    return tuple(sentinels)


def _currency_unit(spec: dict[str, Any], where: str) -> float:
    value = spec.get("currency_unit", 1.0)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise SchemaError(f"{where}: 'currency_unit' must be a positive number, not {value!r}")
    if "currency_unit" in spec and "currency" not in spec:
        raise SchemaError(f"{where}: 'currency_unit' needs a 'currency' (such as \"IDR\")")
    return float(value)


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
        if col.currency and col.role != "numeric":
            raise SchemaError(f"{where}: only a numeric column can be money ('currency')")
        if col.currency and not known_currency(col.currency):
            raise SchemaError(
                f"{where}: currency '{col.currency}' is not an ISO 4217 code such as IDR or USD"
            )
        if col.min is not None and col.max is not None and col.min > col.max:
            raise SchemaError(f"{where}: min {col.min} is above max {col.max}")
        _check_declared_values(col, where)
        if col.role == "derived_count":
            missing = [p for p in col.of if p not in names]
            if not col.of or missing:
                raise SchemaError(f"{where}: 'of' must list existing columns (unknown: {missing})")
            not_numbers = [p for p in col.of if not schema.column(p).is_numeric]
            if not_numbers:
                raise SchemaError(f"{where}: 'of' must list columns of numbers, not {not_numbers}")
    if len(schema.by_role("id")) > 1:
        raise SchemaError("at most one column can have the role 'id'")
    declared = sorted(set(schema.index) & names)
    if declared:
        raise SchemaError(
            f"'index' names {declared}, which the schema also declares as columns; an index "
            "column is ignored, so either drop it from 'index' or from 'columns' (or give it "
            'role = "index")'
        )
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
        ignored = [f for f in exp.features if schema.column(f).role == "index"]
        if ignored:
            raise SchemaError(
                f"{where}: an index column is ignored, so it cannot be a feature: {ignored}"
            )
        if exp.metric not in METRICS:
            raise SchemaError(f"{where}: metric '{exp.metric}' is not one of {', '.join(METRICS)}")


def _check_declared_values(col: Column, where: str) -> None:
    """missing_values, true_values / false_values and sentinels fit the column's role and do
    not contradict each other."""
    if col.role == "index" and (col.missing_values or col.true_values or col.false_values):
        raise SchemaError(f"{where}: an index column is ignored; it takes no value keys")
    for key in ("true_values", "false_values"):
        if getattr(col, key) and not col.is_binary:
            raise SchemaError(
                f"{where}: '{key}' is for product and flag columns (0/1), not a {col.role} column"
            )
    if bool(col.true_values) != bool(col.false_values):
        given, absent = (
            ("true_values", "false_values") if col.true_values else ("false_values", "true_values")
        )
        raise SchemaError(f"{where}: '{given}' needs '{absent}' too (what means no as well as yes)")
    lowered = {
        key: {v.strip().lower() for v in getattr(col, key)}
        for key in ("missing_values", "true_values", "false_values")
    }
    for first, second in (
        ("true_values", "false_values"),
        ("missing_values", "true_values"),
        ("missing_values", "false_values"),
    ):
        both = sorted(lowered[first] & lowered[second])
        if both:
            raise SchemaError(f"{where}: {both} appear in both '{first}' and '{second}'")
    if col.is_categorical:
        both = sorted(lowered["missing_values"] & {lv.strip().lower() for lv in col.levels})
        if both:
            raise SchemaError(
                f"{where}: {both} are listed in 'levels' and in 'missing_values'; a value is "
                "either a level or missing"
            )
    if col.sentinels:
        if col.role != "numeric":
            raise SchemaError(f"{where}: 'sentinels' are for numeric columns, not {col.role}")
        values = [s.value for s in col.sentinels]
        twice = sorted({v for v in values if values.count(v) > 1})
        if twice:
            raise SchemaError(f"{where}: sentinel values listed twice: {twice}")


_LINE_COLUMN = re.compile(r"column '((?:[^'\\]|\\.)*)'")
_LINE_EXPERIMENT = re.compile(r"experiment '([^']*)'")
_LINE_KEY = re.compile(r"(?:: |keys \[)'(\w+)'")


def error_line(text: str, message: str) -> int | None:
    """The line of the TOML text a SchemaError message is about, when it can be found: the
    column's (or experiment's) entry, then the key the message names within it."""
    lines = text.splitlines()
    start = None
    if found := _LINE_COLUMN.search(message):
        name = found.group(1)
        pattern = re.compile(r"^\s*name\s*=\s*([\"'])" + re.escape(name) + r"\1")
        start = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
        if start is not None:  # the [[columns]] header above it begins the entry
            start = next(
                (i for i in range(start, -1, -1) if lines[i].strip().startswith("[[")), start
            )
    elif found := _LINE_EXPERIMENT.search(message):
        header = re.compile(r"^\s*\[experiments\.[\"']?" + re.escape(found.group(1)))
        start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return None
    key = _LINE_KEY.search(message[found.end() :]) if found else None
    if key:
        pattern = re.compile(r"^\s*" + re.escape(key.group(1)) + r"\s*=")
        for i in range(start + 1, len(lines)):
            if lines[i].strip().startswith("["):
                break
            if pattern.match(lines[i]):
                return i + 1
    return start + 1
