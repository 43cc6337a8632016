"""Tests for segmentasi.spark: the distributed algorithms against their in-process twins, on
small tables in one local Spark session (conftest's `spark`)."""

from __future__ import annotations

import importlib.util
import socket

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import silhouette_samples

from segmentasi.algorithms import assign, fit_kmeans, fit_sweep
from segmentasi.algorithms import kmedoids as kmedoids_fits
from segmentasi.errors import UserError
from segmentasi.metrics import silhouette_samples_many
from segmentasi.spark import session

from .test_algorithms import overlapping_groups, product_flags

# pyspark 4.3's own complaints about pandas 3, not segmentasi's.
pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]
spark_test = pytest.mark.spark

BLOBS = (
    np.random.default_rng(0).normal(scale=0.3, size=(600, 3))
    + np.random.default_rng(1).integers(0, 3, 600)[:, None] * np.array([4.0, 0.0, -4.0])
).astype(np.float32)
GROUPS = overlapping_groups(1500, 4, seed=3)
FLAGS = product_flags(300, seed=2)


def by_value(X: np.ndarray) -> np.ndarray:
    """X's rows sorted by value, the order a table gathered from Spark comes in."""
    return X[np.lexsort(X.T[::-1])]


def encoded(spark, X: np.ndarray, metric: str = "euclidean", extra: dict | None = None):
    from segmentasi.spark.rows import EncodedRows, feature_columns

    table = pd.DataFrame(X, columns=feature_columns(X.shape[1])).assign(**(extra or {}))
    return EncodedRows(spark.createDataFrame(table), X.shape[1], metric, len(X))


@pytest.fixture(scope="module")
def flags(spark):
    """FLAGS collapsed: its distinct rows, each weighted by how many customers share it."""
    from segmentasi.spark.rows import collapse

    return collapse(encoded(spark, FLAGS, "manhattan"))


@spark_test
def test_collapse_weights_each_distinct_row_by_its_customers(flags):
    table = flags.frame.toPandas()
    distinct, counts = np.unique(FLAGS, axis=0, return_counts=True)
    np.testing.assert_array_equal(by_value(table.filter(like="x").to_numpy()), distinct)
    np.testing.assert_array_equal(table.sort_values(list(table.columns[:-1])).weight, counts)
    assert flags.rows == len(FLAGS) == table.weight.sum()
    assert flags.weighted


@spark_test
def test_kmeans_from_a_sample_finds_the_in_process_centres(spark):
    from segmentasi.spark.kmeans import fit_kmeans as spark_kmeans

    (fitted,) = spark_kmeans(encoded(spark, BLOBS), [3], sample=BLOBS[::4], seed=0, n_init=2)
    in_process = fit_kmeans(BLOBS, 3, seed=0)
    labels = assign(BLOBS, fitted.centers, "euclidean")[0]
    np.testing.assert_array_equal(labels, in_process.labels)  # the same size order too
    np.testing.assert_allclose(fitted.centers, in_process.centers, atol=1e-5)
    assert fitted.cost == pytest.approx(in_process.cost, rel=1e-4)
    np.testing.assert_array_equal(fitted.sizes, np.bincount(in_process.labels))
    assert fitted.method.startswith("kmeans-lloyd n_init=2 on 150 sampled rows + lloyd over")
    assert fitted.centers.dtype == np.float32


@spark_test
def test_lloyd_over_every_row_reaches_scikit_learns_fixed_point(spark):
    from sklearn.cluster import KMeans

    from segmentasi.spark.kmeans import lloyd

    starts = [GROUPS[:k] for k in (3, 5)]  # poor starts: many iterations, several passes
    found, passes = lloyd(encoded(spark, GROUPS), starts, tolerance=0.0)
    assert passes > 2
    for centers, start in zip(found, starts, strict=True):
        reference = KMeans(len(start), init=start, n_init=1, tol=0, max_iter=300).fit(GROUPS)
        np.testing.assert_allclose(centers, reference.cluster_centers_, atol=1e-4)


@spark_test
def test_kmeans_refuses_a_sample_of_other_columns(spark):
    from segmentasi.spark.kmeans import fit_kmeans as spark_kmeans

    with pytest.raises(ValueError, match="3 columns"):
        spark_kmeans(encoded(spark, BLOBS), [3], sample=BLOBS[:, :2], seed=0)


