"""The same SQL files on SQLite (an olist.db as training courses build it) and PostgreSQL syntax."""

from __future__ import annotations

import math
import sqlite3
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlglot

from olistseg.data.schema import TABLES
from olistseg.kpi.catalog import compose, kpi_catalog
from olistseg.kpi.dialects import transpile
from olistseg.kpi.run import KpiParams, run_query
from olistseg.warehouse.now import default_as_of

SQLITE_KPIS = [name for name, m in kpi_catalog().items() if "sqlite" in m.dialects]


@pytest.fixture(scope="module")
def olist_db(synthetic_data: Path, tmp_path_factory) -> Path:
    """The synthetic tables in an olist.db: pandas defaults (zip codes become integers) + index."""
    path = tmp_path_factory.mktemp("sqlite") / "olist.db"
    with sqlite3.connect(path) as db:
        for t in TABLES:
            frame = pd.read_csv(synthetic_data / f"{t.kaggle_stem}.csv", encoding="utf-8-sig")
            frame.to_sql(t.sqlite_name, db, index=True)
    return path


def _same(a: object, b: object) -> bool:
    """Integers and text exactly; floats to 1e-9 relative (a rounding to 2 decimals in one
    dialect fails it)."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None:
            return a is b
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return a == b


def _half_cent_tie(a: object, b: object) -> bool:
    """Where the dialects truly differ: money rounded to cents at an exact half-cent tie
    (DuckDB averages DECIMAL exactly, SQLite averages REAL, e.g. 1786.33 / 14 = 127.595 gives
    127.59 and 127.6). Both values have cents only and are exactly one cent apart."""
    if not (isinstance(a, float) and isinstance(b, float)):
        return False
    cents = (round(a * 100), round(b * 100))
    return (
        all(math.isclose(v * 100, c, abs_tol=1e-6) for v, c in zip((a, b), cents, strict=True))
        and abs(cents[0] - cents[1]) == 1
    )


def test_most_kpis_run_on_sqlite():
    assert len(SQLITE_KPIS) >= 15
    assert {"late_recent_orders", "top_sellers", "new_engaged_sellers", "worst_zip_codes"} <= set(
        SQLITE_KPIS
    )


@pytest.mark.parametrize(
    "params",
    [{}, {"state": "SP"}, {"category": "health_beauty", "date_from": "2017-06-01 00:00:00"}],
)
def test_sqlite_returns_the_same_rows_as_duckdb(synthetic_warehouse: Path, olist_db: Path, params):
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        as_of = default_as_of(con)
        bound = KpiParams(as_of=as_of).bound(as_of) | params
        expected = {name: run_query(con, kpi_catalog()[name], bound).rows for name in SQLITE_KPIS}
    lite = sqlite3.connect(olist_db)
    compared = ties = 0
    for name in SQLITE_KPIS:
        sql = transpile(compose(kpi_catalog()[name]), "sqlite")
        got = [list(r) for r in lite.execute(sql, bound).fetchall()]
        assert len(got) == len(expected[name]), name
        for row_got, row_expected in zip(got, expected[name], strict=True):
            for a, b in zip(row_got, row_expected, strict=True):
                if _same(a, b):
                    continue
                assert _half_cent_tie(a, b), (name, row_got, row_expected)
                ties += 1
        compared += len(got)
    assert compared > 100  # the comparison is not vacuous
    assert ties <= max(2, compared // 100)  # a tie is rare; a systematic rounding is not one
    lite.close()


def test_sqlite_uses_the_course_table_names_and_no_intervals():
    sql = transpile(compose(kpi_catalog()["late_recent_orders"]), "sqlite")
    assert "INTERVAL" not in sql.upper()
    assert "DATETIME(p.as_of, '-3 months')" in sql
    satisfaction = transpile(compose(kpi_catalog()["satisfaction_by_category"]), "sqlite")
    assert "translation AS t" in satisfaction and "category_translation" not in satisfaction


def test_postgres_output_parses_as_postgres():
    for name, model in kpi_catalog().items():
        sql = transpile(compose(model), "postgres")
        sqlglot.parse_one(sql, read="postgres")  # raises on invalid syntax
        assert "%(as_of)s" in sql, name


def test_unknown_dialect():
    with pytest.raises(ValueError, match="duckdb, sqlite, postgres"):
        transpile("SELECT 1", "oracle")
