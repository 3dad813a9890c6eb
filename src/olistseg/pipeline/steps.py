"""The steps of :func:`olistseg.pipeline.run`, in the order the data flows: each takes the
warehouse and its output folder, writes its files and returns its part of ``run.json``.

Each step imports its layer when it runs (see :mod:`olistseg.pipeline`: import cost).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from olistseg.atomic import write_json, write_text
from olistseg.contract import Fact


def synthetic_step(folder: Path, customers: int, seed: int) -> dict[str, Path]:
    from olistseg.data.synthetic import SyntheticConfig, write

    return write(SyntheticConfig(customers=customers, seed=seed), folder)


def load_step(
    data: str | Path,
    warehouse: Path,
    update: Callable[[str, int, int], None],
    relocate: tuple[Path, Path],
) -> Any:
    from olistseg.warehouse.load import load

    return load(data, warehouse, progress=update, relocate=relocate)


def analysis_date_step(warehouse: Path, as_of: dt.datetime | None = None) -> dict:
    """The run's one "now" (:mod:`olistseg.warehouse.now`) and why: ``as_of`` when given, else
    the end of the last complete month (or the last purchase). Every step runs at that date;
    ``run.json`` records it as ``analysis_date``."""
    from olistseg.warehouse.info import connect
    from olistseg.warehouse.now import analysis_date, logger

    with connect(warehouse) as con:
        date = analysis_date(con)
    record = date.to_dict()
    if as_of is not None:
        record |= {
            "as_of": as_of.isoformat(sep=" "),
            "reason": "given by --as-of",
            "ignored_orders": None,
        }
    logger.info("as of %s: %s", record["as_of"][:19], record["reason"])
    return record


def kpi_step(warehouse: Path, folder: Path, as_of: dt.datetime | None = None) -> dict:
    """Answer every KPI; write ``kpis.json`` and the offline ``dashboard.html`` into ``folder``.

    Returns the run summary's ``kpi`` entry: ``as_of``, row counts of the required questions,
    the files written (relative to the run folder).
    """
    from olistseg.kpi import export
    from olistseg.kpi.catalog import REQUIRED_QUESTIONS
    from olistseg.kpi.run import KpiParams, run_kpis
    from olistseg.warehouse.info import connect
    from olistseg.warehouse.now import incomplete_tail, monthly_orders

    with connect(warehouse) as con:
        as_of, results = run_kpis(con, KpiParams(as_of=as_of))
        tail = incomplete_tail(monthly_orders(con))
    write_text(folder / "kpis.json", export.to_json(as_of, results))
    write_text(folder / "dashboard.html", export.to_html(as_of, results))
    return {
        "as_of": as_of.isoformat(sep=" "),
        "question_rows": {name: results[name].row_count for name in REQUIRED_QUESTIONS},
        "incomplete_tail": None
        if tail is None
        else {**tail, "complete_until": tail["complete_until"].isoformat(sep=" ")},
        "files": [f"{folder.name}/kpis.json", f"{folder.name}/dashboard.html"],
    }


def segment_step(
    warehouse: Path,
    folder: Path,
    seed: int,
    as_of: dt.datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Segment with the default candidates; outputs as ``olistseg segment --out folder``.

    Returns the run summary's ``segmentation`` entry (``_summary`` holds the full summary of
    :func:`olistseg.segments.pipeline.segment`, for display; it is not written to ``run.json``).
    """
    from olistseg.segments.pipeline import segment_warehouse
    from olistseg.validation.replay import history

    summary = segment_warehouse(warehouse, folder, as_of, history, seed=seed, progress=progress)
    chosen = summary["chosen"]
    return {
        "as_of": summary["as_of"],
        "customers": summary["customers"],
        "algorithm": chosen["algorithm"],
        "k": chosen["n_clusters"],
        "silhouette": chosen["silhouette"],
        "stability_bootstrap": chosen["stability_bootstrap"],
        "selection_reason": summary["selection_reason"],
        "relaxed": chosen.get("relaxed") or [],
        "segments": [
            {k: s[k] for k in ("segment_id", "name", "share_customers", "share_revenue", "action")}
            for s in summary["segments"]
        ],
        "folder": folder.name,
        "_summary": summary,
    }


