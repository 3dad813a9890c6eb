"""Customer Experience KPIs: SQL files, their runner, dialects, charts and exports.

Owns: the KPI catalogue (``sql/kpi``, ``sql/staging``), running it at an ``as_of``, its SQL in
other dialects, the Altair charts and the JSON/CSV/HTML exports. May import: ``warehouse``,
``data``, ``sql``, ``i18n`` and the leaves.
"""
