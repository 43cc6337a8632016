"""The words: every catalogue complete in every language, the k rule's reason, number formats."""

from __future__ import annotations

import string

import pytest

from segmentasi.sweep import KChoice
from segmentasi.text import LANGUAGES, decision, deliverables, findings, narrative, report
from segmentasi.text.k_rule import report_reason, sweep_reason
from segmentasi.text.numbers import compact, num, pct, ratio_or_dash, score_or_dash


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize(
    "catalogue",
    [findings.TEXT, narrative.TEXT, report.TEXT, decision.TEXT, deliverables.TEXT],
    ids=["findings", "narrative", "report", "decision", "deliverables"],
)
def test_every_language_has_every_key_with_the_same_placeholders(catalogue):
    assert tuple(catalogue) == LANGUAGES
    first, *others = LANGUAGES
    for lang in others:
        assert catalogue[lang].keys() == catalogue[first].keys()
        differing = [
            key
            for key, template in catalogue[first].items()
            if placeholders(template) != placeholders(catalogue[lang][key])
        ]
        assert differing == []


def choice(**changes: object) -> KChoice:
    decided = {
        "k": 5,
        "by": "knee",
        "best_k": 4,
        "best_silhouette": 0.4104,
        "knee": 5,
        "tolerance": 0.02,
        "min_segment_share": 0.02,
        "size_rule_waived": False,
    }
    return KChoice(**(decided | changes))


@pytest.mark.parametrize(
    ("decided", "lang", "expected"),
    [
        (
            choice(),
            "en",
            "K-Medoids: k = 5, because the knee k = 5 is within 0.02 of the best "
            "silhouette (0.410).",
        ),
        (
            choice(),
            "id",
            "K-Medoids: k = 5, karena siku k = 5 berada dalam 0.02 dari silhouette "
            "terbaik (0.410).",
        ),
        (
            choice(k=4, by="best_silhouette", knee=6),
            "en",
            "K-Medoids: k = 4, the best silhouette (0.410); the knee (k = 6) scores lower.",
        ),
        (
            choice(k=4, by="best_silhouette", knee=None, size_rule_waived=True),
            "id",
            "K-Medoids: k = 4, silhouette terbaik (0.410); tidak ada siku. "
            "Tidak ada k yang membuat semua segmen di atas 2%, jadi aturan ukuran diabaikan.",
        ),
    ],
)
def test_the_report_words_the_k_rule_decision(decided, lang, expected):
    assert report_reason(decided, "kmedoids", lang) == expected


def test_sweep_json_words_the_k_rule_decision_in_english():
    assert sweep_reason(choice()) == (
        "the elbow's knee k=5 is within 0.02 of the best silhouette (0.410)"
    )
    assert sweep_reason(choice(k=4, by="best_silhouette", knee=None, size_rule_waived=True)) == (
        "best silhouette (0.410); no knee was found (no k keeps every segment above 2%; "
        "the size rule was set aside)"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "0%"),
        (1.0, "100%"),
        (0.5, "50%"),
        (0.123, "12.3%"),
        (0.9996, "99.96%"),
        (0.00004, "0.00%"),
        (0.0004, "0.04%"),
    ],
)
def test_shares_carry_no_false_precision(value, expected):
    assert pct(value) == expected


def test_numbers_as_tables_and_charts_print_them():
    assert (num(10605), num(1234.5)) == ("10,605", "1,234.50")
    assert (compact(152_300_000, "id"), compact(152_300_000, "en")) == ("152.3 jt", "152.3M")
    assert (compact(2e9, "id"), compact(2e9, "en"), compact(1234.5, "en")) == (
        "2 M",
        "2B",
        "1,234.5",
    )
    nan = float("nan")
    assert (ratio_or_dash(1.234), ratio_or_dash(nan)) == ("1.23", "–")
    assert (score_or_dash(0.41049), score_or_dash(nan)) == ("0.410", "–")
