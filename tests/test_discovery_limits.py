"""What a site can make a crawl download and hold: feeds and sitemaps are parsed off the
reactor with size limits of their own, and sitemap indexes and links are followed within limits
that leave a failures row when reached. Real crawls against sites generated on 127.0.0.1."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from crawler.discovery import SITEMAP_MAX_ENTRIES, read_feed
from tests.conftest import CrawlRun, run_crawl
from tests.localsite import Reply, SiteHandler, serve_site

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
PROSE = (
    "The harbour ferry returned to its winter timetable on Monday, and commuters who rely on "
    "the early crossing said the change came sooner than the notices at the pier had promised. "
)


def article(handler: SiteHandler) -> Reply:
    title = f"Ferry story {handler.path.rsplit('/', 1)[-1]}"
    body = f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
    body += f"{('<p>' + PROSE + '</p>') * 3}</article></body></html>"
    return 200, "text/html; charset=utf-8", body.encode(), {}


def xml(body: str) -> Reply:
    return 200, "application/xml", body.encode(), {}


def rss(links: list[str], description: str = "") -> bytes:
    items = "".join(
        f"<item><title>Story {number}</title><link>{link}</link>"
        f"<description>{description}</description></item>"
        for number, link in enumerate(links)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel>{items}</channel></rss>'.encode()


def rows(run: CrawlRun, sql: str) -> list[tuple[Any, ...]]:
    connection = sqlite3.connect(run.db_path)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def crawl(
    tmp_path: Path,
    routes: Callable[[str], dict[str, Any]],
    site: Callable[[str], str],
    **settings: str,
) -> tuple[CrawlRun, list[str], str]:
    faults: dict[str, Any] = {}
    with serve_site(tmp_path, faults=faults) as (base, requested):
        faults.update(routes(base))
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(site(base))
        run = run_crawl(sites_file, tmp_path / "archive.db", **settings)
        return run, list(requested), base


class Generated(dict[str, Any]):
    """Routes answered by a function of the path, for sites with endless pages."""

    def __init__(self, answer: Callable[[SiteHandler], Reply], prefix: str) -> None:
        super().__init__()
        self.answer = answer
        self.prefix = prefix

    def __contains__(self, path: object) -> bool:
        return (isinstance(path, str) and path.startswith(self.prefix)) or super().__contains__(
            path
        )

    def __getitem__(self, path: str) -> Any:
        if path.startswith(self.prefix):
            return self.answer
        return super().__getitem__(path)


def endless_sitemaps(tmp_path: Path, **settings: str) -> tuple[CrawlRun, list[str]]:
    """Every sitemap index lists two more, for ever."""

    def index(handler: SiteHandler) -> Reply:
        port = handler.server.server_address[1]
        name = handler.path.removeprefix("/sitemaps/").removesuffix(".xml")
        children = "".join(
            f"<sitemap><loc>http://127.0.0.1:{port}/sitemaps/{name}-{branch}.xml</loc></sitemap>"
            for branch in "ab"
        )
        return xml(
            f'<?xml version="1.0"?><sitemapindex xmlns="{SITEMAP_NS}">{children}</sitemapindex>'
        )

    faults: Generated = Generated(index, "/sitemaps/")
    with serve_site(tmp_path, faults=faults) as (base, requested):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(
            f'[sites.endless]\ndomains = ["127.0.0.1"]\nsitemaps = ["{base}/sitemaps/0.xml"]\n'
        )
        run = run_crawl(sites_file, tmp_path / "archive.db", **settings)
        return run, list(requested)


def test_sitemap_indexes_are_followed_only_so_deep(tmp_path: Path) -> None:
    run, requested = endless_sitemaps(tmp_path, ARCHIVE_SITEMAP_DEPTH="2")
    assert run.returncode == 0, run.log[-2000:]
    sitemaps = [path for path in requested if path.startswith("/sitemaps/")]
    assert len(sitemaps) == 1 + 2 + 4  # the configured one, then two levels
    (row,) = rows(run, "select stage, reason from failures")
    assert row[0] == "discover"
    assert row[1].startswith(
        "limit reached: sitemap indexes nested deeper than ARCHIVE_SITEMAP_DEPTH=2 (from "
    )


def test_a_site_gets_only_so_many_sitemaps(tmp_path: Path) -> None:
    run, requested = endless_sitemaps(
        tmp_path, ARCHIVE_SITEMAP_DEPTH="100", ARCHIVE_SITEMAPS_PER_SITE="20"
    )
    assert run.returncode == 0, run.log[-2000:]
    assert len([path for path in requested if path.startswith("/sitemaps/")]) == 20
    assert rows(run, "select stage, reason from failures") == [
        (
            "discover",
            "limit reached: more than ARCHIVE_SITEMAPS_PER_SITE=20 sitemaps in this run; the"
            " rest are not read",
        )
    ]


def test_a_site_with_endless_article_links_is_read_up_to_a_limit(tmp_path: Path) -> None:
    """Each sitemap lists 1,000 new articles: the run holds 50 of them, and says so."""

    def routes(base: str) -> dict[str, Any]:
        entries = "".join(
            f"<url><loc>{base}/news/{number}.html</loc></url>" for number in range(1000)
        )
        urlset = f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{entries}</urlset>'
        return {"/sitemap.xml": lambda handler: xml(urlset), **articles(1000)}

    run, requested, _ = crawl(
        tmp_path,
        routes,
        lambda base: f'[sites.many]\ndomains = ["127.0.0.1"]\nsitemaps = ["{base}/sitemap.xml"]\n',
        ARCHIVE_URLS_PER_SITE="50",
    )
    assert run.returncode == 0, run.log[-2000:]
    assert len([path for path in requested if path.startswith("/news/")]) == 50
    assert rows(run, "select count(*) from articles") == [(50,)]
    assert rows(run, "select reason from failures") == [
        (
            "limit reached: more than ARCHIVE_URLS_PER_SITE=50 article and listing URLs found in"
            " this run; the rest are not looked at in this run",
        )
    ]


def articles(count: int) -> dict[str, Any]:
    return {f"/news/{number}.html": article for number in range(count)}


def test_a_sitemap_past_the_protocols_50000_entries_is_read_up_to_them(tmp_path: Path) -> None:
    def routes(base: str) -> dict[str, Any]:
        # Entries no article pattern matches, so that nothing is fetched: only counted.
        entries = "".join(
            f"<url><loc>{base}/other/{number}</loc></url>"
            for number in range(SITEMAP_MAX_ENTRIES + 7)
        )
        urlset = f'<?xml version="1.0"?><urlset xmlns="{SITEMAP_NS}">{entries}</urlset>'
        return {"/sitemap.xml": lambda handler: xml(urlset)}

    run, _, base = crawl(
        tmp_path,
        routes,
        lambda base: (
            f'[sites.big]\ndomains = ["127.0.0.1"]\nsitemaps = ["{base}/sitemap.xml"]\n'
            "article_pattern = '/news/'\n"
        ),
    )
    assert run.returncode == 0, run.log[-2000:]
    assert run.stat("discover/sitemap_entries") == SITEMAP_MAX_ENTRIES
    assert rows(run, "select url, reason from failures") == [
        (
            f"{base}/sitemap.xml",
            "sitemap: 7 entries past the first 50,000, the sitemap protocol's limit per file,"
            " are not read",
        )
    ]


def test_a_feed_over_its_size_limit_is_a_failure_and_the_crawl_goes_on(tmp_path: Path) -> None:
    def routes(base: str) -> dict[str, Any]:
        big = rss([f"{base}/news/0.html"] * 2000, description="Ferry " * 100)
        small = rss([f"{base}/news/1.html"])
        return {
            "/big.xml": lambda handler: (200, "application/rss+xml", big, {}),
            "/small.xml": lambda handler: (200, "application/rss+xml", small, {}),
            **articles(2),
        }

    run, _, base = crawl(
        tmp_path,
        routes,
        lambda base: (
            f'[sites.feeds]\ndomains = ["127.0.0.1"]\n'
            f'feeds = ["{base}/big.xml", "{base}/small.xml"]\n'
        ),
        ARCHIVE_FEED_MAXSIZE="100000",
    )
    assert run.returncode == 0, run.log[-2000:]
    assert rows(run, "select url from articles") == [(f"{base}/news/1.html",)]
    (reason,) = rows(run, f"select reason from failures where url = '{base}/big.xml'")[0]
    assert reason.startswith("too large: the server announced ")
    assert reason.endswith(" bytes, over ARCHIVE_FEED_MAXSIZE (100000 bytes)")


# --- Parsing a feed does not stop the downloads ----------------------------------------------


SLOW_DESCRIPTION = (
    "&lt;p&gt;&lt;a href='x'&gt;Ferry&lt;/a&gt; &lt;b&gt;returns&lt;/b&gt; "
    "&lt;img src='y.jpg'/&gt;&lt;/p&gt;" * 20
)


@pytest.fixture(scope="module")
def slow_feed() -> tuple[bytes, float]:
    """A feed feedparser takes seconds over (HTML in every description), and how long."""
    body = rss(["http://127.0.0.1/news/0.html"] * 1000, description=SLOW_DESCRIPTION)
    started = time.monotonic()
    read_feed(body, "http://127.0.0.1/slow.xml")
    return body, time.monotonic() - started


def test_articles_download_while_a_slow_feed_is_parsed(
    tmp_path: Path, slow_feed: tuple[bytes, float]
) -> None:
    body, parse_seconds = slow_feed
    assert parse_seconds > 2, "the slow feed must take feedparser seconds for this test"
    times: dict[str, float] = {}

    def timed(answer: Callable[[SiteHandler], Reply]) -> Callable[[SiteHandler], Reply]:
        def reply(handler: SiteHandler) -> Reply:
            times[handler.path] = time.monotonic()
            return answer(handler)

        return reply

    def quick_feed(handler: SiteHandler) -> Reply:
        time.sleep(0.3)  # so that the slow feed is with the parser first
        port = handler.server.server_address[1]
        links = [f"http://127.0.0.1:{port}/news/{number}.html" for number in range(1, 9)]
        return 200, "application/rss+xml", rss(links), {}

    def routes(base: str) -> dict[str, Any]:
        slow = body.replace(b"http://127.0.0.1/", f"{base}/".encode())
        return {
            "/slow.xml": timed(lambda handler: (200, "application/rss+xml", slow, {})),
            "/quick.xml": quick_feed,
            **{path: timed(answer) for path, answer in articles(9).items()},
        }

    run, _, _ = crawl(
        tmp_path,
        routes,
        lambda base: (
            f'[sites.slow]\ndomains = ["127.0.0.1"]\nfeeds = ["{base}/slow.xml"]\n\n'
            f'[sites.quick]\ndomains = ["127.0.0.1"]\nfeeds = ["{base}/quick.xml"]\n'
        ),
    )
    assert run.returncode == 0, run.log[-2000:]
    quick = [times[f"/news/{number}.html"] for number in range(1, 9)]
    # The slow feed's own article is requested once the feed is parsed; parsed on the reactor,
    # the feed would also hold every other download until then.
    assert max(quick) < times["/news/0.html"], (
        f"parse {parse_seconds:.1f} s; slow feed's article at "
        f"{times['/news/0.html'] - times['/slow.xml']:.2f} s, the others at "
        f"{[round(moment - times['/slow.xml'], 2) for moment in quick]} s after the slow feed"
    )
    assert rows(run, "select count(*) from articles") == [(9,)]


def test_two_sites_sharing_a_feed_are_both_crawled(tmp_path: Path) -> None:
    """Scrapy fetches the shared feed once and drops the second request as a duplicate: the
    site whose articles waited for it must not wait for ever."""

    def routes(base: str) -> dict[str, Any]:
        feed = rss([f"{base}/news/0.html"])
        home = f'<html><body><a href="{base}/news/1.html">One</a></body></html>'.encode()
        return {
            "/feed.xml": lambda handler: (200, "application/rss+xml", feed, {}),
            "/": lambda handler: (200, "text/html", home, {}),
            **articles(2),
        }

    run, _, base = crawl(
        tmp_path,
        routes,
        lambda base: (
            f'[sites.one]\ndomains = ["127.0.0.1"]\nfeeds = ["{base}/feed.xml"]\n\n'
            f'[sites.two]\ndomains = ["127.0.0.1"]\nfeeds = ["{base}/feed.xml"]\n'
            f'start_urls = ["{base}/"]\narticle_pattern = "/news/"\n'
        ),
    )
    assert run.returncode == 0, run.log[-2000:]
    assert rows(run, "select url from articles order by url") == [
        (f"{base}/news/0.html",),
        (f"{base}/news/1.html",),
    ]
