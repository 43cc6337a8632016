"""A saved segmentation: everything needed to place new customers and prospects in its segments.

A model file is JSON (it cannot run code when loaded):
    {"format": "segmentasi-model", "format_version": 4, "sha256": ..., "payload": {...}}
The payload holds the schema, the experiment, the fitted feature space (fill values, levels,
centres and scales, and the missing-value indicator columns), the centres or medoids, and the
segment names, narratives, profiles and offers (narrative.build_insights for that model), and
its rules (format 4, below). The
SHA-256 is taken over the payload's canonical JSON, so a file edited or damaged after it was
saved is refused. (It detects
changes; it is not a signature against a deliberate forger.)

Loading trusts nothing in the file: it is parsed as JSON only (no code runs), refused above
MAX_MODEL_BYTES before parsing, and every part the model uses is checked for its JSON type, its
size (MAX_SEGMENTS segments, MAX_FEATURES features, MAX_NAME_CHARS per name) and its meaning
(finite centres of shape k x features, a known algorithm and metric, encoders that fit the
schema's columns). Any problem is a ModelError naming the file and the key path, such as
`payload.centers: 3 rows for k=4`. A SavedModel checks the same meaning when it is built, so one
made in Python cannot hold parts that do not fit either.

Placing rows (`SavedModel.assign`):
- Only the experiment's features are required; product and other columns may be absent.
- Unknown levels, non-numbers, non-finite numbers, numbers outside the schema's range and product
  flags other than 0/1 become missing, and every missing feature takes the training fill value
  (median or most frequent level), or, for a feature the run marked with an indicator column,
  the neutral value and the indicator, as the run placed such rows. Warnings count them per
  column; `imputed` names them per row.
- A row missing a feature the run set aside when unrecorded (features.py, missing="set-aside")
  is not placed, as the run placed no such customer: it gets an empty segment and a `reason`.
- Format 2 added the indicators and format 3 the set-aside features (features.py); older files,
  which have neither, still load and place rows as they did.
- Format 4 added the model's rules (rules.py: conditions, segments, customers covered,
  fidelity; null for the alternative models under models/, which have none). `rules()` gives
  them; a model without them (format 1 to 3, or an alternative model) fits them on a table
  passed to `rules(data)` and otherwise says to re-run. Loading checks them like the rest: JSON
  types, sizes (at most 2**MAX_DEPTH rules of MAX_DEPTH conditions), known columns and levels,
  finite thresholds, segments 1..k, counts that add up.
- A row whose features are all missing cannot be placed: it keeps its place in the output with
  an empty segment and a `reason`. No row is ever dropped.
- When no row at all can be placed, `assign` raises InputError saying why (a scheduled job
  should fail loudly rather than write a file without segments).
- Models clustered without product columns recommend the segment's offered products by rank,
  skipping those the row owns (when the table has product columns).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import numpy as np
import pandas as pd
import pyarrow as pa

from . import files
from .algorithms import ALGORITHMS
from .algorithms import assign as nearest_centres
from .errors import InputError, UserError
from .features import ENCODINGS, Encoder, FeatureSpace
from .narrative import build_insights
from .numeric import METRICS
from .profile import profile as profile_segments
from .rules import MAX_DEPTH, Condition, Fidelity, Leaf, Placement, Surrogate, fit_rules
from .schema import Column, Experiment, Schema, SchemaError, schema_from_dict
from .segment_rules import Rules, texts_by_segment
from .text import check_language
from .text.narrative import fallback_name
from .validation import Problem, validate
from .version import __version__

if TYPE_CHECKING:
    from .results import RunResult

FORMAT_NAME = "segmentasi-model"
# 2: encoders may carry a missing-value indicator; 3: or be set aside; 4: the model's rules
FORMAT_VERSION = 4
READABLE_VERSIONS = (1, 2, 3, 4)  # each format is the next one without its addition
MODEL_FILE = "segmentation.model"
MODELS_FOLDER = "models"
DEFAULT_CHUNK_ROWS = 200_000
DEFAULT_TOP_OFFERS = 3
PRODUCT_SEPARATOR = "; "
# Boolean row patterns up to this wide are coded by counting (2**bits slots), wider by sorting.
SMALL_PATTERN_BITS = 20
ADDED_COLUMNS = (
    "segment",
    "segment_name",
    "distance",
    "recommended_products",
    "imputed",
    "reason",
)
# Why a row was not placed, by code (0: it was placed).
REASONS = (
    "",
    "every feature is missing or invalid",
    "a feature value cannot be encoded (not finite after scaling)",
    "a feature the run set aside when unrecorded is missing or invalid (the run placed such "
    "customers in no segment)",
)
PLACED, ALL_MISSING, NOT_ENCODABLE, SET_ASIDE = range(len(REASONS))
# Bounds on what a model file may hold. A real model is tens of KB (the FundFusion table's, k=2
# with 30 features: 29 KB); these are far above any segmentation a bank acts on, and low enough
# that reading a file cannot exhaust memory (parsing JSON takes up to ~24 bytes per file byte).
MAX_MODEL_BYTES = 64 * 2**20
MAX_SEGMENTS = 1_000
MAX_FEATURES = 10_000  # encoded features, one per one-hot level
MAX_NAME_CHARS = 1_000  # segment and column names: assign writes them into every output row
MAX_NESTING = 20  # lists and objects within each other; a real model nests 6 deep
# assign encodes and compares rows in blocks of at most chunk_rows rows and this many cells
# (rows x the larger of features and k: ~130 MB per float64 array), so that a wide model cannot
# exhaust memory. Real models (tens of features, k up to 10) have blocks of chunk_rows rows.
MAX_BLOCK_CELLS = 2**24


class ModelError(UserError):
    """A model file that cannot be used: missing, damaged, changed, from another format, or
    holding contents that cannot be right."""


class _Invalid(ModelError):
    """One part of a model that cannot be right, named by its key path in the model's payload."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {_shortened(problem, 300)}")


@dataclass(frozen=True)
class Assignment:
    """Every input row, in order, with its segment; plus the warnings about what was filled in.

    `read` holds the columns the model read, typed by the schema with bad cells missing and
    nothing filled in: the experiment's features, then the table's product columns (to skip
    owned products), row for row with `table`."""

    table: pd.DataFrame
    warnings: tuple[Problem, ...]
    placed: int
    unplaced: int
    read: pd.DataFrame


