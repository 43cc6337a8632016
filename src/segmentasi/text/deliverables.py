"""The words of the slides (report.pptx) and the workbook (segments.xlsx) beyond the decision
page's, which text/decision.py holds: sheet names, column headings, a segment slide's lines.

The numbers the templates carry are formatted by the caller (text.numbers) from the run's
tables. Headings of the offer table reuse the report's (text.report), so a column is called the
same in the report, the workbook and the slides.
"""

from __future__ import annotations

from typing import Any

from . import Catalogue

TEXT: Catalogue = {
    "id": {
        # workbook: sheets
        "sheet_decision": "Keputusan",
        "sheet_segments": "Segmen {experiment}",
        "sheet_profiles": "Profil",
        "sheet_offers": "Penawaran",
        # workbook: the decision sheet's labels
        "row_use": "Segmentasi yang dipakai",
        "row_other": "Segmentasi lainnya",
        "row_target": "Seberapa jelas segmen terpisah",
        "row_note": "Catatan",
        # workbook: column headings
        "th_number": "No.",
        "th_customers": "Nasabah",
        "th_experiment": "Segmentasi",
        "th_segment": "Segmen",
        "th_name": "Nama",
        "th_share": "Porsi dari semua nasabah",
        "th_narrative": "Gambaran",
        "th_variable": "Variabel",
        "th_measure": "Ukuran",
        "th_all": "Semua nasabah",
        "th_segment_n": "Segmen {segment}",
        "th_offered": "Ditawarkan",
        "th_reason": "Alasan tidak ditawarkan",
        "th_basis": "Dibandingkan dengan",
        "measure_median": "median",
        "measure_mean": "rata-rata",
        "measure_missing": "porsi tanpa data",
        "measure_level": "porsi {level}",
        "measure_owned": "porsi pemilik",
        # slides
        "continued": "{title} (lanjutan)",
        "segment_title": "Segmen {segment} '{experiment}': {name}",
        "segment_size": "{customers} nasabah ({share} dari semua nasabah)",
        "trait_median": "{label}: median {value} (semua nasabah {overall})",
        "trait_mean": "{label}: rata-rata {value} (semua nasabah {overall})",
        "trait_level": "{label} {level}: {share} (semua nasabah {overall})",
        "trait_owned": "{label}: dimiliki {rate} (semua nasabah {overall})",
        "offer": "Penawaran: {product}. {rate} nasabah serupa memilikinya (semua nasabah "
        "{overall}); {customers} nasabah di segmen ini belum punya.",
        "no_offer": "Tidak ada penawaran yang didukung data. Calon terdekat, {product}: {reason}.",
        "no_offer_left": "Tidak ada penawaran yang didukung data.",
        "chart_products": "Kepemilikan produk: segmen {segment} dan semua nasabah",
        "chart_traits": "Yang paling membedakan segmen {segment} dari semua nasabah",
        "chart_scaled": "panjang batang: nilai dibagi yang terbesar dari keduanya",
        "legend_segment": "Segmen {segment}",
        "legend_all": "Semua nasabah",
        "row_level": "{label}: {level}",
        "row_median": "{label} (median)",
        "row_mean": "{label} (rata-rata)",
        "crosswalk_title": "Segmen '{rows}' dan kelompok '{columns}'",
        "crosswalk_lead": "Jumlah nasabah di setiap pasangan: baris = segmen '{rows}', kolom = "
        "kelompok '{columns}'.",
        "crosswalk_corner": "Segmen",
        "deck_title": "Segmentasi nasabah: {source}",
    },
    "en": {
        "sheet_decision": "Decision",
        "sheet_segments": "Segments {experiment}",
        "sheet_profiles": "Profiles",
        "sheet_offers": "Offers",
        "row_use": "Segmentation to use",
        "row_other": "The other segmentation",
        "row_target": "How clearly segments stand apart",
        "row_note": "Note",
        "th_number": "No.",
        "th_customers": "Customers",
        "th_experiment": "Segmentation",
        "th_segment": "Segment",
        "th_name": "Name",
        "th_share": "Share of all customers",
        "th_narrative": "Description",
        "th_variable": "Variable",
        "th_measure": "Measure",
        "th_all": "All customers",
        "th_segment_n": "Segment {segment}",
        "th_offered": "Offered",
        "th_reason": "Why not offered",
        "th_basis": "Compared with",
        "measure_median": "median",
        "measure_mean": "mean",
        "measure_missing": "share not recorded",
        "measure_level": "share {level}",
        "measure_owned": "share who own it",
        "continued": "{title} (continued)",
        "segment_title": "Segment {segment} of '{experiment}': {name}",
        "segment_size": "{customers} customers ({share} of all customers)",
        "trait_median": "{label}: median {value} (all customers {overall})",
        "trait_mean": "{label}: mean {value} (all customers {overall})",
        "trait_level": "{label} {level}: {share} (all customers {overall})",
        "trait_owned": "{label}: owned by {rate} (all customers {overall})",
        "offer": "Offer: {product}. {rate} of similar customers own it (all customers "
        "{overall}); {customers} customers in this segment do not have it yet.",
        "no_offer": "No offer is supported by the data. Closest candidate, {product}: {reason}.",
        "no_offer_left": "No offer is supported by the data.",
        "chart_products": "Product ownership: segment {segment} and all customers",
        "chart_traits": "What sets segment {segment} apart from all customers",
        "chart_scaled": "bar length: the value divided by the larger of the two",
        "legend_segment": "Segment {segment}",
        "legend_all": "All customers",
        "row_level": "{label}: {level}",
        "row_median": "{label} (median)",
        "row_mean": "{label} (mean)",
        "crosswalk_title": "'{rows}' segments and '{columns}' groups",
        "crosswalk_lead": "Customers in each pair: rows are '{rows}' segments, columns are "
        "'{columns}' groups.",
        "crosswalk_corner": "Segment",
        "deck_title": "Customer segmentation: {source}",
    },
}


def say(key: str, lang: str, **params: Any) -> str:
    return TEXT[lang][key].format(**params)
