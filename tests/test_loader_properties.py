"""Property tests of the loader: whatever bytes a CSV holds, no row is lost and nothing crashes.

Random bodies for the sellers file (bad quoting, wrong field counts, byte-order marks, CRLF,
blank lines, NUL bytes, huge fields, any Unicode) always end in ``rows read = rows loaded +
rows quarantined`` with the warehouse and the quarantine table agreeing with the report, or in
a clear :class:`InputError` (exit 2). Never an unhandled exception.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from olistseg.data.schema import TABLES_BY_NAME
from olistseg.data.synthetic import SyntheticConfig, write
from olistseg.errors import InputError
from olistseg.warehouse.load import load

SELLERS = "olist_sellers_dataset.csv"
HEADER = ",".join(TABLES_BY_NAME["sellers"].column_names)

FIELD = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['"', '""', ",", "\r", "\n", "\ufeff", "\x00", "SP", "01234", "12.0", " "]),
    st.builds(lambda n: "w" * n, st.integers(100_000, 300_000)),
)
ROW = st.lists(FIELD, min_size=0, max_size=6)


@st.composite
def csv_bodies(draw: st.DrawFn) -> bytes:
    """A sellers CSV: the real header, then random rows, some quoted properly, some not."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [HEADER]
    for fields in draw(st.lists(ROW, max_size=12)):
        if draw(st.booleans()):
            lines.append(",".join('"' + f.replace('"', '""') + '"' for f in fields))
        else:
            lines.append(",".join(fields))
    text = newline.join(lines) + draw(st.sampled_from(["", newline, newline * 3]))
    data = text.encode("utf-8", errors="surrogatepass")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + data


@pytest.fixture(scope="module")
def tiny_shop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("tiny_shop")
    write(SyntheticConfig(customers=60, seed=5), folder)
    shutil.rmtree(folder / "_truth", ignore_errors=True)
    for path in folder.glob("olist_geolocation*"):
        path.unlink()  # optional table; loads faster without it
    return folder


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=csv_bodies())
def test_every_row_is_loaded_or_quarantined_or_the_file_is_refused(tiny_shop, body):
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        shutil.copytree(tiny_shop, data)
        (data / SELLERS).write_bytes(body)
        warehouse = Path(tmp) / "w.duckdb"
        try:
            report = load(data, warehouse)
        except InputError as error:
            assert SELLERS in str(error)
            assert not warehouse.exists()
            return
        sellers = next(t for t in report.tables if t.table == "sellers")
        assert sellers.rows_read == sellers.rows_loaded + sellers.rows_quarantined
        with duckdb.connect(str(warehouse), read_only=True) as con:
            loaded = con.execute("SELECT count(*) FROM sellers").fetchone()[0]
            quarantined = con.execute(
                "SELECT count(*) FROM quarantine WHERE table_name = 'sellers'"
            ).fetchone()[0]
        assert (loaded, quarantined) == (sellers.rows_loaded, sellers.rows_quarantined)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(
            st.text(alphabet="abcdef0123456789", min_size=1, max_size=32),
            st.from_regex(r"\d{5}", fullmatch=True),
            st.text(alphabet="abc xyz", max_size=10),
            st.sampled_from(["SP", "RJ", "MG"]),
        ),
        max_size=20,
    ),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank_lines=st.integers(0, 3),
)
def test_well_formed_rows_are_all_read(tiny_shop, rows, newline, blank_lines):
    """Without quoting problems, every data line is a row read (blank lines are not rows)."""
    body = newline.join([HEADER, *(",".join(r) for r in rows)]) + newline * blank_lines
    with tempfile.TemporaryDirectory() as tmp:
        shop = Path(tmp) / "shop"
        shutil.copytree(tiny_shop, shop)
        (shop / SELLERS).write_text(body, encoding="utf-8", newline="")
        report = load(shop, Path(tmp) / "w.duckdb")
    sellers = next(t for t in report.tables if t.table == "sellers")
    assert sellers.rows_read == len(rows)
    assert sellers.rows_loaded + sellers.rows_quarantined == len(rows)
