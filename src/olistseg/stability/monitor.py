"""``olistseg monitor``: the monthly check of a saved model, "retrain" or "keep" with reasons."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import duckdb
import numpy as np
from sklearn.metrics import adjusted_rand_score

from olistseg.features.build import customer_features
from olistseg.models import ARI_THRESHOLD
from olistseg.models.preprocessing import model_input
from olistseg.models.segmentation import SegmentationModel
from olistseg.segments.segmenter import Segmenter
from olistseg.stability.contract import PSI_TRIGGER, SHARE_TRIGGER_POINTS
from olistseg.stability.drift import population_stability_index
from olistseg.stability.simulation import numeric_columns
from olistseg.warehouse.now import default_as_of


def monitor(
    model_dir: Path,
    con: duckdb.DuckDBPyConnection,
    as_of: dt.datetime | None = None,
    threshold: float = ARI_THRESHOLD,
) -> dict:
    """The monthly check of a saved model: ``decision`` is "retrain" or "keep", with reasons."""
    started = time.perf_counter()
    segmenter = Segmenter.load(model_dir)
    metadata = segmenter.saved_metadata_
    trained = dt.datetime.fromisoformat(metadata["as_of"]) if metadata.get("as_of") else None
    as_of = as_of or default_as_of(con)
    before = customer_features(con, trained) if trained else None
    now = customer_features(con, as_of)
    frozen = segmenter.predict(now)
    k = len(segmenter.names_)
    refit = SegmentationModel(segmenter.chosen_.algorithm, k, segmenter.preset, segmenter.seed)
    refit.fit(now, start_from=frozen)
    ari = float(adjusted_rand_score(frozen, refit.labels_))
    reasons = []
    if ari < threshold:
        reasons.append(f"ARI between the model and a refit is {ari:.3f} (< {threshold})")
    psi: dict[str, float] = {}
    share_change: dict[str, float] = {}
    if before is not None:
        reference, current = (
            model_input(before, segmenter.preset),
            model_input(now, segmenter.preset),
        )
        for column in numeric_columns(reference):
            psi[column] = round(
                population_stability_index(
                    reference[column].to_numpy(float), current[column].to_numpy(float)
                ),
                4,
            )
        psi_reasons = [
            f"PSI of {c} is {v} (> {PSI_TRIGGER})" for c, v in psi.items() if v > PSI_TRIGGER
        ]
        reasons.extend(psi_reasons)
        old = np.bincount(segmenter.training_labels_, minlength=k) / len(segmenter.training_labels_)
        new = np.bincount(frozen, minlength=k) / len(frozen)
        for segment_id, name in segmenter.names_["segment_name"].items():
            change = round(100 * float(new[segment_id] - old[segment_id]), 2)
            share_change[name] = change
            if abs(change) > SHARE_TRIGGER_POINTS:
                reasons.append(f"the share of {name} moved by {change:+.1f} points")
    return {
        "decision": "retrain" if reasons else "keep",
        "reasons": reasons or ["every check is within its limit"],
        "as_of": as_of.isoformat(sep=" "),
        "model_as_of": metadata.get("as_of"),
        "customers": len(now),
        "ari_vs_refit": round(ari, 4),
        "threshold": threshold,
        "psi": psi,
        "share_change_points": share_change,
        "seconds": round(time.perf_counter() - started, 2),
    }
