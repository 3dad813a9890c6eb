-- Question: how many orders does each person (customer_unique_id) place?
-- Definitions: every order counts whatever its status; a person is a customer_unique_id.
-- Returns: one row, single_order_share = persons with exactly one order / all persons.
SELECT
    count(*) AS persons,
    avg(CASE WHEN n_orders = 1 THEN 1.0 ELSE 0.0 END) AS single_order_share,
    max(n_orders) AS max_orders
FROM (
    SELECT c.customer_unique_id, count(DISTINCT o.order_id) AS n_orders
    FROM orders AS o
    JOIN customers AS c USING (customer_id)
    GROUP BY c.customer_unique_id
)
