"""Which product to offer to which segment, how far the data supports it, and who to call.

A segment's propensity for a product is the ownership rate among customers like its members.
For a product the clustering did not see (the `demografi` kind) those are the segment's own
members. For a product the clustering used (the `produk` kind) the segment's own rate is its
definition (0% or 100%), so customers are grouped again with that product's feature left out:
the propensity is the ownership rate among customers whose other features put them in the
same group, and an offer means "customers with the same other products own this".

Offers are checked on customers the model never saw: the recommended algorithm and k are
refitted on part of the table, and each held-out customer's propensity (its group's training
ownership rate) is scored against what the customer actually owns (AUC with a bootstrap
interval). A product is offered only where the segment's propensity is significantly above
the whole table's rate, the segment does not already own it, and the held-out AUC is useful.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import roc_auc_score

from .algorithms import assign, fit_kmeans, fit_kmedoids
from .errors import UserError
from .features import FeatureSpace
from .profile import SIGNIFICANCE, segment_numbers
from .schema import Experiment, Schema

POPULAR_RATE = 0.5  # a product most look-alike customers own is "popular" in the segment
SATURATED_RATE = 0.95  # the segment already owns it: too few left to call
USEFUL_AUC = 0.6
TEST_SHARE = 0.3
BOOTSTRAP_RESAMPLES = 200
MIN_TEST_ROWS = 20
VALIDATION_KMEANS_STARTS = 3  # restarts only polish the optimum; 10 made this step 3x slower
# CLARA samples of the K-Medoids refit on large tables (a run's sweep takes 8): on the real
# table's demographics (k=2, 3, 5) the refit took 0.40-0.45 s instead of 0.92-1.06 s, and every
# product's held-out AUC stayed within 0.03 of the 8-sample refit's, above and below it.
VALIDATION_CLARA_SAMPLES = 3
VERDICTS = ("useful", "weak", "no better than chance")
BASIS_SEGMENT = "segment"
BASIS_OTHER_FEATURES = "same other features"
REASONS = ("saturated", "not above average", "weak evidence")
OFFER_COLUMNS = [
    "segment",
    "product",
    "rate",
    "overall_rate",
    "lift",
    "propensity",
    "propensity_lift",
    "basis",
    "non_owners",
    "gap_customers",
    "score",
    "p_value",
    "p_adjusted",
    "rank",
    "offered",
    "reason",
]
VALIDATION_COLUMNS = [
    "product",
    "auc",
    "ci_low",
    "ci_high",
    "n_test",
    "verdict",
    "used_in_clustering",
    "basis",
]


def product_feature_columns(space: FeatureSpace, schema: Schema) -> dict[str, list[int]]:
    """For each product the feature space encodes, the indices of its feature columns."""
    products = {c.name for c in schema.products}
    columns: dict[str, list[int]] = {}
    position = 0
    for enc in space.encoders_:
        width = len(enc.outputs)
        if enc.column in products:
            columns[enc.column] = list(range(position, position + width))
        position += width
    return columns


def lookalike_groups(
    X: np.ndarray, centers: np.ndarray, metric: str, labels: np.ndarray, left_out: Sequence[int]
) -> np.ndarray:
    """Each row's nearest centre when the `left_out` feature columns are ignored.

    With nothing left out these are the segment labels themselves.
    """
    if not len(left_out):
        return np.asarray(labels)
    kept = np.setdiff1d(np.arange(X.shape[1]), left_out)
    if not len(kept):
        return np.zeros(len(X), dtype=np.int32)
    return assign(X[:, kept], np.asarray(centers)[:, kept], metric)[0]


def offers(
    df: pd.DataFrame,
    labels: np.ndarray,
    schema: Schema,
    groups: dict[str, np.ndarray] | None = None,
    validation: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Ownership, lift, penetration gap and a ranked next-best offer per segment and product.

    `groups` gives, for products the clustering used, the look-alike group of every row
    (lookalike_groups); other products use the segments. A segment's look-alike group is the
    group most of its members fall in. `score` is the expected number of takers if every
    non-owner behaved like the look-alikes (non_owners x propensity); `rank` 1 is the
    next-best offer: offered products first by score, then the others, those closest to
    being offered first (weak evidence, then not above average, then saturated).
    """
    groups = groups or {}
    segment = segment_numbers(labels)
    segments = np.unique(segment)
    verdicts = (
        {}
        if validation is None
        else dict(zip(validation["product"], validation["verdict"], strict=True))
    )
    records = []
    for col in schema.products:
        if col.name not in df:
            continue
        owned = df[col.name].to_numpy(dtype=float) == 1
        overall = owned.mean()
        group = groups.get(col.name)
        for s in segments:
            members = segment == s
            alike = members if group is None else group == _modal(group[members])
            propensity, p_value = _rate_against_rest(owned, alike)
            rate = owned[members].mean()
            non_owners = int(members.sum() - owned[members].sum())
            records.append(
                {
                    "segment": int(s),
                    "product": col.name,
                    "rate": rate,
                    "overall_rate": overall,
                    "lift": _ratio(rate, overall),
                    "propensity": propensity,
                    "propensity_lift": _ratio(propensity, overall),
                    "basis": BASIS_SEGMENT if group is None else BASIS_OTHER_FEATURES,
                    "non_owners": non_owners,
                    "gap_customers": non_owners if propensity >= POPULAR_RATE else 0,
                    "score": non_owners * propensity,
                    "p_value": p_value,
                }
            )
    table = pd.DataFrame.from_records(records, columns=OFFER_COLUMNS[:-4])
    table["p_adjusted"] = _adjusted(table["p_value"].to_numpy())
    table["reason"] = [
        _reason(row, verdicts.get(row.product)) for row in table.itertuples(index=False)
    ]
    table["offered"] = table["reason"] == ""
    closeness = table["reason"].map({"": 0} | {r: i + 1 for i, r in enumerate(REASONS[::-1])})
    table = table.assign(closeness=closeness).sort_values(
        ["segment", "closeness", "score"], ascending=[True, True, False], kind="stable"
    )
    table["rank"] = table.groupby("segment").cumcount() + 1
    return table[OFFER_COLUMNS].reset_index(drop=True)


