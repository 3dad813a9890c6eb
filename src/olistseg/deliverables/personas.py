"""What the report and the deck say of one segment (a persona), computed once per run."""

from __future__ import annotations

from olistseg.i18n import TEXT, segment_action, segment_name, text


def persona(segment: dict, numbers: dict, lang: str) -> dict:
    """What the report and the deck say of one segment: size and shares, expected value and
    audience size (from the value and audiences steps), typical customer (medians), the
    action and the KPI to watch."""
    value = {v["segment_id"]: v for v in numbers.get("value", {}).get("segments", [])}
    audience = {a["segment_id"]: a for a in numbers.get("audiences", {}).get("audiences", [])}
    plan = {c["segment_id"]: c for c in (numbers.get("campaigns") or {}).get("campaigns", [])}
    v, a = value.get(segment["segment_id"], {}), audience.get(segment["segment_id"], {})
    campaign = plan.get(segment["segment_id"], {})
    f = segment["features"]
    median = lambda name: (f.get(name) or {}).get("median") or 0.0  # noqa: E731
    return {
        "name": segment_name(segment, lang),
        "action": segment_action(segment, lang),
        "size": segment["size"],
        "share_customers": segment["share_customers"],
        "share_revenue": segment["share_revenue"],
        "expected_value": v.get("expected_value_12m"),
        "share_value": v.get("share_expected_value"),
        "chance_12m": v.get("chance_to_buy_12m"),
        "value_per_customer": v.get("mean_expected_value_12m"),
        "max_per_contact": (campaign.get("cost") or {}).get("max_per_contact"),
        "audience": a.get("customers"),
        # the audience is the segment less the suppression list (recent complaint, undelivered
        # order, opted out): the difference, for the sentence that explains it
        "suppressed": None if a.get("customers") is None else segment["size"] - a["customers"],
        "promotional": a.get("promotional"),
        "typical": text(
            lang,
            "typical_text",
            recency=median("recency_days"),
            frequency=(f.get("frequency") or {}).get("mean") or 0.0,
            monetary=median("monetary"),
            review=median("avg_review_score"),
        ),
        "watch": text(lang, f"watch_{segment.get('key', 'core')}")
        if f"watch_{segment.get('key')}" in TEXT[lang]
        else text(lang, "watch_core"),
    }
