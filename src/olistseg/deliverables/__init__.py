"""Deliverables built from one run's outputs: the findings, the HTML report and its PDF, the
deck, the notebook. They read the run's facts (:mod:`olistseg.contract`), never recompute them.
May import: ``spark`` and everything below (in practice ``kpi``, ``segments`` and the leaves).
"""