def validate_step(
    warehouse: Path,
    folder: Path,
    model: Path,
    limit: dt.datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Out-of-time validation of the saved model (windows ending by ``limit``); outputs as
    ``olistseg validate``. Returns the run summary's ``validation`` entry."""
    from olistseg.validation.run import run_validation
    from olistseg.warehouse.info import connect

    with connect(warehouse) as con:
        result = run_validation(con, folder, model, limit=limit, progress=progress)
    summary = result["summary"]
    return {
        "origins": [o["origin"] for o in result["origins"]],
        "horizon_days": result["horizon_days"],
        "median_auc": summary["median_auc"],
        "beats_rfm": summary["beats_rfm"],
        "median_top_lift": summary["median_top_lift"],
        "median_value_revenue_share": summary["median_value_revenue_share"],
        "findings": summary["findings"],
        "folder": folder.name,
        "_result": result,
    }


#: What run.json keeps of each segment's value and of each audience.
VALUE_SEGMENT_KEYS = (
    "segment_id",
    "customers",
    "expected_value_12m",
    "median_expected_value_12m",
    "share_expected_value",
    "median_probability_alive",
    "chance_to_buy_12m",
)
AUDIENCE_KEYS = ("segment_id", "file", "customers", "expected_value_12m", "promotional")


def value_step(
    warehouse: Path,
    folder: Path,
    model: Path,
    as_of: dt.datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict:
    """Lifetime value at ``as_of`` and its out-of-time check (windows ending by ``as_of``);
    outputs as ``olistseg value``. Returns the run summary's ``value`` entry."""
    from olistseg.value.run import run_value
    from olistseg.warehouse.info import connect

    with connect(warehouse) as con:
        result = run_value(con, folder, model, as_of, limit=as_of, progress=progress)
    median = result["out_of_time"]["median"] or {}
    return {
        "as_of": result["as_of"],
        "customers": result["customers"],
        "repeat_customers": result["repeat_customers"],
        "expected_occasions_365d": result["expected_occasions_365d"],
        "expected_value_12m": result["expected_value_12m"],
        "segments": [{k: s[k] for k in VALUE_SEGMENT_KEYS} for s in result["segments"]],
        "out_of_time_median": median,
        "fit_and_score_seconds": result["seconds"]["fit_and_score"],
        "folder": folder.name,
        "_result": result,
    }


def audiences_step(warehouse: Path, folder: Path, model: Path, value_folder: Path) -> dict:
    """Campaign audiences from the value step's scores; outputs as ``olistseg audiences``.
    Returns the run summary's ``audiences`` entry."""
    from olistseg.value.run import read_value_table, run_audiences
    from olistseg.warehouse.info import connect

    with connect(warehouse) as con:
        result = run_audiences(con, folder, model, value=read_value_table(value_folder))
    return {
        "as_of": result["as_of"],
        "scored_customers": result["scored_customers"],
        "audiences": [{k: a[k] for k in AUDIENCE_KEYS} for a in result["audiences"]],
        "suppressed": result["suppressed"]["customers"],
        "suppressed_by_reason": result["suppressed"]["by_reason"],
        "folder": folder.name,
        "_result": result,
    }


def campaigns_step(
    warehouse: Path,
    folder: Path,
    model: Path,
    as_of: dt.datetime,
    seed: int,
    value_folder: Path | None = None,
) -> dict:
    """The campaign plan (outputs as ``olistseg campaigns``, default costs and a 10% holdout),
    its audiences ranked by the champion targeting score of the value step. Returns the run
    summary's ``campaigns`` entry."""
    from olistseg.campaigns.plan import build_plan, write_plan
    from olistseg.warehouse.info import connect

    champion = "rfm"
    if value_folder is not None and (value_folder / "value.json").is_file():
        value = json.loads((value_folder / "value.json").read_text(encoding="utf-8"))
        champion = (value.get("targeting") or {}).get("champion", "rfm")
    with connect(warehouse) as con:
        plan, lists = build_plan(con, model, as_of, seed=seed, targeting=champion)
    write_plan(folder, plan, lists)
    pooled = plan["pooled"]
    return {
        "as_of": plan["as_of"],
        "origin": plan["origin"],
        "horizon_days": plan["horizon_days"],
        "holdout_share": plan["holdout_share"],
        "campaigns": len(plan["campaigns"]),
        "targeting": champion,
        "contacts": pooled["treatment"],
        "held_out": pooled["holdout"],
        "measurable_alone": len(pooled["measurable_alone"]),
        "pooled_detectable_lift": pooled["minimum_detectable_lift"],
        "cost": round(sum(c["cost"]["total"] for c in plan["campaigns"]), 2),
        "folder": folder.name,
    }


def stability_step(
    warehouse: Path,
    folder: Path,
    model: Path,
    end: dt.datetime | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    lang: str = "en",
    seeds: int = 3,
) -> dict:
    """The stability simulation of the saved model (and ``seeds - 1`` reruns with other seeds,
    for robustness); outputs as ``olistseg stability``
    (``maintenance.md`` in ``lang``).

    Returns the run summary's ``stability`` entry (cadence, noise, timings; ``_result`` holds
    the whole simulation result, for display).
    """
    from olistseg.stability.report import config_for_model, run_stability
    from olistseg.warehouse.info import connect

    config = config_for_model(model)
    with connect(warehouse) as con:
        result = run_stability(con, folder, config, end, progress=progress, lang=lang, seeds=seeds)
    return {
        "algorithm": result["config"]["algorithm"],
        "k": result["config"]["k"],
        "model_note": result.get("model_note"),
        "cadence_weeks": result["cadence"]["weeks"],
        "cadence_days": result["cadence"]["days"],
        "cadence_reason": result["cadence"]["reason"],
        "threshold": result["cadence"]["threshold"],
        "limited_by_horizon": result["cadence"]["limited_by_horizon"],
        "baseline_noise_median": result["baseline_noise"]["median"],
        "origins": len(result["origins"]),
        "origins_left_out": len(result["origins_left_out"]),
        "retrain_seconds": result["retrain_seconds"],
        "schedule": result["cadence"].get("schedule"),
        "interval_weeks": result["cadence"].get("interval_weeks"),
        "robust": result.get("robust"),
        "steps_left_out_noisy": result.get("steps_left_out_noisy"),
        "simulation_seconds": result["timings"]["total_s"],
        "folder": folder.name,
        "_result": result,
    }


def facts_step(out: Path) -> dict[str, Fact]:
    """Every fact the deliverables state (:data:`olistseg.contract.FACTS`), from the run's
    outputs in ``out``: ``run.json``'s ``facts``."""
    from olistseg.contract import run_facts
    from olistseg.deliverables.collect import run_numbers

    return run_facts(run_numbers(out))


def findings_step(out: Path) -> dict:
    """Ranked findings from the run's outputs in ``out`` (``findings.json``, English keys and
    values; the deliverables render them in their language). Returns the run summary's
    ``findings`` entry."""
    from olistseg.deliverables.collect import FINDINGS_FILE, run_numbers
    from olistseg.deliverables.findings import compute_findings
    from olistseg.i18n import keyed

    found = compute_findings(run_numbers(out))
    write_json(out / FINDINGS_FILE, {"findings": found})
    return {"count": len(found), "text": [keyed("en", f) for f in found], "file": FINDINGS_FILE}


def deliverables_step(out: Path, lang: str, run_name: str | None = None) -> dict:
    """``report.html`` (and ``report.pdf`` where Chromium is installed), ``deck.pptx`` and
    ``notebook.ipynb``, all from the run's outputs in ``out``.

    Returns the run summary's ``deliverables`` entry: the file of each deliverable.
    """
    from olistseg.deliverables.collect import run_numbers
    from olistseg.deliverables.deck import build_deck
    from olistseg.deliverables.notebook import execute_notebook
    from olistseg.deliverables.pdf import print_pdf
    from olistseg.deliverables.report import build_report

    numbers = run_numbers(out)
    write_text(out / "report.html", build_report(numbers, lang))
    as_of = dt.datetime.fromisoformat(numbers["run"]["segmentation"]["as_of"])
    pdf = print_pdf(out / "report.html", out / "report.pdf", dated=as_of)
    build_deck(numbers, out / "deck.pptx", lang)
    execute_notebook(out, out / "notebook.ipynb", run_name=run_name)
    return {
        "report": "report.html",
        "report_pdf": None if pdf is None else pdf.name,
        "deck": "deck.pptx",
        "notebook": "notebook.ipynb",
    }
