"""The words of a campaign's measurement page (measurement.html): take-up among contacted and
control customers, the uplift and whether it could be chance, in plain words.

Uplifts are percentage points of take-up ('4,3 poin'), never percentages of a percentage.
A significant fall is said in capitals where it is the finding; a fall that may be chance is
said as such, never as harm.
"""

from __future__ import annotations

import math
from typing import Any

from . import Catalogue
from .numbers import count, fixed, pct

TEXT: Catalogue = {
    "id": {
        "title": "Hasil kampanye: nasabah yang dihubungi dibanding kelompok kontrol",
        "subtitle": "Daftar panggilan: {call_list} · hasil: {outcomes}",
        "subtitle_since": "Daftar panggilan: {call_list} · hasil: {outcomes} · hasil sejak {since}",
        "nav_summary": "Ringkasan",
        "nav_segments": "Per segmen",
        "nav_method": "Cara membaca",
        "summary_title": "Ringkasan",
        "rates": "Dari {contacted} nasabah yang dihubungi, {contact_rate} mengambil produk; dari "
        "{control} nasabah kelompok kontrol (dipilih acak dan tidak dihubungi), {control_rate}.",
        "rates_segment": "Dihubungi: {contact_rate} dari {contacted} nasabah mengambil produk; "
        "kontrol: {control_rate} dari {control}.",
        "uplift": "Menghubungi nasabah menaikkan pengambilan sebesar {points} poin persentase "
        "(interval 95%: {low} sampai {high} poin); selisih sebesar ini sulit terjadi karena "
        "kebetulan ({p}).",
        "harm": "Menghubungi nasabah MENURUNKAN pengambilan sebesar {points} poin persentase "
        "(interval 95%: {low} sampai {high} poin; {p}).",
        "higher_not_significant": "Pengambilan {points} poin lebih tinggi pada yang dihubungi, "
        "tetapi selisih ini bisa saja kebetulan (interval 95%: {low} sampai {high} poin; "
        "{p}): belum terbukti bahwa kontak menaikkan pengambilan.",
        "lower_not_significant": "Pengambilan {points} poin lebih rendah pada yang dihubungi, "
        "tetapi selisih ini bisa saja kebetulan (interval 95%: {low} sampai {high} poin; "
        "{p}): belum terbukti bahwa kontak menurunkan pengambilan; perlu diawasi.",
        "no_difference": "Pengambilan sama pada yang dihubungi dan pada kelompok kontrol ({p}).",
        "not_measurable": "Tidak dapat diukur: kelompok kontrol atau kelompok yang dihubungi "
        "kosong.",
        "harm_named": "Di {segments}, menghubungi nasabah menurunkan pengambilan produk, dan "
        "penurunan ini bukan kebetulan: pertimbangkan untuk tidak menghubungi mereka dengan "
        "penawaran ini.",
        "lower_named": "Di {segments}, pengambilan lebih rendah pada yang dihubungi, tetapi "
        "penurunan ini bisa saja kebetulan: belum bukti bahwa kontak merugikan.",
        "uplift_named": "Kampanye terbukti menaikkan pengambilan di {segments}.",
        "segments_title": "Per segmen",
        "segment": "Segmen {segment}",
        "segments_joined": "{first} dan {last}",
        "overall": "Semua",
        "chart_title": "Kenaikan pengambilan per segmen, dengan interval 95%",
        "chart_axis": "pengambilan yang dihubungi − kontrol (poin persentase)",
        "chart_alt": "Kenaikan pengambilan per segmen: {items}",
        "chart_caption": "Titik: selisih pengambilan; garis: interval 95%. Di kanan garis 0 "
        "kontak menaikkan pengambilan, di kiri menurunkan.",
        "th_segment": "segmen",
        "th_contacted": "dihubungi",
        "th_contact_rate": "pengambilan (dihubungi)",
        "th_control": "kontrol",
        "th_control_rate": "pengambilan (kontrol)",
        "th_uplift": "kenaikan (poin)",
        "th_interval": "interval 95% (poin)",
        "th_p": "p (disesuaikan)",
        "th_verdict": "kesimpulan",
        "takers": "{takers} dari {customers}",
        "verdict_uplift": "naik",
        "verdict_harm": "TURUN",
        "verdict_higher_not_significant": "lebih tinggi, bisa kebetulan",
        "verdict_lower_not_significant": "lebih rendah, bisa kebetulan",
        "verdict_no_difference": "sama",
        "verdict_not_measurable": "tidak dapat diukur",
        "method_title": "Cara membaca",
        "method_uplift": "Kenaikan adalah pengambilan di antara nasabah yang dihubungi dikurangi "
        "pengambilan di kelompok kontrol, dalam poin persentase. Kelompok kontrol dipilih acak "
        "dari daftar yang sama, jadi selisihnya adalah efek dari kontak.",
        "method_interval": "Interval 95% adalah rentang kenaikan yang sesuai dengan data "
        "(interval skor Newcombe). Bila seluruh interval di atas 0, kontak menaikkan "
        "pengambilan; bila seluruhnya di bawah 0, kontak menurunkannya.",
        "method_test": "p adalah peluang melihat selisih sebesar ini bila kontak sama sekali "
        "tidak berpengaruh (uji z dua proporsi; uji eksak Fisher bila jumlahnya kecil). "
        "Karena {k} segmen diuji sekaligus, p setiap segmen disesuaikan (Benjamini-Hochberg); "
        "selisih disebut bukan kebetulan bila p yang disesuaikan di bawah {alpha}. Interval "
        "setiap segmen tidak disesuaikan.",
        "method_test_overall": "p adalah peluang melihat selisih sebesar ini bila kontak sama "
        "sekali tidak berpengaruh (uji z dua proporsi; uji eksak Fisher bila jumlahnya kecil); "
        "selisih disebut bukan kebetulan bila p di bawah {alpha}.",
        "method_missing": "{customers} nasabah dalam daftar tanpa baris hasil ({contact} "
        "dihubungi, {control} kontrol) dihitung tidak mengambil produk.",
        "method_excluded": "{customers} nasabah dalam daftar tanpa baris hasil ({contact} "
        "dihubungi, {control} kontrol) tidak dihitung.",
        "method_since": "{rows} hasil bertanggal sebelum {since} diabaikan ({contact} "
        "dihubungi, {control} kontrol): nasabah itu dihitung seperti tanpa baris hasil.",
        "method_undated": "{rows} pengambilan tanpa tanggal tetap dihitung.",
        "method_left_out": "Tidak dihitung dalam baris 'Semua' karena salah satu kelompoknya "
        "tidak berisi nasabah: {segments}.",
        "footer": "Dibuat oleh segmentasi {version}. Semua angka diambil dari "
        "measurement.csv di folder ini.",
    },
    "en": {
        "title": "Campaign result: contacted customers against the control group",
        "subtitle": "Call list: {call_list} · outcomes: {outcomes}",
        "subtitle_since": "Call list: {call_list} · outcomes: {outcomes} · outcomes from {since}",
        "nav_summary": "Summary",
        "nav_segments": "By segment",
        "nav_method": "How to read it",
        "summary_title": "Summary",
        "rates": "Of {contacted} customers contacted, {contact_rate} took the product; of "
        "{control} control customers (chosen at random and not contacted), {control_rate}.",
        "rates_segment": "Contacted: {contact_rate} of {contacted} customers took the product; "
        "control: {control_rate} of {control}.",
        "uplift": "Contacting customers raised take-up by {points} percentage points (95% "
        "interval: {low} to {high} points); a difference this large is unlikely to be chance "
        "({p}).",
        "harm": "Contacting customers LOWERED take-up by {points} percentage points (95% "
        "interval: {low} to {high} points; {p}).",
        "higher_not_significant": "Take-up was {points} points higher among contacted "
        "customers, but the difference may be chance (95% interval: {low} to {high} points; "
        "{p}): no proof that contact raises take-up.",
        "lower_not_significant": "Take-up was {points} points lower among contacted "
        "customers, but the difference may be chance (95% interval: {low} to {high} points; "
        "{p}): no proof that contact lowers take-up; worth watching.",
        "no_difference": "Take-up was the same among contacted and control customers ({p}).",
        "not_measurable": "Cannot be measured: the control or the contacted group is empty.",
        "harm_named": "In {segments}, contacting customers lowered take-up, and the fall is not "
        "chance: consider not contacting them with this offer.",
        "lower_named": "In {segments}, take-up was lower among contacted customers, but the fall "
        "may be chance: no proof that contact harms.",
        "uplift_named": "The campaign raised take-up in {segments}.",
        "segments_title": "By segment",
        "segment": "Segment {segment}",
        "segments_joined": "{first} and {last}",
        "overall": "All",
        "chart_title": "Uplift in take-up per segment, with 95% intervals",
        "chart_axis": "take-up of contacted − control (percentage points)",
        "chart_alt": "Uplift in take-up per segment: {items}",
        "chart_caption": "Dot: the difference in take-up; line: its 95% interval. Right of the "
        "0 line contact raised take-up, left of it lowered it.",
        "th_segment": "segment",
        "th_contacted": "contacted",
        "th_contact_rate": "take-up (contacted)",
        "th_control": "control",
        "th_control_rate": "take-up (control)",
        "th_uplift": "uplift (points)",
        "th_interval": "95% interval (points)",
        "th_p": "p (adjusted)",
        "th_verdict": "verdict",
        "takers": "{takers} of {customers}",
        "verdict_uplift": "raised",
        "verdict_harm": "LOWERED",
        "verdict_higher_not_significant": "higher, may be chance",
        "verdict_lower_not_significant": "lower, may be chance",
        "verdict_no_difference": "the same",
        "verdict_not_measurable": "cannot be measured",
        "method_title": "How to read it",
        "method_uplift": "The uplift is take-up among contacted customers minus take-up in the "
        "control group, in percentage points. The control group was chosen at random from the "
        "same list, so the difference is the effect of the contact.",
        "method_interval": "The 95% interval is the range of uplifts the data agree with "
        "(Newcombe's score interval). When all of it lies above 0, contact raised take-up; "
        "when all of it lies below 0, contact lowered it.",
        "method_test": "p is the chance of a difference this large if contact had no effect at "
        "all (two-proportion z-test; Fisher's exact test when counts are small). As {k} "
        "segments are tested at once, each segment's p is adjusted (Benjamini-Hochberg); a "
        "difference is called not chance when its adjusted p is below {alpha}. Each segment's "
        "interval is not adjusted.",
        "method_test_overall": "p is the chance of a difference this large if contact had no "
        "effect at all (two-proportion z-test; Fisher's exact test when counts are small); a "
        "difference is called not chance when p is below {alpha}.",
        "method_missing": "{customers} customers of the list without an outcome row ({contact} "
        "contacted, {control} control) count as not taking the product.",
        "method_excluded": "{customers} customers of the list without an outcome row ({contact} "
        "contacted, {control} control) are left out.",
        "method_since": "{rows} outcomes dated before {since} were ignored ({contact} contacted, "
        "{control} control): those customers count as without an outcome row.",
        "method_undated": "{rows} take-ups without a date are counted.",
        "method_left_out": "Left out of the row 'All', as one of their groups holds no "
        "customers: {segments}.",
        "footer": "Made by segmentasi {version}. Every number comes from measurement.csv in "
        "this folder.",
    },
}


