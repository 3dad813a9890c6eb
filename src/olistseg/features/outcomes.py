"""What customers did after an origin: the outcome table that out-of-time validation reads.

The SQL lives in ``olistseg/sql/features/customer_outcomes.sql`` (purchase occasions as in the
features); this module binds the window and returns a DataFrame indexed by customer.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pandas as pd

from olistseg.errors import InputError
from olistseg.sql.models import composed

#: A customer's purchases are occasions: orders within this many seconds of the previous one
#: (chained) are one basket split by the checkout, not a second purchase.
OCCASION_GAP_SECONDS = 86_400


def delivered_end(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The last purchase among delivered orders: a future window must end by then.

    On Olist the purchases run to 2018-10-17, but almost nothing bought after August 2018 was
    delivered: a window reaching past this date would count missing data as customers who did
    not come back.
    """
    value = con.execute(
        "SELECT max(order_purchase_timestamp) FROM orders WHERE order_status = 'delivered'"
    ).fetchone()[0]
    if value is None:
        raise InputError("the warehouse has no delivered order: no future window can be observed.")
    return value


def customer_outcomes(
    con: duckdb.DuckDBPyConnection, origin: dt.datetime, horizon_end: dt.datetime
) -> pd.DataFrame:
    """Per customer: ``repurchased`` (0/1), ``future_occasions``, ``future_revenue`` (BRL) and
    ``next_review_score`` over (origin, horizon_end]; indexed by ``customer_unique_id``."""
    if horizon_end <= origin:
        raise ValueError("horizon_end must be after origin")
    frame = con.execute(
        composed("features", "customer_outcomes"),
        {
            "origin": origin.strftime("%Y-%m-%d %H:%M:%S"),
            "horizon_end": horizon_end.strftime("%Y-%m-%d %H:%M:%S"),
        },
    ).df()
    frame["future_revenue"] = frame["future_revenue"].astype("float64")
    frame["next_review_score"] = frame["next_review_score"].astype("float64")
    return frame.set_index("customer_unique_id")
