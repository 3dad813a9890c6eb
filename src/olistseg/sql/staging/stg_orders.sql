-- name: stg_orders
-- title: Orders known at as_of, one row per order, with its customer and order-level totals
-- definition: an order exists once purchased (order_purchase_timestamp <= as_of); a delivery
--   counts only if it happened by as_of (delivered_at is NULL otherwise). Items, payments and
--   reviews are aggregated per order before the join, so nothing is double counted.
--   is_late: delivered after the estimated delivery date. delivery_seconds: purchase to
--   delivery. in_period: purchased within [date_from, date_to] (bounds inclusive, NULL = open).
--   The state and category filters are applied here.
WITH order_items_agg AS (
    SELECT
        order_id,
        count(*) AS n_items,
        sum(price) AS items_value,
        sum(freight_value) AS freight_value
    FROM order_items
    GROUP BY order_id
),
category_orders AS (
    -- Not correlated with the outer query, so every engine evaluates it once.
    SELECT DISTINCT i.order_id
    FROM order_items AS i
    JOIN products AS p ON p.product_id = i.product_id
    LEFT JOIN category_translation AS t ON t.product_category_name = p.product_category_name
    CROSS JOIN params AS f
    WHERE coalesce(t.product_category_name_english, p.product_category_name) = f.category
)
SELECT
    o.order_id,
    o.order_status,
    c.customer_unique_id,
    c.customer_state,
    c.customer_city,
    lpad(CAST(c.customer_zip_code_prefix AS VARCHAR), 5, '0') AS customer_zip_code_prefix,
    o.order_purchase_timestamp AS purchased_at,
    o.order_estimated_delivery_date AS estimated_at,
    CASE WHEN o.order_delivered_customer_date <= p.as_of THEN o.order_delivered_customer_date END
        AS delivered_at,
    strftime(o.order_purchase_timestamp, '%Y-%m') AS purchase_month,
    coalesce(i.n_items, 0) AS n_items,
    coalesce(i.items_value, 0) AS items_value,
    coalesce(i.freight_value, 0) AS freight_value,
    (p.date_from IS NULL OR o.order_purchase_timestamp >= p.date_from)
        AND (p.date_to IS NULL OR o.order_purchase_timestamp <= p.date_to) AS in_period
FROM orders AS o
JOIN customers AS c ON c.customer_id = o.customer_id
CROSS JOIN params AS p
LEFT JOIN order_items_agg AS i ON i.order_id = o.order_id
WHERE o.order_purchase_timestamp <= p.as_of
  AND (p.state IS NULL OR c.customer_state = p.state)
  AND (p.category IS NULL OR o.order_id IN (SELECT co.order_id FROM category_orders AS co))
