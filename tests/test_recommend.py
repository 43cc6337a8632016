"""Product offers, their held-out validation and campaign call lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import roc_auc_score

from segmentasi import SweepOptions, recommend, run, save
from segmentasi.errors import UserError
from segmentasi.features import FeatureSpace
from segmentasi.recommend import (
    HELDOUT_COLUMNS,
    MIN_LIFT,
    MIN_REACHABLE,
    OFFER_COLUMNS,
    PRODUCT_VERDICT_COLUMNS,
    SATURATED_RATE,
    VALIDATION_COLUMNS,
    auc_from_counts,
    auc_verdict,
    bootstrap_auc,
    campaign_targets,
    holdout,
    lookalike_groups,
    newcombe_difference,
    offer_reason,
    offers,
    product_feature_columns,
    product_verdicts,
    resolve_product,
)
from segmentasi.validation import validate

from .conftest import cli_in_process, make_other_bank


def designed_bank(other_schema) -> pd.DataFrame:
    """200 customers: the first 100 are segment 1 (80 cards, 98 loans), the rest segment 2
    (20 cards, 30 loans)."""
    card = np.r_[np.ones(80), np.zeros(20), np.ones(20), np.zeros(80)].astype(int)
    loan = np.r_[np.ones(98), np.zeros(2), np.ones(30), np.zeros(70)].astype(int)
    frame = pd.DataFrame(
        {
            "cust_no": [f"C{i:03d}" for i in range(200)],
            "region": "north",
            "age_years": 40,
            "segment_tier": "gold",
            "has_card": card,
            "has_loan": loan,
            "n_products": card + loan,
        }
    )
    return validate(frame, other_schema)[0]


LABELS = np.r_[np.zeros(100), np.ones(100)].astype(int)


def verdicts(card: float, loan: float) -> pd.DataFrame:
    """A held-out check for both segments of the designed bank: the lower end of the held-out
    difference's interval per product (above 0: confirmed)."""
    rows = []
    for segment in (1, 2):
        for product, low in (("has_card", card), ("has_loan", loan)):
            rows.append(
                {
                    "segment": segment,
                    "product": product,
                    "heldout_customers": 30,
                    "heldout_rate": 0.5,
                    "heldout_rest_rate": 0.4,
                    "heldout_lift": 1.25,
                    "heldout_difference": 0.1,
                    "heldout_difference_low": low,
                    "heldout_difference_high": 0.2,
                }
            )
    return pd.DataFrame(rows, columns=HELDOUT_COLUMNS)


@pytest.fixture
def few_reachable(monkeypatch):
    """The designed bank has 20 non-owners to a segment: a reachable floor of 10 lets it pass."""
    monkeypatch.setattr(recommend, "MIN_REACHABLE", 10)


def offer(table: pd.DataFrame, segment: int, product: str) -> pd.Series:
    return table[(table.segment == segment) & (table["product"] == product)].iloc[0]


def test_offer_rates_lift_gap_and_score(other_schema, few_reachable):
    table = offers(designed_bank(other_schema), LABELS, other_schema, heldout=verdicts(0.05, 0.05))
    assert list(table.columns) == OFFER_COLUMNS and len(table) == 4
    card = offer(table, 1, "has_card")
    assert (card.rate, card.overall_rate, card.propensity) == (0.8, 0.5, 0.8)
    assert card.lift == pytest.approx(1.6) and card.propensity_lift == pytest.approx(1.6)
    assert (card.non_owners, card.gap_customers) == (20, 20)
    assert card.score == pytest.approx(16.0) and card.basis == "segment"
    # two-proportion z-test: 0.8 vs 0.2 with a pooled rate of 0.5 on 100 + 100 customers
    assert card.p_value == pytest.approx(2 * stats.norm.sf(0.6 / np.sqrt(0.25 * 0.02)))
    assert card.offered and card.reason == "offered" and card["rank"] == 1
    assert card.heldout_difference_low == 0.05 and card.heldout_customers == 30
    saturated = offer(table, 1, "has_loan")
    assert saturated.reason == "saturated" and not saturated.offered and saturated["rank"] == 2
    loan2 = offer(table, 2, "has_loan")
    assert loan2.rate == 0.3 and loan2.lift == pytest.approx(0.3 / 0.64)
    assert loan2.gap_customers == 0 and loan2.score == pytest.approx(21.0)  # 70 x 0.3
    assert loan2.reason == "small_lift" and loan2["rank"] == 1  # higher score
    assert offer(table, 2, "has_card")["rank"] == 2
    assert np.allclose(table.p_adjusted, stats.false_discovery_control(table.p_value))


