"""`olistseg stability` on the real tables with the full default protocol.

Target (issue 5): all origins, all weekly steps and the seeds in under 5 minutes on 2 cores.
Baseline in the same process: the naive loop that recomputes the features at every
(origin, step) instead of once per date; its extra cost is measured per date and added.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
from common import REAL_DATA, save

from olistseg.features.build import customer_features
from olistseg.stability.report import run_stability
from olistseg.stability.simulation import SimulationConfig
from olistseg.warehouse.load import load


def main() -> None:
    if not REAL_DATA.is_dir():
        save("stability", {"skipped": f"{REAL_DATA} is absent"})
        return
    config = SimulationConfig(algorithm="gmm_diag", k=4)  # the model `olistseg segment` picks
    with tempfile.TemporaryDirectory() as tmp:
        load(REAL_DATA, Path(tmp) / "w.duckdb", include_geolocation=False)
        with duckdb.connect(str(Path(tmp) / "w.duckdb"), read_only=True) as con:
            started = time.perf_counter()
            result = run_stability(con, Path(tmp) / "out", config)
            total = time.perf_counter() - started
            # what the naive loop would add: features from scratch at every (origin, step)
            steps = [s for o in result["origins"][:1] for s in o["steps"][1:6]]
            tick = time.perf_counter()
            for step in steps:
                customer_features(con, datetime.fromisoformat(step["date"]))
            features_per_date = (time.perf_counter() - tick) / len(steps)
    n_steps = sum(len(o["steps"]) for o in result["origins"])
    naive = total + (n_steps - result["timings"]["dates"]) * features_per_date
    save("stability", {
        "data": "real Olist tables", "targets": {"total_s": 300}, "config": result["config"],
        "total_s": round(total, 2), "timings": result["timings"], "steps": n_steps,
        "features_per_date_s": round(features_per_date, 3),
        "naive_estimate_s": round(naive, 1), "speedup_vs_naive": round(naive / total, 2),
        "cadence": result["cadence"], "baseline_noise": result["baseline_noise"],
        "origins_left_out": result["origins_left_out"],
        "curve": [{k: c[k] for k in ("weeks", "origins", "ari_median", "ari_p10", "psi_max_median",
                                     "centroid_shift_median", "max_share_change_median")}
                  for c in result["curve"]],
    })  # fmt: skip


if __name__ == "__main__":
    main()
