"""The run's plan (decision.py) and its words (text/decision.py)."""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np
import pytest

from segmentasi import decision
from segmentasi.text.decision import decision_words


@pytest.fixture(scope="module")
def result(synthetic_run):
    return synthetic_run


@pytest.fixture(scope="module")
def plan(result):
    return decision.plan(result)


def test_prospects_are_targeted_with_the_segmentation_that_sees_no_product(plan, schema):
    products = {c.name for c in schema.products} | {c.name for c in schema.by_role("derived_count")}
    targeting = schema.experiment(plan.targeting)
    assert plan.targeting_reason == "prospects"
    assert not set(targeting.features) & products
    assert plan.other is not None and set(schema.experiment(plan.other).features) <= products


def test_the_offers_rule_picks_the_segmentation_whose_offers_reach_most(result, schema):
    """With no segmentation free of products, the one with the most reachable offers wins."""
    experiments = dict(result.experiments)
    produk = experiments["produk"]
    offers = produk.insights.offers.assign(offered=True)
    experiments["produk"] = replace(produk, insights=replace(produk.insights, offers=offers))
    chosen, reason = decision._targeting(experiments, prospect_ready=[])
    assert (chosen, reason) == ("produk", "offers")


def test_actions_are_numbered_capped_and_name_their_lists(plan):
    assert 1 <= len(plan.actions) <= decision.MAX_ACTIONS
    assert [a.number for a in plan.actions] == list(range(1, len(plan.actions) + 1))
    for action in plan.actions:
        if action.segment is None:
            assert action.list_name is None
        else:
            assert action.list_name.startswith(f"{action.number}-{action.experiment}-segment-")


def test_a_call_list_holds_exactly_the_segment_members_without_the_product(result, schema):
    segments = result.segments_table()
    rates = {c.name: segments[c.name].mean() for c in schema.products}
    product = min(rates, key=lambda name: abs(rates[name] - 0.5))
    for segment in (1, 2):
        action = decision.Action(1, "test", "demografi", segment, 0, 0, product)
        calls = decision.call_list(result, action, segments)
        members = segments["segment_demografi"] == segment
        lacking = members & (segments[product] != 1)
        id_column = schema.id_column.name
        assert len(calls) == int(lacking.sum()) > 0
        assert sorted(calls[id_column]) == sorted(segments.loc[lacking, id_column])


def test_a_record_action_has_no_call_list(result):
    action = decision.Action(1, "record", "", None, 5, 600, "Usia")
    with pytest.raises(ValueError, match="no customer list"):
        decision.call_list(result, action)


def test_unrecorded_clustering_variables_become_a_record_action(result, plan):
    features = {f for e in result.experiments.values() for f in e.experiment.features}
    shares = result.table[[c for c in result.table if c in features]].isna().mean()
    expected = set(shares[shares >= decision.RECORD_SHARE].index)
    assert {a.product for a in plan.actions if a.kind == "record"} <= expected
    for action in plan.actions:
        if action.kind == "record":
            assert action.customers == int(result.table[action.product].isna().sum())


def test_the_plan_is_deterministic(result, plan):
    assert decision.plan(result) == plan


def test_structure_flags_no_natural_groups_and_k_at_the_edge():
    close = decision.Structure("a", "kmeans", 10, 10, silhouette=0.56, null_silhouette=0.55)
    clear = decision.Structure("b", "kmeans", 3, 10, silhouette=0.40, null_silhouette=0.20)
    unmeasured = decision.Structure("c", "kmeans", 3, 10, silhouette=0.40, null_silhouette=np.nan)
    assert not close.natural_groups and close.k_at_edge and not close.target_met
    assert clear.natural_groups and not clear.k_at_edge
    assert not unmeasured.natural_groups
    # above shuffled data by more than the margin, but too low to be groups at all
    faint = decision.Structure("d", "kmedoids", 3, 10, silhouette=0.11, null_silhouette=0.05)
    assert not faint.natural_groups


def test_crosswalk_counts_every_customer_both_experiments_clustered(result):
    table = decision.crosswalk(result, "demografi", "produk")
    segments = result.segments_table()
    both = segments[["segment_demografi", "segment_produk"]].dropna()
    assert int(table.to_numpy().sum()) == len(both)
    first = int(both["segment_demografi"].min())
    assert table.loc[first].sum() == int((both["segment_demografi"] == first).sum())


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_words_carry_each_action_and_both_languages_agree(result, plan, lang):
    words = decision_words(plan, result, lang)
    assert len(words.actions) == len(plan.actions)
    assert plan.targeting in words.use
    for action, said in zip(plan.actions, words.actions, strict=True):
        assert said.customers == action.customers
        assert (said.sheet is None) == (action.list_name is None)
        if action.list_name:
            assert action.list_name in said.how
    other = decision_words(plan, result, "en" if lang == "id" else "id")
    digits = re.compile(r"\d+")
    assert len(digits.findall(" ".join(words.paragraphs()))) == len(
        digits.findall(" ".join(other.paragraphs()))
    )


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        (None, "5 customers (0.8% of all) with no age recorded"),
        (
            ("Status_Perkawinan", "Janda/Duda", 5),
            "recorded, all of them with marital status widowed",
        ),
        (("Status_Perkawinan", "Janda/Duda", 4), "recorded, 4 of them with marital status widowed"),
    ],
)
def test_a_record_action_names_the_group_its_customers_share(result, plan, group, expected):
    action = decision.Action(1, "record", "", None, 5, 600, "Usia", rate=5 / 600, group=group)
    words = decision_words(replace(plan, actions=(action,)), result, "en")
    assert expected in words.actions[0].who
