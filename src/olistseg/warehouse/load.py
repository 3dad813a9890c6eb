"""Build the DuckDB warehouse from a source: validate, type, quarantine, report.

The invariant, per table: ``rows_read = rows_loaded + rows_quarantined``. A row that fails a rule
of :mod:`olistseg.data.schema` (unparseable value, negative money, score outside 1..5, duplicate
primary key, missing key, a date a clean dataset cannot have: see :mod:`olistseg.warehouse.dates`)
goes to the ``quarantine`` table with its source file, row (CSV line), column and reason. Orphan
foreign keys are loaded, counted and reported.

The build is atomic: the warehouse is written to a temporary file beside the target and renamed
over it only when everything succeeded, so a failed load leaves the previous warehouse intact.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np

from olistseg import __version__
from olistseg.atomic import atomic_path, write_json
from olistseg.data.schema import TABLES, TABLES_BY_NAME, Table
from olistseg.data.sources import Source, StagedTable, opened
from olistseg.errors import InputError
from olistseg.warehouse.dates import apply_row_checks, flag_future_purchases
from olistseg.warehouse.info import limit_memory
from olistseg.warehouse.validate import parse_expr, problem_exprs, quote_ident, quote_literal

QUARANTINE_DDL = """
CREATE TABLE quarantine (
    table_name VARCHAR NOT NULL,     -- warehouse table the row was meant for
    source_file VARCHAR NOT NULL,    -- file (or SQLite file:table) it came from
    row_kind VARCHAR NOT NULL,       -- what source_row counts: line | index | row
    source_row BIGINT,               -- CSV line number (header = line 1), SQLite index, Parquet row
    column_name VARCHAR NOT NULL,    -- the column(s) at fault, comma-separated
    reason VARCHAR NOT NULL,         -- why, with the offending value
    raw_values VARCHAR               -- the row as read, as JSON
)
"""

#: The load report beside a warehouse ``NAME.duckdb`` is ``NAME.duckdb.load_report.json``, so
#: two warehouses in one folder keep a report each.
REPORT_SUFFIX = ".load_report.json"

ProgressCallback = Callable[[str, int, int], None]


@dataclass
class TableReport:
    """What happened to one table during a load."""

    table: str
    source: str | None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_orphaned: int = 0
    orphans: dict[str, int] = field(default_factory=dict)
    extra_columns: list[str] = field(default_factory=list)
    seconds: float = 0.0


@dataclass
class LoadReport:
    """The load report, written as JSON beside the warehouse and into its ``olistseg_meta``."""

    source: str
    warehouse: str
    tables: list[TableReport]
    orders_first_purchase: str | None
    orders_last_purchase: str | None
    warnings: list[str]
    olistseg_version: str = __version__
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @property
    def rows_quarantined(self) -> int:
        return sum(t.rows_quarantined for t in self.tables)


def report_path(warehouse: str | Path) -> Path:
    """Where the JSON load report of ``warehouse`` lives: ``WAREHOUSE.load_report.json``."""
    warehouse = Path(warehouse)
    return warehouse.with_name(warehouse.name + REPORT_SUFFIX)


def load(
    data: str | Path,
    warehouse: str | Path,
    *,
    encoding: str = "utf-8",
    include_geolocation: bool = True,
    progress: ProgressCallback | None = None,
    relocate: tuple[Path, Path] | None = None,
) -> LoadReport:
    """Load the Olist tables at ``data`` into the DuckDB file ``warehouse`` (replaced atomically).

    Raises :class:`InputError` (nothing written) when a required table or column is missing or a
    file cannot be read at all. Returns the :class:`LoadReport`, also written to
    ``WAREHOUSE.load_report.json`` beside the warehouse. ``relocate=(built, final)``: paths
    under the folder ``built`` are recorded under ``final``, where they will be once the
    caller moves them (``olistseg run`` builds in ``OUT.partial``).
    """
    started = time.perf_counter()
    warehouse = Path(warehouse)
    with opened(data) as source, atomic_path(warehouse) as tmp:
        _check_required_tables(source, Path(data))
        con = duckdb.connect(str(tmp))
        limit_memory(con)
        try:
            report = _build(con, source, encoding, include_geolocation, progress)
            report.warehouse = str(warehouse)
            if relocate is not None:
                report.source = _relocated(report.source, *relocate)
                report.warehouse = _relocated(report.warehouse, *relocate)
            report.seconds = round(time.perf_counter() - started, 3)
            con.execute(
                "INSERT INTO olistseg_meta VALUES ('load_report', ?)",
                [json.dumps(report.to_dict(), default=str)],
            )
            con.execute("CHECKPOINT")
        finally:
            con.close()
    write_json(report_path(warehouse), report.to_dict())
    return report


def _relocated(text: str, built: Path, final: Path) -> str:
    return text.replace(str(Path(built).resolve()), str(Path(final).resolve()))


def _check_required_tables(source: Source, data: Path) -> None:
    missing = [t for t in TABLES if t.required and source.locate(t) is None]
    if missing:
        names = ", ".join(t.kaggle_filename for t in missing)
        raise InputError(
            f"{data}: missing required table(s): {names} (each may be .csv, .csv.gz or .parquet; "
            "in an olist.db the tables "
            f"{', '.join(t.sqlite_name for t in missing)}). Only the geolocation table is optional."
        )


def _build(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    encoding: str,
    include_geolocation: bool,
    progress: ProgressCallback | None,
) -> LoadReport:
    con.execute(QUARANTINE_DDL)
    con.execute("CREATE TABLE olistseg_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
    warnings: list[str] = []
    reports: list[TableReport] = []
    wanted = [t for t in TABLES if include_geolocation or t.name != "geolocation"]
    for position, table in enumerate(wanted):
        if progress:
            progress(table.name, position, len(wanted))
        if source.locate(table) is None:
            warnings.append(
                f"{table.name}: not in the source (optional); an empty table is created"
            )
            _create_empty(con, table)
            reports.append(TableReport(table.name, None))
            continue
        t0 = time.perf_counter()
        staged = source.stage(con, table, f"staged_{table.name}", encoding)
        report = _load_table(con, staged, warnings)
        report.seconds = round(time.perf_counter() - t0, 3)
        reports.append(report)
    if progress:
        progress("foreign keys", len(wanted), len(wanted))
    _count_orphans(con, reports, warnings)
    warnings.extend(getattr(source, "warnings", []))
    first, last = con.execute(
        "SELECT min(order_purchase_timestamp), max(order_purchase_timestamp) FROM orders"
    ).fetchone()
    return LoadReport(
        source=source.description,
        warehouse="",
        tables=reports,
        orders_first_purchase=first.isoformat(sep=" ") if first else None,
        orders_last_purchase=last.isoformat(sep=" ") if last else None,
        warnings=warnings,
    )


def _create_empty(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    cols = ", ".join(f"{quote_ident(c.name)} {c.sql_type}" for c in table.columns)
    con.execute(f"CREATE TABLE {table.name} ({cols})")


def _load_table(
    con: duckdb.DuckDBPyConnection, staged: StagedTable, warnings: list[str]
) -> TableReport:
    table = staged.table
    missing = [c for c in table.column_names if c not in staged.columns]
    if missing:
        raise InputError(
            f"{staged.source_file}: missing column(s) {', '.join(missing)}. "
            f"Expected the columns: {', '.join(table.column_names)}. "
            f"Found: {', '.join(staged.columns)}."
        )
    extra = [c for c in staged.columns if c not in table.column_names]
    if extra:
        warnings.append(
            f"{staged.source_file}: extra column(s) {', '.join(extra)} ignored "
            "(kept out of the typed table)"
        )
    name = staged.staged_name
    typed = ", ".join(f"{parse_expr(c)} AS {quote_ident(c.name)}" for c in table.columns)
    problems = ", ".join(p for c in table.columns for p in problem_exprs(c))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE checked AS
        SELECT rowid AS _record, {typed},
               list_filter([{problems}], lambda p: p IS NOT NULL) AS _problems
        FROM {name}
        """
    )
    if table.primary_key:
        key = ", ".join(quote_ident(c) for c in table.primary_key)
        dup_reason = quote_literal(f"duplicate primary key ({', '.join(table.primary_key)})")
        key_label = quote_literal(", ".join(table.primary_key))
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE checked AS
            SELECT * REPLACE (
                CASE WHEN len(_problems) = 0
                      AND row_number() OVER (PARTITION BY {key} ORDER BY _record) > 1
                     THEN [{{'column': {key_label}, 'reason': {dup_reason}}}]
                     ELSE _problems END AS _problems)
            FROM checked
            """
        )
    apply_row_checks(con, table)
    if table.name == "orders":
        flag_future_purchases(con, warnings, staged.source_file)
    cols = ", ".join(quote_ident(c) for c in table.column_names)
    con.execute(
        f"CREATE TABLE {table.name} AS SELECT {cols} FROM checked "
        "WHERE len(_problems) = 0 ORDER BY _record"
    )
    _quarantine(con, staged)
    loaded = con.execute(f"SELECT count(*) FROM {table.name}").fetchone()[0]
    quarantined = con.execute(
        "SELECT count(*) FROM quarantine WHERE table_name = ?", [table.name]
    ).fetchone()[0]
    read = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0] + len(staged.rejects)
    if read == 0:
        warnings.append(f"{staged.source_file}: header only, no data rows")
    con.execute(f"DROP TABLE {name}; DROP TABLE checked")
    return TableReport(
        table.name, staged.source_file, read, loaded, quarantined, extra_columns=extra
    )


def _quarantine(con: duckdb.DuckDBPyConnection, staged: StagedTable) -> None:
    """Copy the rejected and rule-breaking rows of ``staged`` into ``quarantine``."""
    table, name = staged.table, staged.staged_name
    raw_cols = ", ".join(f"{quote_ident(c)} := s.{quote_ident(c)}" for c in staged.columns)
    bad = con.execute(
        f"""
        SELECT c._record,
               array_to_string(list_transform(c._problems, lambda p: p.column), ', '),
               array_to_string(list_transform(c._problems, lambda p: p.reason), '; '),
               to_json(struct_pack({raw_cols}))::VARCHAR
               {", s." + quote_ident(staged.index_column) if staged.index_column else ""}
        FROM checked c JOIN {name} s ON s.rowid = c._record
        WHERE len(c._problems) > 0
        ORDER BY c._record
        """
    ).fetchall()
    if not bad and not staged.rejects:
        return
    rows: list[tuple] = []
    if staged.row_kind == "index":
        for record, column, reason, raw, *index in bad:
            position = int(index[0]) if index and index[0] is not None else record
            rows.append((position, column, reason, raw))
    else:
        locate = _line_locator(con, staged, [r[0] for r in bad])
        rows.extend((locate(r[0]), r[1], r[2], r[3]) for r in bad)
        for reject in staged.rejects:
            rows.append(
                (
                    locate.reject(reject.record_index),
                    "(row)",
                    reject.reason,
                    json.dumps({"csv_line": reject.raw_text}),
                )
            )
    con.executemany(
        "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(table.name, staged.source_file, staged.row_kind, *row) for row in rows],
    )


class _LineLocator:
    """Maps a staged record (or a rejected record) to its line in the source file.

    The line of a record is the first line plus the records before it (kept or rejected) plus the
    line breaks inside quoted fields of the kept records before it.
    """

    def __init__(
        self,
        first_row: int,
        reject_indices: list[int],
        newlines_before: dict[int, int],
        newline_prefix: Callable[[int], int],
    ) -> None:
        self.first_row = first_row
        self.rejects = np.asarray(sorted(reject_indices), dtype=np.int64)
        # The i-th reject (sorted) has rejects[i] - i kept records before it.
        self.kept_before_reject = self.rejects - np.arange(len(self.rejects))
        self.newlines_before = newlines_before
        self.newline_prefix = newline_prefix

    def __call__(self, kept_index: int) -> int:
        rejects_before = int(np.searchsorted(self.kept_before_reject, kept_index, side="right"))
        newlines = self.newlines_before.get(kept_index, 0)
        return self.first_row + kept_index + rejects_before + newlines

    def reject(self, record_index: int) -> int:
        kept_before = record_index - int(np.searchsorted(self.rejects, record_index))
        return self.first_row + record_index + self.newline_prefix(kept_before)


def _line_locator(
    con: duckdb.DuckDBPyConnection, staged: StagedTable, records: list[int]
) -> _LineLocator:
    name = staged.staged_name
    text_cols = [quote_ident(c) for c in staged.columns]
    newline_count = " + ".join(
        f"coalesce(length({c}) - length(replace({c}, chr(10), '')), 0)" for c in text_cols
    )
    has_newlines = con.execute(
        f"SELECT coalesce(bool_or({' OR '.join(f'contains({c}, chr(10))' for c in text_cols)}), "
        f"false) FROM {name}"
    ).fetchone()[0]
    if not has_newlines:
        return _LineLocator(
            staged.first_row, [r.record_index for r in staged.rejects], {}, lambda kept_before: 0
        )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE _newline_prefix AS
        SELECT rowid AS kept_index,
               coalesce(sum({newline_count}) OVER (ORDER BY rowid ROWS BETWEEN UNBOUNDED
                        PRECEDING AND 1 PRECEDING), 0) AS newlines_before
        FROM {name}
        """
    )
    wanted = sorted(set(records))
    found = (
        dict(
            con.execute(
                "SELECT kept_index, newlines_before FROM _newline_prefix "
                "WHERE kept_index IN (SELECT unnest(?))",
                [wanted],
            ).fetchall()
        )
        if wanted
        else {}
    )

    def prefix(kept_before: int) -> int:
        row = con.execute(
            "SELECT newlines_before FROM _newline_prefix WHERE kept_index = ?", [kept_before]
        ).fetchone()
        return int(row[0]) if row else 0

    return _LineLocator(
        staged.first_row,
        [r.record_index for r in staged.rejects],
        {int(k): int(v) for k, v in found.items()},
        prefix,
    )


