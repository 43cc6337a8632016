"""Campaigns with a control group: the split, the size a list needs, and the measurement of
take-up against the control group, through the API and the command line."""

from __future__ import annotations

import html
import json
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import segmentasi
from segmentasi import InputError, SweepOptions, files
from segmentasi.campaign import (
    CAUTIOUS_BASE_RATE,
    compare,
    detectable_lift,
    parse_share,
    required_customers,
    split_power,
)
from segmentasi.cli import main
from segmentasi.outputs import MEASUREMENT_FOLDER, written_by_segmentasi
from segmentasi.recommend import newcombe_difference
from segmentasi.report.measurement import render_measurement

from .conftest import make_other_bank

# Planted effects: take-up 10% without contact; contact adds 8 points in segment 1, takes 6
# away in segment 2 and does nothing in segment 3. 6,000 customers a segment, 10% held out:
# the effects are 5-6 standard errors from 0.
BASE_RATE = 0.10
PLANTED = {1: 0.08, 2: -0.06, 3: 0.0}
SEGMENT_SIZE = 6000


def call_list(sizes: dict[int, int]) -> pd.DataFrame:
    """A call list as `targets` writes it: id first, then segment."""
    segments = np.repeat(list(sizes), list(sizes.values()))
    return pd.DataFrame(
        {
            "cust_no": [f"C{i:06d}" for i in range(len(segments))],
            "segment": segments,
            "product": "has_loan",
        }
    )


@pytest.fixture(scope="module")
def split() -> segmentasi.Split:
    return segmentasi.split_control(call_list(dict.fromkeys(PLANTED, SEGMENT_SIZE)), 0.1, seed=5)


@pytest.fixture(scope="module")
def outcomes(split) -> pd.DataFrame:
    return segmentasi.synthesize_outcomes(split.call_list, BASE_RATE, PLANTED, seed=11)


@pytest.fixture(scope="module")
def measured(split, outcomes) -> segmentasi.Measurement:
    return segmentasi.measure(split.call_list, outcomes)


# --- the split ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "share"),
    [("10%", 0.1), ("0.1", 0.1), ("0,1", 0.1), ("2,5%", 0.025), (" 12.5 % ", 0.125), (".3", 0.3)],
)
def test_a_share_is_a_percentage_or_a_fraction(text, share):
    assert parse_share(text, "--control") == pytest.approx(share)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10", "ambiguous"),
        ("1", "ambiguous"),
        ("0%", "out of range"),
        ("0", "out of range"),
        ("100%", "out of range"),
        ("150%", "out of range"),
        ("-5%", "not a share"),
        ("ten", "not a share"),
    ],
)
def test_a_share_that_is_ambiguous_or_out_of_range_is_refused(text, message):
    with pytest.raises(InputError, match=f"--control: .*{message}"):
        parse_share(text, "--control")


def test_a_base_rate_may_be_zero():
    assert parse_share("0%", "--base-rate", allow_zero=True) == 0


def test_each_segment_holds_out_as_close_to_the_share_as_whole_customers_allow():
    sizes = {1: 7, 2: 15, 3: 1, 4: 100, 5: 25}
    split = segmentasi.split_control(call_list(sizes), 0.1, seed=0)
    counts = split.counts.set_index("segment")
    # 0.7 -> 1, 1.5 -> 2 (half up), 0.1 -> 0, 10 -> 10, 2.5 -> 3
    assert counts.control.to_dict() == {1: 1, 2: 2, 3: 0, 4: 10, 5: 3}
    assert counts.contact.to_dict() == {1: 6, 2: 13, 3: 1, 4: 90, 5: 22}
    made = split.call_list.groupby(["segment", "group"]).size().unstack(fill_value=0)
    assert made.control.to_dict() == counts.control.to_dict()
    for segment, size in sizes.items():
        control = counts.control[segment]
        best = min(abs(c / size - 0.1) for c in range(size + 1))
        assert abs(control / size - 0.1) == pytest.approx(best)
    record = split.record()
    assert (record["customers"], record["control"], record["seed"]) == (148, 16, 0)
    assert record["segments"][0] == {
        "segment": 1,
        "customers": 7,
        "contact": 6,
        "control": 1,
        "control_share": 1 / 7,
    }


