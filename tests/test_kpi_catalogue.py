"""Every catalogue KPI against answers computed by hand on a five-order marketplace.

The orders (as_of = 2018-04-01):
  o1  person P1 (SP), delivered on time in 5 days; 2 items (health_beauty, seller s1) 100 + 50,
      freight 10 + 10; paid in two parts; review 5 answered in 12 h.
  o2  person P1 (SP), delivered 5 days 10 h late, in 10 days; 1 item (computers_accessories,
      seller s2) 200, freight 20; review 1 answered in 24 h.
  o3  person P2 (RJ), canceled; 1 item 80, freight 8; no review.
  o4  person P3 (SP), delivered 2 days 10 h late, in 15 days; 1 item (health_beauty, seller s1)
      40, freight 5; review 2 answered in 30 h.
  o5  person P2 (RJ), unavailable, no items.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from olistseg.errors import InputError
from olistseg.kpi.catalog import REQUIRED_QUESTIONS, kpi_catalog
from olistseg.kpi.run import KpiParams, run_kpis, run_query

from .handbuilt import Dataset, hexid

AS_OF = dt.datetime(2018, 4, 1)


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    d = Dataset()
    d.order(
        "o1",
        "P1",
        "2018-01-10 10:00:00",
        estimated="2018-01-20 00:00:00",
        delivered="2018-01-15 10:00:00",
    )
    d.item("o1", 100, 10, seller="s1", category="beleza_saude")
    d.item("o1", 50, 10, seller="s1", category="beleza_saude")
    d.payment("o1", 70, "voucher")
    d.payment("o1", 100, "credit_card", 3)
    d.review("r1", "o1", 5, "2018-01-16 00:00:00", "2018-01-16 12:00:00")
    d.order(
        "o2",
        "P1",
        "2018-02-05 10:00:00",
        estimated="2018-02-10 00:00:00",
        delivered="2018-02-15 10:00:00",
    )
    d.item("o2", 200, 20, seller="s2", category="informatica_acessorios")
    d.payment("o2", 220)
    d.review("r2", "o2", 1, "2018-02-16 00:00:00", "2018-02-17 00:00:00")
    d.order(
        "o3",
        "P2",
        "2018-02-20 10:00:00",
        status="canceled",
        estimated="2018-03-01 00:00:00",
        state="RJ",
    )
    d.item("o3", 80, 8, seller="s3", category="beleza_saude")
    d.payment("o3", 88)
    d.order(
        "o4",
        "P3",
        "2018-02-25 10:00:00",
        estimated="2018-03-10 00:00:00",
        delivered="2018-03-12 10:00:00",
    )
    d.item("o4", 40, 5, seller="s1", category="beleza_saude")
    d.payment("o4", 45, "boleto")
    d.review("r3", "o4", 2, "2018-03-13 00:00:00", "2018-03-14 06:00:00")
    d.order(
        "o5",
        "P2",
        "2018-03-01 10:00:00",
        status="unavailable",
        estimated="2018-03-20 00:00:00",
        state="RJ",
    )
    return d.build(tmp_path_factory.mktemp("shop"))


def kpi(shop: Path, name: str, **params) -> dict[str, list[dict]]:
    """The KPI's rows grouped by period."""
    with duckdb.connect(str(shop), read_only=True) as con:
        _, results = run_kpis(con, KpiParams(**{"as_of": AS_OF, **params}), [name])
    result = results[name]
    grouped: dict[str, list[dict]] = {}
    for row in result.rows:
        record = dict(zip(result.columns, row, strict=True))
        grouped.setdefault(record.pop("period"), []).append(record)
    return grouped


def test_catalogue_has_at_least_12_trend_kpis_with_headers():
    catalog = kpi_catalog()
    assert list(catalog)[:4] == list(REQUIRED_QUESTIONS)
    trends = [m for m in catalog.values() if m.is_trend]
    assert len(trends) >= 12
    for model in catalog.values():
        assert model.title and model.question and model.definition, model.name
        assert "as_of" in model.parameters, model.name
        assert "$" not in model.body.replace("$as_of", ""), "only bound parameters via params"


