"""``olistseg stability`` and ``olistseg monitor`` as functions: outputs, charts, contract.

* :func:`run_stability` runs the simulation and writes ``stability.json``, the charts (ARI
  curve with the band across origins and the baseline noise, PSI heat map, migration matrix),
  ``maintenance.md`` and ``maintenance.json``;
* :func:`monitor` is the monthly check of a saved model: "retrain" or "keep", with reasons.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
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
from olistseg.i18n import keyed, schedule_words, text
from olistseg.models import ARI_THRESHOLD
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
from olistseg.warehouse.now import default_as_of

#: Automatic retrain triggers checked by ``olistseg monitor`` (and written into the contract).
PSI_TRIGGER = 0.2
SHARE_TRIGGER_POINTS = 5.0
#: Analyst time per update, an estimate stated as such in the contract (hours).
ANALYST_HOURS = {"monthly check": 0.5, "retrain and review": 4.0}
#: What each update delivers (i18n keys).
DELIVERABLE_KEYS = (
    "deliver_segments",
    "deliver_profiles",
    "deliver_selection",
    "deliver_migration",
)


def config_for_model(model_dir: Path | None = None, **options: object) -> SimulationConfig:
    """The simulation's configuration: algorithm, k, features and seed of the saved model in
    ``model_dir`` (else ``options``' ``algorithm`` and ``k``), plus the other ``options``.

    A density method (DBSCAN, HDBSCAN) has no k to refit at a later date: the simulation then
    measures k-means with as many segments, and ``model_note`` says so in every output.
    """
    from olistseg.models.candidates import ALGORITHMS

    if model_dir is not None:
        saved = Segmenter.load(model_dir)
        options = {
            **options,
            "algorithm": saved.chosen_.algorithm,
            "k": len(saved.names_),
            "preset": saved.preset,
            "seed": options.get("seed", saved.seed),
        }
    algorithm = str(options.get("algorithm") or "kmeans")
    if algorithm in ALGORITHMS and not ALGORITHMS[algorithm].uses_k:
        k = int(options.get("k") or 4)
        options = {
            **options,
            "algorithm": "kmeans",
            "stand_in_for": algorithm,
            "model_note": text("en", "density_stand_in", chosen=algorithm, k=k),
        }
        algorithm = "kmeans"
    if algorithm not in ALGORITHMS:
        choices = ", ".join(n for n, a in ALGORITHMS.items() if a.uses_k)
        raise InputError(f"--algorithm {algorithm!r}: the simulation refits one of {choices}.")
    threshold = float(options.get("threshold") or ARI_THRESHOLD)
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"--threshold {threshold}: must be in (0, 1].")
    if int(options.get("n_origins", 12)) < 1:
        raise InputError("--origins: at least 1.")
    if options.get("refit", "warm") not in ("warm", "cold"):
        raise InputError(f"--refit {options['refit']!r}: choose warm or cold.")
    options = {key: value for key, value in options.items() if value is not None}
    return SimulationConfig(**{**options, "algorithm": algorithm, "threshold": threshold})


def run_stability(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    config: SimulationConfig,
    end: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    lang: str = "en",
    seeds: int = 3,
    costs: dict | None = None,
    measured: str | None = None,
) -> dict:
    """Simulate and write every output of ``olistseg stability`` into ``out``.

    ``measured`` says in words which segmentation is measured and why (``measured_model``).

    ``seeds`` runs of the whole simulation (seed, seed + 101, ...) measure how much the cadence
    hinges on the seed; ``costs`` overrides :data:`DEFAULT_COSTS` for the priced contract.

    ``maintenance.md`` is written in ``lang``. When no cadence can be set (too few origins
    where the model reproduces itself across seeds), nothing is written: InputError says why.

    Returns the simulation result (as ``stability.json``): origins, ARI curves, baseline
    noise, the cadence and timings.
    """
    shared: dict = {}
    result = simulate(con, config, end, progress, shared)
    noise = result["baseline_noise"]["median"]
    if noise < config.threshold:
        raise InputError(
            f"{config.algorithm} with {config.k} segments is not reproducible: refitted with other "
            f"seeds on the same date it agrees with itself at a median ARI of {noise} (threshold "
            f"{config.threshold}), so any drift it shows is optimizer noise and no retrain "
            "cadence can be set. Measure a model that reproduces itself: leave out --algorithm "
            "and --k (the segmentation `olistseg segment` chooses), or give --model."
        )
    # The other seeds and the simple protocol cannot give this seed a cadence: say so now.
    if result["cadence"]["weeks"] is None:
        left_out = len(result["origins_left_out"])
        raise InputError(
            f"no retrain cadence can be measured for {config.algorithm} with {config.k} segments: "
            f"{left_out} of {len(result['origins'])} origins do not reproduce their own "
            f"segments when refitted with other seeds (baseline ARI median "
            f"{result['baseline_noise']['median']}, threshold {config.threshold}), so "
            f"{result['cadence']['reason']}. Measure a model that reproduces itself (another "
            "--algorithm or --k, or --model with the segmentation's chosen model), or give "
            "more history (--origins, a later --as-of)."
        )
    result["seeds"] = [
        {
            "seed": config.seed,
            "steps": result["cadence"]["steps"],
            "weeks": result["cadence"]["weeks"],
        }
    ]
    for extra in range(1, seeds):
        other = simulate(
            con, dataclasses.replace(config, seed=config.seed + 101 * extra), end, shared=shared
        )
        result["seeds"].append(
            {
                "seed": config.seed + 101 * extra,
                "steps": other["cadence"]["steps"],
                "weeks": other["cadence"]["weeks"],
            }
        )
    result["measured_model"] = measured
    result["simple_protocol"] = simple_protocol(con, config, end or default_as_of(con))
    result["robust"] = robustness_summary(result)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "stability.json", result)
    charts = out / "charts"
    save_chart(ari_chart(result), charts, "ari_curve")
    save_chart(psi_chart(result), charts, "psi_heatmap")
    save_chart(migration_chart(result), charts, "migration")
    contract = maintenance_contract(result, costs)
    write_json(out / "maintenance.json", contract)
    write_text(out / "maintenance.md", maintenance_markdown(contract, lang))
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
    # the noise floor: two seeded retrains at the same step; a drop above it is drift
    floor = base.mark_line(color="#999999", strokeDash=[1, 2]).encode(y="noise_floor_median:Q")
    simple = pd.DataFrame(result.get("simple_protocol", {}).get("curve", []))
    layers = [band, median, p10, floor]
    if not simple.empty:
        simple["weeks"] = simple["month"] * 30.44 / 7
        layers.append(
            alt.Chart(simple).mark_line(color="#7b3294", opacity=0.7).encode(x="weeks:Q", y="ari:Q")
        )
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
    title = (
        f"ARI across origins (band: 10th percentile to max; dotted: noise floor; purple: "
        f"first-12-months protocol); cadence {weeks} weeks"
    )
    return alt.layer(*layers, lines).properties(width=520, height=280, title=title)


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


def simple_protocol(
    con: duckdb.DuckDBPyConnection, config: SimulationConfig, end: dt.datetime
) -> dict:
    """The protocol public solutions use, as a second, labelled curve: preprocessing and model
    fitted on the first 12 months of data and frozen, a refit every month after, the ARI on
    all customers known then. No seed noise is measured and one origin decides everything."""
    first = con.execute("SELECT min(order_purchase_timestamp) FROM orders").fetchone()[0]
    origin = first + dt.timedelta(days=365)
    if origin >= end:
        return {"origin": None, "curve": [], "what": "the data spans less than 13 months"}
    base = customer_features(con, origin)
    frozen = FrozenModel(config.algorithm, config.k, config.preset, config.seed, config.restarts)
    frozen.fit(base)
    curve, month = [], 1
    while origin + dt.timedelta(days=round(30.44 * month)) <= end:
        date = origin + dt.timedelta(days=round(30.44 * month))
        now = customer_features(con, date)
        refit = FrozenModel(
            config.algorithm, config.k, config.preset, config.seed, config.restarts
        ).fit(now)
        curve.append(
            {
                "month": month,
                "date": date.isoformat(sep=" "),
                "customers": len(now),
                "ari": round(float(adjusted_rand_score(frozen.predict(now), refit.labels_)), 4),
            }
        )
        month += 1
    below = next((c["month"] for c in curve if c["ari"] < config.threshold), None)
    return {
        "origin": origin.isoformat(sep=" "),
        "curve": curve,
        "first_month_below": below,
        "what": "model and preprocessing fitted on the first 12 months and frozen; monthly "
        "refits; ARI on all current customers (one origin, no noise floor)",
    }


def robustness_summary(result: dict) -> dict:
    """Does the cadence hinge on one origin or one seed? At most one step of change is the
    target; the largest change of each kind is reported."""
    steps = result["cadence"]["steps"]
    loo = [r["steps"] for r in result["leave_one_origin_out"] if r["steps"] is not None]
    seeds = [r["steps"] for r in result["seeds"] if r["steps"] is not None]
    worst_loo = max((abs(s - steps) for s in loo), default=None) if steps is not None else None
    worst_seed = max((abs(s - steps) for s in seeds), default=None) if steps is not None else None
    return {
        "max_change_leave_one_origin_out_steps": worst_loo,
        "max_change_across_seeds_steps": worst_seed,
        "within_one_step": worst_loo is not None
        and worst_seed is not None
        and worst_loo <= 1
        and worst_seed <= 1,
    }


#: The run's one currency: the data's prices are in it, and so are the contract's costs.
CURRENCY = "BRL"
#: Cost parameters of the contract, stated defaults in :data:`CURRENCY` (override with
#: ``--costs FILE``): a data analyst at 150 BRL an hour (a contractor's rate in Sao Paulo, an
#: assumption to replace with your own), cloud compute at 2.50 BRL an hour (2 vCPUs on demand).
DEFAULT_COSTS = {
    "currency": CURRENCY,
    "analyst_hourly_rate": 150.0,
    "compute_price_per_hour": 2.50,
    "trigger_response_days": 5,
}


def load_costs(path: Path | None) -> dict:
    """:data:`DEFAULT_COSTS` overridden by a JSON or TOML file's keys (unknown keys refused)."""
    if path is None:
        return dict(DEFAULT_COSTS)
    import tomllib

    try:
        text = Path(path).read_text(encoding="utf-8")
        given = tomllib.loads(text) if Path(path).suffix == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"--costs {path}: cannot be read as JSON or TOML ({exc}).") from exc
    given = given.get("costs", given)
    unknown = sorted(set(given) - set(DEFAULT_COSTS))
    if unknown:
        raise InputError(
            f"--costs {path}: unknown keys {', '.join(unknown)}; known: {', '.join(DEFAULT_COSTS)}."
        )
    if str(given.get("currency", CURRENCY)).upper() != CURRENCY:
        raise InputError(
            f"--costs {path}: currency {given['currency']!r}, but the data's amounts are in "
            f"{CURRENCY} and a run states every amount in one currency: give the rates in "
            f"{CURRENCY} (convert them at the rate you budget with)."
        )
    return {**DEFAULT_COSTS, **given, "currency": CURRENCY}


