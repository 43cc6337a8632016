"""`segmentasi track` on two periods of 1,000,000 synthetic customers: wall time and peak memory.

Fits `demografi` once on 5,000 synthetic customers (segmentasi.synthesize, seed 0) and saves its
recommended model; synthesizes the first period (seed 1, ids made unique: synthesize repeats ids
as the real table does), plants a second with segmentasi.period_shift (moves 1->2 5% and 2->3
2%, 3% left, 2% joined, drift of a product column the model does not use, so the planted matrix
is exact) and writes both as CSV. Then, each in its own child process (common.measure: wall
seconds, and peak memory as the larger of the child's own peak RSS and the summed PSS of its
process tree, workers included):
  read     files.read_table of one period (what the track command does first, per period)
  track    `python -m segmentasi.cli track MODEL --before JAN.csv --after FEB.csv --out DIR`
and checks that the tracked transition matrix equals the planted one.
Run: .venv/bin/python benchmarks/bench_track.py [--rows N] [--keep FOLDER]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import segmentasi
from common import measure
from segmentasi.model import SavedModel

FIT_ROWS = 5_000
ROWS = 1_000_000
MOVES = {(1, 2): 0.05, (2, 3): 0.02}
DRIFT = {"Produk_Deposito": "1+20%"}


def prepare(folder: Path, rows: int) -> tuple[Path, Path, Path, list[list[int]]]:
    """The model, both periods as CSV, and the planted transition counts."""
    schema = segmentasi.builtin_schema("fundfusion")
    options = segmentasi.SweepOptions(ks=tuple(range(3, 7)), stability_runs=0)
    fit = segmentasi.synthesize(schema, rows=FIT_ROWS, seed=0)
    result = segmentasi.run(fit, schema=schema, experiments=["demografi"], options=options)
    model = SavedModel.from_run(result, "demografi")
    model_path = model.save(folder / "demografi.model")
    first = segmentasi.synthesize(schema, rows=rows, seed=1)
    id_name = schema.id_column.name
    first[id_name] = [f"C{i:07d}" for i in range(rows)]
    started = time.perf_counter()
    planted = segmentasi.period_shift(
        first, model, moves=MOVES, left=0.03, joined=0.02, drift=DRIFT, seed=7
    )
    print(f"period_shift on {rows:,} rows: {time.perf_counter() - started:.1f} s", flush=True)
    before, after = folder / "jan.csv", folder / "feb.csv"
    first.to_csv(before, index=False)
    planted.table.to_csv(after, index=False)
    print(
        f"model k={model.k}; {rows:,} customers before, {len(planted.table):,} after, "
        f"{len(planted.moved):,} moved, {len(planted.left):,} left, "
        f"{len(planted.joined):,} joined",
        flush=True,
    )
    return model_path, before, after, planted.transitions.to_numpy().tolist()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=ROWS)
    parser.add_argument("--keep", type=Path, help="Folder to keep the tables and the output in.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-track-") as temp:
        folder = args.keep or Path(temp)
        folder.mkdir(parents=True, exist_ok=True)
        model, before, after, planted = prepare(folder, args.rows)
        read = [sys.executable, "-c", f"import segmentasi; segmentasi.read_table({str(before)!r})"]
        seconds, peak, _ = measure(read)
        print(f"read_table of one period: {seconds:.1f} s, peak {peak:,.0f} MiB", flush=True)
        out = folder / "feb-track"
        command = [sys.executable, "-m", "segmentasi.cli", "track", str(model)]
        command += ["--before", str(before), "--after", str(after), "--out", str(out)]
        seconds, peak, _ = measure([*command, "--quiet", "--overwrite"])
        tracked = json.loads((out / "tracking.json").read_text(encoding="utf-8"))
        exact = tracked["transitions"]["counts"] == planted
        print(
            f"track: {seconds:.1f} s, peak {peak:,.0f} MiB (all processes); verdict "
            f"{tracked['verdict']['decision']}; {tracked['customers']['moved']:,} movers; "
            f"matrix equals the planted one: {'yes' if exact else 'NO'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
