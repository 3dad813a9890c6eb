-- name: review_answer_time
-- title: Review answer time
-- question: How long does Olist take to answer a review?
-- definition: reviews created in the period and answered by as_of; hours = (answered_at -
--   created_at) / 3600 s; mean and median (quantile_cont).
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE r.review_month END AS period,
    count(*) AS answered_reviews,
    round(avg(date_diff('second', r.created_at, r.answered_at) / 3600.0), 2) AS mean_hours,
    round(quantile_cont(date_diff('second', r.created_at, r.answered_at) / 3600.0, 0.5), 2)
        AS median_hours
FROM stg_reviews AS r
CROSS JOIN periods AS g
WHERE r.in_period AND r.answered_at IS NOT NULL
GROUP BY 1
ORDER BY period <> 'total', period
