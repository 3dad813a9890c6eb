"""Deliverables built from one run's outputs: the HTML report, the deck, the notebook."""
