"""End to end: real `scrapy crawl news` processes against the test site on 127.0.0.1, checked
row by row in SQLite."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from archive.lock import lock_archive
from crawler.outcome import ExitStatus
from tests.conftest import CrawlRun, run_crawl
from tests.localsite import SITE_ROOT, sites_toml

EXPECTED = json.loads((SITE_ROOT / "expected.json").read_text())
ARTICLES = {path: expected for path, expected in EXPECTED.items() if "title" in expected}
SEED_SHAPE = "news/2024/06/18/us-condemns-russia-north-korea-ties.html"


def rows(db_path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    try:
        return [dict(row) for row in connection.execute(sql, params)]
    finally:
        connection.close()


def by_path(run: CrawlRun, base: str) -> dict[str, dict[str, Any]]:
    articles = rows(run.db_path, "select * from articles")
    return {row["url"].removeprefix(base + "/"): row for row in articles}


def test_the_crawl_finishes_cleanly(crawled: CrawlRun) -> None:
    assert crawled.returncode == 0, crawled.log[-3000:]
    assert "'finish_reason': 'finished'" in crawled.log
    assert "Traceback" not in crawled.log


@pytest.mark.parametrize("path", sorted(ARTICLES))
def test_each_article_is_archived_field_by_field(
    crawled: CrawlRun, local_site: tuple[str, list[str]], path: str
) -> None:
    base, _ = local_site
    expected = ARTICLES[path]
    row = by_path(crawled, base)[path]
    paragraphs = row["text"].split("\n")
    assert row["site"] == "courier"
    assert row["title"] == expected["title"]
    assert json.loads(row["authors"]) == expected["authors"]
    assert row["published_at"] == expected.get(
        "published_at_if_america_new_york", expected["published_at"]
    )
    assert bool(row["published_raw"]) == bool(row["published_at"])
    assert paragraphs[0] == expected["first_paragraph"]
    assert paragraphs[-1] == expected["last_paragraph"]
    for snippet in expected["must_not_contain"]:
        assert snippet not in row["text"]
    assert row["language"] == expected["language"]
    assert json.loads(row["tags"]) == expected.get("tags", [])
    assert row["word_count"] == len(row["text"].split())
    assert len(row["content_hash"]) == 64
    assert row["fetched_at"].endswith("Z")
    assert row["fetched_at"] >= "2026-01-01"
    if "modified_at" in expected:
        assert row["modified_at"] == expected["modified_at"]


def test_the_seed_shaped_article_is_archived_clean(
    crawled: CrawlRun, local_site: tuple[str, list[str]]
) -> None:
    base, _ = local_site
    row = by_path(crawled, base)[SEED_SHAPE]
    assert json.loads(row["authors"]) == ["Natasha Kumar"]
    assert row["published_at"].startswith("2024-06-18")
    for residue in (
        "By Natasha Kumar",
        "em>",
        "Prepared by",
        "has been a reporter",
        "Related Post",
    ):
        assert residue not in row["text"]


def test_every_article_is_archived_once_whatever_the_route(
    crawled: CrawlRun, local_site: tuple[str, list[str]]
) -> None:
    base, _ = local_site
    urls = [row["url"] for row in rows(crawled.db_path, "select url from articles")]
    assert sorted(urls) == sorted(f"{base}/{path}" for path in [*ARTICLES, SEED_SHAPE])
    assert not any("utm_" in url or "#" in url for url in urls)
    # The festival story is linked with ?utm_source=..., and listed in a feed and a sitemap.
    festival = "/news/2024/05/20/river-festival-returns.html"
    fetched = [path for path in crawled.requested if path.split("?")[0] == festival]
    assert fetched == [festival]


def test_every_page_not_archived_leaves_a_failure_row_saying_why(
    crawled: CrawlRun, local_site: tuple[str, list[str]]
) -> None:
    base, _ = local_site
    failures = {
        row["url"].removeprefix(base): (row["stage"], row["reason"], row["site"])
        for row in rows(crawled.db_path, "select * from failures")
    }
    assert failures == {
        "/errors/500.html": ("fetch", "HTTP 500", "courier"),
        "/news/2024/01/12/withdrawn-story.html": ("fetch", "HTTP 404", "courier"),
        "/news/2024/01/10/annual-report.pdf": (
            "fetch",
            "not an HTML page (Content-Type: application/pdf)",
            "courier",
        ),
        "/news/2024/01/11/scanned-page.html": ("fetch", "binary content served as HTML", "courier"),
        "/private/secret-memo.html": ("discover", "forbidden by robots.txt", "courier"),
        "/news/2024/05/25/watch-festival-fireworks.html": (
            "extract",
            "no article text: 8 words of prose left after cleanup"
            " (fewer than ARCHIVE_MIN_WORDS=15)",
            "courier",
        ),
        "/news/2024/01/15/empty-story.html": ("fetch", "empty response body", "courier"),
        "/news/2024/01/13/moved-story.html": (
            "fetch",
            f"redirected to http://localhost:{base.rsplit(':', 1)[1]}/news/2024/01/13/moved-story"
            ".html, refused: the host localhost is not among the domains of site 'courier'"
            " (127.0.0.1)",
            "courier",
        ),
        "/news/2024/01/14/slow-story.html": (
            "fetch",
            f"timed out: Getting {base}/news/2024/01/14/slow-story.html took longer than 2.0"
            " seconds. (the limit is the DOWNLOAD_TIMEOUT setting)",
            "courier",
        ),
    }
    assert all(row["at"].endswith("Z") for row in rows(crawled.db_path, "select at from failures"))
    assert crawled.stat("failures/fetch") == 7
    assert crawled.stat("failures/extract") == 1
    assert crawled.stat("archive/inserted") == len(ARTICLES) + 1


def test_an_unusable_date_leaves_the_field_empty_and_is_counted(crawled: CrawlRun) -> None:
    assert crawled.stat("dates/unparsed") == 1
    assert crawled.stat("dates/rejected") >= 1


def test_robots_txt_is_obeyed_and_only_http_links_are_followed(crawled: CrawlRun) -> None:
    assert "/robots.txt" in crawled.requested
    assert not any(path.startswith("/private/") for path in crawled.requested)
    text = " ".join(row["text"] for row in rows(crawled.db_path, "select text from articles"))
    assert "CONFIDENTIAL-MEMO-MARKER" not in text
    assert not any("javascript" in path or "mailto" in path for path in crawled.requested)


def test_the_archive_is_searchable_and_in_wal_mode(crawled: CrawlRun) -> None:
    found = rows(
        crawled.db_path,
        "select articles.title from articles_fts"
        " join articles on articles.rowid = articles_fts.rowid"
        " where articles_fts match ? order by rank",
        ("sourdough",),
    )
    assert [row["title"] for row in found] == [
        "Mill Street bakery wins gold at international bread competition"
    ]
    journal = sqlite3.connect(crawled.db_path).execute("pragma journal_mode").fetchone()[0]
    assert journal == "wal"


def test_a_second_crawl_fetches_only_what_may_have_changed(
    crawled: CrawlRun, local_site: tuple[str, list[str]], tmp_path: Path
) -> None:
    base, requested = local_site
    before = {row["url"]: row for row in rows(crawled.db_path, "select * from articles")}
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml(base))
    requested.clear()
    again = run_crawl(sites_file, crawled.db_path)
    assert again.returncode == 0, again.log[-3000:]
    assert again.stat("archive/inserted") == again.stat("archive/updated") == 0
    fetched = set(requested)
    # Old, unchanged articles are not requested again; the undated one is young (first seen
    # minutes ago), so it is, and the server's ETag answers 304; passing failures are retried.
    assert "/news/2024/03/05/city-council-approves-budget.html" not in fetched
    assert "/errors/gone.html" not in fetched
    assert "/news/library-extends-weekend-hours.html" in fetched
    assert "/errors/500.html" in fetched
    assert again.stat("archive/not_modified") >= 1
    after = {row["url"]: row for row in rows(crawled.db_path, "select * from articles")}
    assert after == before
    crawls = rows(crawled.db_path, "select * from crawls order by id")
    assert [crawl["finish_reason"] for crawl in crawls] == ["finished", "finished"]
    assert all(crawl["finished_at"] >= crawl["started_at"] for crawl in crawls)
    first, second = (
        rows(crawled.db_path, f"select * from crawl_sites where crawl_id = {crawl['id']}")[0]
        for crawl in crawls
    )
    assert first["discovered"] == second["discovered"] > 0
    assert first["archived"] == len(before)
    assert first["skipped"] == 0
    assert second["archived"] == 0
    assert second["skipped"] > 0
    assert second["fetched"] < first["fetched"]


@pytest.mark.parametrize(
    ("kind", "expected_paths"),
    [
        (
            "feeds",
            {
                "news/2024/03/05/city-council-approves-budget.html",
                "news/2024/04/12/senate-vote-delayed.html",
                "news/2024/05/20/river-festival-returns.html",
                "news/2024/02/01/bakery-wins-award.html",
                SEED_SHAPE,
            },
        ),
        (
            "sitemaps",
            {
                "news/2024/03/05/city-council-approves-budget.html",
                "news/2024/04/12/senate-vote-delayed.html",
                "news/2024/05/20/river-festival-returns.html",
                "news/2024/02/01/bakery-wins-award.html",
                "news/library-extends-weekend-hours.html",
                "news/2024/07/02/school-website-defaced.html",
            },
        ),
        (
            "start_urls",
            {
                "news/2024/03/05/city-council-approves-budget.html",
                "news/2024/04/12/senate-vote-delayed.html",
                "news/2024/05/20/river-festival-returns.html",
                "news/2024/02/01/bakery-wins-award.html",
                SEED_SHAPE,
            },
        ),
    ],
)
def test_each_kind_of_discovery_works_alone(
    local_site: tuple[str, list[str]], tmp_path: Path, kind: str, expected_paths: set[str]
) -> None:
    base, _ = local_site
    urls = {
        "feeds": f'["{base}/feed.xml", "{base}/atom.xml"]',
        "sitemaps": f'["{base}/sitemap_index.xml"]',
        "start_urls": f'["{base}/"]',
    }[kind]
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(
        f"[sites.courier]\n{kind} = {urls}\n"
        f"article_pattern = '/news/'\ntimezone = \"America/New_York\"\n"
    )
    run = run_crawl(sites_file, tmp_path / "archive.db")
    assert run.returncode == 0, run.log[-3000:]
    archived = {
        row["url"].removeprefix(base + "/") for row in rows(run.db_path, "select url from articles")
    }
    assert archived == expected_paths


def test_a_feed_hint_gives_the_date_when_the_page_has_only_a_visible_one(
    crawled: CrawlRun, local_site: tuple[str, list[str]]
) -> None:
    base, _ = local_site
    row = by_path(crawled, base)[SEED_SHAPE]
    # The feed's pubDate has a time; the page shows only "Jun18,2024".
    assert (row["published_at"], row["published_raw"]) == (
        "2024-06-18T09:40:00Z",
        "Tue, 18 Jun 2024 09:40:00 +0000",
    )


@pytest.mark.parametrize(
    ("sites", "args", "message"),
    [
        ('[sites.x]\nfeed = ["http://127.0.0.1:1/rss"]\n', [], "site 'x': unknown key 'feed'"),
        ('[sites.x]\nfeeds = ["http://127.0.0.1:1/rss"]\n', ["-a", "site=y"], "no site named 'y'"),
        (
            '[sites.x]\nfeeds = ["http://127.0.0.1:1/rss"]\ntimezone = "Nowhere/City"\n',
            [],
            "'timezone' 'Nowhere/City' is not a known IANA time zone",
        ),
    ],
)
def test_a_bad_configuration_stops_the_crawl_with_one_clear_line(
    tmp_path: Path, sites: str, args: list[str], message: str
) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites)
    run = run_crawl(sites_file, tmp_path / "archive.db", *args)
    assert run.returncode == 2
    assert f"Error: {sites_file}: site" in run.log or "Error: no site named" in run.log
    assert message in run.log
    assert "Traceback" not in run.log
    assert not (tmp_path / "archive.db").exists()


def test_an_archive_that_cannot_be_written_stops_the_crawl_at_start(tmp_path: Path) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('[sites.x]\nfeeds = ["http://127.0.0.1:1/rss"]\n')
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    run = run_crawl(sites_file, blocker / "archive.db")
    assert run.returncode == 2
    assert "is a file, not a folder; choose another path with -s ARCHIVE_DB=" in run.log
    assert "Traceback" not in run.log


def test_an_empty_site_list_is_a_configuration_error(tmp_path: Path) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text("# no sites yet\n")
    run = run_crawl(sites_file, tmp_path / "archive.db")
    assert run.returncode == ExitStatus.CONFIG
    assert f"Error: {sites_file}: lists no sites; add one" in run.log
    assert not (tmp_path / "archive.db").exists()


def test_a_crawl_overlapping_another_on_the_same_archive_stops_at_once(tmp_path: Path) -> None:
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text('[sites.x]\nfeeds = ["http://127.0.0.1:1/rss"]\n')
    with lock_archive(tmp_path / "archive.db"):
        run = run_crawl(sites_file, tmp_path / "archive.db")
    assert run.returncode == 2
    assert "Error: another crawl (pid " in run.log
    assert "is writing to the archive" in run.log
    assert "Traceback" not in run.log
    # Once the lock is free, the crawl runs (and finds its one feed unreachable).
    assert run_crawl(sites_file, tmp_path / "archive.db").returncode == ExitStatus.SITE_UNREADABLE


ARCHIVED_COLUMNS = (
    "url, site, title, text, authors, published_at, modified_at, published_raw, language, "
    "description, tags, image, sitename, word_count, content_hash"
)


def crawl_again(local_site: tuple[str, list[str]], tmp_path: Path, **settings: str) -> CrawlRun:
    """A fresh crawl of the local site into a new archive, with some settings changed."""
    base, _ = local_site
    sites_file = tmp_path / "sites.toml"
    sites_file.write_text(sites_toml(base))
    run = run_crawl(sites_file, tmp_path / "again.db", **settings)
    assert run.returncode == 0, run.log[-3000:]
    return run


def assert_same_archive(run: CrawlRun, crawled: CrawlRun) -> None:
    """The same articles, field by field, and the same failures as the first full crawl."""
    sql = f"select {ARCHIVED_COLUMNS} from articles order by url"
    assert rows(run.db_path, sql) == rows(crawled.db_path, sql) != []
    failures = "select url, stage, reason from failures order by url, reason"
    first_run = "select url, stage, reason from failures where crawl_id = 1 order by url, reason"
    assert rows(run.db_path, failures) == rows(crawled.db_path, first_run) != []


def test_the_worker_pool_changes_nothing_in_what_is_archived(
    crawled: CrawlRun, local_site: tuple[str, list[str]], tmp_path: Path
) -> None:
    inline = crawl_again(local_site, tmp_path, ARCHIVE_WORKERS="0")
    assert "worker processes" not in inline.log
    assert "Extracting in 2 worker processes" in crawled.log or os.cpu_count() != 2
    assert_same_archive(inline, crawled)


def test_articles_handed_to_scrapy_two_at_a_time_are_all_archived(
    crawled: CrawlRun, local_site: tuple[str, list[str]], tmp_path: Path
) -> None:
    # One download at a time: the spider keeps two article requests with Scrapy and the rest
    # waiting, handing one over as each comes back (and the rest when Scrapy is idle).
    assert_same_archive(crawl_again(local_site, tmp_path, CONCURRENT_REQUESTS="1"), crawled)
