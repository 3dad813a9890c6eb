"""`olistseg kpi`: formats, --only, --show-sql, the offline HTML export."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb

from olistseg.kpi.catalog import REQUIRED_QUESTIONS
from olistseg.kpi.dialects import transpile
from olistseg.warehouse.now import analysis_date

from .conftest import CliResult, olistseg


def cli(*args: str) -> CliResult:
    """The CLI through its real entry point, in-process (no interpreter start-up per call)."""
    return olistseg(*args)


def test_json_shape(synthetic_warehouse: Path):
    result = cli(
        "kpi",
        "--warehouse",
        str(synthetic_warehouse),
        "--format",
        "json",
        "--only",
        "top_sellers",
        "--only",
        "orders_gmv",
    )
    assert result.returncode == 0, result.stderr
    payload = json.loads(result.stdout)
    assert set(payload) == {"as_of", "kpis"}
    assert list(payload["kpis"]) == ["top_sellers", "orders_gmv"]
    for entry in payload["kpis"].values():
        assert set(entry) == {"title", "question", "definition", "columns", "rows", "row_count"}
        assert entry["row_count"] == len(entry["rows"])
    # the default "now": the end of the last complete month (olistseg.warehouse.now)
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        now = analysis_date(con)
    assert payload["as_of"] == now.as_of.isoformat(sep=" ")
    assert "as of" in result.stderr and now.reason.split(";")[0] in " ".join(result.stderr.split())


def test_csv_and_as_of(synthetic_warehouse: Path, tmp_path: Path):
    result = cli(
        "kpi",
        "--warehouse",
        str(synthetic_warehouse),
        "--format",
        "csv",
        "--only",
        "orders_gmv",
        "--as-of",
        "2017-12-31",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "period,orders,gmv,avg_order_value"
    assert lines[-1].startswith("2017-12,")  # nothing after as_of
    several = cli(
        "-q",
        "kpi",
        "--warehouse",
        str(synthetic_warehouse),
        "--format",
        "csv",
        "--out",
        str(tmp_path / "csv"),
    )
    assert several.returncode == 0, several.stderr
    assert len(list((tmp_path / "csv").glob("*.csv"))) >= 16


def test_data_option_loads_a_temporary_warehouse(synthetic_data: Path):
    result = cli(
        "-q",
        "kpi",
        "--data",
        str(synthetic_data),
        "--format",
        "json",
        "--only",
        "late_recent_orders",
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["kpis"]["late_recent_orders"]["row_count"] > 0


def test_html_export_is_self_contained(synthetic_warehouse: Path, tmp_path: Path):
    out = tmp_path / "dashboard.html"
    result = cli(
        "-q", "kpi", "--warehouse", str(synthetic_warehouse), "--format", "html", "--out", str(out)
    )
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert not re.search(r"https?://", page)
    assert page.count("<svg") >= 10  # charts inline
    for name in REQUIRED_QUESTIONS:
        assert f'id="{name}"' in page
    assert "<script" not in page  # static: nothing to fetch or run


def test_show_sql_in_each_dialect():
    duck = cli("kpi", "--show-sql", "late_recent_orders")
    assert duck.returncode == 0 and "$as_of" in duck.stdout and "INTERVAL 3 MONTH" in duck.stdout
    lite = cli("kpi", "--show-sql", "late_recent_orders", "--dialect", "sqlite")
    assert (
        lite.returncode == 0
        and ":as_of" in lite.stdout
        and "DATETIME(p.as_of, '-3 months')" in lite.stdout
    )
    pg = cli("kpi", "--show-sql", "worst_zip_codes", "--dialect", "postgres")
    assert pg.returncode == 0 and "%(as_of)s" in pg.stdout
    assert lite.stdout.strip() == transpile(duck.stdout, "sqlite").strip()


def test_bad_kpi_options_exit_2(synthetic_warehouse: Path):
    unknown = cli("kpi", "--warehouse", str(synthetic_warehouse), "--only", "nope")
    assert unknown.returncode == 2 and "known: late_recent_orders" in unknown.stderr
    sqlite_median = cli("kpi", "--show-sql", "delivery_time", "--dialect", "sqlite")
    assert sqlite_median.returncode == 2 and "duckdb, postgres" in sqlite_median.stderr
    both = cli("kpi")
    assert both.returncode == 2 and "exactly one of --data" in both.stderr
    bad_date = cli("kpi", "--warehouse", str(synthetic_warehouse), "--as-of", "yesterday")
    assert bad_date.returncode == 2 and "YYYY-MM-DD" in bad_date.stderr
