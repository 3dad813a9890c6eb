"""The Streamlit dashboard under AppTest: every page renders, filters change the numbers."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from olistseg.dashboard.model import tile_results, window

APP = str(resources.files("olistseg.dashboard").joinpath("app.py"))


@pytest.fixture
def app(synthetic_warehouse: Path, monkeypatch) -> AppTest:
    monkeypatch.setenv("OLISTSEG_WAREHOUSE", str(synthetic_warehouse))
    monkeypatch.setattr("sys.argv", ["app.py"])
    return AppTest.from_file(APP, default_timeout=120).run()


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_renders_tiles_and_charts(app: AppTest):
    assert not app.exception
    values = metrics(app)
    assert {"Orders", "GMV (BRL)", "On-time delivery", "Mean review score"} <= set(values)
    assert all(v != "n/a" for v in values.values())
    assert len(app.get("vega_lite_chart")) >= 12  # 9 trends + breakdowns


def test_state_filter_changes_the_tiles(app: AppTest):
    before = metrics(app)
    app.selectbox(key="state").set_value("RJ").run()
    assert not app.exception
    after = metrics(app)
    assert after["Orders"] != before["Orders"]
    assert int(after["Orders"].replace(",", "")) < int(before["Orders"].replace(",", ""))


def test_category_filter_and_window_change_the_tiles(app: AppTest):
    before = metrics(app)
    app.selectbox(key="category").set_value("health_beauty").run()
    assert metrics(app)["Orders"] != before["Orders"]
    app.radio(key="window").set_value("year").run()
    assert not app.exception
    assert metrics(app)["GMV (BRL)"] != before["GMV (BRL)"]


def test_as_of_picker_moves_the_window(app: AppTest):
    before = metrics(app)
    app.date_input(key="as_of").set_value(dt.date(2017, 12, 31)).run()
    assert not app.exception
    assert metrics(app)["Orders"] != before["Orders"]


def test_questions_page(app: AppTest):
    app.radio(key="page").set_value("Questions").run()
    assert not app.exception
    assert len(app.dataframe) == 4
    assert [s.value for s in app.subheader] == [
        "Late deliveries in the last 3 months",
        "Sellers above 100,000 BRL of revenue",
        "New sellers already engaged",
        "The 5 zip codes with the worst reviews",
    ]
    late_all = len(app.dataframe[0].value)
    app.selectbox(key="state").set_value("SP").run()
    assert len(app.dataframe[0].value) < late_all


def test_data_quality_page(app: AppTest):
    app.radio(key="page").set_value("Data quality").run()
    assert not app.exception
    table = app.dataframe[0].value
    assert set(table["table"]) >= {"orders", "order_items", "order_reviews"}
    assert (table["rows_read"] == table["rows_loaded"] + table["rows_quarantined"]).all()


def test_window_bounds():
    start, end = window(dt.datetime(2018, 6, 30, 12), 3)
    assert (start, end) == (dt.datetime(2018, 3, 30, 12, 0, 1), dt.datetime(2018, 6, 30, 12))
    assert window(dt.datetime(2018, 6, 30, 12), 3, shift_months=12)[1] == dt.datetime(
        2017, 6, 30, 12
    )


def test_tile_changes_are_relative(synthetic_warehouse: Path):
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        tiles = {t.tile.label: t for t in tile_results(con, dt.datetime(2018, 6, 30), 3)}
    orders = tiles["Orders"]
    assert orders.current and orders.previous and orders.year_before
    assert orders.change_vs_previous == pytest.approx(orders.current / orders.previous - 1)
    assert orders.change_vs_year_before > 0  # the synthetic marketplace grows
