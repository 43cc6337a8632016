"""The words of the HTML report (its template's too, through `say`).

Texts are str.format templates; the numbers they carry are formatted by report/build.py from
the run's tables (with text.numbers), never typed here. The exception is `offers_lead`, which the
template shows without parameters: it states recommend's rule constants (SATURATED_RATE,
MIN_LIFT, MIN_REACHABLE) in words, and tests/test_recommend.py checks they match.
"""

from __future__ import annotations

from typing import Any

from . import Catalogue

ALGORITHMS = {"kmeans": "K-Means", "kmedoids": "K-Medoids"}

TEXT: Catalogue = {
    "id": {
        # page
        "title": "Laporan segmentasi nasabah",
        "subtitle": "Data: {source} · {rows} baris · skema '{schema}' · dibuat {created}",
        "nav_decision": "Keputusan",
        "nav_summary": "Segmen",
        "nav_appendix": "Lampiran teknis",
        "nav_quality": "Kualitas data",
        "nav_method": "Metode",
        "nav_limitations": "Keterbatasan",
        "footer": "Dibuat oleh segmentasi {version} · seed {seed} · {created}. Semua angka "
        "diambil langsung dari tabel hasil di folder run ini.",
        # summary
        "summary_title": "Segmen nasabah",
        "segments_lead": "'{name}'{described}: {k} segmen, {customers} nasabah.",
        "segments_set_aside": "{rows} nasabah tanpa {label} tercatat tidak masuk segmen mana "
        "pun: tanpa {label}, mereka tidak dapat ditempatkan dengan jujur.",
        "sizes_axis": "nasabah",
        "sizes_chart_title": "Ukuran segmen '{name}'",
        "portfolio_title": "Kombinasi produk",
        "portfolio_lead": "Nasabah memiliki {total} kombinasi produk yang berbeda; {shown} "
        "kombinasi terbesar mencakup {covered} nasabah. Kombinasi inilah satuan yang "
        "sebenarnya: segmentasi '{name}' mengumpulkan kombinasi-kombinasi ini menjadi {k} "
        "kelompok.",
        "portfolio_split": "Sebagian kombinasi terbagi ke lebih dari satu kelompok (lihat "
        "lampiran).",
        "portfolio_rest": "{n} kombinasi lain",
        "portfolio_caption": "Titik: produk yang dimiliki; batang: nasabah, dalam warna "
        "kelompoknya.",
        "no_products": "tanpa produk",
        "crosswalk_title": "Segmen '{rows}' di kelompok '{columns}'",
        "crosswalk_axis": "kelompok '{columns}'",
        "crosswalk_colour": "dibanding semua nasabah",
        "crosswalk_caption": "Sel: porsi segmen (baris) di kelompok itu, dan jumlah nasabah. "
        "Hijau-biru: lebih sering dari rata-rata; coklat: lebih jarang.",
        "actions_caption": "Nasabah dalam daftar setiap tindakan, dalam warna segmennya.",
        "th_action_number": "No.",
        "appendix_title": "Lampiran teknis",
        "appendix_lead": "Untuk analis: data, metode, ukuran statistik, pemeriksaan dan "
        "perintah di balik halaman sebelumnya. Angka di atas berasal dari tabel yang sama.",
        "narratives_title": "Uraian per segmen",
        "combinations_title": "Kombinasi produk dan kelompoknya",
        "th_products": "produk yang dimiliki",
        "th_in_segment": "di kelompok ini",
        "th_profile": "profil (median, kategori terbanyak)",
        "summary_lead": "{k} segmen dari {customers} nasabah. Model: {algorithm}, k = {k}; "
        "silhouette {silhouette}, diukur pada {space}.",
        "badge": "target {target} {verdict}",
        "and": " dan ",
        "target_met": "tercapai",
        "target_not_met": "tidak tercapai",
        "target_met_shuffled": "tercapai, tetapi data yang sama diacak mencapai {null} (selisih "
        "kurang dari {margin}: bukan kelompok alami)",
        "segment": "Segmen {number}",
        "card_size": "{size} nasabah · {share}",
        "card_offers": "Penawaran",
        # rules: the manager's part
        "rules_title": "Cara mengenali segmen",
        "rules_lead": "Aturan sederhana yang menunjuk segmen dari data seorang nasabah; "
        "setiap aturan bisa dicek pada catatannya. Aturan ini menempatkan {overall} nasabah "
        "yang disisihkan untuk uji di segmen yang sama dengan model.",
        "rules_reliable": "{mark} aturan yang cocok dengan model untuk sedikitnya {share} "
        "nasabahnya.",
        "rules_short": "Aturan sependek ini tidak menangkap segmen sepenuhnya. Penempatan yang "
        "pasti ada di model yang disimpan bersama laporan ini, juga sebagai kueri basis data "
        "(rules.sql).",
        # rules: the appendix
        "rules_method_title": "Aturan segmen dan SQL",
        "rules_method_lead": "Pohon keputusan dangkal (CART, scikit-learn) belajar menebak "
        "segmen model dari variabel pengelompokan dalam satuan aslinya; dilatih pada {fit} "
        "nasabah dan diukur pada {heldout} nasabah lain yang disisihkan (fidelity: porsi "
        "nasabah uji yang ditempatkan di segmen yang sama dengan model). Kedalamannya yang "
        "terkecil dari 1 sampai {max_depth} dengan fidelity {target} atau lebih; {verdict} "
        "Setiap ambang digeser ke angka bulat di celah yang sama antara dua nilai teramati, "
        "dan fidelity diukur dengan ambang bulat itu. Nilai kosong dihitung sebagai nilai "
        "isian model.",
        "rules_depth_reached": "kedalaman {depth} mencapainya.",
        "rules_depth_not_reached": "tidak tercapai dalam kedalaman {max_depth}, jadi kedalaman "
        "{max_depth} dipakai.",
        "rules_method_sql": "Aturan andal: kecocokan sedikitnya {share} pada sedikitnya "
        "{min_heldout} nasabah uji ({faithful} dari {rules} aturan). Aturan terbukti tepat: "
        "untuk setiap nilai yang lolos validasi di dalam kotak aturan, pusat segmennya yang "
        "terdekat (selisih jarak adalah jumlah suku per variabel, terkecil di ujung interval; "
        "kotak berisi sedikit titik ditempatkan satu per satu seperti segmentasi assign) "
        "({exact} dari {rules} aturan). rules.sql memakai aturan yang terbukti tepat lebih "
        "dulu, lalu jarak ke setiap pusat dalam ruang fitur model, sehingga memberi setiap "
        "baris segmen yang sama dengan segmentasi assign.",
        "rules_depths": "Fidelity per kedalaman",
        "rules_confusion": "Di mana aturan berbeda dari model (nasabah uji)",
        "th_depth": "kedalaman",
        "th_fidelity": "fidelity",
        "th_model_segment": "segmen menurut model",
        "th_rules_segment": "aturan: {segment}",
        "th_segment_fidelity": "fidelity segmen",
        "offer_line_segment": "Tawarkan {product} ke {non_owners} nasabah yang belum punya: "
        "{rate} nasabah segmen ini memilikinya (semua nasabah {overall}); pada nasabah uji yang "
        "disisihkan, {heldout_rate} di segmen ini dan {heldout_rest} di luar segmen.",
        "offer_line_alike": "Tawarkan {product} ke {non_owners} nasabah yang belum punya: "
        "{rate} nasabah serupa memilikinya (semua nasabah {overall}); pada nasabah uji yang "
        "disisihkan, {heldout_rate} di segmen ini dan {heldout_rest} di luar segmen.",
        # quality
        "quality_title": "Kualitas data",
        "quality_lead": "{rows} baris lolos validasi skema '{schema}'. Temuan:",
        "quality_none": "Tidak ada temuan.",
        "severity_warning": "perhatian",
        "severity_info": "info",
        "quality_actions": "Penanganan pada eksperimen '{name}':",
        "quality_columns": "Ringkasan per kolom",
        "col_column": "kolom",
        "col_role": "peran",
        "col_missing": "kosong",
        "col_spread": "rentang / kategori",
        # method
        "method_title": "Metode",
        "method_algorithms": "Nasabah dikelompokkan dengan dua algoritma: K-Means (pusat segmen "
        "adalah rata-rata anggotanya) dan K-Medoids (pusat segmen adalah "
        "seorang nasabah nyata), masing-masing untuk k = {k_min} sampai "
        "{k_max} segmen, dengan seed {seed}.",
        "method_encoding": "Sebelum dikelompokkan, setiap kolom dijadikan angka yang sebanding: "
        "angka distandarkan, kategori berurutan diberi kode urut lalu "
        "distandarkan, kategori lain dipecah menjadi kolom 0/1, dan "
        "kepemilikan produk tetap 0/1. Nilai kosong diisi median atau kategori "
        "terbanyak, kecuali yang disebut berikut.",
        "method_space_sample": " Tabel berisi lebih dari {rows} nasabah, jadi pusat, sebaran "
        "dan nilai pengisi setiap kolom dihitung dari sampel acak {rows} nasabah (yang pertama "
        "dalam urutan acak run, seed {seed}; tanpa nasabah yang tidak ikut dikelompokkan).",
        "method_indicated": "{columns} kosong pada sedikitnya {share} baris, jadi nilai kosongnya "
        "tidak diisi tebakan: setiap kolom itu mendapat kolom tambahan 'tidak "
        "tercatat' (0/1, distandarkan seperti angka lain) yang ikut membentuk "
        "segmen dan termasuk ruang tempat silhouette dihitung, dan nilai kosongnya "
        "diberi nilai netral, rata-rata yang tercatat.",
        "method_ties": "Pada {experiments}, nasabah yang sama dekatnya ke dua medoid K-Medoids "
        "(sering terjadi pada data 0/1 yang hanya punya sedikit kombinasi) masuk "
        "ke medoid pertama dalam satu urutan tetap yang disimpan di model; dari "
        "urutan yang menjaga penomoran segmen menurut ukuran, dipilih yang "
        "silhouette-nya terbaik. Total jarak ke medoid (tujuan K-Medoids) tidak "
        "berubah.",
        "method_log_scale": "Kolom berikut diubah ke skala log sebelum distandarkan: {columns}.",
        "method_rule": "Jumlah segmen dipilih dengan aturan tertulis: (1) setiap segmen minimal "
        "berisi {min_share} nasabah; (2) dari k yang tersisa, ambil silhouette "
        "terbaik, dan setiap k yang selisihnya paling banyak {tolerance} dianggap "
        "setara; (3) jika 'siku' kurva biaya (elbow) termasuk yang setara, pilih "
        "siku itu, jika tidak pilih silhouette terbaik. Model yang "
        "direkomendasikan adalah algoritma dengan silhouette lebih tinggi pada k "
        "pilihannya.",
        "method_silhouette": "Silhouette mengukur seberapa dekat seorang nasabah ke segmennya "
        "sendiri dibanding ke segmen lain yang terdekat: 1 berarti terpisah "
        "jelas, 0 berarti di perbatasan, negatif berarti lebih dekat ke "
        "segmen lain. Nilainya dibaca terhadap dua patokan: target 0,7, dan silhouette data "
        "yang sama dengan setiap kolom diacak (data tanpa kelompok). Panduan umum Kaufman & "
        "Rousseeuw (di atas 0,7 kuat, 0,5–0,7 cukup, 0,25–0,5 lemah, di bawah 0,25 tidak ada "
        "struktur) tidak dipakai di sini: pada data 0/1 dengan sedikit kombinasi, data acak "
        "pun mencapai 0,5 atau lebih, jadi hanya selisih terhadap data acak yang menunjukkan "
        "kelompok alami. Silhouette selalu dihitung di ruang fitur dan "
        "dengan jarak yang dipakai pengelompokan itu, pada {rows_text}.",
        "method_edge_high": "Catatan: pada '{name}', k = {k} ({algorithm}) adalah k terbesar yang "
        "dicoba ({k_min}–{k_max}). Silhouette {first} pada k = {k_min} dan {last} pada "
        "k = {k_max}.",
        "method_edge_low": "Catatan: pada '{name}', k = {k} ({algorithm}) adalah k terkecil yang "
        "dicoba ({k_min}–{k_max}). Silhouette {first} pada k = {k_min} dan {last} pada "
        "k = {k_max}.",
        "method_edge_null": "Data yang sama dengan setiap kolom diacak: {first} pada k = {k_min}, "
        "{last} pada k = {k_max}.",
        "method_edge_high_reading": "Silhouette naik seiring k pada data asli maupun data acak, "
        "jadi aturan memilih ujung rentang: k = {k} bukan jumlah kelompok alami, dan k yang "
        "lebih besar akan memberi skor lebih tinggi lagi. Pilih jumlah segmen yang dapat "
        "dijalankan tim pemasaran.",
        "method_edge_low_reading": "Silhouette tertinggi pada k terkecil: k = {k} adalah "
        "pembagian paling kasar yang dicoba, bukan bukti adanya {k} kelompok alami.",
        "rows_exact": "semua baris (nilai pasti)",
        "rows_sampled": "sampel acak {rows} baris (perkiraan dengan selang kepercayaan 95%)",
        "method_stability": "Stabilitas: tiap model dilatih ulang pada {runs} sub-sampel acak "
        "berisi {rows} baris lalu hasilnya dibandingkan (adjusted Rand index; "
        "1 berarti segmennya selalu sama).",
        "method_engine": "Mesin: Apache Spark (master {master}). Semua {rows} pelanggan dibaca, "
        "divalidasi dan diberi segmen di Spark. {sample_text}",
        "engine_sample_all": "Semua pelanggan juga muat di driver, jadi model dilatih di sana "
        "seperti pada mesin dalam proses, dan profil, stabilitas, diagnostik serta aturan memakai "
        "semua baris.",
        "engine_sample": "Model dilatih pada semua pelanggan di Spark (K-Means: beberapa awal "
        "acak pada sampel acak {sample} pelanggan, lalu iterasi pada semua pelanggan; K-Medoids: "
        "CLARA, setiap calon medoid dinilai pada semua pelanggan); ukuran segmen dihitung dari "
        "semua pelanggan. Profil (median, persentil, pangsa), stabilitas, diagnostik, aturan dan "
        "grafik per pelanggan memakai sampel itu; pangsa dari sampel sebesar itu meleset paling "
        "banyak {error} poin persentase (selang 95%). Segmen setiap pelanggan ada di "
        "segments.parquet; segments.csv dan labels.csv berisi sampel itu.",
        "method_profiles": "Profil segmen memakai semua kolom tabel, hanya dari nilai yang "
        "tercatat (nilai isian tidak ikut).",
        "method_experiment": "Eksperimen '{name}'{described} mengelompokkan pada: {features}.",
        "method_spaces": "Ruang pengelompokan: {spaces}.",
        # spaces and algorithms
        "space_standard": "fitur terstandar (rata-rata 0, simpangan baku 1)",
        "space_standard_flags": "fitur terstandar (rata-rata 0, simpangan baku 1), penanda 0/1 "
        "apa adanya",
        "space_gower": "fitur berskala Gower",
        # every feature a raw 0/1 flag: the distance counts the differing flags
        "space_product_flags": "penanda produk 0/1 apa adanya",
        "space_flags": "penanda 0/1 apa adanya",
        "metric_product_flags_manhattan": "jarak Manhattan = jumlah produk yang berbeda",
        "metric_product_flags_euclidean": "jarak Euclidean = akar jumlah produk yang berbeda",
        "metric_flags_manhattan": "jarak Manhattan = jumlah penanda yang berbeda",
        "metric_flags_euclidean": "jarak Euclidean = akar jumlah penanda yang berbeda",
        "metric_euclidean": "jarak Euclidean",
        "metric_manhattan": "jarak Manhattan",
        "space_for": "{algorithm}: {space}",
        "space_short": "{space}, {metric}",
        # experiment sections
        "experiment_title": "Eksperimen '{name}'{titled}",
        "k_title": "Memilih jumlah segmen",
        "elbow_title": "Kurva elbow: biaya per k",
        "elbow_x": "jumlah segmen k",
        "elbow_y_kmeans": "biaya: jumlah kuadrat jarak ke pusat",
        "elbow_y_kmedoids": "biaya: jumlah jarak ke medoid",
        "legend_knee": "siku (knee)",
        "legend_chosen": "k terpilih",
        "legend_recommended": "model rekomendasi",
        "legend_target": "target {target}",
        "legend_mean": "rata-rata {mean}",
        "elbow_caption": "Biaya turun terus saat k bertambah; siku adalah titik setelah tambahan "
        "segmen tidak banyak lagi menurunkan biaya. {knees}",
        "knee_at": "{algorithm}: siku di k = {k}.",
        "knee_none": "{algorithm}: tidak ada siku yang jelas.",
        "silk_title": "Silhouette per k",
        "silk_y": "silhouette rata-rata",
        "silk_caption": "Garis titik-titik adalah target {target}. {interval}",
        "silk_interval": "Garis vertikal kecil: selang kepercayaan 95% dari sampel.",
        "silk_null": "Garis putus-putus tipis (×): silhouette algoritma yang sama pada data tanpa "
        "struktur (kolom yang sama, masing-masing diacak).",
        "legend_null": "{algorithm}: data tanpa struktur (kolom diacak)",
        "hopkins_lead": "Apakah ada struktur kelompok untuk ditemukan? Statistik Hopkins "
        "membandingkan data dengan data pembanding: sekitar 0,5 berarti seperti "
        "data tanpa struktur, mendekati 1 berarti nasabah bergerombol.",
        "hopkins_space": "{algorithms} ({space}): Hopkins {permuted} terhadap kolom yang sama "
        "diacak dan {uniform} terhadap titik acak seragam; {level}.",
        "hopkins_clustered": "kecenderungan berkelompok yang jelas",
        "hopkins_weak": "kecenderungan berkelompok yang lemah",
        "hopkins_random": "tidak ada kecenderungan berkelompok, seperti data tanpa struktur",
        "hopkins_regular": "lebih merata daripada data acak, jadi tidak ada kecenderungan "
        "berkelompok",
        "hopkins_unknown": "tidak dapat diukur karena hampir semua jarak nol",
        "hopkins_discrete": "hanya {distinct} baris berbeda di antara {rows}, jadi Hopkins tidak "
        "dapat membedakan kelompok dari nasabah yang identik; bandingkan "
        "silhouette dengan nilainya pada data tanpa struktur",
        "null_model": "Model rekomendasi {algorithm} k = {k}: silhouette {observed}, sedangkan "
        "algoritma dan k yang sama pada data tanpa struktur (kolom diacak; "
        "rata-rata {runs} pengacakan, {rows} baris) mencapai {null}; selisih "
        "{excess}.",
        "null_reading": "Data tanpa struktur pun mencapai {null}, jadi hanya selisih {excess} "
        "yang berasal dari struktur kelompok di data: silhouette yang rendah "
        "mencerminkan sedikitnya struktur itu, bukan kegagalan metode.",
        "reason_knee": "{algorithm}: k = {k}, karena siku k = {k} berada dalam {tolerance} dari "
        "silhouette terbaik ({best}).",
        "reason_best": "{algorithm}: k = {k}, silhouette terbaik ({best}); {knee}.",
        "reason_knee_lower": "siku (k = {knee}) bernilai lebih rendah",
        "reason_no_knee": "tidak ada siku",
        "reason_size_waived": " Tidak ada k yang membuat semua segmen di atas {min_share}, jadi "
        "aturan ukuran diabaikan.",
        "reason_recommended": "Rekomendasi: {algorithm} dengan k = {k} (silhouette {silhouette}).",
        "sweep_table": "Tabel lengkap semua k",
        "th_algorithm": "algoritma",
        "th_k": "k",
        "th_cost": "biaya",
        "th_silhouette": "silhouette",
        "th_ci": "95% CI",
        "th_db": "Davies-Bouldin",
        "th_ch": "Calinski-Harabasz",
        "th_smallest": "segmen terkecil",
        "th_stability": "stabilitas (ARI)",
        "th_note": "catatan",
        "note_knee": "siku",
        "note_chosen": "terpilih",
        "note_recommended": "rekomendasi",
        "model_title": "Model terpilih",
        "model_lead": "{algorithm}, k = {k}: silhouette {silhouette}, diukur pada {space}; "
        "stabilitas (ARI) {stability}.",
        "silsamples_title": "Silhouette per nasabah, {algorithm} k = {k}",
        "silsamples_x": "silhouette",
        "silsamples_y": "segmen (nasabah diurutkan)",
        "silsamples_caption": "Setiap garis tipis adalah satu nasabah. {negative} nasabah "
        "bernilai negatif (lebih dekat ke segmen lain). {rows} Garis "
        "putus-putus: rata-rata dari tabel sweep.",
        "silsamples_all": "Dihitung untuk semua {rows} nasabah.",
        "silsamples_sample": "Digambar untuk sampel acak {rows} dari {total} nasabah (seed "
        "{seed}), masing-masing dibandingkan dengan semua nasabah.",
        "map_title": "Peta nasabah per segmen (PCA)",
        "map_axis": "komponen utama {n} ({share} variasi)",
        "map_caption": "Dua komponen utama dari matriks yang dipakai pengelompokan; keduanya "
        "menampilkan {share} dari seluruh variasi, jadi segmen yang tampak "
        "bertumpuk di sini bisa terpisah di dimensi lain. {rows}",
        "map_all": "Semua {rows} nasabah digambar.",
        "map_sample": "Sampel acak {rows} dari {total} nasabah digambar.",
        "map_jitter": " Banyak nasabah berada di titik yang sama, jadi titik digeser sedikit "
        "secara acak agar terlihat.",
        "profiles_title": "Profil segmen",
        "profile_heatmap_title": "Profil segmen dibanding seluruh nasabah",
        "profile_colour": "besar beda (Cohen's d / h)",
        "profile_caption": "Angka di sel: median (untuk angka) atau persentase nasabah dengan "
        "kategori itu; di kiri, nilai untuk seluruh nasabah. Warna: seberapa "
        "kuat segmen berbeda dari nasabah lain (hijau-biru lebih tinggi, coklat "
        "lebih rendah; 0,2 kecil, 0,5 sedang, 0,8 besar). Untuk setiap kategori "
        "ditampilkan tingkat yang paling membedakan segmen.",
        "profile_row_numeric": "{label} (median{unit})\nsemua: {overall}",
        "profile_row_level": "{label}: {level}\nsemua: {overall}",
        "product_row": "{label}\nsemua: {overall}",
        "product_heatmap_title": "Kepemilikan produk per segmen",
        "product_colour": "lift (dibanding rata-rata)",
        "product_caption": "Angka di sel: persentase pemilik di segmen dan lift (×1,5 berarti 1,5 "
        "kali rata-rata seluruh nasabah). Warna: hijau-biru di atas rata-rata, coklat "
        "di bawah.",
        "sizes_table": "Ukuran segmen",
        "th_segment": "segmen",
        "th_name": "nama",
        "th_size": "nasabah",
        "th_share": "porsi",
        # offers
        "offers_title": "Penawaran dan validasinya",
        "offers_lead": "Sebuah produk ditawarkan ke segmen hanya bila keempat syarat ini "
        "terpenuhi: (1) kurang dari 97% nasabah segmen sudah memilikinya; (2) "
        "pemiliknya di antara nasabah pembanding paling sedikit 1.2 kali rata-rata "
        "semua nasabah (lift); (3) paling sedikit 100 nasabah segmen belum "
        "memilikinya; (4) pada nasabah yang disisihkan untuk uji, pemilik di segmen itu lebih "
        "banyak daripada di luarnya, dengan batas bawah interval 95% selisihnya di atas nol. "
        "Pembanding adalah segmen itu sendiri, atau, untuk produk yang dipakai membentuk "
        "segmen, nasabah yang serupa dalam variabel lainnya.",
        "offers_none": "Tidak ada produk yang lolos semua pemeriksaan.",
        "offers_all": "Semua produk per segmen, dengan keputusannya",
        "th_product": "produk",
        "th_basis": "pembanding",
        "th_propensity": "pemilik di antara pembanding",
        "th_rate": "pemilik di segmen",
        "th_overall_rate": "semua nasabah",
        "th_lift": "lift",
        "th_non_owners": "belum punya",
        "th_rank": "urutan",
        "th_decision": "keputusan",
        "basis_segment": "segmen ini",
        "basis_alike": "nasabah serupa",
        "decision_offered": "ditawarkan",
        "reason_saturated": "hampir semua sudah punya",
        "reason_small_lift": "kepemilikannya tidak cukup jauh di atas rata-rata",
        "reason_too_few_reachable": "terlalu sedikit yang belum punya",
        "reason_not_confirmed_heldout": "tidak terkonfirmasi pada data uji",
        "validation_title": "Lampiran teknis: AUC segmentasi per produk",
        "validation_lead": "Model dilatih ulang pada {train} data lalu diuji pada sisanya: "
        "seberapa baik seluruh segmentasi memprediksi siapa pemilik produk pada "
        "nasabah uji? AUC 0,5 berarti tidak lebih baik dari tebakan acak, 1 "
        "berarti sempurna. Angka ini tentang segmentasi secara keseluruhan dan "
        "tidak menentukan penawaran; setiap penawaran diuji untuk segmennya "
        "sendiri (syarat 4 di atas).",
        "th_used": "dipakai membentuk segmen",
        "th_auc": "AUC",
        "th_n_test": "nasabah uji",
        "th_verdict": "kesimpulan",
        "verdict_useful": "berguna",
        "verdict_weak": "lemah",
        "verdict_no better than chance": "tidak lebih baik dari acak",
        "yes": "ya",
        "no": "tidak",
        # limitations
        "limitations_title": "Keterbatasan",
        "lim_target_not_met": "Target silhouette {target} tidak tercapai. Yang terbaik yang "
        "ditemukan adalah {best} ({algorithm}, k = {k}; {space}); model "
        "yang direkomendasikan mencapai {recommended}. {band}",
        "lim_target_met": "Target silhouette {target} tercapai ({recommended}; {space}).",
        "lim_target_met_shuffled": "Target silhouette {target} tercapai ({recommended}; {space}), "
        "tetapi data yang sama dengan setiap kolom diacak (tanpa kelompok) mencapai {null} dengan "
        "algoritma dan k yang sama, selisih kurang dari {margin}: tercapainya target bukan bukti "
        "kelompok alami.",
        "band_none": "Silhouette di bawah target berarti segmen adalah pembagian yang berguna "
        "untuk pemasaran, bukan kelompok alami.",
        "band_groups": "Silhouette setinggi ini berarti segmen adalah kelompok yang terpisah.",
        "band_null_none": "Data yang sama dengan setiap kolom diacak (tanpa kelompok) mencapai "
        "{null} dengan algoritma dan k yang sama, selisih hanya {excess}: segmen adalah "
        "pembagian yang berguna untuk kampanye, bukan kelompok alami, berapa pun nilai "
        "silhouette-nya.",
        "band_null_groups": "Data yang sama dengan setiap kolom diacak mencapai {null}, "
        "selisih {excess}: ada struktur kelompok di luar sebaran masing-masing kolom, meski "
        "target belum tercapai.",
        "lim_diagnostics": "Mengapa: pada model terpilih {below} nasabah memiliki silhouette di "
        "bawah target {target}, {weak} di bawah 0,25 (dekat ke batas segmen "
        "lain) dan {negative} negatif; peta PCA menampilkan {pca} variasi; dan "
        "di semua k dari {k_min} sampai {k_max} dengan kedua algoritma "
        "silhouette tidak pernah melebihi {best}. Dengan fitur ini tidak ada "
        "pilihan k dalam rentang itu yang mencapai target. Membuang fitur atau "
        "mengubah skala hanya jujur bila segmennya tetap stabil dan bukan "
        "sekadar tabulasi silang satu-dua kolom: `segmentasi search` memeriksa "
        "itu.",
        "lim_imputed_group": "{column} tidak tercatat untuk seluruh kelompok {by} = {level} "
        "({rows} nasabah); untuk pengelompokan nilainya diisi {value}, jadi "
        "posisi nasabah ini memakai nilai perkiraan, bukan data.",
        "lim_indicated": "{column} tidak tercatat untuk {rows} nasabah{where}; mereka tidak diberi "
        "{label} tebakan: pengelompokan memakai kolom tambahan '{label} tidak "
        "tercatat', yang ikut membentuk segmen dan ikut dihitung dalam silhouette, "
        "dan kolom {label} mereka diberi nilai netral, rata-rata yang tercatat "
        "({value}).",
        "lim_set_aside": "{column} tidak tercatat untuk {rows} nasabah{where}; mereka tidak diberi "
        "{label} tebakan dan tidak dimasukkan ke segmen eksperimen ini, sehingga tidak ada "
        "segmen yang digambarkan dengan {label} yang tidak mereka miliki. Segmen dan silhouette "
        "dihitung pada nasabah lainnya.",
        "lim_indicated_all": " (semuanya dengan {by} {level})",
        "lim_indicated_most": " ({count} di antaranya dengan {by} {level})",
        "lim_exact": "Silhouette dihitung pasti pada semua {rows} baris.",
        "lim_sampled": "Silhouette adalah perkiraan dari sampel acak {rows} dari {total} baris; "
        "selang kepercayaan 95% model terpilih: {low} sampai {high}.",
        "lim_stability": "Stabilitas model terpilih (ARI) {ari}: {verdict}.",
        "stability_high": "segmen hampir sama bila dilatih ulang",
        "stability_mid": "segmen cukup mirip bila dilatih ulang, tetapi batasnya bergeser",
        "stability_low": "segmen berubah cukup banyak bila dilatih ulang pada sampel lain; "
        "perlakukan batas segmen sebagai perkiraan",
        "stability_unknown": "tidak diukur (terlalu sedikit baris)",
        "lim_circular": "Segmen dibentuk dari kepemilikan produk, jadi kepemilikan produk-produk "
        "itu di dalam segmen (sering 0% atau 100%) terjadi karena cara segmen "
        "dibentuk, bukan bukti minat. Karena itu penawaran untuk produk tersebut "
        "memakai nasabah serupa dalam produk lainnya sebagai pembanding, dan "
        "diuji pada nasabah yang disisihkan (lihat validasi penawaran).",
        # column roles
        "role_id": "ID",
        "role_numeric": "angka",
        "role_ordinal": "kategori berurutan",
        "role_nominal": "kategori",
        "role_product": "produk (0/1)",
        "role_flag": "penanda ya/tidak (0/1)",
        "role_index": "nomor baris (diabaikan)",
        "role_derived_count": "jumlah turunan",
    },
    "en": {
        # page
        "title": "Customer segmentation report",
        "subtitle": "Data: {source} · {rows} rows · schema '{schema}' · generated {created}",
        "nav_decision": "Decision",
        "nav_summary": "Segments",
        "nav_appendix": "Technical appendix",
        "nav_quality": "Data quality",
        "nav_method": "Method",
        "nav_limitations": "Limitations",
        "footer": "Made by segmentasi {version} · seed {seed} · {created}. Every number comes "
        "straight from the result tables in this run folder.",
        # summary
        "summary_title": "Customer segments",
        "segments_lead": "'{name}'{described}: {k} segments, {customers} customers.",
        "segments_set_aside": "{rows} customers with no {label} recorded are in no segment: "
        "without their {label} they cannot be placed honestly.",
        "sizes_axis": "customers",
        "sizes_chart_title": "Segment sizes of '{name}'",
        "portfolio_title": "Product combinations",
        "portfolio_lead": "Customers hold {total} different combinations of products; the "
        "{shown} largest cover {covered} of them. These combinations are the real unit: the "
        "'{name}' segmentation gathers them into {k} groups.",
        "portfolio_split": "Some combinations are split over more than one group (see the "
        "appendix).",
        "portfolio_rest": "{n} other combinations",
        "portfolio_caption": "Dots: the products held; bars: customers, in their group's colour.",
        "no_products": "no product",
        "crosswalk_title": "'{rows}' segments across '{columns}' groups",
        "crosswalk_axis": "'{columns}' group",
        "crosswalk_colour": "against all customers",
        "crosswalk_caption": "Cells: the row segment's share in that group, and its customers. "
        "Teal: more often than average; brown: less often.",
        "actions_caption": "Customers on each action's list, in their segment's colour.",
        "th_action_number": "No.",
        "appendix_title": "Technical appendix",
        "appendix_lead": "For analysts: the data, method, statistics, checks and commands "
        "behind the pages above. Every number above comes from the same tables.",
        "narratives_title": "Each segment in detail",
        "combinations_title": "Product combinations and their groups",
        "th_products": "products held",
        "th_in_segment": "in this group",
        "th_profile": "profile (medians, most common levels)",
        "summary_lead": "{k} segments of {customers} customers. Model: {algorithm}, k = {k}; "
        "silhouette {silhouette}, measured on {space}.",
        "badge": "target {target} {verdict}",
        "and": " and ",
        "target_met": "met",
        "target_not_met": "not met",
        "target_met_shuffled": "met, but the same data shuffled reach {null} (less than {margin} "
        "apart: not natural groups)",
        "segment": "Segment {number}",
        "card_size": "{size} customers · {share}",
        "card_offers": "Offers",
        # rules: the manager's part
        "rules_title": "How to recognise the segments",
        "rules_lead": "Simple rules that point to a customer's segment from their data; each "
        "can be checked against a customer's record. They place {overall} of the customers "
        "held out for testing in the same segment as the model.",
        "rules_reliable": "{mark} a rule the model agrees with for at least {share} of its "
        "customers.",
        "rules_short": "Rules this short do not capture the segments fully. The exact "
        "placement is in the model saved with this report, also as a database query "
        "(rules.sql).",
        # rules: the appendix
        "rules_method_title": "Segment rules and SQL",
        "rules_method_lead": "A shallow decision tree (CART, scikit-learn) learns to predict "
        "the model's segment from the clustering variables in their own units; fitted on "
        "{fit} customers and measured on {heldout} others held out (fidelity: the share of "
        "test customers placed in the model's segment). Its depth is the smallest from 1 to "
        "{max_depth} with a fidelity of {target} or more; {verdict} Each threshold is moved "
        "to a round number in the same gap between two observed values, and fidelity is "
        "measured with the round thresholds. Missing values count as the model's fill values.",
        "rules_depth_reached": "depth {depth} reaches it.",
        "rules_depth_not_reached": "not reached within depth {max_depth}, so depth "
        "{max_depth} is used.",
        "rules_method_sql": "Reliable rules: an agreement of at least {share} on at least "
        "{min_heldout} test customers ({faithful} of {rules} rules). Rules proven exact: for "
        "every value validation lets through in the rule's box, the segment's centre is the "
        "nearest (the difference of distances is a sum of one term per variable, smallest at "
        "an end of its interval; boxes of few points are placed point by point as segmentasi "
        "assign does) ({exact} of {rules} rules). rules.sql applies the rules proven exact "
        "first, then the distance to each centre in the model's feature space, so it gives "
        "every row the same segment as segmentasi assign.",
        "rules_depths": "Fidelity by depth",
        "rules_confusion": "Where the rules differ from the model (test customers)",
        "th_depth": "depth",
        "th_fidelity": "fidelity",
        "th_model_segment": "segment by the model",
        "th_rules_segment": "rules: {segment}",
        "th_segment_fidelity": "segment fidelity",
        "offer_line_segment": "Offer {product} to the {non_owners} who do not have it: {rate} "
        "of this segment own one (all customers {overall}); among held-out test customers, "
        "{heldout_rate} in this segment and {heldout_rest} outside it.",
        "offer_line_alike": "Offer {product} to the {non_owners} who do not have it: {rate} "
        "of similar customers own one (all customers {overall}); among held-out test customers, "
        "{heldout_rate} in this segment and {heldout_rest} outside it.",
        # quality
        "quality_title": "Data quality",
        "quality_lead": "{rows} rows passed validation against schema '{schema}'. Findings:",
        "quality_none": "No findings.",
        "severity_warning": "warning",
        "severity_info": "info",
        "quality_actions": "Handling in experiment '{name}':",
        "quality_columns": "Per-column summary",
        "col_column": "column",
        "col_role": "role",
        "col_missing": "missing",
        "col_spread": "range / levels",
        # method
        "method_title": "Method",
        "method_algorithms": "Customers are grouped by two algorithms: K-Means (a segment's "
        "centre is the average of its members) and K-Medoids (a segment's "
        "centre is a real customer), each for k = {k_min} to {k_max} "
        "segments, with seed {seed}.",
        "method_encoding": "Before grouping, every column becomes a comparable number: numbers "
        "are standardised, ordered categories get their rank and are "
        "standardised, other categories become 0/1 columns, and product "
        "ownership stays 0/1. Missing values are filled with the median or the "
        "most frequent level, except as stated next.",
        "method_space_sample": " The table holds more than {rows} customers, so each column's "
        "centre, spread and fill value were computed on a uniform sample of {rows} of them (the "
        "first in the run's random order, seed {seed}; less those not clustered).",
        "method_indicated": "{columns}: missing in at least {share} of rows, so their missing "
        "values are not guessed: each of these columns gets an extra column 'not "
        "recorded' (0/1, standardised like other numbers) that shapes the "
        "segments and is part of the space the silhouette is computed in, and its "
        "missing values take a neutral value, the recorded mean.",
        "method_ties": "In {experiments}, a customer exactly as near to two K-Medoids medoids "
        "(common when 0/1 data has few combinations) joins the first medoid in one "
        "fixed order, saved in the model; of the orders that keep segments "
        "numbered by size, the one with the best silhouette is used. The total "
        "distance to the medoids (what K-Medoids minimises) is the same either way.",
        "method_log_scale": "These columns are put on a log scale before standardising: {columns}.",
        "method_rule": "The number of segments follows a written rule: (1) every segment must "
        "hold at least {min_share} of the customers; (2) among the remaining k, "
        "take the best silhouette, and every k within {tolerance} of it counts as "
        "a tie; (3) if the elbow of the cost curve is among the ties, pick the "
        "elbow, otherwise the best silhouette. The recommended model is the "
        "algorithm whose chosen k has the higher silhouette.",
        "method_silhouette": "The silhouette measures how much closer a customer is to its own "
        "segment than to the nearest other one: 1 means clearly separated, 0 "
        "on the border, negative closer to another segment. It is read against two marks: "
        "the target 0.7, and the silhouette of the same data with each column shuffled (data "
        "without groups). The usual guide of Kaufman & Rousseeuw (above 0.7 strong, 0.5–0.7 "
        "reasonable, 0.25–0.5 weak, below 0.25 no structure) is not used here: on 0/1 data "
        "with few combinations even shuffled data reach 0.5 or more, so only the difference "
        "from shuffled data shows natural groups. A "
        "silhouette is always computed in the feature space and with the "
        "distance its clustering used, on {rows_text}.",
        "method_edge_high": "Note: in '{name}', k = {k} ({algorithm}) is the largest k tried "
        "({k_min}–{k_max}). The silhouette is {first} at k = {k_min} and {last} at k = {k_max}.",
        "method_edge_low": "Note: in '{name}', k = {k} ({algorithm}) is the smallest k tried "
        "({k_min}–{k_max}). The silhouette is {first} at k = {k_min} and {last} at k = {k_max}.",
        "method_edge_null": "The same data with each column shuffled: {first} at k = {k_min}, "
        "{last} at k = {k_max}.",
        "method_edge_high_reading": "The silhouette rises with k on the data and on shuffled "
        "data alike, so the rule picks the edge of the range: k = {k} is not a number of natural "
        "groups, and a larger k would score higher still. Choose the number of segments the "
        "marketing team can run.",
        "method_edge_low_reading": "The silhouette is highest at the smallest k: k = {k} is the "
        "coarsest split tried, not evidence of {k} natural groups.",
        "rows_exact": "every row (exact values)",
        "rows_sampled": "a random sample of {rows} rows (estimates with 95% confidence intervals)",
        "method_stability": "Stability: each model is refitted on {runs} random subsamples of "
        "{rows} rows and the results are compared (adjusted Rand index; 1 "
        "means the same segments every time).",
        "method_engine": "Engine: Apache Spark (master {master}). All {rows} customers were "
        "read, validated and given their segments on Spark. {sample_text}",
        "engine_sample_all": "Every customer also fitted on the driver, so the models were "
        "fitted there as the in-process engine fits them, and profiles, stability, diagnostics "
        "and rules read every row.",
        "engine_sample": "The models were fitted on every customer on Spark (K-Means: several "
        "random starts on a uniform sample of {sample} customers, then iterations over every "
        "customer; K-Medoids: CLARA, each candidate set of medoids costed on every customer); "
        "segment sizes count every customer. Profiles (medians, percentiles, shares), "
        "stability, diagnostics, rules and the per-customer charts read that sample; a share "
        "from a sample that size is off by at most {error} percentage points (95% interval). "
        "Every customer's segment is in segments.parquet; segments.csv and labels.csv hold the "
        "sample.",
        "method_profiles": "Segment profiles use every column of the table, from recorded values "
        "only (filled-in values are left out).",
        "method_experiment": "Experiment '{name}'{described} clusters on: {features}.",
        "method_spaces": "Clustering space: {spaces}.",
        # spaces and algorithms
        "space_standard": "standardised features (mean 0, sd 1)",
        "space_standard_flags": "standardised features (mean 0, sd 1), 0/1 flags as they are",
        "space_gower": "Gower-scaled features",
        "space_product_flags": "0/1 product flags as they are",
        "space_flags": "0/1 flags as they are",
        "metric_product_flags_manhattan": "Manhattan distance = number of differing products",
        "metric_product_flags_euclidean": "Euclidean distance = square root of the number of "
        "differing products",
        "metric_flags_manhattan": "Manhattan distance = number of differing flags",
        "metric_flags_euclidean": "Euclidean distance = square root of the number of differing "
        "flags",
        "metric_euclidean": "Euclidean distance",
        "metric_manhattan": "Manhattan distance",
        "space_for": "{algorithm}: {space}",
        "space_short": "{space}, {metric}",
        # experiment sections
        "experiment_title": "Experiment '{name}'{titled}",
        "k_title": "Choosing the number of segments",
        "elbow_title": "Elbow curve: cost per k",
        "elbow_x": "number of segments k",
        "elbow_y_kmeans": "cost: sum of squared distances to centres",
        "elbow_y_kmedoids": "cost: sum of distances to medoids",
        "legend_knee": "knee",
        "legend_chosen": "chosen k",
        "legend_recommended": "recommended model",
        "legend_target": "target {target}",
        "legend_mean": "mean {mean}",
        "elbow_caption": "Cost always falls as k grows; the knee is where more segments stop "
        "paying off. {knees}",
        "knee_at": "{algorithm}: knee at k = {k}.",
        "knee_none": "{algorithm}: no clear knee.",
        "silk_title": "Silhouette per k",
        "silk_y": "mean silhouette",
        "silk_caption": "The dotted line is the target {target}. {interval}",
        "silk_interval": "Small vertical bars: 95% confidence intervals of the sample.",
        "silk_null": "Thin dashed lines (×): the same algorithm's silhouette on structureless "
        "data (the same columns, each shuffled).",
        "legend_null": "{algorithm}: structureless data (columns shuffled)",
        "hopkins_lead": "Is there group structure to find? The Hopkins statistic compares the "
        "data with reference data: about 0.5 means like data without structure, "
        "near 1 means customers clump together.",
        "hopkins_space": "{algorithms} ({space}): Hopkins {permuted} against the same columns "
        "shuffled and {uniform} against uniform random points; {level}.",
        "hopkins_clustered": "a clear cluster tendency",
        "hopkins_weak": "a weak cluster tendency",
        "hopkins_random": "no cluster tendency, like data without structure",
        "hopkins_regular": "more evenly spread than random data, so no cluster tendency",
        "hopkins_unknown": "not measurable, as (nearly) every distance is zero",
        "hopkins_discrete": "only {distinct} distinct rows among {rows}, so Hopkins cannot tell "
        "groups from identical customers; compare the silhouette with its "
        "value on structureless data",
        "null_model": "Recommended model {algorithm} k = {k}: silhouette {observed}, while the "
        "same algorithm and k on structureless data (columns shuffled; mean of "
        "{runs} shuffles, {rows} rows) reach {null}; difference {excess}.",
        "null_reading": "Even structureless data reach {null}, so only the difference of {excess} "
        "comes from group structure in the data: the low silhouette reflects how "
        "little of it there is, not a failure of the method.",
        "reason_knee": "{algorithm}: k = {k}, because the knee k = {k} is within {tolerance} of "
        "the best silhouette ({best}).",
        "reason_best": "{algorithm}: k = {k}, the best silhouette ({best}); {knee}.",
        "reason_knee_lower": "the knee (k = {knee}) scores lower",
        "reason_no_knee": "there is no knee",
        "reason_size_waived": " No k keeps every segment above {min_share}, so the size rule was "
        "set aside.",
        "reason_recommended": "Recommended: {algorithm} with k = {k} (silhouette {silhouette}).",
        "sweep_table": "Full table of every k",
        "th_algorithm": "algorithm",
        "th_k": "k",
        "th_cost": "cost",
        "th_silhouette": "silhouette",
        "th_ci": "95% CI",
        "th_db": "Davies-Bouldin",
        "th_ch": "Calinski-Harabasz",
        "th_smallest": "smallest segment",
        "th_stability": "stability (ARI)",
        "th_note": "note",
        "note_knee": "knee",
        "note_chosen": "chosen",
        "note_recommended": "recommended",
        "model_title": "The chosen model",
        "model_lead": "{algorithm}, k = {k}: silhouette {silhouette}, measured on {space}; "
        "stability (ARI) {stability}.",
        "silsamples_title": "Silhouette per customer, {algorithm} k = {k}",
        "silsamples_x": "silhouette",
        "silsamples_y": "segment (customers sorted)",
        "silsamples_caption": "Each thin line is one customer. {negative} of customers are "
        "negative (closer to another segment). {rows} Dashed line: the mean "
        "from the sweep table.",
        "silsamples_all": "Computed for all {rows} customers.",
        "silsamples_sample": "Drawn for a random sample of {rows} of {total} customers (seed "
        "{seed}), each compared with every customer.",
        "map_title": "Customer map by segment (PCA)",
        "map_axis": "principal component {n} ({share} of variance)",
        "map_caption": "Two principal components of the matrix the clustering used; together they "
        "show {share} of all variance, so segments that overlap here may be apart "
        "in other dimensions. {rows}",
        "map_all": "All {rows} customers drawn.",
        "map_sample": "A random sample of {rows} of {total} customers drawn.",
        "map_jitter": " Many customers share the same point, so points are shifted slightly at "
        "random to be visible.",
        "profiles_title": "Segment profiles",
        "profile_heatmap_title": "Segment profile against all customers",
        "profile_colour": "effect size (Cohen's d / h)",
        "profile_caption": "Cell text: the median (numbers) or the share of customers at that "
        "level; on the left, the value for all customers. Colour: how strongly "
        "the segment differs from the other customers (teal higher, brown lower; "
        "0.2 small, 0.5 medium, 0.8 large). For each category the level that "
        "best tells the segments apart is shown.",
        "profile_row_numeric": "{label} (median{unit})\nall: {overall}",
        "profile_row_level": "{label}: {level}\nall: {overall}",
        "product_row": "{label}\nall: {overall}",
        "product_heatmap_title": "Product ownership per segment",
        "product_colour": "lift (against average)",
        "product_caption": "Cell text: the share of owners in the segment and the lift (×1.5 "
        "means 1.5 times the average of all customers). Colour: teal above "
        "average, brown below.",
        "sizes_table": "Segment sizes",
        "th_segment": "segment",
        "th_name": "name",
        "th_size": "customers",
        "th_share": "share",
        # offers
        "offers_title": "Offers and their validation",
        "offers_lead": "A product is offered to a segment only when all four hold: (1) fewer "
        "than 97% of the segment own it already; (2) its ownership among comparable "
        "customers is at least 1.2 times the average of all customers (lift); (3) at "
        "least 100 customers of the segment lack it; (4) on customers held out "
        "for testing, the segment owns it more often than the customers outside it, with the "
        "lower end of the difference's 95% interval above zero. Comparable customers are the "
        "segment itself or, for a product used to form the segments, customers alike in the "
        "other variables.",
        "offers_none": "No product passes every check.",
        "offers_all": "Every product per segment, with the decision",
        "th_product": "product",
        "th_basis": "compared with",
        "th_propensity": "owners among comparables",
        "th_rate": "owners in segment",
        "th_overall_rate": "all customers",
        "th_lift": "lift",
        "th_non_owners": "do not have it",
        "th_rank": "rank",
        "th_decision": "decision",
        "basis_segment": "this segment",
        "basis_alike": "look-alike customers",
        "decision_offered": "offered",
        "reason_saturated": "nearly all own it already",
        "reason_small_lift": "ownership not far enough above average",
        "reason_too_few_reachable": "too few lack it",
        "reason_not_confirmed_heldout": "not confirmed on held-out customers",
        "validation_title": "Technical appendix: the segmentation's AUC per product",
        "validation_lead": "The model is refitted on {train} of the data and tested on the rest: "
        "how well does the segmentation as a whole predict who owns the product "
        "among the test customers? An AUC of 0.5 is no better than chance, 1 "
        "is perfect. This number is about the whole segmentation and decides no "
        "offer; every offer is tested for its own segment (condition 4 above).",
        "th_used": "used to form segments",
        "th_auc": "AUC",
        "th_n_test": "test customers",
        "th_verdict": "verdict",
        "verdict_useful": "useful",
        "verdict_weak": "weak",
        "verdict_no better than chance": "no better than chance",
        "yes": "yes",
        "no": "no",
        # limitations
        "limitations_title": "Limitations",
        "lim_target_not_met": "The target silhouette {target} is not met. The best found is "
        "{best} ({algorithm}, k = {k}; {space}); the recommended model "
        "reaches {recommended}. {band}",
        "lim_target_met": "The target silhouette {target} is met ({recommended}; {space}).",
        "lim_target_met_shuffled": "The target silhouette {target} is met ({recommended}; "
        "{space}), but the same data with each column shuffled (no groups) reach {null} with the "
        "same algorithm and k, less than {margin} apart: meeting the target is no evidence of "
        "natural groups.",
        "band_none": "A silhouette below the target means the segments are a useful split for "
        "marketing, not natural groups.",
        "band_groups": "A silhouette this high means the segments are separate groups.",
        "band_null_none": "The same data with each column shuffled (no groups) reach {null} "
        "with the same algorithm and k, a difference of only {excess}: the segments are a "
        "useful split for campaigns, not natural groups, whatever the silhouette's value.",
        "band_null_groups": "The same data with each column shuffled reach {null}, a difference "
        "of {excess}: there is group structure beyond each column's spread, though the target "
        "is not met.",
        "lim_diagnostics": "Why: in the chosen model {below} of customers have a silhouette below "
        "the target {target}, {weak} below 0.25 (close to another segment's "
        "border) and {negative} below 0; the PCA map shows {pca} of the "
        "variance; and over every k from {k_min} to {k_max} with both "
        "algorithms the silhouette never exceeds {best}. With these features "
        "no k in that range reaches the target. Dropping features or changing "
        "scales is honest only if the segments stay stable and are more than a "
        "cross-tabulation of one or two columns: `segmentasi search` checks "
        "that.",
        "lim_imputed_group": "{column} is not recorded for the whole group {by} = {level} ({rows} "
        "customers); the clustering filled in {value}, so these customers "
        "are placed by an assumed value, not by data.",
        "lim_indicated": "{column} is not recorded for {rows} customers{where}; they are not "
        "given a guessed {label}: the clustering uses an extra column '{label} not "
        "recorded', which shapes the segments and counts in the silhouette, and "
        "their {label} column takes a neutral value, the recorded mean ({value}).",
        "lim_set_aside": "{column} is not recorded for {rows} customers{where}; they are not "
        "given a guessed {label} and are placed in none of this experiment's segments, so no "
        "segment is described by a {label} they do not have. The segments and silhouettes are "
        "computed on the other customers.",
        "lim_indicated_all": " (all of them with {by} {level})",
        "lim_indicated_most": " ({count} of them with {by} {level})",
        "lim_exact": "Silhouettes are exact, over all {rows} rows.",
        "lim_sampled": "Silhouettes are estimates from a random sample of {rows} of {total} rows; "
        "95% confidence interval of the chosen model: {low} to {high}.",
        "lim_stability": "Stability of the chosen model (ARI) {ari}: {verdict}.",
        "stability_high": "the segments barely change when refitted",
        "stability_mid": "the segments are similar when refitted, but their borders move",
        "stability_low": "the segments change noticeably when refitted on other samples; treat "
        "their borders as approximate",
        "stability_unknown": "not measured (too few rows)",
        "lim_circular": "The segments are formed from product ownership, so the ownership of "
        "those products within a segment (often 0% or 100%) follows from how the "
        "segments were formed and is not evidence of demand. Offers of those "
        "products therefore compare with customers alike in their other products, "
        "and are tested on held-out customers (see the offer validation).",
        # column roles
        "role_id": "ID",
        "role_numeric": "number",
        "role_ordinal": "ordered category",
        "role_nominal": "category",
        "role_product": "product (0/1)",
        "role_flag": "yes/no flag (0/1)",
        "role_index": "row number (ignored)",
        "role_derived_count": "derived count",
    },
}


def say(key: str, lang: str, **params: Any) -> str:
    """The text `key` in `lang`, filled with `params`."""
    return TEXT[lang][key].format(**params)
