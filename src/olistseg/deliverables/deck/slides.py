"""The main story, decision first, one function per slide, each ``slide(deck, ctx)``: title; the
answer in one sentence; what to do this quarter (the campaign plan); the customer experience
levers with owners and targets; the segment map; the personas in plain words; how we will know
it worked; how often to retrain and what it costs; the limits; next steps. :data:`MAIN` is their
order: add, move or drop a slide there. The evidence behind them is in the appendix.
"""

from __future__ import annotations

from pptx.chart.data import CategoryChartData, XyChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from olistseg.campaigns.report import campaign_label, plan_rows, verdict_text
from olistseg.contract import fact
from olistseg.deliverables.collect import kpi_rows
from olistseg.deliverables.deck.canvas import INK, MARGIN, MUTED, TYPE, Canvas
from olistseg.deliverables.deck.context import DeckContext, finding
from olistseg.deliverables.deck.segments import persona_slides, segment_map_slide
from olistseg.i18n import format_number, keyed, lateness_label, money, percent, text_list


def title_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Title: the run's customers and date."""
    t, full_w, seg, run = ctx.t, ctx.full_w, ctx.seg, ctx.numbers["run"]
    slide = deck.new(t("title"), t("generated", version=run["olistseg_version"]))
    deck._text(
        slide,
        (MARGIN, Inches(2.2), full_w, Inches(0.8)),
        t("subtitle", customers=seg["customers"], as_of=seg["as_of"][:10]),
        TYPE["subtitle"] + 4,
        INK,
        bold=True,
    )
    deck._text(
        slide,
        (MARGIN, Inches(3.1), full_w, Inches(1.6)),
        t("d_title_text"),
        TYPE["subtitle"],
        MUTED,
    )


def answer_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The question and the answer: the top findings."""
    numbers, lang, t, findings, schedule, cost, currency, body_top, full_w = (
        ctx.numbers,
        ctx.lang,
        ctx.t,
        ctx.findings,
        ctx.schedule,
        ctx.cost,
        ctx.currency,
        ctx.body_top,
        ctx.full_w,
    )
    slide = deck.new(
        t("d_answer", k=fact(numbers, "segments"), schedule=schedule, cost=cost, currency=currency),
        "\n".join(keyed(lang, f) for f in findings),
    )
    top = findings[:6]
    deck.table(
        slide,
        [
            [t("d_rank"), t("findings_title")],
            *[[str(f["rank"]), keyed(lang, f)] for f in top],
        ],
        (MARGIN, body_top, full_w, Inches(0.55) * (len(top) + 1)),
        [0.5, 11.5],
        size=TYPE["table"],
    )


def experience_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Customer experience: review score by delivery delay, and the levers with their owners
    and targets (the state with the most late deliveries, the worst zip codes, the customers
    the service-recovery contact is for)."""
    numbers, lang, t = ctx.numbers, ctx.lang, ctx.t
    lateness = kpi_rows(numbers, "score_by_lateness", period="total")
    found = finding(numbers, "lateness_reviews")
    title = t("d_experience", **found["values"]) if found else t("d_lateness_plain")
    notes = [
        keyed(lang, f)
        for rule in ("lateness_reviews", "late_state", "worst_zip_city")
        if (f := finding(numbers, rule))
    ]
    slide = deck.new(title, "\n".join(notes) or t("d_lateness_plain"))
    data = CategoryChartData()
    data.categories = [lateness_label(r["lateness"], lang) for r in lateness]
    data.add_series(t("d_mean_score"), [r["mean_score"] for r in lateness])
    chart = deck.chart(
        slide,
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        data,
        (MARGIN, ctx.body_top, Inches(5.6), Inches(5.3)),
        legend=False,
        titles=(t("ax_lateness"), t("ax_stars")),
        bounds=(0, 5),
    )
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format = deck.fmt("0.0")
    chart.plots[0].data_labels.number_format_is_linked = False
    rows = [[t("d_lever"), t("d_owner"), t("d_target")]]
    if f := finding(numbers, "late_state"):
        rows.append(
            [
                t("d_lever_state", **f["values"]),
                t("d_owner_logistics"),
                t("d_target_state", **f["values"]),
            ]
        )
    if f := finding(numbers, "worst_zip_city"):
        rows.append([t("d_lever_zips", **f["values"]), t("d_owner_carriers"), t("d_target_zips")])
    rows.append(
        [
            t("d_lever_recovery", customers=fact(numbers, "service_recovery_customers")),
            t("d_owner_service"),
            t("d_target_recovery"),
        ]
    )
    left = MARGIN + Inches(5.8)
    deck.table(
        slide,
        rows,
        (left, ctx.body_top, ctx.full_w - Inches(5.8), Inches(1.25) * len(rows)),
        [2.4, 1.3, 2.4],
        size=11,
    )


