"""The peer baseline's job alone, done by segmentasi: run by bench_real.py as a child process.

Both experiments, K-Means and K-Medoids, k=2..10, every fit scored by its exact silhouette, as
`segmentasi run` does it (same feature spaces, the run's worker processes), plus the stability
runs the sweep always makes; without what a run adds beyond the baseline (profiles, offers and
their validation, diagnostics, report, model files). Prints one JSON line.

    python benchmarks/sweep_only.py CSV
"""

from __future__ import annotations

import json
import sys
import time

started = time.perf_counter()

from segmentasi import SweepOptions, load_schema, read_table, validate  # noqa: E402
from segmentasi.features import FeatureSpace  # noqa: E402
from segmentasi.parallel import Workers, default_workers  # noqa: E402
from segmentasi.sweep import Space, run_sweep  # noqa: E402


def main() -> None:
    schema = load_schema()
    table, _ = validate(read_table(sys.argv[1]), schema)
    options = SweepOptions()
    silhouettes = {}
    with Workers(default_workers(len(table))) as workers:
        for name in schema.experiments:
            experiment = schema.experiment(name)
            X = FeatureSpace(schema, experiment).fit_transform(table)
            spaces = {
                "kmeans": Space(X, "euclidean", "standard"),
                "kmedoids": Space(X, experiment.metric, "standard"),
            }
            sweep = run_sweep(spaces, options, workers=workers)
            for row in sweep.table.itertuples():
                silhouettes[f"{name}/{row.algorithm}/{row.k}"] = float(row.silhouette)
    print(json.dumps({"total_s": time.perf_counter() - started, "silhouette": silhouettes}))


if __name__ == "__main__":
    main()