def test_the_split_is_random_but_the_same_for_the_same_seed():
    customers = call_list({1: 500, 2: 300})
    first = segmentasi.split_control(customers, 0.2, seed=3).call_list
    again = segmentasi.split_control(customers, 0.2, seed=3).call_list
    other = segmentasi.split_control(customers, 0.2, seed=4).call_list
    pd.testing.assert_frame_equal(first, again)
    assert (first.group != other.group).any()
    held = first.index[first.group == "control"]
    # not the first rows of each segment: spread over the segment
    assert set(held) != set(range(100)) | set(range(500, 560))
    assert held[held < 500].to_numpy().mean() == pytest.approx(250, abs=50)
    assert first.drop(columns="group").equals(customers)


def test_a_customer_whose_id_repeats_is_split_once():
    customers = call_list({1: 6, 2: 6})
    customers.loc[[3, 8], "cust_no"] = ["C000001", "C000002"]  # a table with repeated ids
    split = segmentasi.split_control(customers, 0.5, seed=2)
    assert split.repeated_ids == 2 and split.record()["rows_left_out_for_a_repeated_id"] == 2
    assert split.call_list.cust_no.is_unique
    assert split.call_list.drop(columns="group").equals(
        customers.drop(index=[3, 8]).reset_index(drop=True)
    )
    assert split.counts.customers.tolist() == [5, 5] and split.counts.control.tolist() == [3, 3]
    outcomes = pd.DataFrame({"cust_no": split.call_list.cust_no, "outcome": 1})
    assert segmentasi.measure(split.call_list, outcomes).overall.contact_customers == 4


def test_the_split_refuses_what_it_cannot_split():
    customers = call_list({1: 10})
    with pytest.raises(InputError, match="control share must be a share above 0"):
        segmentasi.split_control(customers, 1.0)
    split = segmentasi.split_control(customers, 0.5)
    with pytest.raises(InputError, match="already has a 'group' column"):
        segmentasi.split_control(split.call_list, 0.5)
    with pytest.raises(InputError, match="no column 'tier' to split by"):
        segmentasi.split_control(customers, 0.5, segment_column="tier")
    blank = customers.assign(segment=customers.segment.astype(object))
    blank.loc[[2, 5], "segment"] = None
    with pytest.raises(InputError, match=r"column 'segment': empty cells \(rows 3, 6\)"):
        segmentasi.split_control(blank, 0.5)
    whole = segmentasi.split_control(customers, 0.3, segment_column=None)
    assert (whole.call_list.group == "control").sum() == 3


# --- the size -----------------------------------------------------------------------------


def test_sizes_match_published_values():
    # JMP's Two Sample Proportions example: 8% against 6%, two-sided 5%, power 80%, equal
    # groups: 2,554 per group.
    assert math.ceil(required_customers(0.06, 0.02, 0.5) / 2) == 2554
    # 10% against 15%, equal groups: 686 per group (the uncorrected Fleiss formula).
    assert math.ceil(required_customers(0.10, 0.05, 0.5) / 2) == 686
    # Zar (1999), example 24.26: 45% against 25%, power 90%, one group three times the other:
    # n1 = 83.1527 with Fleiss' continuity correction, applied here to the uncorrected size.
    n1 = required_customers(0.45, -0.20, 0.25, power=0.9) / 4
    ratio, difference = 3, 0.20
    corrected = n1 / 4 * (1 + math.sqrt(1 + 2 * (ratio + 1) / (n1 * ratio * difference))) ** 2
    assert corrected == pytest.approx(83.1527, abs=1e-4)


def exact_power(n1: int, p1: float, n0: int, p0: float) -> float:
    """The pooled two-proportion z-test's power, summed over every pair of outcomes."""
    x1, x0 = np.arange(n1 + 1)[:, None], np.arange(n0 + 1)[None, :]
    pooled = (x1 + x0) / (n1 + n0)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (x1 / n1 - x0 / n0) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    weights = stats.binom.pmf(x1, n1, p1) * stats.binom.pmf(x0, n0, p0)
    return float((weights * (np.abs(z) > stats.norm.ppf(0.975))).sum())


