"""Summary statistics of a warehouse, used to calibrate and check the synthetic data."""

from __future__ import annotations

from typing import Any

import duckdb

from olistseg.sql import read_sql


def _one(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, Any]:
    cursor = con.execute(read_sql("profile", name))
    names = [d[0] for d in cursor.description]
    return dict(zip(names, cursor.fetchone(), strict=True))


def _pairs(con: duckdb.DuckDBPyConnection, name: str) -> dict[Any, float]:
    return {row[0]: float(row[1]) for row in con.execute(read_sql("profile", name)).fetchall()}


def summary_statistics(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Realism statistics of the loaded tables (shares are fractions in 0..1)."""
    stats: dict[str, Any] = {}
    for name in ("customer_orders", "delivery", "order_growth", "prices"):
        stats.update({k: float(v) for k, v in _one(con, name).items()})
    stats["review_score_mix"] = _pairs(con, "review_scores")
    stats["payment_type_mix"] = _pairs(con, "payments")
    installments = con.execute(read_sql("profile", "payments")).fetchall()
    stats["credit_card_mean_installments"] = next(
        (float(r[2]) for r in installments if r[0] == "credit_card"), float("nan")
    )
    states = _pairs(con, "states")
    stats["state_mix"] = states
    stats["n_states"] = len(states)
    stats["sp_share"] = states.get("SP", 0.0)
    return stats
