-- name: periods
-- title: The two grains every catalogue KPI is reported at
-- definition: joining a row to periods yields it once for the whole period ('total') and once
--   for its month, so one aggregate gives both the headline and the monthly trend.
SELECT 'total' AS grain
UNION ALL
SELECT 'month' AS grain
