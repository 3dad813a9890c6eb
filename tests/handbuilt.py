"""Hand-built Olist tables for KPI tests: write only the rows a test needs, load for real.

Every table gets the Kaggle header; columns a row does not name are empty (NULL). Customers,
products and sellers referenced by the rows are created with defaults so keys always resolve.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from olistseg.data.schema import TABLES_BY_NAME
from olistseg.warehouse.load import load


def hexid(prefix: str) -> str:
    """A 32-character id that starts with a readable prefix."""
    return (prefix + "x" + "0" * 32)[:32]


class Dataset:
    """Rows per table; :meth:`build` writes the Kaggle CSVs and loads a warehouse."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, Any]]] = {name: [] for name in TABLES_BY_NAME}
        self.rows["category_translation"] = [
            {
                "product_category_name": "beleza_saude",
                "product_category_name_english": "health_beauty",
            },
            {
                "product_category_name": "informatica_acessorios",
                "product_category_name_english": "computers_accessories",
            },
        ]

    def customer(
        self, person: str, state: str = "SP", zip_code: str = "01001", city: str = "sao paulo"
    ) -> str:
        """A new customer_id for the person ``person`` (Olist gives each order its own)."""
        customer_id = hexid(f"c{len(self.rows['customers'])}x")
        self.rows["customers"].append(
            {
                "customer_id": customer_id,
                "customer_unique_id": hexid(person),
                "customer_zip_code_prefix": zip_code,
                "customer_city": city,
                "customer_state": state,
            }
        )
        return customer_id

    def order(
        self,
        order_id: str,
        person: str,
        purchased: str,
        status: str = "delivered",
        estimated: str | None = None,
        delivered: str | None = None,
        state: str = "SP",
        zip_code: str = "01001",
        city: str = "sao paulo",
    ) -> str:
        self.rows["orders"].append(
            {
                "order_id": hexid(order_id),
                "customer_id": self.customer(person, state, zip_code, city),
                "order_status": status,
                "order_purchase_timestamp": purchased,
                "order_approved_at": purchased,
                "order_estimated_delivery_date": estimated,
                "order_delivered_customer_date": delivered,
            }
        )
        return hexid(order_id)

    def item(
        self,
        order_id: str,
        price: float,
        freight: float = 0.0,
        seller: str = "s1",
        category: str | None = "beleza_saude",
        product: str | None = None,
    ) -> None:
        items = [r for r in self.rows["order_items"] if r["order_id"] == hexid(order_id)]
        product_id = hexid(product or f"p{category or 'none'}")
        if not any(p["product_id"] == product_id for p in self.rows["products"]):
            self.rows["products"].append(
                {"product_id": product_id, "product_category_name": category}
            )
        if not any(s["seller_id"] == hexid(seller) for s in self.rows["sellers"]):
            self.rows["sellers"].append(
                {
                    "seller_id": hexid(seller),
                    "seller_zip_code_prefix": "01001",
                    "seller_city": "sao paulo",
                    "seller_state": "SP",
                }
            )
        self.rows["order_items"].append(
            {
                "order_id": hexid(order_id),
                "order_item_id": len(items) + 1,
                "product_id": product_id,
                "seller_id": hexid(seller),
                "shipping_limit_date": None,
                "price": f"{price:.2f}",
                "freight_value": f"{freight:.2f}",
            }
        )

    def payment(
        self, order_id: str, value: float, kind: str = "credit_card", installments: int = 1
    ) -> None:
        sequence = 1 + sum(r["order_id"] == hexid(order_id) for r in self.rows["order_payments"])
        self.rows["order_payments"].append(
            {
                "order_id": hexid(order_id),
                "payment_sequential": sequence,
                "payment_type": kind,
                "payment_installments": installments,
                "payment_value": f"{value:.2f}",
            }
        )

    def review(
        self, review_id: str, order_id: str, score: int, created: str, answered: str | None = None
    ) -> None:
        self.rows["order_reviews"].append(
            {
                "review_id": hexid(review_id),
                "order_id": hexid(order_id),
                "review_score": score,
                "review_creation_date": created,
                "review_answer_timestamp": answered,
            }
        )

    def build(self, folder: Path) -> Path:
        """Write the CSVs under ``folder/data`` and load ``folder/olist.duckdb``."""
        data = folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        for name, rows in self.rows.items():
            table = TABLES_BY_NAME[name]
            if name == "geolocation":
                continue
            with open(data / f"{table.kaggle_stem}.csv", "w", newline="", encoding="utf-8") as f:
                writer = csv.DictWriter(f, fieldnames=table.column_names)
                writer.writeheader()
                writer.writerows(rows)
        report = load(data, folder / "olist.duckdb")
        assert report.rows_quarantined == 0, "hand-built rows must be valid"
        return folder / "olist.duckdb"
