"""The Python API: one function per ``olistseg`` command, each returning what it computed.

    >>> from olistseg import api
    >>> api.demo_data("demo", customers=3_000)
    >>> report = api.load("demo", "wh/olist.duckdb")
    >>> as_of, answers = api.kpis(warehouse="wh/olist.duckdb")
    >>> summary = api.segment("seg", warehouse="wh/olist.duckdb")
    >>> api.score("seg/model", "scores.csv", warehouse="wh/olist.duckdb")
    >>> api.run("demo", "out")                       # the whole pipeline (olistseg.pipeline)

Inputs are either ``warehouse`` (a DuckDB file from :func:`load`) or ``data`` (a Kaggle folder,
``.zip`` or ``olist.db``, loaded into a temporary warehouse). Nothing is printed; long steps
report through ``progress(label, position, total)``. Bad input raises
:class:`~olistseg.errors.InputError` with a message a person can act on.

Each function imports the layers it runs when it is called, not at the top: importing them
all costs seconds (measured on 2 cores: segments 5.3 s with numba's kernels, stability 4.4 s,
lifetime value 3.4 s with pymc-marketing), and the CLI, which imports this module, starts in
about 1 s. Spark is an optional dependency and is imported only with ``engine="spark"``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from olistseg.api.plans import campaigns, measure
from olistseg.api.upkeep import _opt_path, monitor, notebook, stability
from olistseg.errors import InputError
from olistseg.pipeline import RunEvent, RunResult, run
from olistseg.runfolder import building
from olistseg.warehouse.load import ProgressCallback, input_warehouse, load

if TYPE_CHECKING:
    from olistseg.kpi.run import KpiParams, KpiResult
    from olistseg.warehouse.info import TableInfo

__all__ = [
    "RunEvent",
    "RunResult",
    "audiences",
    "campaigns",
    "demo_data",
    "info",
    "kpis",
    "load",
    "measure",
    "monitor",
    "notebook",
    "run",
    "score",
    "segment",
    "stability",
    "validate",
    "value",
]

ENGINES = ("duckdb", "spark")
#: The k an ``--engine spark`` segmentation fits when none is given.
SPARK_DEFAULT_K = 4


def _check_engine(engine: str) -> None:
    if engine not in ENGINES:
        raise InputError(f"--engine {engine!r}: choose {' or '.join(ENGINES)}.")


def demo_data(
    out: str | Path,
    customers: int = 20_000,
    seed: int = 42,
    file_format: str = "csv",
    change_date: str = "2018-01-01",
    geolocation: bool = True,
    campaign: str | Path | None = None,
    lift: float = 0.0,
) -> dict[str, Path]:
    """Write a synthetic dataset in the Kaggle layout into ``out``; returns the file per table.

    With ``campaign`` (a plan folder from :func:`campaigns` on the same shop: same
    ``customers`` and ``seed``), the plan's customers then buy again after each launch, the
    treated at ``1 + lift`` times the rate of the held out (:mod:`olistseg.campaigns.harness`).
    """
    from olistseg.data.synthetic import SyntheticConfig, write

    config = SyntheticConfig(
        customers=customers,
        seed=seed,
        file_format=file_format,
        change_date=change_date,
        with_geolocation=geolocation,
    )
    written = write(config, out)
    if campaign is not None:
        from olistseg.campaigns.harness import plant_effect

        if file_format != "csv":
            raise InputError("--campaign plants purchases into CSV files: use --format csv.")
        plant_effect(Path(out), Path(campaign), lift, seed)
    return written


def info(warehouse: str | Path) -> tuple[list[TableInfo], int]:
    """Row counts and date ranges per table of ``warehouse``, and the quarantined row count."""
    from olistseg.warehouse.info import connect, warehouse_info

    with connect(warehouse) as con:
        return warehouse_info(con)


def kpis(
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    params: KpiParams | None = None,
    only: list[str] | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
) -> tuple[dt.datetime, dict[str, KpiResult]]:
    """Answer the KPI catalogue (or the KPIs in ``only``); returns ``as_of`` and the results."""
    from olistseg.kpi.run import run_kpis
    from olistseg.warehouse.info import connect

    _check_engine(engine)
    if engine == "spark":
        from olistseg.spark.pipeline import spark_kpi

        return spark_kpi(
            None if data is None else str(data), _opt_path(warehouse), spark_master, params, only
        )
    with input_warehouse(data, warehouse) as path, connect(path) as con:
        return run_kpis(con, params, only)


def _ks(k_range: str | range | None, default: range) -> range:
    from olistseg.segments.pipeline import parse_k_range

    if k_range is None:
        return default
    if isinstance(k_range, range):
        return k_range
    try:
        return parse_k_range(k_range)
    except ValueError as exc:
        raise InputError(str(exc)) from exc


def segment(
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    as_of: dt.datetime | None = None,
    features: str = "rfm_satisfaction",
    algorithms: list[str] | None = None,
    k_range: str | range | None = None,
    seed: int = 42,
    stability: bool = True,
    engine: str = "duckdb",
    spark_master: str | None = None,
    progress: ProgressCallback | None = None,
    charts: bool = True,
) -> dict:
    """Segment customers into ``out`` (built whole, swapped in on success); returns the summary.
    ``charts=False`` leaves out ``charts/``.

    DuckDB compares every candidate of ``algorithms`` over ``k_range`` (default 2-12);
    ``--engine spark`` fits one MLlib model at one k (default 4).
    """
    from olistseg.models.candidates import ALGORITHMS
    from olistseg.models.preprocessing import PRESETS
    from olistseg.segments.pipeline import segment_warehouse
    from olistseg.validation.replay import history

    if features not in PRESETS:
        raise InputError(f"--features {features!r}: choose one of {', '.join(PRESETS)}.")
    _check_engine(engine)
    if engine == "spark":
        return _spark_segment(
            out, data, warehouse, spark_master, as_of, features, algorithms, k_range, seed
        )
    unknown = [a for a in algorithms or [] if a not in ALGORITHMS]
    if unknown:
        raise InputError(
            f"--algorithms: unknown {', '.join(unknown)}; choose from {', '.join(ALGORITHMS)}."
        )
    ks = _ks(k_range, range(2, 13))
    with input_warehouse(data, warehouse) as path, building(out) as partial:
        return segment_warehouse(
            path,
            partial,
            as_of,
            history,
            preset=features,
            algorithms=algorithms,
            k_range=ks,
            seed=seed,
            with_stability=stability,
            progress=progress,
            with_charts=charts,
        )


def _spark_segment(
    out: str | Path,
    data: str | Path | None,
    warehouse: str | Path | None,
    master: str | None,
    as_of: dt.datetime | None,
    preset: str,
    algorithms: list[str] | None,
    k_range: str | range | None,
    seed: int,
) -> dict:
    from olistseg.spark.pipeline import spark_segment
    from olistseg.spark.segment import SPARK_ALGORITHMS

    names = algorithms or ["kmeans"]
    algorithm = names[0] if len(names) == 1 else None
    if algorithm not in SPARK_ALGORITHMS:
        raise InputError(
            f"--algorithms {','.join(algorithms or [])!r}: --engine spark fits one "
            f"of {', '.join(SPARK_ALGORITHMS)}."
        )
    ks = _ks(k_range, range(SPARK_DEFAULT_K, SPARK_DEFAULT_K + 1))
    if len(ks) != 1:
        raise InputError(
            f"--k-range {ks.start}-{ks.stop - 1}: --engine spark fits one model: give "
            "one k (--k-range 4). Choose k with the DuckDB engine on a sample, then "
            "fit it on everything with Spark."
        )
    with building(out) as partial:
        return spark_segment(
            None if data is None else str(data),
            _opt_path(warehouse),
            master,
            partial,
            as_of,
            preset,
            algorithm,
            ks[0],
            seed,
        )


def score(
    model: str | Path,
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    as_of: dt.datetime | None = None,
    engine: str = "duckdb",
    spark_master: str | None = None,
    value: bool = False,
    value_model: str | Path | None = None,
    targeting: str = "rfm",
) -> dict:
    """Assign every customer known at ``as_of`` to a segment of the saved ``model`` (no refit).

    Writes ``out`` (``.csv`` or ``.parquet``; with Spark, Parquet at a path or URL); returns
    ``as_of``, the model's training date, the customer count and customers per segment.

    ``value`` adds each customer's lifetime value and targeting score
    (:mod:`olistseg.value.scorer`): ``value_model`` applies a saved one (``value_model.json``),
    else one is fitted at ``as_of`` with ``targeting`` (``rfm`` or ``bgnbd``) and saved beside
    ``out``. Spark applies a saved one only (fit it with the DuckDB engine or ``olistseg value``).
    """
    from olistseg.segments.pipeline import score_warehouse

    _check_engine(engine)
    value = value or value_model is not None
    if engine == "spark":
        from olistseg.spark.pipeline import spark_score

        if value and value_model is None:
            raise InputError(
                "--engine spark scores with a saved value model: give --value-model "
                "(value_model.json of `olistseg value` or of `olistseg score --value`)."
            )
        return spark_score(
            Path(model),
            None if data is None else str(data),
            _opt_path(warehouse),
            spark_master,
            str(out),
            as_of,
            value_model=None if value_model is None else Path(value_model),
        )
    out = Path(out)
    if out.suffix.lower() not in (".csv", ".parquet"):
        raise InputError(
            f"--out {out}: scores are written as .csv or .parquet; name the file "
            f"{out.with_suffix('.csv').name} or {out.with_suffix('.parquet').name}."
        )
    with input_warehouse(data, warehouse) as path:
        if value:
            from olistseg.value.run import score_customers

            return score_customers(
                Path(model),
                path,
                out,
                as_of,
                value_model=None if value_model is None else Path(value_model),
                targeting=targeting,
            )
        return score_warehouse(Path(model), path, out, as_of)


def validate(
    model: str | Path,
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    as_of: dt.datetime | None = None,
    horizon_days: int = 180,
    n_origins: int = 4,
    progress: ProgressCallback | None = None,
) -> dict:
    """Replay history for the saved ``model``: fit its configuration at origins every 3 months
    (windows of ``horizon_days`` ending by ``as_of`` and the delivered data), compare with
    what customers did next and with the RFM, random and highest-silhouette baselines; write
    ``out`` whole (validation.json, charts/). Returns the validation payload."""
    from olistseg.validation.run import run_validation
    from olistseg.warehouse.info import connect

    if horizon_days < 7:
        raise InputError(f"--horizon {horizon_days}: at least 7 days.")
    if n_origins < 1:
        raise InputError("--origins: at least 1.")
    with input_warehouse(data, warehouse) as path, building(out) as partial, connect(path) as con:
        return run_validation(
            con,
            partial,
            Path(model),
            limit=as_of,
            horizon_days=horizon_days,
            n_origins=n_origins,
            progress=progress,
        )


def value(
    model: str | Path,
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    as_of: dt.datetime | None = None,
    n_origins: int = 4,
    progress: ProgressCallback | None = None,
) -> dict:
    """Lifetime value (BG/NBD + Gamma-Gamma, pymc-marketing, MAP) of every customer known at
    ``as_of``, its out-of-time check at ``n_origins`` validation origins; writes ``out`` whole
    (clv.parquet, value.json, charts/). Returns the ``value.json`` payload."""
    from olistseg.value.run import run_value
    from olistseg.warehouse.info import connect

    if n_origins < 0:
        raise InputError("--origins: 0 or more.")
    with input_warehouse(data, warehouse) as path, building(out) as partial, connect(path) as con:
        return run_value(
            con, partial, Path(model), as_of, limit=as_of, n_origins=n_origins, progress=progress
        )


def audiences(
    model: str | Path,
    out: str | Path,
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    *,
    as_of: dt.datetime | None = None,
    fmt: str = "csv",
) -> dict:
    """Campaign audiences at ``as_of``: one file per segment (``fmt`` csv or parquet) with the
    suppression rules of :mod:`olistseg.value.audiences`, and ``audiences.json``; writes
    ``out`` whole. Returns the ``audiences.json`` payload."""
    from olistseg.value.audiences import FORMATS
    from olistseg.value.run import run_audiences
    from olistseg.warehouse.info import connect

    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    with input_warehouse(data, warehouse) as path, building(out) as partial, connect(path) as con:
        return run_audiences(con, partial, Path(model), as_of, fmt)
