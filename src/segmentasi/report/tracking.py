"""tracking.html: two periods under one model (track.Tracking) for a marketing reader first.

The verdict and why, then where customers moved (the flow chart, in and out per segment, the
transition heatmap, the first movers), then whether the customers are still alike (drift per
column in bands), then a short technical appendix. Every number is read from the Tracking's
tables here; the page shell, CSS and table macros are the run report's (page.html, macros.html).
"""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from ..text import capitalised
from ..text.numbers import count, fixed, pct, score
from ..text.tracking import limits, reason_text, say, state_label
from ..track import (
    BANDS,
    MAX_REASONS,
    PSI_EPSILON,
    PSI_SHIFT,
    PSI_WATCH,
    SEGMENTS_ROW,
    UNPLACED_RISE,
    Tracking,
)
from ..version import __version__
from . import environment, page_css, plots
from .build import Badge, Chart, Segment, Table
from .plots import OTHER_COLOUR, segment_color

TRACKING_REPORT = "tracking.html"
MOVERS_SHOWN = 10
VERDICT_BADGE = {"keep": "ok", "watch": "watch", "refit": "warn"}
BAND_BADGE = dict(zip(BANDS, ("ok", "watch", "warn"), strict=True))
SMALLEST_P = 0.001  # p-values below it are written "<0.001"

__all__ = ["TRACKING_REPORT", "reason_sentences", "render_tracking", "write_tracking_report"]


