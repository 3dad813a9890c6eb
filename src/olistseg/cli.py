"""The ``olistseg`` command line: a thin layer over the package.

Exit codes: 0 success, 1 internal error, 2 bad input (a one-paragraph message, no traceback
unless ``--debug``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

from olistseg import __version__
from olistseg.atomic import write_json, write_text
from olistseg.errors import InputError

if TYPE_CHECKING:
    import datetime as dt

    import pandas as pd

    from olistseg.kpi.run import KpiParams, KpiResult
    from olistseg.warehouse.load import LoadReport

app = typer.Typer(
    name="olistseg",
    help="Customer Experience KPIs, customer segments and a retrain cadence from Olist data.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class _State:
    quiet = False
    debug = False


state = _State()
err_console = Console(stderr=True)


def console() -> Console:
    return Console(quiet=state.quiet)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"olistseg {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """olistseg: load Olist-schema data, answer KPI questions, segment customers."""
    state.quiet, state.debug = quiet, debug


@contextlib.contextmanager
def _progress(start: str, verb: str) -> Iterator[Callable[[str, int, int], None]]:
    """A transient progress bar; yields the ``(label, position, total)`` callback steps call."""
    progress = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=console(),
        transient=True,
    )
    with progress:
        task = progress.add_task(start, total=None)

        def step(label: str, position: int, total: int) -> None:
            progress.update(task, total=total, completed=position, description=f"{verb} {label}")

        yield step


DataOption = Annotated[
    Path, typer.Option("--data", help="Kaggle folder (.csv/.csv.gz), its .zip, or an olist.db.")
]
WarehouseOption = Annotated[Path, typer.Option("--warehouse", help="DuckDB warehouse file.")]
# For commands that take either input: --data is loaded into a temporary warehouse.
DataInput = Annotated[
    Path | None, typer.Option("--data", help="Input data (loaded to a temporary warehouse).")
]
WarehouseInput = Annotated[Path | None, typer.Option("--warehouse", help="DuckDB warehouse file.")]
# kpi, segment and score also run on Spark, whose --data may be a URL (s3a://, hdfs://...).
EngineDataInput = Annotated[
    str | None,
    typer.Option("--data", help="Input data; with --engine spark a Parquet folder or URL."),
]
EngineOption = Annotated[
    str, typer.Option("--engine", help="duckdb (one machine) or spark (PySpark, MLlib).")
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master", help="With --engine spark: local[*], spark://HOST:7077, yarn..."
    ),
]


def _timestamp(text: str | None, option: str = "--as-of") -> dt.datetime | None:
    """The datetime an option gives (YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'), None when absent."""
    from olistseg.kpi.run import parse_timestamp

    return parse_timestamp(text, option) if text else None


def _path(data: str | None) -> Path | None:
    return None if data is None else Path(data)


def _check_engine(engine: str) -> None:
    if engine not in ("duckdb", "spark"):
        raise InputError(f"--engine {engine!r}: choose duckdb or spark.")


@app.command("demo-data")
def demo_data(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the Kaggle files to.")],
    customers: Annotated[int, typer.Option(min=10, help="Number of distinct customers.")] = 20_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 42,
    file_format: Annotated[str, typer.Option("--format", help="csv, csv.gz or parquet.")] = "csv",
    change_date: Annotated[
        str, typer.Option(help="Date the planted behaviour mix changes (YYYY-MM-DD).")
    ] = "2018-01-01",
    geolocation: Annotated[bool, typer.Option(help="Also write the geolocation table.")] = True,
) -> None:
    """Write a synthetic dataset in the Kaggle layout (same schema, realistic distributions)."""
    from olistseg.data.synthetic import SyntheticConfig, write

    if file_format not in ("csv", "csv.gz", "parquet"):
        raise InputError(f"--format {file_format!r}: choose csv, csv.gz or parquet.")
    config = SyntheticConfig(
        customers=customers, seed=seed, file_format=file_format, change_date=change_date,
        with_geolocation=geolocation,
    )  # fmt: skip
    started = time.perf_counter()
    with console().status(f"Generating {customers:,} customers (seed {seed})..."):
        written = write(config, out)
    _files_table(written, time.perf_counter() - started)


def _files_table(written: dict[str, Path], seconds: float) -> None:
    table = RichTable(title=f"Synthetic data written in {seconds:.1f} s")
    table.add_column("table")
    table.add_column("file")
    table.add_column("size", justify="right")
    for name, path in written.items():
        table.add_row(name, str(path), f"{path.stat().st_size / 1e6:.1f} MB")
    console().print(table)


@app.command("load")
def load_command(
    data: DataOption,
    warehouse: WarehouseOption = Path("out/warehouse/olist.duckdb"),
    encoding: Annotated[str, typer.Option(help="Text encoding of the CSV files.")] = "utf-8",
    geolocation: Annotated[
        bool, typer.Option(help="Load the (large, optional) geolocation table.")
    ] = True,
) -> None:
    """Validate and load the tables into a DuckDB warehouse (atomically replaced)."""
    _load(data, warehouse, encoding, geolocation)


def _load(
    data: Path, warehouse: Path, encoding: str = "utf-8", geolocation: bool = True
) -> LoadReport:
    from olistseg.warehouse.load import load, report_path

    with _progress(f"Loading {data}", "Loading") as on_table:
        report = load(
            data, warehouse, encoding=encoding, include_geolocation=geolocation, progress=on_table
        )
    _report_table(report)
    console().print(f"Warehouse: [bold]{warehouse}[/]   report: {report_path(warehouse)}")
    return report


def _report_table(report: LoadReport) -> None:
    table = RichTable(title=f"Load report ({report.seconds:.1f} s)")
    for col in ("table", "source", "read", "loaded", "quarantined", "orphaned"):
        table.add_column(col, justify="left" if col in ("table", "source") else "right")
    for t in report.tables:
        table.add_row(
            t.table, t.source or "(absent)", f"{t.rows_read:,}", f"{t.rows_loaded:,}",
            f"[red]{t.rows_quarantined:,}[/]" if t.rows_quarantined else "0",
            f"[yellow]{t.rows_orphaned:,}[/]" if t.rows_orphaned else "0",
        )  # fmt: skip
    out = console()
    out.print(table)
    out.print(
        f"Orders purchased from {report.orders_first_purchase} to {report.orders_last_purchase}"
    )
    for warning in report.warnings:
        out.print(f"[yellow]warning:[/] {warning}")


@app.command("info")
def info(warehouse: WarehouseOption = Path("out/warehouse/olist.duckdb")) -> None:
    """Row counts and date ranges of each table in a warehouse."""
    _print_info(warehouse)


def _print_info(warehouse: Path) -> None:
    from olistseg.warehouse.info import connect, warehouse_info

    with connect(warehouse) as con:
        infos, quarantined = warehouse_info(con)
    table = RichTable(title=f"Warehouse {warehouse}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("date ranges")
    for item in infos:
        ranges = "\n".join(f"{col}: {lo} .. {hi}" for col, (lo, hi) in item.date_ranges.items())
        table.add_row(item.table, f"{item.rows:,}", ranges)
    console().print(table)
    console().print(f"Quarantined rows: {quarantined:,}")


def _open_warehouse(data: Path | None, warehouse: Path | None, stack: contextlib.ExitStack) -> Path:
    """The warehouse to query: ``--warehouse``, or ``--data`` loaded into a temporary one."""
    if (data is None) == (warehouse is None):
        raise InputError("give exactly one of --data PATH or --warehouse FILE.")
    if warehouse is not None:
        return warehouse
    from olistseg.warehouse.load import load

    tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="olistseg-")))
    with console().status(f"Loading {data}..."):
        load(data, tmp / "olist.duckdb")
    return tmp / "olist.duckdb"


