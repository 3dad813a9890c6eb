-- name: low_score_share
-- title: Share of 1-2 star reviews
-- question: What share of reviews are negative (1 or 2 stars)?
-- definition: reviews created in the period; low = score 1 or 2; share = low / all reviews.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE r.review_month END AS period,
    count(*) AS reviews,
    sum(CASE WHEN r.review_score <= 2 THEN 1 ELSE 0 END) AS low_reviews,
    round(1.0 * sum(CASE WHEN r.review_score <= 2 THEN 1 ELSE 0 END) / count(*), 4) AS low_share
FROM stg_reviews AS r
CROSS JOIN periods AS g
WHERE r.in_period
GROUP BY 1
ORDER BY period <> 'total', period
