"""Tests for segmentasi.algorithms: K-Means and K-Medoids behind one interface."""

import kmedoids
import numpy as np
import pytest
from scipy.spatial.distance import cdist
from sklearn.cluster import KMeans

from segmentasi.algorithms import (
    Clustering,
    assign,
    assignment,
    fit_kmeans,
    fit_kmedoids,
    fit_sweep,
)
from segmentasi.algorithms import kmeans as kmeans_fits
from segmentasi.algorithms import kmedoids as kmedoids_fits
from segmentasi.metrics import silhouette_scores


def overlapping_groups(n: int, d: int, seed: int) -> np.ndarray:
    """Four overlapping Gaussian groups of unequal size: structure, but no easy answer."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=2.0, size=(4, d))
    group = rng.choice(4, size=n, p=[0.4, 0.3, 0.2, 0.1])
    return (means[group] + rng.normal(size=(n, d))).astype(np.float32)


def product_flags(n: int, seed: int) -> np.ndarray:
    """0/1 ownership of six products with unequal rates: few distinct rows, many duplicates."""
    rng = np.random.default_rng(seed)
    return (rng.random((n, 6)) < [0.9, 0.3, 0.25, 0.1, 0.15, 0.2]).astype(np.float32)


def direct_deviations(X: np.ndarray, clustering: Clustering) -> np.ndarray:
    """Distance of every row to its own cluster's centre, computed in float64 from scratch."""
    diff = X.astype(np.float64) - clustering.centers.astype(np.float64)[clustering.labels]
    if clustering.metric == "manhattan":
        return np.abs(diff).sum(axis=1)
    return np.sqrt((diff**2).sum(axis=1))


@pytest.fixture
def small_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """A distance-matrix budget of 1000 x 1000 float32, so 3000 rows must go through CLARA."""
    monkeypatch.setattr(kmedoids_fits, "MATRIX_BUDGET_BYTES", 1000 * 1000 * 4)


GROUPS = overlapping_groups(600, 5, seed=1)
FLAGS = product_flags(800, seed=2)

# (algorithm, metric, data, expected start of Clustering.method): every fitting path.
FIT_CASES = [
    ("kmeans", "euclidean", GROUPS, "kmeans-lloyd n_init=10"),
    ("kmeans", "euclidean", FLAGS, "kmeans-lloyd n_init=300 distinct_rows="),
    ("kmedoids", "euclidean", GROUPS, "fasterpam"),
    ("kmedoids", "manhattan", GROUPS, "fasterpam"),
    ("kmedoids", "euclidean", FLAGS, "weighted-pam"),
    ("kmedoids", "manhattan", FLAGS, "weighted-pam"),
]


@pytest.mark.parametrize(("algorithm", "metric", "X", "method"), FIT_CASES)
def test_fitted_labels_are_the_nearest_centre_assignment(algorithm, metric, X, method):
    for clustering in fit_sweep(X, [2, 3, 5], algorithm, metric=metric, seed=0):
        assert clustering.method.startswith(method)
        # Only weighted PAM chooses the order that breaks ties by the silhouette.
        assert clustering.tie_order_by_silhouette == (method == "weighted-pam")
        labels, distances = assign(X, clustering.centers, clustering.metric)
        np.testing.assert_array_equal(labels, clustering.labels)
        np.testing.assert_allclose(
            distances, direct_deviations(X, clustering), rtol=1e-6, atol=1e-6
        )


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_clara_labels_are_the_nearest_medoid_assignment(small_budget, metric):
    X = overlapping_groups(1500, 4, seed=3)
    for clustering in fit_sweep(X, [2, 4], "kmedoids", metric=metric, seed=0):
        assert clustering.method == "clara samples=8 size=1000"
        assert not clustering.tie_order_by_silhouette
        np.testing.assert_array_equal(assign(X, clustering.centers, metric)[0], clustering.labels)


def test_kmeans_on_a_sample_then_all_rows(monkeypatch: pytest.MonkeyPatch):
    full = fit_kmeans(GROUPS, 4, seed=0)
    monkeypatch.setattr(kmeans_fits, "KMEANS_SAMPLE_ROWS", 200)
    first, second = (fit_kmeans(GROUPS, 4, seed=0) for _ in range(2))
    assert first.method == "kmeans-lloyd n_init=10 sample=200 + full-data lloyd"
    np.testing.assert_array_equal(assign(GROUPS, first.centers, "euclidean")[0], first.labels)
    np.testing.assert_array_equal(first.centers, second.centers)
    assert first.cost <= 1.01 * full.cost


