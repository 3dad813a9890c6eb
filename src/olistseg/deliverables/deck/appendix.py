"""The appendix, one function per slide: contents, method and rule, candidates, the
lifetime-value check, definitions. :data:`APPENDIX` is their order."""

from __future__ import annotations

from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches

from olistseg.contract import fact
from olistseg.deliverables.deck.canvas import MARGIN, TYPE, Canvas
from olistseg.deliverables.deck.context import DeckContext, finding
from olistseg.deliverables.deck.evidence import (
    choice_of_k_slide,
    proof_slide,
    shares_slide,
    trend_slide,
)
from olistseg.i18n import (
    format_number,
    keyed,
    percent,
    rule_label,
    rule_value,
    text_list,
    why_text,
)


def appendix_index_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The appendix's table of contents."""
    t, body_top, full_w = ctx.t, ctx.body_top, ctx.full_w
    slide = deck.new(t("d_appendix"), t("d_appendix"))
    deck.table(
        slide,
        [
            [t("d_appendix"), ""],
            [t("choice_of_k"), t("d_app_choice")],
            [t("validation"), t("d_app_proof")],
            [t("d_on_time"), t("d_app_trend")],
            [t("segments_overview"), t("d_app_shares")],
            [t("method"), t("d_app_method")],
            [t("candidates_table"), t("d_app_candidates")],
            [t("value_section"), t("d_app_value")],
            [t("appendix"), t("d_app_definitions")],
        ],
        (MARGIN, body_top, full_w, Inches(0.5) * 9),
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
            candidates=fact(numbers, "candidates"),
            relaxed=", ".join(t(f"crit_{c}") for c in relaxed or []),
        ),
        t("method_text", as_of=seg["as_of"]),
    )
    deck.table(
        slide,
        [
            [t("rule"), t("d_value")],
            *[[rule_label(k, ctx.lang), rule_value(k, v, ctx.lang)] for k, v in rule.items()],
        ],
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
        t("d_candidates", n=fact(numbers, "candidates")),
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
                    _number(c["silhouette"], lang, 3),
                    _number(c["davies_bouldin"], lang, 2),
                    _number(c["stability_bootstrap"], lang, 2),
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


def _number(value: float | None, lang: str, digits: int) -> str:
    return "-" if value is None else format_number(value, lang, digits)


#: The appendix's slides, in order.
APPENDIX = (
    appendix_index_slide,
    choice_of_k_slide,
    proof_slide,
    trend_slide,
    shares_slide,
    method_slide,
    candidates_slide,
    clv_check_slide,
    definitions_slide,
)
