"""Source data: the table schema, input formats and the synthetic generator."""
