"""The campaign plan: for each segment, a campaign a team can launch and measure.

Each campaign has its message and offer (the segment's action), a channel, a timing (a
lifecycle trigger where the action depends on time since purchase, else the next suitable
date of the Brazilian retail calendar after "now"), an audience (the segment minus the
suppression rules of :mod:`olistseg.value.audiences`, ranked by the targeting score), a random
deterministic holdout balanced by rerandomization (:mod:`olistseg.campaigns.holdout`), what
to expect without the
campaign, its cost and break-even lift, and its power (:mod:`olistseg.campaigns.power`).

**Lifecycle triggers** (days since the customer's last delivered purchase; documented bands):
a welcome series days 0-14 after the first delivery (segments ``recent``,
``recent_premium``), a second-purchase nudge days 30-90 (``cooling``), a win-back from day
180 (``dormant``, ``dormant_premium``, ``lapsed_loyal``), the service-recovery contact within
7 days of the failed order or bad review (``dissatisfied``, ``late_let_down``) and a
delivery-promise note with the next order (``late_satisfied``). Every other segment is sent on
the next retail occasion (:mod:`olistseg.campaigns.calendar`). Triggers start the day after
"now".

**What to expect without the campaign**: the segment's repurchase rate and revenue per buyer
over the horizon, observed at the latest origin that the data can close: the model's segments
at ``end - horizon`` and what those customers bought up to ``end``, where ``end`` is ``as_of``
or the last delivered purchase if the data stops delivering before it.

**Targeting score**: by default a customer's RFM cell
(:func:`olistseg.validation.baselines.rfm_segments`) scored by that cell's repurchase rate at
the same origin: a calibrated probability of buying again within the horizon. ``targeting``
picks another candidate of :mod:`olistseg.value.targeting`; ``olistseg run`` passes the
champion of the out-of-time comparison. The audience is contacted in that order.

**Cost and break-even**: ``contacts x cost per contact`` plus the discount on the expected
buyers' orders at the planning lift. With base rate ``p``, revenue per buyer ``v``, margin
``m``, discount ``d`` and cost per contact ``c``, the campaign pays back from the relative lift
``L = (c + p v d) / (p v (m - d))`` (never when ``d >= m``).

**Verdict**: *measurable alone* when the minimum detectable lift is at most the planning lift;
else *measurable pooled* when the campaigns pooled reach it; else *not measurable on
purchases*, with what would make it measurable (a larger holdout, a longer horizon, pooling).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from olistseg.atomic import atomic_path, write_json
from olistseg.campaigns.calendar import next_occasions
from olistseg.campaigns.costs import CampaignCosts
from olistseg.campaigns.holdout import HOLDOUT, TREATMENT, balanced_groups
from olistseg.campaigns.power import minimum_detectable_lift
from olistseg.campaigns.verdict import set_verdicts
from olistseg.errors import InputError
from olistseg.features.build import customer_features
from olistseg.features.outcomes import customer_outcomes, delivered_end
from olistseg.segments.segmenter import Segmenter
from olistseg.validation.baselines import rfm_segments
from olistseg.value.audiences import build_audiences, customer_contacts, recent_issues
from olistseg.value.clv import TooFewRepeatCustomers
from olistseg.value.targeting import CANDIDATES, TooFewBuyers
from olistseg.value.targeting import score as targeting_score
from olistseg.warehouse.now import default_as_of

TARGETING_WORDS = {
    "rfm": "the repurchase rate, over the horizon at the origin, of the customer's RFM cell",
    "bgnbd": "BG/NBD's expected purchase occasions over the horizon, fitted at as_of",
    "gbm": "a gradient-boosted probability of buying again within the horizon, trained on "
    "pooled windows ending by as_of",
}
#: Lifecycle triggers by segment key: (trigger key, first day, last day) since the last purchase.
TRIGGERS: dict[str, tuple[str, int, int | None]] = {
    "recent": ("welcome", 0, 14),
    "recent_premium": ("welcome", 0, 14),
    "cooling": ("second_purchase", 30, 90),
    "dormant": ("win_back", 180, None),
    "dormant_premium": ("win_back", 180, None),
    "lapsed_loyal": ("win_back", 180, None),
    "dissatisfied": ("service_recovery", 0, 7),
    "late_let_down": ("service_recovery", 0, 7),
    "late_satisfied": ("next_order", 0, None),
}
#: Segments with fewer customers at the origin take the overall rate as their expectation.
MIN_ORIGIN_CUSTOMERS = 200
PLAN_COLUMNS = (
    "campaign_id",
    "segment_id",
    "segment_key",
    "segment_name",
    "channel",
    "timing",
    "launch",
    "audience",
    "treatment",
    "holdout",
    "base_rate",
    "expected_buyers",
    "revenue_per_buyer",
    "cost",
    "break_even_lift",
    "minimum_detectable_lift",
    "verdict",
)


@dataclass(frozen=True)
class Expectation:
    """What a segment did over the horizon at the origin: customers, buyers, revenue."""

    customers: int
    buyers: int
    revenue: float

    @property
    def rate(self) -> float:
        return self.buyers / self.customers if self.customers else 0.0

    @property
    def revenue_per_buyer(self) -> float:
        return self.revenue / self.buyers if self.buyers else 0.0


def default_salt(seed: int, as_of: dt.datetime) -> str:
    """The holdout salt of a plan: a hash of the seed and the plan's date (stored in the plan)."""
    return hashlib.sha256(f"olistseg-holdout|{seed}|{as_of:%Y-%m-%d}".encode()).hexdigest()[:16]