@dataclass(frozen=True, eq=False)
class SavedModel:
    """One fitted segmentation of one experiment, ready to place new rows."""

    schema: Schema
    experiment: Experiment
    algorithm: str
    k: int
    metric: str
    space: FeatureSpace
    centers: np.ndarray  # float32, row j is segment j + 1
    names: dict[str, dict[int, str]]  # by language, by segment number
    narratives: dict[str, dict[int, str]]  # by language, by segment number
    profile: dict[str, pd.DataFrame]
    offers: pd.DataFrame  # recommend.offers: segment, product, rate, lift, rank, offered, ...
    info: dict[str, Any] = field(default_factory=dict)
    surrogate: Surrogate | None = None  # the rules (rules.py); None: saved without them

    def __post_init__(self) -> None:
        _check_model(self)

    @property
    def recommends_products(self) -> bool:
        """Segments built without product columns recommend products (the `demografi` kind)."""
        product_names = {c.name for c in self.schema.products}
        return bool(product_names) and not product_names & set(self.experiment.features)

    def segment_name(self, segment: int, lang: str = "id") -> str:
        """The segment's name in a language, 'Segmen 3' when the run gave it none."""
        check_language(lang)
        given = self.names.get(lang, {}).get(segment)
        return given or fallback_name(segment, lang)

    @classmethod
    def from_run(
        cls, result: RunResult, experiment: str, algorithm: str | None = None
    ) -> SavedModel:
        """One algorithm's chosen model in a run (default: the experiment's recommended one)."""
        exp = result.experiments[experiment]
        sweep = exp.sweep
        algorithm = algorithm or sweep.recommended[0]
        if algorithm not in sweep.chosen:
            raise InputError(f"experiment '{experiment}' ran no {algorithm} model")
        k = sweep.chosen[algorithm]
        fit = sweep.fits[(algorithm, k)]
        recommended = (algorithm, k) == sweep.recommended
        if recommended:
            profile, insights = exp.profile, exp.insights
        elif algorithm in exp.alternatives:
            profile, insights = exp.alternatives[algorithm]
        else:
            used = result.table.loc[exp.rows]
            profile = profile_segments(used, fit.labels, result.schema)
            insights = build_insights(
                used,
                result.schema,
                exp.experiment,
                profile,
                fit,
                exp.spaces[algorithm],
                result.options.sweep.seed,
            )
        row = sweep.table[(sweep.table.algorithm == algorithm) & (sweep.table.k == k)].iloc[0]
        medoid_rows = None
        if fit.medoid_rows is not None:
            medoid_rows = (exp.rows.to_numpy()[fit.medoid_rows] + 1).tolist()
        return cls(
            schema=result.schema,
            experiment=exp.experiment,
            algorithm=algorithm,
            k=k,
            metric=fit.metric,
            space=exp.spaces[algorithm],
            centers=np.asarray(fit.centers, dtype=np.float32),
            names=texts_by_segment(insights.names),
            narratives=texts_by_segment(insights.narratives),
            profile=profile.tables(),
            offers=insights.offers,
            surrogate=exp.rules if recommended else None,
            info={
                "recommended": recommended,
                "silhouette": float(row.silhouette),
                "method": fit.method,
                "medoid_input_rows": medoid_rows,
                "training_rows": len(exp.rows),
                "training_input": {
                    key: result.source[key] for key in ("path", "sha256") if key in result.source
                },
            },
        )

    def rules(self, data: pd.DataFrame | None = None, *, seed: int = 0) -> Rules:
        """The model's rules (rules.py, segment_rules.Rules: text, SQL, fidelity).

        Without `data`, the rules the run fitted and saved with the model; a model saved
        without them (before format 4, or an alternative model under models/) raises
        UserError saying how to get them. With `data` (a table of customers, as for
        `assign`), rules fitted afresh on the rows the model places there, with `seed`.
        """
        if data is None:
            if self.surrogate is None:
                raise UserError(
                    f"this '{self.experiment.name}' model carries no rules: models saved before "
                    "segmentasi added rules (model format 3 and earlier), and the alternative "
                    "models under models/, have none. Run `segmentasi run` again for a model "
                    "with rules, or fit them on a table of customers (`segmentasi rules MODEL "
                    "--data TABLE`, rules(data) in Python)."
                )
            return self._rules(self.surrogate)
        features = list(self.experiment.features)
        data, _ = self.complete_columns(data, impute_absent_columns=False)
        clean, _ = self._clean(data, features, [])
        missing = clean[features].isna().to_numpy()
        labels, _, reasons = self._place(clean, missing, DEFAULT_CHUNK_ROWS)
        placed = reasons == PLACED
        if placed.sum() < 2:
            raise InputError(
                f"rules need at least 2 customers the model can place; the table has "
                f"{int(placed.sum())}"
            )
        surrogate = fit_rules(clean[placed], labels[placed], self.placement, seed)
        return self._rules(surrogate)

    @property
    def placement(self) -> Placement:
        """How the model places a customer: feature space, centres, distance."""
        return Placement(self.space, self.centers, self.metric)

    def _rules(self, surrogate: Surrogate) -> Rules:
        return Rules(surrogate, self.placement, self.algorithm, self.names)

    def assign(
        self,
        data: pd.DataFrame,
        *,
        lang: str = "id",
        top_offers: int = DEFAULT_TOP_OFFERS,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        impute_absent_columns: bool = False,
        require_placed: bool = True,
    ) -> Assignment:
        """Place every row of `data` in its nearest segment; see the module docstring for the rules.

        Adds segment (1..k), segment_name, distance (to the segment's centre, in the model's
        feature space and metric), recommended_products (models without product features),
        imputed (the features filled in) and reason (why a row could not be placed).
        `chunk_rows` bounds memory; the result does not depend on it.

        Raises InputError when not a single row can be placed (every row's features absent,
        empty or invalid): a scheduled job should stop there rather than pass on a table
        without segments; `require_placed` False leaves that check to the caller (an engine
        placing a table part by part). Unplaced rows among placed ones are kept, each with its
        reason.
        """
        check_language(lang)
        if top_offers < 0:
            raise InputError("top_offers must be 0 or more")
        if chunk_rows < 1:
            raise InputError("chunk_rows must be at least 1")
        if len(data) == 0:
            raise InputError("the table has no data rows")
        features = list(self.experiment.features)
        data, absent_warnings = self.complete_columns(data, impute_absent_columns)
        products = [c.name for c in self.schema.products if c.name in data]
        clean, warnings = self._clean(data, features, products)
        missing = clean[features].isna().to_numpy()
        labels, distances, reasons = self._place(clean, missing, chunk_rows)
        if require_placed and not (reasons == PLACED).any():
            raise self._nothing_placed(reasons, missing)
        warnings += self._filled_warnings(features, missing, reasons)
        order = {name: position for position, name in enumerate(features + products)}
        warnings.sort(key=lambda w: order.get(w.column, len(order)))
        for code in np.unique(reasons[reasons > 0]):
            cannot = reasons == code
            warnings.append(_problem(None, unplaced_text(int(cannot.sum()), code), cannot))
        if self.recommends_products and top_offers:
            warnings += self._offer_warnings(labels)
        replaced = [c for c in ADDED_COLUMNS if c in data.columns]
        if replaced:
            warnings.append(Problem(None, f"input column(s) {replaced} were replaced"))
        table = data.drop(columns=replaced)
        added = self._result_columns(
            labels, distances, missing, reasons, clean, products, lang, top_offers
        )
        table = pd.concat([table, pd.DataFrame(added, index=table.index)], axis=1)
        placed = int((labels >= 0).sum())
        return Assignment(
            table, tuple(absent_warnings + warnings), placed, len(table) - placed, clean
        )

    def _nothing_placed(self, reasons: np.ndarray, missing: np.ndarray) -> InputError:
        """Why no row could be placed: the reasons counted, and the features no row has."""
        counts = "; ".join(
            f"{int((reasons == code).sum()):,} row(s): {REASONS[code]}"
            for code in np.unique(reasons)
        )
        message = (
            f"none of the {len(reasons):,} row(s) could be placed in the "
            f"'{self.experiment.name}' segmentation ({counts})"
        )
        features = list(self.experiment.features)
        unusable = [name for name, gone in zip(features, missing.all(axis=0), strict=True) if gone]
        if unusable:
            message += (
                f"; {len(unusable)} of its {len(features)} feature column(s) have no "
                f"usable value in any row (absent, empty or invalid): {_listed(unusable)}"
            )
        return InputError(message)

    def _offer_warnings(self, labels: np.ndarray) -> list[Problem]:
        """Say so when a segment has no offer the data supports (its rows get none)."""
        offered = set(self.offers.loc[self.offers["offered"].astype(bool), "segment"].astype(int))
        without = [s for s in range(1, self.k + 1) if s not in offered]
        affected = np.isin(labels + 1, without)
        if not affected.any():
            return []
        listed = ", ".join(str(s) for s in without)
        return [
            _problem(
                None,
                f"{int(affected.sum()):,} row(s) get no recommended products: segment(s) "
                f"{listed} have no product offer the data supports (see the run's offers.csv)",
                affected,
            )
        ]

    def _place(
        self, clean: pd.DataFrame, missing: np.ndarray, chunk_rows: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest centre (label, -1 if not placed), distance and REASONS code of every row."""
        labels = np.full(len(clean), -1, dtype=np.int64)
        distances = np.full(len(clean), np.nan, dtype=np.float32)
        reasons = np.where(missing.all(axis=1), ALL_MISSING, PLACED).astype(np.int8)
        features = list(self.experiment.features)
        for column in self.space.set_aside:
            reasons[(reasons == PLACED) & missing[:, features.index(column)]] = SET_ASIDE
        width = max(len(self.space.feature_names_), self.k)
        block_rows = max(1, min(chunk_rows, MAX_BLOCK_CELLS // width))
        for start in range(0, len(clean), block_rows):
            block = slice(start, start + block_rows)
            with np.errstate(invalid="ignore"):  # rows that do not encode are reported below
                X = self.space.transform(clean.iloc[block])
            finite = np.isfinite(X).all(axis=1)
            reasons[block][(reasons[block] == PLACED) & ~finite] = NOT_ENCODABLE
            placeable = reasons[block] == PLACED
            if placeable.any():
                found, how_far = nearest_centres(X[placeable], self.centers, self.metric)
                labels[block][placeable] = found
                distances[block][placeable] = how_far
        return labels, distances, reasons

    def save(self, path: str | Path) -> Path:
        """Write the model file atomically (JSON with a SHA-256 of its payload)."""
        return _write_model_file(path, self.file_text())

    def file_text(self) -> str:
        """What the model file holds: JSON with a SHA-256 of its payload."""
        payload = self.to_payload()
        document = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "sha256": _payload_digest(payload),
            "payload": payload,
        }
        return json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"

    def to_payload(self) -> dict[str, Any]:
        """The model as plain JSON data (what the file stores and its checksum covers)."""

        if not self.schema.to_dict():
            raise ValueError("the schema has no source data to save; build it with load_schema")
        return {
            "segmentasi_version": __version__,
            "schema": self.schema.to_dict(),
            "experiment": self.experiment.name,
            "algorithm": self.algorithm,
            "k": self.k,
            "metric": self.metric,
            "feature_space": self.space.to_dict(),
            "feature_names": list(self.space.feature_names_),
            "centers": self.centers.astype(np.float64).tolist(),
            "names": files.json_safe(self.names),
            "narratives": files.json_safe(self.narratives),
            "profile": {name: _table_to_json(table) for name, table in self.profile.items()},
            "offers": _table_to_json(self.offers),
            "info": files.json_safe(self.info),
            "rules": None if self.surrogate is None else self.surrogate.to_dict(),
        }

    def complete_columns(
        self, data: pd.DataFrame, impute_absent_columns: bool
    ) -> tuple[pd.DataFrame, list[Problem]]:
        """Refuse a table without the experiment's features (InputError naming them), or add
        them empty when asked to, with a warning each; assign() calls it first, and an engine
        placing rows elsewhere calls it on a table's first row to refuse it early."""
        absent = [f for f in self.experiment.features if f not in data.columns]
        if not absent:
            return data, []
        if not impute_absent_columns:
            _, problems = validate(
                data.head(1), self.schema, columns=absent, allow_extra=True, strict=False
            )
            hints = "; ".join(str(p) for p in problems if p.column in absent)
            raise InputError(
                f"the table lacks column(s) the '{self.experiment.name}' segmentation needs: "
                f"{hints}. To fill them with the training values, pass --impute-absent-columns "
                "(impute_absent_columns=True in Python)."
            )
        warnings = [
            Problem(
                name,
                "column is absent; every row takes the training value "
                f"{self._encoder(name).fill_text()}",
            )
            for name in absent
        ]
        return data.assign(**{name: pd.NA for name in absent}), warnings

    def _clean(
        self, data: pd.DataFrame, features: list[str], products: list[str]
    ) -> tuple[pd.DataFrame, list[Problem]]:
        """Typed features (and product flags, to skip owned products); bad cells become missing."""
        needed = features + [p for p in products if p not in features]
        # validate() builds its result on a fresh 0..n-1 index, so the input must have one too.
        clean, problems = validate(
            data[needed].reset_index(drop=True),
            self.schema,
            columns=needed,
            allow_extra=True,
            strict=False,
        )
        for col in self.schema.by_role("product", "flag"):  # non-finite: already blanked
            if col.name in needed:
                clean[col.name] = clean[col.name].where(clean[col.name].isin([0.0, 1.0]))
        return clean, list(problems)

    def _filled_warnings(
        self, features: list[str], missing: np.ndarray, reasons: np.ndarray
    ) -> list[Problem]:
        placed_rows = reasons == PLACED
        warnings = []
        for position, name in enumerate(features):
            filled = missing[:, position] & placed_rows
            if not filled.any():
                continue
            warnings.append(_problem(name, self.filled_text(name, int(filled.sum())), filled))
        return warnings

    def filled_text(self, name: str, count: int) -> str:
        """The warning that `count` placed rows had no usable value of feature `name`, and how
        it was filled."""
        encoder = self._encoder(name)
        how = (
            "marked as not recorded (the run's indicator column) with the neutral value "
            if encoder.indicator
            else "filled with the training value "
        )
        return f"{count:,} value(s) missing or invalid, {how}{encoder.fill_text()}"

    def _result_columns(
        self,
        labels: np.ndarray,
        distances: np.ndarray,
        missing: np.ndarray,
        reasons: np.ndarray,
        clean: pd.DataFrame,
        products: list[str],
        lang: str,
        top_offers: int,
    ) -> dict[str, Any]:
        placed = labels >= 0
        segment = pd.array(labels + 1, dtype="Int64")
        segment[~placed] = pd.NA
        names = [self.segment_name(s, lang) for s in range(1, self.k + 1)]
        columns: dict[str, Any] = {
            "segment": segment,
            "segment_name": _text_column(labels, names),
            "distance": distances,
        }
        if self.recommends_products:
            owned = (
                clean[products].to_numpy(dtype=float, na_value=0.0) == 1.0
                if products
                else np.zeros((len(clean), 0), dtype=bool)
            )
            columns["recommended_products"] = _text_column(
                *self._recommendations(labels, owned, products, top_offers)
            )
        codes, imputed = _join_by_pattern(missing, list(self.experiment.features))
        codes[~placed] = len(imputed)
        columns["imputed"] = _text_column(codes, [*imputed, ""])
        columns["reason"] = _text_column(reasons, list(REASONS))
        return columns

    def _recommendations(
        self, labels: np.ndarray, owned: np.ndarray, products: list[str], top_offers: int
    ) -> tuple[np.ndarray, list[str | None]]:
        """Per row, the segment's top offers by rank that the row does not own: (codes, texts)."""
        offered = self.offers[self.offers["offered"].astype(bool)].sort_values(["segment", "rank"])
        by_segment = {int(s): list(g["product"]) for s, g in offered.groupby("segment")}
        owned_codes, owned_patterns = _row_patterns(owned)
        keys = (labels + 1) * len(owned_patterns) + owned_codes
        inverse, unique_keys = _dense_codes(keys)
        texts: list[str | None] = []
        for key in unique_keys:
            segment, pattern = divmod(int(key), len(owned_patterns))
            if segment == 0:  # not placed
                texts.append(None)
                continue
            has = {p for p, flag in zip(products, owned_patterns[pattern], strict=True) if flag}
            picks = [p for p in by_segment.get(segment, []) if p not in has][:top_offers]
            texts.append(PRODUCT_SEPARATOR.join(picks))
        return inverse, texts

    def _encoder(self, name: str) -> Encoder:
        return next(enc for enc in self.space.encoders_ if enc.column == name)


def load_model(path: str | Path) -> SavedModel:
    """Read a model file (or an experiment folder holding segmentation.model).

    Every way a file can be unusable (absent, too large, damaged, changed after it was saved,
    from another format, or sealed with contents that cannot be right) is a ModelError naming
    the file and, for contents, the key path. Nothing else escapes, whatever the file holds.
    """
    path = Path(path)
    if path.is_dir():
        if not (path / MODEL_FILE).is_file():
            raise ModelError(
                f"{path}: is a folder without a {MODEL_FILE}; pass a model file such as "
                f"RUN/demografi/{MODEL_FILE}"
            )
        path = path / MODEL_FILE
    document = _parse(_read(path), path)
    payload = document["payload"]
    if _payload_digest(payload) != document.get("sha256"):
        raise ModelError(
            f"{path}: the model's contents do not match the checksum it was saved with: the file "
            "was changed or damaged after it was saved. Refusing to use it; save the model again "
            "with `segmentasi run`."
        )
    try:
        return _model_from_payload(payload)
    except _Invalid as exc:
        raise ModelError(f"{path}: payload.{exc}") from None
    except (KeyError, TypeError, ValueError, IndexError, ArithmeticError, AttributeError) as exc:
        # A backstop for a check missing below: those name the key path, this cannot.
        problem = _shortened(f"{type(exc).__name__}: {exc}", 300)
        raise ModelError(f"{path}: malformed model contents ({problem})") from None


def write_experiment_models(result: RunResult, experiment: str, folder: Path) -> SavedModel:
    """Save the recommended model as segmentation.model, each algorithm's chosen one in models/;
    return the recommended one."""
    exp = result.experiments[experiment]
    (folder / MODELS_FOLDER).mkdir()
    recommended = None
    for algorithm in exp.sweep.chosen:
        model = SavedModel.from_run(result, experiment, algorithm)
        text = model.file_text()  # written twice for the recommended model, made once
        _write_model_file(folder / MODELS_FOLDER / f"{algorithm}.model", text)
        if model.info["recommended"]:
            _write_model_file(folder / MODEL_FILE, text)
            recommended = model
    assert recommended is not None  # the recommended algorithm is one of the chosen
    return recommended


def _write_model_file(path: str | Path, text: str) -> Path:
    """Write a model file's text atomically."""
    return files.write_file_atomically(path, lambda temp: temp.write_text(text, encoding="utf-8"))


def _read(path: Path) -> bytes:
    """The file's bytes; more than MAX_MODEL_BYTES is refused without reading further."""
    if special := files.special_file(path):
        raise ModelError(f"{path}: is {special}, not a model file")
    try:
        with path.open("rb") as file:
            raw = file.read(MAX_MODEL_BYTES + 1)
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model file ({exc.strerror})") from None
    except ValueError as exc:  # a path no file can have, such as one with a NUL character
        raise ModelError(f"{str(path)!r}: cannot read the model file ({exc})") from None
    if len(raw) > MAX_MODEL_BYTES:
        raise ModelError(
            f"{path}: larger than {MAX_MODEL_BYTES // 2**20} MiB, far beyond any model segmentasi "
            "writes (tens of KB); refusing to read it"
        )
    return raw


def _parse(raw: bytes, path: Path) -> dict[str, Any]:
    """The model document, or a plain refusal naming what is wrong with the file."""
    looks_like_model = FORMAT_NAME.encode() in raw[:200]
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError, MemoryError) as exc:  # JSON, UTF-8 errors: ValueErrors
        if looks_like_model:
            raise ModelError(
                f"{path}: the model file is truncated or damaged ({_unreadable(exc, len(raw))}); "
                "save it again with `segmentasi run`."
            ) from None
        raise ModelError(f"{path}: not a segmentasi model file") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ModelError(f"{path}: not a segmentasi model file")
    if _nesting(document) > MAX_NESTING:
        raise ModelError(
            f"{path}: lists or objects nested more than {MAX_NESTING} deep; segmentasi never "
            "writes that, so the file is damaged or was not written by segmentasi"
        )
    version = document.get("format_version")
    if type(version) is not int:
        raise ModelError(
            f"{path}: the model file has no valid format_version ({_shown(version)}); it is "
            "damaged or was not written by segmentasi"
        )
    if version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {_shown(version)} was written by a newer segmentasi; this "
            f"version reads format {FORMAT_VERSION}. Upgrade segmentasi to use it."
        )
    if version not in READABLE_VERSIONS:
        raise ModelError(
            f"{path}: model format {version} is no longer supported (this version reads formats "
            f"{', '.join(map(str, READABLE_VERSIONS))}); run `segmentasi run` again to rebuild "
            "the model."
        )
    if not isinstance(document.get("payload"), dict):
        raise ModelError(f"{path}: the model file has no payload; it is damaged")
    return document


