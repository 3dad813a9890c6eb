"""``olistseg validate``: do the segments predict what customers do next?

At each origin T0 (every 3 months back from the last window inside the data) the chosen
configuration (algorithm, k, features, seed of a saved model) is fitted on the features as of
T0 only, named by the same rules, and compared with what customers did over (T0, T0 + H]:
repurchase (a new non-canceled purchase occasion), revenue, the next order's review. Baselines
computed on the same customers at the same origin: a standard RFM scoring, random segments of
the same sizes, and the highest-silhouette candidate of the selection. Outputs
``validation.json`` and the charts; a segment whose future behaviour contradicts its name, or
a segmentation that ranks repurchase worse than RFM, is said so in words.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from pathlib import Path

import altair as alt
import duckdb
import numpy as np
import pandas as pd

from olistseg.atomic import write_json
from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.features.outcomes import customer_outcomes
from olistseg.i18n import keyed
from olistseg.segments.charts import save_chart
from olistseg.segments.naming import name_segments
from olistseg.segments.profile import profile_segments
from olistseg.segments.segmenter import Segmenter
from olistseg.validation.baselines import RFM_CELLS, random_segments, rfm_segments
from olistseg.validation.metrics import (
    N_BOOT,
    auc_difference,
    segment_auc,
    segment_outcomes,
    top_lift,
)
from olistseg.validation.replay import HORIZON_DAYS, fit_at, median_of, windows

#: What each name promises about the next months: (key, "above" | "below", repurchase lift).
EXPECTATIONS: dict[str, tuple[str, float]] = {
    "loyal": ("above", 2.0),
    "lapsed_loyal": ("above", 1.0),
    "recent": ("above", 1.0),
    "recent_premium": ("above", 1.0),
    "dormant": ("below", 1.0),
    "dormant_premium": ("below", 1.0),
}
#: Segments named for value: their share of future revenue is reported against their size.
VALUE_KEYS = ("loyal", "lapsed_loyal", "big_spenders", "recent_premium", "dormant_premium")


def _named(features: pd.DataFrame, labels: np.ndarray) -> tuple[list[str], list[str]]:
    named = name_segments(profile_segments(features, labels))
    return named["segment_name"].tolist(), named["segment_key"].tolist()


def _segmentation(
    labels: np.ndarray, names: list[str], keys: list[str] | None, outcomes: pd.DataFrame
) -> dict:
    table = segment_outcomes(labels, names, outcomes)
    value_share = None
    if keys is not None:
        value = [s for s in table.index if keys[s] in VALUE_KEYS]
        value_share = (
            round(float(table.loc[value, "share_future_revenue"].sum()), 4) if value else None
        )
    auc = segment_auc(labels, outcomes["repurchased"].to_numpy())
    return {
        "auc": None if auc is None else round(auc, 4),
        "top_lift": None if top_lift(table) is None else round(top_lift(table), 3),
        "value_revenue_share": value_share,
        "segments": [
            {
                "segment_id": int(s),
                "name": row["name"],
                "key": None if keys is None else keys[s],
                "size": int(row["size"]),
                "share_customers": round(float(row["share_customers"]), 4),
                "repurchase_rate": round(float(row["repurchase_rate"]), 5),
                "repurchase_lift": None
                if pd.isna(row["repurchase_lift"])
                else round(float(row["repurchase_lift"]), 3),
                "revenue_per_customer": round(float(row["revenue_per_customer"]), 2),
                "share_future_revenue": None
                if pd.isna(row["share_future_revenue"])
                else round(float(row["share_future_revenue"]), 4),
            }
            for s, row in table.iterrows()
        ],
    }


def validate(
    con: duckdb.DuckDBPyConnection,
    config: dict,
    comparison: dict | None = None,
    limit: dt.datetime | None = None,
    horizon_days: int = HORIZON_DAYS,
    n_origins: int = 4,
    seed: int = 42,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """The validation of ``config`` (``algorithm``, ``k``, ``preset``, ``seed``) against the
    baselines, ``comparison`` (the highest-silhouette candidate, same keys) included.

    Returns the ``validation.json`` payload: per origin the segments' outcomes and every
    segmentation's AUC; the median-origin summary; the checks in words.
    """
    started = time.perf_counter()
    found = windows(con, limit, horizon_days, n_origins)
    if not found:
        raise InputError(
            f"no validation origin: the data is shorter than the {horizon_days}-day window after "
            "a first purchase. Give a shorter --horizon."
        )
    origins = []
    for position, window in enumerate(found):
        if progress:
            progress(f"origin {window.origin:%Y-%m-%d}", position, len(found))
        features = customer_features(con, window.origin)
        outcomes = customer_outcomes(con, window.origin, window.end).reindex(features.index)
        outcomes[["repurchased", "future_occasions", "future_revenue"]] = outcomes[
            ["repurchased", "future_occasions", "future_revenue"]
        ].fillna(0)
        labels = fit_at(
            features, config["algorithm"], config["k"], config["preset"], config["seed"]
        )
        names, keys = _named(features, labels)
        rfm_labels, rfm_names = rfm_segments(features)
        entry = {
            **window.to_dict(),
            "customers": len(features),
            "repurchase_rate": round(float(outcomes["repurchased"].mean()), 5),
            "next_review_mean": None
            if outcomes["next_review_score"].isna().all()
            else round(float(outcomes["next_review_score"].mean()), 3),
            "chosen": _segmentation(labels, names, keys, outcomes),
            "rfm": _segmentation(rfm_labels, rfm_names, None, outcomes),
            "random": _segmentation(
                random_segments(labels, seed + position), names, None, outcomes
            ),
            "chosen_minus_rfm": auc_difference(
                labels,
                rfm_labels,
                outcomes["repurchased"].to_numpy(),
                n_boot=N_BOOT,
                seed=seed + position,
            ),
        }
        if comparison is not None:
            other = fit_at(
                features,
                comparison["algorithm"],
                comparison["k"],
                comparison["preset"],
                comparison["seed"],
            )
            other_names, other_keys = _named(features, other)
            entry["highest_silhouette"] = _segmentation(other, other_names, other_keys, outcomes)
        origins.append(entry)
    result = {
        "config": config,
        "comparison": comparison,
        "horizon_days": horizon_days,
        "outcome": "repurchased: a new non-canceled purchase occasion in (T0, T0 + horizon]",
        "rfm_cells": [{"cell": c, "rule": r} for c, r in RFM_CELLS],
        "origins": origins,
    }
    result["summary"] = summarise(result)
    result["seconds"] = round(time.perf_counter() - started, 2)
    return result


def summarise(result: dict) -> dict:
    """Median-origin AUCs, the target against RFM, and each name's promise checked, in words."""
    origins = result["origins"]
    names = [k for k in ("chosen", "rfm", "random", "highest_silhouette") if k in origins[0]]
    auc = {k: median_of([o[k]["auc"] for o in origins]) for k in names}
    summary: dict = {
        "median_auc": auc,
        "median_top_lift": median_of([o["chosen"]["top_lift"] for o in origins]),
        "median_value_revenue_share": median_of(
            [o["chosen"]["value_revenue_share"] for o in origins]
        ),
    }
    value_customers = median_of(
        [
            sum(s["share_customers"] for s in o["chosen"]["segments"] if s["key"] in VALUE_KEYS)
            or None
            for o in origins
        ]
    )
    summary["median_value_customer_share"] = value_customers
    findings: list[dict] = []
    beats = auc["chosen"] is not None and auc["rfm"] is not None and auc["chosen"] >= auc["rfm"]
    summary["beats_rfm"] = beats
    values = {"auc": auc["chosen"], "rfm": auc["rfm"], "random": auc["random"]}
    if auc["chosen"] is None:
        findings.append({"key": "val_no_auc", "values": {}})
    else:
        findings.append({"key": "val_beats" if beats else "val_worse", "values": values})
    intervals = [o.get("chosen_minus_rfm") for o in origins if o.get("chosen_minus_rfm")]
    if intervals:
        within = sum(i["low"] <= 0 <= i["high"] for i in intervals)
        summary["rfm_difference"] = {
            "median": median_of([i["difference"] for i in intervals]),
            "origins": len(intervals),
            "interval_contains_zero": within,
        }
        findings.append(
            {
                "key": "val_noise",
                "values": {
                    "difference": summary["rfm_difference"]["median"],
                    "within": within,
                    "origins": len(intervals),
                },
            }
        )
    checks = []
    for key, (direction, bound) in EXPECTATIONS.items():
        lifts = [
            s["repurchase_lift"]
            for o in origins
            for s in o["chosen"]["segments"]
            if s["key"] == key and s["repurchase_lift"] is not None
        ]
        if not lifts:
            continue
        lift = round(float(np.median(lifts)), 3)
        name = next(s["name"] for o in origins for s in o["chosen"]["segments"] if s["key"] == key)
        ok = lift > bound if direction == "above" else lift < bound
        checks.append(
            {
                "key": key,
                "name": name,
                "median_lift": lift,
                "expected": f"{direction} {bound:g}",
                "consistent": ok,
            }
        )
        findings.append(
            {
                "key": "val_check_ok" if ok else "val_check_bad",
                "values": {
                    "segment": key,
                    "name": name,
                    "lift": lift,
                    "direction": direction,
                    "bound": bound,
                },
            }
        )
    summary["name_checks"] = checks
    summary["findings_text"] = findings
    summary["findings"] = [keyed("en", f) for f in findings]
    return summary


