"""The Streamlit dashboard (``olistseg dashboard``): KPI tiles, trends, questions, data quality.

May import: ``api`` and everything below; only the CLI sits above it (it starts the app).
"""
