-- name: customer_clv_summary
-- title: The lifetime-value models' inputs as of a date, one row per customer_unique_id
-- question: How often, how recently and for how much had each customer bought, at as_of, in the
--   terms BG/NBD and Gamma-Gamma read?
-- definition: the purchase occasions of stg_purchase_occasions (orders purchased by as_of,
--   canceled and unavailable ones excluded, the 24-hour rule of stg_order_occasions, payments
--   aggregated per order before the join), summarised as pymc-marketing's rfm_summary does in
--   days: occasions on the same calendar day are one transaction (their values summed);
--   frequency = transaction days - 1 (repeat purchases); recency = days from the first to the
--   last transaction day; T = days from the first transaction day to as_of's day;
--   monetary_value = mean value (BRL) of the repeat transaction days, 0 for a one-time buyer.
--   Equal to rfm_summary on the occasion log to 1e-9 (tested), in SQL so that ten million
--   customers summarise in seconds and Spark reads the same file.
-- parameters: as_of ('YYYY-MM-DD HH:MM:SS')
-- dialects: duckdb, spark
WITH params AS (
    SELECT CAST($as_of AS TIMESTAMP) AS as_of
),
transaction_days AS (
    SELECT customer_unique_id,
           CAST(occasion_at AS DATE) AS day,
           sum(occasion_value) AS day_value
    FROM stg_purchase_occasions
    GROUP BY customer_unique_id, CAST(occasion_at AS DATE)
),
numbered AS (
    SELECT *, min(day) OVER (PARTITION BY customer_unique_id) AS first_day
    FROM transaction_days
)
SELECT n.customer_unique_id,
       CAST(count(*) - 1 AS DOUBLE) AS frequency,
       CAST(date_diff('day', min(n.day), max(n.day)) AS DOUBLE) AS recency,
       CAST(date_diff('day', min(n.day), CAST(p.as_of AS DATE)) AS DOUBLE) AS T,
       coalesce(avg(CASE WHEN n.day > n.first_day THEN n.day_value END), 0.0) AS monetary_value
FROM numbered AS n
CROSS JOIN params AS p
GROUP BY n.customer_unique_id, p.as_of
