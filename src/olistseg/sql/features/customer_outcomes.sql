-- name: customer_outcomes
-- title: What each customer did in a future window, one row per customer_unique_id
-- question: After the origin T0, over (T0, T1], did the customer buy again, for how much, and
--   how did they rate their next order?
-- definition: orders are non-canceled (status not 'canceled' or 'unavailable'), as in the
--   features. Purchase occasions as in customer_features (stg_order_occasions): an order placed within 24 hours of
--   the customer's previous order (chained, the previous one may be at or before T0) belongs
--   to the same occasion. repurchased = 1 when an occasion *starts* in (T0, T1], else 0: an
--   order 5 minutes after one at T0 is not a repurchase. future_occasions: occasions starting
--   in (T0, T1]. future_revenue: payments (BRL) of every order purchased in (T0, T1].
--   next_review_score: the mean score of the reviews of the first order purchased in
--   (T0, T1], created by T1 (NULL without one). Nothing at or before T0 counts as future and
--   nothing after T1 is read. Every customer with an order by T1 has a row; the caller keeps
--   those it segmented at T0.
-- parameters: origin (T0), horizon_end (T1), both 'YYYY-MM-DD HH:MM:SS'
-- dialects: duckdb
WITH params AS (
    SELECT CAST($origin AS TIMESTAMP) AS origin, CAST($horizon_end AS TIMESTAMP) AS horizon_end
),
known_orders AS (
    SELECT o.order_id, c.customer_unique_id, o.order_purchase_timestamp AS purchased_at
    FROM orders AS o
    JOIN customers AS c ON c.customer_id = o.customer_id
    CROSS JOIN params AS p
    WHERE o.order_purchase_timestamp <= p.horizon_end
      AND o.order_status NOT IN ('canceled', 'unavailable')
),
occasions AS (
    -- the 24-hour occasion rule, written once (staging/stg_order_occasions.sql)
    SELECT k.*, s.starts_occasion
    FROM known_orders AS k
    JOIN stg_order_occasions AS s USING (order_id)
),
future AS (
    SELECT k.*, row_number() OVER (PARTITION BY k.customer_unique_id
                                   ORDER BY k.purchased_at, k.order_id) AS future_rank
    FROM occasions AS k
    CROSS JOIN params AS p
    WHERE k.purchased_at > p.origin
),
paid AS (
    SELECT order_id, sum(payment_value) AS paid FROM order_payments GROUP BY order_id
),
reviewed AS (
    SELECT r.order_id, avg(r.review_score) AS score
    FROM order_reviews AS r
    CROSS JOIN params AS p
    WHERE r.review_creation_date <= p.horizon_end
    GROUP BY r.order_id
),
per_customer AS (
    SELECT f.customer_unique_id,
           max(f.starts_occasion) AS repurchased,
           sum(f.starts_occasion) AS future_occasions,
           coalesce(sum(pd.paid), 0) AS future_revenue,
           max(CASE WHEN f.future_rank = 1 THEN rv.score END) AS next_review_score
    FROM future AS f
    LEFT JOIN paid AS pd USING (order_id)
    LEFT JOIN reviewed AS rv USING (order_id)
    GROUP BY f.customer_unique_id
)
SELECT c.customer_unique_id,
       coalesce(pc.repurchased, 0) AS repurchased,
       coalesce(pc.future_occasions, 0) AS future_occasions,
       coalesce(pc.future_revenue, 0) AS future_revenue,
       pc.next_review_score
FROM (SELECT DISTINCT customer_unique_id FROM known_orders) AS c
LEFT JOIN per_customer AS pc USING (customer_unique_id)
ORDER BY c.customer_unique_id
