"""What the dashboard shows, computed without Streamlit so it can be tested directly.

Tiles compare a window ending at ``as_of`` (a month, a quarter or a year) with the window just
before it and with the same window a year earlier.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from olistseg.kpi.charts import TILES, Tile, tile_values
from olistseg.kpi.run import KpiParams, KpiResult, run_kpis

WINDOWS = {"month": 1, "quarter": 3, "year": 12}


@dataclass(frozen=True)
class TileValue:
    """A tile's value now, in the previous window and a year earlier (``None`` = no data)."""

    tile: Tile
    current: float | None
    previous: float | None
    year_before: float | None

    @staticmethod
    def _change(now: float | None, then: float | None) -> float | None:
        if now is None or then is None or then == 0:
            return None
        return now / then - 1.0

    @property
    def change_vs_previous(self) -> float | None:
        """Relative change against the previous window (0.1 = +10%)."""
        return self._change(self.current, self.previous)

    @property
    def change_vs_year_before(self) -> float | None:
        return self._change(self.current, self.year_before)


def window(
    as_of: dt.datetime, months: int, shift_months: int = 0
) -> tuple[dt.datetime, dt.datetime]:
    """``(start, end)`` of the ``months``-long window ending at ``as_of`` shifted back by ``shift_months``."""
    end = pd.Timestamp(as_of) - pd.DateOffset(months=shift_months)
    start = end - pd.DateOffset(months=months) + pd.Timedelta(seconds=1)
    return start.to_pydatetime(), end.to_pydatetime()


def tile_results(
    con: duckdb.DuckDBPyConnection,
    as_of: dt.datetime,
    months: int,
    state: str | None = None,
    category: str | None = None,
) -> list[TileValue]:
    """Every tile's value for the window ending at ``as_of`` and its two comparison windows."""
    names = sorted({t.kpi for t in TILES})
    per_window: list[dict[str, KpiResult]] = []
    for shift in (0, months, 12):
        start, end = window(as_of, months, shift)
        params = KpiParams(as_of=end, date_from=start, date_to=end, state=state, category=category)
        per_window.append(run_kpis(con, params, names)[1])
    return [
        TileValue(tile, *(tile_values(results, tile)[0] for results in per_window))
        for tile in TILES
    ]


def filter_choices(con: duckdb.DuckDBPyConnection) -> tuple[list[str], list[str]]:
    """The customer states and English product categories present in the warehouse."""
    states = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT customer_state FROM customers WHERE customer_state IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    categories = [
        r[0]
        for r in con.execute(
            """
        SELECT DISTINCT coalesce(t.product_category_name_english, p.product_category_name)
        FROM products AS p
        LEFT JOIN category_translation AS t USING (product_category_name)
        WHERE p.product_category_name IS NOT NULL ORDER BY 1
        """
        ).fetchall()
    ]
    return states, categories


def data_bounds(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime, dt.datetime]:
    """First and last purchase timestamps."""
    return con.execute(
        "SELECT min(order_purchase_timestamp), max(order_purchase_timestamp) FROM orders"
    ).fetchone()


def load_report(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The load report stored in the warehouse, if any."""
    row = con.execute("SELECT value FROM olistseg_meta WHERE key = 'load_report'").fetchone()
    return json.loads(row[0]) if row else None


def quarantine_summary(
    con: duckdb.DuckDBPyConnection, limit: int = 200
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarantined rows counted by table and reason, and the first ``limit`` rows themselves."""
    counts = con.execute(
        "SELECT table_name, column_name, reason, count(*) AS rows FROM quarantine "
        "GROUP BY ALL ORDER BY rows DESC, table_name"
    ).df()
    sample = con.execute(
        "SELECT * FROM quarantine ORDER BY table_name, source_row LIMIT ?", [limit]
    ).df()
    return counts, sample


def run_outputs(folder: Path) -> dict:
    """What the Segments page shows, read from an `olistseg run` folder."""
    profiles = json.loads((folder / "segments" / "profiles.json").read_text(encoding="utf-8"))
    selection = json.loads((folder / "segments" / "selection.json").read_text(encoding="utf-8"))
    stability_file = folder / "stability" / "stability.json"
    segments = profiles["segments"]
    lifts = pd.DataFrame(
        {s["name"]: {f: v["lift"] for f, v in s["features"].items()} for s in segments}
    ).round(2)
    chosen = selection["chosen"]
    value_file, audiences_file = (
        folder / "value" / "clv.parquet",
        folder / "audiences" / "audiences.json",
    )
    return {
        "value": pd.read_parquet(value_file) if value_file.is_file() else None,
        "audiences": json.loads(audiences_file.read_text(encoding="utf-8"))
        if audiences_file.is_file()
        else None,
        "audiences_folder": folder / "audiences",
        "profiles": segments,
        "lifts": lifts,
        "segments": pd.read_csv(folder / "segments" / "segments.csv"),
        "chosen": f"{chosen['algorithm']} with {chosen['n_clusters']} segments "
        f"(silhouette {chosen['silhouette']}), as of {selection['as_of']}",
        "stability": json.loads(stability_file.read_text(encoding="utf-8"))
        if stability_file.is_file()
        else None,
    }
