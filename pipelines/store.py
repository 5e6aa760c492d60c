"""The store stage: articles upserted into SQLite on their canonical URL, failures recorded.

The schema is code (sqlite-utils migrations), applied at start; applying it twice is a no-op.
Every page that was requested or fetched but not archived leaves a `failures` row, whichever
stage gave up on it, including pages dropped by an earlier stage (via Scrapy's signals).
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.statscollectors import StatsCollector
from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from crawler.items import Article, PageFailure
from pipelines.cleanup import count_words

logger = logging.getLogger(__name__)

migrations = Migrations("morgue")


@migrations()
def m001_create_articles(db: Database) -> None:
    db["articles"].create(  # type: ignore[union-attr]
        {
            "url": str,
            "site": str,
            "title": str,
            "text": str,
            "authors": str,
            "published_at": str,
            "modified_at": str,
            "published_raw": str,
            "language": str,
            "description": str,
            "tags": str,
            "image": str,
            "sitename": str,
            "word_count": int,
            "fetched_at": str,
            "content_hash": str,
        },
        pk="url",
        not_null={"site", "fetched_at"},
        defaults={"authors": "[]", "tags": "[]"},
    )
    db["articles"].create_index(["site", "published_at"])  # type: ignore[union-attr]
    db["articles"].create_index(["published_at"])  # type: ignore[union-attr]


@migrations()
def m002_create_failures(db: Database) -> None:
    db["failures"].create(  # type: ignore[union-attr]
        {"id": int, "url": str, "site": str, "stage": str, "reason": str, "at": str},
        pk="id",
        not_null={"url", "stage", "reason", "at"},
    )
    db["failures"].create_index(["url"])  # type: ignore[union-attr]
    db["failures"].create_index(["at"])  # type: ignore[union-attr]


@migrations()
def m003_articles_search(db: Database) -> None:
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")  # type: ignore[union-attr]


class ArchiveUnavailable(RuntimeError):
    """The archive file cannot be opened for writing; the message says what to do."""


def open_archive(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the archive; fail early with a usable message."""
    path = Path(path)
    hint = "choose another path with -s ARCHIVE_DB=path/to/archive.db"
    if path.parent.exists() and not path.parent.is_dir():
        raise ArchiveUnavailable(
            f"cannot create the archive {path}: {path.parent} is a file, not a folder; {hint}"
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ArchiveUnavailable(
            f"cannot create the folder for the archive {path}: {error.strerror}; {hint}"
        ) from None
    if path.is_dir():
        raise ArchiveUnavailable(f"the archive path {path} is a folder, not a file; {hint}")
    try:
        db = Database(sqlite3.connect(str(path), timeout=30, check_same_thread=False))
        db.execute("PRAGMA busy_timeout = 30000")
        db.enable_wal()
        migrations.apply(db)
        # Take the write lock once, so a read-only file fails now rather than mid-crawl.
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    except sqlite3.DatabaseError as error:
        raise ArchiveUnavailable(
            f"cannot write to the archive {path}: {error}; check that the file is an SQLite "
            f"database you may write to and that the disk is not full, or {hint}"
        ) from None
    return db


def content_hash(title: str | None, text: str) -> str:
    return hashlib.sha256(f"{title or ''}\n{text}".encode()).hexdigest()


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


def archive_article(db: Database, row: dict[str, Any]) -> str:
    """Insert or update one article; say which: "inserted", "updated" or "unchanged"."""
    existing = db.execute(
        "select content_hash from articles where url = ?", [row["url"]]
    ).fetchone()
    with db.atomic():
        if existing is None:
            db["articles"].insert(row)  # type: ignore[union-attr]
            return "inserted"
        if existing[0] == row["content_hash"]:
            db.execute(
                "update articles set fetched_at = ? where url = ?", [row["fetched_at"], row["url"]]
            )
            return "unchanged"
        db["articles"].upsert(row, pk="url")  # type: ignore[union-attr]
        return "updated"


def record_failure(db: Database, failure: PageFailure, at: str | None = None) -> None:
    with db.atomic():
        db["failures"].insert(  # type: ignore[union-attr]
            {
                "url": failure.url,
                "site": failure.site,
                "stage": failure.stage,
                "reason": failure.reason,
                "at": at or utc_now(),
            }
        )


def utc_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StoreStage:
    """Pipeline stage: write articles and failures to the archive given by ARCHIVE_DB."""

    def __init__(self, path: str, stats: StatsCollector | None = None) -> None:
        self.path = path
        self.stats = stats
        self.db: Database | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("ARCHIVE_DB")
        if not path:
            raise NotConfigured("ARCHIVE_DB is empty: no archive to write to")
        stage = cls(path, stats=crawler.stats)
        crawler.signals.connect(stage.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(stage.item_error, signal=signals.item_error)
        return stage

    def open_spider(self) -> None:
        self.db = open_archive(self.path)
        logger.info("Archiving into %s", self.path)

    def close_spider(self) -> None:
        if self.db is not None:
            self.db.close()
            self.db = None

    def process_item(self, item: Any) -> Any:
        if isinstance(item, PageFailure):
            self._record(item)
        elif isinstance(item, Article):
            outcome = archive_article(self._archive(), article_row(item))
            self._count(f"archive/{outcome}")
        return item

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(item, Article):
            stage = getattr(exception, "stage", "pipeline")
            self._record(PageFailure(item.url, item.site, stage, str(exception)))

    def item_error(self, item: Any, failure: Any) -> None:
        """A bug or a library crash on one page: keep a record, the crawl goes on."""
        if isinstance(item, Article):
            error = failure.value
            reason = f"internal error: {type(error).__name__}: {error}"
            self._record(PageFailure(item.url, item.site, "pipeline", reason))

    def _record(self, failure: PageFailure) -> None:
        record_failure(self._archive(), failure)
        self._count(f"failures/{failure.stage}")

    def _archive(self) -> Database:
        if self.db is None:
            raise ArchiveUnavailable("the archive is not open")
        return self.db

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)
