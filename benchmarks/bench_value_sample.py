"""Lifetime value's sampling error: exact against sampled, at 100,000 customers.

Above ``olistseg.value.scorer.FIT_SAMPLE_CUSTOMERS`` customers BG/NBD and Gamma-Gamma are fitted
on a seeded sample (every customer is still scored), and above
``olistseg.warehouse.sample.CHECK_SAMPLE_CUSTOMERS`` the out-of-time checks and the targeting
comparison run on a seeded sample of customers. This benchmark measures, on a synthetic shop
of ``--customers`` (100,000), what that changes against the exact step: the total expected
value, each segment's share of it, the median forecast error, and each targeting score's
median AUC (with the champion), for samples of ``--samples`` customers (50,000 and 25,000);
and the step's time. Results: ``results/value_sample.json``.

Usage: ``python benchmarks/bench_value_sample.py [--customers 100000]``
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
from common import save

from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.segments.pipeline import segment_warehouse
from olistseg.value import run as value_run
from olistseg.value import scorer
from olistseg.warehouse.load import load


def measure(warehouse: Path, model: Path, folder: Path, sample: int | None) -> dict:
    big = 10**12
    scorer.FIT_SAMPLE_CUSTOMERS = sample or big
    value_run.CHECK_SAMPLE_CUSTOMERS = sample or big
    con = duckdb.connect(str(warehouse), read_only=True)
    started = time.perf_counter()
    payload = value_run.run_value(con, folder, model)
    seconds = round(time.perf_counter() - started, 1)
    con.close()
    targeting = payload["targeting"]["summary"]
    return {
        "sample": sample,
        "seconds": seconds,
        "expected_value_12m": payload["expected_value_12m"],
        "segment_value_shares": {
            str(s["segment_id"]): s["share_expected_value"] for s in payload["segments"]
        },
        "forecast_mae_median": payload["out_of_time"]["median"]["mae_bgnbd"],
        "targeting_auc_median": {name: t["median_auc"] for name, t in targeting.items()},
        "champion": payload["targeting"]["champion"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--samples", default="50000,25000")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data, warehouse = Path(tmp) / "data", Path(tmp) / "olist.duckdb"
        write(SyntheticConfig(customers=args.customers, seed=42, file_format="parquet"), data)
        load(data, warehouse)
        segment_warehouse(
            warehouse,
            Path(tmp) / "seg",
            algorithms=["kmeans"],
            k_range=range(6, 7),
            with_stability=False,
        )
        model = Path(tmp) / "seg" / "model"
        exact = measure(warehouse, model, Path(tmp) / "exact", None)
        print(exact, flush=True)
        rows = []
        for size in (int(s) for s in args.samples.split(",")):
            sampled = measure(warehouse, model, Path(tmp) / f"s{size}", size)
            sampled["relative_error_expected_value"] = round(
                sampled["expected_value_12m"] / exact["expected_value_12m"] - 1, 4
            )
            sampled["max_abs_error_segment_share"] = round(
                max(
                    abs(sampled["segment_value_shares"][k] - v)
                    for k, v in exact["segment_value_shares"].items()
                ),
                4,
            )
            sampled["max_abs_error_auc"] = round(
                max(
                    abs(sampled["targeting_auc_median"][k] - v)
                    for k, v in exact["targeting_auc_median"].items()
                ),
                4,
            )
            rows.append(sampled)
            print(sampled, flush=True)
    save("value_sample", {"customers": args.customers, "exact": exact, "sampled": rows})


if __name__ == "__main__":
    main()
