"""SQL that turns a staged text table into typed columns and a list of problems per row.

Everything here is generated from :mod:`olistseg.data.schema`, so a rule lives in one place.
"""

from __future__ import annotations

from olistseg.data.schema import (
    DOUBLE,
    EARLIEST_TIMESTAMP,
    INTEGER,
    MAX_TEXT_CHARS,
    MONEY,
    TIMESTAMP,
    ZIP,
    Column,
)


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def raw_expr(column: Column) -> str:
    """The raw text value, with empty strings read as NULL."""
    return f"NULLIF({quote_ident(column.name)}, '')"


def parse_expr(column: Column) -> str:
    """SQL giving the typed value of ``column``, or NULL when the text does not parse."""
    raw = raw_expr(column)
    if column.dtype == ZIP:
        # Integers from SQLite or spreadsheets lose leading zeros ("1037", "1037.0"): pad them back.
        return (
            rf"CASE WHEN regexp_full_match(trim({raw}), '\d{{1,5}}(\.0+)?') "
            rf"THEN lpad(regexp_extract(trim({raw}), '^\d+'), 5, '0') END"
        )
    if column.dtype == TIMESTAMP:
        return f"TRY_CAST({raw} AS TIMESTAMP)"
    if column.dtype == INTEGER:
        as_double = f"TRY_CAST({raw} AS DOUBLE)"
        return (
            f"CASE WHEN {as_double} = round({as_double}) AND abs({as_double}) < 2147483647 "
            f"THEN CAST({as_double} AS INTEGER) END"
        )
    if column.dtype == DOUBLE:
        as_double = f"TRY_CAST({raw} AS DOUBLE)"
        return f"CASE WHEN isfinite({as_double}) THEN {as_double} END"
    if column.dtype == MONEY:
        return f"TRY_CAST({raw} AS {MONEY})"
    return raw


_PARSE_FAILURE = {
    ZIP: "not a zip-code prefix of up to 5 digits",
    TIMESTAMP: "unparseable timestamp",
    INTEGER: "not an integer",
    DOUBLE: "not a number",
    MONEY: "not a number",
}


def problem_exprs(column: Column) -> list[str]:
    """SQL expressions, each a ``{column, reason}`` struct when the rule is broken, else NULL."""
    raw, parsed = raw_expr(column), parse_expr(column)
    name = quote_literal(column.name)

    def problem(condition: str, reason_sql: str) -> str:
        return f"CASE WHEN {condition} THEN {{'column': {name}, 'reason': {reason_sql}}} END"

    shown = f"'''' || {raw} || ''''"
    out = []
    if not column.nullable:
        out.append(problem(f"{raw} IS NULL", "'missing value in a required column'"))
    # A NUL byte or a field of megabytes is a broken export, not a value: ids with a NUL
    # would silently match nothing, and a 10 MB "comment" is binary junk.
    out.append(problem(f"strpos({raw}, chr(0)) > 0", "'NUL byte in the value'"))
    out.append(
        problem(
            f"length({raw}) > {MAX_TEXT_CHARS}",
            f"'value of ' || length({raw}) || ' characters (at most {MAX_TEXT_CHARS:,})'",
        )
    )
    if column.dtype in _PARSE_FAILURE:
        reason = quote_literal(_PARSE_FAILURE[column.dtype] + " ")
        out.append(problem(f"{raw} IS NOT NULL AND {parsed} IS NULL", f"{reason} || {shown}"))
    if column.min_value is not None:
        word = "negative value" if column.min_value == 0 else "value below the minimum"
        reason = f"'{word} ' || {shown} || ' (must be >= {column.min_value:g})'"
        out.append(problem(f"{parsed} < {column.min_value}", reason))
    if column.dtype == TIMESTAMP:
        reason = (
            f"'date before {EARLIEST_TIMESTAMP} ' || {shown} || ' (no order data is that old: "
            "a typo or an empty date read as a number)'"
        )
        out.append(problem(f"{parsed} < TIMESTAMP '{EARLIEST_TIMESTAMP}'", reason))
    if column.max_value is not None:
        reason = f"'value above the maximum ' || {shown} || ' (must be <= {column.max_value:g})'"
        out.append(problem(f"{parsed} > {column.max_value}", reason))
    return out
