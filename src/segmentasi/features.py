"""From a validated table to the matrix an experiment clusters on: impute, encode, scale.

Missing numbers (numeric, ordinal and derived-count features: the "scaled" kind) are not
imputed into a story. With `missing="set-aside"` (the default) a customer without a recorded
value of a feature unrecorded in at least INDICATED_SHARE of the fitting rows is placed in no
segment (`set_aside`, `set_aside_rows`; centre and scale come from the rows placed); a sentinel
code is a known answer, not unrecorded, and takes the fill. On the real table the indicator
below made the demographic segmentation "widowed, age not recorded" against everyone else;
setting those customers aside keeps a segmentation of who the others are.

With `missing="indicate"` every such feature missing in at least INDICATED_SHARE of the
fitting rows gets a second column, `<column>:missing`: whether the
value was not recorded (0/1), scaled as the column itself is (standardised: mean 0, variance 1;
Gower: divided like a flag). The missing cell itself takes the neutral value, the mean of the
recorded values (0 after standardising). A customer without a recorded age is then placed by
their other features and by *not having* an age, instead of by a guessed one; the clustering
and its silhouette both see the indicator column, and a model file carries it.

Why (benchmarks/missing_age.py measures it on the real table): the previous median fill put the
FundFusion table's 4,045 widowed customers, none with a recorded age, at age 43, and 3,951 of
them in the segment described as "age 23-48" (22.5% of it). An unscaled 0/1 indicator with the
mean fill still left 4,003 of them there: it weighs like one one-hot level, too little against
the features that place them. Standardised like any number, "age not recorded" counts as much
as the age itself, and those customers form a segment of their own, described as "age not
recorded"; dropping the rows instead leaves them without a segment, and distances over each
row's recorded features only would need every algorithm and the silhouette rewritten.

Below INDICATED_SHARE the median fill stays, unmarked: a standardised indicator of rare gaps
would put the few rows far from all others ((1 - p) / sqrt(p (1 - p)): 10 standard deviations
at p = 1%), a cluster of outliers, while a few filled rows move no centre. The profile reports
every segment's unrecorded share either way. Nominal and product columns keep the most frequent
level. `missing="fill"` is the previous behaviour (median, no indicator), kept for `--missing
impute` and for models saved before indicators.

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

from .schema import Column, Experiment, Schema

ENCODINGS = ("standard", "gower")
MISSING_TREATMENTS = ("set-aside", "indicate", "fill")
INDICATOR_SUFFIX = ":missing"
INDICATED_SHARE = 0.05  # a feature missing in this share of rows or more gets an indicator


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
    # A column marking the rows where the value was not recorded: (0/1 - centre) / scale.
    indicator: bool = False
    indicator_center: float = 0.0
    indicator_scale: float = 1.0
    # Rows without a recorded value are not placed at all (missing="set-aside").
    set_aside: bool = False

    @property
    def outputs(self) -> list[str]:
        if self.kind == "onehot":
            return [f"{self.column}={level}" for level in self.levels]
        return [self.column] + ([self.column + INDICATOR_SUFFIX] if self.indicator else [])

    def fill_text(self) -> str:
        """The imputation value as a person reads it (a level name for categories; with an
        indicator, the recorded values' mean, which for an ordinal column is a level code)."""
        if self.levels and not self.indicator:
            return self.levels[int(self.fill)]
        return f"{self.fill:g}"


def space_kind(space: FeatureSpace) -> str:
    """What the fitted space did to its features, for the words that state it: 'product_flags'
    or 'flags' when every feature is a 0/1 flag kept as it is (centre 0, scale 1: a distance
    counts differing flags), 'standard_flags' when numbers and categories are standardised and
    0/1 flags kept as they are, 'standard' when all are standardised, 'gower' for Gower's
    range scaling."""
    if space.encoding == "gower":
        return "gower"
    raw = [
        enc.kind == "flag" and enc.center == 0.0 and enc.scale == 1.0 and not enc.indicator
        for enc in space.encoders_
    ]
    if raw and all(raw):
        roles = {space.schema.column(enc.column).role for enc in space.encoders_}
        return "product_flags" if roles == {"product"} else "flags"
    return "standard_flags" if any(raw) else "standard"


class FeatureSpace:
    """The fitted encoding of one experiment's features (scikit-learn style: fit, transform)."""

    def __init__(
        self,
        schema: Schema,
        experiment: Experiment,
        encoding: str = "standard",
        missing: str = "set-aside",
    ) -> None:
        if encoding not in ENCODINGS:
            raise ValueError(f"encoding must be one of {ENCODINGS}, not '{encoding}'")
        if missing not in MISSING_TREATMENTS:
            raise ValueError(f"missing must be one of {MISSING_TREATMENTS}, not '{missing}'")
        self.schema = schema
        self.experiment = experiment
        self.encoding = encoding
        self.missing = missing

    @property
    def metric(self) -> str:
        """Distance the clustering uses in this space (Gower is Manhattan on its encoding)."""
        return "manhattan" if self.encoding == "gower" else "euclidean"

    def fit(self, df: pd.DataFrame) -> FeatureSpace:
        self.encoders_ = [self._fit_encoder(df, name) for name in self.experiment.features]
        self.feature_names_ = [out for enc in self.encoders_ for out in enc.outputs]
        # Missing cells per column: filled, or (see `indicated`) marked by an indicator column;
        # the rows of set-aside columns are counted by `set_aside_rows`, not here.
        self.imputed_ = {
            enc.column: int(df[enc.column].isna().sum())
            for enc in self.encoders_
            if df[enc.column].isna().any() and not enc.set_aside
        }
        return self

    @property
    def set_aside(self) -> list[str]:
        """The columns whose unrecorded rows are set aside rather than placed."""
        return [enc.column for enc in self.encoders_ if enc.set_aside]

    def set_aside_rows(self, df: pd.DataFrame) -> dict[str, np.ndarray]:
        """Per set-aside column, the rows of `df` (as a boolean mask) where it is unrecorded."""
        return {
            enc.column: _unrecorded(self.schema.column(enc.column), df[enc.column])
            for enc in self.encoders_
            if enc.set_aside
        }

    @property
    def indicated(self) -> list[str]:
        """The columns whose missing values are marked by an indicator column."""
        return [enc.column for enc in self.encoders_ if enc.indicator]

    def transform(self, df: pd.DataFrame) -> np.ndarray:
        """Encode rows; missing cells (and unknown levels, already missing) get the fill value,
        and a 1 in the column's indicator where it has one."""
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
        numbers = recorded_numbers(col, values)
        if col.role == "ordinal":
            fill = _mode_code(values, col.levels)
        else:
            fill = float(np.nanmedian(numbers)) if np.isfinite(numbers).any() else 0.0
        enc = Encoder(
            name, "scaled", fill, col.levels, log=col.role != "ordinal" and col.scale == "log"
        )
        missing = np.isnan(numbers)
        often = missing.any() and missing.mean() >= INDICATED_SHARE
        # Only unrecorded values set a customer aside: a sentinel code (-1 = never contacted)
        # is a known answer, and takes the fill as under "fill" (assign does the same).
        unrecorded = _unrecorded(col, values)
        if self.missing == "set-aside" and unrecorded.mean() >= INDICATED_SHARE:
            # Centre and scale from the rows placed: the unrecorded rows are not.
            placed = np.where(missing, fill, numbers)[~unrecorded]
            return _replace(self._scaled(enc, placed, col.scale), set_aside=True)
        if self.missing == "indicate" and often:
            # Centre and scale from the recorded values only; the fill is their mean (in the
            # log scale's units for a log column), which encodes to the neutral value.
            recorded = numbers[~missing]
            scaled = self._scaled(enc, recorded, col.scale)
            flag = self._scaled(Encoder(name, "scaled", 0.0), missing.astype(float), col.scale)
            return _replace(
                scaled,
                fill=_neutral(recorded, enc.log),
                indicator=True,
                indicator_center=flag.center if self.encoding == "standard" else 0.0,
                indicator_scale=flag.scale
                if self.encoding == "standard"
                else float(_feature_count(self)),
            )
        return self._scaled(enc, np.where(missing, fill, numbers), col.scale)

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
            if not values.size:
                return _replace(enc, scale=float(p))
            span = float(values.max() - values.min()) or 1.0
            return _replace(enc, center=float(values.min()), scale=span * p)
        if enc.kind != "scaled" or scaling == "none":
            return enc
        values = np.log1p(raw) if enc.log else raw
        if scaling == "robust":
            q1, median, q3 = np.percentile(values, [25, 50, 75])
            return _replace(enc, center=float(median), scale=float(q3 - q1) or 1.0)
        return _replace(enc, center=float(values.mean()), scale=float(values.std()) or 1.0)

    def encode_column(self, column: str, values: pd.Series) -> np.ndarray:
        """One column's values as `transform` encodes them (float64, before the float32 cast):
        its block of feature columns."""
        return self._encode(next(e for e in self.encoders_ if e.column == column), values)

    def _encode(self, enc: Encoder, values: pd.Series) -> np.ndarray:
        if enc.kind == "onehot":
            codes = level_codes(values, enc.levels)
            codes = np.where(codes < 0, int(enc.fill), codes)
            onehot = np.zeros((len(values), len(enc.levels)), dtype=np.float64)
            onehot[np.arange(len(values)), codes] = 1.0
            return onehot / enc.scale
        if enc.levels:  # ordinal codes
            raw = level_codes(values, enc.levels).astype(float)
            raw[raw < 0] = np.nan
        else:
            raw = (
                self.schema.column(enc.column)
                .measured(values)
                .to_numpy(dtype=float, na_value=np.nan)
            )
        missing = np.isnan(raw)
        raw = np.where(missing, enc.fill, raw)
        if enc.log:
            raw = np.log1p(raw)
        scaled = ((raw - enc.center) / enc.scale)[:, None]
        if self.encoding == "gower":
            # A value beyond the range the space was fitted on (a prospect, or a customer
            # outside the fitting sample of a large table) counts as the range's end, as
            # scikit-learn's MinMaxScaler(clip=True) does: one column's distance stays within
            # Gower's 1/p, however far out the value lies.
            scaled = np.clip(scaled, 0.0, 1.0 / _feature_count(self))
        if not enc.indicator:
            return scaled
        flag = (missing - enc.indicator_center) / enc.indicator_scale
        return np.column_stack([scaled, flag])


def recorded_numbers(col: Column, values: pd.Series) -> np.ndarray:
    """A scaled-kind column's values as numbers: ordinal level codes, or amounts; NaN where
    unrecorded (sentinel codes such as -1 = never contacted are not amounts either)."""
    if col.role == "ordinal":
        numbers = level_codes(values, col.levels).astype(float)
        numbers[numbers < 0] = np.nan
        return numbers
    return col.measured(values).to_numpy(dtype=float, na_value=np.nan)


def _unrecorded(col: Column, values: pd.Series) -> np.ndarray:
    """Where a scaled-kind column's value was not recorded: missing, and not a sentinel code."""
    numbers = recorded_numbers(col, values)
    if not col.sentinels:
        return np.isnan(numbers)
    return np.isnan(numbers) & ~col.sentinel_mask(values).to_numpy(dtype=bool, na_value=False)


def _feature_count(space: FeatureSpace) -> int:
    """The experiment's feature count: Gower divides each feature's distance by it."""
    return len(space.experiment.features)


def _neutral(recorded: np.ndarray, log: bool) -> float:
    """The value a missing cell takes beside its indicator: the recorded values' mean (taken
    in log units for a log-scaled column), so that it encodes to the centre of the recorded
    values under standardising; 0 when nothing was recorded."""
    if not recorded.size:
        return 0.0
    return float(np.expm1(np.log1p(recorded).mean())) if log else float(recorded.mean())


def _replace(enc: Encoder, **changes: Any) -> Encoder:
    return Encoder(**(asdict(enc) | changes))


def level_codes(values: pd.Series, levels: tuple[str, ...]) -> np.ndarray:
    """Level codes of a column by the schema's levels; -1 where missing or not a known level."""
    if isinstance(values.dtype, pd.CategoricalDtype) and tuple(values.cat.categories) == levels:
        return np.asarray(values.cat.codes, dtype=np.int64)
    return np.asarray(pd.Categorical(values, categories=list(levels)).codes, dtype=np.int64)


def _mode_code(values: pd.Series, levels: tuple[str, ...]) -> float:
    codes = level_codes(values, levels)
    observed = codes[codes >= 0]
    return float(np.bincount(observed).argmax()) if observed.size else 0.0


def _mode_number(values: pd.Series) -> float:
    mode = values.mode(dropna=True)
    return float(mode.iloc[0]) if len(mode) else 0.0
