"""The documented rule that picks k (README, "How k is chosen"), on hand-made sweep tables."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segmentasi.sweep import KChoice, SweepOptions, _recommend, choose_k
from segmentasi.text.k_rule import sweep_reason

RULE = SweepOptions()  # segments >= 2% of customers; the knee counts within 0.02 of the best


def decided(rows: pd.DataFrame, knee: int | None) -> tuple[int, str]:
    """The rule's k and its reason as sweep.json words it."""
    choice = choose_k(rows, knee, RULE)
    return choice.k, sweep_reason(choice)


def sweep_rows(
    silhouettes: dict[int, float], small: dict[int, float] | None = None
) -> pd.DataFrame:
    """One algorithm's sweep: k, silhouette, and a smallest segment of 10% unless `small` says."""
    small = small or {}
    return pd.DataFrame(
        {
            "k": list(silhouettes),
            "silhouette": list(silhouettes.values()),
            "smallest_segment_share": [small.get(k, 0.10) for k in silhouettes],
        }
    )


CURVE = {2: 0.30, 3: 0.34, 4: 0.41, 5: 0.40, 6: 0.36}


def test_without_a_knee_the_best_silhouette_wins():
    assert choose_k(sweep_rows(CURVE), None, RULE) == KChoice(
        k=4,
        by="best_silhouette",
        best_k=4,
        best_silhouette=0.41,
        knee=None,
        tolerance=0.02,
        min_segment_share=0.02,
        size_rule_waived=False,
    )
    assert decided(sweep_rows(CURVE), None) == (4, "best silhouette (0.410); no knee was found")


def test_a_knee_within_the_tolerance_of_the_best_wins():
    choice = choose_k(sweep_rows(CURVE), 5, RULE)
    assert (choice.k, choice.by, choice.best_k, choice.knee) == (5, "knee", 4, 5)
    assert sweep_reason(choice) == (
        "the elbow's knee k=5 is within 0.02 of the best silhouette (0.410)"
    )


def test_a_knee_beyond_the_tolerance_loses_to_the_best():
    k, reason = decided(sweep_rows(CURVE), 6)  # 0.36 is 0.05 below 0.41
    assert (k, reason) == (4, "best silhouette (0.410); the knee (k=6) scores lower")


def test_the_tolerance_includes_its_bound():
    exact = SweepOptions(silhouette_tolerance=0.25)  # binary fractions: no rounding at the bound
    rows = sweep_rows({2: 0.5, 3: 0.75, 4: 0.25})
    assert choose_k(rows, 2, exact).k == 2
    assert choose_k(rows, 4, exact).k == 3


def test_tied_best_silhouettes_go_to_the_smaller_k():
    rows = sweep_rows({2: 0.2, 3: 0.45, 4: 0.3, 5: 0.45})
    assert decided(rows, None) == (3, "best silhouette (0.450); no knee was found")
    assert decided(rows, 4) == (3, "best silhouette (0.450); the knee (k=4) scores lower")


def test_a_knee_tied_with_the_best_is_chosen_over_a_smaller_best():
    rows = sweep_rows({2: 0.45, 3: 0.3, 4: 0.45})
    assert choose_k(rows, 4, RULE).k == 4


def test_k_with_a_segment_under_two_percent_does_not_count():
    rows = sweep_rows(CURVE, small={4: 0.019, 5: 0.005})
    assert decided(rows, None) == (6, "best silhouette (0.360); no knee was found")
    # The knee k=5 is within 0.02 of the best of all rows but not of the eligible ones: it has
    # a segment of 0.5% and cannot be chosen.
    assert choose_k(rows, 5, RULE).k == 6


def test_exactly_two_percent_is_enough():
    rows = sweep_rows(CURVE, small={4: 0.02})
    assert choose_k(rows, None, RULE).k == 4


