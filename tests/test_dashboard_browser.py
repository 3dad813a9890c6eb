"""End to end: the dashboard served on localhost, driven in headless Chromium by Playwright.

Needs Debian's chromium at /usr/bin/chromium (`.ci/run` installs it). Outside CI the test is
skipped, with that reason, where it is missing; in CI a missing browser fails the test.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import missing_prerequisite

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_chromium() -> None:
    """Skip (with the reason) without Debian's chromium; in CI its absence is a failure."""
    if not Path(CHROMIUM).exists():
        missing_prerequisite("Debian's chromium is not installed (apt-get install chromium)")


@contextlib.contextmanager
def browser_page(viewport: dict, allowed: tuple[str, ...]) -> Iterator[tuple]:
    """A headless Chromium page: yields ``(page, console_errors, outside_requests)``.

    ``outside_requests`` collects every URL that starts with none of the ``allowed`` prefixes.
    """
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    console_errors: list[str] = []
    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport=viewport)
        page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
        page.on(
            "request", lambda r: outside.append(r.url) if not r.url.startswith(allowed) else None
        )
        try:
            yield page, console_errors, outside
        finally:
            browser.close()


@pytest.fixture
def served(synthetic_warehouse: Path):
    require_chromium()
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "olistseg",
            "dashboard",
            "--warehouse",
            str(synthetic_warehouse),
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                break
        except OSError:
            time.sleep(0.3)
    else:
        server.kill()
        pytest.fail(f"the dashboard did not start: {server.stdout.read() if server.stdout else ''}")
    yield url
    server.terminate()
    server.wait(timeout=20)


def test_filter_changes_a_tile_in_the_browser(served: str):
    from playwright.sync_api import expect

    viewport = {"width": 1400, "height": 1000}
    with browser_page(viewport, (served, "data:", "blob:")) as (page, console_errors, external):
        started = time.monotonic()
        page.goto(served)
        # The Orders tile by its exact label: during a rerun the tiles' order on the page can
        # briefly differ, so "the first metric" is not a stable handle.
        first_tile = (
            page.locator('[data-testid="stMetric"]')
            .filter(has=page.get_by_text("Orders", exact=True))
            .locator('[data-testid="stMetricValue"]')
        )
        expect(first_tile).to_be_visible(timeout=60_000)
        first_render_s = time.monotonic() - started
        before = first_tile.inner_text()

        state = page.locator('[data-testid="stSelectbox"]').filter(has_text="Customer state")
        state.click()
        page.keyboard.type("RJ")
        page.keyboard.press("Enter")
        expect(first_tile).not_to_have_text(before, timeout=60_000)
        after = first_tile.inner_text()
        page.wait_for_timeout(500)
        page.screenshot(path=str(ARTIFACTS / "dashboard_filtered.png"), full_page=True)
        assert page.locator('[data-testid="stException"]').count() == 0
    assert after != before
    assert int(after.replace(",", "")) < int(before.replace(",", ""))
    assert not external, f"the page fetched from outside localhost: {external[:5]}"
    assert not [e for e in console_errors if "favicon" not in e], console_errors
    assert first_render_s < 60
