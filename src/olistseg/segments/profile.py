"""Per-segment profiles: size, shares of customers and revenue, feature means, medians, lifts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from olistseg.features.build import NUMERIC_FEATURES


def profile_segments(features: pd.DataFrame, segments: np.ndarray) -> pd.DataFrame:
    """One row per segment id, shape (n_segments, ...).

    Columns: ``size``, ``share_customers``, ``share_revenue`` (share of ``monetary``), then for
    each numeric feature ``<f>_mean``, ``<f>_median``, ``<f>_lift`` (segment mean / population
    mean; NaN when the population mean is 0) and ``<f>_z`` (segment mean minus population mean,
    in population standard deviations).
    """
    frame = features[list(NUMERIC_FEATURES)]  # no copy: grouped by the labels array
    grouped = frame.groupby(np.asarray(segments))
    return profiles_from_aggregates(
        sizes=grouped.size(),
        revenue=grouped["monetary"].sum(),
        means=grouped[list(NUMERIC_FEATURES)].mean(),
        medians=grouped[list(NUMERIC_FEATURES)].median(),
        customers=len(frame),
        total_revenue=frame["monetary"].sum(),
        population_mean=frame.mean(),
        population_std=frame.std(ddof=0),
    )


def profiles_from_aggregates(
    *,
    sizes: pd.Series,
    revenue: pd.Series,
    means: pd.DataFrame,
    medians: pd.DataFrame,
    customers: int,
    total_revenue: float,
    population_mean: pd.Series,
    population_std: pd.Series,
) -> pd.DataFrame:
    """The profiles of :func:`profile_segments` from aggregates any engine computes.

    Per segment (indexed by segment id): ``sizes``, ``revenue`` (sum of ``monetary``), the
    feature ``means`` and ``medians`` (segments x features). Over all customers: their number,
    total revenue, and each feature's mean and population standard deviation (ddof 0; a 0 or
    missing deviation gives NaN z-scores).
    """
    population_std = population_std.astype("float64").replace(0, np.nan)
    out = pd.DataFrame({"size": sizes})
    out["share_customers"] = out["size"] / customers
    out["share_revenue"] = revenue / max(total_revenue, 1e-12)
    for column in NUMERIC_FEATURES:
        mean = population_mean[column]
        out[f"{column}_mean"] = means[column]
        out[f"{column}_median"] = medians[column]
        out[f"{column}_lift"] = means[column] / mean if mean else np.nan
        out[f"{column}_z"] = (means[column] - mean) / population_std[column]
    return out
