"""A seeded synthetic marketplace in the Olist schema, fast at any size.

The generator writes the nine Kaggle files, so the loader cannot tell them from the real download.
Its parameters are calibrated on the real tables (see ``tests/test_synthetic.py``, which checks
the result against statistics computed from ``../shared/data/olist``):

* about 97% of customers place a single order;
* the review-score mix and the late-delivery rate are close to the real ones, and late orders
  get lower scores;
* payment types, installments, the 27 states (Sao Paulo about 42%), growing order volume,
  log-normal prices and freight.

Customers belong to one of four planted behaviour groups (:data:`GROUPS`) whose mix changes at
``change_date``: the stability analysis has a real signal to find. The ground truth is written to
``_truth/customer_groups.csv`` beside the tables (the loader ignores it).

Everything is vectorised with numpy; memory grows linearly with the number of customers.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from olistseg.atomic import atomic_path
from olistseg.data.schema import TABLES_BY_NAME

DAY = 86_400  # seconds

#: The real 27 states with their share of Olist customers.
STATE_SHARES: dict[str, float] = {
    "SP": 0.4198,
    "RJ": 0.1292,
    "MG": 0.1170,
    "RS": 0.0550,
    "PR": 0.0507,
    "SC": 0.0366,
    "BA": 0.0340,
    "DF": 0.0215,
    "ES": 0.0204,
    "GO": 0.0203,
    "PE": 0.0166,
    "CE": 0.0134,
    "PA": 0.0098,
    "MT": 0.0091,
    "MA": 0.0075,
    "MS": 0.0072,
    "PB": 0.0054,
    "PI": 0.0050,
    "RN": 0.0049,
    "AL": 0.0042,
    "SE": 0.0035,
    "TO": 0.0028,
    "RO": 0.0025,
    "AM": 0.0015,
    "AC": 0.0008,
    "AP": 0.0007,
    "RR": 0.0005,
}

#: First zip-code prefix of each state (Correios ranges), its capital, and its centroid.
STATE_GEO: dict[str, tuple[int, int, str, float, float]] = {
    "SP": (1000, 19999, "sao paulo", -23.55, -46.63),
    "RJ": (20000, 28999, "rio de janeiro", -22.91, -43.17),
    "ES": (29000, 29999, "vitoria", -20.32, -40.34),
    "MG": (30000, 39999, "belo horizonte", -19.92, -43.94),
    "BA": (40000, 48999, "salvador", -12.97, -38.50),
    "SE": (49000, 49999, "aracaju", -10.91, -37.07),
    "PE": (50000, 56999, "recife", -8.05, -34.88),
    "AL": (57000, 57999, "maceio", -9.67, -35.74),
    "PB": (58000, 58999, "joao pessoa", -7.12, -34.86),
    "RN": (59000, 59999, "natal", -5.79, -35.21),
    "CE": (60000, 63999, "fortaleza", -3.73, -38.52),
    "PI": (64000, 64999, "teresina", -5.09, -42.80),
    "MA": (65000, 65999, "sao luis", -2.53, -44.30),
    "PA": (66000, 68899, "belem", -1.46, -48.50),
    "AP": (68900, 68999, "macapa", 0.03, -51.07),
    "AM": (69000, 69299, "manaus", -3.12, -60.02),
    "RR": (69300, 69399, "boa vista", 2.82, -60.67),
    "AC": (69900, 69999, "rio branco", -9.97, -67.81),
    "DF": (70000, 73699, "brasilia", -15.79, -47.88),
    "GO": (72800, 76799, "goiania", -16.68, -49.25),
    "TO": (77000, 77999, "palmas", -10.18, -48.33),
    "MT": (78000, 78899, "cuiaba", -15.60, -56.10),
    "RO": (76800, 76999, "porto velho", -8.76, -63.90),
    "MS": (79000, 79999, "campo grande", -20.47, -54.62),
    "PR": (80000, 87999, "curitiba", -25.43, -49.27),
    "SC": (88000, 89999, "florianopolis", -27.59, -48.55),
    "RS": (90000, 99999, "porto alegre", -30.03, -51.23),
}

#: Sellers are far more concentrated in the south-east than customers.
SELLER_STATE_SHARES: dict[str, float] = {
    "SP": 0.597,
    "PR": 0.113,
    "MG": 0.079,
    "SC": 0.061,
    "RJ": 0.055,
    "RS": 0.042,
    "GO": 0.013,
    "DF": 0.010,
    "BA": 0.010,
    "ES": 0.008,
    "PE": 0.006,
    "CE": 0.006,
}

#: Real category names (Portuguese, English) with their relative item volume.
CATEGORIES: list[tuple[str, str, float]] = [
    ("cama_mesa_banho", "bed_bath_table", 11115),
    ("beleza_saude", "health_beauty", 9670),
    ("esporte_lazer", "sports_leisure", 8641),
    ("moveis_decoracao", "furniture_decor", 8334),
    ("informatica_acessorios", "computers_accessories", 7827),
    ("utilidades_domesticas", "housewares", 6964),
    ("relogios_presentes", "watches_gifts", 5991),
    ("telefonia", "telephony", 4545),
    ("ferramentas_jardim", "garden_tools", 4347),
    ("automotivo", "auto", 4235),
    ("brinquedos", "toys", 4117),
    ("cool_stuff", "cool_stuff", 3796),
    ("perfumaria", "perfumery", 3419),
    ("bebes", "baby", 3065),
    ("eletronicos", "electronics", 2767),
    ("papelaria", "stationery", 2517),
    ("fashion_bolsas_e_acessorios", "fashion_bags_accessories", 2031),
    ("pet_shop", "pet_shop", 1947),
    ("moveis_escritorio", "office_furniture", 1691),
    ("consoles_games", "consoles_games", 1137),
    ("malas_acessorios", "luggage_accessories", 1092),
    ("construcao_ferramentas_construcao", "construction_tools_construction", 929),
    ("eletrodomesticos", "home_appliances", 771),
    ("instrumentos_musicais", "musical_instruments", 680),
]

PAYMENT_TYPES = ("credit_card", "boleto", "voucher", "debit_card")
#: Credit-card installments 1..10 with the real shares.
INSTALLMENT_SHARES = (0.331, 0.162, 0.136, 0.092, 0.068, 0.051, 0.021, 0.056, 0.008, 0.069)
#: Order statuses other than delivered, with their real shares of all orders.
OTHER_STATUSES = {
    "shipped": 0.0111,
    "canceled": 0.0063,
    "unavailable": 0.0061,
    "invoiced": 0.0032,
    "processing": 0.0030,
    "created": 0.00005,
    "approved": 0.00002,
}


@dataclass(frozen=True)
class Group:
    """A planted behaviour group: how its customers buy, pay, get served and review."""

    name: str
    repeat_probability: float  # chance that each order is followed by another
    log_price_shift: float  # added to the log of product prices
    late_probability: float  # chance that a delivery is late
    on_time_scores: tuple[float, float, float, float, float]  # P(score 1..5) when on time
    payment_mix: tuple[float, float, float, float]  # over PAYMENT_TYPES
    installment_boost: float  # >1 favours more installments


GROUPS: tuple[Group, ...] = (
    Group(
        "loyal_high_spender",
        0.22,
        0.55,
        0.03,
        (0.03, 0.01, 0.03, 0.16, 0.77),
        (0.90, 0.06, 0.025, 0.015),
        1.6,
    ),
    Group(
        "bargain_one_off",
        0.010,
        -0.45,
        0.05,
        (0.07, 0.025, 0.09, 0.22, 0.595),
        (0.63, 0.32, 0.035, 0.015),
        0.6,
    ),
    Group(
        "late_unhappy",
        0.015,
        0.0,
        0.25,
        (0.13, 0.035, 0.10, 0.21, 0.525),
        (0.76, 0.19, 0.035, 0.015),
        1.0,
    ),
    Group(
        "standard",
        0.020,
        0.10,
        0.04,
        (0.065, 0.022, 0.07, 0.19, 0.653),
        (0.80, 0.15, 0.035, 0.015),
        1.0,
    ),
)

#: Score mix of late orders (1..5): the real mean is about 2.6 against 4.3 on time.
LATE_SCORES = (0.45, 0.10, 0.15, 0.12, 0.18)


@dataclass
class SyntheticConfig:
    """Parameters of the synthetic marketplace; the defaults mimic Olist's real span and mix."""

    customers: int = 20_000
    seed: int = 42
    start: str = "2016-09-04"
    end: str = "2018-10-17"
    change_date: str = "2018-01-01"
    mix_before: tuple[float, ...] = (0.10, 0.35, 0.10, 0.45)
    mix_after: tuple[float, ...] = (0.05, 0.25, 0.30, 0.40)
    #: Scales how far the planted groups sit from each other (1 = calibrated on Olist; larger
    #: values give cleanly separable groups, for testing that a segmentation can recover them).
    group_separation: float = 1.0
    with_geolocation: bool = True
    file_format: str = "csv"  # csv | csv.gz | parquet

    def __post_init__(self) -> None:
        """Refuse, before anything is written, dates and formats the generator cannot use."""
        from olistseg.errors import InputError

        for option, value in (
            ("--start", self.start),
            ("--end", self.end),
            ("--change-date", self.change_date),
        ):
            try:
                dt.date.fromisoformat(str(value))
            except ValueError:
                raise InputError(
                    f"{option} {value!r}: expected a date as YYYY-MM-DD, e.g. 2018-01-01."
                ) from None
        if not self.start < self.end:
            raise InputError(f"the synthetic span {self.start} .. {self.end} is empty.")
        if self.file_format not in ("csv", "csv.gz", "parquet"):
            raise InputError(f"--format {self.file_format!r}: choose csv, csv.gz or parquet.")
        if self.customers < 1:
            raise InputError(f"--customers {self.customers}: at least 1.")


