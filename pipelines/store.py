"""The store stage: articles upserted into the archive on their canonical URL, failures recorded.

Writes are batched: one transaction per ARCHIVE_COMMIT_EVERY items or ARCHIVE_COMMIT_SECONDS,
whichever comes first, and on close. A killed crawl loses at most the open batch, and since the
batch's seen_urls marks go with it, the next run fetches those pages again.

Every page that was requested or fetched but not archived leaves a `failures` row, whichever
stage gave up on it, including pages dropped by an earlier stage (via Scrapy's signals). Each
run is a `crawls` row with per-site counts in `crawl_sites`.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from sqlite_utils import Database
from twisted.internet import task

from crawler.items import Article, PageFailure, PageNotModified
from crawler.middlewares import request_refused
from pipelines.archive import (
    SITE_COUNTS,
    ArchiveUnavailable,
    archive_article,
    content_hash,
    finish_crawl,
    mark_seen,
    open_archive,
    record_failure,
    start_crawl,
    utc_now,
)
from pipelines.cleanup import count_words

logger = logging.getLogger(__name__)

# Outcomes of archive_article, as counted per site in crawl_sites.
SITE_COUNT_OF_OUTCOME = {"inserted": "archived", "updated": "updated", "unchanged": "unchanged"}


class ArchiveFull(DropItem):
    """The disk holding the archive filled up mid-crawl: the crawl stops, nothing is lost."""

    stage = "store"


def article_row(item: Article) -> dict[str, Any]:
    return {
        "url": item.url,
        "site": item.site,
        "title": item.title,
        "text": item.text,
        "authors": item.authors,
        "published_at": item.published_at,
        "modified_at": item.modified_at,
        "published_raw": item.published_raw,
        "language": item.language,
        "description": item.description,
        "tags": item.tags,
        "image": item.image,
        "sitename": item.sitename,
        "word_count": count_words(item.text),
        "fetched_at": item.fetched_at,
        "content_hash": content_hash(item.title, item.text),
    }


def site_counts(stats: dict[str, Any], sites: list[str]) -> dict[str, dict[str, int]]:
    """The per-site counters (stats named sites/<site>/<count>) of a crawl."""
    return {
        site: {name: int(stats.get(f"sites/{site}/{name}", 0)) for name in SITE_COUNTS}
        for site in sites
    }


def stop(crawler: Crawler, reason: str) -> None:
    """Close the spider from inside a pipeline, as Scrapy's CloseSpider does from a callback."""
    assert crawler.engine is not None
    deferred_from_coro(crawler.engine.close_spider_async(reason=reason))


