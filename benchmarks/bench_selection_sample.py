"""The segment selection's and the RFM targeting score's sampling error, at 100,000 customers.

Above ``olistseg.warehouse.sample.CHECK_SAMPLE_CUSTOMERS`` customers the selection rule's
out-of-time windows (:func:`olistseg.validation.replay.history`) run on a seeded sample of
customers, above ``olistseg.models.evaluate.REPRODUCIBILITY_SAMPLE`` the reproducibility refits
run on a seeded sample, and above the same size the RFM targeting score's cell rates
(:func:`olistseg.value.targeting.fit_rfm_rates`) are learnt on a seeded sample. This benchmark
measures, on a synthetic shop of ``--customers`` (100,000), what samples of ``--samples``
customers (50,000 and 25,000) change against the exact computation: the chosen candidate, the
RFM bar and every candidate's out-of-time AUC, the chosen candidate's reproducibility, and the
RFM cell rates. Results: ``results/selection_sample.json``.

Usage: ``python benchmarks/bench_selection_sample.py [--customers 100000]``
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
from common import save

from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.features.build import customer_features
from olistseg.models import evaluate
from olistseg.segments.pipeline import segment_warehouse
from olistseg.validation import replay
from olistseg.validation.replay import history
from olistseg.value import targeting
from olistseg.warehouse.load import load
from olistseg.warehouse.now import default_as_of


def sized(sample: int | None) -> None:
    size = sample or 10**12
    replay.CHECK_SAMPLE_CUSTOMERS = size
    evaluate.REPRODUCIBILITY_SAMPLE = size
    targeting.CHECK_SAMPLE_CUSTOMERS = size


def selection(warehouse: Path, out: Path, sample: int | None) -> dict:
    sized(sample)
    started = time.perf_counter()
    segment_warehouse(warehouse, out, out_of_time=history, with_stability=False)
    seconds = round(time.perf_counter() - started, 1)
    chosen = json.loads((out / "selection.json").read_text())
    return {
        "sample": sample,
        "seconds": seconds,
        "chosen": f"{chosen['chosen']['algorithm']} k={chosen['chosen']['k']}",
        "reproducibility": chosen["chosen"]["stability_seeds_full"],
        "rfm_median_auc": chosen["out_of_time"]["rfm_median_auc"],
        "oot_auc": {
            f"{c['algorithm']} k={c['k']}": c["oot_auc"]
            for c in chosen["candidates"]
            if c["oot_auc"] is not None
        },
    }


def rfm_rates(warehouse: Path, sample: int | None) -> dict:
    sized(sample)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of = default_as_of(con)
        features = customer_features(con, as_of)
        fitted = targeting.fit_rfm_rates(con, features, as_of, dt.timedelta(days=90))
    return fitted["rates"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--samples", default="50000,25000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.samples.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        data, warehouse = Path(tmp) / "data", Path(tmp) / "olist.duckdb"
        write(SyntheticConfig(customers=args.customers, seed=42, file_format="parquet"), data)
        load(data, warehouse)
        exact = selection(warehouse, Path(tmp) / "exact", None)
        exact_rates = rfm_rates(warehouse, None)
        print(exact, flush=True)
        rows = []
        for size in sizes:
            sampled = selection(warehouse, Path(tmp) / f"s{size}", size)
            shared = [k for k in exact["oot_auc"] if k in sampled["oot_auc"]]
            sampled["same_choice"] = sampled["chosen"] == exact["chosen"]
            sampled["max_abs_error_oot_auc"] = round(
                max(abs(sampled["oot_auc"][k] - exact["oot_auc"][k]) for k in shared), 4
            )
            sampled["abs_error_rfm_auc"] = round(
                abs(sampled["rfm_median_auc"] - exact["rfm_median_auc"]), 4
            )
            rates = rfm_rates(warehouse, size)
            sampled["max_abs_error_rfm_cell_rate"] = round(
                max(abs(rates.get(k, 0.0) - v) for k, v in exact_rates.items()), 5
            )
            rows.append(sampled)
            print(sampled, flush=True)
    save(
        "selection_sample",
        {
            "customers": args.customers,
            "exact": exact,
            "exact_rfm_cell_rates": exact_rates,
            "sampled": rows,
        },
    )


if __name__ == "__main__":
    main()