@spark_test
@pytest.mark.parametrize(("X", "metric"), [(GROUPS[:300], "euclidean"), (FLAGS, "manhattan")])
def test_clara_on_a_table_no_larger_than_a_sample_is_the_in_process_fit(spark, X, metric):
    from segmentasi.spark.clara import fit_clara

    fitted = fit_clara(encoded(spark, X, metric), [2, 3, 4], seed=0)
    in_process = fit_sweep(X, [2, 3, 4], "kmedoids", metric=metric, seed=0)
    for fit, clustering in zip(fitted, in_process, strict=True):
        np.testing.assert_array_equal(fit.centers, clustering.centers)
        assert fit.cost == clustering.cost
        np.testing.assert_array_equal(fit.sizes, np.bincount(clustering.labels))
        assert fit.method == clustering.method


@spark_test
def test_clara_refuses_a_collapsed_table_without_its_order(groups):
    from segmentasi.spark.clara import fit_clara
    from segmentasi.spark.rows import collapse

    with pytest.raises(ValueError, match="a collapsed table has lost its customers' order"):
        fit_clara(collapse(groups), [3], seed=0, sample_rows=300)


@spark_test
@pytest.mark.parametrize(
    ("algorithm", "metric"), [("kmeans", "euclidean"), ("kmedoids", "manhattan")]
)
def test_few_distinct_rows_are_fitted_on_the_driver_as_in_process(flags, algorithm, metric):
    from segmentasi.spark.clara import fit_clara
    from segmentasi.spark.kmeans import fit_kmeans as spark_kmeans

    # sample_rows=100: FLAGS's 300 customers are more than a sample, so CLARA would run.
    fitted = (
        spark_kmeans(flags, [3, 5], sample=FLAGS, seed=0)
        if algorithm == "kmeans"
        else fit_clara(flags, [3, 5], seed=0, sample_rows=100)
    )
    # Sorted, the table's first rows are its distinct rows in the order found in process.
    in_process = fit_sweep(by_value(FLAGS), [3, 5], algorithm, metric=metric, seed=0)
    assert all("distinct_rows=" in fit.method for fit in fitted)
    assert_the_in_process_fits(fitted, in_process)


@spark_test
def test_kmeans_on_hundreds_of_distinct_rows_is_the_in_process_weighted_fit(spark):
    from segmentasi.spark.kmeans import fit_kmeans as spark_kmeans
    from segmentasi.spark.rows import collapse

    # 600 distinct rows (more than weighted PAM's few, at most K-Means's sample) for 3,000
    # customers: in process K-Means fits them weighted, without sampling; so does Spark.
    X = np.tile(GROUPS[:600], (5, 1))[np.random.default_rng(4).permutation(3000)]
    fitted = spark_kmeans(collapse(encoded(spark, X)), [3, 5], sample=X[:100], seed=0)
    in_process = fit_sweep(X, [3, 5], "kmeans", seed=0)
    assert {c.method for c in in_process} == {"kmeans-lloyd n_init=10 distinct_rows=600 weighted"}
    assert_the_in_process_fits(fitted, in_process)


@spark_test
def test_few_distinct_rows_are_taken_in_the_order_of_their_first_customers(spark):
    from segmentasi.spark.clara import fit_clara
    from segmentasi.spark.rows import EncodedRows, collapse, in_order

    # FLAGS in another order: weighted PAM breaks ties between equidistant medoids by the order
    # it takes the distinct rows in, so in process this order gives other segment sizes at k=3
    # than FLAGS sorted by value does. The run's encoded table, as the engine builds it.
    X = FLAGS[np.random.default_rng(1).permutation(len(FLAGS))]
    ordered = in_order(encoded(spark, X).frame, X.shape[1])
    try:
        rows = collapse(EncodedRows(ordered.frame, X.shape[1], "manhattan", len(X), ordered))
        fitted = fit_clara(rows, [3, 5], seed=0, sample_rows=100)
    finally:
        ordered.frame.unpersist()
    in_process = fit_sweep(X, [3, 5], "kmedoids", metric="manhattan", seed=0)
    assert not np.array_equal(
        np.bincount(in_process[0].labels),
        np.bincount(fit_sweep(by_value(X), [3], "kmedoids", metric="manhattan", seed=0)[0].labels),
    )
    assert_the_in_process_fits(fitted, in_process)


