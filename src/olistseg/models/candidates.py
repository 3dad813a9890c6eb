"""Candidate clustering algorithms, each a factory ``(k, seed) -> estimator``.

Every estimator exposes ``fit(X)`` and ``labels_``. Density methods take no k: DBSCAN's eps
comes from the knee of the sorted k-distance curve; HDBSCAN's minimum cluster size is 1% of the
customers. Both grow faster than linearly, so above ``DENSITY_SAMPLE`` points they are fitted on
a seeded sample and the other points take the label of their nearest sampled neighbour (noise
included); the output says so.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import (
    DBSCAN,
    HDBSCAN,
    AgglomerativeClustering,
    BisectingKMeans,
    KMeans,
    MiniBatchKMeans,
)
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import NearestNeighbors

from olistseg.models.gmm import FastGaussianMixture

DENSITY_SAMPLE = 20_000
WARD_MAX_POINTS = 15_000  # Ward needs the full linkage: O(n^2) memory


@dataclass(frozen=True)
class Algorithm:
    """A candidate family: its factory, whether it takes k, and a note for the output."""

    name: str
    make: Callable[[int, int, int], object]  # (k, seed, n_samples) -> estimator
    uses_k: bool = True
    note: str = ""
    #: the same data always gives the same labels, whatever the seed (no seed refits needed)
    deterministic: bool = False


def knee_eps(X: np.ndarray, min_samples: int, seed: int = 0, sample: int = 10_000) -> float:
    """DBSCAN's eps at the knee of the sorted distance to the ``min_samples``-th neighbour.

    The knee is the point of the ascending curve farthest from the chord joining its ends.
    Computed on a seeded sample of at most ``sample`` points.
    """
    rng = np.random.default_rng(seed)
    points = X[rng.choice(len(X), size=min(sample, len(X)), replace=False)]
    distances, _ = NearestNeighbors(n_neighbors=min_samples).fit(points).kneighbors(points)
    curve = np.sort(distances[:, -1])
    x = np.linspace(0.0, 1.0, len(curve))
    y = (curve - curve[0]) / max(curve[-1] - curve[0], 1e-12)
    return float(curve[int(np.argmax(x - y))])


def _sample_index(n: int, seed: int, sample: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(n, size=min(sample, n), replace=False))


def _spread_labels(X: np.ndarray, index: np.ndarray, sample_labels: np.ndarray) -> np.ndarray:
    """Every point takes the label of its nearest point in ``X[index]``."""
    if len(index) == len(X):
        return sample_labels
    finder = NearestNeighbors(n_neighbors=1).fit(X[index])
    return sample_labels[finder.kneighbors(X, return_distance=False)[:, 0]]


class SampledHDBSCAN:
    """HDBSCAN fitted on a sample, labels spread to every point by the nearest sampled neighbour."""

    def __init__(
        self, min_cluster_fraction: float = 0.01, seed: int = 0, sample: int = DENSITY_SAMPLE
    ) -> None:
        self.min_cluster_fraction = min_cluster_fraction
        self.seed = seed
        self.sample = sample

    def fit(self, X: np.ndarray) -> SampledHDBSCAN:
        index = _sample_index(len(X), self.seed, self.sample)
        size = max(10, int(self.min_cluster_fraction * len(index)))
        model = HDBSCAN(min_cluster_size=size, min_samples=2 * X.shape[1], copy=True).fit(X[index])
        self.labels_ = _spread_labels(X, index, model.labels_)
        self.sampled_ = len(index) < len(X)
        return self


class KneeDBSCAN:
    """DBSCAN with eps from :func:`knee_eps` and ``min_samples = 2 * n_features``.

    Above ``sample`` points it runs on a seeded sample (its neighbourhood queries grow with the
    density: 112 s on Olist's 93,000 customers) and spreads labels by nearest neighbour.
    """

    def __init__(self, seed: int = 0, sample: int = DENSITY_SAMPLE) -> None:
        self.seed = seed
        self.sample = sample

    def fit(self, X: np.ndarray) -> KneeDBSCAN:
        min_samples = 2 * X.shape[1]
        index = _sample_index(len(X), self.seed, self.sample)
        self.eps_ = knee_eps(X[index], min_samples, self.seed)
        # Brute-force neighbourhoods: twice as fast as the trees on Olist's dense core.
        labels = (
            DBSCAN(eps=self.eps_, min_samples=min_samples, algorithm="brute").fit(X[index]).labels_
        )
        self.labels_ = _spread_labels(X, index, labels)
        self.sampled_ = len(index) < len(X)
        return self


def _ward(k: int, seed: int, n: int) -> AgglomerativeClustering:
    if n > WARD_MAX_POINTS:
        raise ValueError(
            f"ward needs O(n^2) memory: {n:,} points is above {WARD_MAX_POINTS:,}; use bisecting"
        )
    return AgglomerativeClustering(n_clusters=k, linkage="ward")


ALGORITHMS: dict[str, Algorithm] = {
    a.name: a
    for a in (
        Algorithm("kmeans", lambda k, s, n: KMeans(k, init="k-means++", n_init=4, random_state=s)),
        Algorithm(
            "minibatch_kmeans",
            lambda k, s, n: MiniBatchKMeans(k, n_init=3, batch_size=4096, random_state=s),
        ),
        Algorithm(
            "gmm_full",
            lambda k, s, n: FastGaussianMixture(
                k, covariance_type="full", reg_covar=1e-4, random_state=s
            ),
        ),
        Algorithm(
            "gmm_diag",
            lambda k, s, n: FastGaussianMixture(
                k, covariance_type="diag", reg_covar=1e-4, random_state=s
            ),
        ),
        Algorithm("bisecting_kmeans", lambda k, s, n: BisectingKMeans(k, random_state=s)),
        Algorithm(
            "ward", _ward, note=f"only up to {WARD_MAX_POINTS:,} customers", deterministic=True
        ),
        Algorithm(
            "dbscan",
            lambda k, s, n: KneeDBSCAN(seed=s),
            uses_k=False,
            note=f"eps from the k-distance knee; fitted on at most {DENSITY_SAMPLE:,} sampled customers, labels spread by nearest neighbour",
        ),
        Algorithm(
            "hdbscan",
            lambda k, s, n: SampledHDBSCAN(seed=s),
            uses_k=False,
            deterministic=True,
            note=f"fitted on at most {DENSITY_SAMPLE:,} sampled customers, labels spread by nearest neighbour",
        ),
    )
}
DEFAULT_ALGORITHMS = ("kmeans", "gmm_full", "gmm_diag", "bisecting_kmeans", "dbscan", "hdbscan")


def fit_labels(estimator: object, X: np.ndarray) -> np.ndarray:
    """Fit ``estimator`` on X and return its labels (GMMs through ``predict``)."""
    if isinstance(estimator, GaussianMixture):
        return estimator.fit(X).predict(X)
    return np.asarray(estimator.fit(X).labels_)
