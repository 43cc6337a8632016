"""The words of segment names and narratives; narrative.py finds the traits they state."""

from __future__ import annotations

from . import Catalogue

TEXT: Catalogue = {
    "id": {
        "size": "Segmen {segment}: {size} nasabah ({share} dari semua nasabah).",
        "defining": "Ciri yang membentuk segmen ini: {traits}.",
        "defining_none": "Tidak ada variabel pengelompokan yang menonjol di segmen ini.",
        "other": "Di luar variabel pengelompokan, yang paling membedakan: {traits}.",
        "other_none": "Di luar variabel pengelompokan, tidak ada perbedaan yang berarti.",
        "numeric_range": "{label} {span}{unit} ({stat} {value}; semua nasabah {overall})",
        "numeric_higher": "{label} lebih tinggi: {stat} {value}{unit} (semua nasabah {overall})",
        "numeric_lower": "{label} lebih rendah: {stat} {value}{unit} (semua nasabah {overall})",
        "median": "median",
        "mean": "rata-rata",
        "numeric_missing": "{label} sebagian besar tidak tercatat: kosong untuk {share} "
        "(semua nasabah {overall})",
        "missing_note": ", tidak tercatat untuk {share}",
        "level_more": "{label} {level} lebih umum: {share} (semua nasabah {overall})",
        "level_fewer": "{label} {level} lebih jarang: {share} (semua nasabah {overall})",
        "product": "{label} dimiliki {rate} (semua nasabah {overall})",
        "offer": "Penawaran berikutnya: {product}. {evidence}; {non_owners} nasabah segmen ini "
        "belum memilikinya. Pada nasabah yang disisihkan untuk uji, segmen memprediksi "
        "siapa pemiliknya dengan AUC {auc} (interval {low}–{high}).",
        "no_offer": "Belum ada produk yang didukung data untuk ditawarkan ke segmen ini. "
        "Kandidat terdekat: {product}. {evidence}; {reason}.",
        "evidence_segment": "{rate} nasabah segmen ini memilikinya (semua nasabah {overall}, "
        "lift {lift})",
        "evidence_alike": "{rate} nasabah yang serupa dalam variabel pengelompokan lainnya "
        "memilikinya (semua nasabah {overall}, lift {lift})",
        "saturated": "hampir semua nasabah segmen ini sudah memilikinya ({rate})",
        "not above average": "nasabah seperti ini tidak lebih sering memilikinya dibanding "
        "nasabah lain",
        "weak evidence": "pada nasabah yang disisihkan untuk uji, segmen hanya lemah memprediksi "
        "siapa pemiliknya (AUC {auc})",
        "no better than chance": "pada nasabah yang disisihkan untuk uji, segmen tidak lebih "
        "baik dari tebakan acak dalam memprediksi siapa pemiliknya "
        "(AUC {auc})",
        "untested": "terlalu sedikit nasabah untuk menguji penawaran pada nasabah yang disisihkan",
        "name_range": "{label} {span}",
        "name_high": "{label} tinggi",
        "name_low": "{label} rendah",
        "name_missing": "{label} tidak tercatat",
        "name_level": "{label} {level}",
        "name_level_share": "{label} {level} ({share})",
        "name_has": "punya {labels}",
        "name_none": "tanpa {labels}",
        "name_mostly": "umumnya punya {label}",
        "name_more_often": "lebih sering punya {label}",
        "name_less_often": "lebih jarang punya {label}",
        "name_seldom": "jarang punya {label}",
        "name_fallback": "Segmen {segment}",
        "name_numbered": "{name} (segmen {segment})",
    },
    "en": {
        "size": "Segment {segment}: {size} customers ({share} of all customers).",
        "defining": "What forms this segment: {traits}.",
        "defining_none": "No clustering variable stands out in this segment.",
        "other": "Beyond the clustering variables, what sets it apart most: {traits}.",
        "other_none": "Beyond the clustering variables, nothing sets it clearly apart.",
        "numeric_range": "{label} {span}{unit} ({stat} {value}; all customers {overall})",
        "numeric_higher": "higher {label}: {stat} {value}{unit} (all customers {overall})",
        "numeric_lower": "lower {label}: {stat} {value}{unit} (all customers {overall})",
        "median": "median",
        "mean": "mean",
        "numeric_missing": "{label} mostly not recorded: missing for {share} "
        "(all customers {overall})",
        "missing_note": ", not recorded for {share}",
        "level_more": "{label} {level} more common: {share} (all customers {overall})",
        "level_fewer": "{label} {level} less common: {share} (all customers {overall})",
        "product": "{label} owned by {rate} (all customers {overall})",
        "offer": "Next-best offer: {product}. {evidence}; {non_owners} customers in this "
        "segment do not have it yet. On customers held out for testing, the segment "
        "predicts who owns it with AUC {auc} (interval {low}–{high}).",
        "no_offer": "No product offer for this segment is supported by the data. Closest "
        "candidate: {product}. {evidence}; {reason}.",
        "evidence_segment": "{rate} of this segment own it (all customers {overall}, lift {lift})",
        "evidence_alike": "{rate} of customers alike in the other clustering variables own it "
        "(all customers {overall}, lift {lift})",
        "saturated": "nearly everyone in this segment already owns it ({rate})",
        "not above average": "customers like these do not own it more often than others",
        "weak evidence": "on customers held out for testing, the segment predicts only weakly "
        "who owns it (AUC {auc})",
        "no better than chance": "on customers held out for testing, the segment predicts who "
        "owns it no better than chance (AUC {auc})",
        "untested": "too few customers to test the offer on held-out customers",
        "name_range": "{label} {span}",
        "name_high": "high {label}",
        "name_low": "low {label}",
        "name_missing": "{label} not recorded",
        "name_level": "{label} {level}",
        "name_level_share": "{label} {level} ({share})",
        "name_has": "has {labels}",
        "name_none": "no {labels}",
        "name_mostly": "mostly has {label}",
        "name_more_often": "more often has {label}",
        "name_less_often": "less often has {label}",
        "name_seldom": "seldom has {label}",
        "name_fallback": "Segment {segment}",
        "name_numbered": "{name} (segment {segment})",
    },
}


def fallback_name(segment: int, lang: str) -> str:
    """A segment's name when no trait names it: 'Segmen 3' (id), 'Segment 3' (en)."""
    return TEXT[lang]["name_fallback"].format(segment=segment)
