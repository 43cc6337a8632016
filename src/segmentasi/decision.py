"""The run's plan: which segmentation to target with, what to do with whom, and what the data
cannot support. Plain data from a RunResult; text/decision.py puts it in words, and the report,
the slides and the workbook all show the same plan.

Actions, in this order, at most MAX_ACTIONS:
- "offer": a product offer that passed the evidence rule (recommend.offers, `offered`), for the
  customers of the segment who lack the product;
- "test": a product a segmentation does predict on held-out customers, with no offer that
  passed, tried on the segment with the most customers who lack it, as a campaign with a
  control group (the data show who lacks it, not who would take it); the targeting
  segmentation's first;
- "record": a clustering variable unrecorded for many customers, to record before the next run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .recommend import campaign_targets

if TYPE_CHECKING:
    from .results import ExperimentResult, RunResult

MAX_ACTIONS = 5
MIN_TEST_CUSTOMERS = 100  # a test campaign needs customers for a contact and a control group
RECORD_SHARE = 0.05  # a clustering variable unrecorded for this share of customers or more
TARGET_SILHOUETTE = 0.7
NO_STRUCTURE_MARGIN = 0.05  # silhouette within this of shuffled data's: no natural groups
# A met target is never stated without the shuffled-data caveat when the silhouette is within
# NO_STRUCTURE_MARGIN of the same data shuffled (near_shuffled). The margin is the one that
# already denies natural groups (Structure.natural_groups): with a smaller one (0.01) a
# silhouette of 0.956 against 0.93 shuffled would read "target met" with no caveat on one page
# and "no natural groups" on another.
WEAK_STRUCTURE = 0.25  # below this silhouette, no substantial structure in any case


@dataclass(frozen=True)
class Action:
    """One recommended action: who (experiment, segment, customers), what, and the numbers
    behind it. `list_name` names its call list in the run folder's `actions/` and the
    workbook's sheet (None for an action without one)."""

    number: int
    kind: str  # offer | test | record
    experiment: str
    segment: int | None
    customers: int
    segment_size: int
    product: str | None  # product column (offer, test) or the variable to record (record)
    rate: float = np.nan  # ownership in the segment
    overall_rate: float = np.nan  # ownership in the whole table
    best_rate: float = np.nan  # ownership in the segment that owns it most (test)
    lift: float = np.nan
    auc: float = np.nan  # the segmentation's held-out AUC for the product
    list_name: str | None = None
    # record: the level of another column most of the unrecorded customers share
    # (quality's missing_concentrated finding), and how many of them have it
    group: tuple[str, str, int] | None = None


@dataclass(frozen=True)
class Structure:
    """How well one experiment's recommended model separates customers."""

    experiment: str
    algorithm: str
    k: int
    k_max: int  # the largest k tried
    silhouette: float
    null_silhouette: float  # same data with each column shuffled (NaN when not measured)

    @property
    def target_met(self) -> bool:
        return self.silhouette >= TARGET_SILHOUETTE

    @property
    def met_near_shuffled(self) -> bool:
        """The target is met, but the same columns shuffled come within NO_STRUCTURE_MARGIN:
        every sentence saying "met" must say so too."""
        return self.target_met and near_shuffled(self.silhouette, self.null_silhouette)

    @property
    def natural_groups(self) -> bool:
        """Groups that stand apart: a silhouette of at least WEAK_STRUCTURE (below it, Kaufman
        and Rousseeuw find no substantial structure) and clearly above the same columns
        shuffled (which on a few 0/1 columns reaches 0.5 without any groups)."""
        if np.isnan(self.null_silhouette):
            return self.silhouette >= TARGET_SILHOUETTE
        return (
            self.silhouette >= WEAK_STRUCTURE
            and self.silhouette - self.null_silhouette >= NO_STRUCTURE_MARGIN
        )

    @property
    def k_at_edge(self) -> bool:
        return self.k >= self.k_max