def _kpi_params(
    as_of: str | None,
    date_from: str | None,
    date_to: str | None,
    state: str | None,
    category: str | None,
) -> KpiParams:
    from olistseg.kpi.run import KpiParams

    return KpiParams(
        as_of=_timestamp(as_of),
        date_from=_timestamp(date_from, "--date-from"),
        date_to=_timestamp(date_to, "--date-to"),
        state=state, category=category,
    )  # fmt: skip


@app.command("kpi")
def kpi(
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference time; default: last purchase.")
    ] = None,
    date_from: Annotated[
        str | None, typer.Option("--date-from", help="Period start (inclusive).")
    ] = None,
    date_to: Annotated[
        str | None, typer.Option("--date-to", help="Period end (inclusive).")
    ] = None,
    state: Annotated[str | None, typer.Option(help="Customer state, e.g. SP.")] = None,
    category: Annotated[str | None, typer.Option(help="Product category (English name).")] = None,
    output_format: Annotated[
        str, typer.Option("--format", help="table, json, csv or html.")
    ] = "table",
    out: Annotated[
        Path | None, typer.Option("--out", help="Output file (a folder for several CSVs).")
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option("--only", help="KPI name; repeat for several.")
    ] = None,
    show_sql: Annotated[
        str | None, typer.Option("--show-sql", help="Print the SQL of this KPI.")
    ] = None,
    dialect: Annotated[
        str, typer.Option(help="With --show-sql: duckdb, sqlite, postgres or spark.")
    ] = "duckdb",
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Answer the Customer Experience questions with the SQL catalogue."""
    from olistseg.kpi import export
    from olistseg.kpi.catalog import compose, get
    from olistseg.kpi.dialects import transpile
    from olistseg.kpi.run import run_kpis
    from olistseg.warehouse.info import connect

    if show_sql:
        try:
            model = get(show_sql)
        except KeyError as exc:
            raise InputError(str(exc.args[0])) from exc
        if dialect not in model.dialects and dialect not in ("duckdb", "spark"):
            raise InputError(
                f"{show_sql} uses functions {dialect} lacks (percentiles); it runs on "
                f"{', '.join(model.dialects)}."
            )
        if dialect == "spark":
            from olistseg.spark.sql import to_spark

            typer.echo(to_spark(compose(model)))
            return
        try:
            typer.echo(transpile(compose(model), dialect))
        except ValueError as exc:
            raise InputError(str(exc)) from exc
        return
    if output_format not in ("table", "json", "csv", "html"):
        raise InputError(f"--format {output_format!r}: choose table, json, csv or html.")
    _check_engine(engine)
    params = _kpi_params(as_of, date_from, date_to, state, category)
    if engine == "spark":
        from olistseg.spark.pipeline import spark_kpi

        with console().status("Running the KPI catalogue on Spark..."):
            as_of_used, results = spark_kpi(data, warehouse, spark_master, params, only)
    else:
        with contextlib.ExitStack() as stack:
            path = _open_warehouse(_path(data), warehouse, stack)
            with connect(path) as con:
                as_of_used, results = run_kpis(con, params, only)
    if output_format == "table":
        _kpi_tables(as_of_used, results)
    elif output_format == "json":
        _emit(export.to_json(as_of_used, results), out)
    elif output_format == "html":
        if out is None:
            raise InputError("--format html needs --out FILE.html.")
        _emit(export.to_html(as_of_used, results), out)
    elif len(results) == 1:
        _emit(export.to_csv(next(iter(results.values()))), out)
    else:
        if out is None:
            raise InputError("--format csv with several KPIs needs --out FOLDER (one CSV per KPI).")
        for name, result in results.items():
            write_text(out / f"{name}.csv", export.to_csv(result))
        console().print(f"{len(results)} CSV files in {out}")


def _emit(text: str, out: Path | None) -> None:
    if out is None:
        sys.stdout.write(text)
    else:
        write_text(out, text)
        console().print(f"Written: {out}")


def _kpi_tables(as_of: dt.datetime, results: dict[str, KpiResult]) -> None:
    out = console()
    out.print(f"[bold]As of {as_of}[/]")
    for result in results.values():
        rows = result.rows
        note = ""
        if "period" in result.columns:
            index = result.columns.index("period")
            rows = [r for r in rows if r[index] == "total"]
            note = f" (total; {result.row_count - len(rows)} monthly rows in --format json/csv)"
        table = RichTable(title=f"{result.title}{note}", title_justify="left")
        for column in result.columns:
            table.add_column(column)
        for row in rows[:20]:
            table.add_row(*("" if v is None else str(v) for v in row))
        if len(rows) > 20:
            table.caption = f"{len(rows) - 20} more rows"
        out.print(table)


@app.command("dashboard")
def dashboard(
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    port: Annotated[int, typer.Option(help="Port to serve on (localhost).")] = 8501,
    address: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
) -> None:
    """Serve the Streamlit dashboard (read-only, offline, no usage statistics)."""
    import subprocess
    from importlib import resources

    app_path = resources.files("olistseg.dashboard").joinpath("app.py")
    with contextlib.ExitStack() as stack:
        path = _open_warehouse(data, warehouse, stack)
        if not path.is_file():
            raise InputError(f"{path}: no warehouse there. Build one with `olistseg load`.")
        command = [
            sys.executable, "-m", "streamlit", "run", str(app_path),
            "--server.port", str(port), "--server.address", address, "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--global.developmentMode", "false",
            "--client.toolbarMode", "viewer",
            "--", str(path.resolve()),
        ]  # fmt: skip
        console().print(f"Dashboard on http://{address}:{port} (Ctrl+C to stop)")
        env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
        raise typer.Exit(subprocess.call(command, env=env))


@app.command("segment")
def segment_command(
    out: Annotated[Path, typer.Option("--out", help="Output folder.")],
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Features as of; default: last purchase.")
    ] = None,
    features: Annotated[
        str, typer.Option("--features", help="rfm, rfm_satisfaction or full.")
    ] = "rfm_satisfaction",
    algorithms: Annotated[
        str | None, typer.Option("--algorithms", help="Comma-separated, e.g. kmeans,gmm_full.")
    ] = None,
    k_range: Annotated[str, typer.Option("--k-range", help="LOW-HIGH segments to try.")] = "2-12",
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same segments.")] = 42,
    stability: Annotated[bool, typer.Option(help="Measure stability by refits (slower).")] = True,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Segment customers: compare clustering candidates, select, profile, name, save the model."""
    from olistseg.models.candidates import ALGORITHMS
    from olistseg.models.preprocessing import PRESETS
    from olistseg.segments.pipeline import parse_k_range, segment

    if features not in PRESETS:
        raise InputError(f"--features {features!r}: choose one of {', '.join(PRESETS)}.")
    _check_engine(engine)
    if engine == "spark":
        _spark_segment(data, warehouse, spark_master, out, as_of, features, algorithms, k_range,
                       seed)  # fmt: skip
        return
    names = [a.strip() for a in algorithms.split(",")] if algorithms else None
    unknown = [a for a in names or [] if a not in ALGORITHMS]
    if unknown:
        raise InputError(
            f"--algorithms: unknown {', '.join(unknown)}; choose from {', '.join(ALGORITHMS)}."
        )
    try:
        ks = parse_k_range(k_range)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    with contextlib.ExitStack() as stack:
        path = _open_warehouse(_path(data), warehouse, stack)
        frame, when = _features(path, _timestamp(as_of))
        with _progress("Segmenting", "Fitting") as on_candidate:
            summary = segment(None, out, when, features, names, ks, seed, stability, on_candidate,
                              features=frame)  # fmt: skip
    _segments_table(summary)
    console().print(
        f"Outputs in [bold]{out}[/]: segments.csv, model/, selection.json, profiles.json, charts/"
    )


