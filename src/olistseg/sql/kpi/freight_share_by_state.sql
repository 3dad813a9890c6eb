-- name: freight_share_by_state
-- title: Freight as a share of order value, by state
-- question: Where does shipping weigh most on what customers pay?
-- definition: non-canceled orders of the period by customer state; freight share = freight /
--   (item prices + freight), summed over the state's orders.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE o.purchase_month END AS period,
    o.customer_state,
    count(*) AS orders,
    round(sum(o.freight_value), 2) AS freight,
    round(sum(o.items_value + o.freight_value), 2) AS order_value,
    round(sum(o.freight_value) / sum(o.items_value + o.freight_value), 4) AS freight_share
FROM stg_orders AS o
CROSS JOIN periods AS g
WHERE o.in_period AND o.order_status <> 'canceled' AND o.items_value + o.freight_value > 0
GROUP BY 1, 2
ORDER BY period <> 'total', period, freight_share DESC, o.customer_state
