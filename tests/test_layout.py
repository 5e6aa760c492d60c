"""The reading room on a phone (390 px) and on a desktop (1280 px), in headless Chromium: the
home page, the articles table (plain and filtered), an article, the failures table, a saved
query and a 400 page fit the window, with no sideways scrolling of the page and no table cell
wider than the window or sticking out of it; on a phone each row is a card whose values are
labelled with their own column; on a desktop a row of articles is a few lines, not a column of
text. Full-page screenshots of each go to $MORGUE_SCREENSHOTS when set (else a temporary
folder), to be looked at.

The server and the browser are tests/test_browser.py's: `datasette serve` over a crawled
archive, and Debian's chromium driven by Playwright (skipped, saying why, without it).
"""

from __future__ import annotations

import json
import os
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from datasette.utils import tilde_encode

from archive.schema import open_archive
from archive.writes import record_failure
from crawler.items import PageFailure
from tests import test_browser
from tests.test_browser import BAKERY_TITLE, CHROMIUM, chromium

# The fixture that serves the reading room: named here, pytest serves it to these tests too.
reading_room = test_browser.reading_room

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no chromium on PATH: install Debian's chromium package (make test does, as root)",
)

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PAGES = {
    "home": "/",
    "articles": "/archive/articles",
    "articles-filtered": "/archive/articles?site=courier&language=en&_facet=sitename&_sort=title",
    "article": None,  # the bakery story's page, found when the server runs
    "failures": "/archive/failures",
    "latest-articles": "/archive/latest_articles",
    "bad-sort": "/archive/articles?_sort=nosuch",
}
LONG_FAILURE = PageFailure(
    url="http://127.0.0.1:41234/news/2024/01/13/a-story-that-moved-to-another-host-overnight.html",
    site="riverside_courier",
    stage="fetch",
    reason=(
        "redirected to http://localhost:41234/news/2024/01/13/a-story-that-moved-to-another-host"
        "-overnight.html, refused: the host localhost is not among the domains of site"
        " 'riverside_courier' (127.0.0.1)"
    ),
)
# A row of the articles table on a desktop: a headline and three lines of text, give or take.
MAX_DESKTOP_ROW_PX = 160

# What sticks out: the page's width, and every table cell wider than the window or past its
# right edge (a table that scrolls inside its wrapper scrolls sideways all the same).
# (On a phone Datasette moves the header row far to the left, out of sight but not of screen
# readers: that scrolls nothing.)
MEASURE = """() => {
  const width = window.innerWidth;
  const cells = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const box = cell.getBoundingClientRect();
    if (box.width > width || box.right > width + 0.5) {
      const where = `${Math.round(box.left)}-${Math.round(box.right)}`;
      cells.push(`${cell.className || cell.tagName}: ${where}`);
    }
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, cells: cells};
}"""


@pytest.fixture(scope="module")
def served(reading_room: str) -> str:
    """The reading room, its failures table holding one more failure as long as the demo's
    (`make demo` names its site riverside_courier): the one whose reason pushed columns off."""
    with urllib.request.urlopen(f"{reading_room}/-/databases.json") as response:
        (archive,) = [db["path"] for db in json.load(response) if db["name"] == "archive"]
    db = open_archive(archive)
    try:
        record_failure(db, LONG_FAILURE)
    finally:
        db.close()
    return reading_room


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as context:
        yield context


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = os.environ.get("MORGUE_SCREENSHOTS")
    if not folder:
        return tmp_path_factory.mktemp("screenshots")
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    return path


def page_path(base: str, name: str) -> str:
    path = PAGES[name]
    if path is not None:
        return path
    query = urllib.parse.urlencode({"title": BAKERY_TITLE, "_shape": "array", "_col": "title"})
    with urllib.request.urlopen(f"{base}/archive/articles.json?{query}") as response:
        (article,) = json.load(response)
    return f"/archive/articles/{tilde_encode(article['url'])}"


