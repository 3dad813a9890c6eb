"""A planted effect: the synthetic shop in which a plan's campaigns worked by a known lift.

``plant_effect(data, plan_dir, lift, seed)`` appends to a synthetic shop written by
``olistseg demo-data`` (CSV files) the purchases made after each campaign's launch: every
customer of a campaign buys again, once, within the plan's horizon with probability ``p`` in
the holdout and ``p x (1 + lift)`` in the treatment, where ``p`` is the campaign's expected
rate from the plan (at least :data:`FLOOR_RATE`, so that a readout has buyers to count). Each
purchase is a delivered order with one item and one payment, placed uniformly in the window.
The draws are seeded by ``seed`` and the campaign id: the same call writes the same rows.
The readout (``olistseg measure``) must then recover ``lift``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd

from olistseg.campaigns.holdout import TREATMENT
from olistseg.data.schema import TABLES_BY_NAME
from olistseg.errors import InputError

#: The smallest base rate planted: a campaign expected to have no buyer still gets some.
FLOOR_RATE = 0.02


def _csv(data: Path, table: str) -> Path:
    path = data / f"{TABLES_BY_NAME[table].kaggle_stem}.csv"
    if not path.is_file():
        raise InputError(
            f"{data}: no {path.name}; the planted effect needs a CSV shop from "
            "`olistseg demo-data` (not Parquet)."
        )
    return path


def _append(path: Path, rows: list[dict]) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    with open(path, "a", encoding="utf-8", newline="") as handle:
        csv.DictWriter(handle, header, lineterminator="\n").writerows(rows)


def _stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def plant_effect(data: Path, plan_dir: Path, lift: float, seed: int = 0) -> dict:
    """Append the campaigns' planted purchases to the shop at ``data``; returns what was added."""
    if lift < -1:
        raise InputError(f"--lift {lift}: a relative lift of at least -1 (0.2 = +20%).")
    plan = json.loads((Path(plan_dir) / "plan.json").read_text(encoding="utf-8"))
    customers = pd.read_csv(_csv(data, "customers"), dtype=str)
    profile = customers.drop_duplicates("customer_unique_id").set_index("customer_unique_id")
    items = pd.read_csv(_csv(data, "order_items"), dtype=str).head(1000)
    horizon = dt.timedelta(days=plan["horizon_days"])
    orders, new_customers, order_items, payments, planted = [], [], [], [], []
    for campaign in plan["campaigns"]:
        digest = hashlib.sha256(f"{seed}|{campaign['campaign_id']}".encode()).digest()
        rng = np.random.default_rng(int.from_bytes(digest[:8], "big"))
        listed = pd.read_csv(Path(plan_dir) / campaign["file"], dtype={"customer_unique_id": str})
        rate = max(campaign["expected"]["base_rate"], FLOOR_RATE)
        treated = (listed["group"] == TREATMENT).to_numpy()
        chance = np.where(treated, min(rate * (1 + lift), 1.0), rate)
        buys = rng.random(len(listed)) < chance
        launch = dt.datetime.fromisoformat(campaign["timing"]["launch"])
        buyers = listed.loc[buys, "customer_unique_id"].to_numpy()
        offsets = rng.uniform(60, horizon.total_seconds() - 86_400 * 8, size=len(buyers))
        picked = rng.integers(0, len(items), size=len(buyers))
        for unique_id, offset, item_index in zip(buyers, offsets, picked, strict=True):
            order_id, customer_id = (f"{v:032x}" for v in rng.integers(0, 2**62, size=2) * 4 + 3)
            bought = launch + dt.timedelta(seconds=float(offset))
            who = profile.loc[unique_id]
            item = items.iloc[int(item_index)]
            new_customers.append(
                {
                    "customer_id": customer_id,
                    "customer_unique_id": unique_id,
                    "customer_zip_code_prefix": who["customer_zip_code_prefix"],
                    "customer_city": who["customer_city"],
                    "customer_state": who["customer_state"],
                }
            )
            orders.append(
                {
                    "order_id": order_id,
                    "customer_id": customer_id,
                    "order_status": "delivered",
                    "order_purchase_timestamp": _stamp(bought),
                    "order_approved_at": _stamp(bought + dt.timedelta(hours=1)),
                    "order_delivered_carrier_date": _stamp(bought + dt.timedelta(days=2)),
                    "order_delivered_customer_date": _stamp(bought + dt.timedelta(days=6)),
                    "order_estimated_delivery_date": _stamp(bought + dt.timedelta(days=12)),
                }
            )
            order_items.append(
                {
                    **item.to_dict(),
                    "order_id": order_id,
                    "order_item_id": "1",
                    "shipping_limit_date": _stamp(bought + dt.timedelta(days=3)),
                }
            )
            value = float(item["price"]) + float(item["freight_value"])
            payments.append(
                {
                    "order_id": order_id,
                    "payment_sequential": "1",
                    "payment_type": "credit_card",
                    "payment_installments": "1",
                    "payment_value": f"{value:.2f}",
                }
            )
        planted.append(
            {
                "campaign_id": campaign["campaign_id"],
                "base_rate": rate,
                "treated_rate": min(rate * (1 + lift), 1.0),
                "buyers_treatment": int(buys[treated].sum()),
                "buyers_holdout": int(buys[~treated].sum()),
            }
        )
    _append(_csv(data, "customers"), new_customers)
    _append(_csv(data, "orders"), orders)
    _append(_csv(data, "order_items"), order_items)
    _append(_csv(data, "order_payments"), payments)
    return {"lift": lift, "seed": seed, "orders": len(orders), "campaigns": planted}