def _unreadable(exc: BaseException, size: int) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"unreadable at byte {exc.pos:,} of {size:,}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 text at byte {exc.start:,}"
    if isinstance(exc, RecursionError):
        return "lists or objects nested too deeply"
    if isinstance(exc, MemoryError):
        return "too large for the memory available"
    return _shortened(str(exc), 120)  # such as a number with more digits than Python reads


def _nesting(value: Any) -> int:
    """How deep lists and objects nest in parsed JSON (a loop, so no recursion limit applies);
    counting stops once past MAX_NESTING."""
    deepest, stack = 0, [(value, 1)]
    while stack and deepest <= MAX_NESTING:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        children = item.values() if isinstance(item, dict) else item
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest if isinstance(value, dict | list) else 0


@dataclass(frozen=True)
class _Node:
    """A value from a model payload and its key path: reads check the JSON type and size, and
    a refusal names the path."""

    value: Any
    where: str

    def fail(self, problem: str) -> NoReturn:
        raise _Invalid(self.where, problem)

    def __getitem__(self, key: str) -> _Node:
        mapping = self.mapping()
        child = f"{self.where}.{_readable(key)}" if self.where else key
        if key not in mapping:
            raise _Invalid(child, "missing")
        return _Node(mapping[key], child)

    def mapping(self, keys: frozenset[str] | None = None) -> dict[str, Any]:
        """An object; with `keys`, holding no other keys."""
        value = self._expect(dict, "an object")
        unknown = sorted(set(value) - keys) if keys is not None else []
        if unknown:
            self.fail(f"unknown key(s) {_shown(unknown)}")
        return value

    def entries(self) -> list[tuple[str, _Node]]:
        return [(key, self[key]) for key in self.mapping()]

    def items(self, at_most: int | None = None) -> list[_Node]:
        values = self._expect(list, "a list")
        if at_most is not None and len(values) > at_most:
            self.fail(f"{len(values):,} items; at most {at_most:,}")
        return [_Node(value, f"{self.where}[{i}]") for i, value in enumerate(values)]

    def text(self) -> str:
        return self._expect(str, "a string")

    def integer(self) -> int:
        return self._expect(int, "a whole number")

    def flag(self) -> bool:
        return self._expect(bool, "true or false")

    def number(self) -> float:
        value = self._expect(int | float, "a number")
        try:
            return float(value)
        except OverflowError:
            self.fail(f"{_shown(value)} is too large a number")

    def numbers(self, at_most: int) -> list[float]:
        """A list of numbers as floats: at once when all are fine (a wide model's centres are
        millions), else one by one to name the first that is not."""
        values = self._expect(list, "a list")
        if len(values) <= at_most and all(type(v) in (int, float) for v in values):
            try:
                return [float(v) for v in values]
            except OverflowError:
                pass
        return [node.number() for node in self.items(at_most)]

    def rows(self, width: int) -> list[list[Any]]:
        """A list of rows of `width` JSON scalars each (a table); the first bad row is named."""
        values = self._expect(list, "a list")
        for i, row in enumerate(values):
            if (
                type(row) is list
                and len(row) == width
                and not any(isinstance(cell, dict | list) for cell in row)
            ):
                continue
            cells = _Node(row, f"{self.where}[{i}]").items(width)
            if len(cells) != width:
                raise _Invalid(f"{self.where}[{i}]", f"{len(cells)} cells for {width} columns")
            for cell in cells:
                if isinstance(cell.value, dict | list):
                    cell.fail(
                        f"must be a string, number, true, false or null, not "
                        f"{_json_type(cell.value)}"
                    )
        return values

    def _expect(self, kind: Any, wanted: str) -> Any:
        # JSON true and false are Python bools, which are ints too: only a flag takes them.
        if not isinstance(self.value, kind) or (isinstance(self.value, bool) and kind is not bool):
            self.fail(f"must be {wanted}, not {_json_type(self.value)}")
        return self.value


