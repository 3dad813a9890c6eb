"""Register the nine tables as Spark temp views, typed as the schema says.

Sources: a folder (or a shared store: ``s3a://``, ``hdfs://``, ``abfss://``...) of Parquet files
in the Kaggle names, as ``olistseg demo-data --format parquet`` writes; or a DuckDB warehouse,
whose validated tables are exported to Parquet first. Validation and quarantine are the DuckDB
loader's job: load and validate with ``olistseg load``, then hand the warehouse to Spark, or
point Spark at Parquet that an upstream job has already validated.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from olistseg.data.schema import DOUBLE, INTEGER, MONEY, TABLES, TIMESTAMP, ZIP, Table
from olistseg.errors import InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Spark types of the schema's DuckDB types. Money is read as DOUBLE: Spark's decimal
#: arithmetic rounds averages and ratios to a fixed scale, DuckDB's is exact then double.
SPARK_TYPES = {INTEGER: "BIGINT", DOUBLE: "DOUBLE", MONEY: "DOUBLE", TIMESTAMP: "TIMESTAMP_NTZ"}


def _typed(frame: DataFrame, table: Table, source: str) -> DataFrame:
    from pyspark.sql import functions as F

    missing = [c.name for c in table.columns if c.name not in frame.columns]
    if missing:
        raise InputError(f"{source}: table {table.name} lacks column(s) {', '.join(missing)}.")
    columns = []
    for column in table.columns:
        value = F.col(column.name)
        if column.dtype == ZIP:
            value = F.lpad(value.cast("STRING"), 5, "0")
        else:
            value = value.cast(SPARK_TYPES.get(column.dtype, "STRING"))
        columns.append(value.alias(column.name))
    return frame.select(*columns)


def _is_remote(path: str) -> bool:
    return "://" in path


def register_parquet_tables(spark: SparkSession, folder: str | Path) -> dict[str, int | None]:
    """Register every table found as ``<folder>/<kaggle stem>.parquet``; returns the tables.

    Optional tables (geolocation) may be absent; a missing required table is an
    :class:`InputError` naming the file.
    """
    folder = str(folder).rstrip("/")
    registered: dict[str, int | None] = {}
    for table in TABLES:
        path = f"{folder}/{table.kaggle_stem}.parquet"
        if not _is_remote(path) and not Path(path).exists():
            if table.required:
                raise InputError(f"{path}: missing (the Spark engine reads Parquet tables).")
            continue
        frame = spark.read.parquet(path)
        _typed(frame, table, path).createOrReplaceTempView(table.name)
        registered[table.name] = None
    return registered


def export_warehouse(warehouse: str | Path, folder: str | Path) -> Path:
    """Write the validated tables of a DuckDB warehouse to ``folder`` as Kaggle-named Parquet."""
    from olistseg.warehouse.info import connect

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with connect(warehouse) as con:
        present = {
            row[0] for row in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
        }
        for table in TABLES:
            if table.name in present:
                target = folder / f"{table.kaggle_stem}.parquet"
                con.execute(f"COPY {table.name} TO '{target}' (FORMAT parquet)")
    return folder


def register_source(
    spark: SparkSession, data: str | Path | None = None, warehouse: str | Path | None = None
) -> tempfile.TemporaryDirectory | None:
    """Register the tables of ``data`` (a Parquet folder or URL) or of a DuckDB ``warehouse``.

    Returns the temporary export folder of a warehouse (keep it alive while Spark reads it).
    """
    if (data is None) == (warehouse is None):
        raise InputError("give the Spark engine --data (a Parquet folder) or --warehouse.")
    if warehouse is not None:
        tmp = tempfile.TemporaryDirectory(prefix="olistseg-spark-")
        export_warehouse(warehouse, tmp.name)
        register_parquet_tables(spark, tmp.name)
        return tmp
    if not _is_remote(str(data)) and not Path(data).is_dir():
        raise InputError(f"{data}: the Spark engine reads a folder of Parquet tables.")
    register_parquet_tables(spark, data)
    return None
