-- name: cancellation_rate
-- title: Cancellation and unavailability rate
-- question: What share of orders are canceled, or unavailable (the seller could not fulfil)?
-- definition: orders purchased in the period, every status; rates = orders with status
--   'canceled' (resp. 'unavailable') / all orders, by the status in the data.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE o.purchase_month END AS period,
    count(*) AS orders,
    sum(CASE WHEN o.order_status = 'canceled' THEN 1 ELSE 0 END) AS canceled,
    sum(CASE WHEN o.order_status = 'unavailable' THEN 1 ELSE 0 END) AS unavailable,
    round(1.0 * sum(CASE WHEN o.order_status = 'canceled' THEN 1 ELSE 0 END) / count(*), 4)
        AS canceled_rate,
    round(1.0 * sum(CASE WHEN o.order_status = 'unavailable' THEN 1 ELSE 0 END) / count(*), 4)
        AS unavailable_rate
FROM stg_orders AS o
CROSS JOIN periods AS g
WHERE o.in_period
GROUP BY 1
ORDER BY period <> 'total', period
