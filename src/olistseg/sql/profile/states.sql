-- Question: where do customers live?
-- Definitions: a person counts once, in the state of their first customer row.
-- Returns: one row per state with its share of persons.
WITH persons AS (
    SELECT customer_unique_id, any_value(customer_state) AS customer_state
    FROM customers
    GROUP BY customer_unique_id
)
SELECT customer_state, count(*) / sum(count(*)) OVER () AS share
FROM persons
GROUP BY customer_state
ORDER BY share DESC
