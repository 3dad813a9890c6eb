-- name: top_sellers
-- title: Sellers above 100,000 BRL of revenue
-- question: Which sellers made more than 100,000 BRL of revenue on delivered orders?
-- definition: revenue = sum of item price on orders with status 'delivered' and delivered by
--   as_of, freight excluded (shown in its own column); orders = distinct orders, items =
--   order-item rows. Period, state and category filters apply to the orders.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    i.seller_id,
    s.seller_state,
    round(sum(i.price), 2) AS revenue,
    round(sum(i.freight_value), 2) AS freight,
    count(DISTINCT i.order_id) AS orders,
    count(*) AS items
FROM order_items AS i
JOIN stg_orders AS o ON o.order_id = i.order_id
JOIN sellers AS s ON s.seller_id = i.seller_id
WHERE o.in_period
  AND o.order_status = 'delivered'
  AND o.delivered_at IS NOT NULL
GROUP BY i.seller_id, s.seller_state
HAVING sum(i.price) > 100000
ORDER BY revenue DESC, i.seller_id