def maintenance_contract(result: dict, costs: dict | None = None) -> dict:
    """Cadence, triggers, costs, deliverables and a 12-month calendar, from the simulation."""
    cadence = result["cadence"]
    end = dt.datetime.fromisoformat(result["end"])
    schedule = cadence.get("schedule")
    days = schedule["days"] if schedule else 7
    calendar = []
    for month in range(1, 13):
        check = end + dt.timedelta(days=round(30.44 * month))
        calendar.append(
            {
                "date": check.date().isoformat(),
                "task": text("en", "task_check"),
                "task_key": "task_check",
            }
        )
    retrain = end + dt.timedelta(days=days)
    while retrain <= end + dt.timedelta(days=365):
        calendar.append(
            {
                "date": retrain.date().isoformat(),
                "task": text("en", "task_retrain"),
                "task_key": "task_retrain",
            }
        )
        retrain += dt.timedelta(days=days)
    calendar.sort(key=lambda row: (row["date"], row["task"]))
    retrains_per_year = sum(1 for row in calendar if row["task_key"] == "task_retrain")
    triggers = [
        {"key": "trigger_ari", "values": {"threshold": cadence["threshold"]}},
        {"key": "trigger_psi", "values": {"psi": PSI_TRIGGER}},
        {"key": "trigger_share", "values": {"points": SHARE_TRIGGER_POINTS}},
    ]
    hours = (
        12 * ANALYST_HOURS["monthly check"]
        + retrains_per_year * ANALYST_HOURS["retrain and review"]
    )
    costs = {**DEFAULT_COSTS, **(costs or {})}
    compute_hours = (
        retrains_per_year * result["retrain_seconds"] + 12 * 2 * result["retrain_seconds"]
    ) / 3600
    yearly = {
        "analyst": round(hours * costs["analyst_hourly_rate"], 2),
        "compute": round(compute_hours * costs["compute_price_per_hour"], 2),
    }
    yearly["total"] = round(yearly["analyst"] + yearly["compute"], 2)
    return {
        "cadence_days": cadence["days"],
        "cadence_weeks": cadence["weeks"],
        "cadence_reason": cadence["reason"],
        "threshold": cadence["threshold"],
        "limited_by_horizon": cadence["limited_by_horizon"],
        "between_retrains": cadence["between_retrains"],
        "baseline_noise": result["baseline_noise"],
        "cadence_reason_text": cadence.get("reason_text"),
        "triggers": [keyed("en", t) for t in triggers],
        "triggers_text": triggers,
        "compute": {
            "one_retrain_seconds": result["retrain_seconds"],
            "simulation_seconds": result["timings"]["total_s"],
        },
        "analyst_hours": {
            **ANALYST_HOURS,
            "per_year_estimate": round(hours, 1),
            "note": "an estimate, not a measurement",
        },
        "each_update_delivers": [text("en", key) for key in DELIVERABLE_KEYS],
        "calendar": calendar,
        "retrains_per_year": retrains_per_year,
        "schedule": cadence.get("schedule"),
        "interval_weeks": cadence.get("interval_weeks"),
        "scope": [
            "monthly monitoring (olistseg monitor, exit code 3 = retrain)",
            "a retrain at the cadence, or within the response time when a trigger fires",
            "after each update: the outputs listed under each_update_delivers",
        ],
        "who_does_what": {
            "scheduler": "runs olistseg monitor monthly and alerts on exit code 3",
            "data analyst": "reviews the check, retrains, validates and publishes",
            "marketing": "receives the new segments and audience sizes",
        },
        "trigger_response_days": costs["trigger_response_days"],
        "costs": costs,
        "compute_hours_per_year": round(compute_hours, 4),
        "yearly_cost": yearly,
        "algorithm": result["config"]["algorithm"],
        "k": result["config"]["k"],
        "model_note": result["config"].get("model_note"),
        "stand_in_for": result["config"].get("stand_in_for"),
    }