_ENCODER_KEYS = frozenset(f.name for f in fields(Encoder))
_TABLE_KEYS = frozenset({"columns", "dtypes", "rows"})
_TABLE_DTYPES = ("int64", "float64", "bool")  # columns of other dtypes are read as they come


def _model_from_payload(payload: dict[str, Any]) -> SavedModel:
    """The model a payload describes; every part is checked for its JSON type here and for its
    meaning by SavedModel (_check_model), each refusal naming the part's key path."""
    root = _Node(payload, "")
    schema = _schema(root["schema"])
    space = _feature_space(root["feature_space"], schema)
    model = SavedModel(
        schema=schema,
        experiment=schema.experiments[_experiment_name(root["experiment"], schema)],
        algorithm=root["algorithm"].text(),
        k=root["k"].integer(),
        metric=root["metric"].text(),
        space=space,
        centers=_centers(root["centers"]),
        names=_texts_by_segment(root["names"]),
        narratives=_texts_by_segment(root["narratives"]),
        profile={name: _table(node) for name, node in root["profile"].entries()},
        offers=_table(root["offers"]),
        info=root["info"].mapping(),
        surrogate=_surrogate(root["rules"]) if "rules" in payload else None,
    )
    feature_names = [node.text() for node in root["feature_names"].items(MAX_FEATURES)]
    if feature_names != space.feature_names_:
        root["feature_names"].fail("do not match the outputs of the feature space's encoders")
    return model


