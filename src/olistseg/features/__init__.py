"""Point-in-time customer features (one row per customer_unique_id as of a date)."""
