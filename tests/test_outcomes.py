"""Purchase occasions and the future-outcome SQL on hand-built data where every future
purchase is planted: exactly those count, nothing at or before T0, canceled orders never."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import numpy as np
import pytest

from olistseg.features.build import customer_features
from olistseg.features.outcomes import customer_outcomes, delivered_end

from .handbuilt import Dataset, hexid

T0 = dt.datetime(2018, 3, 1)
T1 = dt.datetime(2018, 6, 1)


def _order(
    shop: Dataset,
    oid: str,
    person: str,
    at: str,
    value: float = 100.0,
    status: str = "delivered",
    score: int | None = None,
    reviewed: str | None = None,
) -> None:
    day = dt.datetime.fromisoformat(at)
    shop.order(
        oid,
        person,
        at,
        status=status,
        estimated=(day + dt.timedelta(days=10)).isoformat(sep=" "),
        delivered=(day + dt.timedelta(days=3)).isoformat(sep=" ")
        if status == "delivered"
        else None,
    )
    shop.item(oid, value)
    shop.payment(oid, value)
    if score is not None:
        shop.review(
            f"r{oid}", oid, score, reviewed or (day + dt.timedelta(days=4)).isoformat(sep=" ")
        )


@pytest.fixture(scope="module")
def planted(tmp_path_factory) -> Path:
    shop = Dataset()
    # A: bought before T0, again in (T0, T1]: a repurchase; its next order was rated 2
    _order(shop, "a1", "A", "2018-01-05 10:00:00")
    _order(shop, "a2", "A", "2018-04-10 10:00:00", value=80.0, score=2)
    # B: a basket split by the checkout: two orders 5 minutes apart, both before T0 (1 occasion)
    _order(shop, "b1", "B", "2018-02-01 10:00:00")
    _order(shop, "b2", "B", "2018-02-01 10:05:00")
    # C: an order 2 hours before T0 and one 3 hours after: one occasion, not a repurchase
    _order(shop, "c1", "C", "2018-02-28 22:00:00")
    _order(shop, "c2", "C", "2018-03-01 01:00:00", value=40.0)
    # D: a canceled order in the window is no repurchase
    _order(shop, "d1", "D", "2018-01-10 10:00:00")
    _order(shop, "d2", "D", "2018-04-01 10:00:00", status="canceled")
    # E: an order exactly at T0 is not future; one after T1 is not read
    _order(shop, "e1", "E", "2018-01-15 10:00:00")
    _order(shop, "e2", "E", "2018-03-01 00:00:00")
    _order(shop, "e3", "E", "2018-06-02 10:00:00")
    # F: two occasions in the window, chained orders inside the second
    _order(shop, "f1", "F", "2018-01-20 10:00:00")
    _order(shop, "f2", "F", "2018-03-10 10:00:00")
    _order(shop, "f3", "F", "2018-05-01 10:00:00")
    _order(shop, "f4", "F", "2018-05-01 20:00:00")
    _order(shop, "f5", "F", "2018-05-02 12:00:00")  # 16 h after f4: same occasion (chained)
    return shop.build(tmp_path_factory.mktemp("outcomes"))


def test_occasions_in_the_features(planted):
    with duckdb.connect(str(planted), read_only=True) as con:
        features = customer_features(con, T0)
        later = customer_features(con, dt.datetime(2018, 5, 20))
    assert features.loc[hexid("B"), "frequency"] == 1 and features.loc[hexid("B"), "n_orders"] == 2
    assert later.loc[hexid("C"), "frequency"] == 1  # 22:00 then 01:00: one occasion
    assert later.loc[hexid("C"), "n_orders"] == 2
    f = later.loc[hexid("F")]
    assert (f.frequency, f.n_orders) == (3, 5)
    # recency runs from the start of the last occasion (f3, 2018-05-01 10:00), not from f5
    start = dt.datetime(2018, 5, 1, 10)
    assert f.recency_days == pytest.approx(
        (dt.datetime(2018, 5, 20) - start).total_seconds() / 86400
    )


def test_outcomes_count_exactly_the_planted_future(planted):
    with duckdb.connect(str(planted), read_only=True) as con:
        out = customer_outcomes(con, T0, T1)
    get = lambda p, c: out.loc[hexid(p), c]  # noqa: E731
    assert get("A", "repurchased") == 1 and get("A", "future_revenue") == 80.0
    assert get("A", "next_review_score") == 2.0
    assert get("B", "repurchased") == 0 and get("B", "future_revenue") == 0.0
    assert get("C", "repurchased") == 0 and get("C", "future_revenue") == 40.0
    assert get("D", "repurchased") == 0 and get("D", "future_revenue") == 0.0
    assert get("E", "repurchased") == 0 and get("E", "future_occasions") == 0
    assert get("F", "repurchased") == 1 and get("F", "future_occasions") == 2
    assert get("F", "future_revenue") == 400.0
    assert np.isnan(get("F", "next_review_score"))
    assert int(out["repurchased"].sum()) == 2


def test_the_window_must_move_forward_and_stay_in_delivered_data(planted):
    with duckdb.connect(str(planted), read_only=True) as con:
        with pytest.raises(ValueError):
            customer_outcomes(con, T1, T0)
        assert delivered_end(con) == dt.datetime(2018, 6, 2, 10)
