"""Lifetime value: BG/NBD + Gamma-Gamma fit and scoring time and peak memory.

Targets (issue 17): fit and scoring on the real tables under 30 s; measured on 1 million
synthetic customers. Each case runs as its own Python process, so its peak resident memory
(``ru_maxrss`` of the child) is the stage's own, pymc and its compilation included. Stages per
case: ``occasions`` (the SQL), ``summary`` (pymc-marketing's ``rfm_summary``), ``fit`` (both
MAP fits) and ``predict`` (P(alive), three horizons, spend and 12-month value).

Usage: ``python benchmarks/bench_clv.py [--sizes 1000000] [--no-real]``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REAL_DATA, save

CHILD = r"""
import json, sys, time
import duckdb
from olistseg.features.build import customer_features, default_as_of
from olistseg.value.clv import CustomerValue, clv_summary, occasion_log
con = duckdb.connect(sys.argv[1], read_only=True)
as_of = default_as_of(con)
customers = customer_features(con, as_of).index
t = {}
start = time.perf_counter(); occasions = occasion_log(con, as_of); t["occasions"] = time.perf_counter() - start
start = time.perf_counter(); summary = clv_summary(occasions, as_of, customers); t["summary"] = time.perf_counter() - start
start = time.perf_counter(); model = CustomerValue().fit(summary); t["fit"] = time.perf_counter() - start
start = time.perf_counter(); value = model.predict(summary); t["predict"] = time.perf_counter() - start
print(json.dumps({"customers": len(summary), "repeat_customers": model.info_.repeat_customers,
                  "seconds": {k: round(v, 2) for k, v in t.items()},
                  "fit_and_score_s": round(t["summary"] + t["fit"] + t["predict"], 2),
                  "expected_occasions_365d": round(float(value["expected_occasions_365d"].sum()), 1),
                  "parameters": model.info_.bg_nbd}))
"""


def child(warehouse: Path) -> dict:
    """Run the CLV stages in a fresh process; its output plus its own peak RSS (GB, wait4)."""
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen([sys.executable, "-c", CHILD, str(warehouse)], stdout=out)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode:
            raise SystemExit(f"the CLV stages failed (exit {process.returncode})")
        out.seek(0)
        result = json.loads(out.read().strip().splitlines()[-1])
    result["peak_rss_gb"] = round(usage.ru_maxrss / 2**20, 2)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000000")
    parser.add_argument("--no-real", action="store_true")
    args = parser.parse_args()
    figures: dict = {"targets": {"real_fit_and_score_s": 30}, "cases": {}}
    olistseg = [sys.executable, "-m", "olistseg", "-q"]
    with tempfile.TemporaryDirectory() as tmp:
        if not args.no_real and REAL_DATA.is_dir():
            warehouse = Path(tmp) / "real.duckdb"
            subprocess.run(
                [*olistseg, "load", "--data", str(REAL_DATA), "--warehouse", str(warehouse)],
                check=True,
                env=os.environ,
            )
            figures["cases"]["real"] = child(warehouse)
            print("real", figures["cases"]["real"], flush=True)
        for size in (int(s) for s in args.sizes.split(",") if s):
            data, warehouse = Path(tmp) / f"syn{size}", Path(tmp) / f"syn{size}.duckdb"
            subprocess.run(
                [
                    *olistseg,
                    "demo-data",
                    "--out",
                    str(data),
                    "--customers",
                    str(size),
                    "--format",
                    "parquet",
                ],
                check=True,
            )
            subprocess.run(
                [*olistseg, "load", "--data", str(data), "--warehouse", str(warehouse)], check=True
            )
            figures["cases"][f"synthetic_{size}"] = child(warehouse)
            print(size, figures["cases"][f"synthetic_{size}"], flush=True)
    save("clv", figures)


if __name__ == "__main__":
    main()
