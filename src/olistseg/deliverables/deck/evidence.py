"""The appendix's evidence slides, one function per slide: why this number of segments; the
segments against RFM with intervals; on-time delivery and low reviews month by month (missing
months as gaps); each segment's share of customers, revenue and value."""

from __future__ import annotations

import datetime as dt

from pptx.chart.data import CategoryChartData, XyChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_MARKER_STYLE, XL_TICK_LABEL_POSITION
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml.ns import qn
from pptx.util import Inches, Pt

from olistseg.contract import fact
from olistseg.deliverables.collect import kpi_rows
from olistseg.deliverables.deck.canvas import MARGIN, Canvas
from olistseg.deliverables.deck.context import DeckContext, complete_months, finding
from olistseg.i18n import keyed, percent

#: Density methods, which the choice-of-k slide explains when they fail.
DENSITY = ("dbscan", "hdbscan")


def choice_of_k_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Why this number of segments: k-means' silhouette and largest segment by k, the Gaussian
    mixture's BIC by k, and why the density methods fail here (one group holds most customers)."""
    numbers, t = ctx.numbers, ctx.t
    candidates = numbers["selection"]["candidates"]
    kmeans = sorted(
        (c for c in candidates if c["algorithm"] == "kmeans" and c.get("silhouette") is not None),
        key=lambda c: c["n_clusters"],
    )
    mixture = sorted(
        (c for c in candidates if c["algorithm"] == "gmm_full" and c.get("bic") is not None),
        key=lambda c: c["n_clusters"],
    )
    slide = deck.new(
        t("d_choice", k=fact(numbers, "segments")),
        "\n".join(
            [
                t(
                    "summary_segments",
                    k=ctx.seg["k"],
                    algorithm=ctx.seg["algorithm"],
                    candidates=len(candidates),
                )
            ]
        ),
    )
    half = int(ctx.full_w / 2)
    if kmeans:
        data = XyChartData()
        for key, column in (("c_silhouette", "silhouette"), ("c_largest", "largest_share")):
            series = data.add_series(t(key))
            for c in kmeans:
                series.add_data_point(c["n_clusters"], c[column])
        deck.chart(
            slide,
            XL_CHART_TYPE.XY_SCATTER_LINES,
            data,
            (MARGIN, ctx.body_top, half - Inches(0.2), Inches(3.4)),
            titles=(t("ax_k"), t("ax_silhouette")),
            bounds=(0, 1),
        )
    if mixture:
        data = XyChartData()
        series = data.add_series("BIC")
        for c in mixture:
            series.add_data_point(c["n_clusters"], c["bic"])
        deck.chart(
            slide,
            XL_CHART_TYPE.XY_SCATTER_LINES,
            data,
            (MARGIN + half, ctx.body_top, half, Inches(3.4)),
            legend=False,
            titles=(t("ax_k"), t("ax_bic")),
        )
    notes = []
    density = [c for c in candidates if c["algorithm"] in DENSITY and c.get("largest_share")]
    if density:
        worst = max(density, key=lambda c: c["largest_share"])
        notes.append(
            (
                t("d_density_fails"),
                t(
                    "d_density_text",
                    algorithm=worst["algorithm"].upper(),
                    largest=worst["largest_share"],
                    groups=worst["n_clusters"],
                ),
            )
        )
    if mixture:
        best = min(mixture, key=lambda c: c["bic"])
        notes.append(("BIC", t("d_bic_text", k_max=best["n_clusters"])))
    for index, (label, words) in enumerate(notes):
        deck.callout(
            slide,
            (MARGIN + half * index, Inches(5.0), half - Inches(0.2), Inches(1.95)),
            label,
            words,
        )


