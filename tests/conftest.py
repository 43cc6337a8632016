"""Shared fixtures: small synthetic tables, the other bank's schema, the real table if present."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentasi import SweepOptions, builtin_schema, load_schema, run, synthesize

DATA = Path(__file__).parent / "data"
REAL_TABLE = (
    Path(__file__).resolve().parents[2] / "shared" / "data" / "fundfusion" / "clustering_data.csv"
)


@pytest.fixture(scope="session")
def schema():
    return builtin_schema("fundfusion")


@pytest.fixture(scope="session")
def synthetic(schema) -> pd.DataFrame:
    """600 synthetic FundFusion customers (with the real table's quality problems)."""
    return synthesize(schema, rows=600, seed=7)


@pytest.fixture(scope="session")
def other_schema():
    return load_schema(DATA / "otherbank.toml")


def make_other_bank(rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """A table for tests/data/otherbank.toml with three well separated groups."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 3, rows)
    card = (group == 0).astype(int)
    loan = (rng.random(rows) < 0.3).astype(int)
    return pd.DataFrame(
        {
            "cust_no": [f"C{i:05d}" for i in range(rows)],
            "region": np.array(["north", "south", "east"])[group],
            "age_years": np.clip(25 + 20 * group + rng.integers(-3, 4, rows), 18, 99),
            "segment_tier": np.array(["bronze", "silver", "gold"])[group],
            "has_card": card,
            "has_loan": loan,
            "n_products": card + loan,
        }
    )


@pytest.fixture(scope="session")
def real_table_path() -> Path:
    if not REAL_TABLE.exists():
        pytest.skip(f"real FundFusion table not present at {REAL_TABLE}")
    return REAL_TABLE


@pytest.fixture(scope="session")
def real_run(real_table_path, schema):
    """The real table run once for the tests that place it back: k=3, no stability runs, no
    diagnostics."""
    return run(
        real_table_path,
        schema=schema,
        options=SweepOptions(ks=(3,), stability_runs=0, silhouette_sample=2000),
        diagnose=False,
    )
