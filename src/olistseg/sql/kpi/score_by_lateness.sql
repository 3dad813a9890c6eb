-- name: score_by_lateness
-- title: Review score by lateness
-- question: How much does a late delivery cost in review score?
-- definition: delivered orders of the period with at least one review created by as_of; the
--   order's score is the mean of its reviews (aggregated per order before the join). Buckets of
--   days late (delivered - estimated): 'on time' (<= 0), '0-3 days', '3-7 days', '7-14 days',
--   '14+ days' (each bucket includes its upper bound).
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
WITH order_scores AS (
    SELECT order_id, avg(review_score) AS score
    FROM stg_reviews
    GROUP BY order_id
),
bucketed AS (
    SELECT
        d.purchase_month,
        s.score,
        CASE
            WHEN d.delay_seconds <= 0 THEN '1 on time'
            WHEN d.delay_seconds <= 3 * 86400 THEN '2 0-3 days'
            WHEN d.delay_seconds <= 7 * 86400 THEN '3 3-7 days'
            WHEN d.delay_seconds <= 14 * 86400 THEN '4 7-14 days'
            ELSE '5 14+ days'
        END AS bucket
    FROM stg_deliveries AS d
    JOIN order_scores AS s ON s.order_id = d.order_id
)
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE b.purchase_month END AS period,
    substr(b.bucket, 3) AS lateness,
    count(*) AS orders,
    round(avg(b.score), 4) AS mean_score
FROM bucketed AS b
CROSS JOIN periods AS g
GROUP BY 1, b.bucket
ORDER BY period <> 'total', period, b.bucket
