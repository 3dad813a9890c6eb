"""Segment names and marketing actions, derived from a segment's profile by explicit rules.

Each rule reads the segment's standardised means (``<feature>_z``: distance from the population
mean in standard deviations) and, for the lifecycle stage, the segment's **median recency in
days** against absolute bands. The first rule that matches gives the name; names are made
unique with a qualifier from the segment's recency or spend. The same profile always gets the
same name.

The rules cover the campaigns a marketplace runs: service recovery (late delivery, bad
reviews), a proactive word to customers delivered late who did not complain, loyalty and the
reactivation of lapsed regulars, welcome, second purchase and win-back, premium and installment
offers, and a newsletter for the rest.

**Recency bands** (:data:`RECENCY_BANDS`, days since the last purchase occasion, as a customer
data platform's lifecycle: 0-60 active, 60-120 cooling, 120-180 at risk, 180-240 highly at
risk, over 240 lost). A segment's rank among the others says whether its recency *stands out*
(``recency_days_z`` at most -0.6 or at least +0.6 sd); its median in days says which campaign
fits, so that a "recent" segment whose median customer bought months ago is never sent a
welcome series:

* median at most 60 days (active): *recent* - a welcome series (:data:`WELCOME_MAX_DAYS`);
* 60 to 180 days (cooling, at risk): *cooling* - a second-purchase nudge;
* over 180 days (highly at risk, lost): *dormant* - a win-back campaign
  (:data:`WIN_BACK_MIN_DAYS`); repeat buyers past it are *lapsed*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class NamingRule:
    key: str
    name: str
    action: str
    matches: Callable[[pd.Series], bool]
    why: str


def _z(row: pd.Series, feature: str) -> float:
    value = row.get(f"{feature}_z")
    return 0.0 if value is None or pd.isna(value) else float(value)


#: Recency bands in days (upper bound inclusive, name), shortest first.
RECENCY_BANDS: tuple[tuple[float, str], ...] = (
    (60, "active"),
    (120, "cooling"),
    (180, "at risk"),
    (240, "highly at risk"),
    (float("inf"), "lost"),
)
#: A welcome series fits a segment whose median customer bought at most this many days ago.
WELCOME_MAX_DAYS = 60
#: A win-back (and "lapsed", "dormant") fits a segment whose median customer bought longer ago.
WIN_BACK_MIN_DAYS = 180
#: |recency_days_z| from which a segment's recency stands out among the segments.
RECENCY_STANDS_OUT = 0.6


def recency_band(days: float) -> str:
    """The band of a recency in days (:data:`RECENCY_BANDS`): 45 -> "active", 200 ->
    "highly at risk"."""
    return next(name for upper, name in RECENCY_BANDS if days <= upper)


def _median_recency(row: pd.Series) -> float:
    value = row.get("recency_days_median")
    if value is None or pd.isna(value):
        raise ValueError("a profile without recency_days_median cannot be given a lifecycle stage")
    return float(value)


def _stage(row: pd.Series) -> str | None:
    """The stage, "recent", "cooling" or "dormant", when the recency stands out; else None."""
    if abs(_z(row, "recency_days")) < RECENCY_STANDS_OUT:
        return None
    days = _median_recency(row)
    if days <= WELCOME_MAX_DAYS:
        return "recent"
    return "dormant" if days > WIN_BACK_MIN_DAYS else "cooling"


def _high_ticket(row: pd.Series) -> bool:
    return _z(row, "monetary") >= 0.8 or _z(row, "avg_installments") >= 0.8


# Order matters: a service problem comes before any promotion; then the lifecycle stage (repeat,
# recent, dormant) picks the campaign, and a value trait (spend, installments) its offer. A
# recent and a dormant high-ticket segment get opposite campaigns (welcome against win-back),
# so the trait never hides the stage.
RULES: tuple[NamingRule, ...] = (
    NamingRule(
        "late_let_down",
        "Let down by late delivery",
        "Apologise with a voucher and a delivery guarantee; fix the logistics that failed them before any promotion.",
        lambda r: _z(r, "late_share") >= 1.0 and _z(r, "avg_review_score") <= -0.3,
        "late share >= +1 sd and review score <= -0.3 sd",
    ),
    NamingRule(
        "dissatisfied",
        "Dissatisfied customers",
        "Service-recovery contact: ask what went wrong and offer a make-good; keep them out of promotional pushes until resolved.",
        lambda r: _z(r, "avg_review_score") <= -0.8,
        "review score <= -0.8 sd",
    ),
    NamingRule(
        "late_satisfied",
        "Delivered late, still satisfied",
        "Thank them for their patience with a delivery promise on the next order, before a second delay turns into a bad review.",
        lambda r: _z(r, "late_share") >= 1.0,
        "late share >= +1 sd, review score not low",
    ),
    NamingRule(
        "lapsed_loyal",
        "Lapsed repeat buyers",
        "Personal reactivation offer from the loyalty programme: they bought several times, then stopped.",
        lambda r: _z(r, "frequency") >= 1.0 and _median_recency(r) > WIN_BACK_MIN_DAYS,
        "purchase occasions >= +1 sd and median recency over 180 days",
    ),
    NamingRule(
        "loyal",
        "Loyal repeat buyers",
        "Loyalty programme: early access, points and referral rewards.",
        lambda r: _z(r, "frequency") >= 1.0,
        "purchase occasions >= +1 sd",
    ),
    NamingRule(
        "recent_premium",
        "Recent high-ticket buyers",
        "Welcome series that suggests a second higher-ticket item with interest-free installments.",
        lambda r: _stage(r) == "recent" and _high_ticket(r),
        "recency stands out (|z| >= 0.6), median at most 60 days, and spend or installments >= +0.8 sd",
    ),
    NamingRule(
        "dormant_premium",
        "Dormant high-ticket buyers",
        "Win-back on higher-ticket items with interest-free installments; stop after two unanswered contacts.",
        lambda r: _stage(r) == "dormant" and _high_ticket(r),
        "recency stands out (|z| >= 0.6), median over 180 days, and spend or installments >= +0.8 sd",
    ),
    NamingRule(
        "big_spenders",
        "Big spenders",
        "Premium cross-sell and personalised recommendations in their categories.",
        lambda r: _z(r, "monetary") >= 0.8,
        "spend >= +0.8 sd",
    ),
    NamingRule(
        "installments",
        "Installment shoppers",
        "Interest-free installment offers on higher-ticket items.",
        lambda r: _z(r, "avg_installments") >= 0.8,
        "installments >= +0.8 sd",
    ),
    NamingRule(
        "recent",
        "Recent first-time buyers",
        "Welcome series with a second-purchase incentive within 30 days.",
        lambda r: _stage(r) == "recent",
        "recency stands out (|z| >= 0.6), median at most 60 days",
    ),
    NamingRule(
        "cooling",
        "Cooling first-time buyers",
        "Second-purchase nudge: a reminder of their category with a time-limited incentive, before they lapse.",
        lambda r: _stage(r) == "cooling",
        "recency stands out (|z| >= 0.6), median 60 to 180 days",
    ),
    NamingRule(
        "dormant",
        "Dormant one-off buyers",
        "Win-back campaign with a time-limited discount; stop after two unanswered contacts.",
        lambda r: _stage(r) == "dormant",
        "recency stands out (|z| >= 0.6), median over 180 days",
    ),
    NamingRule(
        "core",
        "Core satisfied customers",
        "Regular newsletter and seasonal promotions.",
        lambda r: True,
        "no trait stands out",
    ),
)


def _qualifier(row: pd.Series) -> str:
    """The segment's most distinctive trait among recency and spend, in words."""
    recency, spend = _z(row, "recency_days"), _z(row, "monetary")
    if abs(recency) >= abs(spend):
        return "recent" if recency < 0 else "long ago"
    return "higher spend" if spend > 0 else "lower spend"


def name_segments(profiles: pd.DataFrame) -> pd.DataFrame:
    """Columns ``segment_key``, ``segment_name``, ``action``, ``rule`` for each profile row."""
    rows = []
    for segment_id, row in profiles.iterrows():
        rule = next(r for r in RULES if r.matches(row))
        rows.append(
            {
                "segment_id": segment_id,
                "segment_key": rule.key,
                "segment_name": rule.name,
                "action": rule.action,
                "rule": rule.why,
            }
        )
    named = pd.DataFrame(rows).set_index("segment_id")
    for name, group in named.groupby("segment_name"):
        if len(group) > 1:
            for segment_id in group.index:
                named.loc[segment_id, "segment_name"] = (
                    f"{name} ({_qualifier(profiles.loc[segment_id])})"
                )
    for name, group in named.groupby("segment_name"):  # still equal: number them by size order
        if len(group) > 1:
            for rank, segment_id in enumerate(sorted(group.index), start=1):
                named.loc[segment_id, "segment_name"] = f"{name} #{rank}"
    return named
