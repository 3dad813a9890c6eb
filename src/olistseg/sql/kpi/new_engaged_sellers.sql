-- name: new_engaged_sellers
-- title: New sellers already engaged
-- question: Which sellers made their first sale in the 3 months up to as_of and already sold
--   more than 30 items?
-- definition: a seller's first sale = the earliest purchase timestamp among non-canceled orders
--   containing their items, purchased by as_of; it must fall in [as_of - 3 months, as_of].
--   items sold = order-item rows of non-canceled orders purchased by as_of; revenue = sum of
--   their price. Only as_of applies: filters would move a seller's first sale.
-- parameters: as_of
-- dialects: duckdb, sqlite, postgres
WITH seller_sales AS (
    SELECT
        i.seller_id,
        min(o.order_purchase_timestamp) AS first_sale,
        count(*) AS items_sold,
        count(DISTINCT i.order_id) AS orders,
        round(sum(i.price), 2) AS revenue
    FROM order_items AS i
    JOIN orders AS o ON o.order_id = i.order_id
    CROSS JOIN params AS p
    WHERE o.order_status <> 'canceled'
      AND o.order_purchase_timestamp <= p.as_of
    GROUP BY i.seller_id
)
SELECT s.seller_id, s.first_sale, s.items_sold, s.orders, s.revenue
FROM seller_sales AS s
CROSS JOIN params AS p
WHERE s.first_sale >= p.as_of - INTERVAL 3 MONTH
  AND s.items_sold > 30
ORDER BY s.items_sold DESC, s.seller_id