def _count_orphans(
    con: duckdb.DuckDBPyConnection, reports: list[TableReport], warnings: list[str]
) -> None:
    loaded = {r.table for r in reports if r.source is not None}
    for report in reports:
        table = TABLES_BY_NAME[report.table]
        conditions = []
        for fk in table.foreign_keys:
            if report.table not in loaded or fk.ref_table not in loaded:
                continue
            join = " AND ".join(
                f"p.{quote_ident(rc)} = c.{quote_ident(cc)}"
                for cc, rc in zip(fk.columns, fk.ref_columns, strict=True)
            )
            not_null = " AND ".join(f"c.{quote_ident(cc)} IS NOT NULL" for cc in fk.columns)
            condition = f"({not_null} AND NOT EXISTS (SELECT 1 FROM {fk.ref_table} p WHERE {join}))"
            count = con.execute(
                f"SELECT count(*) FROM {report.table} c WHERE {condition}"
            ).fetchone()[0]
            label = f"{', '.join(fk.columns)} -> {fk.ref_table}"
            report.orphans[label] = int(count)
            if count:
                warnings.append(f"{report.table}: {count} row(s) whose {label} has no match")
            conditions.append(condition)
        if conditions:
            report.rows_orphaned = int(
                con.execute(
                    f"SELECT count(*) FROM {report.table} c WHERE {' OR '.join(conditions)}"
                ).fetchone()[0]
            )


@contextlib.contextmanager
def input_warehouse(
    data: str | Path | None = None,
    warehouse: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> Iterator[Path]:
    """The warehouse a command reads: ``warehouse``, or ``data`` loaded into a temporary one.

    Exactly one of the two must be given (else :class:`InputError`). The temporary warehouse
    and its folder are removed when the block ends, also on an error or a SIGTERM turned into
    an exception by the caller.
    """
    if (data is None) == (warehouse is None):
        raise InputError("give exactly one of --data PATH or --warehouse FILE.")
    if warehouse is not None:
        yield Path(warehouse)
        return
    with tempfile.TemporaryDirectory(prefix="olistseg-") as tmp:
        path = Path(tmp) / "olist.duckdb"
        load(data, path, progress=progress)
        yield path
