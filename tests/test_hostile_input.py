"""Hostile and clumsy input: impossible dates, climbing or oversized archives, broken CSV bytes,
two writers of one output folder. Each case ends in quarantine with a reason or a clear exit 2,
and nothing a user wrote is lost."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import duckdb
import pytest

from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.runfolder import building, lock_path
from olistseg.warehouse.dates import FUTURE_LIMIT_DAYS
from olistseg.warehouse.load import load
from olistseg.warehouse.now import analysis_date

from .conftest import olistseg

ORDERS = "olist_orders_dataset.csv"


@pytest.fixture(scope="module")
def small_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("small_shop")
    write(SyntheticConfig(customers=400, seed=19), folder)
    return folder


def _copy(shop: Path, tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(shop, data, ignore=shutil.ignore_patterns("_truth"))
    return data


def _order_rows(data: Path) -> tuple[list[str], list[list[str]]]:
    with open(data / ORDERS, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return rows[0], rows[1:]


def _append_orders(data: Path, rows: list[list[str]]) -> None:
    with open(data / ORDERS, "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def _quarantine(warehouse: Path) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "SELECT table_name, source_row, column_name, reason FROM quarantine ORDER BY 2"
        ).fetchall()


# --- timestamps a clean dataset cannot have ----------------------------------------------------


def _shifted(row: list[str], header: list[str], order_id: str, **dates: str) -> list[str]:
    out = list(row)
    out[header.index("order_id")] = order_id
    for column, value in dates.items():
        out[header.index(column)] = value
    return out


def test_impossible_dates_are_quarantined_and_never_move_now(small_shop, tmp_path):
    clean = load(small_shop, tmp_path / "clean.duckdb")
    data = _copy(small_shop, tmp_path)
    header, rows = _order_rows(data)
    delivered = next(r for r in rows if r[header.index("order_status")] == "delivered")
    stray = [
        _shifted(
            delivered,
            header,
            f"{n:032x}",
            order_purchase_timestamp=when,
            order_approved_at=when,
            order_delivered_customer_date=when,
        )
        for n, when in enumerate(["2027-03-09 10:00:00", "2041-11-23 08:30:00"], start=1)
    ]
    epoch = _shifted(delivered, header, f"{3:032x}", order_purchase_timestamp="1970-01-01 00:00:00")
    backwards = _shifted(
        delivered,
        header,
        f"{4:032x}",
        order_purchase_timestamp="2018-03-14 12:00:00",
        order_delivered_customer_date="2018-03-02 12:00:00",
    )
    _append_orders(data, [*stray, epoch, backwards])
    report = load(data, tmp_path / "w.duckdb")
    orders = next(t for t in report.tables if t.table == "orders")
    assert orders.rows_read == len(rows) + 4
    assert orders.rows_quarantined == 4 and orders.rows_loaded == len(rows)
    reasons = {row[1]: row[3] for row in _quarantine(tmp_path / "w.duckdb")}
    first_added = len(rows) + 2  # CSV line of the first appended row (header is line 1)
    assert f"more than {FUTURE_LIMIT_DAYS} days after" in reasons[first_added]
    assert "2041-11-23" in reasons[first_added + 1]
    assert "date before 2000-01-01" in reasons[first_added + 2]
    assert "before it was purchased" in reasons[first_added + 3]
    assert report.orders_last_purchase == clean.orders_last_purchase
    with (
        duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as dirty,
        duckdb.connect(str(tmp_path / "clean.duckdb"), read_only=True) as reference,
    ):
        assert analysis_date(dirty) == analysis_date(reference)


def test_a_tail_within_the_limit_is_kept_with_a_warning(small_shop, tmp_path):
    data = _copy(small_shop, tmp_path)
    header, rows = _order_rows(data)
    last = max(r[header.index("order_purchase_timestamp")] for r in rows)
    year, month = int(last[:4]), int(last[5:7])
    next_month = f"{year + month // 12}-{month % 12 + 1:02d}-05 09:00:00"
    late = _shifted(
        rows[0],
        header,
        "f" * 32,
        order_purchase_timestamp=next_month,
        order_approved_at=next_month,
        order_delivered_carrier_date="",
        order_delivered_customer_date="",
        order_status="processing",
    )
    _append_orders(data, [late])
    report = load(data, tmp_path / "w.duckdb")
    assert next(t for t in report.tables if t.table == "orders").rows_quarantined == 0
    warning = next(w for w in report.warnings if "kept" in w)
    assert f"{next_month[:7]} (1)" in warning and "default analysis date ignores" in warning


# --- archives -----------------------------------------------------------------------------------


def _zip(folder: Path, archive: Path, rename: dict[str, str] | None = None) -> Path:
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(folder.iterdir()):
            if path.is_file():
                zf.write(path, (rename or {}).get(path.name, f"olist/{path.name}"))
    return archive


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """A temporary folder of the test's own, to see whether anything was unpacked."""
    folder = tmp_path / "tmpdir"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.mark.parametrize(
    "member",
    [
        "../../olist_orders_dataset.csv",
        "/etc/olist_orders_dataset.csv",
        "olist/../../olist_orders_dataset.csv",
        "C:\\olist\\olist_orders_dataset.csv",
    ],
)
def test_a_member_that_climbs_out_is_refused_before_anything_is_unpacked(
    member, small_shop, tmp_path, private_tmp
):
    archive = _zip(small_shop, tmp_path / "shop.zip")
    with zipfile.ZipFile(archive, "a") as zf:  # a ZipInfo keeps the name as given, unsanitised
        zf.writestr(zipfile.ZipInfo(member), (small_shop / ORDERS).read_bytes())
    result = olistseg("load", "--data", str(archive), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert "outside the extraction folder" in result.said and repr(member) in result.said
    assert list(private_tmp.iterdir()) == [] and not (tmp_path / "w.duckdb").exists()


def test_an_archive_above_the_unpacked_limit_is_refused(
    small_shop, tmp_path, private_tmp, monkeypatch
):
    archive = _zip(small_shop, tmp_path / "shop.zip")
    with zipfile.ZipFile(archive) as zf:
        unpacked = sum(i.file_size for i in zf.infolist() if i.filename.endswith(".csv"))
    monkeypatch.setenv("OLISTSEG_MAX_UNPACKED_BYTES", str(unpacked - 1))
    result = olistseg("load", "--data", str(archive), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2 and f"{unpacked:,} bytes" in result.said
    assert list(private_tmp.iterdir()) == []
    monkeypatch.setenv("OLISTSEG_MAX_UNPACKED_BYTES", str(unpacked))
    loaded = olistseg("load", "--data", str(archive), "--warehouse", str(tmp_path / "w.duckdb"))
    assert loaded.returncode == 0, loaded.said


def test_a_zip_bomb_member_is_refused_without_filling_the_disk(tmp_path, private_tmp, monkeypatch):
    archive = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open(ORDERS, "w", force_zip64=True) as member,
    ):
        for _ in range(64):
            member.write(b"\0" * (1 << 20))
    assert archive.stat().st_size < 1 << 20
    monkeypatch.setenv("OLISTSEG_MAX_UNPACKED_BYTES", str(32 << 20))
    result = olistseg("load", "--data", str(archive), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2 and "above the limit" in result.said
    assert list(private_tmp.iterdir()) == []


# --- broken CSV bytes ---------------------------------------------------------------------------


def _rewrite_orders(data: Path, edit) -> None:
    lines = (data / ORDERS).read_bytes().split(b"\n")
    edit(lines)
    (data / ORDERS).write_bytes(b"\n".join(lines))


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("nul", "NUL byte"),
        ("one_megabyte_field", "characters (at most 100,000)"),
        ("ten_megabyte_field", "line size"),
        ("ten_megabyte_quoted_field", "line size"),
    ],
)
def test_broken_bytes_go_to_quarantine_with_their_line(case, said, small_shop, tmp_path):
    data = _copy(small_shop, tmp_path)

    def edit(lines: list[bytes]) -> None:
        if case == "nul":
            lines[4] = lines[4][:7] + b"\x00" + lines[4][7:]
        elif case == "one_megabyte_field":
            lines[4] = lines[4].replace(b",delivered,", b"," + b"x" * (1 << 20) + b",", 1)
        elif case == "ten_megabyte_field":
            lines[4] = lines[4].replace(b",delivered,", b"," + b"y" * (10 << 20) + b",", 1)
        else:
            lines[4] = lines[4].replace(b",delivered,", b',"' + b"z," * (5 << 20) + b'",', 1)

    _rewrite_orders(data, edit)
    report = load(data, tmp_path / "w.duckdb")
    orders = next(t for t in report.tables if t.table == "orders")
    assert orders.rows_read == orders.rows_loaded + orders.rows_quarantined
    assert orders.rows_quarantined == 1
    [(table, line, _column, reason)] = _quarantine(tmp_path / "w.duckdb")
    assert (table, line) == ("orders", 5)
    assert said in reason