@dataclass(frozen=True)
class Plan:
    targeting: str  # experiment to target prospects and customers with
    targeting_reason: str  # prospects (clusters on what is known before a purchase) | offers
    other: str | None  # the other experiment, for existing customers' portfolios
    actions: tuple[Action, ...]
    structures: tuple[Structure, ...]
    predicted: tuple[str, ...]  # products the targeting segmentation predicts (held out)
    unpredicted: tuple[str, ...]  # products it does not predict

    def structure(self, experiment: str) -> Structure:
        return next(s for s in self.structures if s.experiment == experiment)


def plan(result: RunResult) -> Plan:
    """The plan for a run (deterministic: the same run gives the same plan)."""
    products = {c.name for c in result.schema.products} | {
        c.name for c in result.schema.by_role("derived_count")
    }
    experiments = result.experiments
    prospect_ready = [
        n for n, e in experiments.items() if not set(e.experiment.features) & products
    ]
    targeting, reason = _targeting(experiments, prospect_ready)
    others = [n for n in experiments if n != targeting]
    validation = experiments[targeting].insights.offer_validation
    useful = validation["verdict"] == "useful"
    tests = [t for name in (targeting, *others) for t in _tests(experiments[name])]
    actions = _numbered([*_offers(experiments), *tests, *_records(result)])
    return Plan(
        targeting=targeting,
        targeting_reason=reason,
        other=others[0] if others else None,
        actions=actions,
        structures=tuple(structure(n, e) for n, e in experiments.items()),
        predicted=tuple(validation.loc[useful, "product"]),
        unpredicted=tuple(validation.loc[~useful, "product"]),
    )


def _targeting(
    experiments: dict[str, ExperimentResult], prospect_ready: list[str]
) -> tuple[str, str]:
    """Prospects own none of our products yet: a segmentation of what is known about a
    person (demographics) can place them, one of product portfolios cannot."""
    if len(prospect_ready) == 1:
        return prospect_ready[0], "prospects"
    candidates = prospect_ready or list(experiments)

    def reach(name: str) -> int:
        offers = experiments[name].insights.offers
        return int(offers.loc[offers["offered"], "non_owners"].sum())

    return max(candidates, key=lambda name: (reach(name), -candidates.index(name))), "offers"


def _segment_sizes(exp: ExperimentResult) -> pd.Series:
    """Customers per segment number."""
    segments = exp.profile.segments
    return pd.Series(segments["size"].to_numpy(), index=segments["segment"].to_numpy())


def _offers(experiments: dict[str, ExperimentResult]) -> list[Action]:
    found = []
    for name, exp in experiments.items():
        sizes = _segment_sizes(exp)
        offers = exp.insights.offers
        for row in offers[offers["offered"]].itertuples(index=False):
            found.append(
                Action(
                    number=0,
                    kind="offer",
                    experiment=name,
                    segment=int(row.segment),
                    customers=int(row.non_owners),
                    segment_size=int(sizes.get(int(row.segment), 0)),
                    product=row.product,
                    rate=float(row.propensity),
                    overall_rate=float(row.overall_rate),
                    lift=float(row.propensity_lift),
                )
            )
    return sorted(found, key=lambda a: (-a.customers * a.rate, a.experiment, a.segment))


def _tests(exp: ExperimentResult) -> list[Action]:
    """Products the segmentation predicts but offers nothing of: a campaign with a control
    group on the segment with the most customers who lack the product."""
    offers = exp.insights.offers
    validation = exp.insights.offer_validation.set_index("product")
    sizes = _segment_sizes(exp)
    found = []
    for product, check in validation.iterrows():
        rows = offers[offers["product"] == product]
        if check["verdict"] != "useful" or rows.empty or rows["offered"].any():
            continue
        widest = rows.sort_values(["non_owners", "segment"], ascending=[False, True]).iloc[0]
        if widest["non_owners"] < MIN_TEST_CUSTOMERS:
            continue
        found.append(
            Action(
                number=0,
                kind="test",
                experiment=exp.experiment.name,
                segment=int(widest["segment"]),
                customers=int(widest["non_owners"]),
                segment_size=int(sizes.get(int(widest["segment"]), 0)),
                product=str(product),
                rate=float(widest["rate"]),
                overall_rate=float(widest["overall_rate"]),
                best_rate=float(rows["rate"].max()),
                lift=float(widest["lift"]),
                auc=float(check["auc"]),
            )
        )
    return sorted(found, key=lambda a: (-a.customers, a.product))


