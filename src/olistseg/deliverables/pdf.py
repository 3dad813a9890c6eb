"""``report.pdf``: the report printed by headless Chromium (no network, no Python dependency).

Chromium is found as ``$OLISTSEG_CHROMIUM``, ``chromium`` or ``chromium-browser`` on the PATH.
Without one the PDF is skipped with a warning that says how to get it: the HTML report is the
deliverable, the PDF a print of it.
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
    """Print ``html_file`` to ``pdf_file`` (A4, backgrounds, no header or footer); returns the
    path, or None (with an :class:`OlistsegWarning`) when Chromium is missing or fails.

    ``dated`` (the run's as_of) becomes the PDF's creation and modification date, which
    Chromium sets to the wall-clock time: the same report then prints to the same bytes."""
    browser = chromium()
    if browser is None:
        warnings.warn(
            "report.pdf skipped: no Chromium found (apt-get install chromium, or set "
            "OLISTSEG_CHROMIUM); report.html has the same content.",
            OlistsegWarning,
            stacklevel=2,
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
                f"report.pdf skipped: Chromium failed ({error}).", OlistsegWarning, stacklevel=2
            )
            return None
        with atomic_path(pdf_file) as tmp:
            tmp.write_bytes(_dated(printed.read_bytes(), dated))
    return pdf_file


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
