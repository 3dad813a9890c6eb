"""The deck's theme and building blocks: a slide with its title band, footer and notes; native
charts, tables and callouts; the overflow check tests run; a reproducible package.

Theme (no external asset): a title band in the palette of the report's charts (Vega's
tableau10), one type scale (:data:`TYPE`), the data date and the slide number in the footer.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import re
import zipfile
from pathlib import Path

from pptx import Presentation
from pptx.chart.data import BubbleChartData, CategoryChartData, XyChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

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
MAIN_SLIDES_MAX = 13
#: The language tag charts and text carry, per deck language.
LOCALE_TAGS = {"en": "en-US", "fr": "fr-FR"}
#: Windows locale ids of the number formats' locale prefix, per deck language but English.
LCIDS = {"fr": "40C"}
#: XY line charts: their horizontal axis holds numbers too (formatted in the deck's language).
XY_LINES = (XL_CHART_TYPE.XY_SCATTER_LINES, XL_CHART_TYPE.XY_SCATTER_LINES_NO_MARKERS)
#: Chart kinds drawn as lines (their series get a line colour and width, not a fill).
LINES = (XL_CHART_TYPE.LINE_MARKERS, XL_CHART_TYPE.LINE, *XY_LINES)


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color)


class Canvas:
    """A presentation with the theme's slide kinds; counts main and appendix slides."""

    def __init__(self, footer: str, lang: str = "en") -> None:
        self.lang = lang
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
        data: CategoryChartData | XyChartData,
        box: tuple[int, int, int, int] | None = None,
        percent_axis: bool = False,
        legend: bool = True,
        titles: tuple[str, str] | None = None,
        bounds: tuple[float, float] | None = None,
        reference: str | None = None,
        gaps: bool = False,
    ) -> object:
        """A native chart. ``titles``: the category and the value axis titles, with units;
        ``bounds``: the value axis's minimum and maximum (rates and ARI: 0 to 1); ``reference``:
        the name of a series drawn as a dashed line without markers (a threshold); ``gaps``: a
        missing value (None) is a gap. Horizontal bars list their categories top to bottom in
        the data's order. XY line charts take :class:`XyChartData`."""
        box = box or (MARGIN, Inches(1.45), WIDE[0] - 2 * MARGIN, Inches(5.45))
        horizontal = kind in (XL_CHART_TYPE.BAR_CLUSTERED, XL_CHART_TYPE.BAR_STACKED)
        if horizontal:
            data = _bottom_up(data)
        chart = slide.shapes.add_chart(kind, *box, data).chart
        chart.has_title = False  # the slide's title says it; a chart title would repeat a series
        self._chart_text(chart)
        chart.has_legend = legend and len(list(data)) > 1
        if chart.has_legend:
            chart.legend.position = XL_LEGEND_POSITION.BOTTOM
            chart.legend.include_in_layout = False
        drawn = list(chart.plots[0].series)
        for index, series in enumerate(drawn):
            # flipped horizontal bars keep each series' colour of its place in the data
            place = len(drawn) - 1 - index if horizontal else index
            color = _rgb(PALETTE[place % len(PALETTE)])
            if kind in LINES:
                series.format.line.color.rgb = color
                series.format.line.width = Pt(2.25)
                series.smooth = False
                if series.name == reference:
                    series.marker.style = XL_MARKER_STYLE.NONE
                    series.format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
                    series.format.line.color.rgb = _rgb(MUTED)
            else:
                series.format.fill.solid()
                series.format.fill.fore_color.rgb = color
        axes = [chart.value_axis] + ([chart.category_axis] if kind in XY_LINES else [])
        for axis in axes:  # the deck's language's decimal comma on every numeric axis
            axis.tick_labels.number_format = self.fmt(
                "0%" if percent_axis and axis is axes[0] else "General"
            )
            axis.tick_labels.number_format_is_linked = False
        chart.value_axis.has_major_gridlines = True
        chart.value_axis.major_gridlines.format.line.color.rgb = _rgb("DDE3EA")
        if bounds is not None:
            chart.value_axis.minimum_scale, chart.value_axis.maximum_scale = bounds
        if titles is not None:
            _axis_titles(chart, titles)
        if gaps:
            # a missing point is a gap in the line, never a fall to zero or a bridge
            plot_area = chart._chartSpace.chart
            blanks = plot_area.find(qn("c:dispBlanksAs"))
            if blanks is None:
                blanks = plot_area.makeelement(qn("c:dispBlanksAs"), {})
                plot_area.find(qn("c:plotVisOnly")).addnext(blanks)
            blanks.set("val", "gap")
        return chart

    def fmt(self, code: str) -> str:
        """A chart number format in the deck's language: French numbers get the French locale
        prefix (``[$-40C]``), with which LibreOffice and PowerPoint print a decimal comma."""
        if self.lang == "en":
            return code
        return f"[$-{LCIDS[self.lang]}]" + code.replace("%", "\u00a0%")  # "100 %" in French

    def _chart_text(self, chart: object) -> None:
        """The chart's font, and its language: LibreOffice and PowerPoint print the axis and
        data-label numbers with the decimal comma of French when the chart says it is French."""
        chart.font.size, chart.font.name = Pt(TYPE["table"]), FONT
        chart._chartSpace.find(qn("c:txPr")).find(qn("a:p")).find(qn("a:pPr")).find(
            qn("a:defRPr")
        ).set("lang", LOCALE_TAGS[self.lang])
        space = chart._chartSpace
        tag = space.find(qn("c:lang"))
        if tag is None:
            tag = space.makeelement(qn("c:lang"), {})
            space.insert(0 if space.find(qn("c:date1904")) is None else 1, tag)
        tag.set("val", LOCALE_TAGS[self.lang])

    def bubble(
        self,
        slide: object,
        points: list[tuple[str, float, float, float, str]],
        box: tuple[int, int, int, int],
        titles: tuple[str, str],
        x_bounds: tuple[float, float] | None = None,
    ) -> object:
        """A bubble chart, one bubble a series: ``(label, x, y, size, colour)``; each bubble
        is labelled with its name (no legend to decode)."""
        data = BubbleChartData()
        for label, x, y, size, _ in points:
            data.add_series(label).add_data_point(x, y, size)
        chart = slide.shapes.add_chart(XL_CHART_TYPE.BUBBLE, *box, data).chart
        chart.has_title = False
        self._chart_text(chart)
        chart.has_legend = False
        placed: list[tuple[float, float]] = []
        y_span = (max(p[2] for p in points) - min(p[2] for p in points)) or 1.0
        for series, (label, x, y, _, color) in zip(chart.plots[0].series, points, strict=True):
            # a bubble close to one already labelled takes its label below, not on top of it
            crowded = any(abs(x - px) < 0.4 and abs(y - py) < 0.15 * y_span for px, py in placed)
            placed.append((x, y))
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(color)
            series.format.line.color.rgb = _rgb(PAPER)
            label_frame = series.points[0].data_label
            label_frame.has_text_frame = True
            label_frame.text_frame.text = label
            label_frame.position = XL_LABEL_POSITION.BELOW if crowded else XL_LABEL_POSITION.ABOVE
            run = label_frame.text_frame.paragraphs[0].runs[0]
            run.font.size, run.font.name, run.font.bold = Pt(TYPE["footer"]), FONT, True
        bubble_scale = chart.plots[0]._element.find(qn("c:bubbleScale"))
        if bubble_scale is not None:
            bubble_scale.set("val", "100")
        chart.value_axis.has_major_gridlines = True
        chart.value_axis.major_gridlines.format.line.color.rgb = _rgb("DDE3EA")
        if x_bounds is not None:
            chart.category_axis.minimum_scale, chart.category_axis.maximum_scale = x_bounds
        for axis in (chart.category_axis, chart.value_axis):
            axis.tick_labels.number_format = self.fmt("General")
            axis.tick_labels.number_format_is_linked = False
        _axis_titles(chart, titles)
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
        # the header row as tall as its line needs; the body rows share the rest
        header = min(int(box[3] / len(rows)), int(Inches(0.5)))
        body = int((box[3] - header) / max(len(rows) - 1, 1))
        for i, row in enumerate(rows):
            table.rows[i].height = Emu(header if i == 0 else body)
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


def _bottom_up(data: CategoryChartData) -> CategoryChartData:
    """Horizontal bars drawn as they read: a bar chart draws its first category at the foot and,
    in each group, its first series lowest, while the legend lists the series top down from the
    last. Categories and series reversed, the first category is on top, each group reads in the
    series' order, and the legend lists them in the same order, with the value axis at the
    foot (reversing the axis instead puts the values on top and the legend out of order)."""
    flipped = CategoryChartData(number_format=data.number_format)
    flipped.categories = [c.label for c in data.categories][::-1]
    for series in list(data)[::-1]:
        flipped.add_series(series.name, list(series.values)[::-1], series.number_format)
    return flipped


def _axis_titles(chart: object, titles: tuple[str, str]) -> None:
    """The horizontal (category or X) and the vertical (value or Y) axis titles."""
    for axis, title in zip((chart.category_axis, chart.value_axis), titles, strict=True):
        axis.has_title = True
        axis.axis_title.text_frame.text = title
        font = axis.axis_title.text_frame.paragraphs[0].runs[0].font
        font.size, font.name, font.bold = Pt(TYPE["footer"] + 1), FONT, False


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