def say(key: str, lang: str, **params: Any) -> str:
    return TEXT[lang][key].format(**params)


def points(share: float, lang: str) -> str:
    """A difference of shares in percentage points, one decimal: 0.043 -> '4,3' (id); '–'
    where there is none (NaN)."""
    return "–" if math.isnan(share) else fixed(share * 100, lang, 1)


def rate(share: float, lang: str) -> str:
    """A take-up rate as a percentage ('11,0%'); '–' for a group without customers."""
    return "–" if math.isnan(share) else pct(share, lang)


def p_text(p_value: float, lang: str) -> str:
    """A p-value to three decimals, '<0,001' below that."""
    if math.isnan(p_value):
        return "–"
    return "<" + fixed(0.001, lang, 3) if p_value < 0.001 else fixed(p_value, lang, 3)


def p_phrase(p_value: float, lang: str) -> str:
    """'p = 0,006', or 'p < 0,001'."""
    text = p_text(p_value, lang)
    return f"p {text[0]} {text[1:]}" if text.startswith("<") else f"p = {text}"


def segment_label(segment: Any, lang: str) -> str:
    """'Segmen 2' / 'Segment 2'; the overall row is 'Semua' / 'All'."""
    return say("overall", lang) if segment == "all" else say("segment", lang, segment=segment)


def segments_named(segments: list[Any], lang: str) -> str:
    """'Segmen 1, Segmen 2 dan Segmen 4'."""
    labels = [segment_label(s, lang) for s in segments]
    if len(labels) == 1:
        return labels[0]
    return say("segments_joined", lang, first=", ".join(labels[:-1]), last=labels[-1])


def finding(row: Any, lang: str, brief: bool = False) -> str:
    """A measurement row in two sentences: the take-up of both groups (`brief`: without saying
    what the control group is), then the uplift and whether it may be chance (worded by its
    verdict)."""
    rates = say(
        "rates_segment" if brief else "rates",
        lang,
        contacted=count(row.contact_customers, lang),
        contact_rate=rate(row.contact_rate, lang),
        control=count(row.control_customers, lang),
        control_rate=rate(row.control_rate, lang),
    )
    if row.verdict == "not_measurable":
        return say("not_measurable", lang)
    effect = say(
        row.verdict,
        lang,
        points=points(abs(row.uplift), lang),
        low=points(row.uplift_low, lang),
        high=points(row.uplift_high, lang),
        p=p_phrase(row.p_adjusted, lang),
    )
    return f"{rates} {effect}"
