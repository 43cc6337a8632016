"""Words for people: quality findings and report text in Bahasa Indonesia (default) and English."""

from __future__ import annotations

from typing import Any

from .quality import Finding

LANGUAGES = ("id", "en")


def pct(value: float) -> str:
    """A share as a percentage with no false precision: 0.9996 -> '99.96%', 0.5 -> '50%'."""
    if value in (0.0, 1.0):
        return f"{value:.0%}"
    text = f"{100 * value:.1f}".rstrip("0").rstrip(".")
    if text in ("0", "100"):
        text = f"{100 * value:.2f}"
    return f"{text}%"


def num(value: float) -> str:
    """A number with thousands separators and no needless decimals."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


FINDINGS: dict[str, dict[str, str]] = {
    "missing": {
        "en": "'{column}' is missing in {count} rows ({share}).",
        "id": "'{column}' kosong pada {count} baris ({share}).",
    },
    "missing_concentrated": {
        "en": "'{column}' is missing in {share_level} of rows where {by} = {level} "
              "({count_level} of {rows_level}), and in {share_rest} elsewhere: the value is "
              "not recorded for this group, so any filled-in value is a guess.",
        "id": "'{column}' kosong pada {share_level} baris dengan {by} = {level} "
              "({count_level} dari {rows_level}), dan {share_rest} di luar itu: nilainya tidak "
              "dicatat untuk kelompok ini, jadi nilai pengisi hanyalah perkiraan.",
    },
    "missing_associated": {
        "en": "'{column}' is missing in {share_level} of rows where {by} = {level}, "
              "against {share_rest} elsewhere.",
        "id": "'{column}' kosong pada {share_level} baris dengan {by} = {level}, "
              "dibanding {share_rest} di luar itu.",
    },
    "missing_id": {
        "en": "{count} rows have no customer ID.",
        "id": "{count} baris tidak punya ID nasabah.",
    },
    "duplicate_ids": {
        "en": "{ids} IDs appear more than once, in {rows} rows ({extra_rows} rows beyond the "
              "first of each); most repeated: {examples}. {identical_rows} of these rows copy "
              "another row apart from the ID; the others differ in their data, so they look "
              "like different customers sharing an ID.",
        "id": "{ids} ID muncul lebih dari sekali, di {rows} baris ({extra_rows} baris selain "
              "yang pertama); paling sering: {examples}. {identical_rows} baris di antaranya "
              "menyalin baris lain selain ID-nya; sisanya berbeda isinya, jadi tampaknya ini "
              "nasabah berbeda yang memakai ID yang sama.",
    },
    "duplicate_rows": {
        "en": "{count} rows repeat another row in every column except the ID.",
        "id": "{count} baris sama persis dengan baris lain di semua kolom selain ID.",
    },
    "derived_consistent": {
        "en": "'{column}' equals the sum of its parts in every row.",
        "id": "'{column}' sama dengan jumlah komponennya di semua baris.",
    },
    "derived_mismatch": {
        "en": "'{column}' differs from the sum of its parts in {mismatches} rows.",
        "id": "'{column}' berbeda dari jumlah komponennya pada {mismatches} baris.",
    },
    "outliers": {
        "en": "'{column}' has {count} values far outside the usual range "
              "(outside {low} to {high}); kept as they are.",
        "id": "'{column}' punya {count} nilai jauh di luar rentang biasa "
              "(di luar {low} sampai {high}); dibiarkan apa adanya.",
    },
    "constant_column": {
        "en": "'{column}' has the same value ({value}) in every row; it cannot separate segments.",
        "id": "'{column}' bernilai sama ({value}) di semua baris; kolom ini tidak bisa "
              "membedakan segmen.",
    },
    "imputed": {
        "en": "'{column}': {rows} missing values filled with {value} (median, or most "
              "frequent level) for clustering; profiles use only recorded values.",
        "id": "'{column}': {rows} nilai kosong diisi {value} (median, atau kategori terbanyak) "
              "untuk klasterisasi; profil hanya memakai nilai yang tercatat.",
    },
    "dropped_missing": {
        "en": "'{column}': {rows} rows with a missing value left out of this experiment.",
        "id": "'{column}': {rows} baris dengan nilai kosong dikeluarkan dari eksperimen ini.",
    },
    "kept_duplicate_ids": {
        "en": "{rows} rows whose ID repeats an earlier row are kept as separate customers "
              "(use --duplicate-ids drop to keep only the first).",
        "id": "{rows} baris yang ID-nya berulang tetap dihitung sebagai nasabah terpisah "
              "(pakai --duplicate-ids drop untuk menyimpan yang pertama saja).",
    },
    "dropped_duplicate_ids": {
        "en": "{rows} rows whose ID repeats an earlier row were left out.",
        "id": "{rows} baris yang ID-nya berulang dikeluarkan.",
    },
}


def describe(finding: Finding, lang: str = "id") -> str:
    """A finding as one plain sentence."""
    template = FINDINGS[finding.kind][lang if lang in LANGUAGES else "id"]
    return template.format(column=finding.column, **_formatted(finding.params))


def _formatted(params: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key.startswith("share"):
            out[key] = pct(value)
        elif key == "examples" and isinstance(value, dict):
            out[key] = ", ".join(f"{k} ({v}x)" for k, v in value.items())
        elif isinstance(value, float):
            out[key] = num(value)
        elif isinstance(value, int):
            out[key] = f"{value:,}"
        else:
            out[key] = value
    return out
