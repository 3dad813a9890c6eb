"""`olistseg segment` on the real tables with the full default candidate set, exact silhouettes.

Target (issue 4): under 90 s on 2 cores. Records the total and every candidate's fit and metric
times, so the slow candidates are visible.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
from common import REAL_DATA, save

from olistseg.segments.pipeline import segment
from olistseg.validation.replay import history
from olistseg.warehouse.load import load


def main() -> None:
    if not REAL_DATA.is_dir():
        save("segment", {"skipped": f"{REAL_DATA} is absent"})
        return
    with tempfile.TemporaryDirectory() as tmp:
        load(REAL_DATA, Path(tmp) / "w.duckdb", include_geolocation=False)
        with duckdb.connect(str(Path(tmp) / "w.duckdb"), read_only=True) as con:
            started = time.perf_counter()
            summary = segment(con, Path(tmp) / "out", out_of_time=history)
            total = time.perf_counter() - started
        import json

        selection = json.loads((Path(tmp) / "out" / "selection.json").read_text())
    candidates = selection["candidates"]
    save(
        "segment",
        {
            "data": "real Olist tables",
            "customers": summary["customers"],
            "targets": {"total_s": 90},
            "total_s": round(total, 2),
            "fit_seconds_sum": round(sum(c["fit_seconds"] for c in candidates), 2),
            "metric_seconds_sum": round(sum(c["metric_seconds"] for c in candidates), 2),
            "silhouette_seconds_all_candidates": selection["silhouette_seconds"],
            "candidates": len(candidates),
            "chosen": summary["chosen"],
            "selection_reason": summary["selection_reason"],
            "segments": [
                {
                    k: s[k]
                    for k in ("segment_id", "name", "share_customers", "share_revenue", "action")
                }
                for s in summary["segments"]
            ],
            "per_candidate": [
                {
                    k: c[k]
                    for k in (
                        "algorithm",
                        "k",
                        "n_clusters",
                        "silhouette",
                        "davies_bouldin",
                        "stability_bootstrap",
                        "stability_seeds",
                        "stability_seeds_full",
                        "noise_share",
                        "smallest_share",
                        "fit_seconds",
                        "metric_seconds",
                        "error",
                    )
                }
                for c in candidates
            ],
        },
    )


if __name__ == "__main__":
    main()
