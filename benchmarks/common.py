"""Helpers shared by the benchmarks: machine description, medians, result files."""

from __future__ import annotations

import contextlib
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from importlib import metadata
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "olist"


def machine() -> dict:
    """What the figures were measured on."""
    versions = {}
    for package in (
        "olistseg",
        "duckdb",
        "numpy",
        "pandas",
        "pyarrow",
        "scikit-learn",
        "pymc-marketing",
        "pyspark",
    ):
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[package] = metadata.version(package)
    return {
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "versions": versions,
    }


def median_seconds(fn: Callable[[], object], repeat: int = 3) -> tuple[float, list[float]]:
    """Median wall time of ``repeat`` runs of ``fn`` and every run's time."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append(round(time.perf_counter() - started, 3))
    return statistics.median(runs), runs


def save(name: str, figures: dict) -> Path:
    """Write ``benchmarks/results/<name>.json`` with the machine and the date."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"benchmark": name, "date": date.today().isoformat(), "machine": machine(), **figures}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(figures, indent=2))
    return path
