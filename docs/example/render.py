"""Refresh ``docs/example/`` from a run on the real tables (aggregates only).

    olistseg run --data ../shared/data/olist --out /tmp/real_run
    python docs/example/render.py /tmp/real_run

Copies the report (HTML and PDF) and the deck, builds their French versions from the same
run's numbers, copies the executed notebook to ``notebooks/olistseg.ipynb``, and takes the
screenshots the README links: deck slides rendered by LibreOffice (every main slide, English
and French, in ``slides/``), the report and the
dashboard in headless Chromium. Needs ``soffice``, ``pdftoppm`` and ``chromium``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from olistseg.deliverables.collect import run_numbers
from olistseg.deliverables.deck import build_deck
from olistseg.deliverables.pdf import chromium, print_pdf, sandbox_flags
from olistseg.deliverables.report import build_report
from olistseg.i18n import text

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
#: The deck slides shown in the README, found by their place or title (a deck's length depends
#: on the number of segments): the answer, the campaign plan, a KPI, the segments, a persona,
#: the proof, how we will know, the cadence and contract.
SLIDES = {
    "deck_answer": lambda n, title: n == 2,
    "deck_plan": lambda n, title: title.startswith("What to do this quarter"),
    "deck_kpi": lambda n, title: "stars" in title,
    "deck_segments": lambda n, title: "the largest" in title,
    "deck_persona": lambda n, title: n == 7,
    "deck_validation": lambda n, title: "AUC" in title,
    "deck_know": lambda n, title: title.startswith("How we will know"),
    "deck_cadence": lambda n, title: title.startswith("Retrain"),
}


def _titles(deck: Path) -> list[str]:
    from pptx import Presentation

    titles = []
    for slide in Presentation(str(deck)).slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and s.text_frame.text]
        titles.append(texts[0] if texts else "")
    return titles


def _pdf_of(deck: Path, folder: str) -> Path:
    subprocess.run(
        [
            "soffice",
            "--headless",
            f"-env:UserInstallation=file://{folder}/lo",
            "--convert-to",
            "pdf",
            "--outdir",
            folder,
            str(deck),
        ],
        check=True,
        capture_output=True,
    )
    return Path(folder) / f"{deck.stem}.pdf"


def _png(pdf: Path, number: int, target: Path, dpi: int = 72) -> None:
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(dpi),
            "-png",
            "-singlefile",
            "-f",
            str(number),
            "-l",
            str(number),
            str(pdf),
            str(target),
        ],
        check=True,
    )


def slides(deck: Path) -> None:
    """The README's slides, by title."""
    titles = _titles(deck)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = _pdf_of(deck, tmp)
        for name, wanted in SLIDES.items():
            number = next(n for n, t in enumerate(titles, start=1) if wanted(n, t))
            _png(pdf, number, HERE / name)


def main_story(deck: Path, lang: str, appendix: str) -> None:
    """Every main slide of the deck as ``slides/LANG-NN.png`` (what a reviewer looks at)."""
    titles = _titles(deck)
    folder = HERE / "slides"
    folder.mkdir(exist_ok=True)
    for old in folder.glob(f"{lang}-*.png"):
        old.unlink()
    with tempfile.TemporaryDirectory() as tmp:
        pdf = _pdf_of(deck, tmp)
        for number in range(1, titles.index(appendix) + 1):
            _png(pdf, number, folder / f"{lang}-{number:02d}", dpi=60)


def screenshots(run: Path) -> None:
    from playwright.sync_api import sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "olistseg",
            "dashboard",
            "--warehouse",
            str(run / "warehouse" / "olist.duckdb"),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium(), args=sandbox_flags())
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto((HERE / "report.html").as_uri())
            page.screenshot(path=str(HERE / "report.png"))
            for _ in range(60):
                try:
                    page.goto(f"http://127.0.0.1:{port}", timeout=5_000)
                    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
                    break
                except Exception:
                    time.sleep(1)
            time.sleep(3)
            page.screenshot(path=str(HERE / "dashboard.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


def main(run: Path) -> None:
    numbers = run_numbers(run)
    shutil.copyfile(run / "report.html", HERE / "report.html")
    shutil.copyfile(run / "report.pdf", HERE / "report.pdf")
    shutil.copyfile(run / "deck.pptx", HERE / "deck.pptx")
    # what tests/test_consistency.py checks the shipped deliverables against: the run's facts,
    # its findings and its maintenance contract (aggregates only)
    facts = {name: fact["value"] for name, fact in numbers["run"]["facts"].items()}
    (HERE / "facts.json").write_text(json.dumps(facts, indent=2) + "\n", encoding="utf-8")
    shutil.copyfile(run / "findings.json", HERE / "findings.json")
    shutil.copyfile(run / "stability" / "maintenance.md", HERE / "maintenance.md")
    (HERE / "report_fr.html").write_text(build_report(numbers, "fr"), encoding="utf-8")
    as_of = dt.datetime.fromisoformat(numbers["run"]["segmentation"]["as_of"])
    build_deck(numbers, HERE / "deck_fr.pptx", "fr")
    shutil.copyfile(run / "notebook.ipynb", REPO / "notebooks" / "olistseg.ipynb")
    for chart in (
        "segments/charts/segment_sizes.png",
        "stability/charts/ari_curve.png",
        "value/charts/calibration.png",
        "validation/charts/validation.png",
    ):
        shutil.copyfile(run / chart, HERE / Path(chart).name)
    print_pdf(HERE / "report_fr.html", HERE / "report_fr.pdf", dated=as_of)
    slides(HERE / "deck.pptx")
    main_story(HERE / "deck.pptx", "en", text("en", "d_appendix"))
    main_story(HERE / "deck_fr.pptx", "fr", text("fr", "d_appendix"))
    screenshots(run)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
