"""The main story, one function per slide, each ``slide(deck, ctx)``: title; the question and the
answer; two KPI slides; what the segments are; the personas; proof against RFM; cadence and
contract; next steps. :data:`MAIN` is their order: add, move or drop a slide there.
"""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from olistseg.campaigns.report import campaign_label, plan_rows, verdict_text
from olistseg.contract import fact
from olistseg.deliverables.collect import kpi_rows
from olistseg.deliverables.deck.canvas import INK, MARGIN, MUTED, TYPE, Canvas
from olistseg.deliverables.deck.context import DeckContext, complete_months, finding
from olistseg.i18n import format_number, keyed, money, percent, text_list


def title_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Title: the run's customers and date."""
    t, full_w, seg, run = ctx.t, ctx.full_w, ctx.seg, ctx.numbers["run"]
    slide = deck.new(t("title"), t("generated", version=run["olistseg_version"]))
    deck._text(
        slide,
        (MARGIN, Inches(2.2), full_w, Inches(0.8)),
        t("subtitle", customers=seg["customers"], as_of=seg["as_of"]),
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
            [t("d_rank"), t("findings_title"), t("findings_source")],
            *[[str(f["rank"]), keyed(lang, f), f["source"].split(":")[0]] for f in top],
        ],
        (MARGIN, body_top, full_w, Inches(0.55) * (len(top) + 1)),
        [0.5, 8.6, 2.9],
        size=TYPE["table"],
    )


def lateness_slide(deck: Canvas, ctx: DeckContext) -> None:
    """KPI: review score by delivery delay."""
    numbers, lang, t = ctx.numbers, ctx.lang, ctx.t
    lateness = kpi_rows(numbers, "score_by_lateness", period="total")
    found = finding(numbers, "lateness_reviews")
    title = t("d_lateness", **found["values"]) if found else t("d_lateness_plain")
    slide = deck.new(title, keyed(lang, found) if found else t("d_lateness_plain"))
    data = CategoryChartData()
    data.categories = [r["lateness"] for r in lateness]
    data.add_series(t("d_mean_score"), [r["mean_score"] for r in lateness])
    chart = deck.chart(
        slide,
        XL_CHART_TYPE.COLUMN_CLUSTERED,
        data,
        legend=False,
        titles=(t("ax_lateness"), t("ax_stars")),
        bounds=(0, 5),
    )
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format = "0.0"
    chart.plots[0].data_labels.number_format_is_linked = False


def trend_slide(deck: Canvas, ctx: DeckContext) -> None:
    """KPI trends: on-time delivery and low reviews by month (complete months only)."""
    numbers, lang, t, data_to = ctx.numbers, ctx.lang, ctx.t, ctx.data_to
    on_time_rows = kpi_rows(numbers, "on_time_delivery")
    on_time = complete_months(numbers, on_time_rows)
    low = {r["period"]: r["low_share"] for r in kpi_rows(numbers, "low_score_share")}
    overall = next((r for r in on_time_rows if r["period"] == "total"), None)
    months = [r for r in on_time if r["delivered_orders"] >= 30]
    slide = deck.new(
        t(
            "d_trend",
            rate=percent(overall["on_time_rate"], lang) if overall else "-",
            until=data_to,
        ),
        "\n".join(
            [t("d_trend_notes")]
            + ([keyed(lang, f)] if (f := finding(numbers, "data_tail")) else [])
        ),
    )
    data = CategoryChartData()
    data.categories = [r["period"] for r in months]
    data.add_series(t("d_on_time"), [r["on_time_rate"] for r in months])
    data.add_series(t("d_low_reviews"), [low.get(r["period"], 0.0) for r in months])
    deck.chart(
        slide,
        XL_CHART_TYPE.LINE_MARKERS,
        data,
        percent_axis=True,
        titles=(t("ax_month"), t("ax_share_orders")),
        bounds=(0, 1),
    )


