"""Segment names and narratives in Bahasa Indonesia and English, and the run's insights.

Every number a name or narrative states is read from the profile, distinguishing, offer and
validation tables and formatted with a stated rounding (text.numbers: percentages with pct,
counts with thousands separators, other numbers to whole units, lifts and AUCs to two decimals),
so the words can be checked against the tables. Column names come from the schema's labels; the
words themselves are in text.narrative.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .algorithms import Clustering
from .features import FeatureSpace
from .profile import Profile, distinguishing, segment_numbers
from .recommend import (
    BASIS_OTHER_FEATURES,
    MIN_LIFT,
    MIN_REACHABLE,
    OFFERED,
    holdout,
    lookalike_groups,
    offers,
    product_feature_columns,
    product_verdicts,
)
from .schema import Experiment, Schema
from .text import LANGUAGES, capitalised
from .text.narrative import TEXT, fallback_name, points
from .text.numbers import count, number, pct, ratio, span

MIN_EFFECT = 0.2  # Cohen's "small": weaker differences are not called traits
NAME_TRAITS = 3
DEFINING_TRAITS = 4
OTHER_TRAITS = 3
ALL_OWN = 0.99
NONE_OWN = 0.01
MISSING_NOTE = 0.05  # say how often a value is not recorded from this share up
MOSTLY_MISSING = 0.5
RANGE_NARROWER = 0.75  # a 5-95% range this much narrower than the table's is worth naming


@dataclass(frozen=True)
class Insights:
    """What sets each segment apart, its names and narratives, and the product offers."""

    distinguishing: pd.DataFrame
    names: dict[str, dict[int, str]]  # lang -> segment number -> short name
    narratives: dict[str, dict[int, str]]  # lang -> segment number -> paragraph
    offers: pd.DataFrame
    offer_validation: pd.DataFrame
    # recommend.product_verdicts, with explanation_id / explanation_en: why each product is or
    # is not offered, in plain words (Narrator.product_explanation)
    product_verdicts: pd.DataFrame = field(default_factory=pd.DataFrame)


def build_insights(
    df: pd.DataFrame,
    schema: Schema,
    experiment: Experiment,
    profile: Profile,
    fit: Clustering,
    space: FeatureSpace,
    seed: int = 0,
) -> Insights:
    """Everything the report says about one experiment's recommended segments.

    `df` holds the rows that were clustered, before imputation; `fit` and `space` are the
    recommended model and the feature space it clustered in.
    """
    features = experiment.features
    table = distinguishing(df, fit.labels, schema, features)
    X = space.transform(df)
    groups = {
        product: lookalike_groups(X, fit.centers, fit.metric, fit.labels, columns)
        for product, columns in product_feature_columns(space, schema).items()
    }
    checked = holdout(
        df,
        schema,
        experiment,
        algorithm=fit.algorithm,
        k=fit.k,
        metric=fit.metric,
        encoding=space.encoding,
        seed=seed,
        labels=fit.labels,
        groups=groups,
    )
    validation = checked.products
    offer_table = offers(df, fit.labels, schema, groups, checked.segments)
    narrator = Narrator(schema, features, profile, table, offer_table, validation)
    writer = {lang: narrator.in_language(lang) for lang in LANGUAGES}
    numbers = [int(s) for s in np.unique(segment_numbers(fit.labels))]
    verdicts = product_verdicts(offer_table, validation)
    for lang, w in writer.items():
        verdicts[f"explanation_{lang}"] = [
            w.product_explanation(row) for row in verdicts.itertuples(index=False)
        ]
    return Insights(
        distinguishing=table,
        names={lang: w.names(numbers) for lang, w in writer.items()},
        narratives={lang: {s: w.narrative(s) for s in numbers} for lang, w in writer.items()},
        offers=offer_table,
        offer_validation=validation,
        product_verdicts=verdicts,
    )


class Narrator:
    """Writes one language's names and narratives from the tables of one experiment."""

    def __init__(
        self,
        schema: Schema,
        features: tuple[str, ...] | list[str],
        profile: Profile,
        distinguishing: pd.DataFrame,
        offers: pd.DataFrame,
        validation: pd.DataFrame,
        lang: str = "id",
    ) -> None:
        self.schema = schema
        self.features = set(features)
        self.lang = lang if lang in TEXT else "id"
        self.numeric = _indexed(profile.numeric, ["segment", "column"])
        self.categories = _indexed(profile.categories, ["segment", "column", "level"])
        self.products = _indexed(profile.products, ["segment", "product"])
        self.sizes = profile.segments.set_index("segment")
        self.distinguishing = distinguishing
        self.offers = offers
        self.validation = _indexed(validation, ["product"])
        self._traits: dict[int, pd.DataFrame] = {}  # the names and the narratives share them

    def in_language(self, lang: str) -> Narrator:
        """This narrator writing in `lang`: the traits it finds serve both (they are the same
        in every language, and finding them is most of the work)."""
        other = copy.copy(self)
        other.lang = lang if lang in TEXT else "id"
        return other

    def t(self, key: str, **values: str) -> str:
        return TEXT[self.lang][key].format(**values)

    def label(self, column: str) -> str:
        return self.schema.column(column).display(self.lang)

    # --- traits ----------------------------------------------------------------------------

    def traits(self, segment: int) -> pd.DataFrame:
        """The segment's significant differences of at least a small effect, strongest first.

        A number the segment mostly did not record is a trait of its own (kind 'missing',
        effect: Cohen's h of the missing shares), in place of statistics on the few values
        that were recorded.
        """
        if segment not in self._traits:
            self._traits[segment] = self._find_traits(segment)
        return self._traits[segment]

    def _find_traits(self, segment: int) -> pd.DataFrame:
        rows = self.distinguishing[self.distinguishing.segment == segment]
        rows = rows[rows.significant & (rows.effect.abs() >= MIN_EFFECT)]
        unrecorded = self._unrecorded(segment)
        rows = rows[~((rows.kind == "numeric") & rows.column.isin(unrecorded.column))]
        rows = pd.concat([rows, unrecorded], ignore_index=True) if len(unrecorded) else rows
        rows = rows.assign(
            strength=rows.effect.abs(), defining=[self.defines(c) for c in rows.column]
        )
        return rows.sort_values("strength", ascending=False, kind="stable")

    def _unrecorded(self, segment: int) -> pd.DataFrame:
        """Numeric columns with no value for most of the segment, as traits."""
        if self.numeric is None or segment not in self.numeric.index.get_level_values(0):
            return pd.DataFrame(columns=["column", "kind", "effect"])
        mine = self.numeric.loc[segment]
        mostly = mine[mine.missing_share >= MOSTLY_MISSING]
        effect = 2 * np.arcsin(np.sqrt(mostly.missing_share)) - 2 * np.arcsin(
            np.sqrt(mostly.overall_missing_share)
        )
        return pd.DataFrame(
            {"column": mostly.index, "kind": "missing", "effect": effect.to_numpy()}
        )[effect.to_numpy() >= MIN_EFFECT]

    def defines(self, column: str) -> bool:
        """A clustering variable, or a count made of clustering variables."""
        col = self.schema.column(column)
        return column in self.features or bool(set(col.of) & self.features)

    # --- names -----------------------------------------------------------------------------

    def names(self, segments: list[int]) -> dict[int, str]:
        """Short names from each segment's strongest traits, made distinct from each other:
        segments that would share a name get more traits, then their number."""
        parts = {s: self.name_parts(s) for s in segments}

        def joined(segment: int, width: int) -> str:
            text = " · ".join(parts[segment][:width])
            return capitalised(text) or fallback_name(segment, self.lang)

        names = {s: joined(s, NAME_TRAITS) for s in segments}
        width, widest = NAME_TRAITS, max((len(p) for p in parts.values()), default=0)
        while (clashing := _clashing(names)) and width < widest:
            width += 1
            names |= {s: joined(s, width) for s in clashing}
        for s in _clashing(names):
            names[s] = self.t("name_numbered", name=names[s], segment=str(s))
        return names

    def name_parts(self, segment: int) -> list[str]:
        """Name phrases, strongest trait first; owned and absent products are merged."""
        parts: list[str] = []
        has: list[str] = []
        absent: list[str] = []
        seen_numeric = False
        named_levels: set[str] = set()
        for row in self.traits(segment).itertuples():
            col = self.schema.column(row.column)
            if row.kind == "missing":
                parts.append(self.t("name_missing", label=self.label(row.column)))
            elif row.kind == "numeric":
                if col.role == "derived_count" and self.defines(row.column):
                    continue
                parts.append(self._name_numeric(segment, row, first=not seen_numeric))
                seen_numeric = True
            elif row.kind == "category":
                if row.effect > 0 and row.column not in named_levels:
                    parts.append(self._name_level(segment, row))
                    named_levels.add(row.column)
            else:
                rate = self.products.loc[(segment, row.column), "rate"]
                label = self.label(row.column)
                if rate >= ALL_OWN or rate <= NONE_OWN:
                    group = has if rate >= ALL_OWN else absent
                    if not group:
                        parts.append("{has}" if group is has else "{absent}")
                    group.append(label)
                else:
                    parts.append(self._name_product(rate, row.effect, label))
        filled = {
            "{has}": self.t("name_has", labels=", ".join(has)),
            "{absent}": self.t("name_none", labels=", ".join(absent)),
        }
        return [filled.get(p, p) for p in parts]

    def _name_numeric(self, segment: int, row: Any, first: bool) -> str:
        label = self.label(row.column)
        stats = self.numeric.loc[(segment, row.column)]
        spread = stats.overall_p95 - stats.overall_p05
        if first and spread > 0 and (stats.p95 - stats.p05) <= RANGE_NARROWER * spread:
            return self.t("name_range", label=label, span=span(stats.p05, stats.p95))
        return self.t("name_high" if row.effect > 0 else "name_low", label=label)

    def _name_level(self, segment: int, row: Any) -> str:
        share = self.categories.loc[(segment, row.column, row.level), "share"]
        key = "name_level" if share >= 0.5 else "name_level_share"
        return self.t(key, label=self.label(row.column), level=str(row.level), share=pct(share))

    def _name_product(self, rate: float, effect: float, label: str) -> str:
        if effect > 0:
            return self.t("name_mostly" if rate >= 0.5 else "name_more_often", label=label)
        return self.t("name_less_often" if rate >= 0.5 else "name_seldom", label=label)

    # --- narratives ------------------------------------------------------------------------

    def narrative(self, segment: int) -> str:
        """A paragraph: size, defining traits, other differences, the next-best offer."""
        size = self.sizes.loc[segment]
        sentences = [
            self.t("size", segment=str(segment), size=count(size["size"]), share=pct(size["share"]))
        ]
        traits = self.traits(segment)
        defining = traits[traits.defining].head(DEFINING_TRAITS)
        other = traits[~traits.defining].head(OTHER_TRAITS)
        sentences.append(
            self.t(
                "defining", traits="; ".join(self._trait(segment, r) for r in defining.itertuples())
            )
            if len(defining)
            else self.t("defining_none")
        )
        sentences.append(
            self.t("other", traits="; ".join(self._trait(segment, r) for r in other.itertuples()))
            if len(other)
            else self.t("other_none")
        )
        offer = self._offer(segment)
        if offer:
            sentences.append(offer)
        return " ".join(sentences)

    def _trait(self, segment: int, row: Any) -> str:
        label = self.label(row.column)
        if row.kind == "missing":
            stats = self.numeric.loc[(segment, row.column)]
            return self.t(
                "numeric_missing",
                label=label,
                share=pct(stats.missing_share),
                overall=pct(stats.overall_missing_share),
            )
        if row.kind == "numeric":
            return self._numeric_trait(segment, row, label)
        if row.kind == "category":
            shares = self.categories.loc[(segment, row.column, row.level)]
            return self.t(
                "level_more" if row.effect > 0 else "level_fewer",
                label=label,
                level=str(row.level),
                share=pct(shares.share),
                overall=pct(shares.overall_share),
            )
        rates = self.products.loc[(segment, row.column)]
        return self.t("product", label=label, rate=pct(rates.rate), overall=pct(rates.overall_rate))

    def _numeric_trait(self, segment: int, row: Any, label: str) -> str:
        stats = self.numeric.loc[(segment, row.column)]
        unit = self.schema.column(row.column).unit_text(self.lang)
        unit = f" {unit}" if unit else ""
        spread = stats.overall_p95 - stats.overall_p05
        # Equal medians hide the difference in a column of a few whole values; the mean shows it.
        stat = "median" if stats["median"] != stats.overall_median else "mean"
        overall = stats.overall_median if stat == "median" else stats.overall_mean
        values = {
            "label": label,
            "unit": unit,
            "stat": self.t(stat),
            "value": number(stats[stat]),
            "overall": number(overall),
        }
        if spread > 0 and (stats.p95 - stats.p05) <= RANGE_NARROWER * spread:
            text = self.t("numeric_range", span=span(stats.p05, stats.p95), **values)
        else:
            text = self.t("numeric_higher" if row.effect > 0 else "numeric_lower", **values)
        if stats.missing_share >= MISSING_NOTE:
            text += self.t("missing_note", share=pct(stats.missing_share))
        return text

    def _offer(self, segment: int) -> str:
        """The segment's next-best offer, or its closest candidate and why it is not offered,
        with the segment's own evidence (never the segmentation's AUC)."""
        mine = self.offers[(self.offers.segment == segment) & (self.offers["rank"] == 1)]
        if mine.empty:
            return ""
        offer = mine.iloc[0]
        product = self.label(offer["product"])
        evidence = self.t(
            "evidence_alike" if offer.basis == BASIS_OTHER_FEATURES else "evidence_segment",
            rate=pct(offer.propensity),
            overall=pct(offer.overall_rate),
            lift=ratio(offer.propensity_lift),
        )
        if offer.offered:
            return self.t(
                "offer",
                product=product,
                evidence=capitalised(evidence),
                non_owners=count(offer.non_owners),
                heldout=self._heldout(offer),
            )
        return self.t(
            "no_offer",
            product=product,
            evidence=capitalised(evidence),
            reason=self.reason(offer),
        )

    def reason(self, offer: Any) -> str:
        """Why an offer row is not offered, in words, with its numbers."""
        code = offer.reason
        if code == "not_confirmed_heldout" and not offer.heldout_customers:
            code = "untested"
        return self.t(
            f"reason_{code}",
            rate=pct(offer.rate),
            lift=ratio(offer.propensity_lift),
            min_lift=ratio(MIN_LIFT),
            non_owners=count(offer.non_owners),
            min_reachable=count(MIN_REACHABLE),
            heldout=self._heldout(offer) if offer.heldout_customers else "",
        )

    def _heldout(self, offer: Any) -> str:
        """The held-out check of one offer row in words."""
        return self.t(
            "heldout",
            customers=count(offer.heldout_customers),
            rate=pct(offer.heldout_rate),
            rest=pct(offer.heldout_rest_rate),
            difference=points(offer.heldout_difference),
            low=points(offer.heldout_difference_low),
            high=points(offer.heldout_difference_high),
        )

    def product_explanation(self, verdict: Any) -> str:
        """Why one product is or is not offered in this experiment (a product_verdicts row),
        in plain words: its best segment, the segment with the most customers without it, and
        what to do instead."""
        product = self.label(verdict.product)
        rows = self.offers[self.offers["product"] == verdict.product].set_index("segment")
        best = rows.loc[verdict.best_segment]
        if verdict.verdict == OFFERED:
            return capitalised(
                self.t(
                    "verdict_offered",
                    product=product,
                    segments=verdict.offered_segments,
                    segment=str(verdict.best_segment),
                    rate=pct(best.propensity),
                    overall=pct(best.overall_rate),
                    lift=ratio(best.propensity_lift),
                    non_owners=count(best.non_owners),
                )
            )
        alike = best.basis == BASIS_OTHER_FEATURES
        sentences = [
            self.t(
                "verdict_best_alike" if alike else "verdict_best",
                product=product,
                segment=str(verdict.best_segment),
                rate=pct(best.propensity),
                overall=pct(best.overall_rate),
                reason=self.reason(best),
            )
        ]
        if verdict.widest_segment != verdict.best_segment:
            widest = rows.loc[verdict.widest_segment]
            lift = widest.propensity_lift
            how = "verdict_less" if lift < 1 else "verdict_more"
            if ratio(lift) == ratio(1.0):
                how = "verdict_average"
            reason = (
                self.t("verdict_not_supported")
                if widest.reason == "small_lift"
                else self.reason(widest)
            )
            sentences.append(
                self.t(
                    "verdict_widest_alike" if alike else "verdict_widest",
                    product=product,
                    segment=str(verdict.widest_segment),
                    non_owners=count(widest.non_owners),
                    how=self.t(how),
                    rate=pct(widest.propensity),
                    lift=ratio(lift),
                    reason=reason,
                )
            )
        sentences.append(self.t("verdict_learn"))
        return " ".join(capitalised(s) for s in sentences)


def _indexed(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """A profile table indexed for lookups; None when the schema gave it no rows."""
    return table.set_index(keys) if len(table) else None


def _clashing(names: dict[int, str]) -> list[int]:
    taken = pd.Series(names)
    return sorted(int(s) for s in taken[taken.duplicated(keep=False)].index)
