"""The words of segment tracking (track.py): the verdict and its reasons, the movers' changes in
original units, and tracking.html, for a marketing reader first and an analyst after.

The numbers the templates carry are formatted by the caller with text.numbers, except the
values of a mover's change, formatted here (`change_texts`) in the column's own units.
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np
import pandas as pd

from ..schema import Column
from . import Catalogue
from .numbers import MONEY_DIGITS, money, number, pct, score, setting

TEXT: Catalogue = {
    "id": {
        # a mover's change
        "change": "{label} {before} → {after}{unit}",
        "change_flag": "{label}: {before} → {after}",
        "not_recorded": "tidak tercatat",
        "has": "punya",
        "has_not": "tidak punya",
        # states
        "segment": "Segmen {number}",
        "not_placed": "tidak ditempatkan",
        "joined": "nasabah baru",
        "left": "keluar",
        # verdict
        "verdict_keep": "pertahankan model",
        "verdict_watch": "pantau",
        "verdict_refit": "latih ulang model",
        "verdict_title": "Keputusan: {verdict}",
        "lead_keep": "Model masih menempatkan nasabah seperti data tempat ia dilatih: data yang "
        "dipakainya dan ukuran segmen tidak bergeser berarti. Pakai terus.",
        "lead_watch": "Model masih dapat dipakai, tetapi data mulai bergeser. Pakai terus dan "
        "periksa lagi bulan depan.",
        "lead_refit": "Data sudah bergeser terlalu jauh dari data tempat model dilatih. Jalankan "
        "segmentasi ulang (segmentasi run) pada data terbaru sebelum kampanye berikutnya.",
        "reason_feature_refit": "{column} bergeser (PSI {psi}, di atas {shift}), dan model "
        "memakainya untuk menempatkan nasabah.",
        "reason_feature_watch": "{column} mulai bergeser (PSI {psi}, antara {watch} dan "
        "{shift}), dan model memakainya.",
        "reason_segments_refit": "Ukuran segmen bergeser (PSI {psi}, di atas {shift}).",
        "reason_segments_watch": "Ukuran segmen mulai bergeser (PSI {psi}, antara {watch} dan "
        "{shift}).",
        "reason_unplaced_refit": "Nasabah yang tidak dapat ditempatkan naik dari {before} "
        "menjadi {after} (naik {rise} poin persentase atau lebih berarti latih ulang).",
        "reason_column_note": "{column} bergeser (PSI {psi}), tetapi model tidak memakainya: "
        "penempatan tidak berubah karenanya, profil dan penawaran segmen bisa berubah.",
        "reason_none": "Semua kolom yang dipakai model dan ukuran segmen stabil (PSI di bawah "
        "{watch}).",
        "figures": "{in_both} nasabah ada di kedua periode; {moved} di antaranya ({moved_share}) "
        "pindah segmen. {joined} nasabah baru, {left} nasabah keluar.",
        # page
        "title": "Pergerakan segmen nasabah",
        "subtitle": "Segmentasi '{experiment}' ({k} segmen) · sebelum: {before} · sesudah: "
        "{after} · dibuat {created}",
        "nav_verdict": "Keputusan",
        "nav_migration": "Perpindahan",
        "nav_drift": "Pergeseran data",
        "nav_appendix": "Lampiran teknis",
        "migration_title": "Perpindahan antar segmen",
        "flow_chart_title": "Dari segmen mana ke segmen mana",
        "flow_before": "Sebelum",
        "flow_after": "Sesudah",
        "flow_caption": "Kiri: segmen pada periode sebelumnya; kanan: sekarang. Tinggi batang dan "
        "lebar pita: jumlah nasabah. Pita berwarna: nasabah yang pindah, dalam warna segmen "
        "asalnya; pita pucat: nasabah yang tetap.",
        "flows_title": "Masuk dan keluar per segmen",
        "th_segment": "segmen",
        "th_name": "nama",
        "th_before": "sebelum",
        "th_after": "sesudah",
        "th_inflow": "masuk",
        "th_outflow": "keluar",
        "th_net": "perubahan bersih",
        "flows_note": "Masuk: dari segmen lain, dari nasabah yang sebelumnya tidak ditempatkan, "
        "dan nasabah baru. Keluar: ke segmen lain, menjadi tidak ditempatkan, dan nasabah yang "
        "keluar.",
        "heatmap_title": "Matriks perpindahan",
        "heatmap_rows": "sebelum",
        "heatmap_columns": "sesudah",
        "heatmap_colour": "porsi baris",
        "heatmap_caption": "Baris: keadaan sebelumnya; kolom: sekarang. Sel: porsi nasabah baris "
        "itu dan jumlahnya.",
        "movers_title": "Nasabah yang pindah",
        "movers_lead": "movers.csv memuat {moved} nasabah yang pindah segmen, siap untuk CRM: ID, "
        "segmen asal dan tujuan, dan perubahan data yang paling mendorong perpindahannya. "
        "{shown} yang pertama:",
        "movers_none": "Tidak ada nasabah yang pindah segmen.",
        "th_id": "ID",
        "th_from": "dari",
        "th_to": "ke",
        "th_changed": "yang berubah",
        "drift_title": "Apakah nasabah masih mirip?",
        "drift_lead": "Indeks stabilitas populasi (PSI) membandingkan sebaran setiap kolom "
        "sekarang dengan periode sebelumnya: di bawah {watch} stabil, {watch} sampai {shift} "
        "perlu dipantau, di atas {shift} bergeser.",
        "th_column": "kolom",
        "th_model_uses": "dipakai model",
        "th_psi": "PSI",
        "th_band": "penilaian",
        "yes": "ya",
        "no": "tidak",
        "band_stable": "stabil",
        "band_watch": "pantau",
        "band_shift": "bergeser",
        "segments_row": "ukuran segmen",
        "appendix_title": "Lampiran teknis",
        "method_psi": "PSI = jumlah atas semua kelompok nilai dari (porsi sekarang − porsi "
        "sebelumnya) × ln(porsi sekarang / porsi sebelumnya); porsi 0 dihitung sebagai {epsilon}. "
        "Angka dikelompokkan pada desil periode sebelumnya (desil yang sama digabung), dengan "
        "kelompok sendiri untuk nilai kosong dan untuk setiap kode khusus; kategori per level, "
        "termasuk kosong; ukuran segmen per segmen, termasuk yang tidak ditempatkan. Drift "
        "dihitung atas semua nasabah setiap periode.",
        "method_test": "Di samping PSI: uji chi-square homogenitas pada kelompok yang sama. Pada "
        "tabel sebesar ini uji tersebut menyatakan pergeseran sekecil apa pun signifikan, jadi "
        "keputusan mengikuti pita PSI, bukan nilai p.",
        "method_rule": "Aturan keputusan: latih ulang bila satu kolom yang dipakai model atau "
        "ukuran segmen bergeser (PSI di atas {shift}), atau bila porsi nasabah yang tidak dapat "
        "ditempatkan naik {rise} poin persentase atau lebih; pantau bila salah satunya antara "
        "{watch} dan {shift}; selain itu pertahankan. Kolom yang tidak dipakai model tidak "
        "mengubah keputusan.",
        "method_moved": "Yang mendorong perpindahan: model menempatkan nasabah di segmen dengan "
        "pusat terdekat, dan jarak itu (euclidean kuadrat atau manhattan) adalah jumlah atas "
        "fitur. Perubahan selisih jarak ke pusat segmen baru dan lama terbagi tepat per fitur; "
        "disebutkan fitur yang paling menarik nasabah ke segmen baru (sampai {reasons}, yang "
        "kedua bila tarikannya paling sedikit setengah dari yang pertama).",
        "method_join": "Kedua tabel ditempatkan oleh model yang sama dan digabung menurut "
        "{id_column}. Sebelum: {before_customers} nasabah ({before_not_placed} tidak "
        "ditempatkan). Sesudah: {after_customers} nasabah ({after_not_placed} tidak "
        "ditempatkan).",
        "method_dropped": "Baris dengan ID kosong atau berulang tidak diikutkan: {before} di "
        "tabel sebelum, {after} di tabel sesudah.",
        "tests_title": "PSI dan uji chi-square per kolom",
        "th_chi2": "chi-square",
        "th_dof": "derajat bebas",
        "th_p": "p",
        "th_bins": "kelompok",
        "warnings_title": "Peringatan",
        "files_title": "Berkas di folder ini",
        "files": "transitions.csv (matriks perpindahan: jumlah dan porsi), flows.csv (masuk, "
        "keluar, perubahan bersih per segmen), movers.csv (nasabah yang pindah), drift.csv (PSI "
        "dan uji per kolom), tracking.json (keputusan dan semua angka, untuk mesin).",
        "footer": "Dibuat oleh segmentasi {version} · {created}. Semua angka berasal dari tabel "
        "di folder ini.",
    },
    "en": {
        "change": "{label} {before} → {after}{unit}",
        "change_flag": "{label}: {before} → {after}",
        "not_recorded": "not recorded",
        "has": "has it",
        "has_not": "does not have it",
        "segment": "Segment {number}",
        "not_placed": "not placed",
        "joined": "joined",
        "left": "left",
        "verdict_keep": "keep the model",
        "verdict_watch": "watch",
        "verdict_refit": "refit the model",
        "verdict_title": "Decision: {verdict}",
        "lead_keep": "The model still places customers like the data it was trained on: the "
        "data it uses and the segment sizes have not shifted in any way that matters. Keep "
        "using it.",
        "lead_watch": "The model can still be used, but the data has begun to shift. Keep using "
        "it and check again next month.",
        "lead_refit": "The data has shifted too far from the data the model was trained on. Run "
        "the segmentation again (segmentasi run) on recent data before the next campaign.",
        "reason_feature_refit": "{column} has shifted (PSI {psi}, above {shift}), and the model "
        "uses it to place customers.",
        "reason_feature_watch": "{column} has begun to shift (PSI {psi}, between {watch} and "
        "{shift}), and the model uses it.",
        "reason_segments_refit": "The segment sizes have shifted (PSI {psi}, above {shift}).",
        "reason_segments_watch": "The segment sizes have begun to shift (PSI {psi}, between "
        "{watch} and {shift}).",
        "reason_unplaced_refit": "Customers the model cannot place rose from {before} to "
        "{after} (a rise of {rise} percentage points or more calls for a refit).",
        "reason_column_note": "{column} has shifted (PSI {psi}), but the model does not use it: "
        "placements do not change because of it, the segments' profiles and offers may.",
        "reason_none": "Every column the model uses and the segment sizes are stable (PSI below "
        "{watch}).",
        "figures": "{in_both} customers are in both periods; {moved} of them ({moved_share}) "
        "changed segment. {joined} customers joined, {left} left.",
        "title": "Customer segment tracking",
        "subtitle": "Segmentation '{experiment}' ({k} segments) · before: {before} · after: "
        "{after} · created {created}",
        "nav_verdict": "Decision",
        "nav_migration": "Movement",
        "nav_drift": "Data drift",
        "nav_appendix": "Technical appendix",
        "migration_title": "Movement between segments",
        "flow_chart_title": "From which segment to which",
        "flow_before": "Before",
        "flow_after": "After",
        "flow_caption": "Left: segments in the previous period; right: now. Bar heights and band "
        "widths: customers. Coloured bands: customers who moved, in their former segment's "
        "colour; pale bands: customers who stayed.",
        "flows_title": "In and out per segment",
        "th_segment": "segment",
        "th_name": "name",
        "th_before": "before",
        "th_after": "after",
        "th_inflow": "in",
        "th_outflow": "out",
        "th_net": "net change",
        "flows_note": "In: from other segments, from customers not placed before, and new "
        "customers. Out: to other segments, to not placed, and customers who left.",
        "heatmap_title": "Transition matrix",
        "heatmap_rows": "before",
        "heatmap_columns": "after",
        "heatmap_colour": "share of the row",
        "heatmap_caption": "Rows: the state before; columns: now. Cells: the share of the row's "
        "customers and their number.",
        "movers_title": "Customers who moved",
        "movers_lead": "movers.csv lists the {moved} customers who changed segment, ready for "
        "the CRM: their ID, former and new segment, and the change in their data that moved them "
        "most. The first {shown}:",
        "movers_none": "No customer changed segment.",
        "th_id": "ID",
        "th_from": "from",
        "th_to": "to",
        "th_changed": "what changed",
        "drift_title": "Are the customers still alike?",
        "drift_lead": "The population stability index (PSI) compares each column's spread now "
        "with the previous period's: below {watch} stable, {watch} to {shift} watch, above "
        "{shift} shifted.",
        "th_column": "column",
        "th_model_uses": "used by the model",
        "th_psi": "PSI",
        "th_band": "assessment",
        "yes": "yes",
        "no": "no",
        "band_stable": "stable",
        "band_watch": "watch",
        "band_shift": "shifted",
        "segments_row": "segment sizes",
        "appendix_title": "Technical appendix",
        "method_psi": "PSI = the sum over bins of (share now − share before) × ln(share now / "
        "share before); a share of 0 counts as {epsilon}. Numbers are binned at the previous "
        "period's deciles (equal deciles merge), with bins of their own for missing values and "
        "for each sentinel code; categories by level, missing included; segment sizes by "
        "segment, not placed included. Drift is measured over all customers of each period.",
        "method_test": "Beside the PSI: the chi-square test of homogeneity on the same bins. On "
        "tables this large the test calls even the smallest shift significant, so the decision "
        "follows the PSI bands, not the p-value.",
        "method_rule": "Decision rule: refit when a column the model uses or the segment sizes "
        "shift (PSI above {shift}), or when the share of customers the model cannot place rises "
        "by {rise} percentage points or more; watch when one of them is between {watch} and "
        "{shift}; keep otherwise. Columns the model does not use do not change the decision.",
        "method_moved": "What moved a customer: the model places customers in the segment with "
        "the nearest centre, and that distance (squared euclidean or manhattan) is a sum over "
        "the features. The change in how much nearer the new segment's centre is than the old "
        "one's splits exactly per feature; named are the features that pulled the customer "
        "furthest towards the new segment (up to {reasons}, the second when it pulled at least "
        "half as much as the first).",
        "method_join": "Both tables were placed by the same model and joined by {id_column}. "
        "Before: {before_customers} customers ({before_not_placed} not placed). After: "
        "{after_customers} customers ({after_not_placed} not placed).",
        "method_dropped": "Rows with an empty or repeated ID were left out: {before} in the "
        "before table, {after} in the after table.",
        "tests_title": "PSI and chi-square test per column",
        "th_chi2": "chi-square",
        "th_dof": "degrees of freedom",
        "th_p": "p",
        "th_bins": "bins",
        "warnings_title": "Warnings",
        "files_title": "Files in this folder",
        "files": "transitions.csv (the transition matrix: counts and shares), flows.csv (in, "
        "out and net change per segment), movers.csv (customers who moved), drift.csv (PSI and "
        "test per column), tracking.json (the decision and every figure, for machines).",
        "footer": "Made by segmentasi {version} · {created}. Every figure comes from the tables "
        "in this folder.",
    },
}


def say(key: str, lang: str, **params: Any) -> str:
    """The text `key` in `lang`, filled with `params`."""
    return TEXT[lang][key].format(**params)


class Finding(Protocol):
    """A reason for the verdict (track.Reason), read only."""

    @property
    def kind(self) -> str: ...
    @property
    def level(self) -> str: ...
    @property
    def psi(self) -> float: ...
    @property
    def before(self) -> float: ...
    @property
    def after(self) -> float: ...


def limits(lang: str, *, watch: float, shift: float, rise: float, epsilon: float) -> dict[str, str]:
    """The rule's numbers as the words state them: the PSI bands, the rise in the share not
    placed that calls for a refit (a share: 0.05 is 5 points) and the share of an empty bin."""
    return {
        "watch": setting(watch, lang),
        "shift": setting(shift, lang),
        "rise": setting(rise * 100, lang),
        "epsilon": setting(epsilon, lang),
    }


def reason_text(reason: Finding, column_label: str, rule: dict[str, str], lang: str) -> str:
    """One reason of the verdict as a sentence; `rule` from `limits`."""
    return say(
        f"reason_{reason.kind}_{reason.level}",
        lang,
        column=column_label,
        psi=score(reason.psi, lang),
        before=pct(reason.before, lang),
        after=pct(reason.after, lang),
        **rule,
    )


def state_label(state: int | str, lang: str) -> str:
    """A state of the transition matrix in words: 'Segmen 3', 'nasabah baru', 'keluar'."""
    if isinstance(state, str):
        return say(state.replace(" ", "_"), lang)
    return say("segment", lang, number=state)


def change_texts(column: Column, before: pd.Series, after: pd.Series, lang: str) -> np.ndarray:
    """Per row, the column's change in its own units: 'usia 45 → 52 tahun', 'pendidikan SMA →
    S1', 'deposito: tidak punya → punya'."""
    old, new = value_texts(column, before, lang), value_texts(column, after, lang)
    label = column.display(lang)
    if column.is_binary:
        key, unit = "change_flag", ""
    else:
        key, unit = "change", column.unit_text(lang)
        unit = f" {unit}" if unit and not column.is_money else ""
    return np.array(
        [
            say(key, lang, label=label, before=b, after=a, unit=unit)
            for b, a in zip(old, new, strict=True)
        ],
        dtype=object,
    )