def _schema(node: _Node) -> Schema:
    data = node.mapping()
    if "columns" in data:
        node["columns"].items(MAX_FEATURES)  # a bound on the work of checking them
    try:
        return schema_from_dict(data, origin="the model's schema")
    except SchemaError as exc:
        node.fail(str(exc))
    except (ValueError, TypeError, ArithmeticError) as exc:  # a backstop: keys are type-checked
        node.fail(f"malformed ({exc})")


def _experiment_name(node: _Node, schema: Schema) -> str:
    name = node.text()
    if name not in schema.experiments:
        node.fail(
            f"the model's schema has no experiment {_shown(name)} "
            f"(it has: {_listed(list(schema.experiments))})"
        )
    return name


def _feature_space(node: _Node, schema: Schema) -> FeatureSpace:
    node.mapping(frozenset({"experiment", "encoding", "encoders"}))
    encoding = node["encoding"].text()
    if encoding not in ENCODINGS:
        node["encoding"].fail(f"{_shown(encoding)} is not one of {', '.join(ENCODINGS)}")
    data = {
        "experiment": _experiment_name(node["experiment"], schema),
        "encoding": encoding,
        "encoders": [_encoder_data(enc) for enc in node["encoders"].items(MAX_FEATURES)],
    }
    return FeatureSpace.from_dict(schema, data)


def _encoder_data(node: _Node) -> dict[str, Any]:
    """An Encoder's fields, of the right JSON types (numbers as floats, as saving wrote them).
    The indicator's keys are absent from format 1 files: no indicator; `set_aside` from
    format 1 and 2 files: not set aside."""
    keys = node.mapping(_ENCODER_KEYS)
    indicator = {}
    if "indicator" in keys or "indicator_center" in keys or "indicator_scale" in keys:
        indicator = {
            "indicator": node["indicator"].flag(),
            "indicator_center": node["indicator_center"].number(),
            "indicator_scale": node["indicator_scale"].number(),
        }
    return (
        indicator
        | {
            "column": node["column"].text(),
            "kind": node["kind"].text(),
            "fill": node["fill"].number(),
            "levels": [level.text() for level in node["levels"].items(MAX_FEATURES)],
            "log": node["log"].flag(),
            "center": node["center"].number(),
            "scale": node["scale"].number(),
        }
        | ({"set_aside": node["set_aside"].flag()} if "set_aside" in keys else {})
    )


