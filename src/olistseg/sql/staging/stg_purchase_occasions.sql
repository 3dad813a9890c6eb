-- name: stg_purchase_occasions
-- title: Purchase occasions known at as_of, one row per customer_unique_id and occasion
-- definition: the orders of stg_order_occasions (canceled and unavailable ones excluded, the
--   24-hour rule) purchased by as_of, grouped into their occasions. occasion_at: the purchase
--   timestamp of the occasion's first order; occasion_value: the payments (BRL) of its orders
--   (0 where an order has no payment row; payments aggregated per order before the join);
--   n_orders: its orders. The transaction log of the lifetime-value models, written once for
--   customer_occasions and customer_clv_summary.
-- parameters: as_of ('YYYY-MM-DD HH:MM:SS')
SELECT s.customer_unique_id,
       s.occasion,
       min(s.purchased_at) AS occasion_at,
       coalesce(sum(pd.paid), 0) AS occasion_value,
       count(*) AS n_orders
FROM stg_order_occasions AS s
LEFT JOIN (
    SELECT order_id, sum(payment_value) AS paid FROM order_payments GROUP BY order_id
) AS pd ON pd.order_id = s.order_id
WHERE s.purchased_at <= CAST($as_of AS TIMESTAMP)
GROUP BY s.customer_unique_id, s.occasion
