"""Hostile text end to end: a real `scrapy crawl news` of a local site whose feed and pages
carry text made to make regular expressions backtrack (a 50 KB author, a 60 KB word) and
JSON-LD nested 100,000 deep. The crawl finishes promptly, with its worker pool and without
(ARCHIVE_WORKERS=0, where everything runs in the crawl's main process), and each page is
archived with what it says, or leaves a failures row."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html import escape
from typing import Any, cast

import pytest

from tests.conftest import CrawlRun, run_crawl
from tests.localsite import Fault, Reply, SiteHandler, serve_site

HOSTILE_CHARS = 50_000
# A hang guard only: the crawl takes a few seconds; one rule gone quadratic on these pages
# takes minutes.
CRAWL_SECONDS = 60
STORY = "".join(
    f"<p>{sentence}</p>"
    for sentence in (
        "The county board voted on Tuesday to reopen the old river ferry, which has been closed"
        " since the flood of 2019, and to fund two new crews for the summer season.",
        "Supporters said the ferry would cut the commute for hundreds of workers on the east"
        " bank, while opponents questioned the cost of repairing the landing.",
        "The first crossing is planned for the second week of May, weather permitting.",
    )
)
SPACED_NAME = "Ann" + " " * HOSTILE_CHARS + "Lee"
LONG_WORD = "a" * HOSTILE_CHARS + "@"
DECLARED = json.dumps(
    {
        "@type": "NewsArticle",
        "headline": "Ferry crews hired for the summer",
        "author": {"@type": "Person", "name": "Bo Chan"},
        "datePublished": "2024-03-05T09:00:00Z",
    }
)


def article(title: str, *, head: str = "", byline: str = "", after: str = "") -> str:
    return (
        f"<html><head><title>{escape(title)}</title>{head}</head><body><article>"
        f"<h1>{escape(title)}</h1>{byline}{STORY}{after}</article></body></html>"
    )


def json_ld(text: str) -> str:
    return f'<script type="application/ld+json">{text}</script>'


PAGES = {
    # Named only by the feed, which gives hostile authors.
    "/news/feed-author-spaces.html": article("Ferry returns to the river"),
    "/news/feed-author-and.html": article("Ferry landing repaired"),
    "/news/feed-author-labels.html": article("Ferry timetable published"),
    "/news/feed-author-word.html": article("Ferry tickets sold out"),
    # Named by the page itself, with a run of spaces in the byline and in the meta tag, and a
    # published date far too long to be one.
    "/news/byline-author.html": article(
        "Ferry pilots trained",
        head=f'<meta name="author" content="{SPACED_NAME}">'
        f'<meta property="article:published_time" content="{"1" * HOSTILE_CHARS}">',
        byline=f'<p class="byline">By {SPACED_NAME} Follow</p>',
    ),
    "/news/byline-word.html": article(
        "Ferry crews rested",
        head=f'<meta name="author" content="{LONG_WORD}">',
        byline=f'<p class="byline">By {LONG_WORD}</p>',
    ),
    "/news/long-word.html": article(
        "Ferry fares frozen", after=f"<p>Contact {'a' * 60_000}@ for the fares.</p>"
    ),
    "/news/deep-json-ld.html": article(
        "Ferry crews hired", head=json_ld("[" * 100_000) + json_ld(DECLARED)
    ),
    "/news/hostile-title.html": article("Ferry - " * 6_000 + "News"),
}
FEED_AUTHORS = {
    "/news/feed-author-spaces.html": SPACED_NAME,
    # feedparser's own search for an e-mail address in it took 15 s before the fields were cut.
    "/news/feed-author-word.html": LONG_WORD,
    "/news/feed-author-and.html": "Ann" + " and" * (HOSTILE_CHARS // 4),
    "/news/feed-author-labels.html": "Ann Lee Follow " * (HOSTILE_CHARS // 15),
}


@dataclass(frozen=True)
class Outcome:
    """What the archive holds for a page: its authors when archived, else the failure."""

    authors: list[str] | None = None
    failed: bool = False


EXPECTED = {
    "/news/feed-author-spaces.html": Outcome(authors=["Ann Lee"]),
    "/news/feed-author-word.html": Outcome(authors=[]),
    "/news/feed-author-and.html": Outcome(authors=["Ann"]),
    "/news/feed-author-labels.html": Outcome(authors=["Ann Lee"]),
    "/news/byline-author.html": Outcome(authors=["Ann Lee"]),
    "/news/byline-word.html": Outcome(authors=[]),
    "/news/long-word.html": Outcome(authors=[]),
    "/news/deep-json-ld.html": Outcome(authors=["Bo Chan"]),
    "/news/hostile-title.html": Outcome(authors=[]),
}


def base_of(handler: SiteHandler) -> str:
    host, port = cast(tuple[str, int], handler.server.server_address)
    return f"http://{host}:{port}"


def feed(handler: SiteHandler) -> Reply:
    """An RSS feed of every page, the hostile authors in <dc:creator>."""
    base = base_of(handler)
    items = "".join(
        f"<item><title>Story {number}</title><link>{base}{path}</link>"
        f"<pubDate>Tue, 05 Mar 2024 10:00:00 GMT</pubDate>"
        + (f"<dc:creator>{escape(FEED_AUTHORS[path])}</dc:creator>" if path in FEED_AUTHORS else "")
        + "</item>"
        for number, path in enumerate(PAGES)
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Hostile text</title><link>{base}/</link><description>Pages</description>"
        f"{items}</channel></rss>"
    )
    return 200, "application/rss+xml; charset=utf-8", body.encode(), {}


def page(html: str) -> Callable[[SiteHandler], Reply]:
    return lambda handler: (200, "text/html; charset=utf-8", html.encode(), {})


FAULTS: dict[str, Fault] = {"/feed.xml": feed, **{path: page(html) for path, html in PAGES.items()}}


@dataclass
class HostileTextCrawl:
    run: CrawlRun
    base: str
    seconds: float

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        return self.run.rows(sql, params)

    def outcome(self, path: str) -> Outcome:
        url = self.base + path
        archived = self.rows("select * from articles where url = ?", (url,))
        failed = self.rows("select * from failures where url = ?", (url,))
        assert len(archived) + len(failed) == 1, f"{path}: {archived} {failed}"
        if failed:
            return Outcome(failed=True)
        return Outcome(authors=json.loads(archived[0]["authors"]))


@pytest.fixture(scope="module", params=["auto", "0"], ids=["worker-pool", "main-process"])
def crawl(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[HostileTextCrawl]:
    folder = tmp_path_factory.mktemp("hostile-text")
    site_root = folder / "site"
    site_root.mkdir()
    with serve_site(site_root, faults=FAULTS) as (base, _):
        sites_file = folder / "sites.toml"
        sites_file.write_text(
            "[sites.hostile-text]\n"
            'domains = ["127.0.0.1"]\n'
            f'feeds = ["{base}/feed.xml"]\n'
            "article_pattern = '/news/'\n"
            'language = "en"\n'
        )
        started = time.monotonic()
        run = run_crawl(sites_file, folder / "archive.db", ARCHIVE_WORKERS=request.param)
        yield HostileTextCrawl(run, base, time.monotonic() - started)


def test_the_crawl_finishes_promptly_and_cleanly(crawl: HostileTextCrawl) -> None:
    assert crawl.seconds < CRAWL_SECONDS, crawl.run.log[-3000:]
    assert crawl.run.returncode == 0, crawl.run.log[-3000:]
    assert "Traceback" not in crawl.run.log


@pytest.mark.parametrize("path", sorted(EXPECTED))
def test_each_page_is_archived_with_sane_authors(crawl: HostileTextCrawl, path: str) -> None:
    assert crawl.outcome(path) == EXPECTED[path]


def test_the_page_with_json_ld_too_deep_keeps_what_its_valid_block_declares(
    crawl: HostileTextCrawl,
) -> None:
    (row,) = crawl.rows(
        "select * from articles where url = ?", (crawl.base + "/news/deep-json-ld.html",)
    )
    assert row["title"] == "Ferry crews hired for the summer"
    assert row["published_at"] == "2024-03-05T09:00:00Z"
    assert row["text"].startswith("The county board voted on Tuesday")


def test_a_date_too_long_to_be_one_is_set_aside_for_the_feeds(crawl: HostileTextCrawl) -> None:
    (row,) = crawl.rows(
        "select * from articles where url = ?", (crawl.base + "/news/byline-author.html",)
    )
    assert row["published_at"] == "2024-03-05T10:00:00Z"  # the feed's, not the page's digits
