"""From a RunResult to the report's context: every number is read from the run's tables here.

The template only lays out what this module hands it; the charts only draw what it passes.
So a sentence, a card and a chart that show the same number take it from the same cell.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from .. import decision
from ..engine import SPACE_FIT_ROWS
from ..features import INDICATED_SHARE, space_kind
from ..parallel import Workers
from ..profile import segment_numbers
from ..quality import Finding
from ..recommend import BASIS_OTHER_FEATURES, TEST_SHARE
from ..rules import FAITHFUL_AGREEMENT, FAITHFUL_MIN_HELDOUT, MAX_DEPTH, TARGET_FIDELITY
from ..segment_rules import experiment_rules
from ..sweep import SweepOptions
from ..text import capitalised
from ..text.decision import DecisionWords, decision_words
from ..text.decision import say as decision_say
from ..text.findings import describe
from ..text.k_rule import report_reason
from ..text.narrative import points
from ..text.numbers import (
    compact,
    count,
    fixed,
    money_compact,
    num,
    number,
    pct,
    ratio,
    ratio_or_dash,
    score,
    score_or_dash,
    setting,
)
from ..text.report import ALGORITHMS, say
from ..text.rules import notes as rule_notes
from ..text.rules import say as rules_say
from ..version import __version__
from . import plots
from .plots import OTHER_COLOUR, AxisTexts, segment_color

if TYPE_CHECKING:
    from ..diagnostics import SpaceDiagnostics
    from ..results import ExperimentResult, RunResult
    from ..schema import Schema

# Rows drawn in the per-customer silhouette plot and the PCA map; more only blurs the picture
# and costs time (the silhouette of each drawn row is still computed against every row).
PLOT_ROWS = 10_000
TOP_OFFERS = 3
STABILITY_HIGH = 0.9
STABILITY_MID = 0.75
# Colour scale of the profile heatmap, in Cohen's d / h: 0.8 is already a large effect.
EFFECT_LIMIT = 1.2
# Customers closer to another segment's border than this (the per-customer silhouette).
WEAK_SILHOUETTE = 0.25
# The portfolio map shows the largest product combinations until they hold this share of the
# customers (at most PORTFOLIO_ROWS of them) and sums up the rest in one row.
PORTFOLIO_COVER = 0.9
PORTFOLIO_ROWS = 30


@dataclass(frozen=True)
class Chart:
    id: str
    src: plots.Drawing  # a PNG data URI that knows its size and smallest text
    alt: str
    caption: str


@dataclass(frozen=True)
class HeatCell:
    lines: tuple[str, ...]
    background: str  # '#rrggbb'
    ink: str  # the text's colour: black or white, whichever reads on the background


@dataclass(frozen=True)
class Heatmap:
    """A heatmap written as a table: `rows` down, `columns` (segments) across, each cell in
    the colour of its value on the scale of `legend` ((label, colour) stops, low to high).

    Written as HTML rather than drawn: the numbers stay text (to copy, to search, to read
    aloud, sharp at any zoom), and drawing one as a chart cost 0.4-0.9 s of matplotlib (its
    tick labels and a text per cell), a tenth of a run's charts."""

    id: str
    alt: str  # its title
    caption: str
    corner: str  # what the columns are
    columns: list[Segment]
    rows: list[tuple[str, ...] | Segment]  # a label's lines, or a segment
    cells: list[list[HeatCell]]
    legend_label: str
    legend: list[tuple[str, str]]


def segments_of(numbers: Iterable[int], exp: ExperimentResult, lang: str) -> dict[int, Segment]:
    """Each segment of `exp` by number, as charts and tables tag it: its colour, 'Segmen 3'
    and its name in `lang`."""
    names = exp.insights.names.get(lang, {})
    return {
        int(n): Segment(
            int(n), segment_color(int(n)), say("segment", lang, number=int(n)),
            str(names.get(int(n), "")),
        )
        for n in numbers
    }  # fmt: skip


def heatmap_table(
    id: str,
    title: str,
    texts: tuple[str, str, str],
    columns: list[Segment],
    rows: list[str] | list[Segment],
    cells: list[list[str]],
    colour_values: np.ndarray,
    lang: str,
    **scale: Any,
) -> Heatmap:
    """`rows` and `cells` (text, a line break between lines), cells coloured by `colour_values`
    on plots.heatmap's scale (`scale`: its centre, limit, log). texts: caption, corner, colour
    legend label."""
    rows = [row if isinstance(row, Segment) else tuple(row.split("\n")) for row in rows]
    backgrounds, inks = plots.heat_colours(colour_values, **scale)
    painted = [
        [
            HeatCell(tuple(text.split("\n")), background, ink)
            for text, background, ink in zip(*row, strict=True)
        ]
        for row in zip(cells, backgrounds, inks, strict=True)
    ]
    caption, corner, legend_label = texts
    legend = plots.heat_legend(lang=lang, **scale)
    return Heatmap(id, title, caption, corner, columns, rows, painted, legend_label, legend)


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[Any]]  # cells are text, or Segment for a coloured segment cell
    numeric: list[bool] = field(default_factory=list)


@dataclass(frozen=True)
class Segment:
    number: int
    color: str
    label: str  # "Segmen 3": charts and table cells
    name: str  # the insight module's name for it, or ""


@dataclass(frozen=True)
class Badge:
    """A table cell shown as a badge: `badge` is its CSS class (ok, watch, info, warn)."""

    badge: str
    text: str


@dataclass(frozen=True)
class Card:
    segment: Segment
    size: int
    share: float
    size_text: str
    narrative: str
    offers_title: str
    offers: list[str]


def build_context(result: RunResult, lang: str, created: dt.datetime) -> dict[str, Any]:
    """Everything the template shows, in `lang`."""

    sweep_options = result.options.sweep
    created_text = created.strftime("%Y-%m-%d %H:%M UTC")
    names = list(result.experiments)
    in_lang = result.options.lang == lang
    ready = result.report_sections if in_lang else {}
    missing = [name for name in names if name not in ready]
    # Drawing the charts is most of the report's time; each experiment's part in its own worker.
    processes = min(len(missing), result.options.workers)
    with Workers(processes) as workers:
        drawn = {name: workers.submit(experiment_section, result, name, lang) for name in missing}
        # The decision page and the crosswalk: drawn here meanwhile, unless the run drew them.
        overview = dict(result.report_overview if in_lang else {})
        overview = overview or overview_section(result, lang)
        sections = {**ready, **{name: future.result() for name, future in drawn.items()}}
    experiments = [sections[name] for name in names]
    source = Path(str(result.source.get("path", "table"))).name
    return {
        "lang": lang,
        "title": say("title", lang),
        "subtitle": say(
            "subtitle",
            lang,
            source=source,
            rows=num(result.source.get("rows_validated", result.quality.rows), lang),
            schema=result.schema.name,
            created=created_text,
        ),
        "nav": [
            ("decision", say("nav_decision", lang)),
            ("summary", say("nav_summary", lang)),
            ("appendix", say("nav_appendix", lang)),
        ],
        **overview,
        "experiments": experiments,
        "quality": _quality(result, lang),
        "method": _method(result, lang, sweep_options),
        "limitations": [(e["title"], e["limitations"]) for e in experiments],
        "footer": say(
            "footer", lang, version=__version__, seed=sweep_options.seed, created=created_text
        ),
    }


