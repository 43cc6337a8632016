"""How numbers are written for people: every sentence, table and chart of a run uses these.

Every function takes the language, "id" (Bahasa Indonesia, babel's locale id_ID) or "en"
(babel's en), and writes the number in that language's convention through babel:

    id: 28.129 nasabah, 62,3%, rasio 1,05, Rp324 juta, Rp1,2 miliar
    en: 28,129 customers, 62.3%, ratio 1.05, Rp324 million, Rp1.2 billion

Rules, the same in every sentence, table and chart:

- num: thousands separators and no needless decimals (two decimals where there is a fraction).
- count: whole numbers with thousands separators.
- number: a measured value to whole units, or to one decimal below 10 when it has a fraction.
- pct: a share always to one decimal ("11,0%", "62,3%", "0,0%", "100,0%"). A share that is
  not exactly 0 or 1 but would round to 0,0% or 100,0% is written "<0,1%" or ">99,9%", so
  "none" and "all" are only ever said when they are true.
- ratio: two decimals (lifts, AUCs); score: three decimals (silhouettes); fixed: a stated
  number of decimals; setting: an option's value as given (a target of 0,5).
- money: an amount of a currency to three significant digits in babel's long compact form
  with the currency's symbol ("Rp324 juta", "Rp1,2 miliar", "Rp45 ribu"; en "Rp324 million");
  money_compact is the short form for heatmap cells ("Rp246 jt", en "Rp246M").
- tick: a chart axis label, thousands separated, up to three decimals ("210.000", "0,25").

Not-a-number values read "nan" ("nan%" as a share) and infinities "inf" in every language,
as they always have; ratio_or_dash and score_or_dash print "–" there.
Files meant for machines (CSV, JSON) never use these: they keep a dot decimal mark and no
thousands separators.
"""

from __future__ import annotations

import math
from functools import cache

from babel import Locale
from babel.numbers import (
    NumberPattern,
    format_compact_decimal,
    get_currency_symbol,
    is_currency,
    parse_pattern,
)

LOCALES = {"id": "id_ID", "en": "en"}
MONEY_DIGITS = 3  # significant digits of an amount of money


@cache
def locale(lang: str) -> Locale:
    """babel's Locale of a report language (parsed once: parsing is slow)."""
    try:
        return Locale.parse(LOCALES[lang])
    except KeyError:
        raise ValueError(f"no number format for language {lang!r}") from None


@cache
def _pattern(text: str) -> NumberPattern:
    return parse_pattern(text)


def _apply(value: float, pattern: str, lang: str) -> str:
    return _pattern(pattern).apply(value, locale(lang))


def _finite(value: float) -> bool:
    return math.isfinite(float(value))


def num(value: float, lang: str) -> str:
    """A number with thousands separators and no needless decimals: 1234.5 -> '1.234,50'."""
    if not _finite(value):
        return f"{float(value)}"
    return _apply(value, "#,##0" if float(value).is_integer() else "#,##0.00", lang)


def pct(value: float, lang: str) -> str:
    """A share as a percentage to one decimal: 0.623 -> '62,3%' (id), '62.3%' (en).

    0 and 1 are '0,0%' and '100,0%'; a share that is neither but would round to one of them
    is '<0,1%' or '>99,9%'.
    """
    if not _finite(value):
        return f"{float(value)}%"
    text = _apply(value, "#,##0.0%", lang)
    if 0 < value < 0.001 or 0.999 < value < 1:
        if text == _apply(0, "#,##0.0%", lang):
            return "<" + _apply(0.001, "#,##0.0%", lang)
        if text == _apply(1, "#,##0.0%", lang):
            return ">" + _apply(0.999, "#,##0.0%", lang)
    return text


def count(value: float, lang: str) -> str:
    """A count of customers: 10605 -> '10.605' (id), '10,605' (en)."""
    return _apply(round(value), "#,##0", lang)


def number(value: float, lang: str) -> str:
    """A measured value to whole units, or to one decimal below 10 when it has a fraction."""
    if not _finite(value):
        return f"{float(value)}"
    if float(value).is_integer() or abs(value) >= 10:
        return _apply(round(value), "#,##0", lang)
    return _apply(value, "0.0", lang)


