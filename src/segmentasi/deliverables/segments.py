"""One segment as a slide shows it: its size, a few traits, its offer, and its chart against
all customers. Every number is read from the run's profile, distinguishing and offer tables and
formatted with text.numbers, as the narratives are.

Which variables the chart shows: a segmentation that clusters no product (the `demografi`
kind) is shown by product ownership, every product; one that clusters products (the `produk`
kind) by what it did not cluster on, its most distinguishing demographics.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..text import capitalised
from ..text import report as report_words
from ..text.deliverables import say
from ..text.numbers import count, money, number, pct

if TYPE_CHECKING:
    from ..results import ExperimentResult, RunResult
    from ..schema import Column

TRAITS = 4
CHART_ROWS = 6


@dataclass(frozen=True)
class Measure:
    """One variable of one segment against all customers."""

    label: str  # the chart's row label
    value: float
    overall: float
    value_text: str
    overall_text: str
    share: bool
    trait: str  # the bullet


@dataclass(frozen=True)
class SegmentView:
    experiment: str
    segment: int
    name: str
    customers: int
    share: float
    title: str
    size: str
    traits: tuple[str, ...]
    offer: str | None


def segment_view(result: RunResult, experiment: str, segment: int, lang: str) -> SegmentView:
    exp = result.experiments[experiment]
    sizes = exp.profile.segments.set_index("segment")
    name = exp.insights.names[lang].get(segment, "")
    customers, share = int(sizes.loc[segment, "size"]), float(sizes.loc[segment, "share"])
    ranked = _ranked(exp, segment)
    traits = [m.trait for m in _measures(result, exp, segment, ranked, lang, TRAITS)]
    return SegmentView(
        experiment=experiment,
        segment=segment,
        name=name,
        customers=customers,
        share=share,
        title=say("segment_title", lang, segment=segment, experiment=experiment, name=name),
        size=say("segment_size", lang, customers=count(customers, lang), share=pct(share, lang)),
        traits=tuple(traits),
        offer=_offer(result, exp, segment, lang),
    )


@dataclass(frozen=True)
class SegmentChart:
    """A slide's chart: the segment against all customers, one pair of bars per measure."""

    title: str  # what it shows, and how its bars are scaled when not on one axis
    measures: tuple[Measure, ...]
    shares: bool  # every measure a share, drawn on one 0-100% axis


def segment_chart(
    result: RunResult, experiment: str, segment: int, lang: str
) -> SegmentChart | None:
    """The segment's chart, or None when the profile has nothing to show."""
    measures = chart_measures(result, experiment, segment, lang)
    if not measures:
        return None
    exp = result.experiments[experiment]
    key = "chart_products" if _shows_products(result, exp) else "chart_traits"
    title = say(key, lang, segment=segment)
    shares = all(m.share for m in measures)
    if not shares:
        title = f"{title} ({say('chart_scaled', lang)})"
    return SegmentChart(title, tuple(measures), shares)


def chart_measures(result: RunResult, experiment: str, segment: int, lang: str) -> list[Measure]:
    exp = result.experiments[experiment]
    ranked = _ranked(exp, segment)
    if _shows_products(result, exp):
        chosen = ranked[ranked["kind"] == "product"]
    else:
        derived = {c.name for c in result.schema.by_role("derived_count")}
        skipped = set(exp.experiment.features) | derived
        chosen = ranked[(ranked["kind"] != "product") & ~ranked["column"].isin(skipped)]
        if chosen.empty:
            chosen = ranked
    return _measures(result, exp, segment, chosen, lang, CHART_ROWS)


def _shows_products(result: RunResult, exp: ExperimentResult) -> bool:
    products = {c.name for c in result.schema.products}
    return bool(products) and not products & set(exp.experiment.features)


def _ranked(exp: ExperimentResult, segment: int) -> pd.DataFrame:
    """The segment's distinguishing rows, most distinguishing first, one per (column, level)."""
    table = exp.insights.distinguishing
    mine = table[table["segment"] == segment].sort_values("rank", kind="stable")
    return mine.drop_duplicates(["column", "level"])


def _measures(
    result: RunResult,
    exp: ExperimentResult,
    segment: int,
    rows: pd.DataFrame,
    lang: str,
    most: int,
) -> list[Measure]:
    """The first `most` of `rows` that the profile tables hold."""
    tables = _segment_rows(exp, segment)
    found: list[Measure] = []
    for row in rows.itertuples(index=False):
        if len(found) == most:
            break
        measure = _measure(result, tables, row.kind, row.column, row.level, lang)
        if measure is not None:
            found.append(measure)
    return found


