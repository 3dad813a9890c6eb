-- Question: what is the mix of review scores?
-- Definitions: share = reviews with that score / all review rows.
-- Returns: one row per score 1..5.
SELECT review_score, count(*) / sum(count(*)) OVER () AS share
FROM order_reviews
GROUP BY review_score
ORDER BY review_score