def overview_section(
    result: RunResult, lang: str, plan: decision.Plan | None = None
) -> dict[str, Any]:
    """The decision page and the crosswalk of the segmentations, charts drawn; `plan` is
    decision.plan(result) when at hand. A run has a worker draw it while it writes its data
    files (RunResult.report_overview)."""
    plan = decision.plan(result) if plan is None else plan
    return {
        "decision": _decision(result, plan, decision_words(plan, result, lang), lang),
        "crosswalk": _crosswalk(result, plan, lang),
    }


def _decision(
    result: RunResult, plan: decision.Plan, words: DecisionWords, lang: str
) -> dict[str, Any]:
    """The decision page: the plan's words, its actions as a table and their reach as bars."""
    table = Table(
        [say("th_action_number", lang)]
        + [decision_say(f"th_{key}", lang) for key in ("who", "what", "evidence", "how")],
        [[str(a.number), a.who, a.what, a.evidence, a.how] for a in words.actions],
        [True, False, False, False, False],
    )
    chart = None
    if plan.actions:
        src = plots.bar_chart(
            [a.label for a in words.actions],
            [a.customers for a in plan.actions],
            [OTHER_COLOUR if a.segment is None else segment_color(a.segment) for a in plan.actions],
            [count(a.customers, lang) for a in plan.actions],
            decision_say("chart_axis", lang),
        )
        title = decision_say("chart_title", lang)
        alt = f"{title}: " + "; ".join(
            f"{a.label}: {count(a.customers, lang)}" for a in words.actions
        )
        chart = Chart("actions-chart", src, alt, say("actions_caption", lang))
    return {"words": words, "table": table, "chart": chart}


def _crosswalk(result: RunResult, plan: decision.Plan, lang: str) -> dict[str, Any] | None:
    """How each segment of the targeting segmentation spreads over the other's groups: the
    share of its customers in each group, coloured against all customers' share."""
    if plan.other is None:
        return None
    rows, columns = plan.targeting, plan.other
    counts = decision.crosswalk(result, rows, columns)
    if counts.empty:
        return None
    shares = counts.div(counts.sum(axis=1), axis=0)
    overall = counts.sum(axis=0) / counts.to_numpy().sum()
    lift = shares.div(overall, axis=1).to_numpy(dtype=float)
    cells = [
        [f"{pct(share, lang)}\n{num(n, lang)}" for share, n in zip(srow, crow, strict=True)]
        for srow, crow in zip(shares.to_numpy(), counts.to_numpy(), strict=True)
    ]

    texts = (
        say("crosswalk_caption", lang, rows=rows, columns=columns),
        say("crosswalk_axis", lang, columns=columns),
        say("crosswalk_colour", lang),
    )
    return {
        "chart": heatmap_table(
            "crosswalk",
            say("crosswalk_title", lang, rows=rows, columns=columns),
            texts,
            list(segments_of(counts.columns, result.experiments[columns], lang).values()),
            list(segments_of(counts.index, result.experiments[rows], lang).values()),
            cells,
            lift,
            lang,
            limit=1.0,
            log=True,
        ),
    }


def experiment_section(
    result: RunResult, name: str, lang: str, profiles_apart: bool = False
) -> dict[str, Any]:
    """One experiment's part of the report, charts drawn; it needs no other experiment, so a
    run can draw it while the next experiment computes (RunResult.report_sections). With
    `profiles_apart`, without the profile charts and the portfolio map: about half of the
    drawing, which a run has another worker draw at the same time (profile_section)."""
    exp = result.experiments[name]
    view = ExperimentView(result, name, exp, lang, result.options.sweep)
    return view.context() if profiles_apart else {**view.context(), **view.profiles()}


def profile_section(result: RunResult, name: str, lang: str) -> dict[str, Any]:
    """The part of an experiment's section that experiment_section leaves out with
    `profiles_apart`."""
    exp = result.experiments[name]
    return ExperimentView(result, name, exp, lang, result.options.sweep).profiles()


