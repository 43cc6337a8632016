"""Which product to offer to which segment, how far the data supports it, and who to call.

A segment's propensity for a product is the ownership rate among customers like its members.
For a product the clustering did not see (the `demografi` kind) those are the segment's own
members. For a product the clustering used (the `produk` kind) the segment's own rate is its
definition (0% or 100%), so customers are grouped again with that product's feature left out:
the propensity is the ownership rate among customers whose other features put them in the
same group, and an offer means "customers with the same other products own this".

The evidence rule (`offer_reason`). A product is offered to a segment only when all hold:

1. not saturated: fewer than SATURATED_RATE (97%) of the segment own it already;
2. practically meaningful: the propensity is at least MIN_LIFT (1.2) times the whole table's
   ownership rate. A lift, not a difference in points: it is the ratio a campaign's response
   rate is judged by, and it asks a rare product for a smaller step in points than a common
   one (vehicle loans, 16.4% of the real table: 19.7%; deposits, 60.4%: 72.5%), where a fixed
   10-point rule would ask vehicle loans for a lift of 1.6 and deposits for only 1.17. On the
   real table the strongest lifts are 1.08 (savings, in a segment where 99.97% have it) and
   1.06 otherwise, so either rule offers nothing there; 1.2 is the usual floor of a lift worth
   a campaign's cost;
3. reachable: at least MIN_REACHABLE (100) customers of the segment lack it (`non_owners`);
4. confirmed on held-out customers, for that segment: the recommended algorithm and k are
   refitted on a seeded 70% of the rows (`holdout`), the other 30% are placed with the refit,
   the refit's group that holds most of the segment's (look-alike) training customers stands
   for the segment, and among the held-out customers its ownership rate is compared with the
   other held-out customers' rate. The 95% Newcombe (hybrid Wilson score) interval of the
   difference must lie above 0. The refit never saw the held-out rows; the lift of step 2 is
   measured on the whole table, so the held-out rows help choose the candidate but the
   confirmation is on rows the segmentation behind it never saw.

The reason codes, in this order of precedence: `saturated`, `small_lift`,
`too_few_reachable`, `not_confirmed_heldout`, and `offered` when all hold.

The segmentation-level AUC (`holdout(...).products`: how well the refit's groups rank every held-out
customer's ownership) is kept as a technical number; it does not decide any offer.
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
from .profile import benjamini_hochberg, segment_numbers
from .schema import Experiment, Schema

POPULAR_RATE = 0.5  # a product most look-alike customers own is "popular" in the segment
SATURATED_RATE = 0.97  # the segment already owns it: too few left to call
MIN_LIFT = 1.2  # propensity over the table's rate: the least lift worth a campaign
MIN_REACHABLE = 100  # customers in the segment who lack the product: the least worth a campaign
HELDOUT_Z = float(stats.norm.ppf(0.975))  # 95% two-sided interval of the held-out difference
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
OFFERED = "offered"
# Why a product is not offered to a segment, in the order the rule checks them (offer_reason).
REASONS = ("saturated", "small_lift", "too_few_reachable", "not_confirmed_heldout")
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
    "heldout_customers",
    "heldout_rate",
    "heldout_rest_rate",
    "heldout_lift",
    "heldout_difference",
    "heldout_difference_low",
    "heldout_difference_high",
]
# The held-out check of one segment and product (holdout): customers of the segment's
# stand-in group among the held-out rows, their ownership rate, the other held-out customers'
# rate, the rate ratio, the difference and its 95% Newcombe interval.
HELDOUT_COLUMNS = ["segment", "product", *OFFER_COLUMNS[OFFER_COLUMNS.index("heldout_customers") :]]
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
    heldout: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Ownership, lift, reachable customers, the held-out check and a ranked next-best offer
    per segment and product, each row with the segment's own evidence.

    `groups` gives, for products the clustering used, the look-alike group of every row
    (lookalike_groups); other products use the segments. A segment's look-alike group is the
    group most of its members fall in. `heldout` is holdout's per-segment table (HELDOUT_COLUMNS);
    without it no offer is confirmed. Columns: `rate` the segment's own ownership rate,
    `overall_rate` the table's, `propensity` the look-alikes' rate and `propensity_lift` its
    ratio to `overall_rate`, `non_owners` the reachable customers (segment members without
    it), `score` the expected takers if they behaved like the look-alikes, the heldout_*
    columns, `offered` and `reason` (offer_reason's code). `rank` 1 is the next-best offer:
    offered products first by score, then the others, those closest to being offered first.
    `p_value` / `p_adjusted` (segment against the rest on the whole table) are kept for
    reference; the rule does not use them.
    """
    groups = groups or {}
    segment = segment_numbers(labels)
    segments = np.unique(segment)
    records = []
    for col in schema.products:
        if col.name not in df:
            continue
        owned = df[col.name].to_numpy(dtype=float) == 1
        overall = owned.mean()
        group = groups.get(col.name)
        for s in segments:
            members = segment == s
            propensity, p_value = _rate_against_rest(owned, _alike(members, group))
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
    first = OFFER_COLUMNS[: OFFER_COLUMNS.index("p_adjusted")]
    table = pd.DataFrame.from_records(records, columns=first)
    table["p_adjusted"] = benjamini_hochberg(table["p_value"].to_numpy())
    checks = heldout if heldout is not None else pd.DataFrame(columns=HELDOUT_COLUMNS)
    table = table.merge(checks[HELDOUT_COLUMNS], on=["segment", "product"], how="left")
    table["heldout_customers"] = table["heldout_customers"].fillna(0).astype(np.int64)
    table["reason"] = [offer_reason(row) for row in table.itertuples(index=False)]
    table["offered"] = table["reason"] == OFFERED
    closeness = table["reason"].map(
        {OFFERED: 0} | {r: len(REASONS) - i for i, r in enumerate(REASONS)}
    )
    table = table.assign(closeness=closeness).sort_values(
        ["segment", "closeness", "score"], ascending=[True, True, False], kind="stable"
    )
    table["rank"] = table.groupby("segment").cumcount() + 1
    return table[OFFER_COLUMNS].reset_index(drop=True)


