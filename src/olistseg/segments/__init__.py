"""Segments: the chosen model, profiles, names and marketing actions, scoring new customers.

Owns: the ``Segmenter``, profiles, the naming rules (recency bands), charts, ``segment`` and
``score``. The out-of-time value the selection rule needs comes from the caller
(``segments.pipeline.OutOfTimeValue``, provided by ``validation``). May import: ``models`` and
everything below; never ``validation`` or anything above it.
"""
