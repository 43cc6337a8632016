"""Every word segmentasi shows people, in Bahasa Indonesia (the default) and English.

- numbers: how numbers, shares and ranges are written;
- findings: data-quality findings and the handling of missing values and duplicates;
- narrative: the words of segment names and narratives (narrative.py finds what they say);
- report: the words of the HTML report;
- k_rule: the k rule's decision (sweep.KChoice) in sweep.json's words and the report's.

Each table of words is a catalogue: language -> key -> str.format template, with the same keys
and placeholders in every language. The numbers a template carries are formatted by the caller
(with `numbers`) from the run's tables, never typed into the words.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..errors import InputError

LANGUAGES = ("id", "en")

Catalogue = dict[str, dict[str, str]]


def check_language(lang: str) -> None:
    """Refuse a language segmentasi has no words for (a user error, exit 2)."""
    if lang not in LANGUAGES:
        raise InputError(f"language must be one of {', '.join(LANGUAGES)}, not '{lang}'")


def capitalised(text: str, keep: Iterable[str] = ()) -> str:
    """The text with its first letter in upper case, the rest as it is; unchanged when it
    starts with one of `keep` (raw column names and levels the schema gives no label for,
    shown as they are: "age_years 43–68", never "Age_years 43–68")."""
    for raw in keep:
        if raw and text.startswith(raw) and not text[len(raw) : len(raw) + 1].isalnum():
            return text
    return text[:1].upper() + text[1:]