def _spark_segment(
    data: str | None, warehouse: Path | None, master: str | None, out: Path, as_of: str | None,
    preset: str, algorithms: str | None, k_range: str, seed: int,
) -> None:  # fmt: skip
    from olistseg.segments.pipeline import parse_k_range
    from olistseg.spark.segment import SPARK_ALGORITHMS

    algorithm = (algorithms or "kmeans").strip()
    if algorithm not in SPARK_ALGORITHMS:
        raise InputError(f"--algorithms {algorithm!r}: --engine spark fits one of "
                         f"{', '.join(SPARK_ALGORITHMS)}.")  # fmt: skip
    try:
        ks = parse_k_range("4" if k_range == "2-12" else k_range)
    except ValueError as exc:
        raise InputError(str(exc)) from exc
    if len(ks) != 1:
        raise InputError("--engine spark fits one model: give one k (--k-range 4). Choose k with "
                         "the DuckDB engine on a sample, then fit it on everything with Spark.")  # fmt: skip
    from olistseg.spark.pipeline import spark_segment

    with console().status(f"Fitting {algorithm} (k={ks[0]}) on Spark..."):
        summary = spark_segment(data, warehouse, master, out,
                                _timestamp(as_of), preset, algorithm,
                                ks[0], seed)  # fmt: skip
    _segments_table(summary)
    console().print(
        f"Outputs in [bold]{out}[/]: segments.parquet, model/, selection.json, profiles.json"
    )


