-- name: sellers_low_reviews
-- title: Sellers with the most 1-2 star reviews
-- question: Which sellers collect the most negative reviews?
-- definition: reviews created in the period, attributed to every distinct seller of the
--   order's items; low = score 1 or 2. The 10 sellers with the most low reviews per period
--   (ties broken by seller_id), with their share of low reviews.
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
WITH order_sellers AS (
    SELECT DISTINCT order_id, seller_id FROM order_items
),
per_seller AS (
    SELECT
        CASE WHEN g.grain = 'total' THEN 'total' ELSE r.review_month END AS period,
        s.seller_id,
        count(*) AS reviews,
        sum(CASE WHEN r.review_score <= 2 THEN 1 ELSE 0 END) AS low_reviews
    FROM stg_reviews AS r
    JOIN order_sellers AS s ON s.order_id = r.order_id
    CROSS JOIN periods AS g
    WHERE r.in_period
    GROUP BY 1, 2
),
ranked AS (
    SELECT
        *,
        row_number() OVER (PARTITION BY period ORDER BY low_reviews DESC, seller_id) AS seller_rank
    FROM per_seller
    WHERE low_reviews > 0
)
SELECT
    r.period,
    r.seller_id,
    s.seller_state,
    r.reviews,
    r.low_reviews,
    round(1.0 * r.low_reviews / r.reviews, 4) AS low_share
FROM ranked AS r
JOIN sellers AS s ON s.seller_id = r.seller_id
WHERE r.seller_rank <= 10
ORDER BY r.period <> 'total', r.period, r.seller_rank
