"""`olistseg stability` on the real tables with the defaults (robustness included).

Target (issue 16): the whole command, 3 seeded simulations sharing features and noise refits,
under 5 minutes on 2 cores, on the model `olistseg segment` picks on the real tables
(k-means, 7 segments).

Baseline in the same process: one simulation with the per-column scikit-learn preprocessing
the product used before (a ``ColumnTransformer`` of one imputer/log/scaler pipeline per column,
the same arithmetic), against one simulation with the vectorised ``FeaturePreprocessor``; the
ratio is the preprocessing's share of the speed-up. Both give the same cadence.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb
import numpy as np
from common import REAL_DATA, save
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from olistseg.models import preprocessing
from olistseg.stability import simulation
from olistseg.stability.config import SimulationConfig
from olistseg.stability.report import run_stability
from olistseg.warehouse.load import load


def per_column_preprocessor(preset: str) -> Pipeline:
    """The former preprocessing: one small pipeline per column."""
    steps = []
    for column in preprocessing.preset_columns(preset):
        if column in preprocessing.CATEGORICAL_COLUMNS:
            steps.append(
                (column, OneHotEncoder(handle_unknown="ignore", sparse_output=False), [column])
            )
            continue
        chain = [
            SimpleImputer(strategy="constant", fill_value=0.0)
            if column in preprocessing.ZERO_IF_MISSING
            else SimpleImputer(strategy="median")
        ]
        if column in preprocessing.LOG_COLUMNS:
            chain.append(FunctionTransformer(np.log1p, feature_names_out="one-to-one"))
        elif column in preprocessing.SIGNED_LOG_COLUMNS:
            chain.append(
                FunctionTransformer(preprocessing.signed_log1p, feature_names_out="one-to-one")
            )
        chain.append(StandardScaler())
        steps.append((column, make_pipeline(*chain), [column]))
    return Pipeline([("columns", ColumnTransformer(steps, verbose_feature_names_out=False))])


def timed(
    con: duckdb.DuckDBPyConnection, out: Path, config: SimulationConfig, seeds: int
) -> tuple[float, dict]:
    started = time.perf_counter()
    result = run_stability(con, out, config, seeds=seeds)
    return round(time.perf_counter() - started, 2), result


def main() -> None:
    if not REAL_DATA.is_dir():
        save("stability", {"skipped": f"{REAL_DATA} is absent"})
        return
    config = SimulationConfig(algorithm="kmeans", k=7)  # the model `olistseg segment` picks
    with tempfile.TemporaryDirectory() as tmp:
        load(REAL_DATA, Path(tmp) / "w.duckdb", include_geolocation=False)
        with duckdb.connect(str(Path(tmp) / "w.duckdb"), read_only=True) as con:
            total, result = timed(con, Path(tmp) / "out", config, seeds=3)
            one, single = timed(con, Path(tmp) / "one", config, seeds=1)
            original = simulation.make_preprocessor
            simulation.make_preprocessor = per_column_preprocessor
            simulation.preprocessing_fingerprint = lambda p: "per-column"
            try:
                baseline, before = timed(con, Path(tmp) / "base", config, seeds=1)
            finally:
                simulation.make_preprocessor = original
    save(
        "stability",
        {
            "data": "real Olist tables",
            "targets": {"total_s": 300},
            "config": result["config"],
            "total_s": total,
            "seeds": [s["seed"] for s in result["seeds"]],
            "one_simulation_s": one,
            "one_simulation_per_column_preprocessing_s": baseline,
            "speedup_vs_per_column_preprocessing": round(baseline / one, 2),
            "same_cadence_as_baseline": before["cadence"]["weeks"] == single["cadence"]["weeks"],
            "timings": result["timings"],
            "cadence": result["cadence"],
            "robust": result["robust"],
            "leave_one_origin_out": result["leave_one_origin_out"],
            "baseline_noise": result["baseline_noise"],
            "steps_left_out_noisy": result["steps_left_out_noisy"],
            "curve": [
                {
                    k: c[k]
                    for k in (
                        "weeks",
                        "origins",
                        "ari_median",
                        "ari_p10",
                        "noise_floor_median",
                        "psi_max_median",
                        "counts_for_cadence",
                    )
                }
                for c in result["curve"]
            ],
        },
    )


if __name__ == "__main__":
    main()
