-- name: customer_occasions
-- title: Purchase occasions as of a date, one row per customer_unique_id and occasion
-- question: When did each customer buy, and for how much, as far as we knew at as_of?
-- definition: orders purchased by as_of, canceled and unavailable ones excluded (as in
--   customer_features). Purchase occasions as in customer_features (stg_order_occasions): an
--   order placed within 24 hours of the customer's previous order (chained) belongs to the same occasion.
--   occasion_at: the purchase timestamp of the occasion's first order; occasion_value: the
--   payments (BRL) of its orders (0 where an order has no payment row); n_orders: its orders.
--   The transaction log the lifetime-value models summarise (frequency = occasions - 1,
--   recency and T in days); payments are aggregated per order before the join. The log is
--   the staging model stg_purchase_occasions, which customer_clv_summary reads too.
-- parameters: as_of ('YYYY-MM-DD HH:MM:SS')
-- dialects: duckdb
SELECT customer_unique_id, occasion, occasion_at, occasion_value, n_orders
FROM stg_purchase_occasions
ORDER BY customer_unique_id, occasion
