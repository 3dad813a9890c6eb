"""``generate``: the nine tables of a seeded synthetic shop, vectorised with numpy."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from olistseg.data.synthetic.distributions import (
    CATEGORIES,
    COMMENTS_BY_SCORE,
    DAY,
    GROUPS,
    INSTALLMENT_SHARES,
    LATE_SCORES,
    OTHER_STATUSES,
    PAYMENT_TYPES,
    SELLER_STATE_SHARES,
    STATE_GEO,
    STATE_SHARES,
    Group,
)
from olistseg.errors import InputError


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