def test_a_list_of_the_required_size_has_80_percent_power_with_a_10_percent_control_group():
    customers = required_customers(0.10, 0.05, 0.1)
    assert math.ceil(customers) == 3993
    control = round(0.1 * customers)
    assert exact_power(round(customers) - control, 0.15, control, 0.10) == pytest.approx(
        0.80, abs=0.005
    )
    # the equal-groups size for the same lift (1,372) is far from enough with 10% held out
    assert exact_power(1235, 0.15, 137, 0.10) < 0.4


def test_the_detectable_lift_is_the_size_formula_solved_for_the_lift():
    lift = detectable_lift(3993, 0.1, 0.10)
    assert lift == pytest.approx(0.05, abs=1e-4)
    assert required_customers(0.10, lift, 0.1) == pytest.approx(3993)
    assert math.isnan(detectable_lift(12, 0.1, 0.5))
    power = segmentasi.campaign_power(2000, 0.1, base_rate=0.10, lift=0.05)
    assert (power.required, power.enough, power.base_rate_assumed) == (3993, False, False)
    assert power.detectable_lift == pytest.approx(detectable_lift(2000, 0.1, 0.10))
    assumed = segmentasi.campaign_power(2000, 0.1)
    assert assumed.base_rate == CAUTIOUS_BASE_RATE and assumed.base_rate_assumed
    assert assumed.required is None and assumed.enough is None and not assumed.measurable
    assert segmentasi.campaign_power(50_000, 0.1).measurable
    with pytest.raises(InputError, match="above 100% take-up"):
        segmentasi.campaign_power(2000, 0.1, base_rate=0.9, lift=0.2)


def test_every_segment_is_sized_on_its_own_customers(split):
    powers = split_power(split, 0.10, 0.05)
    assert list(powers) == ["all", 1, 2, 3]
    assert powers["all"].customers == 18000 and powers[1].customers == 6000
    assert powers["all"].enough and powers[1].enough


# --- the measurement ----------------------------------------------------------------------


def test_a_planted_uplift_and_a_planted_harm_are_found_within_their_intervals(measured):
    table = measured.segments.set_index("segment")
    for segment, uplift in PLANTED.items():
        row = table.loc[segment]
        assert row.uplift_low <= uplift <= row.uplift_high, (segment, row)
    assert table.verdict.to_dict() == {
        1: "uplift",
        2: "harm",
        3: table.verdict[3],
    }
    assert table.verdict[3] in ("higher_not_significant", "lower_not_significant")
    assert not table.significant[3] and table.p_adjusted[3] > 0.05
    assert measured.segments_where("harm") == [2]
    assert measured.segments_where("uplift") == [1]
    assert measured.overall.segment == "all"


def test_the_counts_rates_and_tests_are_the_tables(split, outcomes, measured):
    joined = split.call_list.merge(outcomes, on="cust_no")
    for row in measured.table.itertuples(index=False):
        mine = joined if row.segment == "all" else joined[joined.segment == row.segment]
        contacted, held = mine[mine.group == "contact"], mine[mine.group == "control"]
        assert (row.contact_customers, row.contact_takers) == (
            len(contacted),
            contacted.outcome.sum(),
        )
        assert (row.control_customers, row.control_takers) == (len(held), held.outcome.sum())
        assert row.uplift == pytest.approx(contacted.outcome.mean() - held.outcome.mean())
        pooled = mine.outcome.mean()
        z = row.uplift / math.sqrt(pooled * (1 - pooled) * (1 / len(contacted) + 1 / len(held)))
        assert row.test == "z" and row.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))
    segments = measured.segments
    assert np.allclose(segments.p_adjusted, stats.false_discovery_control(segments.p_value))
    assert measured.overall.p_adjusted == measured.overall.p_value


def test_small_counts_use_fishers_exact_test():
    found = compare(3, 40, 0, 10)
    assert found["test"] == "fisher"
    assert found["p_value"] == pytest.approx(stats.fisher_exact([[3, 37], [0, 10]]).pvalue)
    assert compare(0, 40, 0, 10)["p_value"] == 1.0
    empty = compare(3, 40, 0, 0)
    assert empty["test"] == "none" and math.isnan(empty["uplift"])


