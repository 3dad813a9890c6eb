"""``deck.pptx``: a designed deck of 10 to 15 main slides plus an appendix, built in code.

Theme (no external asset): a title band in the palette of the report's charts (Vega's
tableau10), one type scale (:data:`TYPE`), the data date and the slide number in the footer.
Main slides: title; the question and the answer (the top findings); two KPI slides with trend
charts; what the segments are (one chart); one persona slide per segment (two per slide beyond
seven segments, so the main part keeps to 15); proof that the segments predict behaviour;
cadence and contract with the yearly cost; next steps. Appendix: method and rule, candidates,
the lifetime-value check, definitions.

Every content slide has a native chart or table; titles are sentences stating the finding with
its number; every slide has speaker notes. Every figure comes from
:func:`olistseg.deliverables.collect.run_numbers` and the findings step.
:func:`overflowing` measures every text frame and table against its shape (tests call it).
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from olistseg import __version__
from olistseg.atomic import atomic_path
from olistseg.contract import fact
from olistseg.deliverables.collect import kpi_rows
from olistseg.i18n import keyed, percent, schedule_words, text, why_text

WIDE = (Inches(13.333), Inches(7.5))
#: Vega's tableau10: the report's charts and the deck share it.
PALETTE = ("4C78A8", "F58518", "E45756", "72B7B2", "54A24B", "EECA3B", "B279A2", "FF9DA6")
INK, MUTED, BAND, PAPER = "1D2733", "5B6B7B", "1F3B57", "FFFFFF"
#: Type scale (points): title, subtitle, body, table, footer.
TYPE = {"title": 24, "subtitle": 16, "body": 14, "table": 12, "footer": 10}
FONT = "Liberation Sans"  # metric-compatible with Arial; what LibreOffice renders with
FONT_FILES = {
    False: "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    True: "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
}
MARGIN = Inches(0.6)
BAND_HEIGHT = Inches(1.15)
FOOTER_TOP = Inches(7.05)
MAIN_SLIDES_MAX = 15


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color)


class _Deck:
    """A presentation with the theme's slide kinds; counts main and appendix slides."""

    def __init__(self, footer: str) -> None:
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDE
        self.footer = footer
        self.blank = self.prs.slide_layouts[6]

    # --- building blocks ---------------------------------------------------------------
    def _text(
        self,
        slide: object,
        box: tuple[int, int, int, int],
        value: str,
        size: int,
        color: str = INK,
        bold: bool = False,
        align: int = PP_ALIGN.LEFT,
        anchor: int = MSO_ANCHOR.TOP,
    ) -> object:
        shape = slide.shapes.add_textbox(*box)
        frame = shape.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = anchor
        for side in ("left", "right", "top", "bottom"):
            setattr(frame, f"margin_{side}", Inches(0.05))
        for index, line in enumerate(value.split("\n")):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.alignment = align
            run = paragraph.add_run()
            run.text = line
            run.font.size, run.font.bold, run.font.name = Pt(size), bold, FONT
            run.font.color.rgb = _rgb(color)
        return shape

    def new(self, title: str, notes: str) -> object:
        """A slide with the title band, the footer and the speaker notes."""
        slide = self.prs.slides.add_slide(self.blank)
        band = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, 0, WIDE[0], BAND_HEIGHT)
        band.fill.solid()
        band.fill.fore_color.rgb = _rgb(BAND)
        band.line.fill.background()
        accent = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, BAND_HEIGHT, WIDE[0], Inches(0.06))
        accent.fill.solid()
        accent.fill.fore_color.rgb = _rgb(PALETTE[1])
        accent.line.fill.background()
        self._text(
            slide,
            (MARGIN, Inches(0.1), WIDE[0] - 2 * MARGIN, BAND_HEIGHT - Inches(0.2)),
            title,
            TYPE["title"],
            PAPER,
            bold=True,
            anchor=MSO_ANCHOR.MIDDLE,
        )
        number = len(self.prs.slides)
        self._text(
            slide, (MARGIN, FOOTER_TOP, Inches(9), Inches(0.35)), self.footer, TYPE["footer"], MUTED
        )
        self._text(
            slide,
            (WIDE[0] - MARGIN - Inches(1.5), FOOTER_TOP, Inches(1.5), Inches(0.35)),
            str(number),
            TYPE["footer"],
            MUTED,
            align=PP_ALIGN.RIGHT,
        )
        slide.notes_slide.notes_text_frame.text = notes
        return slide

    def chart(
        self,
        slide: object,
        kind: int,
        data: CategoryChartData,
        box: tuple[int, int, int, int] | None = None,
        percent_axis: bool = False,
        legend: bool = True,
    ) -> object:
        box = box or (MARGIN, Inches(1.45), WIDE[0] - 2 * MARGIN, Inches(5.45))
        chart = slide.shapes.add_chart(kind, *box, data).chart
        chart.font.size, chart.font.name = Pt(TYPE["table"]), FONT
        chart.has_legend = legend and len(list(data)) > 1
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
        for index, series in enumerate(chart.plots[0].series):
            color = _rgb(PALETTE[index % len(PALETTE)])
            if kind in (XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.LINE):
                series.format.line.color.rgb = color
                series.format.line.width = Pt(2.25)
                series.smooth = False
            else:
                series.format.fill.solid()
                series.format.fill.fore_color.rgb = color
        if percent_axis:
            chart.value_axis.tick_labels.number_format = "0%"
            chart.value_axis.tick_labels.number_format_is_linked = False
        chart.value_axis.has_major_gridlines = True
        chart.value_axis.major_gridlines.format.line.color.rgb = _rgb("DDE3EA")
        return chart

    def table(
        self,
        slide: object,
        rows: list[list[str]],
        box: tuple[int, int, int, int] | None = None,
        widths: list[float] | None = None,
        size: int = TYPE["table"],
    ) -> object:
        box = box or (MARGIN, Inches(1.5), WIDE[0] - 2 * MARGIN, Inches(0.4) * len(rows))
        shape = slide.shapes.add_table(len(rows), len(rows[0]), *box)
        table = shape.table
        if widths:
            total = sum(widths)
            for j, w in enumerate(widths):
                table.columns[j].width = Emu(int(box[2] * w / total))
        for i, row in enumerate(rows):
            table.rows[i].height = Emu(int(box[3] / len(rows)))
            for j, value in enumerate(row):
                cell = table.cell(i, j)
                cell.text = str(value)
                cell.margin_left = cell.margin_right = Inches(0.08)
                cell.margin_top = cell.margin_bottom = Inches(0.04)
                for paragraph in cell.text_frame.paragraphs:
                    for run in paragraph.runs:
                        run.font.size, run.font.name = Pt(size), FONT
                        run.font.bold = i == 0
                        run.font.color.rgb = _rgb(PAPER if i == 0 else INK)
                cell.fill.solid()
                cell.fill.fore_color.rgb = _rgb(BAND if i == 0 else ("F2F5F8" if i % 2 else PAPER))
        return shape

    def callout(
        self,
        slide: object,
        box: tuple[int, int, int, int],
        label: str,
        value: str,
        color: str = PALETTE[4],
    ) -> None:
        """A coloured box with a bold label above its text (the action on persona slides)."""
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, *box)
        shape.fill.solid()
        shape.fill.fore_color.rgb = _rgb("EEF6EE")
        shape.line.color.rgb = _rgb(color)
        shape.adjustments[0] = 0.08
        frame = shape.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.TOP
        for side in ("left", "right", "top", "bottom"):
            setattr(frame, f"margin_{side}", Inches(0.15))
        for index, (line, bold) in enumerate(((label, True), (value, False))):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            run = paragraph.add_run()
            run.text = line
            run.font.size, run.font.bold, run.font.name = Pt(TYPE["body"]), bold, FONT
            run.font.color.rgb = _rgb(INK)


