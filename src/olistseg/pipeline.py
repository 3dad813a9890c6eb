"""The whole pipeline as one function: ``run(data, out) -> RunResult``.

    >>> from olistseg.pipeline import run
    >>> result = run("path/to/brazilian-ecommerce", "out")   # or run() for synthetic data
    >>> result.summary["segmentation"]["k"], result.step_seconds["total"]

Steps, in the order the data flows: (synthetic data), load, KPIs, segments, stability,
deliverables. Everything is built in ``OUT.partial`` and swapped into ``OUT`` only when every
step has succeeded, so a failed run leaves the previous outputs as they were. Nothing is
printed: each step reports through the ``progress`` callback (:class:`RunEvent`), which the
CLI renders with Rich and a scheduler may log.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from olistseg import __version__
from olistseg.atomic import write_json, write_text
from olistseg.contract import Fact, RunSummary
from olistseg.errors import InputError
from olistseg.runfolder import building


@dataclass(frozen=True)
class RunEvent:
    """One progress report of :func:`run`.

    ``status`` is ``"start"`` (a step begins), ``"update"`` (``position`` of ``total`` items,
    e.g. candidates fitted) or ``"done"`` (``seconds`` it took, and the step's ``result``: the
    :class:`~olistseg.warehouse.load.LoadReport`, the segmentation or stability summary...).
    """

    step: str
    status: str
    label: str = ""
    position: int | None = None
    total: int | None = None
    seconds: float | None = None
    result: Any = None


RunProgress = Callable[[RunEvent], None]


@dataclass
class RunResult:
    """What :func:`run` returns: the output folder, the ``run.json`` payload, step timings."""

    out: Path
    summary: RunSummary
    step_seconds: dict[str, float] = field(default_factory=dict)


class _Steps:
    """Times each step and forwards its progress as :class:`RunEvent`."""

    def __init__(self, progress: RunProgress | None) -> None:
        self.progress = progress or (lambda event: None)
        self.seconds: dict[str, float] = {}
        self.started = time.perf_counter()

    def run(
        self, step: str, label: str, work: Callable[[Callable[[str, int, int], None]], Any]
    ) -> Any:
        self.progress(RunEvent(step, "start", label))
        t0 = time.perf_counter()

        def update(item: str, position: int, total: int) -> None:
            self.progress(RunEvent(step, "update", item, position, total))

        result = work(update)
        self.seconds[step] = round(time.perf_counter() - t0, 3)
        self.progress(RunEvent(step, "done", label, seconds=self.seconds[step], result=result))
        return result

    def total(self) -> float:
        self.seconds["total"] = round(time.perf_counter() - self.started, 3)
        return self.seconds["total"]


def run(
    data: str | Path | None = None,
    out: str | Path = "out",
    *,
    lang: str = "en",
    as_of: dt.datetime | None = None,
    customers: int = 20_000,
    seed: int = 42,
    keep_partial: bool = False,
    stability_seeds: int = 1,
    progress: RunProgress | None = None,
) -> RunResult:
    """Run every step on ``data`` (default: ``customers`` synthetic customers, ``seed``) into ``out``.

    ``as_of`` is the reference time of every step (the KPIs, segments, value, audiences) and
    the end of the stability simulation (default: the end of the last complete month, see
    :mod:`olistseg.warehouse.now`; ``run.json``'s ``analysis_date`` says which and why). ``stability_seeds`` whole simulations with other
    seeds measure how much the cadence hinges on the seed (default 1, no rerun: on the real
    tables each rerun costs minutes; ``olistseg stability`` runs 3 by default). Returns a :class:`RunResult`; ``out/run.json``
    holds the same ``summary``. A failed run removes its ``OUT.partial`` build folder unless
    ``keep_partial``. Raises :class:`~olistseg.errors.InputError` for bad input,
    with ``out`` untouched.
    """
    from olistseg.i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise InputError(f"--lang {lang!r}: choose one of {', '.join(LANGUAGES)}.")
    final = Path(out)
    steps = _Steps(progress)
    with building(final, keep_partial) as partial:
        if data is None:
            data = partial / "data"
            steps.run(
                "demo-data",
                f"Generating synthetic data ({customers:,} customers)",
                lambda _: _synthetic(data, customers, seed),
            )
            data_text = "data (synthetic)"
        else:
            data_text = str(Path(data).resolve())
        warehouse = partial / "warehouse" / "olist.duckdb"
        report = steps.run(
            "load",
            "Loading the data",
            lambda update: _load(data, warehouse, update, (partial, final)),
        )
        analysis = analysis_date_step(warehouse, as_of)
        as_of = dt.datetime.fromisoformat(analysis["as_of"])
        kpi_summary = steps.run(
            "kpi",
            "Answering the KPI questions",
            lambda _: kpi_step(warehouse, partial / "kpi", as_of),
        )
        segment_summary = steps.run(
            "segment",
            "Segmenting customers",
            lambda update: segment_step(warehouse, partial / "segments", seed, as_of, update),
        )
        validation_summary = steps.run(
            "validate",
            "Validating the segments out of time",
            lambda update: validate_step(
                warehouse, partial / "validation", partial / "segments" / "model", as_of, update
            ),
        )
        value_summary = steps.run(
            "value",
            "Lifetime value (BG/NBD + Gamma-Gamma)",
            lambda update: value_step(
                warehouse, partial / "value", partial / "segments" / "model", as_of, update
            ),
        )
        audience_summary = steps.run(
            "audiences",
            "Campaign audiences",
            lambda _: audiences_step(
                warehouse, partial / "audiences", partial / "segments" / "model", partial / "value"
            ),
        )
        stability_summary = steps.run(
            "stability",
            "Simulating stability over time",
            lambda update: stability_step(
                warehouse,
                partial / "stability",
                partial / "segments" / "model",
                as_of,
                update,
                lang,
                stability_seeds,
            ),
        )
        summary: RunSummary = {
            "olistseg_version": __version__,
            "data": data_text,
            "warehouse": "warehouse/olist.duckdb",
            "lang": lang,
            "analysis_date": analysis,
            "load": {
                "rows_loaded": {t.table: t.rows_loaded for t in report.tables},
                "rows_quarantined": report.rows_quarantined,
                "orders_first_purchase": report.orders_first_purchase,
                "orders_last_purchase": report.orders_last_purchase,
            },
            "kpi": _public(kpi_summary),
            "segmentation": _public(segment_summary),
            "validation": _public(validation_summary),
            "value": _public(value_summary),
            "audiences": _public(audience_summary),
            "stability": _public(stability_summary),
            "step_seconds": steps.seconds,
        }
        write_json(partial / "run.json", summary)
        summary["facts"] = facts_step(partial)
        write_json(partial / "run.json", summary)  # the deliverables read their numbers from it
        summary["findings"] = steps.run(
            "findings", "Computing the findings", lambda _: findings_step(partial)
        )
        summary["deliverables"] = steps.run(
            "deliverables",
            "Writing the report, deck and notebook",
            lambda _: deliverables_step(partial, lang, final.resolve().name),
        )
        steps.total()
        write_json(partial / "run.json", summary)
    return RunResult(final, summary, steps.seconds)


def _public(summary: dict) -> dict:
    """A step summary without the in-memory details kept for the progress renderer."""
    return {k: v for k, v in summary.items() if not k.startswith("_")}


def _synthetic(folder: Path, customers: int, seed: int) -> dict[str, Path]:
    from olistseg.data.synthetic import SyntheticConfig, write

    return write(SyntheticConfig(customers=customers, seed=seed), folder)


def _load(
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
