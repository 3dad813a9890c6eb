"""Run KPI queries against a warehouse with bound parameters.

Nothing here reads the wall clock: ``as_of`` defaults to the latest purchase in the data.
"""

from __future__ import annotations

import datetime as dt
import decimal
import time
from dataclasses import dataclass
from typing import Any

import duckdb

from olistseg.errors import InputError
from olistseg.kpi.catalog import (
    SqlModel,
    compose,
    dependency_order,
    get,
    kpi_catalog,
    staging_models,
)


@dataclass(frozen=True)
class KpiParams:
    """The bound parameters of every KPI query (``None`` = no filter / the default)."""

    as_of: dt.datetime | None = None
    date_from: dt.datetime | None = None
    date_to: dt.datetime | None = None
    state: str | None = None
    category: str | None = None

    def bound(self, as_of: dt.datetime) -> dict[str, Any]:
        """The values to bind, timestamps as ``YYYY-MM-DD HH:MM:SS`` text (every dialect reads it)."""

        def text(value: dt.datetime | None) -> str | None:
            return value.strftime("%Y-%m-%d %H:%M:%S") if value else None

        return {
            "as_of": text(self.as_of or as_of),
            "date_from": text(self.date_from),
            "date_to": text(self.date_to),
            "state": self.state,
            "category": self.category,
        }


@dataclass
class KpiResult:
    """One query's answer, in the shape of ``olistseg kpi --format json``."""

    name: str
    title: str
    question: str
    definition: str
    columns: list[str]
    rows: list[list[Any]]
    seconds: float = 0.0

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def to_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "question": self.question,
            "definition": self.definition,
            "columns": self.columns,
            "rows": self.rows,
            "row_count": self.row_count,
        }

    def to_frame(self):  # noqa: ANN201 - pandas imported lazily
        import pandas as pd

        return pd.DataFrame(self.rows, columns=self.columns)


def parse_timestamp(text: str, option: str = "--as-of") -> dt.datetime:
    """``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM:SS`` as a datetime, or :class:`InputError`."""
    try:
        value = dt.datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise InputError(
            f"{option} {text!r}: expected YYYY-MM-DD or 'YYYY-MM-DD HH:MM:SS'."
        ) from exc
    return value.replace(tzinfo=None)


def default_as_of(con: duckdb.DuckDBPyConnection) -> dt.datetime:
    """The latest ``order_purchase_timestamp`` in the warehouse."""
    value = con.execute("SELECT max(order_purchase_timestamp) FROM orders").fetchone()[0]
    if value is None:
        raise InputError("the warehouse has no orders: as_of cannot default to the last purchase.")
    return value


def plain_value(value: Any) -> Any:
    """JSON-friendly scalars: decimals as floats, timestamps as ISO text."""
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _execute(
    con: duckdb.DuckDBPyConnection, model: SqlModel, sql: str, bound: dict[str, Any] | None
) -> KpiResult:
    started = time.perf_counter()
    cursor = con.execute(sql, bound)
    columns = [d[0] for d in cursor.description]
    rows = [[plain_value(v) for v in row] for row in cursor.fetchall()]
    return KpiResult(
        model.name, model.title, model.question, model.definition, columns, rows,
        seconds=round(time.perf_counter() - started, 4),
    )  # fmt: skip


def run_query(con: duckdb.DuckDBPyConnection, model: SqlModel, bound: dict[str, Any]) -> KpiResult:
    """Execute one KPI, composed with its staging models, with already-bound parameters."""
    return _execute(con, model, compose(model), bound)


def selected_models(only: list[str] | None = None) -> list[SqlModel]:
    """The KPIs named in ``only`` (default: the whole catalogue), or :class:`InputError`."""
    models = []
    for name in only or list(kpi_catalog()):
        try:
            models.append(get(name))
        except KeyError as exc:
            raise InputError(str(exc.args[0])) from exc
    return models


def run_kpis(
    con: duckdb.DuckDBPyConnection,
    params: KpiParams | None = None,
    only: list[str] | None = None,
    materialize: bool = True,
) -> tuple[dt.datetime, dict[str, KpiResult]]:
    """Run the catalogue (or the KPIs named in ``only``); returns ``as_of`` and the results.

    With ``materialize`` (the default) the staging models the KPIs share are built once as
    temporary tables, then each KPI's own SQL runs on them: the same SQL as :func:`compose`
    gives, evaluated once instead of once per KPI (as dbt materializes staging models).
    """
    params = params or KpiParams()
    as_of = params.as_of or default_as_of(con)
    models = selected_models(only)
    bound = params.bound(as_of)
    if not materialize:
        return as_of, {m.name: run_query(con, m, bound) for m in models}
    staging = staging_models()
    needed = dependency_order(" ".join(m.body for m in models))
    try:
        for name in needed:
            body = staging[name].body
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {name} AS {body}", bound if "$" in body else None
            )
        return as_of, {m.name: _execute(con, m, m.body, None) for m in models}
    finally:
        for name in reversed(needed):
            con.execute(f"DROP TABLE IF EXISTS temp.{name}")


def results_payload(as_of: dt.datetime, results: dict[str, KpiResult]) -> dict[str, Any]:
    """``{"as_of": ISO, "kpis": {NAME: {...}}}``, the JSON interface."""
    return {
        "as_of": as_of.isoformat(sep=" "),
        "kpis": {name: result.to_dict() for name, result in results.items()},
    }
