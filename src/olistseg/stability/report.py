"""``olistseg stability`` as a function: the simulation, its reruns with other seeds, the
first-12-months protocol, and every output (``stability.json``, the charts, the contract).

The parts live beside it, one concept a module: :mod:`~olistseg.stability.config`,
:mod:`~olistseg.stability.simulation`, :mod:`~olistseg.stability.cadence`,
:mod:`~olistseg.stability.charts`, :mod:`~olistseg.stability.contract` and
:mod:`~olistseg.stability.monitor` (the monthly check).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import duckdb
from sklearn.metrics import adjusted_rand_score

from olistseg.atomic import write_json, write_text
from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.models.segmentation import SegmentationModel
from olistseg.segments.charts import save_chart
from olistseg.stability.cadence import robustness_summary
from olistseg.stability.charts import ari_chart, migration_chart, psi_chart
from olistseg.stability.config import SimulationConfig, config_for_model
from olistseg.stability.contract import load_costs, maintenance_contract, maintenance_markdown
from olistseg.stability.monitor import monitor
from olistseg.stability.simulation import ProgressCallback, simulate
from olistseg.warehouse.now import default_as_of
from olistseg.warehouse.sample import SAMPLE_CUSTOMERS, sampled_customers, scale_counts

__all__ = [
    "config_for_model",
    "load_costs",
    "maintenance_markdown",
    "monitor",
    "run_stability",
    "simple_protocol",
]


def run_stability(
    con: duckdb.DuckDBPyConnection,
    out: Path,
    config: SimulationConfig,
    end: dt.datetime | None = None,
    progress: ProgressCallback | None = None,
    lang: str = "en",
    seeds: int = 3,
    costs: dict | None = None,
    measured: str | None = None,
) -> dict:
    """Simulate and write every output of ``olistseg stability`` into ``out``.

    ``measured`` says in words which segmentation is measured and why (``measured_model``).

    ``seeds`` runs of the whole simulation (seed, seed + 101, ...) measure how much the cadence
    hinges on the seed; ``costs`` overrides :data:`DEFAULT_COSTS` for the priced contract.

    ``maintenance.md`` is written in ``lang``. When no cadence can be set (too few origins
    where the model reproduces itself across seeds), nothing is written: InputError says why.

    Returns the simulation result (as ``stability.json``): origins, ARI curves, baseline
    noise, the cadence and timings.
    """
    end = end or default_as_of(con)  # the full warehouse's "now", before any sampling
    with sampled_customers(con, SAMPLE_CUSTOMERS, config.seed) as sample:
        result = _simulate_all(con, config, end, progress, seeds, measured)
    result = scale_counts(result, sample)
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "stability.json", result)
    charts = out / "charts"
    save_chart(ari_chart(result), charts, "ari_curve")
    save_chart(psi_chart(result), charts, "psi_heatmap")
    save_chart(migration_chart(result), charts, "migration")
    contract = maintenance_contract(result, costs)
    write_json(out / "maintenance.json", contract)
    write_text(out / "maintenance.md", maintenance_markdown(contract, lang))
    return result


def _simulate_all(
    con: duckdb.DuckDBPyConnection,
    config: SimulationConfig,
    end: dt.datetime,
    progress: ProgressCallback | None,
    seeds: int,
    measured: str | None,
) -> dict:
    """The simulation, its reruns with other seeds and the simple protocol, on ``con`` as it
    reads (the whole warehouse or a sample of customers)."""
    shared: dict = {}
    result = simulate(con, config, end, progress, shared)
    noise = result["baseline_noise"]["median"]
    if noise < config.threshold:
        raise InputError(
            f"{config.algorithm} with {config.k} segments is not reproducible: refitted with other "
            f"seeds on the same date it agrees with itself at a median ARI of {noise} (threshold "
            f"{config.threshold}), so any drift it shows is optimizer noise and no retrain "
            "cadence can be set. Measure a model that reproduces itself: leave out --algorithm "
            "and --k (the segmentation `olistseg segment` chooses), or give --model."
        )
    # The other seeds and the simple protocol cannot give this seed a cadence: say so now.
    if result["cadence"]["weeks"] is None:
        left_out = len(result["origins_left_out"])
        raise InputError(
            f"no retrain cadence can be measured for {config.algorithm} with {config.k} segments: "
            f"{left_out} of {len(result['origins'])} origins do not reproduce their own "
            f"segments when refitted with other seeds (baseline ARI median "
            f"{result['baseline_noise']['median']}, threshold {config.threshold}), so "
            f"{result['cadence']['reason']}. Measure a model that reproduces itself (another "
            "--algorithm or --k, or --model with the segmentation's chosen model), or give "
            "more history (--origins, a later --as-of)."
        )
    result["seeds"] = [
        {
            "seed": config.seed,
            "steps": result["cadence"]["steps"],
            "weeks": result["cadence"]["weeks"],
        }
    ]
    for extra in range(1, seeds):
        other = simulate(
            con, dataclasses.replace(config, seed=config.seed + 101 * extra), end, shared=shared
        )
        result["seeds"].append(
            {
                "seed": config.seed + 101 * extra,
                "steps": other["cadence"]["steps"],
                "weeks": other["cadence"]["weeks"],
            }
        )
    result["measured_model"] = measured
    result["simple_protocol"] = simple_protocol(con, config, end)
    result["robust"] = robustness_summary(result)
    return result


def simple_protocol(
    con: duckdb.DuckDBPyConnection, config: SimulationConfig, end: dt.datetime
) -> dict:
    """The protocol public solutions use, as a second, labelled curve: preprocessing and model
    fitted on the first 12 months of data and frozen, a refit every month after, the ARI on
    all customers known then. No seed noise is measured and one origin decides everything."""
    first = con.execute("SELECT min(order_purchase_timestamp) FROM orders").fetchone()[0]
    origin = first + dt.timedelta(days=365)
    if origin >= end:
        return {"origin": None, "curve": [], "what": "the data spans less than 13 months"}
    base = customer_features(con, origin)
    frozen = SegmentationModel(
        config.algorithm, config.k, config.preset, config.seed, config.restarts
    )
    frozen.fit(base)
    curve, month = [], 1
    while origin + dt.timedelta(days=round(30.44 * month)) <= end:
        date = origin + dt.timedelta(days=round(30.44 * month))
        now = customer_features(con, date)
        refit = SegmentationModel(
            config.algorithm, config.k, config.preset, config.seed, config.restarts
        ).fit(now)
        curve.append(
            {
                "month": month,
                "date": date.isoformat(sep=" "),
                "customers": len(now),
                "ari": round(float(adjusted_rand_score(frozen.predict(now), refit.labels_)), 4),
            }
        )
        month += 1
    below = next((c["month"] for c in curve if c["ari"] < config.threshold), None)
    return {
        "origin": origin.isoformat(sep=" "),
        "curve": curve,
        "first_month_below": below,
        "what": "model and preprocessing fitted on the first 12 months and frozen; monthly "
        "refits; ARI on all current customers (one origin, no noise floor)",
    }
