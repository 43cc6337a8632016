"""The HTML report of a run: one self-contained file (charts embedded), in Bahasa or English."""

from __future__ import annotations

import datetime as dt
from functools import partial
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2

from ..errors import InputError
from ..i18n import LANGUAGES
from .build import build_context
from .wording import say

if TYPE_CHECKING:
    from ..pipeline import RunResult

REPORT_FILE = "report.html"


def render_report(result: RunResult, lang: str = "id", created: dt.datetime | None = None) -> str:
    """The report as one HTML string; `created` defaults to now (its only varying part)."""
    if lang not in LANGUAGES:
        raise InputError(f"report language must be one of {', '.join(LANGUAGES)}, not '{lang}'")
    created = created or dt.datetime.now(dt.UTC)
    files = resources.files(__name__)
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined,
                                     trim_blocks=True, lstrip_blocks=True)
    template = environment.from_string((files / "report.html").read_text(encoding="utf-8"))
    context = build_context(result, lang, created)
    return template.render(css=(files / "report.css").read_text(encoding="utf-8"),
                           t=partial(say, lang=lang), **context)


def write_report(
    result: RunResult, path: str | Path, lang: str = "id", created: dt.datetime | None = None
) -> Path:
    """Write the report to `path` (UTF-8) and return the path."""
    path = Path(path)
    path.write_text(render_report(result, lang, created), encoding="utf-8")
    return path


__all__ = ["LANGUAGES", "REPORT_FILE", "render_report", "write_report"]