def segments_slide(deck: Canvas, ctx: DeckContext) -> None:
    """What the segments are: shares of customers, revenue and value."""
    lang, t, segments, personas = ctx.lang, ctx.t, ctx.segments, ctx.personas
    largest = max(personas, key=lambda p: p["share_customers"])
    slide = deck.new(
        t(
            "d_overview",
            k=len(segments),
            name=largest["name"],
            share=percent(largest["share_customers"], lang),
        ),
        "\n".join(
            f"{p['name']}: {percent(p['share_customers'], lang)} / {percent(p['share_revenue'], lang)}"
            for p in personas
        ),
    )
    data = CategoryChartData()
    data.categories = [p["name"] for p in personas]
    data.add_series(t("customers"), [round(p["share_customers"], 4) for p in personas])
    data.add_series(t("revenue"), [round(p["share_revenue"], 4) for p in personas])
    if all(p["share_value"] is not None for p in personas):
        data.add_series(t("share_value"), [round(p["share_value"], 4) for p in personas])
    deck.chart(
        slide,
        XL_CHART_TYPE.BAR_CLUSTERED,
        data,
        percent_axis=True,
        titles=(t("ax_segment"), t("ax_share")),
        bounds=(0, 1),
    )


def persona_slides(deck: Canvas, ctx: DeckContext) -> None:
    """One persona slide per segment (two per slide beyond seven segments)."""
    lang, t, segments, personas, body_top, full_w = (
        ctx.lang,
        ctx.t,
        ctx.segments,
        ctx.personas,
        ctx.body_top,
        ctx.full_w,
    )
    per_slide = 1 if len(segments) <= 4 else 2
    for start in range(0, len(segments), per_slide):
        group = list(
            zip(
                segments[start : start + per_slide],
                personas[start : start + per_slide],
                strict=True,
            )
        )
        if per_slide == 1:
            p = group[0][1]
            title = t(
                "d_persona",
                name=p["name"],
                share=percent(p["share_customers"], lang),
                value="-" if p["share_value"] is None else percent(p["share_value"], lang),
            )
        else:
            title = " / ".join(p["name"] for _, p in group)
        slide = deck.new(
            title, "\n".join(f"{p['name']}: {s['rule']}. {p['typical']}." for s, p in group)
        )
        width = full_w / len(group)
        for index, (_, p) in enumerate(group):
            left = MARGIN + int(width * index)
            inner = int(width - Inches(0.3)) if len(group) > 1 else int(Inches(7.2))
            rows = [
                [t("d_measure"), t("d_value")],
                [
                    t("customers"),
                    f"{format_number(p['size'], lang)} ({percent(p['share_customers'], lang)})",
                ],
                [t("revenue"), percent(p["share_revenue"], lang)],
                [
                    t("expected_value"),
                    "-"
                    if p["expected_value"] is None
                    else f"{format_number(p['expected_value'], lang)} ({percent(p['share_value'] or 0, lang)})",
                ],
                [
                    t("median_alive"),
                    "-" if p["median_alive"] is None else format_number(p["median_alive"], lang, 2),
                ],
                [
                    t("audience"),
                    "-" if p["audience"] is None else format_number(p["audience"], lang),
                ],
                [t("typical_customer"), p["typical"]],
                [t("kpi_to_watch"), p["watch"]],
            ]
            deck.table(
                slide,
                rows,
                (left, body_top, inner, Inches(0.62) * len(rows)),
                [1.1, 2.2],
                size=TYPE["table"],
            )
            if len(group) == 1:
                deck.callout(
                    slide,
                    (MARGIN + Inches(7.6), body_top, full_w - Inches(7.6), Inches(3.0)),
                    t("action"),
                    p["action"],
                )
            else:
                deck.callout(
                    slide,
                    (left, Inches(6.55) - Inches(1.3), inner, Inches(1.45)),
                    t("action"),
                    p["action"],
                )


