"""olistseg.models.metrics.silhouette_score equals scikit-learn's, on every kind of input."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_blobs
from sklearn.metrics import silhouette_samples as sk_samples
from sklearn.metrics import silhouette_score as sk_score

from olistseg.models.metrics import silhouette_samples, silhouette_score


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


def test_a_repeated_partition_is_scored_once(monkeypatch):
    from olistseg.models import evaluate

    X, labels = make_blobs(300, 3, centers=3, random_state=1)
    calls = []
    monkeypatch.setattr(
        evaluate, "silhouette_score", lambda X, y: calls.append(1) or sk_score(X, y)
    )
    first = evaluate.cluster_metrics(X, labels)
    renamed = evaluate.cluster_metrics(
        X, np.array([7, 3, 5])[labels]
    )  # same partition, other names
    other = evaluate.cluster_metrics(X, (labels + (np.arange(300) % 2)) % 3)
    assert (
        first["silhouette"] == renamed["silhouette"] == pytest.approx(sk_score(X, labels), abs=1e-6)
    )
    assert other["silhouette"] != first["silhouette"]
    assert len(calls) == 2
