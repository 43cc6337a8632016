"""Segment profiles and the variables that set each segment apart."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from segmentasi.profile import DISTINGUISHING_COLUMNS, combinations, distinguishing, profile
from segmentasi.validation import validate


@pytest.fixture()
def small(other_schema) -> tuple[pd.DataFrame, np.ndarray]:
    """Nine customers of the other bank's schema in two segments, one age not recorded."""
    frame = pd.DataFrame(
        {
            "cust_no": [f"C{i}" for i in range(9)],
            "region": ["north", "north", "north", "south", "east", "east", "east", "south", "east"],
            "age_years": [20, 22, 24, 26, None, 40, 42, 44, 46],
            "segment_tier": ["bronze"] * 4 + ["gold"] * 5,
            "has_card": [1, 1, 1, 0, 0, 0, 0, 0, 0],
            "has_loan": [1, 0, 1, 0, 1, 0, 1, 0, 1],
            "n_products": [2, 1, 2, 0, 1, 0, 1, 0, 1],
        }
    )
    table, _ = validate(frame, other_schema)
    return table, np.array([0, 0, 0, 0, 1, 1, 1, 1, 1])


def row(table: pd.DataFrame, segment: int, column: str, level: str | None = None) -> pd.Series:
    mine = table[(table.segment == segment) & (table.column == column)]
    if level is not None:
        mine = mine[mine.level == level]
    assert len(mine) == 1
    return mine.iloc[0]


def test_numeric_effect_is_the_standardised_mean_difference_of_recorded_values(small, other_schema):
    table, labels = small
    result = distinguishing(table, labels, other_schema, features=["region", "age_years"])
    age = row(result, 1, "age_years")
    # Segment 1: 20, 22, 24, 26 (mean 23, variance 20/3); the rest: 40..46 without the blank.
    assert age.segment_value == 23 and age.rest_value == 43
    assert age.effect == pytest.approx(-20 / np.sqrt(20 / 3))
    assert age.effect_name == "smd" and age.kind == "numeric" and pd.isna(age.level)
    expected = stats.mannwhitneyu(
        [20, 22, 24, 26], [40, 42, 44, 46], use_continuity=False, method="asymptotic"
    )
    assert age.p_value == pytest.approx(expected.pvalue)
    assert row(result, 2, "age_years").effect == pytest.approx(20 / np.sqrt(20 / 3))


def test_mann_whitney_with_ties_matches_scipy(other_schema):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "cust_no": [f"C{i}" for i in range(300)],
            "region": "north",
            "segment_tier": "gold",
            "age_years": rng.integers(20, 30, 300),  # many ties
            "has_card": 0,
            "has_loan": 0,
            "n_products": 0,
        }
    )
    labels = rng.integers(0, 3, 300)
    result = distinguishing(validate(frame, other_schema)[0], labels, other_schema)
    for segment in (1, 2, 3):
        inside = labels == segment - 1
        expected = stats.mannwhitneyu(
            frame.age_years[inside],
            frame.age_years[~inside],
            use_continuity=False,
            method="asymptotic",
        )
        assert row(result, segment, "age_years").p_value == pytest.approx(expected.pvalue)


def test_shares_use_cohens_h_and_the_chi_square_test(small, other_schema):
    table, labels = small
    result = distinguishing(table, labels, other_schema)
    card = row(result, 1, "has_card")
    assert card.kind == "product" and pd.isna(card.level) and card.effect_name == "cohen_h"
    assert card.segment_value == 0.75 and card.rest_value == 0
    assert card.effect == pytest.approx(2 * np.pi / 3)  # 2 asin(sqrt(3/4)) - 2 asin(0)
    chi2 = stats.chi2_contingency([[3, 1], [0, 5]], correction=False)
    assert card.p_value == pytest.approx(chi2.pvalue)
    north = row(result, 1, "region", "north")
    assert north.kind == "category" and north.segment_value == 0.75 and north.rest_value == 0
    south = row(result, 2, "region", "south")
    assert south.segment_value == pytest.approx(0.2) and south.rest_value == pytest.approx(0.25)
    assert south.effect == pytest.approx(2 * np.arcsin(np.sqrt(0.2)) - 2 * np.arcsin(0.5))
    levels = result[(result.segment == 1) & (result.column == "segment_tier")].level
    assert sorted(levels) == ["bronze", "gold", "silver"]
    silver = row(result, 1, "segment_tier", "silver")  # nobody: no difference, nothing to test
    assert silver.effect == 0 and silver.p_value == 1.0


