"""Scale: time and peak memory of each stage against the number of customers.

Every stage runs as its own ``olistseg`` process (as a user runs it), so its peak resident
memory (``ru_maxrss`` from ``wait4``) is the stage's own, DuckDB included. Stages:

* ``generate``: synthetic Parquet in 1M-customer chunks (``demo-data --format parquet``);
* ``load``: Parquet -> validated DuckDB warehouse;
* ``kpis``: the 19 KPI queries;
* ``features``: the customer feature table as of the last purchase (DuckDB SQL);
* ``segment``: features + MiniBatchKMeans (k=4) + silhouette (exact up to 200k customers, a
  stratified 50k sample above) + profiles, names and charts;
* ``score``: every customer scored with the saved model, written to Parquet;
* ``score_value``: the same with ``--value``: segment, lifetime value (BG/NBD + Gamma-Gamma,
  fitted on a seeded 200,000 above that size) and the targeting score (RFM cell rates, rates
  learnt on a seeded 200,000 above that size) for every customer, in one pass over the
  features;
* up to ``--heavy-max`` customers (100k) also ``selection`` (the default ``olistseg segment``:
  46 candidates, exact silhouettes, stability) and ``stability`` (the default simulation with
  k-means, k=4), once (not repeated); they are not part of the path.

``end_to_end`` is the sum of the path's stages' medians: load, segment, score_value
(generation excluded, as the target says; ``features`` is inside ``segment`` and
``score_value``, ``kpis`` and the plain ``score`` are measured beside the path, not in it);
``peak_rss_gb`` the largest of their peaks. ``end_to_end_with_generation_s`` adds generation.
The silhouette's seconds and method come from the segment stage.

Usage: ``python benchmarks/bench_scale.py [--sizes 100000,1000000,10000000] [--repeat N]
[--heavy-max 100000] [--full-max 1000000]``;
sizes measured before are kept in ``results/scale.json``; ``--real`` adds the real tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REAL_DATA, RESULTS, save

FEATURES_SNIPPET = (
    "import sys; from olistseg.warehouse.info import connect; "
    "from olistseg.features.build import customer_features; "
    "con = connect(sys.argv[1]); f = customer_features(con); print(len(f))"
)
TARGETS = {"end_to_end_10m_s": 600, "peak_rss_10m_gb": 12, "generation": "excluded"}


def measured(command: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in GB) of one child process; raises if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {process.stderr.read().decode()[-2000:]}")
    return round(seconds, 2), round(usage.ru_maxrss / 2**20, 3)


#: The 10M path: load, fit (segment computes the features itself), then score everyone with
#: segment, lifetime value and targeting score. Generation, KPIs, the features alone and the
#: plain score are timed beside it.
PATH_STAGES = ("load", "segment", "score_value")


def stages(work: Path, customers: int | None, heavy: bool) -> dict[str, list[str]]:
    cli = [sys.executable, "-m", "olistseg", "--quiet"]
    data = work / "data" if customers else REAL_DATA
    warehouse, model = str(work / "w.duckdb"), work / "segment"
    out = {}
    if customers:
        out["generate"] = [
            *cli,
            "demo-data",
            "--out",
            str(data),
            "--customers",
            str(customers),
            "--format",
            "parquet",
            "--no-geolocation",
        ]
    out["load"] = [*cli, "load", "--data", str(data), "--warehouse", warehouse]
    out["kpis"] = [
        *cli,
        "kpi",
        "--warehouse",
        warehouse,
        "--format",
        "json",
        "--out",
        str(work / "kpis.json"),
    ]
    out["features"] = [sys.executable, "-c", FEATURES_SNIPPET, warehouse]
    out["segment"] = [
        *cli,
        "segment",
        "--warehouse",
        warehouse,
        "--out",
        str(model),
        "--algorithms",
        "minibatch_kmeans",
        "--k-range",
        "4",
        "--no-stability",
    ]
    out["score"] = [
        *cli,
        "score",
        "--warehouse",
        warehouse,
        "--model",
        str(model / "model"),
        "--out",
        str(work / "scores.parquet"),
    ]
    out["score_value"] = [
        *out["score"][:-2],
        "--out",
        str(work / "scores_value.parquet"),
        "--value",
    ]
    if heavy:
        # the default model selection (46 candidates) and stability simulation (12 origins)
        out["selection"] = [
            *cli,
            "segment",
            "--warehouse",
            warehouse,
            "--out",
            str(work / "selection"),
        ]
        out["stability"] = [
            *cli,
            "stability",
            "--warehouse",
            warehouse,
            "--out",
            str(work / "stability"),
            "--algorithm",
            "kmeans",
            "--k",
            "4",
        ]
    return out


def silhouette_figures(work: Path) -> dict:
    """Silhouette seconds and method of the scale path's segment run."""
    selection = json.loads((work / "segment" / "selection.json").read_text())
    return {"seconds": selection["silhouette_seconds"], **selection["silhouette_method"]}


