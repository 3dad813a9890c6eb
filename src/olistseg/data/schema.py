"""The single source of truth for the nine Olist tables.

Every other part of olistseg (the loader, the SQL, the synthetic generator, the tests and the
docs) derives table names, column names, types, keys and nullability from :data:`TABLES`.

Types are DuckDB logical types. ``VARCHAR`` columns are kept as text exactly as read (zip-code
prefixes are 5-character strings, never integers, so their leading zeros survive).
"""

from __future__ import annotations

from dataclasses import dataclass

ID = "VARCHAR"
TEXT = "VARCHAR"
ZIP = "ZIP"  # a VARCHAR of exactly five digits; an integer from SQLite is zero-padded back
TIMESTAMP = "TIMESTAMP"
INTEGER = "INTEGER"
DOUBLE = "DOUBLE"
MONEY = "DECIMAL(12,2)"

#: No timestamp of a marketplace's order data is older than this: an earlier one (1970 from an
#: empty date read as epoch 0, 1900 from a spreadsheet, a two-digit year) is a typo, and its row
#: goes to quarantine.
EARLIEST_TIMESTAMP = "2000-01-01"
#: No field of these tables is longer (review texts run to a few hundred characters): a longer
#: one is a broken export or binary junk, and its row goes to quarantine.
MAX_TEXT_CHARS = 100_000


@dataclass(frozen=True)
class Column:
    """One column of a source table.

    ``min_value``/``max_value`` are inclusive bounds checked at load time; a value outside them
    sends its row to quarantine.
    """

    name: str
    dtype: str
    nullable: bool = True
    min_value: float | None = None
    max_value: float | None = None
    description: str = ""

    @property
    def sql_type(self) -> str:
        return "VARCHAR" if self.dtype == ZIP else self.dtype


@dataclass(frozen=True)
class RowCheck:
    """A rule between columns of one row: ``condition`` (SQL on the typed columns) true means
    the row is impossible; it goes to quarantine with ``reason`` (SQL giving the text)."""

    columns: str
    condition: str
    reason: str


@dataclass(frozen=True)
class ForeignKey:
    """``columns`` of this table refer to ``ref_columns`` of ``ref_table``."""

    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    """A source table: its warehouse name, Kaggle file stem and SQLite (``olist.db``) name."""

    name: str
    kaggle_stem: str
    sqlite_name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    row_checks: tuple[RowCheck, ...] = ()
    required: bool = True
    description: str = ""

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"{self.name} has no column {name!r}")

    @property
    def kaggle_filename(self) -> str:
        return f"{self.kaggle_stem}.csv"


def _c(name: str, dtype: str, nullable: bool = True, **kw: object) -> Column:
    return Column(name, dtype, nullable, **kw)  # type: ignore[arg-type]


CUSTOMERS = Table(
    name="customers",
    kaggle_stem="olist_customers_dataset",
    sqlite_name="customers",
    description="One row per order's customer id; customer_unique_id identifies the person.",
    columns=(
        _c("customer_id", ID, False),
        _c("customer_unique_id", ID, False),
        _c("customer_zip_code_prefix", ZIP),
        _c("customer_city", TEXT),
        _c("customer_state", TEXT),
    ),
    primary_key=("customer_id",),
)

GEOLOCATION = Table(
    name="geolocation",
    kaggle_stem="olist_geolocation_dataset",
    sqlite_name="geoloc",
    required=False,
    description="Zip-code prefixes with coordinates; many rows per prefix, so no primary key.",
    columns=(
        _c("geolocation_zip_code_prefix", ZIP, False),
        _c("geolocation_lat", DOUBLE, min_value=-90, max_value=90),
        _c("geolocation_lng", DOUBLE, min_value=-180, max_value=180),
        _c("geolocation_city", TEXT),
        _c("geolocation_state", TEXT),
    ),
)

ORDERS = Table(
    name="orders",
    kaggle_stem="olist_orders_dataset",
    sqlite_name="orders",
    description="One row per order, with its status and lifecycle timestamps.",
    columns=(
        _c("order_id", ID, False),
        _c("customer_id", ID, False),
        _c("order_status", TEXT, False),
        _c("order_purchase_timestamp", TIMESTAMP, False),
        _c("order_approved_at", TIMESTAMP),
        _c("order_delivered_carrier_date", TIMESTAMP),
        _c("order_delivered_customer_date", TIMESTAMP),
        _c("order_estimated_delivery_date", TIMESTAMP),
    ),
    primary_key=("order_id",),
    foreign_keys=(ForeignKey(("customer_id",), "customers", ("customer_id",)),),
    row_checks=(
        RowCheck(
            "order_delivered_customer_date, order_purchase_timestamp",
            "order_delivered_customer_date < order_purchase_timestamp",
            "'delivered to the customer (' || order_delivered_customer_date "
            "|| ') before it was purchased (' || order_purchase_timestamp || ')'",
        ),
    ),
)

