"""measurement.html: a campaign's measurement (campaign.Measurement) on one self-contained page,
in the report's shell and style: the finding in plain words, a chart of the uplift per segment
with its interval, the table, and how to read it. Every number is read from the measurement's
table here, so the sentences, the chart and the table show the same cells."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..text import check_language
from ..text.campaign import (
    finding,
    p_text,
    points,
    rate,
    say,
    segment_label,
    segments_named,
)
from ..text.numbers import count, setting
from ..version import __version__
from . import environment, page_css, plots
from .build import Chart, Segment, Table
from .plots import OTHER_COLOUR, AxisTexts, segment_color

if TYPE_CHECKING:
    from ..campaign import Measurement

MEASUREMENT_PAGE = "measurement.html"


def render_measurement(measurement: Measurement, lang: str = "id") -> str:
    """The page as one HTML string (no timestamp: the same measurement gives the same bytes)."""
    check_language(lang)
    template = environment().get_template(MEASUREMENT_PAGE)
    return template.render(
        css=page_css(), t=partial(say, lang=lang), **measurement_context(measurement, lang)
    )


def write_measurement_page(measurement: Measurement, path: str | Path, lang: str = "id") -> None:
    Path(path).write_text(render_measurement(measurement, lang), encoding="utf-8")


def measurement_context(measurement: Measurement, lang: str) -> dict[str, Any]:
    """Everything the page shows, in `lang`."""
    options, counts = measurement.options, measurement.counts
    sources = {key: Path(value).name for key, value in measurement.sources.items()}
    subtitle = (
        say("subtitle_since", lang, since=options["since"], **sources)
        if options["since"]
        else say("subtitle", lang, **sources)
    )
    segments = measurement.segments
    summary = [finding(measurement.overall, lang)]
    for verdict, key in (("harm", "harm_named"), ("lower_not_significant", "lower_named")):
        named = measurement.segments_where(verdict)
        if named:
            summary.append(say(key, lang, segments=segments_named(named, lang)))
    raised = measurement.segments_where("uplift")
    if raised:
        summary.append(say("uplift_named", lang, segments=segments_named(raised, lang)))
    return {
        "lang": lang,
        "title": say("title", lang),
        "subtitle": subtitle,
        "nav": [
            ("summary", say("nav_summary", lang)),
            *([("segments", say("nav_segments", lang))] if len(segments) else []),
            ("method", say("nav_method", lang)),
        ],
        "summary": summary,
        "uplift_chart": _chart(measurement, lang),
        "segments": [
            (_segment_cell(row.segment, lang), finding(row, lang, brief=True))
            for row in segments.itertuples(index=False)
        ],
        "measurement_table": _table(measurement, lang),
        "method": _method(measurement, lang, counts, options),
        "footer": say("footer", lang, version=__version__),
    }


def _segment_cell(segment: Any, lang: str) -> Segment | str:
    if isinstance(segment, int):
        return Segment(segment, segment_color(segment), segment_label(segment, lang), "")
    return segment_label(segment, lang)


def _colour(segment: Any) -> str:
    return segment_color(segment) if isinstance(segment, int) else OTHER_COLOUR


def _chart(measurement: Measurement, lang: str) -> Chart:
    table = measurement.table
    labels = [segment_label(s, lang) for s in table.segment]
    drawing = plots.interval_chart(
        labels,
        table.uplift * 100,
        (table.uplift_low * 100, table.uplift_high * 100),
        [_colour(s) for s in table.segment],
        AxisTexts(say("chart_title", lang), say("chart_axis", lang), ""),
        lang,
    )
    items = "; ".join(
        f"{label}: {points(row.uplift, lang)} ({points(row.uplift_low, lang)}"
        f" – {points(row.uplift_high, lang)})"
        for label, row in zip(labels, table.itertuples(index=False), strict=True)
    )
    return Chart("uplift", drawing, say("chart_alt", lang, items=items), say("chart_caption", lang))


def _table(measurement: Measurement, lang: str) -> Table:
    header = [
        say(key, lang)
        for key in (
            "th_segment",
            "th_contacted",
            "th_contact_rate",
            "th_control",
            "th_control_rate",
            "th_uplift",
            "th_interval",
            "th_p",
            "th_verdict",
        )
    ]
    rows = [
        [
            _segment_cell(row.segment, lang),
            say(
                "takers",
                lang,
                takers=count(row.contact_takers, lang),
                customers=count(row.contact_customers, lang),
            ),
            rate(row.contact_rate, lang),
            say(
                "takers",
                lang,
                takers=count(row.control_takers, lang),
                customers=count(row.control_customers, lang),
            ),
            rate(row.control_rate, lang),
            points(row.uplift, lang),
            _interval(row, lang),
            p_text(row.p_adjusted, lang),
            say(f"verdict_{row.verdict}", lang),
        ]
        for row in measurement.table.itertuples(index=False)
    ]
    return Table(header, rows, [False, *[True] * 7, False])


def _interval(row: Any, lang: str) -> str:
    """'2,7 – 13,3', or '–' where there is no interval."""
    if row.uplift_low != row.uplift_low:  # NaN: a group is empty
        return "–"
    return f"{points(row.uplift_low, lang)} – {points(row.uplift_high, lang)}"


def _method(
    measurement: Measurement, lang: str, counts: dict[str, Any], options: dict[str, Any]
) -> list[str]:
    unmeasured = measurement.segments_where("not_measurable")
    tested = len(measurement.segments) - len(unmeasured)
    alpha = setting(options["alpha"], lang)
    paragraphs = [
        say("method_uplift", lang),
        say("method_interval", lang),
        say("method_test", lang, k=tested, alpha=alpha)
        if tested > 1
        else say("method_test_overall", lang, alpha=alpha),
    ]
    if unmeasured:
        paragraphs.append(say("method_left_out", lang, segments=segments_named(unmeasured, lang)))
    without = counts["without_outcome"]
    if sum(without.values()):
        key = "method_missing" if options["missing"] == "not-taken" else "method_excluded"
        paragraphs.append(
            say(
                key,
                lang,
                customers=count(sum(without.values()), lang),
                contact=count(without["contact"], lang),
                control=count(without["control"], lang),
            )
        )
    before = counts["before_since"]
    if sum(before.values()):
        paragraphs.append(
            say(
                "method_since",
                lang,
                rows=count(sum(before.values()), lang),
                since=options["since"],
                contact=count(before["contact"], lang),
                control=count(before["control"], lang),
            )
        )
    if options["since"] and counts["undated_takers"]:
        paragraphs.append(say("method_undated", lang, rows=count(counts["undated_takers"], lang)))
    return paragraphs