def assert_the_in_process_fits(fitted: list, in_process: list) -> None:
    """Spark's fits are the in-process ones: method, centres, cost (up to summation order) and
    segment sizes."""
    for fit, clustering in zip(fitted, in_process, strict=True):
        assert fit.method == clustering.method
        np.testing.assert_array_equal(fit.centers, clustering.centers)
        assert fit.cost == pytest.approx(clustering.cost, rel=1e-9)
        np.testing.assert_array_equal(fit.sizes, np.bincount(clustering.labels))


@pytest.fixture(scope="module")
def groups(spark):
    return encoded(spark, GROUPS, "manhattan")


@pytest.fixture(scope="module")
def clara_fits(groups):
    from segmentasi.spark.clara import fit_clara

    return fit_clara(groups, [3, 5], seed=0, samples=4, sample_rows=300)


@spark_test
def test_clara_draws_the_in_process_samples_and_finds_its_medoids(monkeypatch, clara_fits):
    monkeypatch.setattr(kmedoids_fits, "MATRIX_BUDGET_BYTES", 300 * 300 * 4)
    in_process = fit_sweep(GROUPS, [3, 5], "kmedoids", metric="manhattan", seed=0, clara_samples=4)
    for fit, clustering in zip(clara_fits, in_process, strict=True):
        assert clustering.method == "clara samples=4 size=300"
        assert fit.method == "spark-clara samples=4 size=300"
        np.testing.assert_array_equal(fit.centers, clustering.centers)
        assert fit.cost == pytest.approx(clustering.cost, rel=1e-9)
        np.testing.assert_array_equal(fit.sizes, np.bincount(clustering.labels))


@spark_test
def test_clara_medoids_costs_and_sizes_describe_the_whole_table(clara_fits):
    for fit in clara_fits:
        labels, distances = assign(GROUPS, fit.centers, "manhattan")
        assert (GROUPS[:, None, :] == fit.centers[None]).all(axis=2).any(axis=0).all()  # rows
        np.testing.assert_array_equal(fit.sizes, np.bincount(labels, minlength=fit.k))
        assert (np.diff(fit.sizes) <= 0).all()  # cluster 0 is the largest
        assert fit.cost == pytest.approx(distances.astype(np.float64).sum(), rel=1e-6)


@spark_test
def test_clara_is_deterministic(groups, clara_fits):
    from segmentasi.spark.clara import fit_clara

    again = fit_clara(groups, [3, 5], seed=0, samples=4, sample_rows=300)
    for first, second in zip(clara_fits, again, strict=True):
        np.testing.assert_array_equal(first.centers, second.centers)
        assert first.cost == second.cost


@spark_test
@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_silhouettes_of_the_whole_table_are_scikit_learns(spark, metric):
    from segmentasi.spark.silhouette import estimate_silhouettes

    X = GROUPS[:400]
    centers = [X[[0, 1]], X[[2, 3, 4]]]
    labels = [assign(X, c, metric)[0] for c in centers]
    found = estimate_silhouettes(encoded(spark, X, metric), centers, metric, X, labels)
    in_process = silhouette_samples_many(X, labels, metric)
    for values, codes, expected in zip(found, labels, in_process, strict=True):
        np.testing.assert_allclose(values, silhouette_samples(X, codes, metric=metric), atol=1e-5)
        np.testing.assert_allclose(values, expected, atol=1e-5)


@spark_test
def test_silhouettes_count_weighted_rows_as_their_customers(flags):
    from segmentasi.spark.silhouette import estimate_silhouettes

    centers = [FLAGS[[0, 1, 2]]]
    query = FLAGS[::3]
    labels = assign(FLAGS, centers[0], "manhattan")[0]
    (found,) = estimate_silhouettes(flags, centers, "manhattan", query, [labels[::3]])
    expected = silhouette_samples(FLAGS, labels, metric="manhattan")[::3]
    np.testing.assert_allclose(found, expected, atol=1e-5)


