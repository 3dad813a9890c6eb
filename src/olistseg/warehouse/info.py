"""What a warehouse holds: row counts and date ranges per table, and the quarantine size."""

from __future__ import annotations

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
    return con


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
