"""Compute the customer feature table as of any date, with no look-ahead.

The SQL lives in ``olistseg/sql/features/customer_features.sql``; this module binds ``as_of``
and returns a pandas DataFrame indexed by ``customer_unique_id``.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from olistseg.sql.models import composed
from olistseg.warehouse.now import default_as_of
from olistseg.warehouse.sample import bucket_count, customer_bucket

#: Numeric feature columns, in the order the SQL returns them.
NUMERIC_FEATURES = (
    "recency_days",
    "frequency",
    "n_orders",
    "monetary",
    "avg_order_value",
    "n_items",
    "n_categories",
    "avg_review_score",
    "share_low_reviews",
    "has_review",
    "avg_delivery_days",
    "avg_delay_days",
    "late_share",
    "avg_installments",
    "share_credit_card",
    "share_boleto",
    "share_voucher",
    "freight_ratio",
    "tenure_days",
)
CATEGORICAL_FEATURES = ("customer_state",)


def customer_features_at(con: duckdb.DuckDBPyConnection, dates: list[dt.datetime]) -> pd.DataFrame:
    """Features as of each of ``dates``, computed in one pass over the tables.

    Returns a DataFrame indexed by (``as_of``, ``customer_unique_id``), sorted; each date's rows
    equal :func:`customer_features` at that date.
    """
    if not dates:
        raise ValueError("no dates given")
    bound = [d.strftime("%Y-%m-%d %H:%M:%S") for d in dates]
    sql = composed("features", "customer_features")
    buckets = bucket_count(con)
    if buckets == 1:
        frame = con.execute(sql, {"as_of": bound}).df()
    else:
        # above BUCKET_CUSTOMERS the query runs on one bucket of whole customers at a time:
        # the same rows, sorted as the SQL sorts them, with a bucket's memory
        parts = []
        for bucket in range(buckets):
            with customer_bucket(con, bucket, buckets):
                parts.append(con.execute(sql, {"as_of": bound}).df())
        frame = pd.concat(parts, ignore_index=True)
        del parts
        frame = frame.sort_values(["as_of", "customer_unique_id"], ignore_index=True)
    for column in NUMERIC_FEATURES:
        frame[column] = frame[column].astype("float64")
    return frame.set_index(["as_of", "customer_unique_id"])


def customer_features(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime | None = None
) -> pd.DataFrame:
    """Features of every customer with a delivered order by ``as_of`` (default: last purchase).

    Returns a DataFrame of shape (n_customers, 20) indexed by ``customer_unique_id``, sorted
    by it; days are fractional days, money is BRL, shares are fractions in [0, 1].
    """
    as_of = as_of or default_as_of(con)
    frame = customer_features_at(con, [as_of]).droplevel("as_of")
    frame.attrs["as_of"] = as_of.isoformat(sep=" ")
    return frame
