"""Are two runs' outputs the same? For refactors that must not change behaviour.

    python benchmarks/compare_runs.py RUN_A RUN_B [--json-out FILE]

Compares every file the two run folders hold: JSON with the measured times left out (keys
named in :data:`TIMING_KEYS`, and what is computed from them), CSV, Markdown and the
deliverables byte for byte, Parquet by value (exact), and says which files differ and where.
Exit code 0 when nothing but the timings differs, 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

#: Keys holding measured wall-clock times (or money computed from them), never results.
TIMING_KEYS = {
    "step_seconds",
    "seconds",
    "fit_seconds",
    "metric_seconds",
    "silhouette_seconds",
    "simulation_seconds",
    "retrain_seconds",
    "fit_and_score_seconds",
    "timings",
    "total_s",
    "one_retrain_seconds",
    "compute_hours_per_year",
    "compute",
    "total",
    "fit_seconds_sum",
    "features_s",
    "refits_s",
    "compare_s",
    "noise_s",
}
#: Files whose bytes carry a measured time (a compute cost in the contract, a step's time).
TIMED_FILES = {"stability/maintenance.md"}


def _strip(payload: object) -> object:
    if isinstance(payload, dict):
        return {k: _strip(v) for k, v in payload.items() if k not in TIMING_KEYS}
    if isinstance(payload, list):
        return [_strip(v) for v in payload]
    return payload


def _first_difference(a: object, b: object, path: str = "") -> str | None:
    if type(a) is not type(b):
        return f"{path}: {a!r} != {b!r}"
    if isinstance(a, dict):
        for key in sorted(set(a) | set(b)):
            if key not in a or key not in b:
                return f"{path}.{key}: only in one run"
            found = _first_difference(a[key], b[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items != {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = _first_difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    return None if a == b else f"{path}: {a!r} != {b!r}"


def compare(a: Path, b: Path) -> dict[str, str]:
    """Every file that differs between the run folders ``a`` and ``b``, with where."""
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    differs = {name: "only in one run" for name in files_a ^ files_b}
    for name in sorted(files_a & files_b):
        pa, pb = a / name, b / name
        if name.endswith(".json"):
            found = _first_difference(
                _strip(json.loads(pa.read_text())), _strip(json.loads(pb.read_text()))
            )
        elif name.endswith(".parquet"):
            fa, fb = pd.read_parquet(pa), pd.read_parquet(pb)
            found = None if fa.equals(fb) else "values differ"
        elif name.endswith(".duckdb") or name in TIMED_FILES or "/data/" in f"/{name}":
            continue  # the warehouse file (page layout), timed text, the input data itself
        else:
            found = None if pa.read_bytes() == pb.read_bytes() else "bytes differ"
        if found:
            differs[name] = found
    return differs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_a", type=Path)
    parser.add_argument("run_b", type=Path)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    differs = compare(args.run_a, args.run_b)
    total = sum(1 for p in args.run_a.rglob("*") if p.is_file())
    for name, where in differs.items():
        print(f"DIFFERS {name}: {where}")
    print(f"{total - len(differs)} of {total} files the same (timings aside)")
    if args.json_out:
        args.json_out.write_text(json.dumps({"files": total, "differ": differs}, indent=2) + "\n")
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main())