class ExperimentView:
    """One experiment's part of the report: summary cards, charts, tables and limitations."""

    def __init__(
        self,
        result: RunResult,
        name: str,
        exp: ExperimentResult,
        lang: str,
        options: SweepOptions,
    ) -> None:
        self.result, self.name, self.exp, self.lang, self.options = result, name, exp, lang, options
        self.schema: Schema = result.schema
        self.sweep = exp.sweep
        self.algorithm, self.k = self.sweep.recommended
        table = self.sweep.table
        self.chosen_row = table[(table.algorithm == self.algorithm) & (table.k == self.k)].iloc[0]
        self.space = self.sweep.spaces[self.algorithm]
        self.insights = exp.insights
        sizes = exp.profile.segments
        self.numbers = [int(n) for n in sizes.segment]
        self.segments = segments_of(self.numbers, exp, lang)
        self.sample = self._plot_sample()
        # A bank whose table has no product flags has no product profile and no offers.
        self.has_products = not exp.profile.products.empty
        self.rules = experiment_rules(exp)

    def _set_aside_lead(self) -> str:
        """' 4.045 nasabah tanpa usia tercatat tidak masuk segmen mana pun.' for the columns
        whose unrecorded customers this experiment set aside."""
        return "".join(
            " "
            + self.t(
                "segments_set_aside",
                rows=num(a.params["rows"], self.lang),
                label=self.column_label(a.column),
            )
            for a in self.exp.actions
            if a.kind == "set_aside"
        )

    def _count_share(self, customers: float, share: float) -> str:
        """'17.532 · 62,3%': customers and their share, for a bar's annotation."""
        return f"{num(customers, self.lang)} · {pct(share, self.lang)}"

    def _size(self, customers: float, share: float) -> str:
        """'17.532 (62,3%)'."""
        return f"{num(customers, self.lang)} ({pct(share, self.lang)})"

    def t(self, key: str, **params: Any) -> str:
        return say(key, self.lang, **params)

    def headers(self, keys: str) -> list[str]:
        """A table's column headings from their space-separated text keys."""
        return [self.t(key) for key in keys.split()]

    def column_label(self, name: str) -> str:
        return _column_display(self.schema, name, self.lang)

    @property
    def null_silhouette(self) -> float:
        """The recommended model's silhouette on the same data shuffled (NaN if not measured)."""
        return decision.structure(self.name, self.exp).null_silhouette

    @property
    def met_near_shuffled(self) -> bool:
        """The target is met within decision.NO_STRUCTURE_MARGIN of shuffled data."""
        return self.sweep.target_met and decision.near_shuffled(
            self.sweep.recommended_silhouette, self.null_silhouette
        )

    def _verdict(self) -> str:
        """'met', 'not met', or 'met' with the shuffled-data caveat."""
        if self.met_near_shuffled:
            return self.t(
                "target_met_shuffled",
                null=score(self.null_silhouette, self.lang),
                margin=setting(decision.NO_STRUCTURE_MARGIN, self.lang),
            )
        return self.t("target_met" if self.sweep.target_met else "target_not_met")

    def space_text(self, algorithm: str | None = None) -> str:
        return space_words(self.exp, algorithm or self.algorithm, self.lang)

    def profiles(self) -> dict[str, Any]:
        """The profile charts and the portfolio map (and its table)."""
        return {
            "portfolio": self._portfolio(),
            "profile_charts": [self._profile_heatmap()]
            + ([self._product_heatmap()] if self.has_products else []),
        }

    def context(self) -> dict[str, Any]:
        """Everything but profiles()."""
        silhouettes, sampled_segments = self._silhouette_samples()
        coords, ratios, jittered = self._pca()
        explained = float(ratios.sum())
        shares = {
            "negative": float((silhouettes < 0).mean()),
            "weak": float((silhouettes < WEAK_SILHOUETTE).mean()),
            "below": float((silhouettes < self.sweep.target).mean()),
        }
        return {
            "name": self.name,
            "id": f"exp-{self.name}",
            "title": self.t(
                "experiment_title",
                name=self.name,
                titled=_described(self.exp, self.lang, ": {}"),
            ),
            "lead": self._lead(),
            "plain_lead": self.t(
                "segments_lead",
                name=self.name,
                described=_described(self.exp, self.lang),
                k=self.k,
                customers=num(len(self.exp.rows), self.lang),
            )
            + self._set_aside_lead(),
            "size_chart": self._size_chart(),
            "narratives": [
                (self.segments[n], self._insight_text("narratives", n)) for n in self.numbers
            ],
            "target_met": self.sweep.target_met,
            "badge": self.t(
                "badge", target=setting(self.sweep.target, self.lang), verdict=self._verdict()
            ),
            "cards": self._cards(),
            "k_charts": [self._elbow_chart(), self._silhouette_k_chart()],
            "reasons": self._reasons(),
            "diagnostics": self._diagnostics(),
            "sweep_table": self._sweep_table(),
            "model_lead": self._model_lead(),
            "model_charts": [
                self._silhouette_samples_chart(silhouettes, sampled_segments, shares["negative"]),
                self._map_chart(coords, ratios, jittered),
            ],
            "sizes_table": self._sizes_table(),
            "offers": self._offers() if self.has_products else None,
            "rules": self._rules_summary(),
            "rules_appendix": self._rules_appendix(),
            "limitations": self._limitations(shares, explained),
        }

    # --- summary -------------------------------------------------------------------------

    def _lead(self) -> str:
        row = self.chosen_row
        return self.t(
            "summary_lead",
            k=self.k,
            customers=num(len(self.exp.rows), self.lang),
            algorithm=ALGORITHMS[self.algorithm],
            silhouette=score(row.silhouette, self.lang),
            space=self.space_text(),
        )

    def _cards(self) -> list[Card]:
        cards = []
        offered = self._offer_rows(offered_only=True)
        for record in self.exp.profile.segments.itertuples():
            number = int(record.segment)
            mine = offered[offered.segment == number].head(TOP_OFFERS)
            cards.append(
                Card(
                    segment=self.segments[number],
                    size=int(record.size),
                    share=float(record.share),
                    size_text=self.t(
                        "card_size",
                        size=num(record.size, self.lang),
                        share=pct(record.share, self.lang),
                    ),
                    narrative="",  # the narratives are in the appendix, with their statistics
                    offers_title=self.t("card_offers"),
                    # The decision page says what the data cannot support; a card names
                    # only the offers it can.
                    offers=[self._offer_line(o) for o in mine.itertuples()],
                )
            )
        return cards

    def _rules_summary(self) -> dict[str, Any] | None:
        """The rules in plain words: each a sentence with its customers and agreement."""
        if self.rules is None:
            return None
        fidelity = self.rules.fidelity
        mark = rules_say("faithful_mark", self.lang).strip()
        sentences = [
            (self.segments[leaf.segment], text + (" " + mark if leaf.faithful else ""))
            for leaf, text in zip(self.rules.leaves, self.rules.sentences(self.lang), strict=True)
        ]
        notes = [
            self.t("rules_reliable", mark=mark, share=pct(FAITHFUL_AGREEMENT, self.lang)),
            *rule_notes(self.rules, self.lang),
        ]
        if not fidelity.reached:
            notes.append(self.t("rules_short"))
        return {
            "lead": self.t("rules_lead", overall=pct(fidelity.overall, self.lang)),
            "sentences": sentences,
            "notes": notes,
        }

    def _rules_appendix(self) -> dict[str, Any] | None:
        """How the rules were fitted and measured: fidelity by depth, where they differ from
        the model, which are reliable and which proven exact (what rules.sql uses)."""
        if self.rules is None:
            return None
        fidelity = self.rules.fidelity
        verdict = (
            self.t("rules_depth_reached", depth=fidelity.depth)
            if fidelity.reached
            else self.t("rules_depth_not_reached", max_depth=MAX_DEPTH)
        )
        leaves = self.rules.leaves
        paragraphs = [
            self.t(
                "rules_method_lead",
                fit=num(fidelity.fit_rows, self.lang),
                heldout=num(fidelity.heldout_rows, self.lang),
                max_depth=MAX_DEPTH,
                target=pct(TARGET_FIDELITY, self.lang),
                verdict=verdict,
            ),
            self.t(
                "rules_method_sql",
                share=pct(FAITHFUL_AGREEMENT, self.lang),
                min_heldout=FAITHFUL_MIN_HELDOUT,
                faithful=sum(leaf.faithful for leaf in leaves),
                exact=sum(self.rules.exact),
                rules=len(leaves),
            ),
        ]
        depths = Table(
            self.headers("th_depth th_fidelity"),
            [
                [str(depth), pct(share, self.lang)]
                for depth, share in sorted(fidelity.by_depth.items())
            ],
            [True, True],
        )
        numbers = range(1, self.rules.placement.k + 1)
        by_segment = fidelity.by_segment
        confusion = Table(
            [self.t("th_model_segment")]
            + [self.t("th_rules_segment", segment=self.t("segment", number=n)) for n in numbers]
            + [self.t("th_segment_fidelity")],
            [
                [self.segments.get(n) or self.t("segment", number=n)]
                + [num(cell, self.lang) for cell in row]
                + [pct(by_segment[n], self.lang)]
                for n, row in zip(numbers, fidelity.confusion, strict=True)
            ],
            [False] + [True] * (len(numbers) + 1),
        )
        return {"paragraphs": paragraphs, "depths": depths, "confusion": confusion}

    def _insight_text(self, kind: str, number: int) -> str:
        return str(getattr(self.insights, kind).get(self.lang, {}).get(number, ""))

    def _offer_rows(self, offered_only: bool) -> pd.DataFrame:
        """The offer table per segment, best rank first; only the offers made, or all rows."""
        offers = self.insights.offers
        if offered_only:
            offers = offers[offers.offered]
        return offers.sort_values(["segment", "rank"], kind="stable").reset_index(drop=True)

    def _offer_line(self, offer: Any) -> str:
        key = "offer_line_alike" if offer.basis == BASIS_OTHER_FEATURES else "offer_line_segment"
        return self.t(
            key,
            product=self.column_label(offer.product),
            rate=pct(offer.propensity, self.lang),
            overall=pct(offer.overall_rate, self.lang),
            lift=ratio(offer.propensity_lift, self.lang),
            non_owners=num(offer.non_owners, self.lang),
            heldout_rate=pct(offer.heldout_rate, self.lang),
            heldout_rest=pct(offer.heldout_rest_rate, self.lang),
            difference=points(offer.heldout_difference, self.lang),
            low=points(offer.heldout_difference_low, self.lang),
            high=points(offer.heldout_difference_high, self.lang),
        )

    def _size_chart(self) -> Chart:
        """Customers per segment, largest first as numbered, with counts and shares."""
        sizes = self.exp.profile.segments
        src = plots.bar_chart(
            [self.segments[int(n)].label for n in sizes.segment],
            sizes["size"].tolist(),
            [segment_color(n) for n in sizes.segment],
            [f"{num(r.size, self.lang)} · {pct(r.share, self.lang)}" for r in sizes.itertuples()],
            self.t("sizes_axis"),
        )
        title = self.t("sizes_chart_title", name=self.name)
        alt = f"{title}: " + "; ".join(
            f"{self.segments[int(r.segment)].label} {self._size(r.size, r.share)}"
            for r in sizes.itertuples()
        )
        return Chart(f"sizes-{self.name}", src, alt, "")  # the bars say it all

    # --- product combinations ------------------------------------------------------------

    def _portfolio(self) -> dict[str, Any] | None:
        """The portfolio map: where the experiment clusters 0/1 flags with few combinations,
        the combinations themselves, largest first, each with its segment."""
        features = list(self.exp.experiment.features)
        table = self.exp.combinations
        if table is None:
            return None
        held = int((table.share.cumsum() < PORTFOLIO_COVER).sum()) + 1
        shown = table.head(min(held, PORTFOLIO_ROWS, len(table)))
        rest = table.iloc[len(shown) :]
        labels = [self.column_label(f) for f in features]
        names = [
            " + ".join(label for label, flag in zip(labels, flags, strict=True) if flag)
            or self.t("no_products")
            for flags in shown[features].to_numpy()
        ]
        rest_text = self.t("portfolio_rest", n=len(rest))
        owned = shown[features].to_numpy(dtype=bool)
        segments: list[int | None] = [int(s) for s in shown.segment]
        customers = shown.customers.tolist()
        annotations = [self._count_share(r.customers, r.share) for r in shown.itertuples()]
        if len(rest):
            owned = np.vstack([owned, np.zeros(len(features), dtype=bool)])
            segments.append(None)
            customers.append(int(rest.customers.sum()))
            annotations.append(self._count_share(rest.customers.sum(), rest.share.sum()))
        src = plots.portfolio_chart(
            owned,
            labels,
            customers,
            annotations,
            segments,
            {n: s.label for n, s in self.segments.items()},
            self.t("sizes_axis"),
            rest_text,
        )
        title = self.t("portfolio_title")
        alt = f"{title}: " + "; ".join(
            f"{name} {num(r.customers, self.lang)}"
            for name, r in zip(names, shown.itertuples(), strict=True)
        )
        split = bool((table.segment_share < 1).any())
        lead = self.t(
            "portfolio_lead",
            total=len(table),
            shown=len(shown),
            covered=pct(float(shown.share.sum()), self.lang),
            name=self.name,
            k=self.k,
        ) + (" " + self.t("portfolio_split") if split else "")
        rows = [
            [
                name,
                num(r.customers, self.lang),
                pct(r.share, self.lang),
                self.segments[int(r.segment)],
                pct(r.segment_share, self.lang),
                self._combination_profile(r),
            ]
            for name, r in zip(names, shown.itertuples(), strict=True)
        ]
        if len(rest):
            rows.append(
                [
                    rest_text,
                    num(rest.customers.sum(), self.lang),
                    pct(rest.share.sum(), self.lang),
                    "",
                    "",
                    "",
                ]
            )
        return {
            "lead": lead,
            "chart": Chart(f"portfolio-{self.name}", src, alt, self.t("portfolio_caption")),
            "table": Table(
                self.headers("th_products th_size th_share th_segment th_in_segment th_profile"),
                rows,
                [False, True, True, False, True, False],
            ),
        }

    def _combination_profile(self, row: Any) -> str:
        """'age 39 years · Bandung · Menikah': the medians and most common levels."""
        parts = []
        for column in self.schema.columns:
            median = getattr(row, f"median_{column.name}", None)
            level = getattr(row, f"most_common_{column.name}", None)
            if median is not None and pd.notna(median):
                unit = "" if column.is_money else column.unit_text(self.lang)
                value = self._cell(column.name, float(median))
                parts.append(f"{column.display(self.lang)} {value}" + (f" {unit}" if unit else ""))
            elif level is not None and pd.notna(level) and column.role == "nominal":
                parts.append(column.level_text(str(level), self.lang))
        return " · ".join(parts)

    # --- choosing k ----------------------------------------------------------------------

    def _curves(self) -> dict[str, pd.DataFrame]:
        table = self.sweep.table
        return {a: table[table.algorithm == a].sort_values("k") for a in table.algorithm.unique()}

    def _elbow_chart(self) -> Chart:
        curves = self._curves()
        knees = [
            self.t("knee_at", algorithm=ALGORITHMS[a], k=self.sweep.knees[a])
            if self.sweep.knees.get(a) is not None
            else self.t("knee_none", algorithm=ALGORITHMS[a])
            for a in curves
        ]
        title = self.t("elbow_title")
        src = plots.elbow_chart(
            {a: (c.k.tolist(), c.cost.tolist()) for a, c in curves.items()},
            self.sweep.knees,
            self.sweep.chosen,
            title,
            self.t("elbow_x"),
            {a: self.t(f"elbow_y_{a}") for a in curves},
            ALGORITHMS,
            {"knee": self.t("legend_knee"), "chosen": self.t("legend_chosen")},
            lang=self.lang,
        )
        return Chart(
            f"elbow-{self.name}", src, title, self.t("elbow_caption", knees=" ".join(knees))
        )

    def _null_curves(self) -> dict[str, tuple[list[int], list[float]]]:
        """Per algorithm, the null silhouette (structureless data) against k, from diagnostics."""
        if self.exp.diagnostics is None:
            return {}
        table = self.exp.diagnostics.silhouettes
        return {
            a: (rows.k.tolist(), rows.null_silhouette.tolist())
            for a, rows in table.sort_values("k").groupby("algorithm", sort=False)
        }

    def _silhouette_k_chart(self) -> Chart:
        curves = self._curves()
        nulls = self._null_curves()
        title = self.t("silk_title")
        legend = {
            "chosen": self.t("legend_chosen"),
            "recommended": self.t("legend_recommended"),
            "target": self.t("legend_target", target=setting(self.sweep.target, self.lang)),
        }
        legend |= {f"null_{a}": self.t("legend_null", algorithm=ALGORITHMS[a]) for a in nulls}
        src = plots.silhouette_k_chart(
            {
                a: {
                    "k": c.k.tolist(),
                    "silhouette": c.silhouette.tolist(),
                    "ci_low": c.silhouette_ci_low.tolist(),
                    "ci_high": c.silhouette_ci_high.tolist(),
                }
                for a, c in curves.items()
            },
            self.sweep.chosen,
            self.sweep.recommended,
            self.sweep.target,
            AxisTexts(title, self.t("elbow_x"), self.t("silk_y")),
            ALGORITHMS,
            legend,
            nulls,
            lang=self.lang,
        )
        interval = "" if self.sweep.table.silhouette_exact.all() else self.t("silk_interval")
        caption = self.t(
            "silk_caption", target=setting(self.sweep.target, self.lang), interval=interval
        )
        if nulls:
            caption += " " + self.t("silk_null")
        alt = f"{title}: " + "; ".join([ALGORITHMS[a] for a in curves] + list(legend.values()))
        return Chart(f"silhouette-k-{self.name}", src, alt, caption)

    def _diagnostics(self) -> list[str]:
        """Hopkins per clustering space and the recommended model against its null silhouette."""
        diagnostics = self.exp.diagnostics
        if diagnostics is None:
            return []
        hopkins = " ".join(
            [self.t("hopkins_lead")]
            + [self._hopkins_sentence(space) for space in diagnostics.spaces]
        )
        table = diagnostics.silhouettes
        row = table[(table.algorithm == self.algorithm) & (table.k == self.k)].iloc[0]
        text = self.t(
            "null_model",
            algorithm=ALGORITHMS[self.algorithm],
            k=self.k,
            observed=score_or_dash(row.silhouette, self.lang),
            null=score_or_dash(row.null_silhouette, self.lang),
            runs=int(row.n_perm),
            rows=num(row.null_rows, self.lang),
            excess=score_or_dash(row.excess, self.lang),
        )
        if not self.sweep.target_met:
            text += " " + self.t(
                "null_reading",
                null=score_or_dash(row.null_silhouette, self.lang),
                excess=score_or_dash(row.excess, self.lang),
            )
        return [hopkins, text]

    def _hopkins_sentence(self, space: SpaceDiagnostics) -> str:
        level = self.t(
            f"hopkins_{space.level}",
            distinct=num(space.distinct_rows, self.lang),
            rows=num(space.sample_rows, self.lang),
        )
        return self.t(
            "hopkins_space",
            algorithms=self.t("and").join(ALGORITHMS[a] for a in space.algorithms),
            space=self.space_text(space.algorithms[0]),
            permuted=ratio_or_dash(space.hopkins_permuted, self.lang),
            uniform=ratio_or_dash(space.hopkins_uniform, self.lang),
            level=level,
        )

    def _reasons(self) -> list[str]:
        """Why each algorithm's k was chosen (the sweep's KChoice), and the recommended model."""
        reasons = [
            report_reason(choice, algorithm, self.lang)
            for algorithm, choice in self.sweep.choices.items()
        ]
        reasons.append(
            self.t(
                "reason_recommended",
                algorithm=ALGORITHMS[self.algorithm],
                k=self.k,
                silhouette=score(self.chosen_row.silhouette, self.lang),
            )
        )
        return reasons

    def _sweep_table(self) -> Table:
        header = [
            self.t(key)
            for key in (
                "th_algorithm",
                "th_k",
                "th_cost",
                "th_silhouette",
                "th_ci",
                "th_db",
                "th_ch",
                "th_smallest",
                "th_stability",
                "th_note",
            )
        ]
        rows = []
        for row in self.sweep.table.itertuples():
            notes = [
                self.t(key)
                for key, flag in (
                    ("note_knee", row.knee),
                    ("note_chosen", row.chosen),
                    ("note_recommended", (row.algorithm, row.k) == self.sweep.recommended),
                )
                if flag
            ]
            interval = (
                ""
                if row.silhouette_exact
                else (
                    score(row.silhouette_ci_low, self.lang)
                    + "–"
                    + score(row.silhouette_ci_high, self.lang)
                )
            )
            rows.append(
                [
                    ALGORITHMS[row.algorithm],
                    str(row.k),
                    fixed(row.cost, self.lang, 1),
                    score(row.silhouette, self.lang),
                    interval,
                    ratio(row.davies_bouldin, self.lang),
                    fixed(row.calinski_harabasz, self.lang, 0),
                    pct(row.smallest_segment_share, self.lang),
                    ratio_or_dash(row.stability_ari, self.lang),
                    ", ".join(notes),
                ]
            )
        return Table(header, rows, [False] + [True] * 8 + [False])

    # --- the chosen model ----------------------------------------------------------------

    def _plot_sample(self) -> np.ndarray | None:
        """Rows drawn in the per-customer charts: all, the rows the sweep scored when it
        sampled, or a seeded sample of PLOT_ROWS."""
        n = len(self.space.X)
        scored = self.sweep.scored_rows.get(self.sweep.recommended[0])
        if scored is not None:
            return scored
        if n <= PLOT_ROWS:
            return None
        rng = np.random.default_rng(self.options.seed)
        return np.sort(rng.choice(n, size=PLOT_ROWS, replace=False))

    def _sample_note(self, all_key: str, sample_key: str) -> str:
        total = len(self.space.X)
        if self.sample is None:
            return self.t(all_key, rows=num(total, self.lang))
        return self.t(
            sample_key,
            rows=num(len(self.sample), self.lang),
            total=num(total, self.lang),
            seed=self.options.seed,
        )

    def _silhouette_samples(self) -> tuple[np.ndarray, np.ndarray]:
        """Per-customer silhouettes of the chosen model, as the sweep computed them."""
        labels = self.exp.labels
        values = self.sweep.row_silhouettes[self.sweep.recommended]
        if self.sample is not None and self.sweep.scored_rows[self.sweep.recommended[0]] is None:
            values = values[self.sample]
        drawn = labels if self.sample is None else labels[self.sample]
        return values, segment_numbers(drawn)

    def _pca(self) -> tuple[np.ndarray, np.ndarray, bool]:
        """Two principal components of the clustering matrix: drawn rows' coordinates, shares."""
        X = self.space.X.astype(np.float64)
        pca = PCA(n_components=2, random_state=self.options.seed).fit(X)
        drawn = X if self.sample is None else X[self.sample]
        coords = pca.transform(drawn)
        distinct = len(np.unique(drawn, axis=0))
        # Few distinct rows (0/1 flags) stack thousands of customers on one dot: spread them.
        jittered = distinct < 0.05 * len(drawn)
        if jittered:
            rng = np.random.default_rng(self.options.seed)
            coords = coords + rng.normal(0, 0.04 * coords.std(axis=0) + 1e-3, coords.shape)
        return coords, pca.explained_variance_ratio_, jittered

    def _model_lead(self) -> str:
        return self.t(
            "model_lead",
            algorithm=ALGORITHMS[self.algorithm],
            k=self.k,
            silhouette=score(self.chosen_row.silhouette, self.lang),
            space=self.space_text(),
            stability=ratio_or_dash(self.chosen_row.stability_ari, self.lang),
        )

    def _silhouette_samples_chart(
        self, values: np.ndarray, segments: np.ndarray, negative: float
    ) -> Chart:
        title = self.t("silsamples_title", algorithm=ALGORITHMS[self.algorithm], k=self.k)
        mean = float(self.chosen_row.silhouette)
        src = plots.silhouette_samples_chart(
            values,
            segments,
            mean,
            self.sweep.target,
            AxisTexts(title, self.t("silsamples_x"), self.t("silsamples_y")),
            {n: s.label for n, s in self.segments.items()},
            {
                "mean": self.t("legend_mean", mean=score(mean, self.lang)),
                "target": self.t("legend_target", target=setting(self.sweep.target, self.lang)),
            },
            lang=self.lang,
        )
        caption = self.t(
            "silsamples_caption",
            negative=pct(negative, self.lang),
            rows=self._sample_note("silsamples_all", "silsamples_sample"),
        )
        return Chart(f"silhouette-samples-{self.name}", src, title, caption)

    def _map_chart(self, coords: np.ndarray, ratios: np.ndarray, jittered: bool) -> Chart:
        title = self.t("map_title")
        drawn = self.exp.labels if self.sample is None else self.exp.labels[self.sample]
        src = plots.segment_map(
            coords,
            segment_numbers(drawn),
            AxisTexts(
                title,
                self.t("map_axis", n=1, share=pct(ratios[0], self.lang)),
                self.t("map_axis", n=2, share=pct(ratios[1], self.lang)),
            ),
            {n: s.label for n, s in self.segments.items()},
            lang=self.lang,
        )
        caption = self.t(
            "map_caption",
            share=pct(float(ratios.sum()), self.lang),
            rows=self._sample_note("map_all", "map_sample"),
        )
        if jittered:
            caption += self.t("map_jitter")
        return Chart(f"map-{self.name}", src, title, caption)

    # --- profiles ------------------------------------------------------------------------

    def _profile_heatmap(self) -> Heatmap:
        """Medians and shares per segment, coloured by how strongly each sets it apart."""
        effects = self.insights.distinguishing
        rows, colours, cells = [], [], []
        numeric = self.exp.profile.numeric
        for column in dict.fromkeys(numeric.column):
            mine = numeric[numeric.column == column].set_index("segment").reindex(self.numbers)
            col = self.schema.column(column)
            unit = "" if col.is_money else col.unit_text(self.lang)  # money states its unit
            rows.append(
                self.t(
                    "profile_row_numeric",
                    label=self.column_label(column),
                    unit=f", {unit}" if unit else "",
                    overall=self._cell(column, float(mine.overall_median.iloc[0])),
                )
            )
            colours.append(self._effects(effects, column, None))
            cells.append([self._cell(column, v) if pd.notna(v) else "–" for v in mine["median"]])
            if col.sentinels and "sentinel_share" in mine:
                # sentinel codes as a level of their own: "pdays: never contacted", shares
                shares, overall = mine.sentinel_share, float(mine.overall_sentinel_share.iloc[0])
                rows.append(
                    self.t(
                        "profile_row_level",
                        label=self.column_label(column),
                        level=col.sentinel_text(self.lang),
                        overall=pct(overall, self.lang),
                    )
                )
                colours.append(
                    2 * np.arcsin(np.sqrt(shares.to_numpy(dtype=float)))
                    - 2 * np.arcsin(np.sqrt(overall))
                )
                cells.append([pct(v, self.lang) if pd.notna(v) else "–" for v in shares])
        categories = self.exp.profile.categories
        for column in dict.fromkeys(categories.column):
            level = self._most_distinctive_level(effects, column)
            at_level = (
                categories[(categories.column == column) & (categories.level == level)]
                .set_index("segment")
                .reindex(self.numbers)
            )
            rows.append(
                self.t(
                    "profile_row_level",
                    label=self.column_label(column),
                    level=self.schema.column(column).level_text(level, self.lang),
                    overall=pct(float(at_level.overall_share.iloc[0]), self.lang),
                )
            )
            colours.append(self._effects(effects, column, level))
            cells.append([pct(v, self.lang) for v in at_level.share])
        return self._heatmap("profile", np.vstack(colours), cells, rows, limit=EFFECT_LIMIT)

    def _cell(self, column: str, value: float) -> str:
        """A numeric column's value in a heatmap cell: 'Rp246 jt' for money, else '152,3 jt'."""
        col = self.schema.column(column)
        if col.is_money:
            return money_compact(value, self.lang, col.currency, col.currency_unit)
        return compact(value, self.lang)

    def _heatmap(
        self, kind: str, colours: np.ndarray, cells: list[Any], rows: list[str], **scale: Any
    ) -> Heatmap:
        """The profile or product heatmap: segments across, `rows` down, coloured cells."""
        texts = (self.t(f"{kind}_caption"), self.t("th_segment"), self.t(f"{kind}_colour"))
        return heatmap_table(
            f"{kind}-heatmap-{self.name}",
            self.t(f"{kind}_heatmap_title"),
            texts,
            [self.segments[n] for n in self.numbers],
            rows,
            cells,
            colours,
            self.lang,
            **scale,
        )

    def _effects(self, effects: pd.DataFrame, column: str, level: str | None) -> np.ndarray:
        mine = effects[effects.column == column]
        if level is not None:
            mine = mine[mine.level == level]
        return mine.set_index("segment").effect.reindex(self.numbers).to_numpy(dtype=float)

    @staticmethod
    def _most_distinctive_level(effects: pd.DataFrame, column: str) -> str:
        mine = effects[effects.column == column]
        return str(mine.loc[mine.effect.abs().fillna(-1).idxmax(), "level"])

    def _product_heatmap(self) -> Heatmap:
        products = self.exp.profile.products
        rows, lifts, cells = [], [], []
        for product in dict.fromkeys(products["product"]):
            mine = (
                products[products["product"] == product].set_index("segment").reindex(self.numbers)
            )
            rows.append(
                self.t(
                    "product_row",
                    label=self.column_label(product),
                    overall=pct(float(mine.overall_rate.iloc[0]), self.lang),
                )
            )
            lifts.append(mine.lift.to_numpy())
            cells.append(
                [
                    f"{pct(r, self.lang)}\n×{ratio(lift, self.lang)}"
                    if pd.notna(lift)
                    else pct(r, self.lang)
                    for r, lift in zip(mine.rate, mine.lift, strict=True)
                ]
            )
        return self._heatmap("product", np.vstack(lifts), cells, rows, limit=2.0, log=True)

    def _sizes_table(self) -> Table:
        rows = [
            [
                self.segments[int(r.segment)],
                self.segments[int(r.segment)].name,
                num(r.size, self.lang),
                pct(r.share, self.lang),
            ]
            for r in self.exp.profile.segments.itertuples()
        ]
        return Table(
            self.headers("th_segment th_name th_size th_share"),
            rows,
            [False, False, True, True],
        )

    # --- offers --------------------------------------------------------------------------

    def _offer_table(self, offered_only: bool, *columns: tuple[str, Any, bool]) -> Table:
        rows = self._offer_rows(offered_only=offered_only).itertuples()
        return Table(
            [self.t(key) for key, _, _ in columns],
            [[cell(o) for _, cell, _ in columns] for o in rows],
            [numeric for _, _, numeric in columns],
        )

    def _decision(self, offer: Any) -> str:
        return self.t("decision_offered") if offer.offered else self.t(f"reason_{offer.reason}")

    def _basis(self, basis: str) -> str:
        return self.t("basis_alike" if basis == BASIS_OTHER_FEATURES else "basis_segment")

    def _offers(self) -> dict[str, Any]:
        # (heading, cell, numeric) per column; the two offer tables share most of them.
        segment = ("th_segment", lambda o: self.segments[int(o.segment)], False)
        product = ("th_product", lambda o: self.column_label(o.product), False)
        propensity = ("th_propensity", lambda o: pct(o.propensity, self.lang), True)
        non_owners = ("th_non_owners", lambda o: num(o.non_owners, self.lang), True)
        rank = ("th_rank", lambda o: str(int(o.rank)), True)
        made = self._offer_table(
            True,
            segment,
            product,
            ("th_basis", lambda o: self._basis(o.basis), False),
            propensity,
            ("th_overall_rate", lambda o: pct(o.overall_rate, self.lang), True),
            ("th_lift", lambda o: ratio(o.propensity_lift, self.lang), True),
            non_owners,
            rank,
        )
        every = self._offer_table(
            False,
            segment,
            product,
            ("th_rate", lambda o: pct(o.rate, self.lang), True),
            propensity,
            ("th_lift", lambda o: ratio_or_dash(o.propensity_lift, self.lang), True),
            non_owners,
            rank,
            ("th_decision", self._decision, False),
        )
        validation = self.insights.offer_validation
        checked = Table(
            self.headers("th_product th_used th_auc th_ci th_n_test th_verdict"),
            [
                [
                    self.column_label(v.product),
                    self.t("yes" if v.used_in_clustering else "no"),
                    ratio_or_dash(v.auc, self.lang),
                    "–"
                    if pd.isna(v.ci_low)
                    else f"{ratio(v.ci_low, self.lang)}–{ratio(v.ci_high, self.lang)}",
                    num(v.n_test, self.lang),
                    self.t(f"verdict_{v.verdict}"),
                ]
                for v in validation.itertuples()
            ],
            [False, False, True, True, True, False],
        )
        return {
            "made": made,
            "every": every,
            "validation": checked,
            "validation_lead": self.t("validation_lead", train=pct(1 - TEST_SHARE, self.lang)),
        }

    # --- limitations ---------------------------------------------------------------------

    def _limitations(self, shares: dict[str, float], explained: float) -> list[str]:
        """Target met or not and why, data handling, estimate precision, stability, circularity.

        `shares` are the shares of customers below 0, below WEAK_SILHOUETTE and below the
        target in the per-customer silhouettes of the chosen model.
        """
        table, sweep = self.sweep.table, self.sweep
        best = table.loc[table.silhouette.idxmax()]
        items = []
        if sweep.target_met:
            items.append(
                self.t(
                    "lim_target_met_shuffled" if self.met_near_shuffled else "lim_target_met",
                    target=setting(sweep.target, self.lang),
                    recommended=score(self.chosen_row.silhouette, self.lang),
                    space=self.space_text(),
                    null=score(self.null_silhouette, self.lang),
                    margin=setting(decision.NO_STRUCTURE_MARGIN, self.lang),
                )
            )
        else:
            items.append(
                self.t(
                    "lim_target_not_met",
                    target=setting(sweep.target, self.lang),
                    best=score(best.silhouette, self.lang),
                    algorithm=ALGORITHMS[best.algorithm],
                    k=best.k,
                    space=self.space_text(best.algorithm),
                    recommended=score(self.chosen_row.silhouette, self.lang),
                    band=self._reading(),
                )
            )
            items.append(
                self.t(
                    "lim_diagnostics",
                    target=setting(sweep.target, self.lang),
                    **{key: pct(share, self.lang) for key, share in shares.items()},
                    pca=pct(explained, self.lang),
                    k_min=min(table.k),
                    k_max=max(table.k),
                    best=score(best.silhouette, self.lang),
                )
            )
        items += self._handling_notes()
        row = self.chosen_row
        if row.silhouette_exact:
            items.append(self.t("lim_exact", rows=num(row.silhouette_rows, self.lang)))
        else:
            items.append(
                self.t(
                    "lim_sampled",
                    rows=num(row.silhouette_rows, self.lang),
                    total=num(len(self.exp.rows), self.lang),
                    low=score(row.silhouette_ci_low, self.lang),
                    high=score(row.silhouette_ci_high, self.lang),
                )
            )
        items.append(
            self.t(
                "lim_stability",
                ari=ratio_or_dash(row.stability_ari, self.lang),
                verdict=self.t(_stability_key(row.stability_ari)),
            )
        )
        products = {c.name for c in self.schema.products}
        if products & set(self.exp.experiment.features):
            items.append(self.t("lim_circular"))
        return items

    def _reading(self) -> str:
        """What the recommended silhouette means, as the decision page reads it: against the
        same data shuffled (decision.Structure), never against a fixed scale."""
        found = decision.structure(self.name, self.exp)
        null = found.null_silhouette
        if np.isnan(null):
            return self.t("band_groups" if found.natural_groups else "band_none")
        key = "band_null_groups" if found.natural_groups else "band_null_none"
        return self.t(
            key,
            null=score_or_dash(null, self.lang),
            excess=score_or_dash(found.silhouette - null, self.lang),
        )

    def _handling_notes(self) -> list[str]:
        concentrated = {
            f.column: f for f in self.result.quality.findings if f.kind == "missing_concentrated"
        }
        notes = []
        for action in self.exp.actions:
            group = concentrated.get(action.column) if action.kind == "imputed" else None
            if action.kind in ("indicated", "set_aside"):
                notes.append(self._unrecorded_note(action, concentrated.get(action.column)))
            elif group is not None:
                notes.append(
                    capitalised(
                        self.t(
                            "lim_imputed_group",
                            column=self.column_label(group.column),
                            by=self.column_label(group.params["by"]),
                            level=group.params["level"],
                            rows=num(group.params["rows_level"], self.lang),
                            value=action.params["value"],
                        )
                    )
                )
            else:
                notes.append(describe(action, self.lang))
        return notes

    def _unrecorded_note(self, action: Finding, group: Finding | None) -> str:
        """A feature often unrecorded (set aside, or marked by an indicator column), and the
        group it is missing in."""
        where = ""
        if group is not None:
            everyone = group.params["count_level"] == action.params["rows"]
            by = group.params["by"]
            where = self.t(
                "lim_indicated_all" if everyone else "lim_indicated_most",
                by=self.column_label(by),
                level=self.schema.column(by).level_text(group.params["level"], self.lang),
                count=num(group.params["count_level"], self.lang),
            )
        label = self.column_label(action.column)
        rows = num(action.params["rows"], self.lang)
        if action.kind == "set_aside":
            return capitalised(
                self.t("lim_set_aside", column=label, label=label, rows=rows, where=where)
            )
        value = number(float(action.params["value"]), self.lang)
        return capitalised(
            self.t("lim_indicated", column=label, label=label, rows=rows, where=where, value=value)
        )