def test_an_offer_not_confirmed_on_held_out_customers_is_withheld(other_schema, few_reachable):
    table = offers(designed_bank(other_schema), LABELS, other_schema, heldout=verdicts(-0.01, 0.05))
    card = offer(table, 1, "has_card")
    assert not card.offered and card.reason == "not_confirmed_heldout" and card["rank"] == 1
    assert not table.offered.any()


def test_without_a_held_out_check_nothing_is_offered(other_schema, few_reachable):
    table = offers(designed_bank(other_schema), LABELS, other_schema)
    card = offer(table, 1, "has_card")
    assert card.reason == "not_confirmed_heldout" and card.heldout_customers == 0


def test_too_few_reachable_customers_withhold_the_offer(other_schema):
    table = offers(designed_bank(other_schema), LABELS, other_schema, heldout=verdicts(0.05, 0.05))
    card = offer(table, 1, "has_card")  # lift 1.6, confirmed, but only 20 lack it
    assert card.non_owners == 20 and card.reason == "too_few_reachable" and not card.offered


def rule_row(**values):
    """One offer row for offer_reason: passes every condition unless told otherwise."""
    row = {
        "rate": 0.5,
        "propensity_lift": 1.5,
        "non_owners": 500,
        "heldout_difference_low": 0.02,
    }
    return pd.Series(row | values)


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({}, "offered"),
        ({"propensity_lift": MIN_LIFT}, "offered"),
        ({"propensity_lift": MIN_LIFT - 0.001}, "small_lift"),
        ({"propensity_lift": np.nan}, "small_lift"),
        ({"non_owners": MIN_REACHABLE}, "offered"),
        ({"non_owners": MIN_REACHABLE - 1}, "too_few_reachable"),
        ({"heldout_difference_low": 0.0001}, "offered"),
        ({"heldout_difference_low": -0.0001}, "not_confirmed_heldout"),
        ({"heldout_difference_low": np.nan}, "not_confirmed_heldout"),
        ({"rate": SATURATED_RATE}, "saturated"),
        ({"rate": SATURATED_RATE - 0.001}, "offered"),
        # the first failed condition names the reason
        ({"rate": 0.99, "propensity_lift": 1.0}, "saturated"),
        ({"propensity_lift": 1.1, "non_owners": 5}, "small_lift"),
        ({"non_owners": 5, "heldout_difference_low": -0.1}, "too_few_reachable"),
    ],
)
def test_the_evidence_rule_at_its_thresholds(values, reason):
    assert (MIN_LIFT, MIN_REACHABLE, SATURATED_RATE) == (1.2, 100, 0.97)
    assert offer_reason(rule_row(**values)) == reason


def test_newcombe_interval_matches_the_published_example():
    # Newcombe (1998), Stat Med 17:873, example (a): 56/70 - 48/80, method 10: 0.0524 to 0.3339
    difference, low, high = newcombe_difference(56, 70, 48, 80)
    assert difference == pytest.approx(0.2)
    assert (low, high) == (pytest.approx(0.0524, abs=1e-4), pytest.approx(0.3339, abs=1e-4))
    # an interval crossing 0 (lift's interval crossing 1): 10/100 - 9/100
    assert newcombe_difference(10, 100, 9, 100)[1] < 0 < newcombe_difference(10, 100, 9, 100)[2]
    assert np.isnan(newcombe_difference(0, 0, 5, 10)[1])


def test_the_report_states_the_rule_constants():
    from segmentasi.text.report import TEXT

    for lang in ("id", "en"):
        lead = TEXT[lang]["offers_lead"]
        assert f"{SATURATED_RATE:.0%}" in lead and f"{MIN_LIFT:g}" in lead
        assert str(MIN_REACHABLE) in lead


