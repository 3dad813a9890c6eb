"""Drift measures between two dates, as pure functions.

* :func:`population_stability_index`: PSI of one feature, bins from the reference sample's
  quantiles (the usual reading: < 0.1 stable, 0.1-0.2 moderate, > 0.2 significant shift);
* :func:`align_labels`: Hungarian matching of two models' centroids, so that a segment keeps
  its id (and name) across retrains;
* :func:`migration_matrix`: how customers present at both dates moved between segments.
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

PSI_FLOOR = 1e-4  # an empty bin would make the log infinite


def population_stability_index(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """PSI = sum over bins of (current% - reference%) * ln(current% / reference%).

    Parameters
    ----------
    reference, current : 1-D arrays of one feature's values (NaN ignored).
    bins : number of quantile bins of ``reference``; ties (e.g. a feature that is mostly 1)
        merge bins, so a discrete feature gets one bin per distinct value.
    """
    return psi_against(reference_bins(reference, bins), current)


def reference_bins(reference: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """``(edges, shares)`` of the reference sample, computed once for many PSI comparisons."""
    reference = np.asarray(reference, dtype=float)
    reference = reference[~np.isnan(reference)]
    if len(reference) == 0:
        raise ValueError("PSI needs values on both dates")
    edges = np.unique(np.quantile(reference, np.linspace(0, 1, bins + 1)[1:-1]))
    return edges, _shares(edges, reference)


def psi_against(bins: tuple[np.ndarray, np.ndarray], current: np.ndarray) -> float:
    """PSI of ``current`` against reference ``bins`` from :func:`reference_bins`."""
    edges, ref_share = bins
    current = np.asarray(current, dtype=float)
    current = current[~np.isnan(current)]
    if len(current) == 0:
        raise ValueError("PSI needs values on both dates")
    cur_share = _shares(edges, current)
    return float(np.sum((cur_share - ref_share) * np.log(cur_share / ref_share)))


def _shares(edges: np.ndarray, values: np.ndarray) -> np.ndarray:
    counts = np.bincount(np.searchsorted(edges, values, side="right"), minlength=len(edges) + 1)
    return np.maximum(counts / len(values), PSI_FLOOR)


def align_labels(reference_centroids: np.ndarray, centroids: np.ndarray) -> dict[int, int]:
    """Map each row of ``centroids`` to the row of ``reference_centroids`` it matches best.

    Shapes (k_ref, n_features) and (k, n_features). Minimises the total Euclidean distance
    (Hungarian algorithm). When k > k_ref the unmatched centroids get new ids k_ref, k_ref+1, ...
    in order of their distance to the nearest reference centroid.
    """
    reference_centroids = np.asarray(reference_centroids, dtype=float)
    centroids = np.asarray(centroids, dtype=float)
    cost = np.linalg.norm(centroids[:, None, :] - reference_centroids[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    mapping = {int(r): int(c) for r, c in zip(rows, cols, strict=True)}
    unmatched = sorted(set(range(len(centroids))) - set(mapping), key=lambda r: cost[r].min())
    for offset, row in enumerate(unmatched):
        mapping[row] = len(reference_centroids) + offset
    return mapping


def migration_matrix(before: np.ndarray, after: np.ndarray, k: int) -> np.ndarray:
    """Share of the customers of each segment ``before`` (rows) found in each segment
    ``after`` (columns), the one migration matrix of the simulation and its charts.

    ``before`` and ``after`` (n_customers,) are the segment ids (0..k-1) of the same customers
    at two dates (customers present at only one date are left out by the caller). Each row
    with customers sums to 1; a segment with no customer before is a row of zeros. (k, k).
    """
    table = np.zeros((k, k))
    np.add.at(table, (np.asarray(before), np.asarray(after)), 1.0)
    rows = table.sum(axis=1, keepdims=True)
    return np.divide(table, rows, out=np.zeros_like(table), where=rows > 0)
