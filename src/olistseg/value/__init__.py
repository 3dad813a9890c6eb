"""Lifetime value (BG/NBD + Gamma-Gamma) and campaign audiences, after the segments.

Owns: the pymc-marketing fit and scores (``clv``), their out-of-time check (``check``), the
audiences and suppression rules (``audiences``), the ``value`` and ``audiences`` steps
(``run``). May import: ``validation`` and everything below.
"""