def origin_outcomes(
    con: duckdb.DuckDBPyConnection, segmenter: Segmenter, as_of: dt.datetime, horizon_days: int
) -> tuple[dt.datetime, pd.DataFrame]:
    """The latest origin the data closes (``as_of - horizon``) and, per customer known then,
    their segment and RFM cell at the origin and ``repurchased`` / ``future_revenue`` after it."""
    # The window ends at as_of, or at the last delivered purchase when the data stops
    # delivering before it (Olist: 2018-08-29 against an as_of of 2018-08-31).
    end = min(as_of, delivered_end(con))
    origin = end - dt.timedelta(days=horizon_days)
    past = customer_features(con, origin)
    if len(past) < 10:
        raise InputError(
            f"only {len(past)} customers had a delivered order by {origin:%Y-%m-%d} (as_of minus "
            f"the {horizon_days}-day horizon): too few to say what to expect. Use a later --as-of "
            "or a shorter horizon_days in --costs."
        )
    outcomes = customer_outcomes(con, origin, end).reindex(past.index)
    frame = pd.DataFrame(
        {
            "segment_id": segmenter.predict(past),
            "rfm_cell": rfm_segments(past)[0],
            "repurchased": outcomes["repurchased"].fillna(0).astype(int).to_numpy(),
            "future_revenue": outcomes["future_revenue"].fillna(0.0).to_numpy(),
        },
        index=past.index,
    )
    return origin, frame


def _expectation(frame: pd.DataFrame) -> Expectation:
    bought = frame["repurchased"] == 1
    return Expectation(
        len(frame), int(bought.sum()), float(frame.loc[bought, "future_revenue"].sum())
    )


def _timing(key: str, as_of: dt.datetime) -> dict:
    trigger = TRIGGERS.get(key)
    start = (as_of + dt.timedelta(days=1)).date()
    if trigger is not None:
        name, first, last = trigger
        return {
            "kind": "lifecycle",
            "trigger": name,
            "days_since_purchase": [first, last],
            "launch": start.isoformat(),
        }
    occasion = next_occasions(start, 1)[0]
    return {"kind": "calendar", **occasion.to_dict(), "launch": occasion.send.isoformat()}


def break_even_lift(
    rate: float, revenue_per_buyer: float, costs: CampaignCosts, offer: float
) -> float | None:
    """The relative lift in purchases at which the campaign pays for itself (module docstring)."""
    value = rate * revenue_per_buyer
    if value <= 0 or offer >= costs.margin:
        return None
    return (costs.contact_cost() + value * offer) / (value * (costs.margin - offer))


