"""`olistseg run`: report, deck and notebook from one run, with the same numbers; French output;
a second run is idempotent and a failed step leaves the previous outputs intact."""

from __future__ import annotations

import html
import json
import re
import shutil

import nbformat
import pandas as pd
import pytest
from pptx import Presentation
from typer.testing import CliRunner

from olistseg import cli as cli_module
from olistseg import pipeline
from olistseg.deliverables.collect import run_numbers
from olistseg.deliverables.deck import build_deck
from olistseg.deliverables.report import build_report
from olistseg.i18n import TEXT, segment_name

from .test_dashboard_browser import ARTIFACTS, browser_page, require_chromium

SECTION_KEYS = ("executive_summary", "data_quality", "cx_findings", "method", "choice_of_k",
                "segments_overview", "stability_cadence", "maintenance", "appendix")  # fmt: skip


def test_run_writes_every_deliverable_from_run_json(run_out):
    run = json.loads((run_out / "run.json").read_text())
    for name in ("report.html", "deck.pptx", "notebook.ipynb", "kpi/kpis.json",
                 "segments/segments.csv", "stability/stability.json", "stability/maintenance.md"):  # fmt: skip
        assert (run_out / name).is_file(), name
    assert set(run["step_seconds"]) >= {"load", "kpi", "segment", "stability", "deliverables"}
    assert (
        run["stability"]["cadence_weeks"]
        == json.loads((run_out / "stability" / "stability.json").read_text())["cadence"]["weeks"]
    )
    assert not (run_out.parent / "out.partial").exists()


def test_report_is_offline_complete_and_renders_in_chromium(run_out):
    page_html = (run_out / "report.html").read_text()
    assert "http://" not in page_html and "https://" not in page_html
    for key in SECTION_KEYS:
        assert f"<h2>{html.escape(TEXT['en'][key])}</h2>" in page_html
    run = json.loads((run_out / "run.json").read_text())
    for s in run["segmentation"]["segments"]:
        assert html.escape(s["name"]) in page_html and f"{s['share_customers']:.1%}" in page_html
    require_chromium()
    viewport = {"width": 1200, "height": 900}
    with browser_page(viewport, ("file:", "data:", "blob:")) as (page, errors, requests):
        page.goto((run_out / "report.html").as_uri())
        assert page.locator("img").count() >= 5
        assert page.evaluate("[...document.images].every(i => i.complete && i.naturalWidth > 0)")
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    assert not errors and not requests, (errors, requests)


def test_deck_numbers_equal_run_json(run_out):
    run = json.loads((run_out / "run.json").read_text())
    deck = Presentation(str(run_out / "deck.pptx"))
    slides = list(deck.slides)
    assert 10 <= len(slides) <= 15
    assert all(s.has_notes_slide and s.notes_slide.notes_text_frame.text.strip() for s in slides)
    titles = {s.shapes.title.text: s for s in slides if s.shapes.title is not None}
    for segment in run["segmentation"]["segments"]:
        slide = next(s for t, s in titles.items() if segment["name"] in t.split(" / "))
        body = " ".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        assert f"{segment['share_customers']:.1%}" in body
        assert f"{segment['share_revenue']:.1%}" in body
        assert segment["action"] in body
    charts = [sh.chart for s in slides for sh in s.shapes if sh.has_chart]
    assert len(charts) == 3  # segment sizes, the validation and the stability curve, all native
    sizes = list(charts[0].plots[0].series[0].values)
    expected = [round(s["share_customers"], 4) for s in run["segmentation"]["segments"]]
    assert sizes == pytest.approx(expected)


def test_notebook_executed_without_errors(run_out):
    notebook = nbformat.read(str(run_out / "notebook.ipynb"), as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) >= 15 and all(c.get("execution_count") for c in code)
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    markdown = " ".join(c.source for c in notebook.cells if c.cell_type == "markdown")
    assert "look-ahead" in markdown and "cadence" in markdown


def test_french_report_and_deck(run_out, tmp_path):
    numbers = run_numbers(run_out)
    page_html = build_report(numbers, "fr")
    for key in SECTION_KEYS:
        assert f"<h2>{html.escape(TEXT['fr'][key])}</h2>" in page_html
    headings = {html.unescape(h) for h in re.findall(r"<h[1-3]>(.*?)</h[1-3]>", page_html)}
    english = {v for k, v in TEXT["en"].items() if k in SECTION_KEYS or k in ("title", "rule")}
    assert not headings & english
    for segment in numbers["profiles"]["segments"]:
        assert html.escape(segment_name(segment, "fr")) in page_html
    deck = Presentation(str(build_deck(numbers, tmp_path / "deck_fr.pptx", "fr")))
    titles = [s.shapes.title.text for s in deck.slides if s.shapes.title is not None]
    assert (
        TEXT["fr"]["segments_overview"] in titles and TEXT["en"]["segments_overview"] not in titles
    )


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


def test_dashboard_segments_page(run_out, monkeypatch):
    from importlib import resources

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("OLISTSEG_WAREHOUSE", str(run_out / "warehouse" / "olist.duckdb"))
    monkeypatch.delenv("OLISTSEG_RUN", raising=False)
    monkeypatch.setattr("sys.argv", ["app.py"])
    app = AppTest.from_file(
        str(resources.files("olistseg.dashboard").joinpath("app.py")), default_timeout=120
    ).run()
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
    segments = pd.read_csv(run_out / "segments" / "segments.csv")
    customer = segments["customer_unique_id"].iloc[0]
    app.text_input(key="customer").set_value(customer).run()
    assert not app.exception
    found = app.dataframe[-1].value
    assert list(found["customer_unique_id"]) == [customer]
    assert found["segment_name"].iloc[0] == segments["segment_name"].iloc[0]
    app.text_input(key="customer").set_value("no-such-customer").run()
    assert any("No such customer" in w.value for w in app.warning)
