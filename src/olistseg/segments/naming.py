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

from olistseg.i18n import segment_label
from olistseg.i18n.segments import SEGMENTS


@dataclass(frozen=True)
class NamingRule:
    """A segment gets rule ``key`` when ``matches(profile row)``; ``why`` says so in words.
    Its name and action in each language are in :mod:`olistseg.i18n.segments`."""

    key: str
    matches: Callable[[pd.Series], bool]
    why: str

    @property
    def name(self) -> str:
        return SEGMENTS["en"][self.key][0]

    @property
    def action(self) -> str:
        return SEGMENTS["en"][self.key][1]


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
        lambda r: _z(r, "late_share") >= 1.0 and _z(r, "avg_review_score") <= -0.3,
        "late share >= +1 sd and review score <= -0.3 sd",
    ),
    NamingRule(
        "dissatisfied",
        lambda r: _z(r, "avg_review_score") <= -0.8,
        "review score <= -0.8 sd",
    ),
    NamingRule(
        "late_satisfied",
        lambda r: _z(r, "late_share") >= 1.0,
        "late share >= +1 sd, review score not low",
    ),
    NamingRule(
        "lapsed_loyal",
        lambda r: _z(r, "frequency") >= 1.0 and _median_recency(r) > WIN_BACK_MIN_DAYS,
        "purchase occasions >= +1 sd and median recency over 180 days",
    ),
    NamingRule(
        "loyal",
        lambda r: _z(r, "frequency") >= 1.0,
        "purchase occasions >= +1 sd",
    ),
    NamingRule(
        "recent_premium",
        lambda r: _stage(r) == "recent" and _high_ticket(r),
        "recency stands out (|z| >= 0.6), median at most 60 days, and spend or installments >= +0.8 sd",
    ),
    NamingRule(
        "dormant_premium",
        lambda r: _stage(r) == "dormant" and _high_ticket(r),
        "recency stands out (|z| >= 0.6), median over 180 days, and spend or installments >= +0.8 sd",
    ),
    NamingRule(
        "big_spenders",
        lambda r: _z(r, "monetary") >= 0.8,
        "spend >= +0.8 sd",
    ),
    NamingRule(
        "installments",
        lambda r: _z(r, "avg_installments") >= 0.8,
        "installments >= +0.8 sd",
    ),
    NamingRule(
        "recent",
        lambda r: _stage(r) == "recent",
        "recency stands out (|z| >= 0.6), median at most 60 days",
    ),
    NamingRule(
        "cooling",
        lambda r: _stage(r) == "cooling",
        "recency stands out (|z| >= 0.6), median 60 to 180 days",
    ),
    NamingRule(
        "dormant",
        lambda r: _stage(r) == "dormant",
        "recency stands out (|z| >= 0.6), median over 180 days",
    ),
    NamingRule(
        "core",
        lambda r: True,
        "no trait stands out",
    ),
)


def _qualifier(row: pd.Series) -> str:
    """The key of the segment's most distinctive trait among recency and spend."""
    recency, spend = _z(row, "recency_days"), _z(row, "monetary")
    if abs(recency) >= abs(spend):
        return "recent" if recency < 0 else "long_ago"
    return "higher_spend" if spend > 0 else "lower_spend"


def name_segments(profiles: pd.DataFrame) -> pd.DataFrame:
    """Columns ``segment_key``, ``segment_name`` (English), ``action``, ``rule`` and the
    structured label's ``qualifier`` (a key, or None) and ``rank`` (0 when unneeded) for each
    profile row. Two segments of one rule get a qualifier; if they still share it, a rank by
    segment id."""
    keys = {
        segment_id: next(r for r in RULES if r.matches(row)).key
        for segment_id, row in profiles.iterrows()
    }
    by_key: dict[str, list] = {}
    for segment_id, key in keys.items():
        by_key.setdefault(key, []).append(segment_id)
    qualifiers = {
        segment_id: _qualifier(profiles.loc[segment_id]) if len(by_key[key]) > 1 else None
        for segment_id, key in keys.items()
    }
    labels = {segment_id: (keys[segment_id], qualifiers[segment_id]) for segment_id in keys}
    ranks = {}
    for segment_id, label in labels.items():
        same = sorted(s for s, other in labels.items() if other == label)
        ranks[segment_id] = same.index(segment_id) + 1 if len(same) > 1 else 0
    rules = {r.key: r for r in RULES}
    named = pd.DataFrame(
        [
            {
                "segment_id": segment_id,
                "segment_key": key,
                "segment_name": segment_label(key, "en", qualifiers[segment_id], ranks[segment_id]),
                "action": rules[key].action,
                "rule": rules[key].why,
                "qualifier": qualifiers[segment_id],
                "rank": ranks[segment_id],
            }
            for segment_id, key in keys.items()
        ]
    )
    return named.set_index("segment_id")


def segment_records(names: pd.DataFrame) -> dict[int, dict]:
    """The segments of a model's metadata (both engines): id -> name, action, key, rule and
    the structured label's qualifier and rank."""
    return {
        int(i): {
            "name": r.segment_name,
            "action": r.action,
            "key": r.segment_key,
            "rule": r.rule,
            "qualifier": r.qualifier,
            "rank": int(r["rank"]),
        }
        for i, r in names.iterrows()
    }
