"""Honest metrics for every candidate: exact silhouette, Davies-Bouldin, Calinski-Harabasz,
BIC where it applies, noise and smallest-segment shares, and stability.

Stability is measured two ways, both as Adjusted Rand Index (ARI):

* bootstrap: the candidate is refitted on ``n_bootstrap`` seeded subsamples (half of the
  customers, at most ``STABILITY_SAMPLE``); each pair of refits is compared on the customers
  the two subsamples share; the score is the mean over pairs;
* seeds: the candidate is fitted with ``n_seeds`` different seeds on one such subsample and
  the fits are compared pairwise on it. Algorithms whose labels do not depend on the seed
  (HDBSCAN on a subsample it takes whole, Ward) score 1 without refitting.

For density methods the silhouette, Davies-Bouldin and Calinski-Harabasz are computed over the
customers assigned to a cluster (noise excluded) and the noise share is reported beside them.

The silhouette is exact and the most expensive metric (every pair of customers). When many
candidates are scored on the same points, :func:`add_silhouettes` computes all of them in one
pass over the pairs (:func:`olistseg.models.metrics.silhouette_scores`).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from itertools import combinations

import numpy as np
from sklearn.metrics import adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score
from sklearn.mixture import GaussianMixture

from olistseg.models.candidates import ALGORITHMS, DENSITY_SAMPLE, fit_labels
from olistseg.models.metrics import estimate_silhouettes

STABILITY_SAMPLE = 10_000


@dataclass
class CandidateScore:
    """One candidate (algorithm, k) and its metrics; ``error`` is set when it could not run."""

    algorithm: str
    k: int | None
    n_clusters: int = 0
    silhouette: float | None = None
    davies_bouldin: float | None = None
    calinski_harabasz: float | None = None
    bic: float | None = None
    noise_share: float = 0.0
    smallest_share: float | None = None
    largest_share: float | None = None
    stability_bootstrap: float | None = None
    stability_seeds: float | None = None
    #: mean ARI of refits with other seeds on all customers; measured for the candidates the
    #: selection rule checks (see olistseg.models.selection)
    stability_seeds_full: float | None = None
    #: every segment gets its own name and action (olistseg.segments.naming)
    distinct_actions: bool | None = None
    segment_keys: list[str] | None = None
    #: out-of-time AUC of repurchase, separation and combined score (olistseg.models.selection)
    oot_auc: float | None = None
    #: median over the same windows of the upper bound of the paired 95% interval of
    #: AUC(candidate) - AUC(RFM): at least 0 means not worse than RFM beyond sampling noise
    oot_auc_upper: float | None = None
    separation: float | None = None
    score: float | None = None
    criteria: dict | None = None
    #: the conditions the rule relaxed when it chose this candidate (olistseg.models.selection)
    relaxed: list[str] | None = None
    fit_seconds: float = 0.0
    metric_seconds: float = 0.0
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def cluster_metrics(X: np.ndarray, labels: np.ndarray, silhouette: bool = True) -> dict:
    """Silhouette (exact), Davies-Bouldin, Calinski-Harabasz, noise and smallest shares.

    With ``silhouette=False`` the silhouette is left for :func:`add_silhouettes`.
    """
    clustered = labels >= 0
    noise_share = float(1.0 - clustered.mean())
    values, counts = np.unique(labels[clustered], return_counts=True)
    out = {
        "n_clusters": len(values),
        "noise_share": _round(noise_share),
        "smallest_share": _round(counts.min() / len(labels)) if len(values) else None,
        "largest_share": _round(counts.max() / len(labels)) if len(values) else None,
    }
    if 2 <= len(values) < clustered.sum():
        Xc, lc = X[clustered], labels[clustered]
        if silhouette:
            out["silhouette"] = _round(estimate_silhouettes(X, [labels])[0][0])
        out["davies_bouldin"] = _round(davies_bouldin_score(Xc, lc))
        out["calinski_harabasz"] = _round(calinski_harabasz_score(Xc, lc), 3)
    return out


def add_silhouettes(
    scores: list[CandidateScore], labelings: list[np.ndarray | None], X: np.ndarray, seed: int = 0
) -> tuple[float, dict]:
    """Set the silhouette of every candidate that has labels, in one pass.

    ``labelings[i]`` belongs to ``scores[i]`` (``None`` for a candidate that failed).
    Density methods' noise (label -1) is left out, as in :func:`cluster_metrics`. Exact up to
    :data:`~olistseg.models.metrics.SILHOUETTE_EXACT_MAX` customers, on a stratified sample
    above (see :func:`~olistseg.models.metrics.estimate_silhouettes`). Returns the seconds
    taken and how the silhouettes were computed.
    """
    started = time.perf_counter()
    present = [i for i, labels in enumerate(labelings) if labels is not None]
    values, info = estimate_silhouettes(X, [labelings[i] for i in present], seed=seed)
    for index, value in zip(present, values, strict=True):
        scores[index].silhouette = _round(value)
    return round(time.perf_counter() - started, 3), info


def stability(
    algorithm: str,
    k: int | None,
    X: np.ndarray,
    seed: int,
    n_bootstrap: int = 3,
    n_seeds: int = 3,
) -> tuple[float, float]:
    """(bootstrap ARI, seed ARI) of a candidate, as described in the module docstring."""
    factory = ALGORITHMS[algorithm].make
    rng = np.random.default_rng(seed + 1)
    size = min(STABILITY_SAMPLE, len(X) // 2)
    refits = []
    for b in range(n_bootstrap):
        index = np.sort(rng.choice(len(X), size=size, replace=False))
        refits.append((index, fit_labels(factory(k or 0, seed + 100 + b, size), X[index])))
    pair_scores = []
    for (ia, la), (ib, lb) in combinations(refits, 2):
        shared, pos_a, pos_b = np.intersect1d(ia, ib, return_indices=True)
        if len(shared) > 1:
            pair_scores.append(adjusted_rand_score(la[pos_a], lb[pos_b]))
    if ALGORITHMS[algorithm].deterministic and size <= DENSITY_SAMPLE:
        return float(np.mean(pair_scores)) if pair_scores else 0.0, 1.0
    index, first = refits[0]
    seed_fits = [first] + [
        fit_labels(factory(k or 0, seed + 1000 + s, size), X[index]) for s in range(n_seeds - 1)
    ]
    seed_scores = [adjusted_rand_score(a, b) for a, b in combinations(seed_fits, 2)]
    return float(np.mean(pair_scores)) if pair_scores else 0.0, float(np.mean(seed_scores))


#: Customers above which reproducibility refits a seeded random sample of this many.
REPRODUCIBILITY_SAMPLE = 200_000


def reproducibility(
    algorithm: str, k: int | None, X: np.ndarray, labels: np.ndarray, seed: int, n_seeds: int = 3
) -> float:
    """Mean ARI between ``labels`` and refits with ``n_seeds - 1`` other seeds on all of X.

    Above :data:`REPRODUCIBILITY_SAMPLE` customers the refits are fitted on a seeded random
    sample of that many and compared with ``labels`` on it: two refits of all of 10 million
    customers took over ten minutes, and whether a seed changes the partition shows on a
    sample of 200,000."""
    if ALGORITHMS[algorithm].deterministic:
        return 1.0
    factory = ALGORITHMS[algorithm].make
    index = np.arange(len(X))
    if len(X) > REPRODUCIBILITY_SAMPLE:
        rng = np.random.default_rng(seed + 2)
        index = np.sort(rng.choice(len(X), size=REPRODUCIBILITY_SAMPLE, replace=False))
    sample, sample_labels = X[index], np.asarray(labels)[index]
    scores = [
        adjusted_rand_score(
            sample_labels, fit_labels(factory(k or 0, seed + 1000 + s, len(sample)), sample)
        )
        for s in range(1, n_seeds)
    ]
    return float(np.mean(scores))


def evaluate(
    algorithm: str,
    k: int | None,
    X: np.ndarray,
    seed: int = 42,
    with_stability: bool = True,
    with_silhouette: bool = True,
) -> tuple[CandidateScore, np.ndarray | None, object | None]:
    """Fit one candidate and score it; returns the score, the labels and the fitted estimator.

    ``with_silhouette=False`` leaves the silhouette to :func:`add_silhouettes`.
    """
    score = CandidateScore(algorithm, k)
    started = time.perf_counter()
    try:
        estimator = ALGORITHMS[algorithm].make(k or 0, seed, len(X))
        labels = fit_labels(estimator, X)
    except (ValueError, MemoryError) as exc:
        score.error = str(exc)
        return score, None, None
    score.fit_seconds = round(time.perf_counter() - started, 3)
    started = time.perf_counter()
    for key, value in cluster_metrics(X, labels, with_silhouette).items():
        setattr(score, key, value)
    if isinstance(estimator, GaussianMixture):
        score.bic = _round(estimator.bic(X), 2)
    if ALGORITHMS[algorithm].note:
        score.notes.append(ALGORITHMS[algorithm].note)
    if with_stability and score.n_clusters >= 2:
        boot, seeds = stability(algorithm, k, X, seed)
        score.stability_bootstrap, score.stability_seeds = _round(boot, 4), _round(seeds, 4)
    score.metric_seconds = round(time.perf_counter() - started, 3)
    return score, labels, estimator
