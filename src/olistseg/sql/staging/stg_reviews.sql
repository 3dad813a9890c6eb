-- name: stg_reviews
-- title: Reviews created by as_of, one row per (review, order), with the order's customer
-- definition: a review exists once created (review_creation_date <= as_of). in_period: created
--   within [date_from, date_to]. review_month is the month of creation. The order (and so the
--   state and category filters) comes from stg_orders.
SELECT
    r.review_id,
    r.order_id,
    r.review_score,
    r.review_creation_date AS created_at,
    CASE WHEN r.review_answer_timestamp <= p.as_of THEN r.review_answer_timestamp END AS answered_at,
    strftime(r.review_creation_date, '%Y-%m') AS review_month,
    (p.date_from IS NULL OR r.review_creation_date >= p.date_from)
        AND (p.date_to IS NULL OR r.review_creation_date <= p.date_to) AS in_period,
    o.customer_unique_id,
    o.customer_state,
    o.customer_city,
    o.customer_zip_code_prefix
FROM order_reviews AS r
CROSS JOIN params AS p
JOIN stg_orders AS o ON o.order_id = r.order_id
WHERE r.review_creation_date <= p.as_of