def test_orders_gmv(shop):
    rows = kpi(shop, "orders_gmv")
    assert rows["total"] == [{"orders": 4, "gmv": 435.0, "avg_order_value": 108.75}]
    assert rows["2018-01"] == [{"orders": 1, "gmv": 170.0, "avg_order_value": 170.0}]
    assert rows["2018-02"] == [{"orders": 2, "gmv": 265.0, "avg_order_value": 132.5}]
    assert rows["2018-03"] == [{"orders": 1, "gmv": 0.0, "avg_order_value": 0.0}]


def test_filters_change_the_numbers(shop):
    assert kpi(shop, "orders_gmv", state="RJ")["total"] == [
        {"orders": 1, "gmv": 0.0, "avg_order_value": 0.0}
    ]
    assert kpi(shop, "orders_gmv", category="health_beauty")["total"][0]["gmv"] == 215.0
    feb = kpi(
        shop,
        "orders_gmv",
        date_from=dt.datetime(2018, 2, 1),
        date_to=dt.datetime(2018, 2, 28, 23, 59, 59),
    )
    assert feb["total"] == [{"orders": 2, "gmv": 265.0, "avg_order_value": 132.5}]
    # as_of before o4 was delivered: it is not delivered yet, and o5 does not exist
    early = kpi(shop, "on_time_delivery", as_of=dt.datetime(2018, 2, 28))
    assert early["total"] == [{"delivered_orders": 2, "on_time_orders": 1, "on_time_rate": 0.5}]


def test_on_time_delivery(shop):
    assert kpi(shop, "on_time_delivery")["total"] == [
        {"delivered_orders": 3, "on_time_orders": 1, "on_time_rate": 0.3333}
    ]


def test_delivery_time(shop):
    assert kpi(shop, "delivery_time")["total"] == [
        {"delivered_orders": 3, "median_days": 10.0, "p90_days": 14.0, "mean_days": 10.0}
    ]


def test_late_order_lateness(shop):
    assert kpi(shop, "late_order_lateness")["total"] == [
        {"late_orders": 2, "mean_days_late": 3.92, "max_days_late": 5.42}
    ]


def test_late_rate_by_state(shop):
    rows = kpi(shop, "late_rate_by_state")["total"]
    assert rows == [
        {"customer_state": "SP", "delivered_orders": 3, "late_orders": 2, "late_rate": 0.6667}
    ]


def test_review_score_mix_and_low_share(shop):
    mix = kpi(shop, "review_score_mix")["total"][0]
    assert mix == {
        "reviews": 3,
        "mean_score": 2.6667,
        "share_1": 0.3333,
        "share_2": 0.3333,
        "share_3": 0.0,
        "share_4": 0.0,
        "share_5": 0.3333,
    }
    assert kpi(shop, "review_score_mix")["2018-02"][0]["mean_score"] == 1.0  # by month of creation
    assert kpi(shop, "low_score_share")["total"] == [
        {"reviews": 3, "low_reviews": 2, "low_share": 0.6667}
    ]


def test_score_by_lateness(shop):
    rows = kpi(shop, "score_by_lateness")["total"]
    assert rows == [
        {"lateness": "on time", "orders": 1, "mean_score": 5.0},
        {"lateness": "0-3 days", "orders": 1, "mean_score": 2.0},
        {"lateness": "3-7 days", "orders": 1, "mean_score": 1.0},
    ]


def test_cancellation_rate(shop):
    assert kpi(shop, "cancellation_rate")["total"] == [
        {
            "orders": 5,
            "canceled": 1,
            "unavailable": 1,
            "canceled_rate": 0.2,
            "unavailable_rate": 0.2,
        }
    ]