def test_the_tolerance_is_measured_from_the_best_eligible_k():
    # k=4 (0.41) is ineligible, so the best is k=5 (0.40) and the knee k=6 (0.385) is near it.
    rows = sweep_rows({**CURVE, 6: 0.385}, small={4: 0.01})
    assert decided(rows, 6) == (
        6,
        "the elbow's knee k=6 is within 0.02 of the best silhouette (0.400)",
    )


def test_when_every_k_has_a_tiny_segment_the_size_rule_is_set_aside():
    rows = sweep_rows(CURVE, small=dict.fromkeys(CURVE, 0.001))
    waived = " (no k keeps every segment above 2%; the size rule was set aside)"
    assert decided(rows, None) == (4, "best silhouette (0.410); no knee was found" + waived)
    choice = choose_k(rows, 5, RULE)
    assert (choice.k, choice.by, choice.size_rule_waived) == (5, "knee", True)
    assert sweep_reason(choice).endswith(waived)


@pytest.mark.parametrize(("knee", "expected"), [(2, 2), (6, 6)])
def test_a_knee_at_either_end_of_the_range_is_chosen_when_near_the_best(knee, expected):
    rows = sweep_rows({2: 0.40, 3: 0.39, 4: 0.35, 5: 0.38, 6: 0.395})
    assert choose_k(rows, knee, RULE).k == expected


def test_the_best_silhouette_at_either_end_of_the_range_is_chosen():
    assert choose_k(sweep_rows({2: 0.6, 3: 0.3, 4: 0.2}), None, RULE).k == 2
    assert choose_k(sweep_rows({2: 0.2, 3: 0.3, 4: 0.6}), 3, RULE).k == 4


def test_a_one_k_sweep_chooses_it():
    assert choose_k(sweep_rows({7: 0.1}), None, RULE).k == 7


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(-1, 1), st.sampled_from([0.001, 0.02, 0.3])), min_size=1, max_size=9
    ),
    st.integers(0, 12),
)
def test_the_chosen_k_is_eligible_and_near_the_best(cells, knee):
    rows = sweep_rows(
        {2 + i: s for i, (s, _) in enumerate(cells)},
        small={2 + i: share for i, (_, share) in enumerate(cells)},
    )
    choice = choose_k(rows, knee, RULE)
    k = choice.k
    eligible = rows[rows.smallest_segment_share >= RULE.min_segment_share]
    pool = rows if eligible.empty else eligible
    assert k in set(pool.k)
    score = float(pool.loc[pool.k == k, "silhouette"].iloc[0])
    assert score >= pool.silhouette.max() - RULE.silhouette_tolerance
    assert choice.best_silhouette == pool.silhouette.max()
    assert choice.best_k == pool.loc[pool.silhouette == choice.best_silhouette, "k"].min()
    assert choice.size_rule_waived == eligible.empty
    assert (choice.by == "knee") == (k == knee)
    if k != knee:  # not the knee: the best silhouette, smallest k on a tie
        assert k == choice.best_k


def sweep_table(chosen: dict[str, tuple[int, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"algorithm": algorithm, "k": k, "silhouette": silhouette}
            for algorithm, (k, silhouette) in chosen.items()
        ]
        + [{"algorithm": "kmeans", "k": 9, "silhouette": 0.99}]
    )  # a k that was not chosen


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ({"kmeans": (3, 0.30), "kmedoids": (4, 0.35)}, ("kmedoids", 4)),
        ({"kmeans": (3, 0.40), "kmedoids": (4, 0.35)}, ("kmeans", 3)),
        ({"kmedoids": (4, 0.35), "kmeans": (3, 0.35)}, ("kmeans", 3)),  # tie: K-Means
        ({"kmedoids": (5, 0.2)}, ("kmedoids", 5)),
    ],
)
def test_the_recommended_algorithm_has_the_higher_silhouette_at_its_chosen_k(chosen, expected):
    table = sweep_table(chosen)
    ks = {algorithm: k for algorithm, (k, _) in chosen.items()}
    assert _recommend(table, ks, list(chosen)) == expected
