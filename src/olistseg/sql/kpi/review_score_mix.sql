-- name: review_score_mix
-- title: Mean review score and score mix
-- question: How satisfied are customers, and how are the 1-5 scores spread?
-- definition: reviews created in the period (one row per review and order); shares are of
--   those rows. period = 'total' or the month the review was created.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE r.review_month END AS period,
    count(*) AS reviews,
    round(avg(r.review_score), 4) AS mean_score,
    round(1.0 * sum(CASE WHEN r.review_score = 1 THEN 1 ELSE 0 END) / count(*), 4) AS share_1,
    round(1.0 * sum(CASE WHEN r.review_score = 2 THEN 1 ELSE 0 END) / count(*), 4) AS share_2,
    round(1.0 * sum(CASE WHEN r.review_score = 3 THEN 1 ELSE 0 END) / count(*), 4) AS share_3,
    round(1.0 * sum(CASE WHEN r.review_score = 4 THEN 1 ELSE 0 END) / count(*), 4) AS share_4,
    round(1.0 * sum(CASE WHEN r.review_score = 5 THEN 1 ELSE 0 END) / count(*), 4) AS share_5
FROM stg_reviews AS r
CROSS JOIN periods AS g
WHERE r.in_period
GROUP BY 1
ORDER BY period <> 'total', period
