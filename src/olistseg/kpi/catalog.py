"""The KPI catalogue: one ``.sql`` file per question under ``olistseg/sql/kpi/``.

Each file starts with a header comment (``-- key: value`` lines, continued by lines starting
with ``--   ``) giving its name, title, question, definition, parameters and the SQL dialects
it runs on. Shared building blocks live in ``olistseg/sql/staging/`` (``params``, ``stg_orders``,
...); :func:`compose` turns a KPI into one self-contained query by prepending the staging models
it references as CTEs, as dbt's ``ref`` would.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from olistseg.sql import list_sql, read_sql
from olistseg.sql.models import SqlModel, compose, dependency_order, parse, staging_models

#: The four questions the dashboard must answer; their names are part of the interface.
REQUIRED_QUESTIONS = ("late_recent_orders", "top_sellers", "new_engaged_sellers", "worst_zip_codes")

__all__ = [
    "REQUIRED_QUESTIONS",
    "SqlModel",
    "compose",
    "dependency_order",
    "get",
    "kpi_catalog",
    "parse",
    "staging_models",
]


@cache
def kpi_catalog() -> dict[str, SqlModel]:
    """Every KPI by name: the four required questions first, then the catalogue."""
    # the catalogue KPIs report a 'total' row and one per month; the four questions do not
    models = {
        name: dataclasses.replace(
            parse(read_sql("kpi", name), "kpi"), trend=name not in REQUIRED_QUESTIONS
        )
        for name in list_sql("kpi")
    }
    order = [*REQUIRED_QUESTIONS, *sorted(set(models) - set(REQUIRED_QUESTIONS))]
    return {name: models[name] for name in order}


def get(name: str) -> SqlModel:
    """The KPI called ``name``; ``KeyError`` lists the known names."""
    catalog = kpi_catalog()
    if name not in catalog:
        raise KeyError(f"unknown KPI {name!r}; known: {', '.join(catalog)}")
    return catalog[name]
