"""The report speaks the schema's language (issue 17, item 4): raw names as they are, the space
actually clustered in, and no "target met" without the shuffled-data caveat when the same data
shuffled come that close; sentinel shares in the report; `targets` and `assign` defaulting to
the run's experiments for any schema."""

from __future__ import annotations

import html
import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import segmentasi
from segmentasi import decision, load_schema
from segmentasi.cli import summary_line
from segmentasi.report import render_report
from segmentasi.run_folder import _write_experiment
from segmentasi.sweep import SweepOptions
from segmentasi.text.decision import decision_words

from .conftest import DATA, cli_in_process, make_other_bank

OPTIONS = SweepOptions(ks=(2, 3), stability_runs=2, stability_rows=100)
PRODUCTS = """
[experiments.products]
features = ["has_card", "has_loan"]
metric = "manhattan"
"""


@pytest.fixture(scope="module")
def two_experiments(tmp_path_factory) -> Path:
    """tests/data/otherbank.toml (no labels, no descriptions) with a products experiment."""
    path = tmp_path_factory.mktemp("schema") / "otherbank2.toml"
    path.write_text((DATA / "otherbank.toml").read_text(encoding="utf-8") + PRODUCTS)
    return path


@pytest.fixture(scope="module")
def result(two_experiments):
    schema = load_schema(two_experiments)
    return segmentasi.run(make_other_bank(300), schema=schema, options=OPTIONS, workers=1)


@pytest.fixture(scope="module")
def pages(result) -> dict[str, str]:
    """The run's report in each language, as text (see text_of)."""
    return {lang: text_of(render_report(result, lang)) for lang in ("id", "en")}


