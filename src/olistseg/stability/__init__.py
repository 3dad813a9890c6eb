"""Stability over time: the ARI simulation of frozen against refitted models
(:mod:`~olistseg.stability.simulation`), drift measures and label alignment
(:mod:`~olistseg.stability.drift`), and the outputs, the maintenance contract and the monthly
check (:mod:`~olistseg.stability.report`). May import: ``value`` and everything below.
"""
