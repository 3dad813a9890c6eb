"""``olistseg stability`` and ``olistseg monitor`` as functions: outputs, charts, contract.

* :func:`run_stability` runs the simulation and writes ``stability.json``, the charts (ARI
  curve with the band across origins and the baseline noise, PSI heat map, migration matrix),
  ``maintenance.md`` and ``maintenance.json``;
* :func:`monitor` is the monthly check of a saved model: "retrain" or "keep", with reasons.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import altair as alt
import duckdb
import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from olistseg.atomic import write_json, write_text
from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.kpi.run import default_as_of
from olistseg.models.preprocessing import model_input
from olistseg.segments.charts import save_chart
from olistseg.segments.segmenter import Segmenter
from olistseg.stability.drift import population_stability_index
from olistseg.stability.simulation import (
    FrozenModel,
    ProgressCallback,
    SimulationConfig,
    numeric_columns,
    simulate,
)

#: Automatic retrain triggers checked by ``olistseg monitor`` (and written into the contract).
PSI_TRIGGER = 0.2
SHARE_TRIGGER_POINTS = 5.0
#: Analyst time per update, an estimate stated as such in the contract (hours).
ANALYST_HOURS = {"monthly check": 0.5, "retrain and review": 4.0}


def config_for_model(model_dir: Path | None = None, **options: object) -> SimulationConfig:
    """The simulation's configuration: algorithm, k, features and seed of the saved model in
    ``model_dir`` (else ``options``' ``algorithm`` and ``k``), plus the other ``options``.

    A density method (DBSCAN, HDBSCAN) has no k to refit at a later date: the simulation then
    measures k-means with as many segments, and ``model_note`` says so in every output.
    """
    from olistseg.models.candidates import ALGORITHMS

    if model_dir is not None:
        saved = Segmenter.load(model_dir)
        algorithm, k = saved.chosen_.algorithm, len(saved.names_)
        options = {**options, "algorithm": algorithm, "k": k, "preset": saved.preset,
                   "seed": options.get("seed", saved.seed)}  # fmt: skip
        if not ALGORITHMS[algorithm].uses_k:
            options["algorithm"] = "kmeans"
            options["model_note"] = (
                f"the chosen model, {algorithm}, is a density method with no number of segments "
                f"to refit at a later date; the simulation measures k-means with the same {k} "
                "segments, features and seed instead"
            )
    algorithm = str(options.get("algorithm", "kmeans"))
    if algorithm not in ALGORITHMS or not ALGORITHMS[algorithm].uses_k:
        choices = ", ".join(n for n, a in ALGORITHMS.items() if a.uses_k)
        raise InputError(f"--algorithm {algorithm!r}: the simulation refits one of {choices}.")
    threshold = float(options.get("threshold", 0.8))
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"--threshold {threshold}: must be in (0, 1].")
    if int(options.get("n_origins", 12)) < 1:
        raise InputError("--origins: at least 1.")
    if options.get("refit", "warm") not in ("warm", "cold"):
        raise InputError(f"--refit {options['refit']!r}: choose warm or cold.")
    return SimulationConfig(**options)


def run_stability(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    config: SimulationConfig,
    end: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
) -> dict:
    """Simulate and write every output of ``olistseg stability`` into ``out``.

    Returns the simulation result (as ``stability.json``): origins, ARI curves, baseline
    noise, the cadence and timings.
    """
    result = simulate(con, config, end, progress)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "stability.json", result)
    charts = out / "charts"
    save_chart(ari_chart(result), charts, "ari_curve")
    save_chart(psi_chart(result), charts, "psi_heatmap")
    save_chart(migration_chart(result), charts, "migration")
    contract = maintenance_contract(result)
    write_json(out / "maintenance.json", contract)
    write_text(out / "maintenance.md", maintenance_markdown(contract))
    return result


def ari_chart(result: dict) -> alt.LayerChart:
    curve = pd.DataFrame(result["curve"])
    base = alt.Chart(curve).encode(x=alt.X("weeks:Q", title="weeks since the model was fitted"))
    band = base.mark_area(opacity=0.25).encode(
        y=alt.Y("ari_p10:Q", title="ARI frozen model vs refit", scale=alt.Scale(domain=[0, 1])),
        y2="ari_max:Q",
    )
    median = base.mark_line(point=True).encode(y="ari_median:Q")
    p10 = base.mark_line(strokeDash=[4, 2]).encode(y="ari_p10:Q")
    rules = pd.DataFrame(
        [
            {"value": result["cadence"]["threshold"], "what": "threshold"},
            {"value": result["baseline_noise"]["median"], "what": "baseline noise (seeds)"},
        ]
    )
    lines = (
        alt.Chart(rules)
        .mark_rule(strokeDash=[6, 3])
        .encode(y="value:Q", color=alt.Color("what:N", title=None))
    )
    weeks = result["cadence"]["weeks"]
    title = f"ARI across origins (band: 10th percentile to max); cadence {weeks} weeks"
    return (band + median + p10 + lines).properties(width=520, height=280, title=title)


def psi_chart(result: dict) -> alt.Chart:
    rows = [
        {"weeks": c["weeks"], "feature": feature, "psi": value}
        for c in result["curve"]
        for feature, value in c["psi_median"].items()
    ]
    return (
        alt.Chart(pd.DataFrame(rows), title="PSI against the origin (median across origins)")
        .mark_rect()
        .encode(
            x=alt.X("weeks:O", title="weeks since the model was fitted"),
            y=alt.Y("feature:N", title=None),
            color=alt.Color("psi:Q", scale=alt.Scale(scheme="orangered", domainMax=0.5)),
            tooltip=["feature", "weeks", "psi"],
        )
        .properties(width=520, height=220)
    )


def migration_chart(result: dict) -> alt.Chart:
    """Mean migration matrix across origins at the cadence horizon (or one step)."""
    t = max(result["cadence"]["steps"] or 1, 1)
    matrices = [
        np.array(s["migration"])
        for o in result["origins"]
        for s in o["steps"]
        if s["t"] == t and o["reproducible"]
    ] or [np.array(s["migration"]) for o in result["origins"] for s in o["steps"] if s["t"] == t]
    mean = np.mean(matrices, axis=0) if matrices else np.zeros((1, 1))
    rows = [
        {"from": f"segment {i}", "to": f"segment {j}", "share": round(float(mean[i, j]), 4)}
        for i in range(mean.shape[0])
        for j in range(mean.shape[1])
    ]
    weeks = round(t * result["config"]["step_days"] / 7, 1)
    return (
        alt.Chart(
            pd.DataFrame(rows), title=f"Where customers are {weeks} weeks later (frozen model)"
        )
        .mark_rect()
        .encode(
            x=alt.X("to:N", title="segment later"),
            y=alt.Y("from:N", title="segment at the origin"),
            color=alt.Color("share:Q", scale=alt.Scale(domain=[0, 1])),
            tooltip=["from", "to", "share"],
        )
        .properties(width=260, height=260)
    )


def maintenance_contract(result: dict) -> dict:
    """Cadence, triggers, costs, deliverables and a 12-month calendar, from the simulation."""
    cadence = result["cadence"]
    end = dt.datetime.fromisoformat(result["end"])
    days = cadence["days"] or 7
    calendar = []
    for month in range(1, 13):
        check = end + dt.timedelta(days=round(30.44 * month))
        calendar.append(
            {"date": check.date().isoformat(), "task": "monthly check (olistseg monitor)"}
        )
    retrain = end + dt.timedelta(days=days)
    while retrain <= end + dt.timedelta(days=365):
        calendar.append({"date": retrain.date().isoformat(), "task": "retrain (olistseg segment)"})
        retrain += dt.timedelta(days=days)
    calendar.sort(key=lambda row: (row["date"], row["task"]))
    retrains_per_year = sum(1 for row in calendar if row["task"].startswith("retrain"))
    hours = (
        12 * ANALYST_HOURS["monthly check"]
        + retrains_per_year * ANALYST_HOURS["retrain and review"]
    )
    return {
        "cadence_days": cadence["days"],
        "cadence_weeks": cadence["weeks"],
        "cadence_reason": cadence["reason"],
        "threshold": cadence["threshold"],
        "limited_by_horizon": cadence["limited_by_horizon"],
        "between_retrains": cadence["between_retrains"],
        "baseline_noise": result["baseline_noise"],
        "triggers": [
            f"monthly check: ARI between the current model and a refit below {cadence['threshold']}",
            f"PSI above {PSI_TRIGGER} on any model feature against the training date",
            f"a segment's share moves by more than {SHARE_TRIGGER_POINTS:g} percentage points",
        ],
        "compute": {
            "one_retrain_seconds": result["retrain_seconds"],
            "simulation_seconds": result["timings"]["total_s"],
        },
        "analyst_hours": {
            **ANALYST_HOURS,
            "per_year_estimate": round(hours, 1),
            "note": "an estimate, not a measurement",
        },
        "each_update_delivers": [
            "segments.csv: every customer's segment, name and key features",
            "profiles.json and the charts: what each segment looks like now",
            "selection.json: the candidates and why this model was chosen",
            "a migration table: who moved between segments since the last model",
        ],
        "calendar": calendar,
        "retrains_per_year": retrains_per_year,
        "algorithm": result["config"]["algorithm"],
        "k": result["config"]["k"],
    }


def maintenance_markdown(contract: dict) -> str:
    lines = [
        "# Maintenance contract for the customer segmentation",
        "",
        f"Model: {contract['algorithm']} with {contract['k']} segments.",
        "",
        "## Cadence",
        f"Retrain every **{contract['cadence_weeks']} weeks** ({contract['cadence_days']} days): "
        f"{contract['cadence_reason']}.",
        f"Between retrains, {contract['between_retrains']}.",
        f"Baseline noise (refits with other seeds on the same date): median ARI "
        f"{contract['baseline_noise']['median']}, 10th percentile {contract['baseline_noise']['p10']}.",
        "",
        "## Automatic triggers (any one means retrain now)",
        *[f"- {t}" for t in contract["triggers"]],
        "",
        "## Cost",
        f"- One retrain on this data: {contract['compute']['one_retrain_seconds']} s of compute "
        "(features and model fit).",
        f"- Analyst time (estimate): {contract['analyst_hours']['monthly check']} h per monthly "
        f"check, {contract['analyst_hours']['retrain and review']} h per retrain and review, about "
        f"{contract['analyst_hours']['per_year_estimate']} h a year.",
        "",
        "## Each update delivers",
        *[f"- {d}" for d in contract["each_update_delivers"]],
        "",
        "## Calendar (12 months)",
        "| date | task |",
        "|---|---|",
        *[f"| {row['date']} | {row['task']} |" for row in contract["calendar"]],
        "",
    ]
    return "\n".join(lines)


def monitor(
    model_dir: Path,
    con: duckdb.DuckDBPyConnection,
    as_of: dt.datetime | None = None,
    threshold: float = 0.8,
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
    refit = FrozenModel(segmenter.chosen_.algorithm, k, segmenter.preset, segmenter.seed)
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
            psi[column] = round(population_stability_index(
                reference[column].to_numpy(float), current[column].to_numpy(float)), 4)  # fmt: skip
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
