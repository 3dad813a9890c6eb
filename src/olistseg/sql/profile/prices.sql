-- Question: how are item prices and freight distributed?
-- Definitions: log moments of item price and of (freight + 1), per order-item row.
-- Returns: one row.
SELECT
    avg(ln(price)) AS log_price_mean,
    stddev(ln(price)) AS log_price_sd,
    skewness(ln(price)) AS log_price_skew,
    median(price) AS median_price,
    avg(ln(freight_value + 1)) AS log_freight_mean,
    stddev(ln(freight_value + 1)) AS log_freight_sd
FROM order_items
WHERE price > 0
