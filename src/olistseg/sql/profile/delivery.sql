-- Question: how often is a delivered order late, and how are late orders reviewed?
-- Definitions: late = delivered to the customer after the estimated delivery date; only
--   delivered orders with both dates count. Reviews are averaged per order first.
-- Returns: one row.
WITH delivered AS (
    SELECT
        o.order_id,
        o.order_delivered_customer_date > o.order_estimated_delivery_date AS is_late,
        date_diff('second', o.order_purchase_timestamp, o.order_delivered_customer_date)
            / 86400.0 AS delivery_days
    FROM orders AS o
    WHERE o.order_status = 'delivered'
      AND o.order_delivered_customer_date IS NOT NULL
      AND o.order_estimated_delivery_date IS NOT NULL
),
order_score AS (
    SELECT order_id, avg(review_score) AS score FROM order_reviews GROUP BY order_id
)
SELECT
    avg(CASE WHEN d.is_late THEN 1.0 ELSE 0.0 END) AS late_rate,
    median(d.delivery_days) AS median_delivery_days,
    avg(s.score) FILTER (WHERE d.is_late) AS mean_score_late,
    avg(s.score) FILTER (WHERE NOT d.is_late) AS mean_score_on_time
FROM delivered AS d
LEFT JOIN order_score AS s USING (order_id)
