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
from .text.narrative import TEXT, points
from .text.numbers import count, money, number, pct, ratio, span

MIN_EFFECT = 0.2  # Cohen's "small": weaker differences are not called traits
NAME_TRAITS = 3
NAME_MAX_CHARS = 40
# What makes a trait distinguishing enough to name a segment (distinguishing_trait). On the
# real table: "menikah" is 67% of three product groups against 42.1% of all customers (1.59x,
# named); "belum menikah" at 46-49% of four groups (1.6x the table's 29%) is under half of them
# (not named); savings, owned by 92.6% of all customers, is never "has savings"; age differs by
# 0.81 SD in the two demographic segments (named), income by -0.40 SD in one (not named) and
# 0.81 SD in the other (named).
LEVEL_SHARE = 0.5  # a level held by at least half the segment...
LEVEL_RATIO = 1.5  # ...and at least 1.5 times as common as in the whole table
OWNED_SHARE = 0.9  # "has X": at least 90% of the segment own it...
OWNED_TABLE_AT_MOST = 0.7  # ...while at most 70% of the table do
NONE_SHARE = 0.1  # "no X": at most 10% of the segment own it...
NONE_TABLE_AT_LEAST = 0.3  # ...while at least 30% of the table do
NUMERIC_SMD = 0.5  # |segment median - table median| / table SD: Cohen's "medium"
NAME_UNRECORDED = 0.1  # no name rests on a number unrecorded for more of the segment than this
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
    # the traits each name rests on: lang, segment, kind, column, level, direction (Narrator.chosen)
    name_traits: pd.DataFrame = field(default_factory=pd.DataFrame)
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
    names = {lang: w.names(numbers) for lang, w in writer.items()}
    return Insights(
        distinguishing=table,
        names=names,
        narratives={lang: {s: w.narrative(s) for s in numbers} for lang, w in writer.items()},
        offers=offer_table,
        offer_validation=validation,
        product_verdicts=verdicts,
        name_traits=pd.concat(
            [w.name_traits_table(numbers) for w in writer.values()], ignore_index=True
        ),
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
        # What every language says alike, found once: the names and the narratives share the
        # traits; the languages share those, the name candidates, the rows narratives state,
        # the profile rows they quote and the offers.
        self._traits: dict[int, pd.DataFrame] = {}
        self._candidates: dict[int, list[dict[str, Any]]] = {}
        self._stated: dict[int, tuple[list[Any], list[Any]]] = {}
        self._rows: dict[tuple[str, Any], pd.Series] = {}
        self._first_offers: dict[int, pd.Series | None] = {}
        self._product_offers: dict[str, pd.DataFrame] = {}

    def in_language(self, lang: str) -> Narrator:
        """This narrator writing in `lang`: the traits it finds serve both (they are the same
        in every language, and finding them is most of the work), and so does what it looks
        up."""
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
        coded = self._coded(segment)
        rows = pd.concat([rows, coded], ignore_index=True) if len(coded) else rows
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

    def _coded(self, segment: int) -> pd.DataFrame:
        """Sentinel codes as a level of their own ("never contacted"), as traits: the segment's
        share of them against the table's, by Cohen's h, from a small effect up."""
        if self.numeric is None or "sentinel_share" not in self.numeric:
            return pd.DataFrame(columns=["column", "kind", "effect"])
        if segment not in self.numeric.index.get_level_values(0):
            return pd.DataFrame(columns=["column", "kind", "effect"])
        mine = self.numeric.loc[segment].dropna(subset=["sentinel_share"])
        effect = np.array(
            [_h(r.sentinel_share, r.overall_sentinel_share) for r in mine.itertuples()], float
        )
        keep = np.abs(effect) >= MIN_EFFECT
        return pd.DataFrame(
            {"column": mine.index[keep], "kind": "sentinel", "effect": effect[keep]}
        )

    def defines(self, column: str) -> bool:
        """A clustering variable, or a count made of clustering variables."""
        col = self.schema.column(column)
        return column in self.features or bool(set(col.of) & self.features)

    # --- names -----------------------------------------------------------------------------

    def name_candidates(self, segment: int) -> list[dict[str, Any]]:
        """The segment's distinguishing traits (distinguishing_trait), clustering variables
        first, then by strength (|Cohen's h| against the table for shares, the standardised
        median difference for numbers)."""
        if segment not in self._candidates:
            self._candidates[segment] = self._find_candidates(segment)
        return self._candidates[segment]

    def _find_candidates(self, segment: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if self.categories is not None and segment in self.categories.index.get_level_values(0):
            for row in self.categories.loc[segment, ["share", "overall_share"]].itertuples():
                column, level = row.Index
                if level_distinguishes(row.share, row.overall_share) > 0:
                    found.append(
                        _trait("category", column, level, 1, _h(row.share, row.overall_share))
                    )
        if self.products is not None and segment in self.products.index.get_level_values(0):
            for row in self.products.loc[segment, ["rate", "overall_rate"]].itertuples():
                column = row.Index
                direction = product_distinguishes(row.rate, row.overall_rate)
                if direction:
                    found.append(
                        _trait("product", column, None, direction, _h(row.rate, row.overall_rate))
                    )
        if self.numeric is not None and segment in self.numeric.index.get_level_values(0):
            for column, row in self.numeric.loc[segment].iterrows():
                col = self.schema.column(column)
                if col.role == "derived_count" and self.defines(column):
                    continue
                if (
                    row.missing_share >= MOSTLY_MISSING
                    and row.overall_missing_share < 0.5 * row.missing_share
                ):
                    found.append(_trait("missing", column, None, 1, row.missing_share))
                    continue
                direction = numeric_distinguishes(row)
                if direction:
                    smd = abs(row["median"] - row.overall_median) / row.overall_sd
                    found.append(_trait("numeric", column, None, direction, smd))
        for trait in found:
            trait["defining"] = self.defines(trait["column"])
        return sorted(found, key=lambda t: (not t["defining"], -abs(t["strength"])))

    def chosen(self, segment: int, most: int = NAME_TRAITS) -> list[dict[str, Any]]:
        """Up to `most` of the strongest distinguishing traits whose name fits NAME_MAX_CHARS."""
        picked: list[dict[str, Any]] = []
        for trait in self.name_candidates(segment):
            if len(picked) >= most:
                break
            if len(self.render(segment, [*picked, trait])) <= NAME_MAX_CHARS:
                picked.append(trait)
        return picked

    def render(self, segment: int, traits: list[dict[str, Any]]) -> str:
        """A name from traits: "Usia 42–68, pendapatan lebih tinggi"; owned and absent
        products merged ("punya KPR & deposito, tanpa kartu kredit")."""
        parts: list[str] = []
        ranges: list[str] = []  # a segment's ranges lead its name: "Usia 42–68, ..."
        has: list[str] = []
        absent: list[str] = []
        for trait in traits:
            col = self.schema.column(trait["column"])
            short = col.short(self.lang)
            if trait["kind"] == "product":
                group = has if trait["direction"] > 0 else absent
                if not group:
                    parts.append("{has}" if group is has else "{absent}")
                group.append(short)
            elif trait["kind"] == "category":
                level = col.level_text(trait["level"], self.lang)
                parts.append(self.t("name_level", label=short, level=level).strip())
            elif trait["kind"] == "missing":
                parts.append(self.t("name_missing", label=short))
            else:
                stats = self._row("numeric", (segment, trait["column"]))
                spread = stats.overall_p95 - stats.overall_p05
                narrow = spread > 0 and (stats.p95 - stats.p05) <= RANGE_NARROWER * spread
                if narrow:
                    ranges.append(
                        self.t(
                            "name_range",
                            label=short,
                            span=self.span(trait["column"], stats.p05, stats.p95),
                        )
                    )
                else:
                    key = "name_high" if trait["direction"] > 0 else "name_low"
                    parts.append(self.t(key, label=short))
        filled = {
            "{has}": self.t("name_has", labels=self._listed(has)) if has else "",
            "{absent}": self.t("name_none", labels=self._listed(absent)) if absent else "",
        }
        raw = [r for t in traits for r in self.schema.column(t["column"]).raw_names(self.lang)]
        return capitalised(", ".join([*ranges, *(filled.get(p, p) for p in parts)]), raw)

    def _listed(self, labels: list[str]) -> str:
        return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " & " + labels[-1]

    def names(self, segments: list[int]) -> dict[int, str]:
        """Names of at most NAME_MAX_CHARS from each segment's distinguishing traits, unique:
        segments that would share a name get more traits, then their number; a segment with
        no distinguishing trait is "Segmen 3 (tanpa ciri menonjol)"."""
        self._chosen = {s: self.chosen(s) for s in segments}
        names = {s: self.render(s, self._chosen[s]) for s in segments}
        for s in _clashing(names):
            more = self.chosen(s, most=len(self.name_candidates(s)))
            if len(more) > len(self._chosen[s]):
                self._chosen[s], names[s] = more, self.render(s, more)
        for s in _clashing(names):
            traits = list(self._chosen[s])
            while traits:
                numbered = self.t("name_numbered", name=self.render(s, traits), segment=str(s))
                if len(numbered) <= NAME_MAX_CHARS:
                    break
                traits.pop()
            self._chosen[s] = traits
            names[s] = numbered if traits else ""
        for s in segments:
            if not names[s]:
                self._chosen[s] = []
                names[s] = self.t("name_fallback_plain", segment=str(s))
        return names

    def name_traits_table(self, segments: list[int]) -> pd.DataFrame:
        """The traits each name rests on (after names()), one row per trait."""
        chosen = getattr(self, "_chosen", None) or {s: self.chosen(s) for s in segments}
        rows = [
            {
                "lang": self.lang,
                "segment": s,
                "kind": t["kind"],
                "column": t["column"],
                "level": t["level"],
                "direction": t["direction"],
            }
            for s in segments
            for t in chosen.get(s, [])
        ]
        return pd.DataFrame(
            rows, columns=["lang", "segment", "kind", "column", "level", "direction"]
        )

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
        self._range_said = False  # the first range of a segment's text says what it is
        defining, other = self._stated_traits(segment)
        sentences.append(
            self.t("defining", traits="; ".join(self._trait(segment, r) for r in defining))
            if defining
            else self.t("defining_none")
        )
        sentences.append(
            self.t("other", traits="; ".join(self._trait(segment, r) for r in other))
            if other
            else self.t("other_none")
        )
        offer = self._offer(segment)
        if offer:
            sentences.append(offer)
        return " ".join(sentences)

    def _stated_traits(self, segment: int) -> tuple[list[Any], list[Any]]:
        """The rows of traits(segment) a narrative states: the defining ones, the others."""
        if segment not in self._stated:
            traits = self.traits(segment)
            stated = traits[["kind", "column", "level", "effect"]]  # what _trait reads
            defining = stated[traits.defining].head(DEFINING_TRAITS)
            other = stated[~traits.defining].head(OTHER_TRAITS)
            self._stated[segment] = list(defining.itertuples()), list(other.itertuples())
        return self._stated[segment]

    def _row(self, table: str, key: Any) -> pd.Series:
        """The row of profile table `table` (numeric, categories or products) at `key`."""
        if (table, key) not in self._rows:
            self._rows[(table, key)] = getattr(self, table).loc[key]
        return self._rows[(table, key)]

    def _trait(self, segment: int, row: Any) -> str:
        label = self.label(row.column)
        if row.kind == "missing":
            stats = self._row("numeric", (segment, row.column))
            return self.t(
                "numeric_missing",
                label=label,
                share=pct(stats.missing_share, self.lang),
                overall=pct(stats.overall_missing_share, self.lang),
            )
        if row.kind == "numeric":
            return self._numeric_trait(segment, row, label)
        if row.kind == "sentinel":  # the codes are a level of their own, not amounts
            stats = self._row("numeric", (segment, row.column))
            return self.t(
                "sentinel_trait",
                meaning=self.schema.column(row.column).sentinel_text(self.lang),
                share=pct(stats.sentinel_share, self.lang),
                overall=pct(stats.overall_sentinel_share, self.lang),
            )
        if row.kind == "category":
            shares = self._row("categories", (segment, row.column, row.level))
            return self.t(
                "level_more" if row.effect > 0 else "level_fewer",
                label=label,
                level=self.schema.column(row.column).level_text(row.level, self.lang),
                share=pct(shares.share, self.lang),
                overall=pct(shares.overall_share, self.lang),
            )
        rates = self._row("products", (segment, row.column))
        return self.t(
            "product",
            label=label,
            rate=pct(rates.rate, self.lang),
            overall=pct(rates.overall_rate, self.lang),
        )

    def _numeric_trait(self, segment: int, row: Any, label: str) -> str:
        stats = self._row("numeric", (segment, row.column))
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
            note = "" if getattr(self, "_range_said", True) else self.t("range_note")
            self._range_said = True
            text = self.t(
                "numeric_range",
                span=self.span(row.column, stats.p05, stats.p95),
                note=note,
                **values,
            )
        else:
            text = self.t("numeric_higher" if row.effect > 0 else "numeric_lower", **values)
        if stats.missing_share >= MISSING_NOTE:
            text += self.t("missing_note", share=pct(stats.missing_share, self.lang))
        return text

    def _offer(self, segment: int) -> str:
        """The segment's next-best offer, or its closest candidate and why it is not offered,
        with the segment's own evidence (never the segmentation's AUC)."""
        if segment not in self._first_offers:
            mine = self.offers[(self.offers.segment == segment) & (self.offers["rank"] == 1)]
            self._first_offers[segment] = None if mine.empty else mine.iloc[0]
        offer = self._first_offers[segment]
        if offer is None:
            return ""
        product = self.label(offer["product"])
        evidence = self.t(
            "evidence_alike" if offer.basis == BASIS_OTHER_FEATURES else "evidence_segment",
            rate=pct(offer.propensity, self.lang),
            overall=pct(offer.overall_rate, self.lang),
            lift=ratio(offer.propensity_lift, self.lang),
        )
        if offer.offered:
            return self.t(
                "offer",
                product=product,
                evidence=capitalised(evidence),
                non_owners=count(offer.non_owners, self.lang),
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
            rate=pct(offer.rate, self.lang),
            lift=ratio(offer.propensity_lift, self.lang),
            min_lift=ratio(MIN_LIFT, self.lang),
            non_owners=count(offer.non_owners, self.lang),
            min_reachable=count(MIN_REACHABLE, self.lang),
            heldout=self._heldout(offer) if offer.heldout_customers else "",
        )

    def _heldout(self, offer: Any) -> str:
        """The held-out check of one offer row in words."""
        return self.t(
            "heldout",
            customers=count(offer.heldout_customers, self.lang),
            rate=pct(offer.heldout_rate, self.lang),
            rest=pct(offer.heldout_rest_rate, self.lang),
            difference=points(offer.heldout_difference, self.lang),
            low=points(offer.heldout_difference_low, self.lang),
            high=points(offer.heldout_difference_high, self.lang),
        )

    def product_explanation(self, verdict: Any) -> str:
        """Why one product is or is not offered in this experiment (a product_verdicts row),
        in plain words: its best segment, the segment with the most customers without it, and
        what to do instead."""
        product = self.label(verdict.product)
        if verdict.product not in self._product_offers:
            offered = self.offers[self.offers["product"] == verdict.product]
            self._product_offers[verdict.product] = offered.set_index("segment")
        rows = self._product_offers[verdict.product]
        best = rows.loc[verdict.best_segment]
        if verdict.verdict == OFFERED:
            return capitalised(
                keep=self.schema.column(verdict.product).raw_names(self.lang),
                text=self.t(
                    "verdict_offered",
                    product=product,
                    segments=verdict.offered_segments,
                    segment=str(verdict.best_segment),
                    rate=pct(best.propensity, self.lang),
                    overall=pct(best.overall_rate, self.lang),
                    lift=ratio(best.propensity_lift, self.lang),
                    non_owners=count(best.non_owners, self.lang),
                ),
            )
        alike = best.basis == BASIS_OTHER_FEATURES
        sentences = [
            self.t(
                "verdict_best_alike" if alike else "verdict_best",
                product=product,
                segment=str(verdict.best_segment),
                rate=pct(best.propensity, self.lang),
                overall=pct(best.overall_rate, self.lang),
                reason=self.reason(best),
            )
        ]
        if verdict.widest_segment != verdict.best_segment:
            widest = rows.loc[verdict.widest_segment]
            lift = widest.propensity_lift
            how = "verdict_less" if lift < 1 else "verdict_more"
            if ratio(lift, self.lang) == ratio(1.0, self.lang):
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
                    non_owners=count(widest.non_owners, self.lang),
                    how=self.t(how),
                    rate=pct(widest.propensity, self.lang),
                    lift=ratio(lift, self.lang),
                    reason=reason,
                )
            )
        sentences.append(self.t("verdict_learn"))
        raw = self.schema.column(verdict.product).raw_names(self.lang)
        return " ".join(capitalised(s, raw) for s in sentences)


