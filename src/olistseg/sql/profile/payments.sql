-- Question: how do customers pay?
-- Definitions: share = payment rows of that type / all payment rows; installments are averaged
--   over the rows of that type.
-- Returns: one row per payment type.
SELECT
    payment_type,
    count(*) / sum(count(*)) OVER () AS share,
    avg(payment_installments) AS mean_installments
FROM order_payments
GROUP BY payment_type
ORDER BY share DESC
