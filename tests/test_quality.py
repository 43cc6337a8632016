from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from segmentasi.errors import InputError
from segmentasi.quality import Handling, apply_handling, assess
from segmentasi.schema import schema_from_dict
from segmentasi.text.findings import describe

SCHEMA = schema_from_dict(
    {
        "name": "mini",
        "columns": [
            {"name": "id", "role": "id"},
            {"name": "status", "role": "nominal", "levels": ["a", "b", "w"]},
            {"name": "age", "role": "numeric"},
            {"name": "const", "role": "numeric"},
            {"name": "p1", "role": "product"},
            {"name": "p2", "role": "product"},
            {"name": "n", "role": "derived_count", "of": ["p1", "p2"]},
        ],
        "experiments": {"e": {"features": ["status", "age"]}},
    }
)


@pytest.fixture
def table() -> pd.DataFrame:
    status = np.array(["a"] * 40 + ["b"] * 40 + ["w"] * 20)
    age = np.arange(100, dtype=float) % 50 + 20
    age[status == "w"] = np.nan
    age[0] = 1000.0  # one far outlier
    p1 = np.arange(100) % 2
    p2 = (np.arange(100) // 2) % 2
    return pd.DataFrame(
        {
            "id": [f"X{i}" for i in range(97)] + ["X1", "X1", "X2"],
            "status": pd.Categorical(status, categories=["a", "b", "w"]),
            "age": age,
            "const": 5.0,
            "p1": p1,
            "p2": p2,
            "n": p1 + p2,
        }
    )


def kinds(report):
    return [f.kind for f in report.findings]


def test_missing_concentrated_in_one_level_is_named(table):
    report = assess(table, SCHEMA)
    concentrated = [f for f in report.findings if f.kind == "missing_concentrated"]
    assert len(concentrated) == 1
    finding = concentrated[0]
    assert finding.column == "age" and finding.params["by"] == "status"
    assert finding.params["level"] == "w"
    assert finding.params["share_level"] == 1.0 and finding.params["share_rest"] == 0.0
    text = describe(finding, "en")
    assert text.startswith(
        "'age' is missing in 100.0% of rows where status = w (20 of 20), and in 0.0% elsewhere"
    )
    assert "kosong pada 100,0% baris dengan status = w" in describe(finding, "id")


def test_duplicate_ids_counted_with_examples(table):
    dup = next(f for f in assess(table, SCHEMA).findings if f.kind == "duplicate_ids")
    assert dup.params["ids"] == 2  # X1 (3 times), X2 (twice)
    assert dup.params["rows"] == 5
    assert dup.params["extra_rows"] == 3
    assert dup.params["examples"] == {"X1": 3, "X2": 2}


def test_outliers_constant_columns_and_derived_counts(table):
    report = assess(table, SCHEMA)
    outliers = next(f for f in report.findings if f.kind == "outliers")
    assert outliers.column == "age" and outliers.params["count"] == 1
    assert "constant_column" in kinds(report)
    assert "derived_consistent" in kinds(report)
    summary = report.columns.set_index("column")
    assert summary.loc["age", "missing"] == 20
    assert summary.loc["age", "missing_share"] == pytest.approx(0.2)
    assert summary.loc["status", "levels"] == "a: 40; b: 40; w: 20"


def test_handling_drops_duplicates_and_missing_when_asked(table):
    kept, actions = apply_handling(table, SCHEMA, Handling(), ["status", "age"])
    assert len(kept) == 100 and [a.kind for a in actions] == ["kept_duplicate_ids"]
    dropped, actions = apply_handling(
        table, SCHEMA, Handling(missing="drop", duplicate_ids="drop"), ["status", "age"]
    )
    assert [a.kind for a in actions] == ["dropped_duplicate_ids", "dropped_missing"]
    assert dropped["id"].is_unique and dropped["age"].notna().all()
    # the three repeated IDs sit in the 'w' rows, whose age is missing anyway
    assert len(dropped) == 80
    assert [a.params["rows"] for a in actions] == [3, 17]


def test_bad_handling_option_is_a_user_error():
    expected = "missing handling must be one of set-aside, indicate, impute, drop, not 'guess'"
    with pytest.raises(InputError, match=expected):
        Handling(missing="guess")