#: Days in a month, to put the monthly protocol on the weekly protocol's time axis.
MONTH_DAYS = 365.25 / 12


def cadence_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Cadence and contract: both stability protocols on one time axis (the weekly one over
    many origins sets the cadence; the usual monthly one from a single origin), the threshold,
    and the contract with the customers who would get another campaign a month on."""
    numbers, lang, t, stability = ctx.numbers, ctx.lang, ctx.t, ctx.numbers["stability"]
    contract, cadence = numbers["maintenance"], stability["cadence"]
    curve = [c for c in stability["curve"] if c["counts_for_cadence"]]
    slide = deck.new(
        t("d_cadence", schedule=ctx.schedule, cost=ctx.cost, currency=ctx.currency)
        if cadence["weeks"] is not None
        else t("f_no_cadence"),
        "\n".join(
            [
                t("d_cadence_protocols"),
                t(
                    "cadence_text",
                    weeks=cadence["weeks"],
                    reason=keyed(lang, cadence["reason_text"]),
                ),
                t("baseline_text", median=stability["baseline_noise"]["median"]),
                *(keyed(lang, x) for x in contract["triggers_text"]),
                *(
                    [t("stability_sampled", **sample)]
                    if (sample := stability.get("sample"))
                    else []
                ),
            ]
        ),
    )
    origins = curve[0]["origins"] if curve else 0
    data = XyChartData()
    for key, column in (("c_weekly_median", "ari_median"), ("c_weekly_p10", "ari_p10")):
        series = data.add_series(t(key, origins=origins))
        for c in curve:
            series.add_data_point(c["weeks"], c[column])
    simple = (stability.get("simple_protocol") or {}).get("curve") or []
    if simple:
        series = data.add_series(t("c_monthly"))
        for c in [{"month": 0, "ari": 1.0}, *simple]:
            series.add_data_point(round(c["month"] * MONTH_DAYS / 7, 2), c["ari"])
    end = max([c["weeks"] for c in curve] + [c["month"] * MONTH_DAYS / 7 for c in simple] + [1])
    threshold = data.add_series(t("threshold_word"))
    for x in (0, end):
        threshold.add_data_point(x, cadence["threshold"])
    chart = deck.chart(
        slide,
        XL_CHART_TYPE.XY_SCATTER_LINES,
        data,
        (MARGIN, ctx.body_top, Inches(7.6), Inches(5.4)),
        titles=(t("ax_weeks"), t("ax_ari")),
        bounds=(0, 1),
        reference=t("threshold_word"),
    )
    chart.category_axis.minimum_scale, chart.category_axis.maximum_scale = 0, round(end)
    yearly = contract.get("yearly_cost") or {}
    hours = contract.get("analyst_hours", {})
    wrong = fact(numbers, "wrong_campaign_month_one")
    deck.table(
        slide,
        [
            [t("d_contract"), t("d_value")],
            [t("d_schedule"), ctx.schedule],
            [t("d_retrains"), str(fact(numbers, "retrains_per_year") or "-")],
            [t("d_hours"), f"{hours.get('per_year_estimate', 0):g}"],
            [t("d_analyst_cost"), money(yearly.get("analyst", 0), ctx.currency, lang)],
            [t("d_compute_cost"), money(yearly.get("compute", 0), ctx.currency, lang, 2)],
            [t("d_total_cost"), money(ctx.cost, ctx.currency, lang)],
            [t("d_wrong_campaign"), "-" if wrong is None else format_number(wrong, lang)],
        ],
        (MARGIN + Inches(7.9), ctx.body_top, ctx.full_w - Inches(7.9), Inches(0.5) * 9),
        [1.6, 1.0],
        size=11,
    )


def limits_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Limits: what the data cannot tell, each with what follows for the campaigns."""
    numbers, lang, t = ctx.numbers, ctx.lang, ctx.t
    rows = [[t("d_limit"), t("d_so")]]
    if (repeat := fact(numbers, "repeat_occasion_share")) is not None:
        rows.append([t("l_one_time", share=1 - repeat), t("l_one_time_so")])
    if fact(numbers, "segments_auc") is not None and fact(numbers, "rfm_auc") is not None:
        rows.append(
            [
                t("l_rfm", auc=fact(numbers, "segments_auc"), rfm=fact(numbers, "rfm_auc")),
                t("l_rfm_so"),
            ]
        )
    value = numbers.get("value") or {}
    check = (value.get("out_of_time") or {}).get("origins") or []
    if check:
        median = value["out_of_time"]["median"]
        under = sum(o["predicted_occasions"] < o["actual_occasions"] for o in check)
        rows.append(
            [
                t(
                    "l_clv",
                    under=under,
                    origins=len(check),
                    mae=format_number(median["mae_bgnbd"], lang, 4),
                    zero=format_number(median["mae_zero"], lang, 4)
                    if median.get("mae_zero") is not None
                    else "-",
                ),
                t("l_clv_so"),
            ]
        )
    if (mde := fact(numbers, "pooled_detectable_lift")) is not None:
        rows.append(
            [
                t("l_power", campaigns=fact(numbers, "campaigns"), mde=percent(mde, lang, 0)),
                t("l_power_so"),
            ]
        )
    slide = deck.new(t("d_limits"), "\n".join(r[0] for r in rows[1:]))
    deck.table(
        slide,
        rows,
        (MARGIN, ctx.body_top, ctx.full_w, Inches(1.1) * len(rows)),
        [3, 2],
        size=13,
    )


