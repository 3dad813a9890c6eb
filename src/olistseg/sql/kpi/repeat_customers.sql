-- name: repeat_customers
-- title: Repeat-customer rate
-- question: What share of the customers who bought in the period had bought before?
-- definition: a customer is a customer_unique_id; a purchase is a repeat when the same person
--   has an earlier order (any status, purchased by as_of). Repeat rate = customers with at
--   least one repeat purchase in the period / customers with a purchase in the period.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
WITH ranked AS (
    SELECT
        o.customer_unique_id,
        o.purchase_month,
        o.in_period,
        row_number() OVER (
            PARTITION BY o.customer_unique_id ORDER BY o.purchased_at, o.order_id
        ) AS order_rank
    FROM stg_orders AS o
)
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE r.purchase_month END AS period,
    count(DISTINCT r.customer_unique_id) AS customers,
    count(DISTINCT CASE WHEN r.order_rank > 1 THEN r.customer_unique_id END) AS repeat_customers,
    round(1.0 * count(DISTINCT CASE WHEN r.order_rank > 1 THEN r.customer_unique_id END)
          / count(DISTINCT r.customer_unique_id), 4) AS repeat_rate
FROM ranked AS r
CROSS JOIN periods AS g
WHERE r.in_period
GROUP BY 1
ORDER BY period <> 'total', period
