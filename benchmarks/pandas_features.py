"""The customer features written in pandas, as an analyst would: the baseline the DuckDB SQL is
measured against (``bench_features.py``). Same definitions as ``sql/features/customer_features.sql``;
the benchmark checks that both give the same table (to 1e-9) before timing them.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd

DAY_S = 86_400.0


def read_tables(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    """The tables the features need, as pandas DataFrames (the baseline starts from these)."""
    names = ("orders", "customers", "order_payments", "order_items", "products", "order_reviews")
    return {name: con.execute(f"SELECT * FROM {name}").df() for name in names}


def _days(delta: pd.Series) -> pd.Series:
    return delta.dt.total_seconds() / DAY_S


def pandas_customer_features(tables: dict[str, pd.DataFrame], as_of: dt.datetime) -> pd.DataFrame:
    as_of = pd.Timestamp(as_of)
    orders = tables["orders"].merge(tables["customers"], on="customer_id")
    status = orders["order_status"]
    orders = orders[
        (orders["order_purchase_timestamp"] <= as_of)
        & (status != "canceled")
        & (status != "unavailable")
    ].copy()
    delivered = orders["order_delivered_customer_date"]
    orders["delivered_at"] = delivered.where(delivered <= as_of)
    # Semi-joins as merges: pandas 3's isin on Arrow strings loops in Python (5 s per million).
    known = orders[["order_id"]]

    payments = tables["order_payments"]
    payments = payments.merge(known, on="order_id")
    payments["payment_value"] = payments["payment_value"].astype("float64")
    for kind in ("credit_card", "boleto", "voucher"):
        payments[f"paid_{kind}"] = payments["payment_value"].where(payments["payment_type"] == kind)
    pay = payments.groupby("order_id").agg(
        paid=("payment_value", "sum"),
        installments=("payment_installments", "mean"),
        paid_credit_card=("paid_credit_card", "sum"),
        paid_boleto=("paid_boleto", "sum"),
        paid_voucher=("paid_voucher", "sum"),
    )
    items = tables["order_items"]
    items = items.merge(known, on="order_id").astype(
        {"price": "float64", "freight_value": "float64"}
    )
    item_agg = items.groupby("order_id").agg(
        n_items=("order_item_id", "size"),
        price=("price", "sum"),
        freight=("freight_value", "sum"),
    )
    categories = items.merge(
        tables["products"][["product_id", "product_category_name"]], on="product_id"
    ).dropna(subset=["product_category_name"])
    reviews = tables["order_reviews"]
    reviews = reviews[reviews["review_creation_date"] <= as_of]
    score = reviews.groupby("order_id")["review_score"].mean().rename("score")

    per_order = orders.set_index("order_id").join([pay, item_agg, score])
    per_order["n_items"] = per_order["n_items"].fillna(0)
    per_order["delivery_days"] = _days(
        per_order["delivered_at"] - per_order["order_purchase_timestamp"]
    )
    per_order["delay_days"] = _days(
        per_order["delivered_at"] - per_order["order_estimated_delivery_date"]
    )
    per_order["low"] = np.where(per_order["score"].isna(), np.nan, (per_order["score"] <= 2) * 1.0)
    per_order["late"] = np.where(
        per_order["delay_days"].isna(), np.nan, (per_order["delay_days"] > 0) * 1.0
    )
    qualified = per_order.loc[
        (per_order["order_status"] == "delivered") & per_order["delivered_at"].notna(),
        ["customer_unique_id"],
    ].drop_duplicates()
    per_order = per_order.reset_index().merge(qualified, on="customer_unique_id")

    grouped = per_order.groupby("customer_unique_id")
    out = grouped.agg(
        last=("order_purchase_timestamp", "max"),
        first=("order_purchase_timestamp", "min"),
        frequency=("order_id", "size"),
        monetary=("paid", "sum"),
        n_items=("n_items", "sum"),
        avg_review_score=("score", "mean"),
        share_low_reviews=("low", "mean"),
        reviews=("score", "count"),
        avg_delivery_days=("delivery_days", "mean"),
        avg_delay_days=("delay_days", "mean"),
        late_share=("late", "mean"),
        avg_installments=("installments", "mean"),
        paid_cc=("paid_credit_card", "sum"),
        paid_boleto=("paid_boleto", "sum"),
        paid_voucher=("paid_voucher", "sum"),
        price=("price", "sum"),
        freight=("freight", "sum"),
    )
    latest = per_order.sort_values("order_purchase_timestamp").groupby("customer_unique_id").last()
    n_categories = (
        per_order[["order_id", "customer_unique_id"]]
        .merge(categories[["order_id", "product_category_name"]].drop_duplicates(), on="order_id")
        .groupby("customer_unique_id")["product_category_name"]
        .nunique()
    )
    features = pd.DataFrame(index=out.index)
    features["recency_days"] = _days(as_of - out["last"])
    features["frequency"] = out["frequency"].astype(float)
    features["monetary"] = out["monetary"]
    features["avg_order_value"] = out["monetary"] / out["frequency"]
    features["n_items"] = out["n_items"].astype(float)
    features["n_categories"] = n_categories.reindex(out.index).fillna(0).astype(float)
    features["avg_review_score"] = out["avg_review_score"]
    features["share_low_reviews"] = out["share_low_reviews"]
    features["has_review"] = (out["reviews"] > 0).astype(float)
    features["avg_delivery_days"] = out["avg_delivery_days"]
    features["avg_delay_days"] = out["avg_delay_days"]
    features["late_share"] = out["late_share"]
    features["avg_installments"] = out["avg_installments"]
    paid = out["monetary"].replace(0, np.nan)
    for column, source in (
        ("share_credit_card", "paid_cc"),
        ("share_boleto", "paid_boleto"),
        ("share_voucher", "paid_voucher"),
    ):
        features[column] = (out[source] / paid).fillna(0.0)
    features["freight_ratio"] = (
        out["freight"] / (out["price"] + out["freight"]).replace(0, np.nan)
    ).fillna(0.0)
    features["customer_state"] = latest["customer_state"]
    features["tenure_days"] = _days(as_of - out["first"])
    return features.sort_index()