def test_products_the_clustering_used_are_scored_on_look_alike_groups(other_schema):
    bank = designed_bank(other_schema)
    labels = 1 - bank["has_card"].to_numpy()  # segment 1 = card owners, as a product cluster
    groups = {"has_card": np.r_[np.zeros(120), np.ones(80)].astype(int)}
    table = offers(bank, labels, other_schema, groups, verdicts(0.05, 0.05))
    lacking = offer(table, 2, "has_card")  # 100 non-owners: rows 80-99 and 120-199
    assert lacking.rate == 0 and lacking.lift == 0 and lacking.basis == "same other features"
    # most of them (rows 120-199) form look-alike group 1, where nobody has a card
    assert lacking.propensity == 0 and lacking.non_owners == 100
    owning = offer(table, 1, "has_card")  # all in group 0 (rows 0-119): 100 cards of 120
    assert owning.propensity == pytest.approx(100 / 120) and owning.reason == "saturated"
    assert offer(table, 1, "has_loan").basis == "segment"


def test_lookalike_groups_ignore_the_left_out_columns():
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    centers = np.array([[0, 0], [0, 1]], dtype=np.float32)
    labels = np.array([0, 1, 0, 1])
    assert lookalike_groups(X, centers, "manhattan", labels, []).tolist() == [0, 1, 0, 1]
    # without column 1 both centres are equally near: the lower index wins
    assert lookalike_groups(X, centers, "manhattan", labels, [1]).tolist() == [0, 0, 0, 0]
    assert lookalike_groups(X, centers, "manhattan", labels, [0]).tolist() == [0, 1, 0, 1]
    assert lookalike_groups(X, centers, "manhattan", labels, [0, 1]).tolist() == [0, 0, 0, 0]


def test_product_feature_columns(schema, synthetic):
    table = validate(synthetic, schema)[0]
    produk = FeatureSpace(schema, schema.experiment("produk")).fit(table)
    assert product_feature_columns(produk, schema) == {
        c.name: [i] for i, c in enumerate(schema.products)
    }
    demografi = FeatureSpace(schema, schema.experiment("demografi")).fit(table)
    assert product_feature_columns(demografi, schema) == {}


def test_auc_from_counts_matches_sklearn_with_ties():
    rng = np.random.default_rng(0)
    scores = rng.integers(0, 5, 400).astype(float)
    owned = rng.random(400) < 0.2 + 0.1 * scores
    values, cell = np.unique(scores, return_inverse=True)
    positives = np.bincount(cell[owned], minlength=len(values))
    negatives = np.bincount(cell[~owned], minlength=len(values))
    assert auc_from_counts(positives, negatives) == pytest.approx(roc_auc_score(owned, scores))


def test_bootstrap_auc_interval_and_determinism():
    rng = np.random.default_rng(1)
    scores = rng.random(2000)
    owned = rng.random(2000) < scores
    auc, low, high = bootstrap_auc(owned, scores, resamples=200, seed=3)
    assert auc == pytest.approx(roc_auc_score(owned, scores))
    assert low < auc < high and high - low < 0.06
    assert bootstrap_auc(owned, scores, resamples=200, seed=3) == (auc, low, high)
    assert all(np.isnan(bootstrap_auc(np.ones(10, bool), np.arange(10.0))))


@pytest.mark.parametrize(
    ("auc", "low", "verdict"),
    [
        (0.7, 0.65, "useful"),
        (0.6, 0.55, "useful"),
        (0.58, 0.51, "weak"),
        (0.65, 0.5, "no better than chance"),
        (np.nan, np.nan, "no better than chance"),
    ],
)
def test_auc_verdict(auc, low, verdict):
    assert auc_verdict(auc, low) == verdict


def test_held_out_validation_finds_the_product_the_segments_explain(other_schema):
    bank = validate(make_other_bank(rows=600, seed=2), other_schema)[0]
    experiment = other_schema.experiment("people")
    result = holdout(
        bank,
        other_schema,
        experiment,
        algorithm="kmedoids",
        k=3,
        metric="manhattan",
        encoding="gower",
        seed=0,
    ).products
    assert list(result.columns) == VALIDATION_COLUMNS
    card, loan = result.set_index("product").loc[["has_card", "has_loan"]].itertuples()
    assert card.auc > 0.95 and card.verdict == "useful" and card.n_test == 180
    assert loan.verdict != "useful" and not loan.used_in_clustering
    again = holdout(
        bank,
        other_schema,
        experiment,
        algorithm="kmedoids",
        k=3,
        metric="manhattan",
        encoding="gower",
        seed=0,
    ).products
    pd.testing.assert_frame_equal(result, again)


