"""`segmentasi search`: guardrails, cross-tabulation detection, Pareto front, configs that rerun."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from segmentasi.cli import app
from segmentasi.config import ConfigError, RunConfig, labels_digest, load_config
from segmentasi.errors import InputError, UserError
from segmentasi.features import FeatureSpace
from segmentasi.metrics import silhouette_scores
from segmentasi.schema import schema_from_dict
from segmentasi.search import (
    Evaluation,
    Explanation,
    Guardrails,
    SearchOptions,
    explain_by_columns,
    information_kept,
    pareto_front,
    search_configurations,
)

TOY = {
    "name": "toy",
    "columns": [
        {"name": "cust", "role": "id"},
        {"name": "tier", "role": "nominal", "levels": ["bronze", "silver", "gold"]},
        {"name": "x", "role": "numeric"},
        {"name": "y", "role": "numeric"},
        {"name": "z", "role": "numeric"},
        {"name": "card", "role": "product"},
    ],
    "experiments": {"toy": {"features": ["tier", "x", "y", "z"]}},
}
QUICK = SearchOptions(
    time_budget=120,
    screen_rows=300,
    scalings=("standard", "none"),
    methods=("kmeans", "kmedoids-manhattan"),
)
QUICK_GUARDS = Guardrails(k_max=5)


def toy_table(rows: int, clustered: bool, seed: int) -> pd.DataFrame:
    """tier: 3 equal levels. x, y, z: three blobs that differ in all three columns (clustered),
    or tiny uniform noise (structureless; in raw units tier's one-hot then dominates).
    card: a product flag outside the experiment, to profile."""
    rng = np.random.default_rng(seed)
    tier = np.array(["bronze", "silver", "gold"])[np.arange(rows) % 3]
    if clustered:
        blob = rng.integers(0, 3, rows)
        centres = np.array([[0, 0, 0], [10, 10, 0], [0, 10, 10]])
        xyz = centres[blob] + rng.normal(0, 0.5, (rows, 3))
    else:
        xyz = rng.uniform(0, 0.01, (rows, 3))
    return pd.DataFrame(
        {
            "cust": [f"C{i}" for i in range(rows)],
            "tier": tier,
            "x": xyz[:, 0],
            "y": xyz[:, 1],
            "z": xyz[:, 2],
            "card": rng.integers(0, 2, rows),
        }
    )


@pytest.fixture(scope="module")
def toy_schema():
    return schema_from_dict(TOY)


@pytest.fixture(scope="module")
def structureless(toy_schema):
    table = toy_table(300, clustered=False, seed=1)
    return search_configurations(
        table, schema=toy_schema, options=QUICK, guardrails=QUICK_GUARDS
    ).experiments["toy"]


@pytest.fixture(scope="module")
def clustered(toy_schema):
    table = toy_table(300, clustered=True, seed=2)
    return search_configurations(
        table, schema=toy_schema, options=QUICK, guardrails=QUICK_GUARDS
    ).experiments["toy"]


def test_one_column_levels_are_a_cross_tabulation():
    table = toy_table(300, clustered=False, seed=3)
    labels = pd.Categorical(table["tier"]).codes
    found = explain_by_columns(table, labels, ["tier", "x", "y", "z"])
    assert found == Explanation("cross-tabulation", ("tier",), 1.0)
    assert found.is_degenerate(Guardrails())


def test_bands_of_one_number_are_a_rule_but_real_blobs_are_not():
    table = toy_table(300, clustered=True, seed=4)
    bands = np.digitize(table["y"], [3, 7])
    found = explain_by_columns(table, bands, ["y"])
    assert (found.kind, found.columns, found.accuracy) == ("rule", ("y",), 1.0)
    assert found.is_degenerate(Guardrails())
    # The blobs are also given by x alone, but they differ in y and z as well: a clustering.
    X = table[["x", "y", "z"]].to_numpy()
    blobs = (table["y"] > 5).astype(int) + (table["z"] > 5).astype(int)
    real = explain_by_columns(table, blobs, ["x", "y", "z"], space=X)
    assert real.accuracy == 1.0 and real.others_explained > 0.9
    assert not real.is_degenerate(Guardrails())


def test_a_nearly_exact_pair_does_not_hide_an_exact_triple():
    """Segments = cells of a x b, one of them split by c: the pair gives about 96% of customers
    their segment and c (which follows b) varies between segments, but the three columns, all
    the features, give every customer its segment."""
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 2, 2000), rng.integers(0, 4, 2000)
    table = pd.DataFrame({"a": a, "b": b, "c": b + (rng.random(2000) < 0.3)})
    labels = np.where((a == 0) & (b == 0) & (table["c"] == 1), 8, a * 4 + b)
    space = table.to_numpy(dtype=float)
    pair_only = explain_by_columns(
        table, labels, ["a", "b", "c"], space=space, guardrails=Guardrails(max_crosstab_columns=2)
    )
    assert pair_only.columns == ("a", "b") and 0.95 < pair_only.accuracy < 1
    assert pair_only.others_explained > 0.25 and not pair_only.is_degenerate(Guardrails())
    found = explain_by_columns(table, labels, ["a", "b", "c"], space=space)
    assert found == Explanation("cross-tabulation", ("a", "b", "c"), 1.0)
    assert found.is_degenerate(Guardrails())


def test_a_cross_tab_scoring_at_least_the_clustering_is_a_disguise():
    near = Explanation("cross-tabulation", ("a", "b"), 0.9, silhouette=0.73)
    guard = Guardrails()
    assert near.is_degenerate(guard, silhouette=0.70)
    assert not near.is_degenerate(guard, silhouette=0.75)
    assert not replace_accuracy(near, 0.7).is_degenerate(guard, silhouette=0.5)
    listing = Explanation("combinations", ("a", "b", "c"), 0.85)
    assert listing.is_degenerate(guard) and not replace_accuracy(listing, 0.5).is_degenerate(guard)


def replace_accuracy(explanation: Explanation, accuracy: float) -> Explanation:
    return Explanation(explanation.kind, explanation.columns, accuracy, explanation.silhouette)


def evaluation(**changes) -> Evaluation:
    fields = {
        "id": "c01",
        "config": RunConfig("toy", ("x", "y", "z"), k_min=3, k_max=3),
        "silhouette": 0.8,
        "silhouette_ci": (0.8, 0.8),
        "silhouette_exact": True,
        "rows": 100,
        "smallest_segment_share": 0.2,
        "stability_ari": 0.95,
        "information_kept": 0.5,
        "features_share": 0.75,
        "explanation": Explanation("rule", ("x",), 0.5),
        "failures": (),
        "labels": np.zeros(100, dtype=np.int32),
        "space": np.zeros((100, 3)),
        "groups": [],
    }
    return Evaluation(**(fields | changes))


def test_guardrails_name_each_broken_rule():
    def failures(candidate: Evaluation) -> list[str]:
        return [words for _, words in candidate.broken_guardrails(Guardrails())]

    assert failures(evaluation()) == []
    assert failures(evaluation(smallest_segment_share=0.03)) == [
        "smallest segment holds 3.0% of customers (minimum 5%)"
    ]
    assert failures(evaluation(stability_ari=0.6)) == [
        "unstable under resampling: mean ARI 0.60 (minimum 0.80)"
    ]
    assert failures(evaluation(stability_ari=float("nan")))[0].startswith("unstable")
    few = evaluation(config=RunConfig("toy", ("x", "y"), k_min=9, k_max=9))
    assert failures(few) == ["k=9 is outside 3..8", "uses 2 features (minimum 3)"]
    crosstab = evaluation(explanation=Explanation("cross-tabulation", ("tier",), 1.0))
    assert failures(crosstab)[0].startswith("not a clustering: it is a cross-tabulation")
    kinds = [kind for kind, _ in crosstab.broken_guardrails(Guardrails())]
    assert kinds == ["cross-tabulation"]


def test_information_kept_and_pareto_front_exact():
    assert information_kept(np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])) == 0.8
    assert information_kept(np.array([[0.0], [0.0], [2.0], [2.0]]), np.array([0, 0, 1, 1])) == 1.0

    class P:
        def __init__(self, silhouette, information_kept):
            self.silhouette, self.information_kept = silhouette, information_kept

    points = [P(0.9, 0.1), P(0.5, 0.5), P(0.4, 0.4), P(0.2, 0.8), P(0.9, 0.05)]
    front = pareto_front(points)
    assert [(p.silhouette, p.information_kept) for p in front] == [
        (0.9, 0.1),
        (0.5, 0.5),
        (0.2, 0.8),
    ]


def test_config_round_trip_and_schema_refinement(toy_schema, tmp_path):
    config = RunConfig(
        "toy",
        ("tier", "x", "y"),
        {"x": "robust", "y": "none"},
        encoding="gower",
        algorithms=("kmedoids",),
        metric="manhattan",
        k_min=4,
        k_max=4,
        seed=3,
        expected={"silhouette": 0.5, "rows": 10},
    )
    path = tmp_path / "c.toml"
    path.write_text(config.to_toml())
    assert load_config(path) == config
    refined = config.schema_for(toy_schema)
    assert refined.experiment("toy").features == ("tier", "x", "y")
    assert refined.experiment("toy").metric == "gower"
    assert refined.column("x").scale == "robust" and refined.column("z").scale == "standard"
    assert config.sweep_options().ks == (4,) and config.sweep_options().seed == 3


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"encoding": "gower"}, "K-Means clusters the standard encoding"),
        ({"scales": {"q": "robust"}}, "not features"),
        ({"k_min": 5, "k_max": 4}, "k_min <= k_max"),
        ({"k_min": 2, "k_max": 10**12}, "k_max <= 100"),
    ],
)
def test_bad_configs_are_refused(changes, message):
    with pytest.raises(ConfigError, match=message):
        RunConfig(**({"experiment": "toy", "features": ("x", "y")} | changes))


def test_unknown_config_keys_and_experiments_are_refused(toy_schema, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('experiment = "toy"\nfeatures = ["x"]\nalgoritm = ["kmeans"]\n')
    with pytest.raises(ConfigError, match="unknown keys"):
        load_config(path)
    with pytest.raises(ConfigError, match="does not have"):
        RunConfig("nope", ("x",)).schema_for(toy_schema)


def test_running_a_config_does_not_load_the_search():
    """`run --config` reads the configuration without importing the search package."""
    code = (
        "import sys, segmentasi.config, segmentasi.cli; "
        "loaded = [m for m in sys.modules if m.split('.')[:2] == ['segmentasi', 'search']]; "
        "assert not loaded, loaded"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_structureless_table_target_not_reachable_and_crosstab_reported(structureless):
    assert not structureless.reachable
    assert "is NOT reachable" in structureless.verdict
    crosstabs = [
        e
        for e in structureless.excluded
        if any("cross-tabulation of tier" in f for f in e.failures)
    ]
    assert crosstabs and max(e.silhouette for e in crosstabs) > 0.9
    assert any("cross-tabulation of tier" in reason for reason in structureless.reasons)
    for guarded in [e for e in structureless.verified if e.guarded]:
        assert guarded.silhouette < 0.7


def test_clustered_table_target_reachable_with_a_real_clustering(clustered):
    assert clustered.reachable and "IS reachable" in clustered.verdict
    best = clustered.best
    assert best.guarded and best.silhouette >= 0.7 and best.k == 3
    assert best.null_silhouette < best.silhouette - 0.2
    assert set(best.config.features) >= {"x", "y", "z"} or len(best.config.features) >= 3


def test_reported_silhouettes_are_recomputed_in_the_stated_space(clustered, toy_schema):
    table = toy_table(300, clustered=True, seed=2)
    for evaluation in clustered.verified:
        config = evaluation.config
        schema = config.schema_for(toy_schema)
        space = FeatureSpace(schema, schema.experiment("toy"), config.encoding).fit(table)
        X = space.transform(table)
        np.testing.assert_array_equal(X, evaluation.space)
        value = silhouette_scores(X, [evaluation.labels], metric=config.metric)[0]
        assert value == pytest.approx(evaluation.silhouette, abs=1e-6)
        assert evaluation.smallest_segment_share == pytest.approx(
            np.bincount(evaluation.labels).min() / len(table)
        )


def test_search_folder_config_reruns_to_the_same_labels(clustered, toy_schema, tmp_path):
    table_path = tmp_path / "toy.csv"
    toy_table(300, clustered=True, seed=2).to_csv(table_path, index=False)
    schema_path = tmp_path / "toy.toml"
    schema_path.write_text(_schema_toml())
    runner = CliRunner()
    found = runner.invoke(
        app,
        [
            "search",
            str(table_path),
            "--schema",
            str(schema_path),
            "--out",
            str(tmp_path / "search"),
            "--k-max",
            "5",
            "--time-budget",
            "60",
            "--quiet",
        ],
    )
    assert found.exit_code == 0, found.output
    assert "IS reachable" in found.output
    best = load_config(tmp_path / "search" / "toy" / "best.toml")
    rerun = runner.invoke(
        app,
        [
            "run",
            str(table_path),
            "--config",
            str(tmp_path / "search" / "toy" / "best.toml"),
            "--out",
            str(tmp_path / "rerun"),
            "--quiet",
        ],
    )
    assert rerun.exit_code == 0, rerun.output
    assert "Reproduces the search" in rerun.output
    sweep = json.loads((tmp_path / "rerun" / "toy" / "sweep.json").read_text())
    assert sweep["recommended"]["silhouette"] == pytest.approx(
        best.expected["silhouette"], abs=1e-12
    )
    labels = pd.read_csv(tmp_path / "rerun" / "toy" / "labels.csv")
    column = f"{best.algorithms[0]}_k{best.k_min}"
    assert labels_digest(labels[column].to_numpy() - 1) == best.expected["labels_sha256"]
    saved = json.loads((tmp_path / "search" / "search.json").read_text())
    assert saved["experiments"]["toy"]["reachable"] is True


def _schema_toml() -> str:
    return """name = "toy"
[[columns]]
name = "cust"
role = "id"
[[columns]]
name = "tier"
role = "nominal"
levels = ["bronze", "silver", "gold"]
[[columns]]
name = "x"
role = "numeric"
[[columns]]
name = "y"
role = "numeric"
[[columns]]
name = "z"
role = "numeric"
[[columns]]
name = "card"
role = "product"
[experiments.toy]
features = ["tier", "x", "y", "z"]
"""


def test_run_config_refuses_experiment_and_algorithm_options(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text(RunConfig("demografi", ("Usia", "Area", "Vintage")).to_toml())
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(Path("missing.csv")),
            "--config",
            str(config),
            "--experiment",
            "produk",
            "--out",
            str(tmp_path / "o"),
        ],
    )
    assert result.exit_code != 0


def test_a_table_too_small_for_the_k_range_is_a_user_error(toy_schema):
    tiny = toy_table(300, clustered=True, seed=2).head(2)
    with pytest.raises(
        UserError, match=r"experiment 'toy': 2 usable rows is too few to search k up to"
    ):
        search_configurations(tiny, schema=toy_schema, options=QUICK, guardrails=QUICK_GUARDS)


def test_a_named_pipe_as_configuration_is_refused_without_reading(tmp_path):
    pipe = tmp_path / "best.toml"
    os.mkfifo(pipe)  # reading it would wait for a writer forever
    with pytest.raises(ConfigError, match=r"best\.toml: it is a named pipe"):
        load_config(pipe)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe k = 1")
    with pytest.raises(ConfigError, match=r"binary\.toml is not UTF-8 text"):
        load_config(binary)


def test_an_endless_time_budget_and_a_two_row_table_are_refused(tmp_path, synthetic):
    for budget in (math.inf, math.nan):
        with pytest.raises(InputError, match="time budget must be a finite number of seconds"):
            SearchOptions(time_budget=budget)
    path = tmp_path / "two.csv"
    synthetic.head(2).to_csv(path, index=False)
    out = tmp_path / "search"
    result = CliRunner().invoke(
        app, ["search", str(path), "--experiment", "demografi", "--out", str(out), "--quiet"]
    )
    assert isinstance(result.exception, InputError)  # main() makes it exit 2
    assert (
        "2 usable rows is too few to search k up to" in str(result.exception) and not out.exists()
    )
