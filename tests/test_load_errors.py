"""Bad inputs: each gives a clear error (exit code 2) or a quarantine row with file, row, reason."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from olistseg.data.schema import TABLES_BY_NAME
from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.errors import InputError
from olistseg.warehouse.load import load, report_path

from .conftest import CliResult, olistseg


@pytest.fixture(scope="module")
def small_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small")
    write(SyntheticConfig(customers=300, seed=3, with_geolocation=False), folder)
    return folder


@pytest.fixture
def data(small_data: Path, tmp_path: Path) -> Path:
    """A fresh, mutable copy of the small dataset."""
    copy = tmp_path / "data"
    shutil.copytree(small_data, copy)
    return copy


def csv_path(folder: Path, table: str) -> Path:
    return folder / f"{TABLES_BY_NAME[table].kaggle_stem}.csv"


def edit_lines(path: Path, edit) -> None:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(edit(lines)), encoding="utf-8")


def quarantine(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT table_name, source_file, source_row, column_name, reason FROM quarantine "
            "ORDER BY table_name, source_row"
        ).fetchall()


def assert_invariant(report) -> None:
    for t in report.tables:
        assert t.rows_read == t.rows_loaded + t.rows_quarantined, t.table


def test_clean_load_has_no_quarantine_and_no_orphans(data: Path, tmp_path: Path):
    report = load(data, tmp_path / "w.duckdb")
    assert_invariant(report)
    assert report.rows_quarantined == 0
    assert all(t.rows_orphaned == 0 for t in report.tables)
    assert "geolocation: not in the source (optional)" in " ".join(report.warnings)


def test_missing_file(data: Path, tmp_path: Path):
    csv_path(data, "order_payments").unlink()
    with pytest.raises(InputError, match=r"olist_order_payments_dataset\.csv"):
        load(data, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.parametrize(
    ("header_from", "header_to", "missing"),
    [
        (",price,", ",", "price"),  # column removed
        (",price,", ",item_price,", "price"),  # column renamed
    ],
)
def test_missing_or_renamed_column(data: Path, tmp_path: Path, header_from, header_to, missing):
    path = csv_path(data, "order_items")

    def drop_or_rename(lines):
        header = lines[0].replace(header_from, header_to)
        if header_to == ",":  # drop that field in every row too
            index = lines[0].strip().split(",").index("price")
            rows = [
                ",".join(v for i, v in enumerate(r.rstrip("\n").split(",")) if i != index) + "\n"
                for r in lines[1:]
            ]
            return [header, *rows]
        return [header, *lines[1:]]

    edit_lines(path, drop_or_rename)
    with pytest.raises(InputError) as info:
        load(data, tmp_path / "w.duckdb")
    message = str(info.value)
    assert "olist_order_items_dataset.csv" in message
    assert f"missing column(s) {missing}" in message
    assert "Expected the columns: order_id, order_item_id" in message


def test_unknown_extra_column_is_ignored_with_a_warning(data: Path, tmp_path: Path):
    edit_lines(
        csv_path(data, "sellers"),
        lambda ls: [ls[0].rstrip("\n") + ",rating\n"] + [r.rstrip("\n") + ",5\n" for r in ls[1:]],
    )
    report = load(data, tmp_path / "w.duckdb")
    sellers = next(t for t in report.tables if t.table == "sellers")
    assert sellers.extra_columns == ["rating"]
    assert any("extra column(s) rating ignored" in w for w in report.warnings)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        columns = [r[0] for r in con.execute("DESCRIBE sellers").fetchall()]
    assert columns == TABLES_BY_NAME["sellers"].column_names


def test_latin1_file_names_file_and_line(data: Path, tmp_path: Path):
    path = csv_path(data, "customers")
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[5] = lines[5].replace(lines[5].split(",")[3], "s\u00e3o paulo")
    path.write_bytes("".join(lines).encode("latin-1"))
    with pytest.raises(
        InputError,
        match=r"olist_customers_dataset\.csv: line 6 is not valid utf-8.*--encoding latin-1",
    ):
        load(data, tmp_path / "w.duckdb")
    report = load(data, tmp_path / "w.duckdb", encoding="latin-1")  # the suggested fix works
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert (
            con.execute(
                "SELECT count(*) FROM customers WHERE customer_city = 'são paulo'"
            ).fetchone()[0]
            == 1
        )
    assert report.rows_quarantined == 0


def test_truncated_gzip(data: Path, tmp_path: Path):
    path = csv_path(data, "orders")
    payload = gzip.compress(path.read_bytes())
    path.unlink()
    path.with_suffix(".csv.gz").write_bytes(payload[: len(payload) // 2])
    with pytest.raises(InputError, match=r"olist_orders_dataset\.csv\.gz.*truncated or corrupt"):
        load(data, tmp_path / "w.duckdb")


def test_empty_file(data: Path, tmp_path: Path):
    csv_path(data, "sellers").write_bytes(b"")
    with pytest.raises(
        InputError, match=r"olist_sellers_dataset\.csv: the file is empty.*seller_id"
    ):
        load(data, tmp_path / "w.duckdb")


def test_header_only_file_loads_zero_rows_with_a_warning(data: Path, tmp_path: Path):
    edit_lines(csv_path(data, "order_reviews"), lambda ls: ls[:1])
    report = load(data, tmp_path / "w.duckdb")
    reviews = next(t for t in report.tables if t.table == "order_reviews")
    assert (reviews.rows_read, reviews.rows_loaded) == (0, 0)
    assert any("header only" in w for w in report.warnings)


def test_unparseable_timestamp_negative_price_and_duplicate_key(data: Path, tmp_path: Path):
    def break_orders(lines):
        fields = lines[3].split(",")
        fields[3] = "2017-02-30 10:00:00"  # no such day
        lines[3] = ",".join(fields)
        lines.append(lines[7])  # the same order_id again, at the last line
        return lines

    def negative_price(lines):
        fields = lines[2].split(",")
        fields[5] = "-" + fields[5]
        lines[2] = ",".join(fields)
        return lines

    edit_lines(csv_path(data, "orders"), break_orders)
    edit_lines(csv_path(data, "order_items"), negative_price)
    report = load(data, tmp_path / "w.duckdb")
    assert_invariant(report)
    rows = quarantine(tmp_path / "w.duckdb")
    n_orders = len(csv_path(data, "orders").read_text().splitlines())
    by_table = {(r[0], r[2]): r for r in rows}
    bad_ts = by_table[("orders", 4)]
    assert bad_ts[1] == "olist_orders_dataset.csv"
    assert bad_ts[3] == "order_purchase_timestamp"
    assert bad_ts[4] == "unparseable timestamp '2017-02-30 10:00:00'"
    dup = by_table[("orders", n_orders)]
    assert dup[3] == "order_id" and dup[4] == "duplicate primary key (order_id)"
    price = by_table[("order_items", 3)]
    assert price[3] == "price" and price[4].startswith("negative value '-")
    counts = {t.table: t.rows_quarantined for t in report.tables}
    assert counts["orders"] == 2 and counts["order_items"] == 1


def test_orphan_order_items_are_counted_and_reported(data: Path, tmp_path: Path):
    def orphan(lines):
        fields = lines[1].split(",")
        fields[0] = "f" * 32
        return [lines[0], ",".join(fields), *lines[2:]]

    edit_lines(csv_path(data, "order_items"), orphan)
    report = load(data, tmp_path / "w.duckdb")
    items = next(t for t in report.tables if t.table == "order_items")
    assert items.rows_orphaned == 1
    assert items.orphans["order_id -> orders"] == 1
    assert items.rows_loaded == items.rows_read  # loaded, but reported
    assert any(
        "order_items: 1 row(s) whose order_id -> orders has no match" in w for w in report.warnings
    )


def test_review_score_range_and_line_numbers_after_multiline_comments(
    tmp_path: Path, small_data: Path
):
    data = tmp_path / "data"
    shutil.copytree(small_data, data)
    header = '"review_id","order_id","review_score","review_comment_title","review_comment_message","review_creation_date","review_answer_timestamp"\r\n'
    order_ids = [
        line.split(",")[0].strip('"')
        for line in csv_path(data, "orders").read_text().splitlines()[1:4]
    ]
    body = (
        f'"{"a" * 32}","{order_ids[0]}",5,,"linha um\r\nlinha dois\r\n""citado""",2018-01-01 00:00:00,2018-01-02 10:00:00\r\n'  # lines 2-4
        f'"{"b" * 32}","{order_ids[1]}",7,,,2018-01-01 00:00:00,2018-01-02 10:00:00\r\n'  # line 5: score 7
        f'"{"c" * 32}","{order_ids[2]}",4,,,2018-01-01 00:00:00\r\n'  # line 6: a field short
        f'"{"d" * 32}","{order_ids[2]}",0,,"x\r\ny",2018-01-01 00:00:00,2018-01-02 10:00:00\r\n'  # lines 7-8
    )
    csv_path(data, "order_reviews").write_bytes((header + body).encode())
    report = load(data, tmp_path / "w.duckdb")
    assert_invariant(report)
    reviews = next(t for t in report.tables if t.table == "order_reviews")
    assert (reviews.rows_read, reviews.rows_loaded, reviews.rows_quarantined) == (4, 1, 3)
    rows = [r for r in quarantine(tmp_path / "w.duckdb") if r[0] == "order_reviews"]
    assert [r[2] for r in rows] == [5, 6, 7]
    assert rows[0][4] == "value above the maximum '7' (must be <= 5)"
    assert "missing columns" in rows[1][4]
    assert rows[2][4] == "value below the minimum '0' (must be >= 1)"
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        message = con.execute("SELECT review_comment_message FROM order_reviews").fetchone()[0]
    assert message == 'linha um\r\nlinha dois\r\n"citado"'


