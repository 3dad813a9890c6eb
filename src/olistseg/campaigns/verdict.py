"""Whether a campaign can be measured on purchases, and what would make it measurable.

*Measurable alone* when its minimum detectable lift is at most the planning lift; else
*measurable pooled* when the plan's campaigns pooled reach it; else *not measurable on
purchases*, with the holdout share, the longer window or the number of customers that would
detect the planning lift (:data:`HOLDOUT_STEPS`, :data:`HORIZON_STEPS`).
"""

from __future__ import annotations

from olistseg.campaigns.costs import CampaignCosts
from olistseg.campaigns.power import customers_needed, minimum_detectable_lift

#: Holdout shares tried when a campaign is not measurable at the requested one.
HOLDOUT_STEPS = (0.15, 0.2, 0.25, 0.3, 0.4, 0.5)
#: Horizons tried when a campaign is not measurable at the requested one (multiples).
HORIZON_STEPS = (2, 3, 4)


def _what_would_help(rate: float, audience: int, holdout: float, costs: CampaignCosts) -> dict:
    """For a campaign not measurable alone: the holdout share, the horizon and the audience
    that would detect the planning lift (None where none of the steps would)."""
    target = costs.planning_lift

    def detects(p: float, share: float) -> bool:
        treated, held = round(audience * (1 - share)), round(audience * share)
        mde = minimum_detectable_lift(p, treated, held, costs.alpha, costs.power)
        return mde is not None and mde <= target

    share = next((s for s in HOLDOUT_STEPS if s > holdout and detects(rate, s)), None)
    longer = next(
        (k for k in HORIZON_STEPS if rate * k < 1 and detects(1 - (1 - rate) ** k, holdout)), None
    )
    return {
        "holdout_share": share,
        "horizon_days": None if longer is None else costs.horizon_days * longer,
        "customers_needed": customers_needed(rate, target, holdout, costs.alpha, costs.power),
    }


def set_verdicts(campaigns: list[dict], costs: CampaignCosts) -> dict:
    """Set each campaign's ``verdict``; return the pooled measure of all campaigns."""
    target = costs.planning_lift
    treated = sum(c["treatment"] for c in campaigns)
    held = sum(c["holdout"] for c in campaigns)
    buyers = sum(c["expected"]["base_rate"] * c["audience"] for c in campaigns)
    customers = sum(c["audience"] for c in campaigns)
    pooled_rate = buyers / customers if customers else 0.0
    pooled = minimum_detectable_lift(pooled_rate, treated, held, costs.alpha, costs.power)
    alone = [c["campaign_id"] for c in campaigns if _detects(c, target)]
    for c in campaigns:
        mde = c["power"]["minimum_detectable_lift"]
        if _detects(c, target):
            c["verdict"] = {"key": "measurable_alone", "values": {"mde": mde}}
        elif pooled is not None and pooled <= target:
            others = [x["campaign_id"] for x in campaigns if x is not c]
            values = {"mde": mde, "pooled_mde": round(pooled, 4), "with": others}
            c["verdict"] = {"key": "measurable_pooled", "values": values}
        else:
            rate, share = c["expected"]["base_rate"], c["holdout_share"] or 0.1
            helps = _what_would_help(rate, c["audience"], share, costs)
            c["verdict"] = {"key": "not_measurable", "values": {"mde": mde, **helps}}
    return {
        "campaigns": len(campaigns),
        "treatment": treated,
        "holdout": held,
        "base_rate": round(pooled_rate, 6),
        "minimum_detectable_lift": None if pooled is None else round(float(pooled), 4),
        "measurable_alone": alone,
        "planning_lift": target,
    }


def _detects(campaign: dict, target: float) -> bool:
    mde = campaign["power"]["minimum_detectable_lift"]
    return mde is not None and mde <= target