class StoreStage:
    """Pipeline stage: write articles and failures to the archive given by ARCHIVE_DB."""

    def __init__(
        self,
        path: str,
        stats: StatsCollector | None = None,
        *,
        commit_every: int = 100,
        commit_seconds: float = 2.0,
        stop_crawl: Callable[[str], None] | None = None,
    ) -> None:
        self.path = path
        self.stop_crawl = stop_crawl
        self.full = False
        self.stats = stats
        self.commit_every = max(1, commit_every)
        self.commit_seconds = commit_seconds
        self.db: Database | None = None
        self.crawl_id: int | None = None
        self.sites: list[str] = []
        self.pending = 0
        self.batch_started = 0.0
        self.flusher: task.LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        path = settings.get("ARCHIVE_DB")
        if not path:
            raise NotConfigured("ARCHIVE_DB is empty: no archive to write to")
        stage = cls(
            path,
            stats=crawler.stats,
            commit_every=settings.getint("ARCHIVE_COMMIT_EVERY"),
            commit_seconds=settings.getfloat("ARCHIVE_COMMIT_SECONDS"),
            stop_crawl=lambda reason: stop(crawler, reason),
        )
        crawler.signals.connect(stage.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(stage.item_error, signal=signals.item_error)
        crawler.signals.connect(stage.request_refused, signal=request_refused)
        crawler.signals.connect(stage.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(stage.spider_closed, signal=signals.spider_closed)
        return stage

    def open_spider(self) -> None:
        self.db = open_archive(self.path)
        logger.info("Archiving into %s", self.path)

    def spider_opened(self, spider: Spider) -> None:
        self.sites = [site.name for site in getattr(spider, "sites", [])]
        self.crawl_id = start_crawl(self._archive(), self.sites)
        if self.commit_seconds > 0:
            self.flusher = task.LoopingCall(self._flush_if_due)
            self.flusher.start(self.commit_seconds, now=False)

    def close_spider(self) -> None:
        self.flush()

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.flusher is not None and self.flusher.running:
            self.flusher.stop()
        if self.db is None:
            return
        self.flush()
        if self.crawl_id is not None and self.stats is not None:
            counts = site_counts(self.stats.get_stats(), self.sites)
            try:
                finish_crawl(self.db, self.crawl_id, reason, counts)
            except sqlite3.OperationalError as error:
                logger.error("Could not record the end of the crawl in the archive: %s", error)
        self.db.close()
        self.db = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageFailure):
            self._record(item)
        elif isinstance(item, Article):
            self._archive_article(item)
        elif isinstance(item, PageNotModified):
            self._write(
                lambda db: mark_seen(db, item.url, item.site, "not modified", item.fetched_at)
            )
            self._count("archive/not_modified", item.site, "unchanged")
        return item

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, Article) and not self.full:
            stage = getattr(exception, "stage", "pipeline")
            self._record(PageFailure(item.url, item.site, stage, str(exception)))

    def item_error(self, item: Any, failure: Any) -> None:
        """A bug or a library crash on one page: keep a record, the crawl goes on."""
        if isinstance(item, Article) and not self.full:
            error = failure.value
            reason = f"internal error: {type(error).__name__}: {error}"
            self._record(PageFailure(item.url, item.site, "pipeline", reason))

    def request_refused(self, failure: PageFailure) -> None:
        """A request outside its site's boundary (crawler/middlewares.py FetchGuard)."""
        if not self.full:
            self._record(failure)

    def flush(self) -> None:
        """Commit the open batch, if any."""
        if self.db is not None and self.db.conn.in_transaction:
            try:
                self.db.conn.commit()
            except sqlite3.OperationalError as error:
                self.db.conn.rollback()
                self._disk_full(error)
        self.pending = 0

    def _archive_article(self, item: Article) -> None:
        row = article_row(item)
        outcome = ""

        def write(db: Database) -> None:
            nonlocal outcome
            outcome = archive_article(db, row)
            mark_seen(
                db,
                item.url,
                item.site,
                outcome,
                item.fetched_at,
                content_hash=row["content_hash"],
                etag=item.etag,
                last_modified=item.last_modified,
            )

        self._write(write)
        self._count(f"archive/{outcome}", item.site, SITE_COUNT_OF_OUTCOME[outcome])

    def _record(self, failure: PageFailure) -> None:
        def write(db: Database) -> None:
            at = utc_now()
            record_failure(db, failure, at=at, crawl_id=self.crawl_id)
            if failure.article:
                status = f"failed: {failure.stage}: {failure.reason}"
                mark_seen(db, failure.url, failure.site, status, at)

        self._write(write)
        self._count(f"failures/{failure.stage}", failure.site, "failed")

    def _write(self, write: Any) -> None:
        db = self._archive()
        if self.full:
            raise ArchiveFull("not archived: the archive's disk is full")
        try:
            if not db.conn.in_transaction:
                db.execute("BEGIN IMMEDIATE")
                self.batch_started = time.monotonic()
            with db.atomic():
                write(db)
        except sqlite3.OperationalError as error:
            self._disk_full(error)
            raise ArchiveFull("not archived: the archive's disk is full") from None
        self.pending += 1
        if self.pending >= self.commit_every:
            self.flush()

    def _disk_full(self, error: sqlite3.OperationalError) -> None:
        """Stop the crawl when the disk is full; anything else is a bug to raise."""
        if "full" not in str(error):
            raise error
        if not self.full:
            self.full = True
            logger.error(
                "The disk holding the archive %s is full (%s): the crawl stops. What was "
                "committed is intact; free some space and run again to fetch the rest.",
                self.path,
                error,
            )
            if self.stop_crawl is not None:
                self.stop_crawl("archive_disk_full")

    def _flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self.batch_started >= self.commit_seconds:
            self.flush()

    def _archive(self) -> Database:
        if self.db is None:
            raise ArchiveUnavailable("the archive is not open")
        return self.db

    def _count(self, key: str, site: str | None = None, site_count: str | None = None) -> None:
        if self.stats is None:
            return
        self.stats.inc_value(key)
        if site and site_count:
            self.stats.inc_value(f"sites/{site}/{site_count}")
