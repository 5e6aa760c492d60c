"""The store stage: articles upserted into the archive on their canonical URL, failures recorded.

Writes are batched: one transaction per ARCHIVE_COMMIT_EVERY items or ARCHIVE_COMMIT_SECONDS,
whichever comes first, and on close. A killed crawl loses at most the open batch, and since the
batch's seen_urls marks go with it, the next run fetches those pages again.

Every page that was requested or fetched but not archived leaves a `failures` row, whichever
stage gave up on it, including pages dropped by an earlier stage (via Scrapy's signals). Each
run is a `crawls` row with per-site counts in `crawl_sites`.

In a distributed crawl the coordinator's store also writes what the workers (and its own
fetching) sent back through the results queue (`store_shipment`: the WARC records first, then
the item), and tells the cluster after each commit, which then acknowledges those results.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured
from scrapy.statscollectors import StatsCollector
from scrapy.utils.defer import deferred_from_coro
from sqlite_utils import Database
from twisted.internet import task

from archive.lock import ArchiveLock, lock_archive
from archive.schema import SITE_COUNTS, ArchiveUnavailable, open_archive, sqlite_error_name
from archive.status import FetchStatus, failure_status
from archive.writes import (
    archive_article,
    content_hash,
    finish_crawl,
    link_capture,
    mark_seen,
    record_capture,
    record_failure,
    start_crawl,
    utc_now,
)
from captures.writing import Capture, CaptureKind, RecordPair, WarcFiles, WarcNotWritable
from crawler.capture import response_captured, warc_files_for
from crawler.cluster import Cluster, cluster_for
from crawler.items import Article, PageFailure, PageNotModified
from crawler.middlewares import request_refused
from distributed.results import ShippedCapture, Taken
from extraction.text import count_words

logger = logging.getLogger(__name__)

# Outcomes of archive_article, as counted per site in crawl_sites.
SITE_COUNT_OF_OUTCOME = {
    FetchStatus.INSERTED: "archived",
    FetchStatus.UPDATED: "updated",
    FetchStatus.UNCHANGED: "unchanged",
}


class ArchiveFull(DropItem):
    """The archive cannot take a write any more (its disk filled up, or it became read-only)
    mid-crawl: the crawl stops, and what was committed is intact."""

    stage = "store"


# Why a crawl stops when the archive cannot be written, by SQLite's result code.
STOP_REASONS = {"SQLITE_FULL": "archive_disk_full"}
STOP_REASON_OTHERWISE = "archive_not_writable"


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


def article_hints(item: Article) -> dict[str, Any] | None:
    """What a feed or sitemap said of the page, kept with its capture for re-extraction."""
    if not (item.hint_title or item.hint_dates or item.hint_authors):
        return None
    return {
        "title": item.hint_title,
        "dates": [{"raw": date.raw, "source": date.source} for date in item.hint_dates],
        "authors": item.hint_authors,
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
        warc: WarcFiles | None = None,
        cluster: Cluster | None = None,
    ) -> None:
        self.path = path
        # A distributed crawl's coordinator: told of each commit (see store_shipment).
        self.cluster = cluster
        # The WARC files the captures rows point into: flushed to disk before each commit.
        self.warc = warc
        self.stop_crawl = stop_crawl
        # Set, with what SQLite said, once the archive could not take a write: from then on
        # nothing more is stored (each item is counted as archive/not_stored).
        self.unwritable: str | None = None
        self.lock: ArchiveLock | None = None
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
            warc=warc_files_for(crawler),
            cluster=cluster_for(crawler),
        )
        crawler.signals.connect(stage.response_captured, signal=response_captured)
        if stage.cluster is None:
            crawler.signals.connect(stage.item_dropped, signal=signals.item_dropped)
            crawler.signals.connect(stage.item_error, signal=signals.item_error)
        else:
            # Every article comes from a leased request: the cluster sends its failure back
            # through the results queue, and this stage stores it from there.
            stage.cluster.store = stage
        crawler.signals.connect(stage.request_refused, signal=request_refused)
        crawler.signals.connect(stage.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(stage.spider_closed, signal=signals.spider_closed)
        return stage

    def open_spider(self) -> None:
        self.lock = lock_archive(self.path)
        self.db = open_archive(self.path)
        logger.info("Archiving into %s", self.path)

    def spider_opened(self, spider: Spider) -> None:
        self.sites = [site.name for site in getattr(spider, "sites", [])]
        self.crawl_id = start_crawl(self._archive(), self.sites)
        if self.stats is not None:
            self.stats.set_value("archive/crawl_id", self.crawl_id)
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
        if self.lock is not None:
            self.lock.close()
            self.lock = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageFailure):
            self._record(item)
        elif isinstance(item, Article):
            self._archive_article(item)
        elif isinstance(item, PageNotModified):
            self._write(
                lambda db: mark_seen(
                    db, item.url, item.site, FetchStatus.NOT_MODIFIED, item.fetched_at
                )
            )
            self._count("archive/not_modified", item.site, "unchanged")
        return item

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, Article) and not isinstance(exception, ArchiveFull):
            stage = getattr(exception, "stage", "pipeline")
            lasting = getattr(exception, "lasting", False)
            self._record_from_signal(
                PageFailure(item.url, item.site, stage, str(exception), lasting=lasting)
            )

    def item_error(self, item: Any, failure: Any) -> None:
        """A bug or a library crash on one page: keep a record, the crawl goes on."""
        if isinstance(item, Article):
            error = failure.value
            reason = f"internal error: {type(error).__name__}: {error}"
            self._record_from_signal(PageFailure(item.url, item.site, "pipeline", reason))

    def request_refused(self, failure: PageFailure, request: Any = None) -> None:
        """A request outside its site's boundary (crawler/middlewares.py FetchGuard)."""
        if request is not None and "lease_id" in request.meta:
            return  # a distributed crawl's: it comes back with its result (crawler/cluster.py)
        self._record_from_signal(failure)

    def response_captured(self, capture: Capture) -> None:
        """A response written to a WARC file (crawler/capture.py): its captures row."""
        with suppress(ArchiveFull):
            self._write(lambda db: record_capture(db, capture, self.crawl_id))

    def _record_from_signal(self, failure: PageFailure) -> None:
        """Record a failure Scrapy reported by a signal (an exception here would only be
        logged by Scrapy: a full archive is already counted and has stopped the crawl)."""
        with suppress(ArchiveFull):
            self._record(failure)

    def flush(self) -> None:
        """Commit the open batch, if any."""
        if self.db is not None and self.db.conn.in_transaction:
            try:
                started, started_cpu = time.perf_counter(), time.thread_time()
                if self.warc is not None:
                    # The records the batch's captures rows point at are on disk first.
                    self.warc.sync()
                self.db.conn.commit()
                if self.cluster is not None:
                    self.cluster.store_seconds(
                        time.perf_counter() - started, time.thread_time() - started_cpu
                    )
            except (sqlite3.DatabaseError, OSError) as error:
                self.db.conn.rollback()
                self._count("archive/not_stored", by=self.pending)
                self._cannot_write(error)
            else:
                if self.cluster is not None:
                    self.cluster.committed()
        self.pending = 0

    def store_shipment(self, taken: Taken) -> None:
        """A result from the results queue: its WARC records appended to the archive's own
        files and their captures rows written, then the item stored as if fetched here."""
        item = taken.result
        site = getattr(item, "site", None)
        for shipped in taken.captures:
            self._store_capture(shipped)
        if taken.fetched and site:
            self._count(f"sites/{site}/fetched")
        with suppress(ArchiveFull):
            self.process_item(item)

    def _store_capture(self, shipped: ShippedCapture) -> None:
        if self.warc is None:
            return  # ARCHIVE_WARC is off on the coordinator: pages are not kept
        records = RecordPair(
            response=shipped.response,
            request=shipped.request,
            record_id=shipped.record_id,
            payload_digest=shipped.payload_digest,
        )
        try:
            capture = self.warc.write_records(
                records,
                url=shipped.url,
                kind=CaptureKind(shipped.kind),
                site=shipped.site,
                status=shipped.status,
                fetched_at=shipped.fetched_at,
            )
        except WarcNotWritable as error:
            self._count("warc/not_written")
            logger.error("A page sent by a worker is archived but not kept as fetched: %s", error)
            return
        self._count(f"warc/{capture.kind}")
        self._count("warc/bytes", by=capture.length)
        self.response_captured(capture)

    def _archive_article(self, item: Article) -> None:
        row = article_row(item)
        outcome = FetchStatus.UNCHANGED

        def write(db: Database) -> None:
            nonlocal outcome
            if item.capture_id is not None:
                row["capture_id"] = link_capture(db, item.capture_id, article_hints(item))
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
                status = failure_status(failure.lasting)
                detail = f"failed: {failure.stage}: {failure.reason}"
                mark_seen(db, failure.url, failure.site, status, at, detail=detail)

        self._write(write)
        self._count(f"failures/{failure.stage}", failure.site, "failed")

    def _write(self, write: Any) -> None:
        db = self._archive()
        if self.unwritable is None:
            try:
                if not db.conn.in_transaction:
                    db.execute("BEGIN IMMEDIATE")
                    self.batch_started = time.monotonic()
                with db.atomic():
                    write(db)
            except sqlite3.OperationalError as error:
                self._cannot_write(error)
            else:
                self.pending += 1
                if self.pending >= self.commit_every:
                    self.flush()
                return
        self._count("archive/not_stored")
        raise ArchiveFull(f"not archived: the archive cannot be written ({self.unwritable})")

    def _cannot_write(self, error: sqlite3.DatabaseError | OSError) -> None:
        """Stop the crawl: nothing more can be stored (a full disk, a file made read-only,
        a folder gone); pages fetched from now on would be lost."""
        if self.unwritable is not None:
            return
        self.unwritable = str(error)
        kind = sqlite_error_name(error)
        reason = STOP_REASONS.get(kind, STOP_REASON_OTHERWISE)
        advice = (
            "free some space"
            if kind == "SQLITE_FULL"
            else "make the archive file and its folder writable again"
        )
        logger.error(
            "The archive %s cannot be written any more (%s: %s): the crawl stops. What was "
            "committed is intact; %s and run again to fetch the rest.",
            self.path,
            kind,
            error,
            advice,
        )
        if self.stop_crawl is not None:
            self.stop_crawl(reason)

    def _flush_if_due(self) -> None:
        if self.pending and time.monotonic() - self.batch_started >= self.commit_seconds:
            self.flush()

    def _archive(self) -> Database:
        if self.db is None:
            raise ArchiveUnavailable("the archive is not open")
        return self.db

    def _count(
        self, key: str, site: str | None = None, site_count: str | None = None, by: int = 1
    ) -> None:
        if self.stats is None:
            return
        self.stats.inc_value(key, by)
        if site and site_count:
            self.stats.inc_value(f"sites/{site}/{site_count}")