def _modal(values: np.ndarray) -> int:
    return int(np.bincount(values).argmax())


def _rate_against_rest(owned: np.ndarray, group: np.ndarray) -> tuple[float, float]:
    """Ownership rate in the group and a two-proportion z-test against everyone else."""
    inside, outside = owned[group], owned[~group]
    rate = float(inside.mean())
    if not len(outside):
        return rate, 1.0
    rest = float(outside.mean())
    pooled = owned.mean()
    se = np.sqrt(pooled * (1 - pooled) * (1 / len(inside) + 1 / len(outside)))
    if rate == rest or se == 0:
        return rate, 1.0
    return rate, float(2 * stats.norm.sf(abs(rate - rest) / se))


def _ratio(value: float, base: float) -> float:
    return value / base if base > 0 else np.nan


def _adjusted(p_values: np.ndarray) -> np.ndarray:
    if not len(p_values):
        return p_values
    return stats.false_discovery_control(p_values, method="bh")


def _reason(row: Any, verdict: str | None) -> str:
    """Why a product is not offered to a segment ('' when it is)."""
    if row.rate >= SATURATED_RATE:
        return "saturated"
    if not row.propensity_lift > 1 or row.p_adjusted >= SIGNIFICANCE:
        return "not above average"
    if verdict != "useful":
        return "weak evidence"
    return ""


