"""A reader in a real browser: headless Chromium (Debian's, driven by Playwright) searches the
reading room served by `datasette serve` over a crawled archive, opens an article and reads it,
and opens the page as fetched, where none of the stored page's scripts run.

`make test` installs Debian's chromium when it is missing and it can (as root with apt-get);
elsewhere this test is skipped and says why. Playwright never downloads a browser here.
"""

from __future__ import annotations

import os
import re
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
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from datasette.utils import tilde_encode

from archive.schema import open_archive
from archive.writes import archive_article, content_hash, link_capture, record_capture
from captures.writing import CaptureKind, Exchange, WarcFiles
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
BUDGET_TITLE = "City council approves $48 million budget after marathon session"
FESTIVAL_TITLE = "River festival returns with record crowds"
KOREA_TITLE = "The United States condemned relations between Russia and North Korea"
SCRIPT_TITLE = "School district website defaced by a prank script"
SERVER_START_SECONDS = 30
STORED_SCRIPT_TITLE = "A stored page that tries to run its scripts"
STORED_TEXT = "script did not run"
# What the publisher (the local test site) would be asked for if the stored page could load
# anything; the test site answers them with 404s, and keeps the paths it was asked for.
PUBLISHER_PATHS = "/as-fetched/"
# A stored page whose scripts, if one ran, would change its text and title, call the reading
# room and the publisher and open a dialog; and whose markup alone would load from the
# publisher and move to another page.
STORED_SCRIPT_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>The stored title</title>
<meta http-equiv="refresh" content="0; url={base}/as-fetched/refreshed.html">
<link rel="stylesheet" href="{base}/as-fetched/style.css">
<script src="{base}/as-fetched/script.js"></script>
<script>document.title = "script ran in the head";</script>
</head><body>
<h1>A stored page that tries to run its scripts</h1>
<p id="flag">script did not run</p>
<img src="{base}/as-fetched/pixel.png" alt="">
<iframe src="{base}/as-fetched/frame.html"></iframe>
<script>
document.getElementById("flag").textContent = "script ran";
document.title = "script ran";
fetch("/").then(() => {{ document.title = "the reading room answered"; }});
new Image().src = "{base}/as-fetched/beacon.png";
alert("script ran");
</script>
<p>The council met on Tuesday and voted on the budget for the coming year after a long debate.</p>
</body></html>
"""

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH: install Debian's chromium package (make test does, as root)",
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_stored_script_page(archive: Path, publisher: str) -> None:
    """An article whose page as fetched holds STORED_SCRIPT_PAGE, kept as a crawl keeps one."""
    db = open_archive(archive)
    files = WarcFiles(
        archive.parent / "warc",
        archive_folder=archive.parent,
        max_bytes=10**9,
        info={"software": "tests/test_browser.py"},
    )
    url = f"{publisher}/news/2024/07/03/stored-script.html"
    try:
        capture = files.write(
            Exchange(
                url=url,
                method="GET",
                request_headers=[],
                status=200,
                protocol="HTTP/1.1",
                headers=[("Content-Type", "text/html; charset=utf-8")],
                body=STORED_SCRIPT_PAGE.format(base=publisher).encode(),
            ),
            kind=CaptureKind.ARTICLE,
            site="courier",
            fetched_at="2024-07-03T08:00:00Z",
        )
        files.sync()
        record_capture(db, capture, crawl_id=None)
        text = "The council met on Tuesday and voted on the budget for the coming year."
        archive_article(
            db,
            {
                "url": url,
                "site": "courier",
                "title": STORED_SCRIPT_TITLE,
                "text": text,
                "authors": [],
                "fetched_at": capture.fetched_at,
                "word_count": len(text.split()),
                "content_hash": content_hash(STORED_SCRIPT_TITLE, text),
                "capture_id": link_capture(db, capture.record_id, None),
            },
        )
    finally:
        files.close()
        db.close()


@pytest.fixture(scope="module")
def reading_room(
    crawled: CrawlRun,
    local_site: tuple[str, list[str]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """`datasette serve` on a copy of the crawled archive and its WARC files, as `make browse`
    runs it, with one more article: a stored page that tries to run its scripts."""
    assert crawled.returncode == 0, crawled.log[-3000:]
    archive = tmp_path_factory.mktemp("browser") / "archive.db"
    source, target = sqlite3.connect(crawled.db_path), sqlite3.connect(archive)
    source.backup(target)
    source.close()
    target.close()
    shutil.copytree(crawled.db_path.parent / "warc", archive.parent / "warc")
    add_stored_script_page(archive, publisher=local_site[0])
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


@contextmanager
def chromium() -> Iterator[Any]:
    """Headless Chromium with a profile of its own, closed afterwards."""
    playwright_api = pytest.importorskip("playwright.sync_api")
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
            yield browser
        finally:
            browser.close()


def test_a_reader_searches_opens_an_article_and_reads_it(reading_room: str, tmp_path: Path) -> None:
    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{reading_room}/")
        page.get_by_label("Search the archive").fill("caraway")
        page.get_by_role("button", name="Search").click()
        page.wait_for_url("**/archive/-/search?q=caraway*")
        assert page.locator("mark").first.inner_text().lower() == "caraway"
        page.get_by_role("link", name=BAKERY_TITLE).click()
        page.wait_for_selector("article.morgue-article")
        assert page.locator("h1").inner_text() == BAKERY_TITLE
        body = page.locator(".article-body").inner_text()
        assert "caraway" in body
        assert page.locator(".article-body p").count() >= 3
        page.screenshot(path=str(tmp_path / "article.png"), full_page=True)

        page.goto(f"{reading_room}/archive/-/search?q=textbook")
        page.get_by_role("link", name=SCRIPT_TITLE).click()
        page.wait_for_selector("article.morgue-article")
        assert "<script>alert(1)</script>" in page.locator(".article-body").inner_text()
        page.screenshot(path=str(tmp_path / "script-as-text.png"), full_page=True)
    assert dialogs == []
    assert (tmp_path / "article.png").stat().st_size > 10_000


# What each way of searching finds in this archive (the stored script page's text has "council"
# and "budget" too).
OPERATOR_SEARCHES = {
    "council budget": {BUDGET_TITLE, STORED_SCRIPT_TITLE},
    '"security council"': {KOREA_TITLE},
    "caraway OR textbook": {BAKERY_TITLE, SCRIPT_TITLE},
    "council -budget": {KOREA_TITLE, FESTIVAL_TITLE},
    "bak*": {BAKERY_TITLE},
    "bak": set(),
}
HOSTILE_SEARCH = "<img src=x onerror=alert(1)>"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def screenshot_folder(tmp_path: Path) -> Path:
    """MORGUE_SCREENSHOTS when set (to look at the pages afterwards), else the test's own."""
    folder = Path(os.environ.get("MORGUE_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def search_from_the_page(page: Any, text: str) -> list[str]:
    """Type into the search page's box, press its button; the headlines found."""
    page.get_by_label("Search for").fill(text)
    with page.expect_navigation():
        page.get_by_role("button", name="Search").click()
    return list(page.locator(".morgue-result h2").all_inner_texts())


def test_each_search_operator_finds_what_it_should(reading_room: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{reading_room}/archive/-/search")
        assert "exact phrase" in page.locator(".morgue-syntax").inner_text()
        for text, expected in OPERATOR_SEARCHES.items():
            found = search_from_the_page(page, text)
            assert set(found) == expected, text
            assert len(found) == len(expected), text
            assert page.get_by_label("Search for").input_value() == text


def test_a_hostile_search_is_shown_as_text_and_there_is_no_sql_form(reading_room: str) -> None:
    dialogs: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.goto(f"{reading_room}/archive/-/search")
        assert search_from_the_page(page, HOSTILE_SEARCH) == []
        page.wait_for_timeout(300)
        assert page.get_by_label("Search for").input_value() == HOSTILE_SEARCH
        assert page.title() == f"{HOSTILE_SEARCH} · Search the archive"
        assert page.locator("img[src=x]").count() == 0
        # No SQL on the page: no editor, no Run SQL, no Edit SQL; a link for researchers.
        assert page.locator("textarea").count() == 0
        assert page.get_by_text("Run SQL").count() == 0
        assert page.get_by_text("Edit SQL").count() == 0
        page.get_by_role("link", name="The SQL behind this search, for researchers").click()
        page.wait_for_url("**/archive/search?*_show_sql=1*")
        assert "where articles_fts match reader_fts(:q)" in page.locator("body").inner_text()
    assert dialogs == []


def test_the_search_page_filters_and_reads_at_phone_and_desktop_widths(
    reading_room: str, tmp_path: Path
) -> None:
    folder = screenshot_folder(tmp_path)
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{reading_room}/archive/-/search")
        page.get_by_label("Search for").fill("council OR bakery")
        page.get_by_label("Site").select_option("courier")
        page.get_by_label("Published from").fill("2024-02-01")
        page.get_by_label("Published until").fill("2024-06-30")
        page.get_by_label("Sort").select_option("newest")
        with page.expect_navigation():
            page.get_by_role("button", name="Search").click()
        assert "from=2024-02-01" in page.url
        assert "sort=newest" in page.url
        found = page.locator(".morgue-result h2").all_inner_texts()
        # Newest first; the stored script page (no publication date) is outside the dates.
        assert found == [KOREA_TITLE, FESTIVAL_TITLE, BUDGET_TITLE, BAKERY_TITLE]
        assert page.locator(".morgue-count").inner_text() == "4 articles"
        assert page.get_by_text("5 March 2024, 19:30 UTC").count() == 1
        assert page.get_by_role("link", name="Tom Becker").count() == 1
        for name, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(viewport)
            path = folder / f"search-{name}-{viewport['width']}.png"
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 10_000
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= viewport["width"], (name, scroll_width)


def test_a_crawled_article_links_to_the_page_the_crawl_fetched(reading_room: str) -> None:
    with chromium() as browser:
        page = browser.new_page()
        page.goto(f"{reading_room}/archive/-/search?q=caraway")
        page.get_by_role("link", name=BAKERY_TITLE).click()
        page.wait_for_selector("article.morgue-article")
        page.get_by_role("link", name="The page as fetched").click()
        page.wait_for_url(re.compile(r".*/-/page-as-fetched/archive/\d+$"))
        # The publisher's page, its own markup: the headline in its entry-title heading.
        assert page.locator("h1.entry-title").inner_text() == BAKERY_TITLE


def test_the_page_as_fetched_runs_none_of_its_scripts_and_loads_nothing(
    reading_room: str, local_site: tuple[str, list[str]], tmp_path: Path
) -> None:
    publisher, publisher_requested = local_site
    article = f"{publisher}/news/2024/07/03/stored-script.html"
    dialogs: list[str] = []
    answered: list[str] = []
    # Chromium reports a request that the policy stopped as a request that failed: "csp".
    failed: dict[str, str | None] = {}
    with chromium() as browser:
        page = browser.new_page()
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.on("response", lambda response: answered.append(response.url))
        page.on("requestfailed", lambda request: failed.update({request.url: request.failure}))
        page.goto(f"{reading_room}/archive/articles/{tilde_encode(article)}")
        assert page.locator("h1").inner_text() == STORED_SCRIPT_TITLE
        link = page.get_by_role("link", name="The page as fetched")
        href = link.get_attribute("href")
        assert href is not None
        assert re.fullmatch(r"/-/page-as-fetched/archive/\d+", href)
        before = len(answered)
        link.click()
        page.wait_for_url(f"{reading_room}{href}")
        # Time for a refresh, a beacon or the call to the reading room, had any been let go.
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(500)
        assert page.url == f"{reading_room}{href}"
        assert page.locator("#flag").inner_text() == STORED_TEXT
        assert page.title() == "The stored title"
        assert page.locator("h1").inner_text() == STORED_SCRIPT_TITLE
        page.screenshot(path=str(tmp_path / "as-fetched.png"), full_page=True)
        # The page itself, and nothing it asks for: not the reading room, not the publisher.
        assert answered[before:] == [f"{reading_room}{href}"]
        assert set(failed.values()) <= {"csp"}
    assert dialogs == []
    assert [path for path in publisher_requested if path.startswith(PUBLISHER_PATHS)] == []
