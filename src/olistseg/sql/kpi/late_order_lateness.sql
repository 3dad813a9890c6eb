-- name: late_order_lateness
-- title: How late are late orders?
-- question: When a delivered order is late, by how many days on average?
-- definition: late = delivered after the estimated date; days late = (delivered_at -
--   estimated_at) / 86400 s, averaged over late orders of the period.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE d.purchase_month END AS period,
    count(*) AS late_orders,
    round(avg(d.delay_seconds / 86400.0), 2) AS mean_days_late,
    round(max(d.delay_seconds / 86400.0), 2) AS max_days_late
FROM stg_deliveries AS d
CROSS JOIN periods AS g
WHERE d.is_late = 1
GROUP BY 1
ORDER BY period <> 'total', period
