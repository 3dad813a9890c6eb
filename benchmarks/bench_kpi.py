"""KPI benchmark on the real tables, once the warehouse exists.

Targets (issue 3): all KPIs together under 1 s; median per query under 50 ms; dashboard first
render under 3 s. Baseline in the same run: the same KPIs without materialized staging (each
query composed with its staging CTEs), so the ratio shows what materializing buys.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
from common import REAL_DATA, median_seconds, save

from olistseg.kpi.run import run_kpis
from olistseg.warehouse.load import load


def dashboard_first_render(warehouse: Path) -> float:
    """Seconds for the dashboard script's first full run (AppTest, a fresh cache)."""
    from importlib import resources

    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_data.clear()  # a first render: nothing cached from an earlier run
    st.cache_resource.clear()

    os.environ["OLISTSEG_WAREHOUSE"] = str(warehouse)
    sys.argv = ["app.py"]
    app = str(resources.files("olistseg.dashboard").joinpath("app.py"))
    started = time.perf_counter()
    at = AppTest.from_file(app, default_timeout=120).run()
    elapsed = time.perf_counter() - started
    assert not at.exception, at.exception
    return round(elapsed, 3)


def main() -> None:
    if not REAL_DATA.is_dir():
        save("kpi", {"skipped": f"{REAL_DATA} is absent"})
        return
    with tempfile.TemporaryDirectory() as tmp:
        warehouse = Path(tmp) / "olist.duckdb"
        load(REAL_DATA, warehouse, include_geolocation=False)
        with duckdb.connect(str(warehouse), read_only=True) as con:
            run_kpis(con)  # warm the file cache
            all_s, runs = median_seconds(lambda: run_kpis(con), repeat=5)
            composed_s, composed_runs = median_seconds(
                lambda: run_kpis(con, materialize=False), repeat=3
            )
            per_query = {}
            for _ in range(5):
                for name, result in run_kpis(con)[1].items():
                    per_query.setdefault(name, []).append(result.seconds)
        medians = {name: statistics.median(v) for name, v in per_query.items()}
        render = [dashboard_first_render(warehouse) for _ in range(3)]
    save(
        "kpi",
        {
            "data": "real Olist tables (no geolocation)",
            "targets": {"all_kpis_s": 1.0, "median_query_s": 0.05, "dashboard_first_render_s": 3.0},
            "all_kpis_median_s": all_s,
            "all_kpis_runs_s": runs,
            "baseline_composed_median_s": composed_s,
            "baseline_composed_runs_s": composed_runs,
            "speedup_vs_composed": round(composed_s / all_s, 2),
            "median_query_s": round(statistics.median(medians.values()), 4),
            "per_query_median_s": medians,
            "dashboard_first_render_s": statistics.median(render),
            "dashboard_first_render_runs_s": render,
        },
    )


if __name__ == "__main__":
    main()
