"""The whole pipeline as one function: ``run(data, out) -> RunResult``.

    >>> from olistseg.pipeline import run
    >>> result = run("path/to/brazilian-ecommerce", "out")   # or run() for synthetic data
    >>> result.summary["segmentation"]["k"], result.step_seconds["total"]

Steps, in the order the data flows: (synthetic data), load, KPIs, segments, validation,
value, audiences, campaigns, stability, findings, deliverables. Everything is built in ``OUT.partial`` and swapped into ``OUT`` only when every
step has succeeded, so a failed run leaves the previous outputs as they were. Nothing is
printed: each step reports through the ``progress`` callback (:class:`RunEvent`), which the
CLI renders with Rich and a scheduler may log.

Each step imports its layer when it runs, not at the top: :mod:`olistseg.api` (and so the CLI)
imports this module, and importing every layer costs seconds (segments 5.3 s, stability 4.4 s,
lifetime value 3.4 s, measured on 2 cores) where the CLI starts in about 1 s.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from olistseg import __version__
from olistseg.atomic import write_json
from olistseg.contract import RunSummary
from olistseg.errors import InputError
from olistseg.pipeline.steps import (
    analysis_date_step,
    audiences_step,
    campaigns_step,
    deliverables_step,
    facts_step,
    findings_step,
    kpi_step,
    load_step,
    segment_step,
    stability_step,
    synthetic_step,
    validate_step,
    value_step,
)
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
                lambda _: synthetic_step(data, customers, seed),
            )
            data_text = "data (synthetic)"
        else:
            data_text = str(Path(data).resolve())
        warehouse = partial / "warehouse" / "olist.duckdb"
        report = steps.run(
            "load",
            "Loading the data",
            lambda update: load_step(data, warehouse, update, (partial, final)),
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
        campaign_summary = steps.run(
            "campaigns",
            "Planning the campaigns",
            lambda _: campaigns_step(
                warehouse,
                partial / "campaigns",
                partial / "segments" / "model",
                as_of,
                seed,
                partial / "value",
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
            "campaigns": _public(campaign_summary),
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
