"""A saved segmentation: everything needed to place new customers and prospects in its segments.

A model file is JSON (it cannot run code when loaded):
    {"format": "segmentasi-model", "format_version": 1, "sha256": ..., "payload": {...}}
The payload holds the schema, the experiment, the fitted feature space (fill values, levels,
centres and scales), the centres or medoids, and the segment names, narratives, profiles and
offers (narrative.build_insights for that model). The SHA-256 is taken over the payload's
canonical JSON, so a file edited or damaged after it was saved is refused. (It detects
changes; it is not a signature against a deliberate forger.)

Placing rows (`SavedModel.assign`):
- Only the experiment's features are required; product and other columns may be absent.
- Unknown levels, non-numbers, non-finite numbers, numbers outside the schema's range and product
  flags other than 0/1 become missing, and every missing feature takes the training fill value
  (median or most frequent level). Warnings count them per column; `imputed` names them per row.
- A row whose features are all missing cannot be placed: it keeps its place in the output with
  an empty segment and a `reason`. No row is ever dropped.
- Models clustered without product columns recommend the segment's offered products by rank,
  skipping those the row owns (when the table has product columns).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import io
from .algorithms import assign as nearest_centres
from .errors import InputError, UserError
from .features import Encoder, FeatureSpace
from .narrative import build_insights
from .profile import profile as profile_segments
from .schema import Experiment, Schema, SchemaError, schema_from_dict
from .validation import Problem, validate

if TYPE_CHECKING:
    from .pipeline import RunResult

FORMAT_NAME = "segmentasi-model"
FORMAT_VERSION = 1
MODEL_FILE = "segmentation.model"
MODELS_FOLDER = "models"
LANGUAGES = ("id", "en")
DEFAULT_CHUNK_ROWS = 200_000
DEFAULT_TOP_OFFERS = 3
PRODUCT_SEPARATOR = "; "
# Boolean row patterns up to this wide are coded by counting (2**bits slots), wider by sorting.
SMALL_PATTERN_BITS = 20
ADDED_COLUMNS = (
    "segment", "segment_name", "distance", "recommended_products", "imputed", "reason",
)
_DEFAULT_NAME = {"id": "Segmen {segment}", "en": "Segment {segment}"}
# Why a row was not placed, by code (0: it was placed).
REASONS = (
    "",
    "every feature is missing or invalid",
    "a feature value cannot be encoded (not finite after scaling)",
)
PLACED, ALL_MISSING, NOT_ENCODABLE = range(len(REASONS))


class ModelError(UserError):
    """A model file that cannot be used: missing, damaged, changed, or from another format."""


@dataclass(frozen=True)
class Assignment:
    """Every input row, in order, with its segment; plus the warnings about what was filled in."""

    table: pd.DataFrame
    warnings: tuple[Problem, ...]
    placed: int
    unplaced: int


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

    @property
    def recommends_products(self) -> bool:
        """Segments built without product columns recommend products (the `demografi` kind)."""
        product_names = {c.name for c in self.schema.products}
        return bool(product_names) and not product_names & set(self.experiment.features)

    def segment_name(self, segment: int, lang: str = "id") -> str:
        """The segment's name in a language, 'Segmen 3' when the run gave it none."""
        _check_lang(lang)
        given = self.names.get(lang, {}).get(segment)
        return given or _DEFAULT_NAME[lang].format(segment=segment)

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
            insights = build_insights(used, result.schema, exp.experiment, profile, fit,
                                      exp.spaces[algorithm], result.options["sweep"]["seed"])
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
            names=_by_segment(insights.names),
            narratives=_by_segment(insights.narratives),
            profile=profile.tables(),
            offers=insights.offers,
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

    def assign(
        self,
        data: pd.DataFrame,
        *,
        lang: str = "id",
        top_offers: int = DEFAULT_TOP_OFFERS,
        chunk_rows: int = DEFAULT_CHUNK_ROWS,
        impute_absent_columns: bool = False,
    ) -> Assignment:
        """Place every row of `data` in its nearest segment; see the module docstring for the rules.

        Adds segment (1..k), segment_name, distance (to the segment's centre, in the model's
        feature space and metric), recommended_products (models without product features),
        imputed (the features filled in) and reason (why a row could not be placed).
        `chunk_rows` bounds memory; the result does not depend on it.
        """
        _check_lang(lang)
        if top_offers < 0:
            raise InputError("top_offers must be 0 or more")
        if chunk_rows < 1:
            raise InputError("chunk_rows must be at least 1")
        if len(data) == 0:
            raise InputError("the table has no data rows")
        features = list(self.experiment.features)
        data, absent_warnings = self._complete_columns(data, impute_absent_columns)
        products = [c.name for c in self.schema.products if c.name in data]
        clean, warnings = self._clean(data, features, products)
        missing = clean[features].isna().to_numpy()
        labels, distances, reasons = self._place(clean, missing, chunk_rows)
        warnings += self._filled_warnings(features, missing, reasons)
        order = {name: position for position, name in enumerate(features + products)}
        warnings.sort(key=lambda w: order.get(w.column, len(order)))
        for code in np.unique(reasons[reasons > 0]):
            cannot = reasons == code
            warnings.append(_problem(
                None, f"{int(cannot.sum()):,} row(s) could not be placed: {REASONS[code]}", cannot
            ))
        if self.recommends_products:
            warnings += self._offer_warnings(labels)
        replaced = [c for c in ADDED_COLUMNS if c in data.columns]
        if replaced:
            warnings.append(Problem(None, f"input column(s) {replaced} were replaced"))
        table = data.drop(columns=replaced)
        added = self._result_columns(labels, distances, missing, reasons, clean, products,
                                     lang, top_offers)
        table = pd.concat([table, pd.DataFrame(added, index=table.index)], axis=1)
        placed = int((labels >= 0).sum())
        return Assignment(table, tuple(absent_warnings + warnings), placed, len(table) - placed)

    def _offer_warnings(self, labels: np.ndarray) -> list[Problem]:
        """Say so when a segment has no offer the data supports (its rows get none)."""
        offered = set(self.offers.loc[self.offers["offered"].astype(bool), "segment"].astype(int))
        without = [s for s in range(1, self.k + 1) if s not in offered]
        affected = np.isin(labels + 1, without)
        if not affected.any():
            return []
        listed = ", ".join(str(s) for s in without)
        return [_problem(
            None, f"{int(affected.sum()):,} row(s) get no recommended products: segment(s) "
                  f"{listed} have no product offer the data supports (see the run's offers.csv)",
            affected,
        )]

    def _place(
        self, clean: pd.DataFrame, missing: np.ndarray, chunk_rows: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Nearest centre (label, -1 if not placed), distance and REASONS code of every row."""
        labels = np.full(len(clean), -1, dtype=np.int64)
        distances = np.full(len(clean), np.nan, dtype=np.float32)
        reasons = np.where(missing.all(axis=1), ALL_MISSING, PLACED).astype(np.int8)
        for start in range(0, len(clean), chunk_rows):
            block = slice(start, start + chunk_rows)
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
        payload = self.to_payload()
        document = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "sha256": _payload_digest(payload),
            "payload": payload,
        }
        text = json.dumps(document, indent=1, ensure_ascii=False, allow_nan=False) + "\n"
        return io.write_file_atomically(path, lambda temp: temp.write_text(text, encoding="utf-8"))

    def to_payload(self) -> dict[str, Any]:
        """The model as plain JSON data (what the file stores and its checksum covers)."""
        from . import __version__

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
            "names": _plain(self.names),
            "narratives": _plain(self.narratives),
            "profile": {name: _table_to_json(table) for name, table in self.profile.items()},
            "offers": _table_to_json(self.offers),
            "info": _plain(self.info),
        }

    def _complete_columns(
        self, data: pd.DataFrame, impute_absent_columns: bool
    ) -> tuple[pd.DataFrame, list[Problem]]:
        """Refuse a table without the experiment's features, or add them empty when asked to."""
        absent = [f for f in self.experiment.features if f not in data.columns]
        if not absent:
            return data, []
        if not impute_absent_columns:
            _, problems = validate(data.head(1), self.schema, columns=absent, allow_extra=True,
                                   strict=False)
            hints = "; ".join(str(p) for p in problems if p.column in absent)
            raise InputError(
                f"the table lacks column(s) the '{self.experiment.name}' segmentation needs: "
                f"{hints}. To fill them with the training values, pass --impute-absent-columns "
                "(impute_absent_columns=True in Python)."
            )
        warnings = [
            Problem(name, "column is absent; every row takes the training value "
                          f"{self._encoder(name).fill_text()}")
            for name in absent
        ]
        return data.assign(**{name: pd.NA for name in absent}), warnings

    def _clean(
        self, data: pd.DataFrame, features: list[str], products: list[str]
    ) -> tuple[pd.DataFrame, list[Problem]]:
        """Typed features (and product flags, to skip owned products); bad cells become missing."""
        needed = features + [p for p in products if p not in features]
        # validate() builds its result on a fresh 0..n-1 index, so the input must have one too.
        clean, problems = validate(data[needed].reset_index(drop=True), self.schema,
                                   columns=needed, allow_extra=True, strict=False)
        for col in self.schema.products:  # validate() already blanked non-finite numbers
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
            if filled.any():
                warnings.append(_problem(
                    name, f"{int(filled.sum()):,} value(s) missing or invalid, filled with the "
                          f"training value {self._encoder(name).fill_text()}", filled,
                ))
        return warnings

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
            owned = (clean[products].to_numpy(dtype=float, na_value=0.0) == 1.0
                     if products else np.zeros((len(clean), 0), dtype=bool))
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
    """Read a model file (or an experiment folder holding segmentation.model); refuse bad files."""
    path = Path(path)
    if path.is_dir():
        if not (path / MODEL_FILE).is_file():
            raise ModelError(
                f"{path}: is a folder without a {MODEL_FILE}; pass a model file such as "
                f"RUN/demografi/{MODEL_FILE}"
            )
        path = path / MODEL_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file") from None
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the model file ({exc.strerror})") from None
    document = _parse(raw, path)
    payload = document["payload"]
    if _payload_digest(payload) != document.get("sha256"):
        raise ModelError(
            f"{path}: the model's contents do not match the checksum it was saved with: the file "
            "was changed or damaged after it was saved. Refusing to use it; save the model again "
            "with `segmentasi run`."
        )
    try:
        return _model_from_payload(payload)
    except (KeyError, TypeError, ValueError, IndexError, SchemaError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
        raise ModelError(f"{path}: malformed model contents ({problem})") from None


def write_experiment_models(result: RunResult, experiment: str, folder: Path) -> None:
    """Save the recommended model as segmentation.model, each algorithm's chosen one in models/."""
    exp = result.experiments[experiment]
    (folder / MODELS_FOLDER).mkdir()
    for algorithm in exp.sweep.chosen:
        model = SavedModel.from_run(result, experiment, algorithm)
        model.save(folder / MODELS_FOLDER / f"{algorithm}.model")
        if model.info["recommended"]:
            model.save(folder / MODEL_FILE)


def _parse(raw: bytes, path: Path) -> dict[str, Any]:
    """The model document, or a plain refusal naming what is wrong with the file."""
    looks_like_model = FORMAT_NAME.encode() in raw[:200]
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        if looks_like_model:
            where = f" at byte {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
            raise ModelError(
                f"{path}: the model file is truncated or damaged (unreadable{where} of "
                f"{len(raw)}); save it again with `segmentasi run`."
            ) from None
        raise ModelError(f"{path}: not a segmentasi model file") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT_NAME:
        raise ModelError(f"{path}: not a segmentasi model file")
    version = document.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {version!r} was written by a newer segmentasi; this version "
            f"reads format {FORMAT_VERSION}. Upgrade segmentasi to use it."
        )
    if version < FORMAT_VERSION:
        raise ModelError(
            f"{path}: model format {version} is no longer supported (this version reads format "
            f"{FORMAT_VERSION}); run `segmentasi run` again to rebuild the model."
        )
    if not isinstance(document.get("payload"), dict):
        raise ModelError(f"{path}: the model file has no payload; it is damaged")
    return document


def _model_from_payload(payload: dict[str, Any]) -> SavedModel:
    schema = schema_from_dict(payload["schema"], origin="model schema")
    space = FeatureSpace.from_dict(schema, payload["feature_space"])
    centers = np.asarray(payload["centers"], dtype=np.float32)
    k = int(payload["k"])
    if centers.shape != (k, len(space.feature_names_)):
        raise ValueError(
            f"centres of shape {centers.shape} do not fit k={k} and "
            f"{len(space.feature_names_)} features"
        )
    if space.experiment.name != payload["experiment"]:
        raise ValueError("the feature space belongs to another experiment")
    return SavedModel(
        schema=schema,
        experiment=schema.experiment(payload["experiment"]),
        algorithm=str(payload["algorithm"]),
        k=k,
        metric=str(payload["metric"]),
        space=space,
        centers=centers,
        names=_by_segment(payload["names"]),
        narratives=_by_segment(payload["narratives"]),
        profile={name: _table_from_json(t) for name, t in payload["profile"].items()},
        offers=_table_from_json(payload["offers"]),
        info=dict(payload["info"]),
    )


def _by_segment(texts: Mapping[str, Mapping[Any, str]]) -> dict[str, dict[int, str]]:
    """Texts by language and segment number (JSON keys are strings)."""
    return {str(lang): {int(s): str(t) for s, t in by.items()} for lang, by in texts.items()}


def _payload_digest(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                           allow_nan=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _table_to_json(table: pd.DataFrame) -> dict[str, Any]:
    return {
        "columns": [str(c) for c in table.columns],
        "dtypes": [str(d) for d in table.dtypes],
        "rows": _plain(table.astype(object).where(table.notna(), None).to_numpy().tolist()),
    }


def _table_from_json(data: Mapping[str, Any]) -> pd.DataFrame:
    table = pd.DataFrame(data["rows"], columns=data["columns"])
    exact = {c: d for c, d in zip(data["columns"], data["dtypes"], strict=True)
             if d in ("int64", "float64", "bool")}
    return table.astype(exact)


def _plain(value: Any) -> Any:
    """Numpy scalars and arrays as JSON values; NaN as null."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


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
    texts = [PRODUCT_SEPARATOR.join(n for n, flag in zip(names, row, strict=True) if flag)
             for row in patterns]
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


def _check_lang(lang: str) -> None:
    if lang not in LANGUAGES:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}, not '{lang}'")
