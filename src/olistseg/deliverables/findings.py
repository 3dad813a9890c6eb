"""Findings: the run's numbers turned into ranked sentences by explicit rules.

Each rule reads one output of the run (its ``source``), tests a stated ``threshold`` and, when
it holds, gives a finding: a text key (:mod:`olistseg.i18n`, English and French) with the
values that fill it. Nothing is typed by hand: a number in a finding is a number of the run.

Rank: the rules' order below, which is the order a marketing director reads them in:
customer-experience levers first (what hurts reviews), then who the customers are, whether the
segments predict behaviour, what customers are worth, and last the operations (cadence, cost,
audiences, data caveats). A rule whose threshold does not hold gives no finding; the rules
that report a measurement (validation, cadence) always hold and say so in ``threshold``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from olistseg.contract import fact
from olistseg.deliverables.collect import kpi_rows

Finding = dict
Rule = Callable[[dict], Finding | None]


def _rows(numbers: dict, kpi: str) -> list[dict]:
    """The KPI's whole-period rows: the findings speak of the whole data."""
    return kpi_rows(numbers, kpi, period="total")


def _finding(key: str, values: dict, source: str, threshold: str) -> Finding:
    return {"key": key, "values": values, "source": source, "threshold": threshold}


def lateness_reviews(numbers: dict) -> Finding | None:
    """Mean review of orders more than a week late against orders on time."""
    rows = {r["lateness"]: r for r in _rows(numbers, "score_by_lateness")}
    late = [rows[b] for b in ("7-14 days", "14+ days") if b in rows and rows[b]["orders"]]
    if "on time" not in rows or not late:
        return None
    orders = sum(r["orders"] for r in late)
    score = sum(r["mean_score"] * r["orders"] for r in late) / orders
    on_time = rows["on time"]["mean_score"]
    if on_time - score < 0.5:
        return None
    return _finding(
        "f_lateness",
        {"late": round(score, 1), "on_time": round(on_time, 1), "orders": orders},
        "kpi/kpis.json: score_by_lateness",
        "gap of at least 0.5 stars",
    )


def late_state(numbers: dict) -> Finding | None:
    """The state whose deliveries are late most often, against the overall late rate."""
    total = _rows(numbers, "on_time_delivery")
    states = [r for r in _rows(numbers, "late_rate_by_state") if r["delivered_orders"] >= 100]
    if not total or not states:
        return None
    overall = 1 - total[0]["on_time_rate"]
    worst = max(states, key=lambda r: (r["late_rate"], r["customer_state"]))
    if overall <= 0 or worst["late_rate"] < 1.5 * overall:
        return None
    return _finding(
        "f_late_state",
        {
            "state": worst["customer_state"],
            "rate": worst["late_rate"],
            "overall": overall,
            "orders": worst["delivered_orders"],
        },
        "kpi/kpis.json: late_rate_by_state, on_time_delivery",
        "late rate at least 1.5 times the overall rate, 100+ delivered orders",
    )


def _city(name: str) -> str:
    """A city as written in Portuguese: "rio de janeiro" -> "Rio de Janeiro"."""
    small = {"de", "da", "do", "das", "dos", "e"}
    return " ".join(w if w in small else w.capitalize() for w in name.split())


def worst_zip_city(numbers: dict) -> Finding | None:
    """How many of the worst-reviewed zip codes share one city."""
    rows = _rows(numbers, "worst_zip_codes")
    if not rows:
        return None
    (city, state), count = Counter((r["city"], r["state"]) for r in rows).most_common(1)[0]
    if count < 2:
        return None
    return _finding(
        "f_worst_zips",
        {"zips": len(rows), "count": count, "city": _city(city), "state": state},
        "kpi/kpis.json: worst_zip_codes",
        "2 or more of them in one city",
    )


def repeat_rate(numbers: dict) -> Finding | None:
    """Two facts with their own words: who placed two orders, who came back on another day."""
    orders, occasions = fact(numbers, "repeat_order_share"), fact(numbers, "repeat_occasion_share")
    if orders is None or orders >= 0.1:
        return None
    values = {"rate": orders, "customers": fact(numbers, "kpi_customers")}
    if occasions is None:  # the value step was left out: no occasion count to state
        return _finding(
            "f_repeat_orders", values, "run.json: facts.repeat_order_share", "repeat rate below 10%"
        )
    return _finding(
        "f_repeat",
        {**values, "occasion_rate": occasions, "occasion_customers": fact(numbers, "customers")},
        "run.json: facts.repeat_order_share, facts.repeat_occasion_share",
        "repeat rate below 10%",
    )


def largest_segment(numbers: dict) -> Finding | None:
    segments = numbers["profiles"]["segments"]
    largest = max(segments, key=lambda s: s["share_customers"])
    return _finding(
        "f_segments",
        {
            "k": fact(numbers, "segments"),
            "segment": largest.get("key"),
            "name": largest["name"],
            "qualifier": largest.get("qualifier"),
            "rank": largest.get("rank"),
            "share": fact(numbers, "largest_segment_share"),
        },
        "run.json: facts.segments, facts.largest_segment_share",
        "always reported",
    )


def validation(numbers: dict) -> Finding | None:
    summary = numbers["validation"]["summary"]
    auc = summary["median_auc"]
    if auc.get("chosen") is None:
        return None
    key = "f_validation_beats" if summary["beats_rfm"] else "f_validation_behind"
    values = {
        "auc": fact(numbers, "segments_auc"),
        "rfm": fact(numbers, "rfm_auc"),
        "random": auc.get("random"),
    }
    noise = summary.get("rfm_difference")
    if not summary["beats_rfm"] and noise:  # how far behind, against the sampling noise
        key = "f_validation_behind_noise"
        values |= {"within": noise["interval_contains_zero"], "origins": noise["origins"]}
    return _finding(
        key,
        values,
        "validation/validation.json",
        "always reported (each AUC's median over the origins)",
    )