def test_table_shape_adjustment_and_ranks(small, other_schema):
    table, labels = small
    result = distinguishing(table, labels, other_schema, features=["region", "age_years"])
    assert list(result.columns) == DISTINGUISHING_COLUMNS
    # per segment: 3 region levels + age + 3 tier levels + 2 products + the count = 10 rows
    assert len(result) == 20 and set(result.segment) == {1, 2}
    assert set(result[result.used_in_clustering].column) == {"region", "age_years"}
    tested = result.p_value.notna()
    assert np.allclose(
        result.p_adjusted[tested],
        stats.false_discovery_control(result.p_value[tested], method="bh"),
    )
    assert (result.significant == (result.p_adjusted < 0.05)).all()
    for _, mine in result.groupby("segment"):
        assert mine["rank"].tolist() == list(range(1, len(mine) + 1))
        strengths = mine.effect.abs().fillna(-1).to_numpy()
        assert (np.diff(strengths) <= 0).all()


def test_a_segment_without_recorded_values_gets_no_invented_effect(other_schema, small):
    table, labels = small
    table = table.copy()
    table.loc[labels == 1, "age_years"] = np.nan
    result = distinguishing(table, labels, other_schema)
    age = row(result, 2, "age_years")
    assert np.isnan(age.effect) and np.isnan(age.segment_value)
    assert age["rank"] == len(result[result.segment == 2])
    numeric = profile(table, labels, other_schema).numeric.set_index(["segment", "column"])
    assert numeric.loc[(2, "age_years"), "missing_share"] == 1.0
    assert np.isnan(numeric.loc[(2, "age_years"), "p05"])
    assert numeric.loc[(1, "age_years"), "overall_missing_share"] == pytest.approx(5 / 9)


def test_profile_numeric_has_overall_percentiles(small, other_schema):
    table, labels = small
    numeric = profile(table, labels, other_schema).numeric.set_index(["segment", "column"])
    ages = [20, 22, 24, 26, 40, 42, 44, 46]
    first = numeric.loc[(1, "age_years")]
    assert first.overall_p05 == pytest.approx(np.percentile(ages, 5))
    assert first.overall_p95 == pytest.approx(np.percentile(ages, 95))
    assert first.overall_mean == pytest.approx(np.mean(ages))
    assert first.missing_share == 0 and numeric.loc[(2, "age_years")].missing_share == 0.2


def test_real_table_profile_says_what_sets_older_customers_apart(real_table_path, schema):
    from segmentasi import files

    table, _ = validate(files.read_table(real_table_path), schema)
    older = (table["Usia"] >= 55).to_numpy().astype(int)
    result = distinguishing(table, older, schema)
    top = result[result.segment == 2].iloc[0]
    assert top.column == "Usia" and top.effect > 2
    savings = row(result, 2, "Produk_Tabungan")
    assert savings.segment_value < 0.7 and savings.effect < -0.5 and savings.significant


def test_combinations_count_each_portfolio_with_its_segment_and_profile(small, other_schema):
    table, labels = small
    found = combinations(table, ["has_card", "has_loan"], labels, other_schema)
    # most customers first, a tie in the order of the products' names
    assert found["products"].tolist() == ["", "has_loan", "has_card + has_loan", "has_card"]
    assert found["customers"].tolist() == [3, 3, 2, 1]
    assert found["share"].sum() == pytest.approx(1.0)
    assert found[["has_card", "has_loan"]].to_numpy().tolist() == [[0, 0], [0, 1], [1, 1], [1, 0]]
    loan = found.iloc[1]  # rows 4, 6 and 8, all of segment 2
    assert (loan.segment, loan.segment_share) == (2, 1.0)
    assert loan.median_age_years == 44  # 42 and 46; row 4's age is not recorded
    none = found.iloc[0]  # rows 3 (segment 1), 5 and 7 (segment 2)
    assert (none.segment, none.segment_share) == (2, pytest.approx(2 / 3))
    assert none.median_age_years == 40  # 26, 40, 44
    assert none.most_common_region == "south"  # south, east, south
    assert "median_n_products" not in found and "most_common_cust_no" not in found


def test_combinations_need_few_combinations_of_0_1_features(small, other_schema):
    table, labels = small
    assert combinations(table, ["has_card", "age_years"], labels, other_schema) is None
    assert combinations(table, ["has_card", "has_loan"], labels, other_schema, limit=3) is None
