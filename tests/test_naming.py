"""Segment names and actions: one hand-built profile per rule, the qualifiers and the #n
numbering, and the French names as literal strings (no fallback to English can pass)."""

from __future__ import annotations

import pandas as pd
import pytest

from olistseg.i18n import segment_action, segment_name
from olistseg.segments.naming import RULES, name_segments

FEATURES = (
    "late_share",
    "avg_review_score",
    "frequency",
    "monetary",
    "avg_installments",
    "recency_days",
)


def profile(days: float | None = None, **z: float) -> dict[str, float]:
    """Standardised means ``z`` and the median recency in days (by default what the recency z
    suggests: 30 days when it is low, 300 when high, 120 otherwise)."""
    recency = z.get("recency_days", 0.0)
    if days is None:
        days = 30.0 if recency <= -0.6 else 300.0 if recency >= 0.6 else 120.0
    return {**{f"{f}_z": z.get(f, 0.0) for f in FEATURES}, "recency_days_median": days}


CASES = {
    "late_let_down": profile(late_share=1.5, avg_review_score=-0.5),
    "dissatisfied": profile(avg_review_score=-1.2),
    "late_satisfied": profile(late_share=1.5, avg_review_score=0.2),
    "lapsed_loyal": profile(frequency=1.5, recency_days=0.8),
    "loyal": profile(frequency=1.5),
    "recent_premium": profile(recency_days=-0.8, avg_installments=1.0),
    "dormant_premium": profile(recency_days=0.8, monetary=1.0),
    "big_spenders": profile(monetary=1.0),
    "installments": profile(avg_installments=1.0),
    "recent": profile(recency_days=-1.0),
    "cooling": profile(days=136, recency_days=-1.0),
    "dormant": profile(recency_days=1.0),
    "core": profile(),
}


@pytest.mark.parametrize("key", list(CASES))
def test_each_rule_on_a_hand_built_profile(key):
    names = name_segments(pd.DataFrame([CASES[key]]))
    assert names.loc[0, "segment_key"] == key
    rule = next(r for r in RULES if r.key == key)
    assert names.loc[0, "segment_name"] == rule.name and names.loc[0, "action"] == rule.action


def test_every_rule_has_a_case():
    assert set(CASES) == {r.key for r in RULES}


def test_rules_apply_in_order():
    # late and dissatisfied: the late-delivery rule comes first
    both = profile(late_share=1.5, avg_review_score=-1.5)
    assert name_segments(pd.DataFrame([both])).loc[0, "segment_key"] == "late_let_down"


def test_the_lifecycle_stage_comes_before_the_value_trait():
    # recent and dormant installment shoppers get opposite campaigns, not one shared offer
    rows = [
        profile(recency_days=-0.7, avg_installments=0.9),
        profile(recency_days=1.0, avg_installments=1.3),
        profile(avg_installments=1.0),
    ]
    named = name_segments(pd.DataFrame(rows))
    assert named["segment_key"].tolist() == ["recent_premium", "dormant_premium", "installments"]
    assert named["action"].nunique() == 3


def test_a_late_but_satisfied_segment_is_not_a_service_failure():
    satisfied = profile(late_share=2.0, avg_review_score=0.1)
    unhappy = profile(late_share=2.0, avg_review_score=-0.4)
    keys = name_segments(pd.DataFrame([satisfied, unhappy]))["segment_key"].tolist()
    assert keys == ["late_satisfied", "late_let_down"]


@pytest.mark.parametrize(
    ("days", "z", "key"),
    [
        (45, -0.8, "recent"),
        (60, -0.8, "recent"),
        (61, -0.8, "cooling"),
        (182, -0.8, "dormant"),
        (136, 0.9, "cooling"),
        (400, 0.9, "dormant"),
        (30, 0.9, "recent"),
        (400, 0.3, "core"),
    ],
)
def test_the_campaign_follows_the_absolute_recency_band(days, z, key):
    # The rank among segments says whether recency stands out; the median in days says which
    # campaign fits: a "recent" segment whose median customer bought 136 days ago is cooling.
    named = name_segments(pd.DataFrame([profile(days=days, recency_days=z)]))
    assert named.loc[0, "segment_key"] == key