# --- measuring text -------------------------------------------------------------------------
@functools.cache
def _font(size: float, bold: bool) -> object | None:
    try:
        from PIL import ImageFont

        return ImageFont.truetype(FONT_FILES[bold], size=round(size * 10))
    except (ImportError, OSError):
        return None


def _width_pt(line: str, size: float, bold: bool) -> float:
    """Rendered width of ``line`` in points (Liberation Sans; 0.6 em a character without it)."""
    font = _font(size, bold)
    if font is None:
        return 0.6 * size * len(line)
    return font.getlength(line) / 10


def wrapped_lines(value: str, width_pt: float, size: float, bold: bool = False) -> int:
    """Lines ``value`` takes at ``size`` points in a column ``width_pt`` wide (word wrap)."""
    lines = 0
    for paragraph in value.split("\n"):
        current = ""
        count = 1
        for word in paragraph.split():
            trial = f"{current} {word}".strip()
            if current and _width_pt(trial, size, bold) > width_pt:
                count += 1
                current = word
            else:
                current = trial
        lines += count
    return lines


def _frame_overflow(frame: object, width: int, height: int) -> float:
    """Points by which ``frame``'s text exceeds ``height`` (<= 0 when it fits)."""
    inner_w = (width - frame.margin_left - frame.margin_right) / 12700
    inner_h = (height - frame.margin_top - frame.margin_bottom) / 12700
    used = 0.0
    for paragraph in frame.paragraphs:
        runs = paragraph.runs
        if not runs:
            continue
        size = max((r.font.size.pt if r.font.size else 18.0) for r in runs)
        bold = any(r.font.bold for r in runs)
        line = "".join(r.text for r in runs)
        used += wrapped_lines(line, inner_w, size, bold) * size * 1.2
    return used - inner_h