def _features(warehouse: Path, as_of: dt.datetime | None) -> tuple[pd.DataFrame, dt.datetime]:
    """The feature table as of ``as_of`` (default: last purchase), with the warehouse closed
    again before any model work: DuckDB keeps its buffers while a connection is open."""
    from olistseg.segments.pipeline import features_as_of
    from olistseg.warehouse.info import connect

    with connect(warehouse) as con, console().status("Computing customer features..."):
        return features_as_of(con, as_of)


def _silhouette_note(summary: dict) -> str:
    method = summary.get("silhouette_method") or {}
    if method.get("method") != "stratified_sample":
        return ""
    return f" on a stratified sample of {method['sample_size']:,} of {method['population']:,}"


def _segments_table(summary: dict) -> None:
    chosen = summary["chosen"]
    table = RichTable(
        title=f"{chosen['algorithm']} with {chosen['n_clusters']} segments "
        f"(silhouette {chosen['silhouette']}{_silhouette_note(summary)}, "
        f"stability {chosen['stability_bootstrap']}; "
        f"{summary['selection_reason']})",
        title_justify="left",
    )
    for column in ("id", "segment", "customers", "revenue", "action"):
        table.add_column(column)
    for s in summary["segments"]:
        table.add_row(str(s["segment_id"]), s["name"], f"{s['share_customers']:.1%}",
                      f"{s['share_revenue']:.1%}", s["action"])  # fmt: skip
    console().print(table)


