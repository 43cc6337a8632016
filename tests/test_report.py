"""The HTML report's structure, on a small synthetic run: sections, images, numbers, colours."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import html as htmlmod
import io
import re
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pytest
from matplotlib import font_manager
from PIL import Image
from sklearn.decomposition import PCA
from sklearn.metrics import silhouette_samples

import segmentasi
from segmentasi import decision
from segmentasi.errors import InputError
from segmentasi.profile import combinations, segment_numbers
from segmentasi.report import plots, render_report
from segmentasi.report.plots import FONT, PALETTE, segment_color
from segmentasi.schema import schema_from_dict
from segmentasi.text.decision import decision_words
from segmentasi.text.numbers import num, pct, ratio, score
from segmentasi.text.report import ALGORITHMS

from .conftest import REPORT_CREATED as CREATED
from .conftest import make_other_bank

SECTIONS = ("decision", "summary", "appendix", "quality", "method", "limitations")
PER_EXPERIMENT = ("exp", "k", "model", "profiles", "offers")
CHARTS = ("sizes", "elbow", "silhouette-k", "silhouette-samples", "map")
# Heatmaps are tables (build.Heatmap), not images.
HEATMAPS = ("profile-heatmap", "product-heatmap")
# Charts of the whole run, and of experiments clustering 0/1 flags with few combinations.
RUN_CHARTS = ("actions-chart", "portfolio-produk")
RUN_HEATMAPS = ("crosswalk",)
HEADINGS = {
    "id": (
        "Keputusan: apa yang dilakukan",
        "Segmen nasabah",
        "Lampiran teknis",
        "Kualitas data",
        "Metode",
        "Keterbatasan",
        "Memilih jumlah segmen",
        "Model terpilih",
        "Profil segmen",
        "Penawaran dan validasinya",
    ),
    "en": (
        "Decision: what to do",
        "Customer segments",
        "Technical appendix",
        "Data quality",
        "Method",
        "Limitations",
        "Choosing the number of segments",
        "The chosen model",
        "Segment profiles",
        "Offers and their validation",
    ),
}

NULL_LEGEND = {
    "id": "{}: data tanpa struktur (kolom diacak)",
    "en": "{}: structureless data (columns shuffled)",
}
# The wording of each Hopkins level as the report renders it.
HOPKINS_LEVELS = {
    "id": {
        "clustered": "kecenderungan berkelompok yang jelas",
        "weak": "kecenderungan berkelompok yang lemah",
        "random": "tidak ada kecenderungan berkelompok, seperti data tanpa struktur",
        "regular": "lebih merata daripada data acak",
        "unknown": "tidak dapat diukur",
        "discrete": "hanya {distinct} baris berbeda di antara {rows}",
    },
    "en": {
        "clustered": "a clear cluster tendency",
        "weak": "a weak cluster tendency",
        "random": "no cluster tendency, like data without structure",
        "regular": "more evenly spread than random data",
        "unknown": "not measurable",
        "discrete": "only {distinct} distinct rows among {rows}",
    },
}


class Element:
    def __init__(self, tag: str, attrs: dict[str, str]) -> None:
        self.tag, self.attrs, self.children, self.parts = tag, attrs, [], []

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.parts + [c.text for c in self.children]).split())

    def iter(self):
        yield self
        for child in self.children:
            yield from child.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.iter()
            if (tag is None or e.tag == tag)
            and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]


class Page(HTMLParser):
    """A minimal DOM of the report, enough to find elements and read their text."""

    VOID = frozenset({"meta", "img", "br", "hr", "link", "input"})

    def __init__(self, html: str) -> None:
        super().__init__()
        self.root = Element("document", {})
        self.stack = [self.root]
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        element = Element(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(element)
        if tag not in self.VOID:
            self.stack.append(element)

    def handle_endtag(self, tag):
        while len(self.stack) > 1:
            if self.stack.pop().tag == tag:
                break

    def handle_data(self, data):
        self.stack[-1].parts.append(data)


@pytest.fixture(scope="module")
def result(synthetic_run) -> segmentasi.RunResult:
    return synthetic_run


@pytest.fixture(scope="module")
def html(synthetic_report) -> dict[str, str]:
    return synthetic_report


@pytest.fixture(scope="module")
def pages(html) -> dict[str, Element]:
    return {lang: Page(text).root for lang, text in html.items()}


def charts(page: Element) -> list[Element]:
    """The figures that are images (the others are heatmaps, written as tables)."""
    return [f for f in page.find_all("figure") if "heatmap" not in f.attrs["class"].split()]


def decoded_images(page: Element) -> dict[str, Image.Image]:
    """Every chart by its figure id, decoded from its data URI."""
    images = {}
    for figure in charts(page):
        (img,) = figure.find_all("img")
        prefix, payload = img.attrs["src"].split(",", 1)
        assert prefix == "data:image/png;base64"
        images[figure.attrs["id"]] = Image.open(io.BytesIO(base64.b64decode(payload)))
    return images


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_section_and_chart_is_present_in_both_languages(result, pages, lang):
    page = pages[lang]
    ids = {e.attrs["id"] for e in page.iter() if "id" in e.attrs}
    expected = set(SECTIONS) | set(RUN_CHARTS) | set(RUN_HEATMAPS)
    for name in result.experiments:
        expected |= {f"{part}-{name}" for part in PER_EXPERIMENT + CHARTS + HEATMAPS}
    assert expected <= ids
    assert "portfolio-demografi" not in ids  # demographics are no 0/1 flags
    headings = {h.text for h in page.iter() if h.tag in ("h2", "h3", "h4")}
    assert set(HEADINGS[lang]) <= headings
    assert page.find_all("html")[0].attrs["lang"] == lang


def test_the_two_languages_differ_only_in_words(html, pages):
    assert html["id"] != html["en"]
    shape = {lang: [e.tag for e in page.iter()] for lang, page in pages.items()}
    assert shape["id"] == shape["en"]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_images_are_embedded_pngs_that_decode(result, pages, lang):
    images = decoded_images(pages[lang])
    assert len(images) == len(CHARTS) * len(result.experiments) + len(RUN_CHARTS)
    for chart_id, image in images.items():
        image.load()
        assert image.format == "PNG", chart_id
        assert image.width >= 400 and image.height >= 150, chart_id  # one action: one bar
    for figure in charts(pages[lang]):
        (img,) = figure.find_all("img")
        image = images[figure.attrs["id"]]
        assert (int(img.attrs["width"]), int(img.attrs["height"])) == image.size
        # shown no narrower than where its smallest text is 11 CSS px
        smallest = float(img.attrs["data-min-font-px"])
        assert 8 <= smallest <= 30
        (min_width,) = re.fullmatch(r"min-width: (\d+)px", img.attrs["style"]).groups()
        assert int(min_width) * smallest / image.width >= 11 - 1e-9


def segment_numbers_in(element: Element) -> list[int]:
    return [int(e.attrs["data-segment"]) for e in element.iter() if "data-segment" in e.attrs]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_heatmaps_are_tables_coloured_by_the_value_of_each_cell(result, pages, lang):
    figures = {
        f.attrs["id"]: f
        for f in pages[lang].find_all("figure")
        if "heatmap" in f.attrs["class"].split()
    }
    expected = {f"{part}-{name}" for part in HEATMAPS for name in result.experiments}
    assert set(figures) == expected | set(RUN_HEATMAPS)
    style = re.compile(r"background: (#[0-9a-f]{6}); color: (#000000|#ffffff)")
    for figure_id, figure in figures.items():
        (table,) = figure.find_all("table")
        assert table.find_all("caption")[0].text
        (head,) = table.find_all("thead")
        columns = segment_numbers_in(head)
        body = table.find_all("tbody")[0].find_all("tr")
        assert body and columns
        for row in body:
            cells = row.find_all("td")
            assert len(row.find_all("th")) == 1 and len(cells) == len(columns), figure_id
            for cell in cells:
                background, ink = style.fullmatch(cell.attrs["style"]).groups()
                assert ink == plots._text_colour_on(background)
        legend = figure.find_all(class_="heat-ticks")[0].find_all("span")
        assert len(legend) >= 3 and all(e.text for e in legend)
    decided = decision.plan(result)
    crosswalk = figures["crosswalk"]
    rows = crosswalk.find_all("tbody")[0].find_all("tr")
    assert segment_numbers_in(crosswalk.find_all("thead")[0]) == sorted(
        result.experiments[decided.other].profile.segments.segment
    )
    assert [segment_numbers_in(r.find_all("th")[0]) for r in rows] == [
        [n] for n in sorted(result.experiments[decided.targeting].profile.segments.segment)
    ]
    for name, exp in result.experiments.items():
        products = exp.profile.products
        if products.empty:
            continue
        numbers = sorted(exp.profile.segments.segment)
        figure = figures[f"product-heatmap-{name}"]
        assert segment_numbers_in(figure.find_all("thead")[0]) == numbers
        lifts = products.pivot(index="product", columns="segment", values="lift")
        lifts = lifts.loc[list(dict.fromkeys(products["product"])), numbers].to_numpy(float)
        colours, _ = plots.heat_colours(lifts, limit=2.0, log=True)
        drawn = [
            [style.fullmatch(c.attrs["style"]).group(1) for c in r.find_all("td")]
            for r in figure.find_all("tbody")[0].find_all("tr")
        ]
        assert drawn == colours


def test_heatmap_colours_are_the_drawn_heatmap_s_scale():
    ends = [plots.DIVERGING(0.0), plots.DIVERGING(0.5), plots.DIVERGING(1.0)]
    expected = [matplotlib.colors.to_hex(c) for c in ends] + ["#ffffff"]
    assert (expected[0], expected[2]) == ("#8c510a", "#01665e")  # brown below, teal above
    values = np.array([[-5.0, 0.0, 1.2, np.nan]])  # clipped at the limit; empty is white
    assert plots.heat_colours(values, limit=1.2)[0] == [expected]
    ratios = np.array([[0.1, 1.0, 4.0, np.nan]])  # a lift of x0.1 is as low as x0.25 shows
    assert plots.heat_colours(ratios, limit=2.0, log=True)[0] == [expected]
    assert plots.heat_colours(values, limit=1.2)[1] == [
        ["#ffffff", "#000000", "#ffffff", "#000000"]
    ]
    legend = plots.heat_legend(limit=2.0, log=True, lang="id")
    assert [label for label, _ in legend] == ["×0,25", "×0,5", "×1", "×2", "×4"]
    assert [colour for _, colour in legend][::2] == expected[:3]
    assert [label for label, _ in plots.heat_legend(limit=1.2, lang="en")] == [
        "-1.2", "-0.6", "0", "0.6", "1.2"
    ]  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
def test_nothing_is_loaded_from_outside_the_file(html, lang):
    text = html[lang]
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert "url(" not in text
    assert "<link" not in text and "@import" not in text
    # one inline script (printing opens the collapsed sections), loading nothing
    assert re.findall(r"<script[^>]*>", text) == ["<script>"]
    script = text.split("<script>")[1].split("</script>")[0]
    assert not re.search(r"fetch|XMLHttpRequest|import|src|https?:", script)


def test_summary_cards_show_the_profile_table_of_the_recommended_model(result, pages):
    for lang, page in pages.items():
        for name, exp in result.experiments.items():
            (summary,) = page.find_all(id=f"summary-{name}")
            cards = summary.find_all("article")
            sizes = exp.profile.segments
            assert [int(c.attrs["data-segment"]) for c in cards] == sizes.segment.tolist()
            counted = np.bincount(segment_numbers(exp.labels))[1:]
            for card, row, size in zip(cards, sizes.itertuples(), counted, strict=True):
                (line,) = card.find_all("p", class_="size")
                assert int(line.attrs["data-size"]) == row.size == size
                assert float(line.attrs["data-share"]) == row.share
                assert num(row.size, lang) in line.text and pct(row.share, lang) in line.text
                names = exp.insights.names[lang]
                assert names[row.segment] in card.text
            # the narratives, with their statistics, are in the appendix
            (profiles,) = page.find_all(id=f"profiles-{name}")
            for narrative in exp.insights.narratives[lang].values():
                assert " ".join(narrative.split()) in profiles.text


def test_appendix_states_the_recommended_silhouette_and_the_verdict(result, pages):
    for name, exp in result.experiments.items():
        (summary,) = pages["en"].find_all(id=f"exp-{name}")
        lead = summary.find_all("p", class_="lead")[0].text
        assert f"silhouette {exp.sweep.recommended_silhouette:.3f}" in lead
        assert f"k = {exp.sweep.recommended[1]}" in lead
        verdict = "met" if exp.sweep.target_met else "not met"
        assert f"target {exp.sweep.target:g} {verdict}" in lead


def test_card_offers_are_the_offered_rows_of_the_offer_table(result, pages):
    for name, exp in result.experiments.items():
        (summary,) = pages["en"].find_all(id=f"summary-{name}")
        offers = exp.insights.offers
        for card in summary.find_all("article"):
            segment = int(card.attrs["data-segment"])
            lines = [li.text for li in card.find_all("li")]
            made = offers[(offers.segment == segment) & offers.offered].sort_values("rank")
            assert len(lines) == min(len(made), 3)
            for line, offer in zip(lines, made.itertuples(), strict=False):
                label = result.schema.column(offer.product).display("en")
                assert line.startswith(
                    f"Offer {label} to the {num(offer.non_owners, 'en')} who do not"
                )
                assert f": {pct(offer.propensity, 'en')} of " in line


def test_sizes_table_and_sweep_table_match_the_run(result, pages):
    for name, exp in result.experiments.items():
        (section,) = pages["id"].find_all(id=f"profiles-{name}")
        rows = section.find_all("table")[0].find_all("tr")[1:]
        cells = [[td.text for td in tr.find_all("td")] for tr in rows]
        names = exp.insights.names["id"]
        assert cells == [
            [f"Segmen {r.segment}", names[r.segment], num(r.size, "id"), pct(r.share, "id")]
            for r in exp.profile.segments.itertuples()
        ]
        (k_section,) = pages["id"].find_all(id=f"k-{name}")
        sweep_rows = k_section.find_all("table")[0].find_all("tr")[1:]
        assert [tr.find_all("td")[3].text for tr in sweep_rows] == [
            score(s, "id") for s in exp.sweep.table.silhouette
        ]


def test_captions_state_what_sklearn_computes_on_the_clustering_matrix(result, pages):
    for name, exp in result.experiments.items():
        space = exp.sweep.spaces[exp.sweep.recommended[0]]
        per_customer = silhouette_samples(space.X, exp.labels, metric=space.metric)
        assert per_customer.mean() == pytest.approx(exp.sweep.recommended_silhouette, abs=1e-4)
        (figure,) = pages["en"].find_all(id=f"silhouette-samples-{name}")
        assert f"{pct((per_customer < 0).mean(), 'en')} of customers are negative" in figure.text
        assert f"Computed for all {num(len(exp.rows), 'en')} customers." in figure.text
        explained = PCA(n_components=2).fit(space.X.astype(float)).explained_variance_ratio_
        (figure,) = pages["en"].find_all(id=f"map-{name}")
        assert f"together they show {pct(explained.sum(), 'en')} of all variance" in figure.text


def test_limitations_name_the_space_and_the_best_silhouette(result, pages):
    (section,) = pages["en"].find_all(id="limitations")
    text = section.text
    for exp in result.experiments.values():
        best = exp.sweep.table.silhouette.max()
        assert not exp.sweep.target_met
        assert f"The target silhouette {exp.sweep.target:g} is not met" in text
        assert f"The best found is {best:.3f}" in text
        metric = exp.sweep.spaces[exp.sweep.recommended[0]].metric
        assert f"{metric.capitalize()} distance" in text
    # the age missing for a whole marital-status group, named in the schema's words
    assert "not recorded for" in text and "with marital status widowed" in text
    assert "placed in none of this experiment's segments" in text
    assert "kept as separate customers" in text


def test_a_met_target_is_reported_as_met(result):
    exp = result.experiments["produk"]
    easy = dataclasses.replace(exp, sweep=dataclasses.replace(exp.sweep, target=0.05))
    met = dataclasses.replace(result, experiments={"produk": easy})
    page = Page(render_report(met, "en", CREATED)).root
    (summary,) = page.find_all(id="exp-produk")
    assert "target 0.05 met" in summary.text
    assert "The target silhouette 0.05 is met" in page.find_all(id="limitations")[0].text


def test_method_names_log_scaled_columns_only_when_the_schema_logs_them(result, pages):
    income = result.schema.column("Pendapatan_Tahunan")
    assert income.scale == "standard"
    assert "log scale" not in pages["en"].text
    logged = dataclasses.replace(
        result.schema,
        columns=tuple(
            dataclasses.replace(c, scale="log") if c is income else c for c in result.schema.columns
        ),
    )
    text = Page(render_report(dataclasses.replace(result, schema=logged), "en", CREATED)).root.text
    expected = f"These columns are put on a log scale before standardising: {income.display('en')}."
    assert expected in text


def test_method_discloses_the_tie_rule_where_k_medoids_used_it(result, pages):
    text = pages["en"].find_all(id="method")[0].text
    assert "In produk, a customer exactly as near to two K-Medoids medoids" in text
    assert "In demografi" not in text  # continuous features: no rule to disclose


def test_segment_colours_are_one_palette_keyed_by_segment_number(result, pages):
    for page in pages.values():
        tagged = [e for e in page.iter() if "data-segment" in e.attrs]
        assert tagged
        for element in tagged:
            number = int(element.attrs["data-segment"])
            assert element.attrs["style"] == f"--seg: {PALETTE[number - 1]}"
    images = decoded_images(pages["id"])
    for name, exp in result.experiments.items():
        pixels = np.asarray(images[f"silhouette-samples-{name}"].convert("RGB")).reshape(-1, 3)
        present = {"#{:02x}{:02x}{:02x}".format(*p) for p in np.unique(pixels, axis=0)}
        numbers = exp.profile.segments.segment.tolist()
        assert {segment_color(n) for n in numbers} <= present
        # Greys are left out: anti-aliased black text on white makes every grey.
        unused = {
            segment_color(n)
            for n in range(len(numbers) + 1, len(PALETTE) + 1)
            if len(set(segment_color(n)[1:].upper()[i : i + 2] for i in (0, 2, 4))) > 1
        }
        assert not unused & present


def test_page_and_charts_use_one_font(html):
    families = re.findall(r"font-family:\s*([^;]+);", html["id"])
    assert families and {f.split(",")[0].strip().strip('"') for f in families} == {FONT}
    found = font_manager.findfont(FONT, fallback_to_default=False)
    assert "DejaVuSans" in found


def test_rendering_is_deterministic_apart_from_the_timestamp(result, html):
    later = render_report(result, "id", CREATED + dt.timedelta(days=1))
    assert later != html["id"]
    assert later.replace("2026-01-03", "2026-01-02") == html["id"]


def test_unknown_language_is_refused(result):
    with pytest.raises(InputError, match="id, en"):
        render_report(result, "fr")


def test_diagnostics_paragraph_gives_hopkins_and_the_null_silhouette(result, pages):
    for name, exp in result.experiments.items():
        diagnostics = exp.diagnostics
        table = diagnostics.silhouettes
        algorithm, k = exp.sweep.recommended
        row = table[(table.algorithm == algorithm) & (table.k == k)].iloc[0]
        observed, null, excess = (
            f"{v:.3f}" for v in (row.silhouette, row.null_silhouette, row.excess)
        )
        said = {v: score(v, "id") for v in (row.silhouette, row.null_silhouette, row.excess)}
        expected = {
            "id": [
                f"silhouette {said[row.silhouette]}, sedangkan",
                f"mencapai {said[row.null_silhouette]}; selisih {said[row.excess]}.",
                "bukan kegagalan metode",
            ],
            "en": [
                f"silhouette {observed}, while",
                f"reach {null}; difference {excess}.",
                "not a failure of the method",
            ],
        }
        for space in diagnostics.spaces:
            permuted, uniform = f"{space.hopkins_permuted:.2f}", f"{space.hopkins_uniform:.2f}"
            level = {
                lang: words[space.level].format(
                    distinct=num(space.distinct_rows, lang), rows=num(space.sample_rows, lang)
                )
                for lang, words in HOPKINS_LEVELS.items()
            }
            expected["id"] += [
                f"Hopkins {ratio(space.hopkins_permuted, 'id')} terhadap kolom yang sama diacak "
                f"dan {ratio(space.hopkins_uniform, 'id')} terhadap titik acak seragam; "
                f"{level['id']}"
            ]
            expected["en"] += [
                f"Hopkins {permuted} against the same columns shuffled and "
                f"{uniform} against uniform random points; {level['en']}"
            ]
        for lang, page in pages.items():
            (block,) = page.find_all(id=f"diagnostics-{name}")
            (k_section,) = page.find_all(id=f"k-{name}")
            assert block in list(k_section.iter())
            for fragment in expected[lang]:
                assert fragment in block.text, (lang, fragment)
        (block,) = pages["id"].find_all(id=f"diagnostics-{name}")
        assert not any(s.interpretation in block.text for s in diagnostics.spaces)
    assert {s.level for e in result.experiments.values() for s in e.diagnostics.spaces} == {
        "random",
        "discrete",
    }


def test_silhouette_chart_legend_names_the_null_line_per_algorithm(result, pages):
    for lang, page in pages.items():
        for name, exp in result.experiments.items():
            (figure,) = page.find_all(id=f"silhouette-k-{name}")
            (img,) = figure.find_all("img")
            names = {"kmeans": "K-Means", "kmedoids": "K-Medoids"}
            drawn = exp.diagnostics.silhouettes.algorithm.unique()
            assert len(drawn) == 2
            for algorithm in drawn:
                assert NULL_LEGEND[lang].format(names[algorithm]) in img.attrs["alt"]


def test_without_diagnostics_neither_paragraph_nor_null_line(result):
    bare = dataclasses.replace(
        result,
        experiments={
            name: dataclasses.replace(exp, diagnostics=None)
            for name, exp in result.experiments.items()
        },
    )
    html = render_report(bare, "en", CREATED)
    page = Page(html).root
    assert not [e for e in page.iter() if e.attrs.get("id", "").startswith("diagnostics-")]
    assert "structureless" not in html
    for name in result.experiments:
        assert page.find_all(id=f"silhouette-k-{name}")


def test_a_schema_without_products_renders_without_product_sections():
    schema = schema_from_dict(
        {
            "name": "noproducts",
            "columns": [
                {"name": "cust_no", "role": "id"},
                {"name": "region", "role": "nominal", "levels": ["north", "south", "east"]},
                {"name": "age_years", "role": "numeric", "min": 18, "max": 99, "integer": True},
            ],
            "experiments": {"people": {"features": ["region", "age_years"]}},
        }
    )
    table = make_other_bank(rows=120)[["cust_no", "region", "age_years"]]
    options = segmentasi.SweepOptions(ks=(2, 3), stability_runs=2, stability_rows=60)
    run = segmentasi.run(table, schema=schema, options=options)
    for lang in ("id", "en"):
        page = Page(render_report(run, lang, CREATED)).root
        ids = {e.attrs["id"] for e in page.iter() if "id" in e.attrs}
        assert {"profile-heatmap-people", "silhouette-k-people", "diagnostics-people"} <= ids
        assert not ids & {"product-heatmap-people", "offers-people"}
        cards = page.find_all(id="summary-people")[0].find_all("article")
        assert len(cards) == run.experiments["people"].sweep.recommended[1]
        assert not any(card.find_all("ul") for card in cards)


def words_of(html_text: str) -> str:
    """The report's visible words: no markup, styles, scripts, images or version number."""
    text = re.sub(r"<(style|script)\b.*?</\1>", " ", html_text, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    text = text.replace(f"segmentasi {segmentasi.__version__}", " ")
    return re.sub(r"\s+", " ", htmlmod.unescape(text))


# Numbers as the other language writes them: thousands and decimals with the wrong marks.
FOREIGN_NUMBERS = {
    "id": re.compile(r"(?<![\d.,])[1-9]\d{0,2},\d{3}(?![\d,])|\d\.\d+%|(?<![\d.,])0\.\d"),
    "en": re.compile(r"(?<![\d.,])[1-9]\d{0,2}\.\d{3}(?![\d.])|\d,\d+%|(?<![\d.,])0,\d"),
}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_number_of_the_report_is_in_its_languages_format(html, lang):
    words = words_of(html[lang])
    foreign = [
        words[max(0, m.start() - 30) : m.end() + 10] for m in FOREIGN_NUMBERS[lang].finditer(words)
    ]
    assert foreign == []
    assert re.search(r"\d,\d%" if lang == "id" else r"\d\.\d%", words)
    assert re.search(r"Rp\d+(,\d+)? juta" if lang == "id" else r"Rp\d+(\.\d+)? million", words)
    assert "rupiah" not in words  # money says its unit once, as Rp ... juta


# Words of statistics and of the command line: the appendix's, never the manager's part.
JARGON = (
    "Hopkins",
    "Rand",
    "ARI",
    "Cohen",
    "Euclid",
    "Manhattan",
    "Gower",
    "seed",
    "sweep",
    "p-value",
    "AUC",
    "lift",
    "Kaufman",
    "PCA",
    "k =",
    "--",
    "`",
    "segmentasi search",
)


def manager_part(page: Element) -> str:
    """The text above the technical appendix: the decision page and the segments."""
    return " ".join(page.find_all(id=i)[0].text for i in ("decision", "summary"))


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_decision_page_comes_first_and_states_the_plan(result, pages, lang):
    page = pages[lang]
    (main,) = page.find_all("main")
    sections = [c.attrs.get("id") for c in main.children if c.tag == "section"]
    assert sections == ["decision", "summary", "appendix"]
    plan = decision.plan(result)
    words = decision_words(plan, result, lang)
    (section,) = page.find_all(id="decision")
    for paragraph in words.paragraphs():
        assert " ".join(paragraph.split()) in section.text
    rows = section.find_all("table")[0].find_all("tr")[1:] if words.actions else []
    assert [[td.text for td in tr.find_all("td")] for tr in rows] == [
        [str(a.number), a.who, a.what, a.evidence, a.how] for a in words.actions
    ]
    alt = section.find_all(id="actions-chart")[0].find_all("img")[0].attrs["alt"]
    assert all(f"{a.label}: {num(a.customers, lang)}" in alt for a in words.actions)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_managers_part_has_no_jargon_and_the_appendix_has_it(pages, lang):
    text = manager_part(pages[lang])
    assert [word for word in JARGON if word in text] == []
    (appendix,) = pages[lang].find_all(id="appendix")
    assert {"Hopkins", "Rand", "AUC", "seed"} <= {w for w in JARGON if w in appendix.text}


def test_the_silhouette_is_read_against_shuffled_data_everywhere(result, pages):
    """No fixed scale calls a silhouette 'reasonable' while shuffled data score the same."""
    for page in pages.values():
        assert "0.5–0.7 berarti" not in page.text and "0.5–0.7 means" not in page.text
    text = pages["en"].find_all(id="limitations")[0].text
    plan = decision.plan(result)
    for s in plan.structures:
        assert not s.natural_groups
        null, excess = f"{s.null_silhouette:.3f}", f"{s.silhouette - s.null_silhouette:.3f}"
        assert f"reach {null} with the same algorithm and k, a difference of only {excess}" in text
    assert "not natural groups" in text
    assert "not natural groups" in pages["en"].find_all(id="decision")[0].text


def test_a_k_at_the_edge_of_the_range_is_flagged_in_the_method(result, pages):
    text = pages["en"].find_all(id="method")[0].text
    ks = result.options.sweep.ks
    assert ks == (2, 3, 4)
    for name, exp in result.experiments.items():
        algorithm, k = exp.sweep.recommended
        edge = {max(ks): "largest", min(ks): "smallest"}.get(k)
        flag = f"in '{name}', k = {k} ({ALGORITHMS[algorithm]}) is the {edge} k tried (2–4)"
        assert (flag in text) == (edge is not None), name
    assert any(  # the synthetic run has one: rising with k on real and shuffled data alike
        exp.sweep.recommended[1] in (min(ks), max(ks)) for exp in result.experiments.values()
    )


def test_the_portfolio_map_shows_the_combinations_and_their_groups(result, pages):
    exp = result.experiments["produk"]
    found = combinations(
        result.table.loc[exp.rows], exp.experiment.features, exp.labels, result.schema
    )
    (summary,) = pages["en"].find_all(id="summary-produk")
    assert f"Customers hold {len(found)} different combinations of products" in summary.text
    assert "gathers them into" in summary.text
    (profiles,) = pages["en"].find_all(id="profiles-produk")
    table = profiles.find_all("table")[-1]
    rows = [[td.text for td in tr.find_all("td")] for tr in table.find_all("tr")[1:]]
    shown = [r for r in rows if r[3]]
    assert [r[1] for r in shown] == [num(n, "en") for n in found.customers[: len(shown)]]
    assert [r[3] for r in shown] == [f"Segment {s}" for s in found.segment[: len(shown)]]
    assert sum(found.share[: len(shown)]) >= 0.9 or len(shown) == 30
    if len(shown) < len(found):
        assert rows[-1][0] == f"{len(found) - len(shown)} other combinations"
        assert rows[-1][1] == num(found.customers[len(shown) :].sum(), "en")


def test_the_crosswalk_spreads_the_targeting_segments_over_the_other_groups(result, pages):
    plan = decision.plan(result)
    counts = decision.crosswalk(result, plan.targeting, plan.other)
    (figure,) = pages["en"].find_all(id="crosswalk")
    assert f"'{plan.targeting}' segments across '{plan.other}' groups" in figure.text
    shares = counts.div(counts.sum(axis=1), axis=0)
    cells = [[c.text for c in row.find_all("td")] for row in figure.find_all("tr")[1:]]
    assert cells == [
        [f"{pct(share, 'en')} {num(n, 'en')}" for share, n in zip(srow, crow, strict=True)]
        for srow, crow in zip(shares.to_numpy(), counts.to_numpy(), strict=True)
    ]
    both = result.experiments[plan.targeting].rows.intersection(result.experiments[plan.other].rows)
    assert int(counts.to_numpy().sum()) == len(both)


@pytest.mark.parametrize(
    ("source", "lang", "said"),
    [
        (
            {"rows_validated": 10**6},
            "id",
            "sampel acak 200.000 nasabah (yang pertama dalam urutan acak run, seed 4; tanpa "
            "nasabah yang tidak ikut dikelompokkan)",
        ),
        (
            {"rows_validated": 10**6},
            "en",
            "a uniform sample of 200,000 of them (the first in the run's random order, seed 4; "
            "less those not clustered)",
        ),
        ({"rows_validated": 200_000}, "id", ""),
        # A Spark driver holding fewer customers fits the space on them.
        ({"rows_validated": 1_500, "driver_rows": 700}, "en", "a uniform sample of 700 of them"),
        ({"rows_validated": 700, "driver_rows": 700}, "en", ""),
    ],
)
def test_the_method_says_when_the_features_were_scaled_on_a_sample(source, lang, said):
    from types import SimpleNamespace

    from segmentasi.report.build import _space_sample

    result = SimpleNamespace(source=source, table=())
    text = _space_sample(result, lang, 4)
    assert said in text
    assert bool(text) == bool(said)
