"""From an estimator's labels to segment ids: the one rule every fitted model follows."""

from __future__ import annotations

import numpy as np


def map_labels(raw: np.ndarray, label_map: dict[int, int]) -> np.ndarray:
    """Estimator labels (n_samples,) to segment ids through ``label_map``, vectorised (10
    million labels in 0.1 s); a label outside the map (noise -1, or one no training customer
    had) gives -1, for the caller to refuse or to send to the nearest segment."""
    raw = np.asarray(raw, dtype=np.int64)
    top = max(label_map)
    lookup = np.full(top + 2, -1, dtype=np.int64)  # the last slot answers every outsider
    for raw_label, segment in label_map.items():
        lookup[raw_label] = segment
    return lookup[np.where((raw >= 0) & (raw <= top), raw, -1)]


def nearest_centroid(X: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """Index of the nearest of ``centroids`` (k, n_features) for each row of ``X`` (n,
    n_features), in squared Euclidean distance: where noise, and labels no training customer
    had, are sent (the one rule; the Spark engine writes it as column expressions)."""
    return ((X[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2).argmin(axis=1)


def order_by_size(sizes: dict[int, int], centroids: dict[int, np.ndarray]) -> list[int]:
    """Estimator labels from the largest cluster to the smallest: segment ``i`` is the ``i``-th.

    Engine-neutral (the Spark engine passes its aggregates): ``sizes`` maps each label to its
    customers, ``centroids`` to its mean (n_features,). Ties are broken by the centroid's
    coordinates rounded to 1e-9, so the ids are deterministic.
    """
    return sorted(sizes, key=lambda c: (-sizes[c], tuple(np.round(centroids[c], 9))))


def order_segments(X: np.ndarray, raw: np.ndarray) -> tuple[dict[int, int], np.ndarray, np.ndarray]:
    """Segment ids from an estimator's labels: the one rule the Segmenter and the stability
    simulation's models share.

    ``X`` (n_samples, n_features) is the model input, ``raw`` (n_samples,) the estimator's
    labels (-1 for a density method's noise). Noise joins the nearest cluster centroid; then
    segment 0 is the largest, ties broken by the centroid's coordinates, so ids are
    deterministic. Returns ``(label_map, labels, centroids)``: estimator label -> segment id,
    each sample's segment id (n_samples,), and each segment's mean (k, n_features).
    """
    raw = np.asarray(raw)
    clusters = sorted(set(raw[raw >= 0].tolist()))
    if not clusters:
        raise ValueError("the estimator put every sample in noise: no segment to order")
    centroids = np.array([X[raw == c].mean(axis=0) for c in clusters])
    if (raw < 0).any():
        noise = raw < 0
        raw = raw.copy()
        raw[noise] = np.asarray(clusters)[nearest_centroid(X[noise], centroids)]
    sizes = {c: int((raw == c).sum()) for c in clusters}
    order = order_by_size(sizes, dict(zip(clusters, centroids, strict=True)))
    label_map = {int(raw_label): new for new, raw_label in enumerate(order)}
    labels = map_labels(raw, label_map)
    means = np.array([X[labels == s].mean(axis=0) for s in range(len(order))])
    return label_map, labels, means
