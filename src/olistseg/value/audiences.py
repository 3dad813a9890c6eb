"""Campaign audiences: one list per segment, with suppression rules, from scored customers.

Rules (counted in ``audiences.json``; each suppressed customer keeps the reason):

1. A customer with a review scored 1-2, or an order that failed them (late and not
   delivered, canceled, unavailable), in the :data:`SUPPRESSION_DAYS` days up to ``as_of``
   gets no promotional campaign: they leave their segment's audience for ``suppressed.csv``,
   whose action is the service-recovery contact (``sql/features/customer_recent_issues.sql``).
2. Segments whose own action is service recovery (:data:`SERVICE_RECOVERY_KEYS`) are not
   promotional: their customers stay in their audience whatever rule 1 says.
3. A customer is in exactly one audience or in the suppressed list: promotional audiences
   never overlap, and ``scored = sum(audiences) + suppressed`` is checked before writing.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from olistseg.atomic import atomic_path, write_json
from olistseg.contract import SERVICE_RECOVERY_KEYS
from olistseg.sql import read_sql

if TYPE_CHECKING:
    import duckdb

#: Days before ``as_of`` in which a bad review or a failed order suppresses promotions.
SUPPRESSION_DAYS = 30
SERVICE_RECOVERY_ACTION = (
    "Service-recovery contact: ask what went wrong and offer a make-good; no promotion until "
    "resolved."
)
AUDIENCE_COLUMNS = (
    "customer_unique_id",
    "customer_state",
    "zip_prefix",
    "segment_id",
    "segment_name",
    "action",
    "last_purchase",
    "probability_alive",
    "expected_value_12m",
)
FORMATS = ("csv", "parquet")


def recent_issues(
    con: duckdb.DuckDBPyConnection, as_of: dt.datetime, days: int = SUPPRESSION_DAYS
) -> pd.DataFrame:
    """Customers with ``low_reviews`` or ``undelivered_orders`` in the window, indexed by id."""
    frame = con.execute(
        read_sql("features", "customer_recent_issues"),
        {"as_of": as_of.strftime("%Y-%m-%d %H:%M:%S"), "days": days},
    ).df()
    return frame.set_index("customer_unique_id")


def customer_contacts(con: duckdb.DuckDBPyConnection, as_of: dt.datetime) -> pd.DataFrame:
    """State and zip prefix of each customer's latest order by ``as_of``, and that purchase."""
    frame = con.execute(
        """
        SELECT customer_unique_id, customer_state,
               CAST(customer_zip_code_prefix AS VARCHAR) AS zip_prefix, last_purchase
        FROM (
            SELECT c.customer_unique_id, c.customer_state, c.customer_zip_code_prefix,
                   o.order_purchase_timestamp AS last_purchase,
                   row_number() OVER (PARTITION BY c.customer_unique_id
                                      ORDER BY o.order_purchase_timestamp DESC, o.order_id DESC)
                       AS latest
            FROM orders AS o JOIN customers AS c USING (customer_id)
            WHERE o.order_purchase_timestamp <= CAST($as_of AS TIMESTAMP)
              AND o.order_status NOT IN ('canceled', 'unavailable')
        ) AS ranked
        WHERE latest = 1
        """,
        {"as_of": as_of.strftime("%Y-%m-%d %H:%M:%S")},
    ).df()
    return frame.set_index("customer_unique_id")


def _reason(low: pd.Series, undelivered: pd.Series) -> pd.Series:
    reason = np.select(
        [(low > 0) & (undelivered > 0), low > 0, undelivered > 0],
        [
            f"low review and failed order in the last {SUPPRESSION_DAYS} days",
            f"review scored 1-2 in the last {SUPPRESSION_DAYS} days",
            f"failed order (late and undelivered, canceled or unavailable) in the last "
            f"{SUPPRESSION_DAYS} days",
        ],
        default="",
    )
    return pd.Series(reason, index=low.index)


