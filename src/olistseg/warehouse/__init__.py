"""The embedded DuckDB warehouse: validated loading, quarantine, the load report, and "now".

Owns: the validated load (``load``, ``validate``), warehouse facts (``info``, ``profile``) and
the analysis date every command defaults to (``now``: the end of the last complete month).
May import: ``data``, ``sql`` and the leaves.
"""
