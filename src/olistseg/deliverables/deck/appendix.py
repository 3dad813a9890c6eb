"""The appendix, one function per slide: contents, method and rule, candidates, the
lifetime-value check, definitions. :data:`APPENDIX` is their order."""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from olistseg.contract import fact
from olistseg.deliverables.deck.canvas import MARGIN, TYPE, Canvas
from olistseg.deliverables.deck.context import DeckContext, finding
from olistseg.i18n import format_number, keyed, percent, text_list, why_text


def appendix_index_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The appendix's table of contents."""
    t, body_top, full_w = ctx.t, ctx.body_top, ctx.full_w
    slide = deck.new(t("d_appendix"), t("d_appendix"))
    deck.table(
        slide,
        [
            [t("d_appendix"), ""],
            [t("method"), t("d_app_method")],
            [t("candidates_table"), t("d_app_candidates")],
            [t("value_section"), t("d_app_value")],
            [t("appendix"), t("d_app_definitions")],
        ],
        (MARGIN, body_top, full_w, Inches(0.55) * 5),
        [1.5, 3],
    )


def method_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The method and the selection rule."""
    numbers, t, body_top, full_w, seg = ctx.numbers, ctx.t, ctx.body_top, ctx.full_w, ctx.seg
    rule = numbers["selection"]["rule"]
    relaxed = numbers["selection"]["chosen"].get("relaxed")
    slide = deck.new(
        t(
            "d_method_relaxed" if relaxed else "d_method",
            k=seg["k"],
            algorithm=seg["algorithm"],
            candidates=len(numbers["selection"]["candidates"]),
            relaxed=", ".join(t(f"crit_{c}") for c in relaxed or []),
        ),
        t("method_text", as_of=seg["as_of"]),
    )
    deck.table(
        slide,
        [[t("rule"), t("d_value")], *[[k, str(v)] for k, v in rule.items()]],
        (MARGIN, body_top, Inches(6), Inches(0.42) * (len(rule) + 1)),
        [2, 1],
    )
    deck._text(
        slide,
        (MARGIN + Inches(6.4), body_top, full_w - Inches(6.4), Inches(5.3)),
        t("method_text", as_of=seg["as_of"]),
        TYPE["body"],
    )


def candidates_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The ten best-scored candidates."""
    numbers, lang, t, body_top, full_w = ctx.numbers, ctx.lang, ctx.t, ctx.body_top, ctx.full_w
    candidates = sorted(numbers["selection"]["candidates"], key=lambda c: -(c.get("score") or -1))[
        :10
    ]
    slide = deck.new(
        t("d_candidates", n=len(numbers["selection"]["candidates"])),
        (
            why_text(lang, why)
            if (why := numbers["selection"].get("why_not_highest_silhouette_record"))
            else t("candidates_table")
        ),
    )
    deck.table(
        slide,
        [
            [
                t("algorithm"),
                "k",
                t("silhouette"),
                "Davies-Bouldin",
                t("stability"),
                t("d_largest"),
                t("d_score"),
            ],
            *[
                [
                    c["algorithm"],
                    str(c["n_clusters"]),
                    f"{c['silhouette']}",
                    f"{c['davies_bouldin']}",
                    f"{c['stability_bootstrap']}",
                    "-" if c.get("largest_share") is None else percent(c["largest_share"], lang),
                    "-" if c.get("score") is None else format_number(c["score"], lang, 3),
                ]
                for c in candidates
            ],
        ],
        (MARGIN, body_top, full_w, Inches(0.45) * (len(candidates) + 1)),
    )


def clv_check_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The lifetime-value forecast against what happened (when the run has it)."""
    numbers, lang, t = ctx.numbers, ctx.lang, ctx.t
    value = numbers.get("value")
    if value and value["out_of_time"]["origins"]:
        median = value["out_of_time"]["median"]
        slide = deck.new(
            t(
                "d_clv_check",
                mae=fact(numbers, "forecast_error"),
                naive=round(median["mae_naive"], 4),
            ),
            keyed(lang, f) if (f := finding(numbers, "clv_check")) else t("value_check"),
        )
        origin = value["out_of_time"]["origins"][0]
        data = CategoryChartData()
        data.categories = [str(d["decile"]) for d in origin["calibration"]]
        data.add_series(t("forecast"), [d["mean_predicted"] for d in origin["calibration"]])
        data.add_series(t("actual"), [d["mean_actual"] for d in origin["calibration"]])
        deck.chart(
            slide,
            XL_CHART_TYPE.COLUMN_CLUSTERED,
            data,
            titles=(t("ax_decile"), t("ax_purchases")),
        )


def definitions_slide(deck: Canvas, ctx: DeckContext) -> None:
    """Definitions of the terms the deck uses."""
    lang, t, body_top, full_w = ctx.lang, ctx.t, ctx.body_top, ctx.full_w
    slide = deck.new(t("appendix"), t("definitions"))
    deck.table(
        slide,
        [
            [t("d_term"), t("d_definition")],
            *text_list(lang, "d_definitions_rows"),
        ],
        (MARGIN, body_top, full_w, Inches(0.62) * 6),
        [1.2, 5],
    )


#: The appendix's slides, in order.
APPENDIX = (
    appendix_index_slide,
    method_slide,
    candidates_slide,
    clv_check_slide,
    definitions_slide,
)
