"""Campaigns with a control group: hold out part of a call list at random, size the list, and
measure afterwards whether contacting customers raised their take-up.

The split (split_control). Within each segment the control group holds round(share x the
segment's customers) customers, rounded half up, so every segment's control share is as close
to the requested share as whole customers allow (no per-customer coin flips, whose counts
wander). Who is held out is random: every customer draws a uniform key from numpy's default
generator seeded with `seed`, and a segment's lowest keys form its control group. The same
list, share and seed give the same split. The unit is the customer, known by the id: a row
whose id repeats an earlier row's (a table with repeated ids gives such lists) is left out, so
that nobody is both contacted and held out and each outcome belongs to one row.

The size (campaign_power, required_customers, detectable_lift). A two-sided two-proportion
z-test at significance ALPHA with power POWER, the control group a share c of the list (Fleiss,
Levin & Paik 2003, eq. 4.14 without continuity correction, groups of unequal size):

    n_control = (z_a * sqrt(pbar * qbar * (1 + 1/r)) + z_b * sqrt(p1*q1/r + p0*q0))^2 / lift^2
    customers = n_control / c

with p0 the base take-up (the control group's), p1 = p0 + lift (the contacted customers'),
q = 1 - p, r = (1 - c) / c contacted customers per control customer, pbar = (r*p1 + p0)/(1 + r),
z_a = z(1 - ALPHA/2) and z_b = z(POWER) standard normal quantiles. The smallest detectable
lift solves the same equation for the lift at the list's size. Lifts are absolute: 0.02 is
two percentage points of take-up.

The measurement (measure). Per segment and overall: take-up among contacted and control
customers, the uplift (contacted rate minus control rate) with its 95% Newcombe hybrid score
interval (recommend.newcombe_difference), and a two-sided p-value: the pooled two-proportion
z-test (scipy's chi-square test of the 2x2 table without continuity correction, the same
test), or Fisher's exact test when a cell's expected count is below FISHER_BELOW. Segments are
several questions at once, so their p-values are adjusted with Benjamini-Hochberg
(profile.benjamini_hochberg: the false discovery rate across segments kept at ALPHA); the
overall row is one question and keeps its own p-value; it counts the segments where both
groups have customers (a segment of 4 holds out no one at 10%). A segment's effect is
significant when its adjusted p-value is below ALPHA; its interval is its own 95% interval,
not adjusted.
Customers of the call list without an outcome row did not take the product (missing=
"not-taken", the default: an outcome file often lists only the customers who took it), or,
with missing="exclude", are left out of the counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from .errors import InputError, quoted
from .files import read_table, spreadsheet_restored
from .infer import YES_NO
from .profile import benjamini_hochberg
from .recommend import newcombe_difference
from .validation import Problem, ValidationError

CONTACT, CONTROL = "contact", "control"
GROUP_COLUMN = "group"
SEGMENT_COLUMN = "segment"
OUTCOME_COLUMN = "outcome"
DATE_COLUMN = "date"
ID_FALLBACK = "id"
OVERALL = "all"
ALPHA = 0.05
POWER = 0.8
# Without a known base take-up, sizes assume 50%, where a take-up rate varies most: the most
# cautious assumption (a product taken by 5% needs far fewer customers to show the same lift).
CAUTIOUS_BASE_RATE = 0.5
# A lift of more than 10 points of take-up would be an exceptional campaign: a control group
# that cannot detect 10 points cannot tell an ordinary campaign from chance.
LARGEST_PLAUSIBLE_LIFT = 0.10
FISHER_BELOW = 5  # an expected count in the 2x2 table below this: Fisher's exact test
MISSING_OUTCOMES = ("not-taken", "exclude")
TRUE_WORDS = frozenset(yes for yes, _ in YES_NO)
FALSE_WORDS = frozenset(no for _, no in YES_NO)
SHARE_TEXT = re.compile(r"\s*([0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)\s*(%?)\s*")
SPLIT_COUNT_COLUMNS = ["segment", "customers", "contact", "control", "control_share"]
MEASUREMENT_COLUMNS = [
    "segment",
    "contact_customers",
    "contact_takers",
    "contact_rate",
    "control_customers",
    "control_takers",
    "control_rate",
    "uplift",
    "uplift_low",
    "uplift_high",
    "test",
    "p_value",
    "p_adjusted",
    "significant",
    "verdict",
]
# What a row says, in the order of the checks (verdict): no comparison possible; a significant
# rise or fall; otherwise the sign of the estimate, which alone is no evidence.
VERDICTS = (
    "not_measurable",
    "uplift",
    "harm",
    "higher_not_significant",
    "lower_not_significant",
    "no_difference",
)


def parse_share(text: str, option: str, *, allow_zero: bool = False) -> float:
    """A share written as a percentage ('10%', '2,5%') or as a fraction below 1 ('0.1', '0,1').

    A bare number from 1 up ('10', '1') is refused as ambiguous (a percentage, or a fraction
    of 10 or 1?), as is a share outside 0%..100% (0% only with allow_zero; 100% never)."""
    found = SHARE_TEXT.fullmatch(text)
    if found is None:
        raise InputError(
            f"{option}: {quoted(text)} is not a share; write a percentage (10%) or a fraction (0.1)"
        )
    value = float(found[1].replace(",", "."))
    if found[2]:
        value /= 100
    elif value >= 1:
        raise InputError(
            f"{option}: {quoted(text)} is ambiguous; write a percentage ({text.strip()}%) or a "
            "fraction below 1 (0.1 for 10%)"
        )
    if not (0 < value < 1 or (allow_zero and value == 0)):
        lowest = "0%" if allow_zero else "above 0%"
        raise InputError(f"{option}: {quoted(text)} is out of range: give {lowest} to below 100%")
    return value


def _check_share(value: float, what: str, *, allow_zero: bool = False) -> None:
    if not (0 < value < 1 or (allow_zero and value == 0)):
        raise InputError(
            f"the {what} must be a share {'from' if allow_zero else 'above'} 0 and "
            f"below 1, not {value!r}"
        )


# --- the split ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """A call list split into contact and control groups, and how it was split."""

    call_list: pd.DataFrame  # one row per customer, with a `group` column: CONTACT or CONTROL
    counts: pd.DataFrame  # SPLIT_COUNT_COLUMNS, one row per segment
    share: float
    seed: int
    segment_column: str | None
    repeated_ids: int  # rows of the given list left out: their id repeats an earlier row's

    def record(self) -> dict[str, Any]:
        """The split's record (JSON-ready): share, seed, method and counts per segment."""
        return {
            "control_share": self.share,
            "seed": self.seed,
            "stratified_by": self.segment_column,
            "method": "per segment, round(share x customers) held out (half up); who is held "
            "out: the lowest uniform keys drawn by numpy.random.default_rng(seed)",
            "customers": int(self.counts["customers"].sum()),
            "contact": int(self.counts["contact"].sum()),
            "control": int(self.counts["control"].sum()),
            "rows_left_out_for_a_repeated_id": self.repeated_ids,
            "segments": [
                {key: _plain(value) for key, value in row.items()}
                for row in self.counts.to_dict(orient="records")
            ],
        }