def validate_offers(
    df: pd.DataFrame,
    schema: Schema,
    experiment: Experiment,
    *,
    algorithm: str,
    k: int,
    metric: str,
    encoding: str = "standard",
    seed: int = 0,
    test_share: float = TEST_SHARE,
    resamples: int = BOOTSTRAP_RESAMPLES,
) -> pd.DataFrame:
    """Held-out check of every product's propensity: fit on a seeded part of the rows, score
    the rest by their group's training ownership rate, AUC against actual ownership.

    The refit uses the run's recipe (same features, encoding, algorithm, k and metric).
    """
    products = [c.name for c in schema.products if c.name in df]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(df))
    n_test = round(test_share * len(df))
    test, train = df.iloc[np.sort(order[:n_test])], df.iloc[np.sort(order[n_test:])]
    space = FeatureSpace(schema, experiment, encoding).fit(train)
    X_train, X_test = space.transform(train), space.transform(test)
    try:
        if n_test < MIN_TEST_ROWS:
            raise ValueError("too few rows to hold out")
        if algorithm == "kmeans":
            fit = fit_kmeans(X_train, k, seed=seed, n_init=VALIDATION_KMEANS_STARTS)
        else:
            fit = fit_kmedoids(
                X_train, k, metric=metric, seed=seed, clara_samples=VALIDATION_CLARA_SAMPLES
            )
    except ValueError:
        return _untested(products, n_test, space, schema)
    test_labels = assign(X_test, fit.centers, fit.metric)[0]
    feature_columns = product_feature_columns(space, schema)
    records = []
    for name in products:
        left_out = feature_columns.get(name, [])
        train_groups = lookalike_groups(X_train, fit.centers, fit.metric, fit.labels, left_out)
        test_groups = lookalike_groups(X_test, fit.centers, fit.metric, test_labels, left_out)
        owned_train = train[name].to_numpy(dtype=float) == 1
        sizes = np.bincount(train_groups, minlength=k)
        owners = np.bincount(train_groups, weights=owned_train, minlength=k)
        rates = np.where(sizes > 0, owners / np.maximum(sizes, 1), owned_train.mean())
        owned_test = test[name].to_numpy(dtype=float) == 1
        auc, low, high = bootstrap_auc(owned_test, rates[test_groups], resamples, seed)
        records.append(
            {
                "product": name,
                "auc": auc,
                "ci_low": low,
                "ci_high": high,
                "n_test": n_test,
                "verdict": auc_verdict(auc, low),
                "used_in_clustering": bool(left_out),
                "basis": BASIS_OTHER_FEATURES if left_out else BASIS_SEGMENT,
            }
        )
    return pd.DataFrame.from_records(records, columns=VALIDATION_COLUMNS)


def _untested(
    products: list[str], n_test: int, space: FeatureSpace, schema: Schema
) -> pd.DataFrame:
    """Validation rows for a table too small to hold rows out: nothing shown beyond chance."""
    used = product_feature_columns(space, schema)
    return pd.DataFrame.from_records(
        [
            {
                "product": name,
                "auc": np.nan,
                "ci_low": np.nan,
                "ci_high": np.nan,
                "n_test": n_test,
                "verdict": "no better than chance",
                "used_in_clustering": name in used,
                "basis": BASIS_OTHER_FEATURES if name in used else BASIS_SEGMENT,
            }
            for name in products
        ],
        columns=VALIDATION_COLUMNS,
    )


def auc_verdict(auc: float, ci_low: float) -> str:
    """'no better than chance' unless the interval clears 0.5; 'useful' from USEFUL_AUC up."""
    if not ci_low > 0.5:
        return "no better than chance"
    return "useful" if auc >= USEFUL_AUC else "weak"


def bootstrap_auc(
    owned: np.ndarray, scores: np.ndarray, resamples: int = BOOTSTRAP_RESAMPLES, seed: int = 0
) -> tuple[float, float, float]:
    """ROC AUC and its 95% percentile-bootstrap interval (NaN when one class is absent).

    A resample of n rows drawn with replacement only matters through how many rows land in
    each (score, owned) cell, and those counts are multinomial with the cells' frequencies;
    drawing them directly is exact and needs no n-row index arrays per resample.
    """
    owned = np.asarray(owned, dtype=bool)
    scores = np.asarray(scores, dtype=float)
    if owned.all() or not owned.any():
        return np.nan, np.nan, np.nan
    auc = float(roc_auc_score(owned, scores))
    values, cell = np.unique(scores, return_inverse=True)
    m = len(values)
    counts = np.concatenate(
        [np.bincount(cell[owned], minlength=m), np.bincount(cell[~owned], minlength=m)]
    )
    draws = np.random.default_rng(seed).multinomial(len(owned), counts / len(owned), size=resamples)
    aucs = auc_from_counts(draws[:, :m], draws[:, m:])
    low, high = np.nanpercentile(aucs, [2.5, 97.5])
    return auc, float(low), float(high)


