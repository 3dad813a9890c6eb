-- name: satisfaction_by_category
-- title: Satisfaction by product category
-- question: Which product categories satisfy customers least?
-- definition: reviews created in the period, attributed to every distinct category among the
--   order's items (English name through the translation table, the Portuguese name where it has
--   none, '(unknown)' where the product has no category). Small categories are kept: read
--   mean_score with its review count (the chart shows categories with at least 30 reviews).
-- parameters: as_of, date_from, date_to, state, category
-- dialects: duckdb, sqlite, postgres
WITH order_categories AS (
    SELECT DISTINCT
        i.order_id,
        coalesce(t.product_category_name_english, p.product_category_name, '(unknown)') AS category
    FROM order_items AS i
    JOIN products AS p ON p.product_id = i.product_id
    LEFT JOIN category_translation AS t ON t.product_category_name = p.product_category_name
)
SELECT
    CASE WHEN g.grain = 'total' THEN 'total' ELSE r.review_month END AS period,
    c.category,
    count(*) AS reviews,
    round(avg(r.review_score), 4) AS mean_score,
    round(1.0 * sum(CASE WHEN r.review_score <= 2 THEN 1 ELSE 0 END) / count(*), 4) AS low_share
FROM stg_reviews AS r
JOIN order_categories AS c ON c.order_id = r.order_id
CROSS JOIN periods AS g
WHERE r.in_period
GROUP BY 1, 2
ORDER BY period <> 'total', period, mean_score, c.category
