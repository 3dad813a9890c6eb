-- name: orders_gmv
-- title: Orders, GMV and average order value
-- question: How many orders, how much gross merchandise value, and what average order value?
-- definition: non-canceled orders purchased in the period; GMV = item prices + freight of those
--   orders (BRL); average order value = GMV / orders. period = 'total' or the purchase month.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE o.purchase_month END AS period,
    count(*) AS orders,
    round(sum(o.items_value + o.freight_value), 2) AS gmv,
    round(sum(o.items_value + o.freight_value) / count(*), 2) AS avg_order_value
FROM stg_orders AS o
CROSS JOIN periods AS g
WHERE o.in_period AND o.order_status <> 'canceled'
GROUP BY 1
ORDER BY period <> 'total', period