def _stability_key(value: float) -> str:
    if pd.isna(value):
        return "stability_unknown"
    if value >= STABILITY_HIGH:
        return "stability_high"
    return "stability_mid" if value >= STABILITY_MID else "stability_low"


def _quality(result: RunResult, lang: str) -> dict[str, Any]:
    quality = result.quality
    columns = []
    for rec in quality.columns.to_dict(orient="records"):
        if isinstance(rec["levels"], str):
            spread = rec["levels"]
        elif rec["min"] is not None and pd.notna(rec["min"]):
            spread = f"{num(rec['min'], lang)} – {num(rec['max'], lang)}"
        else:
            spread = ""
        label = _column_display(result.schema, rec["column"], lang)
        columns.append(
            [
                f"{label} ({rec['column']})",
                say(f"role_{rec['role']}", lang),
                pct(rec["missing_share"], lang),
                spread,
            ]
        )
    return {
        "lead": say("quality_lead", lang, rows=num(quality.rows, lang), schema=result.schema.name),
        "findings": [_finding(f, lang) for f in quality.findings],
        "actions": [
            (say("quality_actions", lang, name=name), [describe(a, lang) for a in exp.actions])
            for name, exp in result.experiments.items()
            if exp.actions
        ],
        "columns": Table(
            [say(k, lang) for k in ("col_column", "col_role", "col_missing", "col_spread")],
            columns,
            [False, False, True, False],
        ),
    }


