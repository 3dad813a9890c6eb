"""The numbers every deliverable shows, read from one run's outputs (never recomputed).

``run_numbers(out)`` reads ``run.json`` and the files the run's steps wrote (KPI answers,
selection, profiles, validation, value, audiences, campaign plan, stability, maintenance
contract, findings) into one dictionary; the report, the deck and the notebook all take their
figures from it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from olistseg.errors import InputError

FILES = {
    "run": "run.json",
    "kpis": "kpi/kpis.json",
    "selection": "segments/selection.json",
    "profiles": "segments/profiles.json",
    "stability": "stability/stability.json",
    "maintenance": "stability/maintenance.json",
    "validation": "validation/validation.json",
    "value": "value/value.json",
    "audiences": "audiences/audiences.json",
    "campaigns": "campaigns/plan.json",
}
#: Written by the findings step from the files above; the deliverables need it.
FINDINGS_FILE = "findings.json"


def run_numbers(out: Path) -> dict:
    """Every output of the run in ``out`` as one dictionary keyed like :data:`FILES`."""
    numbers = {}
    for key, relative in FILES.items():
        path = out / relative
        if not path.is_file():
            raise InputError(f"{path} is missing: run `olistseg run --out {out}` first.")
        numbers[key] = json.loads(path.read_text(encoding="utf-8"))
    findings = out / FINDINGS_FILE
    if findings.is_file():
        numbers["findings"] = json.loads(findings.read_text(encoding="utf-8"))["findings"]
    numbers["charts"] = {
        "segments": out / "segments" / "charts",
        "stability": out / "stability" / "charts",
        "validation": out / "validation" / "charts",
        "value": out / "value" / "charts",
    }
    return numbers


def kpi_answer(numbers: dict, name: str) -> dict:
    """One KPI's result from ``kpis.json``: title, question, definition, columns, rows."""
    return numbers["kpis"]["kpis"][name]


def kpi_rows(numbers: dict, name: str, period: str | None = None) -> list[dict]:
    """One KPI's rows from ``kpis.json`` as dicts (column -> value); [] when the KPI is absent.
    With ``period``, only the rows of that period (e.g. ``"total"``); rows without a period
    column always count."""
    answer = numbers["kpis"]["kpis"].get(name)
    if answer is None:
        return []
    rows = [dict(zip(answer["columns"], r, strict=True)) for r in answer["rows"]]
    return rows if period is None else [r for r in rows if r.get("period", period) == period]


def kpi_aggregate(answer: dict) -> tuple[list[str], list[list[object]]]:
    """A KPI answer fit for a deliverable: aggregates only, never a row of the dataset.

    Answers listing orders, customers or sellers (a column ending in ``_id``) become their
    count and the min / median / max of each numeric column; aggregate answers (e.g. per zip
    prefix) are returned as they are.
    """
    columns, rows = answer["columns"], answer["rows"]
    if not any(c.endswith("_id") for c in columns):
        return columns, rows
    frame = pd.DataFrame(rows, columns=columns)
    numeric = [
        c for c in columns if pd.api.types.is_numeric_dtype(frame[c]) and not c.endswith("_id")
    ]
    table = [["rows", len(frame), "", ""]]
    for column in numeric:
        values = frame[column].dropna()
        if len(values):
            table.append(
                [
                    column,
                    round(float(values.min()), 2),
                    round(float(values.median()), 2),
                    round(float(values.max()), 2),
                ]
            )
    return ["measure", "min / count", "median", "max"], table
