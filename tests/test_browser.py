"""A reader in a real browser: headless Chromium (Debian's, driven by Playwright) searches the
reading room served by `datasette serve` over a crawled archive, opens an article and reads it.

`make test` installs Debian's chromium when it is missing and it can (as root with apt-get);
elsewhere this test is skipped and says why. Playwright never downloads a browser here.
"""

from __future__ import annotations

import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, CrawlRun

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
# Without the background-networking flags Chromium's own connections are refused in a closed
# network, and launching stalls on them.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BAKERY_TITLE = "Mill Street bakery wins gold at international bread competition"
SCRIPT_TITLE = "School district website defaced by a prank script"
SERVER_START_SECONDS = 30

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH: install Debian's chromium package (make test does, as root)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def reading_room(crawled: CrawlRun, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`datasette serve` on a copy of the crawled archive, as `make browse` runs it."""
    assert crawled.returncode == 0, crawled.log[-3000:]
    archive = tmp_path_factory.mktemp("browser") / "archive.db"
    source, target = sqlite3.connect(crawled.db_path), sqlite3.connect(archive)
    source.backup(target)
    source.close()
    target.close()
    port = free_port()
    command = [sys.executable, "-m", "datasette", "serve", str(archive)]
    command += ["--metadata", str(REPO / "data" / "metadata.yml"), "--port", str(port)]
    log_path = archive.with_suffix(".log")
    log = log_path.open("w")
    server = subprocess.Popen(command, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_SECONDS
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=2):
                    break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None or time.monotonic() > deadline:
                    server.kill()
                    server.wait(timeout=10)
                    pytest.fail(f"datasette serve did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_a_reader_searches_opens_an_article_and_reads_it(reading_room: str, tmp_path: Path) -> None:
    playwright_api = pytest.importorskip("playwright.sync_api")
    dialogs: list[str] = []
    with (
        playwright_api.sync_playwright() as playwright,
        tempfile.TemporaryDirectory() as profile,
    ):
        browser = playwright.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            args=CHROMIUM_FLAGS,
            headless=True,
            viewport={"width": 1100, "height": 900},
        )
        try:
            page = browser.new_page()
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{reading_room}/")
            page.get_by_label("Search the archive").fill("caraway")
            page.get_by_role("button", name="Search").click()
            page.wait_for_url("**/archive/search?q=caraway*")
            assert page.locator("mark").first.inner_text().lower() == "caraway"
            page.get_by_role("link", name=BAKERY_TITLE).click()
            page.wait_for_selector("article.morgue-article")
            assert page.locator("h1").inner_text() == BAKERY_TITLE
            body = page.locator(".article-body").inner_text()
            assert "caraway" in body
            assert page.locator(".article-body p").count() >= 3
            page.screenshot(path=str(tmp_path / "article.png"), full_page=True)

            page.goto(f"{reading_room}/archive/search?q=textbook&site=")
            page.get_by_role("link", name=SCRIPT_TITLE).click()
            page.wait_for_selector("article.morgue-article")
            assert "<script>alert(1)</script>" in page.locator(".article-body").inner_text()
            page.screenshot(path=str(tmp_path / "script-as-text.png"), full_page=True)
        finally:
            browser.close()
    assert dialogs == []
    assert (tmp_path / "article.png").stat().st_size > 10_000
