"""A warehouse reduced to a seeded sample of customers, for the steps whose cost outgrows the
data: the stability simulation and the out-of-time checks of lifetime value and targeting.

Why: the stability simulation computes every customer's features at about 50 dates and refits
the model at every (origin, step), so its cost grows with customers times dates; the value
checks recompute features, outcomes and fits at every validation origin. What they report (an
ARI, a share of customer pairs; an AUC, an error per customer) a random sample of customers
estimates without bias, with an error that shrinks with the sample, not with the population.

How: within :func:`sampled_customers`, the connection reads a warehouse of a seeded sample of
customers: temporary copies of their customers, orders, items, payments and reviews, whole, so
each sampled customer's features at every date are exactly those of the full warehouse. The
sample is the customers with the lowest MD5 of ``id:seed`` (the same customers at every date,
on every machine and DuckDB version). Counts of customers are scaled back to the population
(:func:`scale_counts`). ``benchmarks/bench_stability_sample.py`` and
``benchmarks/bench_value_sample.py`` measure the sampling error against the exact answer at
100,000 customers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

#: Customers above which the stability simulation runs on a sample of this many customers.
SAMPLE_CUSTOMERS = 100_000
#: Customers above which the value and targeting checks run on a sample of this many.
CHECK_SAMPLE_CUSTOMERS = 200_000

#: The tables the features read that hold one customer's rows, and how each joins the sample.
_CUSTOMER_TABLES = {
    "customers": "SELECT * FROM {db}.main.customers WHERE customer_unique_id IN "
    "(SELECT customer_unique_id FROM olistseg_sample)",
    "orders": "SELECT o.* FROM {db}.main.orders o JOIN temp.main.customers c USING (customer_id)",
    "order_items": "SELECT i.* FROM {db}.main.order_items i "
    "WHERE order_id IN (SELECT order_id FROM temp.main.orders)",
    "order_payments": "SELECT p.* FROM {db}.main.order_payments p "
    "WHERE order_id IN (SELECT order_id FROM temp.main.orders)",
    "order_reviews": "SELECT r.* FROM {db}.main.order_reviews r "
    "WHERE order_id IN (SELECT order_id FROM temp.main.orders)",
}


def customer_count(con: duckdb.DuckDBPyConnection) -> int:
    """Distinct customers (``customer_unique_id``) in the warehouse."""
    return int(
        con.execute("SELECT count(DISTINCT customer_unique_id) FROM customers").fetchone()[0]
    )


@contextmanager
def sampled_customers(
    con: duckdb.DuckDBPyConnection, size: int = SAMPLE_CUSTOMERS, seed: int = 42
) -> Iterator[dict | None]:
    """Within the block, ``con`` reads a warehouse of ``size`` seeded customers (temporary
    tables that shadow the customer tables); yields what was sampled, or None (and changes nothing)
    when the warehouse has at most ``size`` customers."""
    population = customer_count(con)
    if population <= size:
        yield None
        return
    db = con.execute("SELECT current_database()").fetchone()[0]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE olistseg_sample AS SELECT customer_unique_id FROM "
        f'"{db}".main.customers GROUP BY customer_unique_id '
        "ORDER BY md5(customer_unique_id || ':' || ?), customer_unique_id LIMIT ?",
        [str(seed), size],
    )
    try:
        for table, query in _CUSTOMER_TABLES.items():
            # copied, not a view: every later query then scans the sample's rows only (a view
            # would scan and semi-join the whole tables again at each of the ~50 dates)
            con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS " + query.format(db=f'"{db}"'))
        yield {
            "population": population,
            "sample": size,
            "seed": seed,
            "scale": round(population / size, 6),
            "method": f"a seeded sample of {size:,} of {population:,} customers (the lowest "
            f"MD5 of id:{seed}), with all their orders; counts of customers scaled back",
        }
    finally:
        for table in reversed(list(_CUSTOMER_TABLES)):
            con.execute(f"DROP TABLE IF EXISTS temp.main.{table}")
        con.execute("DROP TABLE IF EXISTS temp.main.olistseg_sample")


#: Customers (rows of ``customers``) per bucket above which a per-customer query runs bucket by
#: bucket (:func:`customer_bucket`): the feature query holds per-customer and per-order hash
#: tables that DuckDB could not always spill at 10 million customers.
BUCKET_CUSTOMERS = 2_500_000


def bucket_count(con: duckdb.DuckDBPyConnection) -> int:
    """How many buckets a per-customer query over ``con`` should run in (1: all at once)."""
    rows = int(con.execute("SELECT count(*) FROM customers").fetchone()[0])
    return max(1, -(-rows // BUCKET_CUSTOMERS))


@contextmanager
def customer_bucket(con: duckdb.DuckDBPyConnection, bucket: int, buckets: int) -> Iterator[None]:
    """Within the block, ``con`` reads the customers whose ``hash(customer_unique_id)`` modulo
    ``buckets`` is ``bucket``, with all their orders, items, payments and reviews: temporary
    views (read once, so not copied) that shadow the customer tables. Every customer is in
    exactly one bucket, whole, so a per-customer query run bucket by bucket and concatenated
    gives the query's result, with a bucket's memory."""
    db = con.execute("SELECT current_database()").fetchone()[0]
    views = {
        "customers": f'SELECT * FROM "{db}".main.customers '
        f"WHERE hash(customer_unique_id) % {int(buckets)} = {int(bucket)}",
        "orders": f'SELECT * FROM "{db}".main.orders '
        "WHERE customer_id IN (SELECT customer_id FROM temp.main.customers)",
        **{
            table: f'SELECT * FROM "{db}".main.{table} '
            "WHERE order_id IN (SELECT order_id FROM temp.main.orders)"
            for table in ("order_items", "order_payments", "order_reviews")
        },
    }
    try:
        for name, query in views.items():
            con.execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {query}")
        yield
    finally:
        for name in reversed(list(views)):
            con.execute(f"DROP VIEW IF EXISTS temp.main.{name}")


def scale_counts(result: dict, sample: dict | None) -> dict:
    """The simulation's counts of customers (campaign impact) scaled to the population."""
    if sample is None:
        return result
    for row in result.get("campaign_impact") or []:
        for key in ("changed_segment", "new_customers"):
            row[key] = round(row[key] * sample["scale"])
    result["sample"] = sample
    return result
