"""How far two run folders of the same table, one per engine, agree (issue 16's criteria).

    python benchmarks/engine_agreement.py IN_PROCESS_RUN SPARK_RUN TABLE

Per (experiment, algorithm): the k each chose; their silhouettes at that k and whether each lies
within the other's 95% interval (an exact silhouette has none: then the other's interval must
hold it); for K-Means, the adjusted Rand index between the two chosen models' labels of every
customer of TABLE (each model placing the table as `segmentasi assign` does); for K-Medoids, the
relative difference of the total deviation (the sweep's cost at the in-process engine's k).
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


def sweep_of(run: Path, experiment: str) -> pd.DataFrame:
    """The run's sweep of an experiment, indexed by (algorithm, k)."""
    return pd.read_csv(run / experiment / "sweep.csv").set_index(["algorithm", "k"])


def half_width(row: pd.Series) -> float:
    """Half the 95% interval of a silhouette (0 for an exact one)."""
    if row.silhouette_exact:
        return 0.0
    return (row.silhouette_ci_high - row.silhouette_ci_low) / 2


def silhouettes_agree(one: pd.Series, other: pd.Series) -> bool:
    """The two values differ by no more than the 95% interval of their difference: two
    independent estimates, so the half-widths add in quadrature (an exact value has none, and
    then the other's interval must hold it). Asking each value to lie in the other's interval
    fails about one time in six for two unbiased estimates of the same value."""
    allowed = (half_width(one) ** 2 + half_width(other) ** 2) ** 0.5
    return bool(abs(one.silhouette - other.silhouette) <= allowed)


def labels_of(run: Path, experiment: str, algorithm: str, table: pd.DataFrame) -> pd.Series:
    """Every customer's segment under the run's chosen model of `algorithm`."""
    model = load_model(run / experiment / "models" / f"{algorithm}.model")
    return model.assign(table, top_offers=0).table["segment"].fillna(0).astype(int)


def agreement(in_process: Path, spark: Path, table_path: Path) -> pd.DataFrame:
    """One row per (experiment, algorithm) with the figures and whether each criterion holds:
    the chosen k, the silhouettes at it (and over the whole sweep: at how many k they agree),
    the K-Means labels' ARI and the K-Medoids total deviation at the in-process engine's k."""
    table = read_table(table_path)
    experiments = json.loads((in_process / "manifest.json").read_text())["options"]
    rows = []
    for experiment in experiments["experiments"]:
        mine, theirs = sweep_of(in_process, experiment), sweep_of(spark, experiment)
        for algorithm in mine.index.unique("algorithm"):
            sweep, other_sweep = mine.loc[algorithm], theirs.loc[algorithm]
            k, other_k = (
                int(sweep.index[sweep.chosen][0]),
                int(other_sweep.index[other_sweep.chosen][0]),
            )
            row, other = sweep.loc[k], other_sweep.loc[k]
            agreeing = [silhouettes_agree(sweep.loc[j], other_sweep.loc[j]) for j in sweep.index]
            figures = {
                "experiment": experiment,
                "algorithm": algorithm,
                "k_in_process": k,
                "k_spark": other_k,
                "same_k": k == other_k,
                "silhouette_in_process": row.silhouette,
                "silhouette_spark": other.silhouette,
                "silhouettes_agree": silhouettes_agree(row, other),
                "ks_agreeing": f"{sum(agreeing)}/{len(agreeing)}",
            }
            if algorithm == "kmeans":
                ari = adjusted_rand_score(
                    labels_of(in_process, experiment, algorithm, table),
                    labels_of(spark, experiment, algorithm, table),
                )
                figures |= {"kmeans_ari": ari, "measure_met": ari >= ARI_TARGET}
            else:
                gap = abs(other.cost - row.cost) / row.cost
                figures |= {"deviation_gap": gap, "measure_met": gap <= DEVIATION_TARGET}
            figures["criterion_met"] = bool(
                figures["same_k"] and figures["silhouettes_agree"] and figures["measure_met"]
            )
            rows.append(figures)
    return pd.DataFrame(rows)


def main() -> None:
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    found = agreement(*(Path(arg) for arg in sys.argv[1:]))
    print(found.to_string(index=False))


if __name__ == "__main__":
    main()