def test_a_mixed_encoding_is_refused_with_its_line(small_shop, tmp_path):
    data = _copy(small_shop, tmp_path)

    def edit(lines: list[bytes]) -> None:
        lines[9] = lines[9].replace(b"delivered", "livr\xe9".encode("latin-1"), 1)

    _rewrite_orders(data, edit)
    result = olistseg("load", "--data", str(data), "--warehouse", str(tmp_path / "w.duckdb"))
    assert result.returncode == 2
    assert "olist_orders_dataset.csv: line 10" in result.said and "latin-1" in result.said
    assert not (tmp_path / "w.duckdb").exists()


# --- one writer per output folder ---------------------------------------------------------------

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from olistseg.runfolder import output_lock
    with output_lock(Path(sys.argv[1])):
        print("locked", flush=True)
        time.sleep(float(sys.argv[2]))
    """
)


def _hold(out: Path, seconds: float) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(out), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout.readline().strip() == "locked"
    return process


def test_a_second_writer_is_refused_at_once_naming_the_first(tmp_path, synthetic_warehouse):
    out = tmp_path / "segments"
    holder = _hold(out, 60)
    try:
        started = time.perf_counter()
        result = olistseg(
            "segment",
            "--warehouse",
            str(synthetic_warehouse),
            "--out",
            str(out),
            "--k-range",
            "2-4",
        )
        assert result.returncode == 2 and time.perf_counter() - started < 10
        assert f"process {holder.pid}" in result.said and "--wait" in result.said
        assert not out.exists() and not Path(f"{out}.partial").exists()
    finally:
        holder.kill()
        holder.wait()


def test_with_wait_the_second_writer_starts_when_the_first_is_done(tmp_path):
    out = tmp_path / "out"
    holder = _hold(out, 1.5)
    started = time.perf_counter()
    with building(out, wait=True) as partial:
        (partial / "result.txt").write_text("second")
    assert time.perf_counter() - started >= 1.0
    assert (out / "result.txt").read_text() == "second"
    assert not lock_path(out).exists() and holder.wait(timeout=30) == 0


def test_a_lock_left_by_a_killed_run_does_not_block(tmp_path):
    out = tmp_path / "out"
    holder = _hold(out, 60)
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    assert lock_path(out).exists()  # the killed run could not clean up
    info = json.loads(lock_path(out).read_text())
    assert info["pid"] == holder.pid
    with building(out) as partial:
        (partial / "result.txt").write_text("after the crash")
    assert (out / "result.txt").read_text() == "after the crash"


def test_cli_wait_flag_is_accepted_before_and_after_the_command(tmp_path, synthetic_warehouse):
    for args in (("--wait", "kpi", "--help"), ("kpi", "--wait", "--help")):
        assert olistseg(*args).returncode == 0