def offer_reason(row: Any) -> str:
    """The evidence rule for one offer row: OFFERED or the first reason it fails (REASONS).

    saturated: `rate` >= SATURATED_RATE. small_lift: `propensity_lift` below MIN_LIFT (or
    undefined). too_few_reachable: `non_owners` below MIN_REACHABLE. not_confirmed_heldout: the
    held-out difference's interval does not lie above 0 (or there was no held-out check).
    """
    if row.rate >= SATURATED_RATE:
        return "saturated"
    if not row.propensity_lift >= MIN_LIFT:
        return "small_lift"
    if row.non_owners < MIN_REACHABLE:
        return "too_few_reachable"
    if not row.heldout_difference_low > 0:
        return "not_confirmed_heldout"
    return OFFERED


def _alike(members: np.ndarray, group: np.ndarray | None) -> np.ndarray:
    """The customers like a segment's members: the members, or their modal look-alike group."""
    return members if group is None else group == _modal(group[members])


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


PRODUCT_VERDICT_COLUMNS = [
    "product",
    "verdict",
    "reason",
    "offered_segments",
    "best_segment",
    "best_rate",
    "overall_rate",
    "best_lift",
    "best_reachable",
    "best_heldout_difference_low",
    "best_heldout_difference_high",
    "widest_segment",
    "widest_reachable",
    "widest_lift",
    "segmentation_auc",
]


def product_verdicts(offers_table: pd.DataFrame, validation: pd.DataFrame) -> pd.DataFrame:
    """One row per product: is it offered anywhere in this experiment, and if not, why.

    Columns:
      product          the product's column name
      verdict          "offered" (to at least one segment) or "not offered"
      reason           "offered", or the reason code (offer_reason) of the best segment
      offered_segments the segments it is offered to, "; "-separated ("" for none)
      best_segment     offered: the offered segment with the most expected takers (score);
                       otherwise, of the segments with a customer who lacks it, the one whose
                       look-alikes own it most (highest lift; ties: more reachable customers)
      best_rate        ownership among the best segment's look-alikes (its propensity)
      overall_rate     ownership in the whole table
      best_lift        best_rate / overall_rate
      best_reachable   customers in the best segment who lack the product
      best_heldout_difference_low / _high   95% interval of the held-out difference there
      widest_segment   the segment with the most customers who lack the product
      widest_reachable how many customers of it lack the product
      widest_lift      its look-alikes' ownership over the table's
      segmentation_auc the segmentation-level held-out AUC (technical; decides nothing)
    """
    aucs = (
        dict(zip(validation["product"], validation["auc"], strict=True)) if len(validation) else {}
    )
    records = []
    for product, rows in offers_table.groupby("product", sort=False):
        made = rows[rows.offered]
        if len(made):
            best = made.sort_values("score", ascending=False, kind="stable").iloc[0]
        else:
            reachable = rows[rows.non_owners > 0]
            best = (
                (reachable if len(reachable) else rows)
                .sort_values(["propensity_lift", "non_owners"], ascending=False, kind="stable")
                .iloc[0]
            )
        widest = rows.sort_values("non_owners", ascending=False, kind="stable").iloc[0]
        records.append(
            {
                "product": product,
                "verdict": OFFERED if len(made) else "not offered",
                "reason": OFFERED if len(made) else best.reason,
                "offered_segments": "; ".join(str(int(s)) for s in sorted(made.segment)),
                "best_segment": int(best.segment),
                "best_rate": best.propensity,
                "overall_rate": best.overall_rate,
                "best_lift": best.propensity_lift,
                "best_reachable": int(best.non_owners),
                "best_heldout_difference_low": best.heldout_difference_low,
                "best_heldout_difference_high": best.heldout_difference_high,
                "widest_segment": int(widest.segment),
                "widest_reachable": int(widest.non_owners),
                "widest_lift": widest.propensity_lift,
                "segmentation_auc": aucs.get(product, np.nan),
            }
        )
    return pd.DataFrame.from_records(records, columns=PRODUCT_VERDICT_COLUMNS)


