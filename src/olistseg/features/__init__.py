"""Point-in-time customer features (one row per customer_unique_id as of a date).

Owns: ``customer_features`` and the outcomes after a date (``outcomes``), from
``sql/features``; nothing after ``as_of`` is read. May import: ``kpi``, ``warehouse``,
``data``, ``sql`` and the leaves.
"""
