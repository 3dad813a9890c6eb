"""Lifetime value (BG/NBD + Gamma-Gamma) and campaign audiences, after the segments."""
