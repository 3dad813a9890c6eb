-- name: delivery_time
-- title: Delivery time, median and 90th percentile
-- question: How long does a delivered order take from purchase to the customer's door?
-- definition: delivered orders of the period; days = (delivered_at - purchased_at) / 86400 s;
--   median and 90th percentile by linear interpolation (quantile_cont).
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE d.purchase_month END AS period,
    count(*) AS delivered_orders,
    round(quantile_cont(d.delivery_seconds / 86400.0, 0.5), 2) AS median_days,
    round(quantile_cont(d.delivery_seconds / 86400.0, 0.9), 2) AS p90_days,
    round(avg(d.delivery_seconds / 86400.0), 2) AS mean_days
FROM stg_deliveries AS d
CROSS JOIN periods AS g
GROUP BY 1
ORDER BY period <> 'total', period