def _campaign(
    segment_id: int,
    names: pd.DataFrame,
    audience: pd.DataFrame,
    expectation: Expectation,
    as_of: dt.datetime,
    holdout: float,
    salt: str,
    costs: CampaignCosts,
) -> tuple[dict, pd.DataFrame]:
    row = names.loc[segment_id]
    key = str(row["segment_key"])
    campaign_id = f"{as_of:%Y%m%d}-{segment_id}-{key}"
    ranked = audience.sort_values(
        ["targeting_score", "customer_unique_id"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)
    ranked["group"], draw, smd = balanced_groups(ranked, campaign_id, salt, holdout)
    ranked["rank"] = np.arange(1, len(ranked) + 1)
    treated = int((ranked["group"] == TREATMENT).sum())
    held = len(ranked) - treated
    rate, per_buyer = expectation.rate, expectation.revenue_per_buyer
    offer = costs.offer_share(key)
    contact = costs.contact_cost()
    cost = treated * contact + treated * rate * (1 + costs.planning_lift) * per_buyer * offer
    mde = minimum_detectable_lift(rate, treated, held, costs.alpha, costs.power)
    campaign = {
        "campaign_id": campaign_id,
        "segment_id": int(segment_id),
        "segment_key": key,
        "segment_name": str(row["segment_name"]),
        "segment_qualifier": row.get("qualifier"),
        "segment_rank": int(row.get("rank") or 0),
        "message": str(row["action"]),
        "offer_share": offer,
        "channel": costs.channel,
        "timing": _timing(key, as_of),
        "audience": len(ranked),
        "treatment": treated,
        "holdout": held,
        "holdout_share": round(held / len(ranked), 4) if len(ranked) else None,
        "balance": smd,
        "holdout_draw": draw,
        "expected": {
            "origin_customers": expectation.customers,
            "origin_buyers": expectation.buyers,
            "base_rate": round(rate, 6),
            "revenue_per_buyer": round(per_buyer, 2),
            "buyers_treatment": round(rate * treated, 1),
            "buyers_holdout": round(rate * held, 1),
            "revenue": round(rate * len(ranked) * per_buyer, 2),
        },
        "cost": {
            "contacts": round(treated * contact, 2),
            "offer": round(cost - treated * contact, 2),
            "total": round(cost, 2),
            "per_contact": contact,
            "break_even_lift": _round(break_even_lift(rate, per_buyer, costs, offer)),
            # the most a contact may cost for the message alone (no offer) to pay for itself
            # at the planning lift: expected revenue per contact x lift x margin
            "max_per_contact": round(rate * per_buyer * costs.planning_lift * costs.margin, 4),
        },
        "power": {
            "minimum_detectable_lift": _round(mde),
            "planning_lift": costs.planning_lift,
            "alpha": costs.alpha,
            "power": costs.power,
        },
    }
    columns = [
        "customer_unique_id",
        "segment_id",
        "group",
        "rank",
        "targeting_score",
        "recency_days",
        "frequency",
        "monetary",
    ]
    return campaign, ranked[columns]


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def build_plan(
    con: duckdb.DuckDBPyConnection,
    model_dir: Path,
    as_of: dt.datetime | None = None,
    holdout: float = 0.10,
    costs: CampaignCosts | None = None,
    seed: int = 42,
    salt: str | None = None,
    targeting: str = "rfm",
) -> tuple[dict, dict[str, pd.DataFrame]]:
    """The plan (``plan.json``'s content) and each campaign's audience with its ``group``.

    ``targeting`` names the score that ranks each audience (:mod:`olistseg.value.targeting`:
    ``rfm``, ``bgnbd`` or ``gbm``; the run passes the champion of the lifetime-value step's
    out-of-time comparison)."""
    if targeting not in CANDIDATES:
        raise InputError(f"--targeting {targeting!r}: choose one of {', '.join(CANDIDATES)}.")
    if not 0 < holdout < 1:
        raise InputError(f"--holdout {holdout}: a share between 0 and 1 (0.1 = 10% held out).")
    costs = costs or CampaignCosts()
    segmenter = Segmenter.load(model_dir)
    as_of = as_of or default_as_of(con)
    salt = salt or default_salt(seed, as_of)
    origin, past = origin_outcomes(con, segmenter, as_of, costs.horizon_days)
    overall = _expectation(past)
    cell_rates = past.groupby("rfm_cell")["repurchased"].mean()
    features = customer_features(con, as_of)
    scored = pd.DataFrame(
        {"customer_unique_id": features.index, "segment_id": segmenter.predict(features)}
    )
    audiences, suppressed = build_audiences(
        scored,
        segmenter.names_,
        recent_issues(con, as_of),
        customer_contacts(con, as_of),
    )
    fallback = None
    if targeting != "rfm":
        try:
            values = targeting_score(targeting, con, features, as_of, costs.horizon_days)
            score = pd.Series(values, index=features.index)
        except (TooFewRepeatCustomers, TooFewBuyers) as exc:
            fallback, targeting = f"{targeting}: {exc}; ranked by the RFM cell rate", "rfm"
    if targeting == "rfm":
        score = pd.Series(rfm_segments(features)[0], index=features.index).map(cell_rates)
    campaigns, lists = [], {}
    for segment_id, audience in audiences.items():
        if audience.empty:
            continue
        frame = audience[["customer_unique_id", "segment_id"]].copy()
        ids = frame["customer_unique_id"]
        frame["targeting_score"] = score.reindex(ids).fillna(overall.rate).round(6).to_numpy()
        for column in ("recency_days", "frequency", "monetary"):
            frame[column] = features[column].reindex(ids).to_numpy()
        members = past[past["segment_id"] == segment_id]
        expectation = _expectation(members) if len(members) >= MIN_ORIGIN_CUSTOMERS else overall
        campaign, listed = _campaign(
            segment_id, segmenter.names_, frame, expectation, as_of, holdout, salt, costs
        )
        campaign["expected"]["from_overall_rate"] = expectation is overall
        campaigns.append(campaign)
        lists[campaign["campaign_id"]] = listed
    pooled = set_verdicts(campaigns, costs)
    plan = {
        "as_of": as_of.isoformat(sep=" "),
        "origin": origin.isoformat(sep=" "),
        "horizon_days": costs.horizon_days,
        "holdout_share": holdout,
        "salt": salt,
        "seed": seed,
        "model": str(model_dir),
        "model_as_of": segmenter.saved_metadata_.get("as_of"),
        "targeting": {
            "score": targeting,
            "description": TARGETING_WORDS[targeting],
            "fallback": fallback,
            "rfm_cell_rates": {int(k): round(float(v), 6) for k, v in cell_rates.items()},
        },
        "costs": costs.to_dict(),
        "suppressed": len(suppressed),
        "overall": {"base_rate": round(overall.rate, 6), "customers": overall.customers},
        "campaigns": campaigns,
        "pooled": pooled,
    }
    return plan, lists


def campaign_file(campaign_id: str) -> str:
    return f"campaign_{campaign_id}.csv"


def write_plan(folder: Path, plan: dict, lists: dict[str, pd.DataFrame]) -> dict:
    """``plan.json``, ``plan.csv`` and one ``campaign_<id>.csv`` per campaign into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for campaign_id, frame in lists.items():
        with atomic_path(folder / campaign_file(campaign_id)) as tmp:
            frame.to_csv(tmp, index=False, float_format="%.6f")
    rows = [
        {
            "campaign_id": c["campaign_id"],
            "segment_id": c["segment_id"],
            "segment_key": c["segment_key"],
            "segment_name": c["segment_name"],
            "channel": c["channel"],
            "timing": c["timing"].get("trigger") or c["timing"].get("occasion"),
            "launch": c["timing"]["launch"],
            "audience": c["audience"],
            "treatment": c["treatment"],
            "holdout": c["holdout"],
            "base_rate": c["expected"]["base_rate"],
            "expected_buyers": c["expected"]["buyers_treatment"] + c["expected"]["buyers_holdout"],
            "revenue_per_buyer": c["expected"]["revenue_per_buyer"],
            "cost": c["cost"]["total"],
            "break_even_lift": c["cost"]["break_even_lift"],
            "minimum_detectable_lift": c["power"]["minimum_detectable_lift"],
            "verdict": c["verdict"]["key"],
        }
        for c in plan["campaigns"]
    ]
    with atomic_path(folder / "plan.csv") as tmp:
        pd.DataFrame(rows, columns=list(PLAN_COLUMNS)).to_csv(tmp, index=False)
    for c in plan["campaigns"]:
        c["file"] = campaign_file(c["campaign_id"])
    write_json(folder / "plan.json", plan)
    return plan


__all__ = ["HOLDOUT", "TREATMENT", "build_plan", "write_plan"]
