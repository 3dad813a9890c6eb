-- name: stg_deliveries
-- title: Delivered orders of the period, with their delay
-- definition: orders of stg_orders in the period, status 'delivered', delivered to the customer
--   by as_of and with an estimated date. delay_seconds = delivered_at - estimated_at (negative
--   when early); is_late = delay_seconds > 0; delivery_seconds = delivered_at - purchased_at.
SELECT
    o.*,
    date_diff('second', o.estimated_at, o.delivered_at) AS delay_seconds,
    CASE WHEN o.delivered_at > o.estimated_at THEN 1 ELSE 0 END AS is_late,
    date_diff('second', o.purchased_at, o.delivered_at) AS delivery_seconds
FROM stg_orders AS o
WHERE o.in_period
  AND o.order_status = 'delivered'
  AND o.delivered_at IS NOT NULL
  AND o.estimated_at IS NOT NULL