def maintenance_markdown(contract: dict, lang: str = "en") -> str:
    """``maintenance.md``: the contract in ``lang`` (en or fr)."""

    def t(key: str, **values: object) -> str:
        return text(lang, key, **values)

    reason = (
        keyed(lang, contract["cadence_reason_text"])
        if contract.get("cadence_reason_text")
        else contract["cadence_reason"]
    )
    hours = contract["analyst_hours"]
    cadence = (
        t(
            "md_retrain_every",
            weeks=contract["cadence_weeks"],
            days=contract["cadence_days"],
            reason=reason,
        )
        if contract["cadence_weeks"] is not None
        else t("md_no_cadence", reason=reason)
    )
    note = contract.get("stand_in_for") and t(
        "density_stand_in", chosen=contract["stand_in_for"], k=contract["k"]
    )
    lines = [
        f"# {t('md_title')}",
        "",
        t("md_model", algorithm=contract["algorithm"], k=contract["k"]),
        *([t("md_model_note", note=note)] if note else []),
        "",
        f"## {t('md_cadence')}",
        cadence,
        t("md_between", between=t("between_retrains")),
        t(
            "md_noise",
            median=contract["baseline_noise"]["median"],
            p10=contract["baseline_noise"]["p10"],
        ),
        "",
        *(
            [
                t(
                    "md_schedule",
                    words=schedule_words(lang, contract["schedule"]),
                    per_year=contract["retrains_per_year"],
                    low=contract["interval_weeks"][0],
                    high=contract["interval_weeks"][1],
                )
            ]
            if contract.get("schedule") and contract.get("interval_weeks")
            else []
        ),
        "",
        f"## {t('md_scope')}",
        *[f"- {t(key)}" for key in ("scope_monitor", "scope_retrain", "scope_deliver")],
        "",
        f"## {t('md_who')}",
        *[f"- {t(key)}" for key in ("who_scheduler", "who_analyst", "who_marketing")],
        "",
        f"## {t('md_triggers')}",
        *[f"- {keyed(lang, item)}" for item in contract["triggers_text"]],
        "",
        f"## {t('md_cost')}",
        f"- {t('md_compute', seconds=contract['compute']['one_retrain_seconds'])}",
        f"- {t('md_hours', check=hours['monthly check'], retrain=hours['retrain and review'], year=hours['per_year_estimate'])}",
        "",
        *(
            [
                f"- {t('md_yearly', total=contract['yearly_cost']['total'], analyst=contract['yearly_cost']['analyst'], compute=contract['yearly_cost']['compute'], currency=contract['costs']['currency'], rate=contract['costs']['analyst_hourly_rate'], price=contract['costs']['compute_price_per_hour'])}",
                f"- {t('md_response', days=contract['trigger_response_days'])}",
            ]
            if contract.get("yearly_cost")
            else []
        ),
        "",
        f"## {t('md_delivers')}",
        *[f"- {t(key)}" for key in DELIVERABLE_KEYS],
        "",
        f"## {t('calendar')}",
        f"| {t('date')} | {t('task')} |",
        "|---|---|",
        *[f"| {row['date']} | {t(row['task_key'])} |" for row in contract["calendar"]],
        "",
    ]
    return "\n".join(lines)


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
