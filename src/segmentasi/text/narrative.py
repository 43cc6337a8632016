"""The words of segment names and narratives; narrative.py finds the traits they state."""

from __future__ import annotations

import pandas as pd

from . import Catalogue
from .numbers import number

TEXT: Catalogue = {
    "id": {
        "size": "Segmen {segment}: {size} nasabah ({share} dari semua nasabah).",
        "defining": "Ciri yang membentuk segmen ini: {traits}.",
        "defining_none": "Tidak ada variabel pengelompokan yang menonjol di segmen ini.",
        "other": "Di luar variabel pengelompokan, yang paling membedakan: {traits}.",
        "other_none": "Di luar variabel pengelompokan, tidak ada perbedaan yang berarti.",
        "numeric_range": "{label} {span}{unit} ({note}{stat} {value}; semua nasabah {overall})",
        "range_note": "rentang 5–95%; ",
        "numeric_higher": "{label} lebih tinggi: {stat} {value}{unit} (semua nasabah {overall})",
        "numeric_lower": "{label} lebih rendah: {stat} {value}{unit} (semua nasabah {overall})",
        "median": "median",
        "mean": "rata-rata",
        "numeric_missing": "{label} sebagian besar tidak tercatat: kosong untuk {share} "
        "(semua nasabah {overall})",
        "missing_note": ", tidak tercatat untuk {share}",
        "sentinel_trait": "{meaning}: {share} (semua nasabah {overall})",
        "level_more": "{label} {level} lebih umum: {share} (semua nasabah {overall})",
        "level_fewer": "{label} {level} lebih jarang: {share} (semua nasabah {overall})",
        "product": "{label} dimiliki {rate} (semua nasabah {overall})",
        "offer": "Penawaran berikutnya: {product}. {evidence}; {non_owners} nasabah segmen ini "
        "belum memilikinya. Terkonfirmasi pada nasabah yang disisihkan untuk uji: {heldout}.",
        "no_offer": "Belum ada produk yang didukung data untuk ditawarkan ke segmen ini. "
        "Kandidat terdekat: {product}. {evidence}; {reason}.",
        "evidence_segment": "{rate} nasabah segmen ini memilikinya (semua nasabah {overall}, "
        "lift {lift})",
        "evidence_alike": "{rate} nasabah yang serupa dalam variabel pengelompokan lainnya "
        "memilikinya (semua nasabah {overall}, lift {lift})",
        "heldout": "dari {customers} nasabah uji di segmen ini {rate} memilikinya, nasabah uji "
        "lainnya {rest} (selisih {difference} poin persentase, interval 95% {low} sampai {high})",
        "reason_saturated": "hampir semua nasabah segmen ini sudah memilikinya ({rate}); hanya "
        "{non_owners} yang belum",
        "reason_small_lift": "lift di bawah {min_lift}, batas agar penawaran bermakna, jadi "
        "penawaran lookalike tidak didukung",
        "reason_too_few_reachable": "hanya {non_owners} nasabah segmen ini yang belum "
        "memilikinya, kurang dari {min_reachable} yang layak untuk kampanye",
        "reason_not_confirmed_heldout": "tidak terkonfirmasi pada nasabah yang disisihkan untuk "
        "uji: {heldout}, jadi selisihnya bisa saja nol",
        "reason_untested": "terlalu sedikit nasabah untuk menguji penawaran pada nasabah yang "
        "disisihkan",
        "reason_offered": "penawaran didukung data",
        "verdict_offered": "{product} ditawarkan ke segmen {segments}; terkuat di segmen "
        "{segment}: {rate} nasabah serupa memilikinya (semua nasabah {overall}, lift {lift}), "
        "{non_owners} nasabah belum punya.",
        "verdict_best": "{product} tidak ditawarkan. Di segmen {segment}, tempat {product} paling "
        "umum ({rate}; semua nasabah {overall}): {reason}.",
        "verdict_widest": "segmen dengan nasabah tanpa {product} terbanyak adalah segmen "
        "{segment} ({non_owners} nasabah); di sana {product} dimiliki {how} ({rate}, lift "
        "{lift}): {reason}.",
        "verdict_best_alike": "{product} tidak ditawarkan. Di segmen {segment}, yang nasabah "
        "serupanya paling sering memiliki {product} ({rate}; semua nasabah {overall}): "
        "{reason}.",
        "verdict_widest_alike": "segmen dengan nasabah tanpa {product} terbanyak adalah segmen "
        "{segment} ({non_owners} nasabah); nasabah serupanya memiliki {product} {how} "
        "({rate}, lift {lift}): {reason}.",
        "verdict_average": "sama seperti rata-rata",
        "verdict_not_supported": "jadi penawaran lookalike di sana juga tidak didukung",
        "verdict_less": "lebih jarang dari rata-rata",
        "verdict_more": "lebih sering dari rata-rata",
        "verdict_learn": "Cara untuk mengetahui apakah nasabah ini mau membelinya: kampanye uji "
        "dengan kelompok kontrol.",
        "name_range": "{label} {span}",
        "name_high": "{label} lebih tinggi",
        "name_low": "{label} lebih rendah",
        "name_missing": "{label} tidak tercatat",
        "name_level": "{label} {level}",
        "name_has": "punya {labels}",
        "name_none": "tanpa {labels}",
        "name_fallback_plain": "Segmen {segment} (tanpa ciri menonjol)",
        "name_fallback": "Segmen {segment}",
        "name_numbered": "{name} (segmen {segment})",
    },
    "en": {
        "size": "Segment {segment}: {size} customers ({share} of all customers).",
        "defining": "What forms this segment: {traits}.",
        "defining_none": "No clustering variable stands out in this segment.",
        "other": "Beyond the clustering variables, what sets it apart most: {traits}.",
        "other_none": "Beyond the clustering variables, nothing sets it clearly apart.",
        "numeric_range": "{label} {span}{unit} ({note}{stat} {value}; all customers {overall})",
        "range_note": "5–95% range; ",
        "numeric_higher": "higher {label}: {stat} {value}{unit} (all customers {overall})",
        "numeric_lower": "lower {label}: {stat} {value}{unit} (all customers {overall})",
        "median": "median",
        "mean": "mean",
        "numeric_missing": "{label} mostly not recorded: missing for {share} "
        "(all customers {overall})",
        "missing_note": ", not recorded for {share}",
        "sentinel_trait": "{meaning}: {share} (all customers {overall})",
        "level_more": "{label} {level} more common: {share} (all customers {overall})",
        "level_fewer": "{label} {level} less common: {share} (all customers {overall})",
        "product": "{label} owned by {rate} (all customers {overall})",
        "offer": "Next-best offer: {product}. {evidence}; {non_owners} customers in this "
        "segment do not have it yet. Confirmed on customers held out for testing: {heldout}.",
        "no_offer": "No product offer for this segment is supported by the data. Closest "
        "candidate: {product}. {evidence}; {reason}.",
        "evidence_segment": "{rate} of this segment own it (all customers {overall}, lift {lift})",
        "evidence_alike": "{rate} of customers alike in the other clustering variables own it "
        "(all customers {overall}, lift {lift})",
        "heldout": "of {customers} test customers in this segment {rate} own it, of the other "
        "test customers {rest} (a difference of {difference} percentage points, 95% interval "
        "{low} to {high})",
        "reason_saturated": "nearly everyone in this segment already owns it ({rate}); only "
        "{non_owners} do not",
        "reason_small_lift": "a lift below the {min_lift} a meaningful offer needs, so a "
        "lookalike offer is not supported",
        "reason_too_few_reachable": "only {non_owners} customers in this segment lack it, fewer "
        "than the {min_reachable} a campaign needs",
        "reason_not_confirmed_heldout": "not confirmed on customers held out for testing: "
        "{heldout}, so the difference may be none",
        "reason_untested": "too few customers to test the offer on held-out customers",
        "reason_offered": "the offer is supported by the data",
        "verdict_offered": "{product} is offered to segment(s) {segments}; strongest in segment "
        "{segment}: {rate} of look-alike customers own it (all customers {overall}, lift "
        "{lift}), {non_owners} customers lack it.",
        "verdict_best": "{product} is not offered. In segment {segment}, where {product} is most "
        "common ({rate}; all customers {overall}): {reason}.",
        "verdict_widest": "the segment with the most customers without {product} is segment "
        "{segment} ({non_owners} customers); there {product} is owned {how} ({rate}, lift "
        "{lift}): {reason}.",
        "verdict_best_alike": "{product} is not offered. In segment {segment}, whose look-alike "
        "customers own {product} most often ({rate}; all customers {overall}): {reason}.",
        "verdict_widest_alike": "the segment with the most customers without {product} is "
        "segment {segment} ({non_owners} customers); its look-alike customers own {product} "
        "{how} ({rate}, lift {lift}): {reason}.",
        "verdict_average": "about as often as average",
        "verdict_not_supported": "so a lookalike offer there is not supported either",
        "verdict_less": "less often than average",
        "verdict_more": "more often than average",
        "verdict_learn": "The way to learn whether these customers would take it: a test "
        "campaign with a control group.",
        "name_range": "{label} {span}",
        "name_high": "higher {label}",
        "name_low": "lower {label}",
        "name_missing": "{label} not recorded",
        "name_level": "{label} {level}",
        "name_has": "has {labels}",
        "name_none": "no {labels}",
        "name_fallback_plain": "Segment {segment} (no stand-out trait)",
        "name_fallback": "Segment {segment}",
        "name_numbered": "{name} (segment {segment})",
    },
}


def fallback_name(segment: int, lang: str) -> str:
    """A segment's name when no trait names it: 'Segmen 3' (id), 'Segment 3' (en)."""
    return TEXT[lang]["name_fallback"].format(segment=segment)


def points(difference: float, lang: str) -> str:
    """A difference of two shares in percentage points, signed: 0.025 -> '+2,5' (id)."""
    if pd.isna(difference):
        return "–"
    sign = "+" if difference > 0 else ("−" if difference < 0 else "")
    return sign + number(abs(100 * difference), lang)
