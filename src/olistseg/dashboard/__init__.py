"""The Streamlit dashboard (``olistseg dashboard``): KPI tiles, trends, questions, data quality."""
