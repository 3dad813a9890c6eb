"""The segment slides of the main story: the segment map (satisfaction against spend, bubble
area the share of customers, colour the recency) and the personas in plain words."""

from __future__ import annotations

from pptx.util import Inches

from olistseg.contract import fact
from olistseg.deliverables.deck.canvas import MARGIN, MUTED, TYPE, Canvas
from olistseg.deliverables.deck.context import DeckContext, finding
from olistseg.i18n import format_number, keyed, percent, segment_rule

#: Colours of the segment map by median days since the last purchase: recent, mid, long ago.
RECENCY_COLOURS = ((180, "1F4E79"), (365, "4C78A8"), (float("inf"), "A9C4E0"))


def segment_map_slide(deck: Canvas, ctx: DeckContext) -> None:
    """The segment map: satisfaction against spend, bubble area the share of customers,
    colour the recency (darker = bought more recently)."""
    numbers, lang, t = ctx.numbers, ctx.lang, ctx.t
    found = finding(numbers, "largest_segment")
    slide = deck.new(
        ctx.largest_segment_title("d_overview"),
        "\n".join(
            [t("d_map_key")]
            + ([keyed(lang, found)] if found else [])
            + [f"{p['name']}: {p['typical']}" for p in ctx.personas]
        ),
    )
    points = []
    for s, p in zip(ctx.segments, ctx.personas, strict=True):
        f = s["features"]
        recency = (f.get("recency_days") or {}).get("median") or 0.0
        colour = next(c for limit, c in RECENCY_COLOURS if recency < limit)
        points.append(
            (
                p["name"],
                (f.get("avg_review_score") or {}).get("mean") or 0.0,
                (f.get("monetary") or {}).get("median") or 0.0,
                p["share_customers"],
                colour,
            )
        )
    deck.bubble(
        slide,
        points,
        (MARGIN, ctx.body_top, ctx.full_w, Inches(4.9)),
        (t("ax_stars"), t("ax_spend")),
        x_bounds=(1, 5),
    )
    deck._text(
        slide,
        (MARGIN, Inches(6.45), ctx.full_w, Inches(0.5)),
        t("d_map_key"),
        TYPE["footer"],
        MUTED,
    )


def persona_rows(p: dict, ctx: DeckContext) -> list[list[str]]:
    """A persona in plain words: size, share of past revenue, expected value (the segment's
    and one customer's), the most a contact is worth, the chance to buy again, the audience
    and why it differs from the segment, the KPI to watch."""
    lang, t = ctx.lang, ctx.t
    money_or_dash = lambda v, d=0: "-" if v is None else format_number(v, lang, d)  # noqa: E731
    audience = (
        "-"
        if p["audience"] is None
        else t("p_audience_text", audience=p["audience"], suppressed=p["suppressed"])
        if p["suppressed"]
        else t("p_audience_all", audience=p["audience"])
    )
    return [
        [t("d_measure"), t("d_value")],
        [
            t("p_customers"),
            f"{format_number(p['size'], lang)} ({percent(p['share_customers'], lang)})",
        ],
        [t("p_past_revenue"), percent(p["share_revenue"], lang)],
        [
            t("p_value"),
            "-"
            if p["expected_value"] is None
            else f"{format_number(p['expected_value'], lang)} ({percent(p['share_value'] or 0, lang)})",
        ],
        [t("p_value_per_customer"), money_or_dash(p["value_per_customer"], 2)],
        [t("p_max_contact"), money_or_dash(p["max_per_contact"], 3)],
        [t("p_chance"), "-" if p["chance_12m"] is None else percent(p["chance_12m"], lang)],
        [t("audience"), audience],
        [t("kpi_to_watch"), p["watch"]],
    ]


def persona_slides(deck: Canvas, ctx: DeckContext) -> None:
    """One persona slide per segment, two to a slide beyond four segments (the main story keeps
    to 13 slides): the plain-words table and the action."""
    lang, t, numbers = ctx.lang, ctx.t, ctx.numbers
    per_slide = 1 if len(ctx.segments) <= 4 else 2
    shares = fact(numbers, "segment_shares") or {}
    for start in range(0, len(ctx.segments), per_slide):
        group = list(
            zip(
                ctx.segments[start : start + per_slide],
                ctx.personas[start : start + per_slide],
                strict=True,
            )
        )
        if per_slide == 1:
            s, p = group[0]
            share = shares.get(str(s["segment_id"])) or {}
            title = t(
                "d_persona",
                name=p["name"],
                share=percent(share.get("customers", p["share_customers"]), lang),
                value="-" if share.get("value") is None else percent(share["value"], lang),
            )
        else:
            title = " / ".join(p["name"] for _, p in group)
        slide = deck.new(
            title,
            "\n".join(
                f"{p['name']}: {segment_rule(s, lang)}. {t('typical_customer')}: {p['typical']}."
                for s, p in group
            ),
        )
        width = ctx.full_w / len(group)
        for index, (_, p) in enumerate(group):
            left = MARGIN + int(width * index)
            inner = int(width - Inches(0.3)) if len(group) > 1 else int(Inches(7.2))
            rows = persona_rows(p, ctx)
            deck.table(
                slide,
                rows,
                (left, ctx.body_top, inner, Inches(0.4) * len(rows)),
                [1.5, 2.0],
                size=10,
            )
            box = (
                (MARGIN + Inches(7.6), ctx.body_top, ctx.full_w - Inches(7.6), Inches(3.0))
                if len(group) == 1
                else (left, Inches(5.4), inner, Inches(1.45))
            )
            deck.callout(slide, box, t("action"), p["action"])