def next_steps_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Next steps: who does what, when."""
    numbers, lang, t, body_top, full_w = ctx.numbers, ctx.lang, ctx.t, ctx.body_top, ctx.full_w
    suppressed = finding(numbers, "suppressed")
    slide = deck.new(
        t(
            "d_next",
            campaigns=fact(numbers, "campaigns") or 0,
            customers=suppressed["values"]["promotional"] if suppressed else 0,
        ),
        "\n".join(text_list(lang, "next_steps_items")),
    )
    steps = text_list(lang, "d_next_rows")
    deck.table(
        slide,
        [[t("d_step"), t("d_who"), t("d_when")], *steps],
        (MARGIN, body_top, full_w, Inches(0.6) * (len(steps) + 1)),
        [6, 2.5, 3],
    )


def plan_slide(deck: Canvas, ctx: DeckContext) -> None:
    """What to do this quarter: the campaign plan as a table."""
    plan = ctx.numbers.get("campaigns")
    if not plan:
        return
    headings, rows = plan_rows(plan, ctx.lang)
    slide = deck.new(
        ctx.t(
            "d_plan",
            campaigns=fact(ctx.numbers, "campaigns"),
            contacts=fact(ctx.numbers, "campaign_contacts"),
            cost=fact(ctx.numbers, "campaign_cost"),
        ),
        ctx.t("d_plan_notes"),
    )
    deck.table(
        slide,
        [headings, *rows],
        (MARGIN, ctx.body_top, ctx.full_w, Inches(0.5) * (len(rows) + 1)),
        [2.6, 2.6, 1, 1, 1.1, 1, 1, 1.1, 1],
        size=10,
    )


def measurement_slide(deck: Canvas, ctx: DeckContext) -> None:
    """How we will know it worked: each campaign's smallest detectable lift against the
    planning lift (a line), holdouts in the notes."""
    plan = ctx.numbers.get("campaigns")
    if not plan:
        return
    t = ctx.t
    slide = deck.new(
        t(
            "d_know",
            alone=fact(ctx.numbers, "campaigns_measurable_alone"),
            campaigns=fact(ctx.numbers, "campaigns"),
        ),
        "\n".join(
            [t("d_know_notes", holdout=fact(ctx.numbers, "holdout_share"))]
            + [
                f"{c['campaign_id']}: {verdict_text(c['verdict'], ctx.lang)}"
                for c in plan["campaigns"]
            ]
        ),
    )
    ranked = sorted(  # largest first; a campaign with no detectable lift at all on top
        plan["campaigns"],
        key=lambda c: c["power"]["minimum_detectable_lift"] or float("inf"),
        reverse=True,
    )
    data = CategoryChartData()
    data.categories = [campaign_label(c, ctx.lang) for c in ranked]
    data.add_series(
        t("d_mde_axis"),
        [min(c["power"]["minimum_detectable_lift"] or 10.0, 10.0) for c in ranked],
    )
    deck.chart(
        slide,
        XL_CHART_TYPE.BAR_CLUSTERED,
        data,
        percent_axis=True,
        legend=False,
        titles=(t("ax_campaign"), t("d_mde_axis")),
    )


#: The main story's slides, in order: the answer, what to do, the customer experience levers,
#: the segments, how we will know, how often to retrain, the limits, who does what next.
MAIN = (
    title_slide,
    answer_slide,
    plan_slide,
    experience_slide,
    segment_map_slide,
    persona_slides,
    measurement_slide,
    cadence_slide,
    limits_slide,
    next_steps_slide,
)