def _segment_rows(exp: ExperimentResult, segment: int) -> dict[tuple, dict]:
    """The segment's rows of the profile tables by (kind, column[, level])."""
    profile = exp.profile
    found: dict[tuple, dict] = {}
    for kind, table, keys in (
        ("product", profile.products, ["product"]),
        ("category", profile.categories, ["column", "level"]),
        ("numeric", profile.numeric, ["column"]),
    ):
        if table.empty:
            continue
        for record in table[table["segment"] == segment].to_dict("records"):
            found[(kind, *(record[k] for k in keys))] = record
    return found


def _measure(
    result: RunResult,
    tables: dict[tuple, dict],
    kind: str,
    column: str,
    level: object,
    lang: str,
) -> Measure | None:
    col = result.schema.column(column)
    label = col.display(lang)
    if kind == "product":
        mine = tables.get(("product", column))
        if mine is None:
            return None
        value, overall = float(mine["rate"]), float(mine["overall_rate"])
        trait = say(
            "trait_owned", lang, label=label, rate=pct(value, lang), overall=pct(overall, lang)
        )
        return _share_measure(label, value, overall, trait, col, lang)
    if kind == "category":
        mine = tables.get(("category", column, level))
        if mine is None:
            return None
        value, overall = float(mine["share"]), float(mine["overall_share"])
        level_text = col.level_text(str(level), lang)
        trait = say(
            "trait_level",
            lang,
            label=label,
            level=level_text,
            share=pct(value, lang),
            overall=pct(overall, lang),
        )
        row_label = say("row_level", lang, label=label, level=level_text)
        return _share_measure(row_label, value, overall, trait, col, lang)
    mine = tables.get(("numeric", column))
    if mine is None:
        return None
    value, overall, which = float(mine["median"]), float(mine["overall_median"]), "median"
    if number(value, lang) == number(overall, lang):  # medians alike: the means tell them apart
        value, overall, which = float(mine["mean"]), float(mine["overall_mean"]), "mean"
    if not (np.isfinite(value) and np.isfinite(overall)):
        return None
    value_text, overall_text = (_amount(col, v, lang) for v in (value, overall))
    unit = "" if col.is_money else col.unit_text(lang)  # money states its unit
    trait = say(
        f"trait_{which}",
        lang,
        label=label,
        value=value_text + (f" {unit}" if unit else ""),
        overall=overall_text,
    )
    row_label = say(f"row_{which}", lang, label=label)
    return Measure(
        row_label,
        value,
        overall,
        value_text,
        overall_text,
        False,
        capitalised(trait, col.raw_names(lang)),
    )


def _share_measure(
    row_label: str, value: float, overall: float, trait: str, col: Column, lang: str
) -> Measure:
    """A share (ownership or a level's) against all customers's, as a slide's bar pair."""
    return Measure(
        row_label,
        value,
        overall,
        pct(value, lang),
        pct(overall, lang),
        True,
        capitalised(trait, col.raw_names(lang)),
    )


def _amount(col: Column, value: float, lang: str) -> str:
    """A value of a numeric column: money with its currency ('Rp324 juta'), else a number."""
    if col.is_money:
        return money(value, lang, col.currency, col.currency_unit)
    return number(value, lang)


def _offer(result: RunResult, exp: ExperimentResult, segment: int, lang: str) -> str | None:
    """The segment's first offer, or why none is supported (None without products)."""
    offers = exp.insights.offers
    mine = offers[offers["segment"] == segment].sort_values("rank", kind="stable")
    if mine.empty:
        return None
    made = mine[mine["offered"]]
    if not made.empty:
        o = made.iloc[0]
        return say(
            "offer",
            lang,
            product=result.schema.column(o["product"]).display(lang),
            rate=pct(float(o["propensity"]), lang),
            overall=pct(float(o["overall_rate"]), lang),
            customers=count(int(o["non_owners"]), lang),
        )
    o = mine.iloc[0]
    if not isinstance(o["reason"], str) or not o["reason"]:
        return say("no_offer_left", lang)
    return say(
        "no_offer",
        lang,
        product=result.schema.column(o["product"]).display(lang),
        reason=report_words.say(f"reason_{o['reason']}", lang),
    )