def test_validation_of_products_that_formed_the_segments_is_not_circular(schema, synthetic):
    table = validate(synthetic, schema)[0].copy()
    rng = np.random.default_rng(5)
    for col in schema.products:  # independent flags: nothing predicts one from the others
        table[col.name] = (rng.random(len(table)) < 0.5).astype(float)
    result = holdout(
        table,
        schema,
        schema.experiment("produk"),
        algorithm="kmedoids",
        k=8,
        metric="manhattan",
        seed=0,
    ).products
    assert result.used_in_clustering.all() and (result.basis == "same other features").all()
    assert (result.auc < 0.6).all() and (result.verdict != "useful").all()


def test_validation_of_a_tiny_table_says_nothing_was_shown(other_schema):
    bank = validate(make_other_bank(rows=40), other_schema)[0]
    result = holdout(
        bank,
        other_schema,
        other_schema.experiment("people"),
        algorithm="kmeans",
        k=3,
        metric="euclidean",
    ).products
    assert result.auc.isna().all() and (result.verdict == "no better than chance").all()


def test_campaign_targets_lists_non_owners_of_the_segment(other_schema, few_reachable):
    bank = designed_bank(other_schema)
    segments = bank.assign(segment_people=LABELS + 1)
    table = offers(bank, LABELS, other_schema, heldout=verdicts(0.05, 0.05))
    targets = campaign_targets(segments, table, other_schema, "people", 1, "HAS_CARD")
    assert targets.customers.columns.tolist() == ["cust_no", "segment", "product", "propensity"]
    assert targets.customers.cust_no.tolist() == [f"C{i:03d}" for i in range(80, 100)]
    assert (targets.customers.propensity == 0.8).all() and targets.offered
    loans = campaign_targets(segments, table, other_schema, "people", 1, "has_loan")
    assert len(loans.customers) == 2 and not loans.offered and loans.reason == "saturated"
    with pytest.raises(UserError, match="no segment 3; segments: 1, 2"):
        campaign_targets(segments, table, other_schema, "people", 3, "has_card")
    with pytest.raises(UserError, match=r"unknown product 'savings'.*has_card"):
        campaign_targets(segments, table, other_schema, "people", 1, "savings")


def test_products_resolve_by_name_or_label_in_either_language(schema):
    assert resolve_product(schema, "Produk_Deposito") == "Produk_Deposito"
    assert resolve_product(schema, "deposito") == "Produk_Deposito"
    assert resolve_product(schema, "Time Deposit") == "Produk_Deposito"
    assert resolve_product(schema, "KPR (kredit rumah)") == "Produk_Kredit_Rumah"
    with pytest.raises(UserError, match="Produk_Tabungan \\(tabungan / savings account\\)"):
        resolve_product(schema, "pension")


