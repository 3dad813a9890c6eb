"""Customer features: the DuckDB SQL against the same features in pandas (the baseline).

Both start from the loaded warehouse; pandas gets its tables as DataFrames first (timed apart,
``pandas_read_s``) and the timed pandas figure is its computation only, the fairest baseline.
Before timing, both tables are checked equal (same customers, every value to 1e-9).
Datasets: the real tables, and synthetic 100k and 1M customers.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import REAL_DATA, median_seconds, save
from pandas_features import pandas_customer_features, read_tables

from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.features.build import NUMERIC_FEATURES, customer_features
from olistseg.warehouse.info import connect
from olistseg.warehouse.load import load
from olistseg.warehouse.now import default_as_of


def max_difference(a, b) -> float:
    assert list(a.index) == list(b.index), "different customers"
    assert (a["customer_state"] == b["customer_state"]).all()
    worst = 0.0
    for column in NUMERIC_FEATURES:
        x, y = a[column].to_numpy(float), b[column].to_numpy(float)
        assert (np.isnan(x) == np.isnan(y)).all(), column
        kept = ~np.isnan(x)
        if kept.any():
            worst = max(
                worst, float(np.max(np.abs(x[kept] - y[kept]) / np.maximum(1, np.abs(x[kept]))))
            )
    assert worst < 1e-9, worst
    return worst


def measure(warehouse: Path, repeat: int) -> dict:
    with connect(warehouse) as con:
        as_of = default_as_of(con)
        duck = customer_features(con, as_of)
        read_s, _ = median_seconds(lambda: read_tables(con), 1)
        tables = read_tables(con)
        difference = max_difference(duck, pandas_customer_features(tables, as_of))
        duck_s, duck_runs = median_seconds(lambda: customer_features(con, as_of), repeat)
        pandas_s, pandas_runs = median_seconds(
            lambda: pandas_customer_features(tables, as_of), repeat
        )
    return {
        "customers": len(duck),
        "duckdb_median_s": duck_s,
        "duckdb_runs_s": duck_runs,
        "pandas_median_s": pandas_s,
        "pandas_runs_s": pandas_runs,
        "pandas_read_s": read_s,
        "speedup_vs_pandas": round(pandas_s / duck_s, 2),
        "max_relative_difference": difference,
    }


def main() -> None:
    figures = {}
    with tempfile.TemporaryDirectory() as tmp:
        if REAL_DATA.is_dir():
            load(REAL_DATA, Path(tmp) / "real.duckdb", include_geolocation=False)
            figures["real"] = measure(Path(tmp) / "real.duckdb", 5)
        for customers in (100_000, 1_000_000):
            folder = Path(tmp) / f"syn{customers}"
            write(
                SyntheticConfig(customers=customers, file_format="parquet", with_geolocation=False),
                folder,
            )
            load(folder, Path(tmp) / f"syn{customers}.duckdb")
            figures[str(customers)] = measure(Path(tmp) / f"syn{customers}.duckdb", 3)
    save("features", {"baseline": "pandas, from in-memory DataFrames", "datasets": figures})


if __name__ == "__main__":
    main()
