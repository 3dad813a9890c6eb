"""The embedded DuckDB warehouse: validated loading, quarantine and the load report."""
