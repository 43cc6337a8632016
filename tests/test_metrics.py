"""metrics: the many-labelings silhouette must equal scikit-learn's, row by row."""

import numpy as np
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import (
    adjusted_rand_score,
    calinski_harabasz_score,
    davies_bouldin_score,
    silhouette_samples,
    silhouette_score,
)

from segmentasi import metrics
from segmentasi.metrics import (
    SilhouetteEstimate,
    calinski_harabasz,
    collapse_duplicates,
    davies_bouldin,
    find_knee,
    mean_pairwise_ari,
    silhouette_estimates,
    silhouette_samples_many,
    silhouette_scores,
)

METRIC_NAMES = ["euclidean", "manhattan"]


def _assert_matches_sklearn(X, labelings, metric, tol=1e-6, **kwargs):
    ours = silhouette_samples_many(X, labelings, metric=metric, **kwargs)
    assert ours.shape == (len(labelings), X.shape[0])
    for row, labels in zip(ours, labelings, strict=True):
        np.testing.assert_allclose(row, silhouette_samples(X, labels, metric=metric), atol=tol)
        assert abs(row.mean() - silhouette_score(X, labels, metric=metric)) < tol


def _kmeans_labelings(X, ks, seed=0):
    return [KMeans(k, n_init=1, random_state=seed).fit_predict(X) for k in ks]


@pytest.fixture
def blobs():
    X, _ = make_blobs(600, n_features=5, centers=4, cluster_std=1.5, random_state=3)
    return X


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_many_labelings_match_sklearn_on_random_data(metric):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    labelings = [rng.integers(0, k, size=300) for k in (2, 3, 7)] + _kmeans_labelings(X, [4])
    _assert_matches_sklearn(X, labelings, metric)
    scores = silhouette_scores(X, labelings, metric=metric)
    expected = [silhouette_score(X, labels, metric=metric) for labels in labelings]
    np.testing.assert_allclose(scores, expected, atol=1e-6)


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_weighted_points_score_like_the_rows_they_stand_for(metric):
    rng = np.random.default_rng(4)
    points = rng.integers(0, 2, size=(12, 4)).astype(float) + rng.normal(0, 0.01, (12, 4))
    weights = rng.integers(1, 6, size=12)
    labelings = [rng.permutation(np.arange(12) % k) for k in (2, 3, 5)]
    rows = np.repeat(points, weights, axis=0)
    expected = [
        silhouette_score(rows, np.repeat(labels, weights), metric=metric) for labels in labelings
    ]
    scores = silhouette_scores(points, labelings, metric=metric, weights=weights)
    np.testing.assert_allclose(scores, expected, atol=1e-6)


def test_weights_must_be_whole_rows():
    X = np.arange(8.0).reshape(4, 2)
    with pytest.raises(ValueError, match="whole numbers of rows"):
        silhouette_scores(X, [np.array([0, 0, 1, 1])], weights=np.array([1, 0.5, 2, 1]))
    with pytest.raises(ValueError, match="weights has shape"):
        silhouette_scores(X, [np.array([0, 0, 1, 1])], weights=np.ones(3))


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_small_tiles_and_several_workers_give_the_same_result(blobs, metric, monkeypatch):
    labelings = _kmeans_labelings(blobs, [2, 3, 5])
    one_tile = silhouette_samples_many(blobs, labelings, metric=metric)
    monkeypatch.setattr(metrics, "blas_threads", lambda: 3)
    # 1 MB leaves room for tiles of about 190 rows: 4 x 4 tiles, most of them off the diagonal.
    assert metrics._tile_size(600, 10, 3, 1) < 300
    many_tiles = silhouette_samples_many(blobs, labelings, metric=metric, max_memory_mb=1)
    np.testing.assert_allclose(many_tiles, one_tile, atol=1e-6)
    _assert_matches_sklearn(blobs, labelings, metric, max_memory_mb=1)