def validation_chart(result: dict) -> alt.LayerChart:
    """Repurchase lift per segment per origin (bars), and each segmentation's AUC (points)."""
    rows = [
        {"origin": o["origin"][:10], "segment": s["name"], "lift": s["repurchase_lift"]}
        for o in result["origins"]
        for s in o["chosen"]["segments"]
    ]
    lifts = (
        alt.Chart(pd.DataFrame(rows), title="Repurchase lift per segment, by origin")
        .mark_bar()
        .encode(
            x=alt.X("segment:N", title=None, sort="-y"),
            y=alt.Y("lift:Q", title="repurchase lift (1 = population)"),
            xOffset="origin:N",
            color=alt.Color("origin:N"),
            tooltip=["origin", "segment", "lift"],
        )
        .properties(width=460, height=240)
    )
    labels = {
        "chosen": "segments",
        "rfm": "RFM baseline",
        "random": "random",
        "highest_silhouette": "highest silhouette",
    }
    aucs = [
        {"origin": o["origin"][:10], "segmentation": labels[k], "auc": o[k]["auc"]}
        for o in result["origins"]
        for k in labels
        if k in o and o[k]["auc"] is not None
    ]
    auc = (
        alt.Chart(pd.DataFrame(aucs), title="AUC of repurchase, by origin")
        .mark_line(point=True)
        .encode(
            x=alt.X("origin:N", title="origin T0"),
            y=alt.Y("auc:Q", scale=alt.Scale(domain=[0.4, 1.0])),
            color="segmentation:N",
            tooltip=["origin", "segmentation", "auc"],
        )
        .properties(width=300, height=240)
    )
    return alt.hconcat(lifts, auc).resolve_scale(color="independent")  # two legends, not one


def run_validation(
    con: duckdb.DuckDBPyConnection, out: Path, model_dir: Path, **options: object
) -> dict:
    """Validate the saved model in ``model_dir`` into ``out`` (``validation.json``, charts/);
    the highest-silhouette candidate comes from the ``selection.json`` beside the model."""

    saved = Segmenter.load(model_dir)
    config = {
        "algorithm": saved.chosen_.algorithm,
        "k": saved.chosen_.k,
        "preset": saved.preset,
        "seed": saved.seed,
    }
    comparison = None
    selection = Path(model_dir).parent / "selection.json"
    if selection.is_file():
        candidates = [
            c
            for c in json.loads(selection.read_text())["candidates"]
            if c.get("silhouette") is not None
        ]
        best = max(candidates, key=lambda c: c["silhouette"])
        comparison = {
            "algorithm": best["algorithm"],
            "k": best["k"],
            "preset": saved.preset,
            "seed": saved.seed,
        }
    result = validate(con, config, comparison, **options)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "validation.json", result)
    save_chart(validation_chart(result), out / "charts", "validation")
    return result
