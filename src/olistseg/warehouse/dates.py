"""Timestamps a clean dataset cannot have, caught while a table loads (before its rows are kept).

Three rules, each sending the row to quarantine with its reason:

- a timestamp before :data:`~olistseg.data.schema.EARLIEST_TIMESTAMP` (column rule, in
  :func:`olistseg.warehouse.validate.problem_exprs`);
- a rule between columns of a row, such as a delivery before its purchase
  (:attr:`olistseg.data.schema.Table.row_checks`, applied by :func:`apply_row_checks`);
- a purchase more than :data:`FUTURE_LIMIT_DAYS` days after the end of the last month with a
  normal order volume (:func:`flag_future_purchases`; the month is found by the
  incomplete-tail rule of :mod:`olistseg.warehouse.now`). Three orders typed "2030" into an
  export that ends in 2018 would otherwise be the data's last purchases.

Purchases after that month but within the limit are real orders of an export that stopped
arriving (Olist's September and October 2018): they are kept, and the load report says so and
that the default "now" ignores them.
"""

from __future__ import annotations

import datetime as dt

import duckdb

from olistseg.data.schema import Table
from olistseg.warehouse.now import fill_months, incomplete_tail
from olistseg.warehouse.validate import quote_literal

#: A purchase this many days after the end of the last complete month is not a date a clean
#: export can have. An export's incomplete tail spans the weeks before it was taken (47 days
#: on Olist); a quarter leaves room for a late export and none for a mistyped year.
FUTURE_LIMIT_DAYS = 90
PURCHASE = "order_purchase_timestamp"


def _problem(column: str, reason_sql: str) -> str:
    return f"{{'column': {quote_literal(column)}, 'reason': {reason_sql}}}"


def apply_row_checks(con: duckdb.DuckDBPyConnection, table: Table) -> None:
    """Add each of ``table.row_checks`` broken by a row of the ``checked`` table to its problems."""
    for check in table.row_checks:
        con.execute(
            f"UPDATE checked SET _problems = list_append(_problems, "
            f"{_problem(check.columns, check.reason)}) WHERE {check.condition}"
        )


def flag_future_purchases(con: duckdb.DuckDBPyConnection, warnings: list[str], source: str) -> None:
    """Quarantine the ``checked`` orders purchased more than :data:`FUTURE_LIMIT_DAYS` days after
    the last complete month; warn about the kept ones after that month (see the module text)."""
    months = con.execute(
        f"""
        SELECT CAST(date_trunc('month', {PURCHASE}) AS TIMESTAMP) AS month, count(*) AS orders
        FROM checked WHERE len(_problems) = 0 AND {PURCHASE} IS NOT NULL GROUP BY 1 ORDER BY 1
        """
    ).df()
    tail = incomplete_tail(fill_months(months))
    if tail is None:
        return
    until: dt.datetime = tail["complete_until"]
    limit = until + dt.timedelta(days=FUTURE_LIMIT_DAYS)
    reason = (
        f"'purchase date ' || {PURCHASE} || ' is more than {FUTURE_LIMIT_DAYS} days after "
        f"{until:%Y-%m-%d}, the end of the last month with a normal order volume (a mistyped "
        "date: it would move every recency and window)'"
    )
    con.execute(
        f"UPDATE checked SET _problems = [{_problem(PURCHASE, reason)}] "
        f"WHERE len(_problems) = 0 AND {PURCHASE} > ?",
        [limit],
    )
    kept = con.execute(
        f"""
        SELECT strftime({PURCHASE}, '%Y-%m') AS month, count(*) FROM checked
        WHERE len(_problems) = 0 AND {PURCHASE} > ? GROUP BY 1 ORDER BY 1
        """,
        [until],
    ).fetchall()
    if kept:
        total = sum(n for _, n in kept)
        listed = ", ".join(f"{month} ({n:,})" for month, n in kept)
        warnings.append(
            f"{source}: {total:,} {'order' if total == 1 else 'orders'} purchased after "
            f"{until:%Y-%m-%d}, the end of the last month with a normal order volume ({listed}); "
            "kept, but the default analysis date ignores them"
        )
