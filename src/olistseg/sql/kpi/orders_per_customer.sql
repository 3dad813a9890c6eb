-- name: orders_per_customer
-- title: Orders per customer
-- question: How many orders does a customer place?
-- definition: customers (customer_unique_id) whose first order was purchased in the period, by
--   the number of orders they placed up to as_of (any status); period = 'total' or the month of
--   the first order (a cohort). share = customers with that count / customers of the period.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
WITH per_customer AS (
    SELECT
        o.customer_unique_id,
        min(o.purchase_month) AS first_month,
        min(o.purchased_at) AS first_purchase,
        count(*) AS n_orders
    FROM stg_orders AS o
    GROUP BY o.customer_unique_id
),
cohort AS (
    SELECT c.*
    FROM per_customer AS c
    CROSS JOIN params AS p
    WHERE (p.date_from IS NULL OR c.first_purchase >= p.date_from)
      AND (p.date_to IS NULL OR c.first_purchase <= p.date_to)
),
counted AS (
    SELECT
        CASE WHEN g.grain = 'total' THEN 'total' ELSE c.first_month END AS period,
        c.n_orders,
        count(*) AS customers
    FROM cohort AS c
    CROSS JOIN periods AS g
    GROUP BY 1, 2
)
SELECT
    period,
    n_orders,
    customers,
    round(1.0 * customers / sum(customers) OVER (PARTITION BY period), 6) AS share
FROM counted
ORDER BY period <> 'total', period, n_orders
