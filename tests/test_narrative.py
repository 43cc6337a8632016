"""Segment names and narratives: true to the tables, in both languages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from segmentasi import SweepOptions, recommend, run, synthesize
from segmentasi.narrative import Insights, Narrator, build_insights
from segmentasi.profile import distinguishing, profile
from segmentasi.recommend import HELDOUT_COLUMNS, VALIDATION_COLUMNS, offers
from segmentasi.schema import Schema
from segmentasi.text.narrative import TEXT
from segmentasi.text.numbers import pct
from segmentasi.validation import validate

# A number as the narratives write it (text.numbers): thousands grouped, the language's decimal
# mark, an optional "<" / ">" (a share that is not 0 or 1 but rounds to it), "Rp" and a
# scale word for money, "%" for a share.
MARKS = {"id": (".", ","), "en": (",", ".")}  # (thousands, decimal)
SCALES = {
    "id": {"ribu": 1e3, "juta": 1e6, "miliar": 1e9, "triliun": 1e12},
    "en": {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12},
}


def number_pattern(lang: str) -> re.Pattern[str]:
    group, decimal = (re.escape(mark) for mark in MARKS[lang])
    scales = "|".join(SCALES[lang])
    return re.compile(
        rf"(?P<bound>[<>])?(?P<money>Rp)?(?P<int>\d{{1,3}}(?:{group}\d{{3}})+|\d+)"
        rf"(?:{decimal}(?P<frac>\d+))?(?P<pct>%)?(?: (?P<scale>{scales})\b)?"
    )


@dataclass(frozen=True)
class Stated:
    """A number a text states, read back: the interval of values that round to it."""

    text: str
    low: float
    high: float
    share: bool  # a percentage: compared with the tables' shares (0..1)
    money: bool

    def fits(self, values: np.ndarray) -> bool:
        """Some value of the sorted array lies in the interval (with float slack)."""
        slack = 1e-9 * max(1.0, abs(self.high))
        at = np.searchsorted(values, self.low - slack)
        return bool(at < len(values) and values[at] <= self.high + slack)


def stated_numbers(text: str, schema: Schema, lang: str) -> list[Stated]:
    """Every number in a text, read in the language's format, after removing level names and
    labels that contain digits. A percentage with other than one decimal is unreadable (an
    empty interval): the one precision rule of text.numbers.pct."""
    words = [level for col in schema.columns for level in col.levels]
    words += [col.display(lang) for col in schema.columns for lang in ("id", "en")]
    words += [TEXT[lang]["range_note"] for lang in TEXT]  # "5–95% range; ": what a range is
    for word in sorted(words, key=len, reverse=True):
        text = text.replace(word, " ")
    found = []
    group, _ = MARKS[lang]
    for m in number_pattern(lang).finditer(text):
        frac = m["frac"] or ""
        value = float(m["int"].replace(group, "") + "." + (frac or "0"))
        half = 0.5 * 10.0 ** -len(frac)
        low, high = value - half, value + half
        if m["bound"] == "<":
            low, high = 0.0, value
        elif m["bound"] == ">":
            low, high = value, 100.0
        scale = SCALES[lang].get(m["scale"], 1.0) if m["scale"] else 1.0
        if m["pct"]:
            low, high = low / 100, high / 100
            if len(frac) != 1:
                low, high = 1.0, 0.0  # fits nothing
        found.append(Stated(m[0], low * scale, high * scale, bool(m["pct"]), bool(m["money"])))
    return found


def table_values(tables: list[pd.DataFrame], schema: Schema) -> dict[str, np.ndarray]:
    """Every number in the tables, sorted: as they are ("plain"), and as amounts of money in the
    currency (a money column's value times its currency_unit)."""
    values = []
    for table in tables:
        for column in table.columns:
            if table[column].dtype == bool:
                continue
            numbers = pd.to_numeric(table[column], errors="coerce").dropna()
            values.append(numbers.to_numpy(dtype=float))
    plain = np.unique(np.concatenate(values))
    # differences of shares in percentage points, and the evidence rule's thresholds
    # (recommend), which a reason may state
    thresholds = [recommend.MIN_LIFT, recommend.MIN_REACHABLE]
    plain = np.unique(np.concatenate([plain, np.abs(100 * plain), thresholds]))
    units = {col.currency_unit for col in schema.columns if col.is_money} or {1.0}
    money = np.unique(np.concatenate([plain * unit for unit in units]))
    return {"plain": plain, "money": money}


def insight_tables(result_profile, insights: Insights) -> list[pd.DataFrame]:
    return [
        *result_profile.tables().values(),
        insights.distinguishing,
        insights.offers,
        insights.offer_validation,
    ]


def unknown_numbers(text: str, schema: Schema, lang: str, known: dict[str, np.ndarray]):
    return [
        n.text
        for n in stated_numbers(text, schema, lang)
        if not n.fits(known["money" if n.money else "plain"])
    ]


def assert_every_number_is_in_the_tables(schema, prof, insights: Insights) -> None:
    known = table_values(insight_tables(prof, insights), schema)
    for lang in ("id", "en"):
        for kind in ("names", "narratives"):
            for segment, text in getattr(insights, kind)[lang].items():
                unknown = unknown_numbers(text, schema, lang, known)
                assert not unknown, f"{lang} {kind} {segment}: {unknown} not in tables: {text}"


def test_numbers_are_read_back_in_each_language(schema):
    read = {
        lang: stated_numbers(text, schema, lang)
        for lang, text in (
            ("id", "28.129 nasabah, 62,3%, Rp324 juta, >99,9%, 1,05"),
            ("en", "28,129 customers, 62.3%, Rp324 million, >99.9%, 1.05"),
        )
    }
    for numbers in read.values():
        bounds = [bound for n in numbers for bound in (n.low, n.high)]
        assert bounds == pytest.approx(
            [28128.5, 28129.5, 0.6225, 0.6235, 323.5e6, 324.5e6, 0.999, 1.0, 1.045, 1.055]
        )
        assert [n.money for n in numbers] == [False, False, True, False, False]


@pytest.fixture(scope="module")
def synthetic_run(schema):
    table = synthesize(schema, rows=1500, seed=3)
    return run(table, schema=schema, options=SweepOptions(ks=(2, 3, 4), stability_runs=0))


def test_every_number_in_names_and_narratives_is_in_the_tables(synthetic_run):
    for exp in synthetic_run.experiments.values():
        assert_every_number_is_in_the_tables(synthetic_run.schema, exp.profile, exp.insights)


def test_the_number_check_catches_an_invented_number(synthetic_run):
    exp = synthetic_run.experiments["demografi"]
    known = table_values(insight_tables(exp.profile, exp.insights), synthetic_run.schema)
    for lang, invented in (
        ("en", " Ages 17–99 own 12.34% more."),
        ("en", " They hold Rp987 trillion."),
        ("id", " Mereka menyimpan Rp987 triliun."),
        ("id", " 12,34% lebih banyak."),
        ("id", " 7.654.321 nasabah."),
    ):
        text = exp.insights.narratives[lang][1] + invented
        assert unknown_numbers(text, synthetic_run.schema, lang, known), invented


def test_both_languages_name_every_segment_distinctly(synthetic_run):
    for exp in synthetic_run.experiments.values():
        segments = set(exp.profile.segments.segment)
        for lang in ("id", "en"):
            names = exp.insights.names[lang]
            assert set(names) == segments == set(exp.insights.narratives[lang])
            assert len(set(names.values())) == len(names)
        assert exp.insights.names["id"] != exp.insights.names["en"]
        first = exp.insights.narratives
        assert first["id"][1].startswith("Segmen 1:") and first["en"][1].startswith("Segment 1:")


def test_product_groups_are_named_by_their_products(synthetic_run, schema):
    insights = synthetic_run.experiments["produk"].insights
    labels = [c.short("en") for c in schema.products]
    for segment, name in insights.names["en"].items():
        fallback = name == f"Segment {segment} (no stand-out trait)"
        assert fallback or any(label in name for label in labels), name


@pytest.fixture()
def designed(other_schema):
    """Segment 1: ages 20-29, all with a card, 90% north; segment 2: ages 50-59, no card,
    90% south."""
    ages = np.r_[np.repeat(np.arange(20, 30), 10), np.repeat(np.arange(50, 60), 10)]
    card = np.r_[np.ones(100), np.zeros(100)].astype(int)
    loan = np.tile([1, 0], 100)
    region = ["north"] * 90 + ["south"] * 10 + ["north"] * 10 + ["south"] * 90
    frame = pd.DataFrame(
        {
            "cust_no": [f"C{i}" for i in range(200)],
            "region": region,
            "age_years": ages,
            "segment_tier": "gold",
            "has_card": card,
            "has_loan": loan,
            "n_products": card + loan,
        }
    )
    table = validate(frame, other_schema)[0]
    return table, np.r_[np.zeros(100), np.ones(100)].astype(int)


def narrator(table, labels, schema, features, lang, verdict="weak") -> Narrator:
    prof = profile(table, labels, schema)
    products = [c.name for c in schema.products]
    validation = pd.DataFrame(
        {
            "product": products,
            "auc": 0.55,
            "ci_low": 0.51,
            "ci_high": 0.59,
            "n_test": 60,
            "verdict": verdict,
            "used_in_clustering": False,
            "basis": "segment",
        }
    )[VALIDATION_COLUMNS]
    confirmed = 0.05 if verdict == "useful" else -0.01  # the held-out interval's lower end
    heldout = pd.DataFrame(
        [
            {
                "segment": int(s),
                "product": name,
                "heldout_customers": 30,
                "heldout_rate": 0.6,
                "heldout_rest_rate": 0.4,
                "heldout_lift": 1.5,
                "heldout_difference": 0.2,
                "heldout_difference_low": confirmed,
                "heldout_difference_high": 0.35,
            }
            for s in np.unique(labels) + 1
            for name in products
        ],
        columns=HELDOUT_COLUMNS,
    )
    return Narrator(
        schema,
        features,
        prof,
        distinguishing(table, labels, schema, features),
        offers(table, labels, schema, heldout=heldout),
        validation,
        lang,
    )


def test_names_are_built_from_the_strongest_traits(designed, other_schema):
    table, labels = designed
    english = narrator(table, labels, other_schema, ["age_years", "region"], "en")
    # clustering variables first (age, region 90% against 50%), then the card; adding it
    # ("..., has has_card") would pass 40 characters
    assert english.names([1, 2]) == {
        1: "age_years 20–29, region north",
        2: "age_years 50–59, region south",
    }
    assert [t["column"] for t in english.name_candidates(1)][:3] == [
        "age_years",
        "region",
        "has_card",
    ]
    bahasa = narrator(table, labels, other_schema, ["age_years", "region"], "id")
    assert bahasa.names([1, 2])[2] == "age_years 50–59, region south"


def test_a_narrator_in_another_language_writes_the_same_traits_in_its_words(designed, other_schema):
    table, labels = designed
    bahasa = narrator(table, labels, other_schema, ["age_years", "region"], "id")
    english = bahasa.in_language("en")
    assert english.traits(2) is bahasa.traits(2)  # found once, for both
    assert english.names([1, 2]) == narrator(
        table, labels, other_schema, ["age_years", "region"], "en"
    ).names([1, 2])
    assert bahasa.names([1, 2])[2] == "age_years 50–59, region south"


def test_narrative_states_the_profile_and_the_offer(designed, other_schema):
    table, labels = designed
    text = narrator(table, labels, other_schema, ["age_years", "region"], "en").narrative(1)
    assert text.startswith(
        "Segment 1: 100 customers (50.0% of all customers). What forms this "
        "segment: age_years 20–29 (5–95% range; median 24; all customers 40);"
    )
    assert "region north more common: 90.0% (all customers 50.0%)" in text
    assert (
        "Beyond the clustering variables, what sets it apart most: has_card owned by 100.0% "
        "(all customers 50.0%)" in text
    )
    # has_loan is 50% everywhere: the closest candidate, honestly not offered
    assert text.endswith(
        "Closest candidate: has_loan. 50.0% of this segment own it (all "
        "customers 50.0%, lift 1.00); a lift below the 1.20 a meaningful offer needs, so a "
        "lookalike offer is not supported."
    )


def test_an_offer_supported_by_the_data_is_stated_with_its_check(
    other_schema, designed, monkeypatch
):
    monkeypatch.setattr(recommend, "MIN_REACHABLE", 10)  # 30 lack it in this small table
    table, labels = designed
    table = table.copy()
    table["has_loan"] = np.r_[np.ones(70), np.zeros(130)]
    text = narrator(
        table, labels, other_schema, ["age_years", "region"], "id", verdict="useful"
    ).narrative(1)
    assert text.endswith(
        "Penawaran berikutnya: has_loan. 70,0% nasabah segmen ini memilikinya "
        "(semua nasabah 35,0%, lift 2,00); 30 nasabah segmen ini belum "
        "memilikinya. Terkonfirmasi pada nasabah yang disisihkan untuk uji: dari 30 nasabah "
        "uji di segmen ini 60,0% memilikinya, nasabah uji lainnya 40,0% (selisih +20 poin "
        "persentase, interval 95% +5 sampai +35)."
    )


def test_a_segment_without_recorded_ages_says_so(schema):
    table = validate(synthesize(schema, rows=1500, seed=3), schema)[0]
    widowed = (table["Status_Perkawinan"] == "Janda/Duda").to_numpy().astype(int)
    assert table.loc[widowed == 1, "Usia"].isna().all()  # as in the real table
    features = schema.experiment("demografi").features
    for lang, phrase in (("id", "usia tidak tercatat"), ("en", "age not recorded")):
        writer = narrator(table, widowed, schema, features, lang)
        assert phrase in writer.names([1, 2])[2]
        text = writer.narrative(2)
        missing = pct(1.0, lang)
        assert (
            f"usia sebagian besar tidak tercatat: kosong untuk {missing}" in text
            or f"age mostly not recorded: missing for {missing}" in text
        )
        assert not re.search(r"(usia|age) \d", text)  # no invented age range


def real_insights(path, schema, name: str, fit_model):
    from segmentasi import files
    from segmentasi.features import FeatureSpace

    table = validate(files.read_table(path), schema)[0]
    experiment = schema.experiment(name)
    space = FeatureSpace(schema, experiment).fit(table)
    fit = fit_model(space.transform(table))
    prof = profile(table, fit.labels, schema)
    return prof, build_insights(table, schema, experiment, prof, fit, space, seed=0)


def test_real_table_demographic_insights_are_true_to_the_tables(real_table_path, schema):
    from segmentasi.algorithms import fit_kmeans

    prof, insights = real_insights(
        real_table_path, schema, "demografi", lambda X: fit_kmeans(X, 2, seed=0, n_init=3)
    )
    assert_every_number_is_in_the_tables(schema, prof, insights)
    validation = insights.offer_validation.set_index("product")
    assert validation.loc["Produk_Tabungan", "verdict"] == "useful"
    older = int(prof.numeric.query("column == 'Usia'").sort_values("median").segment.iloc[-1])
    # 92.6% of all customers have savings: never a name
    assert "tabungan" not in insights.names["id"][older]
    assert "savings" not in insights.names["en"][older]
    assert insights.names["en"][older].startswith("Age ")
    assert_names_rest_on_distinguishing_traits(schema, prof, insights)


def test_real_table_product_group_insights_are_true_to_the_tables(real_table_path, schema):
    from segmentasi.algorithms import fit_kmedoids

    prof, insights = real_insights(
        real_table_path, schema, "produk", lambda X: fit_kmedoids(X, 8, metric="manhattan", seed=0)
    )
    assert_every_number_is_in_the_tables(schema, prof, insights)
    assert_names_rest_on_distinguishing_traits(schema, prof, insights)
    validation = insights.offer_validation
    assert validation.used_in_clustering.all() and (validation.auc < 0.7).all()
    useful = set(validation[validation.verdict == "useful"]["product"])
    assert set(insights.offers[insights.offers.offered]["product"]) <= useful


def test_segments_that_would_share_a_name_get_their_number(other_schema):
    card = np.r_[np.zeros(100), np.ones(100)].astype(int)
    frame = pd.DataFrame(
        {
            "cust_no": [f"C{i}" for i in range(200)],
            "region": "north",
            "age_years": 40,
            "segment_tier": "gold",
            "has_card": card,
            "has_loan": 0,
            "n_products": card,
        }
    )
    labels = np.r_[np.zeros(100), np.ones(50), np.full(50, 2)].astype(int)
    writer = narrator(validate(frame, other_schema)[0], labels, other_schema, ["region"], "en")
    # segment 1's count is 0 against a constant 1: no spread, so no standardised difference
    assert writer.names([1, 2, 3]) == {
        1: "n_products 0, no has_card",
        2: "n_products 1, has has_card (segment 2)",
        3: "n_products 1, has has_card (segment 3)",
    }


def assert_names_rest_on_distinguishing_traits(schema, prof, insights: Insights) -> None:
    """Every name at most 40 characters, unique in its language, and every trait it names
    distinguishing by the rule, checked on the profile tables themselves."""
    for lang in ("id", "en"):
        names = insights.names[lang]
        assert all(len(name) <= 40 for name in names.values()), names
        assert len(set(names.values())) == len(names), names
        raw = [lv for c in schema.columns for lv in c.levels if c.level_text(lv, "en") != lv]
        if lang == "en":
            assert not [lv for lv in raw for name in names.values() if lv in name], names
    traits = insights.name_traits
    assert len(traits), "no name rests on a trait"
    numeric = prof.numeric.set_index(["segment", "column"])
    categories = prof.categories.set_index(["segment", "column", "level"])
    products = prof.products.set_index(["segment", "product"])
    for t in traits.itertuples():
        if t.kind == "category":
            row = categories.loc[(t.segment, t.column, t.level)]
            assert row.share >= 0.5 and row.share >= 1.5 * row.overall_share, t
        elif t.kind == "product":
            row = products.loc[(t.segment, t.column)]
            if t.direction > 0:
                assert row.rate >= 0.9 and row.overall_rate <= 0.7, t
            else:
                assert row.rate <= 0.1 and row.overall_rate >= 0.3, t
        elif t.kind == "numeric":
            row = numeric.loc[(t.segment, t.column)]
            assert row.missing_share <= 0.1, t
            smd = (row["median"] - row.overall_median) / row.overall_sd
            assert abs(smd) >= 0.5 and np.sign(smd) == t.direction, t
        else:
            row = numeric.loc[(t.segment, t.column)]
            assert t.kind == "missing" and row.missing_share >= 0.5, t
    named = set(zip(traits.lang, traits.segment, strict=True))
    for lang in ("id", "en"):
        for segment, name in insights.names[lang].items():
            if (lang, segment) not in named:
                assert "(" in name and str(segment) in name, name  # the neutral fallback


def test_names_are_short_unique_and_rest_on_distinguishing_traits(synthetic_run):
    for exp in synthetic_run.experiments.values():
        assert_names_rest_on_distinguishing_traits(synthetic_run.schema, exp.profile, exp.insights)