_LEAF_KEYS = frozenset(f.name for f in fields(Leaf))
_CONDITION_KEYS = {  # per kind, the keys a condition has (Condition.to_dict)
    "range": frozenset({"column", "kind", "at_least", "below"}),
    "levels": frozenset({"column", "kind", "levels"}),
    "flag": frozenset({"column", "kind", "value"}),
    "recorded": frozenset({"column", "kind", "value"}),
}
_FIDELITY_KEYS = frozenset(
    {"overall", "by_depth", "depth", "reached", "confusion", "fit_rows", "heldout_rows"}
)
MAX_RULES = 2**MAX_DEPTH  # a tree of depth MAX_DEPTH has at most this many leaves


def _surrogate(node: _Node) -> Surrogate | None:
    """The rules (format 4; null: none), of the right JSON types; _check_rules checks that
    they fit the model."""
    if node.value is None:
        return None
    node.mapping(frozenset({"leaves", "fidelity"}))
    leaves = []
    for leaf in node["leaves"].items(MAX_RULES):
        leaf.mapping(_LEAF_KEYS)
        leaves.append(
            Leaf(
                tuple(_condition(c) for c in leaf["conditions"].items(MAX_DEPTH)),
                leaf["segment"].integer(),
                leaf["customers"].integer(),
                leaf["heldout"].integer(),
                leaf["agreeing"].integer(),
            )
        )
    return Surrogate(tuple(leaves), _fidelity(node["fidelity"]))


def _condition(node: _Node) -> Condition:
    node.mapping()
    kind = node["kind"].text()
    if kind not in _CONDITION_KEYS:
        node["kind"].fail(f"{_shown(kind)} is not one of {', '.join(_CONDITION_KEYS)}")
    node.mapping(_CONDITION_KEYS[kind])
    column = node["column"].text()
    if kind == "range":
        return Condition(
            column, kind, at_least=_optional(node["at_least"]), below=_optional(node["below"])
        )
    if kind == "levels":
        levels = tuple(level.text() for level in node["levels"].items(MAX_FEATURES))
        return Condition(column, kind, levels=levels)
    if kind == "flag":
        return Condition(column, kind, value=node["value"].integer())
    return Condition(column, kind, value=node["value"].flag())


def _optional(node: _Node) -> float | None:
    return None if node.value is None else node.number()


def _fidelity(node: _Node) -> Fidelity:
    node.mapping(_FIDELITY_KEYS)
    by_depth = {}
    for key, share in node["by_depth"].entries():
        if key not in {str(depth) for depth in range(1, MAX_DEPTH + 1)}:
            share.fail(f"is not a depth from 1 to {MAX_DEPTH}")
        by_depth[int(key)] = _share(share)
    confusion = []
    for row in node["confusion"].items(MAX_SEGMENTS):
        confusion.append(tuple(cell.integer() for cell in row.items(MAX_SEGMENTS)))
    return Fidelity(
        overall=_share(node["overall"]),
        by_depth=by_depth,
        depth=node["depth"].integer(),
        reached=node["reached"].flag(),
        confusion=tuple(confusion),
        fit_rows=node["fit_rows"].integer(),
        heldout_rows=node["heldout_rows"].integer(),
    )


def _share(node: _Node) -> float:
    """A share from 0 to 1; null (measured on no customers) is NaN."""
    if node.value is None:
        return math.nan
    share = node.number()
    if not 0 <= share <= 1:
        node.fail(f"{_shown(share)} is not a share from 0 to 1")
    return share


def _centers(node: _Node) -> np.ndarray:
    """The centres as float32 (as they were fitted); their shape and finiteness are checked by
    _check_model, the JSON types here."""
    rows = [row.numbers(MAX_FEATURES) for row in node.items(MAX_SEGMENTS)]
    for i, row in enumerate(rows[1:], start=1):
        if len(row) != len(rows[0]):
            node.fail(f"row {i} has {len(row)} numbers, row 0 has {len(rows[0])}")
    matrix = np.array(rows, dtype=np.float64).reshape(len(rows), len(rows[0]) if rows else 0)
    with np.errstate(over="ignore"):  # a float64 beyond float32's range: refused as not finite
        return matrix.astype(np.float32)


def _texts_by_segment(node: _Node) -> dict[str, dict[int, str]]:
    """Texts by language and segment number (JSON keys are strings such as "3")."""
    texts: dict[str, dict[int, str]] = {}
    for lang, by_segment in node.entries():
        texts[lang] = {}
        for key, text in by_segment.entries():
            if not (key.isascii() and key.isdigit() and len(key) <= 9):
                text.fail("is not a segment number")
            texts[lang][int(key)] = text.text()
    return texts


def _table(node: _Node) -> pd.DataFrame:
    """A table saved by _table_to_json: columns, their dtypes, and rows of JSON scalars."""
    node.mapping(_TABLE_KEYS)
    columns = [name.text() for name in node["columns"].items()]
    if len(set(columns)) < len(columns):
        node["columns"].fail("name a column twice")
    dtypes = [dtype.text() for dtype in node["dtypes"].items(len(columns))]
    if len(dtypes) != len(columns):
        node["dtypes"].fail(f"{len(dtypes)} dtypes for {len(columns)} columns")
    table = pd.DataFrame(node["rows"].rows(len(columns)), columns=columns)
    for column, dtype in zip(columns, dtypes, strict=True):
        if dtype in _TABLE_DTYPES:
            try:
                table[column] = table[column].astype(dtype)
            except (ValueError, TypeError, ArithmeticError):
                node["rows"].fail(f"column {_shown(column)} holds a value that is not {dtype}")
    return table


def _check_model(model: SavedModel) -> None:
    """Refuse a model whose parts cannot work together, naming the part by its payload key."""
    k = model.k
    if type(k) is not int or not 2 <= k <= MAX_SEGMENTS:
        raise _Invalid("k", f"{_shown(k)} segments; a model has 2 to {MAX_SEGMENTS:,}")
    if model.algorithm not in ALGORITHMS:
        raise _Invalid(
            "algorithm", f"{_shown(model.algorithm)} is not one of {', '.join(ALGORITHMS)}"
        )
    if model.metric not in METRICS:
        raise _Invalid("metric", f"{_shown(model.metric)} is not one of {', '.join(METRICS)}")
    if model.algorithm == "kmeans" and model.metric != "euclidean":
        raise _Invalid("metric", f"k-means places rows by euclidean distance, not {model.metric}")
    if model.space.encoding == "gower" and model.metric != "manhattan":
        raise _Invalid(
            "metric",
            f"a Gower feature space is measured with manhattan distance, not {model.metric}",
        )
    name = model.experiment.name
    if model.schema.experiments.get(name) != model.experiment:
        raise _Invalid("experiment", f"{_shown(name)} is not an experiment of the model's schema")
    if model.space.experiment != model.experiment:
        raise _Invalid(
            "feature_space.experiment",
            f"{_shown(model.space.experiment.name)}, but the model's is {_shown(name)}",
        )
    _check_encoders(model)
    _check_centers(np.asarray(model.centers), k, len(model.space.feature_names_))
    _check_texts("names", model.names, k, MAX_NAME_CHARS)
    _check_texts("narratives", model.narratives, k, None)
    if model.recommends_products:
        _check_offers(model)
    if model.surrogate is not None:
        _check_rules(model.surrogate, model)


