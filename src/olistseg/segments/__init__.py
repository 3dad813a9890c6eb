"""Segments: the chosen model, profiles, names and marketing actions, scoring new customers."""
