"""The deck tells a decision-first story a board can read, in English and in French: at most 13
main slides, every number of a slide title from the run contract, bars and legends in the same
order, French without English words and with French numbers, and a PDF report printed from
pip-installed dependencies alone."""

from __future__ import annotations

import html
import os
import re

import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE

from olistseg.contract import fact
from olistseg.deliverables import pdf
from olistseg.deliverables.collect import run_numbers
from olistseg.deliverables.deck import build_deck
from olistseg.deliverables.deck.canvas import MAIN_SLIDES_MAX
from olistseg.deliverables.report import build_report
from olistseg.i18n import TEXT, format_number, percent, text, typeset

from .test_deliverables import main_slides, pdf_objects, slide_text, slide_title

#: Words of the product's English that a French reader must never meet (whole words, any case).
ENGLISH_WORDS = (
    "the",
    "and",
    "of",
    "with",
    "what",
    "how",
    "every",
    "customers",
    "customer",
    "revenue",
    "expected",
    "retrain",
    "retrained",
    "weeks",
    "days",
    "late",
    "on time",
    "share",
    "campaign",
    "campaigns",
    "purchase",
    "purchases",
    "buyers",
    "review",
    "reviews",
    "delivery",
    "holdout",
    "lift",
    "median",
    "threshold",
    "origin",
    "random",
    "value",
    "orders",
    "sellers",
    "measure",
    "rows",
    "mean",
    "month",
    "months",
    "chosen",
    "cost",
    "yearly",
    "contract",
    "schedule",
    "appendix",
    "file",
    "yes",
    "step",
    "not",
    "for",
    "is",
    "are",
    "by",
    "segments from",
)
ENGLISH = re.compile(r"\b(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")\b", re.I)
#: A number written the English way: a decimal point, or a comma grouping thousands.
ENGLISH_NUMBER = re.compile(r"\d\.\d|\b\d{2,3},\d{3}(?![\d,])")
#: The product's version ("olistseg 0.1.0") and commands ("olistseg measure") are names.
VERSION = re.compile(r"olistseg (?:\d+(?:\.\d+)+|[a-z]+)")
#: A number as a title states it: digits with decimal or grouping separators, maybe a percent.
TITLE_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f ]\d+)*(?:[\u00a0\u202f ]?%)?")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@pytest.fixture(scope="module")
def numbers(run_out):
    return run_numbers(run_out)


@pytest.fixture(scope="module")
def decks(numbers, tmp_path_factory):
    folder = tmp_path_factory.mktemp("decks")
    return {
        lang: Presentation(str(build_deck(numbers, folder / f"deck_{lang}.pptx", lang)))
        for lang in ("en", "fr")
    }