def value_texts(column: Column, values: pd.Series, lang: str) -> np.ndarray:
    """Each value as a person reads it: a level's words, an amount of money, a number, 'has
    it', a sentinel's meaning, or 'not recorded'. Formatted once per distinct value shown."""
    if column.is_categorical:
        words = [column.level_text(level, lang) for level in column.levels]
        words.append(say("not_recorded", lang))
        return np.array(words, dtype=object)[np.asarray(values.cat.codes)]
    numbers = values.to_numpy(dtype=float, na_value=np.nan)
    if not column.is_binary:
        numbers = _as_shown(numbers, column.is_money)
    distinct, inverse = np.unique(numbers, return_inverse=True)
    words = np.array([_number_text(column, v, lang) for v in distinct], dtype=object)
    return words[inverse.ravel()]


def _as_shown(numbers: np.ndarray, is_money: bool) -> np.ndarray:
    """Numbers rounded as `number` and `money` write them, so each text is formatted once: money
    to MONEY_DIGITS significant digits, other numbers to whole units (one decimal below 10)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        if is_money:
            digits = MONEY_DIGITS - 1 - np.floor(np.log10(np.abs(numbers)))
            scale = 10.0 ** np.where(np.isfinite(digits), digits, 0)
            return np.round(numbers * scale) / scale
    return np.where(np.abs(numbers) >= 10, np.round(numbers), np.round(numbers, 1))


def _number_text(column: Column, value: float, lang: str) -> str:
    if np.isnan(value):
        return say("not_recorded", lang)
    for sentinel in column.sentinels:
        if value == sentinel.value:
            return sentinel.describe(lang)
    if column.is_binary:
        return say("has" if value == 1 else "has_not", lang)
    if column.is_money:
        return money(value, lang, column.currency, column.currency_unit)
    return number(value, lang)
