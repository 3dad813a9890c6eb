"""Input formats: find each Olist table in a folder, a ``.zip`` or an ``olist.db`` SQLite file.

A source *stages* a table into DuckDB as text (every column ``VARCHAR``, values exactly as read),
so that validation, typing and quarantine happen in one place (:mod:`olistseg.warehouse.load`)
whatever the input format. Structural CSV problems (a row with too many or too few fields) are
returned as :class:`Reject` records rather than dropped.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gzip
import io
import os
import shutil
import sqlite3
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from olistseg.data.schema import TABLES, Table
from olistseg.errors import InputError

CSV_SUFFIXES = (".csv", ".csv.gz")
PARQUET_SUFFIX = ".parquet"
SQLITE_MAGIC = b"SQLite format 3\x00"
#: A ``.zip`` whose Olist members would unpack to more than this is refused before anything is
#: written (a zip bomb fills the disk). 64 GiB holds ten times a ten-million-customer export;
#: ``OLISTSEG_MAX_UNPACKED_BYTES`` sets another limit.
MAX_UNPACKED_BYTES = 64 * 1024**3


@dataclass(frozen=True)
class Reject:
    """A record the CSV reader could not split into the header's columns.

    ``record_index`` is the 0-based index among the file's data records, ``reason`` says why.
    """

    record_index: int
    reason: str
    raw_text: str


@dataclass
class StagedTable:
    """A table staged as text in DuckDB, with what is needed to locate each row in its source.

    ``row_kind`` says what :attr:`first_row` counts: ``"line"`` (CSV line, header is line 1),
    ``"index"`` (the SQLite ``index`` column) or ``"row"`` (1-based Parquet row).
    """

    table: Table
    source_file: str
    staged_name: str
    columns: list[str]
    row_kind: str
    first_row: int
    rejects: list[Reject] = field(default_factory=list)
    index_column: str | None = None


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def read_csv_header(path: Path, encoding: str = "utf-8") -> list[str]:
    """The column names on the first line of a ``.csv`` or ``.csv.gz`` file.

    Raises :class:`InputError` for an empty file, a corrupt or truncated gzip stream, or a header
    that is not valid text in ``encoding``. A UTF-8 byte-order mark is ignored.
    """
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            first_line = handle.readline()
    except (OSError, EOFError, zlib.error) as exc:
        raise InputError(
            f"{path.name}: cannot be read as {'gzip' if opener is gzip.open else 'a file'} "
            f"({exc}). The file is probably truncated or corrupt; download it again."
        ) from exc
    if not first_line.strip():
        expected = ", ".join(_expected_for(path))
        raise InputError(
            f"{path.name}: the file is empty (no header line). Expected a CSV header with the "
            f"columns: {expected}."
        )
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = first_line.decode(codec)
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{path.name}: line 1 is not valid {encoding} ({exc.reason} at byte {exc.start}). "
            "Re-save the file as UTF-8, or load it with --encoding latin-1."
        ) from exc
    return next(csv.reader(io.StringIO(text)))


def _expected_for(path: Path) -> list[str]:
    for table in TABLES:
        if path.name.startswith(table.kaggle_stem):
            return table.column_names
    return []


def file_encoding(path: Path, encoding: str) -> str:
    """The encoding to read ``path`` with: UTF-8 when the file starts with a UTF-8 byte-order
    mark (Kaggle's translation table does), whatever ``--encoding`` says for the others."""
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as handle:
            start = handle.read(3)
    except (OSError, EOFError, zlib.error):
        return encoding  # read_csv_header reports the unreadable file
    return "utf-8" if start == codecs.BOM_UTF8 else encoding


def _stage_csv(
    con: duckdb.DuckDBPyConnection, table: Table, path: Path, staged: str, encoding: str
) -> StagedTable:
    encoding = file_encoding(path, encoding)
    header = read_csv_header(path, encoding)
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        raise InputError(f"{path.name}: the header repeats the column(s) {', '.join(duplicates)}.")
    columns_sql = "{" + ", ".join(f"{_quote_literal(c)}: 'VARCHAR'" for c in header) + "}"
    rejects_table, rejects_scan = f"{staged}_rejects", f"{staged}_rejects_scan"
    try:
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE {staged} AS
            SELECT * FROM read_csv(
                {_quote_literal(str(path))}, header = true, delim = ',', quote = '"',
                escape = '"', columns = {columns_sql}, auto_detect = false,
                encoding = {_quote_literal(encoding)}, store_rejects = true,
                rejects_table = {_quote_literal(rejects_table)},
                rejects_scan = {_quote_literal(rejects_scan)}, max_line_size = 10000000)
            """
        )
    except duckdb.Error as exc:
        message = str(exc).splitlines()[0]
        hint = " The gzip stream is truncated or corrupt." if "GZIP" in message.upper() else ""
        raise InputError(f"{path.name}: could not be read as CSV ({message}).{hint}") from exc
    rejects = []
    rows = con.execute(
        f"SELECT line, error_type, error_message, csv_line FROM {rejects_table} ORDER BY line"
    ).fetchall()
    con.execute(f"DROP TABLE IF EXISTS {rejects_table}; DROP TABLE IF EXISTS {rejects_scan}")
    for line, error_type, message, csv_line in rows:
        if error_type == "INVALID ENCODING":
            raise InputError(
                f"{path.name}: line {line} is not valid {encoding} ({message}). The file looks "
                "latin-1 (ISO-8859-1) encoded: re-save it as UTF-8, or load it with "
                "--encoding latin-1."
            )
        # DuckDB numbers lines by record with the header as line 1.
        rejects.append(Reject(int(line) - 2, f"{error_type.lower()}: {message}", csv_line or ""))
    return StagedTable(table, path.name, staged, header, "line", 2, rejects)


def _stage_parquet(
    con: duckdb.DuckDBPyConnection, table: Table, path: Path, staged: str
) -> StagedTable:
    try:
        names = [
            row[0]
            for row in con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
        ]
        select = ", ".join(
            f"CAST({_quote_ident(n)} AS VARCHAR) AS {_quote_ident(n)}" for n in names
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {staged} AS SELECT {select} "
            f"FROM read_parquet({_quote_literal(str(path))})"
        )
    except duckdb.Error as exc:
        raise InputError(f"{path.name}: could not be read as Parquet ({exc}).") from exc
    return StagedTable(table, path.name, staged, names, "row", 1)


class Source:
    """Where the tables come from. Use as a context manager; :meth:`stage` loads one table."""

    description: str = ""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release temporary files, if any."""

    def locate(self, table: Table) -> str | None:
        """A label for where ``table`` is found, or ``None`` if the source lacks it."""
        raise NotImplementedError

    def stage(
        self, con: duckdb.DuckDBPyConnection, table: Table, staged: str, encoding: str = "utf-8"
    ) -> StagedTable:
        """Stage ``table`` as text in the temporary DuckDB table ``staged``."""
        raise NotImplementedError


class FolderSource(Source):
    """A folder with the Kaggle file names, each as ``.csv``, ``.csv.gz`` or ``.parquet``."""

    def __init__(self, folder: Path, label: str | None = None) -> None:
        self.folder = folder
        self.description = label or f"folder {folder}"
        self.warnings: list[str] = []

    def _candidates(self, table: Table) -> list[Path]:
        names = [table.kaggle_stem + s for s in (*CSV_SUFFIXES, PARQUET_SUFFIX)]
        return [self.folder / n for n in names if (self.folder / n).is_file()]

    def path_for(self, table: Table) -> Path | None:
        """The file holding ``table``: ``.csv`` first, then ``.csv.gz``, then ``.parquet``."""
        found = self._candidates(table)
        if len(found) > 1:
            self.warnings.append(
                f"{table.name}: several files ({', '.join(p.name for p in found)}); "
                f"using {found[0].name}"
            )
        return found[0] if found else None

    def locate(self, table: Table) -> str | None:
        path = self.path_for(table)
        return path.name if path else None

    def stage(
        self, con: duckdb.DuckDBPyConnection, table: Table, staged: str, encoding: str = "utf-8"
    ) -> StagedTable:
        path = self.path_for(table)
        if path is None:
            raise InputError(f"{table.kaggle_filename} is missing from {self.folder}.")
        if path.name.endswith(PARQUET_SUFFIX):
            return _stage_parquet(con, table, path, staged)
        return _stage_csv(con, table, path, staged, encoding)


class ZipSource(FolderSource):
    """A ``.zip`` of the Kaggle folder; the members may sit in a sub-folder.

    Before anything is unpacked, the archive is refused when a member's name climbs out of the
    extraction folder (``..``, an absolute path), when the Olist members would unpack to more
    than :func:`unpacked_limit` bytes or to more than the free space of the temporary folder.
    Members are read no further than the size their header declares.
    """

    def __init__(self, archive: Path) -> None:
        wanted = {t.kaggle_stem + s for t in TABLES for s in (*CSV_SUFFIXES, PARQUET_SUFFIX)}
        try:
            with zipfile.ZipFile(archive) as zf:
                members = [i for i in zf.infolist() if not i.is_dir()]
                _check_members(archive, members, wanted)
                self._tmp = tempfile.TemporaryDirectory(prefix="olistseg-zip-")
                try:
                    for info in members:
                        name = Path(info.filename).name
                        if name in wanted:
                            target = Path(self._tmp.name) / name
                            with zf.open(info) as src, open(target, "wb") as dst:
                                while chunk := src.read(1 << 22):
                                    dst.write(chunk)
                except BaseException:
                    self._tmp.cleanup()
                    raise
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{archive.name}: not a readable zip archive ({exc}).") from exc
        super().__init__(Path(self._tmp.name), label=f"zip {archive}")

    def close(self) -> None:
        self._tmp.cleanup()


def unpacked_limit() -> int:
    """:data:`MAX_UNPACKED_BYTES`, or ``OLISTSEG_MAX_UNPACKED_BYTES`` when set."""
    value = os.environ.get("OLISTSEG_MAX_UNPACKED_BYTES")
    if value is None:
        return MAX_UNPACKED_BYTES
    try:
        return int(value)
    except ValueError as exc:
        raise InputError(
            f"OLISTSEG_MAX_UNPACKED_BYTES={value!r} is not a number of bytes."
        ) from exc


def _check_members(archive: Path, members: list[zipfile.ZipInfo], wanted: set[str]) -> None:
    """Refuse ``archive`` (nothing written yet) for a climbing name or an oversized content."""
    for info in members:
        parts = Path(info.filename.replace("\\", "/")).parts
        if info.filename.startswith(("/", "\\")) or ".." in parts or ":" in info.filename:
            raise InputError(
                f"{archive.name}: the member {info.filename!r} would unpack outside the "
                "extraction folder; the archive is refused and nothing was unpacked."
            )
    size = sum(i.file_size for i in members if Path(i.filename).name in wanted)
    limit = unpacked_limit()
    if size > limit:
        raise InputError(
            f"{archive.name}: its Olist tables would unpack to {size:,} bytes, above the limit "
            f"of {limit:,} (OLISTSEG_MAX_UNPACKED_BYTES); nothing was unpacked. Unpack it "
            "yourself and load the folder if it is genuine."
        )
    free = shutil.disk_usage(tempfile.gettempdir()).free
    if size > free:
        raise InputError(
            f"{archive.name}: its Olist tables would unpack to {size:,} bytes, more than the "
            f"{free:,} free in {tempfile.gettempdir()}; nothing was unpacked. Set TMPDIR to a "
            "larger disk, or unpack it yourself and load the folder."
        )


class SqliteSource(Source):
    """The ``olist.db`` SQLite file of training courses (tables ``orders``, ``order_pymts``, ...).

    Each table carries an extra ``index`` column (pandas' ``to_sql``), which locates rows in the
    quarantine; zip-code prefixes stored as integers are zero-padded back by validation.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = f"SQLite {path}"
        try:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            self._tables = {
                row[0]
                for row in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.Error as exc:
            raise InputError(f"{path.name}: not a readable SQLite database ({exc}).") from exc

    def close(self) -> None:
        self._db.close()

    def _name(self, table: Table) -> str | None:
        for candidate in (table.sqlite_name, table.name, table.kaggle_stem):
            if candidate in self._tables:
                return candidate
        return None

    def locate(self, table: Table) -> str | None:
        name = self._name(table)
        return f"{self.path.name}:{name}" if name else None

    def stage(
        self, con: duckdb.DuckDBPyConnection, table: Table, staged: str, encoding: str = "utf-8"
    ) -> StagedTable:
        name = self._name(table)
        if name is None:
            raise InputError(f"{self.path.name}: table {table.sqlite_name} is missing.")
        cursor = self._db.execute(f"SELECT * FROM {_quote_ident(name)}")
        columns = [d[0] for d in cursor.description]
        batches = []
        while rows := cursor.fetchmany(200_000):
            arrays = [
                pa.array([None if v is None else str(v) for v in col], type=pa.string())
                for col in zip(*rows, strict=True)
            ]
            batches.append(pa.record_batch(arrays, names=columns))
        arrow = pa.Table.from_batches(
            batches, schema=pa.schema([(c, pa.string()) for c in columns])
        )
        con.register("_sqlite_arrow", arrow)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {staged} AS SELECT * FROM _sqlite_arrow")
        con.unregister("_sqlite_arrow")
        index_column = "index" if "index" in columns else None
        data_columns = [c for c in columns if c != index_column]
        return StagedTable(
            table, f"{self.path.name}:{name}", staged, data_columns, "index", 0, [], index_column
        )


def open_source(path: str | Path) -> Source:
    """The :class:`Source` for ``path``: a folder, a ``.zip`` or a SQLite file."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder.")
    if path.is_dir():
        return FolderSource(path)
    with open(path, "rb") as handle:
        magic = handle.read(16)
    if magic == SQLITE_MAGIC:
        return SqliteSource(path)
    if zipfile.is_zipfile(path):
        return ZipSource(path)
    raise InputError(
        f"{path}: expected a folder of Kaggle CSV files, a .zip of it, or an olist.db SQLite file."
    )


@contextlib.contextmanager
def opened(path: str | Path) -> Iterator[Source]:
    """``with opened(path) as source:`` closes the source's temporary files afterwards."""
    source = open_source(path)
    try:
        yield source
    finally:
        source.close()