def test_targets_command_writes_the_call_list(tmp_path, other_schema):
    result = run(
        make_other_bank(rows=300),
        schema=other_schema,
        options=SweepOptions(ks=(2, 3), stability_runs=0),
    )
    folder = save(result, tmp_path / "run")
    out = tmp_path / "calls.csv"
    done = cli_in_process(
        "targets",
        folder,
        "--experiment",
        "people",
        "--segment",
        "1",
        "--product",
        "has_loan",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    calls = pd.read_csv(out, dtype={"cust_no": str})
    segments = pd.read_csv(folder / "segments.csv", dtype={"cust_no": str})
    expected = segments[(segments.segment_people == 1) & (segments.has_loan == 0)]
    assert calls.cust_no.tolist() == expected.cust_no.tolist()
    offers_table = pd.read_csv(folder / "people" / "offers.csv")
    assert (calls.propensity == offer(offers_table, 1, "has_loan").propensity).all()
    elsewhere = str(tmp_path / "x.csv")
    done = cli_in_process(
        "targets",
        folder,
        "-e",
        "people",
        "-s",
        "9",
        "-p",
        "has_loan",
        "--out",
        elsewhere,
    )
    assert done.returncode == 2 and "segments: 1, 2" in done.stderr
    done = cli_in_process(
        "targets",
        folder,
        "-e",
        "people",
        "-s",
        "1",
        "-p",
        "nope",
        "--out",
        elsewhere,
    )
    assert done.returncode == 2 and "has_card" in done.stderr
    # Without --experiment, the run's own experiment (not a FundFusion name) is used.
    defaulted = str(tmp_path / "defaulted.csv")
    done = cli_in_process("targets", folder, "-s", "1", "-p", "has_loan", "--out", defaulted)
    assert done.returncode == 0, done.stderr
    assert pd.read_csv(defaulted, dtype={"cust_no": str}).cust_no.tolist() == calls.cust_no.tolist()
    done = cli_in_process(
        "targets",
        tmp_path,
        "-s",
        "1",
        "-p",
        "has_loan",
        "--out",
        elsewhere,
    )
    assert done.returncode == 2 and "not a run folder" in done.stderr
    assert not (tmp_path / "x.csv").exists()


def test_campaign_targets_refuses_a_product_column_that_is_not_0_or_1(other_schema):
    bank = designed_bank(other_schema)
    table = offers(bank, LABELS, other_schema, heldout=verdicts(0.05, 0.05))
    segments = bank.assign(segment_people=LABELS + 1)
    segments["has_card"] = segments["has_card"].map({0: "no", 1: "yes"})  # an edited segments.csv
    with pytest.raises(UserError, match="column 'has_card' holds values that are not 0 or 1"):
        campaign_targets(segments, table, other_schema, "people", 1, "HAS_CARD")


def test_each_segment_is_checked_on_held_out_customers(other_schema):
    bank = validate(make_other_bank(rows=600, seed=2), other_schema)[0]
    experiment = other_schema.experiment("people")
    space = FeatureSpace(other_schema, experiment, "gower").fit(bank)
    from segmentasi.algorithms import fit_kmedoids

    fit = fit_kmedoids(space.transform(bank), 3, metric="manhattan", seed=0)
    checked = holdout(
        bank,
        other_schema,
        experiment,
        algorithm="kmedoids",
        k=3,
        metric="manhattan",
        encoding="gower",
        seed=0,
        labels=fit.labels,
    )
    assert list(checked.segments.columns) == HELDOUT_COLUMNS
    assert len(checked.segments) == 3 * len(other_schema.products)
    pd.testing.assert_frame_equal(
        checked.products,
        holdout(
            bank,
            other_schema,
            experiment,
            algorithm="kmedoids",
            k=3,
            metric="manhattan",
            encoding="gower",
            seed=0,
        ).products,
    )
    # each segment's stand-in group and the rest split the 180 held-out customers
    rows = checked.segments
    assert ((rows.heldout_customers > 0) & (rows.heldout_customers < 180)).all()
    assert (rows.heldout_difference_low <= rows.heldout_difference).all()
    assert (rows.heldout_difference <= rows.heldout_difference_high).all()
    table = offers(bank, fit.labels, other_schema, heldout=rows)
    verdicts_table = product_verdicts(table, checked.products)
    assert list(verdicts_table.columns) == PRODUCT_VERDICT_COLUMNS
    for row in verdicts_table.itertuples():
        mine = table[table["product"] == row.product]
        assert row.verdict == ("offered" if mine.offered.any() else "not offered")
        assert row.widest_reachable == mine.non_owners.max()


def test_real_table_small_savings_offer_no_longer_passes(real_table_path, schema):
    """The run's `produk` model (K-Medoids, k = 10) offered savings to 164 customers at 93.8%
    against 92.6% (lift 1.01) on a p-value alone."""
    result = run(
        real_table_path,
        schema=schema,
        experiments=["produk"],
        options=SweepOptions(ks=(10,), algorithms=("kmedoids",), stability_runs=0),
        diagnose=False,
        workers=1,
    )
    table = result.experiments["produk"].insights.offers
    made = table[table.offered]
    assert (made.propensity_lift >= MIN_LIFT).all() and (made.non_owners >= MIN_REACHABLE).all()
    assert (made.heldout_difference_low > 0).all()
    savings = table[table["product"] == "Produk_Tabungan"]
    assert not savings.offered.any()
    assert (savings.propensity_lift < MIN_LIFT).all()
    small = savings[savings.non_owners == 164]
    assert len(small) <= 1 and not small.offered.any()
