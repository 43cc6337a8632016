"""The HTML report of a run: one self-contained file (charts embedded), in Bahasa or English."""

from __future__ import annotations

import datetime as dt
import functools
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from ..text import check_language
from ..text.report import say
from .build import build_context

if TYPE_CHECKING:
    from ..results import RunResult

REPORT_FILE = "report.html"


def render_report(result: RunResult, lang: str = "id", created: dt.datetime | None = None) -> str:
    """The report as one HTML string; `created` defaults to now (its only varying part)."""
    check_language(lang)
    created = created or dt.datetime.now(dt.UTC)
    context = build_context(result, lang, created)
    return report_template().render(css=page_css(), t=partial(say, lang=lang), **context)


@functools.cache
def environment() -> jinja2.Environment:
    """The templates of segmentasi's HTML pages (this package's .html files: page.html is the
    shell they extend, macros.html the pieces they share)."""
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(_template_source),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _template_source(name: str) -> str:
    return (resources.files(__name__) / name).read_text(encoding="utf-8")


def page_css() -> str:
    """The style sheet every page embeds."""
    return _template_source("report.css")


@functools.cache
def report_template() -> jinja2.Template:
    """The report's compiled template: compiling takes about 50 ms, once per process, so a run
    that writes its folder compiles it while its workers still draw the charts."""
    return environment().get_template("report.html")


def write_report(
    result: RunResult, path: str | Path, lang: str = "id", created: dt.datetime | None = None
) -> Path:
    """Write the report to `path` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(result, lang, created), encoding="utf-8")
    return path


__all__ = [
    "REPORT_FILE",
    "environment",
    "page_css",
    "render_report",
    "report_template",
    "write_report",
]
