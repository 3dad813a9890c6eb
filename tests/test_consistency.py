"""One number per fact: every place a deliverable states a fact of the run, it states the value
of ``run.json``'s ``facts`` (to the printed rounding): ``findings.json``, ``report.html``,
``deck.pptx`` (slide text, tables, chart titles, notes), the executed notebook and
``maintenance.md``. Checked on the shared synthetic run and on the real tables' example run."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from pptx import Presentation

from olistseg.i18n import keyed


def deck_text(path: Path) -> str:
    """Every word of a deck: text frames, table cells, chart titles and speaker notes."""
    parts = []
    for slide in Presentation(str(path)).slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts.extend(cell.text for row in shape.table.rows for cell in row.cells)
            if shape.has_chart and shape.chart.has_title:
                parts.append(shape.chart.chart_title.text_frame.text)
        if slide.has_notes_slide:
            parts.append(slide.notes_slide.notes_text_frame.text)
    return "\n".join(parts)


def notebook_text(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    parts = []
    for cell in cells:
        for output in cell.get("outputs", []):
            text = output.get("text") or output.get("data", {}).get("text/plain", "")
            parts.append("".join(text) if isinstance(text, list) else text)
    return "\n".join(parts)


def report_text(path: Path) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")))


#: Where each deliverable of a run folder is.
RUN_FILES = {
    "findings.json": "findings.json",
    "report.html": "report.html",
    "deck.pptx": "deck.pptx",
    "notebook.ipynb": "notebook.ipynb",
    "maintenance.md": "stability/maintenance.md",
}
#: The run on the real tables whose deliverables the project ships (docs/example/render.py).
EXAMPLE = Path(__file__).resolve().parents[1] / "docs" / "example"
EXAMPLE_FILES = {
    "findings.json": EXAMPLE / "findings.json",
    "report.html": EXAMPLE / "report.html",
    "deck.pptx": EXAMPLE / "deck.pptx",
    "notebook.ipynb": EXAMPLE.parents[1] / "notebooks" / "olistseg.ipynb",
    "maintenance.md": EXAMPLE / "maintenance.md",
}


def deliverable_texts(files: dict[str, Path]) -> dict[str, str]:
    findings = json.loads(files["findings.json"].read_text())["findings"]
    return {
        "findings.json": "\n".join(keyed("en", f) for f in findings),
        "report.html": report_text(files["report.html"]),
        "deck.pptx": deck_text(files["deck.pptx"]),
        "notebook.ipynb": notebook_text(files["notebook.ipynb"]),
        "maintenance.md": files["maintenance.md"].read_text(encoding="utf-8"),
    }


def _flat(text: str) -> str:
    return " ".join(text.split())


def run_facts(out: Path) -> dict:
    """The facts of the run in ``out`` (``run.json``'s ``facts``), name -> value."""
    return {k: v["value"] for k, v in json.loads((out / "run.json").read_text())["facts"].items()}


def check_run(out: Path) -> dict[str, int]:
    """:func:`check_consistency` on the run folder ``out``."""
    return check_consistency(run_facts(out), {k: out / v for k, v in RUN_FILES.items()})


def check_consistency(facts: dict, files: dict[str, Path]) -> dict[str, int]:
    """Assert that every statement of a fact in the deliverables ``files`` has the fact's value
    in ``facts``; returns how many statements of each fact were checked."""
    texts = {name: _flat(text) for name, text in deliverable_texts(files).items()}
    seen: dict[str, int] = {}

    def expect(fact: str, pattern: str, wanted: tuple[str, ...]) -> None:
        for name, text in texts.items():
            for match in re.finditer(pattern, text):
                assert match.groups() == wanted, (fact, name, match.group(0), wanted)
                seen[fact] = seen.get(fact, 0) + 1

    currency = facts["currency"]
    assert currency == "BRL"
    for name, text in texts.items():
        assert "EUR" not in text and "€" not in text, f"{name} states an amount in another currency"
    if facts["retrain_every"] is not None:
        weeks = f"{facts['retrain_every'] // 7}"
        expect("retrain_every", r"every \**(\d+(?:\.\d+)?) weeks", (weeks,))
        expect("retrain_every", r"weeks\** \((\d+) days\)", (f"{facts['retrain_every']}",))
        expect("retrains_per_year", r"(\d+) retrains", (f"{facts['retrains_per_year']}",))
        assert "every 2 months" not in " ".join(texts.values())
    if facts["yearly_cost"] is not None:
        expect("yearly_cost", rf"([\d,]+) {currency} a year", (f"{facts['yearly_cost']:,.0f}",))
        expect(
            "yearly_cost",
            rf"Yearly cost(?: of the contract)?: ([\d,]+) {currency}",
            (f"{facts['yearly_cost']:,.0f}",),
        )
    expect(
        "repeat_order_share",
        r"([\d.]+)% of ([\d,]+) customers placed two or more orders",
        (f"{100 * facts['repeat_order_share']:.1f}", f"{facts['kpi_customers']:,}"),
    )
    expect(
        "repeat_occasion_share",
        r"([\d.]+)% of the ([\d,]+) with a delivered order came back on another day",
        (f"{100 * facts['repeat_occasion_share']:.1f}", f"{facts['customers']:,}"),
    )
    expect(
        "repeat_occasion_customers",
        r"([\d,]+) of (?:the )?([\d,]+) customers with a delivered order came back",
        (f"{facts['repeat_occasion_customers']:,}", f"{facts['customers']:,}"),
    )
    expect("segments", r"(\d+) segments with one campaign each", (f"{facts['segments']}",))
    expect("segments", r"(\d+) segments, each with its own campaign", (f"{facts['segments']}",))
    expect(
        "largest_segment_share",
        r"holds ([\d.]+)% of customers",
        (f"{100 * facts['largest_segment_share']:.1f}",),
    )
    if facts["segments_auc"] is not None:
        expect(
            "segments_auc",
            r"AUC (0\.\d+) against (0\.\d+)",
            (f"{facts['segments_auc']}", f"{facts['rfm_auc']}"),
        )
    if facts["forecast_error"] is not None:
        expect(
            "forecast_error",
            r"errs by (0\.\d+) occasions? per customer",
            (f"{facts['forecast_error']:.4f}",),
        )
    return seen


def test_every_deliverable_states_each_fact_alike(run_out):
    seen = check_run(run_out)
    # each fact is checked where it appears, and it appears in more than one deliverable
    assert {"repeat_order_share", "segments", "largest_segment_share"} <= set(seen)
    assert seen["segments"] >= 2


def test_every_deliverable_states_each_fact_alike_on_the_real_run():
    """The run on the real tables the project ships (docs/example, refreshed from a whole run
    by docs/example/render.py; benchmarks/bench_run.py checks a fresh real run the same way):
    every deliverable states each fact alike."""
    facts = json.loads((EXAMPLE / "facts.json").read_text())
    assert facts["analysis_date"] == "2018-08-31 23:59:59"
    seen = check_consistency(facts, EXAMPLE_FILES)
    for fact in (
        "retrain_every",
        "retrains_per_year",
        "yearly_cost",
        "repeat_order_share",
        "repeat_occasion_share",
        "segments",
        "largest_segment_share",
        "segments_auc",
        "forecast_error",
    ):
        assert seen.get(fact, 0) >= 2, (fact, seen)


def test_a_deliverable_that_disagrees_is_caught(run_out, tmp_path):
    import shutil

    copy = tmp_path / "out"
    shutil.copytree(run_out, copy)
    md = copy / "stability" / "maintenance.md"
    facts = run_facts(copy)
    assert facts["yearly_cost"] is not None  # the shared run sets a cadence and prices it
    text = md.read_text()
    wrong = f"{facts['yearly_cost'] + 1000:,.0f}"
    md.write_text(re.sub(r"Yearly cost: [\d,]+", f"Yearly cost: {wrong}", text))
    with pytest.raises(AssertionError, match="yearly_cost"):
        check_run(copy)