def value_segments(numbers: dict) -> Finding | None:
    summary = numbers["validation"]["summary"]
    revenue, customers = (
        summary.get("median_value_revenue_share"),
        summary.get("median_value_customer_share"),
    )
    if not revenue or not customers or revenue < 2 * customers:
        return None
    return _finding(
        "f_value_segments",
        {
            "customers": customers,
            "revenue": revenue,
            "horizon": numbers["validation"]["horizon_days"],
        },
        "validation/validation.json",
        "future revenue share at least twice the customer share",
    )


def loyal_lift(numbers: dict) -> Finding | None:
    checks = numbers["validation"]["summary"].get("name_checks", [])
    top = max(
        (c for c in checks if c.get("median_lift")), key=lambda c: c["median_lift"], default=None
    )
    if top is None or top["median_lift"] < 2:
        return None
    return _finding(
        "f_lift",
        {"segment": top["key"], "name": top["name"], "lift": round(top["median_lift"], 1)},
        "validation/validation.json",
        "repurchase lift of 2 or more",
    )


def value_concentration(numbers: dict) -> Finding | None:
    value = numbers.get("value")
    if not value or not value.get("segments"):
        return None
    total = sum(s["customers"] for s in value["segments"])
    best = max(
        (s for s in value["segments"] if s["share_expected_value"]),
        key=lambda s: s["share_expected_value"] / (s["customers"] / total),
        default=None,
    )
    if best is None:
        return None
    share = best["customers"] / total
    if best["share_expected_value"] < 2 * share:
        return None
    return _finding(
        "f_clv",
        {
            "segment": best["segment_key"],
            "name": best["segment_name"],
            "qualifier": best.get("segment_qualifier"),
            "rank": best.get("segment_rank"),
            "customers": share,
            "value": best["share_expected_value"],
        },
        "value/value.json",
        "expected-value share at least twice the customer share",
    )


def clv_check(numbers: dict) -> Finding | None:
    value = numbers.get("value")
    median = (value or {}).get("out_of_time", {}).get("median")
    if not median:
        return None
    key = "f_clv_check_beats" if median["beats_naive"] else "f_clv_check_behind"
    return _finding(
        key,
        {
            "mae": fact(numbers, "forecast_error"),
            "naive": round(median["mae_naive"], 4),
            "zero": round(median["mae_zero"], 4),
            "origins": median["origins"],
        },
        "value/value.json: out_of_time",
        "always reported (each MAE's median over the origins)",
    )


def cadence(numbers: dict) -> Finding | None:
    days = fact(numbers, "retrain_every")
    if days is None:
        return _finding("f_no_cadence", {}, "stability/stability.json", "always reported")
    schedule = numbers["maintenance"]["schedule"]
    return _finding(
        "f_cadence",
        {
            "every": schedule["every"],
            "unit": schedule["unit"],
            "per_year": fact(numbers, "retrains_per_year"),
            "cost": fact(numbers, "yearly_cost"),
            "currency": fact(numbers, "currency"),
        },
        "run.json: facts.retrain_every, facts.retrains_per_year, facts.yearly_cost",
        "always reported",
    )


def suppressed(numbers: dict) -> Finding | None:
    audiences = numbers.get("audiences")
    if not audiences:
        return None
    promotional = sum(a["customers"] for a in audiences["audiences"] if a["promotional"])
    return _finding(
        "f_audiences",
        {
            "promotional": promotional,
            "suppressed": audiences["suppressed"]["customers"],
            "days": audiences["suppression_days"],
        },
        "audiences/audiences.json",
        "always reported",
    )


def campaign_power(numbers: dict) -> Finding | None:
    """How much of the campaign plan can be measured on purchases, alone and pooled."""
    plan = numbers.get("campaigns")
    if not plan or not plan.get("campaigns"):
        return None
    pooled = fact(numbers, "pooled_detectable_lift")
    values = {
        "campaigns": fact(numbers, "campaigns"),
        "holdout": fact(numbers, "holdout_share"),
        "alone": fact(numbers, "campaigns_measurable_alone"),
        "pooled": pooled,
    }
    return _finding(
        "f_campaigns" if pooled is not None else "f_campaigns_none",
        values,
        "run.json: facts.campaigns, facts.pooled_detectable_lift",
        "always reported",
    )


def data_tail(numbers: dict) -> Finding | None:
    tail = numbers["run"]["kpi"].get("incomplete_tail")
    if not tail:
        return None
    return _finding(
        "f_tail",
        {"until": tail["complete_until"][:10], "months": ", ".join(tail["months"])},
        "run.json: kpi.incomplete_tail",
        "monthly orders below half the median of the 3 months before",
    )


RULES: tuple[Rule, ...] = (
    lateness_reviews,
    late_state,
    worst_zip_city,
    repeat_rate,
    largest_segment,
    validation,
    loyal_lift,
    value_segments,
    value_concentration,
    clv_check,
    cadence,
    suppressed,
    campaign_power,
    data_tail,
)


def compute_findings(numbers: dict) -> list[Finding]:
    """Every rule that holds, in rank order, numbered from 1; each with ``rule`` (its name)."""
    found = []
    for rule in RULES:
        finding = rule(numbers)
        if finding is not None:
            found.append({"rank": len(found) + 1, "rule": rule.__name__, **finding})
    return found
