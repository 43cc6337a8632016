"""The words: every catalogue complete in every language, the k rule's reason, number formats."""

from __future__ import annotations

import string

import pytest

from segmentasi.sweep import KChoice
from segmentasi.text import (
    LANGUAGES,
    campaign,
    decision,
    deliverables,
    findings,
    narrative,
    report,
)
from segmentasi.text.k_rule import report_reason, sweep_reason
from segmentasi.text.numbers import (
    compact,
    count,
    fixed,
    money,
    money_compact,
    num,
    number,
    pct,
    ratio,
    ratio_or_dash,
    score,
    score_or_dash,
    setting,
    span,
    tick,
)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


@pytest.mark.parametrize(
    "catalogue",
    [findings.TEXT, narrative.TEXT, report.TEXT, decision.TEXT, deliverables.TEXT, campaign.TEXT],
    ids=["findings", "narrative", "report", "decision", "deliverables", "campaign"],
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
            "K-Medoids: k = 5, karena siku k = 5 berada dalam 0,02 dari silhouette "
            "terbaik (0,410).",
        ),
        (
            choice(k=4, by="best_silhouette", knee=6),
            "en",
            "K-Medoids: k = 4, the best silhouette (0.410); the knee (k = 6) scores lower.",
        ),
        (
            choice(k=4, by="best_silhouette", knee=None, size_rule_waived=True),
            "id",
            "K-Medoids: k = 4, silhouette terbaik (0,410); tidak ada siku. "
            "Tidak ada k yang membuat semua segmen di atas 2,0%, jadi aturan ukuran diabaikan.",
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


NAN = float("nan")


@pytest.mark.parametrize(
    ("value", "id_text", "en_text"),
    [
        (0.0, "0,0%", "0.0%"),
        (1.0, "100,0%", "100.0%"),
        (0.5, "50,0%", "50.0%"),
        (0.11, "11,0%", "11.0%"),
        (0.123, "12,3%", "12.3%"),
        (0.623, "62,3%", "62.3%"),
        (0.0004, "<0,1%", "<0.1%"),
        (0.00004, "<0,1%", "<0.1%"),
        (0.9996, ">99,9%", ">99.9%"),
        (0.99999, ">99,9%", ">99.9%"),
        (0.0006, "0,1%", "0.1%"),
        (0.9994, "99,9%", "99.9%"),
        (12.5, "1.250,0%", "1,250.0%"),
        (-0.05, "-5,0%", "-5.0%"),
        (NAN, "nan%", "nan%"),
    ],
)
def test_shares_have_one_decimal_and_never_round_to_none_or_all(value, id_text, en_text):
    assert (pct(value, "id"), pct(value, "en")) == (id_text, en_text)


@pytest.mark.parametrize(
    ("value", "id_text", "en_text"),
    [
        (323_730_230, "Rp324 juta", "Rp324 million"),
        (319_000_000, "Rp319 juta", "Rp319 million"),
        (1_234_000_000, "Rp1,23 miliar", "Rp1.23 billion"),
        (1_200_000_000, "Rp1,2 miliar", "Rp1.2 billion"),
        (999_600_000, "Rp1 miliar", "Rp1 billion"),
        (2_500_000_000_000, "Rp2,5 triliun", "Rp2.5 trillion"),
        (45_000, "Rp45 ribu", "Rp45 thousand"),
        (500, "Rp500", "Rp500"),
        (0, "Rp0", "Rp0"),
        (-3_200_000, "-Rp3,2 juta", "-Rp3.2 million"),
        (NAN, "nan", "nan"),
    ],
)
def test_money_in_words_to_three_significant_digits(value, id_text, en_text):
    assert (money(value, "id"), money(value, "en")) == (id_text, en_text)


def test_money_of_a_column_in_millions_and_in_heatmap_cells():
    assert money(38.5, "id", "IDR", 1_000_000) == "Rp38,5 juta"
    assert money(1250, "en", "IDR", 1_000_000) == "Rp1.25 billion"
    assert money(12.5, "en", "USD") == "$12.5"
    assert money_compact(246_300_000, "id") == "Rp246\xa0jt"
    assert money_compact(246_300_000, "en") == "Rp246M"
    assert money_compact(1_200_000_000, "en") == "Rp1.2B"


def test_numbers_in_each_language():
    assert (num(28129, "id"), num(28129, "en")) == ("28.129", "28,129")
    assert (num(1234.5, "id"), num(1234.5, "en")) == ("1.234,50", "1,234.50")
    assert (num(-1234.5, "id"), num(-1234.5, "en")) == ("-1.234,50", "-1,234.50")
    assert (count(1500, "id"), count(1500, "en")) == ("1.500", "1,500")
    assert (count(-10605, "id"), count(323_730_230, "id")) == ("-10.605", "323.730.230")
    assert (number(7.25, "id"), number(7.25, "en"), number(-8.04, "id")) == ("7,2", "7.2", "-8,0")
    assert (number(12.6, "id"), number(44607.0, "id")) == ("13", "44.607")
    assert (span(17, 99.2, "id"), span(4.04, 3.96, "en")) == ("17–99", "4.0")
    assert (ratio(1.05, "id"), ratio(1.05, "en")) == ("1,05", "1.05")
    assert (score(0.41049, "id"), fixed(210_000.04, "id", 1)) == ("0,410", "210.000,0")
    assert (setting(0.5, "id"), setting(0.02, "en"), setting(3.0, "id")) == ("0,5", "0.02", "3")
    assert (tick(210_000, "id"), tick(210_000, "en"), tick(0.25, "id"), tick(-0.0, "id")) == (
        "210.000",
        "210,000",
        "0,25",
        "0",
    )


def test_numbers_as_heatmap_cells_print_them():
    assert (compact(152_300_000, "id"), compact(152_300_000, "en")) == ("152,3\xa0jt", "152.3M")
    assert (compact(2e9, "id"), compact(2e9, "en"), compact(1234.5, "en")) == (
        "2\xa0M",
        "2B",
        "1,234.5",
    )
    assert compact(1234.5, "id") == "1.234,5"


def test_not_a_number_reads_as_before():
    assert [f(NAN, "id") for f in (num, number, ratio, score, compact, tick)] == ["nan"] * 6
    assert (ratio_or_dash(1.234, "id"), ratio_or_dash(NAN, "id")) == ("1,23", "–")
    assert (score_or_dash(0.41049, "en"), score_or_dash(NAN, "en")) == ("0.410", "–")
    with pytest.raises(ValueError):
        count(NAN, "id")


def test_an_unknown_language_has_no_number_format():
    with pytest.raises(ValueError, match="fr"):
        num(1, "fr")