@app.command("score")
def score_command(
    model: Annotated[
        Path, typer.Option("--model", help="A model folder written by `olistseg segment`.")
    ],
    out: Annotated[
        str,
        typer.Option(
            "--out",
            help="File to write: .csv or .parquet (with --engine spark: Parquet, a URL too).",
        ),
    ],
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Score customers known at this time.")
    ] = None,
    engine: EngineOption = "duckdb",
    spark_master: SparkMasterOption = None,
) -> None:
    """Assign every customer known at --as-of to a segment with a saved model (no refit)."""
    from olistseg.segments.pipeline import score

    _check_engine(engine)
    when = _timestamp(as_of)
    if engine == "spark":
        from olistseg.spark.pipeline import spark_score

        with console().status("Scoring on Spark..."):
            summary = spark_score(model, data, warehouse, spark_master, out, when)
    else:
        with contextlib.ExitStack() as stack:
            path = _open_warehouse(_path(data), warehouse, stack)
            frame, when = _features(path, when)
            summary = score(model, None, Path(out), when, features=frame)
    table = RichTable(title=f"{summary['customers']:,} customers scored as of {summary['as_of']} "
                            f"(model trained as of {summary['model_as_of']})", title_justify="left")  # fmt: skip
    table.add_column("segment")
    table.add_column("customers", justify="right")
    for name, count in summary["segments"].items():
        table.add_row(name, f"{count:,}")
    console().print(table)
    console().print(f"Written: {out}")


@app.command("stability")
def stability_command(
    out: Annotated[
        Path, typer.Option("--out", help="Folder for stability.json, charts, contract.")
    ],
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Take algorithm, k, features and seed from a saved model."),
    ] = None,
    algorithm: Annotated[
        str, typer.Option(help="Algorithm when no --model is given.")
    ] = "gmm_diag",
    k: Annotated[int, typer.Option("--k", help="Segments when no --model is given.")] = 4,
    threshold: Annotated[float, typer.Option(help="ARI a model must keep.")] = 0.8,
    step: Annotated[str, typer.Option(help="Time between steps: 1w, 2w, 10d...")] = "1w",
    origins: Annotated[int, typer.Option("--origins", help="Number of origins.")] = 12,
    refit: Annotated[str, typer.Option(help="warm (from the current segments) or cold.")] = "warm",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="End of the simulation; default: last purchase.")
    ] = None,
) -> None:
    """Simulate how long a segmentation stays valid; recommend a retrain cadence and contract."""
    from olistseg.segments.segmenter import Segmenter
    from olistseg.stability.report import run_stability
    from olistseg.stability.simulation import SimulationConfig, parse_step
    from olistseg.warehouse.info import connect

    params = {"algorithm": algorithm, "k": k}
    if model is not None:
        saved = Segmenter.load(model)
        params = {"algorithm": saved.chosen_.algorithm, "k": len(saved.names_),
                  "preset": saved.preset, "seed": saved.seed}  # fmt: skip
    if not 0.0 < threshold <= 1.0:
        raise InputError(f"--threshold {threshold}: must be in (0, 1].")
    if origins < 1:
        raise InputError("--origins: at least 1.")
    config = SimulationConfig(**params, threshold=threshold, step_days=parse_step(step),
                              n_origins=origins, refit=refit)  # fmt: skip
    with contextlib.ExitStack() as stack:
        path = _open_warehouse(data, warehouse, stack)
        with connect(path) as con, _progress("Simulating", "Simulating") as on_origin:
            result = run_stability(con, out, config, _timestamp(as_of),
                                   on_origin)  # fmt: skip
    _cadence_table(result)
    console().print(f"Outputs in [bold]{out}[/]: stability.json, maintenance.md, charts/")


