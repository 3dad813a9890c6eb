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
    population_mean = frame.mean()
    population_std = frame.std(ddof=0).replace(0, np.nan)
    grouped = frame.groupby(np.asarray(segments))
    out = pd.DataFrame({"size": grouped.size()})
    out["share_customers"] = out["size"] / len(frame)
    out["share_revenue"] = grouped["monetary"].sum() / max(frame["monetary"].sum(), 1e-12)
    means, medians = (
        grouped[list(NUMERIC_FEATURES)].mean(),
        grouped[list(NUMERIC_FEATURES)].median(),
    )
    for column in NUMERIC_FEATURES:
        out[f"{column}_mean"] = means[column]
        out[f"{column}_median"] = medians[column]
        out[f"{column}_lift"] = (
            means[column] / population_mean[column] if population_mean[column] else np.nan
        )
        out[f"{column}_z"] = (means[column] - population_mean[column]) / population_std[column]
    return out