def proof_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Proof: do the segments predict behaviour (out of time, against RFM)?"""
    numbers, lang, t, validation = ctx.numbers, ctx.lang, ctx.t, ctx.numbers["validation"]
    auc = validation["summary"]["median_auc"]
    noise = validation["summary"].get("rfm_difference") or {}
    key = (
        "d_validation_beats"
        if validation["summary"]["beats_rfm"]
        else "d_validation_alike"
        if noise and noise["interval_contains_zero"] == noise["origins"]
        else "d_validation_behind"
    )
    slide = deck.new(
        t(
            key,
            auc=fact(numbers, "segments_auc"),
            rfm=fact(numbers, "rfm_auc"),
            random=auc.get("random"),
        ),
        "\n".join(
            [
                t("validation"),
                t(
                    "validation_text",
                    origins=len(validation["origins"]),
                    horizon=validation["horizon_days"],
                ),
                *(keyed(lang, f) for f in validation["summary"]["findings_text"]),
            ]
        ),
    )
    data = CategoryChartData()
    data.categories = [o["origin"][:10] for o in validation["origins"]][::-1]
    for kind, label in (("chosen", t("segments_word")), ("rfm", "RFM"), ("random", t("d_random"))):
        if kind in validation["origins"][0]:
            data.add_series(label, [o[kind]["auc"] or 0.5 for o in validation["origins"]][::-1])
    deck.chart(
        slide,
        XL_CHART_TYPE.LINE_MARKERS,
        data,
        titles=(t("ax_origin"), t("ax_auc")),
        bounds=(0, 1),
    )


def cadence_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Cadence and contract: the stability curve and the yearly cost."""
    numbers, lang, t, schedule, cost, currency, body_top, full_w, stability, contract, cadence = (
        ctx.numbers,
        ctx.lang,
        ctx.t,
        ctx.schedule,
        ctx.cost,
        ctx.currency,
        ctx.body_top,
        ctx.full_w,
        ctx.numbers["stability"],
        ctx.numbers["maintenance"],
        ctx.numbers["stability"]["cadence"],
    )
    curve = [c for c in stability["curve"] if c["counts_for_cadence"]]
    slide = deck.new(
        t("d_cadence", schedule=schedule, cost=cost, currency=currency)
        if cadence["weeks"] is not None
        else t("f_no_cadence"),
        "\n".join(
            [
                t(
                    "cadence_text",
                    weeks=cadence["weeks"],
                    reason=keyed(lang, cadence["reason_text"]),
                ),
                t("baseline_text", median=stability["baseline_noise"]["median"]),
                *(keyed(lang, x) for x in contract["triggers_text"]),
            ]
        ),
    )
    data = CategoryChartData()
    data.categories = [f"{c['weeks']:g}" for c in curve]
    data.add_series(t("ari_median"), [c["ari_median"] for c in curve])
    data.add_series(t("ari_p10"), [c["ari_p10"] for c in curve])
    data.add_series(t("threshold_word"), [cadence["threshold"]] * len(curve))
    deck.chart(
        slide,
        XL_CHART_TYPE.LINE_MARKERS,
        data,
        (MARGIN, body_top, Inches(7.4), Inches(5.4)),
        titles=(t("ax_weeks"), t("ax_ari")),
        bounds=(0, 1),
        reference=t("threshold_word"),
    )
    yearly = contract.get("yearly_cost") or {}
    hours = contract.get("analyst_hours", {})
    deck.table(
        slide,
        [
            [t("d_contract"), t("d_value")],
            [t("d_schedule"), schedule],
            [t("d_retrains"), str(fact(numbers, "retrains_per_year") or "-")],
            [t("d_hours"), f"{hours.get('per_year_estimate', 0):g}"],
            [t("d_analyst_cost"), money(yearly.get("analyst", 0), currency, lang)],
            [t("d_compute_cost"), money(yearly.get("compute", 0), currency, lang, 2)],
            [t("d_total_cost"), money(cost, currency, lang)],
        ],
        (MARGIN + Inches(7.7), body_top, full_w - Inches(7.7), Inches(0.5) * 7),
        [1.4, 1.0],
    )


def next_steps_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Next steps: who does what, when."""
    numbers, lang, t, body_top, full_w = ctx.numbers, ctx.lang, ctx.t, ctx.body_top, ctx.full_w
    audiences = numbers.get("audiences") or {}
    promotional = sum(a["customers"] for a in audiences.get("audiences", []) if a["promotional"])
    slide = deck.new(
        t("d_next", audiences=len(audiences.get("audiences", [])), customers=promotional),
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
    contacts = sum(c["treatment"] for c in plan["campaigns"])
    cost = sum(c["cost"]["total"] for c in plan["campaigns"])
    slide = deck.new(
        ctx.t("d_plan", campaigns=fact(ctx.numbers, "campaigns"), contacts=contacts, cost=cost),
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


#: The main story's slides, in order.
MAIN = (
    title_slide,
    answer_slide,
    plan_slide,
    lateness_slide,
    trend_slide,
    segments_slide,
    persona_slides,
    proof_slide,
    measurement_slide,
    cadence_slide,
    next_steps_slide,
)
