"""Where the data stops arriving: an incomplete tail of months would read as a collapse.

Olist's purchases run to 2018-10-17, but September and October 2018 hold 16 and 4 orders
against ~6,400 a month before: the export stopped, the customers did not. The dashboard's tiles
and the findings use :func:`incomplete_tail` to say so and to default to the last complete month.
"""

from __future__ import annotations

import duckdb
import pandas as pd

#: A month is incomplete when its orders fall below this share of the median of the
#: :data:`TAIL_REFERENCE_MONTHS` months before it.
TAIL_DROP_SHARE = 0.5
TAIL_REFERENCE_MONTHS = 3


def monthly_orders(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Orders purchased per calendar month (``month`` as the month's first day, ``orders``)."""
    return con.execute(
        """
        SELECT CAST(date_trunc('month', order_purchase_timestamp) AS TIMESTAMP) AS month,
               count(*) AS orders
        FROM orders GROUP BY 1 ORDER BY 1
        """
    ).df()


def incomplete_tail(months: pd.DataFrame) -> dict | None:
    """Where the data stops arriving: the trailing months whose order volume collapses.

    Walking back from the last month, a month is incomplete while its orders are below
    :data:`TAIL_DROP_SHARE` of the median of the :data:`TAIL_REFERENCE_MONTHS` months before
    it. Returns None when the last month is complete, else ``complete_until`` (the end of the
    last complete month), the incomplete ``months`` and the ``reason`` in words. On Olist:
    September and October 2018 hold 16 and 4 orders against ~6,400 a month before.
    """
    orders = months["orders"].to_numpy()
    end = len(orders)
    while end > TAIL_REFERENCE_MONTHS:
        reference = float(pd.Series(orders[end - 1 - TAIL_REFERENCE_MONTHS : end - 1]).median())
        if orders[end - 1] >= TAIL_DROP_SHARE * reference:
            break
        end -= 1
    if end == len(orders) or end <= TAIL_REFERENCE_MONTHS:
        return None
    last_complete = pd.Timestamp(months["month"].iloc[end - 1])
    complete_until = last_complete + pd.DateOffset(months=1) - pd.Timedelta(seconds=1)
    tail = months.iloc[end:]
    reference = int(pd.Series(orders[end - TAIL_REFERENCE_MONTHS : end]).median())
    listed = ", ".join(f"{m:%Y-%m} ({n:,})" for m, n in zip(tail["month"], tail["orders"],
                                                              strict=True))  # fmt: skip
    return {
        "complete_until": complete_until.to_pydatetime(),
        "months": [f"{m:%Y-%m}" for m in tail["month"]],
        "reason": (
            f"the data stops arriving after {last_complete:%Y-%m}: {listed} orders against a "
            f"median of {reference:,} a month before; tiles default to the last complete month"
        ),
    }
