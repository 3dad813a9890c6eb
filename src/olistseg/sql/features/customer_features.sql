-- name: customer_features
-- title: Customer features as of a date, one row per customer_unique_id
-- question: What did we know about each customer at as_of?
-- definition: a customer qualifies with at least one delivered order purchased by as_of, that
--   is an order with status 'delivered' whose delivery to the customer happened by as_of.
--   Only what was known at as_of is used: orders purchased by then (canceled and unavailable
--   orders excluded from spend and counts), deliveries that happened by then, reviews created
--   by then. Items, payments and reviews are aggregated per order before any join.
--   Purchase occasions (staging model stg_order_occasions, the one definition): a customer's
--   orders in purchase order; an order placed within 24 hours
--   of the customer's previous order (chained: the previous one may itself follow another)
--   belongs to the same occasion, as one basket the checkout split into several orders.
--   frequency: purchase occasions; n_orders: orders. recency_days / tenure_days: days from the
--   start of the last / first occasion to as_of. monetary: sum of the orders' payments (BRL);
--   avg_order_value = monetary / n_orders. n_items: item lines; n_categories: distinct
--   product categories.
--   avg_review_score: mean of per-order mean scores (NULL without a review yet: the model
--   imputes it with the training median and has_review says so); share_low_reviews: share of
--   reviewed orders scored 1-2 (NULL without a review). avg_delivery_days: purchase to
--   delivery; avg_delay_days: delivery minus estimate (negative = early); late_share: share of
--   delivered orders delivered after the estimate (all three over orders delivered by as_of).
--   avg_installments: per order, the mean installments over its payment rows; then the mean of
--   that over the customer's orders (each order weighs the same, however many payment rows
--   a voucher split gives it); share_credit_card / share_boleto /
--   share_voucher: share of the payment value; freight_ratio: freight / (price + freight).
--   customer_state: the state of the customer's latest order.
--   Several dates in one pass: $as_of is a list of timestamps and every row carries its as_of,
--   so a simulation over many dates reads the tables once.
--   Written for bounded memory (10 million customers in DuckDB's default 25% of RAM): one
--   GROUP BY per level, payments and items in one per-order GROUP BY (one join, not two), no
--   DISTINCT aggregate, no self-join; "qualified" is an aggregate flag.
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
order_facts AS (
    -- Payments (per payment row) and items (per line) aggregated per order in one GROUP BY:
    -- one join instead of two keeps 10 million orders within the memory limit.
    SELECT order_id,
           sum(paid) AS paid,
           avg(installments) AS installments,
           sum(paid_credit_card) AS paid_credit_card,
           sum(paid_boleto) AS paid_boleto,
           sum(paid_voucher) AS paid_voucher,
           count(item_line) AS n_items,
           sum(price) AS price,
           sum(freight) AS freight
    FROM (
        SELECT order_id, payment_value AS paid, payment_installments AS installments,
               CASE WHEN payment_type = 'credit_card' THEN payment_value END AS paid_credit_card,
               CASE WHEN payment_type = 'boleto' THEN payment_value END AS paid_boleto,
               CASE WHEN payment_type = 'voucher' THEN payment_value END AS paid_voucher,
               NULL AS item_line, NULL AS price, NULL AS freight
        FROM order_payments
        UNION ALL
        SELECT order_id, NULL, NULL, NULL, NULL, NULL, 1, price, freight_value
        FROM order_items
    ) AS payment_and_item_rows
    GROUP BY order_id
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
occasions AS (
    -- the 24-hour occasion rule, written once (staging/stg_order_occasions.sql)
    SELECT k.*, s.starts_occasion
    FROM known_orders AS k
    JOIN stg_order_occasions AS s USING (order_id)
),
per_order AS (
    SELECT k.*,
           f.paid, f.installments, f.paid_credit_card, f.paid_boleto, f.paid_voucher,
           coalesce(f.n_items, 0) AS n_items, f.price, f.freight,
           rev.score,
           date_diff('second', k.purchased_at, k.delivered_at) AS delivery_seconds,
           date_diff('second', k.estimated_at, k.delivered_at) AS delay_seconds
    FROM occasions AS k
    LEFT JOIN order_facts AS f USING (order_id)
    LEFT JOIN order_reviews_agg AS rev USING (as_of, order_id)
),
customer_categories AS (
    SELECT as_of, customer_unique_id, count(*) AS n_categories
    FROM (
        SELECT DISTINCT k.as_of, k.customer_unique_id, oc.product_category_name
        FROM known_orders AS k
        JOIN order_categories AS oc USING (order_id)
    ) AS distinct_categories
    GROUP BY as_of, customer_unique_id
),
per_customer AS (
    SELECT
        o.as_of,
        o.customer_unique_id,
        date_diff('second', max(CASE WHEN o.starts_occasion = 1 THEN o.purchased_at END), o.as_of)
            / 86400.0 AS recency_days,
        sum(o.starts_occasion) AS frequency,
        count(*) AS n_orders,
        coalesce(sum(o.paid), 0) AS monetary,
        coalesce(sum(o.paid), 0) / count(*) AS avg_order_value,
        sum(o.n_items) AS n_items,
        avg(o.score) AS avg_review_score,
        avg(CASE WHEN o.score <= 2 THEN 1.0 WHEN o.score IS NOT NULL THEN 0.0 END) AS share_low_reviews,
        CASE WHEN count(o.score) > 0 THEN 1 ELSE 0 END AS has_review,
        -- whole seconds summed exactly, then divided: the same mean whatever order the rows
        -- arrive in (a mean of fractional days depended on the plan in the last bit)
        sum(o.delivery_seconds) / count(o.delivery_seconds) / 86400.0 AS avg_delivery_days,
        sum(o.delay_seconds) / count(o.delay_seconds) / 86400.0 AS avg_delay_days,
        avg(CASE WHEN o.delay_seconds > 0 THEN 1.0 WHEN o.delay_seconds IS NOT NULL THEN 0.0 END) AS late_share,
        avg(o.installments) AS avg_installments,
        coalesce(sum(o.paid_credit_card) / nullif(sum(o.paid), 0), 0) AS share_credit_card,
        coalesce(sum(o.paid_boleto) / nullif(sum(o.paid), 0), 0) AS share_boleto,
        coalesce(sum(o.paid_voucher) / nullif(sum(o.paid), 0), 0) AS share_voucher,
        coalesce(sum(o.freight) / nullif(sum(o.price) + sum(o.freight), 0), 0) AS freight_ratio,
        arg_max(o.customer_state, o.purchased_at) AS customer_state,
        date_diff('second', min(o.purchased_at), o.as_of) / 86400.0 AS tenure_days,
        max(CASE WHEN o.order_status = 'delivered' AND o.delivered_at IS NOT NULL THEN 1 ELSE 0 END)
            AS qualified
    FROM per_order AS o
    GROUP BY o.as_of, o.customer_unique_id
)
SELECT
    a.as_of, a.customer_unique_id, a.recency_days, a.frequency, a.n_orders, a.monetary,
    a.avg_order_value,
    a.n_items, coalesce(cc.n_categories, 0) AS n_categories, a.avg_review_score,
    a.share_low_reviews, a.has_review, a.avg_delivery_days, a.avg_delay_days, a.late_share,
    a.avg_installments, a.share_credit_card, a.share_boleto, a.share_voucher, a.freight_ratio,
    a.customer_state, a.tenure_days
FROM per_customer AS a
LEFT JOIN customer_categories AS cc USING (as_of, customer_unique_id)
WHERE a.qualified = 1
ORDER BY a.as_of, a.customer_unique_id
