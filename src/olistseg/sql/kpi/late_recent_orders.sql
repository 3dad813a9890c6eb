-- name: late_recent_orders
-- title: Late deliveries in the last 3 months
-- question: Which non-canceled orders purchased in the 3 months up to as_of reached the customer
--   at least 3 days after the estimated delivery date?
-- definition: window = purchase in [as_of - 3 months, as_of], both ends included; late means
--   delivered_customer_date >= estimated_delivery_date + 3 days, the delivery having happened
--   by as_of; canceled orders are excluded. days_late = (delivered - estimated) in days.
--   The date range filter does not apply (the question fixes its own window).
-- parameters: as_of, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    o.order_id,
    o.customer_unique_id,
    o.purchased_at AS purchase_date,
    o.estimated_at AS estimated_delivery,
    o.delivered_at AS delivered,
    round(date_diff('second', o.estimated_at, o.delivered_at) / 86400.0, 2) AS days_late,
    o.customer_state
FROM stg_orders AS o
CROSS JOIN params AS p
WHERE o.order_status <> 'canceled'
  AND o.purchased_at >= p.as_of - INTERVAL 3 MONTH
  AND o.delivered_at IS NOT NULL
  AND o.delivered_at >= o.estimated_at + INTERVAL 3 DAY
ORDER BY days_late DESC, o.order_id
