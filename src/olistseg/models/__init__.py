"""Clustering models: preprocessing, candidates, honest metrics, selection."""
