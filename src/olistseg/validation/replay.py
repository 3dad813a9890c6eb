"""Replay history: fit a segmentation configuration on the features as of an origin T0 only,
then compare its segments with what customers did over (T0, T0 + H]."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from olistseg.features.build import customer_features
from olistseg.features.outcomes import customer_outcomes, delivered_end
from olistseg.models.segmentation import SegmentationModel
from olistseg.validation.baselines import rfm_segments
from olistseg.validation.metrics import N_BOOT, auc_difference, segment_auc
from olistseg.warehouse.sample import CHECK_SAMPLE_CUSTOMERS, sampled_customers

#: The default outcome window, and the months between validation origins.
HORIZON_DAYS = 180
ORIGIN_EVERY_MONTHS = 3


@dataclass(frozen=True)
class Window:
    """An origin T0 and the end T1 of the window observed after it."""

    origin: dt.datetime
    end: dt.datetime

    def to_dict(self) -> dict:
        return {"origin": self.origin.isoformat(sep=" "), "end": self.end.isoformat(sep=" ")}


def _months_before(date: dt.datetime, months: int) -> dt.datetime:
    return (pd.Timestamp(date) - pd.DateOffset(months=months)).to_pydatetime()


def windows(
    con: duckdb.DuckDBPyConnection,
    limit: dt.datetime | None = None,
    horizon_days: int = HORIZON_DAYS,
    n_origins: int = 4,
    every_months: int = ORIGIN_EVERY_MONTHS,
) -> list[Window]:
    """Up to ``n_origins`` windows, the latest first ending at the data's delivered end (or at
    ``limit``, when earlier: nothing after it may be read), then every ``every_months`` back.

    Origins before the first purchase are dropped; an empty list means the data is too short.
    """
    last = delivered_end(con)
    if limit is not None:
        last = min(last, limit)
    first = con.execute("SELECT min(order_purchase_timestamp) FROM orders").fetchone()[0]
    latest = last - dt.timedelta(days=horizon_days)
    out = []
    for i in range(n_origins):
        origin = _months_before(latest, i * every_months)
        if first is None or origin <= first:
            break
        out.append(Window(origin, origin + dt.timedelta(days=horizon_days)))
    return out


def fit_at(
    features: pd.DataFrame, algorithm: str, k: int | None, preset: str, seed: int
) -> np.ndarray:
    """Segment labels (-1 noise joins the nearest segment) of ``algorithm`` with ``k`` fitted on
    ``features`` (preprocessing fitted on them too): a retrain at that date."""
    return SegmentationModel(algorithm, k, preset, seed).fit(features).labels_


class OutOfTime:
    """The out-of-time value of candidate configurations at one window, for the selection rule:
    features at T0 and outcomes over (T0, T1] are read once, each candidate is fitted at T0."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, window: Window, preset: str, seed: int
    ) -> None:
        self.window, self.preset, self.seed = window, preset, seed
        self.features = customer_features(con, window.origin)
        outcomes = customer_outcomes(con, window.origin, window.end)
        self.repurchased = outcomes.reindex(self.features.index)["repurchased"].fillna(0).to_numpy()
        self._rfm: np.ndarray | None = None

    @property
    def rfm_labels(self) -> np.ndarray:
        """The standard RFM scoring's cells for the window's customers (computed once)."""
        if self._rfm is None:
            self._rfm = rfm_segments(self.features)[0]
        return self._rfm

    @property
    def usable(self) -> bool:
        """Enough customers, and somebody bought again (else no AUC exists)."""
        return len(self.features) >= 100 and bool(self.repurchased.any())

    def auc(self, algorithm: str, k: int | None) -> float | None:
        """AUC of the candidate's segment-mean repurchase rate over the window."""
        return self.against_rfm(algorithm, k)[0]

    def against_rfm(self, algorithm: str, k: int | None) -> tuple[float | None, float | None]:
        """The candidate's AUC over the window and the upper bound of the paired 95% bootstrap
        interval of its difference with the RFM scoring's AUC on the same customers
        (:func:`olistseg.validation.metrics.auc_difference`, :data:`N_BOOT` resamples)."""
        try:
            labels = fit_at(self.features, algorithm, k, self.preset, self.seed)
        except (ValueError, MemoryError):
            return None, None
        auc = segment_auc(labels, self.repurchased)
        if auc is None:
            return None, None
        paired = auc_difference(labels, self.rfm_labels, self.repurchased, n_boot=N_BOOT)
        return round(auc, 4), None if paired is None else paired["high"]

    def rfm_auc(self) -> float | None:
        """The same AUC for the standard RFM scoring (:mod:`olistseg.validation.baselines`)."""
        auc = segment_auc(self.rfm_labels, self.repurchased)
        return None if auc is None else round(auc, 4)

    def to_dict(self) -> dict:
        return {
            **self.window.to_dict(),
            "customers": len(self.features),
            "repurchase_rate": round(float(self.repurchased.mean()), 5),
        }


def median_of(values: list[float | None]) -> float | None:
    """The median of the values present, to 4 decimals; None when there is none."""
    present = [v for v in values if v is not None]
    return round(float(np.median(present)), 4) if present else None


class OutOfTimeHistory:
    """The out-of-time value over several windows: the median, over the windows, of the AUC.

    The selection reads the same windows as ``olistseg validate`` (every 3 months back from the
    last window that ends by the training date), so a candidate's value is the figure its
    validation reports; one window alone is too noisy (about 600 repurchasers at Olist's
    latest origin). The RFM scoring's median on the same windows is the bar to clear.
    """

    def __init__(self, parts: list[OutOfTime], sample: dict | None = None) -> None:
        if not parts:
            raise ValueError("no out-of-time window")
        self.parts = parts
        #: the seeded sample of customers the windows hold, or None (every customer)
        self.sample = sample
        #: the bar to clear: the RFM scoring's median AUC over the same windows
        self.rfm_auc = median_of([part.rfm_auc() for part in parts])

    def auc(self, algorithm: str, k: int | None) -> float | None:
        return median_of([part.auc(algorithm, k) for part in self.parts])

    def against_rfm(self, algorithm: str, k: int | None) -> tuple[float | None, float | None]:
        """The median over the windows of the candidate's AUC, and of the upper bound of the
        paired 95% interval of its difference with RFM (at least 0: not worse beyond noise)."""
        pairs = [part.against_rfm(algorithm, k) for part in self.parts]
        return median_of([a for a, _ in pairs]), median_of([u for _, u in pairs])

    def to_dict(self) -> dict:
        out = {"windows": [part.to_dict() for part in self.parts], "rfm_median_auc": self.rfm_auc}
        if self.sample is not None:
            out["sample"] = self.sample
        return out


def history(
    con: duckdb.DuckDBPyConnection,
    limit: dt.datetime,
    preset: str,
    seed: int,
    horizon_days: int = HORIZON_DAYS,
    n_origins: int = 4,
) -> OutOfTimeHistory | None:
    """The usable windows ending by ``limit`` (see :func:`windows`); None when there is none.

    Each window reads every customer's features and outcomes and fits each candidate again:
    above :data:`CHECK_SAMPLE_CUSTOMERS` customers, a seeded sample of that many estimates the
    AUCs (``sample`` in :meth:`OutOfTimeHistory.to_dict`), as the value checks do."""
    found = windows(con, limit, horizon_days, n_origins)
    with sampled_customers(con, CHECK_SAMPLE_CUSTOMERS, seed) as sample:
        parts = [OutOfTime(con, w, preset, seed) for w in found]
    parts = [part for part in parts if part.usable]
    return OutOfTimeHistory(parts, sample) if parts else None