def test_no_welcome_series_past_60_days_and_no_lapsed_regulars_within_180():
    rows = [
        profile(days=136, recency_days=-0.9, avg_installments=1.2),  # high ticket, cooling
        profile(days=150, frequency=1.5, recency_days=0.7),  # repeat buyers, not lapsed yet
        profile(days=200, frequency=1.5, recency_days=0.7),
    ]
    assert name_segments(pd.DataFrame(rows))["segment_key"].tolist() == [
        "installments",
        "loyal",
        "lapsed_loyal",
    ]


def test_recency_bands():
    from olistseg.segments.naming import recency_band

    assert [recency_band(d) for d in (0, 60, 61, 120, 180, 240, 241)] == [
        "active",
        "active",
        "cooling",
        "cooling",
        "at risk",
        "highly at risk",
        "lost",
    ]


def test_qualifiers_then_numbers_make_names_unique():
    rows = [
        profile(recency_days=-0.3),
        profile(monetary=0.5),
        profile(recency_days=0.4),
        profile(recency_days=-0.2),
        profile(monetary=-0.5),
    ]
    names = name_segments(pd.DataFrame(rows))["segment_name"].tolist()
    assert names == [
        "Core satisfied customers (recent) #1",
        "Core satisfied customers (higher spend)",
        "Core satisfied customers (long ago)",
        "Core satisfied customers (recent) #2",
        "Core satisfied customers (lower spend)",
    ]


FRENCH = {
    "late_let_down": "Déçus par une livraison en retard",
    "dissatisfied": "Clients insatisfaits",
    "late_satisfied": "Livrés en retard, encore satisfaits",
    "lapsed_loyal": "Acheteurs réguliers en sommeil",
    "loyal": "Acheteurs fidèles",
    "recent_premium": "Nouveaux acheteurs à gros panier",
    "dormant_premium": "Gros paniers inactifs",
    "big_spenders": "Gros acheteurs",
    "installments": "Adeptes du paiement en plusieurs fois",
    "recent": "Nouveaux acheteurs récents",
    "cooling": "Primo-acheteurs à relancer",
    "dormant": "Clients d'un seul achat, inactifs",
    "core": "Clients satisfaits",
}


@pytest.mark.parametrize("key", list(CASES))
def test_french_names_read_as_french_marketing(key):
    named = name_segments(pd.DataFrame([CASES[key]])).iloc[0]
    segment = {"key": key, "name": named["segment_name"], "action": named["action"]}
    assert segment_name(segment, "fr") == FRENCH[key]
    assert segment_action(segment, "fr") != named["action"]


def test_french_qualifier_and_number():
    """The label is structured (key, qualifier, rank): French is rendered from it, never
    parsed back out of the English name."""
    segment = {"key": "core", "name": "anything", "qualifier": "long_ago", "rank": 2, "action": "x"}
    assert segment_name(segment, "fr") == "Clients satisfaits (anciens) #2"
    assert segment_name(segment, "en") == "Core satisfied customers (long ago) #2"


def test_names_carry_their_structured_label():
    rows = [profile(recency_days=0.4), profile(recency_days=-0.3), profile(monetary=0.1)]
    named = name_segments(pd.DataFrame(rows))
    assert named["qualifier"].tolist() == ["long_ago", "recent", "higher_spend"]
    assert named["rank"].tolist() == [0, 0, 0]
    for _, row in named.iterrows():
        record = {"key": row.segment_key, "qualifier": row.qualifier, "rank": row["rank"]}
        assert segment_name({**record, "name": ""}, "en") == row.segment_name
