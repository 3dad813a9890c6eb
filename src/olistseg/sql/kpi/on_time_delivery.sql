-- name: on_time_delivery
-- title: On-time delivery rate
-- question: What share of delivered orders arrived by the estimated delivery date?
-- definition: delivered orders of the period (stg_deliveries); on time = delivered_at <=
--   estimated_at. period = 'total' or the purchase month.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE d.purchase_month END AS period,
    count(*) AS delivered_orders,
    sum(1 - d.is_late) AS on_time_orders,
    round(1.0 * sum(1 - d.is_late) / count(*), 4) AS on_time_rate
FROM stg_deliveries AS d
CROSS JOIN periods AS g
GROUP BY 1
ORDER BY period <> 'total', period
