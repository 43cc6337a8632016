"""Every word of the HTML report, in Bahasa Indonesia (default) and English, in one place.

Texts are str.format templates; the numbers they carry are formatted by the caller from the
run's tables (see build.py), never typed here.
"""

from __future__ import annotations

from typing import Any

TEXT: dict[str, dict[str, str]] = {
    # page
    "title": {"id": "Laporan segmentasi nasabah", "en": "Customer segmentation report"},
    "subtitle": {
        "id": "Data: {source} · {rows} baris · skema '{schema}' · dibuat {created}",
        "en": "Data: {source} · {rows} rows · schema '{schema}' · generated {created}",
    },
    "nav_summary": {"id": "Ringkasan", "en": "Summary"},
    "nav_quality": {"id": "Kualitas data", "en": "Data quality"},
    "nav_method": {"id": "Metode", "en": "Method"},
    "nav_limitations": {"id": "Keterbatasan", "en": "Limitations"},
    "footer": {
        "id": "Dibuat oleh segmentasi {version} · seed {seed} · {created}. Semua angka diambil "
              "langsung dari tabel hasil di folder run ini.",
        "en": "Made by segmentasi {version} · seed {seed} · {created}. Every number comes "
              "straight from the result tables in this run folder.",
    },
    # summary
    "summary_title": {"id": "Ringkasan", "en": "Summary"},
    "summary_lead": {
        "id": "{k} segmen dari {customers} nasabah. Model: {algorithm}, k = {k}; silhouette "
              "{silhouette}, diukur pada {space}.",
        "en": "{k} segments of {customers} customers. Model: {algorithm}, k = {k}; silhouette "
              "{silhouette}, measured on {space}.",
    },
    "badge": {"id": "target {target} {verdict}", "en": "target {target} {verdict}"},
    "and": {"id": " dan ", "en": " and "},
    "target_met": {"id": "tercapai", "en": "met"},
    "target_not_met": {"id": "tidak tercapai", "en": "not met"},
    "segment": {"id": "Segmen {number}", "en": "Segment {number}"},
    "card_size": {"id": "{size} nasabah · {share}", "en": "{size} customers · {share}"},
    "card_offers": {"id": "Penawaran", "en": "Offers"},
    "card_no_offer": {"id": "Tidak ada penawaran yang didukung data (lihat penjelasan di atas).",
                      "en": "No offer is supported by the data (see above)."},
    "offer_line_segment": {
        "id": "{product}: dimiliki {rate} nasabah segmen ini (semua nasabah {overall}, lift "
              "{lift}); {non_owners} belum punya",
        "en": "{product}: owned by {rate} of this segment (all customers {overall}, lift "
              "{lift}); {non_owners} do not have it yet",
    },
    "offer_line_alike": {
        "id": "{product}: dimiliki {rate} nasabah serupa (semua nasabah {overall}, lift {lift}); "
              "{non_owners} di segmen ini belum punya",
        "en": "{product}: owned by {rate} of look-alike customers (all customers {overall}, "
              "lift {lift}); {non_owners} in this segment do not have it yet",
    },
    # quality
    "quality_title": {"id": "Kualitas data", "en": "Data quality"},
    "quality_lead": {
        "id": "{rows} baris lolos validasi skema '{schema}'. Temuan:",
        "en": "{rows} rows passed validation against schema '{schema}'. Findings:",
    },
    "quality_none": {"id": "Tidak ada temuan.", "en": "No findings."},
    "severity_warning": {"id": "perhatian", "en": "warning"},
    "severity_info": {"id": "info", "en": "info"},
    "quality_actions": {
        "id": "Penanganan pada eksperimen '{name}':",
        "en": "Handling in experiment '{name}':",
    },
    "quality_columns": {"id": "Ringkasan per kolom", "en": "Per-column summary"},
    "col_column": {"id": "kolom", "en": "column"},
    "col_role": {"id": "peran", "en": "role"},
    "col_missing": {"id": "kosong", "en": "missing"},
    "col_spread": {"id": "rentang / kategori", "en": "range / levels"},
    # method
    "method_title": {"id": "Metode", "en": "Method"},
    "method_algorithms": {
        "id": "Nasabah dikelompokkan dengan dua algoritma: K-Means (pusat segmen adalah rata-rata "
              "anggotanya) dan K-Medoids (pusat segmen adalah seorang nasabah nyata), masing-"
              "masing untuk k = {k_min} sampai {k_max} segmen, dengan seed {seed}.",
        "en": "Customers are grouped by two algorithms: K-Means (a segment's centre is the "
              "average of its members) and K-Medoids (a segment's centre is a real customer), "
              "each for k = {k_min} to {k_max} segments, with seed {seed}.",
    },
    "method_encoding": {
        "id": "Sebelum dikelompokkan, setiap kolom dijadikan angka yang sebanding: angka "
              "distandarkan, kategori berurutan diberi kode urut lalu distandarkan, kategori "
              "lain dipecah menjadi kolom 0/1, dan kepemilikan produk tetap 0/1. Nilai kosong "
              "diisi median atau kategori terbanyak.",
        "en": "Before grouping, every column becomes a comparable number: numbers are "
              "standardised, ordered categories get their rank and are standardised, other "
              "categories become 0/1 columns, and product ownership stays 0/1. Missing values "
              "are filled with the median or the most frequent level.",
    },
    "method_ties": {
        "id": "Pada {experiments}, nasabah yang sama dekatnya ke dua medoid K-Medoids (sering "
              "terjadi pada data 0/1 yang hanya punya sedikit kombinasi) masuk ke medoid pertama "
              "dalam satu urutan tetap yang disimpan di model; dari urutan yang menjaga "
              "penomoran segmen menurut ukuran, dipilih yang silhouette-nya terbaik. Total jarak "
              "ke medoid (tujuan K-Medoids) tidak berubah.",
        "en": "In {experiments}, a customer exactly as near to two K-Medoids medoids (common "
              "when 0/1 data has few combinations) joins the first medoid in one fixed order, "
              "saved in the model; of the orders that keep segments numbered by size, the one "
              "with the best silhouette is used. The total distance to the medoids (what "
              "K-Medoids minimises) is the same either way.",
    },
    "method_log_scale": {
        "id": "Kolom berikut diubah ke skala log sebelum distandarkan: {columns}.",
        "en": "These columns are put on a log scale before standardising: {columns}.",
    },
    "method_rule": {
        "id": "Jumlah segmen dipilih dengan aturan tertulis: (1) setiap segmen minimal berisi "
              "{min_share} nasabah; (2) dari k yang tersisa, ambil silhouette terbaik, dan setiap "
              "k yang selisihnya paling banyak {tolerance} dianggap setara; (3) jika 'siku' kurva "
              "biaya (elbow) termasuk yang setara, pilih siku itu, jika tidak pilih silhouette "
              "terbaik. Model yang direkomendasikan adalah algoritma dengan silhouette lebih "
              "tinggi pada k pilihannya.",
        "en": "The number of segments follows a written rule: (1) every segment must hold at "
              "least {min_share} of the customers; (2) among the remaining k, take the best "
              "silhouette, and every k within {tolerance} of it counts as a tie; (3) if the "
              "elbow of the cost curve is among the ties, pick the elbow, otherwise the best "
              "silhouette. The recommended model is the algorithm whose chosen k has the higher "
              "silhouette.",
    },
    "method_silhouette": {
        "id": "Silhouette mengukur seberapa dekat seorang nasabah ke segmennya sendiri "
              "dibanding ke segmen lain yang terdekat: 1 berarti terpisah jelas, 0 berarti di "
              "perbatasan, negatif berarti lebih dekat ke segmen lain. Panduan umum (Kaufman & "
              "Rousseeuw): di atas 0.7 struktur kuat, 0.5–0.7 cukup, 0.25–0.5 lemah, di bawah "
              "0.25 tidak ada struktur berarti. Silhouette selalu dihitung di ruang fitur dan "
              "dengan jarak yang dipakai pengelompokan itu, pada {rows_text}.",
        "en": "The silhouette measures how much closer a customer is to its own segment than "
              "to the nearest other one: 1 means clearly separated, 0 on the border, negative "
              "closer to another segment. The usual guide (Kaufman & Rousseeuw): above 0.7 a "
              "strong structure, 0.5–0.7 reasonable, 0.25–0.5 weak, below 0.25 no substantial "
              "structure. A silhouette is always computed in the feature space and with the "
              "distance its clustering used, on {rows_text}.",
    },
    "rows_exact": {"id": "semua baris (nilai pasti)", "en": "every row (exact values)"},
    "rows_sampled": {
        "id": "sampel acak {rows} baris (perkiraan dengan selang kepercayaan 95%)",
        "en": "a random sample of {rows} rows (estimates with 95% confidence intervals)",
    },
    "method_stability": {
        "id": "Stabilitas: tiap model dilatih ulang pada {runs} sub-sampel acak berisi {rows} "
              "baris lalu hasilnya dibandingkan (adjusted Rand index; 1 berarti segmennya selalu "
              "sama).",
        "en": "Stability: each model is refitted on {runs} random subsamples of {rows} rows and "
              "the results are compared (adjusted Rand index; 1 means the same segments every "
              "time).",
    },
    "method_profiles": {
        "id": "Profil segmen memakai semua kolom tabel, hanya dari nilai yang tercatat (nilai "
              "isian tidak ikut).",
        "en": "Segment profiles use every column of the table, from recorded values only "
              "(filled-in values are left out).",
    },
    "method_experiment": {
        "id": "Eksperimen '{name}' ({description}) mengelompokkan pada: {features}.",
        "en": "Experiment '{name}' ({description}) clusters on: {features}.",
    },
    "method_spaces": {
        "id": "Ruang pengelompokan: {spaces}.",
        "en": "Clustering space: {spaces}.",
    },
    # spaces and algorithms
    "space_standard": {"id": "fitur terstandar", "en": "standardised features"},
    "space_gower": {"id": "fitur berskala Gower", "en": "Gower-scaled features"},
    "metric_euclidean": {"id": "jarak Euclidean", "en": "Euclidean distance"},
    "metric_manhattan": {"id": "jarak Manhattan", "en": "Manhattan distance"},
    "space_for": {"id": "{algorithm}: {space}, {metric}", "en": "{algorithm}: {space}, {metric}"},
    "space_short": {"id": "{space}, {metric}", "en": "{space}, {metric}"},
    # experiment sections
    "experiment_title": {"id": "Eksperimen '{name}': {description}",
                         "en": "Experiment '{name}': {description}"},
    "k_title": {"id": "Memilih jumlah segmen", "en": "Choosing the number of segments"},
    "elbow_title": {"id": "Kurva elbow: biaya per k", "en": "Elbow curve: cost per k"},
    "elbow_x": {"id": "jumlah segmen k", "en": "number of segments k"},
    "elbow_y_kmeans": {"id": "biaya: jumlah kuadrat jarak ke pusat",
                       "en": "cost: sum of squared distances to centres"},
    "elbow_y_kmedoids": {"id": "biaya: jumlah jarak ke medoid",
                         "en": "cost: sum of distances to medoids"},
    "legend_knee": {"id": "siku (knee)", "en": "knee"},
    "legend_chosen": {"id": "k terpilih", "en": "chosen k"},
    "legend_recommended": {"id": "model rekomendasi", "en": "recommended model"},
    "legend_target": {"id": "target {target}", "en": "target {target}"},
    "legend_mean": {"id": "rata-rata {mean}", "en": "mean {mean}"},
    "elbow_caption": {
        "id": "Biaya turun terus saat k bertambah; siku adalah titik setelah tambahan segmen "
              "tidak banyak lagi menurunkan biaya. {knees}",
        "en": "Cost always falls as k grows; the knee is where more segments stop paying off. "
              "{knees}",
    },
    "knee_at": {"id": "{algorithm}: siku di k = {k}.", "en": "{algorithm}: knee at k = {k}."},
    "knee_none": {"id": "{algorithm}: tidak ada siku yang jelas.",
                  "en": "{algorithm}: no clear knee."},
    "silk_title": {"id": "Silhouette per k", "en": "Silhouette per k"},
    "silk_y": {"id": "silhouette rata-rata", "en": "mean silhouette"},
    "silk_caption": {
        "id": "Garis titik-titik adalah target {target}. {interval}",
        "en": "The dotted line is the target {target}. {interval}",
    },
    "silk_interval": {"id": "Garis vertikal kecil: selang kepercayaan 95% dari sampel.",
                      "en": "Small vertical bars: 95% confidence intervals of the sample."},
    "silk_null": {
        "id": "Garis putus-putus tipis (×): silhouette algoritma yang sama pada data tanpa "
              "struktur (kolom yang sama, masing-masing diacak).",
        "en": "Thin dashed lines (×): the same algorithm's silhouette on structureless data "
              "(the same columns, each shuffled).",
    },
    "legend_null": {"id": "{algorithm}: data tanpa struktur (kolom diacak)",
                    "en": "{algorithm}: structureless data (columns shuffled)"},
    "hopkins_lead": {
        "id": "Apakah ada struktur kelompok untuk ditemukan? Statistik Hopkins membandingkan "
              "data dengan data pembanding: sekitar 0.5 berarti seperti data tanpa struktur, "
              "mendekati 1 berarti nasabah bergerombol.",
        "en": "Is there group structure to find? The Hopkins statistic compares the data with "
              "reference data: about 0.5 means like data without structure, near 1 means "
              "customers clump together.",
    },
    "hopkins_space": {
        "id": "{algorithms} ({space}): Hopkins {permuted} terhadap kolom yang sama diacak dan "
              "{uniform} terhadap titik acak seragam; {level}.",
        "en": "{algorithms} ({space}): Hopkins {permuted} against the same columns shuffled and "
              "{uniform} against uniform random points; {level}.",
    },
    "hopkins_clustered": {"id": "kecenderungan berkelompok yang jelas",
                          "en": "a clear cluster tendency"},
    "hopkins_weak": {"id": "kecenderungan berkelompok yang lemah",
                     "en": "a weak cluster tendency"},
    "hopkins_random": {"id": "tidak ada kecenderungan berkelompok, seperti data tanpa struktur",
                       "en": "no cluster tendency, like data without structure"},
    "hopkins_regular": {
        "id": "lebih merata daripada data acak, jadi tidak ada kecenderungan berkelompok",
        "en": "more evenly spread than random data, so no cluster tendency",
    },
    "hopkins_unknown": {"id": "tidak dapat diukur karena hampir semua jarak nol",
                        "en": "not measurable, as (nearly) every distance is zero"},
    "hopkins_discrete": {
        "id": "hanya {distinct} baris berbeda di antara {rows}, jadi Hopkins tidak dapat "
              "membedakan kelompok dari nasabah yang identik; bandingkan silhouette dengan "
              "nilainya pada data tanpa struktur",
        "en": "only {distinct} distinct rows among {rows}, so Hopkins cannot tell groups from "
              "identical customers; compare the silhouette with its value on structureless data",
    },
    "null_model": {
        "id": "Model rekomendasi {algorithm} k = {k}: silhouette {observed}, sedangkan "
              "algoritma dan k yang sama pada data tanpa struktur (kolom diacak; rata-rata "
              "{runs} pengacakan, {rows} baris) mencapai {null}; selisih {excess}.",
        "en": "Recommended model {algorithm} k = {k}: silhouette {observed}, while the same "
              "algorithm and k on structureless data (columns shuffled; mean of {runs} "
              "shuffles, {rows} rows) reach {null}; difference {excess}.",
    },
    "null_reading": {
        "id": "Data tanpa struktur pun mencapai {null}, jadi hanya selisih {excess} yang berasal "
              "dari struktur kelompok di data: silhouette yang rendah mencerminkan sedikitnya "
              "struktur itu, bukan kegagalan metode.",
        "en": "Even structureless data reach {null}, so only the difference of {excess} comes "
              "from group structure in the data: the low silhouette reflects how little of it "
              "there is, not a failure of the method.",
    },
    "reason_knee": {
        "id": "{algorithm}: k = {k}, karena siku k = {k} berada dalam {tolerance} dari "
              "silhouette terbaik ({best}).",
        "en": "{algorithm}: k = {k}, because the knee k = {k} is within {tolerance} of the best "
              "silhouette ({best}).",
    },
    "reason_best": {
        "id": "{algorithm}: k = {k}, silhouette terbaik ({best}); {knee}.",
        "en": "{algorithm}: k = {k}, the best silhouette ({best}); {knee}.",
    },
    "reason_knee_lower": {"id": "siku (k = {knee}) bernilai lebih rendah",
                          "en": "the knee (k = {knee}) scores lower"},
    "reason_no_knee": {"id": "tidak ada siku", "en": "there is no knee"},
    "reason_size_waived": {
        "id": " Tidak ada k yang membuat semua segmen di atas {min_share}, jadi aturan ukuran "
              "diabaikan.",
        "en": " No k keeps every segment above {min_share}, so the size rule was set aside.",
    },
    "reason_recommended": {
        "id": "Rekomendasi: {algorithm} dengan k = {k} (silhouette {silhouette}).",
        "en": "Recommended: {algorithm} with k = {k} (silhouette {silhouette}).",
    },
    "sweep_table": {"id": "Tabel lengkap semua k", "en": "Full table of every k"},
    "th_algorithm": {"id": "algoritma", "en": "algorithm"},
    "th_k": {"id": "k", "en": "k"},
    "th_cost": {"id": "biaya", "en": "cost"},
    "th_silhouette": {"id": "silhouette", "en": "silhouette"},
    "th_ci": {"id": "95% CI", "en": "95% CI"},
    "th_db": {"id": "Davies-Bouldin", "en": "Davies-Bouldin"},
    "th_ch": {"id": "Calinski-Harabasz", "en": "Calinski-Harabasz"},
    "th_smallest": {"id": "segmen terkecil", "en": "smallest segment"},
    "th_stability": {"id": "stabilitas (ARI)", "en": "stability (ARI)"},
    "th_note": {"id": "catatan", "en": "note"},
    "note_knee": {"id": "siku", "en": "knee"},
    "note_chosen": {"id": "terpilih", "en": "chosen"},
    "note_recommended": {"id": "rekomendasi", "en": "recommended"},
    "model_title": {"id": "Model terpilih", "en": "The chosen model"},
    "model_lead": {
        "id": "{algorithm}, k = {k}: silhouette {silhouette}, diukur pada {space}; stabilitas "
              "(ARI) {stability}.",
        "en": "{algorithm}, k = {k}: silhouette {silhouette}, measured on {space}; stability "
              "(ARI) {stability}.",
    },
    "silsamples_title": {"id": "Silhouette per nasabah, {algorithm} k = {k}",
                         "en": "Silhouette per customer, {algorithm} k = {k}"},
    "silsamples_x": {"id": "silhouette", "en": "silhouette"},
    "silsamples_y": {"id": "segmen (nasabah diurutkan)", "en": "segment (customers sorted)"},
    "silsamples_caption": {
        "id": "Setiap garis tipis adalah satu nasabah. {negative} nasabah bernilai negatif "
              "(lebih dekat ke segmen lain). {rows} Garis putus-putus: rata-rata dari tabel "
              "sweep.",
        "en": "Each thin line is one customer. {negative} of customers are negative (closer to "
              "another segment). {rows} Dashed line: the mean from the sweep table.",
    },
    "silsamples_all": {"id": "Dihitung untuk semua {rows} nasabah.",
                       "en": "Computed for all {rows} customers."},
    "silsamples_sample": {
        "id": "Digambar untuk sampel acak {rows} dari {total} nasabah (seed {seed}), masing-"
              "masing dibandingkan dengan semua nasabah.",
        "en": "Drawn for a random sample of {rows} of {total} customers (seed {seed}), each "
              "compared with every customer.",
    },
    "map_title": {"id": "Peta nasabah per segmen (PCA)", "en": "Customer map by segment (PCA)"},
    "map_axis": {"id": "komponen utama {n} ({share} variasi)",
                 "en": "principal component {n} ({share} of variance)"},
    "map_caption": {
        "id": "Dua komponen utama dari matriks yang dipakai pengelompokan; keduanya menampilkan "
              "{share} dari seluruh variasi, jadi segmen yang tampak bertumpuk di sini bisa "
              "terpisah di dimensi lain. {rows}",
        "en": "Two principal components of the matrix the clustering used; together they show "
              "{share} of all variance, so segments that overlap here may be apart in other "
              "dimensions. {rows}",
    },
    "map_all": {"id": "Semua {rows} nasabah digambar.", "en": "All {rows} customers drawn."},
    "map_sample": {"id": "Sampel acak {rows} dari {total} nasabah digambar.",
                   "en": "A random sample of {rows} of {total} customers drawn."},
    "map_jitter": {
        "id": " Banyak nasabah berada di titik yang sama, jadi titik digeser sedikit secara "
            "acak agar terlihat.",
        "en": " Many customers share the same point, so points are shifted slightly at random "
              "to be visible.",
    },
    "profiles_title": {"id": "Profil segmen", "en": "Segment profiles"},
    "profile_heatmap_title": {"id": "Profil segmen dibanding seluruh nasabah",
                              "en": "Segment profile against all customers"},
    "profile_colour": {"id": "besar beda (Cohen's d / h)", "en": "effect size (Cohen's d / h)"},
    "profile_caption": {
        "id": "Angka di sel: median (untuk angka) atau persentase nasabah dengan kategori itu; "
              "di kiri, nilai untuk seluruh nasabah. Warna: seberapa kuat segmen berbeda dari "
              "nasabah lain (merah lebih tinggi, biru lebih rendah; 0.2 kecil, 0.5 sedang, 0.8 "
              "besar). Untuk setiap kategori ditampilkan tingkat yang paling membedakan segmen.",
        "en": "Cell text: the median (numbers) or the share of customers at that level; on the "
              "left, the value for all customers. Colour: how strongly the segment differs from "
              "the other customers (red higher, blue lower; 0.2 small, 0.5 medium, 0.8 large). "
              "For each category the level that best tells the segments apart is shown.",
    },
    "profile_row_numeric": {"id": "{label} (median{unit})\nsemua: {overall}",
                            "en": "{label} (median{unit})\nall: {overall}"},
    "profile_row_level": {"id": "{label}: {level}\nsemua: {overall}",
                          "en": "{label}: {level}\nall: {overall}"},
    "product_row": {"id": "{label}\nsemua: {overall}", "en": "{label}\nall: {overall}"},
    "product_heatmap_title": {"id": "Kepemilikan produk per segmen",
                              "en": "Product ownership per segment"},
    "product_colour": {"id": "lift (dibanding rata-rata)", "en": "lift (against average)"},
    "product_caption": {
        "id": "Angka di sel: persentase pemilik di segmen dan lift (×1.5 berarti 1.5 kali rata-"
              "rata seluruh nasabah). Warna: merah di atas rata-rata, biru di bawah.",
        "en": "Cell text: the share of owners in the segment and the lift (×1.5 means 1.5 times "
              "the average of all customers). Colour: red above average, blue below.",
    },
    "sizes_table": {"id": "Ukuran segmen", "en": "Segment sizes"},
    "th_segment": {"id": "segmen", "en": "segment"},
    "th_name": {"id": "nama", "en": "name"},
    "th_size": {"id": "nasabah", "en": "customers"},
    "th_share": {"id": "porsi", "en": "share"},
    # offers
    "offers_title": {"id": "Penawaran dan validasinya", "en": "Offers and their validation"},
    "offers_lead": {
        "id": "Sebuah produk ditawarkan ke segmen bila pemiliknya di antara nasabah pembanding "
              "secara bermakna di atas rata-rata, segmen belum hampir semuanya memiliki, dan "
              "pada nasabah yang disisihkan untuk uji segmen memang memprediksi siapa pemiliknya. "
              "Pembanding adalah segmen itu sendiri, atau, untuk produk yang dipakai membentuk "
              "segmen, nasabah yang serupa dalam variabel lainnya.",
        "en": "A product is offered to a segment when its ownership among comparable customers "
              "is significantly above average, the segment does not nearly all own it already, "
              "and on customers held out for testing the segment does predict who owns it. "
              "Comparable customers are the segment itself or, for a product used to form the "
              "segments, customers alike in the other variables.",
    },
    "offers_none": {"id": "Tidak ada produk yang lolos semua pemeriksaan.",
                    "en": "No product passes every check."},
    "offers_all": {"id": "Semua produk per segmen, dengan keputusannya",
                   "en": "Every product per segment, with the decision"},
    "th_product": {"id": "produk", "en": "product"},
    "th_basis": {"id": "pembanding", "en": "compared with"},
    "th_propensity": {"id": "pemilik di antara pembanding", "en": "owners among comparables"},
    "th_rate": {"id": "pemilik di segmen", "en": "owners in segment"},
    "th_overall_rate": {"id": "semua nasabah", "en": "all customers"},
    "th_lift": {"id": "lift", "en": "lift"},
    "th_non_owners": {"id": "belum punya", "en": "do not have it"},
    "th_rank": {"id": "urutan", "en": "rank"},
    "th_decision": {"id": "keputusan", "en": "decision"},
    "basis_segment": {"id": "segmen ini", "en": "this segment"},
    "basis_alike": {"id": "nasabah serupa", "en": "look-alike customers"},
    "decision_offered": {"id": "ditawarkan", "en": "offered"},
    "reason_saturated": {"id": "hampir semua sudah punya", "en": "nearly all own it already"},
    "reason_not above average": {"id": "tidak di atas rata-rata", "en": "not above average"},
    "reason_weak evidence": {"id": "bukti uji lemah", "en": "weak evidence on test"},
    "validation_title": {"id": "Validasi penawaran", "en": "Offer validation"},
    "validation_lead": {
        "id": "Model dilatih ulang pada {train} data lalu diuji pada sisanya: seberapa baik "
              "pembanding memprediksi siapa pemilik produk pada nasabah uji? AUC 0.5 berarti "
              "tidak lebih baik dari tebakan acak, 1 berarti sempurna.",
        "en": "The model is refitted on {train} of the data and tested on the rest: how well "
              "do the comparable customers predict who owns the product among the test "
              "customers? An AUC of 0.5 is no better than chance, 1 is perfect.",
    },
    "th_used": {"id": "dipakai membentuk segmen", "en": "used to form segments"},
    "th_auc": {"id": "AUC", "en": "AUC"},
    "th_n_test": {"id": "nasabah uji", "en": "test customers"},
    "th_verdict": {"id": "kesimpulan", "en": "verdict"},
    "verdict_useful": {"id": "berguna", "en": "useful"},
    "verdict_weak": {"id": "lemah", "en": "weak"},
    "verdict_no better than chance": {"id": "tidak lebih baik dari acak",
                                      "en": "no better than chance"},
    "yes": {"id": "ya", "en": "yes"},
    "no": {"id": "tidak", "en": "no"},
    # limitations
    "limitations_title": {"id": "Keterbatasan", "en": "Limitations"},
    "lim_target_not_met": {
        "id": "Target silhouette {target} tidak tercapai. Yang terbaik yang ditemukan adalah "
              "{best} ({algorithm}, k = {k}; {space}); model yang direkomendasikan mencapai "
              "{recommended}. {band}",
        "en": "The target silhouette {target} is not met. The best found is {best} "
              "({algorithm}, k = {k}; {space}); the recommended model reaches {recommended}. "
              "{band}",
    },
    "lim_target_met": {
        "id": "Target silhouette {target} tercapai ({recommended}; {space}).",
        "en": "The target silhouette {target} is met ({recommended}; {space}).",
    },
    "band_none": {
        "id": "Di bawah 0.25 berarti tidak ada struktur kelompok yang berarti: nasabah membentuk "
              "satu sebaran yang bersambung, dan segmen adalah potongan yang berguna untuk "
              "pemasaran, bukan kelompok alami.",
        "en": "Below 0.25 means no substantial group structure: customers form one continuous "
              "spread, and the segments are useful cuts for marketing rather than natural "
              "groups.",
    },
    "band_weak": {
        "id": "0.25–0.5 berarti struktur lemah: segmen saling bersinggungan di tepinya.",
        "en": "0.25–0.5 means a weak structure: segments touch at their edges.",
    },
    "band_reasonable": {
        "id": "0.5–0.7 berarti struktur cukup, tetapi sebagian nasabah berada di antara segmen.",
        "en": "0.5–0.7 means a reasonable structure, but some customers sit between segments.",
    },
    "lim_diagnostics": {
        "id": "Mengapa: pada model terpilih {below} nasabah memiliki silhouette di bawah target "
              "{target}, {weak} di bawah 0.25 (dekat ke batas segmen lain) dan {negative} "
              "negatif; peta PCA menampilkan {pca} variasi; dan di semua k dari {k_min} sampai "
              "{k_max} dengan kedua algoritma silhouette tidak pernah melebihi {best}. Dengan "
              "fitur ini tidak ada pilihan k dalam rentang itu yang mencapai target. Membuang "
              "fitur atau mengubah skala hanya jujur bila segmennya tetap stabil dan bukan "
              "sekadar tabulasi silang satu-dua kolom: `segmentasi search` memeriksa itu.",
        "en": "Why: in the chosen model {below} of customers have a silhouette below the target "
              "{target}, {weak} below 0.25 (close to another segment's border) and {negative} "
              "below 0; the PCA map shows {pca} of the variance; and over every k from {k_min} "
              "to {k_max} with both algorithms the silhouette never exceeds {best}. With these "
              "features no k in that range reaches the target. Dropping features or changing "
              "scales is honest only if the segments stay stable and are more than a "
              "cross-tabulation of one or two columns: `segmentasi search` checks that.",
    },
    "lim_imputed_group": {
        "id": "{column} tidak tercatat untuk seluruh kelompok {by} = {level} ({rows} nasabah); "
              "untuk pengelompokan nilainya diisi {value}, jadi posisi nasabah ini memakai "
              "nilai perkiraan, bukan data.",
        "en": "{column} is not recorded for the whole group {by} = {level} ({rows} "
              "customers); the clustering filled in {value}, so these customers are placed by "
              "an assumed value, not by data.",
    },
    "lim_exact": {
        "id": "Silhouette dihitung pasti pada semua {rows} baris.",
        "en": "Silhouettes are exact, over all {rows} rows.",
    },
    "lim_sampled": {
        "id": "Silhouette adalah perkiraan dari sampel acak {rows} dari {total} baris; selang "
              "kepercayaan 95% model terpilih: {low} sampai {high}.",
        "en": "Silhouettes are estimates from a random sample of {rows} of {total} rows; 95% "
              "confidence interval of the chosen model: {low} to {high}.",
    },
    "lim_stability": {
        "id": "Stabilitas model terpilih (ARI) {ari}: {verdict}.",
        "en": "Stability of the chosen model (ARI) {ari}: {verdict}.",
    },
    "stability_high": {"id": "segmen hampir sama bila dilatih ulang",
                       "en": "the segments barely change when refitted"},
    "stability_mid": {"id": "segmen cukup mirip bila dilatih ulang, tetapi batasnya bergeser",
                      "en": "the segments are similar when refitted, but their borders move"},
    "stability_low": {
        "id": "segmen berubah cukup banyak bila dilatih ulang pada sampel lain; perlakukan "
              "batas segmen sebagai perkiraan",
        "en": "the segments change noticeably when refitted on other samples; treat their "
              "borders as approximate",
    },
    "stability_unknown": {"id": "tidak diukur (terlalu sedikit baris)",
                          "en": "not measured (too few rows)"},
    "lim_circular": {
        "id": "Segmen dibentuk dari kepemilikan produk, jadi kepemilikan produk-produk itu di "
              "dalam segmen (sering 0% atau 100%) terjadi karena cara segmen dibentuk, bukan "
              "bukti minat. Karena itu penawaran untuk produk tersebut memakai nasabah serupa "
              "dalam produk lainnya sebagai pembanding, dan diuji pada nasabah yang disisihkan "
              "(lihat validasi penawaran).",
        "en": "The segments are formed from product ownership, so the ownership of those "
              "products within a segment (often 0% or 100%) follows from how the segments were "
              "formed and is not evidence of demand. Offers of those products therefore compare "
              "with customers alike in their other products, and are tested on held-out "
              "customers (see the offer validation).",
    },
}

ALGORITHMS = {"kmeans": "K-Means", "kmedoids": "K-Medoids"}
ROLES = {
    "id": {"id": "ID", "en": "ID"},
    "numeric": {"id": "angka", "en": "number"},
    "ordinal": {"id": "kategori berurutan", "en": "ordered category"},
    "nominal": {"id": "kategori", "en": "category"},
    "product": {"id": "produk (0/1)", "en": "product (0/1)"},
    "derived_count": {"id": "jumlah turunan", "en": "derived count"},
}


def say(key: str, lang: str, **params: Any) -> str:
    """The text `key` in `lang`, filled with `params`."""
    return TEXT[key][lang].format(**params)


def compact(value: float, lang: str) -> str:
    """A number short enough for a heatmap cell: 152300000 -> '152.3 jt' (id) / '152.3M' (en)."""
    steps = ((1e12, {"id": " T", "en": "T"}), (1e9, {"id": " M", "en": "B"}),
             (1e6, {"id": " jt", "en": "M"}))
    for size, suffix in steps:
        if abs(value) >= size:
            return f"{value / size:.1f}".rstrip("0").rstrip(".") + suffix[lang]
    return f"{value:,.1f}".rstrip("0").rstrip(".")