@dataclass(frozen=True)
class Holdout:
    """The held-out check: per product the segmentation's AUC (VALIDATION_COLUMNS, a technical
    number), and per segment and product the offer rule's check (HELDOUT_COLUMNS)."""

    products: pd.DataFrame
    segments: pd.DataFrame


def holdout(
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
    labels: np.ndarray | None = None,
    groups: dict[str, np.ndarray] | None = None,
) -> Holdout:
    """Held-out checks: fit on a seeded part of the rows with the run's recipe (same features,
    encoding, algorithm, k and metric), place the rest with that refit.

    Per product: each held-out customer is scored by its group's training ownership rate, AUC
    against actual ownership (how well the segmentation as a whole ranks owners).

    Per segment and product, when `labels` (the full run's labels) are given, with `groups` its
    look-alike groups as in `offers`: the refit group holding most of the segment's (look-alike)
    training customers stands in for it; among held-out customers, that group's ownership rate
    against the other held-out customers' rate, their ratio, and the difference with its 95%
    Newcombe interval (newcombe_difference).
    """
    products = [c.name for c in schema.products if c.name in df]
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(df))
    n_test = round(test_share * len(df))
    test_rows, train_rows = np.sort(order[:n_test]), np.sort(order[n_test:])
    test, train = df.iloc[test_rows], df.iloc[train_rows]
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
        return Holdout(
            _untested(products, n_test, space, schema), pd.DataFrame(columns=HELDOUT_COLUMNS)
        )
    test_labels = assign(X_test, fit.centers, fit.metric)[0]
    feature_columns = product_feature_columns(space, schema)
    segment = None if labels is None else segment_numbers(labels)
    records, checks = [], []
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
        if segment is None:
            continue
        group = (groups or {}).get(name)
        for s in np.unique(segment):
            alike_train = _alike(segment == s, group)[train_rows]
            stand_in = _modal(train_groups[alike_train]) if alike_train.any() else -1
            checks.append(
                {"segment": int(s), "product": name}
                | heldout_comparison(owned_test, test_groups == stand_in)
            )
    return Holdout(
        pd.DataFrame.from_records(records, columns=VALIDATION_COLUMNS),
        pd.DataFrame.from_records(checks, columns=HELDOUT_COLUMNS),
    )


def heldout_comparison(owned: np.ndarray, inside: np.ndarray) -> dict[str, float]:
    """Ownership among the held-out customers `inside` against the other held-out customers."""
    owned, inside = np.asarray(owned, dtype=bool), np.asarray(inside, dtype=bool)
    n1, n2 = int(inside.sum()), int((~inside).sum())
    x1, x2 = int(owned[inside].sum()), int(owned[~inside].sum())
    rate = x1 / n1 if n1 else np.nan
    rest = x2 / n2 if n2 else np.nan
    difference, low, high = newcombe_difference(x1, n1, x2, n2)
    return {
        "heldout_customers": n1,
        "heldout_rate": rate,
        "heldout_rest_rate": rest,
        "heldout_lift": _ratio(rate, rest) if n1 and n2 else np.nan,
        "heldout_difference": difference,
        "heldout_difference_low": low,
        "heldout_difference_high": high,
    }


def newcombe_difference(
    x1: int, n1: int, x2: int, n2: int, z: float = HELDOUT_Z
) -> tuple[float, float, float]:
    """x1/n1 - x2/n2 and its Newcombe (1998, method 10) hybrid Wilson score interval: exact
    enough at 0% and 100%, where the normal approximation's interval collapses. NaN when a
    group is empty."""
    if n1 <= 0 or n2 <= 0:
        return np.nan, np.nan, np.nan
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_interval(x1, n1, z)
    l2, u2 = wilson_interval(x2, n2, z)
    difference = p1 - p2
    low = difference - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return float(difference), float(low), float(high)


def wilson_interval(x: int, n: int, z: float = HELDOUT_Z) -> tuple[float, float]:
    """Wilson's score interval of the proportion x/n."""
    p = x / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


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