def _finding(finding: Finding, lang: str) -> dict[str, str]:
    return {
        "severity": finding.severity,
        "label": say(f"severity_{finding.severity}", lang),
        "text": describe(finding, lang),
    }


def _column_display(schema: Schema, name: str, lang: str) -> str:
    try:
        return schema.column(name).display(lang)
    except KeyError:
        return name


def _tie_rule(result: RunResult, lang: str) -> str:
    """A sentence on how K-Medoids placed equidistant customers, where the rule was used."""
    used = [
        name
        for name, exp in result.experiments.items()
        if any(fit.tie_order_by_silhouette for fit in exp.sweep.fits.values())
    ]
    return " " + say("method_ties", lang, experiments=", ".join(used)) if used else ""


def _log_scaled(result: RunResult, lang: str) -> str:
    """' These columns are on a log scale: ...' for the clustered columns the schema logs."""
    clustered = {f for exp in result.experiments.values() for f in exp.experiment.features}
    logged = [
        _column_display(result.schema, c.name, lang)
        for c in result.schema.columns
        if c.name in clustered and c.scale == "log"
    ]
    return " " + say("method_log_scale", lang, columns=", ".join(logged)) if logged else ""


def _indicated(result: RunResult, lang: str) -> str:
    """' These columns get a not-recorded indicator: ...' for the clustered columns that do."""
    marked = {
        c for exp in result.experiments.values() for s in exp.spaces.values() for c in s.indicated
    }
    named = [_column_display(result.schema, c.name, lang) for c in result.schema.columns]
    named = [n for c, n in zip(result.schema.columns, named, strict=True) if c.name in marked]
    if not named:
        return ""
    text = say("method_indicated", lang, columns=", ".join(named), share=pct(INDICATED_SHARE, lang))
    return " " + capitalised(text)


