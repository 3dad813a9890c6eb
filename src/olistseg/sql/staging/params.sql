-- name: params
-- title: Query parameters, typed once
-- definition: as_of is the reference instant (nothing after it is known); date_from/date_to
--   bound the purchase (or review) dates of the period; state and category filter by the
--   customer's state and by the English product category of any item of the order. NULL means
--   no filter. The parameters are bound by the driver, never formatted into the SQL.
SELECT
    CAST($as_of AS TIMESTAMP) AS as_of,
    CAST($date_from AS TIMESTAMP) AS date_from,
    CAST($date_to AS TIMESTAMP) AS date_to,
    CAST($state AS VARCHAR) AS state,
    CAST($category AS VARCHAR) AS category