@spark_test
def test_assign_rows_gives_the_in_process_labels_and_keeps_other_columns(spark, clara_fits):
    from segmentasi.spark.assign import assign_rows

    ids = [f"C{i}" for i in range(len(GROUPS))]
    frame = encoded(spark, GROUPS, "manhattan", {"id": ids}).frame
    one = assign_rows(frame, clara_fits[0].centers, "manhattan").toPandas().set_index("id")
    both = assign_rows(frame, [f.centers for f in clara_fits], "manhattan").toPandas()
    both = both.set_index("id").loc[ids]
    labels, distances = assign(GROUPS, clara_fits[0].centers, "manhattan")
    np.testing.assert_array_equal(one.loc[ids, "segment"], labels)
    np.testing.assert_array_equal(one.loc[ids, "distance"], distances)
    for i, fit in enumerate(clara_fits):
        labels, distances = assign(GROUPS, fit.centers, "manhattan")
        np.testing.assert_array_equal(both[f"segment_{i}"], labels)
        np.testing.assert_array_equal(both[f"distance_{i}"], distances)
    with pytest.raises(ValueError, match="already has the column"):
        assign_rows(spark.createDataFrame(one.reset_index()), fit.centers, "manhattan")


@spark_test
def test_sizes_and_costs_of_centre_sets(groups, clara_fits):
    from segmentasi.spark.assign import segment_sizes, total_cost

    centers = [fit.centers for fit in clara_fits]
    for sizes, fit in zip(segment_sizes(groups, centers), clara_fits, strict=True):
        np.testing.assert_array_equal(sizes, fit.sizes)
    (squared,) = total_cost(groups, centers[:1], "kmeans")
    distances = assign(GROUPS, centers[0], "euclidean")[1].astype(np.float64)
    assert squared == pytest.approx((distances**2).sum(), rel=1e-6)


@spark_test
def test_customers_in_order_are_fetched_by_position_as_x_holds_them(spark):
    from segmentasi.spark.rows import in_order

    # Three partitions, so positions cross partitions' numbering; cached, so read the same twice.
    frame = encoded(spark, GROUPS).frame.repartitionByRange(3, "x0").sortWithinPartitions("x1")
    frame = frame.cache()
    in_table_order = frame.toPandas().filter(like="x").to_numpy(np.float32)
    ordered = in_order(frame, GROUPS.shape[1])
    try:
        assert ordered.rows == len(GROUPS)
        assert len(ordered.partitions) == 3
        positions = np.array([1499, 0, 700, 5, 700, 1000])
        np.testing.assert_array_equal(ordered.values_at(positions), in_table_order[positions])
        with pytest.raises(ValueError, match=r"positions must lie in 0\.\.1499"):
            ordered.values_at(np.array([1500]))
    finally:
        ordered.frame.unpersist()
        frame.unpersist()


@pytest.fixture
def asked_afresh():
    """The engine's requirements checked anew in the test (they are asked once a program),
    and again after it."""
    session._missing_requirement.cache_clear()
    yield
    session._missing_requirement.cache_clear()


@pytest.mark.usefixtures("asked_afresh")
def test_a_missing_pyspark_is_a_one_line_user_error(monkeypatch):
    monkeypatch.setattr(session.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(UserError, match=r"^the Spark engine needs pyspark: pip install"):
        session.spark_session("local[1]")


@pytest.mark.usefixtures("asked_afresh")
def test_a_missing_java_is_a_one_line_user_error(monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(session.shutil, "which", lambda name: None)
    with pytest.raises(UserError, match=r"^the Spark engine needs Java 17"):
        session.spark_session("local[1]")


@pytest.mark.usefixtures("asked_afresh")
def test_a_java_older_than_17_is_named(monkeypatch, tmp_path):
    if importlib.util.find_spec("pyspark") is None:
        pytest.skip("pyspark is not installed")
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\necho 'openjdk version \"11.0.22\" 2024-01-16' >&2\n")
    java.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(UserError, match=rf"needs Java 17 or later.*\({java} is Java 11\)$"):
        session.spark_session("local[1]")


def test_an_unreachable_master_is_a_one_line_user_error():
    with socket.socket() as unused:  # a port nothing listens on once this closes
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    if session.missing_requirement():
        pytest.skip(session.missing_requirement())
    with pytest.raises(
        UserError, match=rf"^cannot reach the Spark master spark://127.0.0.1:{port}"
    ):
        session.spark_session(f"spark://127.0.0.1:{port}")