def _cadence_table(result: dict) -> None:
    cadence = result["cadence"]
    table = RichTable(title=f"Retrain every {cadence['weeks']} weeks: {cadence['reason']}",
                      title_justify="left")  # fmt: skip
    for column in ("weeks", "origins", "ARI median", "ARI p10", "max PSI (median)"):
        table.add_column(column, justify="right")
    for row in result["curve"][:: max(1, len(result["curve"]) // 12)]:
        table.add_row(str(row["weeks"]), str(row["origins"]), f"{row['ari_median']:.3f}",
                      f"{row['ari_p10']:.3f}", f"{row['psi_max_median']:.3f}")  # fmt: skip
    console().print(table)
    noise = result["baseline_noise"]
    console().print(f"Baseline noise (other seeds, same date): median ARI {noise['median']}, "
                    f"p10 {noise['p10']}; simulation took {result['timings']['total_s']} s.")  # fmt: skip


@app.command("monitor")
def monitor_command(
    model: Annotated[
        Path, typer.Option("--model", help="A model folder written by `olistseg segment`.")
    ],
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Check as of this time; default: last purchase.")
    ] = None,
    threshold: Annotated[float, typer.Option(help="ARI the model must keep.")] = 0.8,
    out: Annotated[Path | None, typer.Option("--out", help="Also write the check as JSON.")] = None,
) -> None:
    """The monthly check of a saved model: says "retrain" or "keep", with the reasons."""
    from olistseg.atomic import write_json
    from olistseg.stability.report import monitor
    from olistseg.warehouse.info import connect

    with contextlib.ExitStack() as stack:
        path = _open_warehouse(data, warehouse, stack)
        with connect(path) as con, console().status("Checking the model..."):
            check = monitor(model, con, _timestamp(as_of), threshold)
    colour = "red" if check["decision"] == "retrain" else "green"
    console().print(f"[bold {colour}]{check['decision'].upper()}[/] as of {check['as_of']} "
                    f"(model trained as of {check['model_as_of']})")  # fmt: skip
    for reason in check["reasons"]:
        console().print(f"  - {reason}")
    if out is not None:
        write_json(out, check)


@app.command("run")
def run(
    data: Annotated[
        Path | None, typer.Option("--data", help="Input data; default: generate synthetic data.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder.")] = Path("out"),
    lang: Annotated[
        str, typer.Option("--lang", help="Language of the deliverables: en or fr.")
    ] = "en",
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Reference date; default: last purchase.")
    ] = None,
    customers: Annotated[
        int, typer.Option(help="Synthetic customers when --data is absent.")
    ] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic data.")] = 42,
) -> None:
    """The whole pipeline: (synthetic data), load, KPIs, segments, stability, deliverables.

    Everything is built in ``OUT.partial`` and swapped into ``OUT`` only when every step has
    succeeded: a failed run leaves the previous outputs as they were.
    """
    from olistseg.data.synthetic import SyntheticConfig, write
    from olistseg.deliverables.i18n import LANGUAGES

    if lang not in LANGUAGES:
        raise InputError(f"--lang {lang!r}: choose one of {', '.join(LANGUAGES)}.")
    reference = _timestamp(as_of)
    final, out = out, out.with_name(out.name + ".partial")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    steps: dict[str, float] = {}
    started = time.perf_counter()
    if data is None:
        data = out / "data"
        with console().status(f"Generating synthetic data ({customers:,} customers)..."):
            write(SyntheticConfig(customers=customers, seed=seed), data)
        steps["demo-data"] = round(time.perf_counter() - started, 3)
    warehouse = out / "warehouse" / "olist.duckdb"
    t0 = time.perf_counter()
    report = _load(data, warehouse)
    steps["load"] = round(time.perf_counter() - t0, 3)
    _print_info(warehouse)
    t0 = time.perf_counter()
    kpi_summary = _run_kpi_step(warehouse, out / "kpi", reference)
    steps["kpi"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    segment_summary = _run_segment_step(warehouse, out / "segments", seed, reference)
    steps["segment"] = round(time.perf_counter() - t0, 3)
    t0 = time.perf_counter()
    stability_summary = _run_stability_step(
        warehouse, out / "stability", out / "segments" / "model", reference
    )
    steps["stability"] = round(time.perf_counter() - t0, 3)
    summary = {
        "olistseg_version": __version__,
        "data": str(data.resolve()) if data != out / "data" else "data (synthetic)",
        "warehouse": "warehouse/olist.duckdb",
        "lang": lang,
        "load": {
            "rows_loaded": {t.table: t.rows_loaded for t in report.tables},
            "rows_quarantined": report.rows_quarantined,
            "orders_first_purchase": report.orders_first_purchase,
            "orders_last_purchase": report.orders_last_purchase,
        },
        "kpi": kpi_summary,
        "segmentation": segment_summary,
        "stability": stability_summary,
        "step_seconds": steps,
    }
    write_json(out / "run.json", summary)  # the deliverables read their numbers from it
    t0 = time.perf_counter()
    summary["deliverables"] = _run_deliverables_step(out, lang)
    steps["deliverables"] = round(time.perf_counter() - t0, 3)
    steps["total"] = round(time.perf_counter() - started, 3)
    write_json(out / "run.json", summary)
    _swap_into_place(out, final)
    console().print(f"[green]Done[/] in {steps['total']:.1f} s: {final / 'run.json'}")


@app.command("notebook")
def notebook_command(
    out: Annotated[Path, typer.Option("--out", help="The executed .ipynb to write.")],
    run_folder: Annotated[
        Path | None, typer.Option("--run", help="A folder written by `olistseg run`.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option("--data", help="Run the pipeline on this data first.")
    ] = None,
) -> None:
    """Execute notebooks/olistseg.py (jupytext) with nbclient on a run's outputs."""
    from olistseg.deliverables.notebook import execute_notebook

    if run_folder is not None and data is not None:
        raise InputError("give --run DIR or --data PATH, not both.")
    with contextlib.ExitStack() as stack:
        if data is not None:
            run_folder = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "run"
            run(data=data, out=run_folder, lang="en", as_of=None, customers=0, seed=42)
        run_folder = run_folder or Path("out")
        if not (run_folder / "run.json").is_file():
            raise InputError(
                f"{run_folder}: no run.json; run `olistseg run --out {run_folder}` first."
            )
        with console().status("Executing the notebook..."):
            execute_notebook(run_folder, out)
    console().print(f"Written: {out}")


def _swap_into_place(partial: Path, final: Path) -> None:
    """Replace ``final`` by the finished ``partial`` folder (the old one is removed after)."""
    previous = final.with_name(final.name + ".previous")
    if previous.exists():
        shutil.rmtree(previous)
    if final.exists():
        final.rename(previous)
    partial.rename(final)
    if previous.exists():
        shutil.rmtree(previous)


def _run_deliverables_step(out: Path, lang: str) -> dict:
    """report.html, deck.pptx and notebook.ipynb, all from the run's outputs."""
    from olistseg.deliverables.collect import run_numbers
    from olistseg.deliverables.deck import build_deck
    from olistseg.deliverables.notebook import execute_notebook
    from olistseg.deliverables.report import build_report

    numbers = run_numbers(out)
    with console().status("Writing the report and the deck..."):
        write_text(out / "report.html", build_report(numbers, lang))
        build_deck(numbers, out / "deck.pptx", lang)
    with console().status("Executing the notebook..."):
        execute_notebook(out, out / "notebook.ipynb")
    console().print("Deliverables: report.html, deck.pptx, notebook.ipynb")
    return {"report": "report.html", "deck": "deck.pptx", "notebook": "notebook.ipynb"}


def _run_kpi_step(warehouse: Path, folder: Path, as_of: dt.datetime | None = None) -> dict:
    """Answer every KPI; write ``kpis.json`` and the offline ``dashboard.html`` into ``folder``."""
    from olistseg.kpi import export
    from olistseg.kpi.catalog import REQUIRED_QUESTIONS
    from olistseg.kpi.run import KpiParams, run_kpis
    from olistseg.warehouse.info import connect

    with console().status("Answering the KPI questions..."), connect(warehouse) as con:
        as_of, results = run_kpis(con, KpiParams(as_of=as_of))
    write_text(folder / "kpis.json", export.to_json(as_of, results))
    with console().status("Rendering the HTML dashboard..."):
        write_text(folder / "dashboard.html", export.to_html(as_of, results))
    console().print(f"KPIs: {folder / 'kpis.json'}, {folder / 'dashboard.html'}")
    return {
        "as_of": as_of.isoformat(sep=" "),
        "question_rows": {name: results[name].row_count for name in REQUIRED_QUESTIONS},
        "files": ["kpi/kpis.json", "kpi/dashboard.html"],
    }


def _run_segment_step(
    warehouse: Path, folder: Path, seed: int, as_of: dt.datetime | None = None
) -> dict:
    """Segment with the default candidates; outputs as `olistseg segment --out folder`."""
    from olistseg.segments.pipeline import segment
    from olistseg.warehouse.info import connect

    with connect(warehouse) as con, _progress("Segmenting", "Fitting") as on_candidate:
        summary = segment(con, folder, as_of=as_of, seed=seed, progress=on_candidate)
    _segments_table(summary)
    chosen = summary["chosen"]
    return {
        "as_of": summary["as_of"],
        "customers": summary["customers"],
        "algorithm": chosen["algorithm"],
        "k": chosen["n_clusters"],
        "silhouette": chosen["silhouette"],
        "stability_bootstrap": chosen["stability_bootstrap"],
        "selection_reason": summary["selection_reason"],
        "segments": [
            {k: s[k] for k in ("segment_id", "name", "share_customers", "share_revenue", "action")}
            for s in summary["segments"]
        ],
        "folder": folder.name,
    }


def _run_stability_step(
    warehouse: Path, folder: Path, model: Path, end: dt.datetime | None = None
) -> dict:
    """The stability simulation for the segmentation's model; outputs as `olistseg stability`."""
    from olistseg.models.candidates import ALGORITHMS
    from olistseg.segments.segmenter import Segmenter
    from olistseg.stability.report import run_stability
    from olistseg.stability.simulation import SimulationConfig
    from olistseg.warehouse.info import connect

    saved = Segmenter.load(model)
    algorithm = saved.chosen_.algorithm
    if not ALGORITHMS[algorithm].uses_k:  # density methods: simulate k-means with as many segments
        algorithm = "kmeans"
    config = SimulationConfig(algorithm=algorithm, k=len(saved.names_),
                              preset=saved.preset, seed=saved.seed)  # fmt: skip
    with connect(warehouse) as con, _progress("Simulating", "Simulating") as on_origin:
        result = run_stability(con, folder, config, end, progress=on_origin)
    _cadence_table(result)
    return {
        "cadence_weeks": result["cadence"]["weeks"],
        "cadence_days": result["cadence"]["days"],
        "cadence_reason": result["cadence"]["reason"],
        "threshold": result["cadence"]["threshold"],
        "limited_by_horizon": result["cadence"]["limited_by_horizon"],
        "baseline_noise_median": result["baseline_noise"]["median"],
        "origins": len(result["origins"]),
        "origins_left_out": len(result["origins_left_out"]),
        "retrain_seconds": result["retrain_seconds"],
        "simulation_seconds": result["timings"]["total_s"],
        "folder": folder.name,
    }


def entrypoint() -> None:
    """Console-script entry point: maps errors to exit codes 2 (bad input) and 1 (internal)."""
    try:
        app(standalone_mode=False)
    except InputError as exc:
        if state.debug:
            raise
        err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:
        # Usage errors: click's ClickException, vendored inside newer Typer releases.
        if callable(getattr(exc, "show", None)) and isinstance(
            getattr(exc, "exit_code", None), int
        ):
            exc.show()
            sys.exit(2)
        if state.debug:
            raise
        err_console.print(f"[bold red]internal error:[/] {type(exc).__name__}: {exc}")
        err_console.print("Run again with --debug for the traceback, and report it.")
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    entrypoint()
