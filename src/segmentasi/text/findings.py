"""Data-quality findings and the handling notes of an experiment (quality.Finding) as sentences."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import LANGUAGES, Catalogue
from .numbers import count, num, pct

if TYPE_CHECKING:
    from ..quality import Finding

TEXT: Catalogue = {
    "id": {
        "missing": "'{column}' kosong pada {count} baris ({share}).",
        "missing_concentrated": "'{column}' kosong pada {share_level} baris dengan {by} = {level} "
        "({count_level} dari {rows_level}), dan {share_rest} di luar itu: "
        "nilainya tidak dicatat untuk kelompok ini, jadi nilai pengisi "
        "hanyalah perkiraan.",
        "missing_associated": "'{column}' kosong pada {share_level} baris dengan {by} = {level}, "
        "dibanding {share_rest} di luar itu.",
        "missing_id": "{count} baris tidak punya ID nasabah.",
        "duplicate_ids": "{ids} ID muncul lebih dari sekali, di {rows} baris ({extra_rows} baris "
        "selain yang pertama); paling sering: {examples}. {identical_rows} baris "
        "di antaranya menyalin baris lain selain ID-nya; sisanya berbeda isinya, "
        "jadi tampaknya ini nasabah berbeda yang memakai ID yang sama.",
        "duplicate_rows": "{count} baris sama persis dengan baris lain di semua kolom selain ID.",
        "derived_consistent": "'{column}' sama dengan jumlah komponennya di semua baris.",
        "derived_mismatch": "'{column}' berbeda dari jumlah komponennya pada {mismatches} baris.",
        "outliers": "'{column}' punya {count} nilai jauh di luar rentang biasa (di luar {low} "
        "sampai {high}); dibiarkan apa adanya.",
        "constant_column": "'{column}' bernilai sama ({value}) di semua baris; kolom ini tidak "
        "bisa membedakan segmen.",
        "imputed": "'{column}': {rows} nilai kosong diisi {value} (median, atau kategori "
        "terbanyak) untuk klasterisasi; profil hanya memakai nilai yang tercatat.",
        "set_aside": "'{column}': {rows} nasabah tanpa nilai tercatat tidak dimasukkan ke segmen "
        "eksperimen ini (tidak diberi nilai tebakan); mereka dihitung tersendiri.",
        "indicated": "'{column}': {rows} nilai kosong tidak diisi tebakan: klasterisasi memakai "
        "kolom tambahan '{column}:missing' (tercatat atau tidak) dan nilai netral {value} "
        "(rata-rata nilai yang tercatat); profil hanya memakai nilai yang tercatat.",
        "dropped_missing": "'{column}': {rows} baris dengan nilai kosong dikeluarkan dari "
        "eksperimen ini.",
        "kept_duplicate_ids": "{rows} baris yang ID-nya berulang tetap dihitung sebagai nasabah "
        "terpisah (pakai --duplicate-ids drop untuk menyimpan yang pertama "
        "saja).",
        "dropped_duplicate_ids": "{rows} baris yang ID-nya berulang dikeluarkan.",
    },
    "en": {
        "missing": "'{column}' is missing in {count} rows ({share}).",
        "missing_concentrated": "'{column}' is missing in {share_level} of rows where {by} = "
        "{level} ({count_level} of {rows_level}), and in {share_rest} "
        "elsewhere: the value is not recorded for this group, so any "
        "filled-in value is a guess.",
        "missing_associated": "'{column}' is missing in {share_level} of rows where {by} = "
        "{level}, against {share_rest} elsewhere.",
        "missing_id": "{count} rows have no customer ID.",
        "duplicate_ids": "{ids} IDs appear more than once, in {rows} rows ({extra_rows} rows "
        "beyond the first of each); most repeated: {examples}. {identical_rows} "
        "of these rows copy another row apart from the ID; the others differ in "
        "their data, so they look like different customers sharing an ID.",
        "duplicate_rows": "{count} rows repeat another row in every column except the ID.",
        "derived_consistent": "'{column}' equals the sum of its parts in every row.",
        "derived_mismatch": "'{column}' differs from the sum of its parts in {mismatches} rows.",
        "outliers": "'{column}' has {count} values far outside the usual range (outside {low} to "
        "{high}); kept as they are.",
        "constant_column": "'{column}' has the same value ({value}) in every row; it cannot "
        "separate segments.",
        "imputed": "'{column}': {rows} missing values filled with {value} (median, or most "
        "frequent level) for clustering; profiles use only recorded values.",
        "set_aside": "'{column}': {rows} customers with no recorded value are not placed in "
        "this experiment's segments (no value is guessed for them); they are counted apart.",
        "indicated": "'{column}': {rows} missing values are not guessed: the clustering uses an "
        "extra column '{column}:missing' (recorded or not) and the neutral value {value} (the "
        "mean of the recorded values); profiles use only recorded values.",
        "dropped_missing": "'{column}': {rows} rows with a missing value left out of this "
        "experiment.",
        "kept_duplicate_ids": "{rows} rows whose ID repeats an earlier row are kept as separate "
        "customers (use --duplicate-ids drop to keep only the first).",
        "dropped_duplicate_ids": "{rows} rows whose ID repeats an earlier row were left out.",
    },
}


def describe(finding: Finding, lang: str = "id") -> str:
    """A finding as one plain sentence."""
    template = TEXT[lang if lang in LANGUAGES else "id"][finding.kind]
    lang = lang if lang in LANGUAGES else "id"
    return template.format(column=finding.column, **_formatted(finding.params, lang))


def _formatted(params: dict[str, Any], lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in params.items():
        if key.startswith("share"):
            out[key] = pct(value, lang)
        elif key == "examples" and isinstance(value, dict):
            out[key] = ", ".join(f"{k} ({count(v, lang)}x)" for k, v in value.items())
        elif isinstance(value, float):
            out[key] = num(value, lang)
        elif isinstance(value, int):
            out[key] = count(value, lang)
        else:
            out[key] = value
    return out
