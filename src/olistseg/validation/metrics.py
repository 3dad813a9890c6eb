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
    frame = pd.DataFrame({"segment_id": np.asarray(labels),
                          "repurchased": outcomes["repurchased"].to_numpy(float),
                          "future_revenue": outcomes["future_revenue"].to_numpy(float)})  # fmt: skip
    table = frame.groupby("segment_id").agg(
        size=("repurchased", "size"), repurchase_rate=("repurchased", "mean"),
        revenue_per_customer=("future_revenue", "mean"), revenue=("future_revenue", "sum"),
    )  # fmt: skip
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