@pytest.mark.parametrize(("algorithm", "metric", "X", "method"), FIT_CASES)
def test_same_seed_gives_the_same_clustering(algorithm, metric, X, method):
    first, second = (fit_sweep(X, [3], algorithm, metric=metric, seed=7)[0] for _ in range(2))
    np.testing.assert_array_equal(first.labels, second.labels)
    np.testing.assert_array_equal(first.centers, second.centers)
    assert first.cost == second.cost


def test_clara_is_deterministic(small_budget):
    X = overlapping_groups(1500, 4, seed=4)
    first, second = (fit_kmedoids(X, 4, seed=3) for _ in range(2))
    np.testing.assert_array_equal(first.medoid_rows, second.medoid_rows)
    np.testing.assert_array_equal(first.labels, second.labels)


@pytest.mark.parametrize(("algorithm", "metric", "X", "method"), FIT_CASES)
def test_clusters_are_numbered_by_size_then_first_row(algorithm, metric, X, method):
    for clustering in fit_sweep(X, [2, 4, 6], algorithm, metric=metric, seed=0):
        assert clustering.labels.dtype == np.int32
        assert clustering.centers.dtype == np.float32
        assert clustering.centers.shape == (clustering.k, X.shape[1])
        sizes = np.bincount(clustering.labels, minlength=clustering.k)
        first_rows = np.array(
            [np.flatnonzero(clustering.labels == j)[0] for j in range(clustering.k)]
        )
        assert (sizes > 0).all()
        assert all(
            sizes[j] > sizes[j + 1]
            or (sizes[j] == sizes[j + 1] and first_rows[j] < first_rows[j + 1])
            for j in range(clustering.k - 1)
        )


def test_a_tied_row_joins_the_larger_cluster_numbered_first():
    # Row 2 is at distance 1 from both medoids (0 and 2); whichever cluster takes it becomes the
    # larger one and so cluster 0, and assign() must agree.
    X = np.array([[0.0], [0.0], [1.0], [2.0], [2.0]], dtype=np.float32)
    clustering = fit_kmedoids(X, 2, metric="manhattan", seed=0)
    np.testing.assert_array_equal(np.bincount(clustering.labels), [3, 2])
    assert clustering.labels[2] == 0
    assert clustering.cost == 1.0
    np.testing.assert_array_equal(assign(X, clustering.centers, "manhattan")[0], clustering.labels)


def test_renumbering_reassigns_a_tied_row_to_the_centre_now_numbered_first():
    # Centre 0 (at 0) first takes the tied row 5 and ties centre 1 (at 2) on size, 3 rows each;
    # centre 1's first row comes first, so it becomes cluster 0 and now takes row 5 itself.
    X = np.array([[2.0], [2.0], [2.0], [0.0], [0.0], [1.0]], dtype=np.float32)
    centers = np.array([[0.0], [2.0]], dtype=np.float32)
    labels, raw, order = assignment.finalise(X, centers, "manhattan")
    np.testing.assert_array_equal(order, [1, 0])
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1, 0])
    np.testing.assert_array_equal(raw, [0, 0, 0, 0, 0, 1])
    np.testing.assert_array_equal(assign(X, centers[order], "manhattan")[0], labels)


def test_kmeans_cost_is_the_inertia():
    X = np.array([[0.0], [1.0], [10.0], [11.0], [12.0]], dtype=np.float32)
    clustering = fit_kmeans(X, 2, seed=0)
    np.testing.assert_array_equal(clustering.labels, [1, 1, 0, 0, 0])
    np.testing.assert_array_equal(clustering.centers, [[11.0], [0.5]])
    assert clustering.cost == pytest.approx(2.0 + 0.5, rel=1e-12)
    assert clustering.medoid_rows is None


