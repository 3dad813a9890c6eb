-- name: worst_zip_codes
-- title: The 5 zip codes with the worst reviews
-- question: Among customer zip-code prefixes with more than 30 reviews created in the 12 months
--   up to as_of, which 5 have the lowest mean review score?
-- definition: window = review creation in [as_of - 12 months, as_of]; a review joins to its
--   customer through its order; distinct reviews are counted (a review covering several orders
--   of one zip counts once) and the mean is over those distinct reviews. Ties are broken by
--   zip code. city/state: the alphabetically first of the zip's customers.
-- parameters: as_of, state, category
-- dialects: duckdb, sqlite, postgres
WITH zip_reviews AS (
    SELECT DISTINCT
        r.customer_zip_code_prefix,
        r.review_id,
        r.review_score,
        r.customer_city,
        r.customer_state
    FROM stg_reviews AS r
    CROSS JOIN params AS p
    WHERE r.created_at >= p.as_of - INTERVAL 12 MONTH
)
SELECT
    customer_zip_code_prefix AS zip_code_prefix,
    min(customer_city) AS city,
    min(customer_state) AS state,
    count(DISTINCT review_id) AS reviews,
    round(avg(review_score), 4) AS mean_score
FROM (
    SELECT customer_zip_code_prefix, review_id, min(review_score) AS review_score,
           min(customer_city) AS customer_city, min(customer_state) AS customer_state
    FROM zip_reviews
    GROUP BY customer_zip_code_prefix, review_id
) AS distinct_reviews
GROUP BY customer_zip_code_prefix
HAVING count(DISTINCT review_id) > 30
ORDER BY mean_score, zip_code_prefix
LIMIT 5
