-- name: customer_occasions
-- title: Purchase occasions as of a date, one row per customer_unique_id and occasion
-- question: When did each customer buy, and for how much, as far as we knew at as_of?
-- definition: orders purchased by as_of, canceled and unavailable ones excluded (as in
--   customer_features). Purchase occasions as in customer_features (stg_order_occasions): an
--   order placed within 24 hours of the customer's previous order (chained) belongs to the same occasion.
--   occasion_at: the purchase timestamp of the occasion's first order; occasion_value: the
--   payments (BRL) of its orders (0 where an order has no payment row); n_orders: its orders.
--   The transaction log the lifetime-value models summarise (frequency = occasions - 1,
--   recency and T in days); payments are aggregated per order before the join.
-- parameters: as_of ('YYYY-MM-DD HH:MM:SS')
-- dialects: duckdb
WITH params AS (
    SELECT CAST($as_of AS TIMESTAMP) AS as_of
),
known_orders AS (
    SELECT o.order_id, c.customer_unique_id, o.order_purchase_timestamp AS purchased_at
    FROM orders AS o
    JOIN customers AS c ON c.customer_id = o.customer_id
    CROSS JOIN params AS p
    WHERE o.order_purchase_timestamp <= p.as_of
      AND o.order_status NOT IN ('canceled', 'unavailable')
),
paid AS (
    SELECT order_id, sum(payment_value) AS paid FROM order_payments GROUP BY order_id
),
numbered AS (
    -- the 24-hour occasion rule and the occasions' numbers, written once
    -- (staging/stg_order_occasions.sql)
    SELECT k.*, s.occasion
    FROM known_orders AS k
    JOIN stg_order_occasions AS s USING (order_id)
)
SELECT n.customer_unique_id,
       n.occasion,
       min(n.purchased_at) AS occasion_at,
       coalesce(sum(pd.paid), 0) AS occasion_value,
       count(*) AS n_orders
FROM numbered AS n
LEFT JOIN paid AS pd USING (order_id)
GROUP BY n.customer_unique_id, n.occasion
ORDER BY n.customer_unique_id, n.occasion
