"""Which known URLs a scheduled run fetches again, and the conditional request it sends."""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from archive.reads import SeenUrl
from archive.status import FetchStatus, status_of_old_text
from crawler.incremental import conditional_headers, fetch_reason
from tests.conftest import CrawlRun, run_crawl
from tests.localsite import SITE_ROOT, serve_site, sites_toml

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TWO_DAYS = timedelta(days=2)


def seen(**fields: Any) -> SeenUrl:
    values: dict[str, Any] = {
        "last_fetched": "2026-11-01T08:00:00Z",
        "status": FetchStatus.INSERTED,
        "first_seen": "2026-11-01T08:00:00Z",
        "published_at": "2026-10-31",
    }
    values.update(fields)
    return SeenUrl(**values)


def test_a_new_url_is_fetched() -> None:
    assert fetch_reason(None, None, NOW, TWO_DAYS) == "new"


def test_a_known_old_unchanged_article_is_skipped() -> None:
    assert fetch_reason(seen(), None, NOW, TWO_DAYS) is None
    assert fetch_reason(seen(), "2026-10-30T00:00:00Z", NOW, TWO_DAYS) is None


def test_a_lastmod_after_our_fetch_means_changed() -> None:
    assert fetch_reason(seen(), "2026-11-02T00:00:00Z", NOW, TWO_DAYS) == "changed"


def test_young_articles_are_checked_again_within_the_window() -> None:
    assert fetch_reason(seen(published_at="2026-11-27T09:00:00Z"), None, NOW, TWO_DAYS) == "recent"
    assert fetch_reason(seen(published_at="2026-11-27"), None, NOW, TWO_DAYS) == "recent"
    assert fetch_reason(seen(published_at="2026-11-25"), None, NOW, TWO_DAYS) is None
    # An article without a date is young for as long as we have known it.
    undated = seen(published_at="", first_seen="2026-11-28T01:00:00Z")
    assert fetch_reason(undated, None, NOW, TWO_DAYS) == "recent"
    assert fetch_reason(undated, None, NOW, timedelta(0)) is None
    assert fetch_reason(seen(), None, NOW, timedelta(days=1_000_000)) == "recent"


def test_passing_failures_are_retried_lasting_ones_are_not() -> None:
    may_pass = seen(status=FetchStatus.FAILED_MAY_PASS)
    assert fetch_reason(may_pass, None, NOW, TWO_DAYS) == "retry"
    lasting = seen(status=FetchStatus.FAILED_LASTING)
    assert fetch_reason(lasting, None, NOW, TWO_DAYS) is None
    # ... until its feed or sitemap says the page changed.
    assert fetch_reason(lasting, "2026-11-02T00:00:00Z", NOW, TWO_DAYS) == "changed"


def test_archives_from_before_typed_statuses_are_read_the_way_they_were_written() -> None:
    for text, status in (
        ("failed: fetch: timed out: ...", FetchStatus.FAILED_MAY_PASS),
        ("failed: pipeline: internal error: ...", FetchStatus.FAILED_MAY_PASS),
        ("failed: fetch: HTTP 503", FetchStatus.FAILED_MAY_PASS),
        ("failed: fetch: HTTP 404", FetchStatus.FAILED_LASTING),
        ("failed: extract: no article text", FetchStatus.FAILED_LASTING),
        (
            "failed: fetch: not an HTML page (Content-Type: application/pdf)",
            FetchStatus.FAILED_LASTING,
        ),
        ("inserted", FetchStatus.INSERTED),
        ("not modified", FetchStatus.NOT_MODIFIED),
    ):
        assert status_of_old_text(text) is status, text


def test_conditional_headers_come_from_the_last_response() -> None:
    assert conditional_headers(None) == {}
    validators = seen(etag='"abc"', last_modified="Sun, 01 Nov 2026 08:00:00 GMT")
    assert conditional_headers(validators) == {
        "If-None-Match": '"abc"',
        "If-Modified-Since": "Sun, 01 Nov 2026 08:00:00 GMT",
    }
    failed = seen(etag='"abc"', status=FetchStatus.FAILED_MAY_PASS)
    assert conditional_headers(failed) == {}


def test_revised_articles_are_refetched_and_their_old_version_kept(tmp_path: Path) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE_ROOT, site)
    bakery = site / "news/2024/02/01/bakery-wins-award.html"
    budget = site / "news/2024/03/05/city-council-approves-budget.html"
    with serve_site(root=site) as (base, requested):
        sites_file = tmp_path / "sites.toml"
        sites_file.write_text(sites_toml(base))
        db_path = tmp_path / "archive.db"
        assert run_crawl(sites_file, db_path).returncode == 0
        before = dict(query(db_path, "select url, title from articles"))

        # A correction to one old article, announced by its sitemap lastmod; another
        # old article changes silently (no lastmod), so the default run does not see it.
        replace_in(bakery, "Mill Street bakery wins gold", "Mill Street bakery wins silver")
        replace_in(site / "sitemap-articles.xml", "2024-02-01T07:00:00+01:00", "2099-01-01")
        replace_in(budget, "City council approves", "City council rejects")
        requested.clear()
        run = run_crawl(sites_file, db_path)
        assert run.returncode == 0, run.log[-3000:]
        assert run.stat("fetch/changed") == 1
        assert "/news/2024/02/01/bakery-wins-award.html" in requested
        assert "/news/2024/03/05/city-council-approves-budget.html" not in requested

        # With every article inside the re-check window, the server's 304s keep it cheap.
        everything = run_crawl(sites_file, db_path, ARCHIVE_RECHECK_DAYS="1000000")
        assert everything.returncode == 0, everything.log[-3000:]
        assert everything.stat("archive/updated") == 1, everything.log[-6000:]
        assert everything.stat("archive/not_modified") >= len(before) - 1

    after = dict(query(db_path, "select url, title from articles"))
    assert after.keys() == before.keys()
    versions = query(db_path, "select url, title, changed from article_versions order by id")
    bakery_url, budget_url = (f"{base}/{path.relative_to(site)}" for path in (bakery, budget))
    assert [(url, changed) for url, _, changed in versions] == [
        (bakery_url, '["title"]'),
        (budget_url, '["title"]'),
    ]
    assert versions[0][1] == before[bakery_url]
    assert "silver" in after[bakery_url]
    assert "rejects" in after[budget_url]


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path.name}"
    path.write_text(text.replace(old, new))


def query(db_path: Path, sql: str) -> list[tuple[Any, ...]]:
    with closing(sqlite3.connect(db_path)) as connection:
        return connection.execute(sql).fetchall()


def test_a_crawl_types_each_failure_by_whether_trying_again_can_help(crawled: CrawlRun) -> None:
    statuses = {
        row["url"].split("/")[-1]: row["status"]
        for row in crawled.rows("select url, status from seen_urls where status like 'failed%'")
    }
    assert statuses["500.html"] == FetchStatus.FAILED_MAY_PASS
    assert statuses["slow-story.html"] == FetchStatus.FAILED_MAY_PASS  # a timeout
    assert statuses["empty-story.html"] == FetchStatus.FAILED_MAY_PASS
    assert statuses["withdrawn-story.html"] == FetchStatus.FAILED_LASTING  # HTTP 404
    assert statuses["annual-report.pdf"] == FetchStatus.FAILED_LASTING
    assert statuses["watch-festival-fireworks.html"] == FetchStatus.FAILED_LASTING  # no text