def test_tight_clusters_far_from_the_centre_stay_exact():
    # float32 GEMM distances would be off by ~1e-3 here; the float64 distance step must not be.
    X, labels = make_blobs(
        900,
        n_features=4,
        centers=[[0, 0, 0, 0], [0.01, 0, 0, 0], [1000, 0, 0, 0]],
        cluster_std=0.003,
        random_state=1,
    )
    _assert_matches_sklearn(X, [labels], "euclidean")


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_duplicate_heavy_binary_data_is_collapsed_and_exact(metric):
    rng = np.random.default_rng(1)
    patterns = rng.integers(0, 2, size=(12, 6))
    X = patterns[rng.integers(0, 12, size=500)].astype(np.float32)
    n_unique = np.unique(X, axis=0).shape[0]
    labelings = _kmeans_labelings(X, [2, 3, 4])
    codes = [metrics._label_codes(labels, 500, i) for i, labels in enumerate(labelings)]
    assert metrics._points_for(X, codes).values.shape[0] == n_unique
    _assert_matches_sklearn(X, labelings, metric)


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_duplicates_labeled_differently_fall_back_to_all_rows(metric):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 3))[rng.integers(0, 20, size=200)]
    labels = rng.integers(0, 3, size=200)
    codes = [metrics._label_codes(labels, 200, 0)]
    assert metrics._points_for(X, codes).values.shape[0] == 200
    _assert_matches_sklearn(X, [labels], metric)


def test_binary_data_without_duplicates_matches_sklearn_manhattan():
    rng = np.random.default_rng(3)
    X = rng.integers(0, 2, size=(250, 40))
    _assert_matches_sklearn(X, _kmeans_labelings(X, [2, 5]), "manhattan")


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_singleton_cluster_scores_zero(blobs, metric):
    labels = KMeans(3, n_init=1, random_state=0).fit_predict(blobs)
    labels[17] = 9
    samples = silhouette_samples_many(blobs, [labels], metric=metric)
    assert samples[0, 17] == 0.0
    _assert_matches_sklearn(blobs, [labels], metric)


def test_label_values_need_not_be_contiguous(blobs):
    labels = KMeans(3, n_init=1, random_state=0).fit_predict(blobs)
    scattered = np.array([-5, 10, 1000])[labels]
    _assert_matches_sklearn(blobs, [scattered], "euclidean")
    np.testing.assert_array_equal(
        silhouette_samples_many(blobs, [scattered]), silhouette_samples_many(blobs, [labels])
    )


@pytest.mark.parametrize("metric", METRIC_NAMES)
def test_rows_subset_scores_those_rows_against_all_rows(blobs, metric):
    labelings = _kmeans_labelings(blobs, [2, 4])
    rows = np.array([599, 3, 3, 250, 0, 42])
    ours = silhouette_samples_many(blobs, labelings, metric=metric, rows=rows, max_memory_mb=1)
    assert ours.shape == (2, rows.size)
    for row, labels in zip(ours, labelings, strict=True):
        expected = silhouette_samples(blobs, labels, metric=metric)[rows]
        np.testing.assert_allclose(row, expected, atol=1e-6)


def test_rows_subset_on_collapsed_data():
    rng = np.random.default_rng(4)
    X = rng.integers(0, 2, size=(400, 5)).astype(float)
    labels = KMeans(3, n_init=1, random_state=0).fit_predict(X)
    rows = np.array([5, 399, 17, 5])
    ours = silhouette_samples_many(X, [labels], metric="manhattan", rows=rows)
    expected = silhouette_samples(X, labels, metric="manhattan")[rows]
    np.testing.assert_allclose(ours[0], expected, atol=1e-6)


@pytest.mark.parametrize("n_labels", [1, 10])
def test_labeling_with_too_few_or_too_many_clusters_is_rejected(n_labels):
    X = np.arange(20.0).reshape(10, 2)
    good = np.array([0, 1] * 5)
    bad = np.arange(10) % n_labels
    with pytest.raises(ValueError, match=r"labeling 1 has \d+ distinct labels"):
        silhouette_scores(X, [good, bad])


