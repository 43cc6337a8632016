"""The words of a model's rules (rules.py): each rule a sentence a person can check against a
customer's record.

A column is named by its label and, where that differs from the column's name in the data,
the raw name too ("pendapatan tahunan (Pendapatan_Tahunan)"), so an analyst can find it; a
level likewise ("lama menjadi nasabah (Vintage) lebih dari 4 tahun ('> 4 Tahun')"). Thresholds
are the rules' own, already round numbers, written in the column's unit or currency
(text.numbers); an amount of money that three significant digits would round is written in
full in the column's unit instead, so no number in a sentence is rounded.
"""

from __future__ import annotations

from ..rules import (
    FAITHFUL_AGREEMENT,
    TARGET_FIDELITY,
    Condition,
    Leaf,
    RuleSet,
    rule_fills,
    valid_range,
)
from ..schema import Column
from . import Catalogue, capitalised
from .numbers import MONEY_DIGITS, count, money, pct, setting, significant

TEXT: Catalogue = {
    "id": {
        "and": " dan ",
        "or": " atau ",
        "at_least": "{name} {value} ke atas",
        "below": "{name} di bawah {value}",
        "between": "{name} {low} sampai di bawah {high}",
        "between_whole": "{name} {low}–{high}",
        "equal": "{name} {value}",
        "levels_all_but": "{name} selain {levels}",
        "levels_or_higher": "{name} {level} atau lebih tinggi",
        "levels_or_lower": "{name} {level} atau lebih rendah",
        "has": "punya {name}",
        "has_not": "tanpa {name}",
        "flag_yes": "{name}: ya",
        "flag_no": "{name}: tidak",
        "recorded": "{name} tercatat",
        "unrecorded": "{name} tidak tercatat",
        "everyone": "semua nasabah",
        "segment": "Segmen {segment}",
        "segment_named": "Segmen {segment} “{name}”",
        "rule": "{conditions} → {segment}: {customers} nasabah; {agreement} di antaranya "
        "memang di segmen ini menurut model.",
        "rule_untested": "{conditions} → {segment}: {customers} nasabah.",
        "title": "Aturan segmen '{experiment}' ({k} segmen)",
        "fidelity": "Aturan ini menempatkan {overall} nasabah yang disisihkan untuk uji di "
        "segmen yang sama dengan model, dengan paling banyak {depth} syarat per aturan.",
        "not_reached": "Dengan {depth} syarat per aturan pun, {target} tidak tercapai; untuk "
        "penempatan yang pasti, gunakan model (segmentasi assign) atau rules.sql.",
        "faithful_mark": " [andal]",
        "faithful_note": "[andal]: aturan yang cocok dengan model untuk sedikitnya {share} "
        "nasabah ujinya.",
        "fills": "Nilai kosong atau tidak valid dihitung sebagai: {fills}.",
        "set_aside": "Nasabah tanpa {name} tercatat tidak masuk segmen mana pun.",
    },
    "en": {
        "and": " and ",
        "or": " or ",
        "at_least": "{name} {value} or more",
        "below": "{name} under {value}",
        "between": "{name} from {low} to under {high}",
        "between_whole": "{name} {low}–{high}",
        "equal": "{name} {value}",
        "levels_all_but": "{name} other than {levels}",
        "levels_or_higher": "{name} {level} or higher",
        "levels_or_lower": "{name} {level} or lower",
        "has": "has {name}",
        "has_not": "no {name}",
        "flag_yes": "{name}: yes",
        "flag_no": "{name}: no",
        "recorded": "{name} recorded",
        "unrecorded": "{name} not recorded",
        "everyone": "every customer",
        "segment": "Segment {segment}",
        "segment_named": "Segment {segment} “{name}”",
        "rule": "{conditions} → {segment}: {customers} customers; the model places "
        "{agreement} of them in this segment.",
        "rule_untested": "{conditions} → {segment}: {customers} customers.",
        "title": "Segment rules of '{experiment}' ({k} segments)",
        "fidelity": "These rules place {overall} of the customers held out for testing in the "
        "same segment as the model, with at most {depth} conditions per rule.",
        "not_reached": "Even with {depth} conditions per rule, {target} is not reached; for "
        "exact placement use the model (segmentasi assign) or rules.sql.",
        "faithful_mark": " [reliable]",
        "faithful_note": "[reliable]: a rule the model agrees with for at least {share} of its "
        "test customers.",
        "fills": "A missing or invalid value counts as: {fills}.",
        "set_aside": "Customers without a recorded {name} are placed in no segment.",
    },
}