def span(low: float, high: float, lang: str) -> str:
    """A range of values, '42–68', or one value when both ends round alike."""
    low_text, high_text = number(low, lang), number(high, lang)
    return low_text if low_text == high_text else f"{low_text}–{high_text}"


def ratio(value: float, lang: str) -> str:
    """A lift or an AUC, to two decimals: 1.05 -> '1,05' (id)."""
    if not _finite(value):
        return f"{float(value)}"
    return _apply(value, "#,##0.00", lang)


def ratio_or_dash(value: float, lang: str) -> str:
    """A lift, an AUC or an ARI as the report's tables print it: two decimals, '–' where none."""
    return "–" if math.isnan(value) else ratio(value, lang)


def score(value: float, lang: str) -> str:
    """A silhouette to three decimals: 0.41049 -> '0,410' (id)."""
    if not _finite(value):
        return f"{float(value)}"
    return _apply(value, "0.000", lang)


def score_or_dash(value: float, lang: str) -> str:
    """A silhouette as the report prints it: three decimals, '–' where none."""
    return "–" if math.isnan(value) else score(value, lang)


def fixed(value: float, lang: str, decimals: int) -> str:
    """A number to exactly `decimals` decimals with thousands separators: a sweep's cost."""
    if not _finite(value):
        return f"{float(value)}"
    return _apply(value, "#,##0" + ("." + "0" * decimals if decimals else ""), lang)


def setting(value: float, lang: str) -> str:
    """A setting as it was given, without trailing zeros: a target 0.5 -> '0,5' (id)."""
    if not _finite(value):
        return f"{float(value)}"
    return _apply(value, "#,##0.######", lang)


def compact(value: float, lang: str) -> str:
    """A number short enough for a heatmap cell: 152300000 -> '152,3 jt' (id) / '152.3M' (en);
    below a million, the number itself to at most one decimal ('1.234,5')."""
    if not _finite(value):
        return f"{float(value)}"
    if abs(value) >= 1e6:
        return format_compact_decimal(
            value, format_type="short", fraction_digits=1, locale=locale(lang)
        )
    return _apply(value, "#,##0.#", lang)


def tick(value: float, lang: str) -> str:
    """A chart axis label: thousands separated, at most three decimals ('210.000', '0,25')."""
    if not _finite(value):
        return f"{float(value)}"
    return _apply(0.0 if value == 0 else value, "#,##0.###", lang)


def known_currency(code: str) -> bool:
    """Whether `code` is an ISO 4217 currency babel knows ('IDR', 'USD')."""
    return is_currency(code)


@cache
def currency_symbol(code: str, lang: str) -> str:
    """The currency's symbol in the language, or where that language only knows the code
    (IDR in English), its Indonesian symbol: 'Rp' in both languages."""
    symbol = get_currency_symbol(code, locale=locale(lang))
    return get_currency_symbol(code, locale=locale("id")) if symbol == code else symbol


def money(value: float, lang: str, currency: str = "IDR", unit: float = 1.0) -> str:
    """An amount of `value` units worth `unit` each, to three significant digits in words:
    323730230 -> 'Rp324 juta' (id) / 'Rp324 million' (en); 1.2e9 -> 'Rp1,2 miliar'."""
    return _money(value, lang, currency, unit, "long")


def money_compact(value: float, lang: str, currency: str = "IDR", unit: float = 1.0) -> str:
    """An amount as `money`, short enough for a heatmap cell: 'Rp246 jt' (id) / 'Rp246M' (en)."""
    return _money(value, lang, currency, unit, "short")


def _money(value: float, lang: str, currency: str, unit: float, form: str) -> str:
    if not _finite(value):
        return f"{float(value)}"
    amount = significant(float(value) * unit, MONEY_DIGITS)
    text = format_compact_decimal(
        abs(amount), format_type=form, fraction_digits=MONEY_DIGITS - 1, locale=locale(lang)
    )
    return ("-" if amount < 0 else "") + currency_symbol(currency, lang) + text


def significant(value: float, digits: int) -> float:
    """`value` rounded to `digits` significant digits (so babel's scale sees the rounded
    amount: 999.6 million is 1 billion, not 1,000 million)."""
    if value == 0:
        return 0.0
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))
