"""olistseg: Customer Experience KPIs, customer segments and a retrain cadence from Olist-schema data."""

__version__ = "0.1.0"