ORDER_ITEMS = Table(
    name="order_items",
    kaggle_stem="olist_order_items_dataset",
    sqlite_name="order_items",
    description="One row per item line of an order (order_item_id counts 1, 2, ... per order).",
    columns=(
        _c("order_id", ID, False),
        _c("order_item_id", INTEGER, False, min_value=1),
        _c("product_id", ID, False),
        _c("seller_id", ID, False),
        _c("shipping_limit_date", TIMESTAMP),
        _c("price", MONEY, False, min_value=0),
        _c("freight_value", MONEY, min_value=0),
    ),
    primary_key=("order_id", "order_item_id"),
    foreign_keys=(
        ForeignKey(("order_id",), "orders", ("order_id",)),
        ForeignKey(("product_id",), "products", ("product_id",)),
        ForeignKey(("seller_id",), "sellers", ("seller_id",)),
    ),
)

ORDER_PAYMENTS = Table(
    name="order_payments",
    kaggle_stem="olist_order_payments_dataset",
    sqlite_name="order_pymts",
    description="One row per payment of an order; an order may be paid in several parts.",
    columns=(
        _c("order_id", ID, False),
        _c("payment_sequential", INTEGER, False, min_value=1),
        _c("payment_type", TEXT, False),
        _c("payment_installments", INTEGER, min_value=0),
        _c("payment_value", MONEY, False, min_value=0),
    ),
    primary_key=("order_id", "payment_sequential"),
    foreign_keys=(ForeignKey(("order_id",), "orders", ("order_id",)),),
)

ORDER_REVIEWS = Table(
    name="order_reviews",
    kaggle_stem="olist_order_reviews_dataset",
    sqlite_name="order_reviews",
    description=(
        "One row per (review, order): a few review_ids cover several orders, so the key is the pair."
    ),
    columns=(
        _c("review_id", ID, False),
        _c("order_id", ID, False),
        _c("review_score", INTEGER, False, min_value=1, max_value=5),
        _c("review_comment_title", TEXT),
        _c("review_comment_message", TEXT),
        _c("review_creation_date", TIMESTAMP),
        _c("review_answer_timestamp", TIMESTAMP),
    ),
    primary_key=("review_id", "order_id"),
    foreign_keys=(ForeignKey(("order_id",), "orders", ("order_id",)),),
)

PRODUCTS = Table(
    name="products",
    kaggle_stem="olist_products_dataset",
    sqlite_name="products",
    description="Product catalogue; the two misspelled *_lenght columns keep Kaggle's names.",
    columns=(
        _c("product_id", ID, False),
        _c("product_category_name", TEXT),
        _c("product_name_lenght", INTEGER, min_value=0),
        _c("product_description_lenght", INTEGER, min_value=0),
        _c("product_photos_qty", INTEGER, min_value=0),
        _c("product_weight_g", INTEGER, min_value=0),
        _c("product_length_cm", INTEGER, min_value=0),
        _c("product_height_cm", INTEGER, min_value=0),
        _c("product_width_cm", INTEGER, min_value=0),
    ),
    primary_key=("product_id",),
    foreign_keys=(
        ForeignKey(("product_category_name",), "category_translation", ("product_category_name",)),
    ),
)

SELLERS = Table(
    name="sellers",
    kaggle_stem="olist_sellers_dataset",
    sqlite_name="sellers",
    description="One row per seller.",
    columns=(
        _c("seller_id", ID, False),
        _c("seller_zip_code_prefix", ZIP),
        _c("seller_city", TEXT),
        _c("seller_state", TEXT),
    ),
    primary_key=("seller_id",),
)

CATEGORY_TRANSLATION = Table(
    name="category_translation",
    kaggle_stem="product_category_name_translation",
    sqlite_name="translation",
    description="Portuguese product category names with their English translation.",
    columns=(
        _c("product_category_name", TEXT, False),
        _c("product_category_name_english", TEXT),
    ),
    primary_key=("product_category_name",),
)

#: All nine tables, in load order (referenced tables before the tables that refer to them).
TABLES: tuple[Table, ...] = (
    CATEGORY_TRANSLATION,
    PRODUCTS,
    SELLERS,
    CUSTOMERS,
    GEOLOCATION,
    ORDERS,
    ORDER_ITEMS,
    ORDER_PAYMENTS,
    ORDER_REVIEWS,
)

TABLES_BY_NAME: dict[str, Table] = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The table called ``name`` in the warehouse."""
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown table {name!r}; known: {', '.join(TABLES_BY_NAME)}") from None
