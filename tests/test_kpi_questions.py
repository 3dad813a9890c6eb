"""The four required questions, each boundary pinned on hand-built tables."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from olistseg.kpi.run import KpiParams, run_kpis

from .handbuilt import Dataset, hexid

AS_OF = dt.datetime(2018, 6, 30, 12, 0, 0)


def answer(warehouse: Path, name: str, **params) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        _, results = run_kpis(con, KpiParams(as_of=AS_OF, **params), [name])
    result = results[name]
    return [dict(zip(result.columns, row, strict=True)) for row in result.rows]


@pytest.fixture(scope="module")
def late_orders(tmp_path_factory) -> Path:
    d = Dataset()
    # exactly 3 days late: included
    d.order(
        "exact3",
        "p1",
        "2018-06-01 10:00:00",
        estimated="2018-06-10 00:00:00",
        delivered="2018-06-13 00:00:00",
    )
    # one second short of 3 days: excluded
    d.order(
        "short",
        "p2",
        "2018-06-01 10:00:00",
        estimated="2018-06-10 00:00:00",
        delivered="2018-06-12 23:59:59",
    )
    # purchased exactly at the 3-month edge: included; one second earlier: excluded
    d.order(
        "edge",
        "p3",
        "2018-03-30 12:00:00",
        estimated="2018-04-10 00:00:00",
        delivered="2018-04-15 00:00:00",
        state="RJ",
    )
    d.order(
        "before",
        "p4",
        "2018-03-30 11:59:59",
        estimated="2018-04-10 00:00:00",
        delivered="2018-04-15 00:00:00",
    )
    # canceled, though delivered late: excluded
    d.order(
        "canceled",
        "p5",
        "2018-06-01 10:00:00",
        status="canceled",
        estimated="2018-06-05 00:00:00",
        delivered="2018-06-20 00:00:00",
    )
    # delivered after as_of: not yet received, excluded
    d.order(
        "future",
        "p6",
        "2018-06-01 10:00:00",
        estimated="2018-06-05 00:00:00",
        delivered="2018-07-01 00:00:00",
    )
    # purchased after as_of: does not exist yet
    d.order(
        "later",
        "p7",
        "2018-06-30 12:00:01",
        estimated="2018-06-01 00:00:00",
        delivered="2018-06-30 13:00:00",
    )
    # a multi-item, multi-payment late order appears once
    d.order(
        "multi",
        "p8",
        "2018-05-01 10:00:00",
        estimated="2018-05-10 00:00:00",
        delivered="2018-05-20 06:00:00",
    )
    for order in ("exact3", "short", "edge", "before", "canceled", "future", "later", "multi"):
        d.item(order, 10.0)
    d.item("multi", 20.0)
    d.payment("multi", 10.0, "voucher")
    d.payment("multi", 20.0)
    return d.build(tmp_path_factory.mktemp("late"))


def test_late_recent_orders_boundaries(late_orders: Path):
    rows = answer(late_orders, "late_recent_orders")
    assert {r["order_id"] for r in rows} == {hexid("exact3"), hexid("edge"), hexid("multi")}
    by_id = {r["order_id"]: r for r in rows}
    assert by_id[hexid("exact3")]["days_late"] == 3.0
    assert by_id[hexid("multi")]["days_late"] == 10.25
    assert by_id[hexid("edge")]["customer_state"] == "RJ"
    assert by_id[hexid("edge")]["customer_unique_id"] == hexid("p3")
    assert [r["order_id"] for r in rows] == [
        hexid("multi"),
        hexid("edge"),
        hexid("exact3"),
    ]  # most late first
    assert list(rows[0]) == [
        "order_id",
        "customer_unique_id",
        "purchase_date",
        "estimated_delivery",
        "delivered",
        "days_late",
        "customer_state",
    ]


def test_late_recent_orders_state_filter(late_orders: Path):
    assert [r["order_id"] for r in answer(late_orders, "late_recent_orders", state="RJ")] == [
        hexid("edge")
    ]


@pytest.fixture(scope="module")
def sellers(tmp_path_factory) -> Path:
    d = Dataset()
    # s_top: two items of 60,000 in one delivered order paid in three parts -> 120,000 (not x3)
    d.order(
        "big",
        "p1",
        "2018-05-01 10:00:00",
        estimated="2018-05-20 00:00:00",
        delivered="2018-05-10 00:00:00",
    )
    d.item("big", 60_000, freight=100, seller="stop")
    d.item("big", 60_000, freight=50, seller="stop")
    for part in (40_000, 40_000, 40_150):
        d.payment("big", part)
    # s_exact: exactly 100,000 -> not above the threshold
    d.order(
        "exact",
        "p2",
        "2018-05-01 10:00:00",
        estimated="2018-05-20 00:00:00",
        delivered="2018-05-10 00:00:00",
    )
    d.item("exact", 100_000, seller="sexact")
    # s_canceled: 150,000 on a canceled order -> no delivered revenue
    d.order("cxl", "p3", "2018-05-01 10:00:00", status="canceled")
    d.item("cxl", 150_000, seller="scxl")
    # s_two: 2 delivered orders of 50,000.01 each -> 100,000.02, above
    for i in (1, 2):
        d.order(
            f"two{i}",
            f"q{i}",
            "2018-04-01 10:00:00",
            estimated="2018-04-20 00:00:00",
            delivered="2018-04-10 00:00:00",
        )
        d.item(f"two{i}", 50_000.01, freight=10, seller="stwo")

    # new sellers: first sale inside [as_of - 3 months, as_of]
    def sell(
        seller: str, n_items: int, purchased: str, status: str = "delivered", tag: str = ""
    ) -> None:
        order = f"o{seller}{tag}"
        d.order(order, f"buyer{seller}{tag}", purchased, status=status)
        for _ in range(n_items):
            d.item(order, 10.0, seller=seller)

    sell("new31", 31, "2018-05-15 10:00:00")  # 31 items: included
    sell("new30", 30, "2018-05-15 10:00:00")  # 30 items: not more than 30
    sell("old40", 40, "2018-03-01 10:00:00")  # first sale before the window
    sell("edge31", 31, "2018-03-30 12:00:00")  # first sale exactly at the edge: included
    sell("cxlfirst", 1, "2018-01-10 10:00:00", status="canceled", tag="a")  # canceled sale ignored
    sell("cxlfirst", 31, "2018-06-01 10:00:00", tag="b")  # so the first sale is in the window
    sell("late", 35, "2018-07-01 10:00:00")  # after as_of: does not exist yet
    return d.build(tmp_path_factory.mktemp("sellers"))


def test_top_sellers(sellers: Path):
    rows = answer(sellers, "top_sellers")
    assert [r["seller_id"] for r in rows] == [hexid("stop"), hexid("stwo")]
    top = rows[0]
    assert (top["revenue"], top["freight"], top["orders"], top["items"]) == (120_000.0, 150.0, 1, 2)
    assert rows[1]["revenue"] == 100_000.02 and rows[1]["orders"] == 2
    assert rows[0]["seller_state"] == "SP"


def test_new_engaged_sellers(sellers: Path):
    rows = answer(sellers, "new_engaged_sellers")
    ids = [r["seller_id"] for r in rows]
    assert sorted(ids) == sorted([hexid("new31"), hexid("edge31"), hexid("cxlfirst")])
    by_id = {r["seller_id"]: r for r in rows}
    assert by_id[hexid("cxlfirst")]["first_sale"] == "2018-06-01 10:00:00"
    assert by_id[hexid("cxlfirst")]["items_sold"] == 31  # the canceled order's item is not counted
    assert by_id[hexid("new31")]["revenue"] == 310.0 and by_id[hexid("new31")]["orders"] == 1


@pytest.fixture(scope="module")
def zips(tmp_path_factory) -> Path:
    d = Dataset()
    counter = iter(range(10_000))

    def reviews(zip_code: str, scores: list[int], created: str = "2018-03-01 00:00:00") -> None:
        for score in scores:
            n = next(counter)
            order = d.order(
                f"z{n}",
                f"pz{n}",
                "2018-02-01 10:00:00",
                zip_code=zip_code,
                city=f"city{zip_code}",
                state="MG",
            )
            d.item(f"z{n}", 10.0)
            d.review(f"r{n}", f"z{n}", score, created)
            assert order

    reviews("01001", [1] * 31)  # mean 1.0
    reviews("02002", [2] * 31)  # mean 2.0, tie with 03003
    reviews("03003", [2] * 31)
    reviews("04004", [3] * 31)
    reviews("05005", [4] * 31)
    reviews("06006", [5] * 31)
    reviews("07007", [1] * 30)  # only 30 reviews: not more than 30
    # 30 reviews + 1 old one created 12 months + 1 s before as_of: still only 30 in the window
    reviews("08008", [1] * 30)
    reviews("08008", [1], created="2017-06-30 11:59:59")
    # 30 distinct reviews, one of which covers two orders: 30 distinct, so excluded...
    reviews("09009", [1] * 29)
    for n in ("shared_a", "shared_b"):
        d.order(n, "pshared", "2018-02-01 10:00:00", zip_code="09009", city="city09009", state="MG")
        d.item(n, 10.0)
        d.review("rshared", n, 1, "2018-03-01 00:00:00")
    # ...while a zip with 31 distinct reviews and one shared review counts 31 and its mean once
    reviews("00100", [5] * 30)
    for n in ("sh_c", "sh_d"):
        d.order(
            n, "pshared2", "2018-02-01 10:00:00", zip_code="00100", city="city00100", state="MG"
        )
        d.item(n, 10.0)
        d.review("rshared2", n, 1, "2018-03-01 00:00:00")
    return d.build(tmp_path_factory.mktemp("zips"))


def test_worst_zip_codes(zips: Path):
    rows = answer(zips, "worst_zip_codes")
    assert [r["zip_code_prefix"] for r in rows] == ["01001", "02002", "03003", "04004", "05005"]
    assert [r["mean_score"] for r in rows] == [1.0, 2.0, 2.0, 3.0, 4.0]
    assert rows[0]["reviews"] == 31 and rows[0]["city"] == "city01001" and rows[0]["state"] == "MG"


def test_worst_zip_codes_counts_a_shared_review_once(zips: Path):
    rows = answer(zips, "worst_zip_codes")
    assert "09009" not in [r["zip_code_prefix"] for r in rows]  # 30 distinct, though 31 rows
    with duckdb.connect(str(zips), read_only=True) as con:
        _, results = run_kpis(con, KpiParams(as_of=AS_OF, state="MG"), ["worst_zip_codes"])
    assert results["worst_zip_codes"].row_count == 5
    # 00100: 30 fives + one shared one-star review = 31 distinct reviews, mean (150 + 1) / 31
    from olistseg.kpi.catalog import compose, get

    with duckdb.connect(str(zips), read_only=True) as con:
        sql = compose(get("worst_zip_codes")).replace("LIMIT 5", "")
        bound = KpiParams(as_of=AS_OF).bound(AS_OF)
        every = {row[0]: row for row in con.execute(sql, bound).fetchall()}
    assert every["00100"][3] == 31
    assert every["00100"][4] == pytest.approx(151 / 31, abs=1e-4)
    assert "08008" not in every and "07007" not in every