@pytest.mark.parametrize(("algorithm", "metric", "X", "method"), FIT_CASES)
def test_cost_is_the_sum_of_distances_to_the_centres(algorithm, metric, X, method):
    clustering = fit_sweep(X, [4], algorithm, metric=metric, seed=0)[0]
    deviations = direct_deviations(X, clustering)
    expected = (deviations**2).sum() if algorithm == "kmeans" else deviations.sum()
    assert clustering.cost == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("metric", "X"), [("euclidean", GROUPS), ("manhattan", FLAGS)])
def test_medoids_are_rows_of_the_table(metric, X):
    clustering = fit_kmedoids(X, 4, metric=metric, seed=0)
    np.testing.assert_array_equal(X[clustering.medoid_rows], clustering.centers)
    assert clustering.algorithm == "kmedoids"
    assert clustering.metric == metric


def full_fasterpam_deviation(X: np.ndarray, k: int, metric: str) -> float:
    D = cdist(X, X, "cityblock" if metric == "manhattan" else "euclidean").astype(np.float32)
    medoids = kmedoids.fasterpam(D, k, random_state=0).medoids
    return float(D[:, medoids].astype(np.float64).min(axis=1).sum())


@pytest.mark.parametrize(("k", "metric"), [(3, "euclidean"), (6, "euclidean"), (5, "manhattan")])
def test_clara_is_within_one_percent_of_full_fasterpam(small_budget, k, metric):
    X = overlapping_groups(3000, 6, seed=5)
    clustering = fit_kmedoids(X, k, metric=metric, seed=0)
    assert clustering.method == "clara samples=8 size=1000"
    assert clustering.cost <= 1.01 * full_fasterpam_deviation(X, k, metric)


def test_clara_takes_as_many_samples_as_asked(small_budget):
    X = overlapping_groups(3000, 6, seed=5)
    fewer = fit_kmedoids(X, 4, seed=0, clara_samples=3)
    assert fewer.method == "clara samples=3 size=1000"
    # The first samples are the same, so more samples can only lower the total deviation.
    assert fit_kmedoids(X, 4, seed=0).cost <= fewer.cost
    with pytest.raises(ValueError, match="clara_samples must be at least 1"):
        fit_kmedoids(X, 4, seed=0, clara_samples=0)


@pytest.mark.parametrize("k", [3, 5, 8])
def test_weighted_distinct_rows_match_or_beat_full_fasterpam(k):
    X = product_flags(2000, seed=6)
    clustering = fit_kmedoids(X, k, metric="manhattan", seed=0)
    assert clustering.method.startswith(f"weighted-pam distinct_rows={len(np.unique(X, axis=0))};")
    assert clustering.cost <= full_fasterpam_deviation(X, k, "manhattan")


@pytest.mark.parametrize("k", [6, 7])
def test_tied_rows_take_the_size_ordered_assignment_with_the_best_silhouette(k):
    X = product_flags(2000, seed=6)
    clustering = fit_kmedoids(X, k, metric="manhattan", seed=0)
    lowest_index = assignment.finalise(X, X[np.sort(clustering.medoid_rows)], "manhattan")[0]
    assert (lowest_index != clustering.labels).sum() > 0  # the tie rule matters here
    chosen, plain = silhouette_scores(X, [clustering.labels, lowest_index], "manhattan")
    assert chosen > plain
    _, lowest_cost, _ = assignment.nearest(X, X[clustering.medoid_rows], "manhattan")
    assert clustering.cost == pytest.approx(lowest_cost.sum(), rel=1e-12)  # same total deviation


def test_tie_order_depends_on_the_medoid_set_not_on_the_order_it_was_found_in():
    X = product_flags(2000, seed=6)
    clustering = fit_kmedoids(X, 7, metric="manhattan", seed=0)
    first_rows, counts = assignment.distinct_rows(X)
    by_first_use = np.argsort(first_rows)
    rng = np.random.default_rng(0)
    for _ in range(3):
        shuffled = rng.permutation(clustering.medoid_rows)
        weights = counts[by_first_use].astype(float)
        ordered = kmedoids_fits._tie_order(
            X, first_rows[by_first_use], weights, shuffled, "manhattan", seed=0
        )
        np.testing.assert_array_equal(ordered, clustering.medoid_rows)


@pytest.mark.parametrize("k", [3, 5, 8])
def test_weighted_kmeans_on_distinct_rows_matches_or_beats_kmeans_on_all_rows(k):
    X = product_flags(3000, seed=7)
    clustering = fit_kmeans(X, k, seed=0)
    assert "weighted" in clustering.method
    all_rows = KMeans(k, n_init=10, random_state=0).fit(X.astype(np.float64))
    assert clustering.cost <= all_rows.inertia_ * (1 + 1e-9)