def split_control(
    call_list: pd.DataFrame,
    share: float,
    seed: int = 0,
    segment_column: str | None = SEGMENT_COLUMN,
    id_column: str | None = None,
) -> Split:
    """The call list with a `group` column (contact or control), the control group a random
    `share` of each segment (of the whole list when segment_column is None); see the module's
    docstring for how. A customer is contacted or held out once: a row whose id (`id_column`,
    default the first column) repeats an earlier row's is left out (a table with repeated ids
    gives such lists; Split.repeated_ids counts them)."""
    _check_share(share, "control share")
    if GROUP_COLUMN in call_list:
        raise InputError(
            f"the call list already has a {quoted(GROUP_COLUMN)} column: it was split before; "
            "drop the column to split it again"
        )
    id_name = call_list.columns[0] if id_column is None else id_column
    for needed, purpose in ((id_name, "with the customers' ids"), (segment_column, "to split by")):
        if needed is not None and needed not in call_list:
            raise InputError(
                f"the call list has no column {quoted(needed)} {purpose}; columns: "
                f"{', '.join(map(quoted, call_list.columns))}"
            )
    rows = call_list.reset_index(drop=True)
    ids = _ids(rows[id_name])
    problems = [_problem(id_name, "empty ids", ids.isna().to_numpy())] if ids.isna().any() else []
    segment_values = pd.Series(OVERALL, index=rows.index, dtype=object)
    if segment_column is not None:
        segment_values = _segment_values(rows[segment_column])
        if segment_values.isna().any():
            problems.append(
                _problem(segment_column, "empty cells", segment_values.isna().to_numpy())
            )
    _refuse(problems, "the call list")
    first = ~ids.duplicated().to_numpy()
    customers = rows[first].reset_index(drop=True)
    strata, segments = pd.factorize(segment_values[first], sort=True)
    sizes = np.bincount(strata, minlength=len(segments))
    controls = np.floor(share * sizes + 0.5).astype(np.int64)
    keys = np.random.default_rng(seed).random(len(customers))
    order = np.lexsort((keys, strata))
    starts = np.cumsum(sizes) - sizes
    rank = np.empty(len(customers), dtype=np.int64)
    rank[order] = np.arange(len(customers)) - starts[strata[order]]
    customers[GROUP_COLUMN] = np.where(rank < controls[strata], CONTROL, CONTACT)
    counts = pd.DataFrame(
        {
            "segment": list(segments),
            "customers": sizes,
            "contact": sizes - controls,
            "control": controls,
            "control_share": controls / np.maximum(sizes, 1),
        },
        columns=SPLIT_COUNT_COLUMNS,
    )
    return Split(customers, counts, share, seed, segment_column, int((~first).sum()))