def level_distinguishes(share: float, overall: float) -> int:
    """1 when a category level names a segment: held by at least LEVEL_SHARE of the segment and
    at least LEVEL_RATIO times its share in the whole table; else 0. (A level the segment
    lacks, at most half the table's share of 20% or more, also sets it apart, but names only
    state what a segment is.)"""
    return int(share >= LEVEL_SHARE and share >= LEVEL_RATIO * overall)


def product_distinguishes(rate: float, overall: float) -> int:
    """1 "has it": owned by OWNED_SHARE of the segment or more while OWNED_TABLE_AT_MOST of the
    table or fewer own it; -1 "without it": NONE_SHARE or fewer against NONE_TABLE_AT_LEAST or
    more; else 0. A product most customers have is never a name."""
    if rate >= OWNED_SHARE and overall <= OWNED_TABLE_AT_MOST:
        return 1
    if rate <= NONE_SHARE and overall >= NONE_TABLE_AT_LEAST:
        return -1
    return 0


def numeric_distinguishes(stats: Any) -> int:
    """1 (higher) or -1 (lower) when the segment's median differs from the table's by at least
    NUMERIC_SMD table standard deviations and the number is recorded for all but at most
    NAME_UNRECORDED of the segment; else 0. `stats` is a profile.numeric row."""
    if not stats.missing_share <= NAME_UNRECORDED or not stats.overall_sd > 0:
        return 0
    smd = (stats["median"] - stats.overall_median) / stats.overall_sd
    return int(np.sign(smd)) if abs(smd) >= NUMERIC_SMD else 0


def _h(share: float, overall: float) -> float:
    """Cohen's h of a share against the table's."""
    return float(2 * np.arcsin(np.sqrt(share)) - 2 * np.arcsin(np.sqrt(overall)))


def _trait(kind: str, column: str, level: Any, direction: int, strength: float) -> dict[str, Any]:
    return {
        "kind": kind,
        "column": column,
        "level": level,
        "direction": direction,
        "strength": strength,
    }


def _indexed(table: pd.DataFrame, keys: list[str]) -> pd.DataFrame | None:
    """A profile table indexed for lookups; None when the schema gave it no rows."""
    return table.set_index(keys) if len(table) else None


def _clashing(names: dict[int, str]) -> list[int]:
    taken = pd.Series(names)
    return sorted(int(s) for s in taken[taken.duplicated(keep=False)].index)