def _leaves(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def contract_renderings(numbers: dict, lang: str) -> tuple[set[str], list[str]]:
    """Every way a title may write a number of the run contract (its facts, the findings'
    values, the analysis date record), and the contract's strings (for dates)."""
    run = numbers["run"]
    leaves = _leaves({k: f["value"] for k, f in run["facts"].items()})
    leaves += _leaves([f["values"] for f in numbers.get("findings", [])])
    leaves += _leaves(run["analysis_date"])
    shown: set[str] = set()
    for v in leaves:
        if isinstance(v, bool) or not isinstance(v, int | float):
            continue
        for digits in range(5):
            shown.add(format_number(v, lang, digits))
        for digits in range(2):
            shown.add(percent(v, lang, digits))
        shown.add(f"{v:g}" if lang == "en" else f"{v:g}".replace(".", ","))
    strings = [str(v) for v in leaves if isinstance(v, str)]
    return shown, strings


def _normal(token: str) -> str:
    return token.replace("\u202f", "\u00a0").replace(" ", "\u00a0").strip()


def test_the_main_story_is_decision_first_and_at_most_13_slides(decks):
    for lang, deck in decks.items():
        main = main_slides(deck, lang)
        assert len(main) <= MAIN_SLIDES_MAX == 13, lang
        titles = [slide_title(s) for s in main]

        def opening(key: str, lang: str = lang) -> str:
            return typeset(TEXT[lang][key].split("{")[0], lang).strip()

        # the answer, then what to do this quarter, then the levers, ... and the limits last
        assert titles[2].startswith(opening("d_plan"))
        assert titles[-2] == text(lang, "d_limits")
        assert any(x.startswith(opening("d_experience")) for x in titles)
        # jargon and clock times go to the appendix, with a sentence of meaning
        for slide in main:
            words = slide_text(slide)
            assert not re.search(r"\d{2}:\d{2}:\d{2}", words), (lang, slide_title(slide))
        for title in titles:
            assert not re.search(r"\bAUC\b|\bMAE\b|exit code|\bstep \d", title), title


def test_every_number_in_a_slide_title_comes_from_the_run_contract(numbers, decks):
    for lang, deck in decks.items():
        shown, strings = contract_renderings(numbers, lang)
        shown = {_normal(s) for s in shown}
        for slide in deck.slides:
            title = slide_title(slide)
            for day in ISO_DATE.findall(title):
                assert any(s.startswith(day) for s in strings), (lang, title, day)
            for token in TITLE_NUMBER.findall(ISO_DATE.sub("", title)):
                token = _normal(token)
                assert token in shown, f"{lang}: {token!r} in {title!r} is not a contract figure"


def test_horizontal_bars_and_their_legend_read_in_the_same_order(decks):
    """A bar chart draws its first category at the foot and lists its legend from the last
    series: the deck feeds them reversed, so the first category is on top, largest first, and
    the legend reads in the order of the bars of a group, top down."""
    for deck in decks.values():
        for slide in deck.slides:
            for shape in slide.shapes:
                if not shape.has_chart or shape.chart.chart_type != XL_CHART_TYPE.BAR_CLUSTERED:
                    continue
                chart = shape.chart
                assert not chart.category_axis.reverse_order  # values axis at the foot
                top_series = list(chart.plots[0].series)[-1]  # drawn on top of each group
                shown = list(top_series.values)[::-1]  # top down
                assert shown == sorted(shown, reverse=True), slide_title(slide)


def _deck_text(deck: Presentation) -> list[str]:
    parts = []
    for slide in deck.slides:
        parts.append(slide.notes_slide.notes_text_frame.text)
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [cell.text for row in shape.table.rows for cell in row.cells]
            if shape.has_chart:
                chart = shape.chart
                parts += (
                    [str(c) for c in chart.plots[0].categories]
                    if chart.chart_type
                    not in (XL_CHART_TYPE.BUBBLE, XL_CHART_TYPE.XY_SCATTER_LINES)
                    else []
                )
                parts += [s.name for p in chart.plots for s in p.series]
                for axis in (chart.category_axis, chart.value_axis):
                    if axis.has_title:
                        parts.append(axis.axis_title.text_frame.text)
    return parts


def _report_text(page: str) -> str:
    """The report's words as a reader meets them: no style, no code identifiers, no footer."""
    for tag in ("style", "code", "footer"):
        page = re.sub(rf"<{tag}[^>]*>.*?</{tag}>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_french_deck_and_report_have_no_english_and_french_numbers(numbers, decks):
    deck_parts = _deck_text(decks["fr"])
    report = _report_text(build_report(numbers, "fr"))
    for where, words in (("deck", " | ".join(deck_parts)), ("report", report)):
        words = VERSION.sub("olistseg", words)
        found = sorted({m.group(0).lower() for m in ENGLISH.finditer(words)})
        assert not found, f"French {where} has English words: {found}"
        english_numbers = [
            words[max(m.start() - 30, 0) : m.end() + 30] for m in ENGLISH_NUMBER.finditer(words)
        ]
        assert not english_numbers, f"French {where} writes numbers the English way"
    assert "\u00a0%" in report and re.search(r"\d,\d", report)
    for slide in decks["fr"].slides:  # chart numbers carry the French locale
        for shape in slide.shapes:
            if shape.has_chart:
                code = shape.chart.value_axis.tick_labels.number_format
                assert code.startswith("[$-40C]"), (slide_title(slide), code)
    # the English deck is the control: the same check finds English there
    assert ENGLISH.search(" ".join(_deck_text(decks["en"])))


def test_service_recovery_and_win_back_have_distinct_french_words():
    fr = TEXT["fr"]
    assert "rattrapage" in fr["trigger_service_recovery"]
    assert "reconquête" in fr["trigger_win_back"]
    recovery = [k for k, v in fr.items() if "rattrapage" in v]
    assert not [k for k in recovery if "reconquête" in fr[k]]


def test_the_report_prints_to_pdf_without_chromium(run_out, tmp_path, monkeypatch):
    """WeasyPrint (pip) prints the report on a machine without Chromium; the same report
    prints to the same bytes."""
    monkeypatch.delenv("OLISTSEG_PDF", raising=False)
    monkeypatch.delenv("OLISTSEG_CHROMIUM", raising=False)
    monkeypatch.setenv(
        "PATH",
        os.pathsep.join(
            p
            for p in os.environ["PATH"].split(os.pathsep)
            if not (os.path.exists(os.path.join(p, "chromium")))
        ),
    )
    assert pdf.chromium() is None
    first = pdf.print_pdf(run_out / "report.html", tmp_path / "a.pdf")
    second = pdf.print_pdf(run_out / "report.html", tmp_path / "b.pdf")
    assert first is not None and first.read_bytes()[:5] == b"%PDF-"
    assert first.read_bytes() == second.read_bytes()
    pages = len(re.findall(rb"/Type\s*/Page\b", pdf_objects(first.read_bytes())))
    assert pages >= 10


def test_an_unknown_pdf_printer_is_refused(monkeypatch):
    monkeypatch.setenv("OLISTSEG_PDF", "wkhtmltopdf")
    with pytest.raises(ValueError, match="weasyprint, chromium"):
        pdf.printer()


def test_the_deck_states_the_facts_it_is_built_from(numbers, decks):
    """The plan slide's title is the contract's contacts and cost; the limits slide states the
    one-time buyers' share from the contract."""
    en = [slide_title(s) for s in decks["en"].slides]
    contacts = fact(numbers, "campaign_contacts")
    if contacts is not None:
        assert any(f"{contacts:,}" in t for t in en)
