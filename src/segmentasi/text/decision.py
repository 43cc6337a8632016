"""The decision page's words: the plan (decision.Plan) as a head of marketing reads it.

The report's first page, the first slide and the workbook's first sheet all show these
words, so they say the same thing everywhere. No statistics jargon: the numbers behind each
phrase are in the technical appendix and the run folder's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..decision import NO_STRUCTURE_MARGIN, TARGET_SILHOUETTE, WEAK_STRUCTURE
from . import Catalogue, capitalised
from .numbers import count, pct, ratio, setting

if TYPE_CHECKING:
    from ..decision import Action, Plan
    from ..results import RunResult

TEXT: Catalogue = {
    "id": {
        "title": "Keputusan: apa yang dilakukan",
        "use_prospects": "Gunakan segmentasi '{experiment}' ({k} segmen) untuk memilih siapa "
        "yang dihubungi: segmen ini hanya memakai data yang juga diketahui tentang calon "
        "nasabah ({features}), jadi calon nasabah baru pun dapat ditempatkan.",
        "use_offers": "Gunakan segmentasi '{experiment}' ({k} segmen) untuk memilih siapa yang "
        "dihubungi: penawarannya menjangkau nasabah terbanyak.",
        "other": "Segmentasi '{experiment}' ({k} kelompok) menunjukkan kombinasi produk yang "
        "dimiliki nasabah yang sudah ada; pakai untuk memahami portofolio mereka, bukan untuk "
        "memilih calon nasabah.",
        "target_not_met": "Segmen tidak terpisah sejelas target: skor keterpisahan "
        "(silhouette, 0 sampai 1) ditargetkan {target}, hasilnya {scores}.",
        "target_met": "Segmen terpisah sejelas target: skor keterpisahan (silhouette, 0 sampai "
        "1) ditargetkan {target}, hasilnya {scores}.",
        "target_met_shuffled": "Skor keterpisahan (silhouette, 0 sampai 1) mencapai target "
        "{target} ({scores}), tetapi data yang sama dengan setiap kolom diacak mencapai hampir "
        "sama ({nulls}; selisih kurang dari {margin}), jadi target tercapai tanpa kelompok yang "
        "benar-benar terpisah.",
        "score": "'{experiment}' {score}",
        "split_not_groups": "Segmen adalah pembagian yang berguna untuk kampanye, bukan "
        "kelompok alami dalam data.",
        "edge": "'{experiment}' memakai jumlah kelompok terbesar yang dicoba ({k}); skor naik "
        "dengan jumlah kelompok, juga pada data acak, jadi angka {k} bukan temuan.",
        "actions_title": "Tindakan yang disarankan",
        "actions_few": "Data hanya mendukung {n} tindakan; kami tidak menambah tindakan yang "
        "tidak didukung angka.",
        "actions_none": "Data tidak mendukung tindakan pemasaran apa pun dengan segmen ini.",
        "who_segment": "Segmen {segment} '{experiment}' ({name}): {customers} nasabah tanpa "
        "{product}",
        "who_record": "{customers} nasabah ({share} dari semua) tanpa {variable} tercatat",
        "who_record_group": "{customers} nasabah ({share} dari semua) tanpa {variable} "
        "tercatat, {count} di antaranya dengan {by} {level}",
        "who_record_all": "{customers} nasabah ({share} dari semua) tanpa {variable} "
        "tercatat, semuanya dengan {by} {level}",
        "what_offer": "Tawarkan {product}.",
        "what_test": "Uji coba penawaran {product} dengan kelompok kontrol (misalnya 10% tidak "
        "dihubungi) untuk mengukur apakah penawaran berhasil.",
        "what_record": "Lengkapi data {variable} sebelum segmentasi berikutnya.",
        "evidence_offer": "{rate} nasabah serupa memiliki {product}, dibanding {overall} semua "
        "nasabah ({lift} kali)",
        "evidence_test": "segmen memprediksi siapa pemilik {product} (pada nasabah uji); di segmen "
        "ini {rate} memilikinya, di segmen tertinggi {best}",
        "evidence_record": "tanpa {variable}, nasabah ini tidak bisa ditempatkan menurut "
        "{variable}",
        "how_list": "actions/{file}; lembar '{sheet}' di segments.xlsx",
        "how_record": "Kolom {variable} kosong di segments.csv",
        "sheet": "Aksi {number}",
        "cannot_title": "Yang tidak didukung data",
        "cannot": "Data tidak mendukung {parts}.",
        "cannot_groups": "adanya kelompok alami nasabah ({reasons})",
        "groups_low": "skor {scores} terlalu rendah untuk kelompok yang terpisah",
        "groups_shuffled": "skor {scores} hampir sama dengan data yang sama dengan setiap kolom "
        "diacak, yang sama sekali tidak berkelompok ({nulls})",
        "cannot_products": "penawaran {products} menurut segmen '{experiment}' (segmen tidak "
        "memprediksi siapa pemiliknya)",
        "cannot_nothing": "Data mendukung kelompok alami dan penawaran setiap produk menurut "
        "segmen '{experiment}'.",
        "th_action": "Tindakan",
        "th_who": "Siapa",
        "th_what": "Apa",
        "th_evidence": "Bukti",
        "th_how": "Daftar nasabah",
        "chart_title": "Nasabah yang dijangkau per tindakan",
        "chart_axis": "nasabah",
        "label_offer": "{number}. Tawarkan {product}",
        "label_test": "{number}. Uji coba {product}",
        "label_record": "{number}. Lengkapi {variable}",
        "and": " dan ",
    },
    "en": {
        "title": "Decision: what to do",
        "use_prospects": "Use the '{experiment}' segmentation ({k} segments) to choose whom to "
        "contact: it uses only what is known of prospects too ({features}), so new prospects "
        "can be placed as well.",
        "use_offers": "Use the '{experiment}' segmentation ({k} segments) to choose whom to "
        "contact: its offers reach the most customers.",
        "other": "The '{experiment}' segmentation ({k} groups) shows the combinations of products "
        "existing customers own; use it to understand their portfolios, not to choose "
        "prospects.",
        "target_not_met": "The segments do not stand apart as clearly as targeted: the "
        "separation score (silhouette, 0 to 1) was to reach {target} and is {scores}.",
        "target_met": "The segments stand apart as clearly as targeted: the separation score "
        "(silhouette, 0 to 1) was to reach {target} and is {scores}.",
        "target_met_shuffled": "The separation score (silhouette, 0 to 1) meets the target "
        "{target} ({scores}), but the same data with each column shuffled come almost as high "
        "({nulls}; less than {margin} apart), so the target is met without groups that truly "
        "stand apart.",
        "score": "'{experiment}' {score}",
        "split_not_groups": "The segments are a useful split for campaigns, not natural groups "
        "in the data.",
        "edge": "'{experiment}' uses the most groups tried ({k}); the score rises with more "
        "groups, on shuffled data too, so {k} is not a finding.",
        "actions_title": "Recommended actions",
        "actions_few": "The data support only {n} actions; we do not add actions the numbers do "
        "not support.",
        "actions_none": "The data do not support any marketing action with these segments.",
        "who_segment": "Segment {segment} of '{experiment}' ({name}): {customers} customers "
        "with no {product}",
        "who_record": "{customers} customers ({share} of all) with no {variable} recorded",
        "who_record_group": "{customers} customers ({share} of all) with no {variable} recorded, "
        "{count} of them with {by} {level}",
        "who_record_all": "{customers} customers ({share} of all) with no {variable} recorded, "
        "all of them with {by} {level}",
        "what_offer": "Offer: {product}.",
        "what_test": "Trial an offer of {product} with a control group (for example 10% not "
        "contacted) to measure whether the offer works.",
        "what_record": "Record {variable} before the next segmentation.",
        "evidence_offer": "{rate} of similar customers own {product}, against {overall} of all "
        "customers ({lift} times)",
        "evidence_test": "the segments predict who owns {product} (on held-out customers); "
        "{rate} of this segment own one, {best} in the highest segment",
        "evidence_record": "without {variable} these customers cannot be placed by {variable}",
        "how_list": "actions/{file}; sheet '{sheet}' of segments.xlsx",
        "how_record": "The {variable} column is empty in segments.csv",
        "sheet": "Action {number}",
        "cannot_title": "What the data cannot support",
        "cannot": "The data do not support {parts}.",
        "cannot_groups": "natural groups of customers ({reasons})",
        "groups_low": "a score of {scores} is too low for groups that stand apart",
        "groups_shuffled": "a score of {scores} is almost the same as the same data with each "
        "column shuffled, which has no groups at all ({nulls})",
        "cannot_products": "offers of {products} by '{experiment}' segment (the segments do not "
        "predict who owns them)",
        "cannot_nothing": "The data support natural groups and offers of every product by "
        "'{experiment}' segment.",
        "th_action": "Action",
        "th_who": "Who",
        "th_what": "What",
        "th_evidence": "Evidence",
        "th_how": "Customer list",
        "chart_title": "Customers reached per action",
        "chart_axis": "customers",
        "label_offer": "{number}. Offer {product}",
        "label_test": "{number}. Trial {product}",
        "label_record": "{number}. Record {variable}",
        "and": " and ",
    },
}


@dataclass(frozen=True)
class ActionWords:
    number: int
    who: str
    what: str
    evidence: str
    how: str
    sheet: str | None  # the workbook sheet holding its customer list
    customers: int
    reach: str  # customers, written in the language
    label: str = ""  # a few words for a chart's bar: "1. Offer savings account"


@dataclass(frozen=True)
class DecisionWords:
    title: str
    use: str
    other: str | None
    target: str  # the silhouette target and what shuffled data say, in plain words
    actions_title: str
    actions: tuple[ActionWords, ...]
    actions_note: str | None  # when fewer than three actions are supported
    cannot_title: str
    cannot: str

    def paragraphs(self) -> list[str]:
        """The page as plain paragraphs (slides, workbook, tests)."""
        lines = [self.use, *([self.other] if self.other else []), self.target]
        return lines + ([self.actions_note] if self.actions_note else []) + [self.cannot]


def decision_words(plan: Plan, result: RunResult, lang: str) -> DecisionWords:
    """The plan in `lang`."""
    words = _Words(plan, result, lang)
    return DecisionWords(
        title=words.say("title"),
        use=words.use(),
        other=words.other(),
        target=words.target(),
        actions_title=words.say("actions_title"),
        actions=tuple(words.action(a) for a in plan.actions),
        actions_note=words.actions_note(),
        cannot_title=words.say("cannot_title"),
        cannot=words.cannot(),
    )


def say(key: str, lang: str, **params: Any) -> str:
    return TEXT[lang][key].format(**params)


class _Words:
    def __init__(self, plan: Plan, result: RunResult, lang: str) -> None:
        self.plan, self.result, self.lang = plan, result, lang
        self.schema = result.schema

    def say(self, key: str, **params: Any) -> str:
        return say(key, self.lang, **params)

    def label(self, column: str) -> str:
        return self.schema.column(column).display(self.lang)

    def listed(self, items: list[str]) -> str:
        if len(items) < 2:
            return "".join(items)
        return ", ".join(items[:-1]) + self.say("and") + items[-1]

    def use(self) -> str:
        name = self.plan.targeting
        exp = self.result.experiments[name]
        k = self.plan.structure(name).k
        if self.plan.targeting_reason == "prospects":
            features = self.listed([self.label(f) for f in exp.experiment.features[:4]])
            if len(exp.experiment.features) > 4:
                features += ", …"
            return self.say("use_prospects", experiment=name, k=k, features=features)
        return self.say("use_offers", experiment=name, k=k)

    def other(self) -> str | None:
        if self.plan.other is None:
            return None
        return self.say(
            "other", experiment=self.plan.other, k=self.plan.structure(self.plan.other).k
        )

    def target(self) -> str:
        structures = self.plan.structures
        scores = self.scores([(s.experiment, s.silhouette) for s in structures])
        met = all(s.target_met for s in structures)
        target = setting(TARGET_SILHOUETTE, self.lang)
        key = "target_met" if met else "target_not_met"
        sentences = [self.say(key, scores=scores, target=target)]
        near = [s for s in structures if s.met_near_shuffled]
        if met and near:  # "met" only with the shuffled-data caveat in the same sentence
            sentences = [
                self.say(
                    "target_met_shuffled",
                    scores=scores,
                    target=target,
                    nulls=self.scores([(s.experiment, s.null_silhouette) for s in near]),
                    margin=setting(NO_STRUCTURE_MARGIN, self.lang),
                )
            ]
        if not any(s.natural_groups for s in structures):
            sentences.append(self.say("split_not_groups"))
        sentences += [
            self.say("edge", experiment=s.experiment, k=s.k) for s in structures if s.k_at_edge
        ]
        return " ".join(sentences)

    def scores(self, values: list[tuple[str, float]]) -> str:
        return self.listed(
            [
                self.say("score", experiment=name, score=ratio(value, self.lang))
                for name, value in values
            ]
        )

    def segment_name(self, experiment: str, segment: int) -> str:
        return self.result.experiments[experiment].insights.names[self.lang][segment]

    def action(self, action: Action) -> ActionWords:
        if action.kind == "record":
            variable = self.label(action.product)
            return ActionWords(
                number=action.number,
                who=capitalised(self.who_record(action, variable)),
                what=self.say("what_record", variable=variable),
                evidence=capitalised(self.say("evidence_record", variable=variable)),
                how=self.say("how_record", variable=variable),
                sheet=None,
                customers=action.customers,
                reach=count(action.customers, self.lang),
                label=self.say("label_record", number=action.number, variable=variable),
            )
        product = self.label(action.product)
        sheet = self.say("sheet", number=action.number)
        who = self.say(
            "who_segment",
            segment=action.segment,
            experiment=action.experiment,
            name=self.segment_name(action.experiment, action.segment),
            customers=count(action.customers, self.lang),
            product=product,
        )
        if action.kind == "offer":
            what = self.say("what_offer", product=product)
            evidence = self.say(
                "evidence_offer",
                rate=pct(action.rate, self.lang),
                product=product,
                lift=ratio(action.lift, self.lang),
                overall=pct(action.overall_rate, self.lang),
            )
        else:
            what = self.say("what_test", product=product)
            evidence = self.say(
                "evidence_test",
                product=product,
                rate=pct(action.rate, self.lang),
                best=pct(action.best_rate, self.lang),
            )
        return ActionWords(
            number=action.number,
            who=who,
            what=what,
            evidence=capitalised(evidence),
            how=self.say("how_list", file=action.list_name, sheet=sheet),
            sheet=sheet,
            customers=action.customers,
            reach=count(action.customers, self.lang),
            label=self.say(f"label_{action.kind}", number=action.number, product=product),
        )

    def who_record(self, action: Action, variable: str) -> str:
        """'4.045 nasabah (14,4% dari semua) tanpa usia tercatat, 4.045 di antaranya dengan
        status perkawinan janda/duda'."""
        values = {
            "customers": count(action.customers, self.lang),
            "share": pct(action.rate, self.lang),
            "variable": variable,
        }
        if action.group is None:
            return self.say("who_record", **values)
        by, level, how_many = action.group
        column = self.schema.column(by)
        return self.say(
            "who_record_all" if how_many == action.customers else "who_record_group",
            **values,
            count=count(how_many, self.lang),
            by=column.display(self.lang),
            level=column.level_text(level, self.lang),
        )

    def actions_note(self) -> str | None:
        n = len(self.plan.actions)
        if n == 0:
            return self.say("actions_none")
        return self.say("actions_few", n=n) if n < 3 else None

    def cannot(self) -> str:
        """One sentence: no natural groups beyond shuffled data, and the products the
        targeting segments do not predict."""
        parts = []
        unnatural = [s for s in self.plan.structures if not s.natural_groups]
        low = [s for s in unnatural if s.silhouette < WEAK_STRUCTURE]
        near = [s for s in unnatural if s not in low and s.null_silhouette == s.null_silhouette]
        reasons = []
        if low:
            reasons.append(
                self.say(
                    "groups_low", scores=self.scores([(s.experiment, s.silhouette) for s in low])
                )
            )
        if near:
            reasons.append(
                self.say(
                    "groups_shuffled",
                    scores=self.scores([(s.experiment, s.silhouette) for s in near]),
                    nulls=self.listed([ratio(s.null_silhouette, self.lang) for s in near]),
                )
            )
        if reasons:
            parts.append(self.say("cannot_groups", reasons="; ".join(reasons)))
        if self.plan.unpredicted:
            products = self.listed([self.label(p) for p in self.plan.unpredicted])
            parts.append(
                self.say("cannot_products", products=products, experiment=self.plan.targeting)
            )
        if not parts:
            return self.say("cannot_nothing", experiment=self.plan.targeting)
        return self.say("cannot", parts=self.listed(parts))
