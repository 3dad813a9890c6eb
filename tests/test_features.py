"""Point-in-time customer features: hand-computed values and no look-ahead."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from olistseg.features.build import CATEGORICAL_FEATURES, NUMERIC_FEATURES, customer_features

from .conftest import connect
from .handbuilt import Dataset, hexid

AS_OF = dt.datetime(2018, 3, 1)


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    d = Dataset()
    # P1: two delivered orders, one late, one multi-item multi-payment
    d.order(
        "a1",
        "P1",
        "2018-01-01 00:00:00",
        estimated="2018-01-11 00:00:00",
        delivered="2018-01-06 00:00:00",
    )
    d.item("a1", 100, 20, category="beleza_saude")
    d.item("a1", 80, 0, category="informatica_acessorios")
    d.payment("a1", 150, "credit_card", 4)
    d.payment("a1", 50, "voucher", 1)
    d.review("ra1", "a1", 5, "2018-01-07 00:00:00")
    d.order(
        "a2",
        "P1",
        "2018-02-01 00:00:00",
        estimated="2018-02-05 00:00:00",
        delivered="2018-02-08 00:00:00",
        state="RJ",
    )
    d.item("a2", 40, 10, category="beleza_saude")
    d.payment("a2", 50, "boleto", 1)
    d.review("ra2", "a2", 1, "2018-02-09 00:00:00")
    d.review("ra2late", "a2", 3, "2018-03-05 00:00:00")  # created after as_of: ignored
    # P2: delivered order, but its review comes after as_of; a second order is purchased later
    d.order(
        "b1",
        "P2",
        "2018-02-20 00:00:00",
        estimated="2018-03-01 00:00:00",
        delivered="2018-02-25 00:00:00",
    )
    d.item("b1", 60, 6)
    d.payment("b1", 66)
    d.review("rb1", "b1", 1, "2018-03-02 00:00:00")
    d.order(
        "b2",
        "P2",
        "2018-03-02 00:00:00",
        estimated="2018-03-10 00:00:00",
        delivered="2018-03-05 00:00:00",
    )
    d.item("b2", 999, 1)
    d.payment("b2", 1000)
    # P3: purchased before as_of but delivered after it: not yet a customer with a delivery
    d.order(
        "c1",
        "P3",
        "2018-02-25 00:00:00",
        estimated="2018-03-10 00:00:00",
        delivered="2018-03-03 00:00:00",
    )
    d.item("c1", 30, 3)
    d.payment("c1", 33)
    # P4: a canceled order only
    d.order("d1", "P4", "2018-01-15 00:00:00", status="canceled")
    d.item("d1", 30, 3)
    d.payment("d1", 33)
    return d.build(tmp_path_factory.mktemp("features"))


@pytest.fixture(scope="module")
def features(shop: Path) -> pd.DataFrame:
    with duckdb.connect(str(shop), read_only=True) as con:
        return customer_features(con, AS_OF)


def test_only_customers_with_a_delivery_by_as_of(features):
    assert list(features.index) == [hexid("P1"), hexid("P2")]
    assert list(features.columns) == [
        *NUMERIC_FEATURES[:18],
        *CATEGORICAL_FEATURES,
        NUMERIC_FEATURES[18],
    ]


def test_hand_computed_values(features):
    p1 = features.loc[hexid("P1")]
    assert p1.recency_days == 28.0  # 2018-02-01 -> 2018-03-01
    assert p1.tenure_days == 59.0
    assert p1.frequency == 2 and p1.n_orders == 2
    assert p1.monetary == 250.0 and p1.avg_order_value == 125.0
    assert p1.n_items == 3 and p1.n_categories == 2
    assert p1.avg_review_score == 3.0 and p1.share_low_reviews == 0.5 and p1.has_review == 1
    assert p1.avg_delivery_days == 6.0  # (5 + 7) / 2
    assert p1.avg_delay_days == -1.0  # (-5 + 3) / 2
    assert p1.late_share == 0.5
    assert p1.avg_installments == pytest.approx((2.5 + 1) / 2)  # per order first: (4+1)/2, then 1
    assert (
        p1.share_credit_card == 150 / 250
        and p1.share_voucher == 50 / 250
        and p1.share_boleto == 50 / 250
    )
    assert p1.freight_ratio == pytest.approx(30 / 250)
    assert p1.customer_state == "RJ"  # the latest order's state


def test_a_review_created_after_as_of_is_ignored(features):
    p2 = features.loc[hexid("P2")]
    assert pd.isna(p2.avg_review_score) and pd.isna(p2.share_low_reviews)
    assert p2.has_review == 0
    assert features.loc[hexid("P1")].avg_review_score == 3.0  # not (5 + 1 + 3) / 3


def test_a_purchase_after_as_of_does_not_exist(features):
    p2 = features.loc[hexid("P2")]
    assert p2.frequency == 1 and p2.monetary == 66.0


def test_an_order_delivered_after_as_of_is_not_delivered_yet(shop):
    with duckdb.connect(str(shop), read_only=True) as con:
        before = customer_features(con, AS_OF)
        after = customer_features(con, dt.datetime(2018, 3, 6))
    assert hexid("P3") not in before.index
    assert hexid("P3") in after.index
    assert after.loc[hexid("P2")].frequency == 2  # b2 is now purchased and delivered
    assert after.loc[hexid("P2")].has_review == 1


@pytest.mark.realdata
def test_real_customer_count(real_warehouse: Path):
    with connect(real_warehouse) as con:
        frame = customer_features(con, dt.datetime(2018, 10, 17, 17, 30, 18))  # the last purchase
        # by default, as of the analysis date (2018-08-31 23:59:59): deliveries made after it
        # are not known yet, so 57 persons are not customers then
        assert len(customer_features(con)) == 93_293
        expected = con.execute(
            "SELECT count(DISTINCT c.customer_unique_id) FROM orders o JOIN customers c USING (customer_id) "
            "WHERE o.order_status = 'delivered' AND o.order_delivered_customer_date IS NOT NULL"
        ).fetchone()[0]
    # 93,358 persons have a 'delivered' order, but 8 such orders carry no delivery date: a
    # delivery that is not dated did not happen "by as_of", so those 8 persons do not qualify.
    assert len(frame) == expected == 93_350
    assert frame.index.is_unique
    assert frame["frequency"].max() == 16
    # purchase occasions: 2,882 customers have more than one order, 2,037 more than one occasion
    assert int((frame["n_orders"] > 1).sum()) == 2_882
    assert int((frame["frequency"] > 1).sum()) == 2_037
    assert int(frame["frequency"].sum()) == 95_601 and int(frame["n_orders"].sum()) == 96_561


def test_many_dates_in_one_pass_equal_each_date_alone(synthetic_warehouse: Path):
    from olistseg.features.build import customer_features_at

    dates = [dt.datetime(2017, 6, 30), dt.datetime(2017, 12, 31, 12), dt.datetime(2018, 6, 30)]
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        together = customer_features_at(con, dates)
        for date in dates:
            alone = customer_features(con, date)
            pd.testing.assert_frame_equal(
                together.loc[pd.Timestamp(date)], alone, check_names=False
            )
    sizes = together.groupby(level="as_of").size()
    assert list(sizes) == sorted(sizes)  # customers accumulate over time


def test_bucket_by_bucket_features_equal_one_query(synthetic_warehouse: Path, monkeypatch):
    """Above BUCKET_CUSTOMERS the feature query runs on buckets of whole customers (how 10
    million customers fit DuckDB's memory): the same rows, values and order as one query."""
    from olistseg.features.build import customer_features_at
    from olistseg.warehouse import sample

    dates = [dt.datetime(2017, 12, 31, 12), dt.datetime(2018, 6, 30)]
    with duckdb.connect(str(synthetic_warehouse), read_only=True) as con:
        whole = customer_features_at(con, dates)
        monkeypatch.setattr(sample, "BUCKET_CUSTOMERS", 700)
        buckets = sample.bucket_count(con)
        assert buckets >= 4
        bucketed = customer_features_at(con, dates)
        # the views are gone afterwards: the full tables are read again
        assert (
            con.execute("SELECT count(*) FROM orders").fetchone()[0]
            == con.execute("SELECT count(*) FROM main.orders").fetchone()[0]
        )
    pd.testing.assert_frame_equal(bucketed, whole)
