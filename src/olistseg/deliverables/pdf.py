"""``report.pdf``: the HTML report printed to A4.

Two printers, chosen by ``$OLISTSEG_PDF`` (``weasyprint``, the default, or ``chromium``):

- **WeasyPrint** (a pip dependency; it draws text with the system's Pango library, which
  Debian's and most Linux images ship): a fresh machine prints the report with nothing but
  ``pip install``. It follows the report's print CSS (headings kept with what follows, table
  headers repeated on each page) and writes no creation date, so the same report prints to the
  same bytes.
- **Chromium** headless (``$OLISTSEG_CHROMIUM``, ``chromium`` or ``chromium-browser`` on the
  PATH): kept for who prefers its rendering. Its sandbox stays on except as root.

When the chosen printer is missing or fails, the PDF is skipped with a warning that says how to
get it: the HTML report is the deliverable, the PDF a print of it.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
import warnings
from pathlib import Path

from olistseg.atomic import atomic_path
from olistseg.errors import OlistsegWarning

#: The printers ``$OLISTSEG_PDF`` may name; the first is the default.
PRINTERS = ("weasyprint", "chromium")


def printer() -> str:
    """The printer ``$OLISTSEG_PDF`` names (default ``weasyprint``); an unknown name is an error."""
    named = os.environ.get("OLISTSEG_PDF", PRINTERS[0]).strip().lower() or PRINTERS[0]
    if named not in PRINTERS:
        raise ValueError(f"OLISTSEG_PDF={named!r}: use one of {', '.join(PRINTERS)}")
    return named


def chromium() -> str | None:
    """The Chromium executable, or None."""
    named = os.environ.get("OLISTSEG_CHROMIUM")
    if named:
        return named
    return shutil.which("chromium") or shutil.which("chromium-browser")


def sandbox_flags() -> list[str]:
    """Chromium's sandbox stays on, except for root, where Chromium refuses to start with it
    (containers, CI): ``["--no-sandbox"]`` only when the effective user is root."""
    return ["--no-sandbox"] if os.geteuid() == 0 else []


def print_pdf(
    html_file: Path, pdf_file: Path, dated: dt.datetime | None = None, timeout_s: int = 120
) -> Path | None:
    """Print ``html_file`` to ``pdf_file`` (A4) with :func:`printer`; returns the path, or None
    (with an :class:`OlistsegWarning`) when the printer is missing or fails.

    ``dated`` (the run's as_of) becomes the PDF's creation and modification date where the
    printer writes one (Chromium sets the wall-clock time): the same report, the same bytes."""
    printed = (
        _weasyprint(html_file) if printer() == "weasyprint" else _chromium(html_file, timeout_s)
    )
    if printed is None:
        return None
    with atomic_path(pdf_file) as tmp:
        tmp.write_bytes(_dated(printed, dated))
    return pdf_file


def _weasyprint(html_file: Path) -> bytes | None:
    try:
        import weasyprint  # imported here: it loads Pango, which only printing needs
    except (ImportError, OSError) as exc:  # OSError: the Pango system library is missing
        warnings.warn(
            f"report.pdf skipped: WeasyPrint cannot start ({str(exc).splitlines()[0]}); install "
            "it with pip and the Pango library (apt-get install libpango-1.0-0 libpangoft2-1.0-0), "
            "or set OLISTSEG_PDF=chromium. report.html has the same content.",
            OlistsegWarning,
            stacklevel=3,
        )
        return None
    import logging

    # WeasyPrint logs every CSS property it does not support (e.g. screen-only rules); the
    # report's print rules are the ones it supports, so its warnings are noise here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        return weasyprint.HTML(filename=str(html_file)).write_pdf()
    except Exception as exc:  # any failure of the printer is a skipped PDF, never a failed run
        warnings.warn(
            f"report.pdf skipped: WeasyPrint failed ({type(exc).__name__}: {exc}).",
            OlistsegWarning,
            stacklevel=3,
        )
        return None


def _chromium(html_file: Path, timeout_s: int) -> bytes | None:
    browser = chromium()
    if browser is None:
        warnings.warn(
            "report.pdf skipped: OLISTSEG_PDF=chromium but no Chromium found (apt-get install "
            "chromium, or set OLISTSEG_CHROMIUM); report.html has the same content.",
            OlistsegWarning,
            stacklevel=3,
        )
        return None
    with tempfile.TemporaryDirectory() as scratch:
        printed = Path(scratch) / "report.pdf"
        command = [
            browser,
            "--headless",
            *sandbox_flags(),
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={scratch}/profile",
            "--no-pdf-header-footer",
            f"--print-to-pdf={printed}",
            html_file.resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s)
            error = (done.stderr.strip().splitlines() or ["no output"])[-1]
        except (OSError, subprocess.TimeoutExpired) as exc:
            done, error = None, str(exc)
        if done is None or done.returncode != 0 or not printed.is_file():
            warnings.warn(
                f"report.pdf skipped: Chromium failed ({error}).", OlistsegWarning, stacklevel=3
            )
            return None
        return printed.read_bytes()


_PDF_DATE = re.compile(rb"/(CreationDate|ModDate) \(D:\d{14}[^)]*\)")


def _dated(pdf: bytes, dated: dt.datetime | None) -> bytes:
    """The info dictionary's dates set to ``dated``, in place: same length, so the
    cross-reference offsets stay right (a date of another length is left as printed)."""
    if dated is None:
        return pdf

    def stamp(match: re.Match) -> bytes:
        new = b"/%s (D:%s+00'00')" % (match[1], dated.strftime("%Y%m%d%H%M%S").encode())
        return new if len(new) == len(match[0]) else match[0]

    return _PDF_DATE.sub(stamp, pdf)