def say(key: str, lang: str, **params: object) -> str:
    return TEXT[lang][key].format(**params)


def rules_text(rules: RuleSet, lang: str) -> str:
    """The rules as a person reads them: title, fidelity, one numbered sentence per rule
    (faithful ones marked), then what missing values count as."""
    space = rules.placement.space
    fidelity = rules.surrogate.fidelity
    lines = [
        say(
            "title",
            lang,
            experiment=space.experiment.name,
            k=rules.placement.k,
        ),
        fidelity_sentence(rules, lang),
        "",
    ]
    for number, leaf in enumerate(rules.surrogate.leaves, start=1):
        mark = say("faithful_mark", lang) if leaf.faithful else ""
        lines.append(f"{number}. {rule_sentence(rules, leaf, lang)}{mark}")
    lines += ["", say("faithful_note", lang, share=pct(FAITHFUL_AGREEMENT, lang))]
    lines += notes(rules, lang)
    if not fidelity.reached:
        lines.append(not_reached_sentence(rules, lang))
    return "\n".join(lines) + "\n"


def fidelity_sentence(rules: RuleSet, lang: str) -> str:
    fidelity = rules.surrogate.fidelity
    return say("fidelity", lang, overall=pct(fidelity.overall, lang), depth=fidelity.depth)


def not_reached_sentence(rules: RuleSet, lang: str) -> str:
    return say(
        "not_reached", lang, depth=rules.surrogate.fidelity.depth, target=pct(TARGET_FIDELITY, lang)
    )


def rule_sentence(rules: RuleSet, leaf: Leaf, lang: str) -> str:
    """'Usia 49 tahun ke atas dan pendapatan tahunan (Pendapatan_Tahunan) Rp450 juta ke atas
    → Segmen 2 “...”: 3.456 nasabah; 97,0% di antaranya memang di segmen ini menurut model.'"""
    schema = rules.placement.space.schema
    parts = [condition_text(c, schema.column(c.column), lang) for c in leaf.conditions]
    conditions = _joined(parts, lang) if parts else say("everyone", lang)
    name = rules.segment_name(leaf.segment, lang)
    segment = say("segment", lang, segment=leaf.segment)
    if name != segment:
        segment = say("segment_named", lang, segment=leaf.segment, name=name)
    key = "rule" if leaf.heldout else "rule_untested"
    text = say(
        key,
        lang,
        conditions=conditions,
        segment=segment,
        customers=count(leaf.customers, lang),
        agreement=pct(leaf.agreement, lang) if leaf.heldout else "",
    )
    raw = [r for c in leaf.conditions for r in schema.column(c.column).raw_names(lang)]
    return capitalised(text, raw)


def notes(rules: RuleSet, lang: str) -> list[str]:
    """What a missing value counts as, for the columns the rules read; who gets no segment."""
    space = rules.placement.space
    schema = space.schema
    read = list(dict.fromkeys(c.column for leaf in rules.surrogate.leaves for c in leaf.conditions))
    fills = rule_fills(space)
    lines = []
    if read:
        shown = [fill_text(schema.column(c), fills[c], lang) for c in read]
        lines.append(say("fills", lang, fills="; ".join(shown)))
    lines += [
        say("set_aside", lang, name=column_name(schema.column(c), lang)) for c in space.set_aside
    ]
    return lines


def fill_text(col: Column, fill: float | str, lang: str) -> str:
    """What a missing value of the column counts as, worded as a condition it meets:
    'usia 43 tahun', 'kota Jakarta', 'punya tabungan'."""
    if isinstance(fill, str):
        return condition_text(Condition(col.name, "levels", levels=(fill,)), col, lang)
    if col.is_binary:
        return condition_text(Condition(col.name, "flag", value=int(fill)), col, lang)
    return say("equal", lang, name=column_name(col, lang), value=_value(col, fill, lang))