def run_size(customers: int | None, repeat: int, heavy: bool, path_only: bool = False) -> dict:
    runs: dict[str, list[tuple[float, float]]] = {}
    silhouettes = []
    for repetition in range(repeat):
        tmpdir = os.environ.get("TMPDIR")
        with tempfile.TemporaryDirectory(prefix="olistseg-scale-", dir=tmpdir) as tmp:
            # the heavy stages (minutes each) run in the first repetition only
            for name, command in stages(Path(tmp), customers, heavy and repetition == 0).items():
                if path_only and name not in (*PATH_STAGES, "generate"):
                    continue
                print(f"  {customers or 'real'} {name}...", flush=True)
                runs.setdefault(name, []).append(measured(command))
            silhouettes.append(silhouette_figures(Path(tmp)))
    result: dict = {"customers": customers, "repeat": repeat, "stages": {}}
    for name, values in runs.items():
        result["stages"][name] = {
            "median_s": statistics.median(v[0] for v in values),
            "runs_s": [v[0] for v in values],
            "peak_rss_gb": max(v[1] for v in values),
        }
    result["silhouette"] = silhouettes[0] | {
        "seconds": statistics.median(s["seconds"] for s in silhouettes)
    }
    path = [s for name, s in result["stages"].items() if name in PATH_STAGES]
    result["end_to_end_s"] = round(sum(s["median_s"] for s in path), 2)
    if "generate" in result["stages"]:
        result["end_to_end_with_generation_s"] = round(
            result["end_to_end_s"] + result["stages"]["generate"]["median_s"], 2
        )
    result["peak_rss_gb"] = max(s["peak_rss_gb"] for s in path)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--repeat", type=int, default=0, help="0: 3 below 1M, 2 at 1M, 1 above")
    parser.add_argument("--real", action="store_true", help="also the real tables")
    parser.add_argument(
        "--heavy-max",
        type=int,
        default=100_000,
        help="also time the default selection and stability up to this size",
    )
    parser.add_argument(
        "--full-max",
        type=int,
        default=1_000_000,
        help="above this size only generation and the path's stages are measured",
    )
    args = parser.parse_args()
    path = RESULTS / "scale.json"
    previous = json.loads(path.read_text())["sizes"] if path.exists() else {}
    sizes = dict(previous)
    for customers in [int(s) for s in args.sizes.split(",") if s]:
        repeat = args.repeat or (3 if customers < 1_000_000 else 2 if customers == 1_000_000 else 1)
        sizes[str(customers)] = run_size(
            customers, repeat, customers <= args.heavy_max, customers > args.full_max
        )
        save("scale", {"targets": TARGETS, "sizes": sizes})  # keep what is done so far
    if args.real and REAL_DATA.is_dir():
        sizes["real"] = run_size(None, args.repeat or 3, heavy=False)
    save("scale", {"targets": TARGETS, "sizes": sizes})


if __name__ == "__main__":
    main()
