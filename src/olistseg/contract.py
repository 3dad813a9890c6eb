"""The run contract: the typed shape of ``run.json``, and every fact a person sees, defined once.

A run's steps write their summaries into ``run.json`` (:class:`RunSummary`); then
:func:`run_facts` derives the **facts** that the deliverables state, each named once with its
definition and unit (:data:`FACTS`), into ``run.json``'s ``facts``. The findings, the report,
the deck, the notebook and the dashboard read a fact from there, never from a path of their own
into a step's output, so the same fact has the same value everywhere it appears.

Where two related facts are both worth showing they are two facts, each with its own words:
``repeat_order_share`` (customers who placed two or more orders) is not
``repeat_occasion_share`` (customers who came back on another day).

This module imports nothing from the package: every layer may read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict


class AnalysisDateRecord(TypedDict):
    """``run.json``'s ``analysis_date``: the run's one "now" and why."""

    as_of: str
    last_purchase: str
    complete_until: str | None
    ignored_orders: int | None
    reason: str


class LoadSummary(TypedDict):
    rows_loaded: dict[str, int]
    rows_quarantined: int
    orders_first_purchase: str | None
    orders_last_purchase: str | None


class KpiSummary(TypedDict):
    as_of: str
    question_rows: dict[str, int]
    incomplete_tail: dict | None
    files: list[str]


class SegmentSummary(TypedDict):
    segment_id: int
    name: str
    share_customers: float
    share_revenue: float
    action: str


class SegmentationSummary(TypedDict):
    as_of: str
    customers: int
    algorithm: str
    k: int
    silhouette: float
    stability_bootstrap: float | None
    selection_reason: str
    relaxed: list[str]
    segments: list[SegmentSummary]
    folder: str


class ValidationSummary(TypedDict):
    origins: list[str]
    horizon_days: int
    median_auc: dict[str, float | None]
    beats_rfm: bool
    median_top_lift: float | None
    median_value_revenue_share: float | None
    findings: list[str]
    folder: str


class ValueSummary(TypedDict):
    as_of: str
    customers: int
    repeat_customers: int
    expected_occasions_365d: float
    expected_value_12m: float
    segments: list[dict]
    out_of_time_median: dict
    fit_and_score_seconds: float
    folder: str


class AudienceSummary(TypedDict):
    as_of: str
    scored_customers: int
    audiences: list[dict]
    suppressed: int
    suppressed_by_reason: dict[str, int]
    folder: str


class CampaignSummary(TypedDict):
    as_of: str
    origin: str
    horizon_days: int
    holdout_share: float
    campaigns: int
    targeting: str
    contacts: int
    held_out: int
    measurable_alone: int
    pooled_detectable_lift: float | None
    cost: float
    folder: str


class StabilitySummary(TypedDict):
    algorithm: str
    k: int
    model_note: str | None
    cadence_weeks: float | None
    cadence_days: int | None
    cadence_reason: str
    threshold: float
    limited_by_horizon: bool
    baseline_noise_median: float
    origins: int
    origins_left_out: int
    retrain_seconds: float
    schedule: dict | None
    interval_weeks: list[float] | None
    robust: dict | None
    steps_left_out_noisy: int | None
    simulation_seconds: float
    folder: str


class Fact(TypedDict):
    """One fact of the run: its value, unit and definition (and where it was computed)."""

    value: Any
    unit: str
    definition: str
    source: str


class RunSummary(TypedDict, total=False):
    """``run.json``."""

    olistseg_version: str
    data: str
    warehouse: str
    lang: str
    analysis_date: AnalysisDateRecord
    load: LoadSummary
    kpi: KpiSummary
    segmentation: SegmentationSummary
    validation: ValidationSummary
    value: ValueSummary
    audiences: AudienceSummary
    campaigns: CampaignSummary
    stability: StabilitySummary
    facts: dict[str, Fact]
    step_seconds: dict[str, float]
    findings: dict
    deliverables: dict


#: Segment keys (:mod:`olistseg.segments.naming`) whose action is a service-recovery contact,
#: not a promotion (the audiences keep them off promotional lists).
SERVICE_RECOVERY_KEYS = frozenset({"dissatisfied", "late_let_down"})


@dataclass(frozen=True)
class FactDefinition:
    unit: str
    definition: str
    source: str


#: Every fact the deliverables state, with its unit and definition: one definition per fact.
FACTS: dict[str, FactDefinition] = {
    "analysis_date": FactDefinition(
        "timestamp",
        "the run's 'now': the end of the last complete month, or --as-of",
        "run.json: analysis_date",
    ),
    "kpi_customers": FactDefinition(
        "customers",
        "customers (customer_unique_id) with an order of any status by the analysis date",
        "kpi/kpis.json: repeat_customers (total)",
    ),
    "repeat_order_share": FactDefinition(
        "share of customers",
        "customers who placed two or more orders (any status), among kpi_customers",
        "kpi/kpis.json: repeat_customers (total)",
    ),
    "customers": FactDefinition(
        "customers",
        "customers with a delivered order by the analysis date: the customers that "
        "are segmented, valued and targeted",
        "value/value.json: customers",
    ),
    "repeat_occasion_customers": FactDefinition(
        "customers",
        "customers who bought on two or more occasions (an order more than 24 hours "
        "after the previous one starts a new occasion), among customers",
        "value/value.json: repeat_customers",
    ),
    "repeat_occasion_share": FactDefinition(
        "share of customers",
        "repeat_occasion_customers / customers: who came back on another day",
        "value/value.json",
    ),
    "on_time_rate": FactDefinition(
        "share of orders",
        "delivered orders that arrived by the estimated date, all months up to the analysis date",
        "kpi/kpis.json: on_time_delivery (total)",
    ),
    "segments": FactDefinition(
        "segments", "segments of the chosen segmentation", "segments/profiles.json"
    ),
    "candidates": FactDefinition(
        "segmentations",
        "candidate segmentations (algorithm and number of segments) compared by the selection",
        "segments/selection.json: candidates",
    ),
    "segment_shares": FactDefinition(
        "shares by segment id",
        "each segment's share of the segmented customers, of their past revenue and of the "
        "expected value of the next 12 months (None without a value model)",
        "segments/profiles.json, value/value.json: segments",
    ),
    "service_recovery_customers": FactDefinition(
        "customers",
        "customers of the segments whose action is a service-recovery contact (dissatisfied, "
        "let down by late delivery)",
        "segments/profiles.json",
    ),
    "largest_segment_share": FactDefinition(
        "share of customers",
        "the largest segment's share of the segmented customers",
        "segments/profiles.json",
    ),
    "segments_auc": FactDefinition(
        "AUC",
        "median over the validation origins of the segments' AUC of repurchase within the horizon",
        "validation/validation.json: summary.median_auc.chosen",
    ),
    "rfm_auc": FactDefinition(
        "AUC",
        "median over the same origins of the RFM scoring's AUC of repurchase",
        "validation/validation.json: summary.median_auc.rfm",
    ),
    "forecast_error": FactDefinition(
        "occasions per customer",
        "median over the out-of-time origins of BG/NBD's mean absolute "
        "error on each customer's purchase occasions within the horizon",
        "value/value.json: out_of_time.median.mae_bgnbd",
    ),
    "campaigns": FactDefinition(
        "campaigns", "campaigns in the plan, one per segment with customers", "campaigns/plan.json"
    ),
    "campaigns_measurable_alone": FactDefinition(
        "campaigns",
        "campaigns whose smallest detectable lift in purchases is at most the planning lift",
        "campaigns/plan.json",
    ),
    "pooled_detectable_lift": FactDefinition(
        "relative lift",
        "smallest lift in purchases the plan's campaigns pooled can detect (alpha 0.05, power 0.8)",
        "campaigns/plan.json",
    ),
    "holdout_share": FactDefinition(
        "share", "share of each audience held out at random", "campaigns/plan.json"
    ),
    "campaign_contacts": FactDefinition(
        "customers",
        "customers contacted by the plan's campaigns (holdouts excluded)",
        "campaigns/plan.json",
    ),
    "campaign_cost": FactDefinition(
        "currency",
        "the plan's cost: contacts and the offers its expected buyers redeem at the planning lift",
        "campaigns/plan.json",
    ),
    "wrong_campaign_month_one": FactDefinition(
        "customers",
        "median over origins of the customers whose segment, and so campaign, differs between "
        "the model retrained a month ago and a refit today",
        "stability/stability.json: campaign_impact",
    ),
    "cadence_weeks": FactDefinition(
        "weeks",
        "measured: the longest time after a retrain for which the 10th-percentile ARI "
        "between the frozen model and a refit stays at or above the threshold",
        "stability/stability.json: cadence.weeks",
    ),
    "retrain_every": FactDefinition(
        "days",
        "the schedule: a retrain every this many days (the measured cadence), and a monthly check",
        "stability/maintenance.json: schedule.days",
    ),
    "retrains_per_year": FactDefinition(
        "retrains",
        "retrains in the 12-month calendar of the maintenance contract",
        "stability/maintenance.json: retrains_per_year",
    ),
    "yearly_cost": FactDefinition(
        "currency a year",
        "the maintenance contract's yearly cost (analyst time and compute)",
        "stability/maintenance.json: yearly_cost.total",
    ),
    "currency": FactDefinition(
        "ISO 4217 code",
        "the one currency of every amount of the run",
        "stability/maintenance.json: costs.currency",
    ),
}


def _fact(name: str, value: Any) -> Fact:
    definition = FACTS[name]
    return {
        "value": value,
        "unit": definition.unit,
        "definition": definition.definition,
        "source": definition.source,
    }


def _total_row(numbers: dict, kpi: str) -> dict | None:
    """A KPI answer's "total" row as a dict (column -> value), or None without one."""
    answer = numbers["kpis"]["kpis"].get(kpi, {})
    return next(
        (
            dict(zip(answer["columns"], row, strict=True))
            for row in answer.get("rows", [])
            if row[0] == "total"
        ),
        None,
    )