def test_the_95_percent_interval_covers_the_true_uplift_about_95_percent_of_the_time():
    rng = np.random.default_rng(2024)
    contacted, held, base, uplift = 900, 100, 0.10, 0.05
    takers = rng.binomial(contacted, base + uplift, 1000)
    controls = rng.binomial(held, base, 1000)
    covered = [
        (found := compare(int(x1), contacted, int(x0), held))["uplift_low"]
        <= uplift
        <= found["uplift_high"]
        for x1, x0 in zip(takers, controls, strict=True)
    ]
    # 1,000 draws: a coverage of 95% would stray outside this band less than once in 1,000
    assert 0.93 <= np.mean(covered) <= 0.97


@pytest.mark.parametrize(
    ("contacted", "rate", "held", "base"), [(900, 0.15, 100, 0.10), (180, 0.12, 20, 0.05)]
)
def test_the_interval_covers_95_percent_of_all_possible_outcomes(contacted, rate, held, base):
    """Coverage summed exactly over every pair of take-up counts with any real chance."""
    weights = np.outer(
        stats.binom.pmf(np.arange(contacted + 1), contacted, rate),
        stats.binom.pmf(np.arange(held + 1), held, base),
    )
    coverage = 0.0
    for x1, x0 in zip(*np.nonzero(weights > 1e-12), strict=True):
        _, low, high = newcombe_difference(int(x1), contacted, int(x0), held)
        coverage += weights[x1, x0] * (low <= rate - base <= high)
    assert weights[weights > 1e-12].sum() > 1 - 1e-6
    assert 0.945 <= coverage <= 0.965


def test_customers_without_an_outcome_row_did_not_take_the_product(split, outcomes, measured):
    takers = outcomes[outcomes.outcome == 1]
    only_takers = segmentasi.measure(split.call_list, takers)
    pd.testing.assert_frame_equal(only_takers.table, measured.table)
    without = only_takers.counts["without_outcome"]
    assert sum(without.values()) == len(outcomes) - len(takers)
    some = outcomes.iloc[::2]
    excluded = segmentasi.measure(split.call_list, some, missing="exclude")
    assert excluded.overall.contact_customers + excluded.overall.control_customers == len(some)
    with pytest.raises(InputError, match="missing outcomes: choose not-taken or exclude"):
        segmentasi.measure(split.call_list, some, missing="drop")


def test_outcomes_dated_before_the_campaign_are_ignored():
    split = segmentasi.split_control(call_list({1: 40}), 0.5, seed=1)
    ids = split.call_list.cust_no
    outcomes = pd.DataFrame(
        {"cust_no": ids, "took": "yes", "Date": ["2025-02-27"] * 10 + ["2025-03-02"] * 30}
    )
    found = segmentasi.measure(split.call_list, outcomes, since="2025-03-01")
    assert found.columns["outcome"] == "took" and found.columns["date"] == "Date"
    assert sum(found.counts["before_since"].values()) == 10
    assert found.overall.contact_takers + found.overall.control_takers == 30
    assert found.options["since"] == "2025-03-01"
    every = segmentasi.measure(split.call_list, outcomes)
    assert every.overall.contact_takers + every.overall.control_takers == 40
    with pytest.raises(InputError, match="--since needs a date column"):
        segmentasi.measure(split.call_list, outcomes.drop(columns="Date"), since="2025-03-01")
    with pytest.raises(InputError, match="--since: 'March' is not a date"):
        segmentasi.measure(split.call_list, outcomes, since="March")


def test_outcomes_may_be_words_and_the_id_may_be_called_id():
    split = segmentasi.split_control(call_list({1: 6}), 0.5, seed=1)
    outcomes = pd.DataFrame(
        {"ID": split.call_list.cust_no, "result": ["Yes", "no", "TRUE", "false", "1", "0"]}
    )
    found = segmentasi.measure(split.call_list, outcomes)
    assert found.columns == {"id": "ID", "outcome": "result", "date": None, "segment": "segment"}
    assert found.overall.contact_takers + found.overall.control_takers == 3


