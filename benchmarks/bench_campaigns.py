"""The campaign plan and the readout on the real tables: time, and an A/A test.

    python benchmarks/bench_campaigns.py [--data ../shared/data/olist]

1. ``campaigns`` on the run's analysis date (the segmentation of ``segment`` with k-means at
   the chosen k, fitted once here): the time of the plan, and its figures.
2. An A/A test on history: a plan dated ``as_of - 90 days`` whose campaigns were never sent,
   measured on the data after it. The readout must find no lift (its intervals cover 0):
   the false-positive check on real purchases rather than simulated ones.

Writes ``benchmarks/results/campaigns.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

from common import save

from olistseg.campaigns.plan import build_plan, write_plan
from olistseg.campaigns.readout import measure
from olistseg.features.build import customer_features
from olistseg.segments.segmenter import Segmenter
from olistseg.warehouse.info import connect
from olistseg.warehouse.load import load
from olistseg.warehouse.now import default_as_of

HERE = Path(__file__).resolve().parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=HERE.parents[1] / "shared" / "data" / "olist")
    parser.add_argument("--k", type=int, default=6)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="olistseg-campaigns-"))
    warehouse = root / "olist.duckdb"
    load(args.data, warehouse)
    out: dict = {}
    with connect(warehouse) as con:
        as_of = default_as_of(con)
        for label, date in (("now", as_of), ("a_a_test", as_of - dt.timedelta(days=90))):
            features = customer_features(con, date)
            model = Segmenter(algorithms=["kmeans"], k_range=range(args.k, args.k + 1))
            model.fit(features).save(root / label / "model", as_of=str(date))
            started = time.perf_counter()
            plan, lists = build_plan(con, root / label / "model", date)
            write_plan(root / label / "plan", plan, lists)
            seconds = round(time.perf_counter() - started, 2)
            out[label] = {
                "as_of": plan["as_of"],
                "plan_seconds": seconds,
                "pooled": plan["pooled"],
                "campaigns": [
                    {
                        "campaign_id": c["campaign_id"],
                        "timing": c["timing"].get("trigger") or c["timing"].get("occasion"),
                        "launch": c["timing"]["launch"],
                        "audience": c["audience"],
                        "holdout": c["holdout"],
                        "holdout_share": c["holdout_share"],
                        "holdout_draw": c["holdout_draw"],
                        "balance": c["balance"],
                        "base_rate": c["expected"]["base_rate"],
                        "expected_buyers": round(
                            c["expected"]["buyers_treatment"] + c["expected"]["buyers_holdout"], 1
                        ),
                        "cost": c["cost"]["total"],
                        "break_even_lift": c["cost"]["break_even_lift"],
                        "minimum_detectable_lift": c["power"]["minimum_detectable_lift"],
                        "verdict": c["verdict"],
                    }
                    for c in plan["campaigns"]
                ],
            }
        started = time.perf_counter()
        readout = measure(con, root / "a_a_test" / "plan")
        out["a_a_test"]["measure_seconds"] = round(time.perf_counter() - started, 2)
        out["a_a_test"]["readout"] = {
            "pooled": readout["pooled"],
            "campaigns": [
                {
                    k: c.get(k)
                    for k in (
                        "campaign_id",
                        "window_days",
                        "relative_interval",
                        "p_value",
                        "verdict",
                    )
                }
                for c in readout["campaigns"]
            ],
        }
    save("campaigns", out)
    print(json.dumps(out, indent=2, default=str)[:5000])


if __name__ == "__main__":
    main()
