-- name: stg_order_occasions
-- title: Every non-canceled order with the purchase occasion it belongs to
-- definition: a purchase occasion is one basket the checkout may have split into several
--   orders: a customer's (customer_unique_id) non-canceled orders (status not 'canceled' or
--   'unavailable') in purchase order (ties by order_id); an order placed within 24 hours
--   (86,400 seconds) of the customer's previous order belongs to the same occasion, chained,
--   and starts_occasion = 1 marks the first order of each occasion. occasion: the occasion's
--   number for the customer (1, 2, ...). An order's flag depends only on the orders before it,
--   so filtering the orders by a date afterwards gives the occasions as known at that date:
--   the features, the outcomes and the lifetime-value log all read this one rule.
-- dialects: duckdb
SELECT order_id,
       customer_unique_id,
       purchased_at,
       starts_occasion,
       sum(starts_occasion) OVER (PARTITION BY customer_unique_id
                                  ORDER BY purchased_at, order_id) AS occasion
FROM (
    SELECT *,
           CASE WHEN previous_at IS NULL
                  OR date_diff('second', previous_at, purchased_at) > 86400 THEN 1 ELSE 0 END
               AS starts_occasion
    FROM (
        SELECT o.order_id, c.customer_unique_id, o.order_purchase_timestamp AS purchased_at,
               lag(o.order_purchase_timestamp) OVER (PARTITION BY c.customer_unique_id
                                                     ORDER BY o.order_purchase_timestamp,
                                                              o.order_id) AS previous_at
        FROM orders AS o
        JOIN customers AS c ON c.customer_id = o.customer_id
        WHERE o.order_status NOT IN ('canceled', 'unavailable')
    ) AS ordered
) AS flagged
