-- Question: does order volume grow over time?
-- Definitions: the span of purchase timestamps is cut into thirds; growth = orders in the last
--   third / orders in the first third.
-- Returns: one row.
WITH bounds AS (
    SELECT min(order_purchase_timestamp) AS lo, max(order_purchase_timestamp) AS hi FROM orders
),
thirds AS (
    SELECT least(2, floor(3 * date_diff('second', b.lo, o.order_purchase_timestamp)
                       / greatest(date_diff('second', b.lo, b.hi), 1)))::INTEGER AS third
    FROM orders AS o, bounds AS b
)
SELECT
    count(*) FILTER (WHERE third = 2) / greatest(count(*) FILTER (WHERE third = 0), 1)
        AS growth_last_vs_first_third
FROM thirds