def _edge(name: str, exp: ExperimentResult, lang: str) -> str:
    """When the recommended k is the largest or the smallest tried: a flag and why, with the
    silhouette at both ends of the range on the data and on the same data shuffled."""
    algorithm, k = exp.sweep.recommended
    tried = exp.sweep.table[exp.sweep.table.algorithm == algorithm].sort_values("k")
    low, high = int(tried.k.iloc[0]), int(tried.k.iloc[-1])
    if k not in (low, high) or low == high:
        return ""
    edge = "high" if k == high else "low"
    text = say(
        f"method_edge_{edge}",
        lang,
        name=name,
        algorithm=ALGORITHMS[algorithm],
        k=k,
        k_min=low,
        k_max=high,
        first=score_or_dash(tried.silhouette.iloc[0], lang),
        last=score_or_dash(tried.silhouette.iloc[-1], lang),
    )
    if exp.diagnostics is not None:
        nulls = exp.diagnostics.silhouettes
        nulls = nulls[nulls.algorithm == algorithm].sort_values("k")
        if len(nulls) >= 2:
            text += " " + say(
                "method_edge_null",
                lang,
                k_min=int(nulls.k.iloc[0]),
                k_max=int(nulls.k.iloc[-1]),
                first=score_or_dash(nulls.null_silhouette.iloc[0], lang),
                last=score_or_dash(nulls.null_silhouette.iloc[-1], lang),
            )
    return text + " " + say(f"method_edge_{edge}_reading", lang, k=k)