def _records(result: RunResult) -> list[Action]:
    """Clustering variables left unrecorded for many customers, most first."""
    features = {f for e in result.experiments.values() for f in e.experiment.features}
    missing = result.table[[c for c in result.table if c in features]].isna().sum()
    share = missing / max(len(result.table), 1)
    chosen = share[share >= RECORD_SHARE].sort_values(ascending=False, kind="stable")
    groups = {
        f.column: (f.params["by"], str(f.params["level"]), int(f.params["count_level"]))
        for f in result.quality.findings
        if f.kind == "missing_concentrated"
    }
    return [
        Action(
            number=0,
            kind="record",
            experiment="",
            segment=None,
            customers=int(missing[column]),
            segment_size=len(result.table),
            product=str(column),
            rate=float(share[column]),
            group=groups.get(column),
        )
        for column in chosen.index
    ]


def _numbered(actions: list[Action]) -> tuple[Action, ...]:
    """The first MAX_ACTIONS actions, numbered from 1, with their call list's name."""
    numbered = []
    for number, action in enumerate(actions[:MAX_ACTIONS], start=1):
        list_name = (
            None
            if action.segment is None
            else f"{number}-{action.experiment}-segment-{action.segment}-{action.kind}.csv"
        )
        numbered.append(replace(action, number=number, list_name=list_name))
    return tuple(numbered)


def near_shuffled(silhouette: float, null_silhouette: float) -> bool:
    """A silhouette within NO_STRUCTURE_MARGIN of the same data with each column shuffled
    (False when the shuffled data's silhouette was not measured)."""
    return bool(
        not np.isnan(null_silhouette) and silhouette - null_silhouette < NO_STRUCTURE_MARGIN
    )


def structure(name: str, exp: ExperimentResult) -> Structure:
    """How well the experiment's recommended model separates customers, against shuffled data."""
    fit = exp.sweep.fits[exp.sweep.recommended]
    null = np.nan
    if exp.diagnostics is not None:
        table = exp.diagnostics.silhouettes
        match = table[(table["algorithm"] == fit.algorithm) & (table["k"] == fit.k)]
        if not match.empty:
            null = float(match["null_silhouette"].iloc[0])
    tried = exp.sweep.table.loc[exp.sweep.table["algorithm"] == fit.algorithm, "k"]
    return Structure(
        experiment=name,
        algorithm=fit.algorithm,
        k=fit.k,
        k_max=int(tried.max()),
        silhouette=exp.sweep.recommended_silhouette,
        null_silhouette=null,
    )


def call_list(
    result: RunResult, action: Action, segments: pd.DataFrame | None = None
) -> pd.DataFrame:
    """The customers an action reaches: the segment's members who lack the product (id column
    or row number, segment, product, propensity). `segments` is result.segments_table(),
    passed when several lists are drawn from one run."""
    if action.segment is None or action.product is None:
        raise ValueError(f"action {action.number} ({action.kind}) has no customer list")
    table = result.segments_table() if segments is None else segments
    offers = result.experiments[action.experiment].insights.offers
    return campaign_targets(
        table, offers, result.schema, action.experiment, action.segment, action.product
    ).customers


def crosswalk(result: RunResult, rows: str, columns: str) -> pd.DataFrame:
    """Customers by segment of experiment `rows` (index) and of experiment `columns`, for the
    customers both clustered: how each segment of one spreads over the other's."""
    table = result.segments_table()
    pair = table[[f"segment_{rows}", f"segment_{columns}"]].dropna().astype(int)
    counts = pd.crosstab(pair.iloc[:, 0], pair.iloc[:, 1])
    counts.index.name, counts.columns.name = rows, columns
    return counts