def bad_inputs() -> list[tuple[str, pd.DataFrame, pd.DataFrame, str]]:
    """(what, call list, outcomes, the message's expected part) for every bad input."""
    calls = segmentasi.split_control(call_list({1: 6, 2: 6}), 0.5, seed=1).call_list
    good = pd.DataFrame({"cust_no": calls.cust_no, "outcome": 1})
    strange = good.copy()
    strange.loc[[1, 4], "cust_no"] = ["X1", "X2"]
    twice = good.copy()
    twice.loc[3, "cust_no"] = twice.cust_no[0]
    words = good.astype({"outcome": object})
    words.loc[[2, 7], "outcome"] = ["maybe", 2]
    dates = good.assign(date="2025-01-01")
    dates.loc[5, "date"] = "31/01/2025"
    groups = calls.copy()
    groups.loc[[0, 9], "group"] = ["treated", None]
    repeated = calls.copy()
    repeated.loc[8, "cust_no"] = repeated.cust_no[2]
    return [
        (
            "unknown ids",
            calls,
            strange,
            "column 'cust_no': ids that are not in the call list, such as 'X1' (rows 2, 5)",
        ),
        (
            "duplicate ids",
            calls,
            twice,
            "column 'cust_no': repeated ids, such as 'C000000' (rows 1, 4)",
        ),
        (
            "non-binary",
            calls,
            words,
            "column 'outcome': values that are not 0/1, yes/no or "
            "true/false, such as 'maybe' (rows 3, 8)",
        ),
        (
            "dates",
            calls,
            dates,
            "column 'date': values that are not dates (YYYY-MM-DD), such as '31/01/2025' (row 6)",
        ),
        (
            "no id",
            calls,
            good.rename(columns={"cust_no": "who"}).assign(x=1),
            "no id column 'cust_no' (the call list's) or 'id'",
        ),
        (
            "no outcome",
            calls,
            good.assign(extra=1).rename(columns={"outcome": "o"}),
            "no column 'outcome'; name the outcome column",
        ),
        (
            "no group",
            calls.drop(columns="group"),
            good,
            "no column 'group': split the call list first",
        ),
        (
            "groups",
            groups,
            good,
            "column 'group': values other than 'contact' and 'control', "
            "such as 'treated' (rows 1, 10)",
        ),
        (
            "repeated call list ids",
            repeated,
            good.iloc[:2],
            "column 'cust_no': repeated ids, such as 'C000002' (rows 3, 9)",
        ),
    ]


@pytest.mark.parametrize(
    ("calls", "results", "message"),
    [case[1:] for case in bad_inputs()],
    ids=[case[0] for case in bad_inputs()],
)
def test_every_bad_input_names_its_column_and_rows(calls, results, message):
    with pytest.raises(InputError) as refused:
        segmentasi.measure(calls, results)
    assert message in str(refused.value)


def test_a_measurement_without_a_control_group_is_refused():
    calls = call_list({1: 4}).assign(group="contact")
    outcomes = pd.DataFrame({"cust_no": calls.cust_no, "outcome": 1})
    with pytest.raises(InputError, match="no control customers to compare with"):
        segmentasi.measure(calls, outcomes)


def test_synthetic_outcomes_follow_the_planted_rates(split, outcomes):
    joined = split.call_list.merge(outcomes, on="cust_no")
    rates = joined.groupby(["segment", "group"]).outcome.mean()
    for segment, uplift in PLANTED.items():
        assert rates[segment, "control"] == pytest.approx(BASE_RATE, abs=0.04)
        assert rates[segment, "contact"] == pytest.approx(BASE_RATE + uplift, abs=0.015)
    with pytest.raises(InputError, match="between 0 and 1"):
        segmentasi.synthesize_outcomes(split.call_list, 0.05, {2: -0.06})


