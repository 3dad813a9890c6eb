"""Run KPI queries against a warehouse with bound parameters.

Nothing here reads the wall clock: ``as_of`` defaults to the latest purchase in the data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import difflib
import time
import warnings
from dataclasses import dataclass
from typing import Any

import duckdb
import pandas as pd

from olistseg.errors import InputError, OlistsegWarning
from olistseg.kpi.catalog import (
    SqlModel,
    compose,
    dependency_order,
    get,
    kpi_catalog,
    staging_models,
)
from olistseg.warehouse.now import default_as_of


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


def purchase_range(con: duckdb.DuckDBPyConnection) -> tuple[dt.datetime, dt.datetime]:
    """The first and the last ``order_purchase_timestamp`` of the warehouse."""
    first, last = con.execute(
        "SELECT min(order_purchase_timestamp), max(order_purchase_timestamp) FROM orders"
    ).fetchone()
    if first is None:
        raise InputError("the warehouse has no orders: there is nothing to answer.")
    return first, last


def check_as_of(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime, option: str = "--as-of"
) -> None:
    """Refuse an ``as_of`` before the first purchase (every answer would be empty); warn
    (:class:`OlistsegWarning`) when it is after the last one (the answers then describe the
    data's last days, not ``as_of``)."""
    first, last = purchase_range(con)
    span = f"the data's purchases run from {first:%Y-%m-%d} to {last:%Y-%m-%d}"
    if as_of < first:
        raise InputError(
            f"{option} {as_of:%Y-%m-%d}: no order had been placed yet ({span}). Choose a date "
            "inside that range, or leave the option out for the last purchase."
        )
    if as_of > last + dt.timedelta(days=1):
        days = (as_of - last).days
        warnings.warn(
            f"{option} {as_of:%Y-%m-%d} is {days} days after the last purchase ({span}): "
            "nothing is known of those days, so time-based answers (recent orders, recency) "
            "are extrapolated from the data's end.",
            OlistsegWarning,
            stacklevel=3,
        )


def _match(value: str, valid: list[str], option: str, aliases: dict[str, str] | None = None) -> str:
    """``value`` as spelled in the data (case-insensitively, or through ``aliases``, when
    unambiguous) or InputError listing the valid values."""
    if value in valid:
        return value
    names = {**{v: v for v in valid}, **(aliases or {})}
    folded = {c for a, c in names.items() if a.casefold() == value.strip().casefold()}
    if len(folded) == 1:
        return folded.pop()
    close = difflib.get_close_matches(value.strip().lower(), [v.lower() for v in valid], n=3)
    hint = f" Did you mean {', '.join(close)}?" if close else ""
    raise InputError(
        f"{option} {value!r}: no such value in the data.{hint} Valid values: {', '.join(valid)}."
    )


def check_filters(con: duckdb.DuckDBPyConnection, params: KpiParams) -> KpiParams:
    """``params`` with ``state`` and ``category`` spelled as in the data, or InputError listing
    the valid values: a filter that matches nothing would answer with empty tables."""
    changes: dict[str, str] = {}
    if params.state is not None:
        states = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT customer_state FROM customers WHERE customer_state IS NOT NULL "
                "ORDER BY 1"
            ).fetchall()
        ]
        changes["state"] = _match(params.state, states, "--state")
    if params.category is not None:
        pairs = con.execute(
            "SELECT DISTINCT coalesce(t.product_category_name_english, p.product_category_name), "
            "p.product_category_name FROM products AS p LEFT JOIN category_translation AS t "
            "USING (product_category_name) WHERE p.product_category_name IS NOT NULL ORDER BY 1"
        ).fetchall()
        categories = sorted({english for english, _ in pairs})
        portuguese = {original: english for english, original in pairs}  # the Kaggle names
        changes["category"] = _match(params.category, categories, "--category", portuguese)
    if params.date_from and params.date_to and params.date_from > params.date_to:
        raise InputError(
            f"--date-from {params.date_from:%Y-%m-%d} is after --date-to {params.date_to:%Y-%m-%d}."
        )
    return dataclasses.replace(params, **changes) if changes else params


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
        model.name,
        model.title,
        model.question,
        model.definition,
        columns,
        rows,
        seconds=round(time.perf_counter() - started, 4),
    )


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
    params = check_filters(con, params or KpiParams())
    as_of = params.as_of or default_as_of(con)
    check_as_of(con, as_of)
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