def proof_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The segments against RFM at each validation origin: the AUC difference and its 95%
    bootstrap interval (drawn, since the finding speaks of noise), zero as a reference line."""
    numbers, lang, t, validation = ctx.numbers, ctx.lang, ctx.t, ctx.numbers["validation"]
    origins = [o for o in validation["origins"] if o.get("chosen_minus_rfm")]
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
                t("d_proof"),
                t(
                    "validation_text",
                    origins=len(validation["origins"]),
                    horizon=validation["horizon_days"],
                ),
                *(keyed(lang, f) for f in validation["summary"]["findings_text"]),
            ]
        ),
    )
    if not origins:
        return
    origins = sorted(origins, key=lambda o: o["origin"])  # in time order, left to right
    data = CategoryChartData()
    data.categories = [o["origin"][:10] for o in origins]
    for label, column in (("c_difference", "difference"), ("c_low", "low"), ("c_high", "high")):
        data.add_series(t(label), [o["chosen_minus_rfm"][column] for o in origins])
    data.add_series(t("c_zero"), [0.0] * len(origins))
    chart = deck.chart(
        slide,
        XL_CHART_TYPE.LINE_MARKERS,
        data,
        titles=(t("ax_origin"), t("ax_auc_difference")),
        bounds=(-0.1, 0.1),
        reference=t("c_zero"),
    )
    chart.category_axis.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # dates at the foot
    for series in list(chart.plots[0].series)[1:3]:  # the interval: thin, dotted, no markers
        series.marker.style = XL_MARKER_STYLE.NONE
        series.format.line.width = Pt(1.25)
        series.format.line.dash_style = MSO_LINE_DASH_STYLE.ROUND_DOT


def _month_range(first: str, last: str) -> list[str]:
    start, end = dt.date.fromisoformat(first + "-01"), dt.date.fromisoformat(last + "-01")
    months = []
    while start <= end:
        months.append(f"{start:%Y-%m}")
        start = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def trend_slide(deck: Canvas, ctx: DeckContext) -> None:
    """On-time delivery and 1-2 star reviews by month (complete months only); months with too
    few delivered orders are gaps in the lines, never a drop."""
    numbers, lang, t = ctx.numbers, ctx.lang, ctx.t
    on_time_rows = kpi_rows(numbers, "on_time_delivery")
    on_time = {
        r["period"]: r
        for r in complete_months(numbers, on_time_rows)
        if r["delivered_orders"] >= 30
    }
    low = {r["period"]: r["low_share"] for r in kpi_rows(numbers, "low_score_share")}
    rate = fact(numbers, "on_time_rate")
    slide = deck.new(
        t("d_trend", rate="-" if rate is None else percent(rate, lang), until=ctx.data_to),
        "\n".join(
            [t("d_trend_notes")]
            + ([keyed(lang, f)] if (f := finding(numbers, "data_tail")) else [])
        ),
    )
    if not on_time:
        return
    months = _month_range(min(on_time), max(on_time))
    data = CategoryChartData()
    data.categories = months
    data.add_series(
        t("d_on_time"), [on_time[m]["on_time_rate"] if m in on_time else None for m in months]
    )
    data.add_series(t("d_low_reviews"), [low.get(m) if m in on_time else None for m in months])
    chart = deck.chart(
        slide,
        XL_CHART_TYPE.LINE_MARKERS,
        data,
        percent_axis=True,
        titles=(t("ax_month"), t("ax_share_orders")),
        bounds=(0, 1),
        gaps=True,
    )
    # month labels at 45 degrees: "2017-01" stays on one line whatever the number of months
    chart.category_axis.tick_labels.font.size = Pt(10)  # creates the axis's text properties
    body = chart.category_axis._element.txPr.find(qn("a:bodyPr"))
    body.set("rot", "-2700000")
    body.set("vert", "horz")


def shares_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Each segment's share of customers, past revenue and expected value, largest first."""
    lang, t, personas = ctx.lang, ctx.t, ctx.personas
    slide = deck.new(
        ctx.largest_segment_title("d_shares"),
        "\n".join(
            f"{p['name']}: {percent(p['share_customers'], lang)} / "
            f"{percent(p['share_revenue'], lang)}"
            for p in personas
        ),
    )
    ranked = sorted(personas, key=lambda p: -p["share_customers"])
    data = CategoryChartData()
    data.categories = [p["name"] for p in ranked]
    data.add_series(t("p_customers"), [round(p["share_customers"], 4) for p in ranked])
    data.add_series(t("p_past_revenue"), [round(p["share_revenue"], 4) for p in ranked])
    if all(p["share_value"] is not None for p in ranked):
        data.add_series(t("share_value"), [round(p["share_value"], 4) for p in ranked])
    deck.chart(
        slide,
        XL_CHART_TYPE.BAR_CLUSTERED,
        data,
        percent_axis=True,
        titles=(t("ax_segment"), t("ax_share")),
        bounds=(0, 1),
    )
