"""Out-of-time metrics of a segmentation: pure functions of labels and observed outcomes.

A segmentation *ranks* customers by the future behaviour of their segment: each customer's
score is the mean outcome of his segment, and the AUC of that score says how well the
segments separate those who bought again from those who did not (0.5 = chance). With a
handful of segments the in-sample segment mean barely overfits; a baseline with as many cells
(the RFM grid) is scored the same way, so the comparison is fair.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

#: Bootstrap resamples of a paired AUC difference (per window): enough for a stable 95%
#: interval of the difference, cheap enough to run for every candidate the selection checks.
N_BOOT = 200


def segment_means(labels: np.ndarray, outcome: np.ndarray) -> np.ndarray:
    """Each customer's segment mean of ``outcome`` (n_customers,)."""
    labels = np.asarray(labels)
    frame = pd.DataFrame({"s": labels, "y": np.asarray(outcome, dtype=float)})
    return frame.groupby("s")["y"].transform("mean").to_numpy()


def segment_auc(labels: np.ndarray, repurchased: np.ndarray) -> float | None:
    """AUC of the segment-mean repurchase rate against who repurchased; None when nobody (or
    everybody) did, where an AUC is undefined."""
    y = np.asarray(repurchased, dtype=int)
    if y.min() == y.max():
        return None
    return float(roc_auc_score(y, segment_means(labels, y)))


def segment_outcomes(
    labels: np.ndarray, names: list[str] | pd.Series, outcomes: pd.DataFrame
) -> pd.DataFrame:
    """Per segment: size, share, repurchase rate, revenue per customer, their lifts against the
    population, and the segment's share of future revenue. ``names[s]`` names segment ``s``;
    ``outcomes`` holds ``repurchased`` and ``future_revenue`` row-aligned with ``labels``."""
    frame = pd.DataFrame(
        {
            "segment_id": np.asarray(labels),
            "repurchased": outcomes["repurchased"].to_numpy(float),
            "future_revenue": outcomes["future_revenue"].to_numpy(float),
        }
    )
    table = frame.groupby("segment_id").agg(
        size=("repurchased", "size"),
        repurchase_rate=("repurchased", "mean"),
        revenue_per_customer=("future_revenue", "mean"),
        revenue=("future_revenue", "sum"),
    )
    base_rate, base_revenue = frame["repurchased"].mean(), frame["future_revenue"].mean()
    total_revenue = frame["future_revenue"].sum()
    table["share_customers"] = table["size"] / len(frame)
    table["repurchase_lift"] = table["repurchase_rate"] / base_rate if base_rate else np.nan
    table["revenue_lift"] = table["revenue_per_customer"] / base_revenue if base_revenue else np.nan
    table["share_future_revenue"] = table["revenue"] / total_revenue if total_revenue else np.nan
    table["name"] = [list(names)[s] for s in table.index]
    return table.drop(columns="revenue")


def top_lift(table: pd.DataFrame) -> float | None:
    """The repurchase lift of the segment that repurchases most."""
    lifts = table["repurchase_lift"].dropna()
    return None if lifts.empty else float(lifts.max())


def _grouped_auc(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """AUC of segment-mean scores from per-segment positive and negative counts, shape
    (n_samples, n_segments) -> (n_samples,); ties (one segment) count one half."""
    total = pos + neg
    rate = np.divide(pos, total, out=np.zeros_like(pos, dtype=float), where=total > 0)
    order = np.argsort(rate, axis=1, kind="stable")
    pos, neg, rate = (np.take_along_axis(a, order, axis=1) for a in (pos, neg, rate))
    below = np.cumsum(neg, axis=1) - neg  # negatives in lower-ranked segments
    wins = (pos * below).sum(axis=1) + 0.5 * (pos * neg).sum(axis=1)
    # Segments with equal rates are one score: their pairs are ties, not wins. Rare with real
    # rates (two segments with no repurchase in a resample), so only those rows pool them.
    for row in np.flatnonzero((np.diff(rate, axis=1) == 0).any(axis=1)):
        wins[row] = _tied_wins(pos[row], neg[row], rate[row])
    pairs = pos.sum(axis=1) * neg.sum(axis=1)
    return np.divide(wins, pairs, out=np.full(len(wins), np.nan), where=pairs > 0)


def _tied_wins(pos: np.ndarray, neg: np.ndarray, rate: np.ndarray) -> float:
    frame = pd.DataFrame({"r": rate, "p": pos, "n": neg}).groupby("r", sort=True).sum()
    p, n = frame["p"].to_numpy(float), frame["n"].to_numpy(float)
    return float((p * (np.cumsum(n) - n)).sum() + 0.5 * (p * n).sum())


def auc_difference(
    labels: np.ndarray,
    other: np.ndarray,
    repurchased: np.ndarray,
    n_boot: int = 500,
    seed: int = 0,
) -> dict | None:
    """AUC(labels) - AUC(other) on the same customers, with a 95% bootstrap interval.

    Customers are resampled (Poisson weights, the same draw for both segmentations, so the
    interval is that of the paired difference) and each segmentation's segment means are
    recomputed on every resample. None when nobody (or everybody) repurchased.
    """
    y = np.asarray(repurchased, dtype=float)
    if y.min() == y.max():
        return None
    codes_a = pd.factorize(np.asarray(labels))[0]
    codes_b = pd.factorize(np.asarray(other))[0]
    weights = np.random.default_rng(seed).poisson(1.0, size=(n_boot, len(y))).astype(float)
    weights = np.vstack([np.ones(len(y)), weights])  # row 0: the sample itself

    def aucs(codes: np.ndarray) -> np.ndarray:
        k = codes.max() + 1
        index = codes + k * np.arange(len(weights))[:, None]
        pos = np.bincount(index.ravel(), (weights * y).ravel(), k * len(weights))
        neg = np.bincount(index.ravel(), (weights * (1 - y)).ravel(), k * len(weights))
        return _grouped_auc(pos.reshape(-1, k), neg.reshape(-1, k))

    diff = aucs(codes_a) - aucs(codes_b)
    low, high = np.nanpercentile(diff[1:], [2.5, 97.5])
    return {
        "difference": round(float(diff[0]), 4),
        "low": round(float(low), 4),
        "high": round(float(high), 4),
        "n_boot": n_boot,
    }