def text_of(page: str) -> str:
    """A rendered report's visible text, one block per line."""
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", "", page, flags=re.S)
    page = re.sub(r"<(br|/p|/h\d|/li|/tr|/td|/th|/div|/caption|/summary)[^>]*>", "\n", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def sentences(text: str) -> list[str]:
    return [s for line in text.splitlines() for s in re.split(r"(?<=[.:])\s+(?=[A-Z])", line)]


# --- (3) a met target within the no-structure margin of shuffled data carries the caveat ------


def near_shuffled(result, silhouette: float = 0.956, null: float = 0.952):
    """The run with every recommended model's silhouette set to `silhouette` and its
    shuffled-data reference to `null`."""
    experiments = {}
    for name, exp in result.experiments.items():
        algorithm, k = exp.sweep.recommended
        table = exp.sweep.table.copy()
        table.loc[(table.algorithm == algorithm) & (table.k == k), "silhouette"] = silhouette
        nulls = exp.diagnostics.silhouettes.copy()
        at = (nulls.algorithm == algorithm) & (nulls.k == k)
        nulls.loc[at, ["silhouette", "null_silhouette"]] = [silhouette, null]
        nulls.loc[at, "excess"] = silhouette - null
        experiments[name] = replace(
            exp,
            sweep=replace(exp.sweep, table=table),
            diagnostics=replace(exp.diagnostics, silhouettes=nulls),
        )
    return replace(result, experiments=experiments, report_sections={})


def test_the_margin_is_the_one_that_denies_natural_groups():
    close = decision.Structure("a", "kmeans", 3, 10, silhouette=0.956, null_silhouette=0.952)
    apart = decision.Structure("b", "kmeans", 3, 10, silhouette=0.956, null_silhouette=0.80)
    unmeasured = decision.Structure(
        "c", "kmeans", 3, 10, silhouette=0.956, null_silhouette=float("nan")
    )
    assert close.target_met and close.met_near_shuffled and not close.natural_groups
    assert apart.target_met and not apart.met_near_shuffled and apart.natural_groups
    assert not unmeasured.met_near_shuffled
    # 0.03 apart: more than 0.01, still no natural groups, so still the caveat
    assert decision.near_shuffled(0.956, 0.926)
    assert not decision.near_shuffled(0.956, 0.956 - decision.NO_STRUCTURE_MARGIN)


@pytest.mark.parametrize(
    ("lang", "met", "caveat"),
    [("id", "tercapai", "diacak"), ("en", r"\bmet\b|\bmeets\b", "shuffled")],
)
def test_every_met_in_the_report_carries_the_caveat(result, lang, met, caveat):
    close = near_shuffled(result)
    said = [s for s in sentences(text_of(render_report(close, lang))) if re.search(met, s)]
    said = [s for s in said if not re.search(r"tidak tercapai|not met|NOT met", s)]
    assert said, "the report never states the target"
    for sentence in said:
        assert caveat in sentence, sentence
    # the decision page's own sentence
    target = decision_words(decision.plan(close), close, lang).target
    assert caveat in target.split(". ")[0] and re.search(met, target)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_met_target_far_from_shuffled_data_has_no_caveat(result, lang):
    apart = near_shuffled(result, silhouette=0.956, null=0.5)
    page = text_of(render_report(apart, lang))
    assert not re.search("tercapai, tetapi|met, but|is met \\(.*\\), but", page)
    target = decision_words(decision.plan(apart), apart, lang).target
    first = target.split(". ")[0]
    assert "diacak" not in first and "shuffled" not in first


def test_cli_summary_and_sweep_json_carry_the_caveat(result, tmp_path):
    close = near_shuffled(result)
    for name, exp in close.experiments.items():
        line = summary_line(name, exp)
        assert "met, but the same data shuffled reach 0.952" in line, line
        _write_experiment(exp, tmp_path / name)
        sweep = json.loads((tmp_path / name / "sweep.json").read_text())
        assert sweep["target_met"] is True
        assert sweep["null_silhouette"] == pytest.approx(0.952)
        assert "shuffled" in sweep["target_note"]
    apart = near_shuffled(result, null=0.5)
    for name, exp in apart.experiments.items():
        assert summary_line(name, exp).endswith("target 0.7 met.")
        _write_experiment(exp, tmp_path / f"{name}-apart")
        assert (
            json.loads((tmp_path / f"{name}-apart" / "sweep.json").read_text())["target_note"]
            is None
        )


# --- (2) the method text states the space actually used ------------------------------------


@pytest.mark.parametrize(
    ("lang", "flags", "standard"),
    [
        (
            "id",
            "penanda produk 0/1 apa adanya (jarak Manhattan = jumlah produk yang berbeda)",
            "fitur terstandar",
        ),
        (
            "en",
            "0/1 product flags as they are (Manhattan distance = number of differing products)",
            "standardised features",
        ),
    ],
)
def test_raw_flags_are_not_called_standardised(pages, lang, flags, standard):
    page = pages[lang]
    lines = page.splitlines()
    products = [s for s in lines if "'products'" in s and "K-Medoids:" in s]
    assert products and all(flags in s and standard not in s for s in products), products
    people = [s for s in lines if "'people'" in s and "K-Medoids:" in s]
    assert people and all("Gower" in s for s in people), people
    # the products experiment's own section: silhouette measured in that space
    assert page.count("0/1") >= 3


def test_space_kind_reads_the_fitted_encoders(result):
    from segmentasi.features import space_kind

    assert {space_kind(s) for s in result.experiments["products"].spaces.values()} == {
        "product_flags"
    }
    people = result.experiments["people"].spaces
    assert space_kind(people["kmeans"]) == "standard"
    assert space_kind(people["kmedoids"]) == "gower"


# --- (1) unlabelled columns and levels: raw names, as they are, in one language ----------------


@pytest.mark.parametrize("lang", ["id", "en"])
def test_raw_names_keep_their_case_and_no_empty_description(result, pages, lang):
    page = pages[lang]
    assert "()" not in page  # the experiments have no description: nothing, not "()"
    assert "Experiment 'products':\n" not in page and "Eksperimen 'products':\n" not in page
    for name in ("Age_years", "N_products", "Region", "Segment_tier", "Has_card", "Has_loan"):
        assert name not in page, name
    names = [n for e in result.experiments.values() for n in e.insights.names[lang].values()]
    assert any(n.startswith(("age_years", "region", "n_products")) for n in names), names


INDONESIAN_ONLY = """
[[columns]]
name = "cust_no"
role = "id"

[[columns]]
name = "region"
role = "nominal"
levels = ["north", "south", "east"]
label = "wilayah"
level_labels = ["utara", "selatan", "timur"]

[[columns]]
name = "age_years"
role = "numeric"
min = 18
max = 99
integer = true
label = "usia"
unit = "tahun"

[[columns]]
name = "segment_tier"
role = "ordinal"
levels = ["bronze", "silver", "gold"]

[[columns]]
name = "has_card"
role = "product"
label = "kartu kredit"

[[columns]]
name = "has_loan"
role = "product"

[[columns]]
name = "n_products"
role = "derived_count"
of = ["has_card", "has_loan"]

[experiments.people]
description = "Segmen demografis"
features = ["region", "age_years", "segment_tier"]
metric = "gower"
"""


def test_an_english_report_never_borrows_the_indonesian_labels(tmp_path):
    path = tmp_path / "idonly.toml"
    path.write_text('name = "idonly"\n' + INDONESIAN_ONLY)
    run = segmentasi.run(make_other_bank(300), schema=load_schema(path), options=OPTIONS, workers=1)
    english = text_of(render_report(run, "en"))
    bahasa = text_of(render_report(run, "id"))
    indonesian = ("wilayah", "utara", "selatan", "timur", "usia", "tahun", "kartu kredit")
    for word in indonesian:
        assert not re.search(rf"\b{word}\b", english), word
    assert "Segmen demografis" not in english
    for word in ("wilayah", "usia", "kartu kredit"):
        assert word in bahasa, word
    # in English the raw names stand in for the missing English labels, as they are
    assert "region" in english and "age_years" in english and "has_card" in english
    names = " ".join(run.experiments["people"].insights.names["en"].values())
    assert "Wilayah" not in names and "Usia" not in names


# --- gap: sentinel shares are shown, as a level of their own -----------------------------------

SENTINEL_TOML = """
name = "contacts"

[[columns]]
name = "cust_no"
role = "id"

[[columns]]
name = "age_years"
role = "numeric"
min = 18
max = 99
label = "usia"
label_en = "age"

[[columns]]
name = "pdays"
role = "numeric"
min = 0
max = 999
sentinels = [{ value = -1, meaning = "belum pernah dihubungi", meaning_en = "never contacted" }]

[[columns]]
name = "has_card"
role = "product"

[[columns]]
name = "has_loan"
role = "product"

[experiments.people]
features = ["age_years", "pdays"]
"""


@pytest.fixture(scope="module")
def contacted(tmp_path_factory):
    """Two groups: young customers never contacted (pdays = -1), older ones contacted."""
    path = tmp_path_factory.mktemp("sentinel") / "contacts.toml"
    path.write_text(SENTINEL_TOML)
    table = make_other_bank(300)[["cust_no", "age_years", "has_card", "has_loan"]].copy()
    young = table.age_years < 40
    table["pdays"] = (table.age_years * 3).where(~young, -1)
    return segmentasi.run(table, schema=load_schema(path), options=OPTIONS, workers=1)


@pytest.mark.parametrize(
    ("lang", "meaning"), [("id", "belum pernah dihubungi"), ("en", "never contacted")]
)
def test_sentinel_shares_are_a_level_of_their_own(contacted, monkeypatch, lang, meaning):
    from segmentasi.report import build

    drawn = []
    real = build.heatmap_table

    def capture(id, title, texts, columns, rows, cells, *args, **kwargs):
        drawn.append((rows, cells))
        return real(id, title, texts, columns, rows, cells, *args, **kwargs)

    monkeypatch.setattr(build, "heatmap_table", capture)
    render_report(contacted, lang)
    exp = contacted.experiments["people"]
    numeric = exp.profile.numeric.set_index(["segment", "column"])
    pdays = numeric.xs("pdays", level="column")
    shares = pdays.sentinel_share
    from segmentasi.text.numbers import pct

    rows = [
        (row, cells)
        for rows, all_cells in drawn
        for row, cells in zip(rows, all_cells, strict=True)
        if row.startswith(f"pdays: {meaning}")
    ]
    assert rows, [r for rows, _ in drawn for r in rows]
    row, cells = rows[0]
    assert cells == [pct(shares.loc[n], lang) for n in sorted(shares.index)]
    assert pct(pdays.overall_sentinel_share.iloc[0], lang) in row
    # the narratives give the share beside the numbers wherever pdays sets a segment apart
    texts = " ".join(exp.insights.narratives[lang].values())
    assert f"{meaning}: {pct(shares.max(), lang)}" in texts, texts


# --- gap: targets and assign default to the run's experiments for any schema -----------------


def test_targets_and_assign_default_to_the_schemas_own_experiments(tmp_path):
    """No 'demografi' in this schema: `targets` and `assign` pick 'people', the experiment that
    clusters on no product, without --experiment, though a product experiment comes first in
    the schema's order and in the alphabet."""
    schema = tmp_path / "products_first.toml"
    text = (DATA / "otherbank.toml").read_text(encoding="utf-8")
    first = PRODUCTS.replace("[experiments.products]", "[experiments.aa_products]")
    schema.write_text(text.replace("[experiments.people]", first + "\n[experiments.people]"))
    assert list(load_schema(schema).experiments) == ["aa_products", "people"]
    table = tmp_path / "customers.csv"
    make_other_bank(300).to_csv(table, index=False)
    run_dir = tmp_path / "run"
    done = cli_in_process("run", table, "--schema", schema, "--out", run_dir, "--k-max", "3")
    assert done.returncode == 0, done.stderr
    calls = tmp_path / "calls.csv"
    done = cli_in_process(
        "targets", run_dir, "--segment", "1", "--product", "has_loan", "-o", calls
    )
    assert done.returncode == 0, done.stderr
    assert "of 'people'" in done.stdout
    listed = pd.read_csv(calls)
    segments = pd.read_csv(run_dir / "segments.csv")
    assert set(listed.cust_no) <= set(segments.cust_no[segments.segment_people == 1])
    placed = tmp_path / "placed.csv"
    done = cli_in_process("assign", run_dir, table, "--out", placed)
    assert done.returncode == 0, done.stderr
    assigned = pd.read_csv(placed)
    by_id = segments.set_index("cust_no").segment_people
    np.testing.assert_array_equal(assigned.set_index("cust_no").loc[by_id.index, "segment"], by_id)


def test_a_label_that_is_the_column_name_keeps_its_case():
    """`schema infer` writes label = "pdays" for pdays: a segment name starting with it reads
    "pdays 297–519", as the raw name, not "Pdays 297–519"; a real label is capitalised."""
    from segmentasi.schema import Column
    from segmentasi.text import capitalised

    pdays = Column("pdays", "numeric", label="pdays", label_en="pdays")
    age = Column("Customer_Age", "numeric", label="customer age", label_en="customer age")
    month = Column("month", "nominal", levels=("jan", "may"), label="bulan")
    assert capitalised("pdays 297–519", pdays.raw_names("id")) == "pdays 297–519"
    assert capitalised("customer age 25–46", age.raw_names("en")) == "Customer age 25–46"
    assert month.raw_names("id") == ["jan", "may"] and month.raw_names("en") == [
        "month",
        "jan",
        "may",
    ]
    assert capitalised("may, higher pdays", month.raw_names("en")) == "may, higher pdays"
    assert capitalised("mayor", ["may"]) == "Mayor"
