"""`olistseg run`: report, deck and notebook from one run, with the same numbers; French output;
a second run is idempotent and a failed step leaves the previous outputs intact."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import zipfile
import zlib

import nbformat
import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE, XL_MARKER_STYLE
from typer.testing import CliRunner

from olistseg import cli as cli_module
from olistseg import pipeline
from olistseg.deliverables.collect import run_numbers
from olistseg.deliverables.deck import build_deck, overflowing
from olistseg.deliverables.report import build_report
from olistseg.i18n import TEXT, keyed, segment_name, text

from .conftest import missing_prerequisite
from .test_dashboard_browser import ARTIFACTS, browser_page, require_chromium

#: The report's sections, in their order: the executive summary first, the appendix last.
SECTION_KEYS = (
    "executive_summary",
    "data_quality",
    "cx_findings",
    "segments_overview",
    "validation",
    "value_section",
    "audiences_section",
    "stability_cadence",
    "maintenance",
    "appendix_method",
)


def slide_title(slide: object) -> str:
    """The text in the title band (the first text box of the slide)."""
    return next(
        sh.text_frame.text for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text
    )


def slide_text(slide: object) -> str:
    """Every text of the slide: text boxes and table cells."""
    parts = [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    for sh in slide.shapes:
        if sh.has_table:
            parts += [cell.text for row in sh.table.rows for cell in row.cells]
    return " ".join(parts)


def main_slides(deck: Presentation, lang: str = "en") -> list:
    slides = list(deck.slides)
    appendix = next(i for i, s in enumerate(slides) if slide_title(s) == TEXT[lang]["d_appendix"])
    return slides[:appendix]


def test_run_writes_every_deliverable_from_run_json(run_out):
    run = json.loads((run_out / "run.json").read_text())
    for name in (
        "report.html",
        "deck.pptx",
        "notebook.ipynb",
        "kpi/kpis.json",
        "segments/segments.csv",
        "stability/stability.json",
        "stability/maintenance.md",
    ):
        assert (run_out / name).is_file(), name
    assert set(run["step_seconds"]) >= {"load", "kpi", "segment", "stability", "deliverables"}
    assert (
        run["stability"]["cadence_weeks"]
        == json.loads((run_out / "stability" / "stability.json").read_text())["cadence"]["weeks"]
    )
    assert not (run_out.parent / "out.partial").exists()


def test_the_same_run_gives_the_same_deliverables(run_out, tmp_path):
    """Deterministic: the deliverables built again from the same outputs are the same bytes
    (the notebook included: cell ids, timestamps and chart ids are fixed; the deck's zip
    members, its chart workbooks and the PDF are dated by the run's as_of, not the clock)."""
    again = tmp_path / "again"
    shutil.copytree(run_out, again)
    pipeline.deliverables_step(again, "en", run_name=run_out.name)
    for name in ("report.html", "notebook.ipynb", "deck.pptx"):
        assert (again / name).read_bytes() == (run_out / name).read_bytes(), name
    as_of = json.loads((run_out / "run.json").read_text())["segmentation"]["as_of"][:10]
    with zipfile.ZipFile(run_out / "deck.pptx") as deck:
        core = deck.read("docProps/core.xml").decode()
        assert f'<dcterms:created xsi:type="dcterms:W3CDTF">{as_of}T' in core
        assert {m.date_time for m in deck.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    pdf = (run_out / "report.pdf").read_bytes()
    assert (again / "report.pdf").read_bytes() == pdf
    assert f"/CreationDate (D:{as_of.replace('-', '')}".encode() in pdf_objects(pdf)


def pdf_objects(pdf: bytes) -> bytes:
    """A PDF's bytes with its compressed streams (object streams included) inflated."""
    inflated = [pdf]
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, flags=re.S):
        try:
            inflated.append(zlib.decompress(stream))
        except zlib.error:
            continue
    return b"\n".join(inflated)


def test_report_is_offline_complete_and_renders_in_chromium(run_out):
    page_html = (run_out / "report.html").read_text()
    assert "http://" not in page_html and "https://" not in page_html
    positions = [
        page_html.index(f"<h2>{html.escape(TEXT['en'][key])}</h2>") for key in SECTION_KEYS
    ]
    assert positions == sorted(positions)  # executive summary first, appendix last
    run = json.loads((run_out / "run.json").read_text())
    summary = page_html[positions[0] : positions[1]]
    findings = json.loads((run_out / "findings.json").read_text())["findings"]
    assert findings and all(html.escape(keyed("en", f)) in summary for f in findings)
    for s in run["segmentation"]["segments"]:
        assert html.escape(s["name"]) in summary and f"{s['share_customers']:.1%}" in summary
    assert f"{run['stability']['cadence_weeks']:g} weeks" in summary
    pdf = run_out / "report.pdf"  # printed by WeasyPrint: no browser needed
    assert run["deliverables"]["report_pdf"] == "report.pdf" and pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 100_000  # the charts are in it
    require_chromium()
    viewport = {"width": 1200, "height": 900}
    with browser_page(viewport, ("file:", "data:", "blob:")) as (page, errors, requests):
        page.goto((run_out / "report.html").as_uri())
        assert page.locator("img").count() >= 6
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert not errors and not requests, (errors, requests)


def test_deck_is_designed_and_its_numbers_equal_run_json(run_out):
    run = json.loads((run_out / "run.json").read_text())
    path = run_out / "deck.pptx"
    deck = Presentation(str(path))
    slides, main = list(deck.slides), main_slides(deck)
    assert 10 <= len(main) <= 15 and len(slides) - len(main) >= 4  # main part + appendix
    assert all(s.has_notes_slide and s.notes_slide.notes_text_frame.text.strip() for s in slides)
    for number, slide in enumerate(slides[1:], start=2):  # every content slide: chart or table
        assert any(sh.has_chart or sh.has_table for sh in slide.shapes), number
        assert str(number) in [sh.text_frame.text for sh in slide.shapes if sh.has_text_frame]
    assert overflowing(path) == []
    titles = [slide_title(s) for s in slides]
    for segment in run["segmentation"]["segments"]:
        slide = next(  # one persona a slide up to four segments, two a slide beyond
            s
            for s, t in zip(slides, titles, strict=True)
            if t.startswith(f"{segment['name']}:") or segment["name"] in t.split(" / ")
        )
        body = slide_text(slide)
        assert f"{segment['share_customers']:.1%}" in body
        assert f"{segment['share_revenue']:.1%}" in body
        assert segment["action"] in body
        value = next(
            v for v in run["value"]["segments"] if v["segment_id"] == segment["segment_id"]
        )
        assert f"{value['expected_value_12m']:,.0f}" in body
        audience = next(
            a for a in run["audiences"]["audiences"] if a["segment_id"] == segment["segment_id"]
        )
        assert f"{audience['customers']:,}" in body
    auc = json.loads((run_out / "validation" / "validation.json").read_text())["summary"][
        "median_auc"
    ]
    assert any(f"AUC {auc['chosen']}" in t and str(auc["rfm"]) in t for t in titles)
    assert any(f"{run['stability']['cadence_weeks']:g} weeks" in t for t in titles)
    charts = [sh.chart for s in slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= 6  # lateness, trend, segments, validation, stability, value check
    overview = next(
        sh.chart
        for s in slides
        for sh in s.shapes
        if sh.has_chart
        and sh.chart.chart_type == XL_CHART_TYPE.BAR_CLUSTERED
        and any(x.name == TEXT["en"]["p_customers"] for x in sh.chart.plots[0].series)
    )
    shares = next(x for x in overview.plots[0].series if x.name == TEXT["en"]["p_customers"])
    expected = sorted(round(s["share_customers"], 4) for s in run["segmentation"]["segments"])
    assert list(shares.values) == pytest.approx(expected)  # bottom up: the largest on top


def test_deck_renders_with_libreoffice(run_out, tmp_path):
    """Rendered as a user sees it: LibreOffice prints every slide, each PNG has content."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        missing_prerequisite("LibreOffice is not installed (apt-get install libreoffice-impress)")
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        missing_prerequisite("pdftoppm is not installed (apt-get install poppler-utils)")
    done = subprocess.run(
        [
            soffice,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(run_out / "deck.pptx"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and (tmp_path / "deck.pdf").is_file(), done.stderr
    folder = ARTIFACTS / "deck"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    subprocess.run(
        [pdftoppm, "-r", "40", "-png", str(tmp_path / "deck.pdf"), str(folder / "slide")],
        check=True,
        timeout=300,
    )
    pages = sorted(folder.glob("slide-*.png"))
    assert len(pages) == len(Presentation(str(run_out / "deck.pptx")).slides)
    for page in pages:
        image = np.asarray(Image.open(page).convert("RGB"))
        assert len(np.unique(image.reshape(-1, 3), axis=0)) > 20, page.name


def test_notebook_executed_without_errors(run_out):
    notebook = nbformat.read(str(run_out / "notebook.ipynb"), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) >= 15 and all(c.get("execution_count") for c in code)
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    markdown = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "look-ahead" in markdown and "cadence" in markdown


def test_every_deck_chart_reads_right(run_out):
    """Axis titles on every chart; rates, AUC and ARI on 0-1; unordered bars sorted, largest
    first; a threshold is a dashed line without markers."""
    deck = Presentation(str(run_out / "deck.pptx"))
    charts = [sh.chart for s in deck.slides for sh in s.shapes if sh.has_chart]
    assert len(charts) >= 6
    for chart in charts:
        for axis in (chart.category_axis, chart.value_axis):
            assert axis.has_title and axis.axis_title.text_frame.text.strip()
        title = chart.value_axis.axis_title.text_frame.text
        rate = chart.value_axis.tick_labels.number_format == "0%" and "lift" not in title
        if rate or "ARI" in title or "AUC" in title:
            assert chart.value_axis.maximum_scale is not None
            assert chart.value_axis.maximum_scale <= 1
        if chart.chart_type in (XL_CHART_TYPE.BAR_CLUSTERED,):  # unordered categories
            # fed bottom up (the legend then reads as the bars): the top bar is the last
            values = list(chart.plots[0].series[-1].values)[::-1]
            assert values == sorted(values, reverse=True), title
    ari = next(c for c in charts if "ARI" in c.value_axis.axis_title.text_frame.text)
    threshold = ari.plots[0].series[-1]
    assert threshold.marker.style == XL_MARKER_STYLE.NONE


def test_french_report_and_deck(run_out, tmp_path):
    numbers = run_numbers(run_out)
    page_html = build_report(numbers, "fr")
    for key in SECTION_KEYS:
        assert f"<h2>{html.escape(text('fr', key))}</h2>" in page_html
    headings = {html.unescape(h) for h in re.findall(r"<h[1-3]>(.*?)</h[1-3]>", page_html)}
    english = {v for k, v in TEXT["en"].items() if k in SECTION_KEYS or k in ("title", "rule")}
    assert not headings & english
    for segment in numbers["profiles"]["segments"]:
        assert html.escape(segment_name(segment, "fr")) in page_html
    deck = Presentation(str(build_deck(numbers, tmp_path / "deck_fr.pptx", "fr")))
    titles = [slide_title(s) for s in deck.slides]
    assert text("fr", "d_appendix") in titles and TEXT["en"]["d_appendix"] not in titles
    assert any(t.startswith(segment_name(numbers["profiles"]["segments"][0], "fr")) for t in titles)
    assert overflowing(tmp_path / "deck_fr.pptx") == []


def test_a_failed_step_keeps_the_previous_outputs_and_no_partial_folder(
    run_out, tmp_path, monkeypatch
):
    out = tmp_path / "out"
    shutil.copytree(run_out, out)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*args: object) -> dict:
        raise RuntimeError("the KPI printer is on fire")

    monkeypatch.setattr(pipeline, "kpi_step", broken)
    args = [
        "run",
        "--out",
        str(out),
        "--customers",
        "300",
        "--seed",
        "11",
        "--stability-seeds",
        "1",
    ]
    result = CliRunner().invoke(cli_module.app, [*args, "--keep-partial"])
    assert result.exit_code != 0
    assert (tmp_path / "out.partial").is_dir()  # --keep-partial: kept for inspection
    result = CliRunner().invoke(cli_module.app, args)
    assert result.exit_code != 0
    assert not (tmp_path / "out.partial").exists()  # by default a failed run leaves none
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before  # the previous outputs, byte for byte


def _dashboard(run_out, monkeypatch):
    """The Streamlit app under AppTest on the run's warehouse (its run folder found beside it)."""
    from importlib import resources

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OLISTSEG_WAREHOUSE", str(run_out / "warehouse" / "olist.duckdb"))
    monkeypatch.delenv("OLISTSEG_RUN", raising=False)
    monkeypatch.setattr("sys.argv", ["app.py"])
    return AppTest.from_file(
        str(resources.files("olistseg.dashboard").joinpath("app.py")), default_timeout=120
    ).run()


def test_dashboard_segments_page(run_out, monkeypatch):
    app = _dashboard(run_out, monkeypatch)
    app.radio(key="page").set_value("Segments").run()
    assert not app.exception
    run = json.loads((run_out / "run.json").read_text())
    shown = app.dataframe[0].value
    assert list(shown["segment"]) == [s["name"] for s in run["segmentation"]["segments"]]
    assert list(shown["customers"]) == pytest.approx(
        [s["share_customers"] for s in run["segmentation"]["segments"]]
    )
    cadence = {m.label: m.value for m in app.metric}["Retrain every (weeks)"]
    assert float(cadence) == run["stability"]["cadence_weeks"]
    audiences = json.loads((run_out / "audiences" / "audiences.json").read_text())
    listed = next(d.value for d in app.dataframe if "promotional" in d.value.columns)
    assert list(listed["customers"])[:-1] == [a["customers"] for a in audiences["audiences"]]
    assert list(listed["customers"])[-1] == audiences["suppressed"]["customers"]
    assert app.selectbox(key="audience_download").options[0] == audiences["audiences"][0]["file"]
    segments = pd.read_csv(run_out / "segments" / "segments.csv")
    customer = segments["customer_unique_id"].iloc[0]
    app.text_input(key="customer").set_value(customer).run()
    assert not app.exception
    found = app.dataframe[-1].value
    assert list(found["customer_unique_id"]) == [customer]
    assert found["segment_name"].iloc[0] == segments["segment_name"].iloc[0]
    app.text_input(key="customer").set_value("no-such-customer").run()
    assert any("No such customer" in w.value for w in app.warning)


def test_dashboard_campaigns_page(run_out, monkeypatch):
    app = _dashboard(run_out, monkeypatch)
    app.radio(key="page").set_value("Campaigns").run()
    assert not app.exception
    plan = json.loads((run_out / "campaigns" / "plan.json").read_text())
    shown = app.dataframe[0].value
    assert len(shown) == len(plan["campaigns"])
    assert list(shown["Audience"]) == [f"{c['audience']:,}" for c in plan["campaigns"]]
    files = app.selectbox(key="campaign_file").options
    assert files == [c["file"] for c in plan["campaigns"]]
    listed = pd.read_csv(run_out / "campaigns" / files[0])
    assert set(listed["group"]) == {"treatment", "holdout"}


def test_report_shows_every_candidate_with_each_criterion_and_why(run_out):
    page = html.unescape((run_out / "report.html").read_text())
    selection = json.loads((run_out / "segments" / "selection.json").read_text())
    assert f"Why not the highest silhouette: {selection['why_not_highest_silhouette']}." in page
    oot = selection["out_of_time"]
    if oot is not None:
        # the bar is non-inferiority, stated with the origins and RFM's own median AUC
        assert "not below the RFM scoring beyond sampling noise" in page
        assert f"{len(oot['windows'])} origins; RFM's median AUC {oot['rfm_median_auc']})." in page
    table = page[page.index("<th>4-8 segments</th>") :]
    rows = table[: table.index("</table>")].count("<tr>")
    assert rows == len(selection["candidates"])  # one row per candidate after the header
