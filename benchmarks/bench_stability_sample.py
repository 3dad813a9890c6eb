"""The stability simulation's sampling error: exact against sampled, at 100,000 customers.

Above ``olistseg.warehouse.sample.SAMPLE_CUSTOMERS`` customers the simulation runs on a seeded
sample of customers. This benchmark measures what that costs in accuracy where the exact answer
can still be computed: on a synthetic shop of ``--customers`` (100,000) it runs the default
simulation (k-means, the k ``olistseg segment`` would measure, one seed) on every customer and
on seeded samples of ``--samples`` customers (50,000 and 25,000, three sample seeds each), and
reports the cadence (weeks), the largest gap between the ARI curves (median and 10th
percentile, over the steps that set the cadence), the month-one campaign impact scaled back to
the population, and the times. Results: ``results/stability_sample.json``.

Usage: ``python benchmarks/bench_stability_sample.py [--customers 100000]``
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
from olistseg.stability import report as stability_report
from olistseg.stability.config import SimulationConfig
from olistseg.warehouse.load import load
from olistseg.warehouse.now import default_as_of
from olistseg.warehouse.sample import sampled_customers, scale_counts


def simulate(warehouse: Path, config: SimulationConfig, sample: int | None, seed: int) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    started = time.perf_counter()
    end = default_as_of(con)  # the whole warehouse's "now", as run_stability takes it
    if sample is None:
        result = stability_report._simulate_all(con, config, end, None, 1, None)
    else:
        with sampled_customers(con, sample, seed) as used:
            result = stability_report._simulate_all(con, config, end, None, 1, None)
        result = scale_counts(result, used)
    result["seconds"] = round(time.perf_counter() - started, 1)
    con.close()
    return result


def curve(result: dict) -> dict[int, tuple[float, float]]:
    return {
        c["t"]: (c["ari_median"], c["ari_p10"]) for c in result["curve"] if c["counts_for_cadence"]
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--samples", default="50000,25000")
    parser.add_argument("--k", type=int, default=6)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        write(SyntheticConfig(customers=args.customers, seed=42, file_format="parquet"), data)
        warehouse = Path(tmp) / "olist.duckdb"
        load(data, warehouse)
        config = SimulationConfig(algorithm="kmeans", k=args.k)
        exact = simulate(warehouse, config, None, 0)
        exact_curve = curve(exact)
        rows = []
        for size in (int(s) for s in args.samples.split(",")):
            for seed in (42, 43, 44):
                sampled = simulate(warehouse, config, size, seed)
                other = curve(sampled)
                common = sorted(set(exact_curve) & set(other))
                rows.append(
                    {
                        "sample": size,
                        "sample_seed": seed,
                        "cadence_weeks": sampled["cadence"]["weeks"],
                        "max_abs_gap_ari_median": round(
                            max(abs(exact_curve[t][0] - other[t][0]) for t in common), 4
                        ),
                        "max_abs_gap_ari_p10": round(
                            max(abs(exact_curve[t][1] - other[t][1]) for t in common), 4
                        ),
                        "campaign_impact_month_1": (sampled.get("campaign_impact") or [{}])[0].get(
                            "changed_segment"
                        ),
                        "seconds": sampled["seconds"],
                    }
                )
                print(rows[-1], flush=True)
    save(
        "stability_sample",
        {
            "customers": args.customers,
            "config": {"algorithm": "kmeans", "k": args.k, "seeds": 1},
            "exact": {
                "cadence_weeks": exact["cadence"]["weeks"],
                "campaign_impact_month_1": (exact.get("campaign_impact") or [{}])[0].get(
                    "changed_segment"
                ),
                "seconds": exact["seconds"],
            },
            "sampled": rows,
            "what": "max_abs_gap_*: the largest absolute difference between the exact and the "
            "sampled ARI curve over the steps that set the cadence",
        },
    )


if __name__ == "__main__":
    main()