def auc_from_counts(positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """AUC from counts of owners and non-owners per distinct score (last axis, ascending):
    the share of (owner, non-owner) pairs the score orders correctly, ties counting half."""
    positives, negatives = np.asarray(positives, float), np.asarray(negatives, float)
    below = np.cumsum(negatives, axis=-1) - negatives  # non-owners with a lower score
    with np.errstate(invalid="ignore", divide="ignore"):
        wins = (positives * (below + 0.5 * negatives)).sum(axis=-1)
        return wins / (positives.sum(axis=-1) * negatives.sum(axis=-1))


@dataclass(frozen=True)
class CampaignList:
    """Customers of one segment who do not own one product, and what the run said about it."""

    customers: pd.DataFrame  # id column (or row), segment, product, propensity
    product: str
    offered: bool
    reason: str


def campaign_targets(
    segments_table: pd.DataFrame,
    offers_table: pd.DataFrame,
    schema: Schema,
    experiment: str,
    segment: int,
    product: str,
) -> CampaignList:
    """The call list: non-owners of `product` in `segment`, with the segment's propensity.

    `segments_table` is a run's segments.csv; `product` is a column name or its label.
    """
    column = f"segment_{experiment}"
    if column not in segments_table:
        raise UserError(
            f"the segments table has no column '{column}' for experiment '{experiment}'"
        )
    name = resolve_product(schema, product, segments_table.columns)
    in_table = pd.to_numeric(segments_table[column], errors="coerce")
    valid = sorted(int(s) for s in in_table.dropna().unique())
    if segment not in valid:
        raise UserError(
            f"experiment '{experiment}' has no segment {segment}; segments: "
            f"{', '.join(map(str, valid))}"
        )
    offer = offers_table[(offers_table["segment"] == segment) & (offers_table["product"] == name)]
    if offer.empty:
        raise UserError(f"the run's offers list no product '{name}' for segment {segment}")
    row = offer.iloc[0]
    propensity = float(row["propensity"] if "propensity" in row else row["rate"])
    owned = pd.to_numeric(segments_table[name], errors="coerce")
    if (owned.isna() & segments_table[name].notna()).any():
        raise UserError(f"the segments table's column '{name}' holds values that are not 0 or 1")
    chosen = (in_table == segment) & (owned != 1)
    id_column = schema.id_column.name if schema.id_column else None
    if id_column and id_column in segments_table:
        ids = segments_table.loc[chosen, id_column]
    else:
        id_column = "row"
        ids = pd.Series(np.flatnonzero(chosen.to_numpy()) + 1, index=chosen[chosen].index)
    customers = pd.DataFrame(
        {
            id_column: ids.to_numpy(),
            "segment": segment,
            "product": name,
            "propensity": propensity,
        }
    )
    return CampaignList(customers, name, bool(row["offered"]), str(row.get("reason") or ""))


def resolve_product(schema: Schema, wanted: str, available: Sequence[str] = ()) -> str:
    """A product column from its name or its label in either language (case-insensitive)."""
    products = [c for c in schema.products if not len(available) or c.name in available]
    key = wanted.strip().casefold()
    for col in products:
        if key in {col.name.casefold(), col.display("id").casefold(), col.display("en").casefold()}:
            return col.name
    known = "; ".join(f"{c.name} ({c.display('id')} / {c.display('en')})" for c in products)
    raise UserError(f"unknown product '{wanted}'; products: {known}")
