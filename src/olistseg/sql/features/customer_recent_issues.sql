-- name: customer_recent_issues
-- title: Customers let down in the last days before a date, one row per customer_unique_id
-- question: Who should get no promotional campaign at as_of, and why?
-- definition: the window is (as_of - $days days, as_of].
--   low_review: a review scored 1 or 2 created in the window.
--   undelivered: an order that failed the customer in the window: its estimated delivery date
--   fell in the window and it had not been delivered to the customer by as_of, or it was
--   purchased in the window and is canceled or unavailable. (The tables hold an order's final
--   status, not its history: a cancellation is dated by the purchase.)
--   Only customers with at least one issue have a row; reviews and orders are aggregated per
--   customer before the join.
-- parameters: as_of ('YYYY-MM-DD HH:MM:SS'), days (integer)
-- dialects: duckdb
WITH params AS (
    SELECT CAST($as_of AS TIMESTAMP) AS as_of,
           CAST($as_of AS TIMESTAMP) - to_days(CAST($days AS INTEGER)) AS since
),
low_reviews AS (
    SELECT c.customer_unique_id, count(*) AS low_reviews
    FROM order_reviews AS r
    JOIN orders AS o ON o.order_id = r.order_id
    JOIN customers AS c ON c.customer_id = o.customer_id
    CROSS JOIN params AS p
    WHERE r.review_score <= 2
      AND r.review_creation_date > p.since AND r.review_creation_date <= p.as_of
    GROUP BY c.customer_unique_id
),
failed_orders AS (
    SELECT c.customer_unique_id, count(*) AS undelivered_orders
    FROM orders AS o
    JOIN customers AS c ON c.customer_id = o.customer_id
    CROSS JOIN params AS p
    WHERE (o.order_estimated_delivery_date > p.since
           AND o.order_estimated_delivery_date <= p.as_of
           AND o.order_purchase_timestamp <= p.as_of
           AND (o.order_delivered_customer_date IS NULL
                OR o.order_delivered_customer_date > p.as_of))
       OR (o.order_status IN ('canceled', 'unavailable')
           AND o.order_purchase_timestamp > p.since
           AND o.order_purchase_timestamp <= p.as_of)
    GROUP BY c.customer_unique_id
)
SELECT customer_unique_id,
       coalesce(l.low_reviews, 0) AS low_reviews,
       coalesce(f.undelivered_orders, 0) AS undelivered_orders
FROM low_reviews AS l
FULL OUTER JOIN failed_orders AS f USING (customer_unique_id)
ORDER BY customer_unique_id
