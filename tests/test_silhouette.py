"""olistseg.models.metrics.silhouette_score equals scikit-learn's, on every kind of input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples as sk_samples
from sklearn.metrics import silhouette_score as sk_score

from olistseg.models.metrics import (
    estimate_silhouettes,
    silhouette_samples,
    silhouette_score,
    silhouette_scores,
    stratified_sample,
)


@pytest.mark.parametrize("n_features", [1, 2, 3, 8, 11, 20])
@pytest.mark.parametrize("n_clusters", [2, 5, 12])
def test_equals_scikit_learn(n_features, n_clusters):
    X, labels = make_blobs(
        1_500, n_features, centers=n_clusters, cluster_std=2.5, random_state=n_features
    )
    ours, theirs = silhouette_score(X, labels), sk_score(X, labels)
    assert ours == pytest.approx(theirs, rel=1e-9, abs=1e-12)
    np.testing.assert_allclose(
        silhouette_samples(X, labels), sk_samples(X, labels), rtol=1e-9, atol=1e-12
    )


def test_odd_labels_singletons_noise_and_duplicates():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(403, 5))
    X[10] = X[11]  # duplicate points: distance 0
    labels = rng.choice([-1, 7, 42, 1000], size=403)
    labels[0] = 555  # a singleton cluster scores 0
    assert silhouette_score(X, labels) == pytest.approx(sk_score(X, labels), rel=1e-9)
    assert silhouette_samples(X, labels)[0] == 0.0


def test_tiny_inputs():
    X = np.array([[0.0, 0.0], [0.0, 1.0], [5.0, 5.0]])
    labels = np.array([0, 0, 1])
    assert silhouette_score(X, labels) == pytest.approx(sk_score(X, labels), rel=1e-12)


def test_clear_errors():
    X = np.zeros((10, 2))
    with pytest.raises(ValueError, match="Number of labels is 1"):
        silhouette_score(X, np.zeros(10))
    with pytest.raises(ValueError, match="Number of labels is 10"):
        silhouette_score(X, np.arange(10))
    bad = np.ones((10, 2))
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        silhouette_score(bad, np.arange(10) % 2)
    with pytest.raises(ValueError, match="one row per label"):
        silhouette_score(np.ones((10, 2)), np.arange(9) % 2)


def test_many_labelings_in_one_pass_equal_one_at_a_time():
    X, truth = make_blobs(700, 4, centers=4, cluster_std=2.0, random_state=5)
    rng = np.random.default_rng(0)
    noisy = truth.copy()
    noisy[rng.random(700) < 0.1] = -1  # density-style noise: left out of the score
    labelings = [
        truth,
        (truth + (np.arange(700) % 3 == 0)) % 4,
        np.arange(700) % 6,
        noisy,
        np.array([9, 2, 5, 1])[truth],
    ]
    scores = silhouette_scores(X, labelings)
    for labels, score in zip(labelings[:3], scores[:3], strict=True):
        assert score == pytest.approx(sk_score(X, labels), rel=1e-9)
    kept = noisy >= 0
    assert scores[3] == pytest.approx(sk_score(X[kept], noisy[kept]), rel=1e-9)
    assert scores[4] == pytest.approx(scores[0], rel=1e-12)  # same partition, other names


def test_undefined_labelings_score_none():
    X, labels = make_blobs(50, 2, centers=2, random_state=0)
    all_noise = np.full(50, -1)
    one_cluster = np.zeros(50, dtype=int)
    scores = silhouette_scores(X, [labels, all_noise, one_cluster, np.arange(50)])
    assert scores[0] == pytest.approx(sk_score(X, labels), rel=1e-9)
    assert scores[1:] == [None, None, None]
    assert silhouette_scores(X, []) == []


def test_kernel_works_without_a_writable_cache(tmp_path, monkeypatch):
    from olistseg.models import metrics

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("OLISTSEG_KERNEL_DIR", str(blocked / "kernels"))
    monkeypatch.setattr(metrics, "_KERNELS", {})
    assert metrics._kernel_dir() is None
    X, labels = make_blobs(40, 3, centers=2, random_state=2)
    assert silhouette_score(X, labels) == pytest.approx(sk_score(X, labels), rel=1e-9)


def test_stratified_sample_keeps_every_stratum_share_and_is_seeded():
    strata = np.repeat([0, 1, 2, 3], [7_000, 2_000, 900, 100])
    index = stratified_sample(strata, 1_000, seed=4)
    assert len(index) == 1_000 and len(np.unique(index)) == 1_000
    assert np.bincount(strata[index]).tolist() == [700, 200, 90, 10]
    assert np.array_equal(index, stratified_sample(strata, 1_000, seed=4))
    assert not np.array_equal(index, stratified_sample(strata, 1_000, seed=5))


def test_silhouette_switches_to_a_stratified_sample_above_the_exact_limit():
    X, labels = make_blobs(
        n_samples=12_000, centers=4, n_features=5, cluster_std=2.5, random_state=0
    )
    exact = silhouette_score(X, labels)
    (score,), info = estimate_silhouettes(X, [labels], max_exact=12_000)
    assert info["method"] == "exact" and score == pytest.approx(exact, abs=1e-12)
    (score,), info = estimate_silhouettes(X, [labels], max_exact=5_000, sample_size=3_000)
    assert info == {
        "method": "stratified_sample",
        "population": 12_000,
        "sample_size": 3_000,
        "seed": 0,
        "strata": info["strata"],
    }
    assert score == pytest.approx(exact, abs=0.01)