def test_the_page_names_the_harm_in_plain_words(measured):
    english = render_measurement(measured, "en")
    assert "In Segment 2, contacting customers lowered take-up, and the fall is not chance" in (
        english
    )
    assert "The campaign raised take-up in Segment 1." in english
    indonesian = render_measurement(measured, "id")
    assert "Di Segmen 2, menghubungi nasabah menurunkan pengambilan produk" in indonesian
    assert english.count("<img") == indonesian.count("<img") == 1
    assert render_measurement(measured, "en") == english  # no timestamp: same bytes


# --- the command line ---------------------------------------------------------------------


def segmentasi_cli(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """The command line's entry point in this process: exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["segmentasi", *args])
    with pytest.raises(SystemExit) as stop:
        main()
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, other_schema) -> Path:
    result = segmentasi.run(
        make_other_bank(rows=1200),
        schema=other_schema,
        options=SweepOptions(ks=(3,), stability_runs=0),
    )
    return segmentasi.save(result, tmp_path_factory.mktemp("runs") / "run")


def test_targets_with_a_control_group_writes_the_groups_and_the_split(
    monkeypatch, capsys, tmp_path, run_dir
):
    calls = tmp_path / "calls.csv"
    args = ["targets", str(run_dir), "-e", "people", "-s", "1", "-s", "2", "-p", "has_loan"]
    code, out, err = segmentasi_cli(
        monkeypatch,
        capsys,
        *args,
        "-o",
        str(calls),
        "--control",
        "10%",
        "--power",
        "5%",
        "--base-rate",
        "10%",
        "--seed",
        "7",
    )
    assert code == 0, err
    written = pd.read_csv(calls, dtype={"cust_no": str})
    plain = tmp_path / "plain.csv"
    assert segmentasi_cli(monkeypatch, capsys, *args, "-o", str(plain))[0] == 0
    expected = pd.read_csv(plain, dtype={"cust_no": str})
    pd.testing.assert_frame_equal(written.drop(columns="group"), expected)
    record = json.loads((tmp_path / "calls.split.json").read_text())
    assert (record["control_share"], record["seed"]) == (0.1, 7)
    sizes = expected.segment.value_counts()
    for entry in record["segments"]:
        size = sizes[entry["segment"]]
        assert entry["control"] == math.floor(0.1 * size + 0.5)
        held = written[(written.segment == entry["segment"]) & (written.group == "control")]
        assert len(held) == entry["control"]
    assert record["power"]["all"]["required_customers"] == 3993
    assert "needs 3,993 customers" in out
    assert "Warning: the list is too small to detect a lift of 5.0 points" in err
    # without --power: a warning only when the control group cannot measure the campaign
    code, out, err = segmentasi_cli(
        monkeypatch, capsys, *args, "-o", str(tmp_path / "tiny.csv"), "--control", "1%"
    )
    assert code == 0 and "too small to measure the campaign" in err


@pytest.mark.parametrize(
    ("more", "message"),
    [
        (["--control", "10"], "--control: '10' is ambiguous"),
        (["--control", "150%"], "--control: '150%' is out of range"),
        (["--power", "2%"], "--power and --base-rate size a control group: give --control"),
        (["--control", "10%", "--power", "0"], "--power: '0' is out of range"),
    ],
)
def test_targets_refuses_bad_control_options(monkeypatch, capsys, tmp_path, run_dir, more, message):
    calls = tmp_path / "calls.csv"
    code, _, err = segmentasi_cli(
        monkeypatch,
        capsys,
        "targets",
        str(run_dir),
        "-e",
        "people",
        "-s",
        "1",
        "-p",
        "has_loan",
        "-o",
        str(calls),
        *more,
    )
    assert code == 2 and message in err
    assert list(tmp_path.iterdir()) == []


def test_measure_writes_its_folder_and_names_the_harm(monkeypatch, capsys, tmp_path, split):
    calls = tmp_path / "calls.csv"
    files.write_csv(split.call_list, calls)
    outcomes = segmentasi.synthesize_outcomes(split.call_list, BASE_RATE, PLANTED, seed=11)
    outcomes = outcomes[outcomes.outcome == 1].assign(outcome="yes")
    results = tmp_path / "outcomes.csv"
    outcomes.to_csv(results, index=False)
    out = tmp_path / "measured"
    code, printed, err = segmentasi_cli(
        monkeypatch, capsys, "measure", str(calls), str(results), "--out", str(out), "--lang", "en"
    )
    assert code == 0, err
    assert sorted(p.name for p in out.iterdir()) == [
        "measurement.csv",
        "measurement.html",
        "measurement.json",
    ]
    assert written_by_segmentasi(out)[0] is MEASUREMENT_FOLDER
    table = pd.read_csv(out / "measurement.csv")
    assert table.verdict.tolist()[:2] == ["uplift", "harm"]
    record = json.loads((out / "measurement.json").read_text())
    assert record["segments"][1]["verdict"] == "harm" and record["overall"]["segment"] == "all"
    assert "Contacting LOWERED take-up (not chance) in segment(s): 2" in err
    assert "counted as not taking the product" in printed
    assert "LOWERED" in (out / "measurement.html").read_text()
    code, _, err = segmentasi_cli(
        monkeypatch, capsys, "measure", str(calls), str(results), "--out", str(out)
    )
    assert code == 2 and "use --overwrite" in err
    code, _, err = segmentasi_cli(
        monkeypatch, capsys, "measure", str(calls), str(results), "--out", str(out), "--overwrite"
    )
    assert code == 0, err


def test_measure_refuses_bad_outcomes_with_exit_2_and_writes_nothing(
    monkeypatch, capsys, tmp_path, split
):
    calls = tmp_path / "calls.csv"
    split.call_list.head(20).to_csv(calls, index=False)
    results = tmp_path / "outcomes.csv"
    results.write_text("cust_no,outcome\nC000001,1\nZZZ,1\nC000003,maybe\n")
    code, _, err = segmentasi_cli(
        monkeypatch, capsys, "measure", str(calls), str(results), "--out", str(tmp_path / "m")
    )
    assert code == 2, err
    assert f"{results}: 2 problem(s) found" in err
    assert "ids that are not in the call list, such as 'ZZZ' (row 2)" in err
    assert "values that are not 0/1, yes/no or true/false, such as 'maybe' (row 3)" in err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["calls.csv", "outcomes.csv"]


def test_measure_overwrites_only_a_measurement_folder(monkeypatch, capsys, tmp_path, run_dir):
    calls = tmp_path / "calls.csv"
    split = segmentasi.split_control(call_list({1: 20}), 0.5, seed=0)
    files.write_csv(split.call_list, calls)
    results = tmp_path / "outcomes.csv"
    pd.DataFrame({"cust_no": split.call_list.cust_no[:3], "outcome": 1}).to_csv(
        results, index=False
    )
    foreign = tmp_path / "notes"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("keep me")
    for out, message in [
        (foreign, "is not a segmentasi measurement folder"),
        (run_dir, "is not a segmentasi measurement folder"),
        (run_dir / "people" / "m", "is inside the segmentasi run folder"),
        (tmp_path, "holds the input"),
    ]:
        code, _, err = segmentasi_cli(
            monkeypatch, capsys, "measure", str(calls), str(results), "-o", str(out), "--overwrite"
        )
        assert code == 2 and message in err, (out, err)
    assert (foreign / "keep.txt").read_text() == "keep me"
    assert not (run_dir / "people" / "m").exists()


def test_a_segment_without_a_control_group_is_not_measured_nor_counted_overall():
    split = segmentasi.split_control(call_list({1: 4, 2: 100}), 0.1, seed=0)
    outcomes = segmentasi.synthesize_outcomes(split.call_list, 0.3, seed=0)
    found = segmentasi.measure(split.call_list, outcomes)
    assert found.segments_where("not_measurable") == [1]
    assert (found.overall.contact_customers, found.overall.control_customers) == (90, 10)
    assert (
        math.isnan(found.segments.p_adjusted[0])
        and found.segments.p_adjusted[1] == (found.segments.p_value[1])
    )
    page = html.unescape(render_measurement(found, "en"))
    assert "Left out of the row 'All', as one of their groups holds no customers: Segment 1." in (
        page
    )
    assert "As 1 segments" not in page and "a difference is called not chance when p" in page
