"""How far two run folders of the same table, one per engine, agree (issue 16's criteria).

    python benchmarks/engine_agreement.py IN_PROCESS_RUN SPARK_RUN TABLE

Per (experiment, algorithm): the k each chose; their silhouettes at that k and whether each lies
within the other's 95% interval (an exact silhouette has none: then the other's interval must
hold it); for K-Means, the adjusted Rand index between the two chosen models' labels of every
customer of TABLE (each model placing the table as `segmentasi assign` does); for K-Medoids, the
relative difference of the total deviation (the sweep's cost at the chosen k).
Criteria: same k, silhouettes agree, K-Means ARI >= 0.95, K-Medoids deviation within 1%.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
from sklearn.metrics import adjusted_rand_score

from segmentasi import load_model
from segmentasi.files import read_table

ARI_TARGET = 0.95
DEVIATION_TARGET = 0.01


def chosen_rows(run: Path, experiment: str) -> dict[str, pd.Series]:
    """The sweep row of each algorithm's chosen k."""
    sweep = pd.read_csv(run / experiment / "sweep.csv")
    return {row.algorithm: row for _, row in sweep[sweep.chosen].iterrows()}


def silhouettes_agree(one: pd.Series, other: pd.Series) -> bool:
    """Each value within the other's interval (an exact value has a zero-width interval)."""

    def interval(row: pd.Series) -> tuple[float, float]:
        if row.silhouette_exact:
            return row.silhouette, row.silhouette
        return row.silhouette_ci_low, row.silhouette_ci_high

    (low_a, high_a), (low_b, high_b) = interval(one), interval(other)
    return bool(low_a <= other.silhouette <= high_a or low_b <= one.silhouette <= high_b)


def labels_of(run: Path, experiment: str, algorithm: str, table: pd.DataFrame) -> pd.Series:
    """Every customer's segment under the run's chosen model of `algorithm`."""
    model = load_model(run / experiment / "models" / f"{algorithm}.model")
    return model.assign(table, top_offers=0).table["segment"].fillna(0).astype(int)


def agreement(in_process: Path, spark: Path, table_path: Path) -> pd.DataFrame:
    """One row per (experiment, algorithm) with the figures and whether each criterion holds."""
    table = read_table(table_path)
    experiments = json.loads((in_process / "manifest.json").read_text())["options"]
    rows = []
    for experiment in experiments["experiments"]:
        mine, theirs = chosen_rows(in_process, experiment), chosen_rows(spark, experiment)
        for algorithm, row in mine.items():
            other = theirs[algorithm]
            figures = {
                "experiment": experiment,
                "algorithm": algorithm,
                "k_in_process": int(row.k),
                "k_spark": int(other.k),
                "same_k": int(row.k) == int(other.k),
                "silhouette_in_process": row.silhouette,
                "silhouette_spark": other.silhouette,
                "silhouettes_agree": silhouettes_agree(row, other),
            }
            if algorithm == "kmeans":
                ari = adjusted_rand_score(
                    labels_of(in_process, experiment, algorithm, table),
                    labels_of(spark, experiment, algorithm, table),
                )
                figures |= {"kmeans_ari": ari, "criterion_met": ari >= ARI_TARGET}
            else:
                gap = abs(other.cost - row.cost) / row.cost
                figures |= {"deviation_gap": gap, "criterion_met": gap <= DEVIATION_TARGET}
            rows.append(figures)
    return pd.DataFrame(rows)


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    found = agreement(*(Path(arg) for arg in sys.argv[1:]))
    print(found.to_string(index=False))


if __name__ == "__main__":
    main()
