"""The numbers every deliverable shows, read from one run's outputs (never recomputed).

``run_numbers(out)`` reads ``run.json`` and the files the run's steps wrote (KPI answers,
selection, profiles, stability, maintenance contract) into one dictionary; the report, the
deck and the notebook all take their figures from it.
"""

from __future__ import annotations

import json
from pathlib import Path

from olistseg.errors import InputError

FILES = {
    "run": "run.json",
    "kpis": "kpi/kpis.json",
    "selection": "segments/selection.json",
    "profiles": "segments/profiles.json",
    "stability": "stability/stability.json",
    "maintenance": "stability/maintenance.json",
}


def run_numbers(out: Path) -> dict:
    """Every output of the run in ``out`` as one dictionary keyed like :data:`FILES`."""
    numbers = {}
    for key, relative in FILES.items():
        path = out / relative
        if not path.is_file():
            raise InputError(f"{path} is missing: run `olistseg run --out {out}` first.")
        numbers[key] = json.loads(path.read_text(encoding="utf-8"))
    numbers["charts"] = {
        "segments": out / "segments" / "charts",
        "stability": out / "stability" / "charts",
    }
    return numbers


def kpi_answer(numbers: dict, name: str) -> dict:
    """One KPI's result from ``kpis.json``: title, question, definition, columns, rows."""
    return numbers["kpis"]["kpis"][name]