def run_facts(numbers: dict) -> dict[str, Fact]:
    """Every fact of :data:`FACTS` that the run measured, from its outputs (``numbers`` as
    :func:`olistseg.deliverables.collect.run_numbers` reads them). A fact the run could not
    measure (e.g. no cadence) has the value None."""
    run, profiles = numbers["run"], numbers["profiles"]["segments"]
    repeat = _total_row(numbers, "repeat_customers")
    value = numbers.get("value") or {}
    plan = numbers.get("campaigns")
    auc = numbers["validation"]["summary"]["median_auc"]
    on_time = _total_row(numbers, "on_time_delivery")
    impact = numbers["stability"].get("campaign_impact") or []
    value_shares = {v["segment_id"]: v["share_expected_value"] for v in value.get("segments", [])}
    contract = numbers["maintenance"]
    schedule = contract.get("schedule")
    customers = value.get("customers")
    repeaters = value.get("repeat_customers")
    facts = {
        "analysis_date": run["analysis_date"]["as_of"],
        "kpi_customers": None if repeat is None else repeat["customers"],
        "repeat_order_share": None if repeat is None else repeat["repeat_rate"],
        "customers": customers,
        "repeat_occasion_customers": repeaters,
        "repeat_occasion_share": round(repeaters / customers, 4)
        if customers and repeaters is not None
        else None,
        "on_time_rate": None if on_time is None else on_time["on_time_rate"],
        "segment_shares": {
            str(s["segment_id"]): {
                "customers": s["share_customers"],
                "revenue": s["share_revenue"],
                "value": value_shares.get(s["segment_id"]),
            }
            for s in profiles
        },
        "segments": len(profiles),
        "candidates": len(numbers["selection"]["candidates"]),
        "service_recovery_customers": sum(
            s["size"] for s in profiles if s.get("key") in SERVICE_RECOVERY_KEYS
        ),
        "largest_segment_share": max(s["share_customers"] for s in profiles),
        "segments_auc": auc.get("chosen"),
        "rfm_auc": auc.get("rfm"),
        "forecast_error": ((value.get("out_of_time") or {}).get("median") or {}).get("mae_bgnbd"),
        "campaigns": len(plan.get("campaigns", [])) if plan else None,
        "campaigns_measurable_alone": len(plan["pooled"]["measurable_alone"]) if plan else None,
        "pooled_detectable_lift": plan["pooled"]["minimum_detectable_lift"] if plan else None,
        "holdout_share": plan.get("holdout_share") if plan else None,
        "campaign_contacts": sum(c["treatment"] for c in plan["campaigns"]) if plan else None,
        "campaign_cost": round(sum(c["cost"]["total"] for c in plan["campaigns"]), 2)
        if plan
        else None,
        "wrong_campaign_month_one": impact[0]["changed_segment"] if impact else None,
        "cadence_weeks": numbers["stability"]["cadence"]["weeks"],
        "retrain_every": None if schedule is None else schedule["days"],
        "retrains_per_year": contract.get("retrains_per_year") if schedule else None,
        "yearly_cost": (contract.get("yearly_cost") or {}).get("total"),
        "currency": contract["costs"]["currency"],
    }
    return {name: _fact(name, facts[name]) for name in FACTS}


def fact(numbers: dict, name: str) -> Any:
    """The value of one fact of the run whose outputs are ``numbers``."""
    return numbers["run"]["facts"][name]["value"]
