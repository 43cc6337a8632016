"""Segment names and narratives in Bahasa Indonesia and English, and the run's insights.

Every number a name or narrative states is read from the profile, distinguishing, offer and
validation tables and formatted with a stated rounding (text.numbers: percentages with pct,
counts with thousands separators, other numbers to whole units, lifts and AUCs to two decimals),
so the words can be checked against the tables. Column names come from the schema's labels; the
words themselves are in text.narrative.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .algorithms import Clustering
from .features import FeatureSpace
from .profile import Profile, distinguishing, segment_numbers
from .recommend import (
    BASIS_OTHER_FEATURES,
    lookalike_groups,
    offers,
    product_feature_columns,
    validate_offers,
)
from .schema import Experiment, Schema
from .text import LANGUAGES, capitalised
from .text.narrative import TEXT, fallback_name
from .text.numbers import count, money, number, pct, ratio, span

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
    validation = validate_offers(
        df,
        schema,
        experiment,
        algorithm=fit.algorithm,
        k=fit.k,
        metric=fit.metric,
        encoding=space.encoding,
        seed=seed,
    )
    X = space.transform(df)
    groups = {
        product: lookalike_groups(X, fit.centers, fit.metric, fit.labels, columns)
        for product, columns in product_feature_columns(space, schema).items()
    }
    offer_table = offers(df, fit.labels, schema, groups, validation)
    narrator = Narrator(schema, features, profile, table, offer_table, validation)
    writer = {lang: narrator.in_language(lang) for lang in LANGUAGES}
    numbers = [int(s) for s in np.unique(segment_numbers(fit.labels))]
    return Insights(
        distinguishing=table,
        names={lang: w.names(numbers) for lang, w in writer.items()},
        narratives={lang: {s: w.narrative(s) for s in numbers} for lang, w in writer.items()},
        offers=offer_table,
        offer_validation=validation,
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

    def value(self, column: str, value: float) -> str:
        """A numeric column's value: money with its currency ('Rp324 juta'), else a number."""
        col = self.schema.column(column)
        if col.is_money:
            return money(value, self.lang, col.currency, col.currency_unit)
        return number(value, self.lang)

    def span(self, column: str, low: float, high: float) -> str:
        """A range of a numeric column's values, or one value when both ends read alike."""
        col = self.schema.column(column)
        if not col.is_money:
            return span(low, high, self.lang)
        low_text, high_text = self.value(column, low), self.value(column, high)
        return low_text if low_text == high_text else f"{low_text}–{high_text}"

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
            return self.t(
                "name_range", label=label, span=self.span(row.column, stats.p05, stats.p95)
            )
        return self.t("name_high" if row.effect > 0 else "name_low", label=label)

    def _name_level(self, segment: int, row: Any) -> str:
        share = self.categories.loc[(segment, row.column, row.level), "share"]
        key = "name_level" if share >= 0.5 else "name_level_share"
        return self.t(
            key, label=self.label(row.column), level=str(row.level), share=pct(share, self.lang)
        )

    def _name_product(self, rate: float, effect: float, label: str) -> str:
        if effect > 0:
            return self.t("name_mostly" if rate >= 0.5 else "name_more_often", label=label)
        return self.t("name_less_often" if rate >= 0.5 else "name_seldom", label=label)

    # --- narratives ------------------------------------------------------------------------

    def narrative(self, segment: int) -> str:
        """A paragraph: size, defining traits, other differences, the next-best offer."""
        size = self.sizes.loc[segment]
        sentences = [
            self.t(
                "size",
                segment=str(segment),
                size=count(size["size"], self.lang),
                share=pct(size["share"], self.lang),
            )
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
                share=pct(stats.missing_share, self.lang),
                overall=pct(stats.overall_missing_share, self.lang),
            )
        if row.kind == "numeric":
            return self._numeric_trait(segment, row, label)
        if row.kind == "category":
            shares = self.categories.loc[(segment, row.column, row.level)]
            return self.t(
                "level_more" if row.effect > 0 else "level_fewer",
                label=label,
                level=str(row.level),
                share=pct(shares.share, self.lang),
                overall=pct(shares.overall_share, self.lang),
            )
        rates = self.products.loc[(segment, row.column)]
        return self.t(
            "product",
            label=label,
            rate=pct(rates.rate, self.lang),
            overall=pct(rates.overall_rate, self.lang),
        )

    def _numeric_trait(self, segment: int, row: Any, label: str) -> str:
        stats = self.numeric.loc[(segment, row.column)]
        column = self.schema.column(row.column)
        unit = "" if column.is_money else column.unit_text(self.lang)  # money states its unit
        unit = f" {unit}" if unit else ""
        spread = stats.overall_p95 - stats.overall_p05
        # Equal medians hide the difference in a column of a few whole values; the mean shows it.
        stat = "median" if stats["median"] != stats.overall_median else "mean"
        overall = stats.overall_median if stat == "median" else stats.overall_mean
        values = {
            "label": label,
            "unit": unit,
            "stat": self.t(stat),
            "value": self.value(row.column, stats[stat]),
            "overall": self.value(row.column, overall),
        }
        if spread > 0 and (stats.p95 - stats.p05) <= RANGE_NARROWER * spread:
            text = self.t(
                "numeric_range", span=self.span(row.column, stats.p05, stats.p95), **values
            )
        else:
            text = self.t("numeric_higher" if row.effect > 0 else "numeric_lower", **values)
        if stats.missing_share >= MISSING_NOTE:
            text += self.t("missing_note", share=pct(stats.missing_share, self.lang))
        return text

    def _offer(self, segment: int) -> str:
        mine = self.offers[(self.offers.segment == segment) & (self.offers["rank"] == 1)]
        if mine.empty:
            return ""
        offer = mine.iloc[0]
        product = self.label(offer["product"])
        evidence = self.t(
            "evidence_alike" if offer.basis == BASIS_OTHER_FEATURES else "evidence_segment",
            rate=pct(offer.propensity, self.lang),
            overall=pct(offer.overall_rate, self.lang),
            lift=ratio(offer.propensity_lift, self.lang),
        )
        check = None if self.validation is None else self.validation.loc[offer["product"]]
        if offer.offered:
            return self.t(
                "offer",
                product=product,
                evidence=capitalised(evidence),
                non_owners=count(offer.non_owners, self.lang),
                auc=ratio(check.auc, self.lang),
                low=ratio(check.ci_low, self.lang),
                high=ratio(check.ci_high, self.lang),
            )
        reason = offer.reason
        if reason == "weak evidence":
            untested = check is None or pd.isna(check.auc)
            reason = (
                "untested"
                if untested
                else ("weak evidence" if check.verdict == "weak" else "no better than chance")
            )
        auc = "" if check is None or pd.isna(check.auc) else ratio(check.auc, self.lang)
        return self.t(
            "no_offer",
            product=product,
            evidence=capitalised(evidence),
            reason=self.t(reason, rate=pct(offer.rate, self.lang), auc=auc),
        )


def _indexed(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """A profile table indexed for lookups; None when the schema gave it no rows."""
    return table.set_index(keys) if len(table) else None


def _clashing(names: dict[int, str]) -> list[int]:
    taken = pd.Series(names)
    return sorted(int(s) for s in taken[taken.duplicated(keep=False)].index)