def _check_rules(surrogate: Surrogate, model: SavedModel) -> None:
    """Rules that fit the model: segments 1..k, conditions on its features that their
    encoders can meet, counts that add up, a fidelity of the model's k."""
    k = model.k
    encoders = {enc.column: enc for enc in model.space.encoders_}
    if len(surrogate.leaves) > MAX_RULES:
        raise _Invalid("rules.leaves", f"{len(surrogate.leaves)} rules; at most {MAX_RULES}")
    for i, leaf in enumerate(surrogate.leaves):
        where = f"rules.leaves[{i}]"
        if not 1 <= leaf.segment <= k:
            raise _Invalid(f"{where}.segment", f"there is no segment {leaf.segment} (k={k})")
        if min(leaf.customers, leaf.heldout, leaf.agreeing) < 0 or leaf.agreeing > leaf.heldout:
            raise _Invalid(where, "counts must be 0 or more, and agreeing at most heldout")
        if len(leaf.conditions) > MAX_DEPTH:
            raise _Invalid(f"{where}.conditions", f"more than {MAX_DEPTH}")
        seen = set()
        for j, condition in enumerate(leaf.conditions):
            at = f"{where}.conditions[{j}]"
            enc = encoders.get(condition.column)
            if enc is None:
                raise _Invalid(
                    f"{at}.column",
                    f"{_shown(condition.column)} is not a feature of '{model.experiment.name}'",
                )
            if (condition.column, condition.kind) in seen:
                raise _Invalid(at, f"a second {condition.kind} condition on the same column")
            seen.add((condition.column, condition.kind))
            _check_condition(condition, enc, at)
    fidelity = surrogate.fidelity
    if not 1 <= fidelity.depth <= MAX_DEPTH:
        raise _Invalid("rules.fidelity.depth", f"must be from 1 to {MAX_DEPTH}")
    if sorted(fidelity.by_depth) != list(range(1, MAX_DEPTH + 1)):
        raise _Invalid("rules.fidelity.by_depth", f"must give each depth from 1 to {MAX_DEPTH}")
    if len(fidelity.confusion) != k or any(len(row) != k for row in fidelity.confusion):
        raise _Invalid("rules.fidelity.confusion", f"must be {k} rows of {k} counts")
    if min(fidelity.fit_rows, fidelity.heldout_rows, *map(min, fidelity.confusion)) < 0:
        raise _Invalid("rules.fidelity", "counts must be 0 or more")


def _check_condition(condition: Condition, enc: Encoder, where: str) -> None:
    """A condition its column's encoder can meet: a range of a number, levels of a column of
    levels, 0/1 of a flag, recorded or not of a column with an indicator."""
    kind = condition.kind
    fits = {
        "range": enc.kind == "scaled" and not enc.levels,
        "levels": bool(enc.levels),
        "flag": enc.kind == "flag",
        "recorded": enc.indicator,
    }
    if not fits.get(kind, False):
        raise _Invalid(f"{where}.kind", f"a {kind} condition cannot apply to '{enc.column}'")
    if kind == "range":
        bounds = [b for b in (condition.at_least, condition.below) if b is not None]
        if not bounds or not all(math.isfinite(b) for b in bounds):
            raise _Invalid(where, "needs at_least or below, finite numbers")
        if len(bounds) == 2 and not bounds[0] < bounds[1]:
            raise _Invalid(where, "at_least must be below 'below'")
    elif kind == "levels":
        levels = condition.levels
        if not levels or len(set(levels)) < len(levels) or not set(levels) <= set(enc.levels):
            raise _Invalid(f"{where}.levels", f"must be distinct levels of column '{enc.column}'")
    elif kind == "flag" and condition.value not in (0, 1):
        raise _Invalid(f"{where}.value", "must be 0 or 1")


def _check_encoders(model: SavedModel) -> None:
    where = "feature_space.encoders"
    features = list(model.experiment.features)
    columns = [enc.column for enc in model.space.encoders_]
    if columns != features:
        raise _Invalid(
            where,
            f"encode {_listed(columns)}, but experiment "
            f"'{model.experiment.name}' has the features {_listed(features)}",
        )
    for i, enc in enumerate(model.space.encoders_):
        _check_encoder(enc, model.schema.column(enc.column), f"{where}[{i}]")
    count = len(model.space.feature_names_)
    if count > MAX_FEATURES:
        raise _Invalid(where, f"{count:,} features; a model has at most {MAX_FEATURES:,}")


def _check_encoder(enc: Encoder, column: Column, where: str) -> None:
    """An encoder fits its schema column (as FeatureSpace.fit makes it) and its numbers can
    encode any value validation lets through."""
    kind = {"nominal": "onehot", "product": "flag", "flag": "flag"}.get(column.role, "scaled")
    if enc.kind != kind:
        raise _Invalid(
            f"{where}.kind",
            f"{_shown(enc.kind)} for {column.role} column '{column.name}'; it must be '{kind}'",
        )
    if len(column.name) > MAX_NAME_CHARS:
        raise _Invalid(
            f"{where}.column",
            f"a name of {len(column.name):,} characters; at most {MAX_NAME_CHARS:,}",
        )
    levels = column.levels if column.is_categorical else ()
    if tuple(enc.levels) != levels:
        raise _Invalid(
            f"{where}.levels",
            f"differ from the levels of column '{column.name}' in the model's schema",
        )
    log = kind == "scaled" and not levels and column.scale == "log"
    if enc.log is not log:
        raise _Invalid(
            f"{where}.log",
            f"must be {str(log).lower()} for column '{column.name}' (scale '{column.scale}')",
        )
    for part in ("fill", "center"):
        if not math.isfinite(getattr(enc, part)):
            raise _Invalid(f"{where}.{part}", "must be a finite number")
    if not (math.isfinite(enc.scale) and enc.scale > 0):
        raise _Invalid(f"{where}.scale", "must be a positive finite number")
    if enc.indicator and levels and not 0 <= enc.fill <= len(levels) - 1:
        raise _Invalid(f"{where}.fill", f"must be a level code from 0 to {len(levels) - 1}")
    if (
        not enc.indicator
        and levels
        and not (enc.fill == int(enc.fill) and 0 <= enc.fill < len(levels))
    ):
        raise _Invalid(f"{where}.fill", f"must be a level code from 0 to {len(levels) - 1}")
    if kind == "flag" and enc.fill not in (0, 1):
        raise _Invalid(f"{where}.fill", "must be 0 or 1 for a product flag")
    if log and enc.fill <= -1:
        raise _Invalid(f"{where}.fill", "must be above -1 for a log-scaled column")
    if enc.indicator and kind != "scaled":
        raise _Invalid(f"{where}.indicator", f"a {column.role} column has no indicator column")
    if enc.set_aside and (kind != "scaled" or enc.indicator):
        raise _Invalid(
            f"{where}.set_aside", "only a number without an indicator column can be set aside"
        )
    if not math.isfinite(enc.indicator_center):
        raise _Invalid(f"{where}.indicator_center", "must be a finite number")
    if not (math.isfinite(enc.indicator_scale) and enc.indicator_scale > 0):
        raise _Invalid(f"{where}.indicator_scale", "must be a positive finite number")