def test_weighted_kmeans_finds_the_means_of_separated_repeated_points():
    points = np.array([[0, 0], [0, 1], [9, 9], [9, 10], [20, 0]], dtype=np.float32)
    X = np.repeat(points, [5, 3, 2, 2, 4], axis=0)
    clustering = fit_kmeans(X, 3, seed=0)
    np.testing.assert_allclose(clustering.centers, [[0, 0.375], [9, 9.5], [20, 0]], atol=1e-6)
    assert clustering.cost == pytest.approx(8 * 0.375 * 0.625 + 4 * 0.25, rel=1e-6)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan"])
def test_assign_gives_the_same_answer_in_any_chunking(metric):
    X = overlapping_groups(1000, 5, seed=7)
    centers = X[[3, 50, 400, 999]]
    whole = assign(X, centers, metric, chunk_rows=1000)
    for chunk_rows in (1, 7, 256):
        chunked = assign(X, centers, metric, chunk_rows=chunk_rows)
        np.testing.assert_array_equal(chunked[0], whole[0])
        np.testing.assert_array_equal(chunked[1], whole[1])


def test_assign_breaks_ties_towards_the_lowest_centre_index():
    X = np.array([[1.0, 0.0], [3.0, 0.0]], dtype=np.float32)
    labels, distances = assign(X, np.array([[2.0, 0.0], [0.0, 0.0]]), "euclidean")
    np.testing.assert_array_equal(labels, [0, 0])
    np.testing.assert_array_equal(distances, [1.0, 1.0])
    labels, _ = assign(X[:1], np.array([[0.0, 0.0], [2.0, 0.0]]), "manhattan")
    np.testing.assert_array_equal(labels, [0])


def test_k_equal_to_the_number_of_distinct_rows_puts_each_in_its_own_cluster():
    X = np.repeat(np.eye(3, dtype=np.float32), [5, 3, 1], axis=0)
    for algorithm in ("kmeans", "kmedoids"):
        clustering = fit_sweep(X, [3], algorithm, seed=0)[0]
        np.testing.assert_array_equal(clustering.labels, np.repeat([0, 1, 2], [5, 3, 1]))
        assert clustering.cost == 0.0


@pytest.mark.parametrize("k", [1, 0, -2])
def test_k_below_two_is_rejected(k):
    with pytest.raises(ValueError, match="k must be at least 2"):
        fit_kmeans(GROUPS, k, seed=0)
    with pytest.raises(ValueError, match="k must be at least 2"):
        fit_sweep(GROUPS, [3, k], "kmedoids", seed=0)


def test_k_above_the_number_of_distinct_rows_is_rejected():
    X = np.repeat(np.eye(3, dtype=np.float32), 10, axis=0)
    with pytest.raises(ValueError, match=r"k=4 exceeds the number of distinct rows \(3\)"):
        fit_kmedoids(X, 4, metric="manhattan", seed=0)
    with pytest.raises(ValueError, match=r"k=4 exceeds the number of distinct rows \(3\)"):
        fit_sweep(X, [2, 4], "kmeans", seed=0)


def test_signed_zeros_count_as_one_distinct_row():
    X = np.array([[0.0, 1.0], [-0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    with pytest.raises(ValueError, match=r"distinct rows \(2\)"):
        fit_kmeans(X, 3, seed=0)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError, match="metric must be one of"):
        fit_kmedoids(GROUPS, 3, metric="cosine", seed=0)
    with pytest.raises(ValueError, match="algorithm must be one of"):
        fit_sweep(GROUPS, [3], "dbscan", seed=0)
    with pytest.raises(ValueError, match="K-Means minimises squared euclidean"):
        fit_sweep(GROUPS, [3], "kmeans", metric="manhattan", seed=0)
    with pytest.raises(ValueError, match="NaN or infinite"):
        fit_kmeans(np.array([[0.0], [np.nan], [1.0]]), 2, seed=0)
    with pytest.raises(ValueError, match="do not match"):
        assign(GROUPS, np.zeros((3, 2), dtype=np.float32), "euclidean")