@pytest.mark.parametrize(
    ("X", "labelings", "kwargs", "message"),
    [
        (np.ones((4, 2)), [np.array([0, 0, 1, 1])], {"metric": "cosine"}, "metric must be"),
        (np.array([[0.0], [np.nan], [1.0]]), [np.array([0, 1, 1])], {}, "NaN"),
        (np.ones((4, 2)), [np.array([0, 1, 1])], {}, "one label per row"),
        (np.ones((4, 2)), [], {}, "labelings is empty"),
        (np.ones((4, 2)), [np.array([0, 0, 1, 1])], {"rows": np.array([4])}, "rows must lie"),
    ],
)
def test_invalid_input_is_rejected(X, labelings, kwargs, message):
    with pytest.raises(ValueError, match=message):
        silhouette_samples_many(X, labelings, **kwargs)


def test_estimate_is_exact_when_the_sample_covers_every_row(blobs):
    labelings = _kmeans_labelings(blobs, [2, 4])
    estimates = silhouette_estimates(blobs, labelings, sample_size=600)
    for estimate, exact in zip(estimates, silhouette_scores(blobs, labelings), strict=True):
        assert estimate == SilhouetteEstimate(exact, exact, exact, 600, True)


def test_sampled_estimate_ci_contains_the_exact_value():
    X, _ = make_blobs(3000, n_features=4, centers=4, cluster_std=2.0, random_state=7)
    labelings = _kmeans_labelings(X, [2, 3, 4, 6])
    exact = silhouette_scores(X, labelings)
    estimates = silhouette_estimates(X, labelings, sample_size=400, seed=0)
    assert estimates == silhouette_estimates(X, labelings, sample_size=400, seed=0)
    for estimate, value in zip(estimates, exact, strict=True):
        assert not estimate.exact
        assert estimate.n_sampled == 400
        assert estimate.ci_low < value < estimate.ci_high
        assert 0 < estimate.ci_high - estimate.ci_low < 0.1


def test_collapse_duplicates_round_trips():
    X = np.array([[1, 0], [0, 1], [1, 0], [1, 0], [2, 2]])
    unique_rows, counts, inverse = collapse_duplicates(X)
    np.testing.assert_array_equal(unique_rows, [[0, 1], [1, 0], [2, 2]])
    np.testing.assert_array_equal(counts, [1, 3, 1])
    np.testing.assert_array_equal(unique_rows[inverse], X)


def test_davies_bouldin_and_calinski_harabasz_are_sklearns(blobs):
    labels = KMeans(4, n_init=1, random_state=0).fit_predict(blobs)
    assert davies_bouldin(blobs, labels) == davies_bouldin_score(blobs, labels)
    assert calinski_harabasz(blobs, labels) == calinski_harabasz_score(blobs, labels)


def test_find_knee_on_an_obvious_elbow():
    assert find_knee(range(2, 11), [100, 40, 15, 12, 10, 9, 8, 7.5, 7]) == 4


def test_find_knee_on_a_straight_line_is_none():
    assert find_knee(range(1, 9), [8, 7, 6, 5, 4, 3, 2, 1]) is None


def test_mean_pairwise_ari_of_identical_and_relabeled_labelings_is_one():
    labels = np.array([0, 0, 1, 1, 2, 2, 2])
    relabeled = np.array([5, 9, 2])[labels]
    assert mean_pairwise_ari([labels, labels]) == 1.0
    assert mean_pairwise_ari([labels, relabeled, labels]) == pytest.approx(1.0)


def test_mean_pairwise_ari_averages_all_pairs():
    a = np.array([0, 0, 1, 1, 2, 2, 2])
    b = np.array([0, 0, 0, 1, 1, 2, 2])
    c = np.array([1, 1, 0, 0, 2, 2, 2])
    expected = (1.0 + 2 * adjusted_rand_score(a, b)) / 3
    assert mean_pairwise_ari([a, b, c]) == pytest.approx(expected)
    assert expected < 0.9
    with pytest.raises(ValueError, match="at least 2"):
        mean_pairwise_ari([a])
