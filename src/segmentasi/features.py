"""From a validated table to the matrix an experiment clusters on: impute, encode, scale.

The fitted state is plain numbers and level lists (no pickled objects), so a saved model can
carry it as JSON and place new customers exactly as the training rows were placed. That is
why this is written out here rather than with scikit-learn's ColumnTransformer, whose fitted
state can only be stored by pickling.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from .schema import Experiment, Schema

ENCODINGS = ("standard", "gower")


@dataclass(frozen=True)
class Encoder:
    """How one source column becomes one or more feature columns."""

    column: str
    kind: str  # scaled (numeric, derived count, ordinal codes) | onehot (nominal) | flag (product)
    fill: float  # imputation value; for categories the level code
    levels: tuple[str, ...] = ()
    log: bool = False
    center: float = 0.0
    scale: float = 1.0

    @property
    def outputs(self) -> list[str]:
        if self.kind == "onehot":
            return [f"{self.column}={level}" for level in self.levels]
        return [self.column]

    def fill_text(self) -> str:
        """The imputation value as a person reads it (a level name for categories)."""
        return self.levels[int(self.fill)] if self.levels else f"{self.fill:g}"


class FeatureSpace:
    """The fitted encoding of one experiment's features (scikit-learn style: fit, transform)."""

    def __init__(self, schema: Schema, experiment: Experiment, encoding: str = "standard") -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, not '{encoding}'")
        self.schema = schema
        self.experiment = experiment
        self.encoding = encoding

    @property
    def metric(self) -> str:
        """Distance the clustering uses in this space (Gower is Manhattan on its encoding)."""
        return "manhattan" if self.encoding == "gower" else "euclidean"

    def fit(self, df: pd.DataFrame) -> FeatureSpace:
        self.encoders_ = [self._fit_encoder(df, name) for name in self.experiment.features]
        self.feature_names_ = [out for enc in self.encoders_ for out in enc.outputs]
        self.imputed_ = {
            enc.column: int(df[enc.column].isna().sum())
            for enc in self.encoders_
            if df[enc.column].isna().any()
        }
        return self

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encode rows; missing cells (and unknown levels, already missing) get the fill value."""
        blocks = [self._encode(enc, df[enc.column]) for enc in self.encoders_]
        with np.errstate(over="ignore"):  # a value beyond float32 becomes inf: callers check
            return np.column_stack(blocks).astype(np.float32, copy=False)

    def fit_transform(self, df: pd.DataFrame) -> np.ndarray:
        return self.fit(df).transform(df)

    def describe(self) -> list[dict[str, Any]]:
        """The fitted steps, one per source column, for the run's record and saved models."""
        return [asdict(enc) | {"outputs": enc.outputs} for enc in self.encoders_]

    def to_dict(self) -> dict[str, Any]:
        return {
            "experiment": self.experiment.name,
            "encoding": self.encoding,
            "encoders": [asdict(enc) for enc in self.encoders_],
        }

    @classmethod
    def from_dict(cls, schema: Schema, data: dict[str, Any]) -> FeatureSpace:
        space = cls(schema, schema.experiment(data["experiment"]), data["encoding"])
        space.encoders_ = [
            Encoder(**(enc | {"levels": tuple(enc["levels"])})) for enc in data["encoders"]
        ]
        space.feature_names_ = [out for enc in space.encoders_ for out in enc.outputs]
        space.imputed_ = {}
        return space

    def _fit_encoder(self, df: pd.DataFrame, name: str) -> Encoder:
        col = self.schema.column(name)
        values = df[name]
        if col.role == "nominal":
            return self._scaled(Encoder(name, "onehot", _mode_code(values, col.levels), col.levels))
        if col.is_binary:  # products and other 0/1 flags stay raw 0/1
            return self._scaled(Encoder(name, "flag", _mode_number(values)))
        if col.role == "ordinal":
            codes = _codes(values, col.levels).astype(float)
            fill = _mode_code(values, col.levels)
            raw = np.where(np.isnan(codes), fill, codes)
            return self._scaled(Encoder(name, "scaled", fill, col.levels), raw, col.scale)
        # Sentinel codes (e.g. -1 = never contacted) are not amounts: they take the fill value,
        # as missing cells do.
        numbers = col.measured(values).to_numpy(dtype=float, na_value=np.nan)
        fill = float(np.nanmedian(numbers)) if np.isfinite(numbers).any() else 0.0
        log = col.scale == "log"
        raw = np.where(np.isnan(numbers), fill, numbers)
        return self._scaled(Encoder(name, "scaled", fill, log=log), raw, col.scale)

    def _scaled(
        self, enc: Encoder, raw: np.ndarray | None = None, scaling: str = "none"
    ) -> Encoder:
        """Set centre and scale: standardisation, or Gower range scaling over the feature count."""
        p = len(self.experiment.features)
        if self.encoding == "gower":
            if enc.kind == "onehot":  # two differing one-hot cells add up to 1 per column
                return _replace(enc, scale=2.0 * p)
            if enc.kind == "flag":
                return _replace(enc, scale=float(p))
            values = np.log1p(raw) if enc.log else raw
            span = float(values.max() - values.min()) or 1.0
            return _replace(enc, center=float(values.min()), scale=span * p)
        if enc.kind != "scaled" or scaling == "none":
            return enc
        values = np.log1p(raw) if enc.log else raw
        if scaling == "robust":
            q1, median, q3 = np.percentile(values, [25, 50, 75])
            return _replace(enc, center=float(median), scale=float(q3 - q1) or 1.0)
        return _replace(enc, center=float(values.mean()), scale=float(values.std()) or 1.0)

    def _encode(self, enc: Encoder, values: pd.Series) -> np.ndarray:
        if enc.kind == "onehot":
            codes = _codes(values, enc.levels)
            codes = np.where(codes < 0, int(enc.fill), codes)
            onehot = np.zeros((len(values), len(enc.levels)), dtype=np.float64)
            onehot[np.arange(len(values)), codes] = 1.0
            return onehot / enc.scale
        if enc.levels:  # ordinal codes
            raw = _codes(values, enc.levels).astype(float)
            raw[raw < 0] = np.nan
        else:
            column = self.schema.column(enc.column)
            raw = column.measured(values).to_numpy(dtype=float, na_value=np.nan)
        raw = np.where(np.isnan(raw), enc.fill, raw)
        if enc.log:
            raw = np.log1p(raw)
        return ((raw - enc.center) / enc.scale)[:, None]


def _replace(enc: Encoder, **changes: Any) -> Encoder:
    return Encoder(**(asdict(enc) | changes))


def _codes(values: pd.Series, levels: tuple[str, ...]) -> np.ndarray:
    """Level codes of a column by the schema's levels; -1 where missing or not a known level."""
    if isinstance(values.dtype, pd.CategoricalDtype) and tuple(values.cat.categories) == levels:
        return np.asarray(values.cat.codes, dtype=np.int64)
    return np.asarray(pd.Categorical(values, categories=list(levels)).codes, dtype=np.int64)


def _mode_code(values: pd.Series, levels: tuple[str, ...]) -> float:
    codes = _codes(values, levels)
    observed = codes[codes >= 0]
    return float(np.bincount(observed).argmax()) if observed.size else 0.0


def _mode_number(values: pd.Series) -> float:
    mode = values.mode(dropna=True)
    return float(mode.iloc[0]) if len(mode) else 0.0