def _space_sample(result: RunResult, lang: str, seed: int) -> str:
    """What the feature spaces were fitted on, when not every customer: the first
    engine.SPACE_FIT_ROWS in the run's order, or the Spark driver's smaller sample."""
    fitted = min(SPACE_FIT_ROWS, int(result.source.get("driver_rows", SPACE_FIT_ROWS)))
    if int(result.source.get("rows_validated", len(result.table))) <= fitted:
        return ""
    return say("method_space_sample", lang, rows=num(fitted, lang), seed=seed)


def _engine(result: RunResult, lang: str) -> str:
    """Where the run's row-wide steps ran, when not in this process, and what read a sample."""
    source = result.source
    if source.get("engine") != "spark":
        return ""
    everyone, sample = int(source["rows_validated"]), int(source["driver_rows"])
    # Worst case of a share's 95% margin from a simple random sample: 1.96 * sqrt(0.25 / n).
    error = 196 * (0.25 / sample) ** 0.5
    sample_text = (
        say("engine_sample_all", lang)
        if sample >= everyone
        else say(
            "engine_sample", lang, sample=num(sample, lang), error=setting(round(error, 2), lang)
        )
    )
    return say(
        "method_engine",
        lang,
        master=source.get("spark_master", ""),
        rows=num(everyone, lang),
        sample_text=sample_text,
    )


