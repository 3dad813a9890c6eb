"""``kpi`` and ``dashboard``: the Customer Experience questions."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Annotated

import typer

from olistseg import api
from olistseg.cli.app import (
    AsOfOption,
    DataInput,
    EngineDataInput,
    EngineOption,
    SparkMasterOption,
    WarehouseInput,
    app,
    console,
    timestamp,
)
from olistseg.cli.render import kpi_tables
from olistseg.errors import InputError, OlistsegWarning
from olistseg.warehouse.load import input_warehouse


@app.command("kpi")
def kpi(
    data: EngineDataInput = None,
    warehouse: WarehouseInput = None,
    as_of: AsOfOption = None,
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
    from olistseg.kpi.dialects import sql_for
    from olistseg.kpi.export import FORMATS, write_results
    from olistseg.kpi.run import KpiParams

    if show_sql:
        typer.echo(sql_for(show_sql, dialect))
        return
    if output_format not in FORMATS:
        raise InputError(f"--format {output_format!r}: choose table, json, csv or html.")
    params = KpiParams(
        as_of=timestamp(as_of),
        date_from=timestamp(date_from, "--date-from"),
        date_to=timestamp(date_to, "--date-to"),
        state=state,
        category=category,
    )
    with console().status("Answering the KPI questions..."):
        as_of_used, results = api.kpis(data, warehouse, params, only, engine, spark_master)
    if output_format == "table":
        kpi_tables(as_of_used, results)
        return
    text, written = write_results(as_of_used, results, output_format, out)
    if text is not None:
        sys.stdout.write(text)
    elif len(written) == 1:
        console().print(f"Written: {written[0]}")
    else:
        console().print(f"{len(written)} CSV files in {out}")


@app.command("dashboard")
def dashboard(
    data: DataInput = None,
    warehouse: WarehouseInput = None,
    port: Annotated[int, typer.Option(help="Port to serve on.")] = 8501,
    address: Annotated[
        str,
        typer.Option(
            "--host",
            "--address",
            help="Address to bind: 127.0.0.1 (this machine only) unless you mean to share it.",
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the Streamlit dashboard (read-only, offline, no usage statistics)."""
    from importlib import resources

    from olistseg.dashboard.serve import check_port_free, exposure_warning, streamlit_command

    exposed = exposure_warning(address, port)
    if exposed:
        warnings.warn(exposed, OlistsegWarning, stacklevel=1)
    check_port_free(address, port)
    app_path = resources.files("olistseg.dashboard").joinpath("app.py")
    with input_warehouse(data, warehouse) as path:
        if not path.is_file():
            raise InputError(f"{path}: no warehouse there. Build one with `olistseg load`.")
        command = streamlit_command(Path(str(app_path)), path, address, port)
        console().print(f"Dashboard on http://{address}:{port} (Ctrl+C to stop)")
        env = {**os.environ, "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
        with subprocess.Popen(command, env=env) as server:
            try:
                code = server.wait()
            except KeyboardInterrupt:  # Ctrl+C or SIGTERM: stop the server, clean up, exit
                server.terminate()
                server.wait(timeout=30)
                raise
    raise typer.Exit(code)