def _hex_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random 32-character lowercase hex ids (as Olist's), vectorised."""
    digits = np.frombuffer(b"0123456789abcdef", dtype="S1")
    return digits[rng.integers(0, 16, size=(n, 32), dtype=np.uint8)].view("S32").ravel().astype(str)


def _seconds(date: str) -> int:
    return int(np.datetime64(date, "s").astype(np.int64))


def _purchase_times(rng: np.random.Generator, n: int, start: int, end: int) -> np.ndarray:
    """First-purchase times with volume growing then levelling off, as Olist's did in 2017."""
    span_days = (end - start) // DAY
    days = np.arange(span_days)
    weight = 0.12 + 1.0 / (1.0 + np.exp(-(days - 0.45 * span_days) / (0.09 * span_days)))
    weight[-45:] *= np.linspace(1.0, 0.05, 45)  # the data stops: the last weeks thin out
    day = rng.choice(span_days, size=n, p=weight / weight.sum())
    return start + day * DAY + rng.integers(0, DAY, size=n)


def _choice(rng: np.random.Generator, labels: np.ndarray, probs: np.ndarray, n: int) -> np.ndarray:
    return labels[rng.choice(len(labels), size=n, p=np.asarray(probs) / np.sum(probs))]


def _rows_choice(rng: np.random.Generator, prob_rows: np.ndarray) -> np.ndarray:
    """One draw per row of ``prob_rows`` (each row a distribution), vectorised."""
    cdf = np.cumsum(prob_rows, axis=1)
    cdf /= cdf[:, -1:]
    return (rng.random(len(prob_rows))[:, None] > cdf).sum(axis=1)


def generate(config: SyntheticConfig) -> dict[str, pa.Table]:
    """The nine tables (and ``_truth``) as Arrow tables; nothing is written."""
    rng = np.random.default_rng(config.seed)
    g = _separated_groups(config.group_separation)
    start, end, change = _seconds(config.start), _seconds(config.end), _seconds(config.change_date)
    n_customers = config.customers

    # --- people, their behaviour group and their orders ---------------------------------
    person_ids = _hex_ids(rng, n_customers)
    first_purchase = _purchase_times(rng, n_customers, start, end)
    mix = np.where((first_purchase < change)[:, None], config.mix_before, config.mix_after)
    group = _rows_choice(rng, mix)
    repeat = np.array([x.repeat_probability for x in g])[group]
    extra_orders = rng.geometric(1.0 - repeat) - 1  # 0 with probability 1 - repeat
    n_orders = 1 + extra_orders
    order_person = np.repeat(np.arange(n_customers), n_orders)
    order_rank = np.arange(len(order_person)) - np.repeat(np.cumsum(n_orders) - n_orders, n_orders)
    gaps = np.where(order_rank > 0, rng.exponential(75 * DAY, len(order_person)), 0)
    cumulative_gap = _cumsum_within(gaps, n_orders)
    purchase = first_purchase[order_person] + cumulative_gap.astype(np.int64)
    keep = purchase < end
    order_person, purchase = order_person[keep], purchase[keep]
    order_group = group[order_person]
    n = len(purchase)
    order_ids, customer_ids = _hex_ids(rng, n), _hex_ids(rng, n)

    states = np.array(list(STATE_SHARES))
    person_state = _choice(rng, states, np.array(list(STATE_SHARES.values())), n_customers)
    person_zip, person_city = _zips_and_cities(rng, person_state)

    # --- lifecycle timestamps ------------------------------------------------------------
    late = rng.random(n) < np.array([x.late_probability for x in g])[order_group]
    estimated_days = np.clip(rng.normal(23, 7, n), 5, 60).round()
    estimated = (purchase // DAY + estimated_days.astype(np.int64)) * DAY  # midnight, as Olist's
    approved = purchase + rng.exponential(0.4 * DAY, n).astype(np.int64) + 60
    carrier = approved + (rng.gamma(2.0, 1.4, n) * DAY).astype(np.int64)
    on_time_delivery = carrier + (
        rng.beta(2.0, 3.0, n) * np.maximum(estimated - carrier - DAY, DAY)
    ).astype(np.int64)
    late_delivery = estimated + ((0.05 + rng.exponential(7.0, n)) * DAY).astype(np.int64)
    delivered = np.where(late, late_delivery, on_time_delivery)
    status = np.full(n, "delivered", dtype=object)
    other = rng.random(n) < sum(OTHER_STATUSES.values())
    status[other] = _choice(
        rng, np.array(list(OTHER_STATUSES)), np.array(list(OTHER_STATUSES.values())), other.sum()
    )
    status[(status == "delivered") & (delivered > end)] = "shipped"
    is_delivered = status == "delivered"
    no_carrier = np.isin(
        status, ["canceled", "unavailable", "invoiced", "processing", "created", "approved"]
    )
    no_carrier |= carrier > end  # the data is a snapshot: nothing after its end is known
    no_approval = np.isin(status, ["created"])

    # --- catalogue, sellers and items ---------------------------------------------------
    n_products = max(50, n_customers // 3)
    n_sellers = max(20, n_customers // 32)
    cat_weights = np.array([c[2] for c in CATEGORIES])
    product_cat = rng.choice(len(CATEGORIES), size=n_products, p=cat_weights / cat_weights.sum())
    product_ids = _hex_ids(rng, n_products)
    product_log_price = rng.normal(4.38, 0.9, n_products)
    product_weight = np.exp(rng.normal(6.8, 1.2, n_products)).round()
    seller_ids = _hex_ids(rng, n_sellers)
    seller_states = _choice(
        rng,
        np.array(list(SELLER_STATE_SHARES)),
        np.array(list(SELLER_STATE_SHARES.values())),
        n_sellers,
    )
    seller_zip, seller_city = _zips_and_cities(rng, seller_states)
    product_seller = rng.integers(0, n_sellers, n_products)
    popularity = 1.0 / np.arange(1, n_products + 1) ** 0.9

    items_per_order = np.where(rng.random(n) < 0.90, 1, 2 + rng.geometric(0.55, n) - 1)
    item_order = np.repeat(np.arange(n), items_per_order)
    item_rank = (
        1
        + np.arange(len(item_order))
        - np.repeat(np.cumsum(items_per_order) - items_per_order, items_per_order)
    )
    first_product = rng.choice(n_products, size=n, p=popularity / popularity.sum())
    # Most multi-item orders repeat the same product, as in Olist.
    other_product = rng.choice(n_products, size=len(item_order), p=popularity / popularity.sum())
    item_product = np.where(
        (item_rank == 1) | (rng.random(len(item_order)) < 0.7),
        first_product[item_order],
        other_product,
    )
    shift = np.array([x.log_price_shift for x in g])[order_group[item_order]]
    price = np.exp(product_log_price[item_product] + shift + rng.normal(0, 0.05, len(item_order)))
    price = np.clip(price, 0.85, 6_735).round(2)
    freight = np.clip(
        np.exp(rng.normal(2.89, 0.5, len(item_order))) - 1 + product_weight[item_product] / 4000,
        0,
        410,
    ).round(2)
    shipping_limit = approved[item_order] + 6 * DAY

    # --- payments ---------------------------------------------------------------------
    order_total = np.bincount(item_order, weights=price + freight, minlength=n).round(2)
    pay_type = _rows_choice(rng, np.array([x.payment_mix for x in g])[order_group])
    boost = np.array([x.installment_boost for x in g])[order_group]
    inst_probs = np.array(INSTALLMENT_SHARES)[None, :] * np.arange(1, 11)[None, :] ** (
        boost[:, None] - 1
    )
    installments = 1 + _rows_choice(rng, inst_probs)
    installments = np.where(pay_type == 0, installments, 1)
    split = rng.random(n) < 0.03  # part paid with a voucher first
    voucher_part = np.where(split, (order_total * rng.uniform(0.1, 0.5, n)).round(2), 0.0)
    pay_order = np.concatenate([np.arange(n)[split], np.arange(n)])
    pay_seq = np.concatenate([np.ones(split.sum(), dtype=np.int64), 1 + split.astype(np.int64)])
    pay_type_name = np.concatenate(
        [np.full(split.sum(), "voucher"), np.array(PAYMENT_TYPES)[pay_type]]
    )
    pay_inst = np.concatenate([np.ones(split.sum(), dtype=np.int64), installments])
    pay_value = np.concatenate([voucher_part[split], (order_total - voucher_part).round(2)])

    # --- reviews ----------------------------------------------------------------------
    # Olist sends its survey on delivery, or on the estimated date of an undelivered order.
    survey_day = np.where(is_delivered, delivered, estimated) // DAY + 1
    created_all = (survey_day + rng.poisson(0.6, n)) * DAY
    answered_all = created_all + (rng.exponential(2.5, n) * DAY).astype(np.int64) + 3600
    has_review = (rng.random(n) < 0.992) & (answered_all < end)
    review_order = np.flatnonzero(has_review)
    on_time_probs = np.array([x.on_time_scores for x in g])[order_group[review_order]]
    probs = np.where(late[review_order][:, None], np.array(LATE_SCORES)[None, :], on_time_probs)
    score = 1 + _rows_choice(rng, probs)
    created, answered = created_all[review_order], answered_all[review_order]
    title, message = _review_texts(rng, score)
    review_ids = _hex_ids(rng, len(review_order))
    # A few review ids cover two orders of the same person (as in Olist): reuse the previous id.
    same_person = np.r_[False, order_person[review_order][1:] == order_person[review_order][:-1]]
    shared = same_person & (rng.random(len(review_order)) < 0.5)
    review_ids = np.where(shared, np.roll(review_ids, 1), review_ids)

    def ts(values: np.ndarray, mask: np.ndarray | None = None) -> pa.Array:
        arr = pa.array(values.astype("datetime64[s]"), type=pa.timestamp("s"))
        if mask is None:
            return arr
        return pa.array(values.astype("datetime64[s]"), type=pa.timestamp("s"), mask=mask)

    tables = {
        "customers": pa.table(
            {
                "customer_id": customer_ids,
                "customer_unique_id": person_ids[order_person],
                "customer_zip_code_prefix": person_zip[order_person],
                "customer_city": person_city[order_person],
                "customer_state": person_state[order_person],
            }
        ),
        "orders": pa.table(
            {
                "order_id": order_ids,
                "customer_id": customer_ids,
                "order_status": status.astype(str),
                "order_purchase_timestamp": ts(purchase),
                "order_approved_at": ts(approved, no_approval),
                "order_delivered_carrier_date": ts(carrier, no_carrier),
                "order_delivered_customer_date": ts(delivered, ~is_delivered),
                "order_estimated_delivery_date": ts(estimated),
            }
        ),
        "order_items": pa.table(
            {
                "order_id": order_ids[item_order],
                "order_item_id": item_rank,
                "product_id": product_ids[item_product],
                "seller_id": seller_ids[product_seller[item_product]],
                "shipping_limit_date": ts(shipping_limit),
                "price": price,
                "freight_value": freight,
            }
        ),
        "order_payments": pa.table(
            {
                "order_id": order_ids[pay_order],
                "payment_sequential": pay_seq,
                "payment_type": pay_type_name,
                "payment_installments": pay_inst,
                "payment_value": pay_value,
            }
        ),
        "order_reviews": pa.table(
            {
                "review_id": review_ids,
                "order_id": order_ids[review_order],
                "review_score": score,
                "review_comment_title": title,
                "review_comment_message": message,
                "review_creation_date": ts(created),
                "review_answer_timestamp": ts(answered),
            }
        ),
        "products": _products_table(rng, product_ids, product_cat, product_weight),
        "sellers": pa.table(
            {
                "seller_id": seller_ids,
                "seller_zip_code_prefix": seller_zip,
                "seller_city": seller_city,
                "seller_state": seller_states,
            }
        ),
        "category_translation": pa.table(
            {
                "product_category_name": [c[0] for c in CATEGORIES],
                "product_category_name_english": [c[1] for c in CATEGORIES],
            }
        ),
        "_truth": pa.table(
            {
                "customer_unique_id": person_ids,
                "group": np.array([x.name for x in g])[group],
                "first_purchase": ts(first_purchase),
            }
        ),
    }
    if config.with_geolocation:
        tables["geolocation"] = _geolocation_table(
            rng, person_zip, person_state, seller_zip, seller_states
        )
    return tables


def _separated_groups(separation: float) -> tuple[Group, ...]:
    """:data:`GROUPS` with every group's deviation from the average group scaled by ``separation``."""
    if separation == 1.0:
        return GROUPS

    def spread(values: list[float], low: float, high: float) -> list[float]:
        mean = float(np.mean(values))
        return [float(np.clip(mean + separation * (v - mean), low, high)) for v in values]

    repeat = spread([x.repeat_probability for x in GROUPS], 0.0, 0.9)
    shift = spread([x.log_price_shift for x in GROUPS], -5.0, 5.0)
    late = spread([x.late_probability for x in GROUPS], 0.0, 0.95)
    boost = spread([x.installment_boost for x in GROUPS], 0.2, 5.0)
    return tuple(
        Group(x.name, repeat[i], shift[i], late[i], x.on_time_scores, x.payment_mix, boost[i])
        for i, x in enumerate(GROUPS)
    )


def _cumsum_within(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Cumulative sum of ``values`` restarting at each run of ``lengths``."""
    total = np.cumsum(values)
    starts = np.cumsum(lengths) - lengths
    offsets = np.repeat(total[starts] - values[starts], lengths)
    return total - offsets


def _zips_and_cities(rng: np.random.Generator, state: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A 5-digit zip prefix inside each state's range; half live in the capital."""
    lo = np.array([STATE_GEO[s][0] for s in state])
    hi = np.array([STATE_GEO[s][1] for s in state])
    capital = rng.random(len(state)) < 0.5
    width = np.where(capital, np.minimum(hi - lo, 8000) // 8, hi - lo)
    zips = lo + (rng.random(len(state)) * width).astype(np.int64)
    zip_text = np.char.zfill(zips.astype(str), 5)
    cities = np.where(
        capital,
        np.array([STATE_GEO[s][2] for s in state]),
        np.char.add("municipio ", (zips // 100).astype(str)),
    )
    return zip_text, cities


COMMENTS_BY_SCORE = {
    1: [
        "Produto nao chegou",
        'Recebi o produto errado, "pessimo" atendimento',
        "Nao recebi ate agora.\r\nQuero meu dinheiro de volta",
    ],
    2: ["Demorou muito para chegar", "Veio com defeito, mas; a loja respondeu"],
    3: ["Produto ok, entrega atrasou", "Razoavel"],
    4: ["Bom produto", "Chegou antes do prazo,\r\nrecomendo"],
    5: ["Otimo produto, recomendo!", "Excelente, chegou rapido", "Tudo certo.\r\n\r\nObrigado!"],
}


def _review_texts(rng: np.random.Generator, score: np.ndarray) -> tuple[pa.Array, pa.Array]:
    """Titles (about 12%) and comments (about 41%) in Portuguese, some with line breaks and quotes."""
    n = len(score)
    message = np.full(n, None, dtype=object)
    has_message = rng.random(n) < np.where(score <= 2, 0.75, 0.33)
    for s, texts in COMMENTS_BY_SCORE.items():
        rows = np.flatnonzero(has_message & (score == s))
        message[rows] = np.array(texts, dtype=object)[rng.integers(0, len(texts), len(rows))]
    title = np.where(
        rng.random(n) < 0.117, np.where(score >= 4, "Recomendo", "Nao recomendo"), None
    )
    return pa.array(title, type=pa.string()), pa.array(message, type=pa.string())


def _products_table(
    rng: np.random.Generator, ids: np.ndarray, category: np.ndarray, weight: np.ndarray
) -> pa.Table:
    n = len(ids)
    unknown = rng.random(n) < 0.0185  # Olist has about 1.85% products with no category
    names = np.array([c[0] for c in CATEGORIES], dtype=object)[category]
    names[unknown] = None
    dims = np.exp(rng.normal(3.0, 0.5, (n, 3))).round().astype(np.int64)

    def nullable(values: np.ndarray) -> pa.Array:
        return pa.array(values, mask=unknown)

    return pa.table(
        {
            "product_id": ids,
            "product_category_name": pa.array(names, type=pa.string()),
            "product_name_lenght": nullable(rng.integers(5, 76, n)),
            "product_description_lenght": nullable(rng.integers(4, 3993, n)),
            "product_photos_qty": nullable(1 + rng.poisson(1.2, n)),
            "product_weight_g": weight.astype(np.int64),
            "product_length_cm": dims[:, 0],
            "product_height_cm": dims[:, 1],
            "product_width_cm": dims[:, 2],
        }
    )


def _geolocation_table(rng: np.random.Generator, *zips_and_states: np.ndarray) -> pa.Table:
    customer_zip, customer_state, seller_zip, seller_state = zips_and_states
    zips, first = np.unique(np.concatenate([customer_zip, seller_zip]), return_index=True)
    states = np.concatenate([customer_state, seller_state])[first]
    zips, states = np.repeat(zips, 3), np.repeat(states, 3)  # several coordinates per prefix
    lat = np.array([STATE_GEO[s][3] for s in states]) + rng.normal(0, 0.6, len(zips))
    lng = np.array([STATE_GEO[s][4] for s in states]) + rng.normal(0, 0.6, len(zips))
    city = np.array([STATE_GEO[s][2] for s in states])
    return pa.table(
        {
            "geolocation_zip_code_prefix": zips,
            "geolocation_lat": lat,
            "geolocation_lng": lng,
            "geolocation_city": city,
            "geolocation_state": states,
        }
    )


def _select_in_kaggle_format(name: str) -> str:
    """SELECT list that formats money with two decimals, as Kaggle's files do."""
    if name not in TABLES_BY_NAME:
        return "*"
    columns = []
    for column in TABLES_BY_NAME[name].columns:
        ident = f'"{column.name}"'
        if column.dtype.startswith("DECIMAL"):
            columns.append(f"CAST({ident} AS DECIMAL(12,2)) AS {ident}")
        else:
            columns.append(ident)
    return ", ".join(columns)


#: Customers generated per chunk when writing Parquet: memory stays that of one chunk.
CHUNK_CUSTOMERS = 1_000_000


def _chunk_configs(config: SyntheticConfig, chunk_customers: int) -> list[SyntheticConfig]:
    """The chunks a Parquet dataset is generated in; chunk 0 keeps the seed, so a dataset of
    one chunk is the same as the unchunked one."""
    sizes = [chunk_customers] * (config.customers // chunk_customers)
    if config.customers % chunk_customers or not sizes:
        sizes.append(config.customers % chunk_customers or config.customers)
    return [
        replace(
            config,
            customers=size,
            seed=config.seed + 1_000_003 * index,
            with_geolocation=config.with_geolocation and index == 0,
        )
        for index, size in enumerate(sizes)
    ]


def write(
    config: SyntheticConfig, out: str | Path, chunk_customers: int = CHUNK_CUSTOMERS
) -> dict[str, Path]:
    """Generate the dataset and write it to ``out`` in the Kaggle layout; return the files.

    Parquet is written in chunks of ``chunk_customers`` customers, each chunk appended to the
    files as row groups: 10 million customers need the memory of one million. Each chunk is
    an independent region of the marketplace (its own customers, products and sellers, seed
    ``seed + 1_000_003 * chunk``); the category translation is written once, the geolocation
    table with the first chunk. CSV is written in one piece.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "_truth").mkdir(exist_ok=True)
    chunks = (
        _chunk_configs(config, chunk_customers) if config.file_format == "parquet" else [config]
    )
    written: dict[str, Path] = {}
    writers: dict[str, pq.ParquetWriter] = {}
    rows: dict[str, int] = {}
    # Each file goes through atomic_path; its Parquet writer is closed before the rename
    # (ExitStack unwinds in reverse) and, on an error, the temporary files are removed.
    with contextlib.ExitStack() as files, contextlib.closing(duckdb.connect()) as con:
        for index, chunk in enumerate(chunks):
            for name, arrow in generate(chunk).items():
                if index > 0 and name == "category_translation":
                    continue
                rows[name] = rows.get(name, 0) + arrow.num_rows
                con.register("_arrow", arrow)
                if name not in written:
                    written[name] = _kaggle_path(out, name, config.file_format)
                if config.file_format == "parquet":
                    formatted = con.sql(
                        f"SELECT {_select_in_kaggle_format(name)} FROM _arrow"
                    ).to_arrow_table()
                    if name not in writers:
                        tmp = files.enter_context(atomic_path(written[name]))
                        writers[name] = pq.ParquetWriter(tmp, formatted.schema, compression="zstd")
                        files.callback(writers[name].close)
                    writer = writers[name]
                    writer.write_table(formatted.cast(writer.schema), row_group_size=1_000_000)
                else:
                    _copy_csv(con, name, written[name], config.file_format)
                con.unregister("_arrow")
                del arrow
    meta = asdict(config) | {
        "groups": [asdict(g) for g in GROUPS],
        "rows": rows,
        "chunks": len(chunks),
    }
    (out / "_truth" / "synthetic.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return written


def _kaggle_path(out: Path, name: str, fmt: str) -> Path:
    if name == "_truth":
        return (
            out
            / "_truth"
            / ("customer_groups.parquet" if fmt == "parquet" else "customer_groups.csv")
        )
    return out / f"{TABLES_BY_NAME[name].kaggle_stem}.{fmt}"


def _copy_csv(con: duckdb.DuckDBPyConnection, name: str, path: Path, fmt: str) -> None:
    options = (
        "FORMAT csv, HEADER true, DELIMITER ',', QUOTE '\"', TIMESTAMPFORMAT '%Y-%m-%d %H:%M:%S'"
        + (", COMPRESSION gzip" if fmt == "csv.gz" else "")
    )
    with atomic_path(path) as tmp:
        con.execute(
            f"COPY (SELECT {_select_in_kaggle_format(name)} FROM _arrow) TO '{tmp}' ({options})"
        )
