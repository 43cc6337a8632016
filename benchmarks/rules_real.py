"""The rules of the real table's recommended models: fidelity, depth, and their SQL in engines.

For each experiment of a default run on the real FundFusion table (diagnostics off: they do
not change the recommended model), this prints:

- the rules' held-out fidelity at each depth 1..4, the depth chosen and whether 95% is reached
  within depth 4 (rules.py), per segment, and how many rules are faithful and proven exact;
- the SQL query (sql.py) run in DuckDB over the raw table, against SavedModel.assign: rows
  placed alike with the exact rules (the default) and with every faithful rule; then the same
  in SQLite, which has no 4-byte float;
- the seconds fitting the rules takes, on the table and on 1,000,000 synthetic customers placed
  by the same model (the run fits them in a worker beside the profiles).

    python benchmarks/rules_real.py [CSV] [--rows N] [--json OUT]

Skips with a message (exit 0) when the table is absent.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import sys
import time
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from common import REAL_TABLE
from segmentasi import builtin_schema, read_table, run, synthesize, validate
from segmentasi.model import SavedModel
from segmentasi.rules import fit_rules


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("table", nargs="?", default=str(REAL_TABLE))
    parser.add_argument("--rows", type=int, default=1_000_000, help="synthetic rows to time")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    path = Path(args.table)
    if not path.exists():
        print(f"skipped: the real table is not at {path}")
        return
    started = time.perf_counter()
    result = run(path, diagnose=False)
    print(f"run: {time.perf_counter() - started:.1f} s")
    raw = read_table(path)
    synthetic = synthesize(builtin_schema("fundfusion"), rows=args.rows, seed=1)
    figures = {name: measure(result, name, raw, synthetic) for name in result.experiments}
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")


def measure(result: Any, name: str, raw: pd.DataFrame, synthetic: pd.DataFrame) -> dict:
    model = SavedModel.from_run(result, name)
    rules = model.rules()
    fidelity = rules.fidelity
    exp = result.experiments[name]
    used = result.table.loc[exp.rows]
    clock = time.perf_counter()
    fit_rules(used, exp.labels, model.placement, result.options.sweep.seed)
    fit_seconds = time.perf_counter() - clock
    expected = assigned(model, raw)
    agreement = {
        f"{engine}_{mode}": int((in_sql(rules, raw, engine, mode) == expected).sum())
        for engine in ("duckdb", "sqlite")
        for mode in ("exact", "faithful")
    }
    large_seconds = fit_seconds_on(model, synthetic)
    figures = {
        "model": f"{model.algorithm} k={model.k}",
        "fidelity_by_depth": fidelity.by_depth,
        "depth": fidelity.depth,
        "reached_95": fidelity.reached,
        "fidelity_by_segment": fidelity.by_segment,
        "rules": len(rules.leaves),
        "faithful": sum(leaf.faithful for leaf in rules.leaves),
        "exact": sum(rules.exact),
        "rows": len(raw),
        "sql_agrees": agreement,
        "fit_seconds": fit_seconds,
        f"fit_seconds_{len(synthetic)}_rows": large_seconds,
    }
    depths = ", ".join(f"{d}: {f:.2%}" for d, f in fidelity.by_depth.items())
    reached = "reached" if fidelity.reached else "not reachable within depth 4"
    print(f"\n{name} ({figures['model']}, {len(exp.rows):,} customers placed)")
    print(f"  held-out fidelity by depth: {depths}; 95% {reached}; depth {fidelity.depth}")
    segments = ", ".join(f"{s}: {f:.1%}" for s, f in fidelity.by_segment.items())
    print(f"  per segment: {segments}")
    print(
        f"  rules: {figures['rules']}, faithful {figures['faithful']}, "
        f"proven exact {figures['exact']}"
    )
    for key, same in agreement.items():
        print(f"  SQL {key}: {same:,} of {len(raw):,} rows as assign places them")
    print(
        f"  fitting the rules: {fit_seconds:.2f} s here, {large_seconds:.2f} s on "
        f"{len(synthetic):,} synthetic customers"
    )
    return figures


def assigned(model: SavedModel, table: pd.DataFrame) -> np.ndarray:
    return model.assign(table).table["segment"].fillna(0).to_numpy(dtype=np.int64)


def in_sql(rules: Any, table: pd.DataFrame, engine: str, mode: str) -> np.ndarray:
    """The query's segments (0 for NULL), in the table's order, run in DuckDB or SQLite."""
    numbered = table.assign(row_number=np.arange(len(table)))
    query = rules.sql(engine, keep=["row_number"], mode=mode)
    if engine == "duckdb":
        connection = duckdb.connect()
        connection.register("customers", numbered)
        found = connection.execute(query).df()
    else:
        connection = sqlite3.connect(":memory:")
        numbered.to_sql("customers", connection, index=False)
        found = pd.DataFrame(
            connection.execute(query).fetchall(), columns=["row_number", "segment"]
        )
    found = found.sort_values("row_number")
    return found["segment"].fillna(0).to_numpy(dtype=np.int64)


def fit_seconds_on(model: SavedModel, table: pd.DataFrame) -> float:
    """Seconds fit_rules takes on `table`'s customers the model places."""
    features = list(model.experiment.features)
    clean, _ = validate(table, model.schema, columns=features, allow_extra=True, strict=False)
    segments = model.assign(table).table["segment"]
    placed = segments.notna().to_numpy()
    labels = segments[placed].to_numpy(dtype=np.int64) - 1
    clock = time.perf_counter()
    fit_rules(clean[placed], labels, model.placement, 0)
    return time.perf_counter() - clock


if __name__ == "__main__":
    sys.exit(main())
