"""``demo-data``, ``load`` and ``info``: data in, warehouse out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from olistseg import api
from olistseg.cli.app import DataOption, WarehouseOption, app, console
from olistseg.cli.render import files_table, info_table, progress, report_table


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
    campaign: Annotated[
        Path | None,
        typer.Option(
            "--campaign",
            help="A plan folder (olistseg campaigns) on this same shop: its customers buy again "
            "after each launch, the treated at (1 + --lift) times the held-out rate.",
        ),
    ] = None,
    lift: Annotated[
        float, typer.Option("--lift", help="Planted relative lift with --campaign (0.2 = +20%).")
    ] = 0.0,
) -> None:
    """Write a synthetic dataset in the Kaggle layout (same schema, realistic distributions)."""
    started = time.perf_counter()
    with console().status(f"Generating {customers:,} customers (seed {seed})..."):
        written = api.demo_data(
            out, customers, seed, file_format, change_date, geolocation, campaign, lift
        )
    files_table(written, time.perf_counter() - started)


@app.command("load")
def load_command(
    data: DataOption,
    warehouse: WarehouseOption = Path("out/warehouse/olist.duckdb"),
    encoding: Annotated[
        str,
        typer.Option(
            help="Text encoding of the CSV files (a file with a UTF-8 BOM is read as UTF-8)."
        ),
    ] = "utf-8",
    geolocation: Annotated[
        bool, typer.Option(help="Load the (large, optional) geolocation table.")
    ] = True,
) -> None:
    """Validate and load .csv, .csv.gz or .parquet tables, a .zip or an olist.db into DuckDB."""
    from olistseg.warehouse.load import report_path  # load's module only for `load`

    with progress(f"Loading {data}", "Loading") as on_table:
        report = api.load(
            data, warehouse, encoding=encoding, include_geolocation=geolocation, progress=on_table
        )
    report_table(report)
    console().print(f"Warehouse: [bold]{warehouse}[/]   report: {report_path(warehouse)}")


@app.command("info")
def info(warehouse: WarehouseOption = Path("out/warehouse/olist.duckdb")) -> None:
    """Row counts and date ranges of each table in a warehouse."""
    infos, quarantined = api.info(warehouse)
    info_table(warehouse, infos, quarantined)