# --- the size -----------------------------------------------------------------------------


def required_customers(
    base_rate: float,
    lift: float,
    control_share: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> float:
    """Customers (contacted and control together) a list needs for a two-sided two-proportion
    z-test at `alpha` to detect an absolute `lift` over `base_rate` with `power`, a share
    `control_share` of them held out (the module docstring's formula; not rounded)."""
    p0, p1, c = base_rate, base_rate + lift, control_share
    r = (1 - c) / c
    pooled = (r * p1 + p0) / (1 + r)
    z_alpha, z_power = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    spread = z_alpha * math.sqrt(pooled * (1 - pooled) * (1 + 1 / r)) + z_power * math.sqrt(
        p1 * (1 - p1) / r + p0 * (1 - p0)
    )
    return float(spread**2 / lift**2 / c)


def detectable_lift(
    customers: int,
    control_share: float,
    base_rate: float,
    alpha: float = ALPHA,
    power: float = POWER,
) -> float:
    """The smallest absolute lift over `base_rate` that a list of `customers` detects with
    `power` (required_customers solved for the lift); NaN when not even a rise to 100% is."""
    highest = 1 - base_rate
    if customers <= 0 or required_customers(base_rate, highest, control_share, alpha, power) > (
        customers
    ):
        return math.nan
    return float(
        optimize.brentq(
            lambda lift: (
                required_customers(base_rate, lift, control_share, alpha, power) - customers
            ),
            1e-9,
            highest,
            xtol=1e-12,
        )
    )


@dataclass(frozen=True)
class Power:
    """What a list of `customers` with a `control_share` held out can show (campaign_power)."""

    customers: int
    control_share: float
    base_rate: float
    base_rate_assumed: bool  # True: CAUTIOUS_BASE_RATE, the caller knew none
    lift: float | None  # the lift to detect, if one was asked about
    required: int | None  # customers needed to detect `lift` (None without one)
    detectable_lift: float  # the smallest lift the list detects (NaN: none)
    alpha: float = ALPHA
    power: float = POWER

    @property
    def enough(self) -> bool | None:
        """Whether the list is large enough to detect `lift` (None without one)."""
        return None if self.required is None else self.customers >= self.required

    @property
    def measurable(self) -> bool:
        """Whether the list detects a lift campaigns can achieve (LARGEST_PLAUSIBLE_LIFT)."""
        return bool(self.detectable_lift <= LARGEST_PLAUSIBLE_LIFT)

    def to_dict(self) -> dict[str, Any]:
        return {
            "customers": self.customers,
            "control_share": self.control_share,
            "base_rate": self.base_rate,
            "base_rate_assumed": self.base_rate_assumed,
            "lift": self.lift,
            "required_customers": self.required,
            "enough": self.enough,
            "detectable_lift": None if math.isnan(self.detectable_lift) else self.detectable_lift,
            "measurable": self.measurable,
            "alpha": self.alpha,
            "power": self.power,
            "test": "two-sided two-proportion z-test",
        }


def campaign_power(
    customers: int,
    control_share: float,
    base_rate: float | None = None,
    lift: float | None = None,
    alpha: float = ALPHA,
    power: float = POWER,
) -> Power:
    """The customers needed to detect `lift` (if given) and the smallest lift a list of
    `customers` detects, at `base_rate` (default CAUTIOUS_BASE_RATE, the most cautious)."""
    _check_share(control_share, "control share")
    assumed = base_rate is None
    base = CAUTIOUS_BASE_RATE if base_rate is None else base_rate
    _check_share(base, "base take-up", allow_zero=True)
    required = None
    if lift is not None:
        _check_share(lift, "lift")
        if base + lift > 1:
            raise InputError(
                f"a lift of {lift:.1%} over a base take-up of {base:.1%} is above 100% take-up"
            )
        required = math.ceil(required_customers(base, lift, control_share, alpha, power))
    found = detectable_lift(customers, control_share, base, alpha, power)
    return Power(customers, control_share, base, assumed, lift, required, found, alpha, power)


def split_power(
    split: Split, base_rate: float | None = None, lift: float | None = None
) -> dict[Any, Power]:
    """campaign_power of the whole list (key OVERALL) and, when it has more than one, of each
    segment: every segment's uplift is measured on its own customers."""
    powers = {OVERALL: campaign_power(len(split.call_list), split.share, base_rate, lift)}
    if len(split.counts) > 1:
        for row in split.counts.itertuples(index=False):
            powers[_plain(row.segment)] = campaign_power(
                int(row.customers), split.share, base_rate, lift
            )
    return powers


# --- the measurement ----------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """A campaign measured against its control group (measure)."""

    table: pd.DataFrame  # MEASUREMENT_COLUMNS: one row per segment, the overall row last
    sources: dict[str, str]  # call_list, outcomes: the files (or "DataFrame")
    columns: dict[str, str | None]  # id, outcome, date, segment: the columns read
    options: dict[str, Any]  # since, missing, alpha
    counts: dict[str, Any]  # outcome rows used; customers without one; outcomes ignored

    @property
    def overall(self) -> pd.Series:
        return self.table.iloc[-1]

    @property
    def segments(self) -> pd.DataFrame:
        """The per-segment rows (none when the call list has no segment column)."""
        rows = self.table.iloc[:-1]
        return rows.reset_index(drop=True)

    def segments_where(self, verdict: str) -> list[Any]:
        """The segments with `verdict` (VERDICTS): 'harm' names where contacting lowers
        take-up."""
        return [_plain(s) for s in self.segments.loc[self.segments.verdict == verdict, "segment"]]

    def to_dict(self) -> dict[str, Any]:
        """The record of measurement.json."""
        rows = [
            {key: _plain(value) for key, value in row.items()}
            for row in self.table.to_dict(orient="records")
        ]
        return {
            "call_list": self.sources["call_list"],
            "outcomes": self.sources["outcomes"],
            "columns": dict(self.columns),
            "options": dict(self.options),
            "method": {
                "uplift": "take-up among contacted minus take-up among control customers",
                "interval": "95% Newcombe hybrid score interval of the difference (method 10)",
                "test": "two-sided pooled two-proportion z-test; Fisher's exact test when an "
                f"expected count of the 2x2 table is below {FISHER_BELOW}",
                "correction": "Benjamini-Hochberg across segments (false discovery rate at "
                f"{self.options['alpha']}); the overall row is not adjusted",
                "missing_outcome": "not taken"
                if self.options["missing"] == "not-taken"
                else "left out",
            },
            "counts": dict(self.counts),
            "segments": rows[:-1],
            "overall": rows[-1],
        }


def measure(
    call_list: pd.DataFrame | str | Path,
    outcomes: pd.DataFrame | str | Path,
    *,
    id_column: str | None = None,
    outcome_column: str | None = None,
    date_column: str | None = None,
    since: str | pd.Timestamp | None = None,
    missing: str = "not-taken",
    segment_column: str = SEGMENT_COLUMN,
    alpha: float = ALPHA,
) -> Measurement:
    """Take-up among contacted against control customers, per segment and overall.

    `call_list`: a split call list (split_control; a file or a DataFrame) with the customers'
    id (`id_column`, default its first column), `group` and, if present, `segment_column`.
    `outcomes`: who took the product, one row per customer: the id (the call list's id column,
    matched ignoring case, else a column 'id'), the outcome (`outcome_column`, default
    'outcome' or the only other column; 0/1, yes/no, true/false, ya/tidak) and optionally a
    date (`date_column`, default 'date'; YYYY-MM-DD). Outcomes dated before `since` (the
    campaign's start) are ignored: those customers count as without an outcome. `missing`:
    customers without an outcome row did not take the product ("not-taken") or are left out
    ("exclude"). Every problem with the files is an InputError naming file, column and rows.
    """
    if missing not in MISSING_OUTCOMES:
        raise InputError(
            f"missing outcomes: choose {' or '.join(MISSING_OUTCOMES)}, not {missing!r}"
        )
    start = _since(since)
    calls, call_source = _read(call_list, "call list", restore=True)
    results, outcome_source = _read(outcomes, "outcomes", restore=False)
    id_name, groups, segments, call_ids = _checked_call_list(
        calls, call_source, id_column, segment_column
    )
    columns, took, dates = _checked_outcomes(
        results, outcome_source, id_name, call_ids.dropna().tolist(), outcome_column, date_column
    )
    if start is not None and columns["date"] is None:
        raise InputError(
            f"{outcome_source}: --since needs a date column; none found (columns: "
            f"{', '.join(map(quoted, results.columns))})"
        )
    outcome_ids = _ids(results[columns["id"]])
    before = dates < start if start is not None else pd.Series(False, index=results.index)
    kept = ~before.to_numpy(dtype=bool)
    by_id = pd.Series(took[kept].to_numpy(), index=outcome_ids[kept].to_numpy())
    outcome = call_ids.map(by_id)
    ignored = call_ids.isin(outcome_ids[~kept])
    without = outcome.isna()
    counts = {
        "customers": len(calls),
        "outcome_rows": len(results),
        "outcome_rows_used": int(kept.sum()),
        "without_outcome": _per_group(without, groups),
        "before_since": _per_group(ignored, groups),
        "undated_takers": int((dates.isna() & took.eq(1)).sum()) if columns["date"] else None,
    }
    if missing == "exclude":
        groups, segments, outcome = groups[~without], segments[~without], outcome[~without]
    outcome = outcome.fillna(0.0)
    if not (groups == CONTACT).any() or not (groups == CONTROL).any():
        lacking = CONTROL if (groups == CONTACT).any() else CONTACT
        raise InputError(f"{call_source}: no {lacking} customers to compare with")
    table = _measurement_table(outcome, groups, segments, alpha)
    return Measurement(
        table,
        {"call_list": call_source, "outcomes": outcome_source},
        columns | {"segment": segment_column if segments.notna().all() else None},
        {
            "since": None if start is None else start.date().isoformat(),
            "missing": missing,
            "alpha": alpha,
        },
        counts,
    )


def compare(x1: int, n1: int, x0: int, n0: int) -> dict[str, Any]:
    """Take-up of `x1` of `n1` contacted against `x0` of `n0` control customers: rates, uplift
    with its 95% interval, the test used and its two-sided p-value (NaN when a group is empty)."""
    uplift, low, high = newcombe_difference(x1, n1, x0, n0)
    test, p_value = _test(x1, n1, x0, n0)
    return {
        "contact_customers": n1,
        "contact_takers": x1,
        "contact_rate": x1 / n1 if n1 else math.nan,
        "control_customers": n0,
        "control_takers": x0,
        "control_rate": x0 / n0 if n0 else math.nan,
        "uplift": uplift,
        "uplift_low": low,
        "uplift_high": high,
        "test": test,
        "p_value": p_value,
    }


def _test(x1: int, n1: int, x0: int, n0: int) -> tuple[str, float]:
    """The two-sided test of equal take-up: pooled z-test, or Fisher's exact test for small
    expected counts; ("none", NaN) when a group is empty."""
    if not n1 or not n0:
        return "none", math.nan
    table = np.array([[x1, n1 - x1], [x0, n0 - x0]])
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / table.sum()
    if expected.min() < FISHER_BELOW:
        return "fisher", float(stats.fisher_exact(table).pvalue)
    return "z", float(stats.chi2_contingency(table, correction=False).pvalue)


def verdict(uplift: float, significant: bool) -> str:
    """What a row of the measurement says (VERDICTS)."""
    if math.isnan(uplift):
        return "not_measurable"
    if significant:
        return "uplift" if uplift > 0 else "harm"
    if uplift > 0:
        return "higher_not_significant"
    return "lower_not_significant" if uplift < 0 else "no_difference"


def _measurement_table(
    outcome: pd.Series, groups: pd.Series, segments: pd.Series, alpha: float
) -> pd.DataFrame:
    took = outcome.to_numpy(dtype=float) == 1
    contact = groups.to_numpy() == CONTACT
    compared = np.ones(len(took), dtype=bool)  # the overall row: segments with both groups
    rows = []
    if segments.notna().all():
        for segment in sorted(segments.unique(), key=_segment_order):
            mine = segments.to_numpy() == segment
            rows.append({"segment": _plain(segment)} | _compared(took[mine], contact[mine]))
            compared[mine] = contact[mine].any() and not contact[mine].all()
    segment_p = np.array([row["p_value"] for row in rows], dtype=float)
    for row, adjusted in zip(rows, benjamini_hochberg(segment_p), strict=True):
        row["p_adjusted"] = adjusted
    overall = {"segment": OVERALL} | _compared(took[compared], contact[compared])
    rows.append(overall | {"p_adjusted": overall["p_value"]})
    for row in rows:
        row["significant"] = bool(row["p_adjusted"] < alpha)
        row["verdict"] = verdict(row["uplift"], row["significant"])
    return pd.DataFrame.from_records(rows, columns=MEASUREMENT_COLUMNS)


def _compared(took: np.ndarray, contact: np.ndarray) -> dict[str, Any]:
    return compare(
        int(took[contact].sum()),
        int(contact.sum()),
        int(took[~contact].sum()),
        int((~contact).sum()),
    )


def _per_group(mask: pd.Series, groups: pd.Series) -> dict[str, int]:
    return {group: int((mask & (groups == group)).sum()) for group in (CONTACT, CONTROL)}


def _read(data: pd.DataFrame | str | Path, what: str, restore: bool) -> tuple[pd.DataFrame, str]:
    """The table and its name for messages; a call list read from a file segmentasi wrote has
    its spreadsheet-safe cells restored."""
    if isinstance(data, pd.DataFrame):
        return data.reset_index(drop=True), f"the {what} (DataFrame)"
    table = read_table(data)
    return (spreadsheet_restored(table) if restore else table), str(data)


def _since(since: str | pd.Timestamp | None) -> pd.Timestamp | None:
    if since is None:
        return None
    try:
        return pd.Timestamp(pd.to_datetime(since, format="ISO8601"))
    except (ValueError, TypeError):
        raise InputError(
            f"--since: {quoted(since)} is not a date; write it as YYYY-MM-DD"
        ) from None


def _checked_call_list(
    calls: pd.DataFrame, source: str, id_column: str | None, segment_column: str
) -> tuple[str, pd.Series, pd.Series, pd.Series]:
    """The call list's id column name, groups, segments (NaN without a segment column) and ids;
    InputError listing every problem."""
    if not len(calls.columns):
        raise InputError(f"{source}: the call list has no columns")
    id_name = calls.columns[0] if id_column is None else id_column
    for needed in (id_name, GROUP_COLUMN):
        if needed not in calls:
            hint = (
                ": split the call list first (segmentasi targets ... --control 10%)"
                if needed == GROUP_COLUMN
                else ""
            )
            raise InputError(
                f"{source}: no column {quoted(needed)}{hint}; columns: "
                f"{', '.join(map(quoted, calls.columns))}"
            )
    ids = _ids(calls[id_name])
    groups = calls[GROUP_COLUMN].astype("string").str.strip().str.lower()
    problems = _id_problems(ids, id_name)
    unknown = ~groups.isin([CONTACT, CONTROL]).fillna(False).to_numpy(dtype=bool)
    if unknown.any():
        problems.append(
            _problem(
                GROUP_COLUMN,
                f"values other than {CONTACT!r} and {CONTROL!r}, such as "
                f"{quoted(calls[GROUP_COLUMN][unknown].iloc[0])}",
                unknown,
            )
        )
    segments = pd.Series(np.nan, index=calls.index, dtype=object)
    if segment_column in calls:
        segments = _segment_values(calls[segment_column])
        if segments.isna().any():
            problems.append(_problem(segment_column, "empty cells", segments.isna().to_numpy()))
    _refuse(problems, source)
    return id_name, groups, segments, ids


def _checked_outcomes(
    results: pd.DataFrame,
    source: str,
    call_id: str,
    known_ids: list[str],
    outcome_column: str | None,
    date_column: str | None,
) -> tuple[dict[str, str | None], pd.Series, pd.Series]:
    """The outcome file's columns (id, outcome, date), outcomes as 1/0 and dates (NaT where
    none); InputError listing every problem."""
    id_name = _column(results, call_id) or _column(results, ID_FALLBACK)
    if id_name is None:
        raise InputError(
            f"{source}: no id column {quoted(call_id)} (the call list's) or {quoted(ID_FALLBACK)};"
            f" columns: {', '.join(map(quoted, results.columns))}"
        )
    date_name = _given_or_found(results, source, date_column, DATE_COLUMN)
    outcome_name = _given_or_found(results, source, outcome_column, OUTCOME_COLUMN)
    if outcome_name is None:
        others = [c for c in results.columns if c not in (id_name, date_name)]
        if len(others) != 1:
            raise InputError(
                f"{source}: no column {quoted(OUTCOME_COLUMN)}; name the outcome column "
                f"(--outcome); columns: {', '.join(map(quoted, results.columns))}"
            )
        outcome_name = others[0]
    ids = _ids(results[id_name])
    problems = _id_problems(ids, id_name)
    stranger = (ids.notna() & ~ids.isin(known_ids)).to_numpy(dtype=bool)
    if stranger.any():
        problems.append(
            _problem(
                id_name,
                f"ids that are not in the call list, such as {quoted(ids[stranger].iloc[0])}",
                stranger,
            )
        )
    took = _binary(results[outcome_name])
    if took.isna().any():
        bad = took.isna().to_numpy()
        problems.append(
            _problem(
                outcome_name,
                f"values that are not 0/1, yes/no or true/false, such as "
                f"{quoted(results[outcome_name][bad].iloc[0])}",
                bad,
            )
        )
    dates = pd.Series(pd.NaT, index=results.index, dtype="datetime64[ns]")
    if date_name is not None:
        dates, unreadable = _dates(results[date_name])
        if unreadable.any():
            problems.append(
                _problem(
                    date_name,
                    f"values that are not dates (YYYY-MM-DD), such as "
                    f"{quoted(results[date_name][unreadable].iloc[0])}",
                    unreadable,
                )
            )
    _refuse(problems, source)
    return {"id": id_name, "outcome": outcome_name, "date": date_name}, took, dates


def _column(frame: pd.DataFrame, name: str) -> str | None:
    """`name` as the frame spells it: exactly, else ignoring case; None when absent."""
    if name in frame:
        return name
    matches = [c for c in frame.columns if str(c).casefold() == name.casefold()]
    return matches[0] if matches else None


def _given_or_found(
    frame: pd.DataFrame, source: str, given: str | None, default: str
) -> str | None:
    """The column the caller named (InputError when absent), else `default` if present."""
    if given is None:
        return _column(frame, default)
    if given not in frame:
        raise InputError(
            f"{source}: no column {quoted(given)}; columns: {', '.join(map(quoted, frame.columns))}"
        )
    return given


def _ids(values: pd.Series) -> pd.Series:
    """Ids as stripped text (whole numbers without '.0'), missing where blank."""
    if pd.api.types.is_float_dtype(values) and (values.dropna() % 1 == 0).all():
        values = values.astype("Int64")
    text = values.astype("string").str.strip()
    return text.where(text != "")


def _id_problems(ids: pd.Series, column: str) -> list[Problem]:
    problems = []
    blank = ids.isna().to_numpy()
    if blank.any():
        problems.append(_problem(column, "empty ids", blank))
    repeated = (ids.notna() & ids.duplicated(keep=False)).to_numpy(dtype=bool)
    if repeated.any():
        problems.append(
            _problem(column, f"repeated ids, such as {quoted(ids[repeated].iloc[0])}", repeated)
        )
    return problems


def _binary(values: pd.Series) -> pd.Series:
    """1.0 for a yes word, 0.0 for a no word (infer.YES_NO, any case), NaN otherwise."""
    text = values.astype("string").str.strip().str.lower()
    yes = text.isin(TRUE_WORDS).fillna(False).to_numpy(dtype=bool)
    no = text.isin(FALSE_WORDS).fillna(False).to_numpy(dtype=bool)
    return pd.Series(np.where(yes, 1.0, np.where(no, 0.0, np.nan)), index=values.index)


def _dates(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Dates (NaT where blank) and the cells that are not dates."""
    blank = values.isna() | values.astype("string").str.strip().eq("").fillna(True)
    parsed = pd.to_datetime(values.where(~blank), errors="coerce", format="ISO8601")
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed, (~blank & parsed.isna()).to_numpy(dtype=bool)


def _segment_values(values: pd.Series) -> pd.Series:
    """Segments as whole numbers where every one is a number (a CSV gives text), else as
    stripped text; missing where blank."""
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    numbers = pd.to_numeric(text, errors="coerce")
    given = text.notna()
    if (numbers[given] % 1 == 0).all():
        return numbers.astype("Int64").astype(object).where(given, None)
    return text.astype(object).where(given, None)


def _segment_order(segment: Any) -> tuple[int, Any]:
    return (0, segment) if isinstance(segment, int | np.integer) else (1, str(segment))


def _problem(column: str, message: str, mask: np.ndarray) -> Problem:
    rows = np.flatnonzero(mask)
    return Problem(str(column), message, tuple(int(r) + 1 for r in rows[:5]), len(rows))


def _refuse(problems: list[Problem], source: str) -> None:
    if problems:
        raise InputError(ValidationError(problems, source).explain())


def _plain(value: Any) -> Any:
    """A numpy scalar as a plain Python value (for JSON and dictionary keys)."""
    return value.item() if isinstance(value, np.generic) else value


# --- synthetic outcomes -------------------------------------------------------------------


def synthesize_outcomes(
    call_list: pd.DataFrame,
    base_rate: float | Mapping[Any, float],
    uplift_by_segment: Mapping[Any, float] | None = None,
    seed: int = 0,
    *,
    id_column: str | None = None,
    segment_column: str = SEGMENT_COLUMN,
) -> pd.DataFrame:
    """Outcomes with a known effect, for tests and rehearsals: every customer of a split call
    list takes the product with probability `base_rate` (a share, or one per segment), plus,
    when contacted, the segment's uplift (`uplift_by_segment`, 0 where not given; negative for
    harm). Columns: the call list's id column (default its first) and `outcome` (1 or 0)."""
    id_name = call_list.columns[0] if id_column is None else id_column
    segments = call_list[segment_column]
    if isinstance(base_rate, Mapping):
        base = segments.map(base_rate)
        if base.isna().any():
            raise InputError(f"no base take-up for segment {quoted(segments[base.isna()].iloc[0])}")
    else:
        base = pd.Series(float(base_rate), index=call_list.index)
    uplift = segments.map(dict(uplift_by_segment or {})).fillna(0.0).astype(float)
    contacted = (call_list[GROUP_COLUMN] == CONTACT).to_numpy()
    rate = base.to_numpy(dtype=float) + np.where(contacted, uplift.to_numpy(), 0.0)
    if ((rate < 0) | (rate > 1)).any():
        raise InputError("base take-up plus uplift must stay between 0 and 1 in every segment")
    # A stream of its own: with the split's (default_rng(seed)) and the same seed, the control
    # group, the lowest keys, would be exactly the customers with the lowest draws here.
    draws = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1,)))
    took = draws.random(len(call_list)) < rate
    return pd.DataFrame({id_name: call_list[id_name].to_numpy(), OUTCOME_COLUMN: took.astype(int)})