def test_repeat_customers(shop):
    rows = kpi(shop, "repeat_customers")
    assert rows["total"] == [{"customers": 3, "repeat_customers": 2, "repeat_rate": 0.6667}]
    assert rows["2018-02"] == [{"customers": 3, "repeat_customers": 1, "repeat_rate": 0.3333}]


def test_orders_per_customer(shop):
    rows = kpi(shop, "orders_per_customer")
    assert rows["total"] == [
        {"n_orders": 1, "customers": 1, "share": 0.333333},
        {"n_orders": 2, "customers": 2, "share": 0.666667},
    ]
    assert rows["2018-01"] == [{"n_orders": 2, "customers": 1, "share": 1.0}]  # P1's cohort


def test_review_answer_time(shop):
    assert kpi(shop, "review_answer_time")["total"] == [
        {"answered_reviews": 3, "mean_hours": 22.0, "median_hours": 24.0}
    ]


def test_satisfaction_by_category(shop):
    rows = kpi(shop, "satisfaction_by_category")["total"]
    assert rows == [
        {"category": "computers_accessories", "reviews": 1, "mean_score": 1.0, "low_share": 1.0},
        {"category": "health_beauty", "reviews": 2, "mean_score": 3.5, "low_share": 0.5},
    ]


def test_freight_share_by_state(shop):
    rows = kpi(shop, "freight_share_by_state")["total"]
    assert rows == [
        {
            "customer_state": "SP",
            "orders": 3,
            "freight": 45.0,
            "order_value": 435.0,
            "freight_share": 0.1034,
        }
    ]


def test_sellers_low_reviews(shop):
    rows = kpi(shop, "sellers_low_reviews")["total"]
    assert rows == [
        {
            "seller_id": hexid("s1"),
            "seller_state": "SP",
            "reviews": 2,
            "low_reviews": 1,
            "low_share": 0.5,
        },
        {
            "seller_id": hexid("s2"),
            "seller_state": "SP",
            "reviews": 1,
            "low_reviews": 1,
            "low_share": 1.0,
        },
    ]


@pytest.mark.parametrize(
    "hostile",
    [
        "SP' OR '1'='1",
        "SP'; DROP TABLE orders; --",
        "SELECT",
        "' UNION SELECT * FROM orders --",
        'SP"; --',
    ],
)
def test_hostile_filter_values_never_alter_the_query(shop, hostile):
    # run_kpis refuses a filter that matches no value of the data, before any query
    for option in ("state", "category"):
        with pytest.raises(InputError, match="no such value in the data"):
            kpi(shop, "orders_gmv", **{option: hostile})
    # and bound into the SQL as it is, the value is data, never code: nothing matches
    with duckdb.connect(str(shop), read_only=True) as con:
        for name in ("orders_gmv", "late_recent_orders", "satisfaction_by_category"):
            for option in ("state", "category"):
                bound = KpiParams(as_of=AS_OF, **{option: hostile}).bound(AS_OF)
                assert run_query(con, kpi_catalog()[name], bound).rows == [], (name, option)
    with duckdb.connect(str(shop), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM orders").fetchone()[0] == 5


def test_every_kpi_is_available_per_month(shop):
    for name, model in kpi_catalog().items():
        if model.is_trend:
            periods = kpi(shop, name)
            assert "total" in periods, name
            assert any(p.startswith("2018-") for p in periods), name


@pytest.mark.parametrize("params", [{}, {"state": "SP", "category": "health_beauty"}])
def test_materialized_staging_gives_the_composed_answers(synthetic_warehouse: Path, params):
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        _, fast = run_kpis(con, KpiParams(**params))
        _, plain = run_kpis(con, KpiParams(**params), materialize=False)
        # the temporary staging tables are gone afterwards
        assert (
            con.execute("SELECT count(*) FROM duckdb_tables() WHERE temporary").fetchone()[0] == 0
        )
    assert list(fast) == list(plain)
    for name in fast:
        assert fast[name].rows == plain[name].rows, name