def _method(result: RunResult, lang: str, options: SweepOptions) -> dict[str, Any]:
    rows = [r for exp in result.experiments.values() for r in exp.sweep.table.itertuples()]
    sampled = [r for r in rows if not r.silhouette_exact]
    rows_text = (
        say("rows_sampled", lang, rows=num(sampled[0].silhouette_rows, lang))
        if sampled
        else say("rows_exact", lang)
    )
    paragraphs = [
        say(
            "method_algorithms",
            lang,
            k_min=min(options.ks),
            k_max=max(options.ks),
            seed=options.seed,
        ),
        say("method_encoding", lang)
        + _space_sample(result, lang, options.seed)
        + _log_scaled(result, lang)
        + _indicated(result, lang),
        say(
            "method_rule",
            lang,
            min_share=pct(options.min_segment_share, lang),
            tolerance=setting(options.silhouette_tolerance, lang),
        ),
        say("method_silhouette", lang, rows_text=rows_text) + _tie_rule(result, lang),
        say(
            "method_stability",
            lang,
            runs=options.stability_runs,
            rows=num(options.stability_rows, lang),
        ),
        say("method_profiles", lang),
        _engine(result, lang),
    ]
    paragraphs += [_edge(name, exp, lang) for name, exp in result.experiments.items()]
    paragraphs = [p for p in paragraphs if p]
    experiments = []
    for name, exp in result.experiments.items():
        features = ", ".join(
            _column_display(result.schema, f, lang) for f in exp.experiment.features
        )
        by_space: dict[str, list[str]] = {}
        for algorithm in exp.sweep.spaces:
            by_space.setdefault(space_words(exp, algorithm, lang), []).append(ALGORITHMS[algorithm])
        spaces = "; ".join(
            say("space_for", lang, algorithm=say("and", lang).join(algorithms), space=words)
            for words, algorithms in by_space.items()
        )
        experiments.append(
            say(
                "method_experiment",
                lang,
                name=name,
                described=_described(exp, lang),
                features=features,
            )
            + " "
            + say("method_spaces", lang, spaces=spaces)
        )
    return {"paragraphs": paragraphs, "experiments": experiments}


def space_words(exp: ExperimentResult, algorithm: str, lang: str) -> str:
    """The space `algorithm` clustered in, as the fitted FeatureSpace made it: 'fitur
    terstandar (...), jarak Euclidean', or for raw 0/1 flags '0/1 product flags as they are
    (Manhattan distance = number of differing products)'."""
    kind = space_kind(exp.spaces[algorithm])
    metric = exp.sweep.spaces[algorithm].metric
    if kind in ("flags", "product_flags"):
        return f"{say(f'space_{kind}', lang)} ({say(f'metric_{kind}_{metric}', lang)})"
    return say(
        "space_short", lang, space=say(f"space_{kind}", lang), metric=say(f"metric_{metric}", lang)
    )


def _described(exp: ExperimentResult, lang: str, form: str = " ({})") -> str:
    """The experiment's description in `lang` placed by `form` (" (…)" after its name), or
    nothing when the schema gives none in that language: no empty "()"."""
    text = exp.experiment.describe(lang)
    return form.format(text) if text else ""