def overflowing(path: Path) -> list[str]:
    """Every text frame or table of the deck at ``path`` whose text does not fit its shape,
    as ``"slide N: text..."``; [] when everything fits."""
    found = []
    prs = Presentation(str(path))
    for number, slide in enumerate(prs.slides, start=1):
        for shape in slide.shapes:
            if shape.has_text_frame and shape.text_frame.text.strip():
                if _frame_overflow(shape.text_frame, shape.width, shape.height) > 0.5:
                    found.append(f"slide {number}: {shape.text_frame.text[:60]!r}")
            elif shape.has_table:
                table = shape.table
                used = 0
                for i, row in enumerate(table.rows):
                    need = max(
                        max(
                            _frame_overflow(table.cell(i, j).text_frame, table.columns[j].width, 0)
                            + (table.cell(i, j).margin_top + table.cell(i, j).margin_bottom)
                            / 12700,
                            0,
                        )
                        for j in range(len(table.columns))
                    )
                    used += max(need, row.height / 12700)
                if shape.top / 12700 + used > FOOTER_TOP / 12700 + 0.5:
                    found.append(f"slide {number}: table runs {used:.0f} pt into the footer")
    return found


# --- the deck -------------------------------------------------------------------------------
def _finding(numbers: dict, rule: str) -> dict | None:
    return next((f for f in numbers.get("findings", []) if f["rule"] == rule), None)


def _complete_months(numbers: dict, rows: list[dict]) -> list[dict]:
    """Monthly rows up to the last complete month (the incomplete tail would read as a drop)."""
    tail = numbers["run"]["kpi"].get("incomplete_tail")
    monthly = [r for r in rows if r["period"] != "total"]
    if tail:
        monthly = [r for r in monthly if r["period"] <= tail["complete_until"][:7]]
    return monthly


