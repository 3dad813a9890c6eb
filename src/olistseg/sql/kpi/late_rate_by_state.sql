-- name: late_rate_by_state
-- title: Late-delivery rate by customer state
-- question: In which states are deliveries most often late?
-- definition: delivered orders of the period by the customer's state; late rate = late orders /
--   delivered orders. Sorted by period, then late rate (highest first).
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE d.purchase_month END AS period,
    d.customer_state,
    count(*) AS delivered_orders,
    sum(d.is_late) AS late_orders,
    round(1.0 * sum(d.is_late) / count(*), 4) AS late_rate
FROM stg_deliveries AS d
CROSS JOIN periods AS g
GROUP BY 1, 2
ORDER BY period <> 'total', period, late_rate DESC, d.customer_state