def opened(browser: Any, base: str, name: str, viewport: dict[str, int]) -> Any:
    page = browser.new_page()
    page.set_viewport_size(viewport)
    response = page.goto(base + page_path(base, name))
    assert response is not None
    assert response.status == (400 if name == "bad-sort" else 200)
    return page


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["390px", "1280px"])
@pytest.mark.parametrize("name", list(PAGES))
def test_the_page_fits_the_window_with_no_sideways_scrolling(
    served: str, browser: Any, screenshots: Path, name: str, viewport: dict[str, int]
) -> None:
    page = opened(browser, served, name, viewport)
    try:
        shot = screenshots / f"{name}-{viewport['width']}.png"
        page.screenshot(path=str(shot), full_page=True)
        measured = page.evaluate(MEASURE)
    finally:
        page.close()
    assert measured["scrollWidth"] <= measured["innerWidth"], (
        f"{name} scrolls sideways at {viewport['width']} px: {measured}; see {shot}"
    )
    assert measured["cells"] == [], f"cells that stick out, see {shot}"
    assert shot.stat().st_size > 5_000


@pytest.mark.parametrize("name", ["articles", "failures"])
def test_on_a_phone_each_row_is_a_card_whose_values_are_labelled_with_their_own_column(
    served: str, browser: Any, name: str
) -> None:
    page = opened(browser, served, name, PHONE)
    try:
        cells = page.evaluate(
            """() => [...document.querySelectorAll("table.rows-and-columns tbody td")]
              .map(cell => ({
                column: cell.dataset.column,
                display: getComputedStyle(cell).display,
                label: getComputedStyle(cell, "::before").content,
            }))"""
        )
    finally:
        page.close()
    assert cells
    # The articles table shows its columns in its own order (_table.html): Datasette's labels,
    # which follow the table's order, would name the wrong ones.
    wrong = [cell for cell in cells if cell["label"] != json.dumps(cell["column"])]
    assert wrong == []
    assert {cell["display"] for cell in cells} <= {"block", "none"}


def test_on_a_desktop_a_row_of_articles_is_a_few_lines_not_a_column_of_text(
    served: str, browser: Any
) -> None:
    page = opened(browser, served, "articles", DESKTOP)
    try:
        heights = page.evaluate(
            """() => [...document.querySelectorAll("table.rows-and-columns tbody tr")]
                .map(row => row.getBoundingClientRect().height)"""
        )
        text_lines = page.evaluate(
            """() => [...document.querySelectorAll("td.col-text .article-text-start")]
              .map(text => text.getBoundingClientRect().height
                / parseFloat(getComputedStyle(text).lineHeight))"""
        )
        headers = page.evaluate(
            """() => [...document.querySelectorAll("table.rows-and-columns thead th")]
                .map(th => th.dataset.column)"""
        )
    finally:
        page.close()
    assert len(heights) >= 5
    assert max(heights) <= MAX_DESKTOP_ROW_PX, heights
    # Only the start of each text, in three lines at most.
    assert len(text_lines) == len(heights)
    assert max(text_lines) <= 3.01, text_lines
    assert headers[:5] == ["title", "published_at", "site", "authors", "tags"]


def test_every_column_of_the_articles_table_is_one_click_away(served: str, browser: Any) -> None:
    page = opened(browser, served, "articles", DESKTOP)
    try:
        shown = page.locator("table.rows-and-columns thead th").count()
        page.get_by_role("link", name="Show every column").click()
        page.wait_for_load_state()
        every = page.locator("table.rows-and-columns thead th").count()
        shown_after = page.locator(".morgue-columns-note").count()
    finally:
        page.close()
    with urllib.request.urlopen(f"{served}/archive/articles.json?_size=0") as response:
        columns = json.load(response)["columns"]
    assert (shown, every, shown_after) == (8, len(columns), 0)