def column_name(col: Column, lang: str) -> str:
    """The column's label, and its name in the data in parentheses where that differs."""
    label = col.display(lang)
    return label if label.casefold() == col.name.casefold() else f"{label} ({col.name})"


def level_name(col: Column, level: str, lang: str) -> str:
    """A level in words, and as it is in the data where that differs."""
    text = col.level_text(level, lang)
    return text if text.casefold() == level.casefold() else f"{text} ('{level}')"


def condition_text(condition: Condition, col: Column, lang: str) -> str:
    name = column_name(col, lang)
    if condition.kind == "recorded":
        return say("recorded" if condition.value else "unrecorded", lang, name=name)
    if condition.kind == "flag":
        if col.role == "product":
            return say("has" if condition.value else "has_not", lang, name=name)
        return say("flag_yes" if condition.value else "flag_no", lang, name=name)
    if condition.kind == "levels":
        return _levels_text(condition, col, name, lang)
    return _range_text(condition, col, name, lang)


def _levels_text(condition: Condition, col: Column, name: str, lang: str) -> str:
    allowed = list(condition.levels)
    if col.role == "ordinal" and len(allowed) > 1:
        first, last = col.levels.index(allowed[0]), col.levels.index(allowed[-1])
        if first == 0 and last < len(col.levels) - 1:
            return say("levels_or_lower", lang, name=name, level=level_name(col, allowed[-1], lang))
        if last == len(col.levels) - 1 and first > 0:
            return say("levels_or_higher", lang, name=name, level=level_name(col, allowed[0], lang))
    excluded = [level for level in col.levels if level not in allowed]
    if col.role == "nominal" and len(excluded) <= 2 and len(excluded) < len(allowed):
        listed = _alternatives([level_name(col, lv, lang) for lv in excluded], lang)
        return say("levels_all_but", lang, name=name, levels=listed)
    listed = _alternatives([level_name(col, lv, lang) for lv in allowed], lang)
    return say("equal", lang, name=name, value=listed)


def _range_text(condition: Condition, col: Column, name: str, lang: str) -> str:
    low, high = condition.at_least, condition.below
    if col.integer and high is not None and float(high).is_integer():
        lowest = low if low is not None else valid_range(col)[0]
        top = high - 1
        if lowest == top:
            return say("equal", lang, name=name, value=_value(col, top, lang))
        if low is not None:
            return say(
                "between_whole",
                lang,
                name=name,
                low=_value(col, low, lang, unit=False),
                high=_value(col, top, lang),
            )
    if low is not None and high is not None:
        return say(
            "between",
            lang,
            name=name,
            low=_value(col, low, lang, unit=False),
            high=_value(col, high, lang),
        )
    if low is not None:
        return say("at_least", lang, name=name, value=_value(col, low, lang))
    return say("below", lang, name=name, value=_value(col, high, lang))


def _value(col: Column, value: float | str, lang: str, unit: bool = True) -> str:
    """A value of the column as a person checks it: a level in words, an amount of money with
    its currency when three significant digits hold it exactly, else the number and unit."""
    if isinstance(value, str):
        return level_name(col, value, lang)
    if col.is_money:
        shown = money(value, lang, col.currency, col.currency_unit)
        if _exact_in_money(value * col.currency_unit):
            return shown
    text = setting(value, lang)
    suffix = col.unit_text(lang)
    # 'jumlah anak 2', not 'jumlah anak 2 anak': a unit the label already says is left out
    if not unit or not suffix or suffix.casefold() in col.display(lang).casefold():
        return text
    return f"{text} {suffix}"


def _exact_in_money(amount: float) -> bool:
    """Whether money() writes the amount without rounding (three significant digits)."""
    return amount == 0 or significant(amount, MONEY_DIGITS) == amount


def _joined(parts: list[str], lang: str) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + say("and", lang) + parts[-1]


def _alternatives(parts: list[str], lang: str) -> str:
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + say("or", lang) + parts[-1]
