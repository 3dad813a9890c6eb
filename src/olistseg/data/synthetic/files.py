"""``write``: the synthetic shop in the Kaggle layout (CSV, gzip or Parquet), chunked at scale."""

from __future__ import annotations

import contextlib
import json
from dataclasses import asdict, replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from olistseg.atomic import atomic_path
from olistseg.data.schema import TABLES_BY_NAME
from olistseg.data.synthetic.distributions import GROUPS
from olistseg.data.synthetic.generate import SyntheticConfig, generate


def _select_in_kaggle_format(name: str) -> str:
    """SELECT list that formats money with two decimals, as Kaggle's files do."""
    if name not in TABLES_BY_NAME:
        return "*"
    columns = []
    for column in TABLES_BY_NAME[name].columns:
        ident = f'"{column.name}"'
        if column.dtype.startswith("DECIMAL"):
            columns.append(f"CAST({ident} AS DECIMAL(12,2)) AS {ident}")
        else:
            columns.append(ident)
    return ", ".join(columns)


#: Customers generated per chunk when writing Parquet: memory stays that of one chunk.
CHUNK_CUSTOMERS = 1_000_000


def _chunk_configs(config: SyntheticConfig, chunk_customers: int) -> list[SyntheticConfig]:
    """The chunks a Parquet dataset is generated in; chunk 0 keeps the seed, so a dataset of
    one chunk is the same as the unchunked one."""
    sizes = [chunk_customers] * (config.customers // chunk_customers)
    if config.customers % chunk_customers or not sizes:
        sizes.append(config.customers % chunk_customers or config.customers)
    return [
        replace(
            config,
            customers=size,
            seed=config.seed + 1_000_003 * index,
            with_geolocation=config.with_geolocation and index == 0,
        )
        for index, size in enumerate(sizes)
    ]


def write(
    config: SyntheticConfig, out: str | Path, chunk_customers: int = CHUNK_CUSTOMERS
) -> dict[str, Path]:
    """Generate the dataset and write it to ``out`` in the Kaggle layout; return the files.

    Parquet is written in chunks of ``chunk_customers`` customers, each chunk appended to the
    files as row groups: 10 million customers need the memory of one million. Each chunk is
    an independent region of the marketplace (its own customers, products and sellers, seed
    ``seed + 1_000_003 * chunk``); the category translation is written once, the geolocation
    table with the first chunk. CSV is written in one piece.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "_truth").mkdir(exist_ok=True)
    chunks = (
        _chunk_configs(config, chunk_customers) if config.file_format == "parquet" else [config]
    )
    written: dict[str, Path] = {}
    writers: dict[str, pq.ParquetWriter] = {}
    rows: dict[str, int] = {}
    # Each file goes through atomic_path; its Parquet writer is closed before the rename
    # (ExitStack unwinds in reverse) and, on an error, the temporary files are removed.
    with contextlib.ExitStack() as files, contextlib.closing(duckdb.connect()) as con:
        for index, chunk in enumerate(chunks):
            for name, arrow in generate(chunk).items():
                if index > 0 and name == "category_translation":
                    continue
                rows[name] = rows.get(name, 0) + arrow.num_rows
                con.register("_arrow", arrow)
                if name not in written:
                    written[name] = _kaggle_path(out, name, config.file_format)
                if config.file_format == "parquet":
                    formatted = con.sql(
                        f"SELECT {_select_in_kaggle_format(name)} FROM _arrow"
                    ).to_arrow_table()
                    if name not in writers:
                        tmp = files.enter_context(atomic_path(written[name]))
                        writers[name] = pq.ParquetWriter(tmp, formatted.schema, compression="zstd")
                        files.callback(writers[name].close)
                    writer = writers[name]
                    writer.write_table(formatted.cast(writer.schema), row_group_size=1_000_000)
                else:
                    _copy_csv(con, name, written[name], config.file_format)
                con.unregister("_arrow")
                del arrow
    meta = asdict(config) | {
        "groups": [asdict(g) for g in GROUPS],
        "rows": rows,
        "chunks": len(chunks),
    }
    (out / "_truth" / "synthetic.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return written


def _kaggle_path(out: Path, name: str, fmt: str) -> Path:
    if name == "_truth":
        return (
            out
            / "_truth"
            / ("customer_groups.parquet" if fmt == "parquet" else "customer_groups.csv")
        )
    return out / f"{TABLES_BY_NAME[name].kaggle_stem}.{fmt}"


def _copy_csv(con: duckdb.DuckDBPyConnection, name: str, path: Path, fmt: str) -> None:
    options = (
        "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S'"
        + (", COMPRESSION gzip" if fmt == "csv.gz" else "")
    )
    with atomic_path(path) as tmp:
        con.execute(
            f"COPY (SELECT {_select_in_kaggle_format(name)} FROM _arrow) TO '{tmp}' ({options})"
        )