def _check_centers(centers: np.ndarray, k: int, features: int) -> None:
    if centers.ndim != 2:
        raise _Invalid("centers", f"must be {k} rows of numbers, not {centers.ndim}-dimensional")
    if centers.shape[0] != k:
        raise _Invalid("centers", f"{centers.shape[0]} rows for k={k}")
    if centers.shape[1] != features:
        raise _Invalid("centers", f"rows of {centers.shape[1]} numbers for {features} features")
    bad = np.argwhere(~np.isfinite(centers))
    if len(bad):
        row, col = bad[0]
        raise _Invalid(
            f"centers[{row}][{col}]",
            f"{centers[row, col]} is not a finite number (float32: |x| < 3.4e38)",
        )


def _check_texts(
    key: str, texts: Mapping[str, Mapping[int, str]], k: int, at_most: int | None
) -> None:
    for lang, by_segment in texts.items():
        for segment, text in by_segment.items():
            where = f"{key}.{_readable(str(lang))}.{segment}"
            if not 1 <= segment <= k:
                raise _Invalid(where, f"there is no segment {segment} (k={k})")
            if at_most is not None and len(text) > at_most:
                raise _Invalid(where, f"{len(text):,} characters; at most {at_most:,}")


def _check_offers(model: SavedModel) -> None:
    """What recommending reads from the offers table (recommend.offers)."""
    offers = model.offers
    absent = [c for c in ("segment", "product", "rank", "offered") if c not in offers.columns]
    if absent:
        raise _Invalid("offers.columns", f"lack {_listed(absent)}")
    if offers.empty:  # nothing to recommend, whatever the dtypes
        return
    for column in ("segment", "rank"):
        if not pd.api.types.is_integer_dtype(offers[column]):
            raise _Invalid("offers.dtypes", f"column '{column}' must be int64")
    if not pd.api.types.is_bool_dtype(offers["offered"]):
        raise _Invalid("offers.dtypes", "column 'offered' must be bool")
    products = {c.name for c in model.schema.products}
    unknown = [p for p in offers["product"].unique() if p not in products]
    if unknown:
        raise _Invalid(
            "offers.rows",
            f"product(s) {_listed([str(p) for p in unknown])} are not "
            "product columns of the model's schema",
        )


def _payload_digest(payload: Any) -> str:
    # NaN and infinities (json reads them from a file) get a digest too, so a sealed file that
    # holds them is refused by name, not by a crash here; saving never writes them.
    canonical = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=True
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    names = {
        dict: "an object",
        list: "a list",
        str: "a string",
        int: "a whole number",
        float: "a decimal number",
    }
    return names.get(type(value), type(value).__name__)


def _shown(value: Any, at_most: int = 60) -> str:
    """A value quoted for a message, shortened: model files can hold anything."""
    return _shortened(repr(value), at_most)


def _shortened(text: str, at_most: int) -> str:
    return text if len(text) <= at_most else text[: at_most - 1] + "…"


def _readable(text: str) -> str:
    """A name from a model file as a message shows it: short, control characters escaped."""
    return _shortened(text if text.isprintable() else repr(text), 60)


def _listed(names: list[str], at_most: int = 10) -> str:
    shown = ", ".join(_readable(str(n)) for n in names[:at_most])
    return shown + (f" and {len(names) - at_most:,} more" if len(names) > at_most else "")


def _table_to_json(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in table.columns],
        "dtypes": [str(d) for d in table.dtypes],
        "rows": files.json_safe(
            table.astype(object).where(table.notna(), None).to_numpy().tolist()
        ),
    }


def unplaced_text(count: int, code: int) -> str:
    """The warning that `count` rows could not be placed, for the reason REASONS[code]."""
    return f"{count:,} row(s) could not be placed: {REASONS[code]}"


def _problem(column: str | None, message: str, mask: np.ndarray | pd.Series) -> Problem:
    positions = np.flatnonzero(np.asarray(mask))
    return Problem(column, message, tuple(int(p) + 1 for p in positions[:5]), len(positions))


def _row_patterns(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's index into the distinct rows of a boolean matrix, and those distinct rows."""
    if mask.shape[1] <= SMALL_PATTERN_BITS:
        keys = mask.astype(np.int64) @ (np.int64(1) << np.arange(mask.shape[1], dtype=np.int64))
        codes, distinct = _dense_codes(keys)
        return codes, (distinct[:, None] >> np.arange(mask.shape[1])) & 1 == 1
    packed = np.ascontiguousarray(np.packbits(mask, axis=1))
    as_bytes = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()
    _, first, inverse = np.unique(as_bytes, return_index=True, return_inverse=True)
    return inverse.ravel().astype(np.int64), mask[first]


def _dense_codes(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """np.unique(keys, return_inverse=True) for small non-negative keys, by counting instead of
    sorting (a million rows: milliseconds rather than most of a second)."""
    present = np.bincount(keys) > 0
    rank = np.cumsum(present) - 1
    return rank[keys], np.flatnonzero(present)


def _join_by_pattern(mask: np.ndarray, names: list[str]) -> tuple[np.ndarray, list[str]]:
    """Per row, the names whose mask cell is set, joined: (codes, texts), one text per pattern."""
    codes, patterns = _row_patterns(mask)
    texts = [
        PRODUCT_SEPARATOR.join(n for n, flag in zip(names, row, strict=True) if flag)
        for row in patterns
    ]
    return codes, texts


def _text_column(codes: np.ndarray, texts: list[str | None]) -> pd.api.extensions.ExtensionArray:
    """A text column from codes into `texts` (-1 or a None text is missing).

    Built as a pyarrow dictionary array and cast: about 10x faster than pandas making a million
    strings from Python objects.
    """
    codes = np.asarray(codes)
    missing = (codes < 0) | np.isin(codes, [i for i, t in enumerate(texts) if t is None])
    dictionary = pa.DictionaryArray.from_arrays(
        pa.array(np.where(missing, 0, codes).astype(np.int32), mask=missing),
        pa.array([t or "" for t in texts] or [""], type=pa.large_string()),
    )
    return pd.Series(dictionary.cast(pa.large_string()), dtype="str").array
