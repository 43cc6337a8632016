"""How numbers are written for people: every sentence, table and chart of a run uses these."""

from __future__ import annotations

import pandas as pd


def num(value: float) -> str:
    """A number with thousands separators and no needless decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def pct(value: float) -> str:
    """A share as a percentage with no false precision: 0.9996 -> '99.96%', 0.5 -> '50%'."""
    if value in (0.0, 1.0):
        return f"{value:.0%}"
    text = f"{100 * value:.1f}".rstrip("0").rstrip(".")
    if text in ("0", "100"):
        text = f"{100 * value:.2f}"
    return f"{text}%"


def count(value: float) -> str:
    """A count of customers: 10605 -> '10,605'."""
    return f"{round(value):,}"


def number(value: float) -> str:
    """A measured value to whole units, or to one decimal below 10 when it has a fraction."""
    if float(value).is_integer() or abs(value) >= 10:
        return f"{round(value):,}"
    return f"{value:.1f}"


def span(low: float, high: float) -> str:
    """A range of values, '42–68', or one value when both ends round alike."""
    low_text, high_text = number(low), number(high)
    return low_text if low_text == high_text else f"{low_text}–{high_text}"


def ratio(value: float) -> str:
    """A lift or an AUC, to two decimals."""
    return f"{value:.2f}"


def ratio_or_dash(value: float) -> str:
    """A lift, an AUC or an ARI as the report's tables print it: two decimals, '–' where none."""
    return "–" if pd.isna(value) else ratio(value)


def score_or_dash(value: float) -> str:
    """A silhouette as the report prints it: three decimals, '–' where none."""
    return "–" if pd.isna(value) else f"{value:.3f}"


def compact(value: float, lang: str) -> str:
    """A number short enough for a heatmap cell: 152300000 -> '152.3 jt' (id) / '152.3M' (en)."""
    steps = (
        (1e12, {"id": " T", "en": "T"}),
        (1e9, {"id": " M", "en": "B"}),
        (1e6, {"id": " jt", "en": "M"}),
    )
    for size, suffix in steps:
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix[lang]
    return f"{value:,.1f}".rstrip("0").rstrip(".")
