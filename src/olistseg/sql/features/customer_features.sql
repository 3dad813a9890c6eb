-- name: customer_features
-- title: Customer features as of a date, one row per customer_unique_id
-- question: What did we know about each customer at as_of?
-- definition: a customer qualifies with at least one delivered order purchased by as_of, that
--   is an order with status 'delivered' whose delivery to the customer happened by as_of.
--   Only what was known at as_of is used: orders purchased by then (canceled and unavailable
--   orders excluded from spend and counts), deliveries that happened by then, reviews created
--   by then. Items, payments and reviews are aggregated per order before any join.
--   recency_days / tenure_days: days from the last / first purchase to as_of.
--   frequency: distinct orders; monetary: sum of their payments (BRL); avg_order_value =
--   monetary / frequency. n_items: item lines; n_categories: distinct product categories.
--   avg_review_score: mean of per-order mean scores (NULL without a review yet: the model
--   imputes it with the training median and has_review says so); share_low_reviews: share of
--   reviewed orders scored 1-2 (NULL without a review). avg_delivery_days: purchase to
--   delivery; avg_delay_days: delivery minus estimate (negative = early); late_share: share of
--   delivered orders delivered after the estimate (all three over orders delivered by as_of).
--   avg_installments: mean installments over payment rows; share_credit_card / share_boleto /
--   share_voucher: share of the payment value; freight_ratio: freight / (price + freight).
--   customer_state: the state of the customer's latest order.
--   Several dates in one pass: $as_of is a list of timestamps and every row carries its as_of,
--   so a simulation over many dates reads the tables once.
-- parameters: as_of (a list of 'YYYY-MM-DD HH:MM:SS' timestamps)
-- dialects: duckdb
WITH params AS (
    SELECT DISTINCT CAST(unnest(CAST($as_of AS VARCHAR[])) AS TIMESTAMP) AS as_of
),
known_orders AS (
    SELECT p.as_of, o.order_id, c.customer_unique_id, c.customer_state, o.order_status,
           o.order_purchase_timestamp AS purchased_at,
           o.order_estimated_delivery_date AS estimated_at,
           CASE WHEN o.order_delivered_customer_date <= p.as_of
                THEN o.order_delivered_customer_date END AS delivered_at
    FROM orders AS o
    JOIN customers AS c ON c.customer_id = o.customer_id
    CROSS JOIN params AS p
    WHERE o.order_purchase_timestamp <= p.as_of
      AND o.order_status NOT IN ('canceled', 'unavailable')
),
order_payments_agg AS (
    SELECT order_id,
           sum(payment_value) AS paid,
           avg(payment_installments) AS installments,
           sum(payment_value) FILTER (WHERE payment_type = 'credit_card') AS paid_credit_card,
           sum(payment_value) FILTER (WHERE payment_type = 'boleto') AS paid_boleto,
           sum(payment_value) FILTER (WHERE payment_type = 'voucher') AS paid_voucher,
           count(*) AS payment_rows
    FROM order_payments
    WHERE order_id IN (SELECT order_id FROM known_orders)
    GROUP BY order_id
),
order_items_agg AS (
    SELECT i.order_id,
           count(*) AS n_items,
           sum(i.price) AS price,
           sum(i.freight_value) AS freight
    FROM order_items AS i
    WHERE i.order_id IN (SELECT order_id FROM known_orders)
    GROUP BY i.order_id
),
order_categories AS (
    SELECT DISTINCT i.order_id, p.product_category_name
    FROM order_items AS i
    JOIN products AS p ON p.product_id = i.product_id
    WHERE p.product_category_name IS NOT NULL
),
order_reviews_agg AS (
    SELECT p.as_of, r.order_id, avg(r.review_score) AS score
    FROM order_reviews AS r
    CROSS JOIN params AS p
    WHERE r.review_creation_date <= p.as_of
    GROUP BY p.as_of, r.order_id
),
per_order AS (
    SELECT k.*,
           pay.paid, pay.installments, pay.paid_credit_card, pay.paid_boleto, pay.paid_voucher,
           coalesce(it.n_items, 0) AS n_items, it.price, it.freight,
           rev.score,
           date_diff('second', k.purchased_at, k.delivered_at) / 86400.0 AS delivery_days,
           date_diff('second', k.estimated_at, k.delivered_at) / 86400.0 AS delay_days
    FROM known_orders AS k
    LEFT JOIN order_payments_agg AS pay USING (order_id)
    LEFT JOIN order_items_agg AS it USING (order_id)
    LEFT JOIN order_reviews_agg AS rev USING (as_of, order_id)
),
qualified AS (
    SELECT DISTINCT as_of, customer_unique_id
    FROM per_order
    WHERE order_status = 'delivered' AND delivered_at IS NOT NULL
),
customer_categories AS (
    SELECT o.as_of, o.customer_unique_id, count(DISTINCT oc.product_category_name) AS n_categories
    FROM per_order AS o
    JOIN order_categories AS oc USING (order_id)
    GROUP BY o.as_of, o.customer_unique_id
)
SELECT
    o.as_of,
    o.customer_unique_id,
    date_diff('second', max(o.purchased_at), o.as_of) / 86400.0 AS recency_days,
    count(*) AS frequency,
    coalesce(sum(o.paid), 0) AS monetary,
    coalesce(sum(o.paid), 0) / count(*) AS avg_order_value,
    sum(o.n_items) AS n_items,
    coalesce(any_value(cc.n_categories), 0) AS n_categories,
    avg(o.score) AS avg_review_score,
    avg(CASE WHEN o.score <= 2 THEN 1.0 WHEN o.score IS NOT NULL THEN 0.0 END) AS share_low_reviews,
    CASE WHEN count(o.score) > 0 THEN 1 ELSE 0 END AS has_review,
    avg(o.delivery_days) AS avg_delivery_days,
    avg(o.delay_days) AS avg_delay_days,
    avg(CASE WHEN o.delay_days > 0 THEN 1.0 WHEN o.delay_days IS NOT NULL THEN 0.0 END) AS late_share,
    avg(o.installments) AS avg_installments,
    coalesce(sum(o.paid_credit_card) / nullif(sum(o.paid), 0), 0) AS share_credit_card,
    coalesce(sum(o.paid_boleto) / nullif(sum(o.paid), 0), 0) AS share_boleto,
    coalesce(sum(o.paid_voucher) / nullif(sum(o.paid), 0), 0) AS share_voucher,
    coalesce(sum(o.freight) / nullif(sum(o.price) + sum(o.freight), 0), 0) AS freight_ratio,
    arg_max(o.customer_state, o.purchased_at) AS customer_state,
    date_diff('second', min(o.purchased_at), o.as_of) / 86400.0 AS tenure_days
FROM per_order AS o
SEMI JOIN qualified AS q USING (as_of, customer_unique_id)
LEFT JOIN customer_categories AS cc USING (as_of, customer_unique_id)
GROUP BY o.as_of, o.customer_unique_id
ORDER BY o.as_of, o.customer_unique_id