def build_deck(numbers: dict, path: Path, lang: str = "en") -> Path:
    """Write the deck for the run's ``numbers`` to ``path`` (atomically)."""
    from olistseg.deliverables.report import persona

    run, profiles, stability = numbers["run"], numbers["profiles"], numbers["stability"]
    contract, seg, validation = numbers["maintenance"], run["segmentation"], numbers["validation"]
    t = lambda key, **kw: text(lang, key, **kw)  # noqa: E731
    tail = run["kpi"].get("incomplete_tail")
    data_to = tail["complete_until"][:10] if tail else run["load"]["orders_last_purchase"][:10]
    deck = _Deck(t("d_footer", as_of=seg["as_of"][:10], data_to=data_to))
    segments = profiles["segments"]
    personas = [persona(s, numbers, lang) for s in segments]
    cadence = stability["cadence"]
    cost = fact(numbers, "yearly_cost") or 0.0
    currency = fact(numbers, "currency")
    schedule = schedule_words(lang, contract["schedule"]) if contract.get("schedule") else "-"
    findings = numbers.get("findings", [])
    body_top = Inches(1.5)
    full_w = WIDE[0] - 2 * MARGIN

    # 1. Title
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

    # 2. The question and the answer
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

    # 3. KPI: review score by delivery delay
    lateness = kpi_rows(numbers, "score_by_lateness", period="total")
    found = _finding(numbers, "lateness_reviews")
    title = t("d_lateness", **found["values"]) if found else t("d_lateness_plain")
    slide = deck.new(title, keyed(lang, found) if found else t("d_lateness_plain"))
    data = CategoryChartData()
    data.categories = [r["lateness"] for r in lateness]
    data.add_series(t("d_mean_score"), [r["mean_score"] for r in lateness])
    chart = deck.chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data, legend=False)
    chart.plots[0].has_data_labels = True
    chart.plots[0].data_labels.number_format = "0.0"
    chart.plots[0].data_labels.number_format_is_linked = False

    # 4. KPI trends: on-time delivery and low reviews by month (complete months only)
    on_time_rows = kpi_rows(numbers, "on_time_delivery")
    on_time = _complete_months(numbers, on_time_rows)
    low = {r["period"]: r["low_share"] for r in kpi_rows(numbers, "low_score_share")}
    overall = next((r for r in on_time_rows if r["period"] == "total"), None)
    months = [r for r in on_time if r["delivered_orders"] >= 30]
    slide = deck.new(
        t("d_trend", rate=percent(overall["on_time_rate"]) if overall else "-", until=data_to),
        "\n".join(
            [t("d_trend_notes")]
            + ([keyed(lang, f)] if (f := _finding(numbers, "data_tail")) else [])
        ),
    )
    data = CategoryChartData()
    data.categories = [r["period"] for r in months]
    data.add_series(t("d_on_time"), [r["on_time_rate"] for r in months])
    data.add_series(t("d_low_reviews"), [low.get(r["period"], 0.0) for r in months])
    deck.chart(slide, XL_CHART_TYPE.LINE_MARKERS, data, percent_axis=True)

    # 5. What the segments are
    largest = max(personas, key=lambda p: p["share_customers"])
    slide = deck.new(
        t(
            "d_overview",
            k=len(segments),
            name=largest["name"],
            share=percent(largest["share_customers"]),
        ),
        "\n".join(
            f"{p['name']}: {percent(p['share_customers'])} / {percent(p['share_revenue'])}"
            for p in personas
        ),
    )
    data = CategoryChartData()
    data.categories = [p["name"] for p in personas]
    data.add_series(t("customers"), [round(p["share_customers"], 4) for p in personas])
    data.add_series(t("revenue"), [round(p["share_revenue"], 4) for p in personas])
    if all(p["share_value"] is not None for p in personas):
        data.add_series(t("share_value"), [round(p["share_value"], 4) for p in personas])
    deck.chart(slide, XL_CHART_TYPE.BAR_CLUSTERED, data, percent_axis=True)

    # 6. Personas
    per_slide = 1 if len(segments) <= 7 else 2
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
                share=percent(p["share_customers"]),
                value="-" if p["share_value"] is None else percent(p["share_value"]),
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
                [t("customers"), f"{p['size']:,} ({percent(p['share_customers'])})"],
                [t("revenue"), percent(p["share_revenue"])],
                [
                    t("expected_value"),
                    "-"
                    if p["expected_value"] is None
                    else f"{p['expected_value']:,.0f} ({percent(p['share_value'] or 0)})",
                ],
                [
                    t("median_alive"),
                    "-" if p["median_alive"] is None else f"{p['median_alive']:.2f}",
                ],
                [t("audience"), "-" if p["audience"] is None else f"{p['audience']:,}"],
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

    # 7. Proof: do segments predict behaviour?
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
    deck.chart(slide, XL_CHART_TYPE.LINE_MARKERS, data)

    # 8. Cadence and contract
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
        slide, XL_CHART_TYPE.LINE_MARKERS, data, (MARGIN, body_top, Inches(7.4), Inches(5.4))
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
            [t("d_analyst_cost"), f"{yearly.get('analyst', 0):,.0f} {currency}"],
            [t("d_compute_cost"), f"{yearly.get('compute', 0):,.2f} {currency}"],
            [t("d_total_cost"), f"{cost:,.0f} {currency}"],
        ],
        (MARGIN + Inches(7.7), body_top, full_w - Inches(7.7), Inches(0.5) * 7),
        [1.4, 1.0],
    )

    # 9. Next steps
    audiences = numbers.get("audiences") or {}
    promotional = sum(a["customers"] for a in audiences.get("audiences", []) if a["promotional"])
    slide = deck.new(
        t("d_next", audiences=len(audiences.get("audiences", [])), customers=promotional),
        t("next_steps_items"),
    )
    steps = t("d_next_rows").split("|")
    deck.table(
        slide,
        [[t("d_step"), t("d_who"), t("d_when")], *[s.split(";") for s in steps]],
        (MARGIN, body_top, full_w, Inches(0.6) * (len(steps) + 1)),
        [6, 2.5, 3],
    )

    main_slides = len(deck.prs.slides)
    # Appendix
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
                    "-" if c.get("largest_share") is None else percent(c["largest_share"]),
                    "-" if c.get("score") is None else f"{c['score']:.3f}",
                ]
                for c in candidates
            ],
        ],
        (MARGIN, body_top, full_w, Inches(0.45) * (len(candidates) + 1)),
    )
    value = numbers.get("value")
    if value and value["out_of_time"]["origins"]:
        median = value["out_of_time"]["median"]
        slide = deck.new(
            t(
                "d_clv_check",
                mae=fact(numbers, "forecast_error"),
                naive=round(median["mae_naive"], 4),
            ),
            keyed(lang, f) if (f := _finding(numbers, "clv_check")) else t("value_check"),
        )
        origin = value["out_of_time"]["origins"][0]
        data = CategoryChartData()
        data.categories = [str(d["decile"]) for d in origin["calibration"]]
        data.add_series(t("forecast"), [d["mean_predicted"] for d in origin["calibration"]])
        data.add_series(t("actual"), [d["mean_actual"] for d in origin["calibration"]])
        deck.chart(slide, XL_CHART_TYPE.COLUMN_CLUSTERED, data)
    slide = deck.new(t("appendix"), t("definitions"))
    deck.table(
        slide,
        [
            [t("d_term"), t("d_definition")],
            *[row.split(";", 1) for row in t("d_definitions_rows").split("|")],
        ],
        (MARGIN, body_top, full_w, Inches(0.62) * 6),
        [1.2, 5],
    )
    if main_slides > MAIN_SLIDES_MAX:
        raise AssertionError(f"{main_slides} main slides, more than {MAIN_SLIDES_MAX}")
    dated = dt.datetime.fromisoformat(seg["as_of"]).replace(microsecond=0)
    properties = deck.prs.core_properties
    properties.title = t("title")
    # the template's own author and 2013 dates otherwise; the run's as_of, never "now"
    properties.author = properties.last_modified_by = f"olistseg {__version__}"
    properties.comments = ""
    properties.created = properties.modified = dated
    buffer = io.BytesIO()
    deck.prs.save(buffer)
    with atomic_path(path) as tmp:
        tmp.write_bytes(reproducible_package(buffer.getvalue(), dated))
    return path


_W3CDTF = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def reproducible_package(package: bytes, dated: dt.datetime) -> bytes:
    """An Office (zip) package whose bytes depend on its content only: every member dated
    1980-01-01 (zip's first date) and every ``docProps/core.xml`` created and modified at
    ``dated``, in the embedded chart workbooks too (python-pptx stamps the zip members, and
    XlsxWriter the workbooks' properties, with the wall-clock time)."""
    stamp = dated.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    source, out = zipfile.ZipFile(io.BytesIO(package)), io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            blob = source.read(member)
            if member.filename.endswith("docProps/core.xml"):
                blob = _W3CDTF.sub(rb"\g<1>" + stamp + rb"\g<2>", blob)
            elif member.filename.endswith(".xlsx"):
                blob = reproducible_package(blob, dated)
            info = zipfile.ZipInfo(member.filename, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = member.external_attr
            target.writestr(info, blob)
    return out.getvalue()
