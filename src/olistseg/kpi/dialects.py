"""Transpile the KPI SQL (written for DuckDB) to SQLite and PostgreSQL with sqlglot.

One source of truth: the ``.sql`` files. sqlglot does most of the work; a few constructs it
does not map faithfully to SQLite are rewritten on the syntax tree first:

* ``ts + INTERVAL n UNIT`` becomes ``DATETIME(ts, '+n units')`` (sqlglot would keep the
  interval, which SQLite cannot parse, or use ``DATE()``, which drops the time of day);
* ``date_diff('second', a, b)`` becomes a difference of Unix times (exact; sqlglot's
  ``JULIANDAY`` arithmetic truncates and can be off by one second at exact boundaries);
* ``lpad(x, n, c)`` becomes ``SUBSTR(REPLICATE(c, n) || x, -n)``, spelled with SQLite's built-ins;
* table names become those of the ``olist.db`` file used in training courses
  (``order_pymts``, ``translation``, ``geoloc``).
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from olistseg.data.schema import TABLES
from olistseg.errors import InputError
from olistseg.kpi.catalog import compose, get

DIALECTS = ("duckdb", "sqlite", "postgres")
SQLITE_TABLE_NAMES = {t.name: t.sqlite_name for t in TABLES}


def _unix_seconds(node: exp.Expression) -> exp.Expression:
    return exp.cast(
        exp.Anonymous(this="STRFTIME", expressions=[exp.Literal.string("%s"), node.copy()]),
        "INTEGER",
    )


def _sqlite_rewrite(node: exp.Expression, cte_names: set[str]) -> exp.Expression:
    if isinstance(node, exp.Add | exp.Sub) and isinstance(node.expression, exp.Interval):
        interval = node.expression
        amount = (
            interval.this.name if isinstance(interval.this, exp.Literal) else interval.this.sql()
        )
        unit = interval.unit.name.lower() if interval.unit else "day"
        sign = "+" if isinstance(node, exp.Add) else "-"
        modifier = exp.Literal.string(f"{sign}{amount} {unit.rstrip('s')}s")
        return exp.Anonymous(this="DATETIME", expressions=[node.this.copy(), modifier])
    if isinstance(node, exp.DateDiff) and (node.unit is None or node.unit.name.lower() == "second"):
        # DateDiff(this=end, expression=start)
        return exp.Paren(
            this=exp.Sub(this=_unix_seconds(node.this), expression=_unix_seconds(node.expression))
        )
    if isinstance(node, exp.Pad) and node.args.get("is_left"):
        width = int(node.expression.name)
        fill = node.args.get("fill_pattern")
        fill_text = fill.name if fill is not None else " "
        padded = exp.DPipe(this=exp.Literal.string(fill_text * width), expression=node.this.copy())
        return exp.Anonymous(this="SUBSTR", expressions=[padded, exp.Literal.number(-width)])
    if (
        isinstance(node, exp.Table)
        and node.name in SQLITE_TABLE_NAMES
        and node.name not in cte_names
    ):
        alias = node.alias or node.name
        renamed = exp.to_table(SQLITE_TABLE_NAMES[node.name])
        return (
            exp.alias_(renamed, alias, table=True)
            if alias != SQLITE_TABLE_NAMES[node.name]
            else renamed
        )
    return node


def transpile(sql: str, dialect: str) -> str:
    """``sql`` (DuckDB dialect) rewritten for ``dialect``: duckdb, sqlite or postgres."""
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; choose one of {', '.join(DIALECTS)}")
    if dialect == "duckdb":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    if dialect == "sqlite":
        cte_names = {cte.alias for cte in tree.find_all(exp.CTE)}
        tree = tree.transform(lambda node: _sqlite_rewrite(node, cte_names))
    return tree.sql(dialect=dialect, pretty=True)


#: Every dialect ``kpi --show-sql`` prints; spark is transpiled by :mod:`olistseg.sql.spark`.
SHOW_DIALECTS = (*DIALECTS, "spark")


def sql_for(name: str, dialect: str = "duckdb") -> str:
    """The SQL of KPI ``name`` composed with its staging models, in ``dialect``.

    Raises :class:`InputError` for an unknown KPI or dialect (listing the valid ones), or when
    the KPI uses functions the dialect lacks (listing the dialects it runs on).
    """

    if dialect not in SHOW_DIALECTS:
        raise InputError(
            f"--dialect {dialect!r}: unknown; choose one of {', '.join(SHOW_DIALECTS)}."
        )
    try:
        model = get(name)
    except KeyError as exc:
        raise InputError(str(exc.args[0])) from exc
    if dialect not in model.dialects and dialect not in ("duckdb", "spark"):
        raise InputError(
            f"{name} uses functions {dialect} lacks (percentiles); it runs on "
            f"{', '.join(model.dialects)}."
        )
    if dialect == "spark":
        from olistseg.sql.spark import to_spark  # Spark's dialect rules: --dialect spark only

        return to_spark(compose(model))
    return transpile(compose(model), dialect)
