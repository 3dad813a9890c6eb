"""The DuckDB SQL files transpiled to Spark SQL with sqlglot: one source of truth.

sqlglot maps the dialects (``$param`` -> ``:param``, ``strftime`` -> ``date_format``,
``arg_max`` -> ``max_by``, ``date_diff('second', ...)`` -> ``datediff(SECOND, ...)``...); four
rewrites on the syntax tree make Spark compute what DuckDB computes:

* decimal literals (``86400.0``, ``1.0``) become DOUBLE: Spark types them DECIMAL, and its
  decimal division and averages round to a fixed scale (about 1e-6), where DuckDB uses doubles;
* ``round(x, n)`` rounds the binary double as DuckDB does (see :func:`_round_as_duckdb`);
* ``quantile_cont(x, q)`` becomes ``percentile(x, q)``: both exact, interpolating linearly;
* ``CAST(unnest(list) AS T)`` becomes ``explode(CAST(list AS ARRAY<T>))``: Spark does not allow
  a generator inside an expression.
"""

from __future__ import annotations

import re

import sqlglot
from sqlglot import exp


def _split(value: float) -> tuple[float, float]:
    """Veltkamp split of a double into two 26-bit halves (``hi + lo == value`` exactly)."""
    c = 134217729.0 * value
    hi = c - (c - value)
    return hi, value - hi


def _round_as_duckdb(node: exp.Round) -> exp.Expression:
    """``round(x, n)`` half away from zero on the exact product ``x * 10^n``, as DuckDB does.

    DuckDB multiplies in extended precision, so the binary double 0.11874999... times 10^4
    rounds down to 1187; Spark rounds the decimal text "0.11875" up, and a plain double product
    gives exactly 1187.5. The exact product is ``h + err`` (Dekker's two-product, in doubles):
    a tie in ``h`` is broken by the sign of ``err``.
    """
    decimals = int(node.args["decimals"].name)
    scale = 10.0**decimals
    scale_hi, scale_lo = (repr(part) + "D" for part in _split(scale))
    x = f"({node.this.sql(dialect='spark')})"
    h = f"({x} * {scale!r}D)"
    c = f"(134217729.0D * {x})"  # Veltkamp split of x, as _split does
    x_hi = f"({c} - ({c} - {x}))"
    x_lo = f"({x} - {x_hi})"
    err = f"((({x_hi} * {scale_hi} - {h}) + {x_hi} * {scale_lo} + {x_lo} * {scale_hi}) + {x_lo} * {scale_lo})"
    floor = f"FLOOR({h})"
    rounded = (
        f"CASE WHEN {h} - {floor} > 0.5D THEN {floor} + 1 WHEN {h} - {floor} < 0.5D THEN {floor} "
        f"WHEN {err} < 0 THEN {floor} WHEN {err} > 0 THEN {floor} + 1 "
        f"WHEN {h} >= 0 THEN {floor} + 1 ELSE {floor} END"
    )
    return sqlglot.parse_one(f"(({rounded}) / {scale!r}D)", read="spark")


def _round_rewrite(node: exp.Expression) -> exp.Expression:
    if (
        isinstance(node, exp.Round)
        and isinstance(node.args.get("decimals"), exp.Literal)
        and int(node.args["decimals"].name) > 0
    ):
        return _round_as_duckdb(node)
    return node


def _spark_rewrite(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.PercentileCont) and node.expression is not None:
        return exp.Anonymous(
            this="percentile", expressions=[node.this.copy(), node.expression.copy()]
        )
    if isinstance(node, exp.Literal) and node.is_number and "." in node.this:
        return exp.cast(node.copy(), exp.DataType.build("DOUBLE"))
    if isinstance(node, exp.Cast) and isinstance(node.this, exp.Unnest | exp.Explode):
        generator = node.this
        inner = generator.expressions[0] if isinstance(generator, exp.Unnest) else generator.this
        array_type = exp.DataType(
            this=exp.DataType.Type.ARRAY, expressions=[node.to.copy()], nested=True
        )
        return exp.Explode(this=exp.cast(inner.copy(), array_type))
    return node


def to_spark(sql: str) -> str:
    """``sql`` (DuckDB dialect, ``$name`` parameters) as Spark SQL (``:name`` parameters)."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    # Rounds last: a replaced node's subtree is not visited again.
    tree = tree.transform(_spark_rewrite).transform(_round_rewrite)
    return tree.sql(dialect="spark", pretty=True)


def parameters(sql: str) -> set[str]:
    """Names of the ``:name`` parameter markers in Spark SQL text."""
    return set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", sql))
