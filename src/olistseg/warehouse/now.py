"""The analysis date: the one "now" of every command, where the data stops being complete.

Olist's purchases run to 2018-10-17, but September and October 2018 hold 16 and 4 orders
against ~6,400 a month before: the export stopped, the customers did not. Dated at the last
purchase, every recency would be ~47 days too old, a "recent" segment would have bought half a
year ago and the 30-day windows would be nearly empty. So the default "now" of every command
(kpi, dashboard, segment, score, validate, value, audiences, stability, monitor, run) is the end
of the last complete month found by the *incomplete-tail rule* below, or the last purchase when
the data has no incomplete tail. ``--as-of`` still overrides it.

The incomplete-tail rule: walking back from the last month with a purchase (months without any
count as 0 orders), a month is incomplete while its orders are below :data:`TAIL_DROP_SHARE` of
the median of the :data:`TAIL_REFERENCE_MONTHS` months before it (or that median is 0). The
first month that is not is the last complete one; "now" is its last second. A few stray orders
dated years later (a typo) therefore never move "now": they sit in an incomplete tail.

It lives in the warehouse layer so that the KPIs, features, segments, value and stability all
read it without importing each other.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

import duckdb
import pandas as pd

from olistseg.errors import InputError

#: A month is incomplete when its orders fall below this share of the median of the
#: :data:`TAIL_REFERENCE_MONTHS` months before it.
TAIL_DROP_SHARE = 0.5
TAIL_REFERENCE_MONTHS = 3

#: Commands announce the default "now" and its reason here (the CLI prints it on stderr).
logger = logging.getLogger("olistseg.now")

MONTHLY_ORDERS_SQL = """
    SELECT CAST(date_trunc('month', order_purchase_timestamp) AS TIMESTAMP) AS month,
           count(*) AS orders
    FROM orders WHERE order_purchase_timestamp IS NOT NULL GROUP BY 1 ORDER BY 1
"""


def monthly_orders(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Orders purchased per calendar month (``month`` as the month's first day, ``orders``),
    every month from the first to the last purchase (a month without orders has 0)."""
    return fill_months(con.execute(MONTHLY_ORDERS_SQL).df())


def fill_months(months: pd.DataFrame) -> pd.DataFrame:
    """``months`` (``month``, ``orders``) with the calendar months missing between the first and
    the last one added with 0 orders: a gap is a month without orders, not a shorter year."""
    if months.empty:
        return months.reset_index(drop=True)
    index = pd.date_range(months["month"].min(), months["month"].max(), freq="MS")
    filled = months.set_index("month")["orders"].reindex(index, fill_value=0)
    return pd.DataFrame({"month": index, "orders": filled.to_numpy(dtype="int64")})


def incomplete_tail(months: pd.DataFrame) -> dict | None:
    """Where the data stops arriving: the trailing months whose order volume collapses.

    ``months`` as :func:`monthly_orders` (gaps filled). Returns None when the last month is
    complete, else ``complete_until`` (the last second of the last complete month), the
    incomplete ``months``, the ``orders`` they hold and the ``reason`` in words.
    """
    months = fill_months(months)
    orders = months["orders"].to_numpy()
    end = len(orders)
    while end > TAIL_REFERENCE_MONTHS:
        reference = float(pd.Series(orders[end - 1 - TAIL_REFERENCE_MONTHS : end - 1]).median())
        if reference > 0 and orders[end - 1] >= TAIL_DROP_SHARE * reference:
            break
        end -= 1
    if end == len(orders) or end <= TAIL_REFERENCE_MONTHS:
        return None
    last_complete = pd.Timestamp(months["month"].iloc[end - 1])
    complete_until = last_complete + pd.DateOffset(months=1) - pd.Timedelta(seconds=1)
    tail = months.iloc[end:]
    tail = tail[tail["orders"] > 0]
    reference = int(pd.Series(orders[end - TAIL_REFERENCE_MONTHS : end]).median())
    listed = ", ".join(
        f"{m:%Y-%m} ({n:,})" for m, n in zip(tail["month"], tail["orders"], strict=True)
    )
    return {
        "complete_until": complete_until.to_pydatetime(),
        "months": [f"{m:%Y-%m}" for m in tail["month"]],
        "orders": int(tail["orders"].sum()),
        "reason": (
            f"the data stops arriving after {last_complete:%Y-%m}: {listed} orders against a "
            f"median of {reference:,} a month before"
        ),
    }


@dataclass(frozen=True)
class AnalysisDate:
    """The default "now" of a warehouse and why (see the module docstring).

    ``as_of``: the analysis date; ``last_purchase``: the data's last purchase;
    ``complete_until``: the end of the last complete month (None without an incomplete tail);
    ``ignored_orders``: orders purchased after ``as_of``; ``reason``: the rule's answer in words.
    """

    as_of: dt.datetime
    last_purchase: dt.datetime
    complete_until: dt.datetime | None
    ignored_orders: int
    reason: str
    tail: dict | None = None

    def to_dict(self) -> dict:
        return {
            "as_of": self.as_of.isoformat(sep=" "),
            "last_purchase": self.last_purchase.isoformat(sep=" "),
            "complete_until": None
            if self.complete_until is None
            else self.complete_until.isoformat(sep=" "),
            "ignored_orders": self.ignored_orders,
            "reason": self.reason,
        }


def analysis_date_from(months: pd.DataFrame, last_purchase: dt.datetime) -> AnalysisDate:
    """The rule on monthly order counts (any engine computes them) and the last purchase."""
    tail = incomplete_tail(months)
    if tail is None:
        return AnalysisDate(
            last_purchase,
            last_purchase,
            None,
            0,
            f"data complete until the last purchase, {last_purchase:%Y-%m-%d}",
        )
    until = tail["complete_until"]
    ignored = tail["orders"]
    return AnalysisDate(
        until,
        last_purchase,
        until,
        ignored,
        f"data complete until {until:%Y-%m-%d}; {ignored:,} later "
        f"{'order' if ignored == 1 else 'orders'} ignored ({tail['reason']})",
        {**tail, "complete_until": until.isoformat(sep=" ")},
    )


def analysis_date(con: duckdb.DuckDBPyConnection) -> AnalysisDate:
    """The default "now" of the warehouse on ``con``, with its reason."""
    last = con.execute("SELECT max(order_purchase_timestamp) FROM orders").fetchone()[0]
    if last is None:
        raise InputError("the warehouse has no orders: there is no date to analyse the data at.")
    return analysis_date_from(monthly_orders(con), last)


def default_as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The default "now": :func:`analysis_date`'s ``as_of``, announced on :data:`logger`."""
    date = analysis_date(con)
    logger.info("as of %s: %s", f"{date.as_of:%Y-%m-%d %H:%M:%S}", date.reason)
    return date.as_of