def test_failed_load_leaves_previous_warehouse_intact(data: Path, tmp_path: Path):
    warehouse = tmp_path / "w.duckdb"
    first = load(data, warehouse)
    before = warehouse.read_bytes()
    report_before = report_path(warehouse).read_text()
    csv_path(data, "products").write_bytes(b"")
    with pytest.raises(InputError):
        load(data, warehouse)
    assert warehouse.read_bytes() == before
    assert report_path(warehouse).read_text() == report_before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data",
        "w.duckdb",
        "w.duckdb.load_report.json",
    ]
    assert first.rows_quarantined == 0


def test_load_is_idempotent(data: Path, tmp_path: Path):
    a = load(data, tmp_path / "w.duckdb")
    b = load(data, tmp_path / "w.duckdb")
    strip = lambda r: [(t.table, t.rows_read, t.rows_loaded, t.rows_quarantined) for t in r.tables]  # noqa: E731
    assert strip(a) == strip(b)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == a.tables[5].rows_loaded


def run_cli(*args: str) -> CliResult:
    """The CLI through its real entry point, in-process (no interpreter start-up per call)."""
    return olistseg(*args)


def test_cli_bad_input_exits_2_with_a_message_and_no_traceback(data: Path, tmp_path: Path):
    csv_path(data, "customers").unlink()
    result = run_cli("load", "--data", str(data), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert "olist_customers_dataset.csv" in result.stderr
    assert "Traceback" not in result.stderr
    debug = run_cli(
        "--debug", "load", "--data", str(data), "--warehouse", str(tmp_path / "w.duckdb")
    )
    assert debug.returncode != 0 and "Traceback" in debug.stderr


def test_cli_load_writes_report_and_info_reads_it(data: Path, tmp_path: Path):
    warehouse = tmp_path / "wh" / "olist.duckdb"
    result = run_cli("load", "--data", str(data), "--warehouse", str(warehouse))
    assert result.returncode == 0, result.stderr
    assert "Load report" in result.stdout
    report = json.loads(report_path(warehouse).read_text())
    assert {t["table"] for t in report["tables"]} >= {"orders", "order_items"}
    info = run_cli("info", "--warehouse", str(warehouse))
    assert info.returncode == 0 and "order_purchase_timestamp" in info.stdout
    missing = run_cli("info", "--warehouse", str(tmp_path / "nope.duckdb"))
    assert missing.returncode == 2 and "olistseg load" in missing.stderr


def test_every_quarantine_reason_with_its_row_and_raw_values(data: Path, tmp_path: Path):
    def orders(lines):
        fields = lines[2].split(",")
        fields[0] = ""  # order_id is required
        lines[2] = ",".join(fields)
        lines[5] = lines[5].rstrip("\n") + ",surplus\n"  # one field too many
        return lines

    def items(lines):
        a, b = lines[1].split(","), lines[4].split(",")
        a[1] = "x"  # order_item_id: not an integer
        b[5] = "abc"  # price: not a number
        lines[1], lines[4] = ",".join(a), ",".join(b)
        return lines

    def customers(lines):
        fields = lines[3].split(",")
        fields[2] = '"12A45"'  # not a zip-code prefix
        lines[3] = ",".join(fields)
        return lines

    def reviews(lines):
        return lines  # untouched: its line numbers must stay as they are

    edit_lines(csv_path(data, "orders"), orders)
    edit_lines(csv_path(data, "order_items"), items)
    edit_lines(csv_path(data, "customers"), customers)
    edit_lines(csv_path(data, "order_reviews"), reviews)
    report = load(data, tmp_path / "w.duckdb")
    assert_invariant(report)
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        rows = con.execute(
            "SELECT table_name, row_kind, source_row, column_name, reason, raw_values "
            "FROM quarantine ORDER BY table_name, source_row"
        ).fetchall()
    by = {(r[0], r[2]): r for r in rows}
    assert by[("orders", 3)][3:5] == ("order_id", "missing value in a required column")
    assert "too many" in by[("orders", 6)][4].lower()
    assert by[("order_items", 2)][3:5] == ("order_item_id", "not an integer 'x'")
    assert by[("order_items", 5)][3:5] == ("price", "not a number 'abc'")
    assert by[("customers", 4)][3:5] == (
        "customer_zip_code_prefix",
        "not a zip-code prefix of up to 5 digits '12A45'",
    )
    assert {r[1] for r in rows} == {"line"}
    raw = json.loads(by[("order_items", 5)][5])
    assert raw["price"] == "abc" and raw["order_item_id"] not in (None, "")
    assert len(rows) == 5


def test_parquet_and_sqlite_quarantine_locations(small_data: Path, tmp_path: Path):
    import sqlite3

    import pandas as pd

    parquet = tmp_path / "parquet"
    parquet.mkdir()
    for table in TABLES_BY_NAME.values():
        src = small_data / f"{table.kaggle_stem}.csv"
        if src.is_file():
            frame = pd.read_csv(src, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if table.name == "order_items":
                frame.loc[7, "price"] = "-1.00"
            frame.to_parquet(parquet / f"{table.kaggle_stem}.parquet", index=False)
    load(parquet, tmp_path / "p.duckdb")
    db = tmp_path / "olist.db"
    with sqlite3.connect(db) as con:
        for table in TABLES_BY_NAME.values():
            src = small_data / f"{table.kaggle_stem}.csv"
            if src.is_file():
                frame = pd.read_csv(src, encoding="utf-8-sig")
                if table.name == "order_items":
                    frame.loc[7, "price"] = -1.0
                frame.to_sql(table.sqlite_name, con, index=True)
    load(db, tmp_path / "s.duckdb")
    # Parquet rows are 1-based (data row 8 = frame index 7); SQLite gives pandas' index column
    for warehouse, kind, row, source in (
        ("p.duckdb", "row", 8, "olist_order_items_dataset.parquet"),
        ("s.duckdb", "index", 7, "order_items"),
    ):
        with duckdb.connect(str(tmp_path / warehouse), read_only=True) as con:
            found = con.execute(
                "SELECT row_kind, source_row, source_file, column_name FROM quarantine"
            ).fetchall()
        assert len(found) == 1, (warehouse, found)
        assert found[0][0] == kind and found[0][1] == row and source in found[0][2]
        assert found[0][3] == "price"


def test_several_files_for_one_table_warn_and_the_csv_wins(data: Path, tmp_path: Path):
    orders = csv_path(data, "orders")
    with gzip.open(orders.with_suffix(".csv.gz"), "wb") as gz:
        gz.write(b"garbage that is never read\n")
    report = load(data, tmp_path / "w.duckdb")
    assert any(
        "orders: several files" in w and "using olist_orders_dataset.csv" in w
        for w in report.warnings
    )
    assert next(t for t in report.tables if t.table == "orders").rows_quarantined == 0


def test_a_corrupt_zip_is_a_clear_error(data: Path, tmp_path: Path):
    archive = tmp_path / "olist.zip"
    shutil.make_archive(str(archive.with_suffix("")), "zip", data)
    raw = bytearray(archive.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 64] = bytes(64)  # damage a member's compressed bytes
    archive.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"olist.zip: not a readable zip archive"):
        load(archive, tmp_path / "w.duckdb")
    assert not (tmp_path / "w.duckdb").exists()
