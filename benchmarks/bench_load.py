"""Load benchmark: the real tables into DuckDB, with and without geolocation.

Targets (issue 2, 2 cores): without geolocation under 5 s, with it under 15 s.
Also times the synthetic generator (target: 1 million customers under 60 s) and its peak memory.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REAL_DATA, median_seconds, save

from olistseg.warehouse.load import load

GENERATE_1M = """
import resource, sys, time
from olistseg.data.synthetic import SyntheticConfig, write
t = time.perf_counter()
write(SyntheticConfig(customers=int(sys.argv[1])), sys.argv[2])
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def generator_run(customers: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run(
            [sys.executable, "-c", GENERATE_1M, str(customers), tmp],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    return {
        "customers": customers,
        "seconds": round(float(out[0]), 2),
        "peak_rss_mb": round(float(out[1])),
    }


def main() -> None:
    figures: dict = {
        "targets": {
            "real_without_geolocation_s": 5,
            "real_with_geolocation_s": 15,
            "generate_1m_customers_s": 60,
        }
    }
    if REAL_DATA.is_dir():
        with tempfile.TemporaryDirectory() as tmp:
            warehouse = Path(tmp) / "olist.duckdb"
            for label, geo in (
                ("real_without_geolocation", False),
                ("real_with_geolocation", True),
            ):
                median, runs = median_seconds(
                    lambda geo=geo: load(REAL_DATA, warehouse, include_geolocation=geo)
                )
                figures[label] = {"median_s": median, "runs_s": runs}
    else:
        figures["real"] = f"skipped: {REAL_DATA} is absent"
    figures["generate"] = [generator_run(n) for n in (100_000, 1_000_000)]
    figures["process_peak_rss_mb"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    save("load", figures)


if __name__ == "__main__":
    main()