def render_tracking(
    tracking: Tracking, lang: str = "id", created: dt.datetime | None = None
) -> str:
    """tracking.html as one string; `created` defaults to now (its only varying part)."""
    created_text = (created or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    words = partial(say, lang=lang)
    rule = _rule(lang)
    context = {
        "lang": lang,
        "css": page_css(),
        "title": words("title"),
        "subtitle": words(
            "subtitle",
            experiment=tracking.experiment,
            k=tracking.k,
            before=Path(tracking.before.source).name,
            after=Path(tracking.after.source).name,
            created=created_text,
        ),
        "nav": [
            (key, words(f"nav_{key}")) for key in ("verdict", "migration", "drift", "appendix")
        ],
        "footer": words("footer", version=__version__, created=created_text),
        "t": words,
        "verdict": _verdict(tracking, rule, lang),
        "flow_chart": _flow_chart(tracking, lang),
        "flows": _flows_table(tracking, lang),
        "heatmap": _heatmap(tracking, lang),
        "movers": _movers(tracking, lang),
        "drift": _drift_table(tracking, lang),
        "drift_lead": words("drift_lead", **rule),
        "appendix": _appendix(tracking, rule, lang),
    }
    return environment().get_template(TRACKING_REPORT).render(**context)


def write_tracking_report(
    tracking: Tracking, path: str | Path, lang: str = "id", created: dt.datetime | None = None
) -> Path:
    """Write tracking.html (UTF-8) to `path` and return the path."""
    path = Path(path)
    path.write_text(render_tracking(tracking, lang, created), encoding="utf-8")
    return path


def _segment(tracking: Tracking, number: int, lang: str) -> Segment:
    return Segment(number, segment_color(number), state_label(number, lang), tracking.names[number])


def _label(tracking: Tracking, column: str, lang: str) -> str:
    if column == SEGMENTS_ROW:
        return say("segments_row", lang)
    return tracking.schema.column(column).display(lang)


def reason_sentences(tracking: Tracking, lang: str) -> list[str]:
    """Each reason of the verdict as a sentence, in the order of tracking.reasons."""
    sentences = []
    for reason in tracking.reasons:
        label = _label(tracking, reason.column, lang) if reason.column else ""
        raw = tracking.schema.column(reason.column).raw_names(lang) if reason.column else []
        sentences.append(capitalised(reason_text(reason, label, _rule(lang), lang), raw))
    return sentences


def _rule(lang: str) -> dict[str, str]:
    return limits(lang, watch=PSI_WATCH, shift=PSI_SHIFT, rise=UNPLACED_RISE, epsilon=PSI_EPSILON)


def _verdict(tracking: Tracking, rule: dict[str, str], lang: str) -> dict[str, Any]:
    reasons = reason_sentences(tracking, lang)
    if tracking.verdict == "keep":
        reasons.insert(0, say("reason_none", lang, **rule))
    return {
        "badge": Badge(VERDICT_BADGE[tracking.verdict], say(f"verdict_{tracking.verdict}", lang)),
        "title": say("verdict_title", lang, verdict=say(f"verdict_{tracking.verdict}", lang)),
        "lead": say(f"lead_{tracking.verdict}", lang),
        "reasons": reasons,
        "figures": _figures(tracking, lang),
    }


def _figures(tracking: Tracking, lang: str) -> str:
    customers = tracking.customers
    return say(
        "figures",
        lang,
        in_both=count(customers["in_both"], lang),
        moved=count(customers["moved"], lang),
        moved_share=pct(customers["moved"] / customers["in_both"], lang),
        joined=count(customers["joined"], lang),
        left=count(customers["left"], lang),
    )


def _states(tracking: Tracking, states: list[Any], lang: str) -> tuple[list[str], list[Any]]:
    """Labels and segment numbers (None for not placed, joined, left) of matrix states."""
    numbers = [s if isinstance(s, int) else None for s in states]
    return [state_label(s, lang) for s in states], numbers


def _flow_chart(tracking: Tracking, lang: str) -> Chart:
    counts = tracking.transitions.to_numpy()
    sides = []
    for states, totals in (
        (list(tracking.transitions.index), counts.sum(axis=1)),
        (list(tracking.transitions.columns), counts.sum(axis=0)),
    ):
        labels, numbers = _states(tracking, states, lang)
        sides.append(
            (
                [f"{label} · {count(n, lang)}" for label, n in zip(labels, totals, strict=True)],
                [OTHER_COLOUR if n is None else segment_color(n) for n in numbers],
            )
        )
    stayed = np.eye(len(counts), dtype=bool)  # a segment to itself, not placed to not placed
    src = plots.flow_chart(
        counts,
        (sides[0][0], sides[1][0]),
        (sides[0][1], sides[1][1]),
        stayed,
        (say("flow_before", lang), say("flow_after", lang)),
        say("flow_chart_title", lang),
    )
    alt = f"{say('flow_chart_title', lang)}: " + "; ".join(
        f"{state_label(a, lang)} → {state_label(b, lang)}: {count(n, lang)}"
        for a, row in tracking.transitions.iterrows()
        for b, n in row.items()
        if n and a != b
    )
    return Chart("flow-chart", src, alt, say("flow_caption", lang))


def _flows_table(tracking: Tracking, lang: str) -> Table:
    rows = [
        [
            _segment(tracking, int(row.segment), lang),
            row.name,
            count(row.before, lang),
            count(row.after, lang),
            count(row.inflow, lang),
            count(row.outflow, lang),
            ("+" if row.net > 0 else "") + count(row.net, lang),
        ]
        for row in tracking.flows.itertuples()
    ]
    keys = ("segment", "name", "before", "after", "inflow", "outflow", "net")
    return Table(
        [say(f"th_{key}", lang) for key in keys],
        rows,
        [False, False, True, True, True, True, True],
    )


def _heatmap(tracking: Tracking, lang: str) -> Chart:
    counts = tracking.transitions
    rows = [s for s in counts.index if isinstance(s, int) or counts.loc[s].sum()]
    columns = [s for s in counts.columns if isinstance(s, int) or counts[s].sum()]
    shown, shares = counts.loc[rows, columns], tracking.shares.loc[rows, columns]
    annotations = [
        [
            "" if np.isnan(share) else f"{pct(share, lang)}\n{count(n, lang)}"
            for share, n in zip(share_row, count_row, strict=True)
        ]
        for share_row, count_row in zip(shares.to_numpy(), shown.to_numpy(), strict=True)
    ]
    src = plots.transition_heatmap(
        shares.to_numpy(dtype=float),
        annotations,
        _states(tracking, rows, lang),
        _states(tracking, columns, lang),
        (say("heatmap_rows", lang), say("heatmap_columns", lang)),
        say("heatmap_title", lang),
        say("heatmap_colour", lang),
    )
    alt = f"{say('heatmap_title', lang)}: " + "; ".join(
        f"{state_label(a, lang)} → {state_label(b, lang)}: {pct(shares.loc[a, b], lang)}"
        for a in rows
        for b in columns
        if shown.loc[a, b]
    )
    return Chart("transition-heatmap", src, alt, say("heatmap_caption", lang))


def _movers(tracking: Tracking, lang: str) -> dict[str, Any]:
    movers = tracking.movers
    if movers.empty:
        return {"lead": say("movers_none", lang), "table": None}
    first = movers.head(MOVERS_SHOWN)
    table = Table(
        [say(f"th_{key}", lang) for key in ("id", "from", "to", "changed")],
        [
            [
                str(row[0]),
                _segment(tracking, int(row.from_segment), lang),
                _segment(tracking, int(row.to_segment), lang),
                row.changed,
            ]
            for row in first.itertuples(index=False)
        ],
    )
    lead = say("movers_lead", lang, moved=count(len(movers), lang), shown=count(len(first), lang))
    return {"lead": lead, "table": table}


def _drift_table(tracking: Tracking, lang: str) -> Table:
    rows = [
        [
            _label(tracking, row.column, lang),
            say("yes" if row.model_feature else "no", lang),
            score(row.psi, lang),
            Badge(BAND_BADGE[row.band], say(f"band_{row.band}", lang)),
        ]
        for row in tracking.drift.itertuples()
    ]
    keys = ("column", "model_uses", "psi", "band")
    return Table([say(f"th_{key}", lang) for key in keys], rows, [False, False, True, False])


def _appendix(tracking: Tracking, rule: dict[str, str], lang: str) -> dict[str, Any]:
    before, after = tracking.before, tracking.after
    paragraphs = [
        say(
            "method_join",
            lang,
            id_column=tracking.id_column,
            before_customers=count(before.customers, lang),
            before_not_placed=count(before.not_placed, lang),
            after_customers=count(after.customers, lang),
            after_not_placed=count(after.not_placed, lang),
        )
    ]
    if before.dropped or after.dropped:
        paragraphs.append(
            say(
                "method_dropped",
                lang,
                before=count(before.dropped, lang),
                after=count(after.dropped, lang),
            )
        )
    paragraphs += [
        say("method_psi", lang, **rule),
        say("method_test", lang),
        say("method_rule", lang, **rule),
        say("method_moved", lang, reasons=MAX_REASONS),
    ]
    tests = Table(
        [say(f"th_{key}", lang) for key in ("column", "psi", "chi2", "dof", "p", "bins")],
        [
            [
                _label(tracking, row.column, lang),
                score(row.psi, lang),
                fixed(row.chi2, lang, 1),
                count(row.dof, lang),
                _p_value(row.p_value, lang),
                count(row.bins, lang),
            ]
            for row in tracking.drift.itertuples()
        ],
        [False, True, True, True, True, True],
    )
    return {
        "paragraphs": paragraphs,
        "tests": tests,
        "warnings": list(tracking.warnings),
        "files": say("files", lang),
    }


def _p_value(value: float, lang: str) -> str:
    return "<" + score(SMALLEST_P, lang) if value < SMALLEST_P else score(value, lang)
