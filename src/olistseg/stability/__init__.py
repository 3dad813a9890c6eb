"""Stability over time: drift measures, label alignment, and (to come) the ARI simulation."""
