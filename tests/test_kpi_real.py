"""The four questions on the real Olist tables: pinned answers, cross-checked with pandas."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olistseg.kpi.run import KpiParams, run_kpis
from olistseg.warehouse.now import analysis_date

from .conftest import connect

pytestmark = pytest.mark.realdata


#: The data's last purchase: the four questions' documented answers are given as of it.
LAST_PURCHASE = dt.datetime(2018, 10, 17, 17, 30, 18)


@pytest.fixture(scope="module")
def answers(real_warehouse: Path) -> dict:
    with connect(real_warehouse) as con:
        as_of, results = run_kpis(con, KpiParams(as_of=LAST_PURCHASE))
    return {"as_of": as_of, **{name: r.to_frame() for name, r in results.items()}}


@pytest.fixture(scope="module")
def tables(real_warehouse: Path) -> dict[str, pd.DataFrame]:
    with duckdb.connect(str(real_warehouse), read_only=True) as con:
        return {
            t: con.execute(f"SELECT * FROM {t}").df()
            for t in ("orders", "customers", "order_items")
        }


def test_as_of_defaults_to_the_end_of_the_last_complete_month(real_warehouse):
    # September and October 2018 hold 20 orders against ~6,300 a month before: "now" is the end
    # of August, and the 20 later orders are named, not silently dropped.
    with connect(real_warehouse) as con:
        date = analysis_date(con)
        as_of, _ = run_kpis(con, only=["orders_gmv"])
    assert str(date.as_of) == str(as_of) == "2018-08-31 23:59:59"
    assert str(date.last_purchase) == "2018-10-17 17:30:18"
    assert date.ignored_orders == 20
    assert date.reason.startswith("data complete until 2018-08-31; 20 later orders ignored")


def test_late_recent_orders(answers, tables):
    late = answers["late_recent_orders"]
    assert len(late) == 318
    assert late.iloc[0]["order_id"] == "b2997e1d7061605e9285496c581d1fbd"
    assert late.iloc[0]["days_late"] == 49.01
    # independent pandas computation of the same definition
    o = tables["orders"]
    as_of = pd.Timestamp("2018-10-17 17:30:18")
    mask = (
        (o.order_status != "canceled")
        & (o.order_purchase_timestamp >= as_of - pd.DateOffset(months=3))
        & (o.order_purchase_timestamp <= as_of)
        & (o.order_delivered_customer_date <= as_of)
        & (
            o.order_delivered_customer_date
            >= o.order_estimated_delivery_date + pd.Timedelta(days=3)
        )
    )
    assert set(o[mask].order_id) == set(late.order_id)


def test_top_sellers(answers, tables):
    top = answers["top_sellers"]
    assert len(top) == 17
    assert top.iloc[0]["seller_id"] == "4869f7a5dfa277a7dca6462dcf3b52b2"
    assert top.iloc[0]["revenue"] == 226987.93
    o, items = tables["orders"], tables["order_items"]
    delivered = o[
        (o.order_status == "delivered") & o.order_delivered_customer_date.notna()
    ].order_id
    revenue = items[items.order_id.isin(delivered)].groupby("seller_id").price.sum().astype(float)
    assert set(revenue[revenue > 100_000].index) == set(top.seller_id)


def test_new_engaged_sellers(answers):
    new = answers["new_engaged_sellers"]
    assert new.seller_id.tolist() == [
        "d13e50eaa47b4cbe9eb81465865d8cfc",
        "81f89e42267213cb94da7ddc301651da",
    ]
    assert new.items_sold.tolist() == [69, 52]


def test_worst_zip_codes(answers):
    worst = answers["worst_zip_codes"]
    assert worst.zip_code_prefix.tolist() == ["22753", "22770", "22793", "13056", "13295"]
    assert worst.reviews.tolist() == [47, 37, 93, 31, 32]
    assert worst.mean_score.tolist() == [2.8085, 3.1351, 3.2473, 3.2903, 3.3125]


def test_catalogue_headlines(answers):
    def total(name: str) -> pd.Series:
        frame = answers[name]
        return frame[frame.period == "total"].iloc[0]

    assert total("cancellation_rate")["canceled"] == 625
    assert total("review_score_mix")["reviews"] == 99224
    assert total("on_time_delivery")["on_time_rate"] == pytest.approx(0.9189, abs=1e-4)
    assert total("repeat_customers")["customers"] == 96096


def test_the_four_questions_as_of_the_analysis_date(real_warehouse):
    # the default "now" (2018-08-31 23:59:59): the README gives these beside the answers as of
    # the last purchase
    with connect(real_warehouse) as con:
        as_of, results = run_kpis(
            con,
            only=["late_recent_orders", "top_sellers", "new_engaged_sellers", "worst_zip_codes"],
        )
    frames = {name: r.to_frame() for name, r in results.items()}
    assert str(as_of) == "2018-08-31 23:59:59"
    assert len(frames["late_recent_orders"]) == 390
    assert frames["late_recent_orders"]["days_late"].max() == 58.5
    assert len(frames["top_sellers"]) == 17
    assert len(frames["new_engaged_sellers"]) == 10
    assert frames["worst_zip_codes"]["zip_code_prefix"].tolist() == [
        "22753",
        "22723",
        "28893",
        "22770",
        "13056",
    ]
