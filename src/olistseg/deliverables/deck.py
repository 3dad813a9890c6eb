"""``deck.pptx``: 10 to 15 slides with native (editable) charts and speaker notes.

Slides: title, context and goals, KPI highlights, method, segments overview (native bar
chart), one slide per segment with its action (two per slide beyond seven segments), the
stability curve (native line chart), cadence and maintenance contract, next steps. Every figure
comes from :func:`olistseg.deliverables.collect.run_numbers`.
"""

from __future__ import annotations

from pathlib import Path

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION
from pptx.util import Inches, Pt

from olistseg.atomic import atomic_path
from olistseg.i18n import (
    keyed,
    kpi_question,
    kpi_title,
    percent,
    segment_action,
    segment_name,
    text,
)
from olistseg.kpi.catalog import REQUIRED_QUESTIONS

WIDE = (Inches(13.333), Inches(7.5))


class _Deck:
    def __init__(self) -> None:
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDE

    def slide(self, title: str, bullets: list[str], notes: str) -> object:
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[1])
        slide.shapes.title.text = title
        body = slide.placeholders[1]
        body.left, body.top, body.width, body.height = (
            Inches(0.7),
            Inches(1.5),
            Inches(12),
            Inches(5.5),
        )
        frame = body.text_frame
        for index, bullet in enumerate(bullets):
            paragraph = frame.paragraphs[0] if index == 0 else frame.add_paragraph()
            paragraph.text = bullet
            paragraph.font.size = Pt(20)
        slide.notes_slide.notes_text_frame.text = notes
        return slide

    def chart_slide(self, title: str, kind: int, data: CategoryChartData, notes: str) -> object:
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[5])
        slide.shapes.title.text = title
        frame = slide.shapes.add_chart(
            kind, Inches(0.8), Inches(1.5), Inches(11.7), Inches(5.6), data
        )
        chart = frame.chart
        chart.has_legend = True
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
        slide.notes_slide.notes_text_frame.text = notes
        return slide


def build_deck(numbers: dict, path: Path, lang: str = "en") -> Path:
    """Write the deck for the run's ``numbers`` to ``path`` (atomically)."""
    run, profiles, stability = numbers["run"], numbers["profiles"], numbers["stability"]
    contract, seg = numbers["maintenance"], run["segmentation"]
    t = lambda key, **kw: text(lang, key, **kw)  # noqa: E731
    deck = _Deck()
    segments = profiles["segments"]
    title = deck.prs.slides.add_slide(deck.prs.slide_layouts[0])
    title.shapes.title.text = t("title")
    title.placeholders[1].text = t("subtitle", customers=seg["customers"], as_of=seg["as_of"])
    title.notes_slide.notes_text_frame.text = t("generated", version=run["olistseg_version"])
    deck.slide(t("context"), [t("context_text")], t("context_text"))
    kpi = numbers["kpis"]["kpis"]
    deck.slide(t("kpi_highlights"),
               [f"{kpi_title(lang, name, kpi[name]['title'])}: {kpi[name]['row_count']:,}"
                for name in REQUIRED_QUESTIONS],
               "\n".join(kpi_question(lang, name, kpi[name]["question"])
                         for name in REQUIRED_QUESTIONS))  # fmt: skip
    deck.slide(t("method"), [t("method_text", as_of=seg["as_of"])],
               t("summary_segments", k=seg["k"], algorithm=seg["algorithm"],
                 candidates=len(numbers["selection"]["candidates"])))  # fmt: skip
    sizes = CategoryChartData()
    sizes.categories = [segment_name(s, lang) for s in segments]
    sizes.add_series(t("customers"), [round(s["share_customers"], 4) for s in segments])
    sizes.add_series(t("revenue"), [round(s["share_revenue"], 4) for s in segments])
    overview = deck.chart_slide(t("segments_overview"), XL_CHART_TYPE.COLUMN_CLUSTERED, sizes,
                                "\n".join(f"{segment_name(s, lang)}: {percent(s['share_customers'])} / "
                                          f"{percent(s['share_revenue'])}" for s in segments))  # fmt: skip
    overview.shapes[-1].chart.value_axis.tick_labels.number_format = "0%"
    overview.shapes[-1].chart.value_axis.tick_labels.number_format_is_linked = False
    per_slide = 1 if len(segments) <= 6 else 2  # 15 slides at most
    for start in range(0, len(segments), per_slide):
        group = segments[start : start + per_slide]
        bullets = []
        for s in group:
            bullets += [f"{segment_name(s, lang)}",
                        f"{t('customers')}: {s['size']:,} ({percent(s['share_customers'])})",
                        f"{t('revenue')}: {percent(s['share_revenue'])}",
                        f"{t('action')}: {segment_action(s, lang)}"]  # fmt: skip
        deck.slide(" / ".join(segment_name(s, lang) for s in group), bullets,
                   "\n".join(f"{segment_name(s, lang)}: {s['rule']}" for s in group))  # fmt: skip
    validation = numbers["validation"]
    proof = CategoryChartData()
    proof.categories = [o["origin"][:10] for o in validation["origins"]]
    for kind, label in (("chosen", t("segments_word")), ("rfm", "RFM"), ("random", "random")):
        proof.add_series(label, [o[kind]["auc"] or 0.5 for o in validation["origins"]])
    auc = validation["summary"]["median_auc"]
    deck.chart_slide(f"{t('auc_word')}: {auc['chosen']} / RFM {auc['rfm']}",
                     XL_CHART_TYPE.LINE_MARKERS, proof,
                     "\n".join([t("validation"), *(keyed(lang, f) for f in validation["summary"]["findings_text"])]))  # fmt: skip
    curve = [c for c in stability["curve"] if c["counts_for_cadence"]]
    ari = CategoryChartData()
    ari.categories = [str(c["weeks"]) for c in curve]
    ari.add_series(t("ari_median"), [c["ari_median"] for c in curve])
    ari.add_series(t("ari_p10"), [c["ari_p10"] for c in curve])
    ari.add_series(t("threshold_word"), [stability["cadence"]["threshold"]] * len(curve))
    cadence = stability["cadence"]
    deck.chart_slide(t("stability_curve"), XL_CHART_TYPE.LINE_MARKERS, ari,
                     t("cadence_text", weeks=cadence["weeks"], reason=keyed(lang, cadence["reason_text"])) + "\n"
                     + t("baseline_text", median=stability["baseline_noise"]["median"]))  # fmt: skip
    deck.slide(t("cadence_and_contract"),
               [t("cadence_text", weeks=cadence["weeks"], reason=keyed(lang, cadence["reason_text"])),
                *[keyed(lang, x) for x in contract["triggers_text"]]],
               t("summary_cadence", weeks=cadence["weeks"]))  # fmt: skip
    deck.slide(t("next_steps"), t("next_steps_items").split("|"), t("next_steps_items"))
    with atomic_path(path) as tmp:
        deck.prs.save(str(tmp))
    return path
