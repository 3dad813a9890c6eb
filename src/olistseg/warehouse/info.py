"""What a warehouse holds: row counts and date ranges per table, and the quarantine size."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from olistseg.data.schema import TABLES, TIMESTAMP
from olistseg.errors import InputError
from olistseg.warehouse.validate import quote_ident


@dataclass(frozen=True)
class TableInfo:
    """Rows of one warehouse table and the date range (first, last day) of each timestamp column."""

    table: str
    rows: int
    date_ranges: dict[str, tuple[str | None, str | None]]


def connect(warehouse: str | Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """Open an existing warehouse (read-only by default) or raise :class:`InputError`."""
    path = Path(warehouse)
    if not path.is_file():
        raise InputError(f"{path}: no warehouse there. Build one with `olistseg load`.")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise InputError(f"{path}: not a readable DuckDB warehouse ({exc}).") from exc
    # DuckDB's own progress bar would print over the Rich output of the CLI.
    con.execute("SET enable_progress_bar = false")
    limit_memory(con)
    return con


#: Share of the machine's memory DuckDB may hold; the rest is for pandas, numpy and models.
DUCKDB_MEMORY_SHARE = 0.25


def limit_memory(con: duckdb.DuckDBPyConnection) -> str:
    """Cap DuckDB's buffer memory (it spills larger joins and aggregates to disk).

    DuckDB's default, 80% of RAM, suits a database server; here the same process then holds
    the feature table and the model, and 10 million customers were killed for memory at 22 GB.
    Default: a quarter of physical memory (6 GB on a 24 GB machine); ``OLISTSEG_DUCKDB_MEMORY``
    (e.g. ``8GB``) overrides it. Returns the limit set.
    """
    limit = os.environ.get("OLISTSEG_DUCKDB_MEMORY")
    if not limit:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
        limit = f"{max(1, int(total * DUCKDB_MEMORY_SHARE / 2**20))}MB"
    con.execute(f"SET memory_limit = '{limit}'")
    spill = Path(tempfile.gettempdir()) / "olistseg-duckdb"
    con.execute(f"SET temp_directory = '{spill}'")
    return limit


def warehouse_info(con: duckdb.DuckDBPyConnection) -> tuple[list[TableInfo], int]:
    """Per-table row counts and timestamp ranges, and the number of quarantined rows."""
    infos = []
    for table in TABLES:
        rows = con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
        ranges = {}
        for column in table.columns:
            if column.dtype == TIMESTAMP:
                ident = quote_ident(column.name)
                lo, hi = con.execute(
                    f"SELECT min({ident}), max({ident}) FROM {table.name}"
                ).fetchone()
                ranges[column.name] = (
                    lo.date().isoformat() if lo else None,
                    hi.date().isoformat() if hi else None,
                )
        infos.append(TableInfo(table.name, int(rows), ranges))
    quarantined = con.execute("SELECT count(*) FROM quarantine").fetchone()[0]
    return infos, int(quarantined)