def build_audiences(
    scored: pd.DataFrame,
    segments: pd.DataFrame,
    issues: pd.DataFrame,
    contacts: pd.DataFrame,
    value: pd.DataFrame | None = None,
) -> tuple[dict[int, pd.DataFrame], pd.DataFrame]:
    """Split ``scored`` customers (``customer_unique_id``, ``segment_id``) into audiences.

    ``segments`` is indexed by segment id with ``segment_key``, ``segment_name``, ``action``;
    ``issues`` is :func:`recent_issues`; ``contacts`` is :func:`customer_contacts`; ``value``
    (optional) holds ``probability_alive`` and ``expected_value_12m`` per customer.
    Returns ({segment_id: audience}, suppressed), both with :data:`AUDIENCE_COLUMNS`
    (suppressed adds ``reason``).
    """
    table = scored[["customer_unique_id", "segment_id"]].set_index("customer_unique_id")
    table = table.join(contacts[["customer_state", "zip_prefix", "last_purchase"]], how="left")
    table["segment_name"] = table["segment_id"].map(segments["segment_name"])
    table["action"] = table["segment_id"].map(segments["action"])
    for column in ("probability_alive", "expected_value_12m"):
        table[column] = np.nan if value is None else value[column].reindex(table.index)
    found = issues.reindex(table.index).fillna(0)
    reason = _reason(found["low_reviews"], found["undelivered_orders"])
    promotional = ~table["segment_id"].map(segments["segment_key"]).isin(SERVICE_RECOVERY_KEYS)
    suppress = promotional & (reason != "")
    table = table.reset_index()
    suppressed = table[suppress.to_numpy()].copy()
    suppressed["action"] = SERVICE_RECOVERY_ACTION
    suppressed["reason"] = reason[suppress].to_numpy()
    kept = table[~suppress.to_numpy()]
    audiences = {
        int(segment_id): kept[kept["segment_id"] == segment_id][list(AUDIENCE_COLUMNS)]
        for segment_id in segments.index
    }
    total = sum(len(a) for a in audiences.values()) + len(suppressed)
    if total != len(scored) or table["customer_unique_id"].duplicated().any():
        raise AssertionError(f"audiences hold {total} customers, {len(scored)} were scored")
    return audiences, suppressed[[*AUDIENCE_COLUMNS, "reason"]]


def audience_file(segment_id: int, key: str, fmt: str) -> str:
    return f"audience_{segment_id}_{key}.{fmt}"


def write_audiences(
    folder: Path,
    audiences: dict[int, pd.DataFrame],
    suppressed: pd.DataFrame,
    segments: pd.DataFrame,
    as_of: dt.datetime,
    fmt: str = "csv",
) -> dict:
    """One file per audience and ``suppressed.<fmt>``, then ``audiences.json``; returns it."""
    if fmt not in FORMATS:
        raise ValueError(f"format {fmt!r}: one of {', '.join(FORMATS)}")
    folder.mkdir(parents=True, exist_ok=True)

    def write(frame: pd.DataFrame, name: str) -> None:
        frame = frame.sort_values("customer_unique_id", kind="stable")
        with atomic_path(folder / name) as tmp:
            if fmt == "csv":
                frame.to_csv(tmp, index=False, float_format="%.6f", date_format="%Y-%m-%d %H:%M:%S")
            else:
                frame.to_parquet(tmp, index=False)

    entries = []
    for segment_id, audience in audiences.items():
        key = str(segments.loc[segment_id, "segment_key"])
        name = audience_file(segment_id, key, fmt)
        write(audience, name)
        entries.append(_entry(audience, name, segment_id, key, segments.loc[segment_id]))
    write(suppressed, f"suppressed.{fmt}")
    reasons = suppressed["reason"].value_counts().sort_index()
    scored = sum(e["customers"] for e in entries) + len(suppressed)
    summary = {
        "as_of": as_of.isoformat(sep=" "),
        "scored_customers": scored,
        "suppression_days": SUPPRESSION_DAYS,
        "rules": [
            f"a review scored 1-2 or a failed order in the {SUPPRESSION_DAYS} days up to as_of: "
            "no promotional campaign, only the service-recovery contact (suppressed list)",
            "segments whose action is service recovery keep their customers",
            "every scored customer is in exactly one audience or in the suppressed list",
        ],
        "audiences": entries,
        "suppressed": {
            "file": f"suppressed.{fmt}",
            "customers": len(suppressed),
            "by_reason": {str(k): int(v) for k, v in reasons.items()},
            "action": SERVICE_RECOVERY_ACTION,
            "expected_value_12m": _money(suppressed["expected_value_12m"].sum()),
        },
        "partition_holds": True,
    }
    write_json(folder / "audiences.json", summary)
    return summary


def _money(value: float) -> float | None:
    return None if pd.isna(value) else round(float(value), 2)


def _entry(audience: pd.DataFrame, name: str, segment_id: int, key: str, row: pd.Series) -> dict:
    value = audience["expected_value_12m"]
    return {
        "segment_id": int(segment_id),
        "segment_key": key,
        "segment_name": str(row["segment_name"]),
        "action": str(row["action"]),
        "promotional": key not in SERVICE_RECOVERY_KEYS,
        "file": name,
        "customers": len(audience),
        "expected_value_12m": _money(value.sum()),
        "median_expected_value_12m": _money(value.median()) if len(audience) else None,
        "median_probability_alive": _median_alive(audience),
    }


def _median_alive(audience: pd.DataFrame) -> float | None:
    alive = audience["probability_alive"].dropna()
    return round(float(alive.median()), 4) if len(alive) else None
