"""`olistseg run` end to end on a synthetic shop of ``--customers`` (default 1,000,000).

Every step of the run (KPIs, segment with the default candidate set, validate, value,
audiences, campaigns, stability, findings, deliverables) runs as a user runs it: one
``olistseg run`` process, whose peak resident memory (``ru_maxrss`` from ``wait4``) is the
run's own, DuckDB included. Each step's seconds come from the run's ``run.json``; the
approximations the run chose (silhouettes on a stratified sample, the stability simulation on a
sample of customers, ...) come from its outputs.

Targets (issue 29): at 1,000,000 customers, the whole run under 20 minutes and 12 GB on 2 cores.
Results: ``results/full_run.json`` (sizes measured before are kept).

Usage: ``python benchmarks/bench_full_run.py [--customers 1000000] [--keep DIR]``
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import RESULTS, save

TARGETS = {"run_1m_s": 1200, "peak_rss_1m_gb": 12}


def measured(command: list[str], log: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in GB) of one child process; raises if it fails."""
    started = time.perf_counter()
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{log.read_text()[-3000:]}")
    return round(seconds, 1), round(usage.ru_maxrss / 2**20, 3)


def approximations(out: Path) -> dict:
    """What the run computed on samples, from its own outputs."""
    selection = json.loads((out / "segments" / "selection.json").read_text())
    stability = json.loads((out / "stability" / "stability.json").read_text())
    value = json.loads((out / "value" / "value.json").read_text())
    return {
        "silhouette": selection.get("silhouette_method"),
        "selection": (selection.get("out_of_time") or {}).get("sample"),
        "stability": stability.get("sample"),
        "value": value.get("sample"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="keep the run's output folder here")
    args = parser.parse_args()
    olistseg = [sys.executable, "-m", "olistseg"]
    with tempfile.TemporaryDirectory() as tmp:
        data, out = Path(tmp) / "data", Path(tmp) / "out"
        generate_s, generate_gb = measured(
            [
                *olistseg,
                "demo-data",
                "--out",
                str(data),
                "--customers",
                str(args.customers),
                "--format",
                "parquet",
            ],
            Path(tmp) / "generate.log",
        )
        run_s, run_gb = measured(
            [*olistseg, "run", "--data", str(data), "--out", str(out)], Path(tmp) / "run.log"
        )
        run = json.loads((out / "run.json").read_text())
        figures = {
            "customers": args.customers,
            "segmented_customers": run["segmentation"]["customers"],
            "generate_s": generate_s,
            "generate_peak_rss_gb": generate_gb,
            "run_s": run_s,
            "run_peak_rss_gb": run_gb,
            "steps_s": run["step_seconds"],
            "approximations": approximations(out),
            "chosen": {
                "algorithm": run["segmentation"]["algorithm"],
                "k": run["segmentation"]["k"],
                "cadence_weeks": run["stability"]["cadence_weeks"],
            },
        }
        if args.keep:
            shutil.rmtree(args.keep, ignore_errors=True)
            shutil.copytree(out, args.keep, ignore=shutil.ignore_patterns("warehouse", "data"))
    path = RESULTS / "full_run.json"
    sizes = json.loads(path.read_text())["sizes"] if path.is_file() else {}
    sizes[str(args.customers)] = figures
    save("full_run", {"targets": TARGETS, "sizes": sizes})


if __name__ == "__main__":
    main()
